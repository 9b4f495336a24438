//! Ad hoc analysis of past campaigns (docs/campaigns.md): `rallylens campaigns` finds them
//! in a lake, `analyze`/`run` size one up from flags, `--save-pipeline` turns the question
//! into a pipeline file. End to end on the demo (data/) and on the real samples.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::common::{rows, s, sample, Workdir};

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn table(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .finish()
        .unwrap()
}

/// The rows of `df` of campaign `id` (all rows for a table without a campaign column).
fn of(df: DataFrame, id: &str) -> DataFrame {
    if df.get_column_names().iter().any(|c| c.as_str() == "campaign") {
        df.lazy().filter(col("campaign").eq(lit(id))).collect().unwrap()
    } else {
        df
    }
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// The candidate of `kind` whose subject is `subject`.
fn candidate<'a>(cands: &'a serde_json::Value, kind: &str, subject: &str) -> &'a serde_json::Value {
    cands
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == kind && c["subject"] == subject)
        .unwrap_or_else(|| panic!("no {kind} candidate {subject} in {cands:#}"))
}

fn args_of(c: &serde_json::Value) -> Vec<String> {
    c["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect()
}

/// The headline figures the ad hoc flags define (every `campaign_kpis` column but those
/// that come from pipeline keys without a flag: goals, key accounts, growth settings).
#[rustfmt::skip]
const FLAG_KPIS: &[&str] = &[
    "campaign", "name", "start", "end", "days", "own_posts", "own_engagements", "unique_actors",
    "hashtag_potential_reach", "signups_total", "signups_first_week", "uplift_method", "social_uplift_sessions",
    "social_uplift_rel", "social_total_traffic_uplift_rel", "facebook_uplift_rel",
    "facebook_total_traffic_uplift_rel", "moved_up", "new_supporters", "target_responded", "target_latency_hours",
    "followers_at_launch",
];

/// The per-campaign tables computed from one campaign's scope alone.
#[rustfmt::skip]
const FLAG_TABLES: &[&str] = &[
    "engagement_by_content_type", "reach_daily", "reach_window", "referral_uplift", "referral_daily",
    "ladder_transitions", "ladder_summary", "hashtag_daily", "target_response", "signups",
];

/// The demo: find the Shell burst with `campaigns`, analyze it ad hoc with the printed
/// dates and the Shell pipeline's hashtags, targets, own accounts and URLs, and get the
/// demo pipeline's figures.
#[test]
fn the_shell_burst_found_and_analysed_ad_hoc_gives_the_demo_pipelines_figures() {
    let w = Workdir::new();
    let lake = w.lake();
    let demo = rallylens::pipeline::Pipeline::load(&project().join("pipelines/kenya_vs_shell.toml")).unwrap();
    let report =
        rallylens::ingest::driver::ingest(&demo.inputs, &rallylens::ingest::driver::RunOptions::new(&lake)).unwrap();
    assert_eq!(report.failed(), 0, "{:?}", report.inputs);
    w.ok(&["--quiet", "analyze", s(&demo.path), "--lake", s(&lake), "--out", s(&w.path("demo"))]);

    // 1. campaigns, in the Shell campaign's time zone.
    let (code, out, err) = w.run(&["campaigns", "--lake", s(&lake), "--tz", "Europe/London", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("campaigns: ") && err.contains(" candidates ("), "progress and summary on stderr: {err}");
    let cands = json(&out);
    // #makethefuture on Twitter (data/README.md: Shell's own marketing, 1-10 posts a day
    // before the hijack; the campaign's 22-92 a day from 1 to 21 October; 2-5 after):
    // judged against a baseline of median 3 a day, the run of days above it is exactly
    // the campaign's window, and most of its posts are tagged `shell`.
    let burst = candidate(&cands, "hashtag", "#makethefuture");
    assert_eq!((burst["start"].as_str(), burst["end"].as_str()), (Some("2012-10-01"), Some("2012-10-21")), "{burst}");
    assert_eq!((burst["platform"].as_str(), burst["id"].as_str()), (Some("twitter"), Some("shell")));
    assert_eq!(burst["peak"], "2012-10-01");
    // Its total: the original Twitter posts using the hashtag on those London days.
    let posts = crate::duckdb::duckdb(
        &lake,
        "print(duckdb.sql(f\"select count(*) from read_parquet('{LAKE}/posts/*/*.parquet', hive_partitioning=true) \
         where platform = 'twitter' and list_contains(hashtags, 'makethefuture') and not coalesce(is_repost, false) \
         and (created_at at time zone 'Europe/London')::date between '2012-10-01' and '2012-10-21'\").fetchall()[0][0])",
    );
    assert_eq!(burst["total"].to_string(), posts);
    // The campaign tags are candidates too, with their rows per table.
    let tag = candidate(&cands, "tag", "kenya");
    assert!(tag["posts"].as_i64().unwrap() > 0 && tag["actions"].as_i64().unwrap() > 0, "{tag}");

    // 2. analyze ad hoc: the printed line, plus what only the analyst knows.
    let mut args = args_of(burst);
    assert_eq!(
        args.join(" "),
        format!("analyze --lake {} --campaign shell --start 2012-10-01 --end 2012-10-21 --hashtag makethefuture --tz Europe/London", s(&lake))
    );
    let shell = demo.campaigns.iter().find(|c| c.id == "shell").unwrap();
    for t in &shell.targets {
        args.extend(["--target".into(), format!("@{t}")]);
    }
    for (p, accts) in &shell.own_accounts {
        for a in accts {
            args.extend(["--own".into(), format!("{p}:{a}")]);
        }
    }
    for u in &shell.url_prefixes {
        args.extend(["--url-prefix".into(), u.clone()]);
    }
    args.extend(["--name".into(), shell.name.clone(), "--out".into(), s(&w.path("adhoc")).into()]);
    args.extend(["--save-pipeline".into(), s(&w.path("pipelines/shell.toml")).into()]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let log = w.log(&argv);
    assert!(log.contains("pipeline: wrote") && log.contains("analyze: 1 campaigns"), "{log}");

    // 3. The headline figures are the demo pipeline's: same window, same time zone, same
    // campaign definition, same lake, same default ladder; campaign_kpis is computed per
    // campaign from its own scope, so the other campaign of the demo does not change it.
    let kpis = |dir: &str| {
        let t = of(table(&w.path(&format!("{dir}/metrics/campaign_kpis.parquet"))), "shell");
        t.select(FLAG_KPIS.iter().copied()).unwrap_or_else(|e| panic!("{dir}: {e}"))
    };
    let (demo_kpis, adhoc_kpis) = (kpis("demo"), kpis("adhoc"));
    assert_eq!(demo_kpis.height(), 1);
    assert!(demo_kpis.equals_missing(&adhoc_kpis), "demo:\n{demo_kpis}\nad hoc:\n{adhoc_kpis}");
    let figures = |dir: &str| -> Vec<serde_json::Value> {
        let m = json(&std::fs::read_to_string(w.path(&format!("{dir}/metrics.json"))).unwrap());
        let c = m["campaigns"].as_array().unwrap().iter().find(|c| c["id"] == "shell").unwrap().clone();
        let mut v: Vec<serde_json::Value> =
            ["id", "name", "start", "end", "baseline", "days", "time_zone", "uplift_method"]
                .iter()
                .map(|k| c[k].clone())
                .collect();
        v.extend(FLAG_KPIS.iter().map(|k| c["figures"][k].clone()));
        v
    };
    assert_eq!(figures("demo"), figures("adhoc"));
    // Every per-campaign table has the same Shell rows, but the two whose definitions
    // involve the pipeline's other campaigns (left out of FLAG_TABLES): campaign_comparison
    // runs to the longest campaign's day count (Kenya's 29 days, Shell's 21), and records
    // are personal bests over the pipeline's campaigns.
    for name in FLAG_TABLES {
        let file = format!("{name}.parquet");
        let (a, b) = (
            of(table(&w.path("demo/metrics").join(&file)), "shell"),
            of(table(&w.path("adhoc/metrics").join(&file)), "shell"),
        );
        assert!(a.height() > 0, "{name}: no Shell rows");
        assert!(a.equals_missing(&b), "{name}: demo\n{a}\nad hoc\n{b}");
    }

    // 4. The saved pipeline is the same question, for tonight's run: it validates to the
    // same campaign, and analysing it reproduces the same figures.
    let saved = std::fs::read_to_string(w.path("pipelines/shell.toml")).unwrap();
    assert!(saved.contains("start = 2012-10-01\nend = 2012-10-21\n"), "{saved}");
    // In pipelines/, paths are relative to the project folder (the temp dir).
    assert!(saved.contains("lake = \"lake\"\n") && saved.contains("dir = \"adhoc\"\n"), "{saved}");
    let again = rallylens::pipeline::Pipeline::load(&w.path("pipelines/shell.toml")).unwrap();
    let c = &again.campaigns[0];
    assert_eq!(
        (&c.id, &c.name, c.start, c.end, c.baseline_start, c.baseline_end, c.tz),
        (&shell.id, &shell.name, shell.start, shell.end, shell.baseline_start, shell.baseline_end, shell.tz)
    );
    assert_eq!(
        (&c.hashtags, &c.targets, &c.url_prefixes, &c.own_accounts),
        (&shell.hashtags, &shell.targets, &shell.url_prefixes, &shell.own_accounts)
    );
}

/// `campaigns` on the real samples: the tag the analyst gave at ingest, its rows per table,
/// and a pasted line that analyses; csv and table output.
#[test]
fn campaigns_on_the_real_samples_lists_the_tag_and_its_line_analyses() {
    let w = Workdir::new();
    let lake = w.lake();
    w.ok(&[
        "--quiet",
        "ingest",
        s(&sample("twitter-v2-jsonl/brexit.jsonl")),
        "--campaign",
        "brexit",
        "--lake",
        s(&lake),
    ]);
    w.ok(&["--quiet", "ingest", s(&sample("ua-csv")), "--date-range", "2021-08-01..2021-09-30", "--lake", s(&lake)]);
    let summary = w.summary();
    let cands = json(&w.ok(&["--quiet", "campaigns", "--lake", s(&lake), "--format", "json"]));
    // One page of 100 tweets, all of 2021-09-22 (UTC): no history, so no burst; the tag
    // carries every twitter post and action of the page.
    assert_eq!(cands.as_array().unwrap().len(), 1, "{cands:#}");
    let tag = candidate(&cands, "tag", "brexit");
    assert_eq!((tag["start"].as_str(), tag["end"].as_str()), (Some("2021-09-22"), Some("2021-09-22")));
    assert_eq!(tag["posts"].as_u64(), Some(rows(&summary, "posts", "twitter")));
    assert_eq!(tag["posts"], 100);
    assert_eq!(tag["actions"].as_u64(), Some(rows(&summary, "actions", "twitter")));
    assert_eq!(tag["traffic"], 0);

    // CSV: a header and one row whose last field is the pasteable command.
    let csv = w.ok(&["--quiet", "campaigns", "--lake", s(&lake), "--format", "csv"]);
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let h = r.headers().unwrap().clone();
    let recs: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(recs.len(), 1);
    let cell = |k: &str| recs[0][h.iter().position(|x| x == k).unwrap()].to_string();
    assert_eq!((cell("kind"), cell("id"), cell("posts")), ("tag".into(), "brexit".into(), "100".into()));
    assert_eq!(
        cell("command"),
        format!("rallylens analyze --lake {} --campaign brexit --start 2021-09-22 --end 2021-09-22", s(&lake))
    );
    // The table: the candidate's line, then its command indented.
    let text = w.ok(&["--quiet", "campaigns", "--lake", s(&lake)]);
    assert!(text.contains(&format!("\n  {}\n", cell("command"))), "{text}");

    // Paste it: every table is written for the tag's day.
    let args = args_of(tag);
    let mut argv: Vec<&str> = args.iter().map(String::as_str).collect();
    argv.extend(["--out", "adhoc"]);
    w.log(&argv);
    let m = json(&std::fs::read_to_string(w.path("adhoc/metrics.json")).unwrap());
    assert_eq!(m["campaigns"][0]["id"], "brexit");
    // Every collected post of the page yields one action by its author: 98 actors
    // (tests/it/analyze.rs works the page out by hand).
    assert_eq!(m["campaigns"][0]["figures"]["unique_actors"]["value"], 98);

    // The same real page analysed over its week (flags of BREXIT) and compared with the
    // day's analysis from the two folders alone: one KPI row each, in folder order, the
    // same id told apart by its folder, the figures those of each folder.
    let mut week = vec!["--quiet", "analyze", "--lake", s(&lake)];
    week.extend(BREXIT);
    week.extend(["--out", "week"]);
    w.log(&week);
    let err = w.log(&["compare", "adhoc", "week", "--out", "cmp"]);
    assert!(err.contains("compare: 2 runs, 2 campaigns, "), "{err}");
    let kpis = table(&w.path("cmp/metrics/campaign_kpis.parquet"));
    let ids: Vec<&str> = kpis.column("campaign").unwrap().str().unwrap().iter().flatten().collect();
    assert_eq!(ids, ["brexit@adhoc", "brexit@week"]);
    let (day, week) =
        (table(&w.path("adhoc/metrics/campaign_kpis.parquet")), table(&w.path("week/metrics/campaign_kpis.parquet")));
    let both = day.vstack(&week).unwrap();
    for c in both.get_column_names() {
        if c.as_str() != "campaign" && c.as_str() != "name" {
            let (got, want) = (kpis.column(c).unwrap(), both.column(c).unwrap());
            assert!(got.as_materialized_series().equals_missing(want.as_materialized_series()), "{c}: {got:?} / {want:?}");
        }
    }
    let md = std::fs::read_to_string(w.path("cmp/report.md")).unwrap();
    assert!(md.contains("\n## Headline figures\n"), "{md}");
}

/// The brexit page's campaign (tests/it/analyze.rs) as flags.
const BREXIT: &[&str] =
    &["--campaign", "brexit", "--start", "2021-09-22", "--end", "2021-09-28", "--tz", "Europe/London"];

/// The flags give the same bytes as the pipeline file with the same keys (the brexit
/// pipeline of tests/it/analyze.rs).
#[test]
fn analyze_from_flags_writes_the_bytes_of_the_equivalent_pipeline_file() {
    let w = Workdir::new();
    let lake = w.lake();
    w.ok(&["--quiet", "ingest", s(&sample("twitter-v2-jsonl/brexit.jsonl")), "--lake", s(&lake)]);
    w.write(
        "file.toml",
        "lake = \"lake\"\n[output]\ndir = \"by-file\"\n[[campaigns]]\nid = \"brexit\"\nstart = 2021-09-22\nend = 2021-09-28\n\
         tz = \"Europe/London\"\nhashtags = [\"#Brexit\"]\ntargets = [\"BorisJohnson\"]\n",
    );
    w.log(&["analyze", "file.toml"]);
    let args = [
        &["analyze", "--lake", "lake"],
        BREXIT,
        &["--hashtag", "#Brexit", "--target", "BorisJohnson", "--out", "by-flags"],
    ];
    w.log(&args.concat());
    for e in std::fs::read_dir(w.path("by-file/metrics")).unwrap().flatten() {
        let other = w.path("by-flags/metrics").join(e.file_name());
        assert!(
            std::fs::read(e.path()).unwrap() == std::fs::read(&other).unwrap(),
            "{} differs",
            e.file_name().to_string_lossy()
        );
    }
    let campaigns =
        |d: &str| json(&std::fs::read_to_string(w.path(&format!("{d}/metrics.json"))).unwrap())["campaigns"].clone();
    assert_eq!(campaigns("by-file"), campaigns("by-flags"));
}

/// `run` with inputs given as paths: ingest, analyze, render; the saved pipeline reruns it
/// as a nightly run would (nothing new: metrics reused).
#[test]
fn run_with_inputs_as_paths_and_its_saved_pipeline_reruns_it() {
    let w = Workdir::new();
    let brexit = sample("twitter-v2-jsonl/brexit.jsonl");
    let brexit = s(&brexit);
    let args = [
        &["run", "--input", brexit, "--tag"],
        BREXIT,
        &["--hashtag", "brexit", "--out", "out/brexit"],
        &["--save-pipeline", "brexit.toml"],
    ];
    let log = w.log(&args.concat());
    assert!(log.contains("brexit.jsonl (twitter-v2-jsonl): 1 line"), "{log}");
    assert!(w.path("out/brexit/report.html").exists() && w.path("out/brexit/lake").is_dir());
    // brexit.jsonl: 100 tweets on 2021-09-22 with #brexit, 67 of them retweets
    // (tests/it/analyze.rs): 33 posts, 67 reposts, 98 authors.
    let hd = table(&w.path("out/brexit/metrics/hashtag_daily.parquet"));
    assert_eq!(hd.height(), 1);
    let n = |c: &str| hd.column(c).unwrap().i64().unwrap().get(0);
    assert_eq!((n("posts"), n("reposts"), n("authors")), (Some(33), Some(67), Some(98)));
    // --tag: every row carries the campaign (the tag's candidate counts them).
    let cands = json(&w.ok(&["--quiet", "campaigns", "--lake", "out/brexit/lake", "--format", "json"]));
    assert_eq!(candidate(&cands, "tag", "brexit")["posts"], 100, "{cands:#}");

    let saved = std::fs::read_to_string(w.path("brexit.toml")).unwrap();
    assert!(saved.contains("campaign = \"brexit\"") && saved.contains("dir = \"out/brexit\""), "{saved}");
    let again = w.log(&["run", "brexit.toml"]);
    assert!(again.contains("1 unchanged and skipped") && again.contains("metrics reused"), "{again}");
}

/// Clear usage errors, exit 2.
#[test]
fn ad_hoc_usage_errors_exit_2_and_say_what_is_missing() {
    let w = Workdir::new();
    // A complete ad hoc analyze, then one more flag.
    let full = |extra: &[&str]| -> Vec<String> {
        let base = ["analyze", "--lake", "l", "--campaign", "x", "--start", "2012-10-01", "--end", "2012-10-02"];
        base.iter().chain(extra).map(|a| a.to_string()).collect()
    };
    let words = |a: &[&str]| -> Vec<String> { a.iter().map(|a| a.to_string()).collect() };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (words(&["analyze"]), "<PIPELINE>"),
        (words(&["analyze", "--lake", "lake", "--campaign", "x", "--start", "2012-10-01"]), "--end <DATE>"),
        (words(&["analyze", "--campaign", "x", "--start", "2012-10-01", "--end", "2012-10-02"]), "needs --lake DIR"),
        (full(&["p.toml"]), "cannot be used with"),
        (words(&["analyze", "p.toml", "--hashtag", "x"]), "--campaign <ID>"),
        (words(&["analyze", "--lake", "l", "--campaign", "x", "--start", "1 Oct", "--end", "2"]), "is not a date like"),
        (full(&["--own", "amnesty"]), "is not PLATFORM:ACCOUNT"),
        (full(&["--tz", "Mars/Base"]), "--tz: unknown time zone"),
        (
            words(&["analyze", "--lake", "l", "--campaign", "a b", "--start", "2012-10-01", "--end", "2012-10-02"]),
            "--campaign: 'a b' is not a usable id",
        ),
        (words(&["run", "--input", "x.csv"]), "--campaign <ID>"),
        (words(&["campaigns"]), "--lake <DIR|URL>"),
        (words(&["campaigns", "--lake", "l", "--format", "xml"]), "possible values: table, csv, json"),
    ];
    for (args, says) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = w.run(&args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(says), "{args:?} should say {says:?}: {err}");
    }
    // A folder that is not a lake is an error naming it (exit 1, as `rallylens lake`).
    let (code, _, err) = w.run(&["campaigns", "--lake", "nowhere"]);
    assert_eq!(code, 1);
    assert!(err.contains("nowhere is not a rallylens lake"), "{err}");
}
