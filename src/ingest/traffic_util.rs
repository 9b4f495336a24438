//! Helpers shared by the website-traffic adapters (`ua-csv`, `plausible-csv`, `matomo-csv`,
//! `ga4-bigquery-jsonl`): the plausible-date check, the date range of reports without a
//! date column, and the roll-up of rows that share the lake's traffic key.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::ingest::{Ctx, FileError, Out};
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

/// The days a report without a date column covers: the `--date-range` of the input, else
/// the range the file states (`# 20170101-20170131`), else an error that asks for the flag.
/// `what` names what lacks a date (for the message).
pub fn report_range(
    cx: &Ctx,
    stated: Option<(NaiveDate, NaiveDate)>,
    what: &str,
    out: &mut dyn Out,
) -> Result<(Day, Day), FileError> {
    let (from, to) = match (cx.date_range, stated) {
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
);

/// Rows of one input keyed like the lake de-duplicates traffic (`model::dedup_key`):
/// rows that differ only in a dimension the lake does not keep (a UA `Device Category`,
/// Plausible's `utm_content`) are summed here instead of one silently replacing the
/// other in the lake. Memory: one row per distinct key. Output is sorted by key.
#[derive(Default)]
pub struct Rollup {
    rows: BTreeMap<Key, Traffic>,
    merged: u64,
}

impl Rollup {
    pub fn add(&mut self, t: Traffic) {
        let key = (
            t.site.clone(),
            t.date_start,
            t.date_end,
            t.source.clone(),
            t.medium.clone(),
            t.referrer.clone(),
            t.landing_page.clone(),
            t.campaign_tag.clone(),
        );
        match self.rows.entry(key) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(t);
            }
            std::collections::btree_map::Entry::Occupied(mut o) => {
                let r = o.get_mut();
                for (a, b) in [
                    (&mut r.sessions, t.sessions),
                    (&mut r.users, t.users),
                    (&mut r.pageviews, t.pageviews),
                    (&mut r.conversions, t.conversions),
                ] {
                    *a = match (*a, b) {
                        (Some(x), Some(y)) => Some(x + y),
                        (x, y) => x.or(y),
                    };
                }
                self.merged += 1;
            }
        }
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

/// Test helpers: detection on real files, and the real samples of other formats that a
/// traffic detector must not claim.
#[cfg(test)]
pub mod testing {
    use std::path::Path;

    use crate::ingest::{probe_input, Adapter, Probe};

    pub fn sample(rel: &str) -> String {
        format!("{}/../shared/samples/{rel}", env!("CARGO_MANIFEST_DIR"))
    }

    pub fn fixture(rel: &str) -> String {
        format!("{}/tests/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))
    }

    pub fn detect(a: &dyn Adapter, path: &str) -> u8 {
        let p = Path::new(path);
        let (is_dir, head, entries) = probe_input(p).unwrap_or_else(|e| panic!("{path}: {e}"));
        a.detect(&Probe { path: p, is_dir, head: &head, entries: &entries })
    }

    /// One real sample of each non-traffic format, plus Google's source list (a CSV with a
    /// `source` column).
    pub const OTHER_FORMATS: &[&str] = &[
        "twitter-v2/brexit.jsonl",
        "twitter-v2/users.jsonl",
        "twitter-csv/two_tweets.csv",
        "twitter-csv/small_sample_2021.csv",
        "twitter-v1/get_user_timeline.json",
        "twitter-analytics/tweet_activity_metrics_TCORSStgOrg_20170401_20170408_en.csv",
        "facebook-insights/Facebook Insights Data Export (Post Level) - USC Clinical Trials - 2017-01-19.csv",
        "facebook-graph/v2_6-post-with-reactions.json",
        "instagram-graph/instagram-media-image.json",
        "uci-facebook-metrics/dataset_Facebook.csv",
        "ga4/ga4_source_categories.csv",
    ];
}
