//! `goals`: did each campaign reach what it set out to do? One row per goal of
//! `[[campaigns.goals]]`, with the figure reached, whether it meets the target, the
//! progress towards it, and the day it was first met.
//!
//! [`METRICS`] is the fixed list of figures a goal can name: adding one is one entry (its
//! name, sense, kind, default label, where its window figure comes from, and its daily
//! series where one exists).
//!
//! Readings to keep:
//! - Sense: at least the target, except `target_latency_hours` (at most). A yes/no metric's
//!   target is `true`; its figure is 1 (yes) or 0 (no) in the table.
//! - The window's figure is the `campaign_kpis` figure of that name ([`Source::Kpi`],
//!   computed by `kpis::figures`, so the two never disagree), or, for the hashtag and
//!   mention counts, the last day of the daily series ([`Source::Daily`]).
//! - The daily series is the figure as of the end of each day, from the start to the end
//!   (to 7 days after it for the target's response, which is measured up to then). `by`
//!   before the series' last day reads the series on that day; `by` from then on, or none,
//!   the window's figure. A metric without a series (the ladder's) refuses a `by` inside
//!   the window (pipeline check), so no goal is unknown only for want of a series; the
//!   uplift's series exists only over daily traffic rows (else a null with the reason).
//! - `actual` null (the figure is null, or the series has no value on `by`) → `met` and
//!   `progress` null, and `reason` says why (the figure's own reason where it has one).
//! - `progress` = actual / target (1 or 0 for yes/no; null when the target is 0). For an
//!   at-most goal it is the share of the allowance used: ≤ 1 is met.
//! - `first_met_at`: the first day (campaign's zone) on which the series meets the target,
//!   not after `by`; null when the goal is not met or the metric has no series.
//! - Rows keep the pipeline's order (campaigns, then goals as written), like
//!   `campaign_kpis`; `goal` is the goal's key (the slug of its label, else the metric:
//!   unique per campaign, checked by the pipeline).
//!
//! User docs: docs/metrics.md#goals.

use anyhow::{anyhow, Result};
use chrono::NaiveDate;
use polars::prelude::*;
use serde_json::{json, Value};

use super::kpis::{self, Figures};
use super::registry::{Compute, Done, Table};
use super::scope::local_day;
use super::{comparison, hashtags, referral_daily, signups, Scope};
use crate::model::Day;
use crate::schema::campaign::Goal;

/// Whether a goal's figure must reach the target from below or stay under it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sense {
    AtLeast,
    AtMost,
}

impl Sense {
    pub fn holds(self, actual: f64, target: f64) -> bool {
        match self {
            Sense::AtLeast => actual >= target,
            Sense::AtMost => actual <= target,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Sense::AtLeast => "≥",
            Sense::AtMost => "≤",
        }
    }
}

/// What a goal metric's values are, and so which targets it takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A count: a target ≥ 0.
    Count,
    /// Any number (an uplift, hours).
    Number,
    /// Yes or no: the target is `true`.
    Bool,
}

/// Where the window's figure of a goal metric comes from.
pub enum Source {
    /// The `campaign_kpis` column of this name (its reason from `metrics.json` when null).
    Kpi(&'static str),
    /// The last day of the metric's daily series.
    Daily,
}

/// The figure as of the end of each day, from the start (index 0) on; or why there is none.
pub type Series = std::result::Result<Vec<Option<f64>>, String>;

/// A goal metric's daily series.
pub struct Daily {
    /// The series runs to the window's end plus these days.
    pub days_after_end: i64,
    pub values: fn(&Ctx<'_>) -> Result<Series>,
}

/// One figure a goal can name.
pub struct Metric {
    pub name: &'static str,
    pub sense: Sense,
    pub kind: Kind,
    /// The label of a goal that gives none.
    pub title: &'static str,
    pub actual: Source,
    pub daily: Option<Daily>,
}

/// What a series is computed from: the tables so far, the campaign's scope and figures.
pub struct Ctx<'a> {
    pub(crate) d: &'a Done<'a>,
    pub(crate) s: &'a Scope<'a>,
    pub(crate) figures: &'a Figures,
}

const fn m(
    name: &'static str,
    sense: Sense,
    kind: Kind,
    title: &'static str,
    actual: Source,
    daily: Option<Daily>,
) -> Metric {
    Metric { name, sense, kind, title, actual, daily }
}

const fn daily(days_after_end: i64, values: fn(&Ctx<'_>) -> Result<Series>) -> Option<Daily> {
    Some(Daily { days_after_end, values })
}

use Kind::{Bool, Count, Number};
use Sense::{AtLeast, AtMost};

/// Every metric a goal can name (docs/metrics.md#goals), in the docs' order: name, sense,
/// kind, default label, window figure, daily series (days after the end it runs to).
#[rustfmt::skip]
pub static METRICS: &[Metric] = &[
    m("signups_total", AtLeast, Count, "Sign-ups", Source::Kpi("signups_total"), daily(0, signups_total)),
    m("signups_first_week", AtLeast, Count, "Sign-ups in the first week", Source::Kpi("signups_first_week"), daily(0, signups_first_week)),
    m("hashtag_posts", AtLeast, Count, "Posts using a campaign hashtag", Source::Daily, daily(0, hashtag_posts)),
    m("hashtag_authors", AtLeast, Count, "Authors using a campaign hashtag", Source::Daily, daily(0, hashtag_authors)),
    m("target_mentions", AtLeast, Count, "Posts mentioning a target", Source::Daily, daily(0, target_mentions)),
    m("mentioning_authors", AtLeast, Count, "Authors mentioning a target", Source::Daily, daily(0, mentioning_authors)),
    m("target_responded", AtLeast, Bool, "A response from the target", Source::Kpi("target_responded"), daily(7, target_responded)),
    m("target_latency_hours", AtMost, Number, "Hours to the target's response", Source::Kpi("target_latency_hours"), daily(7, target_latency)),
    m("unique_actors", AtLeast, Count, "Supporters who acted", Source::Kpi("unique_actors"), daily(0, unique_actors)),
    m("own_engagements", AtLeast, Count, "Engagements on own posts", Source::Kpi("own_engagements"), daily(0, own_engagements)),
    m("moved_up", AtLeast, Count, "Supporters who moved up the ladder", Source::Kpi("moved_up"), None),
    m("new_supporters", AtLeast, Count, "New supporters on the ladder", Source::Kpi("new_supporters"), None),
    m("social_uplift_rel", AtLeast, Number, "Social referral uplift", Source::Kpi("social_uplift_rel"), daily(0, social_uplift_rel)),
    m("social_uplift_sessions", AtLeast, Number, "Social referral uplift, sessions", Source::Kpi("social_uplift_sessions"), daily(0, social_uplift_sessions)),
    m("facebook_uplift_rel", AtLeast, Number, "Facebook referral uplift", Source::Kpi("facebook_uplift_rel"), daily(0, facebook_uplift_rel)),
    m("followers_gained", AtLeast, Count, "Followers gained", Source::Kpi("followers_gained"), None),
    m("followers_above_projection", AtLeast, Number, "Followers above the earlier trend", Source::Kpi("followers_above_projection"), None),
];

/// The goal metric called `name`.
pub fn metric(name: &str) -> Option<&'static Metric> {
    METRICS.iter().find(|m| m.name == name)
}

/// The `goals` table (registry entry).
pub const GOALS: Table = Table {
    name: "goals",
    key: &["campaign", "goal"],
    columns: &[
        "campaign",
        "goal",
        "label",
        "metric",
        "sense",
        "target",
        "by",
        "actual",
        "met",
        "progress",
        "first_met_at",
        "reason",
    ],
    compute: Compute::Derived(goals),
};

/// A goal, evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub actual: Option<f64>,
    pub met: Option<bool>,
    pub progress: Option<f64>,
    pub first_met_at: Option<NaiveDate>,
    /// Why `actual` is null.
    pub reason: Option<String>,
}

/// Every campaign's goals, in the pipeline's order. The figures are those of
/// `campaign_kpis` (computed here for the campaigns that set goals).
fn goals(d: &Done<'_>) -> Result<(DataFrame, Value)> {
    let mut rows: Vec<(&str, &Goal, &Metric, Outcome)> = Vec::new();
    for s in d.scopes {
        if s.campaign.goals.is_empty() {
            continue;
        }
        let figures = kpis::figures(d, s)?;
        let ctx = Ctx { d, s, figures: &figures };
        for g in &s.campaign.goals {
            let m = metric(&g.metric).ok_or_else(|| anyhow!("goal {}: no goal metric '{}'", g.key, g.metric))?;
            rows.push((s.campaign.id.as_str(), g, m, evaluate(&ctx, m, g)?));
        }
    }
    let date = |d: Option<NaiveDate>| d.map(|d| Day::from_naive(d).0);
    let df = df!(
        "campaign" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        "goal" => rows.iter().map(|r| r.1.key.as_str()).collect::<Vec<_>>(),
        "label" => rows.iter().map(|r| r.1.label.as_deref().unwrap_or(r.2.title)).collect::<Vec<_>>(),
        "metric" => rows.iter().map(|r| r.2.name).collect::<Vec<_>>(),
        "sense" => rows.iter().map(|r| r.2.sense.symbol()).collect::<Vec<_>>(),
        "target" => rows.iter().map(|r| r.1.target).collect::<Vec<f64>>(),
        "by" => rows.iter().map(|r| date(r.1.by)).collect::<Vec<_>>(),
        "actual" => rows.iter().map(|r| r.3.actual).collect::<Vec<_>>(),
        "met" => rows.iter().map(|r| r.3.met).collect::<Vec<_>>(),
        "progress" => rows.iter().map(|r| r.3.progress).collect::<Vec<_>>(),
        "first_met_at" => rows.iter().map(|r| date(r.3.first_met_at)).collect::<Vec<_>>(),
        "reason" => rows.iter().map(|r| r.3.reason.clone()).collect::<Vec<_>>(),
    )?
    .lazy()
    .with_columns([col("by").cast(DataType::Date), col("first_met_at").cast(DataType::Date)])
    .collect()?;
    Ok((df, Value::Null))
}

/// A figure as a number: yes/no as 1/0.
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        v => v.as_f64(),
    }
}

/// One goal: the figure (over the window, or as of `by`), met or not, progress, first day met.
pub fn evaluate(ctx: &Ctx<'_>, m: &Metric, g: &Goal) -> Result<Outcome> {
    let c = ctx.s.campaign;
    let series = match &m.daily {
        Some(dl) => Some((dl.values)(ctx)?),
        None => None,
    };
    let last = c.end + chrono::Duration::days(m.daily.as_ref().map_or(0, |dl| dl.days_after_end));
    let (window, why) = match m.actual {
        Source::Kpi(k) => {
            let (v, reason) = ctx.figures.get(k);
            (number(&v), reason)
        }
        Source::Daily => match &series {
            Some(Ok(v)) => (v.last().copied().flatten(), None),
            Some(Err(r)) => (None, Some(r.clone())),
            None => (None, None),
        },
    };
    let (actual, reason) = match (window, g.by) {
        (None, _) => (None, Some(why.unwrap_or_else(|| format!("no figure for {}", m.name)))),
        (Some(_), Some(by)) if by < last => match &series {
            Some(Ok(v)) => match v.get((by - c.start).num_days() as usize).copied().flatten() {
                Some(x) => (Some(x), None),
                None => (None, Some(format!("no figure as of {by}"))),
            },
            Some(Err(r)) => (None, Some(r.clone())),
            None => (None, Some(format!("{} has no daily figures to read on {by}", m.name))),
        },
        (Some(w), _) => (Some(w), None),
    };
    let met = actual.map(|a| m.sense.holds(a, g.target));
    let progress = actual.filter(|_| g.target != 0.0).map(|a| a / g.target);
    let until = g.by.map_or(last, |b| b.min(last));
    let first_met_at = match (&series, met) {
        (Some(Ok(v)), Some(true)) => v
            .iter()
            .enumerate()
            .map(|(k, x)| (c.start + chrono::Duration::days(k as i64), x))
            .take_while(|(day, _)| *day <= until)
            .find(|(_, x)| x.is_some_and(|x| m.sense.holds(x, g.target)))
            .map(|(day, _)| day),
        _ => None,
    };
    Ok(Outcome { actual, met, progress, first_met_at, reason })
}

/// For `campaign_kpis` and `metrics.json`: a campaign's goals met, goals set, and each goal
/// as a JSON object (with `reason` when its status is unknown).
pub(crate) fn summary(table: &DataFrame, campaign: &str) -> Result<(i64, i64, Vec<Value>)> {
    let col_of = |name: &str| table.column(name).map_err(|_| anyhow!("metric table goals: no column '{name}'"));
    let camp = col_of("campaign")?.str()?.clone();
    let (goal, label, metric_name) =
        (col_of("goal")?.str()?.clone(), col_of("label")?.str()?.clone(), col_of("metric")?.str()?.clone());
    let (target, actual, progress) =
        (col_of("target")?.f64()?.clone(), col_of("actual")?.f64()?.clone(), col_of("progress")?.f64()?.clone());
    let met = col_of("met")?.bool()?.clone();
    let reason = col_of("reason")?.str()?.clone();
    let day = |name: &str, i: usize| -> Result<Value> {
        let v = col_of(name)?.cast(&DataType::Int32)?.i32()?.get(i);
        Ok(v.map_or(Value::Null, |d| json!(Day(d).to_naive().to_string())))
    };
    let (mut n_met, mut total, mut list) = (0, 0, Vec::new());
    for i in 0..table.height() {
        if camp.get(i) != Some(campaign) {
            continue;
        }
        total += 1;
        n_met += i64::from(met.get(i) == Some(true));
        let m = metric_name.get(i).and_then(metric);
        let boolean = m.is_some_and(|m| m.kind == Kind::Bool);
        let as_value = |x: Option<f64>| match x {
            Some(x) if boolean => json!(x >= 1.0),
            Some(x) => json!(x),
            None => Value::Null,
        };
        let mut o = json!({
            "goal": goal.get(i),
            "label": label.get(i),
            "metric": metric_name.get(i),
            "sense": m.map(|m| m.sense.symbol()),
            "target": as_value(target.get(i)),
            "by": day("by", i)?,
            "actual": as_value(actual.get(i)),
            "met": met.get(i),
            "progress": progress.get(i),
            "first_met_at": day("first_met_at", i)?,
        });
        if met.get(i).is_none() {
            o["reason"] = json!(reason.get(i).unwrap_or("the figure is null"));
        }
        list.push(o);
    }
    Ok((n_met, total, list))
}

// ------------------------------------------------------------------ the daily series

/// The campaign's rows of a table computed before, in the table's order.
fn rows_of(ctx: &Ctx<'_>, t: &Table) -> Result<DataFrame> {
    let df = ctx.d.table(t)?;
    let mask = df.column("campaign")?.str()?.equal(ctx.s.campaign.id.as_str());
    Ok(df.filter(&mask)?)
}

fn f64s(df: &DataFrame, column: &str) -> Result<Vec<Option<f64>>> {
    Ok(df.column(column)?.cast(&DataType::Float64)?.f64()?.iter().collect())
}

/// `signups.signups_cum`, every day of the window (no rows: the lake has no sign-up at all).
fn signups_cum(ctx: &Ctx<'_>) -> Result<Series> {
    let df = rows_of(ctx, &signups::SIGNUPS)?;
    if df.height() == 0 {
        return Ok(Err("no sign_petition actions for this campaign".into()));
    }
    Ok(Ok(f64s(&df, "signups_cum")?))
}

fn signups_total(ctx: &Ctx<'_>) -> Result<Series> {
    signups_cum(ctx)
}

/// Sign-ups of days 0–6, as of each day: the running total, which stops growing after day 6.
fn signups_first_week(ctx: &Ctx<'_>) -> Result<Series> {
    Ok(signups_cum(ctx)?.map(|v| (0..v.len()).map(|k| v[k.min(6)]).collect()))
}

/// A `campaign_comparison` running total over the window's days.
fn comparison_cum(ctx: &Ctx<'_>, column: &str) -> Result<Series> {
    let df = rows_of(ctx, &comparison::CAMPAIGN_COMPARISON)?;
    let within = df.column("in_window")?.bool()?.clone();
    let df = df.filter(&within)?;
    let v = f64s(&df, column)?;
    if v.iter().all(Option::is_none) {
        return Ok(Err(format!("no daily {column}")));
    }
    Ok(Ok(v))
}

fn unique_actors(ctx: &Ctx<'_>) -> Result<Series> {
    comparison_cum(ctx, "unique_actors_cum")
}

fn own_engagements(ctx: &Ctx<'_>) -> Result<Series> {
    comparison_cum(ctx, "engagements_cum")
}

/// The running total over the window's days of a (day, n) frame of daily counts.
fn running_total(ctx: &Ctx<'_>, counts: LazyFrame) -> Result<Series> {
    let c = ctx.s.campaign;
    let df = counts.select([col("day").cast(DataType::Int32), col("n").cast(DataType::Int64)]).collect()?;
    let start = Day::from_naive(c.start).0;
    let mut per_day = vec![0i64; c.days() as usize];
    for (d, n) in df.column("day")?.i32()?.iter().zip(df.column("n")?.i64()?.iter()) {
        if let (Some(d), Some(n)) = (d, n) {
            if let Some(slot) = usize::try_from(d - start).ok().and_then(|k| per_day.get_mut(k)) {
                *slot += n;
            }
        }
    }
    let mut total = 0;
    Ok(Ok(per_day
        .into_iter()
        .map(|n| {
            total += n;
            Some(total as f64)
        })
        .collect()))
}

/// Distinct posts per day (a post once), and authors on the day of their first post.
fn posts_per_day(rows: LazyFrame) -> LazyFrame {
    rows.unique(Some(cols(["platform", "post_id"])), UniqueKeepStrategy::First)
        .group_by([col("day")])
        .agg([len().alias("n")])
}

fn new_authors_per_day(rows: LazyFrame) -> LazyFrame {
    rows.filter(col("author").is_not_null())
        .group_by([col("author")])
        .agg([col("day").min()])
        .group_by([col("day")])
        .agg([len().alias("n")])
}

fn hashtag_posts(ctx: &Ctx<'_>) -> Result<Series> {
    if ctx.s.campaign.hashtags.is_empty() {
        return Ok(Err("the campaign names no hashtag".into()));
    }
    running_total(ctx, posts_per_day(hashtags::hashtag_uses(ctx.s).filter(hashtags::not_repost())))
}

fn hashtag_authors(ctx: &Ctx<'_>) -> Result<Series> {
    if ctx.s.campaign.hashtags.is_empty() {
        return Ok(Err("the campaign names no hashtag".into()));
    }
    running_total(ctx, new_authors_per_day(hashtags::hashtag_uses(ctx.s)))
}

/// The mentions of the targets with their day in the campaign's zone.
fn mentions(ctx: &Ctx<'_>) -> Result<std::result::Result<LazyFrame, String>> {
    let c = ctx.s.campaign;
    if c.targets.is_empty() {
        return Ok(Err("the campaign names no target".into()));
    }
    let m = hashtags::mentions_of_targets(ctx.s)?;
    Ok(Ok(m.with_column(local_day("created_at", &c.tz).alias("day"))))
}

fn target_mentions(ctx: &Ctx<'_>) -> Result<Series> {
    match mentions(ctx)? {
        Ok(m) => running_total(ctx, posts_per_day(m)),
        Err(why) => Ok(Err(why)),
    }
}

fn mentioning_authors(ctx: &Ctx<'_>) -> Result<Series> {
    match mentions(ctx)? {
        Ok(m) => running_total(ctx, new_authors_per_day(m)),
        Err(why) => Ok(Err(why)),
    }
}

/// The referral uplift of `channel` as of each day of the window, from `referral_daily`:
/// Σ (observed − expected) over the window's days with data so far (`relative`: divided
/// by Σ expected, null while that is 0); null before the first day with data. Over the
/// whole window these are `referral_uplift`'s figures. A site with range rows only has no
/// daily rows: no series.
fn uplift(ctx: &Ctx<'_>, channel: &str, relative: bool) -> Result<Series> {
    let c = ctx.s.campaign;
    let df = rows_of(ctx, &referral_daily::REFERRAL_DAILY)?;
    let mask = &df.column("channel")?.str()?.equal(channel) & df.column("in_window")?.bool()?;
    let df = df.filter(&mask)?;
    if df.height() == 0 {
        return Ok(Err(format!("no daily {channel} referral traffic in the window: only the window's figure")));
    }
    let start = Day::from_naive(c.start).0;
    let mut per_day = vec![None; c.days() as usize];
    let days = df.column("day")?.cast(&DataType::Int32)?;
    let (observed, expected) = (f64s(&df, "observed")?, f64s(&df, "expected")?);
    for ((d, o), e) in days.i32()?.iter().zip(observed).zip(expected) {
        if let (Some(d), Some(o), Some(e)) = (d, o, e) {
            if let Some(slot) = usize::try_from(d - start).ok().and_then(|k| per_day.get_mut(k)) {
                *slot = Some((o - e, e));
            }
        }
    }
    let (mut up, mut exp, mut seen) = (0.0, 0.0, false);
    Ok(Ok(per_day
        .into_iter()
        .map(|day| {
            if let Some((u, e)) = day {
                (up, exp, seen) = (up + u, exp + e, true);
            }
            match (seen, relative) {
                (false, _) => None,
                (true, false) => Some(up),
                (true, true) => (exp != 0.0).then(|| up / exp),
            }
        })
        .collect()))
}

fn social_uplift_sessions(ctx: &Ctx<'_>) -> Result<Series> {
    uplift(ctx, "all_social", false)
}

fn social_uplift_rel(ctx: &Ctx<'_>) -> Result<Series> {
    uplift(ctx, "all_social", true)
}

fn facebook_uplift_rel(ctx: &Ctx<'_>) -> Result<Series> {
    uplift(ctx, "facebook", true)
}

/// Per target: (day of its first mention, day of its first response, latency in hours),
/// days in the campaign's zone; from `target_response`.
type TargetDays = Vec<(Option<NaiveDate>, Option<NaiveDate>, Option<f64>)>;

fn target_days(ctx: &Ctx<'_>) -> Result<std::result::Result<TargetDays, String>> {
    let df = rows_of(ctx, &hashtags::TARGET_RESPONSE)?;
    if df.height() == 0 {
        return Ok(Err("the campaign names no target".into()));
    }
    let tz = &ctx.s.campaign.tz;
    let days = |name: &str| -> Result<Vec<Option<NaiveDate>>> {
        let at: Vec<Option<i64>> = df.column(name)?.cast(&DataType::Int64)?.i64()?.iter().collect();
        Ok(super::scope::local_days(&at, tz).into_iter().map(|d| d.map(|d| Day(d).to_naive())).collect())
    };
    let (mention, response) = (days("first_mention_at")?, days("first_response_at")?);
    let latency = f64s(&df, "latency_hours")?;
    Ok(Ok(mention.into_iter().zip(response).zip(latency).map(|((m, r), l)| (m, r, l)).collect()))
}

/// The days from the start to 7 days after the end (the response period).
fn response_days(ctx: &Ctx<'_>) -> Vec<NaiveDate> {
    let c = ctx.s.campaign;
    (0..c.days() + 7).map(|k| c.start + chrono::Duration::days(k)).collect()
}

/// 1 from the day of the first response by any target, 0 before.
fn target_responded(ctx: &Ctx<'_>) -> Result<Series> {
    Ok(target_days(ctx)?.map(|t| {
        let first = t.iter().filter_map(|x| x.1).min();
        response_days(ctx).into_iter().map(|d| Some(if first.is_some_and(|f| f <= d) { 1.0 } else { 0.0 })).collect()
    }))
}

/// The shortest latency known by each day: a target's latency is known once both its first
/// mention and its first response have happened; null before any is.
fn target_latency(ctx: &Ctx<'_>) -> Result<Series> {
    Ok(target_days(ctx)?.map(|t| {
        response_days(ctx)
            .into_iter()
            .map(|d| {
                t.iter()
                    .filter_map(|(m, r, l)| match (m, r, l) {
                        (Some(m), Some(r), Some(l)) if *m <= d && *r <= d => Some(*l),
                        _ => None,
                    })
                    .reduce(f64::min)
            })
            .collect()
    }))
}

#[cfg(test)]
mod tests;
