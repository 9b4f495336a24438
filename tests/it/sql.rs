//! `rallylens sql`: its results equal DuckDB's for the queries docs/sql.md lists (the test
//! reads them from there), on the lake of data/ (with its metric tables) and on a lake of
//! the real samples; standard input, errors, the file-function refusal, the formats.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::common::{s, sample, Workdir};
use crate::duckdb::duckdb;

fn project() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The queries of docs/sql.md's "Queries checked against DuckDB": one per ```sql block.
fn documented_queries() -> Vec<String> {
    let doc = std::fs::read_to_string(project().join("docs/sql.md")).unwrap();
    let section = doc.split("\n## Queries checked against DuckDB\n").nth(1).expect("the section in docs/sql.md");
    let section = section.split("\n## ").next().unwrap();
    let queries: Vec<String> = section
        .split("```sql\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap().trim().trim_end_matches(';').to_string())
        .collect();
    assert!(queries.len() >= 6, "docs/sql.md lists {} queries", queries.len());
    queries
}

/// The metric tables a query names (from the data/ run), to skip it on a lake without them.
fn names_a_metric_table(q: &str, metrics: &[String]) -> bool {
    metrics.iter().any(|m| q.contains(m.as_str()))
}

/// DuckDB's results of `queries`, every cell in the text form of docs/sql.md (null as None).
fn duckdb_results(
    lake: &Path,
    metrics: Option<&Path>,
    queries: &[String],
) -> Vec<(Vec<String>, Vec<Vec<Option<String>>>)> {
    let code = format!(
        r#"
import datetime, decimal
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
for t in ["posts", "actions", "traffic", "accounts"]:
    con.execute(f"CREATE VIEW {{t}} AS SELECT * FROM read_parquet('{{LAKE}}/{{t}}/*/*.parquet', hive_partitioning = true)")
import glob, os
for f in sorted(glob.glob(os.path.join({metrics:?}, "*.parquet"))) if {metrics:?} else []:
    con.execute(f"CREATE VIEW {{os.path.basename(f)[:-8]}} AS SELECT * FROM read_parquet('{{f}}')")
def text(v):
    if v is None: return None
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, float): return repr(v)
    if isinstance(v, datetime.datetime):
        v = v.astimezone(datetime.timezone.utc)
        frac = "" if v.microsecond == 0 else (".%03d" % (v.microsecond // 1000) if v.microsecond % 1000 == 0 else ".%06d" % v.microsecond)
        return v.strftime("%Y-%m-%dT%H:%M:%S") + frac + "Z"
    if isinstance(v, datetime.date): return v.isoformat()
    if isinstance(v, list): return json.dumps(v, separators=(",", ":"))
    return str(v)
out = []
for q in json.loads({queries:?}):
    rel = con.sql(q)
    out.append([rel.columns, [[text(c) for c in row] for row in rel.fetchall()]])
print(json.dumps(out))
"#,
        metrics = metrics.map(|m| m.display().to_string()).unwrap_or_default(),
        queries = serde_json::to_string(queries).unwrap(),
    );
    serde_json::from_str(&duckdb(lake, &code)).unwrap()
}

/// rallylens' CSV: header and rows, an empty field read as null.
fn parse_csv(csv_text: &str) -> (Vec<String>, Vec<Vec<Option<String>>>) {
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows =
        r.records().map(|rec| rec.unwrap().iter().map(|c| (!c.is_empty()).then(|| c.to_string())).collect()).collect();
    (header, rows)
}

/// Two cells are equal as text, or as numbers within a relative 1e-9.
fn same_cell(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) if x == y => true,
        (Some(x), Some(y)) => match (x.parse::<f64>(), y.parse::<f64>()) {
            (Ok(p), Ok(q)) => (p - q).abs() <= 1e-9 * p.abs().max(q.abs()).max(1.0),
            _ => false,
        },
        _ => false,
    }
}

/// Sort key of a row: numbers rounded to 6 significant digits so that the last-digit
/// differences of floats do not reorder rows.
fn sort_key(row: &[Option<String>]) -> Vec<String> {
    row.iter()
        .map(|c| match c {
            None => String::new(),
            Some(t) => match t.parse::<f64>() {
                Ok(f) if t.chars().any(|ch| ch == '.' || ch == 'e') => format!("{f:.6e}"),
                _ => t.clone(),
            },
        })
        .collect()
}

/// Runs every documented query through `rallylens sql --format csv` and DuckDB and
/// compares; returns how many queries ran and how many gave rows. On the demo lake every
/// query must give rows (`every_query_has_rows`); the samples have no October 2012.
fn check_against_duckdb(
    w: &Workdir,
    lake: &Path,
    metrics: Option<&Path>,
    every_query_has_rows: bool,
) -> (usize, usize) {
    let metric_names: Vec<String> = rallylens::metrics::registry::TABLES.iter().map(|t| t.name.to_string()).collect();
    let queries: Vec<String> = documented_queries()
        .into_iter()
        .filter(|q| metrics.is_some() || !names_a_metric_table(q, &metric_names))
        .collect();
    // `--metrics OUT` reads OUT/metrics/*.parquet; DuckDB gets that folder.
    let expected = duckdb_results(lake, metrics.map(|m| m.join("metrics")).as_deref(), &queries);
    let mut with_rows = 0;
    for (q, (cols, mut want)) in queries.iter().zip(expected) {
        let mut args = vec!["sql", "--lake", s(lake), "--format", "csv", q.as_str()];
        if let Some(m) = metrics {
            args.extend(["--metrics", s(m)]);
        }
        let (header, mut got) = parse_csv(&w.ok(&args));
        assert_eq!(header, cols, "column names of\n{q}");
        assert!(!every_query_has_rows || !got.is_empty(), "no rows: the comparison would prove nothing\n{q}");
        with_rows += usize::from(!got.is_empty());
        assert_eq!(got.len(), want.len(), "row count of\n{q}");
        got.sort_by_key(|r| sort_key(r));
        want.sort_by_key(|r| sort_key(r));
        for (g, d) in got.iter().zip(&want) {
            assert!(g.iter().zip(d).all(|(a, b)| same_cell(a, b)), "{q}\nrallylens: {g:?}\nduckdb:    {d:?}");
        }
    }
    (queries.len(), with_rows)
}

/// The lake of data/ (the demo pipeline's inputs) and its metric tables.
fn demo(w: &Workdir) -> (PathBuf, PathBuf) {
    let lake = w.lake();
    let pipeline = project().join("pipelines/kenya_vs_shell.toml");
    let p = rallylens::pipeline::Pipeline::load(&pipeline).unwrap();
    let report =
        rallylens::ingest::driver::ingest(&p.inputs, &rallylens::ingest::driver::RunOptions::new(&lake)).unwrap();
    assert_eq!(report.failed(), 0, "{:?}", report.inputs);
    w.ok(&["--quiet", "analyze", s(&pipeline), "--lake", s(&lake), "--out", s(&w.path("out"))]);
    (lake, w.path("out"))
}

#[test]
fn sql_equals_duckdb_on_the_demo_lake_and_the_real_samples() {
    let w = Workdir::new();
    let (lake, out) = demo(&w);
    let all = documented_queries().len();
    assert_eq!(check_against_duckdb(&w, &lake, Some(&out), true), (all, all));

    let real = Workdir::new();
    let lake = real.lake();
    real.ok(&[
        "-q",
        "ingest",
        s(&sample("twitter-v2-jsonl")),
        s(&sample("twitter-v1-json")),
        s(&sample("facebook-graph-json")),
        s(&sample("twitter-analytics-csv")),
        s(&sample("ua-csv")),
        // Two UA reports have no date column: their rows cover this range.
        "--date-range",
        "2017-01-01..2017-01-31",
        "--lake",
        s(&lake),
    ]);
    // Two queries name a metric table; the others run on the samples too, and all but the
    // October 2012 filter find rows there.
    assert_eq!(check_against_duckdb(&real, &lake, None, false), (all - 2, all - 3));
}

/// `rallylens sql` with the query on standard input; returns (code, stdout, stderr).
fn sql_stdin(w: &Workdir, args: &[&str], input: &str) -> (i32, String, String) {
    let mut c = w.cmd();
    let mut child =
        c.arg("sql").args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let o = child.wait_with_output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

#[test]
fn stdin_formats_errors_and_the_key() {
    let w = Workdir::new();
    let lake = w.lake();
    w.ok(&["-q", "ingest", s(&sample("twitter-analytics-csv")), "--lake", s(&lake)]);
    let posts: u64 = crate::duckdb::duckdb_count(&lake, "posts");
    assert!(posts > 0);

    // The query from a pipe (not a terminal), a trailing ; and a line break allowed.
    let (code, out, err) =
        sql_stdin(&w, &["--lake", s(&lake), "--format", "csv"], "SELECT count(*) AS n\nFROM posts;\n");
    assert_eq!((code, out), (0, format!("n\n{posts}\n")), "{err}");
    // JSON Lines: one object per row.
    let json = w.ok(&["sql", "--lake", s(&lake), "--format", "json", "SELECT post_id, impressions FROM posts"]);
    assert_eq!(json.lines().count() as u64, posts);
    let first: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert!(first["post_id"].is_string() && (first["impressions"].is_i64() || first["impressions"].is_null()));
    // Parquet needs --output; the file it writes has the rows (DuckDB reads it).
    let (code, _, err) = w.run(&["sql", "--lake", s(&lake), "--format", "parquet", "SELECT * FROM posts"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--output"), "{err}");
    let file = w.path("posts.parquet");
    w.ok(&["-q", "sql", "--lake", s(&lake), "--format", "parquet", "--output", s(&file), "SELECT * FROM posts"]);
    let n = duckdb(
        &lake,
        &format!("print(duckdb.sql(\"select count(*) from read_parquet('{}')\").fetchall()[0][0])", s(&file)),
    );
    assert_eq!(n, posts.to_string());

    // A missing table: exit 2, polars' message, the tables there are.
    let (code, out, err) = w.run(&["sql", "--lake", s(&lake), "SELECT * FROM kpis"]);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(
        err.contains("'kpis' was not found") && err.contains("the tables are: posts, actions, traffic, accounts"),
        "{err}"
    );
    // Unsupported SQL: polars' message, shortened, and the hint to the docs.
    let (code, _, err) = w.run(&["sql", "--lake", s(&lake), "INSERT INTO posts VALUES (1)"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not supported") && err.contains("docs/sql.md"), "{err}");
    // No lake, no table.
    let (code, _, err) = w.run(&["sql", "SELECT 1"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = w.run(&["sql", "--lake", s(&w.path("nolake")), "SELECT 1"]);
    assert_eq!(code, 2, "{err}");

    // The key beside the lake is never a table, and file functions are refused: no byte
    // of it (nor its hex) reaches the output.
    let key_path = w.path("lake.key");
    let key = std::fs::read(&key_path).expect("the key beside the lake");
    for q in [
        format!("SELECT * FROM read_parquet('{}')", s(&key_path)),
        format!("SELECT * FROM READ_CSV('{}')", s(&key_path)),
    ] {
        let (code, out, err) = w.run(&["sql", "--lake", s(&lake), &q]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("file functions are off"), "{err}");
        let all = format!("{out}{err}");
        assert!(!all.contains(&hex::encode(&key)) && !all.contains(String::from_utf8_lossy(&key).trim()), "{all}");
    }
    let tables = w.ok(&["sql", "--lake", s(&lake), "--format", "csv", ".tables"]);
    assert_eq!(tables, "table,source\nposts,lake\nactions,lake\ntraffic,lake\naccounts,lake\n");
}

#[test]
fn metrics_folder_registers_every_table_by_name() {
    // A metrics folder of two hand-made tables (DuckDB writes them): OUT or OUT/metrics.
    let w = Workdir::new();
    let m = w.path("out/metrics");
    std::fs::create_dir_all(&m).unwrap();
    duckdb(
        &m,
        "duckdb.sql(f\"copy (select 'kenya' as campaign, 29 as days union all select 'shell', 21) to '{LAKE}/campaign_kpis.parquet'\")\n\
         duckdb.sql(f\"copy (select 'kenya' as campaign, 3 as rung) to '{LAKE}/ladder_summary.parquet'\")",
    );
    std::fs::write(w.path("out/lake.key"), b"not a table").unwrap();
    for dir in [w.path("out"), m.clone()] {
        let t = w.ok(&["sql", "--metrics", s(&dir), "--format", "csv", ".tables"]);
        assert_eq!(
            t,
            format!(
                "table,source\ncampaign_kpis,{}\nladder_summary,{}\n",
                s(&m.join("campaign_kpis.parquet")),
                s(&m.join("ladder_summary.parquet"))
            )
        );
    }
    // 29 + 21 = 50 days over 2 campaigns; joined to the one ladder row of kenya.
    let out = w.ok(&[
        "sql",
        "--metrics",
        s(&w.path("out")),
        "--format",
        "csv",
        "SELECT sum(k.days) AS days, count(l.rung) AS rungs FROM campaign_kpis k LEFT JOIN ladder_summary l ON l.campaign = k.campaign",
    ]);
    assert_eq!(out, "days,rungs\n50,1\n");
}

#[test]
fn help_has_an_example() {
    let w = Workdir::new();
    let (code, help, _) = w.run(&["sql", "--help"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("sql_help", help);
    assert!(help.contains("Examples:") && help.contains("rallylens sql --lake"));
}
