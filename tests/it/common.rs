//! A `Workdir` (as in xsv's tests): a temp folder and the built binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Workdir {
    pub dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Self {
        Workdir { dir: tempfile::tempdir().expect("temp dir") }
    }
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    pub fn lake(&self) -> PathBuf {
        self.path("lake")
    }
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_rallylens"));
        c.current_dir(self.dir.path());
        c
    }
    /// Runs rallylens with `args`; returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let o: Output = self.cmd().args(args).output().expect("run rallylens");
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into(),
            String::from_utf8_lossy(&o.stderr).into(),
        )
    }
    /// Runs and asserts success.
    pub fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "rallylens {args:?} failed:\n{out}\n{err}");
        out
    }
    /// Runs, asserts success and that stdout is empty (commands that write files print
    /// their log on stderr: README "Output"); returns stderr.
    pub fn log(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "rallylens {args:?} failed:\n{out}\n{err}");
        assert_eq!(out, "", "rallylens {args:?} printed on stdout");
        err
    }
    /// The `rallylens lake --json` summary.
    pub fn summary(&self) -> serde_json::Value {
        let lake = self.lake();
        serde_json::from_str(&self.ok(&["lake", lake.to_str().unwrap(), "--json"])).expect("summary is JSON")
    }
    /// The lake's visible state: the summary without ingest times.
    pub fn state(&self) -> serde_json::Value {
        let mut v = self.summary();
        for f in v["files"].as_array_mut().unwrap() {
            f.as_object_mut().unwrap().remove("ingested_at");
        }
        v
    }
    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        p
    }
}

/// A real sample export (`tests/fixtures/real/<rel>`, or under `RALLYLENS_SAMPLES`).
pub fn sample(rel: &str) -> PathBuf {
    let base = std::env::var_os("RALLYLENS_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real"));
    let p = base.join(rel);
    assert!(p.exists(), "sample {} is missing: the real samples live in tests/fixtures/real", p.display());
    p
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Rows per (table, platform) from a summary.
pub fn rows(summary: &serde_json::Value, table: &str, platform: &str) -> u64 {
    summary["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["table"] == table && p["platform"] == platform)
        .map(|p| p["rows"].as_u64().unwrap())
        .unwrap_or(0)
}
