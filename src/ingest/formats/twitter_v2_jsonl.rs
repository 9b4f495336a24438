//! `twitter-v2-jsonl`: twarc2's Twitter API v2 output, one JSON object per line: response
//! pages, filtered-stream tweets, `twarc2 flatten` tweets, user pages and counts. Collected
//! posts, platform `twitter`; user objects become `accounts` rows.
//!
//! Readings to keep:
//! - Only `data` tweets are posts; `includes.tweets` only resolve references.
//! - Every user with `public_metrics` → `accounts` dated `__twarc.retrieved_at`, else newest `created_at`.
//! - User pages from `liking_users` / `retweeted_by` URLs are also `like` / `retweet` actions, `occurred_at` null.
//! - `counts` pages hold no posts: one warning per file.
//! - A retweet is `is_repost` + `reposted_post_id`, all engagement figures null (the API repeats the original's).
//! - A retweet's text/tags/mentions/urls/media come from the included original (v2 cuts at 140); else its own.
//! - `in_reply_to_account` = replied-to handle (lower-cased) when in the line, else raw `in_reply_to_user_id`.
//! - `content_type`: 2+ media album; photo; video/animated_gif video (type from includes, else key prefix
//!   `3_`/`7_`/`13_`/`16_`); link only for non-Twitter URLs; else text (polls too).
//! - Hashtags and mentions lower-cased, urls `expanded_url` else `url`, no repeats; `lang` as exported.
//! - `errors[]` are warnings (first ten lines per input), not rejects; bad JSON line reject, cut last line warning.
//! - A page tweet without id or readable `created_at` is a reject of its own.
//! - Each line is deserialized once into borrowing typed structs (no `serde_json::Value`).
//!
//! User docs: docs/formats.md#twitter-v2-jsonl.

use std::borrow::Cow;

use rustc_hash::{FxHashMap, FxHashSet};
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::ingest::common::twitter::{
    content_type, engager_action, engagers_endpoint, media_type_of_key, push_tag, push_url, warn_counts_once,
};
use crate::ingest::{
    read_lines, Adapter, Ctx, Input, LineAdapter, LineError, Out, Probe, Reject, Repeat, Warning, Writes,
};
use crate::ingest::common::util;
use crate::ingest::{FileError, MAX_RAW_REJECT};
use crate::model::{AccountSnap, Day, Post};

pub struct TwitterV2Jsonl;

pub static ADAPTER: TwitterV2Jsonl = TwitterV2Jsonl;

impl Adapter for TwitterV2Jsonl {
    fn name(&self) -> &'static str {
        "twitter-v2-jsonl"
    }
    fn about(&self) -> &'static str {
        "twarc2 output (API v2 pages, stream, flattened tweets, users, liking users/retweeters)"
    }
    fn writes(&self) -> Writes {
        Writes::Posts
    }
    fn detect(&self, probe: &Probe) -> u8 {
        detect_head(probe.head)
    }
    fn lines(&self) -> Option<&dyn LineAdapter> {
        Some(self)
    }
    fn read(&self, input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
        read_lines(self, self.personal_data(), input, cx, out)
    }
}

/// Content sniffing on the first 64 KiB: a JSON object whose keys are twarc2's. A page's
/// first line is often longer than the head, so `includes`/`__twarc` may lie beyond it;
/// `public_metrics` with `author_id`/`username` is API v2 only (v1.1 has neither).
fn detect_head(head: &str) -> u8 {
    let t = head.trim_start();
    if !t.starts_with('{') {
        return 0;
    }
    let has = |k: &str| t.contains(k);
    if has("\"__twarc\"") {
        return 95;
    }
    let data = has("\"data\"");
    if data && (has("\"includes\"") || has("\"matching_rules\"")) {
        return 90;
    }
    if has("\"public_metrics\"") && (has("\"author_id\"") || has("\"username\"")) {
        return 85;
    }
    if has("\"author_id\"") && has("\"text\"") && has("\"id\"") && has("\"created_at\"") {
        return 70;
    }
    if data && has("\"tweet_count\"") && has("\"start\"") && has("\"end\"") {
        return 70;
    }
    0
}

// ---------------------------------------------------------------- the JSON shapes

/// A string that borrows from the line when it has no escapes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Str<'a>(Cow<'a, str>);

impl std::ops::Deref for Str<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V(PhantomData))
    }
}

/// `data`: an array (pages) or one object (the stream form).
#[derive(Debug)]
struct Many<T>(Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Many<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Many<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of objects or one object")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Many<T>, A::Error> {
                let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(16));
                while let Some(x) = seq.next_element()? {
                    v.push(x);
                }
                Ok(Many(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Many<T>, A::Error> {
                Ok(Many(vec![T::deserialize(de::value::MapAccessDeserializer::new(map))?]))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

#[derive(Deserialize, Default, Debug)]
pub(crate) struct Metrics {
    like_count: Option<i64>,
    reply_count: Option<i64>,
    retweet_count: Option<i64>,
    quote_count: Option<i64>,
    bookmark_count: Option<i64>,
    impression_count: Option<i64>,
    followers_count: Option<i64>,
}

impl Metrics {
    /// The tweet's counts by their API names.
    fn named(&self) -> [(&'static str, Option<i64>); 6] {
        [
            ("like_count", self.like_count),
            ("reply_count", self.reply_count),
            ("retweet_count", self.retweet_count),
            ("quote_count", self.quote_count),
            ("bookmark_count", self.bookmark_count),
            ("impression_count", self.impression_count),
        ]
    }
    /// A user's follower count; a negative one (never real) is no figure.
    fn followers(&self) -> Option<i64> {
        self.followers_count.filter(|f| *f >= 0)
    }
}

/// A user object (included, embedded by `flatten`, or a mention, which has `username`/`id`).
#[derive(Deserialize, Debug)]
struct User<'a> {
    #[serde(borrow)]
    id: Option<Str<'a>>,
    #[serde(borrow)]
    username: Option<Str<'a>>,
    public_metrics: Option<Metrics>,
}

#[derive(Deserialize, Debug)]
struct Media<'a> {
    #[serde(borrow)]
    media_key: Option<Str<'a>>,
    #[serde(borrow, rename = "type")]
    kind: Option<Str<'a>>,
}

#[derive(Deserialize, Debug)]
struct Attachments<'a> {
    #[serde(borrow)]
    media_keys: Option<Vec<Str<'a>>>,
    /// Flattened form: the media objects themselves (`{}` when twarc could not find one).
    #[serde(borrow)]
    media: Option<Vec<Media<'a>>>,
}

#[derive(Deserialize, Debug)]
struct Tag<'a> {
    #[serde(borrow)]
    tag: Option<Str<'a>>,
}

#[derive(Deserialize, Debug)]
struct Url<'a> {
    #[serde(borrow)]
    url: Option<Str<'a>>,
    #[serde(borrow)]
    expanded_url: Option<Str<'a>>,
}

/// Tweet entities. A user's `entities` (`url`, `description`) parse as an empty one.
#[derive(Deserialize, Debug)]
struct Entities<'a> {
    #[serde(borrow)]
    hashtags: Option<Vec<Tag<'a>>>,
    #[serde(borrow)]
    mentions: Option<Vec<User<'a>>>,
    #[serde(borrow)]
    urls: Option<Vec<Url<'a>>>,
}

#[derive(Deserialize, Debug)]
struct Includes<'a> {
    #[serde(borrow)]
    users: Option<Vec<User<'a>>>,
    #[serde(borrow)]
    tweets: Option<Vec<Obj<'a>>>,
    #[serde(borrow)]
    media: Option<Vec<Media<'a>>>,
}

#[derive(Deserialize, Debug)]
struct Twarc<'a> {
    #[serde(borrow)]
    url: Option<Str<'a>>,
    #[serde(borrow)]
    retrieved_at: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct ApiError<'a> {
    #[serde(borrow)]
    title: Option<Str<'a>>,
    #[serde(borrow)]
    detail: Option<Str<'a>>,
}

/// Any object of twarc2 output: a response page (`data`, `includes`, `errors`), a tweet
/// (in `data`, `includes.tweets`, `referenced_tweets`, or a whole flattened line, which
/// also carries `__twarc`), a user or a count bucket (in `data`). One struct serves all
/// because a flattened line mixes page metadata with tweet fields.
#[derive(Deserialize, Debug)]
struct Obj<'a> {
    // page
    #[serde(borrow)]
    data: Option<Many<Obj<'a>>>,
    #[serde(borrow)]
    includes: Option<Box<Includes<'a>>>,
    #[serde(borrow)]
    errors: Option<Vec<&'a RawValue>>,
    #[serde(borrow, rename = "__twarc")]
    twarc: Option<Box<Twarc<'a>>>,
    // tweet
    #[serde(borrow)]
    id: Option<Str<'a>>,
    #[serde(borrow)]
    text: Option<Str<'a>>,
    #[serde(borrow)]
    author_id: Option<Str<'a>>,
    #[serde(borrow)]
    created_at: Option<Str<'a>>,
    #[serde(borrow)]
    lang: Option<Str<'a>>,
    #[serde(borrow)]
    in_reply_to_user_id: Option<Str<'a>>,
    /// In `referenced_tweets`: `retweeted`, `quoted`, `replied_to`.
    #[serde(borrow, rename = "type")]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    entities: Option<Entities<'a>>,
    public_metrics: Option<Metrics>,
    #[serde(borrow)]
    referenced_tweets: Option<Vec<Obj<'a>>>,
    #[serde(borrow)]
    attachments: Option<Attachments<'a>>,
    #[serde(borrow)]
    author: Option<Box<User<'a>>>,
    #[serde(borrow)]
    in_reply_to_user: Option<Box<User<'a>>>,
    // user
    #[serde(borrow)]
    username: Option<Str<'a>>,
    // count bucket
    tweet_count: Option<IgnoredAny>,
}

impl Obj<'_> {
    fn is_tweet(&self) -> bool {
        self.text.is_some() || self.author_id.is_some()
    }
    fn is_user(&self) -> bool {
        !self.is_tweet() && self.username.is_some()
    }
    fn is_count(&self) -> bool {
        !self.is_tweet() && self.tweet_count.is_some()
    }
    fn retrieved_day(&self) -> Option<Day> {
        let t = self.twarc.as_ref()?.retrieved_at.as_deref()?;
        util::parse_iso(t).map(|m| m.utc_day())
    }
}

fn list<T>(v: &Option<Vec<T>>) -> &[T] {
    v.as_deref().unwrap_or_default()
}

/// Lines with API error objects that get their own warning, per input: the first 10, then
/// a note that there are more.
static API_ERRORS: Repeat =
    Repeat { kind: "twitter-api-errors", keep: 10, more: Some("more lines carry API error objects; not listed") };

// ---------------------------------------------------------------- reading a line

impl LineAdapter for TwitterV2Jsonl {
    fn line(&self, line: &[u8], lineno: u64, cx: &Ctx, out: &mut dyn Out) -> Result<(), LineError> {
        // One UTF-8 check of the whole line, then the parser borrows strings unchecked: checked
        // string by string (`from_slice`) that was 5% of an ingest's CPU. A line that is not
        // UTF-8 goes through `from_slice`, which names where it breaks, as before.
        let parsed = match std::str::from_utf8(line) {
            Ok(text) => serde_json::from_str::<Obj>(text),
            Err(_) => serde_json::from_slice::<Obj>(line),
        };
        let obj = parsed.map_err(|e| json_error(&e))?;
        if let Some(errors) = obj.errors.as_deref().filter(|e| !e.is_empty()) {
            warn_api_errors(errors, lineno, cx, out);
        }
        let mut r = LineReader { cx, out, lineno, line, retrieved: obj.retrieved_day() };
        if let Some(Many(items)) = &obj.data {
            r.page(&obj, items);
        } else if obj.is_tweet() {
            r.flat_tweet(&obj).map_err(|(field, error)| LineError::new(field, error))?;
        } else if obj.is_user() {
            // A flattened user line (twarc2 flatten of a users listing keeps `__twarc`).
            let Some(id) = obj.id.as_deref() else {
                return Err(LineError::new("id", "expected a user id, found none"));
            };
            if let Some((verb, post)) = obj.twarc.as_ref().and_then(|t| t.url.as_deref()).and_then(engagers_endpoint) {
                r.out.action(engager_action(verb, post, id, cx));
            }
            if let Some(f) = obj.public_metrics.as_ref().and_then(Metrics::followers) {
                r.out.account(snap(id, obj.username.as_deref(), r.retrieved, Some(f)));
            }
        } else if obj.is_count() {
            warn_counts_once(cx, r.out);
        } else if obj.errors.is_none() {
            return Err(LineError::new(
                "data",
                "expected a twarc2 response page ('data'), a flattened tweet ('id', 'text', 'author_id'), \
                 a user, a count or an 'errors' object; found none of these keys",
            ));
        }
        Ok(())
    }
}

fn json_error(e: &serde_json::Error) -> LineError {
    match e.classify() {
        serde_json::error::Category::Data => LineError::new("(json)", format!("unexpected JSON value: {e}")),
        _ => LineError::json(e),
    }
}

/// API error objects are the API's account of what it could not return (a deleted tweet
/// behind a retweet, a pinned tweet, a suspended user), not rows of the file that could
/// not be read: a warning per line (the first lines of an input, see [`API_ERRORS`]), no
/// reject (see the module doc).
fn warn_api_errors(errors: &[&RawValue], lineno: u64, cx: &Ctx, out: &mut dyn Out) {
    let first = match serde_json::from_str::<ApiError>(errors[0].get()) {
        Ok(e) => match (e.title, e.detail) {
            (Some(t), Some(d)) => format!("{}: {}", &*t, &*d),
            (Some(t), None) | (None, Some(t)) => t.0.into_owned(),
            (None, None) => util::cut(errors[0].get(), 300),
        },
        Err(_) => util::cut(errors[0].get(), 300),
    };
    let n = errors.len();
    let msg = format!(
        "the API reported {n} error object{} (what it could not return; the rest of the line was read), first: {first}",
        if n == 1 { "" } else { "s" }
    );
    out.warning(Warning::at(&cx.source_file, lineno, msg).once(&API_ERRORS));
}

fn snap(id: &str, username: Option<&str>, date: Option<Day>, followers: Option<i64>) -> AccountSnap {
    AccountSnap {
        platform: "twitter".into(),
        account_id: id.to_string(),
        account_handle: username.map(util::handle),
        date,
        followers,
    }
}

/// What a tweet needs from the rest of its page.
#[derive(Default)]
struct Lookup<'p, 'a> {
    users: FxHashMap<&'p str, &'p User<'a>>,
    tweets: FxHashMap<&'p str, &'p Obj<'a>>,
    media: FxHashMap<&'p str, &'p str>,
}

struct LineReader<'r, 'x> {
    cx: &'r Ctx<'x>,
    out: &'r mut dyn Out,
    lineno: u64,
    line: &'r [u8],
    retrieved: Option<Day>,
}

impl LineReader<'_, '_> {
    fn reject_item(&mut self, field: String, error: String) {
        self.out.rows(1);
        self.out.reject(Reject {
            line: self.lineno,
            field,
            error,
            raw: Some(util::cut(&String::from_utf8_lossy(self.line), MAX_RAW_REJECT)),
        });
    }

    fn page<'a>(&mut self, page: &Obj<'a>, items: &[Obj<'a>]) {
        let mut lk = Lookup::default();
        if let Some(inc) = page.includes.as_deref() {
            for u in list(&inc.users) {
                if let Some(id) = u.id.as_deref() {
                    lk.users.insert(id, u);
                }
            }
            for t in list(&inc.tweets) {
                if let Some(id) = t.id.as_deref() {
                    lk.tweets.insert(id, t);
                }
            }
            for m in list(&inc.media) {
                if let (Some(k), Some(t)) = (m.media_key.as_deref(), m.kind.as_deref()) {
                    lk.media.insert(k, t);
                }
            }
        }
        let mut newest = None;
        let engagers = page.twarc.as_ref().and_then(|t| t.url.as_deref()).and_then(engagers_endpoint);
        let mut seen_users: FxHashSet<&str> = FxHashSet::default();
        let mut counts = false;
        for (i, t) in items.iter().enumerate() {
            if t.is_tweet() {
                match build_post(t, &lk) {
                    Ok(p) => {
                        newest = newest.max(p.created_at);
                        self.out.post(p)
                    }
                    Err((field, error)) => self.reject_item(format!("data[{i}].{field}"), error),
                }
            } else if t.is_user() {
                let Some(id) = t.id.as_deref() else {
                    self.reject_item(format!("data[{i}].id"), "expected a user id, found none".into());
                    continue;
                };
                if !seen_users.insert(id) {
                    continue;
                }
                if let Some((verb, post)) = engagers {
                    self.out.action(engager_action(verb, post, id, self.cx));
                }
                if let Some(f) = t.public_metrics.as_ref().and_then(Metrics::followers) {
                    self.out.account(snap(id, t.username.as_deref(), self.retrieved, Some(f)));
                }
            } else if t.is_count() {
                counts = true;
            } else {
                self.reject_item(
                    format!("data[{i}]"),
                    "expected a tweet ('text', 'author_id'), a user ('username') or a count ('tweet_count'); found none of these keys".into(),
                );
            }
        }
        if counts {
            warn_counts_once(self.cx, self.out);
        }
        let day = self.retrieved.or(newest.map(|m| m.utc_day()));
        // In the page's order, so that a page always gives the same rows in the same order.
        let included = page.includes.as_deref().map(|i| list(&i.users)).unwrap_or_default();
        for u in included {
            let (Some(id), Some(f)) = (u.id.as_deref(), u.public_metrics.as_ref().and_then(Metrics::followers)) else {
                continue;
            };
            if seen_users.insert(id) {
                self.out.account(snap(id, u.username.as_deref(), day, Some(f)));
            }
        }
    }

    /// A flattened line: one post, and the users embedded in it. Err rejects the line.
    fn flat_tweet(&mut self, t: &Obj) -> Result<(), (String, String)> {
        let p = build_post(t, &Lookup::default())?;
        let day = self.retrieved.or(p.created_at.map(|m| m.utc_day()));
        self.out.post(p);
        let mut users: Vec<&User> = Vec::new();
        embedded_users(t, &mut users, 0);
        let mut seen: FxHashSet<&str> = FxHashSet::default();
        for u in users {
            let (Some(id), Some(f)) = (u.id.as_deref(), u.public_metrics.as_ref().and_then(Metrics::followers)) else {
                continue;
            };
            if seen.insert(id) {
                self.out.account(snap(id, u.username.as_deref(), day, Some(f)));
            }
        }
        Ok(())
    }
}

/// The users a flattened tweet embeds: author, replied-to user, mentioned users, and those
/// of its referenced tweets (one level of nesting is what twarc writes; two are read).
fn embedded_users<'p, 'a>(t: &'p Obj<'a>, out: &mut Vec<&'p User<'a>>, depth: u8) {
    out.extend(t.author.as_deref());
    out.extend(t.in_reply_to_user.as_deref());
    if let Some(e) = &t.entities {
        out.extend(list(&e.mentions).iter());
    }
    if depth < 2 {
        for r in list(&t.referenced_tweets) {
            embedded_users(r, out, depth + 1);
        }
    }
}

/// One `data` tweet (or a flattened line) as a post. Err: (field, what was wrong).
fn build_post(t: &Obj, lk: &Lookup) -> Result<Post, (String, String)> {
    let Some(id) = t.id.as_deref().filter(|s| !s.is_empty()) else {
        return Err(("id".into(), "expected a tweet id, found none".into()));
    };
    let created_at = match t.created_at.as_deref() {
        None => None,
        Some(s) => Some(util::parse_iso(s).ok_or_else(|| {
            (
                "created_at".to_string(),
                format!("expected an ISO 8601 time like 2021-09-22T16:37:29.000Z {}, found '{s}'", util::TIME_WINDOW),
            )
        })?),
    };
    let author_id = t.author_id.as_deref();
    let author: Option<&User> = t.author.as_deref().or_else(|| author_id.and_then(|a| lk.users.get(a).copied()));

    let mut reposted = None;
    let mut quoted = None;
    let mut replied = None;
    let mut original: Option<&Obj> = None;
    for r in list(&t.referenced_tweets) {
        let rid = r.id.as_deref().map(str::to_string);
        match r.kind.as_deref() {
            Some("retweeted") => {
                // Flattened: the referenced tweet is embedded whole; pages: look it up.
                original =
                    if r.text.is_some() { Some(r) } else { r.id.as_deref().and_then(|i| lk.tweets.get(i).copied()) };
                reposted = rid;
            }
            Some("quoted") => quoted = rid,
            Some("replied_to") => replied = rid,
            _ => {}
        }
    }
    let is_repost = reposted.is_some();

    // twarc-csv's --merge-retweets: the retweeted tweet's text, entities and media.
    let text = original.and_then(|o| o.text.as_deref()).or(t.text.as_deref());
    let entities = original.and_then(|o| o.entities.as_ref()).or(t.entities.as_ref());
    let attachments = original.and_then(|o| o.attachments.as_ref()).or(t.attachments.as_ref());

    let mut hashtags = Vec::new();
    let mut mentions = Vec::new();
    let mut urls = Vec::new();
    if let Some(e) = entities {
        for h in list(&e.hashtags) {
            if let Some(tag) = h.tag.as_deref() {
                push_tag(&mut hashtags, tag, '#');
            }
        }
        for m in list(&e.mentions) {
            if let Some(u) = m.username.as_deref() {
                push_tag(&mut mentions, u, '@');
            }
        }
        for u in list(&e.urls) {
            if let Some(v) = u.expanded_url.as_deref().or(u.url.as_deref()) {
                push_url(&mut urls, v);
            }
        }
    }

    let mut media: Vec<Option<&str>> = Vec::new();
    if let Some(a) = attachments {
        let embedded = list(&a.media);
        let keys = list(&a.media_keys);
        if keys.is_empty() {
            media.extend(
                embedded.iter().map(|m| m.kind.as_deref().or(m.media_key.as_deref().and_then(media_type_of_key))),
            );
        } else {
            for k in keys {
                let k: &str = k;
                let kind = embedded
                    .iter()
                    .find(|m| m.media_key.as_deref() == Some(k))
                    .and_then(|m| m.kind.as_deref())
                    .or_else(|| lk.media.get(k).copied())
                    .or_else(|| media_type_of_key(k));
                media.push(kind);
            }
        }
    }
    let content_type = content_type(&media, &urls);

    let in_reply_to_account = t
        .in_reply_to_user
        .as_ref()
        .and_then(|u| u.username.as_deref())
        .or_else(|| t.in_reply_to_user_id.as_deref().and_then(|u| lk.users.get(u)).and_then(|u| u.username.as_deref()))
        .map(util::handle)
        .or_else(|| t.in_reply_to_user_id.as_deref().map(str::to_string));

    let pm = if is_repost { None } else { t.public_metrics.as_ref() };
    let m = |f: fn(&Metrics) -> Option<i64>| pm.and_then(f);
    // Counts are never negative (util::parse_count says why): such a tweet is rejected.
    let author_followers = author.and_then(|a| a.public_metrics.as_ref()).and_then(|m| m.followers_count);
    if let Some(pm) = pm {
        for (name, v) in pm.named() {
            if let Some(v) = v.filter(|v| *v < 0) {
                return Err((format!("public_metrics.{name}"), format!("{}, found {v}", util::COUNT_EXPECTED)));
            }
        }
    }
    if let Some(v) = author_followers.filter(|v| *v < 0) {
        return Err(("author.public_metrics.followers_count".into(), format!("{}, found {v}", util::COUNT_EXPECTED)));
    }

    Ok(Post {
        platform: "twitter".into(),
        post_id: id.to_string(),
        origin: "collected",
        account_id: author_id.or_else(|| author.and_then(|a| a.id.as_deref())).map(str::to_string),
        account_handle: author.and_then(|a| a.username.as_deref()).map(util::handle),
        created_at,
        content_type,
        text: text.map(str::to_string),
        lang: t.lang.as_deref().filter(|l| !l.is_empty()).map(str::to_string),
        hashtags,
        mentions,
        urls,
        is_repost: Some(is_repost),
        in_reply_to_account,
        quoted_post_id: quoted,
        in_reply_to_post_id: replied,
        reposted_post_id: reposted,
        followers: author_followers,
        impressions: m(|m| m.impression_count),
        reactions: m(|m| m.like_count),
        comments: m(|m| m.reply_count),
        shares: m(|m| m.retweet_count),
        quotes: m(|m| m.quote_count),
        saves: m(|m| m.bookmark_count),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::testkit::twitter::{day, detect_file, detected, other_inputs, run, sample};
    use crate::ingest::Collected;
    use crate::pseudo::Pseudonymizer;

    fn fixture(rel: &str) -> String {
        format!("{}/tests/fixtures/twitter-v2-jsonl/{rel}", env!("CARGO_MANIFEST_DIR"))
    }
    fn post<'c>(got: &'c Collected, id: &str) -> &'c Post {
        got.posts.iter().find(|p| p.post_id == id).unwrap_or_else(|| panic!("no post {id}"))
    }
    fn count_by<F: Fn(&Post) -> bool>(got: &Collected, f: F) -> usize {
        got.posts.iter().filter(|p| f(p)).count()
    }

    #[test]
    fn brexit_search_page() {
        let got = run(&ADAPTER, &sample("twitter-v2-jsonl/brexit.jsonl"));
        // One line: a search page of `data` = 100 tweets; no errors.
        assert_eq!(got.rows, 1);
        assert!(got.rejects.is_empty(), "{:?}", got.rejects);
        assert_eq!(got.posts.len(), 100);
        // referenced_tweets types over data[]: 67 retweeted, 11 quoted, 10 replied_to, 12 none.
        assert_eq!(count_by(&got, |p| p.is_repost == Some(true)), 67);
        assert_eq!(count_by(&got, |p| p.is_repost == Some(false)), 33);
        assert_eq!(count_by(&got, |p| p.quoted_post_id.is_some()), 11);
        assert_eq!(count_by(&got, |p| p.in_reply_to_post_id.is_some()), 10);
        // Every retweet has all engagement figures null (docs/lake.md#posts).
        assert_eq!(
            count_by(&got, |p| p.is_repost == Some(true)
                && [p.reactions, p.comments, p.shares, p.quotes, p.saves, p.impressions].iter().all(Option::is_none)),
            67
        );
        // The 33 others: like_count sums to 22 and retweet_count to 8 (jq over non-retweets);
        // no bookmark/impression counts in this 2021 page.
        assert_eq!(got.posts.iter().filter_map(|p| p.reactions).sum::<i64>(), 22);
        assert_eq!(got.posts.iter().filter_map(|p| p.shares).sum::<i64>(), 8);
        assert_eq!(count_by(&got, |p| p.saves.is_some() || p.impressions.is_some()), 0);
        // Content types: 3 gifs -> video; 3 photos in one tweet -> album (2: it and its
        // retweet); media of retweeted tweets by key prefix `3_` -> photo (29).
        let ct = |c: &str| count_by(&got, |p| p.content_type == c);
        assert_eq!((ct("text"), ct("photo"), ct("link"), ct("video"), ct("album")), (50, 29, 16, 3, 2));
        // lang as exported: en 92, de 4, und 3, es 1.
        assert_eq!(count_by(&got, |p| p.lang.as_deref() == Some("und")), 3);
        assert!(got.posts.iter().all(|p| p.origin == "collected" && p.platform == "twitter"));

        let p = post(&got, "1440716895355764743");
        assert_eq!(p.account_id.as_deref(), Some("4203239195"));
        assert_eq!(p.account_handle.as_deref(), Some("warmongerhodges"));
        assert_eq!(p.followers, Some(34920));
        assert_eq!(p.hashtags, vec!["peoplesvote", "brexit"]);
        assert_eq!((p.reactions, p.comments, p.shares, p.quotes, p.saves), (Some(0), Some(0), Some(0), Some(0), None));
        assert_eq!(p.created_at, util::parse_iso("2021-09-22T16:37:29Z"));

        // A retweet: the original's text and entities (#Brexit and #brexit once), its own author.
        let rt = post(&got, "1440716856763977732");
        assert_eq!(rt.reposted_post_id.as_deref(), Some("1440713161355583489"));
        assert_eq!(rt.account_handle.as_deref(), Some("jacquip537"));
        assert_eq!(rt.followers, Some(2485));
        assert_eq!(rt.hashtags, vec!["borisjohnson", "universalcredit", "brexit", "johnsonout", "boristheliar"]);
        assert!(rt.text.as_deref().unwrap().starts_with(". #BorisJohnson has revealed"));
        assert!(rt.mentions.is_empty());
        assert_eq!(rt.content_type, "photo");

        // A reply with an animated GIF; the replied-to user resolved to a handle.
        let re = post(&got, "1440716745577140229");
        assert_eq!(re.in_reply_to_post_id.as_deref(), Some("1440621713281093641"));
        assert_eq!(re.in_reply_to_account.as_deref(), Some("andrewknight226"));
        assert_eq!(re.content_type, "video");

        let album = post(&got, "1440713966649417731");
        assert_eq!(album.content_type, "album");
        assert_eq!(album.quoted_post_id.as_deref(), Some("1440670794103754762"));
        assert_eq!(album.mentions, vec!["kwasikwarteng", "beisgovuk", "ofgem"]);
        let link = post(&got, "1440714938054418436");
        assert_eq!(link.content_type, "link");
        assert_eq!(link.hashtags, vec!["großbritannien", "usa", "handelsabkommen", "brexit"]);
        assert_eq!((link.reactions, link.comments, link.shares), (Some(18), Some(2), Some(3)));

        // includes.users: 177 users, all with public_metrics, dated by __twarc.retrieved_at.
        assert_eq!(got.accounts.len(), 177);
        assert!(got.accounts.iter().all(|a| a.date == Some(day(2021, 9, 22))));
        // In includes.users' order: the first is the first tweet's author.
        let a = &got.accounts[0];
        assert_eq!(
            (a.account_id.as_str(), a.account_handle.as_deref(), a.followers),
            ("4203239195", Some("warmongerhodges"), Some(34920))
        );
        // One derived action per collected post (made by the Out, not here).
        assert_eq!(got.actions.len(), 100);
    }

    #[test]
    fn stream_with_truncated_last_line() {
        let got = run(&ADAPTER, &sample("twitter-v2-jsonl/streaming_output_with_error.jsonl"));
        // 8 lines: 7 stream objects, the 8th cut after 44 bytes at the end of the file.
        assert_eq!(got.posts.len(), 7);
        assert_eq!(got.rows, 7);
        assert!(got.rejects.is_empty(), "{:?}", got.rejects);
        assert_eq!(got.warnings.len(), 1);
        assert!(got.warnings[0].contains("line 8") && got.warnings[0].contains("truncated"), "{}", got.warnings[0]);
        assert_eq!(count_by(&got, |p| p.in_reply_to_post_id.is_some()), 3);
        assert_eq!(count_by(&got, |p| p.quoted_post_id.is_some()), 1);
        // Line 1: a quote with a photo; line 4: a photo.
        assert_eq!(post(&got, "1377650090978992134").content_type, "photo");
        assert_eq!(post(&got, "1377650387579248643").content_type, "photo");
        // 11 included users over the 7 lines (2+2+1+1+2+2+1).
        assert_eq!(got.accounts.len(), 11);
        assert_eq!(got.accounts[0].date, Some(day(2021, 4, 1)));
    }

    #[test]
    fn flattened_tweets() {
        let got = run(&ADAPTER, &sample("twitter-v2-jsonl/flat.jsonl"));
        assert_eq!((got.rows, got.posts.len()), (100, 100));
        assert!(got.rejects.is_empty(), "{:?}", got.rejects);
        // jq: 47 retweeted, 8 quoted, 31 replied_to.
        assert_eq!(count_by(&got, |p| p.is_repost == Some(true)), 47);
        assert_eq!(count_by(&got, |p| p.quoted_post_id.is_some()), 8);
        assert_eq!(count_by(&got, |p| p.in_reply_to_post_id.is_some()), 31);
        let ct = |c: &str| count_by(&got, |p| p.content_type == c);
        assert_eq!((ct("text"), ct("link"), ct("photo"), ct("video"), ct("album")), (66, 14, 11, 8, 1));
        let p = post(&got, "1380242611781386245");
        assert_eq!(p.account_handle.as_deref(), Some("alexandravm12"));
        assert_eq!(p.followers, Some(58));
        assert_eq!(p.reposted_post_id.as_deref(), Some("1380175475545362437"));
        assert_eq!(p.shares, None);
        // 32 tweets reply to a user: all resolved through the embedded in_reply_to_user.
        assert_eq!(
            count_by(&got, |p| p
                .in_reply_to_account
                .as_deref()
                .is_some_and(|a| !a.bytes().all(|b| b.is_ascii_digit()))),
            32
        );
        // Embedded users (author, replied-to, mentioned, referenced authors): 221 per-line
        // distinct snapshots of 178 accounts, all on the retrieval day.
        assert_eq!(got.accounts.len(), 221);
        assert!(got.accounts.iter().all(|a| a.date == Some(day(2021, 4, 8))));
    }

    #[test]
    fn user_lookup_with_errors() {
        let got = run(&ADAPTER, &sample("twitter-v2-jsonl/users.jsonl"));
        // data: 96 users, 91 distinct ids; errors: 8 objects (7 pinned tweets, 1 unknown user
        // id) -> one warning for the line, no reject.
        assert!(got.posts.is_empty());
        assert_eq!(got.accounts.len(), 91);
        assert_eq!(got.rows, 1);
        assert!(got.rejects.is_empty(), "{:?}", got.rejects);
        assert_eq!(got.warnings.len(), 1);
        let w = &got.warnings[0];
        assert!(w.contains(", line 1: the API reported 8 error objects"), "{w}");
        assert!(
            w.ends_with("first: Not Found Error: Could not find tweet with pinned_tweet_id: [851951598326689792]."),
            "{w}"
        );
        let a = got.accounts.iter().find(|a| a.account_id == "119369819").unwrap();
        assert_eq!(
            (a.account_handle.as_deref(), a.followers, a.date),
            (Some("dodirty78"), Some(580), Some(day(2021, 10, 23)))
        );
        assert!(got.actions.is_empty());
    }

    #[test]
    fn api_error_warnings_are_capped_per_input() {
        let pseudo = Pseudonymizer::from_key(b"0123456789abcdef");
        let cx = Ctx::new("stream.jsonl", &pseudo);
        let mut out = crate::ingest::CollectOut::new(&cx);
        // The stream's operational-disconnect object, on 12 lines.
        let line = br#"{"errors": [{"title": "operational-disconnect", "disconnect_type": "UpstreamOperationalDisconnect", "detail": "This stream has been disconnected upstream for operational reasons.", "type": "https://api.twitter.com/2/problems/operational-disconnect"}]}"#;
        for n in 1..=12 {
            ADAPTER.line(line, n, &cx, &mut out).unwrap();
        }
        assert!(out.got.rejects.is_empty());
        // 10 lines warned, then one "not listed" note, then silence.
        assert_eq!(out.got.warnings.len(), 11);
        assert_eq!(
            out.got.warnings[0],
            "stream.jsonl, line 1: the API reported 1 error object (what it could not return; the rest of the line \
             was read), first: operational-disconnect: This stream has been disconnected upstream for operational reasons."
        );
        assert_eq!(out.got.warnings[10], "stream.jsonl: more lines carry API error objects; not listed");
    }

    #[test]
    fn each_input_gets_its_own_api_error_cap() {
        // Two inputs read in one process under the same name and ingest time (the old
        // process-wide count was keyed by both, so the second input got no warning at all):
        // each gets its 10 warnings and the note.
        let pseudo = Pseudonymizer::from_key(b"0123456789abcdef");
        let cx = Ctx::new("stream.jsonl", &pseudo);
        let line = br#"{"errors": [{"title": "operational-disconnect", "detail": "Disconnected."}]}"#;
        for _ in 0..2 {
            let mut out = crate::ingest::CollectOut::new(&cx);
            for n in 1..=12 {
                ADAPTER.line(line, n, &cx, &mut out).unwrap();
            }
            assert_eq!(out.got.warnings.len(), 11, "{:?}", out.got.warnings);
            assert!(out.got.warnings[9].starts_with("stream.jsonl, line 10: the API reported 1 error object"));
            assert_eq!(out.got.warnings[10], "stream.jsonl: more lines carry API error objects; not listed");
        }
    }

    #[test]
    fn counts_hold_no_posts() {
        let got = run(&ADAPTER, &sample("twitter-v2-jsonl/counts.jsonl"));
        assert_eq!(got.rows, 1);
        assert!(got.posts.is_empty() && got.accounts.is_empty() && got.rejects.is_empty());
        assert_eq!(got.warnings.len(), 1);
        assert!(got.warnings[0].contains("counts"), "{}", got.warnings[0]);
    }

    #[test]
    fn single_tweet_samples() {
        let v = run(&ADAPTER, &sample("twitter-v2-jsonl/verified_type.jsonl"));
        let p = &v.posts[0];
        // 2022: impression_count present.
        assert_eq!(
            (p.impressions, p.reactions, p.comments, p.shares, p.quotes),
            (Some(139075), Some(745), Some(37), Some(104), Some(24))
        );
        let m = run(&ADAPTER, &sample("twitter-v2-jsonl/media_tweet.jsonl"));
        assert_eq!(m.posts[0].content_type, "video");
        let q = run(&ADAPTER, &sample("twitter-v2-jsonl/quoted_edit.jsonl"));
        let p = &q.posts[0];
        assert_eq!(p.quoted_post_id.as_deref(), Some("1576994746135764992"));
        assert_eq!(p.in_reply_to_post_id.as_deref(), Some("1576994789110992896"));
        let e = run(&ADAPTER, &sample("twitter-v2-jsonl/edited.jsonl"));
        // includes.tweets holds the edit history: still one post; `qst` kept as exported.
        assert_eq!(e.posts.len(), 1);
        assert_eq!(e.posts[0].lang.as_deref(), Some("qst"));
        let g = run(&ADAPTER, &sample("twitter-v2-jsonl/geo_tweets.jsonl"));
        assert_eq!(g.posts.len(), 2);
        // 13 hashtag entities, `harrypotter` twice: 12 distinct.
        assert_eq!(g.posts[0].hashtags.len(), 12);
        let t = run(&ADAPTER, &sample("twitter-v2-jsonl/two_tweets.jsonl"));
        assert_eq!((t.posts.len(), t.posts[0].is_repost, t.posts[0].lang.as_deref()), (1, Some(true), Some("und")));
        for f in ["cotweet.jsonl", "many_urls.jsonl", "mentions_tweet.jsonl"] {
            let got = run(&ADAPTER, &sample(&format!("twitter-v2-jsonl/{f}")));
            assert_eq!((got.posts.len(), got.rejects.len()), (1, 0), "{f}");
        }
    }

    #[test]
    fn liking_users_and_retweeters_are_actions() {
        let got = run(&ADAPTER, &fixture("liking_users.jsonl"));
        // 2 pages: 3 + 2 users who liked tweet 1440716895355764743.
        assert_eq!(got.rows, 2);
        assert!(got.posts.is_empty());
        assert_eq!(got.actions.len(), 5);
        let pseudo = Pseudonymizer::from_key(b"0123456789abcdef");
        let a = &got.actions[0];
        assert_eq!(a.action, "like");
        assert_eq!(a.post_id.as_deref(), Some("1440716895355764743"));
        assert_eq!(a.actor_id, pseudo.id("twitter", "900000000000000001"));
        assert_eq!(a.occurred_at, None);
        assert_eq!(a.action_key.as_deref(), Some("like:1440716895355764743:900000000000000001"));
        assert!(got.actions.iter().all(|a| a.action == "like" && a.platform == "twitter"));
        // Their follower counts on the retrieval day; the pinned tweet in includes is no post.
        assert_eq!(got.accounts.len(), 5);
        let two = got.accounts.iter().find(|a| a.account_id == "900000000000000002").unwrap();
        assert_eq!(
            (two.account_handle.as_deref(), two.followers, two.date),
            (Some("liker_two"), Some(4500), Some(day(2021, 9, 23)))
        );

        // The same listing flattened (one user per line, `__twarc` on each): the same actions.
        let pseudo2 = Pseudonymizer::from_key(b"0123456789abcdef");
        let cx = Ctx::new("flat_likers.jsonl", &pseudo2);
        let mut out = crate::ingest::CollectOut::new(&cx);
        let page: serde_json::Value = serde_json::from_str(
            std::fs::read_to_string(fixture("liking_users.jsonl")).unwrap().lines().next().unwrap(),
        )
        .unwrap();
        for (i, u) in page["data"].as_array().unwrap().iter().enumerate() {
            let mut u = u.clone();
            u["__twarc"] = page["__twarc"].clone();
            ADAPTER.line(u.to_string().as_bytes(), i as u64 + 1, &cx, &mut out).unwrap();
        }
        let keys: Vec<_> = out.got.actions.iter().map(|a| a.action_key.clone().unwrap()).collect();
        assert_eq!(keys, got.actions[..3].iter().map(|a| a.action_key.clone().unwrap()).collect::<Vec<_>>());
        assert_eq!(out.got.accounts.len(), 3);

        let rt = run(&ADAPTER, &fixture("retweeted_by.jsonl"));
        assert_eq!(rt.actions.len(), 2);
        assert!(rt
            .actions
            .iter()
            .all(|a| a.action == "retweet" && a.post_id.as_deref() == Some("1440713161355583489")));
        assert_eq!(rt.actions[1].action_key.as_deref(), Some("retweet:1440713161355583489:900000000000000001"));
    }

    #[test]
    fn malformed_line_is_rejected_and_the_rest_read() {
        let got = run(&ADAPTER, &fixture("malformed.jsonl"));
        // Line 1: two_tweets page (1 tweet); line 2: a missing comma; line 3: a stream object.
        assert_eq!(got.rows, 3);
        assert_eq!(got.posts.len(), 2);
        assert_eq!(got.rejects.len(), 1);
        let r = &got.rejects[0];
        assert_eq!((r.line, r.field.as_str()), (2, "(json)"));
        assert!(r.error.starts_with("invalid JSON: expected `,` or `}`"), "{}", r.error);
        assert!(r.raw.as_deref().unwrap().contains("a page cut and glued"));
        assert!(got.warnings.is_empty());
    }

    #[test]
    fn unknown_objects_and_bad_tweets() {
        let pseudo = Pseudonymizer::from_key(b"0123456789abcdef");
        let cx = Ctx::new("x.jsonl", &pseudo);
        let mut out = crate::ingest::CollectOut::new(&cx);
        let e = ADAPTER.line(br#"{"foo": 1}"#, 1, &cx, &mut out).unwrap_err();
        assert_eq!(e.field, "data");
        let e = ADAPTER.line(br#"{"data": 3}"#, 1, &cx, &mut out).unwrap_err();
        assert!(e.error.starts_with("unexpected JSON value: invalid type: integer `3`"), "{}", e.error);
        // A page whose second tweet has a bad time: that tweet is rejected, the first kept.
        // No __twarc: the author's follower count is dated by the newest tweet's day.
        let page = br#"{"data": [{"id": "1", "text": "a", "author_id": "9", "created_at": "2021-09-22T23:37:29.000Z"},
                                 {"id": "2", "text": "b", "author_id": "9", "created_at": "yesterday"}],
                        "includes": {"users": [{"id": "9", "username": "Nine", "public_metrics": {"followers_count": 12}}]}}"#;
        ADAPTER.line(page, 4, &cx, &mut out).unwrap();
        assert_eq!(out.got.posts.len(), 1);
        assert_eq!(out.got.posts[0].followers, Some(12));
        assert_eq!(out.got.accounts, vec![snap("9", Some("Nine"), Some(day(2021, 9, 22)), Some(12))]);
        assert_eq!(out.got.rows, 1);
        let r = &out.got.rejects[0];
        assert_eq!((r.line, r.field.as_str()), (4, "data[1].created_at"));
        assert!(r.error.contains("found 'yesterday'"));
    }

    #[test]
    fn detects_its_samples_and_not_others() {
        for f in [
            "brexit.jsonl",
            "cotweet.jsonl",
            "counts.jsonl",
            "edited.jsonl",
            "flat.jsonl",
            "geo_tweets.jsonl",
            "many_urls.jsonl",
            "media_tweet.jsonl",
            "mentions_tweet.jsonl",
            "quoted_edit.jsonl",
            "streaming_output_with_error.jsonl",
            "two_tweets.jsonl",
            "users.jsonl",
            "verified_type.jsonl",
        ] {
            let path = sample(&format!("twitter-v2-jsonl/{f}"));
            assert!(detect_file(&ADAPTER, &path) >= 70, "{f}");
            // The whole registry agrees (no other adapter claims it more strongly).
            assert_eq!(detected(&path), Some("twitter-v2-jsonl"), "{f}");
        }
        for f in ["liking_users.jsonl", "retweeted_by.jsonl", "malformed.jsonl"] {
            assert_eq!(detected(&fixture(f)), Some("twitter-v2-jsonl"), "{f}");
        }
        let others = other_inputs(&["twitter-v2-jsonl"]);
        assert!(others.len() > 40, "{others:?}");
        for p in others {
            assert_eq!(detect_file(&ADAPTER, &p), 0, "{p}");
        }
    }

}
