//! Burst detection on a daily series against its own trailing baseline
//! (docs/campaigns.md#bursts), the same rule for a hashtag's daily posts, an own
//! account's daily engagements and a site's daily social referral sessions.
//!
//! - The series holds only *observed* days (a day the lake has data for that platform or
//!   site); a day missing from it is a gap, not a zero.
//! - Day `d` is judged against the observed days of the [`WINDOW`] calendar days before it
//!   that were not themselves flagged (a burst does not raise its own baseline); with fewer
//!   than [`MIN_HISTORY`] such days, `d` is not judged.
//! - `d` is flagged when its value is above `median + K · max(1.4826 · MAD, 1)`: the median
//!   and the median absolute deviation of those baseline values, MAD scaled to a normal
//!   standard deviation, never less than one unit (a series that is flat zero would
//!   otherwise flag any single use).
//! - Flagged days at most [`GAP`] calendar days apart form one burst, from its first to its
//!   last flagged day; its total is the sum of the observed values in between (gap days
//!   included), its peak the day of the largest value (the earliest on a tie), its
//!   baseline the median before its first day.
//!
//! Everything is integer days and sorted input: the same series always gives the same
//! bursts.

use chrono::NaiveDate;

/// Calendar days of trailing baseline before a judged day.
pub const WINDOW: i64 = 28;
/// Fewest unflagged observed days in the window for a day to be judged.
pub const MIN_HISTORY: usize = 7;
/// How many scaled MADs above the median a day must be.
pub const K: f64 = 3.0;
/// The MAD of a normal sample is 0.6745 σ: 1.4826 · MAD estimates σ.
pub const MAD_SCALE: f64 = 1.4826;
/// Calendar days without a flagged day that may lie inside one burst.
pub const GAP: i64 = 2;
/// [`GAP`] for website traffic, whose weekly rhythm leaves a weekend (and often the
/// Friday or Monday beside it) below a weekday-driven threshold.
pub const TRAFFIC_GAP: i64 = 3;

/// A burst found in a series.
#[derive(Debug, Clone, PartialEq)]
pub struct Burst {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub peak: NaiveDate,
    pub peak_value: i64,
    /// Σ of the observed values from start to end.
    pub total: i64,
    /// The median of the baseline the first day was judged against.
    pub baseline: f64,
    /// The threshold the first day was above.
    pub threshold: f64,
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// (median, threshold) of baseline values (not empty).
pub fn threshold(values: &[f64]) -> (f64, f64) {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let m = median(&v);
    let mut dev: Vec<f64> = v.iter().map(|x| (x - m).abs()).collect();
    dev.sort_by(f64::total_cmp);
    let mad = median(&dev);
    (m, m + K * (MAD_SCALE * mad).max(1.0))
}

/// The bursts of `series` (observed days, sorted by day, each day once); flagged days at
/// most `gap` days apart are one burst.
pub fn bursts(series: &[(NaiveDate, i64)], gap: i64) -> Vec<Burst> {
    // flagged[i]: Some((median, threshold)) when day i is above its baseline.
    let mut flagged: Vec<Option<(f64, f64)>> = vec![None; series.len()];
    let mut lo = 0;
    for i in 0..series.len() {
        let (day, value) = series[i];
        while (day - series[lo].0).num_days() > WINDOW {
            lo += 1;
        }
        let base: Vec<f64> = (lo..i).filter(|&j| flagged[j].is_none()).map(|j| series[j].1 as f64).collect();
        if base.len() < MIN_HISTORY {
            continue;
        }
        let (m, t) = threshold(&base);
        if value as f64 > t {
            flagged[i] = Some((m, t));
        }
    }
    let mut out: Vec<Burst> = Vec::new();
    let mut open: Option<(usize, usize)> = None; // first and last flagged index
    let close = |(a, b): (usize, usize), out: &mut Vec<Burst>| {
        let days = &series[a..=b];
        let (peak, peak_value) = days.iter().fold(days[0], |best, &(d, v)| if v > best.1 { (d, v) } else { best });
        let (baseline, threshold) = flagged[a].expect("a burst starts on a flagged day");
        out.push(Burst {
            start: series[a].0,
            end: series[b].0,
            peak,
            peak_value,
            total: days.iter().map(|(_, v)| v).sum(),
            baseline,
            threshold,
        });
    };
    for i in (0..series.len()).filter(|&i| flagged[i].is_some()) {
        open = match open {
            Some((a, b)) if (series[i].0 - series[b].0).num_days() <= gap + 1 => Some((a, i)),
            Some(run) => {
                close(run, &mut out);
                Some((i, i))
            }
            None => Some((i, i)),
        };
    }
    if let Some(run) = open {
        close(run, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// `values` on consecutive days from 2012-09-01.
    fn daily(values: &[i64]) -> Vec<(NaiveDate, i64)> {
        values.iter().enumerate().map(|(i, &v)| (d("2012-09-01") + chrono::Duration::days(i as i64), v)).collect()
    }

    #[test]
    fn threshold_is_median_plus_three_scaled_mads_with_a_floor_of_one() {
        // 1 2 3 4 5: median 3, |dev| 2 1 0 1 2 → MAD 1, 3 + 3·1.4826 = 7.4478.
        let (m, t) = threshold(&[5.0, 1.0, 4.0, 2.0, 3.0]);
        assert_eq!(m, 3.0);
        assert!((t - 7.4478).abs() < 1e-9, "{t}");
        // flat 2s: MAD 0 → floor 1 → 2 + 3 = 5.
        assert_eq!(threshold(&[2.0; 8]), (2.0, 5.0));
        // even count: median of 1 2 3 10 = 2.5; |dev| 1.5 .5 .5 7.5 → MAD 1.0 → 2.5 + 4.4478.
        let (m, t) = threshold(&[1.0, 2.0, 3.0, 10.0]);
        assert_eq!(m, 2.5);
        assert!((t - 6.9478).abs() < 1e-9, "{t}");
    }

    #[test]
    fn a_burst_is_the_run_of_flagged_days_and_its_baseline_stays_frozen() {
        // Days 0-6 at 2 (7 days of history, MAD 0 → threshold 5), then 9 10 30 12 9, then 2s.
        // Day 7 (9 > 5) is flagged; days 8-11 are judged against the same seven 2s (flagged
        // days leave the baseline), so 10, 30, 12, 9 are all above 5; day 12 (2) is not.
        let s = daily(&[2, 2, 2, 2, 2, 2, 2, 9, 10, 30, 12, 9, 2, 2, 2]);
        let b = bursts(&s, GAP);
        assert_eq!(b.len(), 1, "{b:?}");
        assert_eq!(
            (b[0].start, b[0].end, b[0].peak, b[0].peak_value),
            (d("2012-09-08"), d("2012-09-12"), d("2012-09-10"), 30)
        );
        // 9 + 10 + 30 + 12 + 9 = 70
        assert_eq!(b[0].total, 70);
        assert_eq!((b[0].baseline, b[0].threshold), (2.0, 5.0));
    }

    #[test]
    fn too_little_history_is_not_judged_and_gaps_are_not_zeros() {
        // Six days of history only: the 50 on day 6 is not judged.
        assert!(bursts(&daily(&[1, 1, 1, 1, 1, 1, 50]), GAP).is_empty());
        // Seven observed days then a 40-day hole (not zeros): the day after the hole has
        // no observed day in its 28-day window, so it is not judged either.
        let mut s = daily(&[1, 1, 1, 1, 1, 1, 1]);
        s.push((d("2012-10-18"), 50));
        assert!(bursts(&s, GAP).is_empty());
    }

    #[test]
    fn flagged_days_two_days_apart_are_one_burst_three_apart_are_two() {
        // 1s for 7 days (threshold 4), then 9 0 0 9 (two days between: one burst) then
        // 0 0 0 9 (three days between: a second burst).
        let s = daily(&[1, 1, 1, 1, 1, 1, 1, 9, 0, 0, 9, 0, 0, 0, 9]);
        let b = bursts(&s, GAP);
        assert_eq!(b.len(), 2, "{b:?}");
        assert_eq!((b[0].start, b[0].end, b[0].total), (d("2012-09-08"), d("2012-09-11"), 18));
        assert_eq!((b[1].start, b[1].end, b[1].total), (d("2012-09-15"), d("2012-09-15"), 9));
        // The peak's tie goes to the earlier day.
        assert_eq!(b[0].peak, d("2012-09-08"));
        // With a gap of 3 (traffic), the three days between day 10 and day 14 join them.
        let b = bursts(&s, TRAFFIC_GAP);
        assert_eq!((b.len(), b[0].start, b[0].end, b[0].total), (1, d("2012-09-08"), d("2012-09-15"), 27));
    }
}
