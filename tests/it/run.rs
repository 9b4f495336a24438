//! `rallylens run` end to end on a tiny pipeline: the nightly rerun, the run lock, a bad
//! input in a run, the report's Markdown (snapshot) and its HTML in headless Chromium.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{s, Workdir};

/// A fixed "Generated" time (2026-09-21 ...): reports compare byte for byte.
const EPOCH: &str = "1790000000";

/// A tiny campaign, "Clean Air Week" (2026-09-28 to 2026-10-04, UTC):
/// - own Facebook posts: the Meta Business Suite fixture (5 posts, 28 Sep – 2 Oct);
/// - daily UA traffic, 28 baseline days (31 Aug – 27 Sep) and the 7 window days: google
///   100 + 5·(d mod 7), direct 50, l.facebook.com 10 + (d mod 3) in the baseline and
///   14 + (d mod 3) in the window (d = day number from 31 Aug);
/// - CRM actions: six supporters like a post on 10 Sep (history), four of them sign the
///   petition in the window (29 Sep ×2, 30 Sep, 1 Oct), one attends an event on 3 Oct;
/// - goals: 3 sign-ups (met on 30 Sep), 10 supporters acting (4: not met), a response from
///   the target (unknown: the campaign names none).
pub fn tiny(w: &Workdir) -> PathBuf {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::create_dir_all(w.path("in")).unwrap();
    std::fs::copy(fixtures.join("meta-business-suite-csv/facebook.csv"), w.path("in/facebook_posts.csv")).unwrap();
    let mut ua = String::from("Day Index,Source / Medium,Sessions\n");
    let start = chrono::NaiveDate::from_ymd_opt(2026, 8, 31).unwrap();
    for d in 0..35 {
        let day = start + chrono::Days::new(d);
        let date = day.format("%-m/%-d/%y");
        let fb = if d < 28 { 10 + d % 3 } else { 14 + d % 3 };
        ua.push_str(&format!("{date},google / organic,{}\n{date},(direct) / (none),50\n", 100 + 5 * (d % 7)));
        ua.push_str(&format!("{date},l.facebook.com / referral,{fb}\n"));
    }
    w.write("in/ua_daily.csv", ua);
    let mut crm = String::from("actor,action,occurred_at,platform,campaign,source\n");
    for i in 1..=6 {
        crm.push_str(&format!("supporter{i}@example.org,like,2026-09-10T12:00:00Z,facebook,,\n"));
    }
    for (i, t) in [
        (1, "2026-09-29T09:00:00Z"),
        (2, "2026-09-29T18:30:00Z"),
        (3, "2026-09-30T08:15:00Z"),
        (4, "2026-10-01T20:00:00Z"),
    ] {
        crm.push_str(&format!("supporter{i}@example.org,sign_petition,{t},petition,cleanair,newsletter\n"));
    }
    crm.push_str("supporter1@example.org,attend_event,2026-10-03T15:00:00Z,crm,cleanair,Lisbon\n");
    w.write("in/crm_actions.csv", crm);
    w.write(
        "pipelines/tiny.toml",
        r##"# The tiny pipeline of tests/it/run.rs.
lake = "out/lake"
[output]
dir = "out"
title = "Clean Air Week & friends"

[[inputs]]
path = "in/facebook_posts.csv"
platform = "facebook"

[[inputs]]
path = "in/ua_daily.csv"

[[inputs]]
path = "in/crm_actions.csv"

[[campaigns]]
id = "cleanair"
name = "Clean Air Week"
start = 2026-09-28
end = 2026-10-04
hashtags = ["#CleanAir", "#Rally2026"]
targets = []
own_accounts = { facebook = ["100045700821521"] }

[[campaigns.goals]]
metric = "signups_total"
target = 3
label = "Three signatures"

[[campaigns.goals]]
metric = "unique_actors"
target = 10

[[campaigns.goals]]
metric = "target_responded"
target = true
"##,
    )
}

fn run(w: &Workdir, args: &[&str]) -> (i32, String, String) {
    let o = w.cmd().env("SOURCE_DATE_EPOCH", EPOCH).args(args).output().expect("run rallylens");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

/// Every file under `dir` (relative path, bytes), sorted, leaving out the lake.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            if rel.starts_with("lake") || rel.starts_with('.') {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn nightly_rerun_ingests_nothing_and_writes_the_same_report() {
    let w = Workdir::new();
    let p = tiny(&w);
    let (code, out1, err1) = run(&w, &["run", s(&p)]);
    assert_eq!(code, 0, "{out1}\n{err1}");
    assert!(err1.contains("ingest: 3 inputs read, 0 unchanged and skipped, 0 failed"), "{err1}");
    assert_eq!(out1, "", "run prints nothing on stdout");
    assert!(err1.contains("analyze: 1 campaigns"), "{err1}");
    let first = tree(&w.path("out"));
    let names: Vec<&str> = first.iter().map(|(n, _)| n.as_str()).collect();
    for f in ["report.html", "report.md", "metrics.json", "metrics/campaign_kpis.parquet"] {
        assert!(names.contains(&f), "{f} missing from {names:?}");
    }

    // The second, unchanged run: every input skipped and said so, analyze skipped, and the
    // same bytes everywhere (the Generated time is fixed by SOURCE_DATE_EPOCH here).
    let (code, out2, err2) = run(&w, &["run", s(&p)]);
    assert_eq!(code, 0, "{out2}\n{err2}");
    assert_eq!(out2, "", "run prints nothing on stdout");
    assert!(err2.contains("ingest: 0 inputs read, 3 unchanged and skipped (-v names them"), "{err2}");
    assert!(err2.contains("metrics reused"), "{err2}");
    assert!(first == tree(&w.path("out")), "a rerun with nothing new changed the output");

    // Without a fixed time only the Generated line differs.
    let (code, _, _) = w.run(&["--quiet", "run", s(&p)]);
    assert_eq!(code, 0);
    let strip = |t: &str| t.lines().filter(|l| !l.contains("Generated ")).collect::<Vec<_>>().join("\n");
    let old_md = String::from_utf8(first.iter().find(|(n, _)| n == "report.md").unwrap().1.clone()).unwrap();
    let new_md = std::fs::read_to_string(w.path("out/report.md")).unwrap();
    assert_ne!(old_md, new_md, "the Generated line shows the run's time");
    assert_eq!(strip(&old_md), strip(&new_md));

    // A changed input is read again and the metrics recomputed: one more sign-up.
    let mut crm = std::fs::read_to_string(w.path("in/crm_actions.csv")).unwrap();
    crm.push_str("supporter5@example.org,sign_petition,2026-10-02T10:00:00Z,petition,cleanair,newsletter\n");
    w.write("in/crm_actions.csv", crm);
    let (code, out3, err3) = run(&w, &["run", s(&p)]);
    assert_eq!(code, 0, "{out3}\n{err3}");
    assert!(err3.contains("replaced in/crm_actions.csv"), "{err3}");
    assert!(err3.contains("ingest: 1 input read, 2 unchanged"), "{err3}");
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("out/metrics.json")).unwrap()).unwrap();
    // 4 sign-ups before, 5 now.
    assert_eq!(m["campaigns"][0]["figures"]["signups_total"]["value"], 5);
}

#[test]
fn a_second_run_waits_for_the_first_or_fails_with_no_wait() {
    let w = Workdir::new();
    let p = tiny(&w);
    std::fs::create_dir_all(w.path("out")).unwrap();
    // This test plays the first run: it holds the output folder's lock.
    let lock =
        std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(w.path("out/.run.lock")).unwrap();
    lock.lock().unwrap();

    let (code, out, err) = run(&w, &["run", "--no-wait", s(&p)]);
    assert_eq!(code, 4, "{out}\n{err}");
    assert!(err.contains("another rallylens run is writing to"), "{err}");
    assert!(!w.path("out/lake").exists(), "a refused run must not touch the lake");

    // Without --no-wait it waits, and finishes once the lock is released.
    let mut child = w
        .cmd()
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .args(["run", s(&p)])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    assert!(child.try_wait().unwrap().is_none(), "the second run did not wait for the lock");
    assert!(!w.path("out/report.html").exists());
    drop(lock);
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("waiting for it to finish"), "{err}");
    assert!(w.path("out/report.html").exists());
}

#[test]
fn a_bad_input_is_named_in_the_report_and_the_exit_code() {
    let w = Workdir::new();
    let p = tiny(&w);
    // A CSV no adapter knows, as a fourth input.
    w.write("in/notes.csv", "when,what\n2026-09-29,leaflets\n");
    let mut text = std::fs::read_to_string(&p).unwrap();
    text = text.replace("[[campaigns]]", "[[inputs]]\npath = \"in/notes.csv\"\n\n[[campaigns]]");
    w.write("pipelines/tiny.toml", text);
    let (code, out, err) = run(&w, &["run", s(&p)]);
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(err.contains("in/notes.csv") && err.contains("unknown format"), "{err}");
    // The good inputs were committed and the report was still written, naming the bad one.
    let md = std::fs::read_to_string(w.path("out/report.md")).unwrap();
    assert!(md.contains("1 input(s) of this run could not be ingested") && md.contains("in/notes.csv"), "{md}");
    assert!(md.contains("| in/crm_actions.csv | actions-csv | 11 | 0 |"), "{md}");
}

#[test]
fn report_markdown_snapshot() {
    let w = Workdir::new();
    let p = tiny(&w);
    let (code, out, err) = run(&w, &["--quiet", "run", s(&p)]);
    assert_eq!(code, 0, "{out}\n{err}");
    let md = std::fs::read_to_string(w.path("out/report.md")).unwrap();
    // Ingest times are the only moving part of the provenance table.
    let re = regex::Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z").unwrap();
    let md = re.replace_all(&md, "[ingested_at]");
    insta::assert_snapshot!("tiny_report_md", md);
}

/// Chromium, as the machine has it (`.ci/run` installs Debian's `chromium`).
fn chromium() -> PathBuf {
    let c =
        std::env::var_os("RALLYLENS_CHROMIUM").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        c.exists(),
        "{} is missing: the report test needs Chromium (apt-get install chromium; .ci/run does)",
        c.display()
    );
    c
}

/// Headless Chromium with the flags this closed network needs and a fresh profile.
pub fn headless(profile: &Path) -> Command {
    let mut c = Command::new(chromium());
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=5000",
    ]);
    c.arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// Opens the page at `html` in headless Chromium with a fresh profile; asserts that
/// Chromium succeeded and logged no console message (an error, a failed load or a warning
/// would be logged); returns the DOM after the page's scripts ran.
pub fn dom_in_chromium(html: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}", std::fs::canonicalize(html).unwrap().display());
    let o = headless(profile.path()).arg("--dump-dom").arg(&url).output().expect("start chromium");
    let log = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "chromium failed on {}: {log}", html.display());
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "{}: console messages: {console:#?}", html.display());
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The number in the attribute `name="N"` the page's script set, or a panic naming the page.
pub fn dom_count(dom: &str, name: &str, page: &str) -> usize {
    let re = regex::Regex::new(&format!(r#"{name}="(\d+)""#)).unwrap();
    re.captures(dom).unwrap_or_else(|| panic!("{page}: the page's script did not set {name}:\n{dom}"))[1].parse().unwrap()
}

#[test]
fn report_html_renders_in_headless_chromium() {
    let w = Workdir::new();
    let p = tiny(&w);
    let (code, out, err) = run(&w, &["--quiet", "run", s(&p)]);
    assert_eq!(code, 0, "{out}\n{err}");
    let html_path = std::fs::canonicalize(w.path("out/report.html")).unwrap();
    let html = std::fs::read_to_string(&html_path).unwrap();
    // Self-contained: nothing is fetched (the SVG namespace is a name, not a fetch).
    for bad in ["src=\"http", "href=\"http", "url(http", "@import", "<link", "<img"] {
        assert!(!html.contains(bad), "report.html refers outside itself: {bad}");
    }
    let figures = html.matches("<figure class=\"chart\"").count();
    let pngs = std::fs::read_dir(w.path("out/charts"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "png"))
        .count();
    assert_eq!(figures, pngs, "every chart is in the HTML and has its PNG");

    let dom = dom_in_chromium(&html_path);
    // The page's own script counts the charts that laid out with a non-zero size.
    assert_eq!(dom_count(&dom, "data-charts-rendered", "report.html"), figures, "charts laid out / charts in the page");
    // The goal scorecard: one bar per goal, before the headline figures.
    assert_eq!(dom.matches("<span class=\"bar ").count(), 3, "{dom}");
    assert!(dom.find("id=\"goals\"") < dom.find("id=\"headline\""), "the scorecard comes first");
    for id in ["goals", "headline", "reach", "engagement", "uplift", "ladder", "hashtags", "signups", "comparison", "method"] {
        assert!(dom.contains(&format!("id=\"{id}\"")), "section {id} missing");
    }
    // A screenshot, kept beside the report for a human to look at.
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}", html_path.display());
    let shot = w.path("out/report-screenshot.png");
    let o = headless(profile.path())
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1280,2400")
        .arg(&url)
        .output()
        .expect("start chromium");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // IHDR: width and height, big-endian, at bytes 16..24.
    assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 1280);
    assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 2400);
    // Kept after the test for a human to look at: target/tmp/report-screenshot.png.
    std::fs::copy(&shot, Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-screenshot.png")).unwrap();
}
