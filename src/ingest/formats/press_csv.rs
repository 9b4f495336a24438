//! `press-csv`: press clippings, one article per row, as a media monitoring tool exports
//! them or as someone types them into a spreadsheet. Each row is a post of platform `press`,
//! origin `collected`: the outlet is the account, the audience is `reach`.
//!
//! Readings to keep:
//! - Columns by name, any order, case-insensitive, with the aliases of the monitoring tools
//!   ([`DATE`], [`OUTLET`], [`TITLE`], [`URL`], [`MEDIUM`], [`AUDIENCE`], [`CAMPAIGN`]);
//!   date and outlet are required, the rest optional (title, url and medium are warned about
//!   when missing, audience and campaign only on a near-miss).
//! - Dates: ISO with an offset (UTC kept), a local date and time, or a bare date (local
//!   midnight), all in the input's `tz`; also `05-Oct-2012`, `5 Oct 2012`, `October 5, 2012`
//!   with an optional `09:30` or `9:30 AM`. Slashed dates (`05/10/2012`) are refused: day and
//!   month cannot be told apart, and a clipping a month off would move the lag figures.
//! - post_id: the URL as given (trimmed) when there is one, else `press-` and 16 hex digits
//!   of xxh3-64 over `lower(outlet)`, the UTC time in µs and the title, joined by U+001F: the
//!   same clipping typed twice is one post; an edited title is another.
//! - account_id the outlet as written, account_handle lower-cased; text the title, hashtags
//!   from the title, urls and permalink the URL; reach the audience (blank, `-`, `n/a` null).
//! - content_type the medium: `print` (newspaper, magazine), `online` (web, news site, blog),
//!   `tv` (television, broadcast), `radio` (podcast); blank or anything else `other`, one
//!   warning per file for values not recognised.
//! - campaign: the row's `campaign` cell; the input's `campaign` tag wins (rules.rs).
//! - Clippings stand for no supporter action: no action is derived from them (rules.rs).
//!
//! User docs: docs/formats.md#press-csv.

use csv::StringRecord;

use crate::ingest::common::actions::parse_time;
use crate::ingest::common::columns::{self, Want};
use crate::ingest::common::csv::{self as csv_stream, cell, probe_header, Columns, CsvAdapter, CsvRows};
use crate::ingest::common::util;
use crate::ingest::{Adapter, Ctx, FileError, Input, Out, Probe, Reject, Writes};
use crate::model::{Micros, Post};

pub struct PressCsv;
pub static ADAPTER: PressCsv = PressCsv;

/// The publication time: `date` of a hand-made sheet, `Published`/`Date` of the tools.
pub const DATE: &[&str] =
    &["date", "published", "published_at", "published date", "publish date", "date published", "publication date"];
/// The outlet: `Outlet`, `Source` (Meltwater), `Publication`/`Media Outlet` (Cision).
pub const OUTLET: &[&str] = &["outlet", "media outlet", "outlet name", "publication", "source", "source name"];
pub const TITLE: &[&str] = &["title", "headline", "article title"];
pub const URL: &[&str] = &["url", "link", "article url"];
pub const MEDIUM: &[&str] = &["medium", "media type", "media_type", "source type"];
pub const AUDIENCE: &[&str] = &["audience", "reach", "circulation", "readership"];
pub const CAMPAIGN: &[&str] = &["campaign"];

/// Header names that only a press list has (a `date` and a `source` column alone are too
/// common to claim a file).
const PRESS_ONLY: &[&str] = &[
    "outlet",
    "media outlet",
    "outlet name",
    "publication",
    "headline",
    "medium",
    "media type",
    "media_type",
    "circulation",
    "readership",
];

impl Adapter for PressCsv {
    fn name(&self) -> &'static str {
        "press-csv"
    }
    fn about(&self) -> &'static str {
        "Press clippings (date,outlet,title,url,medium[,audience]) from a media monitoring tool or typed by hand"
    }
    fn writes(&self) -> Writes {
        Writes::Posts
    }
    fn detect(&self, probe: &Probe) -> u8 {
        if probe.is_dir {
            return 0;
        }
        let h = probe_header(probe, b',');
        let has = |c: &[&str]| h.find(c).is_some();
        if !(has(DATE) && has(OUTLET) && (has(TITLE) || has(URL))) {
            return 0;
        }
        let first3: Vec<String> = h.names.iter().take(3).map(|n| n.to_ascii_lowercase()).collect();
        if first3 == ["date", "outlet", "title"] {
            90
        } else if has(PRESS_ONLY) {
            75
        } else {
            0
        }
    }
    fn csv(&self) -> Option<&dyn CsvAdapter> {
        Some(self)
    }
    fn read(&self, input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
        csv_stream::read(self, input, cx, out)
    }
}

impl CsvAdapter for PressCsv {
    fn start<'s>(
        &'s self,
        h: &Columns,
        cx: &'s Ctx<'s>,
        first: bool,
        out: &mut dyn Out,
    ) -> Result<Box<dyn CsvRows + 's>, FileError> {
        let missing: Vec<&str> =
            [("date", DATE), ("outlet", OUTLET)].iter().filter(|(_, c)| h.find(c).is_none()).map(|(n, _)| *n).collect();
        if !missing.is_empty() {
            return Err(cx.err_at(
                1,
                missing.join(", "),
                format!(
                    "missing column{} '{}' (press-csv needs a date and an outlet: docs/formats.md#press-csv); {}",
                    if missing.len() > 1 { "s" } else { "" },
                    missing.join("', '"),
                    h.plain()
                ),
            ));
        }
        if first {
            let wants = [
                Want::always(TITLE, h.find(TITLE)),
                Want::always(URL, h.find(URL)),
                Want::always(MEDIUM, h.find(MEDIUM)),
                Want::maybe(AUDIENCE, h.find(AUDIENCE)),
                Want::maybe(CAMPAIGN, h.find(CAMPAIGN)),
            ];
            let used: Vec<usize> = [DATE, OUTLET].iter().filter_map(|c| h.find(c)).collect();
            if let Some(w) = columns::check(&cx.source_file, 1, self.name(), &h.names, &wants, &used) {
                out.warning(w);
            }
        }
        Ok(Box::new(Clippings {
            cx,
            date: h.find(DATE),
            outlet: h.find(OUTLET),
            title: h.find(TITLE),
            url: h.find(URL),
            medium: h.find(MEDIUM),
            audience: h.find(AUDIENCE),
            campaign: h.find(CAMPAIGN),
            unknown_media: None,
        }))
    }
}

/// The rows of one press-csv input: the header's column indexes.
struct Clippings<'s> {
    cx: &'s Ctx<'s>,
    date: Option<usize>,
    outlet: Option<usize>,
    title: Option<usize>,
    url: Option<usize>,
    medium: Option<usize>,
    audience: Option<usize>,
    campaign: Option<usize>,
    /// (first line, rows) of media not recognised, for one warning.
    unknown_media: Option<(u64, u64)>,
}

/// The medium as a content type; None when the value is not one of the known names.
pub fn medium(v: &str) -> Option<&'static str> {
    let v = v.trim().to_lowercase();
    Some(match v.as_str() {
        "print" | "newspaper" | "newspapers" | "magazine" | "magazines" | "press" | "print media" => "print",
        "online" | "web" | "website" | "internet" | "online news" | "news site" | "blog" | "blogs" | "digital" => {
            "online"
        }
        "tv" | "television" | "broadcast" | "broadcast tv" => "tv",
        "radio" | "broadcast radio" | "podcast" => "radio",
        _ => return None,
    })
}

/// A clipping's time: what [`parse_time`] reads, or a date with the month's name.
fn clipping_time(s: &str, tz: chrono_tz::Tz) -> Result<Option<Micros>, ()> {
    if let Ok(t) = parse_time(s, tz, false) {
        return Ok(t);
    }
    let t = s.trim();
    const DAYS: &[&str] = &["%d-%b-%Y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y"];
    const TIMES: &[&str] = &["", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M%p"];
    for d in DAYS {
        for tm in TIMES {
            let f = format!("{d}{tm}");
            if tm.is_empty() {
                if let Ok(day) = chrono::NaiveDate::parse_from_str(t, &f) {
                    return util::local_to_utc(day.and_time(chrono::NaiveTime::MIN), tz).map(Some).ok_or(());
                }
            } else if let Some(m) = util::parse_local(t, &f, tz) {
                return Ok(Some(m));
            }
        }
    }
    Err(())
}

/// The id of a clipping without a URL (see the module doc).
pub fn clipping_id(outlet: &str, at: Micros, title: &str) -> String {
    let key = [outlet.trim().to_lowercase(), at.0.to_string(), title.trim().to_string()].join("\u{1f}");
    format!("press-{:016x}", xxhash_rust::xxh3::xxh3_64(key.as_bytes()))
}

impl CsvRows for Clippings<'_> {
    fn row(&mut self, rec: &StringRecord, line: u64, out: &mut dyn Out) {
        let reject = |out: &mut dyn Out, field: &str, error: String| {
            let raw = rec.iter().collect::<Vec<_>>().join(",");
            out.reject(Reject {
                line,
                field: field.into(),
                error,
                raw: Some(util::cut(&raw, crate::ingest::MAX_RAW_REJECT)),
            })
        };
        let outlet = cell(rec, self.outlet);
        if outlet.is_empty() {
            reject(out, "outlet", "blank outlet: expected the name of the newspaper, site or station".into());
            return;
        }
        let date = cell(rec, self.date);
        let at = match clipping_time(date, self.cx.tz) {
            Ok(Some(t)) => t,
            Ok(None) => {
                reject(out, "date", "blank date: expected the day (or time) the article appeared".into());
                return;
            }
            Err(()) => {
                reject(
                    out,
                    "date",
                    format!(
                        "expected a date like 2012-10-05, 2012-10-05 09:30, 2012-10-05T09:30:00Z or 05-Oct-2012 \
                         ({}; day/month/year with slashes is ambiguous), found '{}'",
                        crate::model::TIME_WINDOW,
                        util::cut(date, 40)
                    ),
                );
                return;
            }
        };
        let audience = match util::parse_count(cell(rec, self.audience)) {
            Ok(a) => a,
            Err(e) => {
                reject(out, "audience", e);
                return;
            }
        };
        let m = cell(rec, self.medium);
        let content_type = match medium(m) {
            Some(ct) => ct,
            None => {
                if !m.is_empty() {
                    let e = self.unknown_media.get_or_insert((line, 0));
                    e.1 += 1;
                }
                "other"
            }
        };
        let title = util::non_empty(cell(rec, self.title));
        let url = util::non_empty(cell(rec, self.url));
        let post_id = url.clone().unwrap_or_else(|| clipping_id(outlet, at, title.as_deref().unwrap_or("")));
        out.post(Post {
            platform: "press".into(),
            post_id,
            origin: "collected",
            account_id: Some(outlet.to_string()),
            account_handle: Some(outlet.to_lowercase()),
            created_at: Some(at),
            content_type,
            hashtags: title.as_deref().map(util::hashtags).unwrap_or_default(),
            text: title,
            urls: url.iter().cloned().collect(),
            permalink: url,
            reach: audience,
            campaign: util::non_empty(cell(rec, self.campaign)),
            ..Default::default()
        });
    }

    fn finish(&mut self, out: &mut dyn Out) {
        if let Some((line, n)) = self.unknown_media.take() {
            out.warning(crate::schema::Warning::at(
                &self.cx.source_file,
                line,
                format!(
                    "{n} row(s) name a medium other than print, online, tv or radio (the first on this line): \
                     their content_type is 'other' (docs/formats.md#press-csv)"
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::testkit::{collect_bytes, collect_with, score, FIXTURES, SAMPLES};

    fn fixture() -> String {
        format!("{FIXTURES}press-csv/clippings.csv")
    }

    #[test]
    fn reads_the_hand_made_list() {
        let got = collect_with(&ADAPTER, fixture(), |cx| cx.tz = "Europe/London".parse().unwrap()).unwrap();
        // 8 data rows (lines 2-9): line 8 has a slashed date, line 9 a blank outlet: 6 posts.
        assert_eq!(got.rows, 8);
        let rej: Vec<(u64, &str)> = got.rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
        assert_eq!(rej, vec![(8, "date"), (9, "outlet")]);
        assert_eq!(got.posts.len(), 6);
        assert!(got.actions.is_empty(), "a clipping is not a supporter action");
        assert!(got.posts.iter().all(|p| p.platform == "press" && p.origin == "collected"));
        let p = &got.posts[0];
        // Line 2: a bare date, 2012-10-04 in London (BST, UTC+1): 2012-10-03T23:00:00Z = 1349305200 s.
        assert_eq!(p.created_at, Some(Micros(1_349_305_200_000_000)));
        assert_eq!(p.post_id, "http://www.guardian.co.uk/environment/2012/oct/04/shell-arctic-ad-campaign");
        assert_eq!(
            (p.account_id.as_deref(), p.account_handle.as_deref()),
            (Some("The Guardian"), Some("the guardian"))
        );
        assert_eq!((p.content_type, p.reach), ("online", Some(1_250_000)));
        assert_eq!(p.hashtags, vec!["makethefuture"]);
        assert_eq!(p.campaign.as_deref(), Some("shell"));
        // Line 3: an ISO time with Z, kept: 2012-10-05T09:30:00Z = 1349429400 s; "Newspaper" is
        // print; the audience "2,100,000" with thousands commas.
        let p = &got.posts[1];
        assert_eq!(p.created_at, Some(Micros(1_349_429_400_000_000)));
        assert_eq!((p.content_type, p.reach), ("print", Some(2_100_000)));
        // Line 4: no URL: the hash id; `05-Oct-2012 6:00 PM` London = 17:00Z = 1349456400 s;
        // television is tv, the audience "n/a" is null.
        let p = &got.posts[2];
        assert_eq!(p.post_id, clipping_id("BBC News", Micros(1_349_456_400_000_000), "Shell ad hijacked"));
        assert!(p.post_id.starts_with("press-") && p.post_id.len() == 22, "{}", p.post_id);
        assert_eq!((p.content_type, p.reach, p.urls.len()), ("tv", None, 0));
        // Line 5: radio; line 6: "Trade journal" is not a medium we know: other, one warning.
        assert_eq!(got.posts[3].content_type, "radio");
        assert_eq!(got.posts[4].content_type, "other");
        assert!(
            got.warnings.iter().any(|w| w.contains("1 row(s) name a medium other than") && w.contains("line 6")),
            "{:?}",
            got.warnings
        );
        // Line 7: blank medium is other too, and not counted in the warning.
        assert_eq!(got.posts[5].content_type, "other");
        assert!(got.rejects[0].error.contains("ambiguous"), "{}", got.rejects[0].error);
    }

    #[test]
    fn monitoring_tool_headers_and_the_same_clipping_twice() {
        let text = "Published,Source,Headline,Link,Media Type,Reach\n\
                    5 Oct 2012,Daily Nation,Kenya: the vigil,,Print,180000\n\
                    5 Oct 2012,daily nation,Kenya: the vigil,,Print,180000\n";
        let got = collect_bytes(&ADAPTER, text.as_bytes(), "csv", |_| {}).unwrap();
        assert_eq!(got.posts.len(), 2);
        // The outlet in other case, same day, same title: the same id (one post in the lake).
        assert_eq!(got.posts[0].post_id, got.posts[1].post_id);
        assert_eq!(got.posts[0].reach, Some(180_000));
        assert!(got.warnings.is_empty(), "{:?}", got.warnings);
    }

    #[test]
    fn a_missing_outlet_column_is_a_file_error() {
        let e = collect_bytes(&ADAPTER, b"date,title\n2012-10-05,x\n", "csv", |_| {}).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("outlet"));
        assert!(e.msg.contains("the file's columns are: date, title"), "{e}");
    }

    #[test]
    fn dates() {
        let ny: chrono_tz::Tz = "America/New_York".parse().unwrap();
        // 2012-10-05 00:00 EDT (UTC-4) = 04:00Z = 1349409600 s.
        for s in ["2012-10-05", "05-Oct-2012", "5 October 2012", "October 5, 2012", "Oct 5, 2012"] {
            assert_eq!(clipping_time(s, ny), Ok(Some(Micros(1_349_409_600_000_000))), "{s}");
        }
        // 09:30 EDT = 13:30Z = 1349443800 s.
        assert_eq!(clipping_time("05-Oct-2012 9:30 AM", ny), Ok(Some(Micros(1_349_443_800_000_000))));
        assert_eq!(clipping_time("2012-10-05 09:30", ny), Ok(Some(Micros(1_349_443_800_000_000))));
        assert_eq!(clipping_time("10/05/2012", ny), Err(()));
        assert_eq!(clipping_time("", ny), Ok(None));
    }

    #[test]
    fn detection() {
        assert_eq!(score(&ADAPTER, fixture()), 90);
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("meltwater.csv");
        std::fs::write(&p, "Date,Headline,Source,URL,Reach\n").unwrap();
        assert_eq!(score(&ADAPTER, &p), 75);
        // A date, a source and a title are not enough.
        std::fs::write(&p, "date,source,title\n").unwrap();
        assert_eq!(score(&ADAPTER, &p), 0);
        // No other fixture or sample is claimed.
        let mut files = Vec::new();
        for root in [SAMPLES, FIXTURES] {
            util::walk_rel(std::path::Path::new(root), std::path::Path::new(root), &mut files, 5);
        }
        let mut seen = 0;
        for rel in files.iter().filter(|f| !f.contains("press-csv")) {
            for root in [SAMPLES, FIXTURES] {
                let p = std::path::Path::new(root).join(rel);
                if p.is_file() {
                    assert_eq!(score(&ADAPTER, &p), 0, "{}", p.display());
                    seen += 1;
                }
            }
        }
        assert!(seen > 100, "{seen}");
    }
}
