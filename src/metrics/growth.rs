//! `growth`: the follower counts of a campaign's own accounts against the trend of the days
//! before it, one row per (campaign, platform, account, day); and the headline figures
//! `followers_gained` and `followers_above_projection` (with its interval) that
//! `campaign_kpis` (and any table computed after `growth`) read through [`headline`].
//!
//! Readings to keep:
//! - Accounts: the rows of the lake's `accounts` table that are the campaign's own accounts
//!   ([`own_account_rows`]: platform, and handle or id as the pipeline names them, as for
//!   followers at launch); one series per (platform, `account_id`), the largest count of a
//!   day when a day has several rows. Rows without a date or a count are left out (an
//!   Instagram user object has no date). An account gets rows when it has at least one
//!   count between the history's first day and the last row's day. A count's day is the
//!   lake's `date` as the export gave it, not moved into the campaign's time zone (a daily
//!   count has no time of day to move).
//! - History: the `growth_history_days` days before `start` (default [`HISTORY_DAYS`]:
//!   start − 90 … start − 1). Only days with a count are points: a day without one is
//!   missing, not 0.
//! - Fit: ordinary least squares of the count on the day (x = days since `start`) over
//!   the history's points. Fewer than [`MIN_POINTS`] (3) points: no fit, `projected`, `low`
//!   and `high` are null on every row of that account and metrics.json says why; 3 is the
//!   fewest that leaves a residual to measure the spread by (n − 2 ≥ 1). Points are on
//!   distinct days, so the days never all coincide.
//! - Interval: the textbook OLS prediction interval of one day's count, 95%:
//!   ŷ ± t(0.975, n − 2) · s · √(1 + 1/n + (x − x̄)² / Sxx), s² = Σ residual² / (n − 2).
//!   No resampling, nothing random. A cumulative count's residuals are correlated from day
//!   to day, which this interval ignores: it is narrower than the true uncertainty, and a
//!   count just outside it is weak evidence.
//! - Rows: every day from the history's first day through the later of `end` and
//!   `project_to`; `followers` null on a day without a count; `projected`, `low`, `high` on
//!   every row of a fitted account, the history included (there they are the fitted line
//!   and its band, to see how well a line fits), null for an account without a fit;
//!   `in_window` = `start` ≤ day ≤ `end`.
//! - `followers_gained`: per account, its last count on a window day minus its last count
//!   before `start` (in the history: an older one is too stale to say what the window
//!   added); summed over the accounts that have both (the others are named in the method);
//!   null when none has both. Not the count dated `start` that followers at launch may use:
//!   a day's count is taken at the day's end, so it already holds the launch day's new
//!   followers, often the window's largest day.
//! - `followers_above_projection`: per fitted account with a count in the window, that
//!   count minus ŷ on the same day (the last window day with a count, normally `end`);
//!   summed over those accounts, null when there is none. Its interval
//!   (`followers_above_projection_low`, `_high`): the sum ∓ the accounts' half-widths added
//!   in quadrature (accounts taken as independent); with one account, exactly the count
//!   minus the prediction interval's ends.
//!
//! User docs: docs/metrics.md#follower-growth.

use std::collections::BTreeMap;

use anyhow::{anyhow, Result};
use chrono::NaiveDate;
use polars::prelude::*;
use serde_json::{json, Value};

use super::comparison::own_account_rows;
use super::registry::{Compute, Table};
use super::{stats, Scope};
use crate::model::Day;
use crate::schema::Campaign;

/// Days of history the trend is fitted on unless the pipeline says otherwise.
pub const HISTORY_DAYS: u32 = 90;
/// The fewest history days with a count that give a fit (and a residual to spare).
pub const MIN_POINTS: usize = 3;
/// The prediction interval's coverage.
pub const LEVEL: f64 = 0.95;

/// The `growth` table (registry entry).
pub const GROWTH: Table = Table {
    name: "growth",
    key: &["campaign", "platform", "account", "day"],
    columns: &["campaign", "platform", "account", "day", "followers", "projected", "low", "high", "in_window"],
    compute: Compute::Scopes(growth),
};

/// The first day of a campaign's follower history.
pub fn history_start(c: &Campaign) -> NaiveDate {
    c.start - chrono::Duration::days(c.growth_history_days as i64)
}

/// The last day of a campaign's `growth` rows: the later of its end and `project_to`.
pub fn last_day(c: &Campaign) -> NaiveDate {
    c.end.max(c.project_to)
}

/// A straight line fitted by least squares, with what its prediction interval needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// Points fitted.
    pub n: usize,
    /// ŷ at x = 0 (the campaign's start).
    pub intercept: f64,
    /// Followers per day.
    pub slope: f64,
    /// Residual standard error, √(Σ residual² / (n − 2)).
    pub s: f64,
    pub x_mean: f64,
    /// Σ (x − x̄)².
    pub sxx: f64,
    /// t(0.5 + LEVEL / 2, n − 2).
    pub t: f64,
}

impl Fit {
    /// The OLS line through `points` (x, y); Err says why there is none, in words that
    /// follow "has " (e.g. "2 days with a follower count (3 needed)").
    pub fn new(points: &[(f64, f64)]) -> std::result::Result<Fit, String> {
        let n = points.len();
        let too_few =
            || format!("{n} day{} with a follower count ({MIN_POINTS} needed)", if n == 1 { "" } else { "s" });
        if n < MIN_POINTS {
            return Err(too_few());
        }
        let (x, y): (Vec<f64>, Vec<f64>) = points.iter().copied().unzip();
        let (intercept, slope) = stats::ols(&x, &y).ok_or_else(too_few)?;
        let x_mean = stats::mean(&x).ok_or_else(too_few)?;
        let sxx: f64 = x.iter().map(|v| (v - x_mean).powi(2)).sum();
        let sse: f64 = x.iter().zip(&y).map(|(a, b)| (b - intercept - slope * a).powi(2)).sum();
        let df = (n - 2) as f64;
        let t = stats::t_quantile(0.5 + LEVEL / 2.0, df).ok_or_else(too_few)?;
        Ok(Fit { n, intercept, slope, s: (sse / df).sqrt(), x_mean, sxx, t })
    }

    /// ŷ at `x` and the half-width of its prediction interval.
    pub fn at(&self, x: f64) -> (f64, f64) {
        let se = self.s * (1.0 + 1.0 / self.n as f64 + (x - self.x_mean).powi(2) / self.sxx).sqrt();
        (self.intercept + self.slope * x, self.t * se)
    }
}

/// Counts by account: (platform, account_id) → epoch day → followers.
type Counts = BTreeMap<(String, String), BTreeMap<i32, i64>>;

/// The daily counts of the campaign's own accounts from `from` to `to`, inclusive.
fn own_counts(s: &Scope, from: NaiveDate, to: NaiveDate) -> PolarsResult<Counts> {
    let df = s
        .accounts
        .clone()
        .filter(
            own_account_rows(s.campaign)
                .and(col("date").gt_eq(lit(from)))
                .and(col("date").lt_eq(lit(to)))
                .and(col("followers").is_not_null())
                .and(col("account_id").is_not_null()),
        )
        .group_by([col("platform"), col("account_id"), col("date")])
        .agg([col("followers").max()])
        .select([col("platform"), col("account_id"), col("date").cast(DataType::Int32), col("followers")])
        .collect()?;
    let (p, a) = (df.column("platform")?.str()?, df.column("account_id")?.str()?);
    let (d, f) = (df.column("date")?.i32()?, df.column("followers")?.i64()?);
    let mut out = Counts::new();
    for i in 0..df.height() {
        if let (Some(p), Some(a), Some(d), Some(f)) = (p.get(i), a.get(i), d.get(i), f.get(i)) {
            out.entry((p.to_string(), a.to_string())).or_default().insert(d, f);
        }
    }
    Ok(out)
}

/// docs/metrics.md#follower-growth for every campaign, sorted by the key.
pub fn growth(scopes: &[Scope]) -> PolarsResult<LazyFrame> {
    let (mut camp, mut plat, mut acct, mut day) = (Vec::new(), Vec::new(), Vec::new(), Vec::<i32>::new());
    let (mut followers, mut projected, mut low, mut high, mut in_window) =
        (Vec::<Option<i64>>::new(), Vec::<Option<f64>>::new(), Vec::new(), Vec::new(), Vec::new());
    for s in scopes {
        let c = s.campaign;
        let (from, to) = (history_start(c), last_day(c));
        let [first, start, end, last] = [from, c.start, c.end, to].map(|d| Day::from_naive(d).0);
        for ((platform, account), counts) in own_counts(s, from, to)? {
            let points: Vec<(f64, f64)> = counts.range(..start).map(|(d, f)| ((d - start) as f64, *f as f64)).collect();
            let fit = Fit::new(&points).ok();
            for d in first..=last {
                let band = fit.as_ref().map(|f| f.at((d - start) as f64));
                camp.push(c.id.clone());
                plat.push(platform.clone());
                acct.push(account.clone());
                day.push(d);
                followers.push(counts.get(&d).copied());
                projected.push(band.map(|(y, _)| y));
                low.push(band.map(|(y, h)| y - h));
                high.push(band.map(|(y, h)| y + h));
                in_window.push(start <= d && d <= end);
            }
        }
    }
    let n = camp.len();
    let df = DataFrame::new(
        n,
        vec![
            Column::new("campaign".into(), camp),
            Column::new("platform".into(), plat),
            Column::new("account".into(), acct),
            Column::new("day".into(), day).cast(&DataType::Date)?,
            Column::new("followers".into(), followers),
            Column::new("projected".into(), projected),
            Column::new("low".into(), low),
            Column::new("high".into(), high),
            Column::new("in_window".into(), in_window),
        ],
    )?;
    Ok(df.lazy().sort(["campaign", "platform", "account", "day"], SortMultipleOptions::default()))
}

/// One account's figures, from the `growth` table.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountFigures {
    pub platform: String,
    pub account: String,
    /// The trend, or why there is none.
    pub fit: std::result::Result<Fit, String>,
    /// (epoch day, count): the last count before `start` (in the history).
    pub before: Option<(i32, i64)>,
    /// (epoch day, count): the last count on a window day.
    pub last_in_window: Option<(i32, i64)>,
}

impl AccountFigures {
    /// `platform/account`, as the report and metrics.json name it.
    pub fn label(&self) -> String {
        format!("{}/{}", self.platform, self.account)
    }

    /// The last window count minus the last count before the start.
    pub fn gained(&self) -> Option<i64> {
        Some(self.last_in_window?.1 - self.before?.1)
    }

    /// (count − ŷ, ŷ, half-width) on the last window day with a count.
    pub fn above(&self, start: i32) -> Option<(f64, f64, f64)> {
        let (d, f) = self.last_in_window?;
        let (y, h) = self.fit.as_ref().ok()?.at((d - start) as f64);
        Some((f as f64 - y, y, h))
    }
}

/// The accounts of one campaign in the `growth` table, with the window `start..=end` (epoch
/// days): the rows before `start` are the history the trend was fitted on, so it is fitted
/// again here from them (same points, same numbers).
pub fn account_figures(growth: &DataFrame, campaign: &str, start: i32, end: i32) -> Result<Vec<AccountFigures>> {
    let col_err = |c: &str| anyhow!("metric table growth: no column '{c}'");
    let get = |c: &str| growth.column(c).map_err(|_| col_err(c));
    let (camps, plats, accts) = (get("campaign")?.str()?, get("platform")?.str()?, get("account")?.str()?);
    let days = get("day")?.cast(&DataType::Int32)?;
    let (days, followers) = (days.i32()?, get("followers")?.i64()?);
    let mut counts = Counts::new();
    for i in 0..growth.height() {
        if camps.get(i) != Some(campaign) {
            continue;
        }
        let (Some(p), Some(a)) = (plats.get(i), accts.get(i)) else { continue };
        let series = counts.entry((p.to_string(), a.to_string())).or_default();
        if let (Some(d), Some(f)) = (days.get(i), followers.get(i)) {
            series.insert(d, f);
        }
    }
    Ok(counts
        .into_iter()
        .map(|((platform, account), c)| {
            let points: Vec<(f64, f64)> = c.range(..start).map(|(d, f)| ((d - start) as f64, *f as f64)).collect();
            AccountFigures {
                platform,
                account,
                fit: Fit::new(&points),
                before: c.range(..start).next_back().map(|(d, f)| (*d, *f)),
                last_in_window: c.range(start..=end).next_back().map(|(d, f)| (*d, *f)),
            }
        })
        .collect())
}

/// A campaign's growth figures (docs/metrics.md#follower-growth): the values of its
/// `campaign_kpis` columns, with the method behind each or the reason it is null.
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    pub accounts: Vec<AccountFigures>,
    pub followers_gained: Option<i64>,
    /// How it was computed (a value) or why it is null.
    pub gained_note: String,
    pub followers_above_projection: Option<f64>,
    pub followers_above_projection_low: Option<f64>,
    pub followers_above_projection_high: Option<f64>,
    pub above_note: String,
}

fn day_text(d: i32) -> String {
    Day(d).to_naive().to_string()
}

/// The growth figures of campaign `c` from the `growth` table.
pub fn headline(growth: &DataFrame, c: &Campaign) -> Result<Headline> {
    let [first, start, end, last] = [history_start(c), c.start, c.end, last_day(c)].map(|d| Day::from_naive(d).0);
    let accounts = account_figures(growth, &c.id, start, end)?;
    let history =
        format!("the {} days before the start ({}..{})", c.growth_history_days, day_text(first), day_text(start - 1));
    let none = format!("no own account has a dated follower count from {} to {}", day_text(first), day_text(last));
    let names = |v: &[&AccountFigures]| v.iter().map(|a| a.label()).collect::<Vec<_>>().join(", ");

    let (with, without): (Vec<&AccountFigures>, Vec<&AccountFigures>) =
        accounts.iter().partition(|a| a.gained().is_some());
    let followers_gained = (!with.is_empty()).then(|| with.iter().filter_map(|a| a.gained()).sum::<i64>());
    let gained_note = if accounts.is_empty() {
        none.clone()
    } else if with.is_empty() {
        format!("no own account has both a follower count in {history} and one in the window")
    } else {
        let mut m = format!(
            "Σ over {} of the last follower count in the window minus the last one before the start (from {})",
            names(&with),
            day_text(first)
        );
        if !without.is_empty() {
            m.push_str(&format!("; left out, lacking one of the two: {}", names(&without)));
        }
        m
    };

    let above: Vec<(&AccountFigures, (f64, f64, f64))> =
        accounts.iter().filter_map(|a| a.above(start).map(|x| (a, x))).collect();
    let (sum, half) = above.iter().fold((0.0, 0.0), |(s, h2), (_, (d, _, h))| (s + d, h2 + h * h));
    let half = half.sqrt();
    let value = (!above.is_empty()).then_some(sum);
    let why_not = |a: &AccountFigures| match &a.fit {
        Err(e) => format!("{} has {e} in {history}", a.label()),
        Ok(_) => format!("{} has no follower count in the window", a.label()),
    };
    let left_out: Vec<String> = accounts.iter().filter(|a| a.above(start).is_none()).map(why_not).collect();
    let above_note = if accounts.is_empty() {
        none
    } else if above.is_empty() {
        left_out.join("; ")
    } else {
        let fits: Vec<String> = above
            .iter()
            .map(|(a, (_, _, _))| {
                let f = a.fit.as_ref().expect("fitted");
                format!("{} ({} days, {:+.1} a day)", a.label(), f.n, f.slope)
            })
            .collect();
        let mut m = format!(
            "follower count minus the straight-line trend (least squares over the days with a count in {history}) \
             on the last window day with a count, over {}; 95% prediction interval (Student t, n − 2 degrees of \
             freedom){}",
            fits.join(", "),
            if above.len() > 1 { ", accounts' half-widths added in quadrature" } else { "" }
        );
        if !left_out.is_empty() {
            m.push_str(&format!("; left out: {}", left_out.join("; ")));
        }
        m
    };
    Ok(Headline {
        followers_gained,
        gained_note,
        followers_above_projection: value,
        followers_above_projection_low: value.map(|v| v - half),
        followers_above_projection_high: value.map(|v| v + half),
        above_note,
        accounts,
    })
}

impl Headline {
    /// Each account's trend for metrics.json: the fit (points, slope a day, ŷ at the start,
    /// residual standard error, t) or the reason there is none.
    pub fn accounts_json(&self, c: &Campaign) -> Value {
        let start = Day::from_naive(c.start).0;
        let accounts: Vec<Value> = self
            .accounts
            .iter()
            .map(|a| {
                let mut v = json!({ "platform": a.platform, "account": a.account, "followers_gained": a.gained() });
                match &a.fit {
                    Ok(f) => {
                        v["fit"] = json!({ "points": f.n, "slope_per_day": f.slope, "projected_at_start": f.intercept,
                                           "residual_se": f.s, "t": f.t });
                        if let Some((d, y, h)) = a.above(start) {
                            v["above_projection"] = json!({ "day": day_text(a.last_in_window.expect("a count").0),
                                "observed_minus_projected": d, "projected": y, "half_width": h });
                        }
                    }
                    Err(e) => v["reason"] = json!(format!("{e} in the history")),
                }
                v
            })
            .collect();
        json!({
            "history": { "start": history_start(c).to_string(), "end": (c.start - chrono::Duration::days(1)).to_string(),
                         "days": c.growth_history_days },
            "project_to": c.project_to.to_string(),
            "method": "ols_prediction_interval",
            "level": LEVEL,
            "accounts": accounts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Pipeline;
    use crate::pseudo::Pseudonymizer;
    use crate::schema::AccountSnap;

    /// y = 150 + 10x + e on x = −5 … −1, e = +1, −1, 0, −1, +1: Σe = 0 and Σe·x =
    /// −5 + 4 + 0 + 2 − 1 = 0, so least squares gives back α = 150, β = 10 exactly.
    const POINTS: [(f64, f64); 5] = [(-5.0, 101.0), (-4.0, 109.0), (-3.0, 120.0), (-2.0, 129.0), (-1.0, 141.0)];

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn a_line_with_known_slope_and_residuals() {
        let f = Fit::new(&POINTS).unwrap();
        assert!(close(f.intercept, 150.0) && close(f.slope, 10.0), "{f:?}");
        // x̄ = −3; Sxx = 4 + 1 + 0 + 1 + 4 = 10; SSE = 1 + 1 + 0 + 1 + 1 = 4 on 5 − 2 = 3
        // degrees of freedom: s = √(4/3) = 1.154701; t(0.975, 3) = 3.182446.
        assert!(close(f.x_mean, -3.0) && close(f.sxx, 10.0) && close(f.s, (4.0f64 / 3.0).sqrt()));
        assert!((f.t - 3.182446).abs() < 1e-6, "{}", f.t);
        // At x = 2: ŷ = 170; se = s·√(1 + 1/5 + (2 + 3)²/10) = 1.154701·√3.7 = 2.221111;
        // half-width = 3.182446 · 2.221111 = 7.068566.
        let (y, h) = f.at(2.0);
        assert!(close(y, 170.0));
        assert!((h - 7.068566).abs() < 1e-5, "{h}");
        // Over the history the band is narrowest at x̄: √(1 + 1/5) = 1.095445 · s · t = 4.025512.
        let (y, h) = f.at(-3.0);
        assert!(close(y, 120.0) && (h - 4.025_512).abs() < 1e-5, "{h}");
    }

    #[test]
    fn too_few_points_is_a_reason_not_a_line() {
        assert_eq!(Fit::new(&POINTS[..2]).unwrap_err(), "2 days with a follower count (3 needed)");
        assert_eq!(Fit::new(&POINTS[..1]).unwrap_err(), "1 day with a follower count (3 needed)");
        // Three points on a line: a fit with no spread (s = 0, a band of width 0).
        let f = Fit::new(&[(-3.0, 1.0), (-2.0, 2.0), (-1.0, 3.0)]).unwrap();
        assert!(close(f.slope, 1.0) && close(f.s, 0.0) && close(f.at(5.0).1, 0.0));
    }

    /// Campaign 2024-03-10..12, 5 days of history (03-05..09), projected to 03-14.
    /// twitter/1 (own by handle): the POINTS series on 03-05..09 (x = −5 … −1), 152 on
    /// 03-10, nothing on 03-11, 190 on 03-12; 50 on 03-04 (before the history) and 999 on
    /// 03-15 (after the last row) are not read. facebook/p9 (own by id): 1,000 on 03-08,
    /// 1,010 on 03-09, 1,050 on 03-12: two history days, no trend. twitter/2 (not own):
    /// never read.
    fn fixture() -> (DataFrame, Campaign) {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("lake");
        let day = |s: &str| Some(Day::from_naive(s.parse().unwrap()));
        let snap = |p: &str, id: &str, handle: Option<&str>, date: &str, f: i64| AccountSnap {
            platform: p.into(),
            account_id: id.into(),
            account_handle: handle.map(String::from),
            date: day(date),
            followers: Some(f),
        };
        let mut snaps = vec![snap("twitter", "1", Some("Amnesty"), "2024-03-04", 50)];
        for (k, (_, y)) in POINTS.iter().enumerate() {
            snaps.push(snap("twitter", "1", Some("Amnesty"), &format!("2024-03-0{}", 5 + k), *y as i64));
        }
        snaps.extend([
            snap("twitter", "1", Some("Amnesty"), "2024-03-10", 152),
            snap("twitter", "1", Some("Amnesty"), "2024-03-12", 190),
            snap("twitter", "1", Some("Amnesty"), "2024-03-15", 999),
            snap("facebook", "p9", None, "2024-03-08", 1000),
            snap("facebook", "p9", None, "2024-03-09", 1010),
            snap("facebook", "p9", None, "2024-03-12", 1050),
            snap("twitter", "2", Some("shell"), "2024-03-09", 7),
        ]);
        crate::testkit::write_records(&root, "t", &[], &[], &[], &snaps).unwrap();
        let pipe = Pipeline::parse(
            std::path::Path::new("p.toml"),
            "[output]\ndir='o'\n[[campaigns]]\nid='c'\nstart=2024-03-10\nend=2024-03-12\n\
             growth_history_days=5\nproject_to=2024-03-14\nown_accounts={twitter=['@amnesty'], facebook=['P9']}\n",
        )
        .unwrap();
        let lake = crate::metrics::Lake::open(&root).unwrap();
        let key = Pseudonymizer::load_or_create(&Pseudonymizer::key_path(&root)).unwrap();
        let c = pipe.campaigns[0].clone();
        let scope = Scope::new(&lake, &pipe.campaigns[0], &pipe.ladder, None, &key).unwrap();
        let df = growth(&[scope]).unwrap().collect().unwrap();
        GROWTH.check_computed(&df).unwrap();
        (df, c)
    }

    #[test]
    fn rows_from_the_history_to_the_projection() {
        let (df, _) = fixture();
        // 03-05 .. 03-14 = 10 days for each own account; facebook sorts first.
        assert_eq!(df.height(), 20);
        let strs =
            |c: &str| df.column(c).unwrap().str().unwrap().iter().map(|v| v.unwrap().to_string()).collect::<Vec<_>>();
        assert_eq!(strs("account")[..11].iter().map(String::as_str).collect::<Vec<_>>()[9..], ["p9", "1"]);
        assert!(strs("platform")[..10].iter().all(|p| p == "facebook"));
        let ints = |c: &str| df.column(c).unwrap().i64().unwrap().iter().collect::<Vec<_>>();
        let floats = |c: &str| df.column(c).unwrap().f64().unwrap().iter().collect::<Vec<_>>();
        let f = ints("followers");
        // facebook 03-05..14: counts on 03-08, 03-09, 03-12 only; no trend on any row.
        assert_eq!(f[..10], [None, None, None, Some(1000), Some(1010), None, None, Some(1050), None, None]);
        assert!(floats("projected")[..10].iter().all(Option::is_none));
        // twitter: the history, 152, a day without a count (null, not 0), 190, two projected days.
        assert_eq!(
            f[10..],
            [Some(101), Some(109), Some(120), Some(129), Some(141), Some(152), None, Some(190), None, None]
        );
        // ŷ = 150 + 10x from x = −5 (03-05) to x = 4 (03-14): 100, 110, … 190.
        let p: Vec<f64> = floats("projected")[10..].iter().map(|v| v.unwrap()).collect();
        assert!(p.iter().zip((0..10).map(|k| 100.0 + 10.0 * k as f64)).all(|(a, b)| close(*a, b)), "{p:?}");
        // 03-12 (x = 2): 170 ∓ 7.068566 (a_line_with_known_slope_and_residuals).
        let (lo, hi) = (floats("low")[17].unwrap(), floats("high")[17].unwrap());
        assert!((lo - 162.931434).abs() < 1e-4 && (hi - 177.068566).abs() < 1e-4, "{lo} {hi}");
        let w: Vec<bool> = df.column("in_window").unwrap().bool().unwrap().iter().map(Option::unwrap).collect();
        assert_eq!(w[10..], [false, false, false, false, false, true, true, true, false, false]);
    }

    #[test]
    fn headline_figures_and_their_reasons() {
        let (df, c) = fixture();
        let h = headline(&df, &c).unwrap();
        // Gained: twitter 190 − 141 (03-09, the last count before the start; not 152 of
        // the start day itself) = 49; facebook 1,050 − 1,010 = 40; Σ 89.
        assert_eq!(h.followers_gained, Some(89));
        assert!(h.gained_note.contains("facebook/p9, twitter/1"), "{}", h.gained_note);
        // Above the trend: twitter only, 190 − 170 = 20, 20 ∓ 7.068566.
        assert!(close(h.followers_above_projection.unwrap(), 20.0));
        assert!((h.followers_above_projection_low.unwrap() - 12.931434).abs() < 1e-5);
        assert!((h.followers_above_projection_high.unwrap() - 27.068566).abs() < 1e-5);
        assert!(h.above_note.contains("twitter/1 (5 days, +10.0 a day)"), "{}", h.above_note);
        assert!(
            h.above_note.contains(
                "left out: facebook/p9 has 2 days with a follower count (3 needed) in the 5 days before the start \
                 (2024-03-05..2024-03-09)"
            ),
            "{}",
            h.above_note
        );
        let j = h.accounts_json(&c);
        assert_eq!(j["history"]["start"], "2024-03-05");
        assert_eq!(j["accounts"][1]["above_projection"]["day"], "2024-03-12");
        assert_eq!(j["accounts"][0]["reason"], "2 days with a follower count (3 needed) in the history");

        // Another campaign id: no rows, both figures null with the reason.
        let other = Campaign { id: "x".into(), ..c.clone() };
        let h = headline(&df, &other).unwrap();
        assert_eq!((h.followers_gained, h.followers_above_projection), (None, None));
        assert_eq!(h.above_note, "no own account has a dated follower count from 2024-03-05 to 2024-03-14");
    }

    /// Two fitted accounts, both with the POINTS history on 03-05..09 and a count on 03-12
    /// (x = 2, ŷ = 170 ∓ 7.068566): 190 and 180 are 20 and 10 above, Σ 30; the half-widths
    /// add in quadrature, 7.068566 · √2 = 9.996462.
    #[test]
    fn two_accounts_sum_with_half_widths_in_quadrature() {
        let (_, c) = fixture();
        let (mut acct, mut day, mut f) = (vec![], vec![], vec![]);
        for (name, last) in [("a", 190i64), ("b", 180)] {
            for (k, (_, y)) in POINTS.iter().enumerate() {
                acct.push(name);
                day.push(NaiveDate::from_ymd_opt(2024, 3, 5 + k as u32).unwrap());
                f.push(*y as i64);
            }
            acct.push(name);
            day.push(NaiveDate::from_ymd_opt(2024, 3, 12).unwrap());
            f.push(last);
        }
        let n = acct.len();
        let df = df!("campaign" => vec!["c"; n], "platform" => vec!["twitter"; n], "account" => acct, "day" => day,
                     "followers" => f)
        .unwrap();
        let h = headline(&df, &c).unwrap();
        assert!(close(h.followers_above_projection.unwrap(), 30.0));
        assert!((h.followers_above_projection_high.unwrap() - 39.996462).abs() < 1e-5);
        assert!(h.above_note.contains("half-widths added in quadrature"), "{}", h.above_note);
        // Gained: (190 − 141) + (180 − 141) = 88.
        assert_eq!(h.followers_gained, Some(88));
    }
}
