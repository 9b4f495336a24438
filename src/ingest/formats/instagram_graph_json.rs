//! `instagram-graph-json`: saved Instagram Graph API responses: media objects become owned
//! `posts` rows, user objects `accounts` rows, wherever they appear (top level, arrays,
//! `data[]`, a user's `media`).
//!
//! Readings to keep:
//! - `media_type` IMAGE/VIDEO/CAROUSEL_ALBUM → photo/video/album; carousel `children` are not posts.
//! - like_count → reactions, comments_count → comments; insights impressions, reach, saved → saves, shares,
//!   video_views/plays → video_views; `views` → impressions when no `impressions`.
//! - User object: `accounts` row with null date; `name` is never stored.
//! - `story_insights` webhook: a post row of the story (`media_id`), replies → comments, type other, no time.
//! - Exits/taps not kept; other webhook fields counted, not kept.
//! - Standalone insights lists fill a row of that media id only with `--format` (detection gives them to Facebook).
//! - Hashtags, mentions, urls from the caption.
//! - Non-numeric count or bad time rejects the record (line of its object).
//! - Invalid JSON or no known shape: FileError naming the keys found.
//!
//! User docs: docs/formats.md#instagram-graph-json.

use std::collections::HashMap;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::ingest::common::meta::instagram_markers;
use crate::ingest::common::json::{id_text, raw_array, raw_object, JsonDoc};
use crate::ingest::common::util::urls_in;
use crate::ingest::common::util;
use crate::ingest::{Adapter, Ctx, FileError, Input, Out, Probe, Reject, Writes, MAX_RAW_REJECT};
use crate::model::{AccountSnap, Post};

pub struct InstagramGraphJson;

pub static ADAPTER: InstagramGraphJson = InstagramGraphJson;

impl Adapter for InstagramGraphJson {
    fn name(&self) -> &'static str {
        "instagram-graph-json"
    }
    fn about(&self) -> &'static str {
        "Instagram Graph API responses: media objects, users, story insights (JSON)"
    }
    fn writes(&self) -> Writes {
        Writes::Posts
    }
    fn detect(&self, probe: &Probe) -> u8 {
        if probe.is_dir || !probe.entries.is_empty() {
            return 0;
        }
        let h = probe.head.trim_start();
        if !(h.starts_with('{') || h.starts_with('[')) || h.contains("\"creation_timestamp\"") {
            return 0;
        }
        if instagram_markers(h) {
            95
        } else {
            0
        }
    }
    fn read(&self, input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
        let text = input.read_text()?;
        let doc = JsonDoc::new(&text);
        let root = doc.parse(cx)?;
        let mut st =
            State { doc: &doc, posts: Vec::new(), index: HashMap::new(), recognized: false, skipped: Vec::new() };
        st.walk(root, 0, out);
        if !st.recognized {
            let keys = raw_object(root).map(|m| m.keys().cloned().collect::<Vec<_>>().join(", ")).unwrap_or_default();
            return Err(cx.err_at(
                doc.line_of(root),
                "(json)",
                format!(
                    "expected Instagram media objects (media_type, timestamp), user objects (followers_count) \
                     or a story_insights webhook; found {}",
                    if keys.is_empty() { "no such object".to_string() } else { format!("an object with keys: {keys}") }
                ),
            ));
        }
        for p in st.posts.drain(..) {
            out.post(p);
        }
        if !st.skipped.is_empty() {
            st.skipped.sort();
            st.skipped.dedup();
            out.warn(format!("{}: not kept: {}", cx.source_file, st.skipped.join(", ")));
        }
        Ok(())
    }
}

struct State<'d> {
    doc: &'d JsonDoc<'d>,
    posts: Vec<Post>,
    index: HashMap<String, usize>,
    /// A list response or a record of a known shape was found (an empty list is fine).
    recognized: bool,
    skipped: Vec<String>,
}

impl State<'_> {
    fn reject(&self, out: &mut dyn Out, raw: &RawValue, field: String, error: String) {
        out.reject(Reject {
            line: self.doc.line_of(raw),
            field,
            error,
            raw: Some(util::cut(raw.get(), MAX_RAW_REJECT)),
        });
    }

    fn keep(&mut self, p: Post) {
        match self.index.get(&p.post_id) {
            Some(&i) => {
                let a = &mut self.posts[i];
                macro_rules! fill {
                    ($($f:ident),*) => { $( if a.$f.is_none() { a.$f = p.$f.clone(); } )* };
                }
                fill!(impressions, reach, reactions, comments, shares, saves, video_views, created_at, text);
            }
            None => {
                self.index.insert(p.post_id.clone(), self.posts.len());
                self.posts.push(p);
            }
        }
    }

    fn walk(&mut self, raw: &RawValue, depth: usize, out: &mut dyn Out) {
        if depth > 6 {
            return;
        }
        if let Some(items) = raw_array(raw) {
            self.recognized = true;
            for it in items {
                self.walk(it, depth + 1, out);
            }
            return;
        }
        let Some(fields) = raw_object(raw) else { return };
        let Ok(o) = serde_json::from_str::<Map<String, Value>>(raw.get()) else { return };
        if let Some(data) = fields.get("data").and_then(|d| raw_array(d)) {
            self.recognized = true;
            for it in data {
                self.walk(it, depth + 1, out);
            }
            return;
        }
        if o.get("object").and_then(Value::as_str) == Some("instagram") {
            self.recognized = true;
            return self.webhook(&fields, out);
        }
        if o.contains_key("name") && o.get("values").is_some_and(Value::is_array) {
            return self.insight(raw, &o, out);
        }
        if o.contains_key("media_type") || (o.contains_key("timestamp") && o.contains_key("permalink")) {
            self.recognized = true;
            out.rows(1);
            match media(&o) {
                Ok(p) => self.keep(p),
                Err((f, e)) => self.reject(out, raw, f, e),
            }
            return;
        }
        if o.contains_key("followers_count") || o.contains_key("follows_count") || o.contains_key("media_count") {
            self.recognized = true;
            out.rows(1);
            match util::json_count(o.get("followers_count")) {
                Err(e) => self.reject(out, raw, "followers_count".into(), e),
                Ok(followers) => match o.get("id").and_then(id_text) {
                    Some(id) if followers.is_some() => out.account(AccountSnap {
                        platform: "instagram".into(),
                        account_id: id,
                        account_handle: o.get("username").and_then(Value::as_str).map(util::handle),
                        date: None,
                        followers,
                    }),
                    _ => self.skipped.push("user objects without an id or follower count".into()),
                },
            }
            if let Some(m) = fields.get("media") {
                self.walk(m, depth + 1, out);
            }
        }
    }

    fn webhook(&mut self, fields: &std::collections::BTreeMap<String, &RawValue>, out: &mut dyn Out) {
        let Some(entries) = fields.get("entry").and_then(|e| raw_array(e)) else { return };
        for entry in entries {
            let Ok(e) = serde_json::from_str::<Map<String, Value>>(entry.get()) else { continue };
            let account = e.get("id").and_then(id_text);
            let changes = e.get("changes").and_then(Value::as_array).cloned().unwrap_or_default();
            for (i, ch) in changes.iter().enumerate() {
                self.recognized = true;
                out.rows(1);
                let field = ch.get("field").and_then(Value::as_str).unwrap_or("");
                if field != "story_insights" {
                    self.skipped.push(format!("'{field}' webhook changes"));
                    continue;
                }
                let v = ch.get("value").cloned().unwrap_or(Value::Null);
                let Some(id) = v.get("media_id").and_then(id_text) else {
                    let e = "expected a media_id in a story_insights change".to_string();
                    self.reject(out, entry, format!("changes[{i}].value.media_id"), e);
                    continue;
                };
                let count = |k: &str| util::json_count(v.get(k)).map_err(|e| (format!("changes[{i}].value.{k}"), e));
                let figures =
                    (|| Ok::<_, (String, String)>((count("impressions")?, count("reach")?, count("replies")?)))();
                match figures {
                    Ok((impressions, reach, comments)) => self.keep(Post {
                        platform: "instagram".into(),
                        post_id: id,
                        origin: "owned",
                        account_id: account.clone(),
                        content_type: "other",
                        impressions,
                        reach,
                        comments,
                        ..Default::default()
                    }),
                    Err((f, e)) => self.reject(out, entry, f, e),
                }
            }
        }
    }

    fn insight(&mut self, raw: &RawValue, o: &Map<String, Value>, out: &mut dyn Out) {
        self.recognized = true;
        out.rows(1);
        let name = o.get("name").and_then(Value::as_str).unwrap_or("");
        let media_id = o
            .get("id")
            .and_then(Value::as_str)
            .and_then(|i| i.split_once("/insights"))
            .map(|(a, _)| a.to_string())
            .filter(|a| !a.is_empty());
        let Some(media_id) = media_id else {
            self.skipped.push(format!("'{name}' insights without a media id"));
            return;
        };
        let mut p = Post {
            platform: "instagram".into(),
            post_id: media_id,
            origin: "owned",
            content_type: "other",
            ..Default::default()
        };
        match apply_metric(&mut p, name, o.get("values")) {
            Err(e) => self.reject(out, raw, format!("values.{name}"), e),
            Ok(true) => self.keep(p),
            Ok(false) => self.skipped.push(format!("'{name}' insights")),
        }
    }
}

/// Applies a media insight to a post; false when the metric is not kept.
fn apply_metric(p: &mut Post, name: &str, values: Option<&Value>) -> Result<bool, String> {
    let v = values.and_then(Value::as_array).and_then(|a| a.last()).and_then(|x| x.get("value"));
    let n = util::json_count(v);
    match name {
        "impressions" => p.impressions = n?,
        "views" if p.impressions.is_none() => p.impressions = n?,
        "reach" => p.reach = n?,
        "saved" => p.saves = n?,
        "shares" => p.shares = n?,
        "likes" if p.reactions.is_none() => p.reactions = n?,
        "comments" if p.comments.is_none() => p.comments = n?,
        "replies" if p.comments.is_none() => p.comments = n?,
        "video_views" | "plays" => p.video_views = n?,
        _ => return Ok(false),
    }
    Ok(true)
}

fn content_type(media_type: &str) -> &'static str {
    match media_type.to_ascii_uppercase().as_str() {
        "IMAGE" => "photo",
        "VIDEO" | "REELS" => "video",
        "CAROUSEL_ALBUM" => "album",
        _ => "other",
    }
}

fn media(o: &Map<String, Value>) -> Result<Post, (String, String)> {
    let id = o.get("id").and_then(id_text).ok_or_else(|| ("id".to_string(), "expected a media id".to_string()))?;
    let created_at = match o.get("timestamp") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_str().and_then(util::parse_iso).ok_or_else(|| {
            (
                "timestamp".to_string(),
                format!("expected a time like 2018-02-22T10:40:45+0000 {}, found {v}", util::TIME_WINDOW),
            )
        })?),
    };
    let count = |k: &str| util::json_count(o.get(k)).map_err(|e| (k.to_string(), e));
    let text = o.get("caption").and_then(Value::as_str).and_then(util::non_empty);
    let t = text.as_deref().unwrap_or("");
    let mut p = Post {
        platform: "instagram".into(),
        post_id: id,
        origin: "owned",
        account_id: o.get("owner").and_then(|w| w.get("id")).and_then(id_text),
        account_handle: o.get("username").and_then(Value::as_str).and_then(util::non_empty).map(|u| util::handle(&u)),
        created_at,
        content_type: content_type(o.get("media_type").and_then(Value::as_str).unwrap_or("")),
        hashtags: util::hashtags(t),
        mentions: util::mentions(t),
        urls: urls_in(t),
        reactions: count("like_count")?,
        comments: count("comments_count")?,
        permalink: o.get("permalink").and_then(Value::as_str).and_then(util::non_empty),
        text,
        ..Default::default()
    };
    if let Some(list) = o.get("insights").and_then(|i| i.get("data")).and_then(Value::as_array) {
        for m in list {
            let Some(name) = m.get("name").and_then(Value::as_str) else { continue };
            apply_metric(&mut p, name, m.get("values")).map_err(|e| (format!("insights.{name}"), e))?;
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Collected;
    use crate::model::Micros;

    const S: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real/");
    const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/instagram-graph-json/");

    fn run(path: &str) -> Result<Collected, FileError> {
        crate::ingest::testkit::collect_path(&ADAPTER, path)
    }
    fn sample(name: &str) -> Collected {
        let got = run(&format!("{S}instagram-graph-json/{name}")).unwrap();
        assert!(got.rejects.is_empty(), "{name}: {:?}", got.rejects);
        got
    }
    fn probe(path: &str) -> u8 {
        crate::ingest::testkit::score(&ADAPTER, path)
    }

    #[test]
    fn image() {
        let got = sample("instagram-media-image.json");
        assert_eq!((got.rows, got.posts.len()), (1, 1));
        let p = &got.posts[0];
        assert_eq!((p.platform.as_str(), p.post_id.as_str(), p.origin), ("instagram", "123456789", "owned"));
        assert_eq!(p.content_type, "photo"); // IMAGE
        assert_eq!((p.reactions, p.comments), (Some(0), Some(1))); // like_count 0, comments_count 1
        assert_eq!(p.account_id.as_deref(), Some("987654321")); // owner.id
        assert_eq!(p.account_handle.as_deref(), Some("fake_username"));
        assert_eq!(p.text.as_deref(), Some("a great picture"));
        // 2018-02-22T10:00:29+0000 = 1519293629 s.
        assert_eq!(p.created_at, Some(Micros(1_519_293_629_000_000)));
        assert_eq!(p.permalink.as_deref(), Some("https://www.instagram.com/permalink"));
        assert_eq!((p.impressions, p.reach, p.shares), (None, None, None)); // no insights requested
    }

    #[test]
    fn carousel_is_one_album() {
        let got = sample("instagram-media-carousel.json");
        // One album; its two children are parts of it, not posts.
        assert_eq!((got.rows, got.posts.len()), (1, 1));
        let p = &got.posts[0];
        assert_eq!((p.content_type, p.reactions, p.comments), ("album", Some(0), Some(0)));
        assert_eq!(p.account_handle.as_deref(), Some("tester")); // "Tester", lower-cased
        assert_eq!(p.created_at, Some(Micros(1_519_296_045_000_000))); // 2018-02-22T10:40:45+0000
    }

    #[test]
    fn user_gives_follower_count() {
        let got = sample("instagram-user.json");
        assert_eq!((got.rows, got.posts.len(), got.accounts.len()), (1, 0, 1));
        let a = &got.accounts[0];
        assert_eq!((a.account_id.as_str(), a.account_handle.as_deref()), ("173435464534", Some("tester2018")));
        assert_eq!((a.followers, a.date), (Some(10), None)); // followers_count 10; no date in the object
    }

    #[test]
    fn story_insights_webhook() {
        let got = sample("instagram-wh-story_insights.json");
        assert_eq!((got.rows, got.posts.len()), (1, 1)); // one change in one entry
        let p = &got.posts[0];
        assert_eq!(p.post_id, "17887498072083520"); // media_id
        assert_eq!(p.account_id.as_deref(), Some("0")); // entry.id as sent
                                                        // impressions 444, reach 44, replies 0 → comments; exits/taps not kept.
        assert_eq!((p.impressions, p.reach, p.comments), (Some(444), Some(44), Some(0)));
        assert_eq!((p.content_type, p.created_at, p.reactions), ("other", None, None));
    }

    #[test]
    fn fixture_list_with_insights_and_bad_count() {
        let got = run(&format!("{FIX}media-list.json")).unwrap();
        // data[]: 3 media (one with a bad like_count), then a user with a media connection of 1.
        assert_eq!(got.rows, 5);
        assert_eq!(got.posts.len(), 3);
        assert_eq!(got.accounts.len(), 1);
        let reel = &got.posts[0];
        assert_eq!(reel.content_type, "video");
        // insights: views 5000 → impressions (no impressions metric), reach 3100, saved 40, shares 12, plays 4200.
        assert_eq!((reel.impressions, reel.reach, reel.saves), (Some(5000), Some(3100), Some(40)));
        assert_eq!((reel.shares, reel.video_views), (Some(12), Some(4200)));
        assert_eq!(reel.hashtags, ["cleanair", "rally2026"]);
        assert_eq!(reel.mentions, ["cityhall"]);
        assert_eq!(got.rejects.len(), 1);
        assert_eq!((got.rejects[0].line, got.rejects[0].field.as_str()), (41, "like_count"));
        assert!(got.rejects[0].error.contains("lots"));
    }

    #[test]
    fn unknown_shape_is_a_file_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        std::fs::write(&p, "{\"hello\": 1, \"world\": [2]}").unwrap();
        let e = run(&p.to_string_lossy()).unwrap_err();
        assert!(e.msg.contains("keys: hello, world"), "{}", e.msg);
        // An empty media list is a valid answer: zero rows, no error.
        std::fs::write(&p, "{\"data\": [], \"paging\": {\"cursors\": {}}}").unwrap();
        assert_eq!(run(&p.to_string_lossy()).unwrap().rows, 0);
    }

    #[test]
    fn detection() {
        for f in [
            "instagram-media-carousel.json",
            "instagram-media-image.json",
            "instagram-user.json",
            "instagram-wh-story_insights.json",
        ] {
            assert_eq!(probe(&format!("{S}instagram-graph-json/{f}")), 95, "{f}");
        }
        assert_eq!(probe(&format!("{FIX}media-list.json")), 95);
        for other in [
            "facebook-graph-json/v16_0-ig-breakdown-insight.json",
            "facebook-graph-json/v2_1-feed-got.json",
            "facebook-graph-json/v16_0-video-with-insights.json",
            "facebook-graph-json/connection-typed-summary.json",
            "twitter-v1-json/get_user.json",
            "twitter-v1-json/users_lookup.json",
            "twitter-v2-jsonl/users.jsonl",
            "twitter-v2-jsonl/media_tweet.jsonl",
            "twitter-v1-json/models-status_quoted_tweet_with_media.json",
        ] {
            assert_eq!(probe(&format!("{S}{other}")), 0, "{other}");
        }
        let fx = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
        for other in
            ["instagram-dyi-json/posts_1.json", "flickr-json/search.json", "facebook-graph-json/page-insights.json"]
        {
            assert_eq!(probe(&format!("{fx}{other}")), 0, "{other}");
        }
    }
}
