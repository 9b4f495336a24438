//! A lake in object storage (docs/object-storage.md): the demo lake uploaded to a local
//! S3-compatible server (moto's, `python3 -m moto.server`; `pip install "moto[server]"`,
//! `.ci/run` installs it), started by each test on a free port and stopped at its end, then
//! read by `rallylens analyze --lake s3://…` (the metrics are the same bytes as the local
//! analyze's), by `run` and `lake`, and by a Sail Spark Connect server told the parts' s3://
//! URLs. The lake's key never goes to the store, and no credential is in any message.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{s, Workdir};
use crate::spark::{demo_lake, Server};

const ACCESS_KEY_ID: &str = "RLTESTACCESSKEYID42";
const SECRET: &str = "rallylens-test-secret-0f9e8d7c6b5a";
const BUCKET: &str = "lakes";

/// A moto S3 server of this test; killed when dropped.
struct Moto {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Moto {
    /// Starts `python3 -m moto.server` on a free port of 127.0.0.1 and waits until it accepts
    /// connections (60 s at most). Its request log (one line per request) goes to `log`.
    fn start(dir: &Path) -> Moto {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = dir.join("moto.log");
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect(
                "python3 is missing: the object storage test needs Python 3 with moto[server] (.ci/run installs it)",
            );
        let mut moto = Moto { child, port, log };
        let t = Instant::now();
        loop {
            if let Some(status) = moto.child.try_wait().unwrap() {
                panic!(
                    "the moto server exited ({status}) before it listened (pip install \"moto[server]\"; .ci/run does):\n{}",
                    moto.log_text()
                );
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return moto;
            }
            assert!(t.elapsed() < Duration::from_secs(60), "moto did not listen within 60 s:\n{}", moto.log_text());
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log_text(&self) -> String {
        let mut s = String::new();
        std::fs::File::open(&self.log).and_then(|mut f| f.read_to_string(&mut s)).ok();
        s
    }

    /// The standard AWS variables that point a client at this server, with this test's
    /// credentials (moto takes any).
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID.into()),
            ("AWS_SECRET_ACCESS_KEY", SECRET.into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ALLOW_HTTP", "true".into()),
        ]
    }

    /// Creates `bucket` (when new) and uploads the lake folder `lake` under `prefix`, as
    /// `aws s3 sync` would, but for the files in `skip` (relative paths) and the lock file.
    fn upload(&self, lake: &Path, bucket: &str, prefix: &str, skip: &[&str]) {
        let script = r#"
import os, sys, boto3
bucket, prefix, root = sys.argv[1:4]
skip = set(sys.argv[4:])
s3 = boto3.client("s3")
if bucket not in [b["Name"] for b in s3.list_buckets().get("Buckets", [])]:
    s3.create_bucket(Bucket=bucket)
for d, _, files in os.walk(root):
    for f in files:
        rel = os.path.relpath(os.path.join(d, f), root).replace(os.sep, "/")
        if rel != "_lock" and rel not in skip:
            s3.upload_file(os.path.join(d, f), bucket, prefix + "/" + rel)
"#;
        let o = Command::new("python3")
            .args(["-c", script, bucket, prefix, s(lake)])
            .args(skip)
            .envs(self.env())
            .output()
            .expect("python3");
        assert!(o.status.success(), "uploading the lake:\n{}", String::from_utf8_lossy(&o.stderr));
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs rallylens in `w` with the moto server's variables and `w`'s own cache folder;
/// returns (exit code, stdout, stderr).
fn rl(w: &Workdir, moto: &Moto, args: &[&str]) -> (i32, String, String) {
    let o = w
        .cmd()
        .args(args)
        .envs(moto.env())
        .env("XDG_CACHE_HOME", w.path("cache"))
        .env_remove("RALLYLENS_CACHE_DIR")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL_S3")
        .env_remove("AWS_ENDPOINT")
        .output()
        .expect("run rallylens");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

fn rl_ok(w: &Workdir, moto: &Moto, args: &[&str]) -> (String, String) {
    let (code, out, err) = rl(w, moto, args);
    assert_eq!(code, 0, "rallylens {args:?} failed:\n{out}\n{err}");
    (out, err)
}

/// Every metric file of two output folders is the same bytes, and so is metrics.json when
/// both came from the same pipeline file.
fn same_metrics(a: &Path, b: &Path) {
    let mut names: Vec<String> = std::fs::read_dir(a.join("metrics"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() > 20, "{names:?}");
    let same_pipeline = |d: &Path| {
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(d.join("metrics.json")).unwrap()).unwrap();
        v["pipeline"].clone()
    };
    if same_pipeline(a) == same_pipeline(b) {
        let (x, y) = (std::fs::read(a.join("metrics.json")).unwrap(), std::fs::read(b.join("metrics.json")).unwrap());
        assert!(x == y, "metrics.json differs between {} and {}", a.display(), b.display());
    }
    for n in &names {
        let (x, y) = (std::fs::read(a.join("metrics").join(n)).unwrap(), std::fs::read(b.join("metrics").join(n)));
        assert!(y.is_ok_and(|y| y == x), "metrics/{n} differs between {} and {}", a.display(), b.display());
    }
    // metrics.json names the pipeline file; the rest of it is the same.
    let json = |d: &Path| {
        let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(d.join("metrics.json")).unwrap()).unwrap();
        v.as_object_mut().unwrap().remove("pipeline");
        v
    };
    assert_eq!(json(a), json(b), "metrics.json differs between {} and {}", a.display(), b.display());
}

/// Every file under `dir`, as paths relative to it.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

/// The requests moto logged that change the store (what rallylens must never send).
fn writes(log: &str) -> Vec<&str> {
    log.lines().filter(|l| ["\"PUT ", "\"POST ", "\"DELETE "].iter().any(|m| l.contains(m))).collect()
}

#[test]
fn analyze_of_a_lake_in_s3_is_the_local_analyze_of_the_same_lake() {
    let w = Workdir::new();
    let (lake, pipeline) = demo_lake(&w);
    let key_file = rallylens::pseudo::Pseudonymizer::key_path(&lake);
    let moto = Moto::start(w.dir.path());
    moto.upload(&lake, BUCKET, "demo", &[]);
    let uploaded = moto.log_text().len();
    let url = format!("s3://{BUCKET}/demo");

    w.log(&["--quiet", "analyze", s(&pipeline), "--lake", s(&lake), "--out", s(&w.path("local"))]);
    let (out, err) =
        rl_ok(&w, &moto, &["analyze", s(&pipeline), "--lake", &url, "--key", s(&key_file), "--out", s(&w.path("s3"))]);
    assert_eq!(out, "");
    assert!(err.contains("lake: copying ") && err.contains(&format!("parts of {url}")), "{err}");
    same_metrics(&w.path("local"), &w.path("s3"));

    // The copy holds the manifest and the visible parts, nothing else of the lake (no
    // _sources/, no _rejects/) and no key.
    let lakes = w.path("cache/rallylens/lakes");
    let copies: Vec<PathBuf> = std::fs::read_dir(&lakes).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copies[0]).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "the copy of the lake is readable by others: {mode:o}");
    }
    let copy = copies[0].join("lake");
    let files = files_under(&copy);
    assert!(files.contains(&"_manifest.json".to_string()), "{files:?}");
    assert!(files.iter().any(|f| f.starts_with("posts/platform=")), "{files:?}");
    assert!(files.iter().any(|f| f.starts_with("actions/platform=")), "{files:?}");
    for f in files_under(&copies[0]) {
        assert!(!f.contains("_sources") && !f.contains("_rejects") && !f.ends_with(".key"), "the cache holds {f}");
    }
    assert_eq!(
        std::fs::read(copy.join("_manifest.json")).unwrap(),
        std::fs::read(lake.join("_manifest.json")).unwrap()
    );

    // Again: every part is reused (same size and ETag in the store); a part missing from
    // the copy is copied again; the metrics are the same.
    let (_, err) = rl_ok(
        &w,
        &moto,
        &["-v", "analyze", s(&pipeline), "--lake", &url, "--key", s(&key_file), "--out", s(&w.path("s3b"))],
    );
    assert!(err.contains(&format!("lake: {url}: 0 parts copied (0 bytes), ")), "{err}");
    assert!(!err.contains("lake: copying"), "{err}");
    same_metrics(&w.path("local"), &w.path("s3b"));
    let part = files.iter().find(|f| f.starts_with("posts/platform=")).unwrap();
    std::fs::remove_file(copy.join(part)).unwrap();
    let (_, err) = rl_ok(
        &w,
        &moto,
        &["-v", "analyze", s(&pipeline), "--lake", &url, "--key", s(&key_file), "--out", s(&w.path("s3c"))],
    );
    assert!(err.contains(&format!("lake: {url}: 1 parts copied (")), "{err}");
    same_metrics(&w.path("local"), &w.path("s3c"));

    // `lake` summarises the same lake, named by its URL.
    let (local, remote): (serde_json::Value, serde_json::Value) = (
        serde_json::from_str(&w.ok(&["lake", s(&lake), "--json"])).unwrap(),
        serde_json::from_str(&rl_ok(&w, &moto, &["lake", &url, "--json"]).0).unwrap(),
    );
    assert_eq!(remote["lake"], url.as_str());
    assert_eq!(local["partitions"], remote["partitions"]);
    assert_eq!(local["files"], remote["files"]);
    // `campaigns` finds the same candidates, and prints analyze lines naming the URL.
    let (local_cands, remote_cands) = (
        w.ok(&["campaigns", "--lake", s(&lake), "--format", "json"]),
        rl_ok(&w, &moto, &["campaigns", "--lake", &url, "--format", "json"]).0,
    );
    assert!(remote_cands.contains(&format!("\"{url}\"")), "{remote_cands}");
    assert_eq!(local_cands.replace(s(&lake), &url), remote_cands);

    // `run` of a pipeline whose lake is the URL and which lists no inputs analyzes it (the
    // same metrics) and renders; with inputs, it is refused: rallylens does not write to a store.
    let text = std::fs::read_to_string(&pipeline).unwrap();
    let mut kept = vec![format!("lake = \"{url}\"")];
    let mut in_inputs = false;
    for line in text.lines() {
        if line.starts_with('[') {
            in_inputs = line.trim() == "[[inputs]]";
        }
        if !in_inputs {
            kept.push(line.to_string());
        }
    }
    // (Beside the files the pipeline names, such as its key accounts.)
    for e in std::fs::read_dir(pipeline.parent().unwrap()).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x != "toml") {
            w.write(&format!("pipelines/{}", p.file_name().unwrap().to_string_lossy()), std::fs::read(&p).unwrap());
        }
    }
    let no_inputs = w.write("pipelines/s3.toml", kept.join("\n") + "\n");
    rl_ok(&w, &moto, &["--quiet", "run", s(&no_inputs), "--key", s(&key_file)]);
    same_metrics(&w.path("local"), &w.path("out/kenya_vs_shell"));
    assert!(w.path("out/kenya_vs_shell/report.html").exists());
    let with_inputs = w.write("pipelines/s3-inputs.toml", format!("lake = \"{url}\"\n{text}"));
    let (code, _, err) = rl(&w, &moto, &["run", s(&with_inputs), "--key", s(&key_file)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("does not write"), "{err}");

    // Nothing was ever written to the store after the upload: the key never went there.
    let log = moto.log_text();
    assert!(log[uploaded..].contains("GET /lakes/demo/_manifest.json"), "{log}");
    assert_eq!(writes(&log[uploaded..]), Vec::<&str>::new());

    // A new manifest without the first input: its parts leave the copy too.
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(lake.join("_manifest.json")).unwrap()).unwrap();
    let gone = manifest["files"].as_array_mut().unwrap().remove(0);
    let gone_id = gone["id"].as_str().unwrap().to_string();
    assert!(files.iter().any(|f| f.contains(&format!("/{gone_id}-"))), "{gone_id} has no part in {files:?}");
    let next = w.path("next");
    std::fs::create_dir_all(&next).unwrap();
    std::fs::write(next.join("_manifest.json"), serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
    moto.upload(&next, BUCKET, "demo", &[]);
    let summary: serde_json::Value = serde_json::from_str(&rl_ok(&w, &moto, &["lake", &url, "--json"]).0).unwrap();
    assert_eq!(summary["files_ingested"].as_u64().unwrap() + 1, local["files_ingested"].as_u64().unwrap());
    let left = files_under(&copy);
    assert!(
        !left.iter().any(|f| f.contains(&format!("/{gone_id}-"))),
        "{gone_id}'s parts are still in the copy: {left:?}"
    );
    assert!(left.iter().any(|f| f.starts_with("posts/platform=")), "{left:?}");
}

#[test]
fn spark_engine_reads_an_s3_lake_at_its_urls_and_agrees_with_local() {
    let w = Workdir::new();
    let (lake, pipeline) = demo_lake(&w);
    let key_file = rallylens::pseudo::Pseudonymizer::key_path(&lake);
    let moto = Moto::start(w.dir.path());
    moto.upload(&lake, BUCKET, "demo", &[]);
    let env = moto.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let sail = Server::sail_with(w.dir.path(), &env);
    let url = format!("s3a://{BUCKET}/demo");

    w.log(&["--quiet", "analyze", s(&pipeline), "--lake", s(&lake), "--out", s(&w.path("local"))]);
    // A first analyze copies the lake into the cache; what the store serves afterwards is
    // what the server reads.
    rl_ok(
        &w,
        &moto,
        &["--quiet", "analyze", s(&pipeline), "--lake", &url, "--key", s(&key_file), "--out", s(&w.path("a"))],
    );
    let before = moto.log_text().len();
    let (_, err) = rl_ok(
        &w,
        &moto,
        &[
            "-v",
            "analyze",
            s(&pipeline),
            "--lake",
            &url,
            "--key",
            s(&key_file),
            "--out",
            s(&w.path("spark")),
            "--engine",
            &sail.url(),
        ],
    );
    assert!(err.contains("0 parts copied") && err.contains("hashtag_daily shell: "), "{err}");
    same_metrics(&w.path("local"), &w.path("spark"));

    // The server read the posts' parts from the store (rallylens copied nothing this time),
    // was told their s3a:// URLs, never the local copy's paths, and never the key.
    let log = moto.log_text();
    assert!(
        log[before..].contains("GET /lakes/demo/posts/platform="),
        "the server read no part from the store:\n{log}"
    );
    let sail_log = sail.log_text();
    assert!(sail_log.contains(&format!("{url}/posts/platform=")), "Sail's log names no part URL:\n{sail_log}");
    let cache = w.path("cache");
    let key = std::fs::read_to_string(&key_file).unwrap();
    for (what, text) in [("Sail's log", &sail_log), ("rallylens' stderr", &err)] {
        assert!(!text.contains(key.trim()), "{what} holds the lake's key");
        assert!(!text.contains(SECRET), "{what} holds the secret access key");
    }
    assert!(!sail_log.contains(s(&cache)), "Sail was told a path of the local copy:\n{sail_log}");
    assert_eq!(writes(&log[before..]), Vec::<&str>::new());
}

#[test]
fn a_lake_in_s3_that_cannot_be_read_is_a_named_error() {
    let w = Workdir::new();
    let (lake, pipeline) = demo_lake(&w);
    let key_file = rallylens::pseudo::Pseudonymizer::key_path(&lake);
    let moto = Moto::start(w.dir.path());
    // The demo lake without one posts part the manifest lists.
    let manifest = rallylens::lake::Manifest::load(&lake).unwrap();
    let (id, part) = manifest
        .files
        .iter()
        .flat_map(|f| f.parts.iter().map(move |p| (&f.id, p)))
        .find(|(_, p)| p.table == "posts" && p.visible_rows > 0)
        .unwrap();
    let missing = part.visible_rel(id);
    moto.upload(&lake, BUCKET, "demo", &[missing.as_str()]);
    let analyze = |lake_url: &str| {
        let out = w.path("o");
        let (code, stdout, err) =
            rl(&w, &moto, &["analyze", s(&pipeline), "--lake", lake_url, "--key", s(&key_file), "--out", s(&out)]);
        assert_eq!(stdout, "");
        assert!(!out.join("metrics").exists(), "metrics were written for {lake_url}");
        for secret in [SECRET, ACCESS_KEY_ID] {
            assert!(!err.contains(secret), "a credential in the message:\n{err}");
        }
        (code, err)
    };

    // A part the manifest lists, not in the store: exit 1, the part and its URL named.
    let (code, err) = analyze("s3://lakes/demo");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("lists the part {missing}, which is not in the store")), "{err}");
    assert!(err.contains(&format!("expected at s3://lakes/demo/{missing}")), "{err}");
    // No manifest at the prefix; no such bucket.
    let (code, err) = analyze("s3://lakes/elsewhere");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("there is no s3://lakes/elsewhere/_manifest.json"), "{err}");
    let (code, err) = analyze("s3://no-such-bucket/demo");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("the bucket no-such-bucket does not exist"), "{err}");
    // A store nobody listens at: bound, then released.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let o = w
        .cmd()
        .args(["analyze", s(&pipeline), "--lake", "s3://lakes/demo", "--key", s(&key_file), "--out", s(&w.path("o"))])
        .envs(moto.env())
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"))
        .env("XDG_CACHE_HOME", w.path("cache"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("could not be reached at http://127.0.0.1:{port}")), "{err}");
    assert!(!err.contains(SECRET) && !err.contains(ACCESS_KEY_ID), "{err}");
    // A Spark Connect server nobody answers at fails analyze before the store is asked.
    let before = moto.log_text().len();
    let (code, _, err) = rl(
        &w,
        &moto,
        &[
            "analyze",
            s(&pipeline),
            "--lake",
            "s3://lakes/demo",
            "--key",
            s(&key_file),
            "--engine",
            &format!("sc://127.0.0.1:{port}"),
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("connecting to the Spark Connect server"), "{err}");
    let log = moto.log_text();
    assert!(!log[before..].contains("\"GET "), "the store was read before the server was contacted:\n{log}");
    // Usage errors (exit 2): no key named; a scheme rallylens does not read.
    let (code, _, err) = rl(&w, &moto, &["analyze", s(&pipeline), "--lake", "s3://lakes/demo"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("name its key file with --key FILE"), "{err}");
    let (code, _, err) = rl(&w, &moto, &["analyze", s(&pipeline), "--lake", "gs://lakes/demo", "--key", s(&key_file)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not gs://"), "{err}");
}
