//! `analyze --engine sc://…` (docs/spark.md): the relational part of hashtag_daily runs as
//! Spark SQL on a Spark Connect server, here Sail (`pip install pysail`; `.ci/run` installs
//! it), started by the test on a free port and stopped at the end. On the demo lake the
//! metrics written are the same bytes as the local engine's, and the server is never sent
//! the lake's key.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use polars::prelude::*;

use crate::common::{s, Workdir};

/// A Sail Spark Connect server of this test; killed when dropped.
struct Sail {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Sail {
    /// Starts `python3 -m pysail spark server` on a free port of 127.0.0.1 and waits until it
    /// accepts connections (60 s at most). Each request it receives is logged (Sail logs them at debug level) to `log`.
    fn start(dir: &Path) -> Sail {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = dir.join("sail.log");
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new("python3")
            .args(["-m", "pysail", "spark", "server", "--ip", "127.0.0.1", "--port", &port.to_string()])
            .current_dir(dir)
            .env("RUST_LOG", "sail_spark_connect::server=debug")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("python3 is missing: the Spark test needs Python 3 with pysail (pip install pysail; .ci/run does)");
        let mut sail = Sail { child, port, log };
        let t = Instant::now();
        loop {
            if let Some(status) = sail.child.try_wait().unwrap() {
                panic!(
                    "the Sail server exited ({status}) before it listened (pip install pysail; .ci/run does):\n{}",
                    sail.log_text()
                );
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return sail;
            }
            assert!(t.elapsed() < Duration::from_secs(60), "Sail did not listen within 60 s:\n{}", sail.log_text());
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn url(&self) -> String {
        format!("sc://127.0.0.1:{}", self.port)
    }

    fn log_text(&self) -> String {
        let mut s = String::new();
        std::fs::File::open(&self.log).and_then(|mut f| f.read_to_string(&mut s)).ok();
        s
    }
}

impl Drop for Sail {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn table(p: &Path) -> DataFrame {
    let f = std::fs::File::open(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    ParquetReader::new(f).finish().unwrap()
}

/// The demo lake (data/ through the demo pipeline's inputs) in `w`, and the pipeline.
fn demo_lake(w: &Workdir) -> (PathBuf, PathBuf) {
    let pipeline = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/kenya_vs_shell.toml");
    let p = rallylens::pipeline::Pipeline::load(&pipeline).unwrap();
    let lake = w.lake();
    let report =
        rallylens::ingest::driver::ingest(&p.inputs, &rallylens::ingest::driver::RunOptions::new(&lake)).unwrap();
    assert_eq!(report.failed(), 0, "{:?}", report.inputs);
    (lake, pipeline)
}

#[test]
fn spark_engine_hashtag_daily_equals_local_on_the_demo() {
    let w = Workdir::new();
    let (lake, pipeline) = demo_lake(&w);
    let sail = Sail::start(w.dir.path());

    w.log(&["--quiet", "analyze", s(&pipeline), "--lake", s(&lake), "--out", s(&w.path("local"))]);
    let err = w.log(&[
        "-v",
        "analyze",
        s(&pipeline),
        "--lake",
        s(&lake),
        "--out",
        s(&w.path("spark")),
        "--engine",
        &sail.url(),
    ]);
    // -v says what came back from the server, per campaign.
    assert!(err.contains("hashtag_daily shell: ") && err.contains(&sail.url()), "{err}");

    // The table computed remotely: the same rows, columns and types as the local engine's,
    // and not a trivial one.
    let (local, spark) =
        (table(&w.path("local/metrics/hashtag_daily.parquet")), table(&w.path("spark/metrics/hashtag_daily.parquet")));
    assert!(local.height() > 20, "the demo's hashtag_daily has {} rows", local.height());
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

    // The server read the posts' part files and was never sent the key (its requests are in
    // its debug log), nor anything under _sources/, _staging/ or _rejects/.
    let log = sail.log_text();
    assert!(log.contains("rallylens_posts"), "Sail's log shows no request of ours:\n{log}");
    let key = std::fs::read_to_string(rallylens::pseudo::Pseudonymizer::key_path(&lake)).unwrap();
    let key = key.trim();
    assert!(key.len() >= 32, "the key file holds the key in hex");
    for (what, text) in [("Sail's log", &log), ("rallylens' stderr", &err)] {
        assert!(!text.contains(key), "{what} holds the lake's key");
        for bad in [".key", "_sources/", "_staging/", "_rejects/"] {
            assert!(!text.contains(bad), "{what} names {bad}");
        }
    }
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
}
