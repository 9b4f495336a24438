//! Pipeline files: every error names the key and the line.

use std::path::Path;

use super::*;

const KENYA: &str = r##"
[output]
dir = "out"

[[campaigns]]
id = "kenya"
name = "Reach Out for Kenya"
start = 2008-02-27
end = 2008-03-27
tz = "Africa/Nairobi"
hashtags = ["#ReachOutForKenya"]
own_accounts = { facebook = ["AmnestyInternational"] }
"##;

fn parse(text: &str) -> Result<Pipeline, PipelineError> {
    Pipeline::parse(Path::new("pipelines/test.toml"), text)
}

#[test]
fn defaults_and_normalisation() {
    let p = parse(KENYA).unwrap();
    let c = &p.campaigns[0];
    // Baseline default: the 28 days before start, 2008-01-30..2008-02-26.
    assert_eq!((c.baseline_start.to_string(), c.baseline_end.to_string()), ("2008-01-30".into(), "2008-02-26".into()));
    // 27 Feb .. 27 Mar 2008 (leap year): 3 + 27 = 30 days.
    assert_eq!(c.days(), 30);
    assert_eq!(c.hashtags, vec!["reachoutforkenya"]);
    assert_eq!(c.own_accounts["facebook"], vec!["amnestyinternational"]);
    assert_eq!(p.ladder, Ladder::default());
    assert_eq!(p.ladder.rungs.len(), 5);
    // pipelines/x.toml: paths are relative to the project folder.
    assert_eq!(p.output, Path::new("out"));
    assert_eq!(p.lake, Path::new("out/lake"));
}

#[test]
fn unknown_key_is_named_with_its_line() {
    let e = parse(&KENYA.replace("hashtags =", "hashtag =")).unwrap_err();
    // KENYA starts with a blank line: `hashtag` is on line 11.
    assert_eq!(e.line, 11, "{e}");
    assert_eq!(e.key, "hashtag");
    assert!(e.to_string().contains("unknown field"), "{e}");
}

#[test]
fn impossible_and_reversed_dates() {
    // Lines of KENYA: 1 blank, 2 [output], 3 dir, 4 blank, 5 [[campaigns]], 6 id, 7 name,
    // 8 start, 9 end. February 2008 has no 30th: toml itself refuses it.
    let e = parse(&KENYA.replace("end = 2008-03-27", "end = 2008-02-30")).unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("end", 9), "{e}");
    let e = parse(&KENYA.replace("end = 2008-03-27", "end = 2008-02-01")).unwrap_err();
    assert_eq!(e.key, "campaigns[0].end");
    assert!(e.msg.contains("before it starts"), "{e}");
}

#[test]
fn baselines_must_not_overlap_a_window() {
    // Shell runs 2008-02-10..2008-02-20, inside Kenya's default baseline 2008-01-30..2008-02-26.
    let two = format!("{KENYA}\n[[campaigns]]\nid = \"shell\"\nstart = 2008-02-10\nend = 2008-02-20\nbaseline = {{ start = 2007-12-01, end = 2007-12-31 }}\n");
    let e = parse(&two).unwrap_err();
    assert_eq!(e.key, "campaigns[0].baseline");
    assert!(e.msg.contains("'kenya'") && e.msg.contains("'shell'"), "{e}");
    // Its own window inside its baseline is an error too.
    let e = parse(&KENYA.replace("tz =", "baseline = { start = 2008-03-01, end = 2008-03-10 }\ntz =")).unwrap_err();
    assert!(e.msg.contains("overlaps the campaign's own window"), "{e}");
}

#[test]
fn ladder_rungs_are_checked() {
    let l = format!("{KENYA}\n[ladder]\nperiod_days = 14\n[[ladder.rungs]]\nname = \"react\"\nactions = [\"like\"]\n[[ladder.rungs]]\nname = \"act\"\nactions = []\n");
    let e = parse(&l).unwrap_err();
    assert_eq!(e.key, "ladder.rungs[1].actions");
    // KENYA is 12 lines; then 13 blank, 14 [ladder], 15 period_days, 16-18 the first rung,
    // 19 the second rung's [[ladder.rungs]].
    assert_eq!(e.line, 19, "{e}");
    let ok = parse(&l.replace("actions = []", "actions = [\"Sign_Petition\"]")).unwrap();
    assert_eq!(ok.ladder.period_days, 14);
    assert_eq!(ok.ladder.rungs[1].actions, vec!["sign_petition"]);
    let dup = parse(&l.replace("actions = []", "actions = [\"like\"]")).unwrap_err();
    assert!(dup.msg.contains("on two rungs"), "{dup}");
}

#[test]
fn inputs_carry_their_options_and_the_campaign_targets() {
    let t = format!(
        "{KENYA}targets = [\"@Shell\"]\n[[inputs]]\npath = \"data/ua.csv\"\ndate_range = \"2008-01-01..2008-03-31\"\ncampaign = \"kenya\"\n"
    );
    let p = parse(&t).unwrap();
    let i = &p.inputs[0];
    assert_eq!(i.path, Path::new("data/ua.csv"));
    assert_eq!(i.options.targets, vec!["shell"]);
    assert_eq!(i.options.raw.get("date_range").and_then(|v| v.as_str()), Some("2008-01-01..2008-03-31"));
    assert!(p.describe().contains("[campaign kenya, covers 2008-01-01..2008-03-31]"), "{}", p.describe());
    let e = parse(&t.replace("2008-01-01..2008-03-31", "2008-03-31..2008-01-01")).unwrap_err();
    assert_eq!(e.key, "inputs[0].date_range");
}

#[test]
fn sites_are_compared_without_case() {
    // The pipeline's site and an input's site, as written, are lower-cased and trimmed: the
    // lake's site names are (`ingest::site_name`).
    let t = KENYA.replace("[output]", "site = \" WWW.Amnesty.org \"\n[output]")
        + "[[inputs]]\npath = \"data/ua.csv\"\nsite = \"WWW.AmnestyUSA.org\"\n";
    let p = parse(&t).unwrap();
    assert_eq!(p.site.as_deref(), Some("www.amnesty.org"));
    assert_eq!(p.inputs[0].options.site.as_deref(), Some("www.amnestyusa.org"));
    let d = p.describe();
    assert!(d.contains("site    www.amnesty.org") && d.contains("site www.amnestyusa.org"), "{d}");
}

#[test]
fn analyze_fingerprint_text_is_pinned() {
    // run.rs hashes this Debug text into `.analyze-fingerprint`: a changed text (a renamed,
    // reordered or added field of Campaign, Rung or Ladder) would make every existing output
    // folder re-analyze once. The hash below is of the text as of the demo pipeline today
    // (with its goals and its asks).
    use sha2::{Digest, Sha256};
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/kenya_vs_shell.toml");
    let p = Pipeline::load(&path).unwrap();
    let text = format!("{:?}\n{:?}\n{:?}", p.campaigns, p.ladder, p.site);
    assert!(text.starts_with("[Campaign { id: \"kenya\""), "{text}");
    assert_eq!(hex::encode(Sha256::digest(text.as_bytes())), "c3629681410cbaa3ac972c8c94190a26db04d92aa69e284175bcf5efd886cafa", "{text}");
}

#[test]
fn input_keys_come_from_the_adapters() {
    // An unknown input key: named with its line, in the words serde used when every key
    // was a field (the known keys in their flag order). KENYA ends on line 12 (a blank first
    // one): [[inputs]] is line 13, `platfrom` line 15.
    let t = format!("{KENYA}[[inputs]]\npath = \"a.csv\"\nplatfrom = \"x\"\n");
    let e = parse(&t).unwrap_err();
    assert_eq!((e.line, e.key.as_str()), (15, "platfrom"), "{e}");
    // Today: "unknown field `platfrom`, expected one of `path`, `format`, `campaign`,
    // `platform`, `tz`, `action`, `date_range`, `mapping`, `site`" (a key added by a format
    // joins the list in its place, so the test compares today's keys only).
    assert!(e.msg.starts_with("unknown field `platfrom`, expected one of `path`, "), "{}", e.msg);
    let today = ["path", "format", "campaign", "platform", "tz", "action", "date_range", "mapping", "site"];
    let listed: Vec<&str> = e.msg.split('`').skip(3).step_by(2).filter(|k| today.contains(k)).collect();
    assert_eq!(listed, today, "{}", e.msg);
    // A per-format value is checked by its key, named with its own line (16).
    let e = parse(&format!("{KENYA}[[inputs]]\npath = \"a.csv\"\ncampaign = \"kenya\"\nplatform = 3\n")).unwrap_err();
    assert_eq!((e.line, e.key.as_str()), (16, "inputs[0].platform"), "{e}");
    assert_eq!(e.msg, "invalid type: integer `3`, expected a string");
    // An inline mapping is kept as written; validate lists the site between the date range
    // and the mapping, as it always did.
    let t = format!(
        "{KENYA}[[inputs]]\npath = \"a.csv\"\nsite = \"X.org\"\nmapping = {{ table = \"posts\" }}\n\
         date_range = \"2008-01-01..2008-01-31\"\nplatform = \"Facebook\"\n"
    );
    let p = parse(&t).unwrap();
    let raw = &p.inputs[0].options.raw;
    assert_eq!(raw["mapping"].as_table().map(|m| m.to_string()), Some("table = \"posts\"\n".into()));
    // Not lower-cased from a pipeline (the command line does): the fingerprint keeps it so.
    assert_eq!(raw["platform"].as_str(), Some("Facebook"));
    assert!(p.describe().contains("[covers 2008-01-01..2008-01-31, site x.org, column mapping]"), "{}", p.describe());
}

#[test]
fn benchmark_days_and_the_benchmarks_file() {
    // Default 90 days; a value of its own; 0 is refused on its line (13: after `own_accounts`, 12).
    assert_eq!(parse(KENYA).unwrap().campaigns[0].benchmark_days, 90);
    assert_eq!(parse(&format!("{KENYA}benchmark_days = 30\n")).unwrap().campaigns[0].benchmark_days, 30);
    let e = parse(&format!("{KENYA}benchmark_days = 0\n")).unwrap_err();
    assert_eq!((e.line, e.key.as_str()), (13, "campaigns[0].benchmark_days"), "{e}");
    assert_eq!(e.msg, "0 is not a number of days from 1 to 3660");

    // `benchmarks = "path"`, relative to the project folder (the parent of pipelines/).
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("pipelines")).unwrap();
    let pipe = d.path().join("pipelines/p.toml");
    let with = |b: &str| format!("benchmarks = \"{b}\"\n{KENYA}");
    // Absent (the default path here, or the one named): no published benchmark, no error.
    let p = Pipeline::parse(&pipe, KENYA).unwrap();
    assert_eq!((p.benchmarks_file, p.benchmarks.len()), (None, 0));
    assert_eq!(Pipeline::parse(&pipe, &with("b.toml")).unwrap().benchmarks_file, None);
    // Present: read, and validate says so.
    let entry = "[[benchmarks]]\nid = \"x\"\nsource = \"R\"\nyear = 2024\nplatform = \"twitter\"\n\
                 content_type = \"all\"\nformula = \"ratio_of_sums\"\nbasis = \"impressions\"\nvalue = 0.01\n";
    std::fs::write(d.path().join("b.toml"), entry).unwrap();
    let p = Pipeline::parse(&pipe, &with("b.toml")).unwrap();
    assert_eq!((p.benchmarks.len(), p.benchmarks[0].basis.as_str()), (1, "impressions"));
    assert!(p.describe().contains("benchmarks ") && p.describe().contains("b.toml (1 published)"), "{}", p.describe());
    // Malformed: the error names the benchmarks file, its line (8) and the key.
    std::fs::write(d.path().join("b.toml"), entry.replace("impressions", "clicks")).unwrap();
    let e = Pipeline::parse(&pipe, &with("b.toml")).unwrap_err();
    assert!(e.file.ends_with("b.toml"), "{e}");
    assert_eq!((e.line, e.key.as_str()), (8, "benchmarks[0].basis"), "{e}");
}

#[test]
fn growth_keys_default_and_are_checked() {
    // Defaults: 90 days of history, projected to the window's end (2008-03-27).
    let c = &parse(KENYA).unwrap().campaigns[0];
    assert_eq!((c.growth_history_days, c.project_to.to_string()), (90, "2008-03-27".into()));
    let t = KENYA.replace("tz =", "growth_history_days = 60\nproject_to = 2008-04-30\ntz =");
    let c = &parse(&t).unwrap().campaigns[0];
    assert_eq!((c.growth_history_days, c.project_to.to_string()), (60, "2008-04-30".into()));
    // Lines of KENYA: 9 end, 10 tz; the keys inserted before tz are on lines 10 and 11.
    let e = parse(&KENYA.replace("tz =", "growth_history_days = 2\ntz =")).unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("campaigns[0].growth_history_days", 10), "{e}");
    assert_eq!(e.msg, "expected a number of days from 3 to 3660, found 2");
    let e = parse(&KENYA.replace("tz =", "growth_history_days = 90\nproject_to = 2008-03-20\ntz =")).unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("campaigns[0].project_to", 11), "{e}");
    assert_eq!(e.msg, "the projection ends (2008-03-20) before the window does (2008-03-27)");
    let e = parse(&KENYA.replace("tz =", "project_to = \"soon\"\ntz =")).unwrap_err();
    assert_eq!(e.line, 10, "{e}");
}

/// A goal appended to KENYA (window 2008-02-27..2008-03-27): `[[campaigns.goals]]` is
/// line 13, its keys lines 14 on, in the order given.
fn goal(keys: &str) -> Result<Pipeline, PipelineError> {
    parse(&format!("{KENYA}[[campaigns.goals]]\n{keys}"))
}

#[test]
fn goals_are_checked_and_keyed() {
    let p = parse(&format!(
        "{KENYA}[[campaigns.goals]]\nmetric = 'signups_first_week'\ntarget = 15000\nby = 2008-03-01\n\
         [[campaigns.goals]]\nmetric = 'target_responded'\ntarget = true\nlabel = 'A word from the Minister'\n\
         [[campaigns.goals]]\nmetric = 'target_latency_hours'\ntarget = 12.5\n"
    ))
    .unwrap();
    let g = &p.campaigns[0].goals;
    assert_eq!(g.len(), 3);
    assert_eq!((g[0].key.as_str(), g[0].target, g[0].by.map(|d| d.to_string())), ("signups_first_week", 15000.0, Some("2008-03-01".into())));
    assert_eq!((g[1].key.as_str(), g[1].target, g[1].label.as_deref()), ("a-word-from-the-minister", 1.0, Some("A word from the Minister")));
    assert_eq!((g[2].key.as_str(), g[2].target), ("target_latency_hours", 12.5));
    assert!(p.describe().contains("goals: signups_first_week ≥ 15000 by 2008-03-01; "), "{}", p.describe());
}

#[test]
fn a_bad_goal_is_named_with_its_key_and_line() {
    let e = goal("metric = 'signups'\ntarget = 100\n").unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("campaigns[0].goals[0].metric", 14), "{e}");
    assert!(e.msg.starts_with("unknown goal metric 'signups'; the goal metrics are: signups_total, signups_first_week, "), "{e}");
    // A yes/no metric takes `true`, a number metric a number.
    let e = goal("metric = 'target_responded'\ntarget = 1\n").unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("campaigns[0].goals[0].target", 15), "{e}");
    assert_eq!(e.msg, "target_responded is yes or no: its target is `true`, found the number 1");
    let e = goal("metric = 'target_responded'\ntarget = false\n").unwrap_err();
    assert_eq!(e.key, "campaigns[0].goals[0].target", "{e}");
    let e = goal("metric = 'hashtag_posts'\ntarget = '1000'\n").unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("campaigns[0].goals[0].target", 15), "{e}");
    assert_eq!(e.msg, "hashtag_posts is a number: expected a number as its target, found a string");
    let e = goal("metric = 'hashtag_posts'\ntarget = -5\n").unwrap_err();
    assert_eq!(e.key, "campaigns[0].goals[0].target", "{e}");
    // A negative uplift is a number like any other.
    assert!(goal("metric = 'social_uplift_rel'\ntarget = -0.1\n").is_ok());
    // `by`: not before the start; inside the window only for a metric with daily figures.
    let e = goal("metric = 'signups_total'\ntarget = 10\nby = 2008-02-26\n").unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("campaigns[0].goals[0].by", 16), "{e}");
    assert!(e.msg.starts_with("2008-02-26 is before the campaign starts (2008-02-27)"), "{e}");
    let e = goal("metric = 'moved_up'\ntarget = 10\nby = 2008-03-26\n").unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("campaigns[0].goals[0].by", 16), "{e}");
    assert!(e.msg.contains("must be on or after the window's end (2008-03-27)"), "{e}");
    assert!(goal("metric = 'moved_up'\ntarget = 10\nby = 2008-03-27\n").is_ok());
    assert!(goal("metric = 'signups_total'\ntarget = 10\nby = 2008-02-27\n").is_ok());
    let e = goal("metric = 'signups_total'\ntarget = 10\nby = 2008-03-01T10:00:00\n").unwrap_err();
    assert_eq!(e.key, "campaigns[0].goals[0].by", "{e}");
    // An unknown key in a goal, and two goals with one key.
    let e = goal("metric = 'signups_total'\ntarget = 10\ndeadline = 2008-03-01\n").unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("deadline", 16), "{e}");
    let e = goal("metric = 'signups_total'\ntarget = 10\n[[campaigns.goals]]\nmetric = 'signups_total'\ntarget = 20\n")
        .unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("campaigns[0].goals[1].label", 16), "{e}");
    assert!(e.msg.contains("have the key 'signups_total'"), "{e}");
    assert!(goal("metric = 'signups_total'\ntarget = 10\n[[campaigns.goals]]\nmetric = 'signups_total'\ntarget = 20\nlabel = 'Stretch'\n").is_ok());
}

#[test]
fn milestones_are_dates_or_times_in_the_campaign_zone() {
    let text = format!(
        "{KENYA}
[[campaigns.milestones]]
at = 2008-03-08
label = \"Solidarity events in 11 countries\"
kind = \"offline_event\"

[[campaigns.milestones]]
at = 2008-02-27T23:30:00
label = \"Late press release\"
kind = \"Press_Release\"

[[campaigns.milestones]]
at = 2008-02-28T06:00:00Z
label = \"  Statement  \"
"
    );
    let p = parse(&text).unwrap();
    let m = &p.campaigns[0].milestones;
    assert_eq!(m.len(), 3);
    // A date is the local day, no instant.
    assert_eq!((m[0].day.to_string(), m[0].at, m[0].kind.as_str()), ("2008-03-08".into(), None, "offline_event"));
    // 23:30 in Nairobi (UTC+3) = 20:30Z on 27 Feb 2008 = 1204144200 s; the kind lower-cased.
    assert_eq!((m[1].day.to_string(), m[1].at, m[1].kind.as_str()), ("2008-02-27".into(), Some(1_204_144_200_000_000), "press_release"));
    // 06:00Z is 09:00 in Nairobi, the same day; no kind: other; the label trimmed.
    assert_eq!((m[2].day.to_string(), m[2].kind.as_str(), m[2].label.as_str()), ("2008-02-28".into(), "other", "Statement"));
}

#[test]
fn a_bad_milestone_is_named_with_its_line() {
    // KENYA has 12 lines (the first blank) and ends with a newline: the milestone table
    // starts on line 13, its `at` on 14.
    let e = parse(&format!("{KENYA}[[campaigns.milestones]]\nat = 09:00:00\nlabel = \"x\"\n")).unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("campaigns[0].milestones[0].at", 14), "{e}");
    let e = parse(&format!("{KENYA}[[campaigns.milestones]]\nat = 2008-03-01\nlabel = \" \"\n")).unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("campaigns[0].milestones[0].label", 13), "{e}");
    let e = parse(&format!("{KENYA}[[campaigns.milestones]]\nat = 2008-03-01\ntitle = \"x\"\n")).unwrap_err();
    assert!(e.to_string().contains("unknown field `title`"), "{e}");
}

#[test]
fn ask_is_one_sentence_and_never_empty() {
    // Absent: None; given: white space collapsed.
    assert_eq!(parse(KENYA).unwrap().campaigns[0].ask, None);
    let p = parse(&KENYA.replace("tz =", "ask = \"  Sign the\\n appeal.  \"\ntz =")).unwrap();
    assert_eq!(p.campaigns[0].ask.as_deref(), Some("Sign the appeal."));
    // Lines of KENYA: 1 blank, ... 9 end, 10 the inserted `ask`.
    let e = parse(&KENYA.replace("tz =", "ask = \" \"\ntz =")).unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("campaigns[0].ask", 10), "{e}");
    assert!(e.msg.contains("empty"), "{e}");
}

#[test]
fn validate_describes_every_yardstick_of_a_campaign() {
    // `rallylens validate` says the own-baseline days, the follower trend, each milestone and
    // the naming threshold, as the pipeline set them (or their defaults).
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/kenya_vs_shell.toml");
    let d = Pipeline::load(&path).unwrap().describe();
    assert!(d.contains("own baseline 90 days before start; follower trend over 90 days, projected to"), "{d}");
    assert!(d.contains("    milestone "), "{d}");
    assert!(d.contains("top voices: 20 per platform, named from 5000 followers"), "{d}");
    let t = format!("{KENYA}benchmark_days = 30\ngrowth_history_days = 60\nmin_followers_to_name = 100\n");
    let d = parse(&t).unwrap().describe();
    assert!(d.contains("own baseline 30 days before start; follower trend over 60 days"), "{d}");
    assert!(d.contains("named from 100 followers"), "{d}");
}
