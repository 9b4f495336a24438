//! `ua-csv` writer: a Universal Analytics "Source/Medium" report with a `Date` dimension,
//! exported as CSV from the UI: the `#` comment header (view, report, range), a blank line,
//! the table with thousands separators in quoted counts (docs/formats.md; the layout of
//! `tests/fixtures/real/ua-csv/` and tests/fixtures/ua-csv).
//!
//! The traffic model is here too, since both campaigns share it: the site's non-social
//! visits follow a weekly rhythm and a slow trend; each social source brings a steady share
//! of those visits (so the `control` regression of docs/metrics.md#methods of social on non-social
//! sessions fits the baseline), multiplied by its `lift` inside the campaign window.

use std::io::{self, Write};

use chrono::NaiveDate;
use rand::rngs::StdRng;

use super::{csv_row, days, normal, weekday_factor};
use crate::support::thousands;

/// One `Source / Medium` row per day.
pub struct Source {
    pub source_medium: &'static str,
    /// Share of the day's non-social sessions (non-social sources' shares sum to 1).
    pub share: f64,
    pub social: bool,
    /// Multiplier inside the campaign window (1.0: no campaign effect).
    pub lift: f64,
}

pub struct Report<'a> {
    pub view: &'a str,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub window: (NaiveDate, NaiveDate),
    /// Mean non-social sessions per day at the start of the range.
    pub base_sessions: f64,
    /// Growth per day of the non-social base (a slow trend).
    pub trend_per_day: f64,
    /// Day-to-day noise (standard deviation, relative) of each row.
    pub noise: f64,
    pub sources: &'a [Source],
}

pub fn write_daily(w: &mut dyn Write, rng: &mut StdRng, r: &Report) -> io::Result<()> {
    writeln!(w, "# ----------------------------------------")?;
    writeln!(w, "# {}", r.view)?;
    writeln!(w, "# Source/Medium")?;
    writeln!(w, "# {}-{}", r.from.format("%Y%m%d"), r.to.format("%Y%m%d"))?;
    writeln!(w, "# ----------------------------------------")?;
    writeln!(w)?;
    csv_row(w, &["Date", "Source / Medium", "Sessions", "Users", "Pageviews"])?;
    for (k, d) in days(r.from, r.to).enumerate() {
        let in_window = d >= r.window.0 && d <= r.window.1;
        let base = r.base_sessions * (1.0 + r.trend_per_day * k as f64) * weekday_factor(d);
        // Non-social rows first: their realised sum is the day's control.
        let mut rows: Vec<(&str, u64)> = Vec::new();
        let mut control = 0.0;
        for s in r.sources.iter().filter(|s| !s.social) {
            let lift = if in_window { s.lift } else { 1.0 };
            let n = (base * s.share * lift * (1.0 + r.noise * normal(rng))).round().max(0.0);
            control += n;
            rows.push((s.source_medium, n as u64));
        }
        for s in r.sources.iter().filter(|s| s.social) {
            let lift = if in_window { s.lift } else { 1.0 };
            let n = (control * s.share * lift * (1.0 + r.noise * normal(rng))).round().max(0.0);
            rows.push((s.source_medium, n as u64));
        }
        for (sm, sessions) in rows {
            let users = (sessions as f64 * 0.82).round() as u64;
            let pageviews = (sessions as f64 * 2.7).round() as u64;
            csv_row(
                w,
                &[&d.format("%Y%m%d").to_string(), sm, &thousands(sessions), &thousands(users), &thousands(pageviews)],
            )?;
        }
    }
    Ok(())
}
