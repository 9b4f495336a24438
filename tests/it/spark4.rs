//! `analyze --engine sc://…` against Apache Spark 4 (docs/spark.md#apache-spark-4): the
//! same checks as `spark.rs` runs against Sail — the demo's metrics and those of a lake made
//! for reach's rules are the same bytes as the local engine's, the server is never sent the
//! lake's key — with a server that requires a token (`spark.connect.authenticate.token`),
//! which the URL's `token=` gives and no message prints.
//!
//! The server is Spark's own Spark Connect server from `SPARK_HOME` (a Spark 4 binary
//! distribution, or the folder of the `pyspark` 4 pip package, which ships Spark's jars and
//! `spark-submit`), else from python3's `pyspark`; it needs Java 17 or newer. `.ci/run`
//! installs pyspark in a venv of its own (Sail 0.7 refuses to run beside pyspark 4.3) and
//! sets `SPARK_HOME`. When there is no Spark 4 or no suitable Java the test says why on
//! stderr and passes without checking anything (CI has both).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::common::{s, Workdir};
use crate::spark::{
    demo_equals_local, demo_lake, reach_rules_equal_local, reach_rules_lake, server_saw_no_key, Server,
};

/// The Spark 4 to run: its home (with `bin/spark-submit` and the Spark Connect jar) and
/// version; or why there is none.
fn spark4() -> Result<(PathBuf, String), String> {
    let java = Command::new("java").arg("-version").output().map_err(|e| format!("no java on PATH ({e})"))?;
    let said = String::from_utf8_lossy(&java.stderr).into_owned();
    // `openjdk version "17.0.15" …`, `java version "1.8.0_…"`
    let major = said
        .split('"')
        .nth(1)
        .and_then(|v| v.split(['.', '-', '+']).next())
        .and_then(|m| m.parse::<u32>().ok())
        .ok_or_else(|| format!("cannot read java -version: {said}"))?;
    if major < 17 {
        return Err(format!("java {major} is too old (Spark 4 needs 17 or newer)"));
    }
    let (home, version) = match std::env::var_os("SPARK_HOME").filter(|h| !h.is_empty()) {
        Some(h) => {
            let home = PathBuf::from(h);
            let jars = std::fs::read_dir(home.join("jars")).map_err(|e| format!("SPARK_HOME has no jars/ ({e})"))?;
            let version = jars
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .find_map(|n| Some(n.strip_prefix("spark-core_2.13-")?.strip_suffix(".jar")?.to_string()))
                .ok_or("SPARK_HOME/jars has no spark-core_2.13 jar")?;
            (home, version)
        }
        None => {
            let out = Command::new("python3")
                .args([
                    "-c",
                    "import os, pyspark; print(pyspark.__version__); print(os.path.dirname(pyspark.__file__))",
                ])
                .output()
                .map_err(|e| format!("no python3 ({e})"))?;
            if !out.status.success() {
                return Err("no SPARK_HOME and python3 has no pyspark (pip install 'pyspark>=4,<5' in a venv \
                            and set SPARK_HOME to its pyspark folder; .ci/run does)"
                    .into());
            }
            let out = String::from_utf8_lossy(&out.stdout).into_owned();
            let mut lines = out.lines();
            let version = lines.next().unwrap_or_default().to_string();
            (PathBuf::from(lines.next().unwrap_or_default()), version)
        }
    };
    if !version.starts_with("4.") {
        return Err(format!("Spark is {version}, not 4.x"));
    }
    let connect = std::fs::read_dir(home.join("jars"))
        .map_err(|e| format!("{}/jars: {e}", home.display()))?
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().starts_with("spark-connect_"));
    if !connect || !home.join("bin/spark-submit").is_file() {
        return Err(format!("{} has no spark-submit or no Spark Connect jar", home.display()));
    }
    Ok((home, version))
}

impl Server {
    /// Starts Apache Spark's Spark Connect server from `home` on a free port of 127.0.0.1
    /// (local[2], a 2 GiB driver, no UI; scratch and warehouse under `dir`), requiring
    /// `token` (given through the environment, so it is not on the command line), and waits
    /// until it listens. Its log (INFO: the files it reads) goes to `dir/spark.log`.
    fn spark4(dir: &Path, home: &Path, token: &str) -> Server {
        let port = crate::spark::free_port();
        let conf = [
            "spark.connect.grpc.binding.address=127.0.0.1".to_string(),
            format!("spark.connect.grpc.binding.port={port}"),
            "spark.ui.enabled=false".to_string(),
            format!("spark.local.dir={}", dir.join("spark-local").display()),
            format!("spark.sql.warehouse.dir={}", dir.join("spark-warehouse").display()),
        ];
        let mut cmd = Command::new(home.join("bin/spark-submit"));
        cmd.args(["--class", "org.apache.spark.sql.connect.service.SparkConnectServer"]).args([
            "--name",
            "rallylens-test",
            "--master",
            "local[2]",
            "--driver-memory",
            "2g",
        ]);
        for c in &conf {
            cmd.args(["--conf", c]);
        }
        // spark-submit ends by exec'ing java, so the child is the JVM and dropping the
        // server kills it.
        cmd.env("SPARK_HOME", home)
            .env("SPARK_LOCAL_IP", "127.0.0.1")
            .env("SPARK_CONNECT_AUTHENTICATE_TOKEN", token);
        Server::start(cmd, dir, "spark.log", port, "Apache Spark 4", Duration::from_secs(180))
    }
}

#[test]
fn apache_spark_4_engine_equals_local_with_a_token() {
    let (home, version) = match spark4() {
        Ok(found) => found,
        Err(why) => {
            eprintln!("apache_spark_4_engine_equals_local_with_a_token: skipped, no Apache Spark 4 to run: {why}");
            return;
        }
    };
    let spark_dir = tempfile::tempdir().unwrap();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let token = format!("tok{:x}{nanos:x}", std::process::id());
    let server = Server::spark4(spark_dir.path(), &home, &token);
    eprintln!("Apache Spark {version} from {} on {}", home.display(), server.url());
    let with_token = format!("{}/;token={token};user_id=rallylens-test", server.url());

    // The demo: every metric file and metrics.json the same bytes; -v names the server
    // without the token.
    let w = Workdir::new();
    let (lake, pipeline) = demo_lake(&w);
    let err = demo_equals_local(&w, &lake, &pipeline, &with_token, &server.url());
    assert!(!err.contains(&token), "{err}");
    // Spark's INFO log names each file it reads: the posts' part files, nothing else.
    server_saw_no_key(&server, &lake, &err, "/lake/posts/platform=");
    // The session, of the URL's user, was released at the end (not left to Spark's idle
    // timeout of an hour).
    assert!(
        server.log_text().contains("Closing session with userId: rallylens-test and sessionId:"),
        "Spark's log shows no release of our session"
    );

    // reach_daily's campaign post rules, and every metric file, on the lake made for them.
    let w2 = Workdir::new();
    let lake2 = reach_rules_lake(&w2);
    reach_rules_equal_local(&w2, &lake2, &with_token, &[]);

    // Without the token, or with another, the server refuses the first call: analyze fails
    // (exit 1) saying so, and no message holds the token.
    let wrong = format!("{}/;token=not-{token}", server.url());
    for url in [server.url(), wrong] {
        let (code, out, err) =
            w.run(&["analyze", s(&pipeline), "--lake", s(&lake), "--out", s(&w.path("denied")), "--engine", &url]);
        assert_eq!(code, 1, "{url}: {err}");
        assert!(err.contains("unauthenticated (gRPC status 16)"), "{err}");
        assert!(!err.contains(&token) && !out.contains(&token), "a message holds the token: {err}");
    }
    assert!(!server.log_text().contains(&token), "Spark's log holds the token");
}
