//! `matomo-csv`: Matomo (Piwik) Referrers reports exported as CSV (UTF-16LE with BOM, or
//! UTF-8), `label` + `nb_visits` rows, optional `date` and `idSite` map-key columns.
//!
//! Readings to keep:
//! - `Referrers.getAll` has no `date`: rows cover the input's `--date-range`, else the file is refused asking for it.
//! - getAll search rows are keywords: `source` null, summed to one search row per day.
//! - Type from `metadata_referer_type` ids, `metadata_segment` or type labels; forms without `metadata_` accepted.
//! - `sessions` = `nb_visits`, `users` = `nb_uniq_visitors` (else null).
//! - `conversions` = `nb_conversions`, else summed goals, else null; `pageviews` null (`nb_actions` counts more).
//! - `medium` = Matomo's segment type name; `source` = label.
//! - A campaign's label is `campaign_tag`, source null, channel guessed from the name else `other`.
//! - Neither UTF-16 nor UTF-8: refused naming the expected encodings.
//! - Dates outside 2000-01-01..today+1y rejected.
//! - `site` = the `idSite` column of a multi-site export, else the input's `site`, else null.
//!
//! User docs: docs/formats.md#matomo-csv, docs/metrics.md#sites.

use chrono::NaiveDate;

use crate::ingest::common::channel::channel;
use crate::ingest::common::columns::{self, Want};
use crate::ingest::common::traffic::{check_date, raw_line, report_range, row_counts, Rollup};
use crate::ingest::common::util::non_empty;
use crate::ingest::options::{self, OptionKey, Parsed, RawOptions};
use crate::ingest::{Adapter, Ctx, FileError, Input, Out, Probe, Reject, Writes};
use crate::model::{Day, Traffic};

pub struct MatomoCsv;

pub static ADAPTER: MatomoCsv = MatomoCsv;

/// Matomo's referrer types (`Common::REFERRER_TYPE_*`), by the name its segments use.
#[derive(Clone, Copy, Debug, PartialEq)]
enum RefType {
    Direct,
    Search,
    Website,
    Campaign,
    Social,
}

impl RefType {
    fn parse(s: &str) -> Option<RefType> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "1" | "direct" | "direct entry" => RefType::Direct,
            "2" | "search" | "search engines" => RefType::Search,
            "3" | "website" | "websites" => RefType::Website,
            "6" | "campaign" | "campaigns" => RefType::Campaign,
            "7" | "social" | "social networks" => RefType::Social,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            RefType::Direct => "direct",
            RefType::Search => "search",
            RefType::Website => "website",
            RefType::Campaign => "campaign",
            RefType::Social => "social",
        }
    }

    /// The channel of a whole type, for `getReferrerType`'s summary rows.
    fn channel(self) -> &'static str {
        match self {
            RefType::Direct => "direct",
            RefType::Search => "search",
            RefType::Website => "referral",
            RefType::Campaign => "other",
            RefType::Social => "other_social",
        }
    }
}

/// This format's options: the days a single-period report covers.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct MatomoCsvOptions {
    #[serde(default, deserialize_with = "options::date_range")]
    pub date_range: Option<(NaiveDate, NaiveDate)>,
}

impl Adapter for MatomoCsv {
    fn options(&self) -> &'static [&'static OptionKey] {
        static KEYS: &[&OptionKey] = &[&options::keys::DATE_RANGE];
        KEYS
    }
    fn parse_options(&self, raw: &RawOptions) -> Result<Parsed, String> {
        options::parse::<MatomoCsvOptions>(raw, self.options())
    }
    fn name(&self) -> &'static str {
        "matomo-csv"
    }

    fn about(&self) -> &'static str {
        "Matomo Referrers.getAll / getSocials CSV (UTF-16LE or UTF-8), per day or over a --date-range"
    }

    fn writes(&self) -> Writes {
        Writes::Traffic
    }

    fn detect(&self, probe: &Probe) -> u8 {
        let cols: Vec<String> = probe.first_line().split(',').map(|c| c.trim().to_ascii_lowercase()).collect();
        let has = |n: &str| cols.iter().any(|c| c == n);
        if !has("label") || !has("nb_visits") {
            return 0;
        }
        let typed = ["metadata_referer_type", "referer_type", "metadata_referrer_type", "referrer_type"];
        if typed.iter().any(|c| has(c)) {
            90
        } else if probe.head.contains("referrerType==") || probe.head.contains("referrerName==") {
            85
        } else if probe.head.contains("/socials/") {
            80
        } else {
            0
        }
    }

    fn read(&self, input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
        let text = crate::ingest::common::encoding::csv_text(&input.read_all()?, &input.display, out).map_err(|e| {
            crate::ingest::FileError {
                line: e.line,
                ..cx.err(format!(
                    "Matomo CSV exports are UTF-16LE with a byte-order mark (the default) or UTF-8; this file is \
                     neither: {}",
                    e.msg
                ))
            }
        })?;
        let trimmed = text.trim();
        if trimmed.starts_with("Error:") {
            return Err(cx.err_at(1, "(file)", format!("Matomo answered with an error, not a report: {trimmed}")));
        }
        if trimmed == "No data available" {
            out.warn(format!("{}: Matomo exported no data ('No data available')", cx.source_file));
            return Ok(());
        }
        let lines: Vec<&str> = text.lines().collect();
        let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| cx.err_at(1, "(header)", format!("unreadable CSV header: {e}")))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let col = |names: &[&str]| header.iter().position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)));
        let required = |n: &str| {
            col(&[n]).ok_or_else(|| {
                cx.err_at(1, n, format!("missing column '{n}'; {}", crate::privacy::plain_header(&header)))
            })
        };
        let (label_col, visits_col) = (required("label")?, required("nb_visits")?);
        let date_col = col(&["date"]);
        let site_col = col(&["idSite"]);
        let type_col = col(&["metadata_referer_type", "referer_type", "metadata_referrer_type", "referrer_type"]);
        let segment_col = col(&["metadata_segment", "segment"]);
        let (url_col, logo_col) = (col(&["metadata_url", "url"]), col(&["metadata_logo", "logo"]));
        let users_col = col(&["nb_uniq_visitors"]);
        let conversions_col = col(&["nb_conversions"]);
        let goal_cols: Vec<usize> = (0..header.len())
            .filter(|&i| {
                let h = header[i].to_ascii_lowercase();
                h.starts_with("goals_idgoal=") && h.ends_with("_nb_conversions")
            })
            .collect();
        // Which columns a report has depends on the report and the period: only a
        // near-miss of one this adapter reads is warned about.
        let maybe = Want::maybe;
        let wants = [
            maybe(&["date"], date_col),
            maybe(&["metadata_referer_type"], type_col.or(segment_col).or(logo_col)),
            maybe(&["metadata_segment"], segment_col.or(type_col).or(logo_col)),
            maybe(&["metadata_url"], url_col),
            maybe(&["nb_uniq_visitors"], users_col),
            maybe(&["nb_conversions"], conversions_col.or(goal_cols.first().copied())),
        ];
        let used: Vec<usize> = [label_col, visits_col].into_iter().chain(goal_cols.iter().copied()).collect();
        if let Some(w) = columns::check(&cx.source_file, 1, self.name(), &header, &wants, &used) {
            out.warning(w);
        }
        let when = match date_col {
            Some(c) => When::Column(c),
            None => When::Range(report_range(
                cx,
                cx.options::<MatomoCsvOptions>().date_range,
                None,
                "This Matomo report (a single period)",
                out,
            )?),
        };
        let mut rollup = Rollup::default();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| cx.err(format!("unreadable CSV: {e}")))?;
            let line = rec.position().map_or(0, |p| p.line());
            out.rows(1);
            let cell = |i: Option<usize>| i.and_then(|i| rec.get(i)).map(str::trim).filter(|s| !s.is_empty());
            let reject = |out: &mut dyn Out, col: usize, error: String| {
                out.reject(Reject { line, field: header[col].clone(), error, raw: raw_line(&lines, line) })
            };
            let (date_start, date_end) = match when {
                When::Column(c) => match period(cell(Some(c)).unwrap_or("")) {
                    Ok(p) => p,
                    Err(e) => {
                        reject(out, c, e);
                        continue;
                    }
                },
                When::Range(r) => r,
            };
            let [sessions, users, conversions] =
                match row_counts(|c| cell(Some(c)), [Some(visits_col), users_col, conversions_col], &goal_cols) {
                    Ok(counts) => counts,
                    Err((c, e)) => {
                        reject(out, c, e);
                        continue;
                    }
                };
            let label = cell(Some(label_col)).unwrap_or("");
            let segment = cell(segment_col).unwrap_or("");
            let url = cell(url_col);
            let row_type = cell(type_col).and_then(RefType::parse).or_else(|| {
                let seg = segment.split(';').find_map(|p| p.strip_prefix("referrerType=="));
                seg.and_then(RefType::parse).or_else(|| {
                    let logo = cell(logo_col).unwrap_or("");
                    if logo.contains("socials/") {
                        Some(RefType::Social)
                    } else if logo.contains("searchEngines/") {
                        Some(RefType::Search)
                    } else {
                        None
                    }
                })
            });
            // getReferrerType: the label is the type itself.
            let summary = RefType::parse(label).filter(|t| label.len() > 1 && row_type.is_none_or(|r| r == *t));
            let (source, campaign_tag, ch) = match (summary, row_type) {
                (Some(t), _) => (None, None, t.channel()),
                // getAll lists search keywords under the search type, not engines.
                (None, Some(RefType::Search)) if type_col.is_some() => (None, None, "search"),
                (None, Some(RefType::Search)) => (non_empty(label), None, channel(Some(label), Some("organic"), url)),
                (None, Some(RefType::Website)) => (non_empty(label), None, channel(Some(label), Some("referral"), url)),
                (None, Some(RefType::Social)) => (non_empty(label), None, channel(Some(label), Some("social"), url)),
                (None, Some(RefType::Direct)) => (None, None, "direct"),
                (None, Some(RefType::Campaign)) => {
                    let ch = channel(Some(label), None, None);
                    (None, non_empty(label), if ch == "direct" { "other" } else { ch })
                }
                (None, None) => (non_empty(label), None, channel(Some(label), None, url)),
            };
            if let Err(e) = rollup.add(Traffic {
                platform: "web".into(),
                date_start: Some(date_start),
                date_end: Some(date_end),
                site: cell(site_col).map(crate::ingest::site_name),
                source,
                medium: summary.or(row_type).map(|t| t.name().to_string()),
                referrer: None,
                channel: ch,
                campaign_tag,
                sessions,
                users,
                conversions,
                ..Default::default()
            }) {
                reject(out, visits_col, e);
            }
        }
        rollup.emit(cx, out);
        Ok(())
    }
}

/// Where a row's days come from.
#[derive(Clone, Copy)]
enum When {
    /// The `date` column of a multi-period export.
    Column(usize),
    /// The input's date range, for a single-period export.
    Range((Day, Day)),
}

/// A Matomo period key: `2024-03-01`, `2024-03-04,2024-03-10`, `2024-03`.
fn period(v: &str) -> Result<(Day, Day), String> {
    let bad =
        || format!("expected a day like 2024-03-01 (or a range 2024-03-04,2024-03-10, a month 2024-03), found '{v}'");
    let ymd = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    let (from, to) = if let Some((a, b)) = v.split_once(',') {
        (ymd(a).ok_or_else(bad)?, ymd(b).ok_or_else(bad)?)
    } else if let Some(d) = ymd(v) {
        (d, d)
    } else {
        let first = NaiveDate::parse_from_str(&format!("{v}-01"), "%Y-%m-%d").map_err(|_| bad())?;
        let next = first.checked_add_months(chrono::Months::new(1)).ok_or_else(bad)?;
        (first, next.pred_opt().ok_or_else(bad)?)
    };
    if from > to {
        return Err(bad());
    }
    Ok((check_date(from)?, check_date(to)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::testkit::{collect_with, score, FIXTURES};
    use crate::ingest::Collected;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn run(path: &str, range: Option<(&str, &str)>) -> Result<Collected, FileError> {
        collect_with(&ADAPTER, path, |cx| {
            cx.options = std::sync::Arc::new(MatomoCsvOptions { date_range: range.map(|(a, b)| (d(a), d(b))) })
        })
    }

    type Row<'a> = (&'static str, Option<&'a str>, Option<i64>, Option<i64>);

    fn by_channel(got: &Collected) -> Vec<Row<'_>> {
        got.traffic.iter().map(|t| (t.channel, t.source.as_deref(), t.sessions, t.users)).collect()
    }

    #[test]
    fn get_all_one_day_utf16le_and_utf8_agree() {
        let day = Some(("2024-03-05", "2024-03-05"));
        let wide = run(&format!("{FIXTURES}matomo-csv/referrers_getall_utf16le.csv"), day).unwrap();
        let utf8 = run(&format!("{FIXTURES}matomo-csv/referrers_getall_utf8.csv"), day).unwrap();
        // The UTF-16LE file really is UTF-16LE with a BOM.
        assert!(std::fs::read(format!("{FIXTURES}matomo-csv/referrers_getall_utf16le.csv"))
            .unwrap()
            .starts_with(b"\xFF\xFEl\0a\0"));
        let strip = |c: &Collected| {
            c.traffic
                .iter()
                .map(|t| Traffic { source_file: String::new(), ingested_at: None, ..t.clone() })
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(&wide), strip(&utf8));
        assert_eq!((wide.rows, utf8.rows), (7, 7));
        // 7 rows; the two search keywords ("Keyword not defined" 27 visits / 25 visitors and
        // "petition signatures" 2 / 2) sum into one search row: 6 traffic rows.
        assert_eq!(wide.traffic.len(), 6);
        let mut rows = by_channel(&wide);
        rows.sort();
        assert_eq!(
            rows,
            vec![
                ("facebook", Some("Facebook"), Some(34), Some(30)),
                ("other", None, Some(12), Some(11)),
                ("other_social", Some("Mastodon"), Some(1), Some(1)),
                ("referral", Some("example.net"), Some(10), Some(9)),
                ("search", None, Some(29), Some(27)),
                ("twitter", Some("Twitter"), Some(6), Some(6)),
            ]
        );
        let campaign = wide.traffic.iter().find(|t| t.channel == "other").unwrap();
        assert_eq!(
            (campaign.campaign_tag.as_deref(), campaign.medium.as_deref()),
            (Some("spring_appeal"), Some("campaign"))
        );
        let fb = wide.traffic.iter().find(|t| t.channel == "facebook").unwrap();
        // One day; goals_idgoal=1_nb_conversions 2 + goals_idgoal=2_nb_conversions 1.
        assert_eq!(
            (fb.date_start, fb.date_end),
            (Some(Day::from_naive(d("2024-03-05"))), Some(Day::from_naive(d("2024-03-05"))))
        );
        assert_eq!((fb.medium.as_deref(), fb.conversions, fb.pageviews), (Some("social"), Some(3), None));
    }

    #[test]
    fn get_all_without_a_range_asks_for_one() {
        let e = run(&format!("{FIXTURES}matomo-csv/referrers_getall_utf8.csv"), None).unwrap_err();
        assert!(e.msg.contains("--date-range FROM..TO"), "{e}");
    }

    #[test]
    fn get_socials_per_day_with_bad_rows() {
        // tests/fixtures/matomo-csv/referrers_getsocials_daily_utf16le.csv, period=day over 3 days:
        // 7 rows; line 7 has nb_visits "x", line 8 the day 2024-02-30: 5 traffic rows.
        let got = run(&format!("{FIXTURES}matomo-csv/referrers_getsocials_daily_utf16le.csv"), None).unwrap();
        assert_eq!(got.rows, 7);
        let rj: Vec<(u64, &str)> = got.rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
        assert_eq!(rj, vec![(7, "nb_visits"), (8, "date")]);
        assert_eq!(got.rejects[0].raw.as_deref().map(|r| r.starts_with("2024-03-03,Flickr,1,x,")), Some(true));
        assert_eq!(got.traffic.len(), 5);
        let fb: Vec<(Option<Day>, Option<i64>)> =
            got.traffic.iter().filter(|t| t.channel == "facebook").map(|t| (t.date_start, t.sessions)).collect();
        let day = |s| Some(Day::from_naive(d(s)));
        // Facebook: 14, 9 and 5 visits on March 1, 2 and 3.
        assert_eq!(fb, vec![(day("2024-03-01"), Some(14)), (day("2024-03-02"), Some(9)), (day("2024-03-03"), Some(5))]);
        assert!(got.traffic.iter().all(|t| t.date_start == t.date_end && t.medium.as_deref() == Some("social")));
        let channels: Vec<&str> = got.traffic.iter().map(|t| t.channel).collect();
        assert!(channels.contains(&"instagram") && channels.contains(&"linkedin"));
    }

    #[test]
    fn a_multi_site_export_names_each_rows_site() {
        // tests/fixtures/matomo-csv/referrers_getsocials_two_sites_utf8.csv (idSite=1,3, period=day):
        // site 1 Facebook 14 on 03-01; site 3 Facebook 3 on 03-01 and Twitter 1 on 03-02.
        let got = run(&format!("{FIXTURES}matomo-csv/referrers_getsocials_two_sites_utf8.csv"), None).unwrap();
        let mut rows: Vec<(Option<String>, &str, Option<i64>)> =
            got.traffic.iter().map(|t| (t.site.clone(), t.channel, t.sessions)).collect();
        rows.sort();
        let site = |s: &str| Some(s.to_string());
        assert_eq!(
            rows,
            [(site("1"), "facebook", Some(14)), (site("3"), "facebook", Some(3)), (site("3"), "twitter", Some(1))]
        );
        // A single-site export names none.
        let one = run(&format!("{FIXTURES}matomo-csv/referrers_getsocials_daily_utf16le.csv"), None).unwrap();
        assert!(one.traffic.iter().all(|t| t.site.is_none()));
    }

    #[test]
    fn referrer_types_per_week_from_segments() {
        // Referrers.getReferrerType, period=week: the labels are the types.
        let got = run(&format!("{FIXTURES}matomo-csv/referrers_getreferrertype_weekly_utf8.csv"), None).unwrap();
        let mut rows: Vec<(&str, Option<i64>)> = got.traffic.iter().map(|t| (t.channel, t.sessions)).collect();
        rows.sort();
        assert_eq!(
            rows,
            vec![
                ("direct", Some(120)),
                ("other", Some(15)),
                ("other_social", Some(48)),
                ("referral", Some(30)),
                ("search", Some(80))
            ]
        );
        let w = &got.traffic[0];
        assert_eq!(
            (w.date_start, w.date_end),
            (Some(Day::from_naive(d("2024-03-04"))), Some(Day::from_naive(d("2024-03-10"))))
        );
        assert!(got.traffic.iter().all(|t| t.source.is_none() && t.users.is_none()));
    }

    #[test]
    fn wrong_encoding_and_missing_column() {
        let dir = tempfile::tempdir().unwrap();
        let latin1 = dir.path().join("referrers.csv");
        // "Café" in Latin-1: 0xE9 is not UTF-8, and the file is Windows-1252 text: read so,
        // with a warning.
        std::fs::write(&latin1, b"label,nb_visits,metadata_referer_type\nCaf\xe9.example,3,3\n").unwrap();
        let got = run(&latin1.to_string_lossy(), Some(("2024-03-05", "2024-03-05"))).unwrap();
        assert_eq!(got.traffic[0].source.as_deref(), Some("Café.example"));
        assert_eq!(got.warnings.len(), 1, "{:?}", got.warnings);
        // With a UTF-8 "é" on line 2 too, the file mixes encodings: refused, naming line 3.
        std::fs::write(&latin1, b"label,nb_visits,metadata_referer_type\nCaf\xc3\xa9.example,3,3\nCaf\xe9.fr,3,3\n")
            .unwrap();
        let e = run(&latin1.to_string_lossy(), Some(("2024-03-05", "2024-03-05"))).unwrap_err();
        assert!(e.msg.contains("UTF-16LE") && e.msg.contains("UTF-8"), "{e}");
        assert_eq!(e.line, Some(3));
        let no_visits = dir.path().join("no_visits.csv");
        std::fs::write(&no_visits, "label,nb_uniq_visitors,metadata_referer_type\nFacebook,3,7\n").unwrap();
        let e = run(&no_visits.to_string_lossy(), Some(("2024-03-05", "2024-03-05"))).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("nb_visits"));
        assert!(e.msg.contains("the file's columns are: label, nb_uniq_visitors, metadata_referer_type"), "{e}");
    }

    #[test]
    fn periods() {
        let day = |s| Day::from_naive(d(s));
        assert_eq!(period("2024-03-01"), Ok((day("2024-03-01"), day("2024-03-01"))));
        assert_eq!(period("2024-02"), Ok((day("2024-02-01"), day("2024-02-29"))));
        assert!(period("1999-12-31").unwrap_err().contains("2000-01-01"));
        assert!(period("last week").is_err());
    }

    #[test]
    fn detection() {
        assert_eq!(score(&ADAPTER, format!("{FIXTURES}matomo-csv/referrers_getall_utf16le.csv")), 90);
        assert_eq!(score(&ADAPTER, format!("{FIXTURES}matomo-csv/referrers_getall_utf8.csv")), 90);
        assert_eq!(score(&ADAPTER, format!("{FIXTURES}matomo-csv/referrers_getsocials_daily_utf16le.csv")), 80);
        assert_eq!(score(&ADAPTER, format!("{FIXTURES}matomo-csv/referrers_getreferrertype_weekly_utf8.csv")), 85);
    }
}
