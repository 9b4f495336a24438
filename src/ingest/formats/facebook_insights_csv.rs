//! `facebook-insights-csv`: the legacy Page Insights "post level" export, CSV or XLSX
//! (first sheet): header row, description row, then one row per post.
//!
//! Readings to keep:
//! - Repeated column names: the FIRST (Total Count) is read; names matched case-insensitively.
//! - An Excel date in `Posted` is the local time it shows; `Posted` read in `cx.tz`.
//! - `post_id` = `Post ID`; a bare id gets the page of a numeric `Permalink` (`post_ids::facebook_post`).
//! - `account_id` = page id before `_`; handle = non-numeric vanity name in `Permalink`.
//! - `Type`: Photo photo, (Shared) Video video, Link link, Status text, Event event, else other.
//! - reach / impressions = Lifetime Post Total Reach / Impressions.
//! - reactions/comments/shares = "Talking About This by action type" (people, not `Post Stories`).
//! - `link_clicks` = consumers by type - link clicks, null without that column.
//! - `clicks` = Lifetime Post Consumptions (not Consumers, which counts people).
//! - `video_views` = a total column, else organic + paid (those present); kept as exported.
//! - `text` = `Post Message`; hashtags `#(\w+)`, urls its http(s) links.
//! - Blank null; bad count/time or blank `Post ID` rejects (physical line, both headers counted).
//! - Missing `Post ID`/`Posted` column is a FileError listing the columns.
//!
//! User docs: docs/formats.md#facebook-insights-csv.

use std::io::Read;

use crate::ingest::common::columns::{self, Want};
use crate::ingest::common::meta::{cell, count_cell, fb_handle_from_permalink, find_col, missing_column};
use crate::ingest::common::util::urls_in;
use crate::ingest::common::{post_ids, util};
use crate::ingest::{Adapter, Ctx, FileError, Input, Out, Probe, Reject, Writes, MAX_RAW_REJECT};
use crate::model::{Micros, Post};

pub struct FacebookInsightsCsv;

pub static ADAPTER: FacebookInsightsCsv = FacebookInsightsCsv;

const POST_ID: &str = "Post ID";
const POSTED: &str = "Posted";
const REACH: &str = "Lifetime Post Total Reach";
const IMPRESSIONS: &str = "Lifetime Post Total Impressions";
const LIKE: &str = "Lifetime Talking About This (Post) by action type - like";
const COMMENT: &str = "Lifetime Talking About This (Post) by action type - comment";
const SHARE: &str = "Lifetime Talking About This (Post) by action type - share";
const LINK_CLICKS: &str = "Lifetime Post consumers by type - link clicks";
const CLICKS: &str = "Lifetime Post Consumptions";
const VIDEO_TOTAL: [&str; 2] = ["Lifetime Post Video Views", "Lifetime Total Video Views"];
const VIDEO_ORGANIC: &str = "Lifetime Organic Video Views";
const VIDEO_PAID: &str = "Lifetime Paid Video Views";

/// Layouts of `Posted` (and of the text an Excel date cell is turned into).
const POSTED_FORMATS: [&str; 6] = [
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
];

impl Adapter for FacebookInsightsCsv {
    fn name(&self) -> &'static str {
        "facebook-insights-csv"
    }
    fn about(&self) -> &'static str {
        "Facebook Page Insights post-level export (legacy), CSV or XLSX"
    }
    fn writes(&self) -> Writes {
        Writes::Posts
    }
    fn detect(&self, probe: &Probe) -> u8 {
        if probe.is_dir {
            return 0;
        }
        if is_xlsx(probe) {
            return match xlsx_first_row(probe.path) {
                Some(h) => score_header(&h),
                None => 0,
            };
        }
        let Some(header) = csv_header(probe.first_line()) else { return 0 };
        score_header(&header)
    }
    fn read(&self, input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
        let mut head = [0u8; 4];
        let n = input.open()?.read(&mut head).map_err(|e| FileError::io(&input.display, &e))?;
        if head[..n].starts_with(b"PK\x03\x04") || head[..n].starts_with(b"\xD0\xCF\x11\xE0") {
            read_xlsx(input, cx, out)
        } else {
            read_csv(input, cx, out)
        }
    }
}

fn score_header(h: &[String]) -> u8 {
    let has = |n: &str| find_col(h, n).is_some();
    if !(has(POST_ID) && has(POSTED)) {
        return 0;
    }
    if has(REACH) || has(IMPRESSIONS) {
        95
    } else if h.iter().any(|c| c.trim().starts_with("Lifetime ")) {
        80
    } else {
        0
    }
}

fn is_xlsx(probe: &Probe) -> bool {
    probe.entries.iter().any(|e| e == "xl/workbook.xml") || matches!(probe.extension().as_str(), "xlsx" | "xls")
}

/// The cells of a CSV header line, or None when it does not parse.
fn csv_header(line: &str) -> Option<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(line.as_bytes());
    let rec = r.records().next()?.ok()?;
    Some(rec.iter().map(str::to_string).collect())
}

// ---------------------------------------------------------------- reading

struct Cols {
    post_id: usize,
    posted: usize,
    permalink: Option<usize>,
    message: Option<usize>,
    kind: Option<usize>,
    reach: Option<usize>,
    impressions: Option<usize>,
    like: Option<usize>,
    comment: Option<usize>,
    share: Option<usize>,
    link_clicks: Option<usize>,
    clicks: Option<usize>,
    video_total: Option<usize>,
    video_organic: Option<usize>,
    video_paid: Option<usize>,
}

impl Cols {
    fn find(h: &[String], cx: &Ctx) -> Result<Cols, FileError> {
        let need = |n: &str| find_col(h, n).ok_or_else(|| missing_column(cx, 1, n, h));
        Ok(Cols {
            post_id: need(POST_ID)?,
            posted: need(POSTED)?,
            permalink: find_col(h, "Permalink"),
            message: find_col(h, "Post Message"),
            kind: find_col(h, "Type"),
            reach: find_col(h, REACH),
            impressions: find_col(h, IMPRESSIONS),
            like: find_col(h, LIKE),
            comment: find_col(h, COMMENT),
            share: find_col(h, SHARE),
            link_clicks: find_col(h, LINK_CLICKS),
            clicks: find_col(h, CLICKS),
            video_total: VIDEO_TOTAL.iter().find_map(|n| find_col(h, n)),
            video_organic: find_col(h, VIDEO_ORGANIC),
            video_paid: find_col(h, VIDEO_PAID),
        })
    }
}

impl Cols {
    /// The warning for the figure columns every post-level export has but this one lacks,
    /// and for near-misses of the breakdown columns it may leave out (`ingest::columns`).
    fn missing(&self, h: &[String], cx: &Ctx) -> Option<crate::schema::Warning> {
        let (always, maybe) = (Want::always, Want::maybe);
        let wants = [
            always(&["Permalink"], self.permalink),
            always(&["Post Message"], self.message),
            always(&["Type"], self.kind),
            always(&[REACH], self.reach),
            always(&[IMPRESSIONS], self.impressions),
            always(&[LIKE], self.like),
            always(&[COMMENT], self.comment),
            always(&[SHARE], self.share),
            always(&[CLICKS], self.clicks),
            maybe(&[LINK_CLICKS], self.link_clicks),
            maybe(&VIDEO_TOTAL, self.video_total),
            maybe(&[VIDEO_ORGANIC], self.video_organic),
            maybe(&[VIDEO_PAID], self.video_paid),
        ];
        columns::check(&cx.source_file, 1, "facebook-insights-csv", h, &wants, &[self.post_id, self.posted])
    }
}

/// Page Insights `Type` → content type.
fn content_type(kind: &str) -> &'static str {
    match kind.trim().to_ascii_lowercase().as_str() {
        "photo" => "photo",
        "video" | "shared video" => "video",
        "link" => "link",
        "status" => "text",
        "event" => "event",
        _ => "other",
    }
}

fn parse_posted(s: &str, tz: chrono_tz::Tz) -> Option<Micros> {
    POSTED_FORMATS.iter().find_map(|f| util::parse_local(s, f, tz))
}

/// One data row → a post, or (field, error) to reject it.
fn row_post(c: &Cols, cells: &[String], h: &[String], cx: &Ctx) -> Result<Post, (String, String)> {
    let id = cell(cells, Some(c.post_id)).trim();
    if id.is_empty() {
        return Err((POST_ID.into(), "expected a post id, found a blank cell".into()));
    }
    let posted = cell(cells, Some(c.posted)).trim();
    let created_at = if posted.is_empty() {
        None
    } else {
        Some(parse_posted(posted, cx.tz).ok_or_else(|| {
            (
                POSTED.to_string(),
                format!("expected a time like '01/19/2017 09:03:47 AM' {}, found '{posted}'", util::TIME_WINDOW),
            )
        })?)
    };
    let count = |i: Option<usize>| count_cell(cells, i, h);
    let video_views = match c.video_total {
        Some(i) => count(Some(i))?,
        None => {
            let (o, p) = (count(c.video_organic)?, count(c.video_paid)?);
            match (o, p) {
                (None, None) => None,
                (o, p) => Some(o.unwrap_or(0).checked_add(p.unwrap_or(0)).ok_or_else(|| {
                    (
                        VIDEO_ORGANIC.to_string(),
                        format!("organic plus paid video views pass the largest count ({})", i64::MAX),
                    )
                })?),
            }
        }
    };
    let text = util::non_empty(cell(cells, c.message));
    let permalink = util::non_empty(cell(cells, c.permalink));
    let post_id = post_ids::facebook_post(id, None, permalink.as_deref());
    let page = post_id.split_once('_').map(|(p, _)| p.to_string()).filter(|p| !p.is_empty());
    Ok(Post {
        platform: "facebook".into(),
        post_id,
        origin: "owned",
        account_id: page,
        account_handle: permalink.as_deref().and_then(fb_handle_from_permalink),
        created_at,
        content_type: content_type(cell(cells, c.kind)),
        hashtags: text.as_deref().map(util::hashtags).unwrap_or_default(),
        urls: text.as_deref().map(urls_in).unwrap_or_default(),
        text,
        impressions: count(c.impressions)?,
        reach: count(c.reach)?,
        reactions: count(c.like)?,
        comments: count(c.comment)?,
        shares: count(c.share)?,
        clicks: count(c.clicks)?,
        link_clicks: count(c.link_clicks)?,
        video_views,
        permalink,
        ..Default::default()
    })
}

/// Runs the rows after the header: the first one is the descriptions row when its
/// `Post ID` cell is blank (not counted).
fn run_rows(
    headers: &[String],
    rows: impl Iterator<Item = Result<(u64, Vec<String>, String), FileError>>,
    cx: &Ctx,
    out: &mut dyn Out,
) -> Result<(), FileError> {
    let cols = Cols::find(headers, cx)?;
    if let Some(w) = cols.missing(headers, cx) {
        out.warning(w);
    }
    let mut first = true;
    for row in rows {
        let (line, cells, raw) = row?;
        let blank_id = cell(&cells, Some(cols.post_id)).trim().is_empty();
        if std::mem::take(&mut first) && blank_id {
            continue; // the descriptions row
        }
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        out.rows(1);
        match row_post(&cols, &cells, headers, cx) {
            Ok(p) => out.post(p),
            Err((field, error)) => {
                out.reject(Reject { line, field, error, raw: Some(util::cut(raw.trim_end(), MAX_RAW_REJECT)) })
            }
        }
    }
    Ok(())
}

fn read_csv(input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
    let text = input.read_csv_text(out)?;
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut records = rdr.records();
    let headers: Vec<String> = match records.next() {
        Some(Ok(r)) => r.iter().map(str::to_string).collect(),
        Some(Err(e)) => return Err(cx.err_at(1, "(header)", format!("unreadable CSV header: {e}"))),
        None => return Err(cx.err("empty file: expected a Page Insights header row")),
    };
    let rows = std::iter::from_fn(|| {
        let r = records.next()?;
        Some(match r {
            Ok(rec) => {
                let pos = rec.position().cloned().unwrap_or_else(csv::Position::new);
                let start = pos.byte() as usize;
                let end = records.reader().position().byte() as usize;
                let raw = text.get(start..end.max(start)).unwrap_or("").to_string();
                Ok((pos.line(), rec.iter().map(str::to_string).collect(), raw))
            }
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                Err(FileError::at(&cx.source_file, line, "(csv)", format!("unreadable CSV: {e}")))
            }
        })
    });
    run_rows(&headers, rows, cx, out)
}

// ---------------------------------------------------------------- XLSX

fn xlsx_first_row(path: &std::path::Path) -> Option<Vec<String>> {
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(path).ok()?;
    let range = wb.worksheet_range_at(0)?.ok()?;
    let row = range.rows().next()?;
    Some(row.iter().map(xlsx_cell).collect())
}

/// An XLSX cell as the CSV export would show it.
fn xlsx_cell(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => excel_serial_text(dt.as_f64()),
        Data::Error(e) => e.to_string(),
    }
}

/// An Excel serial date (1900 system: days since 1899-12-30) as `MM/DD/YYYY hh:mm:ss AM`,
/// the layout of `Posted` in the CSV export.
fn excel_serial_text(v: f64) -> String {
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).and_then(|d| d.and_hms_opt(0, 0, 0));
    let ms = (v * 86_400_000.0).round() as i64;
    match base.and_then(|b| b.checked_add_signed(chrono::Duration::milliseconds(ms))) {
        Some(t) => t.format("%m/%d/%Y %I:%M:%S %p").to_string(),
        None => v.to_string(),
    }
}

fn read_xlsx(input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(&input.path)
        .map_err(|e| cx.err(format!("cannot read the workbook (expected an .xlsx Page Insights export): {e}")))?;
    let sheets = wb.sheet_names();
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| cx.err("the workbook has no sheet"))?
        .map_err(|e| cx.err(format!("cannot read the first sheet: {e}")))?;
    if sheets.len() > 1 {
        out.warn(format!(
            "{}: read the first sheet '{}' only; the other sheets ({}) are not merged",
            cx.source_file,
            sheets[0],
            sheets[1..].join(", ")
        ));
    }
    let first_row = range.start().map(|(r, _)| r as u64).unwrap_or(0);
    let mut rows = range.rows().enumerate().map(|(i, r)| {
        let cells: Vec<String> = r.iter().map(xlsx_cell).collect();
        (first_row + i as u64 + 1, cells)
    });
    let Some((_, headers)) = rows.next() else {
        return Err(cx.err("empty sheet: expected a Page Insights header row"));
    };
    let rows = rows.map(|(line, cells)| {
        let raw = cells.join(",");
        Ok((line, cells, raw))
    });
    run_rows(&headers, rows, cx, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Collected;

    const SAMPLE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/real/facebook-insights-csv/Facebook Insights Data Export (Post Level) - USC Clinical Trials - 2017-01-19.csv"
    );
    const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/facebook-insights-csv/");

    fn run(path: &str, tz: Option<&str>) -> Result<Collected, FileError> {
        crate::ingest::testkit::collect_with(&ADAPTER, path, |cx| {
            if let Some(tz) = tz {
                cx.tz = tz.parse().unwrap();
            }
        })
    }

    fn probe(path: &str) -> u8 {
        crate::ingest::testkit::score(&ADAPTER, path)
    }

    #[test]
    fn real_sample_one_post() {
        let got = run(SAMPLE, None).unwrap();
        // 3 CSV records: names, descriptions (skipped, not counted), one post.
        assert_eq!(got.rows, 1);
        assert!(got.rejects.is_empty(), "{:?}", got.rejects);
        assert_eq!(got.posts.len(), 1);
        let p = &got.posts[0];
        assert_eq!(p.post_id, "1605839243031680_1867404650208470");
        assert_eq!(p.account_id.as_deref(), Some("1605839243031680")); // before the '_'
        assert_eq!(p.account_handle.as_deref(), Some("usctrials")); // facebook.com/USCTrials/posts/…
        assert_eq!(p.origin, "owned");
        assert_eq!(p.content_type, "link"); // Type = Link
                                            // 01/19/2017 09:03:47 AM in UTC (default tz) = 1484816627 s.
        assert_eq!(p.created_at, Some(Micros(1_484_816_627_000_000)));
        assert_eq!(p.reach, Some(35)); // Lifetime Post Total Reach
        assert_eq!(p.impressions, Some(60)); // Lifetime Post Total Impressions
                                             // Talking About This by action type: comment 1, like 1, share 1.
        assert_eq!((p.reactions, p.comments, p.shares), (Some(1), Some(1), Some(1)));
        // Lifetime Post Consumptions (Total Count) = 1; no "link clicks" column in this export.
        assert_eq!(p.clicks, Some(1));
        assert_eq!(p.link_clicks, None);
        // Organic Video Views (first = Total Count) 0 + Paid Video Views 0.
        assert_eq!(p.video_views, Some(0));
        assert_eq!(p.saves, None);
        assert_eq!(p.quotes, None);
        assert!(p.text.as_deref().unwrap().starts_with("Your participation matters!"));
        assert_eq!(p.permalink.as_deref(), Some("https://www.facebook.com/USCTrials/posts/1867404650208470"));
        assert_eq!(p.source_file, SAMPLE);
    }

    #[test]
    fn page_time_zone() {
        // 09:03:47 AM in Los Angeles (PST, UTC-8) is 17:03:47 UTC.
        let got = run(SAMPLE, Some("America/Los_Angeles")).unwrap();
        assert_eq!(got.posts[0].created_at, Some(Micros(1_484_816_627_000_000 + 8 * 3_600_000_000)));
    }

    #[test]
    fn fixture_csv_values() {
        let got = run(&format!("{FIX}posts.csv"), None).unwrap();
        assert_eq!(got.rows, 5);
        assert!(got.rejects.is_empty(), "{:?}", got.rejects);
        let types: Vec<&str> = got.posts.iter().map(|p| p.content_type).collect();
        // Photo, Video, Status, Shared Video, Note
        assert_eq!(types, ["photo", "video", "text", "video", "other"]);
        let p = &got.posts[0];
        assert_eq!(p.hashtags, ["cleanair"]); // #CleanAir #cleanair: one tag, lower-cased
        assert_eq!(p.urls, ["https://example.org/rally"]);
        assert_eq!(
            p.text.as_deref(),
            Some("Join us on Saturday! #CleanAir #cleanair\nBring a friend: https://example.org/rally")
        );
        assert_eq!(p.account_handle.as_deref(), Some("cleanairnow"));
        // consumers by type - link clicks = 4 (people); Post Consumptions = 14 (clicks).
        assert_eq!((p.link_clicks, p.clicks), (Some(4), Some(14)));
        // 02/03/2017 05:30:00 PM UTC = 1486143000 s.
        assert_eq!(p.created_at, Some(Micros(1_486_143_000_000_000)));
        // Video: organic total 80 + paid total 20 (the Unique Users columns 60 and 15 are second).
        assert_eq!(got.posts[1].video_views, Some(100));
        assert_eq!(got.posts[1].link_clicks, None); // blank cell
                                                    // Status: blank reach and clicks are null, not 0.
        let s = &got.posts[2];
        assert_eq!((s.reach, s.clicks, s.impressions), (None, None, Some(90)));
        assert_eq!(s.video_views, None); // both video cells blank
    }

    #[test]
    fn xlsx_reads_like_csv() {
        let csv = run(&format!("{FIX}posts.csv"), None).unwrap();
        let xlsx = run(&format!("{FIX}posts.xlsx"), None).unwrap();
        assert_eq!(xlsx.rows, 5);
        assert!(xlsx.rejects.is_empty(), "{:?}", xlsx.rejects);
        assert_eq!(csv.posts.len(), xlsx.posts.len());
        for (a, b) in csv.posts.iter().zip(&xlsx.posts) {
            let mut b = b.clone();
            b.source_file.clone_from(&a.source_file);
            b.ingested_at = a.ingested_at;
            assert_eq!(a, &b);
        }
        assert_eq!(probe(&format!("{FIX}posts.xlsx")), 95);
    }

    fn write(name: &str, body: &str) -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        let s = p.to_string_lossy().into_owned();
        (dir, s)
    }

    #[test]
    fn bad_count_is_rejected_with_its_line() {
        let body = "\u{feff}\"Post ID\",Permalink,\"Post Message\",Type,Posted,\"Lifetime Post Total Reach\"\n\
                    ,,,,,\"Lifetime: reach\"\n\
                    1_2,,\"two\nlines\",Photo,01/19/2017 09:03:47 AM,5\n\
                    1_3,,x,Photo,01/19/2017 09:03:47 AM,many\n\
                    1_4,,x,Photo,yesterday,7\n";
        let (_d, path) = write("bad.csv", body);
        let got = run(&path, None).unwrap();
        assert_eq!(got.rows, 3);
        assert_eq!(got.posts.len(), 1);
        // Line 1 names, 2 descriptions, 3-4 the two-line post, 5 the bad count.
        assert_eq!(got.rejects[0].line, 5);
        assert_eq!(got.rejects[0].field, "Lifetime Post Total Reach");
        assert!(got.rejects[0].error.contains("'many'"), "{}", got.rejects[0].error);
        assert_eq!(got.rejects[0].raw.as_deref(), Some("1_3,,x,Photo,01/19/2017 09:03:47 AM,many"));
        assert_eq!((got.rejects[1].line, got.rejects[1].field.as_str()), (6, "Posted"));
    }

    #[test]
    fn bare_post_ids_take_the_page_of_a_numeric_permalink() {
        // The real export writes `<page>_<post>` (real_sample_one_post); a bare id (a
        // re-saved sheet) gets the page from `facebook.com/<page id>/posts/<id>` (row 1),
        // not from a vanity name (row 2) nor from another post's address (row 3).
        let body = "\"Post ID\",Permalink,Posted\n\
                    ,,\n\
                    22,https://www.facebook.com/1605839243031680/posts/22,01/19/2017 09:03:47 AM\n\
                    23,https://www.facebook.com/USCTrials/posts/23,01/19/2017 09:03:47 AM\n\
                    24,https://www.facebook.com/1605839243031680/posts/25,01/19/2017 09:03:47 AM\n";
        let (_d, path) = write("bare.csv", body);
        let got = run(&path, None).unwrap();
        let ids: Vec<(&str, Option<&str>)> =
            got.posts.iter().map(|p| (p.post_id.as_str(), p.account_id.as_deref())).collect();
        assert_eq!(ids, [("1605839243031680_22", Some("1605839243031680")), ("23", None), ("24", None)]);
    }

    #[test]
    fn missing_column_lists_columns() {
        let (_d, path) = write("nocol.csv", "\"Post ID\",Type,\"Lifetime Post Total Reach\"\n1_2,Photo,3\n");
        let e = run(&path, None).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("Posted"));
        assert_eq!(e.line, Some(1));
        assert!(e.msg.contains("missing column 'Posted'"), "{}", e.msg);
        assert!(e.msg.contains("Post ID, Type, Lifetime Post Total Reach"), "{}", e.msg);
    }

    #[test]
    fn detection() {
        assert_eq!(probe(SAMPLE), 95);
        assert_eq!(probe(&format!("{FIX}posts.csv")), 95);
        let s = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real/");
        for other in [
            "custom-csv/dataset_Facebook.csv",
            "twitter-analytics-csv/tweet_activity_metrics_TCORSStgOrg_20170401_20170408_en.csv",
            "twitter-csv/two_tweets.csv",
            "ua-csv/google-metrics-all.csv",
            "ga4-source-categories/ga4_source_categories.csv",
            "facebook-graph-json/v2_1-feed-got.json",
            "twitter-v2-jsonl/two_tweets.jsonl",
        ] {
            assert_eq!(probe(&format!("{s}{other}")), 0, "{other}");
        }
    }


    #[test]
    fn permalink_handles() {
        assert_eq!(fb_handle_from_permalink("https://www.facebook.com/USCTrials/posts/1"), Some("usctrials".into()));
        assert_eq!(fb_handle_from_permalink("https://www.facebook.com/1605839243031680/posts/1"), None);
        assert_eq!(fb_handle_from_permalink("https://www.facebook.com/permalink.php?story_fbid=1&id=2"), None);
        assert_eq!(fb_handle_from_permalink("https://example.org/USCTrials"), None);
    }
}
