//! The command line's conventions: stdout is data and stderr the log for every command,
//! `-q`/`-v`, `NO_COLOR`, `--version` with the commit, completions, the committed man
//! pages, and what the ingest log counts (records in each format's unit, duplicates).

use std::path::Path;

use crate::common::{s, sample, Workdir};

const SHELLS: [&str; 5] = ["bash", "zsh", "fish", "powershell", "elvish"];

fn project() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn committed_man_pages_are_the_generated_ones() {
    let w = Workdir::new();
    let err = w.log(&["man", "--out", "man"]);
    assert!(err.contains("wrote 11 pages"), "{err}");
    let list = |dir: &Path| {
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .flatten()
            .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
            .collect();
        v.sort();
        v
    };
    let generated = list(&w.path("man"));
    let committed = list(&project().join("docs/man"));
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    // One page per command: the top one and the ten commands (help is not a page).
    assert_eq!(names(&generated).len(), 11, "{:?}", names(&generated));
    assert_eq!(names(&committed), names(&generated), "docs/man is stale: run `cargo run -- man --out docs/man`");
    for ((name, want), (_, got)) in generated.iter().zip(&committed) {
        assert!(want == got, "docs/man/{name} is stale: run `cargo run -- man --out docs/man`");
    }
    // Without --out the top page goes to stdout, and it is the same page.
    let top = w.ok(&["man"]);
    assert_eq!(top.as_bytes(), &generated.iter().find(|(n, _)| n == "rallylens.1").unwrap().1[..]);
    // The exit codes are a section of their own, kept line by line (not filled into one
    // paragraph).
    assert!(top.contains(".SH \"EXIT CODES\"\n.nf\n") || top.contains(".SH EXIT CODES\n.nf\n"), "{top}");
}

#[test]
fn completions_for_every_shell() {
    let w = Workdir::new();
    for shell in SHELLS {
        let (code, out, err) = w.run(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert_eq!(err, "", "{shell}: completions print nothing on stderr");
        for word in ["ingest", "--max-reject-rate", "--quiet"] {
            // fish names long flags without their dashes (`-l max-reject-rate`).
            assert!(out.contains(word.trim_start_matches('-')), "{shell} completions lack {word}");
        }
        if shell == "bash" && std::process::Command::new("bash").arg("--version").output().is_ok() {
            let f = w.write("rallylens.bash", &out);
            let o = std::process::Command::new("bash").arg("-n").arg(&f).output().unwrap();
            assert!(o.status.success(), "bash -n: {}", String::from_utf8_lossy(&o.stderr));
        }
    }
    let (code, _, err) = w.run(&["completions", "tcsh"]);
    assert_eq!(code, 2, "an unknown shell is a usage error: {err}");
}

#[test]
fn version_names_the_commit() {
    let w = Workdir::new();
    let out = w.ok(&["--version"]);
    let rest =
        out.strip_prefix(&format!("rallylens {} (", env!("CARGO_PKG_VERSION"))).unwrap_or_else(|| panic!("{out}"));
    let commit = rest.strip_suffix(")\n").unwrap_or_else(|| panic!("{out}"));
    // The build and this test see the same checkout: a short form of HEAD, or "unknown"
    // where git or the repository is missing (a source tarball).
    let head = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(project())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        Some(h) => assert!(commit.len() >= 7 && h.starts_with(commit), "{commit} is not a short form of HEAD {h}"),
        None => assert_eq!(commit, "unknown"),
    }
}

#[test]
fn no_color_turns_clap_colours_off_and_rallylens_has_none() {
    let w = Workdir::new();
    let esc = |t: &str| t.contains('\u{1b}');
    let run = |env: &[(&str, &str)], args: &[&str]| {
        let mut c = w.cmd();
        c.env_remove("NO_COLOR").env_remove("CLICOLOR").env_remove("CLICOLOR_FORCE");
        for (k, v) in env {
            c.env(k, v);
        }
        let o = c.args(args).output().unwrap();
        (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    // Forced colour (as on a terminal): clap styles the help and its usage errors.
    assert!(esc(&run(&[("CLICOLOR_FORCE", "1")], &["--help"]).0));
    assert!(esc(&run(&[("CLICOLOR_FORCE", "1")], &["ingest", "--no-such-flag"]).1));
    // NO_COLOR wins over everything.
    let both = [("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")];
    assert!(!esc(&run(&both, &["--help"]).0));
    assert!(!esc(&run(&both, &["ingest", "--no-such-flag"]).1));
    // rallylens's own log never has colour, whatever is forced.
    let lake = w.lake();
    let (out, err) = run(
        &[("CLICOLOR_FORCE", "1")],
        &["ingest", s(&sample("twitter-v2-jsonl/two_tweets.jsonl")), "--lake", s(&lake)],
    );
    assert!(!esc(&out) && !esc(&err), "{err}");
}

#[test]
fn stdout_is_data_and_stderr_the_log_for_every_command() {
    let w = Workdir::new();
    let lake = w.lake();
    let src = sample("twitter-v2-jsonl/brexit.jsonl");
    // Commands that write files: nothing on stdout, the log on stderr.
    let err = w.log(&["ingest", s(&src), "--lake", s(&lake)]);
    assert!(err.contains("brexit.jsonl (twitter-v2-jsonl)") && err.contains("ingest: 1 input read"), "{err}");
    let err = w.log(&["synth", "--out", "demo"]);
    assert!(err.contains("bytes in"), "{err}");
    // Commands asked for data: it is on stdout, and --quiet does not hide it.
    for quiet in [false, true] {
        let q: &[&str] = if quiet { &["-q"] } else { &[] };
        let (code, out, err) = w.run(&[q, &["lake", s(&lake), "--json"]].concat());
        assert_eq!((code, err.as_str()), (0, ""));
        let v: serde_json::Value = serde_json::from_str(&out).expect("lake --json is JSON alone");
        assert_eq!(v["files_ingested"], 1);
        let (code, out, err) = w.run(&[q, &["formats"]].concat());
        assert_eq!((code, err.as_str()), (0, ""));
        assert!(out.contains("twitter-v2-jsonl"), "{out}");
        let (code, out, err) = w.run(&[q, &["validate", s(&project().join("pipelines/nightly.toml"))]].concat());
        assert_eq!((code, err.as_str()), (0, ""));
        assert!(out.contains("out/nightly"), "{out}");
    }
    // --quiet: nothing but errors on stderr.
    let (code, out, err) = w.run(&["-q", "ingest", s(&src), "--lake", s(&lake), "--force"]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    w.write("notes.txt", "not an export\n");
    let (code, out, err) = w.run(&["-q", "ingest", "notes.txt", "--lake", s(&lake)]);
    assert_eq!((code, out.as_str()), (3, ""));
    assert!(err.contains("notes.txt") && err.contains("unknown format"), "{err}");
    // -q and -v contradict each other: a usage error.
    let (code, _, err) = w.run(&["-q", "-v", "formats"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn verbosity_levels_say_more() {
    let w = Workdir::new();
    let lake = w.lake();
    let src = sample("twitter-v2-jsonl/two_tweets.jsonl");
    w.log(&["ingest", s(&src), "--lake", s(&lake)]);
    // Unchanged inputs: counted by default, named with -v.
    let err = w.log(&["ingest", s(&src), "--lake", s(&lake)]);
    assert!(err.contains("1 unchanged and skipped (-v names them") && !err.contains("two_tweets"), "{err}");
    let err = w.log(&["-v", "ingest", s(&src), "--lake", s(&lake)]);
    assert!(err.contains("two_tweets.jsonl: unchanged since it was ingested; skipped"), "{err}");
    assert!(!err.contains("timing:"), "{err}");
    // -vv: stage times.
    let err = w.log(&["-vv", "ingest", s(&src), "--lake", s(&lake), "--force"]);
    assert!(err.contains("timing: commit done at"), "{err}");
}

#[test]
fn the_log_counts_records_in_each_formats_unit_and_duplicates_once() {
    let w = Workdir::new();
    let lake = w.lake();
    // brexit.jsonl is one twarc2 page (one line) of 100 tweets; brexit.csv is twarc-csv's
    // output for it: 100 rows, the same 100 posts. Read in that order, every post of the
    // CSV repeats one already read.
    let jsonl = sample("twitter-v2-jsonl/brexit.jsonl");
    let csv = sample("twitter-csv/brexit.csv");
    let lines = std::fs::read_to_string(&jsonl).unwrap().lines().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(lines, 1);
    let err = w.log(&["ingest", s(&jsonl), s(&csv), "--lake", s(&lake)]);
    let line_of =
        |name: &str| err.lines().find(|l| l.contains(name)).unwrap_or_else(|| panic!("{name}: {err}")).to_string();
    let j = line_of("brexit.jsonl (twitter-v2-jsonl)");
    let c = line_of("brexit.csv (twitter-csv)");
    // The page also yields 100 actions (the tweets as actions) and 177 follower counts
    // (authors and the users it includes), none repeated within it.
    assert!(j.ends_with(": 1 line → 177 accounts, 100 actions, 100 posts"), "{j}");
    // The CSV: 100 rows, 100 posts and actions and its 98 authors' follower counts, all
    // of them already read from the page (same post ids, same accounts on the same day).
    let dups = "already read, counted once: 98 accounts, 100 actions, 100 posts";
    assert!(c.ends_with(&format!(": 100 rows → 98 accounts, 100 actions, 100 posts; {dups}")), "{c}");
    let summary = err.lines().find(|l| l.starts_with("ingest: ")).unwrap();
    assert!(summary.starts_with("ingest: 2 inputs read") && summary.ends_with(dups), "{summary}");
    // The manifest keeps the count on the input that repeated the rows; the lake summary
    // shows its total, and each post once.
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(lake.join("_manifest.json")).unwrap()).unwrap();
    assert!(m["files"][0].get("duplicates").is_none(), "{}", m["files"][0]);
    assert_eq!(m["files"][1]["duplicates"], serde_json::json!({"accounts": 98, "actions": 100, "posts": 100}));
    let sum = w.summary();
    assert_eq!(sum["duplicates"], serde_json::json!({"accounts": 98, "actions": 100, "posts": 100}));
    assert_eq!(crate::common::rows(&sum, "posts", "twitter"), 100);
    let text = w.ok(&["lake", s(&lake)]);
    assert!(text.contains("\nduplicates counted once: 98 accounts, 100 actions, 100 posts\n"), "{text}");
}
