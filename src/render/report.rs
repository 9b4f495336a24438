//! The report: one document model ([`Block`]s) written twice, as a self-contained
//! `report.html` (inline CSS and SVG charts, no script from elsewhere, no network) and as
//! `report.md` (PNG charts beside it in `charts/`).
//!
//! Everything in the report comes from the metric tables, `metrics.json` and the lake's
//! manifest, formatted with fixed rules (thousands separators, one decimal for
//! percentages, `—` with a numbered note for a figure that is null and why), so the same
//! inputs give the same bytes apart from the one "Generated" line.

use std::fmt::Write as _;

use polars::prelude::*;
use serde_json::Value;

use super::{xml_escape, Chart, Metrics, Section};
use crate::support::{thousands, thousands_i64};

/// Where the report's inputs came from: shown in its Method and provenance section.
pub struct Provenance {
    /// The pipeline file, as given.
    pub pipeline: String,
    /// The lake folder, as given.
    pub lake: String,
    /// The lake's ingested files (its manifest), in ingestion order.
    pub files: Vec<crate::lake::FileEntry>,
    /// Inputs of this run that could not be ingested: (path, why).
    pub failed: Vec<(String, String)>,
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
}

/// The figures of the headline table: key in `metrics.json`, label, how to show it.
const KPIS: &[(&str, &str, Fmt)] = &[
    ("own_posts", "Own posts in the window", Fmt::Int),
    ("own_engagements", "Engagements on own posts", Fmt::Int),
    ("unique_actors", "Supporters who acted", Fmt::Int),
    ("followers_at_launch", "Followers at launch", Fmt::Int),
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
];

/// How a value is written.
#[derive(Debug, Clone, Copy)]
enum Fmt {
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
fn fmt_json(v: &Value, f: Fmt) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(if *b { "yes" } else { "no" }.into()),
        Value::Number(n) => n.as_f64().map(|x| fmt_f64(x, f)),
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// A cell of a DataFrame as text ("—" for null).
fn cell(df: &DataFrame, column: &str, row: usize, f: Fmt) -> String {
    let Ok(c) = df.column(column) else { return "—".into() };
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

/// A table of `df`'s rows with the given (column, header, format) columns.
fn frame_table(df: &DataFrame, cols: &[(&str, &str, Fmt)]) -> Table {
    let rows = (0..df.height()).map(|i| cols.iter().map(|(c, _, f)| cell(df, c, i, *f)).collect()).collect();
    Table {
        headers: cols.iter().map(|(_, h, _)| h.to_string()).collect(),
        right: cols.iter().map(|(_, _, f)| !matches!(f, Fmt::Str)).collect(),
        rows,
    }
}

fn campaigns(m: &Metrics) -> Vec<&Value> {
    m.json.get("campaigns").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Builds the report's blocks. `generated` is the one line that changes between
/// otherwise identical runs.
pub fn document(
    m: &Metrics,
    charts: &[Chart],
    prov: &Provenance,
    title: &str,
    generated: &str,
) -> PolarsResult<Vec<Block>> {
    let mut doc = vec![Block::Heading(1, title.to_string(), "top".into())];
    let camps = campaigns(m);
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

    // Headline figures, campaigns side by side; a null figure shows — and a note says why.
    doc.push(Block::Heading(2, "Headline figures".into(), "headline".into()));
    doc.push(method_line("Headline figures"));
    let mut notes: Vec<String> = Vec::new();
    let mut headers = vec!["Figure".to_string()];
    headers.extend(camps.iter().map(|c| s(c, "name").to_string()));
    let mut rows = Vec::new();
    for (key, label, f) in KPIS {
        let mut row = vec![label.to_string()];
        for c in &camps {
            let fig = c.get("figures").and_then(|x| x.get(*key));
            let value = fig.and_then(|x| x.get("value")).unwrap_or(&Value::Null);
            match fmt_json(value, *f) {
                Some(text) => row.push(text),
                None => {
                    let reason = fig.and_then(|x| x.get("reason")).and_then(Value::as_str).unwrap_or("not computed");
                    let note = format!("{}, {}: {reason}.", s(c, "name"), label.trim_start_matches("… "));
                    let n = match notes.iter().position(|x| *x == note) {
                        Some(i) => i + 1,
                        None => {
                            notes.push(note);
                            notes.len()
                        }
                    };
                    row.push(format!("— [{n}]"));
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

    // A section's charts, and for each campaign without one, a line saying why (charts
    // with no data are not drawn).
    let section = |doc: &mut Vec<Block>, sec: Section| {
        for (i, c) in charts.iter().enumerate() {
            if c.section == sec {
                doc.push(Block::Chart(i));
            }
        }
        let per_campaign = !matches!(sec, Section::Signups | Section::Comparison);
        if per_campaign {
            for c in &camps {
                let id = s(c, "id");
                if charts.iter().any(|ch| ch.section == sec && ch.campaign.as_deref() == Some(id)) {
                    continue;
                }
                let figure_reason = |key: &str| {
                    c.get("figures").and_then(|f| f.get(key)).and_then(|f| f.get("reason")).and_then(Value::as_str)
                };
                let why = match sec {
                    Section::Reach => "no post or action in the window".to_string(),
                    Section::Engagement => {
                        figure_reason("own_engagements").unwrap_or("no own post with an engagement rate").to_string()
                    }
                    Section::Uplift => {
                        figure_reason("social_uplift_rel").unwrap_or("no daily social referral traffic").to_string()
                    }
                    Section::Ladder => "no actor on the ladder".to_string(),
                    _ => "no post used a campaign hashtag in the window".to_string(),
                };
                doc.push(Block::Para(format!("No chart for {}: {why}.", s(c, "name"))));
            }
        } else if !charts.iter().any(|ch| ch.section == sec) {
            doc.push(Block::Para(
                match sec {
                    Section::Signups => "No chart: no campaign has sign-ups.",
                    _ => "No chart: the overlay needs two campaigns with figures.",
                }
                .into(),
            ));
        }
    };

    doc.push(Block::Heading(2, "Reach".into(), "reach".into()));
    doc.push(Block::Para(
        "Posts, impressions and engagements in each campaign's window, by platform. Unique reach is a range: \
         the largest single post's reach is a floor, the sum over posts a ceiling (people see several posts). \
         Unique actors is — where the campaign has no action at all on that platform: its exports carry no \
         actors, so there is no count (not 0)."
            .into(),
    ));
    doc.push(method_line("Reach"));
    doc.push(Block::Table(frame_table(
        m.table("reach_window"),
        &[
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
    )));
    section(&mut doc, Section::Reach);

    doc.push(Block::Heading(2, "Engagement by content type".into(), "engagement".into()));
    doc.push(Block::Para(
        "Own campaign posts: engagements divided by the basis named (reach where exported, else impressions, \
         else followers), with a 95% bootstrap interval over posts. An index of 1.00 is the platform's own rate."
            .into(),
    ));
    doc.push(method_line("Engagement by content type"));
    doc.push(Block::Table(frame_table(
        m.table("engagement_by_content_type"),
        &[
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
        ],
    )));
    section(&mut doc, Section::Engagement);

    doc.push(Block::Heading(2, "Referral uplift".into(), "uplift".into()));
    doc.push(Block::Para(
        "Website sessions referred by each social channel in the window, against what the baseline predicts \
         (method per row; the interval is of the uplift in sessions, from resampled baseline residuals)."
            .into(),
    ));
    doc.push(method_line("Referral uplift"));
    doc.push(Block::Table(frame_table(
        m.table("referral_uplift"),
        &[
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
    )));
    section(&mut doc, Section::Uplift);

    doc.push(Block::Heading(2, "Ladder of engagement".into(), "ladder".into()));
    doc.push(Block::Para(
        "Supporters by the highest rung they had reached before the window and by its end (their history counts); \
         `climbed` counts those on the rung at the start who reached a higher one by the end."
            .into(),
    ));
    doc.push(method_line("Ladder of engagement"));
    doc.push(Block::Table(frame_table(
        m.table("ladder_summary"),
        &[
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
    )));
    section(&mut doc, Section::Ladder);

    doc.push(Block::Heading(2, "Hashtag pick-up and the target".into(), "hashtags".into()));
    doc.push(Block::Para("Campaign hashtags over the window: posts using them, reposts, and distinct authors.".into()));
    doc.push(method_line("Hashtag pick-up"));
    doc.push(Block::Table(hashtag_totals(m.table("hashtag_daily"))?));
    doc.push(Block::Para(
        "The targets: mentions of them in campaign posts, and their first response (a reply to or quote of a \
         campaign post, a mention of an own account or a campaign hashtag, up to 7 days after the window)."
            .into(),
    ));
    doc.push(method_line("Target response"));
    doc.push(Block::Table(frame_table(
        m.table("target_response"),
        &[
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
    )));
    section(&mut doc, Section::Hashtags);

    doc.push(Block::Heading(2, "Sign-ups".into(), "signups".into()));
    doc.push(method_line("Sign-ups"));
    doc.push(Block::Table(signup_totals(m.table("signups"))?));
    section(&mut doc, Section::Signups);

    doc.push(Block::Heading(2, "Campaigns side by side".into(), "comparison".into()));
    doc.push(Block::Para(
        "Each campaign by day since its launch, cumulative over its window, and per 1,000 followers at launch \
         where a follower count exists, so that campaigns of different sizes compare."
            .into(),
    ));
    doc.push(method_line("Campaigns side by side"));
    doc.push(Block::Table(comparison_totals(m.table("campaign_comparison"))?));
    section(&mut doc, Section::Comparison);

    doc.push(Block::Heading(2, "Method and provenance".into(), "method".into()));
    doc.push(Block::Heading(3, "Inputs".into(), "inputs".into()));
    doc.push(Block::Para(format!(
        "Every file in the lake, in the order it was ingested ({} files). Records are lines, rows or objects \
         read; rejected ones are kept in the lake's _rejects/ folder with their line numbers.",
        prov.files.len()
    )));
    doc.push(Block::Table(inputs_table(&prov.files)));
    doc.push(Block::Heading(3, "Method behind each figure".into(), "methods".into()));
    if let Some(b) = m.json.get("bootstrap") {
        doc.push(Block::Para(format!(
            "Intervals: {} bootstrap intervals, {} resamples, seed {}.",
            s(b, "interval"),
            b.get("resamples").and_then(Value::as_i64).unwrap_or(0),
            b.get("seed").and_then(Value::as_i64).unwrap_or(0)
        )));
    }
    doc.push(Block::Table(methods_table(&camps)));
    // Inputs a figure left out (range traffic rows, a site no row has): metrics.json's warnings.
    let warnings: Vec<String> = camps
        .iter()
        .flat_map(|c| {
            let name = s(c, "name");
            c.get("warnings").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(
                move |w| format!("{name}: {w}."),
            )
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
    Ok(doc)
}

/// The line under a section's heading naming the part of docs/metrics.md that defines its
/// figures (a plain pointer: the report is often opened from disk, where a relative link
/// would lead nowhere).
fn method_line(docs_section: &str) -> Block {
    Block::Para(format!("Method: docs/metrics.md § {docs_section}."))
}

fn hashtag_totals(df: &DataFrame) -> PolarsResult<Table> {
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
    Ok(frame_table(
        &agg,
        &[
            ("campaign", "Campaign", Fmt::Str),
            ("hashtag", "Hashtag", Fmt::Str),
            ("posts", "Posts", Fmt::Int),
            ("reposts", "Reposts", Fmt::Int),
            ("authors", "Authors", Fmt::Int),
            ("first_day", "First day", Fmt::Str),
            ("last_day", "Last day", Fmt::Str),
        ],
    ))
}

fn signup_totals(df: &DataFrame) -> PolarsResult<Table> {
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
    Ok(frame_table(
        &agg,
        &[
            ("campaign", "Campaign", Fmt::Str),
            ("total", "Sign-ups", Fmt::Int),
            ("first_week", "First week", Fmt::Int),
            ("best_day", "Best day", Fmt::Str),
            ("best_day_count", "Sign-ups that day", Fmt::Int),
        ],
    ))
}

fn comparison_totals(df: &DataFrame) -> PolarsResult<Table> {
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
    Ok(frame_table(
        &last,
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
    ))
}

fn inputs_table(files: &[crate::lake::FileEntry]) -> Table {
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

// ------------------------------------------------------------------ HTML

const CSS: &str = "\
:root{--ink:#1d232b;--muted:#5b6673;--line:#d9dee4;--band:#f5f7f9;--accent:#b5121b}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:var(--ink);margin:0;background:#fff}
main{max-width:1080px;margin:0 auto;padding:24px 28px 64px}
h1{font-size:28px;margin:8px 0 4px;border-bottom:3px solid var(--accent);padding-bottom:6px}
h2{font-size:21px;margin:36px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:17px;margin:24px 0 6px}
p{margin:6px 0 10px;max-width:860px}
nav{font-size:14px;color:var(--muted);margin:8px 0 16px}
nav a{color:var(--muted);margin-right:14px;text-decoration:none;border-bottom:1px dotted var(--muted)}
.tablewrap{overflow-x:auto;margin:8px 0 14px}
table{border-collapse:collapse;font-size:13.5px;font-variant-numeric:tabular-nums}
th,td{padding:4px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--band);font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap}
tbody tr:hover{background:#fafbfc}
ol.notes{font-size:13px;color:var(--muted);margin:4px 0 12px}
figure.chart{margin:18px 0 26px}
figure.chart svg{width:100%;height:auto;display:block;border:1px solid var(--line);border-radius:4px}
figcaption{font-size:13.5px;color:var(--muted);margin-top:6px;max-width:860px}
figcaption b{color:var(--ink)}
footer{margin-top:40px;font-size:12.5px;color:var(--muted)}
";

/// The report as one self-contained HTML page.
pub fn to_html(doc: &[Block], charts: &[Chart]) -> String {
    let title = doc
        .iter()
        .find_map(|b| match b {
            Block::Heading(1, t, _) => Some(t.as_str()),
            _ => None,
        })
        .unwrap_or("rallylens report");
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"rallylens\">\n<title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n",
        xml_escape(title)
    );
    for b in doc {
        match b {
            Block::Heading(1, t, id) => {
                let _ = writeln!(h, "<h1 id=\"{id}\">{}</h1>", xml_escape(t));
                h.push_str("<nav>");
                for b2 in doc {
                    if let Block::Heading(2, t2, id2) = b2 {
                        let _ = write!(h, "<a href=\"#{id2}\">{}</a>", xml_escape(t2));
                    }
                }
                h.push_str("</nav>\n");
            }
            Block::Heading(l, t, id) => {
                let _ = writeln!(h, "<h{l} id=\"{id}\">{}</h{l}>", xml_escape(t));
            }
            Block::Para(p) => {
                let _ = writeln!(h, "<p>{}</p>", xml_escape(p));
            }
            Block::Notes(notes) => {
                h.push_str("<ol class=\"notes\">\n");
                for n in notes {
                    let _ = writeln!(h, "<li>{}</li>", xml_escape(n));
                }
                h.push_str("</ol>\n");
            }
            Block::Table(t) => {
                if t.rows.is_empty() {
                    h.push_str("<p><i>No rows.</i></p>\n");
                    continue;
                }
                h.push_str("<div class=\"tablewrap\"><table>\n<thead><tr>");
                for (i, c) in t.headers.iter().enumerate() {
                    let cls = if t.right[i] { " class=\"num\"" } else { "" };
                    let _ = write!(h, "<th{cls}>{}</th>", xml_escape(c));
                }
                h.push_str("</tr></thead>\n<tbody>\n");
                for r in &t.rows {
                    h.push_str("<tr>");
                    for (i, c) in r.iter().enumerate() {
                        let cls = if t.right[i] { " class=\"num\"" } else { "" };
                        let _ = write!(h, "<td{cls}>{}</td>", xml_escape(c));
                    }
                    h.push_str("</tr>\n");
                }
                h.push_str("</tbody></table></div>\n");
            }
            Block::Chart(i) => {
                let c = &charts[*i];
                let _ = write!(
                    h,
                    "<figure class=\"chart\" id=\"chart-{}\">\n{}\n<figcaption><b>{}.</b> {}</figcaption>\n</figure>\n",
                    c.file_stem,
                    c.svg.trim(),
                    xml_escape(&c.title),
                    xml_escape(&c.caption)
                );
            }
        }
    }
    h.push_str("<footer>Made with rallylens. Every figure above is in metrics/*.parquet and metrics.json beside this file.</footer>\n</main>\n");
    // Tells a browser test how many charts laid out with a non-zero size.
    h.push_str(
        "<script>\naddEventListener('load',function(){var n=0;document.querySelectorAll('figure.chart svg')\
         .forEach(function(s){var r=s.getBoundingClientRect();if(r.width>0&&r.height>0)n++;});\
         document.body.setAttribute('data-charts-rendered',String(n));});\n</script>\n",
    );
    h.push_str("</body>\n</html>\n");
    h
}

// ------------------------------------------------------------------ Markdown

/// Text as Markdown that renders as exactly this text, as the HTML writer escapes it:
/// `<`, `>` and `&` become entities (no tag, comment or entity in a campaign name or a
/// hashtag reaches a Markdown renderer's HTML); the characters that make emphasis, code,
/// links, strikethrough and table cells (asterisk, backquote, brackets, tilde, bar,
/// backslash) are backslash-escaped, and so is an underscore at a word's edge (inside a
/// word, as in `all_social`, it cannot start emphasis and stays as is); a line break
/// becomes a space, so a name cannot start a heading, a list or a table row.
fn md_text(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '[' | ']' | '~' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '_' => {
                let word = |j: Option<&char>| j.is_some_and(|c| c.is_alphanumeric());
                if !(i > 0 && word(chars.get(i - 1)) && word(chars.get(i + 1))) {
                    out.push('\\');
                }
                out.push('_');
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// The report as Markdown; charts are PNG files under `charts/`.
pub fn to_markdown(doc: &[Block], charts: &[Chart]) -> String {
    let mut m = String::new();
    for b in doc {
        match b {
            Block::Heading(l, t, _) => {
                let _ = writeln!(m, "{} {}\n", "#".repeat(*l as usize), md_text(t));
            }
            Block::Para(p) => {
                let _ = writeln!(m, "{}\n", md_text(p));
            }
            Block::Notes(notes) => {
                for (i, n) in notes.iter().enumerate() {
                    let _ = writeln!(m, "{}. {}", i + 1, md_text(n));
                }
                m.push('\n');
            }
            Block::Table(t) => {
                if t.rows.is_empty() {
                    m.push_str("*No rows.*\n\n");
                    continue;
                }
                let _ = writeln!(m, "| {} |", t.headers.iter().map(|c| md_text(c)).collect::<Vec<_>>().join(" | "));
                let _ = writeln!(
                    m,
                    "|{}|",
                    t.right.iter().map(|r| if *r { "---:" } else { "---" }).collect::<Vec<_>>().join("|")
                );
                for r in &t.rows {
                    let _ = writeln!(m, "| {} |", r.iter().map(|c| md_text(c)).collect::<Vec<_>>().join(" | "));
                }
                m.push('\n');
            }
            Block::Chart(i) => {
                let c = &charts[*i];
                let (title, caption) = (md_text(&c.title), md_text(&c.caption));
                let _ = writeln!(m, "![{title}](charts/{}.png)\n\n*{title}.* {caption}\n", c.file_stem);
            }
        }
    }
    m
}
