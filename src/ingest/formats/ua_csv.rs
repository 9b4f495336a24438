//! `ua-csv`: a Universal Analytics report exported as CSV (UI "Export > CSV" or the API):
//! `#` header lines, then tables; the ones with `Sessions` and a source column become
//! traffic rows.
//!
//! Readings to keep:
//! - Tables split at blank or `#` lines; tables without a source column (the `Day Index` chart) skipped with a warning.
//! - Totals rows (all dimensions blank, `Hostname` included) skipped.
//! - `Source / Medium` split at its last ` / `; `Referrer`/`Full Referrer` → `referrer` as exported.
//! - `Campaign` → `campaign_tag`, `Landing Page` → `landing_page`; `(not set)` is null.
//! - `conversions` = `Goal Completions`, else the sum of the per-goal completion columns.
//! - `New Users` is not `users`; rate columns are ignored (pageviews stay null); a fractional count rejects the row.
//! - `Date` or `Day Index` gives daily rows (day-first when a part > 12 or only that fits the header range).
//! - Without dates: the input's `--date-range`, else the `#` header range, else refused asking for `--date-range`.
//! - Dates outside 2000-01-01..today+1y rejected.
//! - `site` = `Hostname` lower-cased, else the input's `site`; the view name is not a host.
//! - Headers must be English.
//!
//! User docs: docs/formats.md#ua-csv, docs/metrics.md#sites.

use chrono::NaiveDate;

use crate::ingest::common::channel::channel;
use crate::ingest::common::columns::{self, Want};
use crate::ingest::common::traffic::{check_date, raw_line, report_range, row_counts, Rollup};
use crate::ingest::options::{self, OptionKey, Parsed, RawOptions};
use crate::ingest::{Adapter, Ctx, FileError, Input, Out, Probe, Reject, Warning, Writes};
use crate::model::{Day, Traffic};

pub struct UaCsv;

pub static ADAPTER: UaCsv = UaCsv;

/// Columns that say where a session came from; a table needs one of them.
const SOURCE_COLUMNS: [&str; 6] = ["Source / Medium", "Source/Medium", "Source", "Medium", "Referrer", "Full Referrer"];

/// This format's options: the days a report without a date column covers.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct UaCsvOptions {
    #[serde(default, deserialize_with = "options::date_range")]
    pub date_range: Option<(NaiveDate, NaiveDate)>,
}

impl Adapter for UaCsv {
    fn options(&self) -> &'static [&'static OptionKey] {
        static KEYS: &[&OptionKey] = &[&options::keys::DATE_RANGE];
        KEYS
    }
    fn parse_options(&self, raw: &RawOptions) -> Result<Parsed, String> {
        options::parse::<UaCsvOptions>(raw, self.options())
    }
    fn name(&self) -> &'static str {
        "ua-csv"
    }

    fn about(&self) -> &'static str {
        "Universal Analytics report CSV (Source / Medium or Referrer, Sessions, ...), daily or over a --date-range"
    }

    fn writes(&self) -> Writes {
        Writes::Traffic
    }

    fn detect(&self, probe: &Probe) -> u8 {
        let mut commented = false;
        let mut starts_table = true;
        let mut best = 0;
        for line in probe.head.lines().map(|l| l.trim_end_matches('\r')) {
            if line.trim().is_empty() || line.starts_with('#') {
                commented |= line.starts_with("# ---");
                starts_table = true;
                continue;
            }
            if std::mem::take(&mut starts_table) {
                let cols = header_cells(line);
                let has = |name: &str| cols.iter().any(|c| c.eq_ignore_ascii_case(name));
                if has("Sessions") && SOURCE_COLUMNS.iter().any(|c| has(c)) {
                    best = best.max(if commented { 95 } else { 85 });
                }
            }
        }
        best
    }

    fn read(&self, input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
        let text = input.read_csv_text(out)?;
        let lines: Vec<&str> = text.lines().collect();
        let stated = stated_range(&lines);
        let mut range: Option<(Day, Day)> = None;
        let mut rollup = Rollup::default();
        let mut used = 0;
        let mut totals = 0;
        let mut first_header: Option<(u64, Vec<String>)> = None;
        for (start, end) in tables(&lines) {
            let header_line = start as u64 + 1;
            let body = lines[start..end].join("\n");
            let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(body.as_bytes());
            let mut records = rdr.records();
            let header: Vec<String> = match records.next() {
                Some(Ok(h)) => h.iter().map(|c| c.trim().to_string()).collect(),
                Some(Err(e)) => return Err(cx.err_at(header_line, "(header)", format!("unreadable CSV header: {e}"))),
                None => continue,
            };
            first_header.get_or_insert((header_line, header.clone()));
            let cols = Cols::find(&header);
            if !cols.has_source() {
                out.warning(Warning::at(
                    &cx.source_file,
                    header_line,
                    format!(
                        "skipped the table '{}': it has no source column (a chart of the site's totals, or a \
                         report by another dimension)",
                        header.join(", ")
                    ),
                ));
                continue;
            }
            let Some(sessions_col) = cols.sessions else {
                return Err(missing(cx, header_line, "Sessions", &header));
            };
            if let Some(w) = cols.near_misses(&header, header_line, cx) {
                out.warning(w);
            }
            used += 1;
            let mut rows = Vec::new();
            for rec in records {
                let rec = rec.map_err(|e| cx.err_at(header_line, "(csv)", format!("unreadable CSV: {e}")))?;
                let line = start as u64 + rec.position().map_or(1, |p| p.line());
                rows.push((line, rec));
            }
            let order = cols.day_index.map(|i| day_order(rows.iter().filter_map(|(_, r)| r.get(i)), stated));
            if cols.date.is_none() && cols.day_index.is_none() && range.is_none() {
                range = Some(report_range(
                    cx,
                    cx.options::<UaCsvOptions>().date_range,
                    stated,
                    "This Universal Analytics report",
                    out,
                )?);
            }
            for (line, rec) in &rows {
                let cell = |i: Option<usize>| i.and_then(|i| rec.get(i)).map(str::trim).filter(|s| !s.is_empty());
                if cols.dimensions().all(|i| cell(Some(i)).is_none()) {
                    totals += 1;
                    continue;
                }
                out.rows(1);
                let reject = |out: &mut dyn Out, col: usize, error: String| {
                    out.reject(Reject { line: *line, field: header[col].clone(), error, raw: raw_line(&lines, *line) })
                };
                let days = if let Some(i) = cols.date {
                    let v = cell(Some(i)).unwrap_or("");
                    match NaiveDate::parse_from_str(v, "%Y%m%d").or_else(|_| NaiveDate::parse_from_str(v, "%Y-%m-%d")) {
                        Ok(d) => check_date(d).map(|d| (d, d)),
                        Err(_) => Err(format!("expected a date like 20170131, found '{v}'")),
                    }
                } else if let (Some(i), Some(order)) = (cols.day_index, order) {
                    let v = cell(Some(i)).unwrap_or("");
                    match parse_day_index(v, order) {
                        Some(d) => check_date(d).map(|d| (d, d)),
                        None => Err(format!("expected a day like {}, found '{v}'", order.example())),
                    }
                } else {
                    Ok(range.expect("set above for tables without a date column"))
                };
                let (date_start, date_end) = match days {
                    Ok(d) => d,
                    Err(e) => {
                        reject(out, cols.date.or(cols.day_index).unwrap_or(0), e);
                        continue;
                    }
                };
                let count_cols = [Some(sessions_col), cols.users, cols.pageviews, cols.goal_total];
                let [sessions, users, pageviews, conversions] =
                    match row_counts(|c| cell(Some(c)), count_cols, &cols.goals) {
                        Ok(counts) => counts,
                        Err((c, e)) => {
                            reject(out, c, e);
                            continue;
                        }
                    };
                let (source, medium) = match cell(cols.source_medium) {
                    Some(sm) => match sm.rsplit_once(" / ") {
                        Some((s, m)) => (set(s), set(m)),
                        None => (set(sm), None),
                    },
                    None => (cell(cols.source).and_then(set), cell(cols.medium).and_then(set)),
                };
                let referrer = cell(cols.referrer).and_then(set);
                if let Err(e) = rollup.add(Traffic {
                    platform: "web".into(),
                    site: cell(cols.hostname).and_then(set).map(|h| crate::ingest::site_name(&h)),
                    date_start: Some(date_start),
                    date_end: Some(date_end),
                    channel: channel(source.as_deref(), medium.as_deref(), referrer.as_deref()),
                    source,
                    medium,
                    referrer,
                    landing_page: cell(cols.landing).and_then(set),
                    campaign_tag: cell(cols.campaign).and_then(set),
                    sessions,
                    users,
                    pageviews,
                    conversions,
                    ..Default::default()
                }) {
                    reject(out, sessions_col, e);
                }
            }
        }
        if used == 0 {
            let (line, header) = first_header.unwrap_or((1, Vec::new()));
            return Err(cx.err_at(
                line,
                "Source / Medium",
                format!(
                    "no table with 'Sessions' and a source column ({}); {}",
                    SOURCE_COLUMNS.join(", "),
                    crate::privacy::plain_header(&header)
                ),
            ));
        }
        if totals > 0 {
            out.warn(format!("{}: skipped {totals} totals row(s) (every dimension blank)", cx.source_file));
        }
        rollup.emit(cx, out);
        Ok(())
    }
}

/// Column positions of one table.
#[derive(Default)]
struct Cols {
    source_medium: Option<usize>,
    source: Option<usize>,
    medium: Option<usize>,
    referrer: Option<usize>,
    campaign: Option<usize>,
    landing: Option<usize>,
    hostname: Option<usize>,
    date: Option<usize>,
    day_index: Option<usize>,
    sessions: Option<usize>,
    users: Option<usize>,
    pageviews: Option<usize>,
    goal_total: Option<usize>,
    /// `<name> (Goal N Completions)`, summed when there is no `Goal Completions`.
    goals: Vec<usize>,
}

impl Cols {
    fn find(header: &[String]) -> Cols {
        let at = |names: &[&str]| header.iter().position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)));
        Cols {
            source_medium: at(&["Source / Medium", "Source/Medium"]),
            source: at(&["Source"]),
            medium: at(&["Medium"]),
            referrer: at(&["Full Referrer", "Referrer"]),
            campaign: at(&["Campaign"]),
            landing: at(&["Landing Page"]),
            hostname: at(&["Hostname"]),
            date: at(&["Date"]),
            day_index: at(&["Day Index"]),
            sessions: at(&["Sessions"]),
            users: at(&["Users"]),
            pageviews: at(&["Pageviews"]),
            goal_total: at(&["Goal Completions"]),
            goals: (0..header.len())
                .filter(|&i| {
                    let h = header[i].to_ascii_lowercase();
                    h.ends_with(" completions)") && h.contains("(goal ")
                })
                .collect(),
        }
    }

    /// A report's metrics and dimensions are the analyst's choice, so a missing optional
    /// column is only warned about when the table has a near-miss for it (`ingest::columns`):
    /// `Page Views` for `Pageviews`, say.
    fn near_misses(&self, header: &[String], line: u64, cx: &Ctx) -> Option<Warning> {
        let maybe = Want::maybe;
        let wants = [
            maybe(&["Users"], self.users),
            maybe(&["Pageviews"], self.pageviews),
            maybe(&["Goal Completions"], self.goal_total.or(self.goals.first().copied())),
            maybe(&["Landing Page"], self.landing),
            maybe(&["Campaign"], self.campaign),
            maybe(&["Source / Medium"], self.source_medium.or(self.source).or(self.medium)),
            maybe(&["Full Referrer", "Referrer"], self.referrer),
            maybe(&["Date", "Day Index"], self.date.or(self.day_index)),
        ];
        let used: Vec<usize> = [self.sessions, self.source, self.medium, self.day_index]
            .into_iter()
            .flatten()
            .chain(self.goals.iter().copied())
            .collect();
        columns::check(&cx.source_file, line, "ua-csv", header, &wants, &used)
    }

    fn has_source(&self) -> bool {
        self.source_medium.or(self.source).or(self.medium).or(self.referrer).is_some()
    }

    /// The columns that are blank on a totals row.
    fn dimensions(&self) -> impl Iterator<Item = usize> {
        [
            self.source_medium,
            self.source,
            self.medium,
            self.referrer,
            self.campaign,
            self.landing,
            self.hostname,
            self.date,
            self.day_index,
        ]
        .into_iter()
        .flatten()
    }
}

fn missing(cx: &Ctx, line: u64, col: &str, header: &[String]) -> FileError {
    cx.err_at(line, col, format!("missing column '{col}'; {}", crate::privacy::plain_header(header)))
}

/// The cells of a header line (quotes removed, trimmed).
fn header_cells(line: &str) -> Vec<String> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(line.as_bytes());
    match rdr.records().next() {
        Some(Ok(r)) => r.iter().map(|c| c.trim().to_string()).collect(),
        _ => Vec::new(),
    }
}

/// The line ranges `[start, end)` of the tables: runs of lines that are neither blank nor `#`.
fn tables(lines: &[&str]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, l) in lines.iter().enumerate() {
        let gap = l.trim().is_empty() || l.starts_with('#');
        match (gap, start) {
            (true, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, lines.len()));
    }
    out
}

/// The `# 20170101-20170131` line of the comment header, if any.
fn stated_range(lines: &[&str]) -> Option<(NaiveDate, NaiveDate)> {
    lines.iter().take_while(|l| l.starts_with('#') || l.trim().is_empty()).find_map(|l| {
        let (a, b) = l.trim_start_matches('#').trim().split_once('-')?;
        let d = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y%m%d").ok();
        Some((d(a)?, d(b)?))
    })
}

/// A cell as stored: `(not set)` is null.
fn set(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty() && !t.eq_ignore_ascii_case("(not set)")).then(|| t.to_string())
}

/// How a `Day Index` column writes its days.
#[derive(Clone, Copy, Debug, PartialEq)]
enum DayOrder {
    MonthFirst,
    DayFirst,
}

impl DayOrder {
    fn example(self) -> &'static str {
        match self {
            DayOrder::MonthFirst => "1/31/17",
            DayOrder::DayFirst => "31/01/2017",
        }
    }
}

/// Month-first (US) unless a value's first part is above 12, or only the day-first
/// reading keeps every value inside the range the file states.
fn day_order<'a>(values: impl Iterator<Item = &'a str>, stated: Option<(NaiveDate, NaiveDate)>) -> DayOrder {
    let values: Vec<&str> = values.map(str::trim).filter(|v| !v.is_empty()).collect();
    let parts = |v: &str| -> Option<(u32, u32)> {
        let mut it = v.split(['/', '.', '-']).map(|p| p.parse::<u32>().ok());
        Some((it.next()??, it.next()??))
    };
    if values.iter().filter_map(|v| parts(v)).any(|(a, _)| a > 12) {
        return DayOrder::DayFirst;
    }
    if values.iter().filter_map(|v| parts(v)).any(|(_, b)| b > 12) {
        return DayOrder::MonthFirst;
    }
    if let Some((from, to)) = stated {
        let fits = |o| values.iter().all(|v| parse_day_index(v, o).is_some_and(|d| d >= from && d <= to));
        if !fits(DayOrder::MonthFirst) && fits(DayOrder::DayFirst) {
            return DayOrder::DayFirst;
        }
    }
    DayOrder::MonthFirst
}

/// `1/31/17`, `1/31/2017`, `31/01/2017`, `31.01.2017` (by `order`), or `2017-01-31`.
fn parse_day_index(v: &str, order: DayOrder) -> Option<NaiveDate> {
    let parts: Vec<&str> = v.trim().split(['/', '.', '-']).collect();
    let [a, b, c] = parts[..] else { return None };
    let num = |s: &str| s.parse::<u32>().ok();
    if a.len() == 4 {
        return NaiveDate::from_ymd_opt(num(a)? as i32, num(b)?, num(c)?);
    }
    let year = match c.len() {
        2 => 2000 + num(c)? as i32,
        4 => num(c)? as i32,
        _ => return None,
    };
    let (m, d) = match order {
        DayOrder::MonthFirst => (num(a)?, num(b)?),
        DayOrder::DayFirst => (num(b)?, num(a)?),
    };
    NaiveDate::from_ymd_opt(year, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::testkit::{collect_with, score, FIXTURES, SAMPLES};
    use crate::ingest::Collected;

    fn d(s: &str) -> Day {
        Day::from_naive(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
    }

    fn run(path: &str, range: Option<(&str, &str)>) -> Result<Collected, FileError> {
        collect_with(&ADAPTER, path, |cx| {
            cx.options =
                std::sync::Arc::new(UaCsvOptions { date_range: range.map(|(a, b)| (d(a).to_naive(), d(b).to_naive())) })
        })
    }

    fn row<'a>(got: &'a Collected, source: &str, medium: &str) -> &'a Traffic {
        let found: Vec<&Traffic> = got
            .traffic
            .iter()
            .filter(|t| t.source.as_deref() == Some(source) && t.medium.as_deref() == Some(medium))
            .collect();
        assert_eq!(found.len(), 1, "{source} / {medium}: {found:?}");
        found[0]
    }

    #[test]
    fn real_referrer_report_over_a_date_range() {
        let got = run(&format!("{SAMPLES}ua-csv/google-metrics-all-referrer.csv"), Some(("2017-01-01", "2017-01-31")))
            .unwrap();
        // 41 lines: the header and 40 rows, each a distinct (referrer, source / medium).
        assert_eq!(got.rows, 40);
        assert_eq!(got.traffic.len(), 40);
        assert!(got.rejects.is_empty() && got.warnings.is_empty(), "{:?} {:?}", got.rejects, got.warnings);
        let direct = row(&got, "(direct)", "(none)");
        assert_eq!(direct.referrer.as_deref(), Some("(direct)"));
        assert_eq!(direct.channel, "direct");
        assert_eq!((direct.date_start, direct.date_end), (Some(d("2017-01-01")), Some(d("2017-01-31"))));
        // (direct) / (none): Sessions 451, New Users 368 (not users: null), Goal 1 Completions 5;
        // no Pageviews column (only the Pages/Session rate): null.
        assert_eq!(
            (direct.sessions, direct.users, direct.pageviews, direct.conversions),
            (Some(451), None, None, Some(5))
        );
        assert_eq!(direct.platform, "web");
        assert_eq!(direct.site, None);
        // t.co appears on three rows (three short links): 1 + 3 + 2 sessions.
        let tco: Vec<&Traffic> = got.traffic.iter().filter(|t| t.source.as_deref() == Some("t.co")).collect();
        assert_eq!(tco.len(), 3);
        assert_eq!(tco.iter().map(|t| t.sessions.unwrap()).sum::<i64>(), 6);
        assert!(tco.iter().all(|t| t.channel == "twitter" && t.medium.as_deref() == Some("referral")));
        let sessions =
            |ch: &str| got.traffic.iter().filter(|t| t.channel == ch).map(|t| t.sessions.unwrap()).sum::<i64>();
        // facebook: organic 3 + paid 152 + facebook.com/ 9 + facebook.com/l.php 2 + l.facebook.com 2 + 9 + m.facebook.com 10
        assert_eq!(sessions("facebook"), 187);
        // twitter: t.co 6 + twitter / organic 33 + twitter.com / social 1
        assert_eq!(sessions("twitter"), 40);
        // search: bing 5 + google organic 144 + google paid 132 + google.ee 1 + yahoo 4
        assert_eq!(sessions("search"), 286);
        // email: the Trial Promoter e-mail 2 + Campaign Monitor's cmail19.com view 2
        assert_eq!(sessions("email"), 4);
        assert_eq!(sessions("youtube"), 8);
        // every session is somewhere: the 40 rows sum to 1,224 sessions.
        assert_eq!(got.traffic.iter().map(|t| t.sessions.unwrap()).sum::<i64>(), 1224);
        assert_eq!(sessions("referral"), 1224 - 451 - 187 - 40 - 286 - 4 - 8);
    }

    #[test]
    fn real_campaign_report_over_a_date_range() {
        let got = run(&format!("{SAMPLES}ua-csv/google-metrics-all.csv"), Some(("2017-01-01", "2017-01-31"))).unwrap();
        // 27 lines: the header and 26 rows.
        assert_eq!((got.rows, got.traffic.len()), (26, 26));
        assert!(got.rejects.is_empty());
        // `(not set)` campaign is null; named campaigns are kept.
        assert_eq!(row(&got, "(direct)", "(none)").campaign_tag, None);
        let fb = row(&got, "facebook", "paid");
        assert_eq!(
            (fb.campaign_tag.as_deref(), fb.sessions, fb.channel),
            (Some("trial-promoter"), Some(152), "facebook")
        );
        let buffer = row(&got, "twitter.com", "social");
        assert_eq!(buffer.campaign_tag.as_deref(), Some("buffer"));
        // The same sessions as the referrer report: 1,224.
        assert_eq!(got.traffic.iter().map(|t| t.sessions.unwrap()).sum::<i64>(), 1224);
    }

    #[test]
    fn a_range_export_without_a_range_asks_for_one() {
        let e = run(&format!("{SAMPLES}ua-csv/google-metrics-all.csv"), None).unwrap_err();
        assert!(e.msg.contains("--date-range FROM..TO"), "{e}");
        assert!(e.to_string().contains("google-metrics-all.csv"), "{e}");
    }

    #[test]
    fn ui_export_with_comment_header_totals_and_chart() {
        // tests/fixtures/ua-csv/ui_export_source_medium.csv: the UI's layout, range 20170101-20170131
        // in the `#` header, 3 rows, a totals row, then the "Day Index" chart section.
        let got = run(&format!("{FIXTURES}ua-csv/ui_export_source_medium.csv"), None).unwrap();
        assert_eq!(got.rows, 3);
        assert_eq!(got.traffic.len(), 3);
        let google = row(&got, "google", "organic");
        assert_eq!((google.date_start, google.date_end), (Some(d("2017-01-01")), Some(d("2017-01-31"))));
        // "1,234" sessions, Users 1,100, Pageviews 2,500, Goal Completions 7
        assert_eq!(
            (google.sessions, google.users, google.pageviews, google.conversions),
            (Some(1234), Some(1100), Some(2500), Some(7))
        );
        assert_eq!(row(&got, "l.facebook.com", "referral").channel, "facebook");
        // The chart and the totals row are skipped, with a word each.
        assert!(got.warnings.iter().any(|w| w.contains("Day Index")), "{:?}", got.warnings);
        assert!(got.warnings.iter().any(|w| w.contains("1 totals row")), "{:?}", got.warnings);
        // A --date-range wins over the header, with a warning.
        let got =
            run(&format!("{FIXTURES}ua-csv/ui_export_source_medium.csv"), Some(("2017-01-02", "2017-01-03"))).unwrap();
        assert_eq!(got.traffic[0].date_start, Some(d("2017-01-02")));
        assert!(got.warnings.iter().any(|w| w.contains("2017-01-01..2017-01-31")));
    }

    #[test]
    fn hostname_is_the_site_and_the_input_site_fills_only_the_unnamed_rows() {
        // tests/fixtures/ua-csv/hostname_range.csv: Source / Medium x Hostname over the `#`
        // header's 2024-03-01..31, 4 rows and a totals row (both dimensions blank).
        let path = format!("{FIXTURES}ua-csv/hostname_range.csv");
        let got = run(&path, None).unwrap();
        assert_eq!((got.rows, got.traffic.len()), (4, 4));
        assert!(got.warnings.iter().any(|w| w.contains("1 totals row")), "{:?}", got.warnings);
        let site_of = |got: &Collected, source: &str, sessions: i64| {
            let t = got.traffic.iter().find(|t| t.source.as_deref() == Some(source) && t.sessions == Some(sessions));
            t.expect("row").site.clone()
        };
        // Host names are lower-cased (WWW.Example.org is www.example.org); (not set) is null.
        assert_eq!(site_of(&got, "google", 120).as_deref(), Some("www.example.org"));
        assert_eq!(site_of(&got, "l.facebook.com", 30).as_deref(), Some("www.example.org"));
        assert_eq!(site_of(&got, "google", 40).as_deref(), Some("shop.example.org"));
        assert_eq!(site_of(&got, "t.co", 5), None);
        assert!(got
            .traffic
            .iter()
            .all(|t| (t.date_start, t.date_end) == (Some(d("2024-03-01")), Some(d("2024-03-31")))));
        // The input says it is www.example.org: the unnamed row takes it, shop keeps its own.
        let got = collect_with(&ADAPTER, &path, |cx| cx.site = Some("www.example.org".into())).unwrap();
        assert_eq!(site_of(&got, "t.co", 5).as_deref(), Some("www.example.org"));
        assert_eq!(site_of(&got, "google", 40).as_deref(), Some("shop.example.org"));
    }

    #[test]
    fn daily_report_with_day_index_and_bad_rows() {
        // tests/fixtures/ua-csv/daily_day_index.csv: Day Index (M/D/YY) x Source / Medium, 6 rows:
        // 3 good, one with Sessions "12.5" (line 5), one dated 1/1/99 (line 6: 2099, after today + 1y),
        // one with a day that does not exist, 2/30/17 (line 7).
        let got = run(&format!("{FIXTURES}ua-csv/daily_day_index.csv"), None).unwrap();
        assert_eq!(got.rows, 6);
        assert_eq!(got.traffic.len(), 3);
        let rj: Vec<(u64, &str)> = got.rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
        assert_eq!(rj, vec![(5, "Sessions"), (6, "Day Index"), (7, "Day Index")]);
        assert!(got.rejects[0].error.contains("whole number") && got.rejects[0].error.contains("12.5"));
        assert!(got.rejects[1].error.contains("2000-01-01"));
        assert_eq!(got.rejects[0].raw.as_deref(), Some("1/31/17,t.co / referral,12.5,3"));
        // 1/30/17: google / organic 20 sessions; per-goal completions 2 + 1 = 3 conversions.
        let g =
            got.traffic.iter().find(|t| t.source.as_deref() == Some("google") && t.date_start == Some(d("2017-01-30")));
        let g = g.unwrap();
        assert_eq!(
            (g.date_end, g.medium.as_deref(), g.sessions, g.conversions),
            (Some(d("2017-01-30")), Some("organic"), Some(20), Some(3))
        );
        assert!(got.traffic.iter().all(|t| t.date_start == t.date_end));
    }

    #[test]
    fn day_index_orders() {
        let mdy = day_order(["1/30/17", "1/31/17"].into_iter(), None);
        assert_eq!(mdy, DayOrder::MonthFirst);
        assert_eq!(parse_day_index("1/31/17", mdy), NaiveDate::from_ymd_opt(2017, 1, 31));
        // 16/04/2015 can only be day-first (the real UK export in the module doc).
        let dmy = day_order(["16/04/2015"].into_iter(), None);
        assert_eq!(parse_day_index("16/04/2015", dmy), NaiveDate::from_ymd_opt(2015, 4, 16));
        // 01/02/2015 alone is ambiguous: the header's range 20150201-20150201 settles it.
        let range = (NaiveDate::from_ymd_opt(2015, 2, 1).unwrap(), NaiveDate::from_ymd_opt(2015, 2, 1).unwrap());
        assert_eq!(day_order(["01/02/2015"].into_iter(), Some(range)), DayOrder::DayFirst);
        assert_eq!(parse_day_index("2015-02-01", DayOrder::MonthFirst), NaiveDate::from_ymd_opt(2015, 2, 1));
    }

    #[test]
    fn missing_sessions_is_a_file_error_listing_the_columns() {
        // tests/fixtures/ua-csv/no_sessions.csv: Source / Medium with Users only.
        let e = run(&format!("{FIXTURES}ua-csv/no_sessions.csv"), Some(("2017-01-01", "2017-01-31"))).unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (Some(1), Some("Sessions")));
        assert!(e.msg.contains("missing column 'Sessions'") && e.msg.contains("Source / Medium, Users"), "{e}");
    }

    #[test]
    fn detection() {
        assert_eq!(score(&ADAPTER, format!("{SAMPLES}ua-csv/google-metrics-all-referrer.csv")), 85);
        assert_eq!(score(&ADAPTER, format!("{SAMPLES}ua-csv/google-metrics-all.csv")), 85);
        assert_eq!(score(&ADAPTER, format!("{FIXTURES}ua-csv/ui_export_source_medium.csv")), 95);
    }
}
