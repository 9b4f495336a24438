//! The pipeline file as written (serde structs, `deny_unknown_fields`) and its check into a
//! [`Pipeline`]: every error names the key and its line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use super::{Pipeline, PipelineError};
use crate::ingest::driver::{InputOptions, InputSpec};
use crate::schema::{Campaign, Ladder, Milestone, Rung};

type Span = std::ops::Range<usize>;

/// A whole pipeline file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineFile {
    /// The lake folder. Default: `<output.dir>/lake`. Relative paths are relative to the
    /// pipeline file's folder's parent when the file is in `pipelines/`, else to the file.
    /// Or a URL, `s3://BUCKET/PREFIX`, read-only (docs/object-storage.md).
    pub lake: Option<PathBuf>,
    pub output: Output,
    /// Export files or folders to ingest (new and changed files only).
    #[serde(default)]
    pub inputs: Vec<Spanned<InputEntry>>,
    pub campaigns: Vec<Spanned<CampaignEntry>>,
    /// The ladder of engagement; the default of docs/metrics.md#ladder-of-engagement when absent.
    pub ladder: Option<Spanned<LadderEntry>>,
    /// Sums only this site's traffic for uplift (docs/metrics.md#sites): the rows whose
    /// export names it, and the rows of inputs whose `site` says they are from it; all sites
    /// when absent. Compared without case.
    pub site: Option<String>,
    /// The published benchmarks file (docs/metrics.md#benchmarks). Default
    /// `data/benchmarks.toml` in the project folder; an absent file gives no published rows.
    pub benchmarks: Option<PathBuf>,
    /// Key accounts of every campaign (docs/pipeline.md#key-accounts).
    #[serde(default)]
    pub key_accounts: Vec<Spanned<KeyAccountEntry>>,
    /// A CSV of key accounts of every campaign (columns platform, account, label).
    pub key_accounts_file: Option<Spanned<PathBuf>>,
    /// The follower count from which an author is named in `top_voices` (default 5,000).
    pub min_followers_to_name: Option<Spanned<i64>>,
    /// Ranks kept per campaign and platform in `top_voices` (default 20).
    pub top_voices: Option<Spanned<i64>>,
}

/// One key account as written: `{ platform = "twitter", account = "@x", label = "media" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyAccountEntry {
    pub platform: String,
    /// A handle (with or without `@`, any case) or an account id.
    pub account: String,
    pub label: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    /// Where metrics, charts and the report are written.
    pub dir: PathBuf,
    /// The report's title. Default: the campaigns' names joined by " vs ".
    pub title: Option<String>,
}

/// One input: a file or folder of exports and how to read it.
///
/// The keys every input may have are fields; the per-format keys (`platform`, `action`,
/// `date_range`, `mapping`, …) are declared by the adapters that read them
/// ([`crate::ingest::options`]) and land in `rest`, which [`check`] checks against them
/// (serde cannot deny unknown fields next to a flattened map).
#[derive(Debug, Clone, Deserialize)]
pub struct InputEntry {
    pub path: PathBuf,
    /// Forces a format (see `rallylens formats`); detected from content when absent.
    pub format: Option<String>,
    /// Tags every row of this input with a campaign id.
    pub campaign: Option<String>,
    /// Time zone of exports whose times carry none.
    pub tz: Option<String>,
    /// The website this input's traffic is from: fills `traffic.site` where the export names
    /// none (docs/metrics.md#sites).
    pub site: Option<String>,
    /// The per-format keys, as written.
    #[serde(flatten)]
    pub rest: toml::Table,
}

/// The keys every input may have, with their place among the per-format keys' `order`
/// (the list an unknown key's message gives, as serde gave it when they were all fields).
const COMMON_INPUT_KEYS: &[(&str, usize)] = &[("path", 0), ("format", 1), ("campaign", 2), ("tz", 40), ("site", 90)];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignEntry {
    /// Short id: the campaign tag of inputs and the key of every output table.
    pub id: String,
    /// The name shown in the report.
    pub name: Option<String>,
    /// One sentence: what the campaign asked of its supporters (shown atop their recap).
    pub ask: Option<Spanned<String>>,
    /// First and last day of the window, inclusive, in the campaign's time zone.
    pub start: Spanned<toml::value::Datetime>,
    pub end: Spanned<toml::value::Datetime>,
    /// The baseline window; default the 28 days before start.
    pub baseline: Option<Spanned<Window>>,
    /// IANA time zone of the campaign's days; default UTC.
    pub tz: Option<Spanned<String>>,
    /// Own accounts per platform (handles or ids): `{ twitter = ["amnesty"] }`.
    #[serde(default)]
    pub own_accounts: BTreeMap<String, Vec<String>>,
    /// Campaign hashtags, with or without `#`, any case.
    #[serde(default)]
    pub hashtags: Vec<String>,
    /// Target accounts (handles) whose mentions and responses are measured.
    #[serde(default)]
    pub targets: Vec<String>,
    /// Posts linking to a URL starting with one of these belong to the campaign.
    #[serde(default)]
    pub url_prefixes: Vec<String>,
    /// Days before `start` whose own posts (outside every campaign window) are the account's
    /// normal (docs/metrics.md#benchmarks); default 90.
    pub benchmark_days: Option<Spanned<i64>>,
    /// Follower growth: days of history before `start` the follower trend is fitted on
    /// (default 90).
    pub growth_history_days: Option<Spanned<i64>>,
    /// Follower growth: the trend is projected to this day, on or after `end` (default `end`).
    pub project_to: Option<Spanned<toml::value::Datetime>>,
    /// What the campaign set out to do: `[[campaigns.goals]]` (docs/metrics.md#goals).
    #[serde(default)]
    pub goals: Vec<Spanned<GoalEntry>>,
    /// Dated events drawn on the daily charts and listed in the report.
    #[serde(default)]
    pub milestones: Vec<Spanned<MilestoneEntry>>,
    /// This campaign's key accounts, beside the pipeline's shared ones.
    #[serde(default)]
    pub key_accounts: Vec<Spanned<KeyAccountEntry>>,
    pub key_accounts_file: Option<Spanned<PathBuf>>,
    pub min_followers_to_name: Option<Spanned<i64>>,
    pub top_voices: Option<Spanned<i64>>,
}

/// One `[[campaigns.goals]]`, as written; checked by [`super::goals::check`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoalEntry {
    /// A name of `metrics::goals::METRICS`.
    pub metric: Spanned<String>,
    /// A number, or `true` for a yes/no metric.
    pub target: Spanned<toml::Value>,
    /// Progress measured up to this day (inclusive).
    pub by: Option<Spanned<toml::value::Datetime>>,
    /// The goal's name in the report; its slug is the goal's key.
    pub label: Option<String>,
}

/// One `[[campaigns.milestones]]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MilestoneEntry {
    /// A date (the campaign's local day), a local date and time (in the campaign's time
    /// zone) or a date and time with an offset.
    pub at: Spanned<toml::value::Datetime>,
    pub label: String,
    /// `press_release`, `target_action`, `offline_event` or free text; default `other`.
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub start: toml::value::Datetime,
    pub end: toml::value::Datetime,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LadderEntry {
    /// Length of a ladder period in days (default 7).
    pub period_days: Option<u32>,
    pub rungs: Vec<Spanned<RungEntry>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RungEntry {
    pub name: String,
    /// Canonical action verbs (docs/lake.md#actions).
    pub actions: Vec<String>,
}

pub(super) struct Src<'a> {
    pub(super) file: String,
    pub(super) text: &'a str,
}

impl Src<'_> {
    fn line_of(&self, span: &std::ops::Range<usize>) -> usize {
        self.text[..span.start.min(self.text.len())].matches('\n').count() + 1
    }
    pub(super) fn err(
        &self,
        span: &std::ops::Range<usize>,
        key: impl Into<String>,
        msg: impl Into<String>,
    ) -> PipelineError {
        PipelineError { file: self.file.clone(), line: self.line_of(span), key: key.into(), msg: msg.into() }
    }
    /// A TOML or serde error, located. toml names an unknown key in its message ("unknown
    /// field `x`, expected ..."); for a bad value, the key is the one on the offending line.
    pub(super) fn toml_error(&self, e: &toml::de::Error) -> PipelineError {
        let (text, span) = (self.text, e.span().unwrap_or(0..0));
        let msg = e.message().to_string();
        let key = msg.split('`').nth(1).map(str::to_string).unwrap_or_else(|| {
            let at = span.start.min(text.len());
            let line = text[..at].rsplit('\n').next().unwrap_or("").to_string() + text[at..].split('\n').next().unwrap_or("");
            line.split_once('=').map(|(k, _)| k.trim().to_string()).unwrap_or_else(|| "(file)".into())
        });
        self.err(&span, key, msg)
    }
}

pub(super) fn date_of(d: &toml::value::Datetime) -> Result<NaiveDate, String> {
    match (&d.date, &d.time) {
        (Some(date), None) => NaiveDate::from_ymd_opt(date.year as i32, date.month as u32, date.day as u32)
            .ok_or_else(|| format!("{d} is not a calendar date")),
        _ => Err(format!("expected a date like 2008-02-27, found {d}")),
    }
}

/// Checks a parsed file as a whole; errors come in file order of concern: campaigns, their
/// baselines, the ladder, the inputs.
pub(super) fn check(path: &Path, src: &Src, file: PipelineFile) -> Result<Pipeline, PipelineError> {
    unknown_input_keys(src, &file)?;
    let base = base_dir(path);
    let at = |p: &Path| if p.is_absolute() { p.to_path_buf() } else { base.join(p) };
    let output = at(&file.output.dir);
    // A lake given as a URL (s3://…, docs/object-storage.md) is kept as written.
    let lake = file
        .lake
        .as_deref()
        .map(|l| if crate::lake::store::is_url(l) { l.to_path_buf() } else { at(l) })
        .unwrap_or_else(|| output.join("lake"));
    let (mut campaigns, spans) = campaigns(src, &file)?;
    neutral_baselines(src, &campaigns, &spans)?;
    super::key_accounts::apply(src, &file, &at, &mut campaigns)?;
    let ladder = ladder(src, &file)?;
    let inputs = inputs(src, &file, &campaigns, &at)?;
    let benchmarks_path = at(file.benchmarks.as_deref().unwrap_or(Path::new("data/benchmarks.toml")));
    let benchmarks = super::benchmarks::load(&benchmarks_path)?;
    let title = file
        .output
        .title
        .clone()
        .unwrap_or_else(|| campaigns.iter().map(|c: &Campaign| c.name.as_str()).collect::<Vec<_>>().join(" vs "));
    Ok(Pipeline {
        path: path.to_path_buf(),
        lake,
        output,
        title,
        inputs,
        campaigns,
        ladder,
        site: file.site.as_deref().map(crate::ingest::site_name),
        benchmarks_file: benchmarks.is_some().then_some(benchmarks_path),
        benchmarks: benchmarks.unwrap_or_default(),
    })
}

/// The campaigns, each checked on its own, with the span of each table; at least one.
fn campaigns(src: &Src, file: &PipelineFile) -> Result<(Vec<Campaign>, Vec<Span>), PipelineError> {
    let mut campaigns: Vec<Campaign> = Vec::new();
    let mut spans = Vec::new();
    for (i, c) in file.campaigns.iter().enumerate() {
        let span = c.span();
        let c = c.get_ref();
        let key = |k: &str| format!("campaigns[{i}].{k}");
        if c.id.trim().is_empty() || c.id.contains(|ch: char| ch.is_whitespace() || ch == '/') {
            return Err(src.err(&span, key("id"), format!("'{}' is not a usable id: no spaces or slashes", c.id)));
        }
        if campaigns.iter().any(|o| o.id == c.id) {
            return Err(src.err(&span, key("id"), format!("the id '{}' is used by two campaigns", c.id)));
        }
        let start = date_of(c.start.get_ref()).map_err(|m| src.err(&c.start.span(), key("start"), m))?;
        let end = date_of(c.end.get_ref()).map_err(|m| src.err(&c.end.span(), key("end"), m))?;
        if end < start {
            return Err(src.err(
                &c.end.span(),
                key("end"),
                format!("the window ends ({end}) before it starts ({start})"),
            ));
        }
        let (baseline_start, baseline_end) = match &c.baseline {
            None => (start - chrono::Duration::days(28), start - chrono::Duration::days(1)),
            Some(b) => {
                let w = b.get_ref();
                let bs = date_of(&w.start).map_err(|m| src.err(&b.span(), key("baseline.start"), m))?;
                let be = date_of(&w.end).map_err(|m| src.err(&b.span(), key("baseline.end"), m))?;
                if be < bs {
                    return Err(src.err(
                        &b.span(),
                        key("baseline"),
                        format!("the baseline ends ({be}) before it starts ({bs})"),
                    ));
                }
                if be >= start && bs <= end {
                    return Err(src.err(
                        &b.span(),
                        key("baseline"),
                        format!("the baseline {bs}..{be} overlaps the campaign's own window {start}..{end}"),
                    ));
                }
                (bs, be)
            }
        };
        let tz = match &c.tz {
            None => chrono_tz::UTC,
            Some(z) => z.get_ref().parse::<chrono_tz::Tz>().map_err(|_| {
                src.err(
                    &z.span(),
                    key("tz"),
                    format!("unknown time zone '{}'; expected an IANA name like Africa/Nairobi", z.get_ref()),
                )
            })?,
        };
        let benchmark_days = match &c.benchmark_days {
            None => 90,
            Some(d) => u32::try_from(*d.get_ref()).ok().filter(|d| (1..=3660).contains(d)).ok_or_else(|| {
                src.err(&d.span(), key("benchmark_days"), format!("{} is not a number of days from 1 to 3660", d.get_ref()))
            })?,
        };
        let (growth_history_days, project_to) = growth_keys(src, c, end, &key)?;
        let ask = match &c.ask {
            None => None,
            Some(a) => {
                let text = a.get_ref().split_whitespace().collect::<Vec<_>>().join(" ");
                if text.is_empty() {
                    return Err(src.err(&a.span(), key("ask"), "expected a sentence, got an empty string"));
                }
                Some(text)
            }
        };
        let lower = |v: &[String], strip: char| -> Vec<String> {
            let mut out: Vec<String> =
                v.iter().map(|s| s.trim().trim_start_matches(strip).to_lowercase()).filter(|s| !s.is_empty()).collect();
            out.dedup();
            out
        };
        campaigns.push(Campaign {
            id: c.id.clone(),
            name: c.name.clone().unwrap_or_else(|| c.id.clone()),
            ask,
            start,
            end,
            baseline_start,
            baseline_end,
            tz,
            own_accounts: c.own_accounts.iter().map(|(p, v)| (p.to_lowercase(), lower(v, '@'))).collect(),
            hashtags: lower(&c.hashtags, '#'),
            targets: lower(&c.targets, '@'),
            url_prefixes: c.url_prefixes.clone(),
            benchmark_days,
            growth_history_days,
            project_to,
            goals: super::goals::check(src, i, c, start, end)?,
            milestones: milestones(src, &c.milestones, &tz, &key)?,
            // Set by key_accounts::apply.
            key_accounts: Vec::new(),
            min_followers_to_name: super::key_accounts::MIN_FOLLOWERS_TO_NAME,
            top_voices: super::key_accounts::TOP_VOICES,
        });
        spans.push(span);
    }
    if campaigns.is_empty() {
        return Err(src.err(&(0..0), "campaigns", "the pipeline declares no campaign: add a [[campaigns]] table"));
    }
    Ok((campaigns, spans))
}

/// The follower-growth keys of a campaign (docs/pipeline.md): a history of 3 to 3,660 days
/// (a line needs three points; ten years is plenty), a `project_to` on or after the end.
fn growth_keys(
    src: &Src,
    c: &CampaignEntry,
    end: NaiveDate,
    key: &dyn Fn(&str) -> String,
) -> Result<(u32, NaiveDate), PipelineError> {
    let days = match &c.growth_history_days {
        None => crate::metrics::growth::HISTORY_DAYS,
        Some(d) => match u32::try_from(*d.get_ref()) {
            Ok(n) if (3..=3660).contains(&n) => n,
            _ => {
                return Err(src.err(
                    &d.span(),
                    key("growth_history_days"),
                    format!("expected a number of days from 3 to 3660, found {}", d.get_ref()),
                ))
            }
        },
    };
    let project_to = match &c.project_to {
        None => end,
        Some(p) => {
            let d = date_of(p.get_ref()).map_err(|m| src.err(&p.span(), key("project_to"), m))?;
            if d < end {
                return Err(src.err(
                    &p.span(),
                    key("project_to"),
                    format!("the projection ends ({d}) before the window does ({end})"),
                ));
            }
            d
        }
    };
    Ok((days, project_to))
}

/// The milestones of one campaign (`key` names the campaign's table), checked: an `at` that
/// is a date, a local date and time, or one with an offset; a label.
fn milestones(
    src: &Src,
    entries: &[Spanned<MilestoneEntry>],
    tz: &chrono_tz::Tz,
    key: &dyn Fn(&str) -> String,
) -> Result<Vec<Milestone>, PipelineError> {
    use chrono::TimeZone;
    let mut out = Vec::new();
    for (j, e) in entries.iter().enumerate() {
        let m = e.get_ref();
        let k = |f: &str| key(&format!("milestones[{j}].{f}"));
        let at = m.at.get_ref();
        let bad = || {
            src.err(
                &m.at.span(),
                k("at"),
                format!("expected a date like 2012-10-01 or a time like 2012-10-01T09:00:00, found {at}"),
            )
        };
        let Some(d) = &at.date else { return Err(bad()) };
        let date = NaiveDate::from_ymd_opt(d.year as i32, d.month as u32, d.day as u32).ok_or_else(bad)?;
        let (day, instant) = match &at.time {
            None => (date, None),
            Some(t) => {
                let naive = date
                    .and_hms_nano_opt(t.hour as u32, t.minute as u32, t.second as u32, t.nanosecond)
                    .ok_or_else(bad)?;
                let utc = match &at.offset {
                    None => tz.from_local_datetime(&naive).earliest().ok_or_else(|| {
                        src.err(&m.at.span(), k("at"), format!("{at} does not exist in {tz} (a clock change)"))
                    })?,
                    Some(toml::value::Offset::Z) => chrono::Utc.from_utc_datetime(&naive).with_timezone(tz),
                    Some(toml::value::Offset::Custom { minutes }) => {
                        let fixed = chrono::FixedOffset::east_opt(*minutes as i32 * 60).ok_or_else(bad)?;
                        fixed.from_local_datetime(&naive).single().ok_or_else(bad)?.with_timezone(tz)
                    }
                };
                (utc.date_naive(), Some(utc.timestamp_micros()))
            }
        };
        let label = m.label.trim();
        if label.is_empty() {
            return Err(src.err(&e.span(), k("label"), "a milestone needs a label (what happened)"));
        }
        let kind = m.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()).unwrap_or("other");
        out.push(Milestone { day, at: instant, label: label.to_string(), kind: kind.to_lowercase() });
    }
    Ok(out)
}

/// A baseline must be neutral: not inside another campaign's window (docs/metrics.md#referral-uplift).
fn neutral_baselines(src: &Src, campaigns: &[Campaign], spans: &[Span]) -> Result<(), PipelineError> {
    for (i, a) in campaigns.iter().enumerate() {
        for b in campaigns {
            if a.id != b.id && a.baseline_start <= b.end && a.baseline_end >= b.start {
                return Err(src.err(&spans[i], format!("campaigns[{i}].baseline"), format!(
                    "the baseline of '{}' ({}..{}) overlaps the window of '{}' ({}..{}); give '{}' an explicit baseline",
                    a.id, a.baseline_start, a.baseline_end, b.id, b.start, b.end, a.id
                )));
            }
        }
    }
    Ok(())
}

/// The ladder of the file, else the default one; no empty rung, no action on two rungs.
fn ladder(src: &Src, file: &PipelineFile) -> Result<Ladder, PipelineError> {
    Ok(match &file.ladder {
        None => Ladder::default(),
        Some(l) => {
            let lr = l.get_ref();
            if lr.rungs.is_empty() {
                return Err(src.err(&l.span(), "ladder.rungs", "the ladder has no rungs"));
            }
            let mut rungs = Vec::new();
            for (i, r) in lr.rungs.iter().enumerate() {
                let rr = r.get_ref();
                if rr.actions.is_empty() {
                    return Err(src.err(
                        &r.span(),
                        format!("ladder.rungs[{i}].actions"),
                        format!("the rung '{}' has no actions", rr.name),
                    ));
                }
                for a in &rr.actions {
                    if let Some(j) = rungs.iter().position(|x: &Rung| x.actions.contains(&a.to_lowercase())) {
                        return Err(src.err(
                            &r.span(),
                            format!("ladder.rungs[{i}].actions"),
                            format!("the action '{a}' is on two rungs ('{}' and '{}')", rungs[j].name, rr.name),
                        ));
                    }
                }
                rungs.push(Rung {
                    name: rr.name.clone(),
                    actions: rr.actions.iter().map(|a| a.to_lowercase()).collect(),
                });
            }
            let period_days = lr.period_days.unwrap_or(7);
            if period_days == 0 {
                return Err(src.err(&l.span(), "ladder.period_days", "a period of 0 days"));
            }
            Ladder { rungs, period_days }
        }
    })
}

/// A key no input may have: named with its line, as serde names an unknown field.
fn unknown_input_keys(src: &Src, file: &PipelineFile) -> Result<(), PipelineError> {
    let keys = crate::ingest::options::all_keys();
    for inp in &file.inputs {
        let Some(k) = inp.get_ref().rest.keys().find(|k| !keys.iter().any(|o| o.name == k.as_str())) else {
            continue;
        };
        let mut known: Vec<(&str, usize)> = COMMON_INPUT_KEYS.to_vec();
        known.extend(keys.iter().map(|o| (o.name, o.order)));
        known.sort_by_key(|&(_, order)| order);
        let list: Vec<String> = known.iter().map(|(n, _)| format!("`{n}`")).collect();
        return Err(src.err(
            &key_span(src, &inp.span(), k),
            k.clone(),
            format!("unknown field `{k}`, expected one of {}", list.join(", ")),
        ));
    }
    Ok(())
}

/// Where `key = …` is written inside the table at `span` (its first line when not found,
/// e.g. a `[inputs.mapping]` sub-table).
fn key_span(src: &Src, span: &Span, key: &str) -> Span {
    let text = &src.text[span.start.min(src.text.len())..span.end.min(src.text.len())];
    let mut at = span.start;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if t.strip_prefix(key).is_some_and(|r| r.trim_start().starts_with('=')) {
            return at..at;
        }
        at += line.len();
    }
    span.start..span.start
}

/// The inputs with their options; every input gets the targets of every campaign. The
/// per-format keys are checked and resolved (mapping files read) by the keys themselves.
fn inputs(
    src: &Src,
    file: &PipelineFile,
    campaigns: &[Campaign],
    at: &dyn Fn(&Path) -> PathBuf,
) -> Result<Vec<InputSpec>, PipelineError> {
    let base = at(Path::new(""));
    let mut inputs = Vec::new();
    for (i, entry) in file.inputs.iter().enumerate() {
        let inp = entry.get_ref();
        let key = |k: &str| format!("inputs[{i}].{k}");
        if let Some(f) = &inp.format {
            if crate::ingest::by_name(f).is_none() {
                return Err(src.err(
                    &(0..0),
                    key("format"),
                    format!("unknown format '{f}'; the formats are: {}", crate::ingest::names().join(", ")),
                ));
            }
        }
        let mut raw = crate::ingest::options::RawOptions::new();
        for k in crate::ingest::options::all_keys() {
            if let Some(v) = inp.rest.get(k.name) {
                let v = (k.resolve)(v.clone(), &base)
                    .map_err(|m| src.err(&key_span(src, &entry.span(), k.name), key(k.name), m))?;
                raw.insert(k.name.to_string(), v);
            }
        }
        let mut targets: Vec<String> = campaigns.iter().flat_map(|c| c.targets.clone()).collect();
        targets.sort();
        targets.dedup();
        inputs.push(InputSpec {
            path: at(&inp.path),
            options: InputOptions {
                format: inp.format.clone(),
                campaign: inp.campaign.clone(),
                tz: inp.tz.clone(),
                targets,
                site: inp.site.as_deref().map(crate::ingest::site_name),
                raw,
            },
        });
    }
    Ok(inputs)
}

/// Relative paths in a pipeline file are relative to the project folder: the parent of
/// `pipelines/` when the file lives there (so `data/...` means the repo's data), else the
/// file's own folder.
pub(crate) fn base_dir(path: &Path) -> PathBuf {
    let dir = path.parent().unwrap_or(Path::new(""));
    if dir.file_name().is_some_and(|n| n == "pipelines") {
        dir.parent().unwrap_or(Path::new("")).to_path_buf()
    } else {
        dir.to_path_buf()
    }
}

pub use crate::ingest::options::parse_range;
