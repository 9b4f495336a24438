//! Helpers shared by the website-traffic adapters (`ua-csv`, `plausible-csv`, `matomo-csv`,
//! `ga4-bigquery-jsonl`): the plausible-date check, the date range of reports without a
//! date column, and the roll-up of rows that share the lake's traffic key.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::ingest::common::util::{self, parse_count};
use crate::ingest::{Ctx, FileError, Out, MAX_RAW_REJECT};
use crate::model::{Day, Traffic};

/// A traffic date must fall in 2000-01-01 ..= today + 1 year; anything else is a typo or
/// a misread column. `Err` says what was found.
pub fn check_date(d: NaiveDate) -> Result<Day, String> {
    let lo = NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date");
    let hi = chrono::Utc::now().date_naive() + chrono::Days::new(366);
    if d < lo || d > hi {
        return Err(format!("expected a date between 2000-01-01 and {hi}, found {d}"));
    }
    Ok(Day::from_naive(d))
}

/// A count cell (`util::parse_count`: `"1,234"`, `"12.0"`, blank is null; never negative).
pub fn count(cell: Option<&str>) -> Result<Option<i64>, String> {
    parse_count(cell.unwrap_or(""))
}

/// The counts of one row: slot `i` from column `cols[i]` (null when the report lacks the
/// column); when the last column is missing, the last slot is the sum of the `parts`
/// columns instead (per-goal completions). `Err((column, message))` names the first bad cell.
pub fn row_counts<'a, const N: usize>(
    cell: impl Fn(usize) -> Option<&'a str>,
    cols: [Option<usize>; N],
    parts: &[usize],
) -> Result<[Option<i64>; N], (usize, String)> {
    let mut out = [None; N];
    for (slot, col) in out.iter_mut().zip(cols) {
        if let Some(c) = col {
            *slot = count(cell(c)).map_err(|e| (c, e))?;
        }
    }
    if cols[N - 1].is_none() {
        for &c in parts {
            out[N - 1] = add(out[N - 1], count(cell(c)).map_err(|e| (c, e))?).map_err(|e| (c, e))?;
        }
    }
    Ok(out)
}

/// The sum of two figures that may be missing: null only when both are; `Err` when it
/// passes the largest count (it would wrap to a negative one).
pub fn add(a: Option<i64>, b: Option<i64>) -> Result<Option<i64>, String> {
    match (a, b) {
        (Some(x), Some(y)) => {
            x.checked_add(y).map(Some).ok_or_else(|| format!("{x} + {y} passes the largest count ({})", i64::MAX))
        }
        (x, y) => Ok(x.or(y)),
    }
}

/// Line `line` (1-based) of a decoded file, for a reject's `raw` (cut like every raw row).
pub fn raw_line(lines: &[&str], line: u64) -> Option<String> {
    line.checked_sub(1).and_then(|i| lines.get(i as usize)).map(|l| util::cut(l, MAX_RAW_REJECT))
}

/// The days a report without a date column covers: `given` (the input's `date_range`), else
/// the range the file states (`# 20170101-20170131`), else an error that asks for the flag.
/// `what` names what lacks a date (for the message).
pub fn report_range(
    cx: &Ctx,
    given: Option<(NaiveDate, NaiveDate)>,
    stated: Option<(NaiveDate, NaiveDate)>,
    what: &str,
    out: &mut dyn Out,
) -> Result<(Day, Day), FileError> {
    let (from, to) = match (given, stated) {
        (Some(given), Some(st)) if given != st => {
            out.warn(format!(
                "{}: the file says it covers {}..{}; using the given date range {}..{}",
                cx.source_file, st.0, st.1, given.0, given.1
            ));
            given
        }
        (Some(r), _) | (None, Some(r)) => r,
        (None, None) => {
            return Err(cx.err(format!(
                "{what} has no date column, so its figures cover a period the file does not state; \
                 give it with --date-range FROM..TO (e.g. --date-range 2017-01-01..2017-01-31) or the \
                 input's date range in the pipeline file"
            )))
        }
    };
    if from > to {
        return Err(cx.err(format!("the date range {from}..{to} ends before it starts")));
    }
    let from = check_date(from).map_err(|e| cx.err(format!("date range: {e}")))?;
    let to = check_date(to).map_err(|e| cx.err(format!("date range: {e}")))?;
    Ok((from, to))
}

type Key = (
    Option<String>,
    Option<Day>,
    Option<Day>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Rows of one input keyed like the lake de-duplicates traffic (`model::dedup_key`):
/// rows that differ only in a dimension the lake does not keep (a UA `Device Category`,
/// Plausible's `utm_content`) are summed here instead of one silently replacing the
/// other in the lake. Memory: one row per distinct key. Output is sorted by key. A row
/// whose sum would pass the largest count is not added: [`Rollup::add`] says why, for the
/// caller to reject it.
#[derive(Default)]
pub struct Rollup {
    rows: BTreeMap<Key, Traffic>,
    merged: u64,
}

impl Rollup {
    pub fn add(&mut self, t: Traffic) -> Result<(), String> {
        let key = (
            t.site.clone(),
            t.date_start,
            t.date_end,
            t.source.clone(),
            t.medium.clone(),
            t.referrer.clone(),
            t.landing_page.clone(),
            t.country.clone(),
            t.campaign_tag.clone(),
        );
        match self.rows.entry(key) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(t);
            }
            std::collections::btree_map::Entry::Occupied(mut o) => {
                let r = o.get_mut();
                let sum = |what: &str, a, b| {
                    add(a, b).map_err(|e| {
                        format!(
                            "{what} summed with an earlier row of the same date, source, medium, referrer, \
                             landing page, country and campaign: {e}"
                        )
                    })
                };
                let sums = [
                    sum("sessions", r.sessions, t.sessions)?,
                    sum("users", r.users, t.users)?,
                    sum("pageviews", r.pageviews, t.pageviews)?,
                    sum("conversions", r.conversions, t.conversions)?,
                ];
                [r.sessions, r.users, r.pageviews, r.conversions] = sums;
                self.merged += 1;
            }
        }
        Ok(())
    }

    /// Writes the rows; if some were summed, says so (users may then count a person twice).
    pub fn emit(self, cx: &Ctx, out: &mut dyn Out) {
        if self.merged > 0 {
            out.warn(format!(
                "{}: {} row(s) repeated the date, source, medium, referrer, landing page and campaign of \
                 another row (they differ in a column the lake does not keep) and were summed into it; \
                 their users are summed too, which counts a person seen in both twice",
                cx.source_file, self.merged
            ));
        }
        for t in self.rows.into_values() {
            out.traffic(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_dates_and_sums() {
        assert_eq!(count(Some("1,234")), Ok(Some(1234)));
        assert_eq!(count(None), Ok(None));
        assert!(count(Some("-3")).unwrap_err().contains("count ≥ 0"));
        assert!(count(Some("12.5")).unwrap_err().contains("whole number"));
        assert_eq!((add(Some(2), None), add(None, None), add(Some(2), Some(3))), (Ok(Some(2)), Ok(None), Ok(Some(5))));
        assert!(add(Some(i64::MAX), Some(1)).unwrap_err().contains("largest count"));
        assert!(check_date(NaiveDate::from_ymd_opt(1999, 12, 31).unwrap()).is_err());
        assert!(check_date(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()).is_ok());
        let far = chrono::Utc::now().date_naive() + chrono::Days::new(400);
        assert!(check_date(far).is_err());
        assert_eq!(raw_line(&["a", "b"], 2).as_deref(), Some("b"));
        assert_eq!(raw_line(&["a"], 0), None);
        // A long line is kept up to the reject cut.
        assert_eq!(raw_line(&["x".repeat(MAX_RAW_REJECT + 9).as_str()], 1).map(|r| r.len()), Some(MAX_RAW_REJECT));
        // Sessions, users, conversions; the conversions column is missing: goals 2 + 1.
        let row = ["12", "", "2", "1"];
        assert_eq!(row_counts(|c| Some(row[c]), [Some(0), Some(1), None], &[2, 3]), Ok([Some(12), None, Some(3)]));
        let bad = ["12.5", "3"];
        assert_eq!(row_counts(|c| Some(bad[c]), [Some(0), Some(1)], &[]).unwrap_err().0, 0);
    }

}
