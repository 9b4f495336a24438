//! `twitter-v2-jsonl`: what twarc2 writes from the Twitter API v2 (FORMATS.md), one JSON
//! object per line. Collected posts, platform `twitter`.
//!
//! Line shapes (the layouts of DocNow/twarc2 and of the samples in `samples/twitter-v2/`):
//! - a response page: `data[]` tweets, `includes.users/tweets/media`, `meta`, `__twarc`
//!   (`url`, `version`, `retrieved_at`), sometimes `errors[]`;
//! - the filtered-stream form: `data` is ONE tweet, plus `includes` and `matching_rules`;
//! - the flattened form (`twarc2 flatten`): one tweet per line with `author`,
//!   `in_reply_to_user`, `attachments.media`, mention users and whole referenced tweets
//!   embedded in it (and `__twarc` on the tweet);
//! - user pages (`twarc2 users`, `followers`, `following`, `liking-users`,
//!   `retweeted-by`): `data[]` of user objects -> `accounts` rows; when `__twarc.url` is
//!   `.../2/tweets/<id>/liking_users` or `/retweeted_by`, each user is also a `like` /
//!   `retweet` action on post `<id>` (time unknown: `occurred_at` null; key
//!   `like:<post>:<user>` / `retweet:<post>:<user>`);
//! - counts (`twarc2 counts`): `data[]` of `{start, end, tweet_count}`: recognised, they hold
//!   no posts (one warning per file).
//!
//! Mapping and the readings chosen where the spec leaves room:
//! - Only `data` tweets become posts; `includes.tweets` only resolve references (METRICS.md
//!   §10.3). Every user object with `public_metrics` (included, author, mentioned, embedded)
//!   is an `accounts` row dated by `__twarc.retrieved_at`, else by the newest `created_at`
//!   of the line's tweets (the counts are as of collection, which is after that).
//! - A retweet is `is_repost` with `reposted_post_id`; ALL its engagement figures
//!   (reactions, comments, shares, quotes, saves, impressions) are null: the API repeats the
//!   original's (METRICS.md §10.3). Its `text`, `hashtags`, `mentions`, `urls` and media come
//!   from the retweeted tweet when the line includes it (as twarc-csv's default
//!   `--merge-retweets` does): the v2 retweet text is cut at 140 characters, so its own
//!   entities miss the hashtags past the cut. `followers`, `lang`, `created_at` stay the
//!   retweet's own. Without the original in the line, the retweet's own fields are used.
//! - `in_reply_to_account` is the replied-to user's handle (lower-cased) when the line
//!   has that user (`includes.users` or the flattened `in_reply_to_user`), else the raw
//!   `in_reply_to_user_id`.
//! - `content_type`: two or more media -> `album`; one medium -> `photo`, or `video` for
//!   `video` and `animated_gif`; the media type comes from `includes.media` (flattened:
//!   `attachments.media`), else from the media key's prefix (`3_` photo, `7_`/`13_` video,
//!   `16_` animated_gif), as media of retweeted tweets are often absent from `includes`;
//!   else `link` when a URL points outside Twitter (a quote's link to the quoted tweet and
//!   a photo's `pic.twitter.com` link do not make a link post); else `text`. Polls are `text`.
//! - `hashtags` (`entities.hashtags[].tag`) and `mentions` (`entities.mentions[].username`)
//!   are lower-cased, `urls` are `expanded_url` else `url`; each list without repeats, in
//!   order of first use. `lang` as exported (`und` kept), null when absent.
//! - `errors[]` objects: one reject each (field `errors`, the error's title and detail, raw
//!   = the object's JSON) and one extra counted row each; the page's data is still read.
//!   A line the JSON parser cannot read is a reject, a truncated last line a warning
//!   (the driver does that from `LineError::eof`).
//!
//! Speed: each line is deserialized once into typed structs that borrow the line's
//! strings (no `serde_json::Value`); fields we don't read are skipped by serde.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Mutex;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::ingest::{read_lines, Adapter, Ctx, Input, LineAdapter, LineError, Out, Probe, Reject, Writes};
use crate::ingest::{util, FileError, MAX_RAW_REJECT};
use crate::model::{AccountSnap, Action, Day, Post};

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
    author: Option<User<'a>>,
    #[serde(borrow)]
    in_reply_to_user: Option<User<'a>>,
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

// ---------------------------------------------------------------- shared with twitter-csv

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

/// At most one "counts hold no posts" warning per input, even when the driver reads the
/// file in several ranges: the inputs already warned about, by (source file, ingest time).
static COUNTS_WARNED: Mutex<Vec<(String, i64)>> = Mutex::new(Vec::new());

pub(crate) fn warn_counts_once(cx: &Ctx, out: &mut dyn Out) {
    let key = (cx.source_file.clone(), cx.ingested_at.0);
    let mut seen = COUNTS_WARNED.lock().unwrap_or_else(|p| p.into_inner());
    if seen.contains(&key) {
        return;
    }
    seen.push(key);
    out.warn(format!(
        "{}: tweet counts (twarc2 counts: start, end, tweet_count) hold no posts; nothing ingested from them",
        cx.source_file
    ));
}

// ---------------------------------------------------------------- reading a line

impl LineAdapter for TwitterV2Jsonl {
    fn line(&self, line: &[u8], lineno: u64, cx: &Ctx, out: &mut dyn Out) -> Result<(), LineError> {
        let obj: Obj = serde_json::from_slice(line).map_err(|e| json_error(&e))?;
        for raw in list(&obj.errors) {
            out.rows(1);
            out.reject(api_error(raw, lineno));
        }
        let mut r = LineReader { cx, out, lineno, line, retrieved: obj.retrieved_day() };
        if let Some(Many(items)) = &obj.data {
            r.page(&obj, items);
        } else if obj.is_tweet() {
            r.flat_tweet(&obj).map_err(|(field, error)| LineError::new(field, error))?;
        } else if obj.is_user() {
            let followers = obj.public_metrics.as_ref().and_then(|m| m.followers_count);
            if let (Some(id), Some(f)) = (obj.id.as_deref(), followers) {
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

fn api_error(raw: &RawValue, lineno: u64) -> Reject {
    let (title, detail) = match serde_json::from_str::<ApiError>(raw.get()) {
        Ok(e) => (e.title.map(|s| s.0.into_owned()), e.detail.map(|s| s.0.into_owned())),
        Err(_) => (None, None),
    };
    let error = match (title, detail) {
        (Some(t), Some(d)) => format!("API error: {t}: {d}"),
        (Some(t), None) | (None, Some(t)) => format!("API error: {t}"),
        (None, None) => "API error object without title or detail".to_string(),
    };
    Reject { line: lineno, field: "errors".into(), error, raw: Some(util::cut(raw.get(), MAX_RAW_REJECT)) }
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
    users: HashMap<&'p str, &'p User<'a>>,
    tweets: HashMap<&'p str, &'p Obj<'a>>,
    media: HashMap<&'p str, &'p str>,
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
        let newest = items.iter().filter(|t| t.is_tweet()).filter_map(|t| t.created_at.as_deref()).filter_map(util::parse_iso).max();
        let day = self.retrieved.or(newest.map(|m| m.utc_day()));
        let engagers = page.twarc.as_ref().and_then(|t| t.url.as_deref()).and_then(engagers_endpoint);
        let mut seen_users: HashSet<&str> = HashSet::new();
        let mut counts = false;
        for (i, t) in items.iter().enumerate() {
            if t.is_tweet() {
                match build_post(t, &lk) {
                    Ok(p) => self.out.post(p),
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
                if let Some(f) = t.public_metrics.as_ref().and_then(|m| m.followers_count) {
                    self.out.account(snap(id, t.username.as_deref(), day, Some(f)));
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
        for (id, u) in &lk.users {
            if seen_users.contains(id) {
                continue;
            }
            if let Some(f) = u.public_metrics.as_ref().and_then(|m| m.followers_count) {
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
        let mut seen: HashSet<&str> = HashSet::new();
        for u in users {
            let (Some(id), Some(f)) = (u.id.as_deref(), u.public_metrics.as_ref().and_then(|m| m.followers_count)) else {
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
    out.extend(t.author.as_ref());
    out.extend(t.in_reply_to_user.as_ref());
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
            ("created_at".to_string(), format!("expected an ISO 8601 time like 2021-09-22T16:37:29.000Z, found '{s}'"))
        })?),
    };
    let author_id = t.author_id.as_deref();
    let author: Option<&User> = t.author.as_ref().or_else(|| author_id.and_then(|a| lk.users.get(a).copied()));

    let mut reposted = None;
    let mut quoted = None;
    let mut replied = None;
    let mut original: Option<&Obj> = None;
    for r in list(&t.referenced_tweets) {
        let rid = r.id.as_deref().map(str::to_string);
        match r.kind.as_deref() {
            Some("retweeted") => {
                // Flattened: the referenced tweet is embedded whole; pages: look it up.
                original = if r.text.is_some() { Some(r) } else { r.id.as_deref().and_then(|i| lk.tweets.get(i).copied()) };
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
            media.extend(embedded.iter().map(|m| m.kind.as_deref().or(m.media_key.as_deref().and_then(media_type_of_key))));
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
        followers: author.and_then(|a| a.public_metrics.as_ref()).and_then(|m| m.followers_count),
        impressions: m(|m| m.impression_count),
        reactions: m(|m| m.like_count),
        comments: m(|m| m.reply_count),
        shares: m(|m| m.retweet_count),
        quotes: m(|m| m.quote_count),
        saves: m(|m| m.bookmark_count),
        ..Default::default()
    })
}
