//! Referral uplift: the `referral_uplift` table, one row per (campaign, channel) for each
//! social channel with traffic plus `all_social`: sessions added over the baseline's forecast.
//!
//! Readings to keep:
//! - `s_d` = sessions of the series on day d (0 on a day with rows but none from it; a day
//!   with no rows is missing); `c_d` = non-social sessions; B = baseline, P = campaign days.
//! - Method, once per campaign: `control` (≥ 14 B days, `c` not constant, daily P: OLS
//!   `s = α + β·c`, expected = Σ_P max(0, α + β·c_d)), else `dow_mean`, else `mean`.
//! - CI: 2.5/97.5 percentiles (numpy linear) of 2000 residual draws, [`stats::SEED`], same
//!   indices for every series of a campaign; `p_no_effect` = share of draws with uplift ≤ 0.
//! - `expected_total` by the row's method (own OLS for `control`); nulls where a
//!   denominator is 0, with `reason` / `ci_reason`.
//! - Days are the export's calendar days (no time-zone shift); a pipeline `site` scopes
//!   rows, null-site rows count only when ingest stamped them; null sessions/dates dropped.
//! - Range rows only when the traffic has no daily row in B nor P (method `mean`, null CI);
//!   otherwise dropped with a warning; a range straddling B or P is dropped with a warning.
//! - A baseline overlapping another campaign's window is an error naming both.
//!
//! User docs: docs/metrics.md#referral-uplift (residuals: #interval-and-p-value; range
//! mean: #range-rows; #sites).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use polars::prelude::*;

use super::stats;
use super::Scope;
use crate::model::Day;
use crate::schema::channels::is_social;

pub const NO_BASELINE: &str = "no traffic rows in the baseline window";
pub const NO_WINDOW: &str = "no traffic rows in the campaign window";
pub const BASELINE_RANGE_ONLY: &str =
    "the baseline has only range rows and the campaign window daily rows: range rows \
     feed the mean method only when the site has no daily rows in the baseline or the window (docs/metrics.md#range-rows)";
pub const WINDOW_RANGE_ONLY: &str = "the campaign window has only range rows and the baseline daily rows: range rows \
     feed the mean method only when the site has no daily rows in the baseline or the window (docs/metrics.md#range-rows)";
pub const RANGE_NO_CI: &str = "range rows: no per-day residuals to resample (docs/metrics.md#range-rows)";

/// Sessions per channel of one day or one range.
pub(super) type Counts = BTreeMap<String, i64>;

/// Which channels a series sums.
#[derive(Clone, Copy)]
pub(super) enum Sel<'a> {
    Channel(&'a str),
    AllSocial,
    Control,
    Total,
}

/// The rows a channel table reports: `all_social`, then each social channel with traffic
/// in the data used (`sides`: the baseline's and the window's), in name order.
pub(super) fn selections<'a>(sides: &[&Side<'a>]) -> Vec<(&'a str, Sel<'a>)> {
    let mut socials: Vec<&'a str> = sides
        .iter()
        .flat_map(|s| s.counts())
        .flat_map(|m| m.keys())
        .map(String::as_str)
        .filter(|ch| is_social(ch))
        .collect();
    socials.sort();
    socials.dedup();
    let mut sels = vec![("all_social", Sel::AllSocial)];
    sels.extend(socials.into_iter().map(|s| (s, Sel::Channel(s))));
    sels
}

impl Sel<'_> {
    pub(super) fn sum_i64(self, c: &Counts) -> i64 {
        c.iter()
            .filter(|(ch, _)| match self {
                Sel::Channel(x) => ch.as_str() == x,
                Sel::AllSocial => is_social(ch),
                Sel::Control => !is_social(ch),
                Sel::Total => true,
            })
            .map(|(_, v)| *v)
            .sum()
    }
    pub(super) fn sum(self, c: &Counts) -> f64 {
        self.sum_i64(c) as f64
    }
}

/// One window's data: per-day counts (daily rows) or per-range counts (range rows only).
pub(super) enum Side<'a> {
    /// (epoch day, counts) of the days with daily rows.
    Daily(Vec<(i32, &'a Counts)>),
    /// (length in days, counts) of the distinct ranges fully inside the window.
    Range(Vec<(i64, &'a Counts)>),
}

impl<'a> Side<'a> {
    /// The counts of every day or range of the side.
    fn counts(&self) -> Vec<&'a Counts> {
        match self {
            Side::Daily(v) => v.iter().map(|(_, c)| *c).collect(),
            Side::Range(v) => v.iter().map(|(_, c)| *c).collect(),
        }
    }
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

pub(super) fn weekday(day: i32) -> usize {
    Day(day).to_naive().weekday().num_days_from_monday() as usize
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum Method {
    Control,
    DowMean,
    Mean,
}

impl Method {
    pub(super) fn name(self) -> &'static str {
        match self {
            Method::Control => "control",
            Method::DowMean => "dow_mean",
            Method::Mean => "mean",
        }
    }
}

/// The method for a campaign's B and P (docs/metrics.md#referral-uplift), decided on the control series.
pub(super) fn choose(b: &Side, p: &Side) -> Method {
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
pub(super) struct Est {
    pub(super) alpha: Option<f64>,
    pub(super) beta: Option<f64>,
    pub(super) expected: f64,
    pub(super) residuals: Option<Vec<f64>>,
}

pub(super) fn estimate(method: Method, b: &Side, p: &Side, sel: Sel) -> Est {
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
    warnings: Option<String>,
    baseline_basis: Option<String>,
    campaign_basis: Option<String>,
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b != 0.0).then(|| a / b)
}

/// The traffic of one scope that touches the campaign's baseline or window: daily counts
/// per day, range counts per (start, end).
pub(super) struct Used {
    pub(super) daily: BTreeMap<i32, Counts>,
    pub(super) ranges: BTreeMap<(i32, i32), Counts>,
}

pub(super) fn load(scope: &Scope) -> PolarsResult<Used> {
    let c = scope.campaign;
    let overlaps = |lo: NaiveDate, hi: NaiveDate| col("date_start").lt_eq(lit(hi)).and(col("date_end").gt_eq(lit(lo)));
    let touched = overlaps(c.baseline_start, c.baseline_end).or(overlaps(c.start, c.end));
    let t = scope
        .traffic
        .clone()
        .filter(
            col("sessions")
                .is_not_null()
                .and(col("date_start").is_not_null())
                .and(col("date_end").is_not_null())
                .and(touched),
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

/// A campaign's baseline (B) and window (P) as docs/metrics.md#referral-uplift and #range-rows use them.
pub(super) struct Windows<'a> {
    pub(super) b: Option<Side<'a>>,
    pub(super) p: Option<Side<'a>>,
    /// Why B or P has no data, when that is not simply "no rows".
    pub(super) reason: Option<&'static str>,
    /// Range rows left out (docs/metrics.md#range-rows), in words.
    pub(super) warnings: Vec<String>,
}

fn fmt_range((a, b): (i32, i32)) -> String {
    format!("{}..{}", Day(a).to_naive(), Day(b).to_naive())
}

fn fmt_ranges(v: &[(i32, i32)]) -> String {
    v.iter().map(|r| fmt_range(*r)).collect::<Vec<_>>().join(", ")
}

/// B and P of `c` from `u`: daily rows when there are any in B or P, else range rows (read
/// the module doc).
pub(super) fn windows<'a>(u: &'a Used, c: &crate::schema::Campaign) -> Windows<'a> {
    let day = |d: NaiveDate| Day::from_naive(d).0;
    let (b_lo, b_hi, p_lo, p_hi) = (day(c.baseline_start), day(c.baseline_end), day(c.start), day(c.end));
    let daily = |lo: i32, hi: i32| -> Vec<(i32, &'a Counts)> { u.daily.range(lo..=hi).map(|(d, c)| (*d, c)).collect() };
    let (b_daily, p_daily) = (daily(b_lo, b_hi), daily(p_lo, p_hi));
    let inside = |&(a, b): &(i32, i32), lo: i32, hi: i32| a >= lo && b <= hi;
    let ranges = |lo: i32, hi: i32| -> Vec<((i32, i32), &'a Counts)> {
        u.ranges.iter().filter(|(r, _)| inside(r, lo, hi)).map(|(r, c)| (*r, c)).collect()
    };
    let (b_ranges, p_ranges) = (ranges(b_lo, b_hi), ranges(p_lo, p_hi));
    let mut warnings = Vec::new();
    let across: Vec<(i32, i32)> =
        u.ranges.keys().filter(|r| !inside(r, b_lo, b_hi) && !inside(r, p_lo, p_hi)).copied().collect();
    if !across.is_empty() {
        warnings.push(format!(
            "traffic rows over {} left out: a range row must lie wholly inside the baseline ({}) or the window \
             ({}), and a range cannot be split into days",
            fmt_ranges(&across),
            fmt_range((b_lo, b_hi)),
            fmt_range((p_lo, p_hi))
        ));
    }
    let side_of_ranges = |v: &[((i32, i32), &'a Counts)]| {
        (!v.is_empty()).then(|| Side::Range(v.iter().map(|((a, b), c)| ((b - a) as i64 + 1, *c)).collect()))
    };
    if b_daily.is_empty() && p_daily.is_empty() {
        let (b, p) = (side_of_ranges(&b_ranges), side_of_ranges(&p_ranges));
        return Windows { b, p, reason: None, warnings };
    }
    let unused: Vec<(i32, i32)> = b_ranges.iter().chain(&p_ranges).map(|(r, _)| *r).collect();
    if !unused.is_empty() {
        warnings.push(format!(
            "traffic rows over {} left out: the site has daily rows in the baseline or the window, and range rows \
             feed the mean method only when it has none",
            fmt_ranges(&unused)
        ));
    }
    let reason = if b_daily.is_empty() && !b_ranges.is_empty() {
        Some(BASELINE_RANGE_ONLY)
    } else if p_daily.is_empty() && !p_ranges.is_empty() {
        Some(WINDOW_RANGE_ONLY)
    } else {
        None
    };
    let side_of_days = |v: Vec<(i32, &'a Counts)>| (!v.is_empty()).then_some(Side::Daily(v));
    Windows { b: side_of_days(b_daily), p: side_of_days(p_daily), reason, warnings }
}

fn campaign_rows(scope: &Scope) -> PolarsResult<Vec<Row>> {
    let c = scope.campaign;
    let used = load(scope)?;
    let Windows { b, p, reason, warnings } = windows(&used, c);
    let sels = selections(&b.iter().chain(&p).collect::<Vec<_>>());
    let warnings = (!warnings.is_empty()).then(|| warnings.join("; "));

    let base = |channel: &str| Row {
        campaign: c.id.clone(),
        channel: channel.to_string(),
        baseline_days: b.as_ref().map_or(0, Side::days),
        campaign_days: p.as_ref().map_or(0, Side::days),
        warnings: warnings.clone(),
        ..Default::default()
    };
    let (Some(b), Some(p)) = (&b, &p) else {
        let reason = reason.unwrap_or(if b.is_none() { NO_BASELINE } else { NO_WINDOW });
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
        let observed: i64 = match p {
            Side::Daily(v) => v.iter().map(|(_, c)| sel.sum_i64(c)).sum(),
            Side::Range(v) => v.iter().map(|(_, c)| sel.sum_i64(c)).sum(),
        };
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
            _ => row.ci_reason = Some(RANGE_NO_CI.into()),
        }
        rows.push(row);
    }
    Ok(rows)
}

/// docs/metrics.md#referral-uplift: a campaign's baseline must not overlap another campaign's window.
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

/// The `referral_uplift` table (registry entry).
pub const REFERRAL_UPLIFT: super::registry::Table = super::registry::Table {
    name: "referral_uplift",
    key: &["campaign", "channel"],
    columns: &[
        "campaign", "channel", "method", "baseline_days", "campaign_days", "alpha", "beta", "observed", "expected",
        "uplift_sessions", "uplift_rel", "ci_low", "ci_high", "p_no_effect", "expected_total",
        "total_traffic_uplift_rel", "reason", "ci_reason", "warnings", "baseline_basis", "campaign_basis", "seed",
        "resamples",
    ],
    compute: super::registry::Compute::Scopes(referral_uplift),
};

/// docs/metrics.md `referral_uplift`: key (campaign, channel), sorted by it.
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
        "warnings" => column!(warnings),
        "baseline_basis" => column!(baseline_basis),
        "campaign_basis" => column!(campaign_basis),
    )?;
    Ok(df
        .lazy()
        .with_columns([
            lit(stats::SEED as i64).cast(DataType::Int64).alias("seed"),
            lit(stats::RESAMPLES as i64).cast(DataType::Int64).alias("resamples"),
        ])
        .sort(["campaign", "channel"], SortMultipleOptions::default()))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::metrics::Lake;
    use crate::model::Traffic;
    use crate::schema::{Campaign, Ladder};
    use crate::pseudo::Pseudonymizer;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// A row over `from..=to` (daily when equal); `source` keeps rows of one day apart.
    fn row(from: &str, to: &str, channel: &'static str, source: &str, sessions: i64) -> Traffic {
        Traffic {
            platform: "web".into(),
            date_start: Some(Day::from_naive(d(from))),
            date_end: Some(Day::from_naive(d(to))),
            site: Some("site".into()),
            source: Some(source.into()),
            channel,
            sessions: Some(sessions),
            ..Default::default()
        }
    }

    pub(in crate::metrics) fn daily(day: &str, channel: &'static str, sessions: i64) -> Traffic {
        row(day, day, channel, channel, sessions)
    }

    /// The control fixture: B = Jan 1–14 (14 days with data), P = Jan 15–17. Control
    /// (search): 20 on days 1–7, 40 on days 8–14; facebook scatters ±1 around 5 and 15.
    pub(in crate::metrics) fn control_fixture() -> Vec<Traffic> {
        let fb_b = [4, 6, 4, 6, 4, 6, 5, 14, 16, 14, 16, 14, 16, 15];
        let mut t = Vec::new();
        for (k, fb) in fb_b.iter().enumerate() {
            let day = format!("2024-01-{:02}", k + 1);
            t.push(daily(&day, "search", if k < 7 { 20 } else { 40 }));
            t.push(daily(&day, "facebook", *fb));
        }
        for (day, c, fb) in [("2024-01-15", 4, 2), ("2024-01-16", 40, 20), ("2024-01-17", 60, 30)] {
            t.push(daily(day, "search", c));
            t.push(daily(day, "facebook", fb));
        }
        t
    }

    pub(in crate::metrics) fn campaign(id: &str, baseline: (&str, &str), window: (&str, &str)) -> Campaign {
        Campaign {
            id: id.into(),
            name: id.into(),
            ask: None,
            start: d(window.0),
            end: d(window.1),
            baseline_start: d(baseline.0),
            baseline_end: d(baseline.1),
            tz: chrono_tz::UTC,
            own_accounts: Default::default(),
            hashtags: vec![],
            targets: vec![],
            url_prefixes: vec![],
            benchmark_days: 90,
            growth_history_days: crate::metrics::growth::HISTORY_DAYS,
            project_to: d(window.1),
            goals: vec![],
            milestones: vec![],
            key_accounts: vec![],
            min_followers_to_name: 5000,
            top_voices: 20,
        }
    }

    fn run(traffic: &[Traffic], campaigns: &[Campaign]) -> PolarsResult<DataFrame> {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("lake");
        crate::testkit::write_records(&root, "t", &[], &[], traffic, &[]).unwrap();
        let lake = Lake::open(&root).unwrap();
        let key = Pseudonymizer::load_or_create(&Pseudonymizer::key_path(&root)).unwrap();
        let ladder = Ladder::default();
        let scopes: Vec<Scope> = campaigns.iter().map(|c| Scope::new(&lake, c, &ladder, None, &key).unwrap()).collect();
        referral_uplift(&scopes)?.collect()
    }

    /// The row of (campaign, channel).
    fn at(df: &DataFrame, campaign: &str, channel: &str) -> usize {
        let c = df.column("campaign").unwrap().str().unwrap();
        let ch = df.column("channel").unwrap().str().unwrap();
        (0..df.height()).find(|i| c.get(*i) == Some(campaign) && ch.get(*i) == Some(channel)).expect("row")
    }
    fn f(df: &DataFrame, campaign: &str, channel: &str, name: &str) -> Option<f64> {
        df.column(name).unwrap().f64().unwrap().get(at(df, campaign, channel))
    }
    fn i(df: &DataFrame, campaign: &str, channel: &str, name: &str) -> Option<i64> {
        df.column(name).unwrap().i64().unwrap().get(at(df, campaign, channel))
    }
    fn s(df: &DataFrame, campaign: &str, channel: &str, name: &str) -> Option<String> {
        df.column(name).unwrap().str().unwrap().get(at(df, campaign, channel)).map(str::to_string)
    }
    fn close(a: Option<f64>, b: f64) {
        let a = a.expect("a figure, not null");
        assert!((a - b).abs() <= 1e-9 * b.abs().max(1e-9), "{a} != {b}");
    }
    fn channels(df: &DataFrame) -> Vec<(String, String)> {
        let c = df.column("campaign").unwrap().str().unwrap();
        let ch = df.column("channel").unwrap().str().unwrap();
        (0..df.height()).map(|i| (c.get(i).unwrap().to_string(), ch.get(i).unwrap().to_string())).collect()
    }
    /// The interval's draws (docs/metrics.md#interval-and-p-value), recomputed here:
    /// observed − (expected + Σ of |P| drawn residuals).
    fn draws(uplift: f64, residuals: &[f64], p_days: usize) -> Vec<f64> {
        stats::draw_indices(residuals.len(), p_days, stats::RESAMPLES, stats::SEED)
            .iter()
            .map(|idx| uplift - idx.iter().map(|i| residuals[*i]).sum::<f64>())
            .collect()
    }

    #[test]
    fn control_ols_clamp_interval_and_same_bytes() {
        // B = Jan 1–14 (14 days with data), P = Jan 15–17. Control (search): 20 on days 1–7,
        // 40 on days 8–14; facebook scatters ±1 around 5 and 15.
        let t = control_fixture();
        let camp = [campaign("c", ("2024-01-01", "2024-01-14"), ("2024-01-15", "2024-01-17"))];
        let df = run(&t, &camp).unwrap();
        assert_eq!(channels(&df), vec![("c".into(), "all_social".into()), ("c".into(), "facebook".into())]);
        assert_eq!(s(&df, "c", "facebook", "method").as_deref(), Some("control"));
        assert_eq!(
            (i(&df, "c", "facebook", "baseline_days"), i(&df, "c", "facebook", "campaign_days")),
            (Some(14), Some(3))
        );
        // OLS: mean c = 30, mean s = 10; sxy = (−10)(35 − 70) + (10)(105 − 70) = 700,
        // sxx = 14·10² = 1400: β = 0.5, α = 10 − 0.5·30 = −5.
        close(f(&df, "c", "facebook", "alpha"), -5.0);
        close(f(&df, "c", "facebook", "beta"), 0.5);
        // Fitted in P: −5 + 0.5·4 = −3 → clamped to 0; −5 + 20 = 15; −5 + 30 = 25.
        // expected = 0 + 15 + 25 = 40 (37 without the clamp).
        close(f(&df, "c", "facebook", "expected"), 40.0);
        assert_eq!(i(&df, "c", "facebook", "observed"), Some(52)); // 2 + 20 + 30
        close(f(&df, "c", "facebook", "uplift_sessions"), 12.0); // 52 − 40
        close(f(&df, "c", "facebook", "uplift_rel"), 0.3); // 12 / 40
                                                           // Total = facebook + search: OLS gives β = 1.5, α = −5; in P: −5 + 6 = 1, −5 + 60 = 55,
                                                           // −5 + 90 = 85: expected total 141.
        close(f(&df, "c", "facebook", "expected_total"), 141.0);
        close(f(&df, "c", "facebook", "total_traffic_uplift_rel"), 12.0 / 141.0);
        // Residuals (day order): −1, 1, −1, 1, −1, 1, 0 twice. Draws: 12 − Σ of 3 residuals,
        // within [9, 15]: never ≤ 0.
        let r = [-1.0, 1.0, -1.0, 1.0, -1.0, 1.0, 0.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, 0.0];
        let ups = draws(12.0, &r, 3);
        close(f(&df, "c", "facebook", "ci_low"), stats::percentile(&ups, 2.5).unwrap());
        close(f(&df, "c", "facebook", "ci_high"), stats::percentile(&ups, 97.5).unwrap());
        assert!(
            f(&df, "c", "facebook", "ci_low").unwrap() >= 9.0 && f(&df, "c", "facebook", "ci_high").unwrap() <= 15.0
        );
        assert_eq!(f(&df, "c", "facebook", "p_no_effect"), Some(0.0));
        assert_eq!(s(&df, "c", "facebook", "reason"), None);
        // Only facebook is social: all_social is the same series.
        close(f(&df, "c", "all_social", "expected"), 40.0);
        // The same inputs give the same bytes.
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.parquet"), dir.path().join("b.parquet"));
        crate::metrics::write_table(&mut run(&t, &camp).unwrap(), &a).unwrap();
        crate::metrics::write_table(&mut run(&t, &camp).unwrap(), &b).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    }

    #[test]
    fn dow_mean_when_the_baseline_is_short_or_control_constant() {
        // 2024-01-01 is a Monday. Search is 100 every day (constant control).
        // Facebook: Mon 1st 4, Tue 2nd 10, Mon 8th 8, Tue 9th 20, every other day 1.
        let mut t = Vec::new();
        for k in 1..=16 {
            let day = format!("2024-01-{k:02}");
            t.push(daily(&day, "search", 100));
            let fb = match k {
                1 => 4,
                2 => 10,
                8 => 8,
                9 => 20,
                15 => 7,
                16 => 14,
                _ => 1,
            };
            t.push(daily(&day, "facebook", fb));
        }
        let camps = [
            // B = Jan 1–10: 10 days < 14.
            campaign("short", ("2024-01-01", "2024-01-10"), ("2024-01-15", "2024-01-16")),
            // B = Jan 1–14: 14 days, but the control is constant.
            campaign("flat", ("2024-01-01", "2024-01-14"), ("2024-01-15", "2024-01-16")),
        ];
        let df = run(&t, &camps).unwrap();
        for c in ["flat", "short"] {
            assert_eq!(s(&df, c, "facebook", "method").as_deref(), Some("dow_mean"));
            assert_eq!((f(&df, c, "facebook", "alpha"), f(&df, c, "facebook", "beta")), (None, None));
            // P = Mon 15th, Tue 16th: mean(4, 8) + mean(10, 20) = 6 + 15 = 21.
            close(f(&df, c, "facebook", "expected"), 21.0);
            assert_eq!(i(&df, c, "facebook", "observed"), Some(21)); // 7 + 14
            close(f(&df, c, "facebook", "uplift_sessions"), 0.0);
            close(f(&df, c, "facebook", "uplift_rel"), 0.0);
            // Total: Mon mean 106 + Tue mean 115 = 221.
            close(f(&df, c, "facebook", "expected_total"), 221.0);
            close(f(&df, c, "facebook", "total_traffic_uplift_rel"), 0.0);
        }
        assert_eq!(i(&df, "short", "facebook", "baseline_days"), Some(10));
        assert_eq!(i(&df, "flat", "facebook", "baseline_days"), Some(14));
        // Residuals of "short" (day order Jan 1–10): −2, −5, 0, 0, 0, 0, 0, 2, 5, 0. The uplift
        // of a draw is 0 − Σ of 2 residuals: ≤ 0 whenever the sum is ≥ 0.
        let ups = draws(0.0, &[-2.0, -5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 5.0, 0.0], 2);
        let p = ups.iter().filter(|u| **u <= 0.0).count() as f64 / 2000.0;
        close(f(&df, "short", "facebook", "p_no_effect"), p);
        assert!(p > 0.0 && p < 1.0, "{p}");
        close(f(&df, "short", "facebook", "ci_low"), stats::percentile(&ups, 2.5).unwrap());
        close(f(&df, "short", "facebook", "ci_high"), stats::percentile(&ups, 97.5).unwrap());
    }

    #[test]
    fn mean_fallback_missing_vs_zero_days_all_social_and_no_baseline() {
        // B = Mon Jan 1 – Fri Jan 5, P = Sat Jan 13 – Sun Jan 14: Saturday never occurs in B.
        let t = [
            daily("2024-01-01", "facebook", 10),
            daily("2024-01-01", "twitter", 1),
            daily("2024-01-01", "search", 100),
            daily("2024-01-02", "facebook", 20),
            daily("2024-01-02", "search", 100),
            // Wed 3rd: rows, but none social: facebook and twitter are 0 that day.
            daily("2024-01-03", "search", 100),
            // Thu 4th: no rows at all: missing, left out.
            daily("2024-01-05", "facebook", 30),
            daily("2024-01-05", "twitter", 3),
            daily("2024-01-05", "referral", 100), // referral is control, not social
            daily("2024-01-13", "facebook", 40),
            daily("2024-01-13", "twitter", 5),
            daily("2024-01-13", "search", 100),
            // Sun 14th: missing.
        ];
        let camps = [
            campaign("m", ("2024-01-01", "2024-01-05"), ("2024-01-13", "2024-01-14")),
            campaign("nobase", ("2023-11-01", "2023-11-28"), ("2024-01-13", "2024-01-14")),
        ];
        let df = run(&t, &camps).unwrap();
        let names = |c: &str| {
            vec![(c.to_string(), "all_social".to_string()), (c.into(), "facebook".into()), (c.into(), "twitter".into())]
        };
        assert_eq!(channels(&df), [names("m"), names("nobase")].concat());
        assert_eq!(s(&df, "m", "facebook", "method").as_deref(), Some("mean"));
        // Days with data: B = Mon, Tue, Wed, Fri (4); P = Sat (1).
        assert_eq!(
            (i(&df, "m", "facebook", "baseline_days"), i(&df, "m", "facebook", "campaign_days")),
            (Some(4), Some(1))
        );
        // facebook: mean_B = (10 + 20 + 0 + 30) / 4 = 15 (12 if Thu counted as 0, 20 if Wed
        // were left out); expected = 15 · 1.
        close(f(&df, "m", "facebook", "expected"), 15.0);
        assert_eq!(i(&df, "m", "facebook", "observed"), Some(40));
        close(f(&df, "m", "facebook", "uplift_sessions"), 25.0);
        close(f(&df, "m", "facebook", "uplift_rel"), 25.0 / 15.0);
        // twitter: (1 + 0 + 0 + 3) / 4 = 1; observed 5: uplift 4, rel 4.
        close(f(&df, "m", "twitter", "expected"), 1.0);
        close(f(&df, "m", "twitter", "uplift_rel"), 4.0);
        // all_social = facebook + twitter: B 11, 20, 0, 33 → mean 16; observed 45; uplift 29.
        close(f(&df, "m", "all_social", "expected"), 16.0);
        assert_eq!(i(&df, "m", "all_social", "observed"), Some(45));
        close(f(&df, "m", "all_social", "uplift_sessions"), 29.0);
        // Total (all channels): B 111, 120, 100, 133 → mean 116, times |P| = 1.
        close(f(&df, "m", "all_social", "expected_total"), 116.0);
        close(f(&df, "m", "all_social", "total_traffic_uplift_rel"), 29.0 / 116.0);
        close(f(&df, "m", "facebook", "total_traffic_uplift_rel"), 25.0 / 116.0);
        // facebook residuals −5, 5, −15, 15; a draw is 25 − one residual ∈ {30, 20, 40, 10}.
        let p = f(&df, "m", "facebook", "p_no_effect").unwrap();
        assert!((0.0..=1.0).contains(&p) && p == 0.0);
        let ups = draws(25.0, &[-5.0, 5.0, -15.0, 15.0], 1);
        close(f(&df, "m", "facebook", "ci_low"), stats::percentile(&ups, 2.5).unwrap());
        close(f(&df, "m", "facebook", "ci_high"), stats::percentile(&ups, 97.5).unwrap());
        // No traffic in November: a reason, and every figure null (not 0).
        for ch in ["all_social", "facebook", "twitter"] {
            assert_eq!(s(&df, "nobase", ch, "reason").as_deref(), Some(NO_BASELINE));
            assert_eq!(s(&df, "nobase", ch, "method"), None);
            assert_eq!(i(&df, "nobase", ch, "observed"), None);
            for col in [
                "alpha",
                "beta",
                "expected",
                "uplift_sessions",
                "uplift_rel",
                "ci_low",
                "ci_high",
                "p_no_effect",
                "expected_total",
                "total_traffic_uplift_rel",
            ] {
                assert_eq!(f(&df, "nobase", ch, col), None, "{col}");
            }
            assert_eq!(
                (i(&df, "nobase", ch, "baseline_days"), i(&df, "nobase", ch, "campaign_days")),
                (Some(0), Some(1))
            );
            assert_eq!(s(&df, "m", ch, "reason"), None);
        }
    }

    #[test]
    fn range_only_ua_export_uses_mean_without_an_interval() {
        // UA exports over a range, no date column: B = Jan 1–28 (28 days), P = Jan 29 – Feb 4 (7).
        let t = [
            row("2024-01-01", "2024-01-28", "facebook", "l.facebook.com", 200),
            row("2024-01-01", "2024-01-28", "facebook", "m.facebook.com", 80),
            row("2024-01-01", "2024-01-28", "search", "google", 1400),
            row("2024-01-29", "2024-02-04", "facebook", "l.facebook.com", 140),
            row("2024-01-29", "2024-02-04", "search", "google", 350),
            // Straddles B and P: cannot be split, left out with a warning.
            row("2024-01-20", "2024-02-02", "facebook", "l.facebook.com", 9999),
            // Wholly after P: another period's, ignored without a word.
            row("2024-03-01", "2024-03-31", "twitter", "t.co", 5555),
            // A daily row without sessions says nothing: the site stays range-only.
            Traffic { sessions: None, ..daily("2024-01-30", "facebook", 0) },
        ];
        let df = run(&t, &[campaign("ua", ("2024-01-01", "2024-01-28"), ("2024-01-29", "2024-02-04"))]).unwrap();
        // Channels: all_social and facebook (twitter's only row is outside B and P).
        assert_eq!(channels(&df), vec![("ua".into(), "all_social".into()), ("ua".into(), "facebook".into())]);
        assert_eq!(s(&df, "ua", "facebook", "method").as_deref(), Some("mean"));
        assert_eq!(s(&df, "ua", "facebook", "baseline_basis").as_deref(), Some("range"));
        assert_eq!(s(&df, "ua", "facebook", "campaign_basis").as_deref(), Some("range"));
        assert_eq!(
            (i(&df, "ua", "facebook", "baseline_days"), i(&df, "ua", "facebook", "campaign_days")),
            (Some(28), Some(7))
        );
        // mean_B = (200 + 80) / 28 = 10 per day; expected = 10 · 7 = 70; observed 140 (the
        // straddling 9999 is in neither).
        close(f(&df, "ua", "facebook", "expected"), 70.0);
        assert_eq!(i(&df, "ua", "facebook", "observed"), Some(140));
        close(f(&df, "ua", "facebook", "uplift_sessions"), 70.0);
        close(f(&df, "ua", "facebook", "uplift_rel"), 1.0);
        // Total: (280 + 1400) / 28 = 60 per day, · 7 = 420; 70 / 420.
        close(f(&df, "ua", "facebook", "expected_total"), 420.0);
        close(f(&df, "ua", "facebook", "total_traffic_uplift_rel"), 70.0 / 420.0);
        // No per-day residuals: no interval, no p, and the reason says so.
        for col in ["ci_low", "ci_high", "p_no_effect"] {
            assert_eq!(f(&df, "ua", "facebook", col), None, "{col}");
        }
        assert_eq!(s(&df, "ua", "facebook", "ci_reason").as_deref(), Some(RANGE_NO_CI));
        assert_eq!(s(&df, "ua", "facebook", "reason"), None);
        let warn = s(&df, "ua", "all_social", "warnings").unwrap();
        assert!(
            warn.starts_with("traffic rows over 2024-01-20..2024-02-02 left out: a range row must lie wholly"),
            "{warn}"
        );
        assert!(!warn.contains("2024-03-01"), "{warn}");
        // docs/metrics.md columns and dtypes: counts Int64, figures Float64, labels String.
        for (name, dt) in [
            ("campaign", DataType::String),
            ("channel", DataType::String),
            ("method", DataType::String),
            ("baseline_days", DataType::Int64),
            ("campaign_days", DataType::Int64),
            ("alpha", DataType::Float64),
            ("beta", DataType::Float64),
            ("observed", DataType::Int64),
            ("expected", DataType::Float64),
            ("uplift_sessions", DataType::Float64),
            ("uplift_rel", DataType::Float64),
            ("ci_low", DataType::Float64),
            ("ci_high", DataType::Float64),
            ("p_no_effect", DataType::Float64),
            ("expected_total", DataType::Float64),
            ("total_traffic_uplift_rel", DataType::Float64),
            ("reason", DataType::String),
            ("warnings", DataType::String),
            ("seed", DataType::Int64),
            ("resamples", DataType::Int64),
        ] {
            assert_eq!(df.column(name).unwrap().dtype(), &dt, "{name}");
        }
    }

    #[test]
    fn range_rows_are_left_out_where_the_site_has_daily_rows() {
        // "mix": a daily baseline (Mon Mar 4 – Thu Mar 7) and a range-only window (Mar 11–13).
        // "both": daily rows in B (Apr 1–4) and P (Apr 8–9) and a range inside each.
        let mut t = vec![
            daily("2024-03-04", "facebook", 2),
            daily("2024-03-05", "facebook", 4),
            daily("2024-03-06", "facebook", 6),
            daily("2024-03-07", "facebook", 8),
            row("2024-03-11", "2024-03-13", "facebook", "l.facebook.com", 30),
            row("2024-03-11", "2024-03-13", "search", "google", 30),
        ];
        for (day, fb) in [("2024-04-01", 1), ("2024-04-02", 3), ("2024-04-03", 5), ("2024-04-04", 7)] {
            t.push(daily(day, "facebook", fb));
            t.push(daily(day, "search", 10));
        }
        t.push(daily("2024-04-08", "facebook", 9));
        t.push(daily("2024-04-09", "facebook", 11));
        t.push(row("2024-04-01", "2024-04-04", "twitter", "t.co", 400));
        t.push(row("2024-04-08", "2024-04-09", "facebook", "l.facebook.com", 900));
        let camps = [
            campaign("mix", ("2024-03-04", "2024-03-07"), ("2024-03-11", "2024-03-13")),
            campaign("both", ("2024-04-01", "2024-04-04"), ("2024-04-08", "2024-04-09")),
        ];
        let df = run(&t, &camps).unwrap();
        // mix: the site has daily rows in B, so the window's range rows are left out: the
        // window has no usable rows, every figure null with the reason (not a mean of 5/day
        // against a range).
        assert_eq!(s(&df, "mix", "facebook", "reason").as_deref(), Some(WINDOW_RANGE_ONLY));
        assert_eq!(s(&df, "mix", "facebook", "method"), None);
        assert_eq!((f(&df, "mix", "facebook", "expected"), i(&df, "mix", "facebook", "observed")), (None, None));
        assert_eq!(
            (i(&df, "mix", "facebook", "baseline_days"), i(&df, "mix", "facebook", "campaign_days")),
            (Some(4), Some(0))
        );
        let warn = s(&df, "mix", "facebook", "warnings").unwrap();
        assert!(
            warn.starts_with("traffic rows over 2024-03-11..2024-03-13 left out: the site has daily rows"),
            "{warn}"
        );
        // both: daily rows in B (Mon–Thu) and P (Mon 8, Tue 9): dow_mean, as without the ranges.
        // dow_mean: Mon 1 → 9, Tue 3 → 11: expected 1 + 3 = 4, observed 9 + 11 = 20; the
        // ranges (twitter 400, facebook 900) are in no figure and no channel.
        assert_eq!(channels(&df)[..2], [("both".into(), "all_social".into()), ("both".into(), "facebook".into())]);
        assert_eq!(s(&df, "both", "facebook", "method").as_deref(), Some("dow_mean"));
        close(f(&df, "both", "facebook", "expected"), 4.0);
        assert_eq!(i(&df, "both", "facebook", "observed"), Some(20));
        assert!(f(&df, "both", "facebook", "ci_low").is_some());
        assert_eq!(
            s(&df, "both", "facebook", "warnings").as_deref(),
            Some(
                "traffic rows over 2024-04-01..2024-04-04, 2024-04-08..2024-04-09 left out: the site has daily rows \
                 in the baseline or the window, and range rows feed the mean method only when it has none"
            )
        );
    }

    #[test]
    fn a_range_baseline_against_a_daily_window_is_null_with_a_reason() {
        // B = Jan 1–28 as one range row; P = Jan 29–30 as daily rows.
        let t = [
            row("2024-01-01", "2024-01-28", "facebook", "l.facebook.com", 280),
            daily("2024-01-29", "facebook", 12),
            daily("2024-01-30", "facebook", 14),
        ];
        let df = run(&t, &[campaign("r", ("2024-01-01", "2024-01-28"), ("2024-01-29", "2024-01-30"))]).unwrap();
        assert_eq!(s(&df, "r", "facebook", "reason").as_deref(), Some(BASELINE_RANGE_ONLY));
        assert_eq!(f(&df, "r", "facebook", "uplift_sessions"), None);
        assert_eq!(
            (i(&df, "r", "facebook", "baseline_days"), i(&df, "r", "facebook", "campaign_days")),
            (Some(0), Some(2))
        );
    }

    #[test]
    fn a_baseline_over_another_window_is_an_error() {
        let t = [daily("2024-01-01", "search", 1)];
        let camps = [
            campaign("a", ("2023-12-01", "2023-12-28"), ("2024-01-01", "2024-01-10")),
            campaign("b", ("2024-01-05", "2024-01-20"), ("2024-02-01", "2024-02-10")),
        ];
        let err = run(&t, &camps).unwrap_err().to_string();
        assert!(err.contains("'b'") && err.contains("'a'"), "{err}");
    }
}
