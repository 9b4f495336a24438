//! Daily referral sessions, observed and expected (docs/metrics.md#referral-by-day): table
//! `referral_daily`, one row per (campaign, channel, day) of the baseline and the campaign
//! window, for the report's "observed vs expected" chart. An extra table (the contract welcomes
//! extras); `referral_uplift` stays the figure of record.
//!
//! Same data, channels, method and residuals as [`super::uplift`] (read its doc):
//! - Rows exist only where the baseline and the campaign window both have daily traffic
//!   rows (range rows feed only a range-against-range `mean`, which has no days to draw,
//!   docs/metrics.md#range-rows); the days are B's and P's days with daily rows.
//! - `expected` of a day: `control` → `max(0, α + β·c_d)` (on baseline days the fitted
//!   value); `dow_mean` → the mean of B's days with that weekday; `mean` → `mean_B(s)`.
//!   Over P these sum to `referral_uplift.expected`, and `observed` sums to its `observed`.
//! - `expected_low`, `expected_high`: the 2.5th and 97.5th percentiles (numpy linear) of the
//!   baseline residuals added to the day's expected value, the low end clamped at 0: where
//!   one day's sessions fall 19 times in 20 without an effect. A per-day band, not the
//!   window's interval (that is `referral_uplift.ci_low/ci_high`, of the sum). Null when
//!   the baseline has no daily residuals.
//! - `in_window`: the day is in P. Extra column `method`.

use chrono::NaiveDate;
use polars::prelude::*;

use super::stats;
use super::uplift::{self, Method, Sel, Side};
use super::Scope;
use crate::model::Day;

/// One output row.
struct Row {
    campaign: String,
    channel: String,
    day: NaiveDate,
    observed: i64,
    expected: f64,
    low: Option<f64>,
    high: Option<f64>,
    in_window: bool,
    method: &'static str,
}

fn campaign_rows(scope: &Scope) -> PolarsResult<Vec<Row>> {
    let c = scope.campaign;
    let used = uplift::load(scope)?;
    let w = uplift::windows(&used, c);
    // Range rows feed only a range baseline and a range window (docs/metrics.md#range-rows): no days to draw.
    let (Some(b @ Side::Daily(b_days)), Some(p @ Side::Daily(p_days))) = (&w.b, &w.p) else { return Ok(Vec::new()) };
    let sels = uplift::selections(&[b, p]);

    let method = uplift::choose(b, p);
    let mut rows = Vec::new();
    for (channel, sel) in sels {
        let est = uplift::estimate(method, b, p, sel);
        // The expected value of one day, by the row's method.
        let dow_means: Vec<Option<f64>> = (0..7)
            .map(|wd| {
                let v: Vec<f64> =
                    b_days.iter().filter(|(d, _)| uplift::weekday(*d) == wd).map(|(_, c)| sel.sum(c)).collect();
                stats::mean(&v)
            })
            .collect();
        let mean_b = est.expected / p_days.len() as f64;
        let expect = |d: i32, counts: &uplift::Counts| -> f64 {
            match method {
                Method::Control => {
                    let (a, beta) = (est.alpha.expect("control has α"), est.beta.expect("control has β"));
                    (a + beta * Sel::Control.sum(counts)).max(0.0)
                }
                Method::DowMean => dow_means[uplift::weekday(d)].expect("weekday seen in B"),
                Method::Mean => mean_b,
            }
        };
        let band = est.residuals.as_ref().and_then(|r| Some((stats::percentile(r, 2.5)?, stats::percentile(r, 97.5)?)));
        for (in_window, days) in [(false, b_days), (true, p_days)] {
            for (d, counts) in days {
                let e = expect(*d, counts);
                rows.push(Row {
                    campaign: c.id.clone(),
                    channel: channel.to_string(),
                    day: Day(*d).to_naive(),
                    observed: sel.sum_i64(counts),
                    expected: e,
                    low: band.map(|(lo, _)| (e + lo).max(0.0)),
                    high: band.map(|(_, hi)| e + hi),
                    in_window,
                    method: method.name(),
                });
            }
        }
    }
    Ok(rows)
}

/// The `referral_daily` table (registry entry).
pub const REFERRAL_DAILY: super::registry::Table = super::registry::Table {
    name: "referral_daily",
    key: &["campaign", "channel", "day"],
    columns: &[
        "campaign", "channel", "day", "observed", "expected", "expected_low", "expected_high", "in_window", "method",
    ],
    compute: super::registry::Compute::Scopes(referral_daily),
};

/// Table `referral_daily`: key (campaign, channel, day), sorted by it.
pub fn referral_daily(scopes: &[Scope]) -> PolarsResult<LazyFrame> {
    let mut rows = Vec::new();
    for s in scopes {
        rows.extend(campaign_rows(s)?);
    }
    let df = df!(
        "campaign" => rows.iter().map(|r| r.campaign.clone()).collect::<Vec<_>>(),
        "channel" => rows.iter().map(|r| r.channel.clone()).collect::<Vec<_>>(),
        "day" => rows.iter().map(|r| r.day).collect::<Vec<_>>(),
        "observed" => rows.iter().map(|r| r.observed).collect::<Vec<_>>(),
        "expected" => rows.iter().map(|r| r.expected).collect::<Vec<_>>(),
        "expected_low" => rows.iter().map(|r| r.low).collect::<Vec<_>>(),
        "expected_high" => rows.iter().map(|r| r.high).collect::<Vec<_>>(),
        "in_window" => rows.iter().map(|r| r.in_window).collect::<Vec<_>>(),
        "method" => rows.iter().map(|r| r.method).collect::<Vec<_>>(),
    )?;
    Ok(df.lazy().sort(["campaign", "channel", "day"], SortMultipleOptions::default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use super::uplift::tests::campaign;
    use crate::metrics::Lake;
    use crate::schema::Ladder;
    use crate::pseudo::Pseudonymizer;

    #[test]
    fn control_days_sum_to_the_uplift_totals() {
        // uplift.rs's control fixture: B = Jan 1–14, control (search) 20 on days 1–7 and 40 on
        // days 8–14, facebook ±1 around 5 and 15; P = Jan 15–17. Campaign "none" (2023) has
        // no traffic at all: no rows.
        let t = uplift::tests::control_fixture();
        let camps = [
            campaign("c", ("2024-01-01", "2024-01-14"), ("2024-01-15", "2024-01-17")),
            campaign("none", ("2023-01-01", "2023-01-28"), ("2023-01-29", "2023-02-04")),
        ];
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("lake");
        crate::testkit::write_records(&root, "t", &[], &[], &t, &[]).unwrap();
        let lake = Lake::open(&root).unwrap();
        let key = Pseudonymizer::load_or_create(&Pseudonymizer::key_path(&root)).unwrap();
        let ladder = Ladder::default();
        let scopes: Vec<Scope> = camps.iter().map(|c| Scope::new(&lake, c, &ladder, None, &key).unwrap()).collect();
        let df = referral_daily(&scopes).unwrap().collect().unwrap();
        let up = uplift::referral_uplift(&scopes).unwrap().collect().unwrap();

        // 17 days × (all_social, facebook); nothing for "none".
        assert_eq!(df.height(), 34);
        let camp = df.column("campaign").unwrap().str().unwrap();
        assert!((0..df.height()).all(|i| camp.get(i) == Some("c")));
        let ch = df.column("channel").unwrap().str().unwrap();
        let obs = df.column("observed").unwrap().i64().unwrap();
        let exp = df.column("expected").unwrap().f64().unwrap();
        let lo = df.column("expected_low").unwrap().f64().unwrap();
        let hi = df.column("expected_high").unwrap().f64().unwrap();
        let win = df.column("in_window").unwrap().bool().unwrap();
        let fb: Vec<usize> = (0..df.height()).filter(|i| ch.get(*i) == Some("facebook")).collect();
        // α = −5, β = 0.5: fitted 5 on c = 20, 15 on c = 40; in P −3 → 0, 15, 25.
        let e: Vec<f64> = fb.iter().map(|i| exp.get(*i).unwrap()).collect();
        let mut want = vec![5.0; 7];
        want.extend([15.0; 7]);
        want.extend([0.0, 15.0, 25.0]);
        for (a, b) in e.iter().zip(&want) {
            assert!((a - b).abs() < 1e-9, "{e:?}");
        }
        // Residuals: six −1, two 0, six +1 → percentiles 2.5 and 97.5 (numpy linear,
        // positions 0.325 and 12.675 of 14 sorted) are −1 and +1; the low end is clamped at 0.
        let last3: Vec<(f64, f64)> = fb[14..].iter().map(|i| (lo.get(*i).unwrap(), hi.get(*i).unwrap())).collect();
        assert_eq!(last3.len(), 3);
        for ((l, h), want) in last3.iter().zip([(0.0, 1.0), (14.0, 16.0), (24.0, 26.0)]) {
            assert!((l - want.0).abs() < 1e-9 && (h - want.1).abs() < 1e-9, "{last3:?}");
        }
        assert_eq!(fb.iter().filter(|i| win.get(**i) == Some(true)).count(), 3);
        // Consistent with referral_uplift: Σ over P of observed and expected, per channel.
        let uch = up.column("channel").unwrap().str().unwrap();
        let ucamp = up.column("campaign").unwrap().str().unwrap();
        for channel in ["all_social", "facebook"] {
            let r = (0..up.height()).find(|i| ucamp.get(*i) == Some("c") && uch.get(*i) == Some(channel)).unwrap();
            let rows = (0..df.height()).filter(|i| ch.get(*i) == Some(channel) && win.get(*i) == Some(true));
            let (o, e) = rows.fold((0i64, 0.0), |(o, e), i| (o + obs.get(i).unwrap(), e + exp.get(i).unwrap()));
            assert_eq!(Some(o), up.column("observed").unwrap().i64().unwrap().get(r));
            let ue = up.column("expected").unwrap().f64().unwrap().get(r).unwrap();
            assert!((e - ue).abs() < 1e-9, "{channel}: {e} vs {ue}");
        }
    }
}
