//! Hostile rows: what real exports and real machines did to rallylens, and what it does now.
//! Each test names the class; every message names file, line, field and what was expected;
//! good rows are kept and nothing already in the lake is lost.

use std::path::Path;

use crate::common::{rows, s, sample, Workdir};
use crate::duckdb::{duckdb, duckdb_count};

/// The `warning:` lines of a command's stderr.
fn warnings(err: &str) -> Vec<&str> {
    err.lines().filter(|l| l.starts_with("warning: ")).collect()
}

/// Writes `content` to `name`, ingests it into the workdir's lake (with `extra` arguments),
/// expects success and returns the warnings.
fn ingest_warnings(w: &Workdir, name: &str, content: &str, extra: &[&str]) -> Vec<String> {
    w.write(name, content);
    let lake = w.lake();
    let mut args = vec!["ingest", name, "--lake", s(&lake)];
    args.extend(extra);
    let (code, _, err) = w.run(&args);
    assert_eq!(code, 0, "{err}");
    warnings(&err).into_iter().map(str::to_string).collect()
}

/// Runs rallylens with `RALLYLENS_FAULT=fault` (an abort, or ENOSPC at a write).
fn faulted(w: &Workdir, fault: &str, args: &[&str]) -> std::process::Output {
    w.cmd().env("RALLYLENS_FAULT", fault).args(args).output().unwrap()
}

/// One Python duckdb query over a Parquet file, printed as Python prints the rows.
fn query(file: &Path, sql: &str) -> String {
    duckdb(file, &format!("print(duckdb.sql(f\"{sql}\").fetchall())"))
}

// ------------------------------------------------------------ 1. optional columns

#[test]
fn a_renamed_or_missing_optional_column_is_warned_about_once_per_file() {
    let w = Workdir::new();
    let lake = w.lake();

    // twarc-csv: the like count renamed (as a hand-edited export does), the quote count gone.
    let src = std::fs::read_to_string(sample("twitter-csv/brexit.csv")).unwrap();
    let (header, body) = src.split_once('\n').unwrap();
    let cols: Vec<&str> = header.split(',').collect();
    let quote = cols.iter().position(|c| *c == "public_metrics.quote_count").unwrap();
    let renamed: Vec<&str> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| match (i, *c) {
            (_, "public_metrics.like_count") => "public_metrics.likes_count",
            (i, _) if i == quote => "quotes_total",
            (_, c) => c,
        })
        .collect();
    w.write("brexit_renamed.csv", format!("{}\n{body}", renamed.join(",")));
    let (code, _, err) = w.run(&["ingest", "brexit_renamed.csv", "--lake", s(&lake)]);
    assert_eq!(code, 0, "{err}");
    // One warning for the file, naming both columns and the likely rename. `quotes_total` is
    // not near `public_metrics.quote_count` (edit distance 11 of 23 letters): not suggested.
    let ws = warnings(&err);
    assert_eq!(ws.len(), 1, "{err}");
    assert_eq!(
        ws[0],
        "warning: brexit_renamed.csv, line 1: columns 'public_metrics.like_count' (the file's \
         'public_metrics.likes_count' may be it, renamed; it is not read), 'public_metrics.quote_count' \
         of the twitter-csv format are missing: their fields are null in every row"
    );
    // The rows are all kept (brexit.csv: 100 tweets), their likes null as the warning says.
    assert_eq!(rows(&w.summary(), "posts", "twitter"), 100);
    // Likes and quotes null in every row, as the warning says; replies still read.
    let posts = format!("{}/posts/*/*.parquet", lake.display());
    let got = query(
        &lake,
        &format!("select count(reactions), count(quotes), count(comments) > 0 from read_parquet('{posts}')"),
    );
    assert_eq!(got, "[(0, 0, True)]");

    // Tweet activity export without `impressions`: one warning, the 2 rows kept. (Without
    // `impressions` the export is not recognised: the format is named.)
    let activity = "\"Tweet id\",\"Tweet permalink\",\"Tweet text\",\"time\",\"engagements\",\"retweets\",\"replies\",\
         \"likes\",\"url clicks\"\n\
         \"848610993366237184\",\"https://twitter.com/org/status/848610993366237184\",\"hi\",\"2017-04-02 19:00 +0000\",\"3\",\"1\",\"0\",\"2\",\"0\"\n\
         \"848610993366237185\",\"https://twitter.com/org/status/848610993366237185\",\"ho\",\"2017-04-03 19:00 +0000\",\"3\",\"1\",\"0\",\"2\",\"0\"\n";
    assert_eq!(
        ingest_warnings(&w, "activity.csv", activity, &["--format", "twitter-analytics-csv"]),
        vec![
            "warning: activity.csv, line 1: column 'impressions' of the twitter-analytics-csv format is missing: \
             its field is null in every row"
        ]
    );
    assert_eq!(rows(&w.summary(), "posts", "twitter"), 100 + 2);

    // A UA report's optional column under a near name: `Page Views` is `Pageviews`.
    let ua =
        "Date,Source / Medium,Sessions,Page Views\n20170131,google / organic,20,31\n20170131,(direct) / (none),5,9\n";
    assert_eq!(
        ingest_warnings(&w, "ua.csv", ua, &[]),
        vec![
            "warning: ua.csv, line 1: column 'Pageviews' (the file's 'Page Views' may be it, renamed; it is not \
             read) of the ua-csv format is missing: its field is null in every row"
        ]
    );

    // actions-csv: a missing optional column is normal (no warning), a near name is not.
    let crm = "actor,action,occurred_at\na@example.org,like,2024-03-05T10:00:00Z\n";
    assert_eq!(ingest_warnings(&w, "crm.csv", crm, &[]), Vec::<String>::new());
    let crm2 = "actor,action,occurred_at,Campaign ID\nb@example.org,like,2024-03-05T10:00:00Z,x\n";
    assert_eq!(
        ingest_warnings(&w, "crm2.csv", crm2, &[]),
        vec![
            "warning: crm2.csv, line 1: column 'campaign' (the file's 'Campaign ID' may be it, renamed; it is not \
             read) of the actions-csv format is missing: its field is null in every row"
        ]
    );
}

#[test]
fn the_real_samples_and_the_fixtures_warn_about_no_column() {
    // Every header-based format's real or hand-made fixture has the columns its format has.
    let w = Workdir::new();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut args: Vec<String> = vec!["ingest".into()];
    for f in [
        "real/twitter-csv/brexit.csv",
        "real/twitter-csv/small_sample_2021.csv",
        "real/twitter-csv/users.csv",
        "real/twitter-analytics-csv",
        "real/facebook-insights-csv",
        "real/ua-csv",
        "facebook-insights-csv/posts.csv",
        "meta-business-suite-csv",
        "plausible-csv/imported_sources_20240301_20240302.csv",
        "matomo-csv/referrers_getsocials_daily_utf16le.csv",
        "actions-csv/crm_actions.csv",
    ] {
        args.push(fixtures.join(f).to_string_lossy().into_owned());
    }
    // (Some fixtures hold deliberately bad rows, for their adapters' own tests.)
    args.extend(["--date-range".into(), "2017-01-01..2017-01-31".into(), "--max-reject-rate".into(), "50%".into()]);
    args.extend(["--lake".into(), w.lake().to_string_lossy().into_owned()]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, err) = w.run(&argv);
    assert_eq!(code, 0, "{err}");
    let missing: Vec<&str> = warnings(&err).into_iter().filter(|l| l.contains("format is missing")).collect();
    assert!(missing.is_empty(), "{missing:#?}");
}

// ------------------------------------------------------------ 2. negative counts, impossible dates

#[test]
fn negative_counts_and_year_0_or_9999_reject_the_row_and_keep_the_others() {
    let w = Workdir::new();
    let lake = w.lake();
    // Already in the lake: brexit's 100 tweets.
    w.ok(&["ingest", s(&sample("twitter-v2-jsonl/brexit.jsonl")), "--lake", s(&lake)]);

    // flat.jsonl (100 flattened tweets, one per line), three of them corrupted.
    let flat = std::fs::read_to_string(sample("twitter-v2-jsonl/flat.jsonl")).unwrap();
    let mut lines: Vec<serde_json::Value> = flat.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    lines[2]["public_metrics"]["like_count"] = serde_json::json!(-5); // line 3
    lines[6]["created_at"] = serde_json::json!("0000-01-01T00:00:00.000Z"); // line 7
    lines[8]["created_at"] = serde_json::json!("9999-12-31T23:59:59.000Z"); // line 9
    let text: String = lines.iter().map(|v| v.to_string() + "\n").collect();
    w.write("flat_bad.jsonl", text);
    // 3 of 100 records rejected: 3% > the default 1%, so the rate is raised for this file.
    let (code, out, err) = w.run(&["ingest", "flat_bad.jsonl", "--lake", s(&lake), "--max-reject-rate", "5%"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let line = err.lines().find(|l| l.starts_with("flat_bad.jsonl (twitter-v2-jsonl): 100 lines → ")).unwrap_or_default();
    assert!(out.is_empty() && line.contains("; 3 rejected (see _rejects/)"), "{out}\n{err}");
    // brexit's 100 + flat's 97 good tweets (flat shares no id with brexit).
    assert_eq!(rows(&w.summary(), "posts", "twitter"), 100 + 97);
    assert_eq!(duckdb_count(&lake, "posts"), 197);
    let rejects = query(
        &lake,
        &format!("select line, field, error from read_parquet('{}/_rejects/*.parquet') order by line", lake.display()),
    );
    assert_eq!(
        rejects,
        "[(3, 'public_metrics.like_count', 'expected a count ≥ 0, found -5'), \
         (7, 'created_at', \"expected an ISO 8601 time like 2021-09-22T16:37:29.000Z between 1990-01-01 and \
         2099-12-31, found '0000-01-01T00:00:00.000Z'\"), \
         (9, 'created_at', \"expected an ISO 8601 time like 2021-09-22T16:37:29.000Z between 1990-01-01 and \
         2099-12-31, found '9999-12-31T23:59:59.000Z'\")]"
    );

    // A CSV export through the shared count parser: a negative like count in Tweet activity.
    w.write(
        "activity.csv",
        "\"Tweet id\",\"Tweet permalink\",\"Tweet text\",\"time\",\"impressions\",\"retweets\",\"replies\",\
         \"likes\",\"url clicks\"\n\
         \"1\",\"https://twitter.com/org/status/1\",\"a\",\"2017-04-02 19:00 +0000\",\"10\",\"0\",\"0\",\"-2.0\",\"0\"\n\
         \"2\",\"https://twitter.com/org/status/2\",\"b\",\"2017-04-02 19:00 +0000\",\"10\",\"0\",\"0\",\"2.0\",\"0\"\n",
    );
    // 1 of 2 rows rejected (50%): refused at the default rate, with the row's line and field.
    let (code, _, err) = w.run(&["ingest", "activity.csv", "--lake", s(&lake)]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("activity.csv: 1 of 2 records")
            && err.contains("line 2, field 'likes': expected a count ≥ 0, found '-2.0'"),
        "{err}"
    );
    // Nothing already in the lake was lost.
    assert_eq!(rows(&w.summary(), "posts", "twitter"), 197);
}

// ------------------------------------------------------------ 3. the first commit, interrupted

#[test]
fn a_first_commit_killed_after_its_commit_point_is_completed_by_the_next_command() {
    for fault in ["after-commit-record", "mid-apply"] {
        let w = Workdir::new();
        let lake = w.lake();
        let o = faulted(&w, fault, &["ingest", s(&sample("twitter-v2-jsonl/flat.jsonl")), "--lake", s(&lake)]);
        assert!(!o.status.success(), "{fault}: the injected abort did not happen");
        // The kill came before the manifest was written: the lake has only the commit record.
        assert!(!lake.join("_manifest.json").exists() && lake.join("_staging").exists(), "{fault}");
        // `lake` completes it (it used to answer "not a rallylens lake"): flat's 100 tweets.
        let (code, out, err) = w.run(&["lake", s(&lake)]);
        assert_eq!(code, 0, "{fault}: {err}");
        assert!(err.contains("completed an interrupted commit"), "{fault}: {err}");
        assert!(out.contains("1 file"), "{fault}: {out}");
        assert!(!lake.join("_staging").exists(), "{fault}");
        assert_eq!(rows(&w.summary(), "posts", "twitter"), 100, "{fault}");
        assert_eq!(duckdb_count(&lake, "posts"), 100, "{fault}");
    }
    // The same through a reader of the metrics: `analyze` on a lake killed after its first
    // commit point reads the whole lake.
    let w = Workdir::new();
    let p = crate::run::tiny(&w);
    let o = faulted(&w, "after-commit-record", &["run", s(&p)]);
    assert!(!o.status.success());
    let (code, _, err) = w.run(&["analyze", s(&p)]);
    assert_eq!(code, 0, "{err}");
    // The tiny pipeline's three inputs, all there: 5 posts, 105 traffic rows (35 days × 3
    // sources), 11 actions.
    let sum: serde_json::Value = serde_json::from_str(&w.ok(&["lake", "out/lake", "--json"])).unwrap();
    assert_eq!(sum["files_ingested"], 3, "{sum}");
    let total = |table: &str| -> u64 {
        sum["partitions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["table"] == table)
            .map(|p| p["rows"].as_u64().unwrap())
            .sum()
    };
    assert_eq!((total("posts"), total("traffic"), total("actions")), (5, 105, 11), "{sum}");
}

// ------------------------------------------------------------ 4. run's exit codes

#[test]
fn run_exit_codes_every_input_failing_a_missing_pipeline_and_a_full_disk() {
    let w = Workdir::new();
    // Every input fails (an unknown format, a missing file): exit 3, and still a report,
    // rendered from an empty lake, naming the failures and saying nothing was ingested.
    w.write("in/notes.csv", "when,what\n2026-09-29,leaflets\n");
    w.write(
        "pipelines/bad.toml",
        "[output]\ndir = \"out\"\n\n[[inputs]]\npath = \"in/notes.csv\"\n\n[[inputs]]\npath = \"in/gone.csv\"\n\n\
         [[campaigns]]\nid = \"c\"\nname = \"C\"\nstart = 2026-09-28\nend = 2026-10-04\n",
    );
    let (code, out, err) = w.run(&["run", "pipelines/bad.toml"]);
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(err.contains("2 of 2 inputs were not ingested"), "{err}");
    let md = std::fs::read_to_string(w.path("out/report.md")).unwrap();
    assert!(md.contains("2 input(s) of this run could not be ingested"), "{md}");
    assert!(md.contains("in/notes.csv (in/notes.csv: unknown format"), "{md}");
    assert!(md.contains("in/gone.csv"), "{md}");
    assert!(md.contains("Nothing was ingested: the lake holds no input"), "{md}");
    assert!(w.path("out/report.html").exists());

    // A pipeline file that does not exist is a usage error: 2.
    let (code, _, err) = w.run(&["run", "pipelines/nope.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the pipeline pipelines/nope.toml does not exist"), "{err}");
    let (code, _, _) = w.run(&["validate", "pipelines/nope.toml"]);
    assert_eq!(code, 2);

    // A full disk is an I/O error (1), not bad input (3), and commits nothing. The disk is
    // made full by RALLYLENS_FAULT=enospc-part-write: the part writer's write fails with
    // ENOSPC (os error 28) on the path a real full disk takes (no tmpfs or root here).
    let lake = w.lake();
    w.ok(&["ingest", s(&sample("twitter-v2-jsonl/brexit.jsonl")), "--lake", s(&lake)]);
    let before = w.state();
    let o =
        faulted(&w, "enospc-part-write", &["ingest", s(&sample("twitter-v2-jsonl/flat.jsonl")), "--lake", s(&lake)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("writing the lake") && err.contains("os error 28") && err.contains("nothing was committed"),
        "{err}"
    );
    assert_eq!(w.state(), before, "a failed write changed the lake");
    assert!(!lake.join("_staging").exists());
    // `run` says the same: 1.
    let p = crate::run::tiny(&w);
    let o = faulted(&w, "enospc-part-write", &["run", s(&p)]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
}

// ------------------------------------------------------------ 5. a century-long window

#[test]
fn a_century_long_campaign_window_over_a_tiny_lake_is_cheap_and_right() {
    let w = Workdir::new();
    w.write(
        "in/actions.csv",
        "actor,action,occurred_at,campaign\n\
         ana@example.org,like,2024-03-05T14:22:31Z,century\n\
         ana@example.org,share,2024-03-20T09:00:00Z,century\n\
         bo@example.org,sign_petition,2030-01-01T00:00:00Z,century\n",
    );
    w.write(
        "pipelines/century.toml",
        "[output]\ndir = \"out\"\n\n[[inputs]]\npath = \"in/actions.csv\"\n\n\
         [[campaigns]]\nid = \"century\"\nname = \"A century\"\nstart = 1950-01-01\nend = 2050-12-31\n",
    );
    let (code, out, err) = w.run(&["run", "pipelines/century.toml"]);
    assert_eq!(code, 0, "{out}\n{err}");
    // 1950-01-01 … 2050-12-31 is 36,890 days = 5,270 weeks: periods 1 … 5270, period k
    // starting on day 7(k−1). A rung counts from the first boundary after its first action:
    // - ana's like, 2024-03-05 14:22 (day 27,092, in week 3870 from 0): 0→1 in period 3871;
    // - her share, 2024-03-20 (day 27,107, week 3872): 1→2 in period 3873, after one stay
    //   1→1 in period 3872; then 2→2 in periods 3874 … 5270 (1,397 rows);
    // - bo's petition at 2030-01-01 00:00 (day 29,220 = 7·4174 + 2, week 4174): 0→4 in
    //   period 4175, then 4→4 in periods 4176 … 5270 (1,095 rows).
    // 3 rises + 1 + 1,397 + 1,095 stays = 2,496 rows.
    let t = w.path("out/metrics/ladder_transitions.parquet");
    let q = |sql: &str| query(&t, &sql.replace("T", &format!("read_parquet('{}')", t.display())));
    assert_eq!(q("select count(*), sum(actors) from T"), "[(2496, 2496)]");
    assert_eq!(
        q("select period, from_rung, to_rung, actors, period_start::VARCHAR, period_end::VARCHAR from T where from_rung <> to_rung order by period"),
        "[(3871, 0, 1, 1, '2024-03-03', '2024-03-09'), (3873, 1, 2, 1, '2024-03-17', '2024-03-23'), \
         (4175, 0, 4, 1, '2029-12-30', '2030-01-05')]"
    );
    assert_eq!(
        q("select from_rung, count(*), min(period), max(period) from T where from_rung = to_rung group by 1 order by 1"),
        "[(1, 1, 3872, 3872), (2, 1397, 3874, 5270), (4, 1095, 4176, 5270)]"
    );
    assert_eq!(q("select max(period_end)::VARCHAR from T"), "[('2050-12-31',)]");
}

// ------------------------------------------------------------ 6. names in report.md

#[test]
fn report_md_escapes_html_and_markdown_in_names() {
    let w = Workdir::new();
    let p = crate::run::tiny(&w);
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace("name = \"Clean Air Week\"", "name = \"<script>alert(1)</script> | x\"");
    w.write("pipelines/tiny.toml", text);
    let (code, out, err) = w.run(&["run", s(&p)]);
    assert_eq!(code, 0, "{out}\n{err}");
    let md = std::fs::read_to_string(w.path("out/report.md")).unwrap();
    assert!(!md.contains("<script>") && !md.contains("</script>"), "raw HTML in report.md");
    // The name as text: entities for < > &, the bar escaped so the table keeps its columns.
    let name = "&lt;script&gt;alert(1)&lt;/script&gt; \\| x";
    assert!(md.contains(&format!("| Figure | {name} |")), "{md}");
    assert!(md.contains(&format!("Campaigns: {name} (2026-09-28 to 2026-10-04")), "{md}");
    // Every table row of the headline table has as many unescaped bars as its header (3).
    let bars = |l: &str| l.replace("\\|", "").matches('|').count();
    let table: Vec<&str> =
        md.lines().skip_while(|l| !l.starts_with("| Figure")).take_while(|l| l.starts_with('|')).collect();
    assert!(table.len() > 10 && table.iter().all(|l| bars(l) == 3), "{table:#?}");
    // The title's `&` is an entity too ("Clean Air Week & friends").
    assert!(md.starts_with("# Clean Air Week &amp; friends\n"), "{md}");
    // report.html escaped it already.
    let html = std::fs::read_to_string(w.path("out/report.html")).unwrap();
    assert!(!html.contains("<script>alert(1)") && html.contains("&lt;script&gt;alert(1)&lt;/script&gt; | x"));
}
