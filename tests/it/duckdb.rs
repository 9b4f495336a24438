//! The lake is plain Parquet: DuckDB opens it with hive partitioning and sees the
//! columns and types of docs/lake.md (counts BIGINT, times TIMESTAMP WITH TIME ZONE, days DATE,
//! lists VARCHAR[]).

use std::path::Path;
use std::process::Command;

use crate::common::{rows, s, sample, Workdir};

/// Runs a python duckdb snippet; `LAKE` is bound to the lake path. Fails loudly when python
/// duckdb is missing (`.ci/run` installs it).
pub fn duckdb(lake: &Path, code: &str) -> String {
    let script = format!("import duckdb, json\nLAKE = {:?}\n{code}", lake.display().to_string());
    let o = Command::new("python3")
        .args(["-c", &script])
        .output()
        .expect("python3 is missing: the DuckDB tests need Python 3 with duckdb (pip install duckdb; .ci/run does)");
    assert!(
        o.status.success(),
        "python duckdb failed (pip install duckdb; .ci/run does):\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

pub fn duckdb_count(lake: &Path, table: &str) -> u64 {
    if !lake.join(table).exists() {
        return 0;
    }
    duckdb(
        lake,
        &format!("print(duckdb.sql(f\"select count(*) from read_parquet('{{LAKE}}/{table}/*/*.parquet', hive_partitioning=true)\").fetchall()[0][0])"),
    )
    .parse()
    .unwrap()
}

#[test]
fn lake_opens_in_duckdb_with_lake_md_types() {
    let w = Workdir::new();
    let lake = w.lake();
    w.ok(&[
        "ingest",
        s(&sample("twitter-v2-jsonl")),
        s(&sample("twitter-analytics-csv")),
        s(&sample("facebook-insights-csv")),
        "--lake",
        s(&lake),
    ]);
    let sum = w.summary();
    let out = duckdb(
        &lake,
        r#"
res = {}
for t in ["posts", "actions", "accounts"]:
    rel = duckdb.sql(f"select * from read_parquet('{LAKE}/{t}/*/*.parquet', hive_partitioning=true)")
    n = duckdb.sql(f"select count(*) from read_parquet('{LAKE}/{t}/*/*.parquet', hive_partitioning=true)").fetchall()[0][0]
    res[t] = {"types": dict(zip(rel.columns, [str(x) for x in rel.types])), "rows": n}
print(json.dumps(res))
"#,
    );
    let got: serde_json::Value = serde_json::from_str(&out).unwrap();
    let expect = [
        ("posts", "platform", "VARCHAR"),
        ("posts", "post_id", "VARCHAR"),
        ("posts", "created_at", "TIMESTAMP WITH TIME ZONE"),
        ("posts", "hashtags", "VARCHAR[]"),
        ("posts", "mentions", "VARCHAR[]"),
        ("posts", "urls", "VARCHAR[]"),
        ("posts", "is_repost", "BOOLEAN"),
        ("posts", "followers", "BIGINT"),
        ("posts", "impressions", "BIGINT"),
        ("posts", "reach", "BIGINT"),
        ("posts", "reactions", "BIGINT"),
        ("posts", "video_views", "BIGINT"),
        ("posts", "source_file", "VARCHAR"),
        ("posts", "ingested_at", "TIMESTAMP WITH TIME ZONE"),
        ("actions", "actor_id", "VARCHAR"),
        ("actions", "occurred_at", "TIMESTAMP WITH TIME ZONE"),
        ("actions", "country", "VARCHAR"),
        ("accounts", "date", "DATE"),
        ("accounts", "followers", "BIGINT"),
    ];
    for (t, c, ty) in expect {
        assert_eq!(got[t]["types"][c], ty, "{t}.{c}: {}", got[t]["types"]);
    }
    for t in ["posts", "actions", "accounts"] {
        let total: u64 = sum["partitions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["table"] == t)
            .map(|p| p["rows"].as_u64().unwrap())
            .sum();
        assert_eq!(got[t]["rows"].as_u64().unwrap(), total, "{t}: DuckDB and `rallylens lake` disagree");
    }
    // The partition column reads as the platform.
    assert!(rows(&sum, "posts", "facebook") > 0);
    let fb = duckdb(&lake, "print(duckdb.sql(f\"select count(*) from read_parquet('{LAKE}/posts/*/*.parquet', hive_partitioning=true) where platform = 'facebook'\").fetchall()[0][0])");
    assert_eq!(fb.parse::<u64>().unwrap(), rows(&sum, "posts", "facebook"));
}
