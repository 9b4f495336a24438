//! Killing an ingest at any moment leaves the previous lake readable and intact: checked
//! with `rallylens lake` and with DuckDB after SIGKILLs at several points of a large
//! ingest, and after aborts injected at the commit point and in the middle of applying it.

use std::time::Duration;

use crate::common::{rows, s, sample, Workdir};
use crate::duckdb::duckdb_count;

/// A large collection: flat.jsonl (100 flattened tweets, ~730 KB) 60 times with fresh ids.
fn big_collection(w: &Workdir) -> std::path::PathBuf {
    let flat = std::fs::read_to_string(sample("twitter-v2-jsonl/flat.jsonl")).unwrap();
    let mut out = String::with_capacity(flat.len() * 60);
    for copy in 0..60 {
        for line in flat.lines() {
            // Suffix the tweet id with the copy number so that each copy is new posts.
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let id = v["id"].as_str().unwrap();
            out.push_str(&line.replace(&format!("\"id\": \"{id}\""), &format!("\"id\": \"{id}{copy:03}\"")));
            out.push('\n');
        }
    }
    w.write("big.jsonl", out)
}

/// After a kill the lake is either exactly the old one, or (the kill came after the commit
/// point) the whole new one: brexit's 100 posts plus the collection's 6,000, from 2 files.
/// Returns true for the new one.
fn assert_old_or_new(w: &Workdir, before: &serde_json::Value) -> bool {
    let now = w.state();
    let lake = w.lake();
    assert!(!lake.join("_staging").exists(), "staging left behind after `rallylens lake`");
    let posts = rows(&now, "posts", "twitter");
    assert_eq!(duckdb_count(&lake, "posts"), posts, "DuckDB and the summary disagree after a kill");
    if &now == before {
        return false;
    }
    assert_eq!((posts, now["files_ingested"].as_u64()), (100 + 6000, Some(2)), "neither the old nor the new lake: {now}");
    true
}

#[test]
fn sigkill_during_a_large_ingest_keeps_the_previous_lake() {
    let w = Workdir::new();
    let lake = w.lake();
    w.ok(&["ingest", s(&sample("twitter-v2-jsonl/brexit.jsonl")), "--lake", s(&lake)]);
    let before = w.state();
    let big = big_collection(&w);
    let mut killed_midway = 0;
    for delay_ms in [50u64, 300, 900, 2000] {
        let mut child =
            w.cmd().args(["--quiet", "ingest", s(&big), "--lake", s(&lake), "--chunk-mib", "4"]).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let finished = child.try_wait().unwrap().is_some();
        child.kill().ok(); // SIGKILL
        child.wait().unwrap();
        if finished {
            break; // this machine ingests faster than the delay: nothing left to interrupt
        }
        killed_midway += 1;
        if assert_old_or_new(&w, &before) {
            break; // killed after the commit point: the ingest is done
        }
    }
    assert!(killed_midway > 0, "the ingest finished before the first kill");
    // After the kills, the ingest completes: 60 copies x 100 tweets, all new ids.
    w.ok(&["--quiet", "ingest", s(&big), "--lake", s(&lake), "--chunk-mib", "4"]);
    assert_eq!(rows(&w.summary(), "posts", "twitter"), 100 + 6000);
}

#[test]
fn abort_at_the_commit_point_rolls_forward() {
    for fault in ["after-commit-record", "mid-apply"] {
        let w = Workdir::new();
        let lake = w.lake();
        w.ok(&["ingest", s(&sample("twitter-v2-jsonl/brexit.jsonl")), "--lake", s(&lake)]);
        let o = w
            .cmd()
            .env("RALLYLENS_FAULT", fault)
            .args(["ingest", s(&sample("twitter-v2-jsonl/flat.jsonl")), "--lake", s(&lake)])
            .output()
            .unwrap();
        assert!(!o.status.success(), "{fault}: the injected abort did not happen");
        assert!(lake.join("_staging").exists(), "{fault}: the commit record should be waiting in staging");
        // The next command finishes the commit: brexit's 100 + flat's 100 posts.
        let sum = w.summary();
        assert_eq!(rows(&sum, "posts", "twitter"), 200, "{fault}");
        assert_eq!(sum["files_ingested"], 2, "{fault}");
        assert!(!lake.join("_staging").exists());
        assert_eq!(duckdb_count(&lake, "posts"), 200, "{fault}");
    }
}
