//! Ad hoc campaigns: `rallylens analyze --lake DIR --campaign ID --start DATE --end DATE …`
//! and `rallylens run --input PATH … --campaign …` without a pipeline file
//! (docs/campaigns.md#ad-hoc-analysis).
//!
//! The flags are written out as pipeline TOML and that text goes through
//! [`Pipeline::parse`], the same parser and checks as a file: the defaults (a 28-day
//! baseline, UTC, the default ladder, every input reading the campaign's targets) cannot
//! drift from a pipeline's, and `--save-pipeline FILE` writes exactly the text that was
//! analysed. Paths are written relative to the saved file's project folder when they lie
//! inside it (docs/pipeline.md: relative paths), else absolute; without `--save-pipeline`
//! they are absolute.
//!
//! Readings to keep:
//! - The output folder defaults to `out/<ID>` (relative to the working folder), as a
//!   pipeline's `output.dir` must be set; the lake of `run` defaults to `<out>/lake`.
//! - A value the pipeline check refuses is reported against its flag (`--tz: unknown time
//!   zone …`), exit 2, never with a line of the generated text.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::Args;

use crate::pipeline::{Pipeline, PipelineError};

/// The help heading of the ad hoc flags.
pub const HEADING: &str = "Ad hoc campaign (instead of a pipeline file)";

/// The flags that describe one campaign on the command line (`analyze` and `run`).
#[derive(Args, Debug, Clone, Default)]
pub struct AdhocArgs {
    /// The campaign's id: its tag in the lake and the key of every table. Needs --start and --end (and, for analyze, --lake).
    #[arg(long, value_name = "ID", requires_all = ["start", "end"], help_heading = HEADING)]
    pub campaign: Option<String>,
    /// First day of the campaign's window (inclusive), e.g. 2012-10-01.
    #[arg(long, value_name = "DATE", value_parser = parse_date, requires = "campaign", help_heading = HEADING)]
    pub start: Option<NaiveDate>,
    /// Last day of the window (inclusive).
    #[arg(long, value_name = "DATE", value_parser = parse_date, requires = "campaign", help_heading = HEADING)]
    pub end: Option<NaiveDate>,
    /// The name shown in the report (default: the id).
    #[arg(long, value_name = "NAME", requires = "campaign", help_heading = HEADING)]
    pub name: Option<String>,
    /// A campaign hashtag, with or without # (repeatable).
    #[arg(long = "hashtag", value_name = "H", requires = "campaign", help_heading = HEADING)]
    pub hashtags: Vec<String>,
    /// A target account, with or without @ (repeatable).
    #[arg(long = "target", value_name = "@T", requires = "campaign", help_heading = HEADING)]
    pub targets: Vec<String>,
    /// An own account, as platform:handle-or-id, e.g. twitter:amnesty (repeatable).
    #[arg(long = "own", value_name = "PLATFORM:ACCOUNT", value_parser = parse_own, requires = "campaign", help_heading = HEADING)]
    pub own: Vec<(String, String)>,
    /// Posts linking to a URL starting with this belong to the campaign (repeatable).
    #[arg(long = "url-prefix", value_name = "URL", requires = "campaign", help_heading = HEADING)]
    pub url_prefixes: Vec<String>,
    /// The IANA time zone of the campaign's days (default UTC), e.g. Europe/London.
    #[arg(long, value_name = "ZONE", requires = "campaign", help_heading = HEADING)]
    pub tz: Option<String>,
    /// Count only this website's traffic for the uplift (the pipeline's `site`).
    #[arg(long, value_name = "NAME", requires = "campaign", help_heading = HEADING)]
    pub site: Option<String>,
    /// Also write the equivalent pipeline file here, to rerun the question with `rallylens run FILE`.
    #[arg(long, value_name = "FILE", requires = "campaign", help_heading = HEADING)]
    pub save_pipeline: Option<PathBuf>,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("'{s}' is not a date like 2012-10-01"))
}

fn parse_own(s: &str) -> Result<(String, String), String> {
    match s.split_once(':') {
        Some((p, a)) if !p.trim().is_empty() && !a.trim().is_empty() => {
            Ok((p.trim().to_lowercase(), a.trim().to_string()))
        }
        _ => Err(format!("'{s}' is not PLATFORM:ACCOUNT, e.g. twitter:amnesty or facebook:104050442962")),
    }
}

/// Where an ad hoc pipeline reads and writes, besides its campaign.
#[derive(Debug, Clone, Default)]
pub struct Places {
    pub lake: Option<PathBuf>,
    pub out: Option<PathBuf>,
    /// `run --input` paths.
    pub inputs: Vec<PathBuf>,
    /// `run --tag`: tag every input's rows with the campaign id.
    pub tag_inputs: bool,
}

fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn list(v: &[String]) -> String {
    format!("[{}]", v.iter().map(|s| q(s)).collect::<Vec<_>>().join(", "))
}

/// The pipeline TOML of `a` and `at`; `path` writes a path as the file should hold it.
pub fn toml_text(a: &AdhocArgs, at: &Places, path: &dyn Fn(&Path) -> String) -> String {
    let id = a.campaign.clone().unwrap_or_default();
    let out = at.out.clone().unwrap_or_else(|| Path::new("out").join(&id));
    let mut t = String::new();
    t.push_str("# An ad hoc campaign, written by rallylens from its command-line flags\n");
    t.push_str("# (docs/campaigns.md). Rerun it with `rallylens run THIS_FILE`; docs/pipeline.md\n");
    t.push_str("# has every key.\n\n");
    if let Some(l) = &at.lake {
        t.push_str(&format!("lake = {}\n", q(&path(l))));
    }
    if let Some(s) = &a.site {
        t.push_str(&format!("site = {}\n", q(s)));
    }
    t.push_str(&format!("\n[output]\ndir = {}\n", q(&path(&out))));
    for i in &at.inputs {
        t.push_str(&format!("\n[[inputs]]\npath = {}\n", q(&path(i))));
        if at.tag_inputs {
            t.push_str(&format!("campaign = {}\n", q(&id)));
        }
    }
    t.push_str(&format!("\n[[campaigns]]\nid = {}\n", q(&id)));
    if let Some(n) = &a.name {
        t.push_str(&format!("name = {}\n", q(n)));
    }
    // Dates as TOML dates; the flags were parsed as dates already.
    if let (Some(s), Some(e)) = (a.start, a.end) {
        t.push_str(&format!("start = {s}\nend = {e}\n"));
    }
    if let Some(z) = &a.tz {
        t.push_str(&format!("tz = {}\n", q(z)));
    }
    if !a.hashtags.is_empty() {
        t.push_str(&format!("hashtags = {}\n", list(&a.hashtags)));
    }
    if !a.targets.is_empty() {
        t.push_str(&format!("targets = {}\n", list(&a.targets)));
    }
    if !a.url_prefixes.is_empty() {
        t.push_str(&format!("url_prefixes = {}\n", list(&a.url_prefixes)));
    }
    if !a.own.is_empty() {
        let mut by: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
        for (p, acct) in &a.own {
            by.entry(p.as_str()).or_default().push(acct.clone());
        }
        let parts: Vec<String> = by.iter().map(|(p, v)| format!("{} = {}", q(p), list(v))).collect();
        t.push_str(&format!("own_accounts = {{ {} }}\n", parts.join(", ")));
    }
    t
}

/// `p` made absolute against the working folder (lexically: no symlinks resolved).
fn absolute(p: &Path) -> PathBuf {
    // A lake given as a URL (s3://…, docs/object-storage.md) is kept as written.
    if crate::lake::store::is_url(p) {
        return p.to_path_buf();
    }
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The flag a generated key comes from, for errors.
fn flag_of(key: &str) -> String {
    let last = key.rsplit('.').next().unwrap_or(key);
    match last {
        "id" => "--campaign".into(),
        "start" | "end" | "tz" | "name" | "site" => format!("--{last}"),
        "hashtags" => "--hashtag".into(),
        "targets" => "--target".into(),
        "own_accounts" => "--own".into(),
        "url_prefixes" => "--url-prefix".into(),
        "baseline" => "--start (the default baseline, the 28 days before it)".into(),
        _ if key.starts_with("inputs") => "--input".into(),
        _ if key == "dir" => "--out".into(),
        _ => key.to_string(),
    }
}

fn usage(e: PipelineError) -> anyhow::Error {
    crate::cli::Usage(format!("{}: {}", flag_of(&e.key), e.msg)).into()
}

/// `analyze` without a pipeline file: the lake must be named.
pub fn for_analyze(a: &AdhocArgs, lake: Option<&Path>, out: Option<&Path>) -> Result<Pipeline> {
    let Some(lake) = lake else {
        return Err(crate::cli::Usage(
            "an ad hoc campaign (--campaign, --start, --end) needs --lake DIR, the lake to read".into(),
        )
        .into());
    };
    build(a, &Places { lake: Some(lake.to_path_buf()), out: out.map(Path::to_path_buf), ..Default::default() })
}

/// The checked pipeline of the flags; with `--save-pipeline`, also writes it (atomically)
/// and the pipeline is the saved file's.
pub fn build(a: &AdhocArgs, at: &Places) -> Result<Pipeline> {
    let Some(save) = &a.save_pipeline else {
        let text = toml_text(a, at, &|p| absolute(p).display().to_string());
        return Pipeline::parse(Path::new("(command line)"), &text).map_err(usage);
    };
    let base = absolute(&crate::pipeline::file::base_dir(&absolute(save)));
    let rel = |p: &Path| -> String {
        let abs = absolute(p);
        match abs.strip_prefix(&base) {
            Ok(r) if r.as_os_str().is_empty() => ".".into(),
            Ok(r) => r.display().to_string(),
            Err(_) => abs.display().to_string(),
        }
    };
    let text = toml_text(a, at, &rel);
    let p = Pipeline::parse(save, &text).map_err(usage)?;
    if let Some(dir) = save.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    crate::support::write_atomic(save, text.as_bytes()).with_context(|| format!("writing {}", save.display()))?;
    if crate::say::level() >= 0 {
        eprintln!("pipeline: wrote {} (rerun it with `rallylens run {}`)", save.display(), save.display());
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell() -> AdhocArgs {
        AdhocArgs {
            campaign: Some("shell".into()),
            start: Some("2012-10-01".parse().unwrap()),
            end: Some("2012-10-21".parse().unwrap()),
            hashtags: vec!["#MakeTheFuture".into()],
            targets: vec!["@Shell".into()],
            own: vec![("twitter".into(), "amnesty".into()), ("facebook".into(), "104050442962".into())],
            tz: Some("Europe/London".into()),
            ..Default::default()
        }
    }

    #[test]
    fn flags_give_the_campaign_a_file_with_the_same_keys_gives() {
        let at = Places { lake: Some("/l".into()), out: Some("/o".into()), ..Default::default() };
        let p = build(&shell(), &at).unwrap();
        let file = Pipeline::parse(
            Path::new("/x/p.toml"),
            "lake = \"/l\"\n[output]\ndir = \"/o\"\n[[campaigns]]\nid = \"shell\"\nstart = 2012-10-01\nend = 2012-10-21\n\
             tz = \"Europe/London\"\nhashtags = [\"#MakeTheFuture\"]\ntargets = [\"@Shell\"]\n\
             own_accounts = { twitter = [\"amnesty\"], facebook = [\"104050442962\"] }\n",
        )
        .unwrap();
        assert_eq!(p.campaigns, file.campaigns);
        assert_eq!(p.ladder, file.ladder);
        assert_eq!((p.lake.clone(), p.output.clone()), (PathBuf::from("/l"), PathBuf::from("/o")));
        // The defaults a file would get: the 28 days before the start, the name = the id.
        let c = &p.campaigns[0];
        assert_eq!(
            (c.baseline_start.to_string(), c.baseline_end.to_string()),
            ("2012-09-03".into(), "2012-09-30".into())
        );
        assert_eq!(c.name, "shell");
        assert_eq!(c.hashtags, ["makethefuture"]);
    }

    #[test]
    fn a_bad_value_is_named_by_its_flag() {
        let mut a = shell();
        a.tz = Some("Mars/Olympus".into());
        let e = build(&a, &Places { lake: Some("/l".into()), ..Default::default() }).unwrap_err();
        assert!(e.to_string().starts_with("--tz: unknown time zone 'Mars/Olympus'"), "{e}");
        assert!(e.downcast_ref::<crate::cli::Usage>().is_some());
        a.tz = None;
        a.end = Some("2012-09-01".parse().unwrap());
        let e = build(&a, &Places { lake: Some("/l".into()), ..Default::default() }).unwrap_err();
        assert!(e.to_string().starts_with("--end: the window ends (2012-09-01) before it starts"), "{e}");
    }

    #[test]
    fn quotes_in_values_stay_values() {
        let mut a = shell();
        a.name = Some("Shell \"#makethefuture\" = 2012\n[output]".into());
        let p = build(&a, &Places { lake: Some("/l".into()), ..Default::default() }).unwrap();
        assert_eq!(p.campaigns[0].name, "Shell \"#makethefuture\" = 2012\n[output]");
    }

    #[test]
    fn the_saved_file_holds_paths_relative_to_its_project_folder() {
        let dir = tempfile::tempdir().unwrap();
        let save = dir.path().join("pipelines/shell.toml");
        let mut a = shell();
        a.save_pipeline = Some(save.clone());
        let at = Places {
            lake: Some(dir.path().join("out/demo/lake")),
            out: Some(dir.path().join("out/shell")),
            inputs: vec![dir.path().join("data/shell/twitter")],
            tag_inputs: true,
        };
        let p = build(&a, &at).unwrap();
        let text = std::fs::read_to_string(&save).unwrap();
        // pipelines/ → the project folder is its parent: paths relative to dir.
        assert!(text.contains("lake = \"out/demo/lake\"\n"), "{text}");
        assert!(text.contains("dir = \"out/shell\"\n"), "{text}");
        assert!(text.contains("path = \"data/shell/twitter\"\ncampaign = \"shell\"\n"), "{text}");
        // Loading the saved file gives the pipeline that was analysed.
        let again = Pipeline::load(&save).unwrap();
        assert_eq!(again.campaigns, p.campaigns);
        assert_eq!((again.lake, again.output), (p.lake, p.output));
        assert_eq!(again.inputs.len(), 1);
        assert_eq!(again.inputs[0].options.campaign.as_deref(), Some("shell"));
        assert_eq!(again.inputs[0].options.targets, ["shell"]);
    }
}
