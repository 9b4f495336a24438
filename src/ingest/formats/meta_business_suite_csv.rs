//! `meta-business-suite-csv`: the Meta Business Suite content export (Insights → Export)
//! for Facebook pages and Instagram accounts; headers matched trimmed, case-insensitively.
//!
//! Readings to keep:
//! - Platform instagram when `Account ID`/`Account username` (or `Likes` without `Reactions`), else facebook;
//!   [`MetaBusinessSuiteOptions`] `platform` overrides.
//! - Instagram `Post ID` as is; Facebook `<Page ID>_<Post ID>` (`post_ids::facebook_post`), as Graph and Insights.
//! - `Views` (else `Impressions`) → impressions, Reach, Reactions / IG Likes, Comments, Shares, Saves,
//!   Total clicks → clicks, Link Clicks, 3-second video views.
//! - `Reactions, Comments and Shares` ignored (a sum; would count twice).
//! - `text` = `Title` and `Description` joined by a blank line; hashtags, IG mentions, urls from it.
//! - `content_type`: photo, video (incl. reels), link, text (Status), album (carousel/Albums), else other (stories).
//! - `account_id` = Page/Account ID; handle = `Account username` or Facebook vanity name from `Permalink`.
//! - `Publish time` in `cx.tz`; `Date` (`Lifetime`) ignored.
//! - Blank is null; bad count, bad time or blank `Post ID` rejects the row (physical line, header = 1).
//! - Missing `Post ID`/`Publish time` column is a FileError listing the columns.
//!
//! User docs: docs/formats.md#meta-business-suite-csv.

use crate::ingest::common::columns::{self, Want};
use crate::ingest::common::meta::{cell, count_cell, fb_handle_from_permalink, find_col, missing_column};
use crate::ingest::common::util::urls_in;
use crate::ingest::common::{post_ids, util};
use crate::ingest::options::{self, OptionKey, Parsed, RawOptions};
use crate::ingest::{Adapter, Ctx, FileError, Input, Out, Probe, Reject, Writes, MAX_RAW_REJECT};
use crate::model::{Micros, Post};

pub struct MetaBusinessSuiteCsv;

pub static ADAPTER: MetaBusinessSuiteCsv = MetaBusinessSuiteCsv;

const POST_ID: &str = "Post ID";
const PUBLISH: &str = "Publish time";

const TIME_FORMATS: [&str; 4] = ["%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p", "%Y-%m-%d %H:%M"];

/// This format's options: `facebook` or `instagram`, over what the columns say.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct MetaBusinessSuiteOptions {
    pub platform: Option<String>,
}

impl Adapter for MetaBusinessSuiteCsv {
    fn options(&self) -> &'static [&'static OptionKey] {
        static KEYS: &[&OptionKey] = &[&options::keys::PLATFORM];
        KEYS
    }
    fn parse_options(&self, raw: &RawOptions) -> Result<Parsed, String> {
        options::parse::<MetaBusinessSuiteOptions>(raw, self.options())
    }
    fn name(&self) -> &'static str {
        "meta-business-suite-csv"
    }
    fn about(&self) -> &'static str {
        "Meta Business Suite content export (Facebook or Instagram posts), CSV"
    }
    fn writes(&self) -> Writes {
        Writes::Posts
    }
    fn detect(&self, probe: &Probe) -> u8 {
        if probe.is_dir || !probe.entries.is_empty() {
            return 0;
        }
        let mut r =
            csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(probe.first_line().as_bytes());
        let Some(Ok(rec)) = r.records().next() else { return 0 };
        let h: Vec<String> = rec.iter().map(str::to_string).collect();
        let has = |n: &str| find_col(&h, n).is_some();
        if !(has(POST_ID) && has(PUBLISH)) {
            return 0;
        }
        if has("Page ID") || has("Account ID") || has("Account username") {
            95
        } else if has("Permalink") && has("Post type") {
            70
        } else {
            0
        }
    }
    fn read(&self, input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
        let text = input.read_csv_text(out)?;
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        let mut records = rdr.records();
        let headers: Vec<String> = match records.next() {
            Some(Ok(r)) => r.iter().map(str::to_string).collect(),
            Some(Err(e)) => return Err(cx.err_at(1, "(header)", format!("unreadable CSV header: {e}"))),
            None => return Err(cx.err("empty file: expected a Meta Business Suite header row")),
        };
        let cols = Cols::find(&headers, cx)?;
        if let Some(w) = cols.missing(&headers, cx) {
            out.warning(w);
        }
        while let Some(rec) = records.next() {
            let rec = rec.map_err(|e| {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                FileError::at(&cx.source_file, line, "(csv)", format!("unreadable CSV: {e}"))
            })?;
            let cells: Vec<String> = rec.iter().map(str::to_string).collect();
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let pos = rec.position().cloned().unwrap_or_else(csv::Position::new);
            out.rows(1);
            match row_post(&cols, &cells, &headers, cx) {
                Ok(p) => out.post(p),
                Err((field, error)) => {
                    let (start, end) = (pos.byte() as usize, records.reader().position().byte() as usize);
                    let raw = text.get(start..end.max(start)).unwrap_or("").trim_end();
                    out.reject(Reject { line: pos.line(), field, error, raw: Some(util::cut(raw, MAX_RAW_REJECT)) });
                }
            }
        }
        Ok(())
    }
}

struct Cols {
    instagram: bool,
    post_id: usize,
    publish: usize,
    account_id: Option<usize>,
    username: Option<usize>,
    title: Option<usize>,
    description: Option<usize>,
    permalink: Option<usize>,
    kind: Option<usize>,
    views: Option<usize>,
    reach: Option<usize>,
    reactions: Option<usize>,
    comments: Option<usize>,
    shares: Option<usize>,
    saves: Option<usize>,
    clicks: Option<usize>,
    link_clicks: Option<usize>,
    video_views: Option<usize>,
}

impl Cols {
    fn find(h: &[String], cx: &Ctx) -> Result<Cols, FileError> {
        let f = |n: &str| find_col(h, n);
        let need = |n: &str| f(n).ok_or_else(|| missing_column(cx, 1, n, h));
        let ig_columns = f("Account ID").is_some()
            || f("Account username").is_some()
            || (f("Likes").is_some() && f("Reactions").is_none());
        let instagram = match cx.options::<MetaBusinessSuiteOptions>().platform.as_deref() {
            Some(p) => p.eq_ignore_ascii_case("instagram"),
            None => ig_columns,
        };
        Ok(Cols {
            instagram,
            post_id: need(POST_ID)?,
            publish: need(PUBLISH)?,
            account_id: f("Account ID").or_else(|| f("Page ID")),
            username: f("Account username"),
            title: f("Title"),
            description: f("Description"),
            permalink: f("Permalink"),
            kind: f("Post type"),
            views: f("Views").or_else(|| f("Impressions")),
            reach: f("Reach"),
            reactions: f("Reactions").or_else(|| f("Likes")),
            comments: f("Comments"),
            shares: f("Shares"),
            saves: f("Saves"),
            clicks: f("Total clicks"),
            link_clicks: f("Link Clicks"),
            video_views: f("3-second video views"),
        })
    }
}

impl Cols {
    /// The warning for the columns both the Facebook and the Instagram export have but this
    /// file lacks, and for near-misses of the others (`ingest::columns`).
    fn missing(&self, h: &[String], cx: &Ctx) -> Option<crate::schema::Warning> {
        let (always, maybe) = (Want::always, Want::maybe);
        let wants = [
            always(&["Page ID", "Account ID"], self.account_id),
            always(&["Permalink"], self.permalink),
            always(&["Post type"], self.kind),
            always(&["Views", "Impressions"], self.views),
            always(&["Reach"], self.reach),
            always(&["Reactions", "Likes"], self.reactions),
            always(&["Comments"], self.comments),
            always(&["Shares"], self.shares),
            maybe(&["Account username"], self.username),
            maybe(&["Title"], self.title),
            maybe(&["Description"], self.description),
            maybe(&["Saves"], self.saves),
            maybe(&["Total clicks"], self.clicks),
            maybe(&["Link Clicks"], self.link_clicks),
            maybe(&["3-second video views"], self.video_views),
        ];
        columns::check(&cx.source_file, 1, "meta-business-suite-csv", h, &wants, &[self.post_id, self.publish])
    }
}

fn content_type(kind: &str) -> &'static str {
    match kind.trim().to_ascii_lowercase().as_str() {
        "photos" | "photo" | "ig image" => "photo",
        "videos" | "video" | "reels" | "reel" | "ig reel" | "ig video" => "video",
        "links" | "link" => "link",
        "status" => "text",
        "ig carousel" | "albums" | "album" | "carousel" => "album",
        _ => "other",
    }
}

fn row_post(c: &Cols, cells: &[String], h: &[String], cx: &Ctx) -> Result<Post, (String, String)> {
    let raw_id = cell(cells, Some(c.post_id)).trim();
    if raw_id.is_empty() {
        return Err((POST_ID.into(), "expected a post id, found a blank cell".into()));
    }
    let account_id = util::non_empty(cell(cells, c.account_id));
    let permalink = util::non_empty(cell(cells, c.permalink));
    let post_id = if c.instagram {
        raw_id.to_string()
    } else {
        post_ids::facebook_post(raw_id, account_id.as_deref(), permalink.as_deref())
    };
    let published = cell(cells, Some(c.publish)).trim();
    let created_at = if published.is_empty() {
        None
    } else {
        let t: Option<Micros> = TIME_FORMATS.iter().find_map(|f| util::parse_local(published, f, cx.tz));
        Some(t.ok_or_else(|| {
            (
                h[c.publish].trim().to_string(),
                format!("expected a time like '09/28/2026 18:12' {}, found '{published}'", util::TIME_WINDOW),
            )
        })?)
    };
    let parts: Vec<String> = [c.title, c.description].iter().filter_map(|i| util::non_empty(cell(cells, *i))).collect();
    let text = match parts.as_slice() {
        [] => None,
        [a, b] if a != b => Some(format!("{a}\n\n{b}")),
        [a, ..] => Some(a.clone()),
    };
    let account_handle = match util::non_empty(cell(cells, c.username)) {
        Some(u) => Some(util::handle(&u)),
        None if !c.instagram => permalink.as_deref().and_then(fb_handle_from_permalink),
        None => None,
    };
    let count = |i: Option<usize>| count_cell(cells, i, h);
    let t = text.as_deref().unwrap_or("");
    Ok(Post {
        platform: if c.instagram { "instagram" } else { "facebook" }.into(),
        post_id,
        origin: "owned",
        account_id,
        account_handle,
        created_at,
        content_type: content_type(cell(cells, c.kind)),
        hashtags: util::hashtags(t),
        mentions: if c.instagram { util::mentions(t) } else { Vec::new() },
        urls: urls_in(t),
        impressions: count(c.views)?,
        reach: count(c.reach)?,
        reactions: count(c.reactions)?,
        comments: count(c.comments)?,
        shares: count(c.shares)?,
        saves: count(c.saves)?,
        clicks: count(c.clicks)?,
        link_clicks: count(c.link_clicks)?,
        video_views: count(c.video_views)?,
        text,
        permalink,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Collected;

    const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/meta-business-suite-csv/");

    fn run(path: &str, platform: Option<&str>, tz: Option<&str>) -> Result<Collected, FileError> {
        crate::ingest::testkit::collect_with(&ADAPTER, path, |cx| {
            cx.options = std::sync::Arc::new(MetaBusinessSuiteOptions { platform: platform.map(str::to_string) });
            if let Some(tz) = tz {
                cx.tz = tz.parse().unwrap();
            }
        })
    }

    fn probe(path: &str) -> u8 {
        crate::ingest::testkit::score(&ADAPTER, path)
    }

    #[test]
    fn facebook_fixture() {
        let got = run(&format!("{FIX}facebook.csv"), None, None).unwrap();
        assert_eq!(got.rows, 5);
        assert!(got.rejects.is_empty(), "{:?}", got.rejects);
        let types: Vec<&str> = got.posts.iter().map(|p| p.content_type).collect();
        assert_eq!(types, ["photo", "video", "link", "text", "video"]); // Photos Videos Links Status Reels
        let p = &got.posts[0];
        assert_eq!(p.platform, "facebook");
        // Page ID 100045700821521 + "_" + Post ID 1827720132094663.
        assert_eq!(p.post_id, "100045700821521_1827720132094663");
        assert_eq!(p.account_id.as_deref(), Some("100045700821521"));
        assert_eq!(p.account_handle.as_deref(), Some("cleanairnow")); // from the permalink
                                                                      // The multi-line quoted Title with a doubled quote.
        assert_eq!(
            p.text.as_deref(),
            Some("An autumn rally is back! 🍁 \nCome along, \"really\".\n\n#CleanAir #Rally2026")
        );
        assert_eq!(p.hashtags, ["cleanair", "rally2026"]);
        // 09/28/2026 18:12 UTC = 1790619120 s.
        assert_eq!(p.created_at, Some(Micros(1_790_619_120_000_000)));
        // Views 1200 → impressions; Reach 800; Reactions 50, Comments 10, Shares 7 (the
        // "Reactions, Comments and Shares" column, 67, is not read); Total clicks 30, Link Clicks 12.
        assert_eq!((p.impressions, p.reach), (Some(1200), Some(800)));
        assert_eq!((p.reactions, p.comments, p.shares), (Some(50), Some(10), Some(7)));
        assert_eq!((p.clicks, p.link_clicks, p.saves), (Some(30), Some(12), None)); // no Saves column
                                                                                    // Video row: blank Views and Link Clicks are null; Title + Description joined.
        let v = &got.posts[1];
        assert_eq!((v.impressions, v.link_clicks, v.reach), (None, None, Some(2500)));
        assert_eq!(
            v.text.as_deref(),
            Some("March highlights\n\nWatch the whole march https://example.org/video #CleanAir")
        );
        assert_eq!(v.urls, ["https://example.org/video"]);
        // Reel permalink facebook.com/reel/… has no page name.
        assert_eq!(got.posts[4].account_handle, None);
        // Sum of reactions over the 5 rows: 50 + 100 + 6 + 3 + 200 = 359.
        assert_eq!(got.posts.iter().filter_map(|p| p.reactions).sum::<i64>(), 359);
    }

    #[test]
    fn instagram_fixture() {
        let got = run(&format!("{FIX}instagram.csv"), None, Some("Europe/Madrid")).unwrap();
        assert_eq!(got.rows, 4);
        assert!(got.rejects.is_empty(), "{:?}", got.rejects);
        assert!(got.posts.iter().all(|p| p.platform == "instagram"));
        let types: Vec<&str> = got.posts.iter().map(|p| p.content_type).collect();
        assert_eq!(types, ["photo", "album", "video", "other"]); // IG image, carousel, reel, story
        let p = &got.posts[0];
        assert_eq!(p.post_id, "18012345678901234"); // IG ids kept as exported
        assert_eq!(p.account_id.as_deref(), Some("17841400000000001"));
        assert_eq!(p.account_handle.as_deref(), Some("cleanairnow"));
        assert_eq!(p.text.as_deref(), Some("Breathe easy.\nJoin us Saturday #CleanAir with @CityHall\n#Rally2026"));
        assert_eq!(p.hashtags, ["cleanair", "rally2026"]);
        assert_eq!(p.mentions, ["cityhall"]);
        // 10/01/2026 09:05 in Madrid (CEST, UTC+2) = 07:05 UTC = 1790838300 s.
        assert_eq!(p.created_at, Some(Micros(1_790_838_300_000_000)));
        // Views 900, Reach 700, Likes 80, Comments 6, Shares 5, Saves 9.
        assert_eq!((p.impressions, p.reach, p.reactions), (Some(900), Some(700), Some(80)));
        assert_eq!((p.comments, p.shares, p.saves), (Some(6), Some(5), Some(9)));
        assert_eq!((p.clicks, p.link_clicks), (None, None)); // no click columns in IG
                                                             // The story: blank Likes / Comments / Shares are null, Saves 0 is 0.
        let s = &got.posts[3];
        assert_eq!((s.reactions, s.comments, s.shares, s.saves), (None, None, None, Some(0)));
        assert_eq!(s.text, None);
    }

    #[test]
    fn platform_override() {
        let got = run(&format!("{FIX}facebook.csv"), Some("instagram"), None).unwrap();
        assert!(got.posts.iter().all(|p| p.platform == "instagram"));
        assert_eq!(got.posts[0].post_id, "1827720132094663"); // no page prefix for Instagram
    }

    fn write(body: &str) -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, body).unwrap();
        let s = p.to_string_lossy().into_owned();
        (dir, s)
    }

    #[test]
    fn bad_rows_and_missing_columns() {
        let (_d, path) = write(
            "\u{feff}\"Post ID\",\"Page ID\",Title,\"Publish time\",Views,Reactions\n\
             1,9,\"a\nb\",\"09/28/2026 18:12\",10,2\n\
             2,9,c,\"09/28/2026 18:12\",ten,2\n\
             3,9,c,\"28.09.2026\",10,2\n",
        );
        let got = run(&path, None, None).unwrap();
        assert_eq!((got.rows, got.posts.len()), (3, 1));
        // header line 1, first row lines 2-3, the bad Views at line 4, the bad time at line 5.
        assert_eq!((got.rejects[0].line, got.rejects[0].field.as_str()), (4, "Views"));
        assert!(got.rejects[0].error.contains("'ten'"));
        assert_eq!(got.rejects[0].raw.as_deref(), Some("2,9,c,\"09/28/2026 18:12\",ten,2"));
        assert_eq!((got.rejects[1].line, got.rejects[1].field.as_str()), (5, "Publish time"));

        let (_d2, path) = write("\"Post ID\",\"Page ID\",Views\n1,2,3\n");
        let e = run(&path, None, None).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("Publish time"));
        assert!(e.msg.contains("the file's columns are: Post ID, Page ID, Views"), "{}", e.msg);
    }

    #[test]
    fn facebook_post_ids_without_a_page_column() {
        // No `Page ID` column (a trimmed export): a numeric page in the Permalink gives the
        // page (row 1); a vanity name does not, the id stays bare (row 2) and still answers
        // actions by its post part; an id holding a `_` is kept (row 3).
        let (_d, path) = write(
            "\"Post ID\",\"Publish time\",Permalink,\"Post type\"\n\
             111,\"09/28/2026 18:12\",https://www.facebook.com/100045700821521/posts/111,Status\n\
             222,\"09/28/2026 18:12\",https://www.facebook.com/cleanairnow/posts/222,Status\n\
             9_333,\"09/28/2026 18:12\",,Status\n",
        );
        let got = run(&path, Some("facebook"), None).unwrap();
        let ids: Vec<&str> = got.posts.iter().map(|p| p.post_id.as_str()).collect();
        assert_eq!(ids, ["100045700821521_111", "222", "9_333"]);
    }

    #[test]
    fn detection() {
        assert_eq!(probe(&format!("{FIX}facebook.csv")), 95);
        assert_eq!(probe(&format!("{FIX}instagram.csv")), 95);
        let s = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real/");
        for other in [
            "facebook-insights-csv/Facebook Insights Data Export (Post Level) - USC Clinical Trials - 2017-01-19.csv",
            "custom-csv/dataset_Facebook.csv",
            "twitter-analytics-csv/twitter_activity_metrics_20150901_20151001.csv",
            "twitter-csv/brexit.csv",
            "ua-csv/google-metrics-all-referrer.csv",
            "instagram-graph-json/instagram-media-image.json",
        ] {
            assert_eq!(probe(&format!("{s}{other}")), 0, "{other}");
        }
    }
}
