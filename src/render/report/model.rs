//! The report's document model: [`Block`]s, and the sections that fill them from the metric
//! tables and `metrics.json` (text, order and number formats fixed here; the writers only
//! lay them out).
//!
//! [`document`] is the goal scorecard ([`super::goals`]), the headline figures, then one section per entry of [`SECTIONS`] (its
//! paragraphs, method line, tables, charts and the lines for missing charts), then the
//! method and provenance section.
//!
//! Sections name their metric tables through the registry (`crate::metrics::registry`); a
//! column the report shows or reads that a table lacks is an error naming the table and the
//! column, so a renamed column cannot turn into a column of "—" (a null value still shows
//! as "—").

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{anyhow, Result};
use polars::prelude::*;
use serde_json::Value;

use crate::support::{thousands, thousands_i64};
use crate::metrics::registry::Table as MetricTable;
use crate::metrics::{benchmarks, comparison, countries, engagement, growth, hashtags, key_accounts, ladder, languages, press, reach, records, signups, top_voices, uplift};
use crate::render::{Chart, Metrics, Section};

/// Where the report's inputs came from: shown in its Method and provenance section.
pub struct Provenance {
    /// The pipeline file, as given.
    pub pipeline: String,
    /// The lake folder, as given.
    pub lake: String,
    /// The lake's ingested files (its manifest), in ingestion order.
    pub files: Vec<InputRow>,
    /// Inputs of this run that could not be ingested: (path, why).
    pub failed: Vec<(String, String)>,
}

/// One ingested file as the Inputs table shows it. The run fills these from the lake's
/// manifest (it sees both stages), so the report never reads the lake.
pub struct InputRow {
    /// As given to ingest.
    pub path: String,
    /// Its format's name.
    pub format: String,
    /// Records (lines, rows or objects) read.
    pub rows_read: u64,
    pub rejected: u64,
    /// Rows written, by lake table (before de-duplication against other files).
    pub tables: BTreeMap<String, u64>,
    pub campaign: Option<String>,
    pub sha256: String,
    /// When it was ingested, as the manifest says it.
    pub ingested_at: String,
}

/// A table of preformatted cells; `right[i]` right-aligns column i (numbers).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub right: Vec<bool>,
    pub rows: Vec<Vec<String>>,
}

/// One block of the report.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading: level (1–3), text, anchor id.
    Heading(u8, String, String),
    Para(String),
    Table(Table),
    /// Index into the chart list.
    Chart(usize),
    /// A numbered list of notes (the reasons behind null figures).
    Notes(Vec<String>),
    /// A campaign's goals with their progress bars ([`super::goals`]).
    Scorecard(Vec<super::goals::GoalRow>),
}

/// The figures of the headline table: key in `metrics.json`, label, how to show it.
pub(super) const KPIS: &[(&str, &str, Fmt)] = &[
    ("own_posts", "Own posts in the window", Fmt::Int),
    ("own_engagements", "Engagements on own posts", Fmt::Int),
    ("unique_actors", "Supporters who acted", Fmt::Int),
    ("followers_at_launch", "Followers at launch", Fmt::Int),
    ("followers_gained", "Followers gained in the window", Fmt::Signed),
    ("followers_above_projection", "Followers above the earlier trend", Fmt::Signed),
    ("followers_above_projection_low", "… 95% interval, low", Fmt::Signed),
    ("followers_above_projection_high", "… 95% interval, high", Fmt::Signed),
    ("hashtag_potential_reach", "Hashtag potential reach", Fmt::Int),
    ("social_uplift_sessions", "Social referral uplift, sessions", Fmt::Signed),
    ("social_uplift_rel", "Social referral uplift", Fmt::Rel),
    ("social_total_traffic_uplift_rel", "… as a share of all traffic", Fmt::Rel),
    ("facebook_uplift_rel", "Facebook referral uplift", Fmt::Rel),
    ("facebook_total_traffic_uplift_rel", "… as a share of all traffic", Fmt::Rel),
    ("moved_up", "Supporters who moved up the ladder", Fmt::Int),
    ("new_supporters", "New supporters on the ladder", Fmt::Int),
    ("signups_total", "Sign-ups", Fmt::Int),
    ("signups_first_week", "Sign-ups in the first week", Fmt::Int),
    ("target_responded", "Target responded", Fmt::Bool),
    ("target_latency_hours", "Target's response time", Fmt::Hours),
    ("key_accounts_participating", "Key accounts that took part", Fmt::OutOf("key_accounts_total")),
    ("goals_met", "Goals met", Fmt::Int),
    ("goals_total", "Goals set", Fmt::Int),
];

/// How a value is written.
#[derive(Debug, Clone, Copy)]
pub(super) enum Fmt {
    Int,
    /// An integer-rounded count with its sign: `+1,234`.
    Signed,
    /// A ratio as a signed percentage: 0.152 → `+15.2%`.
    Rel,
    /// A ratio as a percentage with two decimals: 0.0345 → `3.45%`.
    Pct,
    /// One decimal.
    F1,
    /// Two decimals.
    F2,
    Bool,
    Hours,
    Str,
    /// An integer "n of N", N being the campaign's figure named here (headline only).
    OutOf(&'static str),
}

fn fmt_f64(v: f64, f: Fmt) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    match f {
        Fmt::Int => thousands_i64(v.round() as i64),
        Fmt::Signed => {
            let r = v.round() as i64;
            if r > 0 {
                format!("+{}", thousands_i64(r))
            } else {
                thousands_i64(r)
            }
        }
        Fmt::Rel => format!("{:+.1}%", v * 100.0),
        Fmt::Pct => format!("{:.2}%", v * 100.0),
        Fmt::F1 | Fmt::Str | Fmt::Bool => format!("{v:.1}"),
        Fmt::OutOf(_) => fmt_f64(v, Fmt::Int),
        Fmt::F2 => format!("{v:.2}"),
        Fmt::Hours => {
            if v.abs() < 48.0 {
                format!("{v:.1} h")
            } else {
                format!("{v:.1} h ({:.1} days)", v / 24.0)
            }
        }
    }
}


/// A JSON value as text (null → None).
pub(super) fn fmt_json(v: &Value, f: Fmt) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(if *b { "yes" } else { "no" }.into()),
        Value::Number(n) => n.as_f64().map(|x| fmt_f64(x, f)),
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// A cell of a column as text ("—" for null).
fn cell(c: &Column, row: usize, f: Fmt) -> String {
    let Ok(v) = c.get(row) else { return "—".into() };
    match v {
        AnyValue::Null => "—".into(),
        AnyValue::Boolean(b) => if b { "yes" } else { "no" }.into(),
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Date(d) => {
            chrono::NaiveDate::from_num_days_from_ce_opt(d + 719_163).map(|d| d.to_string()).unwrap_or_default()
        }
        AnyValue::Datetime(t, unit, _) | AnyValue::DatetimeOwned(t, unit, _) => {
            let micros = match unit {
                TimeUnit::Nanoseconds => t / 1000,
                TimeUnit::Microseconds => t,
                TimeUnit::Milliseconds => t * 1000,
            };
            chrono::DateTime::from_timestamp_micros(micros)
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default()
        }
        v => match v.extract::<f64>() {
            Some(x) => fmt_f64(x, f),
            None => v.to_string(),
        },
    }
}

/// A table of `df`'s rows with the given (column, header, format) columns. A column `df`
/// lacks is an error naming it and the metric table `table` (never a column of "—").
fn frame_table(df: &DataFrame, table: &str, cols: &[(&str, &str, Fmt)]) -> Result<Table> {
    let columns =
        cols.iter().map(|(c, _, _)| df.column(c).map_err(|_| missing(table, c))).collect::<Result<Vec<_>>>()?;
    let rows =
        (0..df.height()).map(|i| columns.iter().zip(cols).map(|(c, (_, _, f))| cell(c, i, *f)).collect()).collect();
    Ok(Table {
        headers: cols.iter().map(|(_, h, _)| h.to_string()).collect(),
        right: cols.iter().map(|(_, _, f)| !matches!(f, Fmt::Str)).collect(),
        rows,
    })
}

fn missing(table: &str, column: &str) -> anyhow::Error {
    anyhow!("metric table {table}: no column '{column}'")
}

fn campaigns(m: &Metrics) -> Vec<&Value> {
    m.json.get("campaigns").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
}

pub(super) fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Builds the report's blocks. `generated` is the one line that changes between
/// otherwise identical runs.
pub fn document(m: &Metrics, charts: &[Chart], prov: &Provenance, title: &str, generated: &str) -> Result<Vec<Block>> {
    let camps = campaigns(m);
    let mut doc = vec![Block::Heading(1, title.to_string(), "top".into())];
    doc.extend(intro(m, prov, &camps, generated));
    doc.extend(super::goals::scorecard(&camps));
    doc.extend(headline(&camps));
    for spec in SECTIONS {
        doc.extend(section(spec, m, charts, &camps)?);
    }
    doc.extend(method_and_provenance(m, prov, &camps));
    Ok(doc)
}

/// The campaigns, where the report comes from, and what it leaves out.
fn intro(m: &Metrics, prov: &Provenance, camps: &[&Value], generated: &str) -> Vec<Block> {
    let mut doc = Vec::new();
    let mut intro = String::new();
    for (i, c) in camps.iter().enumerate() {
        let sep = if i == 0 { "" } else { "; " };
        let _ = write!(
            intro,
            "{sep}{} ({} to {}, {} days, {})",
            s(c, "name"),
            s(c, "start"),
            s(c, "end"),
            c.get("days").and_then(Value::as_i64).unwrap_or(0),
            s(c, "time_zone")
        );
    }
    doc.push(Block::Para(format!("Campaigns: {intro}.")));
    doc.push(Block::Para(format!(
        "Generated {generated} by {} from the pipeline {} over the lake {}.",
        m.json.get("generated_by").and_then(Value::as_str).unwrap_or("rallylens"),
        prov.pipeline,
        prov.lake
    )));
    if !prov.failed.is_empty() {
        let list: Vec<String> = prov.failed.iter().map(|(p, why)| format!("{p} ({why})")).collect();
        doc.push(Block::Para(format!(
            "Warning: {} input(s) of this run could not be ingested and are not in these figures: {}.",
            prov.failed.len(),
            list.join("; ")
        )));
    }
    if prov.files.is_empty() {
        doc.push(Block::Para(
            "Nothing was ingested: the lake holds no input, so every figure below is empty or missing.".into(),
        ));
    }
    doc
}

/// Headline figures, campaigns side by side; a null figure shows — and a note says why. A
/// continuation row ("… ") null for the same reason as the row above it points to that
/// row's note rather than adding one. A figure no campaign's `metrics.json` has (folders
/// of an older rallylens, in `rallylens compare`) has no row.
pub(super) fn headline(camps: &[&Value]) -> Vec<Block> {
    let mut doc =
        vec![Block::Heading(2, "Headline figures".into(), "headline".into()), method_line("Headline figures")];
    let mut notes: Vec<String> = Vec::new();
    let mut headers = vec!["Figure".to_string()];
    headers.extend(camps.iter().map(|c| s(c, "name").to_string()));
    let mut rows = Vec::new();
    // Per campaign: the reason and note number of the row above, when it was null.
    let mut above: Vec<Option<(String, usize)>> = vec![None; camps.len()];
    for (key, label, f) in KPIS {
        if !camps.iter().any(|c| c.get("figures").and_then(|x| x.get(*key)).is_some()) {
            continue;
        }
        let mut row = vec![label.to_string()];
        for (ci, c) in camps.iter().enumerate() {
            let fig = c.get("figures").and_then(|x| x.get(*key));
            let value = fig.and_then(|x| x.get("value")).unwrap_or(&Value::Null);
            let shown = match f {
                Fmt::OutOf(total) => fmt_json(value, *f).map(|n| {
                    let t = c.get("figures").and_then(|x| x.get(*total)).and_then(|x| x.get("value"));
                    match t.and_then(|t| fmt_json(t, Fmt::Int)) {
                        Some(t) => format!("{n} of {t}"),
                        None => n,
                    }
                }),
                _ => fmt_json(value, *f),
            };
            match shown {
                Some(text) => {
                    row.push(text);
                    above[ci] = None;
                }
                None => {
                    let reason = fig.and_then(|x| x.get("reason")).and_then(Value::as_str).unwrap_or("not computed");
                    let note = format!("{}, {}: {reason}.", s(c, "name"), label.trim_start_matches("… "));
                    let n = match (&above[ci], notes.iter().position(|x| *x == note)) {
                        (Some((r, n)), _) if label.starts_with("… ") && r == reason => *n,
                        (_, Some(i)) => i + 1,
                        (_, None) => {
                            notes.push(note);
                            notes.len()
                        }
                    };
                    row.push(format!("— [{n}]"));
                    above[ci] = Some((reason.to_string(), n));
                }
            }
        }
        rows.push(row);
    }
    let mut method_row = vec!["Uplift method".to_string()];
    method_row.extend(camps.iter().map(|c| c.get("uplift_method").and_then(Value::as_str).unwrap_or("—").to_string()));
    rows.push(method_row);
    let mut right = vec![false];
    right.extend(camps.iter().map(|_| true));
    doc.push(Block::Table(Table { headers, right, rows }));
    if !notes.is_empty() {
        doc.push(Block::Notes(notes));
    }
    doc
}

/// One section of the report after the headline figures, in [`SECTIONS`].
struct SectionSpec {
    heading: &'static str,
    anchor: &'static str,
    /// Its blocks under the heading, in order.
    parts: &'static [Part],
    /// Its charts.
    charts: Section,
    /// What the report says when a chart is missing.
    no_chart: NoChart,
}

/// A block of a section.
enum Part {
    Para(&'static str),
    /// [`method_line`] with this part of docs/metrics.md.
    Method(&'static str),
    Table(TableView),
    /// Paragraphs the report writes from the columns `reads` of a table.
    Lines { table: &'static MetricTable, reads: &'static [&'static str], build: fn(&DataFrame) -> Result<Vec<String>> },
}

/// A table of a section, from one metric table (its registry entry).
enum TableView {
    /// These (column, header, format) columns of the table's rows.
    Columns { table: &'static MetricTable, cols: &'static [(&'static str, &'static str, Fmt)] },
    /// A summary the report computes from the columns `reads` of the table (`build` sees
    /// only those, and the table's name for its errors).
    Summary {
        table: &'static MetricTable,
        reads: &'static [&'static str],
        build: fn(&DataFrame, &str) -> Result<Table>,
    },
}

/// Charts are not drawn without data; the line that says so.
enum NoChart {
    /// For each campaign without a chart in the section: "No chart for {name}: {why}.",
    /// where `why` is the reason `metrics.json` gives for the figure `reason_of` (when it
    /// names one and gives one), else `otherwise`.
    PerCampaign { reason_of: Option<&'static str>, otherwise: &'static str },
    /// One line when the section has no chart at all.
    Overall(&'static str),
    /// The section never has charts.
    Never,
}

/// The sections after the headline figures, in report order.
static SECTIONS: &[SectionSpec] = &[
    SectionSpec {
        heading: "Reach",
        anchor: "reach",
        parts: &[
            Part::Para(
                "Posts, impressions and engagements in each campaign's window, by platform. Unique reach is a range: \
                 the largest single post's reach is a floor, the sum over posts a ceiling (people see several posts). \
                 Unique actors is — where the campaign has no action at all on that platform: its exports carry no \
                 actors, so there is no count (not 0).",
            ),
            Part::Method("Reach"),
            Part::Table(TableView::Columns {
                table: &reach::REACH_WINDOW,
                cols: &[
                    ("campaign", "Campaign", Fmt::Str),
                    ("platform", "Platform", Fmt::Str),
                    ("posts", "Posts", Fmt::Int),
                    ("impressions", "Impressions", Fmt::Int),
                    ("post_reach_sum", "Reach (sum over posts)", Fmt::Int),
                    ("engagements", "Engagements", Fmt::Int),
                    ("unique_actors", "Unique actors", Fmt::Int),
                    ("unique_reach_low", "Unique reach, low", Fmt::Int),
                    ("unique_reach_high", "Unique reach, high", Fmt::Int),
                ],
            }),
        ],
        charts: Section::Reach,
        no_chart: NoChart::PerCampaign { reason_of: None, otherwise: "no post or action in the window" },
    },
    SectionSpec {
        heading: "Follower growth",
        anchor: "growth",
        parts: &[
            Part::Para(
                "Followers of each campaign's own accounts, day by day, against the straight line fitted to the days \
                 with a count before the campaign (90 days unless the pipeline says otherwise) and carried on through \
                 the window. A count above the line's 95% prediction band is growth the earlier trend does not \
                 explain. The band treats each day's deviation from the line as independent, which a running count's \
                 are not: it is narrower than the real uncertainty.",
            ),
            Part::Method("Follower growth"),
            Part::Table(TableView::Summary {
                table: &growth::GROWTH,
                reads: &["campaign", "platform", "account", "day", "followers", "projected", "low", "high", "in_window"],
                build: growth_summary,
            }),
        ],
        charts: Section::Growth,
        no_chart: NoChart::PerCampaign {
            reason_of: Some("followers_gained"),
            otherwise: "no own account has a dated follower count",
        },
    },
    SectionSpec {
        heading: "Engagement by content type",
        anchor: "engagement",
        parts: &[
            Part::Para(
                "Own campaign posts: engagements divided by the basis named (reach where exported, else impressions, \
                 else followers), with a 95% bootstrap interval over posts. An index of 1.00 is the platform's own rate.",
            ),
            Part::Method("Engagement by content type"),
            Part::Table(TableView::Columns {
                table: &engagement::ENGAGEMENT_BY_CONTENT_TYPE,
                cols: &[
                    ("campaign", "Campaign", Fmt::Str),
                    ("platform", "Platform", Fmt::Str),
                    ("content_type", "Content type", Fmt::Str),
                    ("posts", "Posts", Fmt::Int),
                    ("engagements", "Engagements", Fmt::Int),
                    ("rate_basis", "Basis", Fmt::Str),
                    ("engagement_rate", "Rate", Fmt::Pct),
                    ("ci_low", "95% low", Fmt::Pct),
                    ("ci_high", "95% high", Fmt::Pct),
                    ("index_vs_platform", "Index", Fmt::F2),
                    ("index_vs_own_baseline", "vs own normal", Fmt::F2),
                ],
            }),
            Part::Para(
                "Benchmarks: each rate against the account's own normal (its own posts of the same platform and \
                 content type in the days before the campaign, outside every campaign window, on the same basis) and \
                 against the published figures of the benchmarks file, with their source. An index is given only \
                 where the formula is the same as rallylens's; the chart marks a benchmark only where the basis is \
                 the same too.",
            ),
            Part::Method("Benchmarks"),
            Part::Table(TableView::Columns {
                table: &benchmarks::BENCHMARKS,
                cols: &[
                    ("campaign", "Campaign", Fmt::Str),
                    ("platform", "Platform", Fmt::Str),
                    ("content_type", "Content type", Fmt::Str),
                    ("benchmark", "Benchmark", Fmt::Str),
                    ("basis", "Basis", Fmt::Str),
                    ("value", "Benchmark rate", Fmt::Pct),
                    ("ci_low", "95% low", Fmt::Pct),
                    ("ci_high", "95% high", Fmt::Pct),
                    ("campaign_rate", "Campaign rate", Fmt::Pct),
                    ("index", "Index", Fmt::F2),
                    ("source", "Source", Fmt::Str),
                ],
            }),
        ],
        charts: Section::Engagement,
        no_chart: NoChart::PerCampaign {
            reason_of: Some("own_engagements"),
            otherwise: "no own post with an engagement rate",
        },
    },
    SectionSpec {
        heading: "Referral uplift",
        anchor: "uplift",
        parts: &[
            Part::Para(
                "Website sessions referred by each social channel in the window, against what the baseline predicts \
                 (method per row; the interval is of the uplift in sessions, from resampled baseline residuals).",
            ),
            Part::Method("Referral uplift"),
            Part::Table(TableView::Columns {
                table: &uplift::REFERRAL_UPLIFT,
                cols: &[
                    ("campaign", "Campaign", Fmt::Str),
                    ("channel", "Channel", Fmt::Str),
                    ("method", "Method", Fmt::Str),
                    ("observed", "Observed", Fmt::Int),
                    ("expected", "Expected", Fmt::Int),
                    ("uplift_sessions", "Uplift", Fmt::Signed),
                    ("ci_low", "95% low", Fmt::Signed),
                    ("ci_high", "95% high", Fmt::Signed),
                    ("uplift_rel", "Uplift %", Fmt::Rel),
                    ("total_traffic_uplift_rel", "Of all traffic", Fmt::Rel),
                    ("p_no_effect", "P(no effect)", Fmt::F2),
                ],
            }),
        ],
        charts: Section::Uplift,
        no_chart: NoChart::PerCampaign {
            reason_of: Some("social_uplift_rel"),
            otherwise: "no daily social referral traffic",
        },
    },
    SectionSpec {
        heading: "Ladder of engagement",
        anchor: "ladder",
        parts: &[
            Part::Para(
                "Supporters by the highest rung they had reached before the window and by its end (their history counts); \
                 `climbed` counts those on the rung at the start who reached a higher one by the end.",
            ),
            Part::Method("Ladder of engagement"),
            Part::Table(TableView::Columns {
                table: &ladder::LADDER_SUMMARY,
                cols: &[
                    ("campaign", "Campaign", Fmt::Str),
                    ("rung", "Rung", Fmt::Int),
                    ("rung_name", "Name", Fmt::Str),
                    ("at_start", "At start", Fmt::Int),
                    ("at_end", "At end", Fmt::Int),
                    ("new", "New", Fmt::Int),
                    ("climbed", "Climbed", Fmt::Int),
                    ("climb_rate", "Climb rate", Fmt::Pct),
                    ("median_days_to_climb", "Median days to climb", Fmt::F1),
                ],
            }),
        ],
        charts: Section::Ladder,
        no_chart: NoChart::PerCampaign { reason_of: None, otherwise: "no actor on the ladder" },
    },
    SectionSpec {
        heading: "Hashtag pick-up and the target",
        anchor: "hashtags",
        parts: &[
            Part::Para("Campaign hashtags over the window: posts using them, reposts, and distinct authors."),
            Part::Method("Hashtag pick-up"),
            Part::Table(TableView::Summary {
                table: &hashtags::HASHTAG_DAILY,
                reads: &["campaign", "hashtag", "day", "posts", "reposts", "new_authors"],
                build: hashtag_totals,
            }),
            Part::Para(
                "The targets: mentions of them in campaign posts, and their first response (a reply to or quote of a \
                 campaign post, a mention of an own account or a campaign hashtag, up to 7 days after the window).",
            ),
            Part::Method("Target response"),
            Part::Table(TableView::Columns {
                table: &hashtags::TARGET_RESPONSE,
                cols: &[
                    ("campaign", "Campaign", Fmt::Str),
                    ("target", "Target", Fmt::Str),
                    ("platform", "Platform", Fmt::Str),
                    ("mentions", "Mentions", Fmt::Int),
                    ("mentioning_authors", "Mentioning authors", Fmt::Int),
                    ("first_mention_at", "First mention", Fmt::Str),
                    ("responded", "Responded", Fmt::Bool),
                    ("first_response_at", "First response", Fmt::Str),
                    ("latency_hours", "Latency", Fmt::Hours),
                ],
            }),
        ],
        charts: Section::Hashtags,
        no_chart: NoChart::PerCampaign { reason_of: None, otherwise: "no post used a campaign hashtag in the window" },
    },
    SectionSpec {
        heading: "The press and milestones",
        anchor: "press",
        parts: &[
            Part::Para(
                "Articles about each campaign in its window (press clippings: tagged with the campaign, or naming a \
                 campaign hashtag or URL), how many outlets ran them, and how long after the launch and after the \
                 first peak of social media posts the first one appeared. Clippings are not social media: no other \
                 section counts them.",
            ),
            Part::Method("The press and milestones"),
            Part::Table(TableView::Columns {
                table: &press::MEDIA_PICKUP,
                cols: &[
                    ("campaign", "Campaign", Fmt::Str),
                    ("articles", "Articles", Fmt::Int),
                    ("outlets", "Outlets", Fmt::Int),
                    ("first_article_at", "First article", Fmt::Str),
                    ("lag_hours_from_launch", "After launch", Fmt::Hours),
                    ("social_peak_day", "Social peak", Fmt::Str),
                    ("lag_hours_from_social_peak", "After the peak", Fmt::Hours),
                    ("audience_sum", "Audience (sum)", Fmt::Int),
                ],
            }),
            Part::Para("The milestones the pipeline gives each campaign, marked on its daily charts:"),
            Part::Table(TableView::Summary {
                table: &press::MILESTONES,
                reads: &["campaign", "day", "at", "label", "kind"],
                build: milestone_list,
            }),
        ],
        charts: Section::Press,
        no_chart: NoChart::PerCampaign { reason_of: None, otherwise: "no press clipping of the campaign in its window" },
    },
    SectionSpec {
        heading: "Sign-ups",
        anchor: "signups",
        parts: &[
            Part::Method("Sign-ups"),
            Part::Table(TableView::Summary {
                table: &signups::SIGNUPS,
                reads: &["campaign", "day", "day_since_launch", "signups"],
                build: signup_totals,
            }),
        ],
        charts: Section::Signups,
        no_chart: NoChart::Overall("No chart: no campaign has sign-ups."),
    },
    SectionSpec {
        heading: "Campaigns side by side",
        anchor: "comparison",
        parts: &[
            Part::Para(
                "Each campaign by day since its launch, cumulative over its window, and per 1,000 followers at launch \
                 where a follower count exists, so that campaigns of different sizes compare.",
            ),
            Part::Method("Campaigns side by side"),
            Part::Table(TableView::Summary {
                table: &comparison::CAMPAIGN_COMPARISON,
                reads: &[
                    "campaign",
                    "day_since_launch",
                    "in_window",
                    "followers_at_launch",
                    "engagements_cum",
                    "engagements_cum_per_1k",
                    "unique_actors_cum",
                    "signups_cum",
                    "signups_cum_per_1k",
                    "social_sessions_cum",
                ],
                build: comparison_totals,
            }),
        ],
        charts: Section::Comparison,
        no_chart: NoChart::Overall("No chart: the overlay needs two campaigns with figures."),
    },
    SectionSpec {
        heading: "Personal bests",
        anchor: "records",
        parts: &[
            Part::Para(
                "The best figure any campaign of this pipeline reached, and the biggest own post on each platform over \
                 the whole lake (own posts outside every campaign included). The previous best is the best that came \
                 before the holder in time: the record it broke.",
            ),
            Part::Method("Personal bests"),
            Part::Lines { table: &records::RECORDS, reads: RECORD_READS, build: record_lines },
            Part::Table(TableView::Summary { table: &records::RECORDS, reads: RECORD_READS, build: records_table }),
        ],
        charts: Section::Records,
        no_chart: NoChart::Never,
    },
    SectionSpec {
        heading: "Languages",
        anchor: "languages",
        parts: &[
            Part::Para(
                "The campaign's posts by the language the platform recorded (`und`: none recorded), own and collected, \
                 with the share of the platform's campaign posts. The rate is of own posts only, on the same basis \
                 rule as the content types; a language without own posts has none.",
            ),
            Part::Method("Languages"),
            Part::Table(TableView::Columns {
                table: &languages::BY_LANGUAGE,
                cols: &[
                    ("campaign", "Campaign", Fmt::Str),
                    ("platform", "Platform", Fmt::Str),
                    ("lang", "Language", Fmt::Str),
                    ("own_posts", "Own posts", Fmt::Int),
                    ("collected_posts", "Collected posts", Fmt::Int),
                    ("share_of_posts", "Share of posts", Fmt::Pct),
                    ("authors", "Authors", Fmt::Int),
                    ("engagements", "Own engagements", Fmt::Int),
                    ("rate_basis", "Basis", Fmt::Str),
                    ("engagement_rate", "Rate", Fmt::Pct),
                ],
            }),
        ],
        charts: Section::Languages,
        no_chart: NoChart::Never,
    },
    SectionSpec {
        heading: "Countries",
        anchor: "countries",
        parts: &[
            Part::Para(
                "The campaign's actions in its window by the country its export gives (a supporter's address, an \
                 event's country), and website sessions by visitors' country where the analytics export has one. \
                 The countries with the most actions, the rest summed; actors are counted per country.",
            ),
            Part::Method("Countries"),
            Part::Table(TableView::Summary {
                table: &countries::BY_COUNTRY,
                reads: &[
                    "campaign",
                    "country",
                    "sign_petition",
                    "attend_event",
                    "donate",
                    "other",
                    "actors",
                    "sessions",
                ],
                build: country_totals,
            }),
        ],
        charts: Section::Countries,
        no_chart: NoChart::PerCampaign { reason_of: None, otherwise: "no campaign action names a country" },
    },
    SectionSpec {
        heading: "Key accounts",
        anchor: "key-accounts",
        parts: &[
            Part::Para(
                "The accounts the pipeline names as key to each campaign (organisations, experts, media, officials) \
                 and whether they took part: a campaign post of theirs in the window, or a reply to, quote or repost \
                 of one. Potential reach is the largest follower count on those posts (0 for an account that did not \
                 take part); followers is the largest count seen in the window.",
            ),
            Part::Method("Key accounts"),
            Part::Table(TableView::Columns {
                table: &key_accounts::KEY_ACCOUNTS,
                cols: &[
                    ("campaign", "Campaign", Fmt::Str),
                    ("platform", "Platform", Fmt::Str),
                    ("account", "Account", Fmt::Str),
                    ("label", "Label", Fmt::Str),
                    ("took_part", "Took part", Fmt::Bool),
                    ("first_at", "First", Fmt::Str),
                    ("posts", "Posts", Fmt::Int),
                    ("reposts", "Reposts", Fmt::Int),
                    ("replies", "Replies", Fmt::Int),
                    ("followers", "Followers", Fmt::Int),
                    ("potential_reach", "Potential reach", Fmt::Int),
                ],
            }),
        ],
        charts: Section::Voices,
        no_chart: NoChart::Never,
    },
    SectionSpec {
        heading: "Top voices",
        anchor: "top-voices",
        parts: &[
            Part::Para(
                "The authors of collected posts that took part in each campaign, ranked by followers (then posts), \
                 the first ten per platform. Supporters are people, not audiences: an account is named only when it \
                 is a key account, an own account or a target of the campaign, or has at least the pipeline's \
                 min_followers_to_name followers (5,000 unless the pipeline says otherwise). Every other account \
                 shows as \"not named\", with its followers rounded down to one significant figure; no account id \
                 is ever shown.",
            ),
            Part::Method("Top voices"),
            Part::Table(TableView::Summary {
                table: &top_voices::TOP_VOICES,
                reads: top_voices::TOP_VOICES.columns,
                build: top_voice_rows,
            }),
        ],
        charts: Section::Voices,
        no_chart: NoChart::Never,
    },
];

/// The columns of `records` the Personal bests section reads: all of them.
const RECORD_READS: &[&str] = records::RECORDS.columns;

/// A record in words, and how its values are written (format, unit after the number).
fn record_words(record: &str, platform: &str) -> (String, Fmt, &'static str) {
    match record {
        records::BIGGEST_OWN_POST => {
            let mut p = platform.chars();
            let platform: String = p.next().map(|c| c.to_uppercase().chain(p).collect()).unwrap_or_default();
            (format!("the biggest own {platform} post in the lake"), Fmt::Int, " engagements")
        }
        "most_signups_first_week" => ("the most sign-ups in a first week".into(), Fmt::Int, " sign-ups"),
        "most_unique_actors" => ("the most supporters who acted".into(), Fmt::Int, " supporters"),
        "most_moved_up" => ("the most supporters moved up the ladder".into(), Fmt::Int, " supporters"),
        "largest_social_uplift" => ("the largest social referral uplift".into(), Fmt::Rel, ""),
        "fastest_target_response" => ("the fastest response from a target".into(), Fmt::Hours, ""),
        other => (other.replace('_', " "), Fmt::F2, ""),
    }
}

/// One row of `records`, read for the report.
struct RecordRow {
    record: String,
    platform: String,
    value: Option<f64>,
    holder: Option<String>,
    holder_post_id: Option<String>,
    previous_best: Option<f64>,
    previous_holder: Option<String>,
    previous_post_id: Option<String>,
    set_in_this_run: bool,
    reason: Option<String>,
}

fn record_rows(df: &DataFrame) -> Result<Vec<RecordRow>> {
    let text = |c: &str| -> Result<Vec<Option<String>>> {
        Ok(df.column(c)?.str()?.iter().map(|v| v.map(String::from)).collect())
    };
    let num = |c: &str| -> Result<Vec<Option<f64>>> { Ok(df.column(c)?.f64()?.iter().collect()) };
    let (record, platform, value) = (text("record")?, text("platform")?, num("value")?);
    let (holder_id, holder_name, post) = (text("holder_campaign")?, text("holder_name")?, text("holder_post_id")?);
    let (prev, prev_id, prev_name) = (num("previous_best")?, text("previous_holder")?, text("previous_holder_name")?);
    let (prev_post, reason) = (text("previous_holder_post_id")?, text("reason")?);
    let set: Vec<bool> = df.column("set_in_this_run")?.bool()?.iter().map(|v| v == Some(true)).collect();
    Ok((0..df.height())
        .map(|i| RecordRow {
            record: record[i].clone().unwrap_or_default(),
            platform: platform[i].clone().unwrap_or_default(),
            value: value[i],
            // A campaign by its name (its id when the table has no name for it).
            holder: holder_name[i].clone().or_else(|| holder_id[i].clone()),
            holder_post_id: post[i].clone(),
            previous_best: prev[i],
            previous_holder: prev_name[i].clone().or_else(|| prev_id[i].clone()),
            previous_post_id: prev_post[i].clone(),
            set_in_this_run: set[i],
            reason: reason[i].clone(),
        })
        .collect())
}

/// A sentence per record a campaign of this run set, and per post record a post outside
/// every campaign still holds.
fn record_lines(df: &DataFrame) -> Result<Vec<String>> {
    let mut lines = Vec::new();
    for r in record_rows(df)? {
        let Some(value) = r.value else { continue };
        let (what, f, unit) = record_words(&r.record, &r.platform);
        let post = r.holder_post_id.as_deref().map(|p| format!("post {p}"));
        if r.set_in_this_run {
            let before = match (r.previous_best, &r.previous_holder, &post) {
                (Some(p), Some(h), _) => format!("previous best {}{unit}, {h}", fmt_f64(p, f)),
                (Some(p), None, _) => format!("previous best {}{unit}, a post outside the campaigns", fmt_f64(p, f)),
                (None, _, Some(_)) => "no earlier own post to beat".into(),
                (None, _, None) => "no earlier campaign to beat".into(),
            };
            let before = match &post {
                Some(p) => format!("{p}; {before}"),
                None => before,
            };
            let holder = r.holder.as_deref().unwrap_or("—");
            lines.push(format!("{holder} set the record for {what}: {}{unit} ({before}).", fmt_f64(value, f)));
        } else if let Some(p) = &post {
            lines.push(format!(
                "No campaign of this pipeline beat {what}: {p}, {}{unit}, outside every campaign.",
                fmt_f64(value, f)
            ));
        }
    }
    if lines.is_empty() {
        lines.push("No campaign of this pipeline holds a record.".into());
    }
    Ok(lines)
}

/// The records as a table: each value in its record's format; a record nobody holds says why.
fn records_table(df: &DataFrame, _table: &str) -> Result<Table> {
    let rows = record_rows(df)?
        .into_iter()
        .map(|r| {
            let (what, f, _) = record_words(&r.record, &r.platform);
            let num = |v: Option<f64>| v.map_or("—".to_string(), |v| fmt_f64(v, f));
            let holder = match (&r.value, &r.holder, &r.reason) {
                (Some(_), Some(h), _) => h.clone(),
                (Some(_), None, _) => "no campaign".into(),
                (None, _, Some(why)) => format!("— ({why})"),
                (None, _, None) => "—".into(),
            };
            let previous = match (&r.previous_best, &r.previous_holder, &r.previous_post_id) {
                (None, _, _) => "—".to_string(),
                (Some(_), Some(h), Some(p)) => format!("{h} (post {p})"),
                (Some(_), Some(h), None) => h.clone(),
                (Some(_), None, Some(p)) => format!("no campaign (post {p})"),
                (Some(_), None, None) => "no campaign".into(),
            };
            // The platform has a column of its own.
            let what = if r.record == records::BIGGEST_OWN_POST { "biggest own post".into() } else { what };
            vec![
                what.trim_start_matches("the ").to_string(),
                r.platform.clone(),
                num(r.value),
                holder,
                r.holder_post_id.clone().unwrap_or_else(|| "—".into()),
                num(r.previous_best),
                previous,
                if r.set_in_this_run { "yes" } else { "no" }.into(),
            ]
        })
        .collect();
    Ok(Table {
        headers: ["Record", "Platform", "Value", "Holder", "Post", "Previous best", "Previous holder", "Set in this run"]
            .map(String::from)
            .to_vec(),
        right: vec![false, false, true, false, false, true, false, false],
        rows,
    })
}

/// The section of [`SECTIONS`] with this anchor (`rallylens compare` shows a few).
pub(super) fn section_by_anchor(anchor: &str, m: &Metrics, charts: &[Chart], camps: &[&Value]) -> Result<Vec<Block>> {
    let spec = SECTIONS.iter().find(|s| s.anchor == anchor).ok_or_else(|| anyhow!("no report section '{anchor}'"))?;
    section(spec, m, charts, camps)
}

/// One section: heading, its parts, then its charts and the lines for missing ones.
fn section(spec: &SectionSpec, m: &Metrics, charts: &[Chart], camps: &[&Value]) -> Result<Vec<Block>> {
    let mut doc = vec![Block::Heading(2, spec.heading.into(), spec.anchor.into())];
    for part in spec.parts {
        doc.push(match part {
            Part::Para(text) => Block::Para(text.to_string()),
            Part::Method(docs_section) => method_line(docs_section),
            Part::Table(TableView::Columns { table, cols }) => {
                Block::Table(frame_table(m.table(table.name), table.name, cols)?)
            }
            Part::Table(TableView::Summary { table, reads, build }) => {
                Block::Table(build(&read_columns(m, table, reads)?, table.name)?)
            }
            Part::Lines { table, reads, build } => {
                doc.extend(build(&read_columns(m, table, reads)?)?.into_iter().map(Block::Para));
                continue;
            }
        });
    }
    doc.extend(chart_blocks(spec, charts, camps));
    Ok(doc)
}

/// The columns `reads` of a metric table; a column it lacks is an error naming both.
fn read_columns(m: &Metrics, table: &MetricTable, reads: &[&str]) -> Result<DataFrame> {
    let df = m.table(table.name);
    if let Some(c) = reads.iter().find(|c| df.column(c).is_err()) {
        return Err(missing(table.name, c));
    }
    Ok(df.select(reads.iter().copied())?)
}

/// A section's charts, and for each campaign without one, a line saying why (charts with
/// no data are not drawn).
fn chart_blocks(spec: &SectionSpec, charts: &[Chart], camps: &[&Value]) -> Vec<Block> {
    let sec = spec.charts;
    let mut doc: Vec<Block> =
        charts.iter().enumerate().filter(|(_, c)| c.section == sec).map(|(i, _)| Block::Chart(i)).collect();
    match spec.no_chart {
        NoChart::PerCampaign { reason_of, otherwise } => {
            for c in camps {
                let id = s(c, "id");
                if charts.iter().any(|ch| ch.section == sec && ch.campaign.as_deref() == Some(id)) {
                    continue;
                }
                let figure_reason = |key: &str| {
                    c.get("figures").and_then(|f| f.get(key)).and_then(|f| f.get("reason")).and_then(Value::as_str)
                };
                let why = reason_of.and_then(figure_reason).unwrap_or(otherwise);
                doc.push(Block::Para(format!("No chart for {}: {why}.", s(c, "name"))));
            }
        }
        NoChart::Overall(line) => {
            if !charts.iter().any(|ch| ch.section == sec) {
                doc.push(Block::Para(line.into()));
            }
        }
        NoChart::Never => {}
    }
    doc
}

/// The Method and provenance section: every input, the method behind each figure, and
/// what the figures left out.
fn method_and_provenance(m: &Metrics, prov: &Provenance, camps: &[&Value]) -> Vec<Block> {
    let mut doc = vec![
        Block::Heading(2, "Method and provenance".into(), "method".into()),
        Block::Heading(3, "Inputs".into(), "inputs".into()),
    ];
    doc.push(Block::Para(format!(
        "Every file in the lake, in the order it was ingested ({} files). Records are lines, rows or objects \
         read; rejected ones are kept in the lake's _rejects/ folder with their line numbers.",
        prov.files.len()
    )));
    doc.push(Block::Table(inputs_table(&prov.files)));
    doc.extend(methods(m, camps));
    // Inputs a figure left out (range traffic rows, a site no row has): metrics.json's warnings.
    let warnings: Vec<String> = camps
        .iter()
        .flat_map(|c| {
            let name = s(c, "name");
            c.get("warnings")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(move |w| format!("{name}: {w}."))
        })
        .collect();
    if !warnings.is_empty() {
        doc.push(Block::Para("Left out of the figures:".into()));
        doc.push(Block::Notes(warnings));
    }
    doc.push(Block::Para(
        "Definitions: docs/metrics.md in the rallylens repository (every table, column, formula and null rule; \
         each section above names its part). The metric tables behind this report are in metrics/*.parquet \
         beside it."
            .into(),
    ));
    doc
}

/// "Method behind each figure": the bootstrap settings and, per figure and campaign, its
/// method or the reason it is null.
pub(super) fn methods(m: &Metrics, camps: &[&Value]) -> Vec<Block> {
    let mut doc = vec![Block::Heading(3, "Method behind each figure".into(), "methods".into())];
    if let Some(b) = m.json.get("bootstrap") {
        doc.push(Block::Para(format!(
            "Intervals: {} bootstrap intervals, {} resamples, seed {}.",
            s(b, "interval"),
            b.get("resamples").and_then(Value::as_i64).unwrap_or(0),
            b.get("seed").and_then(Value::as_i64).unwrap_or(0)
        )));
    }
    doc.push(Block::Table(methods_table(camps)));
    doc
}

/// The line under a section's heading naming the part of docs/metrics.md that defines its
/// figures (a plain pointer: the report is often opened from disk, where a relative link
/// would lead nowhere).
pub(super) fn method_line(docs_section: &str) -> Block {
    Block::Para(format!("Method: docs/metrics.md § {docs_section}."))
}

fn hashtag_totals(df: &DataFrame, table: &str) -> Result<Table> {
    let agg = df
        .clone()
        .lazy()
        .group_by([col("campaign"), col("hashtag")])
        .agg([
            col("posts").sum(),
            col("reposts").sum(),
            col("new_authors").sum().alias("authors"),
            col("day").min().alias("first_day"),
            col("day").max().alias("last_day"),
        ])
        .sort(["campaign", "hashtag"], Default::default())
        .collect()?;
    frame_table(
        &agg,
        table,
        &[
            ("campaign", "Campaign", Fmt::Str),
            ("hashtag", "Hashtag", Fmt::Str),
            ("posts", "Posts", Fmt::Int),
            ("reposts", "Reposts", Fmt::Int),
            ("authors", "Authors", Fmt::Int),
            ("first_day", "First day", Fmt::Str),
            ("last_day", "Last day", Fmt::Str),
        ],
    )
}

/// Per own account: the trend, the gain and the count against the trend at the window's last
/// day with a count (the figures `campaign_kpis` sums; `metrics::growth::account_figures`).
/// Each campaign's window is its `in_window` rows.
fn growth_summary(df: &DataFrame, table: &str) -> Result<Table> {
    let window = df
        .clone()
        .lazy()
        .filter(col("in_window"))
        .group_by([col("campaign")])
        .agg([col("day").min().alias("start"), col("day").max().alias("end")])
        .sort(["campaign"], Default::default())
        .select([col("campaign"), col("start").cast(DataType::Int32), col("end").cast(DataType::Int32)])
        .collect()?;
    let (camps, starts, ends) =
        (window.column("campaign")?.str()?, window.column("start")?.i32()?, window.column("end")?.i32()?);
    let signed = |v: f64| if v.abs() < 10.0 { format!("{v:+.1}") } else { fmt_f64(v, Fmt::Signed) };
    let mut rows = Vec::new();
    for i in 0..window.height() {
        let (Some(c), Some(start), Some(end)) = (camps.get(i), starts.get(i), ends.get(i)) else { continue };
        for a in growth::account_figures(df, c, start, end).map_err(|e| anyhow!("{table}: {e}"))? {
            let above = a.above(start);
            let (n, trend) = match &a.fit {
                Ok(f) => (f.n.to_string(), signed(f.slope)),
                // "2 days with a follower count (3 needed)": the count, no trend.
                Err(e) => (e.split(' ').next().unwrap_or("0").to_string(), "—".to_string()),
            };
            rows.push(vec![
                c.to_string(),
                a.platform.clone(),
                a.account.clone(),
                n,
                trend,
                a.gained().map_or("—".into(), |g| fmt_f64(g as f64, Fmt::Signed)),
                a.last_in_window.map_or("—".into(), |(_, f)| thousands_i64(f)),
                above.map_or("—".into(), |(_, y, _)| fmt_f64(y, Fmt::Int)),
                above.map_or("—".into(), |(d, _, _)| fmt_f64(d, Fmt::Signed)),
                above.map_or("—".into(), |(d, _, h)| {
                    format!("{} … {}", fmt_f64(d - h, Fmt::Signed), fmt_f64(d + h, Fmt::Signed))
                }),
            ]);
        }
    }
    Ok(Table {
        headers: [
            "Campaign",
            "Platform",
            "Account",
            "History counts",
            "Trend a day",
            "Gained",
            "Last count",
            "Trend there",
            "Above trend",
            "95% interval",
        ]
        .map(String::from)
        .to_vec(),
        right: vec![false, false, false, true, true, true, true, true, true, true],
        rows,
    })
}

/// The milestones as listed: a whole day shows its date, a time its UTC time.
fn milestone_list(df: &DataFrame, table: &str) -> Result<Table> {
    let when = df
        .clone()
        .lazy()
        .with_column(
            when(col("at").is_null())
                .then(col("day").cast(DataType::String))
                .otherwise(col("at").dt().strftime("%Y-%m-%d %H:%M UTC"))
                .alias("when"),
        )
        .collect()?;
    frame_table(
        &when,
        table,
        &[("campaign", "Campaign", Fmt::Str), ("when", "When", Fmt::Str), ("label", "Milestone", Fmt::Str), ("kind", "Kind", Fmt::Str)],
    )
}

fn signup_totals(df: &DataFrame, table: &str) -> Result<Table> {
    let agg = df
        .clone()
        .lazy()
        .group_by([col("campaign")])
        .agg([
            col("signups").sum().alias("total"),
            col("signups").filter(col("day_since_launch").lt(lit(7i64))).sum().alias("first_week"),
            col("signups").max().alias("best_day_count"),
            col("day")
                .sort_by([col("signups")], SortMultipleOptions::default().with_order_descending(true))
                .first()
                .alias("best_day"),
        ])
        .sort(["campaign"], Default::default())
        .collect()?;
    frame_table(
        &agg,
        table,
        &[
            ("campaign", "Campaign", Fmt::Str),
            ("total", "Sign-ups", Fmt::Int),
            ("first_week", "First week", Fmt::Int),
            ("best_day", "Best day", Fmt::Str),
            ("best_day_count", "Sign-ups that day", Fmt::Int),
        ],
    )
}

/// Per campaign: the top countries by actions, then the others summed, then the actions
/// without a country (the same countries as the chart).
fn country_totals(df: &DataFrame, _table: &str) -> Result<Table> {
    use crate::render::charts::countries::{label, top, CountryRow};
    let mut ids: Vec<String> = df.column("campaign")?.str()?.iter().flatten().map(str::to_string).collect();
    ids.dedup();
    let mut rows = Vec::new();
    let line = |campaign: &str, name: String, r: &CountryRow| -> Vec<String> {
        let mut v = vec![campaign.to_string(), name];
        v.extend(r.verbs.iter().map(|n| thousands_i64(*n)));
        v.push(thousands_i64(r.actors));
        v.push(r.sessions.map_or("—".into(), thousands_i64));
        v
    };
    for id in &ids {
        let t = top(df, id)?;
        for r in &t.top {
            rows.push(line(id, label(&r.code), r));
        }
        if let Some((n, r)) = &t.rest {
            rows.push(line(id, format!("{n} other countries"), r));
        }
        if let Some(r) = &t.unknown {
            rows.push(line(id, "unknown".into(), r));
        }
    }
    let headers = ["Campaign", "Country", "Petition signatures", "Event attendance", "Donations", "Other actions"];
    let mut headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    headers.extend(["Actors".to_string(), "Sessions".to_string()]);
    // No analytics export of these campaigns gives the visitors' country (UA source/medium
    // reports do not): a column of dashes says nothing the paragraph above does not.
    if df.column("sessions")?.null_count() == df.height() {
        headers.pop();
        rows.iter_mut().for_each(|r| {
            r.pop();
        });
    }
    let right = (0..headers.len()).map(|i| i >= 2).collect();
    Ok(Table { headers, right, rows })
}

/// Ranks shown per (campaign, platform) in the report's Top voices table.
const TOP_VOICES_SHOWN: i64 = 10;

fn top_voice_rows(df: &DataFrame, table: &str) -> Result<Table> {
    let shown = df
        .clone()
        .lazy()
        .filter(col("rank").lt_eq(lit(TOP_VOICES_SHOWN)))
        .with_column(
            when(col("named").fill_null(lit(false)))
                .then(col("account_handle"))
                .otherwise(lit("not named"))
                .alias("account_handle"),
        )
        .sort(["campaign", "platform", "rank"], Default::default())
        .collect()?;
    frame_table(
        &shown,
        table,
        &[
            ("campaign", "Campaign", Fmt::Str),
            ("platform", "Platform", Fmt::Str),
            ("rank", "Rank", Fmt::Int),
            ("account_handle", "Account", Fmt::Str),
            ("named_because", "Named as", Fmt::Str),
            ("is_key", "Key account", Fmt::Bool),
            ("followers", "Followers", Fmt::Int),
            ("posts", "Posts", Fmt::Int),
            ("reposts_received", "Reposts received", Fmt::Int),
            ("engagements_received", "Engagements received", Fmt::Int),
        ],
    )
}

fn comparison_totals(df: &DataFrame, table: &str) -> Result<Table> {
    let last = df
        .clone()
        .lazy()
        .filter(col("in_window"))
        .sort(["campaign", "day_since_launch"], Default::default())
        .with_column((col("day_since_launch") + lit(1i64)).alias("days_in"))
        .group_by([col("campaign")])
        .agg([col("*").last()])
        .sort(["campaign"], Default::default())
        .collect()?;
    frame_table(
        &last,
        table,
        &[
            ("campaign", "Campaign", Fmt::Str),
            ("days_in", "Days", Fmt::Int),
            ("followers_at_launch", "Followers at launch", Fmt::Int),
            ("engagements_cum", "Engagements", Fmt::Int),
            ("engagements_cum_per_1k", "per 1k followers", Fmt::F1),
            ("unique_actors_cum", "Actors (daily, summed)", Fmt::Int),
            ("signups_cum", "Sign-ups", Fmt::Int),
            ("signups_cum_per_1k", "per 1k followers", Fmt::F1),
            ("social_sessions_cum", "Social sessions", Fmt::Int),
        ],
    )
}

fn inputs_table(files: &[InputRow]) -> Table {
    let rows = files
        .iter()
        .map(|f| {
            let written: Vec<String> = f.tables.iter().map(|(t, n)| format!("{} {t}", thousands(*n))).collect();
            vec![
                f.path.clone(),
                f.format.clone(),
                thousands(f.rows_read),
                thousands(f.rejected),
                if written.is_empty() { "—".into() } else { written.join(", ") },
                f.campaign.clone().unwrap_or_else(|| "—".into()),
                f.sha256.chars().take(12).collect(),
                f.ingested_at.clone(),
            ]
        })
        .collect();
    Table {
        headers: ["File", "Format", "Records", "Rejected", "Rows written", "Campaign", "SHA-256", "Ingested"]
            .map(String::from)
            .to_vec(),
        right: vec![false, false, true, true, false, false, false, false],
        rows,
    }
}

fn methods_table(camps: &[&Value]) -> Table {
    let mut rows = Vec::new();
    for (key, label, _) in KPIS {
        for c in camps {
            let Some(fig) = c.get("figures").and_then(|x| x.get(*key)) else { continue };
            let (kind, text) =
                match (fig.get("method").and_then(Value::as_str), fig.get("reason").and_then(Value::as_str)) {
                    (Some(m), _) => ("method", m),
                    (None, Some(r)) => ("null because", r),
                    (None, None) => continue,
                };
            rows.push(vec![
                label.trim_start_matches("… ").to_string(),
                s(c, "name").to_string(),
                format!("{kind}: {text}"),
            ]);
        }
    }
    Table { headers: ["Figure", "Campaign", "Method"].map(String::from).to_vec(), right: vec![false; 3], rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every column a section names — shown as is or read by a summary — is a column of
    /// its metric table's registry entry, and every headline figure is a `campaign_kpis`
    /// column: a renamed column fails here, not in a report.
    #[test]
    fn report_names_only_registered_columns() {
        let mut named = 0;
        for spec in SECTIONS {
            for part in spec.parts {
                let (table, cols): (&MetricTable, Vec<&str>) = match part {
                    Part::Table(TableView::Columns { table, cols }) => (table, cols.iter().map(|c| c.0).collect()),
                    Part::Table(TableView::Summary { table, reads, .. }) => (table, reads.to_vec()),
                    Part::Lines { table, reads, .. } => (table, reads.to_vec()),
                    _ => continue,
                };
                assert!(crate::metrics::registry::by_name(table.name).is_some(), "{} is not registered", table.name);
                for c in cols {
                    assert!(table.columns.contains(&c), "{}: the report names '{c}', not a column of it", table.name);
                    named += 1;
                }
            }
        }
        // 9 + 11 + 11 + 11 + 9 + 9 + 10 + 8 + 11 shown columns (reach, engagement, benchmarks,
        // uplift, ladder, target, languages, media pick-up, key accounts), 9 + 6 + 5 + 4 + 10 + 8
        // + 11 read by the summaries (growth, hashtags, milestones, sign-ups, comparison,
        // countries, top voices), 14 + 14 read by the personal bests' lines and table.
        assert_eq!(named, 170);
        for (key, _, _) in KPIS {
            assert!(crate::metrics::kpis::CAMPAIGN_KPIS.columns.contains(key), "headline figure {key}");
        }
    }

    /// The Sessions column is shown when any country has sessions, and left out when no
    /// analytics export gave a country (the demo's UA reports).
    #[test]
    fn country_sessions_column_only_with_sessions() {
        let frame = |sessions: [Option<i64>; 2]| {
            df!(
                "campaign" => ["c", "c"],
                "country" => [Some("KE"), None],
                "sign_petition" => [3i64, 0],
                "attend_event" => [1i64, 0],
                "donate" => [0i64, 0],
                "other" => [0i64, 5],
                "actors" => [4i64, 2],
                "sessions" => sessions,
            )
            .unwrap()
        };
        // KE: 3 + 1 actions by 4 actors, 12 sessions; unknown: 5 other actions by 2 actors.
        let t = country_totals(&frame([Some(12), None]), "by_country").unwrap();
        assert_eq!(t.headers.last().map(String::as_str), Some("Sessions"));
        assert_eq!(t.rows[0][1..], ["KE Kenya", "3", "1", "0", "0", "4", "12"]);
        assert_eq!(t.rows[1][1..], ["unknown", "0", "0", "0", "5", "2", "—"]);
        let t = country_totals(&frame([None, None]), "by_country").unwrap();
        assert_eq!(t.headers.len(), 7);
        assert_eq!(t.headers.last().map(String::as_str), Some("Actors"));
        assert!(t.rows.iter().all(|r| r.len() == 7) && t.right.len() == 7);
    }

    fn metrics(name: &str, df: DataFrame) -> Metrics {
        Metrics {
            dir: "out".into(),
            tables: [(name.to_string(), df)].into_iter().collect(),
            json: serde_json::json!({ "campaigns": [] }),
        }
    }

    /// A column the report shows that the file lacks is an error naming the table and the
    /// column; a null value still shows as "—".
    #[test]
    fn a_missing_column_fails_and_a_null_shows_a_dash() {
        let reach = &SECTIONS[0];
        let full = df!(
            "campaign" => ["k"], "platform" => ["facebook"], "posts" => [Some(1_234i64)],
            "impressions" => [None::<i64>], "post_reach_sum" => [5i64], "engagements" => [6i64],
            "unique_actors" => [7i64], "unique_reach_low" => [8i64], "unique_reach_high" => [9i64]
        )
        .unwrap();
        let blocks = section(reach, &metrics("reach_window", full.clone()), &[], &[]).unwrap();
        let Some(Block::Table(t)) = blocks.iter().find(|b| matches!(b, Block::Table(_))) else { panic!("{blocks:?}") };
        assert_eq!(t.rows, [["k", "facebook", "1,234", "—", "5", "6", "7", "8", "9"]]);

        let without = full.drop("unique_reach_high").unwrap();
        let e = section(reach, &metrics("reach_window", without.clone()), &[], &[]).unwrap_err();
        assert_eq!(e.to_string(), "metric table reach_window: no column 'unique_reach_high'");
        // Also with no rows at all.
        let e = section(reach, &metrics("reach_window", without.head(Some(0))), &[], &[]).unwrap_err();
        assert_eq!(e.to_string(), "metric table reach_window: no column 'unique_reach_high'");
    }

    /// Personal bests: a sentence for the record a campaign set (its previous best and
    /// holder), one for a post record held outside every campaign, none for a record
    /// nobody holds; the table shows why it is empty.
    #[test]
    fn personal_bests_say_who_set_a_record() {
        let df = df!(
            "record" => ["biggest_own_post", "biggest_own_post", "most_moved_up", "fastest_target_response"],
            "platform" => ["facebook", "twitter", "all", "all"],
            "value" => [Some(1234.0), Some(40.0), None, Some(3.25)],
            "holder_campaign" => [Some("shell"), None, None, Some("kenya")],
            "holder_post_id" => [Some("9_1"), Some("t2"), None, None],
            "previous_best" => [Some(567.0), Some(15.0), None, None],
            "previous_holder" => [Some("kenya"), Some("kenya"), None, None],
            "set_in_this_run" => [true, false, false, true],
            "holder_name" => [Some("Shell #makethefuture"), None, None, Some("Reach Out for Kenya")],
            "previous_holder_post_id" => [Some("9_0"), Some("t1"), None, None],
            "previous_holder_name" => [Some("Reach Out for Kenya"), Some("Reach Out for Kenya"), None, None],
            "reason" => [None, None, Some("no campaign moved a supporter up the ladder"), None]
        )
        .unwrap();
        assert_eq!(
            record_lines(&df).unwrap(),
            [
                "Shell #makethefuture set the record for the biggest own Facebook post in the lake: 1,234 engagements \
                 (post 9_1; previous best 567 engagements, Reach Out for Kenya).",
                "No campaign of this pipeline beat the biggest own Twitter post in the lake: post t2, 40 engagements, \
                 outside every campaign.",
                "Reach Out for Kenya set the record for the fastest response from a target: 3.2 h (no earlier campaign \
                 to beat).",
            ]
        );
        let t = records_table(&df, "records").unwrap();
        assert_eq!(t.rows[1][3..7], ["no campaign", "t2", "15", "Reach Out for Kenya (post t1)"]);
        assert_eq!(t.rows[2][2..4], ["—", "— (no campaign moved a supporter up the ladder)"]);
        assert_eq!(t.rows[3][0], "fastest response from a target");
        // Only the record nobody holds: no sentence but that one.
        assert_eq!(record_lines(&df.slice(2, 1)).unwrap(), ["No campaign of this pipeline holds a record."]);
    }

    /// The growth summary refits each account from its history rows (day < the first
    /// in-window day): y = 150 + 10x + e on 03-05..09 (x = −5 … −1, e = +1, −1, 0, −1, +1;
    /// metrics::growth's fixture), window 03-10..12 with 190 on 03-12 (x = 2): trend 170,
    /// 20 above, 95% half-width 7.07 (t(0.975, 3) · √(4/3) · √3.7), gained 190 − 141 = 49.
    #[test]
    fn growth_summary_per_account() {
        let growth = SECTIONS.iter().find(|s| s.anchor == "growth").unwrap();
        let days: Vec<chrono::NaiveDate> =
            (5..=12).map(|d| chrono::NaiveDate::from_ymd_opt(2024, 3, d).unwrap()).collect();
        let followers = [Some(101i64), Some(109), Some(120), Some(129), Some(141), Some(152), None, Some(190)];
        let none = vec![None::<f64>; 8];
        let df = df!(
            "campaign" => vec!["c"; 8], "platform" => vec!["twitter"; 8], "account" => vec!["1"; 8],
            "day" => days, "followers" => followers, "projected" => none.clone(), "low" => none.clone(),
            "high" => none, "in_window" => [false, false, false, false, false, true, true, true]
        )
        .unwrap();
        let blocks = section(growth, &metrics("growth", df), &[], &[]).unwrap();
        let Some(Block::Table(t)) = blocks.iter().find(|b| matches!(b, Block::Table(_))) else { panic!("{blocks:?}") };
        assert_eq!(t.rows, [["c", "twitter", "1", "5", "+10", "+49", "190", "170", "+20", "+13 … +27"]]);
    }

    /// The interval rows ("… ") under a null figure point to its note, not new ones.
    #[test]
    fn continuation_rows_share_the_note_of_the_row_above() {
        let why = json_reason("no own account has a dated follower count");
        let camp = serde_json::json!({ "name": "K", "figures": {
            "followers_at_launch": { "value": null },
            "followers_gained": why, "followers_above_projection": why,
            "followers_above_projection_low": why, "followers_above_projection_high": why,
        }});
        let blocks = headline(&[&camp]);
        let Some(Block::Table(t)) = blocks.iter().find(|b| matches!(b, Block::Table(_))) else { panic!() };
        let cell = |label: &str| t.rows.iter().find(|r| r[0] == label).unwrap()[1].clone();
        // The figure before them is null with no reason ("not computed"), with its note: the
        // growth rows' numbers are relative. Gained and above are two figures, two notes;
        // the interval's ends reuse the second. A figure the campaign lacks has no row.
        assert!(!t.rows.iter().any(|r| r[0] == "Sign-ups"), "{:?}", t.rows);
        let n_of = |label: &str| -> usize { cell(label).trim_start_matches("— [").trim_end_matches(']').parse().unwrap() };
        let g = n_of("Followers gained in the window");
        assert_eq!(n_of("Followers above the earlier trend"), g + 1);
        assert_eq!(n_of("… 95% interval, low"), g + 1);
        assert_eq!(n_of("… 95% interval, high"), g + 1);
        let Some(Block::Notes(n)) = blocks.last() else { panic!() };
        assert_eq!(n[g], "K, Followers above the earlier trend: no own account has a dated follower count.");
        assert!(!n.iter().any(|x| x.contains("95% interval")), "{n:?}");
        // Rows that are not continuations keep their own notes ("not computed" for each).
        assert_eq!(n.iter().filter(|x| x.ends_with(": not computed.")).count(), n.len() - 2);
        assert_eq!(n.len(), 3, "{n:?}");
    }

    fn json_reason(r: &str) -> serde_json::Value {
        serde_json::json!({ "value": null, "reason": r })
    }

    /// Key accounts show as "n of N" in the headline; the top voices table shows the first
    /// ten ranks, an unnamed author as "not named".
    #[test]
    fn key_accounts_of_total_and_unnamed_voices() {
        let camp = serde_json::json!({ "name": "Shell", "figures": {
            "key_accounts_participating": { "value": 5, "method": "m" },
            "key_accounts_total": { "value": 9, "method": "m" } } });
        let blocks = headline(&[&camp]);
        let Some(Block::Table(t)) = blocks.iter().find(|b| matches!(b, Block::Table(_))) else { panic!("{blocks:?}") };
        let row = t.rows.iter().find(|r| r[0] == "Key accounts that took part").unwrap();
        assert_eq!(row[1], "5 of 9");

        let voices = SECTIONS.iter().find(|s| s.anchor == "top-voices").unwrap();
        // Ranks 1..12: rank 2 unnamed, ranks 11 and 12 beyond the report's ten.
        let n = 12;
        let df = df!(
            "campaign" => vec!["s"; n], "platform" => vec!["twitter"; n], "rank" => (1..=n as i64).collect::<Vec<_>>(),
            "account_handle" => (1..=n).map(|i| (i != 2).then(|| format!("a{i}"))).collect::<Vec<_>>(),
            "named" => (1..=n).map(|i| i != 2).collect::<Vec<_>>(),
            "named_because" => (1..=n).map(|i| (i != 2).then_some("followers")).collect::<Vec<_>>(),
            "is_key" => vec![false; n], "followers" => vec![Some(9_000i64); n], "posts" => vec![1i64; n],
            "reposts_received" => vec![None::<i64>; n], "engagements_received" => vec![0i64; n]
        )
        .unwrap();
        let blocks = section(voices, &metrics("top_voices", df), &[], &[]).unwrap();
        let Some(Block::Table(t)) = blocks.iter().find(|b| matches!(b, Block::Table(_))) else { panic!("{blocks:?}") };
        assert_eq!(t.rows.len(), 10);
        assert_eq!(t.rows[1][3], "not named");
        assert_eq!(t.rows[0][3..7], ["a1", "followers", "no", "9,000"]);
    }

    /// A summary's input column is checked the same way.
    #[test]
    fn a_summary_missing_an_input_column_fails() {
        let signups = SECTIONS.iter().find(|s| s.anchor == "signups").unwrap();
        let df = df!("campaign" => ["k"], "day" => [1i32], "signups" => [3i64]).unwrap();
        let e = section(signups, &metrics("signups", df), &[], &[]).unwrap_err();
        assert_eq!(e.to_string(), "metric table signups: no column 'day_since_launch'");
    }
}
