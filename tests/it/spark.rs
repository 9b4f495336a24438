//! `analyze --engine sc://…` (docs/spark.md): the relational part of hashtag_daily and the
//! post side of reach_daily run as Spark SQL on a Spark Connect server, here Sail (`pip
//! install pysail`; `.ci/run` installs it), started by the test on a free port and stopped
//! at the end. On the demo lake, and on a small lake made for reach's rules, the metrics
//! written are the same bytes as the local engine's, and the server is never sent the
//! lake's key. The same checks run against Apache Spark 4 in `spark4.rs`; the server and
//! the checks are shared from here.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use polars::prelude::*;

use crate::common::{s, Workdir};

/// A Spark Connect server of this test (Sail, or Apache Spark 4: `spark4.rs`); killed when
/// dropped.
pub(crate) struct Server {
    pub child: Child,
    pub port: u16,
    pub log: PathBuf,
    /// What it is, for messages.
    pub what: &'static str,
}

/// A free port of 127.0.0.1 (bound, then released).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Server {
    /// Starts `python3 -m pysail spark server` on a free port of 127.0.0.1 and waits until it
    /// accepts connections (60 s at most). Each request it receives is logged (Sail logs
    /// them at debug level) to `log`.
    pub fn sail(dir: &Path) -> Server {
        Server::sail_with(dir, &[])
    }

    /// [`Server::sail`] with these variables set in the server's environment (tests/it/s3.rs
    /// gives it an object store's endpoint and credentials).
    pub fn sail_with(dir: &Path, env: &[(&str, &str)]) -> Server {
        let port = free_port();
        let mut cmd = Command::new("python3");
        cmd.args(["-m", "pysail", "spark", "server", "--ip", "127.0.0.1", "--port", &port.to_string()])
            .env("RUST_LOG", "sail_spark_connect::server=debug")
            .envs(env.iter().copied());
        Server::start(cmd, dir, "sail.log", port, "Sail (pip install pysail; .ci/run does)", Duration::from_secs(60))
    }

    /// Runs `cmd` in `dir`, its output to `dir/<log>`, as the server `what` that is to
    /// listen on `port`, and waits until it does (`limit` at most).
    pub fn start(mut cmd: Command, dir: &Path, log: &str, port: u16, what: &'static str, limit: Duration) -> Server {
        let log = dir.join(log);
        let out = std::fs::File::create(&log).unwrap();
        let child = cmd
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {what}: {e}"));
        let mut server = Server { child, port, log, what };
        server.wait_listening(limit);
        server
    }

    /// Waits until the server accepts connections on its port; panics with its log if it
    /// exits first or takes longer than `limit`.
    pub fn wait_listening(&mut self, limit: Duration) {
        let t = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("the {} server exited ({status}) before it listened:\n{}", self.what, self.log_text());
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            assert!(
                t.elapsed() < limit,
                "the {} server did not listen within {} s:\n{}",
                self.what,
                limit.as_secs(),
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn url(&self) -> String {
        format!("sc://127.0.0.1:{}", self.port)
    }

    pub fn log_text(&self) -> String {
        let mut s = String::new();
        std::fs::File::open(&self.log).and_then(|mut f| f.read_to_string(&mut s)).ok();
        s
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn table(p: &Path) -> DataFrame {
    let f = std::fs::File::open(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    ParquetReader::new(f).finish().unwrap()
}

/// The demo lake (data/ through the demo pipeline's inputs) in `w`, and the pipeline.
pub(crate) fn demo_lake(w: &Workdir) -> (PathBuf, PathBuf) {
    let pipeline = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/kenya_vs_shell.toml");
    let p = rallylens::pipeline::Pipeline::load(&pipeline).unwrap();
    let lake = w.lake();
    let report =
        rallylens::ingest::driver::ingest(&p.inputs, &rallylens::ingest::driver::RunOptions::new(&lake)).unwrap();
    assert_eq!(report.failed(), 0, "{:?}", report.inputs);
    (lake, pipeline)
}

/// Runs analyze of the demo `pipeline` over `lake` once locally (into `local/`) and once
/// with `--engine url` (into `spark/`), and checks that the two wrote the same bytes; `-v`'s
/// lines name the server as `shown_url`. Returns the second run's stderr.
pub(crate) fn demo_equals_local(w: &Workdir, lake: &Path, pipeline: &Path, url: &str, shown_url: &str) -> String {
    w.log(&["--quiet", "analyze", s(pipeline), "--lake", s(lake), "--out", s(&w.path("local"))]);
    let err = w.log(&["-v", "analyze", s(pipeline), "--lake", s(lake), "--out", s(&w.path("spark")), "--engine", url]);
    // -v says what came back from the server, per campaign.
    assert!(err.contains("hashtag_daily shell: ") && err.contains(shown_url), "{err}");
    assert!(err.contains("reach_daily kenya: ") && err.contains("reach_daily shell: "), "{err}");

    // The table computed remotely: the same rows, columns and types as the local engine's,
    // and not a trivial one.
    let (local, spark) =
        (table(&w.path("local/metrics/hashtag_daily.parquet")), table(&w.path("spark/metrics/hashtag_daily.parquet")));
    assert!(local.height() > 20, "the demo's hashtag_daily has {} rows", local.height());
    assert_eq!(local.schema(), spark.schema());
    assert!(local.equals_missing(&spark), "local:\n{local}\nspark:\n{spark}");
    // reach_daily's post side, computed remotely: rows with own campaign posts, and sums
    // that are not all null.
    let (local, spark) =
        (table(&w.path("local/metrics/reach_daily.parquet")), table(&w.path("spark/metrics/reach_daily.parquet")));
    let posts: i64 = local.column("posts").unwrap().i64().unwrap().iter().flatten().sum();
    assert!(posts > 10, "the demo's reach_daily counts {posts} own campaign posts");
    for c in ["impressions", "post_reach_sum", "engagements"] {
        assert!(local.column(c).unwrap().null_count() < local.height(), "reach_daily.{c} is all null");
    }
    assert_eq!(local.schema(), spark.schema());
    assert!(local.equals_missing(&spark), "local:\n{local}\nspark:\n{spark}");
    // Every metric file and metrics.json are the same bytes (analyze is deterministic).
    let mut names: Vec<String> = std::fs::read_dir(w.path("local/metrics"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() > 20, "{names:?}");
    for n in &names {
        let (a, b) =
            (std::fs::read(w.path("local/metrics").join(n)).unwrap(), std::fs::read(w.path("spark/metrics").join(n)));
        assert!(b.is_ok_and(|b| b == a), "metrics/{n} differs between the engines");
    }
    assert_eq!(
        std::fs::read(w.path("local/metrics.json")).unwrap(),
        std::fs::read(w.path("spark/metrics.json")).unwrap()
    );

    err
}

/// The server read the posts' part files (its log shows `marker`), and was never sent the
/// lake's key, nor anything under `_sources/`, `_staging/` or `_rejects/`; rallylens' stderr
/// `err` names none of these either.
pub(crate) fn server_saw_no_key(server: &Server, lake: &Path, err: &str, marker: &str) {
    let log = server.log_text();
    assert!(log.contains(marker), "the {} log shows no request of ours:\n{log}", server.what);
    let key = std::fs::read_to_string(rallylens::pseudo::Pseudonymizer::key_path(lake)).unwrap();
    let key = key.trim();
    assert!(key.len() >= 32, "the key file holds the key in hex");
    for (what, text) in [("the server's log", &log), ("rallylens' stderr", &err.to_string())] {
        assert!(!text.contains(key), "{what} holds the lake's key");
        for bad in [".key", "_sources/", "_staging/", "_rejects/"] {
            assert!(!text.contains(bad), "{what} names {bad}");
        }
    }
}

#[test]
fn spark_engine_hashtag_daily_and_reach_daily_equal_local_on_the_demo() {
    let w = Workdir::new();
    let (lake, pipeline) = demo_lake(&w);
    let sail = Server::sail(w.dir.path());
    let err = demo_equals_local(&w, &lake, &pipeline, &sail.url(), &sail.url());

    // The server read the posts' part files and was never sent the key (its requests are in
    // its debug log).
    server_saw_no_key(&sail, &lake, &err, "rallylens_posts");
    // The session was released at the end, not left to the server's idle timeout.
    assert!(sail.log_text().contains("ReleaseSessionRequest"), "no ReleaseSession in Sail's log");
}

#[test]
fn spark_engine_unreachable_is_a_clear_error_before_any_work() {
    let w = Workdir::new();
    // A port nobody listens on: bound, then released.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let pipeline = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/kenya_vs_shell.toml");
    let url = format!("sc://127.0.0.1:{port}");
    let (code, _, err) =
        w.run(&["analyze", s(&pipeline), "--lake", s(&w.lake()), "--out", s(&w.path("o")), "--engine", &url]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("connecting to the Spark Connect server at {url}")), "{err}");
    assert!(!w.path("o/metrics").exists(), "nothing is written when the server cannot be reached");
    // A URL that is not sc:// is a usage error (exit 2).
    let (code, _, err) = w.run(&["analyze", s(&pipeline), "--engine", "http://localhost:15002"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("expected a Spark Connect URL sc://HOST:PORT"), "{err}");
    // A URL with a token: clap's own messages would quote the value; ours show token=***,
    // whether the URL is refused or the server is not there.
    let secret = "Zq7-secret-token";
    let bad = format!("sc://127.0.0.1:x/;token={secret}");
    let (code, out, err) = w.run(&["analyze", s(&pipeline), "--engine", &bad]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("token=***") && !err.contains(secret) && !out.contains(secret), "{err}");
    let absent = format!("{url}/;token={secret}");
    let (code, out, err) =
        w.run(&["analyze", s(&pipeline), "--lake", s(&w.lake()), "--out", s(&w.path("o")), "--engine", &absent]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("connecting to the Spark Connect server at {url}")), "{err}");
    assert!(!err.contains(secret) && !out.contains(secret), "{err}");
}

/// reach_daily's post side on a lake made for its rules (docs/metrics.md#reach and
/// #vocabulary), which the demo hardly reaches: every post of the demo's own exports is
/// tagged with its campaign at ingest. Here only flickr's posts are tagged; the others are
/// the campaign's through a hashtag, a mention of the target, a link under the URL prefix,
/// or a reply to the target by handle (in another case) or by an account id the lake knows
/// for it; own through an owned export or an own account's handle in another case; days
/// fall on both sides of the end of British summer time and of the window's ends; press is
/// left out. (Two rows of one Facebook post under two id forms, which the SQL also joins,
/// cannot be made through ingest: the lake keeps one row per post.)
#[test]
fn spark_engine_reach_daily_follows_the_campaign_post_rules() {
    let w = Workdir::new();
    let lake = reach_rules_lake(&w);
    let sail = Server::sail(w.dir.path());
    reach_rules_equal_local(&w, &lake, &sail.url(), &[]);
}

/// A lake made for reach's rules (see the test above) in `w`.
pub(crate) fn reach_rules_lake(w: &Workdir) -> PathBuf {
    let csv = w.path("posts.csv");
    std::fs::write(
        &csv,
        "platform,post_id,origin,account_id,account_handle,created_at,text,urls,in_reply_to_account,impressions,reach,reactions,comments,campaign\n\
         facebook,999_456,owned,,,2012-10-05T12:00:00Z,love #MakeTheFuture,,,100,50,3,2,\n\
         facebook,777,owned,,,2012-10-05T13:00:00Z,nothing,,,1000,1000,1000,,\n\
         facebook,abc_,owned,,,2012-10-06T10:00:00Z,#makethefuture,,,,,,,\n\
         twitter,t1,collected,555,shell,2012-10-02T10:00:00Z,corporate post,,,,,,,\n\
         twitter,t2,collected,9,Amnesty,2012-10-27T23:30:00Z,replying,,SHELL,,,4,,\n\
         twitter,t3,collected,9,amnesty,2012-10-28T23:30:00Z,reply by id,,555,,,,1,\n\
         twitter,t4,collected,9,amnesty,2012-10-10T10:00:00Z,hello @shell,,,,,,,\n\
         instagram,i1,owned,,,2012-10-12T10:00:00Z,see link,https://example.org/campaign/x,,10,,,,\n\
         instagram,i2,owned,,,2012-10-12T11:00:00Z,other link,https://example.org/other,,20,,,,\n\
         press,p1,owned,,,2012-10-12T11:00:00Z,#makethefuture,,,3,,,,c\n\
         flickr,f1,owned,,,2012-10-13T11:00:00Z,tagged only,,,5,,,,c\n\
         flickr,f2,collected,,someone,2012-10-13T11:00:00Z,tagged not own,,,7,,,,c\n\
         flickr,f3,owned,,,2012-11-01T00:30:00Z,after the window,,,8,,,,c\n\
         flickr,f4,owned,,,2012-09-30T23:30:00Z,first day in London,,,1,,,,c\n",
    )
    .unwrap();
    let mapping = w.path("posts.toml");
    let cols = [
        "platform",
        "post_id",
        "origin",
        "account_id",
        "account_handle",
        "created_at",
        "text",
        "urls",
        "in_reply_to_account",
        "impressions",
        "reach",
        "reactions",
        "comments",
        "campaign",
    ];
    let mut m = String::from("table = \"posts\"\n[columns]\n");
    for c in cols {
        m.push_str(&format!("{c} = \"{c}\"\n"));
    }
    std::fs::write(&mapping, m).unwrap();
    let lake = w.lake();
    w.log(&["--quiet", "ingest", s(&csv), "--mapping", s(&mapping), "--lake", s(&lake)]);
    lake
}

/// Analyze of the campaign of [`reach_rules_lake`]'s `lake`, locally and with `--engine
/// url`: reach_daily's rows are the rules' and the two engines write the same bytes.
/// `env`: variables of the `--engine` run only.
pub(crate) fn reach_rules_equal_local(w: &Workdir, lake: &Path, url: &str, env: &[(&str, &Path)]) {
    let campaign = [
        "--campaign",
        "c",
        "--start",
        "2012-10-01",
        "--end",
        "2012-10-31",
        "--tz",
        "Europe/London",
        "--hashtag",
        "makethefuture",
        "--target",
        "@shell",
        "--own",
        "twitter:amnesty",
        "--url-prefix",
        "https://example.org/campaign",
        "--lake",
        s(lake),
    ];
    let local = w.path("local");
    let spark = w.path("spark");
    w.log(&[&["--quiet", "analyze"][..], &campaign, &["--out", s(&local)]].concat());
    let args = [&["-v", "analyze"][..], &campaign, &["--out", s(&spark), "--engine", url]].concat();
    let o = w.cmd().args(&args).envs(env.iter().copied()).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success() && o.stdout.is_empty(), "rallylens {args:?} failed:\n{err}");

    let df = table(&local.join("metrics/reach_daily.parquet"));
    let rows: Vec<String> = (0..df.height())
        .map(|i| {
            let v = |c: &str| df.column(c).unwrap().get(i).unwrap().to_string();
            format!(
                "{} {} {} {} {} {}",
                v("platform"),
                v("day"),
                v("posts"),
                v("impressions"),
                v("post_reach_sum"),
                v("engagements")
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            // 777 is no campaign post.
            "\"facebook\" 2012-10-05 1 100 50 5",
            "\"facebook\" 2012-10-06 1 null null null",
            // 23:30 UTC on 30 September is 1 October in London; 1 November is after the window.
            "\"flickr\" 2012-10-01 1 1 null null",
            "\"flickr\" 2012-10-13 1 5 null null",
            "\"instagram\" 2012-10-12 1 10 null null",
            "\"twitter\" 2012-10-10 1 null null null",
            // t2 (a reply to SHELL, at 00:30 on the 28th in summer time) and t3 (a reply to
            // shell's id 555, at 23:30 on the 28th in winter time).
            "\"twitter\" 2012-10-28 2 null null 5",
        ]
    );
    assert!(err.contains("reach_daily c: 7 rows"), "{err}");
    let mut names: Vec<String> = std::fs::read_dir(local.join("metrics"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.iter().any(|n| n == "reach_window.parquet") && names.len() > 10, "{names:?}");
    for n in &names {
        assert_eq!(
            std::fs::read(local.join("metrics").join(n)).unwrap(),
            std::fs::read(spark.join("metrics").join(n)).unwrap(),
            "metrics/{n} differs between the engines"
        );
    }
    assert_eq!(std::fs::read(local.join("metrics.json")).unwrap(), std::fs::read(spark.join("metrics.json")).unwrap());
}

/// A TLS-terminating proxy of this test (Python's `ssl`, ALPN `h2`) in front of a server's
/// plain port, with a certificate for `localhost` signed by a test authority; returns the
/// proxy and the authority's PEM file.
fn tls_proxy(dir: &Path, target: u16) -> (Server, PathBuf) {
    let openssl = |args: &[&str]| {
        let o = Command::new("openssl").args(args).current_dir(dir).output().expect("the TLS test needs openssl");
        assert!(o.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
        &[
            &["req", "-x509"][..],
            &ec,
            &["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=rallylens test CA"],
        ]
        .concat(),
    );
    openssl(&[&["req"][..], &ec, &["-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost"]].concat());
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "leaf.pem",
        "-days",
        "2",
        "-extfile",
        "leaf.ext",
    ]);
    let script = dir.join("tls_proxy.py");
    std::fs::write(
        &script,
        r#"import asyncio, ssl, sys
listen, target = int(sys.argv[1]), int(sys.argv[2])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("leaf.pem", "leaf.key")
ctx.set_alpn_protocols(["h2"])
async def pipe(r, w):
    try:
        while data := await r.read(65536):
            w.write(data)
            await w.drain()
    except Exception:
        pass
    finally:
        w.close()
async def handle(cr, cw):
    sr, sw = await asyncio.open_connection("127.0.0.1", target)
    await asyncio.gather(pipe(cr, sw), pipe(sr, cw))
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", listen, ssl=ctx)
    async with server:
        await server.serve_forever()
asyncio.run(main())
"#,
    )
    .unwrap();
    let port = free_port();
    let mut cmd = Command::new("python3");
    cmd.arg(&script).args([port.to_string(), target.to_string()]);
    let proxy = Server::start(cmd, dir, "tls_proxy.log", port, "TLS proxy", Duration::from_secs(30));
    (proxy, dir.join("ca.pem"))
}

/// `use_ssl=true`: TLS (rustls, ALPN h2) to a server behind a TLS proxy, its authority
/// trusted through SSL_CERT_FILE, writes the same bytes as the local engine; an authority
/// that is not trusted fails the handshake, and no message holds the token.
#[test]
fn spark_engine_over_tls_equals_local_and_checks_the_certificate() {
    let w = Workdir::new();
    let lake = reach_rules_lake(&w);
    let sail = Server::sail(w.dir.path());
    let certs = tempfile::tempdir().unwrap();
    let (proxy, ca) = tls_proxy(certs.path(), sail.port);
    let token = "tls-test-token-3f9a";
    let url = format!("sc://localhost:{}/;use_ssl=true;token={token}", proxy.port);

    // Not trusted: the system's roots do not hold the test authority.
    let (code, out, err) = w.run(&[
        "analyze",
        "--campaign",
        "c",
        "--start",
        "2012-10-01",
        "--end",
        "2012-10-31",
        "--lake",
        s(&lake),
        "--out",
        s(&w.path("untrusted")),
        "--engine",
        &url,
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("sc://localhost:{} (TLS)", proxy.port)) && err.contains("TLS handshake"), "{err}");
    assert!(!err.contains(token) && !out.contains(token), "{err}");

    // Trusted: the same tables as the local engine's.
    reach_rules_equal_local(&w, &lake, &url, &[("SSL_CERT_FILE", &ca)]);
}
