//! `twitter-v1-json`: collected Twitter API v1.1 statuses (search, timelines, streams) and
//! user objects: a JSON array, one object, a search response, or one JSON value per line.
//!
//! Readings to keep:
//! - Layout decided from content: `[` or a first line that is not a whole value → read whole; else streamed by line.
//! - Not a [`LineAdapter`](crate::ingest::LineAdapter): the driver would cut pretty-printed files.
//! - Ids from `*_str` fields; the number only when the string is absent and exact.
//! - text: `extended_tweet.full_text`, else `full_text`, else `text`; HTML entities not decoded.
//! - Entities from `extended_tweet.entities`, else `entities`, else python-twitter's top-level lists.
//! - `content_type`: video (video/GIF), photo (several stay photo), link outside status permalinks, else text.
//! - favorite → reactions, retweet → shares, reply → comments, quote → quotes; absent is null.
//! - A retweet is `is_repost` + `reposted_post_id`, engagement null; embedded originals/quotes are not posts.
//! - `followers` + an [`AccountSnap`] dated the status's UTC day; embedded users snapped the same day.
//! - A bare user object gives an [`AccountSnap`] with a null date.
//! - Stream control messages counted and skipped (one warning), not rejected.
//!
//! User docs: docs/formats.md#twitter-v1-json, docs/lake.md#posts.

use std::io::{BufRead, BufReader, Read};
use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::ingest::common::twitter::{
    count, created_at, entities, ferr, id_field, json_kind, status_text, str_field, FieldError, LineCounter,
};
use crate::ingest::common::util;
use crate::ingest::{Adapter, Ctx, FileError, Input, Out, Probe, Reject, Warning, Writes, MAX_RAW_REJECT};
use crate::model::{AccountSnap, Day, Micros, Post};

pub struct TwitterV1Json;

pub static ADAPTER: TwitterV1Json = TwitterV1Json;

const PLATFORM: &str = "twitter";

/// Keys of the streaming API's non-status messages.
const CONTROL_KEYS: &[&str] = &[
    "delete",
    "limit",
    "scrub_geo",
    "status_withheld",
    "user_withheld",
    "disconnect",
    "warning",
    "friends",
    "friends_str",
    "event",
    "control",
    "for_user",
];

fn v1_created_at_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#""created_at"\s*:\s*"[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} [+-]\d{4} \d{4}""#)
            .expect("static regex")
    })
}

impl Adapter for TwitterV1Json {
    fn name(&self) -> &'static str {
        "twitter-v1-json"
    }
    fn about(&self) -> &'static str {
        "Twitter API v1.1 statuses/users: JSON array, one object, search response or one per line (streaming)"
    }
    fn writes(&self) -> Writes {
        Writes::Posts
    }
    fn detect(&self, probe: &Probe) -> u8 {
        if probe.is_dir || !probe.entries.is_empty() {
            return 0;
        }
        let head = probe.head.trim_start();
        if !(head.starts_with('{') || head.starts_with('[')) {
            return 0;
        }
        // v1.1 objects carry `id_str` and the `Thu Nov 03 08:50:26 +0000 2022` time layout;
        // API v2 (twarc2) has neither, Graph API has neither.
        if head.contains("\"id_str\"") && v1_created_at_re().is_match(head) {
            90
        } else {
            0
        }
    }
    fn read(&self, input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
        let mut st = Stats::default();
        let mut file = input.open()?;
        let mut head = [0u8; 4];
        let n = file.read(&mut head).map_err(|e| FileError::io(&cx.source_file, &e))?;
        let utf16 = n >= 2 && (head[..2] == [0xFF, 0xFE] || head[..2] == [0xFE, 0xFF])
            || n >= 4 && head[1] == 0 && head[3] == 0 && head[0] != 0;
        if utf16 {
            let text = input.read_text()?;
            read_text_whole_or_lines(&text, cx, out, &mut st)?;
        } else {
            let file = input.open()?;
            read_stream(file, input, cx, out, &mut st)?;
        }
        st.finish(cx, out);
        Ok(())
    }
}

#[derive(Default)]
struct Stats {
    control: u64,
}

impl Stats {
    fn finish(&self, cx: &Ctx, out: &mut dyn Out) {
        if self.control > 0 {
            out.warn(format!(
                "{}: {} stream message(s) that are not statuses (delete, limit, ...) skipped",
                cx.source_file, self.control
            ));
        }
    }
}

/// Chooses between whole-file and line-by-line reading from the first line.
fn read_stream(
    file: std::fs::File,
    input: &Input,
    cx: &Ctx,
    out: &mut dyn Out,
    st: &mut Stats,
) -> Result<(), FileError> {
    let mut r = BufReader::with_capacity(1 << 20, file);
    let mut first = Vec::new();
    r.read_until(b'\n', &mut first).map_err(|e| FileError::io(&cx.source_file, &e))?;
    let body = first.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&first);
    let trimmed = trim_ascii(body);
    if trimmed.is_empty() || trimmed[0] == b'[' || is_incomplete_json(trimmed) {
        // Empty first line, an array, or a pretty-printed value: read the file whole.
        drop(r);
        let text = input.read_text()?;
        return read_whole(&text, cx, out, st);
    }
    // One JSON value per line, streamed.
    let mut buf = first;
    let mut lineno = 0u64;
    loop {
        if lineno > 0 {
            buf.clear();
            let n = r.read_until(b'\n', &mut buf).map_err(|e| FileError::io(&cx.source_file, &e))?;
            if n == 0 {
                break;
            }
        }
        lineno += 1;
        let terminated = buf.last() == Some(&b'\n');
        let mut line: &[u8] = &buf;
        if lineno == 1 {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        let line = trim_ascii(line);
        if line.is_empty() {
            continue;
        }
        let at_end = !terminated && r.fill_buf().map(|b| b.is_empty()).unwrap_or(true);
        one_line(line, lineno, at_end, cx, out, st);
    }
    Ok(())
}

/// In-memory text (decoded UTF-16): the same choice as [`read_stream`].
fn read_text_whole_or_lines(text: &str, cx: &Ctx, out: &mut dyn Out, st: &mut Stats) -> Result<(), FileError> {
    let first = text.lines().next().unwrap_or("").trim();
    if first.is_empty() || first.starts_with('[') || is_incomplete_json(first.as_bytes()) {
        return read_whole(text, cx, out, st);
    }
    let n = text.lines().count();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if !line.is_empty() {
            one_line(line.as_bytes(), i as u64 + 1, i + 1 == n && !text.ends_with('\n'), cx, out, st);
        }
    }
    Ok(())
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !c.is_ascii_whitespace()).map_or(start, |e| e + 1);
    &b[start..end.max(start)]
}

/// True when `b` is the beginning of a JSON value that continues on later lines.
fn is_incomplete_json(b: &[u8]) -> bool {
    matches!(serde_json::from_slice::<serde::de::IgnoredAny>(b), Err(e) if e.is_eof())
}

/// One line of a JSON Lines file: a status, a user, a control message, an array or a page.
fn one_line(line: &[u8], lineno: u64, last: bool, cx: &Ctx, out: &mut dyn Out, st: &mut Stats) {
    let v: Value = match serde_json::from_slice(line) {
        Ok(v) => v,
        Err(e) if last && e.is_eof() => {
            out.warning(Warning::at(
                &cx.source_file,
                lineno,
                "the last line is truncated (an interrupted collection?); skipped",
            ));
            return;
        }
        Err(e) => {
            out.rows(1);
            out.reject(Reject {
                line: lineno,
                field: "(json)".into(),
                error: format!("invalid JSON: {e}"),
                raw: Some(util::cut(&String::from_utf8_lossy(line), MAX_RAW_REJECT)),
            });
            return;
        }
    };
    match v {
        Value::Array(items) => items.iter().for_each(|it| item(it, lineno, out, st)),
        Value::Object(ref o) if o.get("statuses").is_some_and(Value::is_array) => {
            if let Some(Value::Array(items)) = o.get("statuses") {
                items.iter().for_each(|it| item(it, lineno, out, st));
            }
        }
        v => item(&v, lineno, out, st),
    }
}

#[derive(Deserialize)]
struct SearchPage<'a> {
    #[serde(borrow)]
    statuses: Vec<&'a RawValue>,
}

/// A whole file: an array, one object (status, user, search page) or several concatenated
/// values. A syntax error stops the file: there is no line structure to resume from.
fn read_whole(text: &str, cx: &Ctx, out: &mut dyn Out, st: &mut Stats) -> Result<(), FileError> {
    let json_err = |e: serde_json::Error| cx.err_at(e.line() as u64, "(json)", format!("invalid JSON: {e}"));
    let mut lines = LineCounter::new(text);
    let mut values = Vec::new();
    for v in serde_json::Deserializer::from_str(text).into_iter::<&RawValue>() {
        values.push(v.map_err(json_err)?);
    }
    for raw in values {
        let s = raw.get();
        let items: Vec<&RawValue> = if s.starts_with('[') {
            serde_json::from_str(s).map_err(json_err)?
        } else if s.contains("\"statuses\"") {
            match serde_json::from_str::<SearchPage>(s) {
                Ok(p) => p.statuses,
                Err(_) => vec![raw],
            }
        } else {
            vec![raw]
        };
        for it in items {
            let line = lines.line_of(it.get());
            match serde_json::from_str::<Value>(it.get()) {
                Ok(v) => item(&v, line, out, st),
                Err(e) => return Err(json_err(e)),
            }
        }
    }
    Ok(())
}

/// One record: counted, then a post (+ snaps), a user snap, a skipped control message or a reject.
fn item(v: &Value, line: u64, out: &mut dyn Out, st: &mut Stats) {
    out.rows(1);
    let reject = |out: &mut dyn Out, field: &str, error: String| {
        out.reject(Reject { line, field: field.into(), error, raw: Some(util::cut(&v.to_string(), MAX_RAW_REJECT)) })
    };
    let Some(o) = v.as_object() else {
        return reject(out, "(json)", format!("expected a status object, found {}", json_kind(v)));
    };
    let is_status = o.contains_key("text") || o.contains_key("full_text") || o.contains_key("user");
    if !is_status && !o.contains_key("id_str") && CONTROL_KEYS.iter().any(|k| o.contains_key(*k)) {
        st.control += 1;
        return;
    }
    if !is_status && o.contains_key("screen_name") {
        match user_snap(v, None) {
            Ok(Some(s)) => out.account(s),
            Ok(None) => {}
            Err((f, e)) => reject(out, &f, e),
        }
        return;
    }
    match status(v) {
        Ok((post, snaps)) => {
            out.post(post);
            snaps.into_iter().for_each(|s| out.account(s));
        }
        Err((f, e)) => reject(out, &f, e),
    }
}

/// A snap of a user object; `None` when it has no follower count.
fn user_snap(u: &Value, day: Option<Day>) -> Result<Option<AccountSnap>, FieldError> {
    let followers = util::json_count(u.get("followers_count")).map_err(|e| ferr("user.followers_count", e))?;
    let Some(followers) = followers else { return Ok(None) };
    let Some(id) = id_field(u, "id_str", "id").map_err(|(f, e)| (format!("user.{f}"), e))? else {
        return Err(ferr("user.id_str", "a user object without an id"));
    };
    Ok(Some(AccountSnap {
        platform: PLATFORM.into(),
        account_id: id,
        account_handle: str_field(u, "screen_name").map(|s| util::handle(&s)),
        date: day,
        followers: Some(followers),
    }))
}

/// One v1.1 status as a collected post, with the follower snaps it carries.
fn status(v: &Value) -> Result<(Post, Vec<AccountSnap>), FieldError> {
    let post_id =
        id_field(v, "id_str", "id")?.ok_or_else(|| ferr("id_str", "a status without an id (no id_str, no id)"))?;
    let created = created_at(v)?;
    let user = v.get("user").filter(|u| u.is_object());
    let (account_id, handle, followers) = match user {
        Some(u) => (
            id_field(u, "id_str", "id").map_err(|(f, e)| (format!("user.{f}"), e))?,
            str_field(u, "screen_name").map(|s| util::handle(&s)),
            util::json_count(u.get("followers_count")).map_err(|e| ferr("user.followers_count", e))?,
        ),
        None => (None, None, None),
    };
    let rt = v.get("retweeted_status").filter(|r| r.is_object());
    let reposted = match rt {
        Some(r) => id_field(r, "id_str", "id").map_err(|(f, e)| (format!("retweeted_status.{f}"), e))?,
        None => None,
    };
    let quoted = match id_field(v, "quoted_status_id_str", "quoted_status_id")? {
        Some(q) => Some(q),
        None => match v.get("quoted_status").filter(|q| q.is_object()) {
            Some(q) => id_field(q, "id_str", "id").map_err(|(f, e)| (format!("quoted_status.{f}"), e))?,
            None => None,
        },
    };
    let ents = entities(v);
    let mut p = Post {
        platform: PLATFORM.into(),
        post_id,
        origin: "collected",
        account_id,
        account_handle: handle,
        created_at: created,
        content_type: ents.content_type(),
        text: status_text(v),
        lang: str_field(v, "lang"),
        is_repost: Some(rt.is_some()),
        in_reply_to_account: str_field(v, "in_reply_to_screen_name").map(|s| util::handle(&s)),
        quoted_post_id: quoted,
        in_reply_to_post_id: id_field(v, "in_reply_to_status_id_str", "in_reply_to_status_id")?,
        reposted_post_id: reposted,
        followers,
        hashtags: ents.hashtags,
        mentions: ents.mentions,
        urls: ents.urls,
        ..Post::default()
    };
    if rt.is_none() {
        p.reactions = count(v, "favorite_count")?;
        p.shares = count(v, "retweet_count")?;
        p.comments = count(v, "reply_count")?;
        p.quotes = count(v, "quote_count")?;
    }
    let day = created.map(Micros::utc_day);
    let mut snaps = Vec::new();
    if let Some(u) = user {
        snaps.extend(user_snap(u, day)?);
    }
    for key in ["retweeted_status", "quoted_status"] {
        if let Some(u) = v.get(key).and_then(|s| s.get("user")).filter(|u| u.is_object()) {
            // An embedded user's problem does not spoil the status itself.
            if let Ok(Some(s)) = user_snap(u, day) {
                snaps.push(s);
            }
        }
    }
    Ok((p, snaps))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Collected;

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real/twitter-v1-json/");

    fn run_path(path: &str) -> Result<Collected, FileError> {
        crate::ingest::testkit::collect_path(&ADAPTER, path)
    }

    fn run(name: &str) -> Collected {
        run_path(&format!("{DIR}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn post<'a>(c: &'a Collected, id: &str) -> &'a Post {
        c.posts.iter().find(|p| p.post_id == id).unwrap_or_else(|| panic!("no post {id}"))
    }

    fn probe_score(path: &str) -> u8 {
        crate::ingest::testkit::score(&ADAPTER, path)
    }

    #[test]
    fn every_sample_ingests_without_rejects() {
        // Statuses per file, counted with jq (`length`, `.statuses|length`, lines):
        let expect: &[(&str, usize, usize)] = &[
            ("3.2-extended_tweet_in_compat_mode.json", 1, 1),
            ("3.2-extended_tweet_in_extended_mode.json", 1, 1),
            ("get_retweets.json", 14, 14),
            ("get_search.json", 1, 1),
            ("get_search_geocode.json", 15, 15),
            ("get_status.json", 1, 1),
            ("get_status_ext_alt.json", 1, 1),
            ("get_status_promoted_video_tweet.json", 1, 1),
            ("get_status_with_place.json", 1, 1),
            ("get_user.json", 0, 1),
            ("get_user_timeline.json", 20, 20),
            ("models-status_quoted_tweet.json", 1, 1),
            ("models-status_quoted_tweet_with_media.json", 1, 1),
            ("streaming-lines.json", 72, 72),
            ("streaming-streaming_extended_tweet.json", 1, 1),
            ("users_lookup.json", 0, 1),
        ];
        for (name, posts, rows) in expect {
            let c = run(name);
            assert_eq!(c.posts.len(), *posts, "{name} posts");
            assert_eq!(c.rows, *rows as u64, "{name} rows");
            assert!(c.rejects.is_empty(), "{name}: {:?}", c.rejects);
            assert_eq!(probe_score(&format!("{DIR}{name}")), 90, "{name} detection");
            for p in &c.posts {
                assert_eq!(p.platform, "twitter");
                assert_eq!(p.origin, "collected");
                assert!(p.created_at.is_some(), "{name} {}", p.post_id);
            }
        }
    }

    #[test]
    fn retweets_have_no_engagement_of_their_own() {
        // get_retweets.json: 14 retweets of @jack's status 397 ("getting waxed!"); jq: retweeted_status.id_str is "397" in all.
        let c = run("get_retweets.json");
        assert!(c.posts.iter().all(|p| p.is_repost == Some(true)));
        let p = post(&c, "672419773767028736");
        assert_eq!(p.reposted_post_id.as_deref(), Some("397"));
        assert_eq!(p.text.as_deref(), Some("RT @jack: getting waxed!"));
        assert_eq!((p.reactions, p.shares, p.comments, p.quotes), (None, None, None, None));
        assert_eq!(p.mentions, vec!["jack"]);
        // Derived centrally: one `retweet` action per post, answering the original.
        assert_eq!(c.actions.len(), 14);
        assert!(c.actions.iter().all(|a| a.action == "retweet" && a.post_id.as_deref() == Some("397")));
    }

    #[test]
    fn timeline_fields() {
        let c = run("get_user_timeline.json");
        // 20 statuses by @dewitt, who had 6164 followers in every one of them.
        assert!(c.posts.iter().all(|p| p.account_handle.as_deref() == Some("dewitt") && p.followers == Some(6164)));
        // One snap per status (20) + the quoted status's author embedded in 671755091368546304 (xeni).
        assert_eq!(c.accounts.len(), 21);
        assert_eq!(c.accounts.iter().filter(|a| a.account_handle.as_deref() == Some("xeni")).count(), 1);
        // 675055636267298821: 6 likes, 2 retweets, a link to cnbc.com, no reply/quote counts in REST v1.1.
        let p = post(&c, "675055636267298821");
        assert_eq!((p.reactions, p.shares, p.comments, p.quotes), (Some(6), Some(2), None, None));
        assert_eq!(p.content_type, "link");
        assert_eq!(p.urls, vec!["http://www.cnbc.com/2015/12/10/2-million-mortgage-no-down-payment-no-joke.html"]);
        // Thu Dec 10 20:53:00 +0000 2015 = 1449780780 s.
        assert_eq!(p.created_at, Some(Micros(1_449_780_780_000_000)));
        assert_eq!(p.is_repost, Some(false));
        // A reply to @hemos's 674419054686310401.
        let r = post(&c, "674419418957406208");
        assert_eq!(r.in_reply_to_post_id.as_deref(), Some("674419054686310401"));
        assert_eq!(r.in_reply_to_account.as_deref(), Some("hemos"));
        // A quote of xeni's 671749140251090944: its only URL is the quoted permalink -> text.
        let q = post(&c, "671755091368546304");
        assert_eq!(q.quoted_post_id.as_deref(), Some("671749140251090944"));
        assert_eq!(q.content_type, "text");
        // Media: 670676153867198464 is an animated GIF -> video; 674396959923298304 a photo.
        assert_eq!(post(&c, "670676153867198464").content_type, "video");
        assert_eq!(post(&c, "674396959923298304").content_type, "photo");
        // #Patriots
        assert_eq!(post(&c, "671152835321446400").hashtags, vec!["patriots"]);
        // Actions: 8 replies, 1 quote, 11 plain posts (no targets configured).
        let n = |a: &str| c.actions.iter().filter(|x| x.action == a).count();
        assert_eq!((n("reply"), n("quote"), n("post")), (8, 1, 11));
    }

    #[test]
    fn ids_above_2_pow_53_come_from_id_str() {
        // get_status_ext_alt.json: "id": 724441953534877696 (> 2^53 = 9007199254740992);
        // a float conversion would give 724441953534877700.
        let c = run("get_status_ext_alt.json");
        assert_eq!(c.posts[0].post_id, "724441953534877696");
        assert_eq!(c.posts[0].content_type, "photo");
        assert_eq!((c.posts[0].reactions, c.posts[0].shares), (Some(43), Some(28)));
    }

    #[test]
    fn extended_and_streaming_text() {
        // Extended mode: full_text, and extended_entities.media is a photo.
        let c = run("3.2-extended_tweet_in_extended_mode.json");
        let p = &c.posts[0];
        assert!(p.text.as_deref().unwrap().starts_with("has more details about these changes."));
        assert_eq!(p.content_type, "photo");
        // Streaming with extended_tweet: the full text, not the truncated `text`.
        let c = run("streaming-streaming_extended_tweet.json");
        let v: Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{DIR}streaming-streaming_extended_tweet.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(c.posts[0].text.as_deref(), v["extended_tweet"]["full_text"].as_str());
        assert_ne!(c.posts[0].text.as_deref(), v["text"].as_str());
        // The streaming payload has reply_count and quote_count (0 here, not null).
        assert_eq!((c.posts[0].comments, c.posts[0].quotes), (Some(0), Some(0)));
        // The promoted video tweet: extended_entities.media[0].type == "video".
        assert_eq!(run("get_status_promoted_video_tweet.json").posts[0].content_type, "video");
    }

    #[test]
    fn streaming_lines() {
        let c = run("streaming-lines.json");
        // 72 lines, 72 statuses: jq counts 33 replies, 8 quotes (quoted_status_id_str), 0 retweets.
        assert_eq!(c.posts.iter().filter(|p| p.in_reply_to_post_id.is_some()).count(), 33);
        assert_eq!(c.posts.iter().filter(|p| p.quoted_post_id.is_some()).count(), 8);
        assert!(c.posts.iter().all(|p| p.comments.is_some() && p.quotes.is_some()));
        // Snaps: 72 authors + the users of the 8 embedded quoted statuses = 80.
        assert_eq!(c.accounts.len(), 80);
        assert!(c.warnings.is_empty());
    }

    #[test]
    fn flattened_python_twitter_dict() {
        // get_status_with_place.json: python-twitter's AsDict(), pretty-printed over 184 lines,
        // top-level "urls" holds the quoted permalink, no favorite/retweet counts -> null.
        let c = run("get_status_with_place.json");
        let p = &c.posts[0];
        assert_eq!(p.post_id, "1051204790334746624");
        assert_eq!(p.quoted_post_id.as_deref(), Some("1050848124036685824"));
        assert_eq!(p.urls, vec!["https://twitter.com/iamodeal/status/1050848124036685824"]);
        assert_eq!(p.content_type, "text");
        assert_eq!((p.reactions, p.shares), (None, None));
        assert_eq!((p.account_handle.as_deref(), p.followers), (Some("haleypaolini"), Some(15571)));
        // The author (15571) and the quoted status's author (iamodeal, 2680), both on 2018-10-13.
        let day = Day::from_naive(chrono::NaiveDate::from_ymd_opt(2018, 10, 13).unwrap());
        let got: Vec<_> = c.accounts.iter().map(|a| (a.account_handle.as_deref(), a.followers, a.date)).collect();
        assert_eq!(
            got,
            vec![(Some("haleypaolini"), Some(15571), Some(day)), (Some("iamodeal"), Some(2680), Some(day))]
        );
    }

    #[test]
    fn user_objects_give_accounts_only() {
        for name in ["get_user.json", "users_lookup.json"] {
            let c = run(name);
            assert!(c.posts.is_empty());
            assert_eq!(c.accounts.len(), 1);
            let a = &c.accounts[0];
            // kesuke (718443): 22 followers; no observation date in a user object.
            assert_eq!(
                (a.account_id.as_str(), a.account_handle.as_deref(), a.followers, a.date),
                ("718443", Some("kesuke"), Some(22), None)
            );
        }
    }

    #[test]
    fn control_messages_bad_lines_and_truncation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stream.jsonl");
        let good = std::fs::read_to_string(format!("{DIR}streaming-lines.json")).unwrap();
        let mut lines: Vec<&str> = good.lines().take(2).collect();
        lines.insert(1, r#"{"delete":{"status":{"id":1,"id_str":"1","user_id":3,"user_id_str":"3"}}}"#);
        lines.push(r#"{"limit":{"track":12,"timestamp_ms":"1520690595660"}}"#);
        lines.push(r#"{"id_str":"5","created_at":"not a date","text":"x","user":{"id_str":"9"}}"#);
        lines.push(r#"{"id_str":"6","text":"cut here"#);
        std::fs::write(&path, lines.join("\n")).unwrap();
        let c = run_path(path.to_str().unwrap()).unwrap();
        // 6 lines: 2 statuses, 2 control messages (counted, skipped), 1 bad date, 1 truncated
        // last line (a warning, not a row).
        assert_eq!(c.posts.len(), 2);
        assert_eq!(c.rows, 5);
        assert_eq!(c.rejects.len(), 1);
        assert_eq!((c.rejects[0].line, c.rejects[0].field.as_str()), (5, "created_at"));
        assert!(c.rejects[0].error.contains("not a date"), "{}", c.rejects[0].error);
        assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
        assert!(c.warnings.iter().any(|w| w.contains("line 6") && w.contains("truncated")));
        assert!(c.warnings.iter().any(|w| w.contains("2 stream message")));
    }

    #[test]
    fn broken_pretty_file_is_a_file_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.json");
        std::fs::write(&path, "[\n {\"id_str\": \"1\",\n  \"text\": oops}\n]").unwrap();
        let e = run_path(path.to_str().unwrap()).unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.msg.contains("invalid JSON"), "{e}");
        assert!(e.file.ends_with("bad.json"));
    }

    #[test]
    fn array_elements_get_their_own_line_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("arr.json");
        std::fs::write(
            &path,
            "[\n{\"id_str\":\"1\",\"text\":\"a\",\"created_at\":\"Thu Nov 03 08:50:26 +0000 2022\"},\n\
             {\"id_str\":\"2\",\"text\":\"b\",\"favorite_count\":\"many\"}\n]",
        )
        .unwrap();
        let c = run_path(path.to_str().unwrap()).unwrap();
        assert_eq!((c.posts.len(), c.rows), (1, 2));
        assert_eq!((c.rejects[0].line, c.rejects[0].field.as_str()), (3, "favorite_count"));
    }

    #[test]
    fn not_detected_on_other_formats() {
        let s = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real/");
        for f in [
            "twitter-v2-jsonl/two_tweets.jsonl",
            "twitter-v2-jsonl/flat.jsonl",
            "twitter-v2-jsonl/users.jsonl",
            "twitter-csv/two_tweets.csv",
            "twitter-analytics-csv/twitter_activity_metrics_20150901_20151001.csv",
            "facebook-graph-json/v2_1-feed-got.json",
            "instagram-graph-json/instagram-media-image.json",
            "ua-csv/google-metrics-all-referrer.csv",
        ] {
            assert_eq!(probe_score(&format!("{s}{f}")), 0, "{f}");
        }
    }
}
