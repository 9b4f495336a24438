//! `rallylens analyze` end to end on real samples: ingest the twarc2 brexit page and the UA
//! range exports, analyze a one-campaign pipeline, check figures worked out by hand from
//! the files, and check that a second run writes the same bytes.

use crate::common::{s, sample, Workdir};
use crate::duckdb::duckdb;

const PIPELINE: &str = r##"
lake = "lake"
[output]
dir = "out"
[[campaigns]]
id = "brexit"
start = 2021-09-22
end = 2021-09-28
tz = "Europe/London"
hashtags = ["#Brexit"]
targets = ["BorisJohnson"]
"##;

#[test]
fn real_samples_through_analyze_and_same_bytes_twice() {
    let w = Workdir::new();
    let lake = w.lake();
    w.ok(&["--quiet", "ingest", s(&sample("twitter-v2-jsonl/brexit.jsonl")), "--lake", s(&lake)]);
    w.ok(&["--quiet", "ingest", s(&sample("ua-csv")), "--date-range", "2021-08-01..2021-09-30", "--lake", s(&lake)]);
    w.write("run.toml", PIPELINE);
    let out = w.log(&["-v", "analyze", "run.toml"]);
    assert!(out.contains("campaign_kpis"), "{out}");
    let o = w.path("out");
    let tables: Vec<String> = std::fs::read_dir(o.join("metrics")).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    // One file per table of the registry (docs/metrics.md plus referral_daily).
    assert_eq!(tables.len(), rallylens::metrics::registry::TABLES.len(), "{tables:?}");
    assert!(tables.contains(&"benchmarks.parquet".to_string()), "{tables:?}");

    // brexit.jsonl (python over the page): 100 tweets on 2021-09-22, all with #brexit,
    // 67 of them retweets; 98 distinct authors; Σ over authors of their follower count
    // (includes.users public_metrics) = 3,344,556.
    let hd = duckdb(&o, "print(duckdb.sql(f\"select hashtag, day::VARCHAR, posts, reposts, authors, new_authors, potential_reach from read_parquet('{LAKE}/metrics/hashtag_daily.parquet')\").fetchall())");
    assert_eq!(hd, "[('brexit', '2021-09-22', 33, 67, 98, 98, 3344556)]");
    // Top voices: the 98 authors' follower counts (includes.users) ranked, the first 20 kept;
    // 12 have 5,000 or more and are named; the 8 others (4,687 … 3,774) show no handle and
    // their counts rounded down to one significant figure.
    let tv = duckdb(&o, "print(duckdb.sql(f\"select count(*), count(account_handle), list(followers order by rank) from read_parquet('{LAKE}/metrics/top_voices.parquet')\").fetchall())");
    assert_eq!(
        tv,
        "[(20, 12, [3090058, 34920, 20085, 15441, 13416, 9390, 8703, 8565, 7790, 5671, 5344, 5009, 4000, 4000, 4000, 4000, 4000, 3000, 3000, 3000])]"
    );
    let m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(o.join("metrics.json")).unwrap()).unwrap();
    let f = &m["campaigns"][0]["figures"];
    assert_eq!(f["hashtag_potential_reach"]["value"], 3344556);
    // Each of the 100 collected posts yields one action by its author: 98 actors.
    assert_eq!(f["unique_actors"]["value"], 98);
    // No own account: no own posts, and engagements null with a reason, not 0.
    assert_eq!(f["own_posts"]["value"], 0);
    assert!(f["own_engagements"]["value"].is_null() && f["own_engagements"]["reason"].is_string());
    // The UA exports cover a range that straddles the baseline and the window: no uplift,
    // and the reason says why.
    assert!(f["social_uplift_rel"]["value"].is_null(), "{f}");
    assert!(f["social_uplift_rel"]["reason"].as_str().unwrap().contains("no traffic rows"), "{f}");
    // Ladder: 67 retweets (amplify, rung 2), 11 quotes and 10 replies... every author's one
    // action is in the window, so nobody had a rung at start: all 98 are new supporters.
    assert_eq!(f["new_supporters"]["value"], 98);
    assert_eq!(f["moved_up"]["value"], 0);

    // Same lake, same pipeline: the same bytes.
    let bytes = |dir: &std::path::Path| -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.join("metrics"))
            .unwrap()
            .flatten()
            .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
            .collect();
        v.push(("metrics.json".into(), std::fs::read(dir.join("metrics.json")).unwrap()));
        v.sort();
        v
    };
    let first = bytes(&o);
    w.ok(&["--quiet", "analyze", "run.toml", "--out", "out2"]);
    assert_eq!(bytes(&w.path("out2")), first, "a rerun must write the same bytes");
}
