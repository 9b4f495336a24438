//! Helpers shared by the Twitter adapters: the v1.1 status model (read by twitter-v1-json
//! and twitter-archive) and the v2 entity helpers (read by twitter-v2-jsonl and
//! twitter-csv), plus the once-per-input warnings.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use super::util;
use crate::ingest::{Ctx, Out, Repeat, Warning};
use crate::model::{Action, Micros};

/// The content type of a tweet from its media (already resolved to API media types, `None`
/// when unknown) and URLs (see the module doc).
pub(crate) fn content_type(media: &[Option<&str>], urls: &[String]) -> &'static str {
    match media {
        [] => {
            if urls.iter().any(|u| !is_twitter_url(u)) {
                "link"
            } else {
                "text"
            }
        }
        [one] => match *one {
            Some("photo") => "photo",
            Some("video" | "animated_gif") => "video",
            _ => "other",
        },
        _ => "album",
    }
}

/// The API media type implied by a media key's prefix (`3_…` photo, `7_…` and `13_…`
/// video, `16_…` animated_gif).
pub(crate) fn media_type_of_key(key: &str) -> Option<&'static str> {
    match key.split_once('_')?.0 {
        "3" => Some("photo"),
        "7" | "13" => Some("video"),
        "16" => Some("animated_gif"),
        _ => None,
    }
}

/// A URL on Twitter itself (a tweet, a photo page, `pic.twitter.com`), with or without scheme.
pub(crate) fn is_twitter_url(u: &str) -> bool {
    let rest = u.trim();
    let rest = rest.strip_prefix("https://").or_else(|| rest.strip_prefix("http://")).unwrap_or(rest);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("").to_ascii_lowercase();
    let host = host.strip_prefix("www.").or_else(|| host.strip_prefix("mobile.")).unwrap_or(&host);
    matches!(host, "twitter.com" | "x.com" | "pic.twitter.com" | "pic.x.com")
}

/// Adds `v` (lower-cased, without the leading `mark`) to `out` unless already there.
pub(crate) fn push_tag(out: &mut Vec<String>, v: &str, mark: char) {
    let v = v.trim();
    let v = v.strip_prefix(mark).unwrap_or(v);
    if v.is_empty() {
        return;
    }
    let v = v.to_lowercase();
    if !out.contains(&v) {
        out.push(v);
    }
}

pub(crate) fn push_url(out: &mut Vec<String>, v: &str) {
    if !v.is_empty() && !out.iter().any(|u| u == v) {
        out.push(v.to_string());
    }
}

/// `.../2/tweets/<id>/liking_users` -> (`like`, id); `/retweeted_by` -> (`retweet`, id).
pub(crate) fn engagers_endpoint(url: &str) -> Option<(&'static str, &str)> {
    let i = url.find("/2/tweets/")?;
    let rest = &url[i + "/2/tweets/".len()..];
    let (id, rest) = rest.split_at(rest.find(|c: char| !c.is_ascii_digit())?);
    if id.is_empty() {
        return None;
    }
    let verb = if rest.starts_with("/liking_users") {
        "like"
    } else if rest.starts_with("/retweeted_by") {
        "retweet"
    } else {
        return None;
    };
    Some((verb, id))
}

/// The action of one user of a `liking_users` / `retweeted_by` listing.
pub(crate) fn engager_action(verb: &str, post_id: &str, user_id: &str, cx: &Ctx) -> Action {
    Action {
        platform: "twitter".into(),
        actor_id: cx.pseudo.id("twitter", user_id),
        action: verb.into(),
        occurred_at: None,
        post_id: Some(post_id.to_string()),
        action_key: Some(format!("{verb}:{post_id}:{user_id}")),
        ..Default::default()
    }
}

/// One warning per input that tweet counts hold no posts.
pub(crate) fn warn_counts_once(cx: &Ctx, out: &mut dyn Out) {
    out.warning(
        Warning::file(
            &cx.source_file,
            "tweet counts (twarc2 counts: start, end, tweet_count) hold no posts; nothing ingested from them",
        )
        .once(&COUNTS),
    );
}

/// Tweet counts: one warning per input.
static COUNTS: Repeat = Repeat { kind: "twitter-counts", keep: 1, more: None };

fn status_permalink_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(?:[A-Za-z0-9_]+|i/web)/status(?:es)?/(\d+)/?(?:[?#].*)?$")
            .expect("static regex")
    })
}

/// The status id a tweet permalink points to (`https://twitter.com/xeni/status/671749…`).
pub(crate) fn status_link_id(url: &str) -> Option<String> {
    status_permalink_re().captures(url.trim()).map(|c| c[1].to_string())
}

/// Line numbers of slices of one text, for values visited in increasing order.
pub(crate) struct LineCounter<'a> {
    text: &'a str,
    pos: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        LineCounter { text, pos: 0, line: 1 }
    }
    /// The 1-based line where `part` (a slice of the text) starts.
    pub(crate) fn line_of(&mut self, part: &str) -> u64 {
        let base = self.text.as_ptr() as usize;
        let off = (part.as_ptr() as usize).wrapping_sub(base);
        if off > self.text.len() {
            return self.line;
        }
        if off < self.pos {
            self.pos = 0;
            self.line = 1;
        }
        self.line += memchr::memchr_iter(b'\n', &self.text.as_bytes()[self.pos..off]).count() as u64;
        self.pos = off;
        self.line
    }
}

pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A field's problem: (field, what was expected and found).
pub(crate) type FieldError = (String, String);

pub(crate) fn ferr(field: &str, msg: impl Into<String>) -> FieldError {
    (field.to_string(), msg.into())
}

/// An id from `key_str` (`"id_str"`), else from the numeric `key_num` when it is an exact
/// integer or a numeric string (archives). `Ok(None)` when both are absent or null.
pub(crate) fn id_field(v: &Value, key_str: &str, key_num: &str) -> Result<Option<String>, FieldError> {
    match v.get(key_str) {
        Some(Value::String(s)) if !s.trim().is_empty() => return Ok(Some(s.trim().to_string())),
        Some(Value::Null) | None => {}
        Some(Value::String(_)) => {}
        Some(other) => return Err(ferr(key_str, format!("expected a string id, found {}", json_kind(other)))),
    }
    match v.get(key_num) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(u) => Ok(Some(u.to_string())),
            None => Err(ferr(key_num, format!("expected an integer id, found {n} (and no {key_str})"))),
        },
        Some(Value::String(s)) if !s.trim().is_empty() && s.trim().bytes().all(|b| b.is_ascii_digit()) => {
            Ok(Some(s.trim().to_string()))
        }
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(other) => Err(ferr(key_num, format!("expected an id, found {other}"))),
    }
}

pub(crate) fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).and_then(util::non_empty)
}

pub(crate) fn count(v: &Value, key: &str) -> Result<Option<i64>, FieldError> {
    util::json_count(v.get(key)).map_err(|e| ferr(key, e))
}

/// Hashtags, mentions, URLs and the media kind of a status (v1.1 or archive layout).
#[derive(Default, Debug)]
pub(crate) struct Entities {
    pub hashtags: Vec<String>,
    pub mentions: Vec<String>,
    pub urls: Vec<String>,
    /// `video` (video or animated GIF), `photo`, `other`, or None without media.
    pub media: Option<&'static str>,
}

impl Entities {
    /// The content type (module docs): media first, then an outbound link, else text.
    pub(crate) fn content_type(&self) -> &'static str {
        if let Some(m) = self.media {
            return m;
        }
        if self.urls.iter().any(|u| status_link_id(u).is_none()) {
            "link"
        } else {
            "text"
        }
    }
}

fn push_unique(list: &mut Vec<String>, s: String) {
    if !s.is_empty() && !list.contains(&s) {
        list.push(s);
    }
}

pub(crate) fn entities(v: &Value) -> Entities {
    let ext = v.get("extended_tweet").filter(|e| e.is_object());
    let ents = ext.and_then(|e| e.get("entities")).or_else(|| v.get("entities")).filter(|e| e.is_object()).unwrap_or(v);
    let list =
        |o: &Value, key: &str| -> Vec<Value> { o.get(key).and_then(Value::as_array).cloned().unwrap_or_default() };
    let mut e = Entities::default();
    for h in list(ents, "hashtags") {
        let t = h.get("text").and_then(Value::as_str).or(h.as_str()).unwrap_or("");
        push_unique(&mut e.hashtags, t.trim().trim_start_matches('#').to_lowercase());
    }
    for m in list(ents, "user_mentions") {
        if let Some(sn) = m.get("screen_name").and_then(Value::as_str) {
            push_unique(&mut e.mentions, util::handle(sn));
        }
    }
    for u in list(ents, "urls") {
        let url = u.get("expanded_url").and_then(Value::as_str).or_else(|| u.get("url").and_then(Value::as_str));
        if let Some(url) = url {
            push_unique(&mut e.urls, url.trim().to_string());
        }
    }
    let media_of =
        |o: Option<&Value>| o.and_then(|x| x.get("media")).and_then(Value::as_array).filter(|a| !a.is_empty()).cloned();
    let media = media_of(ext.and_then(|x| x.get("extended_entities")))
        .or_else(|| media_of(v.get("extended_entities")))
        .or_else(|| media_of(Some(ents)))
        .or_else(|| media_of(Some(v)));
    if let Some(media) = media {
        let types: Vec<&str> = media.iter().filter_map(|m| m.get("type").and_then(Value::as_str)).collect();
        e.media = Some(if types.iter().any(|t| *t == "video" || *t == "animated_gif") {
            "video"
        } else if types.contains(&"photo") {
            "photo"
        } else {
            "other"
        });
    }
    e
}

/// The text of a status: `extended_tweet.full_text`, `full_text`, then `text`.
pub(crate) fn status_text(v: &Value) -> Option<String> {
    v.get("extended_tweet")
        .and_then(|e| e.get("full_text"))
        .and_then(Value::as_str)
        .or_else(|| v.get("full_text").and_then(Value::as_str))
        .or_else(|| v.get("text").and_then(Value::as_str))
        .map(str::to_string)
}

pub(crate) fn created_at(v: &Value) -> Result<Option<Micros>, FieldError> {
    match v.get("created_at") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => util::parse_twitter_v1(s).or_else(|| util::parse_iso(s)).map(Some).ok_or_else(|| {
            ferr(
                "created_at",
                format!("expected a time like 'Thu Nov 03 08:50:26 +0000 2022' {}, found '{s}'", util::TIME_WINDOW),
            )
        }),
        Some(other) => Err(ferr("created_at", format!("expected a time string, found {}", json_kind(other)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(engagers_endpoint("https://api.twitter.com/2/tweets/123/liking_users?x=1"), Some(("like", "123")));
        assert_eq!(engagers_endpoint("https://api.twitter.com/2/tweets/123/retweeted_by"), Some(("retweet", "123")));
        assert_eq!(engagers_endpoint("https://api.twitter.com/2/tweets/search/recent?q=a"), None);
        assert_eq!(engagers_endpoint("https://api.twitter.com/2/users/123/followers"), None);
        assert!(is_twitter_url("https://twitter.com/a/status/1/photo/1"));
        assert!(is_twitter_url("pic.twitter.com/uXqSAGWkWJ"));
        assert!(!is_twitter_url("https://t.co/abc"));
        assert!(!is_twitter_url("http://www.tagesschau.de/x"));
        assert_eq!(content_type(&[Some("photo"), None], &[]), "album");
        assert_eq!(content_type(&[None], &[]), "other");
        assert_eq!(content_type(&[], &["https://twitter.com/a/status/1".into()]), "text");
    }
}
