//! Traffic referral uplift (METRICS.md §4, §10.13): table `referral_uplift`, one row per
//! (campaign, channel) for every social channel with traffic and for `all_social`.
//!
//! For a campaign and a series X (one social channel, or all social channels summed):
//! `s_d` = sessions from X on day d (0 when the site has rows that day but none from X; a day
//! with no rows at all is missing and left out), `c_d` = sessions from all non-social
//! channels (`search, email, direct, referral, other`), B = baseline days, P = campaign days.
//! - `control` when B has ≥ 14 days with data and `c` is not constant over them (and P is
//!   daily, see below): OLS `s = α + β·c` on B ([`stats::ols`]),
//!   `expected = Σ_{d∈P} max(0, α + β·c_d)`.
//! - else `dow_mean` when every weekday of P occurs in B:
//!   `expected = Σ_{d∈P} mean(s over B's days with d's weekday)`.
//! - else `mean`: `expected = mean_B(s) · |P|`.
//! - `observed = Σ_{d∈P} s_d`, `uplift_sessions = observed − expected`,
//!   `uplift_rel = uplift_sessions / expected` (null when expected is 0).
//! - `ci_low, ci_high`: 2.5th and 97.5th percentiles (numpy linear) of 2000 draws
//!   `observed − (expected + Σ of |P| baseline residuals drawn with replacement)` (§10.13),
//!   indices from [`stats::draw_indices`] with [`stats::SEED`]; residuals are the OLS
//!   residuals `s_d − (α + β·c_d)` (unclamped fit) for `control`, `s_d − mean of its
//!   weekday` for `dow_mean`, `s_d − mean_B(s)` for `mean`. `p_no_effect` = share of the
//!   draws with uplift ≤ 0.
//! - `expected_total`: the site's expected total sessions (all channels) in P by the same
//!   method as the row (for `control`, its own OLS of the total on `c`);
//!   `total_traffic_uplift_rel = uplift_sessions / expected_total` (null when it is 0).
//!
//! Choices where METRICS.md leaves room (also in the report's Method section):
//! - Days are the traffic table's `date_start`/`date_end`: exports already give calendar days
//!   of the analytics property, so they are not shifted by the campaign's time zone.
//! - All sites of the scope's traffic are summed (the scope is already site-filtered, §10.13).
//!   Rows with null sessions or null dates are left out (they say nothing about sessions);
//!   a day whose only rows have null sessions is therefore missing, not zero.
//! - A row is used only when it lies fully inside B or fully inside P. Daily rows
//!   (`date_start == date_end`) give the per-day series. Range rows (`date_start <
//!   date_end`, UA exports over a range) are used only by `mean`, and only for a window with
//!   no daily rows at all (daily rows win per window, so a range never double-counts days
//!   a daily export already covers). A range row partially inside a window is left out: it
//!   cannot be split without assuming the sessions are spread evenly.
//! - Range baseline: `mean_B(s) = Σ_r s_r / Σ_r len_r` over the distinct ranges r fully
//!   inside B (`s_r` = sessions of X in the range, 0 when the range has rows but none from
//!   X; `len_r` its days, inclusive). Range window: `observed = Σ_r s_r` and
//!   `|P| = campaign_days = Σ_r len_r` over the distinct ranges fully inside P. Two
//!   overlapping range exports of one window both count (their days add up).
//! - A window with range rows only makes the method `mean` (no per-day control or weekday).
//!   With a range baseline there are no daily residuals: `ci_low`, `ci_high`, `p_no_effect`
//!   are null and the extra column `ci_reason` says why.
//! - `baseline_days`, `campaign_days` count the days with data (daily: days with rows;
//!   range: Σ len_r). They are counts, 0 when a window has no data; every other figure of a
//!   row that cannot be computed is null and `reason` says why ("no traffic rows in the
//!   baseline window", "no traffic rows in the campaign window").
//! - Channels: each social channel with a used row (daily or range, non-null sessions) in
//!   B or P, plus `all_social` always.
//! - The method is decided once per campaign (it depends on the days with data and on `c`,
//!   not on X), so every row of a campaign has the same method.
//! - Every series of a campaign uses the same draw indices (same seed): the intervals are
//!   reproducible and comparable across channels.
//! - A campaign's baseline that overlaps another campaign's window is an error naming both
//!   (§4), also checked by `Pipeline::check`.
//!
//! Extra columns: `reason`, `ci_reason`, `baseline_basis`, `campaign_basis` (`daily` or
//! `range`), `seed`, `resamples`.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use polars::prelude::*;

use super::stats;
use super::Scope;
use crate::model::Day;

/// Social channels (LAKE.md `traffic.channel`); every other channel is the control.
pub const SOCIAL: [&str; 7] = ["facebook", "twitter", "instagram", "flickr", "youtube", "linkedin", "other_social"];

pub const NO_BASELINE: &str = "no traffic rows in the baseline window";
pub const NO_WINDOW: &str = "no traffic rows in the campaign window";
pub const RANGE_BASELINE_NO_CI: &str = "baseline from range rows only: no daily residuals to draw";

fn is_social(ch: &str) -> bool {
    SOCIAL.contains(&ch)
}

/// Sessions per channel of one day or one range.
type Counts = BTreeMap<String, i64>;

/// Which channels a series sums.
#[derive(Clone, Copy)]
enum Sel<'a> {
    Channel(&'a str),
    AllSocial,
    Control,
    Total,
}

impl Sel<'_> {
    fn sum(self, c: &Counts) -> f64 {
        c.iter()
            .filter(|(ch, _)| match self {
                Sel::Channel(x) => ch.as_str() == x,
                Sel::AllSocial => is_social(ch),
                Sel::Control => !is_social(ch),
                Sel::Total => true,
            })
            .map(|(_, v)| *v as f64)
            .sum()
    }
}

/// One window's data: per-day counts (daily rows) or per-range counts (range rows only).
enum Side<'a> {
    /// (epoch day, counts) of the days with daily rows.
    Daily(Vec<(i32, &'a Counts)>),
    /// (length in days, counts) of the distinct ranges fully inside the window.
    Range(Vec<(i64, &'a Counts)>),
}

impl Side<'_> {
    fn days(&self) -> i64 {
        match self {
            Side::Daily(v) => v.len() as i64,
            Side::Range(v) => v.iter().map(|(l, _)| *l).sum(),
        }
    }
    fn ys(&self, sel: Sel) -> Vec<f64> {
        match self {
            Side::Daily(v) => v.iter().map(|(_, c)| sel.sum(c)).collect(),
            Side::Range(v) => v.iter().map(|(_, c)| sel.sum(c)).collect(),
        }
    }
    fn basis(&self) -> &'static str {
        match self {
            Side::Daily(_) => "daily",
            Side::Range(_) => "range",
        }
    }
}

fn weekday(day: i32) -> usize {
    Day(day).to_naive().weekday().num_days_from_monday() as usize
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Method {
    Control,
    DowMean,
    Mean,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Control => "control",
            Method::DowMean => "dow_mean",
            Method::Mean => "mean",
        }
    }
}

/// The method for a campaign's B and P (§4), decided on the control series.
fn choose(b: &Side, p: &Side) -> Method {
    if let (Side::Daily(bd), Side::Daily(pd)) = (b, p) {
        let c = b.ys(Sel::Control);
        if bd.len() >= 14 && stats::ols(&c, &c).is_some() {
            return Method::Control;
        }
        let seen: Vec<usize> = bd.iter().map(|(d, _)| weekday(*d)).collect();
        if pd.iter().all(|(d, _)| seen.contains(&weekday(*d))) {
            return Method::DowMean;
        }
    }
    Method::Mean
}

/// Expected sessions of a series in P, the fit, and the baseline residuals (None when the
/// baseline has no daily values).
struct Est {
    alpha: Option<f64>,
    beta: Option<f64>,
    expected: f64,
    residuals: Option<Vec<f64>>,
}

fn estimate(method: Method, b: &Side, p: &Side, sel: Sel) -> Est {
    let yb = b.ys(sel);
    match (method, b, p) {
        (Method::Control, Side::Daily(_), Side::Daily(_)) => {
            let (cb, cp) = (b.ys(Sel::Control), p.ys(Sel::Control));
            let (a, beta) = stats::ols(&cb, &yb).expect("control chosen on a non-constant c");
            let expected = cp.iter().map(|c| (a + beta * c).max(0.0)).sum();
            let residuals = yb.iter().zip(&cb).map(|(y, c)| y - (a + beta * c)).collect();
            Est { alpha: Some(a), beta: Some(beta), expected, residuals: Some(residuals) }
        }
        (Method::DowMean, Side::Daily(bd), Side::Daily(pd)) => {
            let mut by_wd: [Vec<f64>; 7] = Default::default();
            for ((d, _), y) in bd.iter().zip(&yb) {
                by_wd[weekday(*d)].push(*y);
            }
            let means: Vec<Option<f64>> = by_wd.iter().map(|v| stats::mean(v)).collect();
            let expected = pd.iter().map(|(d, _)| means[weekday(*d)].expect("weekday seen in B")).sum();
            let residuals =
                bd.iter().zip(&yb).map(|((d, _), y)| y - means[weekday(*d)].expect("own weekday")).collect();
            Est { alpha: None, beta: None, expected, residuals: Some(residuals) }
        }
        _ => {
            let (mean_b, residuals) = match b {
                Side::Daily(_) => {
                    let m = stats::mean(&yb).expect("baseline has days");
                    (m, Some(yb.iter().map(|y| y - m).collect()))
                }
                Side::Range(_) => (yb.iter().sum::<f64>() / b.days() as f64, None),
            };
            Est { alpha: None, beta: None, expected: mean_b * p.days() as f64, residuals }
        }
    }
}

/// One output row.
#[derive(Default)]
struct Row {
    campaign: String,
    channel: String,
    method: Option<String>,
    baseline_days: i64,
    campaign_days: i64,
    alpha: Option<f64>,
    beta: Option<f64>,
    observed: Option<i64>,
    expected: Option<f64>,
    uplift_sessions: Option<f64>,
    uplift_rel: Option<f64>,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
    p_no_effect: Option<f64>,
    expected_total: Option<f64>,
    total_traffic_uplift_rel: Option<f64>,
    reason: Option<String>,
    ci_reason: Option<String>,
    baseline_basis: Option<String>,
    campaign_basis: Option<String>,
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b != 0.0).then(|| a / b)
}

/// The used traffic of one scope: daily counts per day, range counts per (start, end).
struct Used {
    daily: BTreeMap<i32, Counts>,
    ranges: BTreeMap<(i32, i32), Counts>,
}

fn load(scope: &Scope) -> PolarsResult<Used> {
    let c = scope.campaign;
    let inside = |lo: NaiveDate, hi: NaiveDate| col("date_start").gt_eq(lit(lo)).and(col("date_end").lt_eq(lit(hi)));
    let used = inside(c.baseline_start, c.baseline_end).or(inside(c.start, c.end));
    let t = scope
        .traffic
        .clone()
        .filter(
            col("sessions")
                .is_not_null()
                .and(col("date_start").is_not_null())
                .and(col("date_end").is_not_null())
                .and(used),
        )
        .select([
            col("date_start").cast(DataType::Int32).alias("d0"),
            col("date_end").cast(DataType::Int32).alias("d1"),
            col("channel"),
            col("sessions").cast(DataType::Int64),
        ]);
    // Daily and range rows in one group-by on (start, end, channel); ranges with end < start
    // (malformed) are dropped.
    let df = t
        .filter(col("d0").lt_eq(col("d1")))
        .group_by([col("d0"), col("d1"), col("channel")])
        .agg([col("sessions").sum().alias("sessions")])
        .collect()?;
    let d0 = df.column("d0")?.i32()?;
    let d1 = df.column("d1")?.i32()?;
    let ch = df.column("channel")?.str()?;
    let n = df.column("sessions")?.i64()?;
    let mut out = Used { daily: BTreeMap::new(), ranges: BTreeMap::new() };
    for i in 0..df.height() {
        let (Some(a), Some(b), Some(ch), Some(n)) = (d0.get(i), d1.get(i), ch.get(i), n.get(i)) else { continue };
        let m = if a == b { out.daily.entry(a).or_default() } else { out.ranges.entry((a, b)).or_default() };
        *m.entry(ch.to_string()).or_default() += n;
    }
    Ok(out)
}

/// The side of a window: its daily days, else its ranges, else None.
fn side(u: &Used, lo: NaiveDate, hi: NaiveDate) -> Option<Side<'_>> {
    let (lo, hi) = (Day::from_naive(lo).0, Day::from_naive(hi).0);
    let daily: Vec<(i32, &Counts)> = u.daily.range(lo..=hi).map(|(d, c)| (*d, c)).collect();
    if !daily.is_empty() {
        return Some(Side::Daily(daily));
    }
    let ranges: Vec<(i64, &Counts)> = u
        .ranges
        .iter()
        .filter(|((a, b), _)| *a >= lo && *b <= hi)
        .map(|((a, b), c)| ((b - a) as i64 + 1, c))
        .collect();
    (!ranges.is_empty()).then_some(Side::Range(ranges))
}

fn campaign_rows(scope: &Scope) -> PolarsResult<Vec<Row>> {
    let c = scope.campaign;
    let used = load(scope)?;
    let mut socials: Vec<&str> =
        used.daily.values().chain(used.ranges.values()).flat_map(|m| m.keys()).map(String::as_str).filter(|ch| is_social(ch)).collect();
    socials.sort();
    socials.dedup();
    let mut sels = vec![("all_social".to_string(), Sel::AllSocial)];
    sels.extend(socials.iter().map(|s| (s.to_string(), Sel::Channel(s))));

    let b = side(&used, c.baseline_start, c.baseline_end);
    let p = side(&used, c.start, c.end);
    let base = |channel: &str| Row {
        campaign: c.id.clone(),
        channel: channel.to_string(),
        baseline_days: b.as_ref().map_or(0, Side::days),
        campaign_days: p.as_ref().map_or(0, Side::days),
        ..Default::default()
    };
    let (Some(b), Some(p)) = (&b, &p) else {
        let reason = if b.is_none() { NO_BASELINE } else { NO_WINDOW };
        return Ok(sels.iter().map(|(ch, _)| Row { reason: Some(reason.into()), ..base(ch) }).collect());
    };

    let method = choose(b, p);
    let total = estimate(method, b, p, Sel::Total);
    let n_b = match b {
        Side::Daily(v) => v.len(),
        Side::Range(_) => 0,
    };
    let draws = (n_b > 0).then(|| stats::draw_indices(n_b, p.days() as usize, stats::RESAMPLES, stats::SEED));
    let mut rows = Vec::new();
    for (ch, sel) in &sels {
        let est = estimate(method, b, p, *sel);
        let observed: i64 = p.ys(*sel).iter().sum::<f64>() as i64;
        let uplift = observed as f64 - est.expected;
        let mut row = Row {
            method: Some(method.name().into()),
            alpha: est.alpha,
            beta: est.beta,
            observed: Some(observed),
            expected: Some(est.expected),
            uplift_sessions: Some(uplift),
            uplift_rel: ratio(uplift, est.expected),
            expected_total: Some(total.expected),
            total_traffic_uplift_rel: ratio(uplift, total.expected),
            baseline_basis: Some(b.basis().into()),
            campaign_basis: Some(p.basis().into()),
            ..base(ch)
        };
        match (&est.residuals, &draws) {
            (Some(r), Some(draws)) => {
                let ups: Vec<f64> = draws
                    .iter()
                    .map(|idx| observed as f64 - (est.expected + idx.iter().map(|i| r[*i]).sum::<f64>()))
                    .collect();
                row.ci_low = stats::percentile(&ups, 2.5);
                row.ci_high = stats::percentile(&ups, 97.5);
                row.p_no_effect = Some(ups.iter().filter(|u| **u <= 0.0).count() as f64 / ups.len() as f64);
            }
            _ => row.ci_reason = Some(RANGE_BASELINE_NO_CI.into()),
        }
        rows.push(row);
    }
    Ok(rows)
}

/// §4: a campaign's baseline must not overlap another campaign's window.
fn check_baselines(scopes: &[Scope]) -> PolarsResult<()> {
    for a in scopes {
        for w in scopes {
            let (a, w) = (a.campaign, w.campaign);
            if a.id != w.id && a.baseline_start <= w.end && w.start <= a.baseline_end {
                polars_bail!(ComputeError:
                    "the baseline of '{}' ({}..{}) overlaps the window of '{}' ({}..{}): that window is not a neutral baseline",
                    a.id, a.baseline_start, a.baseline_end, w.id, w.start, w.end);
            }
        }
    }
    Ok(())
}

/// METRICS.md §9 `referral_uplift`: key (campaign, channel), sorted by it.
pub fn referral_uplift(scopes: &[Scope]) -> PolarsResult<LazyFrame> {
    check_baselines(scopes)?;
    let mut rows = Vec::new();
    for s in scopes {
        rows.extend(campaign_rows(s)?);
    }
    macro_rules! column {
        ($f:ident) => {
            rows.iter().map(|r| r.$f.clone()).collect::<Vec<_>>()
        };
    }
    let df = df!(
        "campaign" => column!(campaign),
        "channel" => column!(channel),
        "method" => column!(method),
        "baseline_days" => column!(baseline_days),
        "campaign_days" => column!(campaign_days),
        "alpha" => column!(alpha),
        "beta" => column!(beta),
        "observed" => column!(observed),
        "expected" => column!(expected),
        "uplift_sessions" => column!(uplift_sessions),
        "uplift_rel" => column!(uplift_rel),
        "ci_low" => column!(ci_low),
        "ci_high" => column!(ci_high),
        "p_no_effect" => column!(p_no_effect),
        "expected_total" => column!(expected_total),
        "total_traffic_uplift_rel" => column!(total_traffic_uplift_rel),
        "reason" => column!(reason),
        "ci_reason" => column!(ci_reason),
        "baseline_basis" => column!(baseline_basis),
        "campaign_basis" => column!(campaign_basis),
    )?;
    Ok(df
        .lazy()
        .with_columns([lit(stats::SEED as i64).alias("seed"), lit(stats::RESAMPLES as i64).alias("resamples")])
        .sort(["campaign", "channel"], SortMultipleOptions::default()))
}
