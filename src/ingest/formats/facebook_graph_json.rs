//! `facebook-graph-json`: saved Facebook Graph API responses. Post objects become `posts`
//! rows, `page_fans` / `page_follows` insights become `accounts` rows, wherever they appear
//! (top level, arrays, `data[]`, a page's `posts` / `feed` / `published_posts`).
//!
//! Readings to keep:
//! - reactions = `reactions` summary, else `likes`, else summed `post_reactions_by_type_total`; comments, shares.
//! - Post insights: impressions, `_unique` reach, clicks (else consumptions), "link clicks", video views; no others.
//! - An insight value's day is the UTC date of `end_time − 12 h` (`end_time` is the exclusive period end).
//! - Standalone post insights merge into that post (or a figures-only row); other insights counted, not kept.
//! - Object `page_fans` values, non-numeric counts, unreadable times reject the record (line where the object starts).
//! - `post_id` = `id`; a bare id in a page's posts/feed gets the page (`post_ids::facebook_post`), elsewhere kept.
//! - A post object is kept only with a time, message or figure, so a thin response never replaces a full row.
//! - `origin` owned, except `from.id` ≠ the post's page: `collected` visitor post with its author's `post` action.
//! - `account_id` = `from.id` else the page; `from.name` is a display name: never stored.
//! - `content_type` from `type`, else `status_type`, else first attachment, video node → video, else other.
//! - `page_fans`/`page_follows` account = the id before `/insights/`, else the enclosing page; missing figures null.
//! - URL objects, ads insights, webhooks, unknown shapes: counted, one warning per file; nothing kept is a warning.
//! - `JsonDoc`, `raw_array`, `raw_object` are shared with the other JSON adapters (record start lines).
//!
//! User docs: docs/formats.md#facebook-graph-json.

use std::collections::{BTreeMap, HashMap};

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::ingest::common::json::{id_text, kind_of, raw_array, raw_object, JsonDoc};
use crate::ingest::common::util::urls_in;
use crate::ingest::common::{post_ids, util};
use crate::ingest::{Adapter, Ctx, FileError, Input, Out, Probe, Reject, Writes, MAX_RAW_REJECT};
use crate::model::{AccountSnap, Day, Micros, Post};

pub struct FacebookGraphJson;

pub static ADAPTER: FacebookGraphJson = FacebookGraphJson;

impl Adapter for FacebookGraphJson {
    fn name(&self) -> &'static str {
        "facebook-graph-json"
    }
    fn about(&self) -> &'static str {
        "Facebook Graph API responses: posts/feed with summaries, post and page insights (JSON)"
    }
    fn writes(&self) -> Writes {
        Writes::Posts
    }
    fn detect(&self, probe: &Probe) -> u8 {
        if probe.is_dir || !probe.entries.is_empty() {
            return 0;
        }
        let h = probe.head.trim_start();
        if !(h.starts_with('{') || h.starts_with('[')) {
            return 0;
        }
        if crate::ingest::common::meta::instagram_markers(h) || twitter_markers(h) {
            return 0;
        }
        static CREATED: once_cell::sync::Lazy<regex::Regex> = once_cell::sync::Lazy::new(|| {
            regex::Regex::new(r#""created_time"\s*:\s*"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}""#)
                .expect("static regex")
        });
        static PERIOD: once_cell::sync::Lazy<regex::Regex> =
            once_cell::sync::Lazy::new(|| regex::Regex::new(r#""period"\s*:\s*""#).expect("static regex"));
        let insights = PERIOD.is_match(h) && h.contains("\"values\"") && h.contains("\"name\"");
        if CREATED.is_match(h) || h.contains("graph.facebook.com") || insights {
            90
        } else if h.contains("\"video_insights\"") || (h.contains("\"summary\"") && h.contains("\"total_count\"")) {
            80
        } else if h.contains("\"og_object\"") || h.contains("\"share_count\"") {
            70
        } else {
            0
        }
    }
    fn read(&self, input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
        let text = input.read_text()?;
        let doc = JsonDoc::new(&text);
        let root = doc.parse(cx)?;
        let mut st = State { doc: &doc, posts: Vec::new(), index: HashMap::new(), accounts: 0, notes: BTreeMap::new() };
        st.walk(root, None, 0, out);
        let kept = st.posts.len();
        for p in st.posts.drain(..) {
            out.post(p);
        }
        if (kept == 0 && st.accounts == 0) || !st.notes.is_empty() {
            let notes: Vec<String> = st.notes.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
            out.warn(format!(
                "{}: {kept} posts and {} follower counts kept; not kept: {}",
                cx.source_file,
                st.accounts,
                if notes.is_empty() { "nothing else in the file".to_string() } else { notes.join(", ") }
            ));
        }
        Ok(())
    }
}

fn twitter_markers(h: &str) -> bool {
    ["\"id_str\"", "\"screen_name\"", "\"public_metrics\"", "\"__twarc\"", "\"tweet_count\""]
        .iter()
        .any(|m| h.contains(m))
}

struct State<'d> {
    doc: &'d JsonDoc<'d>,
    /// Posts in file order; `index` maps a post id to its place, so that standalone
    /// insights and repeated objects of one post merge into one row.
    posts: Vec<Post>,
    index: HashMap<String, usize>,
    accounts: u64,
    /// What was skipped, for the file's warning.
    notes: BTreeMap<String, u64>,
}

/// Keys that make an object a post (or a photo/video node) rather than a page.
const POST_KEYS: [&str; 14] = [
    "created_time",
    "message",
    "story",
    "type",
    "status_type",
    "permalink_url",
    "attachments",
    "reactions",
    "likes",
    "comments",
    "shares",
    "video_insights",
    "full_picture",
    "object_id",
];

impl State<'_> {
    fn note(&mut self, what: impl Into<String>) {
        *self.notes.entry(what.into()).or_insert(0) += 1;
    }

    fn reject(&mut self, out: &mut dyn Out, raw: &RawValue, field: &str, error: String) {
        out.reject(Reject {
            line: self.doc.line_of(raw),
            field: field.to_string(),
            error,
            raw: Some(util::cut(raw.get(), MAX_RAW_REJECT)),
        });
    }

    fn walk(&mut self, raw: &RawValue, page: Option<&str>, depth: usize, out: &mut dyn Out) {
        if depth > 8 {
            return;
        }
        if let Some(items) = raw_array(raw) {
            for it in items {
                self.walk(it, page, depth + 1, out);
            }
            return;
        }
        let Some(fields) = raw_object(raw) else {
            out.rows(1);
            self.reject(out, raw, "(json)", format!("expected a Graph API object, found {}", kind_of(raw)));
            return;
        };
        let o: Map<String, Value> = match serde_json::from_str(raw.get()) {
            Ok(o) => o,
            Err(_) => return,
        };
        let id = o.get("id").and_then(id_text);
        // A list response: its records are in data[] (paging and summary are not records).
        if let Some(data) = fields.get("data").and_then(|d| raw_array(d)) {
            for it in data {
                self.walk(it, page, depth + 1, out);
            }
            return;
        }
        if o.contains_key("name") && o.get("values").is_some_and(Value::is_array) {
            self.insight(raw, &o, page, out);
            return;
        }
        if o.contains_key("og_object") || o.get("share").is_some_and(Value::is_object) {
            out.rows(1);
            self.note("URL share-count objects");
            return;
        }
        if ["ad_id", "adset_id", "campaign_id", "date_start"].iter().any(|k| o.contains_key(*k)) {
            out.rows(1);
            self.note("ads insights rows");
            return;
        }
        if o.contains_key("entry") && o.contains_key("object") {
            out.rows(1);
            self.note("webhook payloads");
            return;
        }
        let Some(id) = id else {
            out.rows(1);
            let keys: Vec<&str> = o.keys().map(String::as_str).take(8).collect();
            self.note(format!("objects without an id (keys {})", keys.join(", ")));
            return;
        };
        // A page (or any node) with connections: walk them with this node as the page.
        let mut container = false;
        for key in ["posts", "feed", "published_posts"] {
            if let Some(c) = fields.get(key) {
                container = true;
                self.walk(c, Some(&id), depth + 1, out);
            }
        }
        let post_metrics = o
            .get("insights")
            .and_then(|i| i.get("data"))
            .and_then(Value::as_array)
            .is_some_and(|d| d.iter().any(|m| m.get("name").and_then(Value::as_str).is_some_and(is_post_metric)));
        let is_post = id.contains('_') || post_metrics || POST_KEYS.iter().any(|k| o.contains_key(*k));
        if is_post {
            out.rows(1);
            match post_of(&o, &id, page) {
                Ok(Some(p)) => self.keep(p),
                Ok(None) => self.note("post objects with no field the lake keeps"),
                Err((field, error)) => self.reject(out, raw, &field, error),
            }
            return;
        }
        // A page: its insights, its follower count.
        if let Some(ins) = fields.get("insights") {
            container = true;
            self.walk(ins, Some(&id), depth + 1, out);
        }
        for key in ["followers_count", "fan_count"] {
            if o.contains_key(key) {
                container = true;
                out.rows(1);
                match util::json_count(o.get(key)) {
                    Ok(Some(n)) => {
                        self.accounts += 1;
                        out.account(AccountSnap {
                            platform: "facebook".into(),
                            account_id: id.clone(),
                            account_handle: o.get("username").and_then(Value::as_str).map(util::handle),
                            date: None,
                            followers: Some(n),
                        });
                    }
                    Ok(None) => {}
                    Err(e) => self.reject(out, raw, key, e),
                }
                break;
            }
        }
        if !container {
            out.rows(1);
            self.note("objects of no known kind");
        }
    }

    fn keep(&mut self, p: Post) {
        match self.index.get(&p.post_id) {
            Some(&i) => merge(&mut self.posts[i], p),
            None => {
                self.index.insert(p.post_id.clone(), self.posts.len());
                self.posts.push(p);
            }
        }
    }
}

/// A post object → a post (None when it holds nothing the lake keeps), or (field, error).
fn post_of(o: &Map<String, Value>, id: &str, page: Option<&str>) -> Result<Option<Post>, (String, String)> {
    let created_at = match o.get("created_time") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_str().and_then(util::parse_iso).ok_or_else(|| {
            (
                "created_time".to_string(),
                format!("expected a time like 2017-01-19T09:03:47+0000 {}, found {v}", util::TIME_WINDOW),
            )
        })?),
    };
    let text = o.get("message").and_then(Value::as_str).and_then(util::non_empty);
    let permalink = o.get("permalink_url").and_then(Value::as_str).and_then(util::non_empty);
    let id = &post_ids::facebook_post(id, page, permalink.as_deref());
    let page_id = id.split_once('_').map(|(p, _)| p.to_string()).filter(|p| !p.is_empty()).or(page.map(str::to_string));
    let from = o.get("from").and_then(|f| f.get("id")).and_then(id_text);
    let origin = match (&from, &page_id) {
        (Some(f), Some(p)) if f != p => "collected",
        _ => "owned",
    };
    let mut urls = text.as_deref().map(urls_in).unwrap_or_default();
    if let Some(l) = o.get("link").and_then(Value::as_str).and_then(util::non_empty) {
        if !urls.contains(&l) {
            urls.push(l);
        }
    }
    let summary = |key: &str| -> Result<Option<i64>, (String, String)> {
        let Some(c) = o.get(key) else { return Ok(None) };
        if let Some(t) = c.get("summary").and_then(|s| s.get("total_count")) {
            return util::json_count(Some(t)).map_err(|e| (format!("{key}.summary.total_count"), e));
        }
        util::json_count(c.get("count")).map_err(|e| (format!("{key}.count"), e))
    };
    let mut p = Post {
        platform: "facebook".into(),
        post_id: id.to_string(),
        origin,
        account_id: from.or(page_id),
        created_at,
        content_type: content_type(o),
        hashtags: text.as_deref().map(util::hashtags).unwrap_or_default(),
        urls,
        text,
        reactions: match summary("reactions")? {
            Some(n) => Some(n),
            None => summary("likes")?,
        },
        comments: summary("comments")?,
        shares: summary("shares")?,
        permalink,
        ..Default::default()
    };
    for key in ["insights", "video_insights"] {
        let Some(list) = o.get(key).and_then(|i| i.get("data")).and_then(Value::as_array) else { continue };
        for m in list {
            let Some(name) = m.get("name").and_then(Value::as_str) else { continue };
            apply_post_metric(&mut p, name, last_value(m.get("values"))).map_err(|e| (format!("{key}.{name}"), e))?;
        }
    }
    Ok(usable(&p).then_some(p))
}

impl State<'_> {
    fn insight(&mut self, raw: &RawValue, o: &Map<String, Value>, page: Option<&str>, out: &mut dyn Out) {
        out.rows(1);
        let name = o.get("name").and_then(Value::as_str).unwrap_or("");
        let owner = o
            .get("id")
            .and_then(Value::as_str)
            .and_then(|i| i.split_once("/insights").map(|(a, _)| a.to_string()))
            .filter(|a| !a.is_empty() && !a.starts_with('<'))
            .or(page.map(str::to_string));
        if name == "page_fans" || name == "page_follows" {
            let Some(account) = owner else {
                self.note(format!("{name} insights without a page id"));
                return;
            };
            let values = o.get("values").and_then(Value::as_array).cloned().unwrap_or_default();
            let mut snaps = Vec::new();
            for (i, v) in values.iter().enumerate() {
                let followers = match util::json_count(v.get("value")) {
                    Ok(n) => n,
                    Err(e) => return self.reject(out, raw, &format!("values[{i}].value"), e),
                };
                let date = match v.get("end_time") {
                    None | Some(Value::Null) => None,
                    Some(t) => match t.as_str().and_then(util::parse_iso) {
                        Some(m) => Some(day_ending_at(m)),
                        None => {
                            let e = format!(
                                "expected a time like 2019-06-10T07:00:00+0000 {}, found {t}",
                                util::TIME_WINDOW
                            );
                            return self.reject(out, raw, &format!("values[{i}].end_time"), e);
                        }
                    },
                };
                if followers.is_some() {
                    snaps.push(AccountSnap {
                        platform: "facebook".into(),
                        account_id: account.clone(),
                        account_handle: None,
                        date,
                        followers,
                    });
                }
            }
            self.accounts += snaps.len() as u64;
            for s in snaps {
                out.account(s);
            }
            return;
        }
        if is_post_metric(name) {
            let own_id = o.get("id").and_then(Value::as_str).and_then(|i| i.split_once("/insights")).map(|(a, _)| a);
            if let Some(post_id) = own_id.filter(|a| !a.is_empty() && !a.starts_with('<')).map(str::to_string) {
                let mut p = Post {
                    platform: "facebook".into(),
                    account_id: post_id.split_once('_').map(|(a, _)| a.to_string()),
                    post_id,
                    origin: "owned",
                    content_type: "other",
                    ..Default::default()
                };
                if let Err(e) = apply_post_metric(&mut p, name, last_value(o.get("values"))) {
                    return self.reject(out, raw, &format!("values.{name}"), e);
                }
                if usable(&p) {
                    return self.keep(p);
                }
            }
        }
        self.note(format!("{name} insights"));
    }
}

/// Fills the empty fields of `a` from `b` (the same post seen twice in one file).
fn merge(a: &mut Post, b: Post) {
    macro_rules! fill {
        ($($f:ident),*) => { $( if a.$f.is_none() { a.$f = b.$f; } )* };
    }
    fill!(
        account_id,
        created_at,
        text,
        impressions,
        reach,
        reactions,
        comments,
        shares,
        clicks,
        link_clicks,
        video_views,
        permalink
    );
    if a.content_type == "other" {
        a.content_type = b.content_type;
    }
    if a.hashtags.is_empty() {
        a.hashtags = b.hashtags;
    }
    if a.urls.is_empty() {
        a.urls = b.urls;
    }
}

fn usable(p: &Post) -> bool {
    p.created_at.is_some()
        || p.text.is_some()
        || [p.impressions, p.reach, p.reactions, p.comments, p.shares, p.clicks, p.link_clicks, p.video_views]
            .iter()
            .any(Option::is_some)
}

fn is_post_metric(name: &str) -> bool {
    name.starts_with("post_") || name.starts_with("total_video_")
}

/// The value of a lifetime metric, given its `values` member: the last of `values[]`.
fn last_value(values: Option<&Value>) -> Option<&Value> {
    values.and_then(Value::as_array).and_then(|v| v.last()).and_then(|v| v.get("value"))
}

fn apply_post_metric(p: &mut Post, name: &str, v: Option<&Value>) -> Result<(), String> {
    let n = || util::json_count(v);
    let by_key = |key: &str| -> Result<Option<i64>, String> {
        match v {
            Some(Value::Object(m)) => util::json_count(m.get(key)),
            Some(Value::Number(_)) | None | Some(Value::Null) => Ok(None),
            Some(other) => Err(format!("expected an object of counts, found {other}")),
        }
    };
    match name {
        "post_impressions" => p.impressions = n()?,
        "post_impressions_unique" => p.reach = n()?,
        "post_clicks" => p.clicks = n()?,
        "post_consumptions" if p.clicks.is_none() => p.clicks = n()?,
        "post_clicks_by_type" => p.link_clicks = by_key("link clicks")?,
        "post_consumptions_by_type" if p.link_clicks.is_none() => p.link_clicks = by_key("link clicks")?,
        "post_video_views" | "total_video_views" => p.video_views = n()?,
        "post_reactions_by_type_total" if p.reactions.is_none() => {
            p.reactions = match v {
                Some(Value::Object(m)) => {
                    let mut sum = 0;
                    for (k, x) in m {
                        sum += util::json_count(Some(x)).map_err(|e| format!("{k}: {e}"))?.unwrap_or(0);
                    }
                    Some(sum)
                }
                other => util::json_count(other)?,
            }
        }
        _ => {}
    }
    Ok(())
}

fn content_type(o: &Map<String, Value>) -> &'static str {
    let s = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_ascii_lowercase);
    if let Some(t) = s("type") {
        return match t.as_str() {
            "photo" => "photo",
            "video" => "video",
            "link" => "link",
            "status" => "text",
            "event" => "event",
            _ => "other",
        };
    }
    if let Some(t) = s("status_type") {
        return match t.as_str() {
            "added_photos" => "photo",
            "added_video" => "video",
            "shared_story" => "link",
            "mobile_status_update" => "text",
            "created_event" => "event",
            _ => "other",
        };
    }
    let first = o
        .get("attachments")
        .and_then(|a| a.get("data"))
        .and_then(Value::as_array)
        .and_then(|d| d.first())
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str);
    if let Some(t) = first {
        return match t {
            "album" | "new_album" => "album",
            "photo" | "cover_photo" | "profile_media" => "photo",
            t if t.starts_with("video") || t == "animated_image_video" => "video",
            "share" => "link",
            "event" => "event",
            _ => "other",
        };
    }
    if o.contains_key("video_insights") {
        return "video";
    }
    "other"
}

/// The day a Graph API period ends at `end_time` (exclusive): the UTC date 12 hours earlier.
fn day_ending_at(t: Micros) -> Day {
    Micros(t.0 - 12 * 3_600_000_000).utc_day()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Collected;

    const S: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real/");
    const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/facebook-graph-json/");

    fn run(path: &str) -> Result<Collected, FileError> {
        crate::ingest::testkit::collect_path(&ADAPTER, path)
    }
    fn sample(name: &str) -> Collected {
        let got = run(&format!("{S}facebook-graph-json/{name}")).unwrap();
        assert!(got.rejects.is_empty(), "{name}: {:?}", got.rejects);
        got
    }
    fn probe(path: &str) -> u8 {
        crate::ingest::testkit::score(&ADAPTER, path)
    }

    #[test]
    fn feed_of_visitor_posts() {
        let got = sample("v2_1-feed-got.json");
        // data[] holds 25 posts; paging is not a record.
        assert_eq!((got.rows, got.posts.len()), (25, 25));
        // type: 11 link, 6 status (→ text), 4 photo, 4 video.
        let n = |t: &str| got.posts.iter().filter(|p| p.content_type == t).count();
        assert_eq!((n("link"), n("text"), n("photo"), n("video")), (11, 6, 4, 4));
        // No post is from the page 74133697733: all 25 are visitors' posts, collected,
        // each yielding its author's `post` action.
        assert!(got.posts.iter().all(|p| p.origin == "collected"));
        assert_eq!(got.actions.len(), 25);
        let p = &got.posts[0];
        assert_eq!(p.post_id, "74133697733_10152424438657734");
        assert_eq!(p.account_id.as_deref(), Some("1313195878")); // from.id
        assert_eq!(p.account_handle, None); // from.name is a person's name: not stored
        assert_eq!(p.created_at, Some(Micros(1_411_217_988_000_000))); // 2014-09-20T12:59:48+0000
                                                                       // likes.summary.total_count on 7 posts: 33+517+265+32136+1+1+6 = 32959.
        assert_eq!(got.posts.iter().filter(|p| p.reactions.is_some()).count(), 7);
        assert_eq!(got.posts.iter().filter_map(|p| p.reactions).sum::<i64>(), 32_959);
        // comments.summary.total_count on 5 posts: 10+12+664+1+1 = 688.
        assert_eq!(got.posts.iter().filter_map(|p| p.comments).sum::<i64>(), 688);
        // No shares field anywhere: null, not 0; no insights: no impressions.
        assert!(got.posts.iter().all(|p| p.shares.is_none() && p.impressions.is_none()));
        let sevilla = got.posts.iter().find(|p| p.post_id == "74133697733_10152424266332734").unwrap();
        assert_eq!(sevilla.hashtags, ["sevilla", "seville"]); // "#Sevilla" (Spanish) and "#Seville" (English)
        assert_eq!(got.posts[1].urls.len(), 1); // the link in the message
    }

    #[test]
    fn single_posts() {
        let got = sample("v2_1-post-with-likes-totalcount.json");
        assert_eq!(got.posts.len(), 1);
        let p = &got.posts[0];
        assert_eq!(p.reactions, Some(33)); // likes.summary.total_count (data lists 25 of them)
        assert_eq!(p.content_type, "video");
        assert_eq!(p.origin, "collected"); // from 264295216932270, page 74133697733

        let got = sample("v2_3-post-attachments.json");
        let p = &got.posts[0];
        assert_eq!(p.post_id, "1234567891234_987654321987654");
        assert_eq!(p.content_type, "album"); // attachments.data[0].type = new_album
        assert_eq!(p.origin, "owned"); // no from: the page's own
        assert_eq!(p.account_id.as_deref(), Some("1234567891234"));
        assert_eq!(p.text.as_deref(), Some("Test"));
        assert_eq!(p.created_at, Some(Micros(1_434_977_285_000_000))); // 2015-06-22T12:48:05+0000

        let got = sample("v2_5-post-likes-summary.json");
        assert_eq!((got.posts.len(), got.posts[0].reactions), (1, Some(7)));
        assert_eq!(got.posts[0].post_id, "123456789_5362735");

        let got = sample("v2_6-post-with-reactions.json");
        assert_eq!((got.posts.len(), got.posts[0].reactions), (1, Some(1))); // reactions.summary

        // A video node: total_video_views 6 (the unique 2 and the view time are not kept).
        let got = sample("v16_0-video-with-insights.json");
        let p = &got.posts[0];
        assert_eq!((p.post_id.as_str(), p.content_type, p.video_views), ("987654321", "video", Some(6)));
    }

    #[test]
    fn files_with_nothing_kept() {
        // (file, rows): each gives no post, no account, and a warning, never a FileError.
        for (name, rows) in [
            ("connection-typed-summary.json", 1),   // one ads insights row in data[]
            ("v16_0-ig-breakdown-insight.json", 1), // an IG story `navigation` insight
            ("v16_0-page-with-insights.json", 3),   // page_engaged_users day/week/days_28
            ("v16_0-photo-with-insight.json", 1),   // only post_engaged_users
            ("v16_0-post-with-insight.json", 1),    // only post_engaged_users
            ("v2_4-insight.json", 1),               // post_stories_by_action_type: not kept
            ("v2_8-url-with-share.json", 1),        // a URL object
            ("v3_3-insight-1.json", 1),             // page_fans_city
            ("v3_3-insight-page-1.json", 1),
            ("v3_3-insight-page-2.json", 1),
            ("v3_3-insight-page-3.json", 0), // data: []
        ] {
            let got = sample(name);
            assert_eq!((got.rows, got.posts.len(), got.accounts.len()), (rows, 0, 0), "{name}");
            assert_eq!(got.warnings.len(), 1, "{name}");
        }
    }

    #[test]
    fn a_bare_post_id_in_a_page_connection_gets_the_page() {
        // Page 10's posts: a story id is kept, a bare id gets the page; a bare top-level
        // object (no page around it) keeps its id.
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("page.json");
        std::fs::write(
            &path,
            r#"[{"id": "10", "posts": {"data": [
                  {"id": "10_100", "message": "story id"},
                  {"id": "200", "message": "bare id"}]}},
                {"id": "300", "message": "no page", "type": "status"}]"#,
        )
        .unwrap();
        let got = run(path.to_str().unwrap()).unwrap();
        let ids: Vec<(&str, Option<&str>)> =
            got.posts.iter().map(|p| (p.post_id.as_str(), p.account_id.as_deref())).collect();
        assert_eq!(ids, [("10_100", Some("10")), ("10_200", Some("10")), ("300", None)]);
    }

    #[test]
    fn page_fans_and_post_insights_fixture() {
        let got = run(&format!("{FIX}page-insights.json")).unwrap();
        assert!(got.rejects.is_empty(), "{:?}", got.rejects);
        // data[]: page_fans (2 values), page_fans_city (ignored), 3 post insights of one post:
        // 5 insight objects.
        assert_eq!(got.rows, 5);
        assert_eq!(got.accounts.len(), 2);
        let a = &got.accounts[0];
        assert_eq!(a.account_id, "112233445566");
        assert_eq!(a.followers, Some(1520));
        // end_time 2019-06-10T07:00:00+0000 closes the (Pacific) day 2019-06-09.
        assert_eq!(a.date, Some(Day::from_naive(chrono::NaiveDate::from_ymd_opt(2019, 6, 9).unwrap())));
        assert_eq!(got.posts.len(), 1);
        let p = &got.posts[0];
        assert_eq!(p.post_id, "112233445566_778899");
        // post_impressions 410, post_impressions_unique 300, post_clicks_by_type link clicks 12.
        assert_eq!((p.impressions, p.reach, p.link_clicks), (Some(410), Some(300), Some(12)));
        assert_eq!(p.created_at, None);
    }

    #[test]
    fn post_with_nested_insights_fixture() {
        let got = run(&format!("{FIX}posts-with-insights.json")).unwrap();
        assert_eq!(got.rows, 3);
        let p = &got.posts[0];
        // reactions.summary 12 wins over post_reactions_by_type_total (like 10 + love 2 = 12 too).
        assert_eq!((p.reactions, p.comments, p.shares), (Some(12), Some(3), Some(4)));
        assert_eq!((p.impressions, p.reach, p.clicks, p.video_views), (Some(900), Some(700), Some(25), None));
        assert_eq!(p.content_type, "photo"); // status_type added_photos
        assert_eq!(p.origin, "owned"); // from.id = the page
        assert_eq!(p.permalink.as_deref(), Some("https://www.facebook.com/112233445566/posts/1001"));
        assert_eq!(p.urls, ["https://example.org/petition"]);
        // The second post: reactions only from post_reactions_by_type_total: 5 + 1 = 6.
        assert_eq!(got.posts[1].reactions, Some(6));
        // The third: a bad count is a reject at the line its object starts.
        assert_eq!(got.rejects.len(), 1);
        assert_eq!(got.rejects[0].field, "shares.count");
        assert_eq!(got.rejects[0].line, 51); // the `{` of the third post in data[]
    }

    #[test]
    fn invalid_json_is_a_file_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        std::fs::write(&p, "{\"data\": [\n{\"id\": \"1_2\",\n\"message\": }\n]}").unwrap();
        let e = run(&p.to_string_lossy()).unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (Some(3), Some("(json)")));
    }

    #[test]
    fn detection() {
        for f in [
            "connection-typed-summary.json",
            "v16_0-ig-breakdown-insight.json",
            "v16_0-page-with-insights.json",
            "v16_0-photo-with-insight.json",
            "v16_0-post-with-insight.json",
            "v16_0-video-with-insights.json",
            "v2_1-feed-got.json",
            "v2_1-post-with-likes-totalcount.json",
            "v2_3-post-attachments.json",
            "v2_4-insight.json",
            "v2_5-post-likes-summary.json",
            "v2_6-post-with-reactions.json",
            "v2_8-url-with-share.json",
            "v3_3-insight-1.json",
            "v3_3-insight-page-1.json",
            "v3_3-insight-page-2.json",
            "v3_3-insight-page-3.json",
        ] {
            assert!(probe(&format!("{S}facebook-graph-json/{f}")) >= 70, "{f}");
        }
        for other in [
            "instagram-graph-json/instagram-media-carousel.json",
            "instagram-graph-json/instagram-media-image.json",
            "instagram-graph-json/instagram-user.json",
            "instagram-graph-json/instagram-wh-story_insights.json",
            "twitter-v1-json/get_status.json",
            "twitter-v1-json/get_user.json",
            "twitter-v1-json/get_search.json",
            "twitter-v1-json/streaming-lines.json",
            "twitter-v2-jsonl/two_tweets.jsonl",
            "twitter-v2-jsonl/counts.jsonl",
            "twitter-v2-jsonl/users.jsonl",
            "twitter-csv/two_tweets.csv",
        ] {
            assert_eq!(probe(&format!("{S}{other}")), 0, "{other}");
        }
        let fx = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
        for other in [
            "flickr-json/search.json",
            "flickr-json/getinfo.json",
            "flickr-json/photo_52217925276.json",
            "instagram-dyi-json/posts_1.json",
        ] {
            assert_eq!(probe(&format!("{fx}{other}")), 0, "{other}");
        }
    }
}
