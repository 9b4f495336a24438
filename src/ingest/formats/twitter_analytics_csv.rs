//! `twitter-analytics-csv`: the tweet activity export of analytics.twitter.com, one owned
//! post per row. Columns found by name (only `Tweet id` and `time` required); `"-"` is null.
//!
//! Readings to keep:
//! - impressions; likes/favorites → reactions; replies → comments; retweets → shares; url clicks → link_clicks.
//! - quotes, saves, reach null (not in the export).
//! - `clicks` null: the export has no total, and a sum of click columns would be our own figure.
//! - `media views` is not `video_views` (any medium counts): null.
//! - `engagements` / `engagement rate` not used; `promoted *` not added, one warning per file.
//! - Handle from the permalink, lower-cased; `account_id` null.
//! - Hashtags/mentions by `#(\w+)`/`@(\w+)`; urls the text's http(s) tokens as exported (t.co).
//! - `content_type`: link when the text holds a URL (media tweets too), else text.
//! - `is_repost` = text starts `RT @`; reply/quote references null.
//!
//! User docs: docs/formats.md#twitter-analytics-csv.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;

use crate::ingest::common::columns::{self, Want};
use crate::ingest::common::util;
use crate::ingest::{Adapter, Ctx, FileError, Input, Out, Probe, Reject, Writes, MAX_RAW_REJECT};
use crate::model::{Micros, Post};

pub struct TwitterAnalyticsCsv;

pub static ADAPTER: TwitterAnalyticsCsv = TwitterAnalyticsCsv;

fn url_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"https?://[^\s\u{2026}]+").expect("static regex"))
}

fn permalink_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/([A-Za-z0-9_]+)/status/").expect("static regex")
    })
}

/// Sets one figure of a post.
type SetFigure = fn(&mut Post, Option<i64>);

/// `2015-09-30 18:42 +0000` (also with seconds, or any ISO layout util knows).
fn parse_time(s: &str) -> Option<Micros> {
    let s = s.trim();
    chrono::DateTime::parse_from_str(s, "%Y-%m-%d %H:%M %z")
        .ok()
        .and_then(|t| util::in_window(Micros::from_datetime(&t)))
        .or_else(|| util::parse_iso(s))
}

impl Adapter for TwitterAnalyticsCsv {
    fn name(&self) -> &'static str {
        "twitter-analytics-csv"
    }
    fn about(&self) -> &'static str {
        "Twitter Analytics tweet activity export (CSV): impressions, likes, retweets, replies, clicks per tweet"
    }
    fn writes(&self) -> Writes {
        Writes::Posts
    }
    fn detect(&self, probe: &Probe) -> u8 {
        if probe.is_dir || !probe.entries.is_empty() {
            return 0;
        }
        let h = probe.first_line().to_lowercase();
        if h.contains("\"tweet id\"") && h.contains("\"tweet permalink\"") && h.contains("impressions") {
            95
        } else if h.starts_with("tweet id,tweet permalink,") {
            90
        } else {
            0
        }
    }
    fn read(&self, input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
        let text = input.read_csv_text(out)?;
        let mut rdr = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
        let headers =
            rdr.headers().map_err(|e| cx.err_at(1, "(header)", format!("cannot read the header: {e}")))?.clone();
        // The first column of a name wins.
        let mut cols: HashMap<String, usize> = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            cols.entry(h.trim().to_lowercase()).or_insert(i);
        }
        let col = |name: &str| cols.get(name).copied();
        let listing = || crate::privacy::plain_header(&headers.iter().collect::<Vec<_>>());
        let need = |name: &str| {
            col(&name.to_lowercase())
                .ok_or_else(|| cx.err_at(1, name, format!("missing column '{name}'; {}", listing())))
        };
        let c_id = need("Tweet id")?;
        let c_time = need("time")?;
        let c_link = col("tweet permalink");
        let c_text = col("tweet text");
        // (column, export name, Post field setter) of every figure column the file has.
        let likes = col("likes").map(|i| (i, "likes")).or_else(|| col("favorites").map(|i| (i, "favorites")));
        let figures: Vec<(usize, &str, SetFigure)> = [
            (col("impressions").map(|i| (i, "impressions")), (|p: &mut Post, v| p.impressions = v) as SetFigure),
            (likes, |p: &mut Post, v| p.reactions = v),
            (col("replies").map(|i| (i, "replies")), |p: &mut Post, v| p.comments = v),
            (col("retweets").map(|i| (i, "retweets")), |p: &mut Post, v| p.shares = v),
            (col("url clicks").map(|i| (i, "url clicks")), |p: &mut Post, v| p.link_clicks = v),
        ]
        .into_iter()
        .filter_map(|(c, f)| c.map(|(i, name)| (i, name, f)))
        .collect();
        let promoted: Vec<usize> = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| h.trim().to_lowercase().starts_with("promoted "))
            .map(|(i, _)| i)
            .collect();
        let mut promoted_rows = 0u64;
        let header_names: Vec<String> = headers.iter().map(str::to_string).collect();
        let wants = [
            Want::always(&["Tweet permalink"], c_link),
            Want::always(&["Tweet text"], c_text),
            Want::always(&["impressions"], col("impressions")),
            Want::always(&["likes", "favorites"], likes.map(|(i, _)| i)),
            Want::always(&["replies"], col("replies")),
            Want::always(&["retweets"], col("retweets")),
            Want::always(&["url clicks"], col("url clicks")),
        ];
        let used: Vec<usize> = [c_id, c_time].into_iter().chain(promoted.iter().copied()).collect();
        if let Some(w) = columns::check(&cx.source_file, 1, self.name(), &header_names, &wants, &used) {
            out.warning(w);
        }

        let mut rec = csv::StringRecord::new();
        loop {
            let pos_line = rdr.position().line();
            match rdr.read_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    // A broken quote or bad UTF-8 inside the CSV: the reader cannot resynchronise.
                    let line = e.position().map_or(pos_line, |p| p.line());
                    return Err(cx.err_at(line, "(csv)", format!("unreadable CSV: {e}")));
                }
            }
            out.rows(1);
            let line = rec.position().map_or(pos_line, |p| p.line());
            let cell = |i: usize| rec.get(i).unwrap_or("");
            let reject = |out: &mut dyn Out, field: &str, error: String| {
                let raw = rec.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect::<Vec<_>>().join(",");
                out.reject(Reject { line, field: field.into(), error, raw: Some(util::cut(&raw, MAX_RAW_REJECT)) });
            };
            let id = cell(c_id).trim();
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
                reject(out, "Tweet id", format!("expected a numeric tweet id, found '{id}'"));
                continue;
            }
            let Some(created) = parse_time(cell(c_time)) else {
                reject(
                    out,
                    "time",
                    format!(
                        "expected a time like '2015-09-30 18:42 +0000' {}, found '{}'",
                        util::TIME_WINDOW,
                        cell(c_time).trim()
                    ),
                );
                continue;
            };
            let text = c_text.map(|i| cell(i).to_string()).filter(|t| !t.trim().is_empty());
            let permalink = c_link.and_then(|i| util::non_empty(cell(i)));
            let handle = permalink.as_deref().and_then(|l| permalink_re().captures(l)).map(|c| util::handle(&c[1]));
            let t = text.as_deref().unwrap_or("");
            let urls: Vec<String> =
                url_re().find_iter(t).map(|m| m.as_str().to_string()).fold(Vec::new(), |mut v, u| {
                    if !v.contains(&u) {
                        v.push(u);
                    }
                    v
                });
            let mut p = Post {
                platform: "twitter".into(),
                post_id: id.to_string(),
                origin: "owned",
                account_handle: handle,
                created_at: Some(created),
                content_type: if urls.is_empty() { "text" } else { "link" },
                hashtags: util::hashtags(t),
                mentions: util::mentions(t),
                urls,
                is_repost: Some(t.starts_with("RT @")),
                permalink,
                text,
                ..Post::default()
            };
            let mut bad = None;
            for (i, name, set) in &figures {
                match util::parse_count(cell(*i)) {
                    Ok(v) => set(&mut p, v),
                    Err(e) => {
                        bad = Some((headers.get(*i).unwrap_or(name).to_string(), e));
                        break;
                    }
                }
            }
            if let Some((field, e)) = bad {
                reject(out, &field, e);
                continue;
            }
            if promoted.iter().any(|&i| matches!(util::parse_count(cell(i)), Ok(Some(_)))) {
                promoted_rows += 1;
            }
            out.post(p);
        }
        if promoted_rows > 0 {
            out.warn(format!(
                "{}: {promoted_rows} tweet(s) have promoted (paid) figures; only the organic columns are ingested",
                cx.source_file
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Collected;

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real/twitter-analytics-csv/");
    const Y2017: &str = "tweet_activity_metrics_TCORSStgOrg_20170401_20170408_en.csv";
    const Y2015: &str = "twitter_activity_metrics_20150901_20151001.csv";

    fn run_path(path: &str) -> Result<Collected, FileError> {
        crate::ingest::testkit::collect_path(&ADAPTER, path)
    }

    fn post<'a>(c: &'a Collected, id: &str) -> &'a Post {
        c.posts.iter().find(|p| p.post_id == id).unwrap_or_else(|| panic!("no post {id}"))
    }

    fn probe_score(path: &str) -> u8 {
        crate::ingest::testkit::score(&ADAPTER, path)
    }

    #[test]
    fn export_2017_with_likes() {
        let c = run_path(&format!("{DIR}{Y2017}")).unwrap();
        // 12 physical lines = header + 10 rows, one row's text spanning lines 10-11.
        assert_eq!((c.posts.len(), c.rows), (10, 10));
        assert!(c.rejects.is_empty() && c.warnings.is_empty());
        assert!(c.posts.iter().all(|p| p.origin == "owned" && p.account_handle.as_deref() == Some("tcorsstgorg")));
        // 848610993366237184: "100.0" impressions, retweets "2.0", replies "0.0", likes "1.0",
        // url clicks "2.0"; promoted columns all "-".
        let p = post(&c, "848610993366237184");
        assert_eq!(p.impressions, Some(100));
        assert_eq!((p.shares, p.comments, p.reactions, p.link_clicks), (Some(2), Some(0), Some(1), Some(2)));
        // No total-clicks column, no quotes/saves/reach, media views not taken as video views.
        assert_eq!((p.clicks, p.quotes, p.saves, p.reach, p.video_views), (None, None, None, None, None));
        // 2017-04-02 19:00 +0000 = 1491159600 s.
        assert_eq!(p.created_at, Some(Micros(1_491_159_600_000_000)));
        assert_eq!(p.hashtags, vec!["cigarette"]);
        assert_eq!(p.content_type, "link");
        assert_eq!(p.permalink.as_deref(), Some("https://twitter.com/TCORSStgOrg/status/848610993366237184"));
        // The row whose text has a line break: 27.0 impressions, likes 1.0, two t.co links.
        let m = post(&c, "848248639441055744");
        assert_eq!((m.impressions, m.reactions), (Some(27), Some(1)));
        assert_eq!(m.urls, vec!["https://t.co/WiIt3RKsfU", "https://t.co/7MU2sYzjNs"]);
        assert!(m.text.as_deref().unwrap().contains("worse.\nhttps://t.co/WiIt3RKsfU"));
        // Sum of impressions: 29+10+102+33+29+100+35+34+27+87 = 486.
        assert_eq!(c.posts.iter().map(|p| p.impressions.unwrap()).sum::<i64>(), 486);
    }

    #[test]
    fn export_2015_with_favorites() {
        let c = run_path(&format!("{DIR}{Y2015}")).unwrap();
        // 48 lines = header + 47 rows.
        assert_eq!((c.posts.len(), c.rows), (47, 47));
        assert!(c.rejects.is_empty());
        assert!(c.posts.iter().all(|p| p.account_handle.as_deref() == Some("usctrials")));
        // 649293177409679360: 373.0 impressions, favorites 2.0, time 2015-09-30 18:42 +0000
        // = 1443638520 s; @KeckMedUSC mentioned, #KidneyCancer #ClinicalTrial.
        let p = post(&c, "649293177409679360");
        assert_eq!((p.impressions, p.reactions, p.shares, p.comments), (Some(373), Some(2), Some(0), Some(0)));
        assert_eq!(p.created_at, Some(Micros(1_443_638_520_000_000)));
        assert_eq!(p.mentions, vec!["keckmedusc"]);
        assert_eq!(p.hashtags, vec!["kidneycancer", "clinicaltrial"]);
        // 648340155691069440: retweets 1.0, replies 1.0, favorites 2.0.
        let q = post(&c, "648340155691069440");
        assert_eq!((q.shares, q.comments, q.reactions), (Some(1), Some(1), Some(2)));
        // Favorites over the file, from python csv: 2+1+2+1+1+2+1+1 = 11.
        assert_eq!(c.posts.iter().map(|p| p.reactions.unwrap()).sum::<i64>(), 11);
    }

    #[test]
    fn dash_is_null_and_bad_cells_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(
            &path,
            "\"Tweet id\",\"Tweet permalink\",\"Tweet text\",\"time\",\"impressions\",\"retweets\",\"replies\",\"likes\",\"url clicks\",\"promoted impressions\"\n\
             \"1\",\"https://twitter.com/Org/status/1\",\"plain\",\"2017-04-01 19:00 +0000\",\"-\",\"-\",\"0.0\",\"3.0\",\"-\",\"-\"\n\
             \"2\",\"https://twitter.com/Org/status/2\",\"two\nlines\",\"2017-04-01 19:00 +0000\",\"lots\",\"0\",\"0\",\"0\",\"0\",\"-\"\n\
             \"3\",\"https://twitter.com/Org/status/3\",\"x\",\"yesterday\",\"1\",\"0\",\"0\",\"0\",\"0\",\"-\"\n\
             \"4\",\"https://twitter.com/Org/status/4\",\"paid\",\"2017-04-01 19:00 +0000\",\"5\",\"0\",\"0\",\"0\",\"0\",\"120.0\"\n",
        )
        .unwrap();
        let c = run_path(path.to_str().unwrap()).unwrap();
        // 4 rows: 1 and 4 good, 2 (starting on line 3) has impressions "lots", 3 (line 5) a bad time.
        assert_eq!((c.rows, c.posts.len()), (4, 2));
        let p = post(&c, "1");
        // "-" is no figure: null, not 0.
        assert_eq!(
            (p.impressions, p.shares, p.comments, p.reactions, p.link_clicks),
            (None, None, Some(0), Some(3), None)
        );
        assert_eq!(p.content_type, "text");
        let r: Vec<_> = c.rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
        assert_eq!(r, vec![(3, "impressions"), (5, "time")]);
        assert!(c.rejects[0].error.contains("'lots'"), "{}", c.rejects[0].error);
        // Row 4 has a promoted figure: warned, not added (impressions stay 5).
        assert_eq!(post(&c, "4").impressions, Some(5));
        assert_eq!(c.warnings.len(), 1);
    }

    #[test]
    fn missing_required_column_lists_the_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, "\"Tweet id\",\"Tweet text\",\"impressions\"\n\"1\",\"a\",\"2\"\n").unwrap();
        let e = run_path(path.to_str().unwrap()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("time"));
        assert_eq!(e.msg, "missing column 'time'; the file's columns are: Tweet id, Tweet text, impressions");
        // Header only: zero rows, no error.
        std::fs::write(&path, "\"Tweet id\",\"time\"\n").unwrap();
        let c = run_path(path.to_str().unwrap()).unwrap();
        assert_eq!((c.rows, c.posts.len()), (0, 0));
    }

    #[test]
    fn detection() {
        assert_eq!(probe_score(&format!("{DIR}{Y2017}")), 95);
        assert_eq!(probe_score(&format!("{DIR}{Y2015}")), 95);
        let s = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real/");
        for f in [
            "twitter-csv/two_tweets.csv",
            "twitter-csv/small_sample_2021.csv",
            "twitter-v1-json/get_user_timeline.json",
            "facebook-insights-csv/Facebook Insights Data Export (Post Level) - USC Clinical Trials - 2017-01-19.csv",
            "ua-csv/google-metrics-all-referrer.csv",
            "custom-csv/dataset_Facebook.csv",
        ] {
            let p = format!("{s}{f}");
            if std::path::Path::new(&p).is_file() {
                assert_eq!(probe_score(&p), 0, "{f}");
            }
        }
    }
}
