//! `rallylens ingest` and `rallylens lake` end to end on the real samples: incremental
//! re-ingest, replacement, de-duplication across encodings, and every kind of bad input.

use crate::common::{rows, s, sample, Workdir};

#[test]
fn unchanged_file_is_skipped_and_lake_is_untouched() {
    let w = Workdir::new();
    let src = sample("twitter-v2-jsonl/brexit.jsonl");
    let lake = w.lake();
    w.ok(&["ingest", s(&src), "--lake", s(&lake)]);
    let sum = w.summary();
    // brexit.jsonl is one twarc2 search page of 100 tweets (python: len(page["data"]) == 100).
    assert_eq!(rows(&sum, "posts", "twitter"), 100);
    let manifest = std::fs::read(lake.join("_manifest.json")).unwrap();
    let out = w.log(&["ingest", s(&src), "--lake", s(&lake)]);
    assert!(out.contains("0 inputs read, 1 unchanged and skipped"), "{out}");
    assert_eq!(
        std::fs::read(lake.join("_manifest.json")).unwrap(),
        manifest,
        "an unchanged file must not touch the manifest"
    );
    assert_eq!(w.summary(), sum);

    // The same bytes under another name, or touched without a change, are read (their size
    // and time don't match the manifest) but found listed by their SHA-256: nothing changes.
    let copy = w.path("copy-of-brexit.jsonl");
    std::fs::copy(&src, &copy).unwrap();
    let out = w.log(&["ingest", s(&copy), "--lake", s(&lake)]);
    assert!(out.contains("0 inputs read, 1 unchanged and skipped"), "{out}");
    std::fs::File::options().append(true).open(&copy).unwrap().set_modified(std::time::SystemTime::now()).unwrap();
    let out = w.log(&["ingest", s(&copy), "--lake", s(&lake)]);
    assert!(out.contains("0 inputs read, 1 unchanged and skipped"), "{out}");
    assert_eq!(std::fs::read(lake.join("_manifest.json")).unwrap(), manifest);
    assert!(
        !lake.join("_sources/f000002").exists() && !lake.join("_staging").exists(),
        "nothing staged is left behind"
    );
}

#[test]
fn one_collection_in_two_encodings_counts_once() {
    let w = Workdir::new();
    let lake = w.lake();
    // twitter-csv/brexit.csv is twarc-csv's output for twitter-v2-jsonl/brexit.jsonl: the same 100 posts.
    w.ok(&["ingest", s(&sample("twitter-v2-jsonl/brexit.jsonl")), s(&sample("twitter-csv/brexit.csv")), "--lake", s(&lake)]);
    let sum = w.summary();
    assert_eq!(rows(&sum, "posts", "twitter"), 100);
    assert_eq!(sum["files_ingested"], 2);
}

#[test]
fn changed_file_replaces_the_rows_it_wrote() {
    let w = Workdir::new();
    let lake = w.lake();
    let flat = std::fs::read_to_string(sample("twitter-v2-jsonl/flat.jsonl")).unwrap();
    let lines: Vec<&str> = flat.lines().collect();
    // First export: the first 10 flattened tweets; re-exported later with only the first 4.
    let f = w.write("exports/stream.jsonl", lines[..10].join("\n") + "\n");
    w.ok(&["ingest", "exports/stream.jsonl", "--lake", s(&lake)]);
    let before = rows(&w.summary(), "posts", "twitter");
    assert_eq!(before, 10);
    std::fs::write(&f, lines[..4].join("\n") + "\n").unwrap();
    let out = w.log(&["ingest", "exports/stream.jsonl", "--lake", s(&lake)]);
    assert!(out.contains("replaced"), "{out}");
    let sum = w.summary();
    assert_eq!(rows(&sum, "posts", "twitter"), 4);
    assert_eq!(sum["files_ingested"], 1);
    // source_file is the path as given, relative.
    assert_eq!(sum["files"][0]["path"], "exports/stream.jsonl");
}

#[test]
fn a_bad_line_is_rejected_with_its_line_and_the_rest_ingested() {
    let w = Workdir::new();
    let lake = w.lake();
    let flat = std::fs::read_to_string(sample("twitter-v2-jsonl/flat.jsonl")).unwrap();
    let mut lines: Vec<String> = flat.lines().map(String::from).collect();
    // 100 good lines and one broken one at line 51: 1 of 101 records = 0.99% <= 1%.
    lines.insert(50, r#"{"id": "1", "text": "broken"#.to_string());
    w.write("bad.jsonl", lines.join("\n") + "\n");
    let (code, out, err) = w.run(&["ingest", "bad.jsonl", "--lake", s(&lake), "--format", "twitter-v2-jsonl"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(err.contains("1 rejected"), "{err}");
    let sum = w.summary();
    assert_eq!(rows(&sum, "posts", "twitter"), 100);
    assert_eq!(sum["rows_rejected"], 1);
    let rejects: Vec<_> = std::fs::read_dir(lake.join("_rejects")).unwrap().flatten().collect();
    assert_eq!(rejects.len(), 1);
    let got = crate::duckdb::duckdb(
        &lake,
        &format!("print(duckdb.sql(\"select line, field, raw from read_parquet('{}')\").fetchall())", rejects[0].path().display()),
    );
    assert!(got.contains("(51, "), "reject should name line 51: {got}");
    assert!(got.contains("broken"), "social rejects keep the raw row: {got}");
}

#[test]
fn too_many_bad_lines_refuse_the_file_and_keep_the_lake() {
    let w = Workdir::new();
    let lake = w.lake();
    w.ok(&["ingest", s(&sample("twitter-v2-jsonl/two_tweets.jsonl")), "--lake", s(&lake)]);
    let before = w.state();
    let flat = std::fs::read_to_string(sample("twitter-v2-jsonl/flat.jsonl")).unwrap();
    let mut lines: Vec<String> = flat.lines().map(String::from).collect();
    // 2 broken of 102 records = 1.96% > 1%: the file is refused whole.
    lines.insert(10, "{not json".into());
    lines.insert(20, "[1, 2".into());
    w.write("worse.jsonl", lines.join("\n") + "\n");
    let (code, _out, err) = w.run(&["ingest", "worse.jsonl", "--lake", s(&lake), "--format", "twitter-v2-jsonl"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("worse.jsonl") && err.contains("line 11") && err.contains("not ingested"), "{err}");
    assert_eq!(w.state(), before, "a refused file must leave the lake as it was");
    // A higher threshold lets it in.
    w.ok(&["ingest", "worse.jsonl", "--lake", s(&lake), "--format", "twitter-v2-jsonl", "--max-reject-rate", "5%"]);
}

#[test]
fn truncated_last_line_is_a_warning() {
    let w = Workdir::new();
    let lake = w.lake();
    // The stream was interrupted mid-line: 7 whole lines, then 44 bytes of an 8th with no
    // newline. A warning naming line 8, not a reject; exit 0.
    let (code, _out, err) =
        w.run(&["ingest", s(&sample("twitter-v2-jsonl/streaming_output_with_error.jsonl")), "--lake", s(&lake)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("truncated") && err.contains("line 8"), "{err}");
    assert_eq!(w.summary()["rows_rejected"], 0);
}

#[test]
fn unknown_format_empty_folder_and_bad_flags_are_named() {
    let w = Workdir::new();
    let lake = w.lake();
    w.write("notes.txt", "meeting notes, not an export\n");
    let (code, _, err) = w.run(&["ingest", "notes.txt", "--lake", s(&lake)]);
    assert_eq!(code, 3);
    assert!(err.contains("notes.txt") && err.contains("unknown format") && err.contains("--format"), "{err}");

    std::fs::create_dir_all(w.path("empty")).unwrap();
    let (code, _, err) = w.run(&["ingest", "empty", "--lake", s(&lake)]);
    assert_eq!(code, 3);
    assert!(err.contains("empty") && err.contains("no files"), "{err}");

    let (code, _, err) = w.run(&["ingest", "notes.txt", "--lake", s(&lake), "--format", "nope"]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown format 'nope'") && err.contains("twitter-v2-jsonl"), "{err}");

    let (code, _, err) = w.run(&["ingest", "notes.txt", "--lake", s(&lake), "--max-reject-rate", "150%"]);
    assert_eq!(code, 2, "{err}");

    let (code, _, err) = w.run(&["lake", "nowhere"]);
    assert_eq!(code, 1);
    assert!(err.contains("not a rallylens lake"), "{err}");
}

#[test]
fn header_only_and_utf16_and_renamed_columns() {
    let w = Workdir::new();
    let lake = w.lake();
    let src = std::fs::read_to_string(sample(
        "twitter-analytics-csv/tweet_activity_metrics_TCORSStgOrg_20170401_20170408_en.csv",
    ))
    .unwrap();
    let header = src.lines().next().unwrap();
    // 12 physical lines = header + 10 tweets, one of whose text spans two lines.
    let data_rows = 10;

    // A header-only export: no rows, not an error.
    w.write("header.csv", format!("{header}\n"));
    let (code, _, err) = w.run(&["ingest", "header.csv", "--lake", s(&lake)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("no rows"), "{err}");

    // The same export saved as UTF-16LE with a BOM (Excel's "Unicode text") reads the same.
    let mut utf16 = vec![0xFF, 0xFE];
    for u in src.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    w.write("utf16.csv", utf16);
    w.ok(&["ingest", "utf16.csv", "--lake", s(&lake)]);
    assert_eq!(rows(&w.summary(), "posts", "twitter"), data_rows);

    // A renamed required column: the error names it and lists the file's columns.
    w.write("renamed.csv", src.replacen("\"time\"", "\"Time (UTC)\"", 1));
    let (code, _, err) = w.run(&["ingest", "renamed.csv", "--lake", s(&lake), "--format", "twitter-analytics-csv"]);
    assert_eq!(code, 3);
    assert!(err.contains("renamed.csv") && err.contains("time") && err.contains("Time (UTC)"), "{err}");
}

#[test]
fn every_social_sample_ingests() {
    let w = Workdir::new();
    let lake = w.lake();
    let folders = [
        "twitter-v2-jsonl",
        "twitter-csv",
        "twitter-v1-json",
        "twitter-analytics-csv",
        "facebook-insights-csv",
        "facebook-graph-json",
        "instagram-graph-json",
    ];
    let mut args = vec!["ingest".to_string()];
    args.extend(folders.iter().map(|f| s(&sample(f)).to_string()));
    args.extend(["--lake".into(), s(&lake).into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = w.run(&args);
    assert_eq!(code, 0, "{out}\n{err}");
    let sum = w.summary();
    let n_files: usize = folders.iter().map(|f| std::fs::read_dir(sample(f)).unwrap().count()).sum();
    assert_eq!(sum["files_ingested"].as_u64().unwrap() as usize, n_files, "{out}");
    for (t, p) in [
        ("posts", "twitter"),
        ("posts", "facebook"),
        ("posts", "instagram"),
        ("accounts", "twitter"),
        ("actions", "twitter"),
    ] {
        assert!(rows(&sum, t, p) > 0, "no {t} for {p}: {sum}");
    }
    // The pseudonymisation key is beside the lake, not in it.
    assert!(w.path("lake.key").exists());
    let key = std::fs::read_to_string(w.path("lake.key")).unwrap();
    assert_eq!(key.trim().len(), 64);
}

#[test]
fn ua_range_exports_and_the_uci_dataset_through_the_cli() {
    let w = Workdir::new();
    let lake = w.lake();
    // A UA report without a date column cannot be placed in time without a range.
    let (code, _, err) = w.run(&["ingest", s(&sample("ua-csv/google-metrics-all.csv")), "--lake", s(&lake)]);
    assert_eq!(code, 3);
    assert!(err.contains("google-metrics-all.csv") && err.contains("--date-range"), "{err}");

    w.ok(&["ingest", s(&sample("ua-csv")), "--date-range", "2017-01-01..2017-01-31", "--lake", s(&lake)]);
    let sum = w.summary();
    let web = sum["partitions"].as_array().unwrap().iter().find(|p| p["table"] == "traffic").unwrap().clone();
    assert_eq!(
        (web["platform"].as_str(), web["from"].as_str(), web["to"].as_str()),
        (Some("web"), Some("2017-01-01"), Some("2017-01-31"))
    );
    // Both reports total 1,224 sessions over the range; by channel (checked by hand against
    // the CSVs' Sessions column) facebook 187 and twitter 40.
    let by_channel = crate::duckdb::duckdb(
        &lake,
        "print(duckdb.sql(f\"select channel, sum(sessions) from read_parquet('{LAKE}/traffic/*/*.parquet') where source_file like '%all-referrer%' group by 1 order by 1\").fetchall())",
    );
    assert!(by_channel.contains("('facebook', 187)") && by_channel.contains("('twitter', 40)"), "{by_channel}");
    let types = crate::duckdb::duckdb(
        &lake,
        "rel = duckdb.sql(f\"select * from read_parquet('{LAKE}/traffic/*/*.parquet', hive_partitioning=true)\"); print(dict(zip(rel.columns, [str(t) for t in rel.types])))",
    );
    for t in ["'date_start': 'DATE'", "'date_end': 'DATE'", "'sessions': 'BIGINT'", "'channel': 'VARCHAR'"] {
        assert!(types.contains(t), "{t} in {types}");
    }

    // The UCI research dataset through custom-csv with the mapping kept in the repo: 500 posts.
    let mapping = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/mappings/uci-facebook-metrics.toml");
    w.ok(&[
        "ingest",
        s(&sample("custom-csv/dataset_Facebook.csv")),
        "--mapping",
        s(&mapping),
        "--lake",
        s(&lake),
    ]);
    assert_eq!(rows(&w.summary(), "posts", "facebook"), 500);
}

#[test]
fn same_path_size_and_mtime_is_skipped_unread_and_force_reads_it() {
    let w = Workdir::new();
    let lake = w.lake();
    // Two tweets by one author, as twarc2 flattened lines (one tweet object per line).
    let line = |id: &str, text: &str| {
        format!(
            r##"{{"id":"{id}","text":"{text}","author_id":"42","created_at":"2024-03-05T10:00:00.000Z","author":{{"id":"42","username":"ana"}}}}"##
        )
    };
    let f = w.write("in/flat.jsonl", format!("{}\n{}\n", line("1001", "hello #a"), line("1002", "again #b")));
    w.ok(&["--quiet", "ingest", s(&f), "--lake", s(&lake)]);
    let mtime = std::fs::metadata(&f).unwrap().modified().unwrap();
    // New bytes of the same size, and the old modification time put back: what a nightly
    // run cannot tell from a stat. Skipped unread (it would otherwise be a replacement).
    w.write("in/flat.jsonl", format!("{}\n{}\n", line("1001", "HELLO #a"), line("1002", "again #b")));
    std::fs::File::options().write(true).open(&f).unwrap().set_modified(mtime).unwrap();
    let out = w.log(&["-v", "ingest", s(&f), "--lake", s(&lake)]);
    assert!(out.contains("in/flat.jsonl: unchanged since it was ingested; skipped"), "{out}");
    let text = |w: &Workdir| crate::duckdb::duckdb(&w.lake(), "print(duckdb.sql(f\"select text from read_parquet('{LAKE}/posts/*/*.parquet') where post_id = '1001'\").fetchall()[0][0])");
    assert_eq!(text(&w), "hello #a");
    // --force reads it: the changed row replaces the old one.
    let out = w.log(&["ingest", s(&f), "--lake", s(&lake), "--force"]);
    assert!(out.contains("replaced"), "{out}");
    assert_eq!(text(&w), "HELLO #a");
}
