//! `twitter-v2-jsonl` writer: twarc2 output, one API v2 response page per line: `data[]`
//! tweets, `includes.users` (authors, replied-to and retweeted users), `includes.tweets`
//! (the originals that retweets, quotes and replies reference), `includes.media`, `meta`,
//! `__twarc` (docs/formats.md; the layout of `tests/fixtures/real/twitter-v2-jsonl/`). Also the `liking-users`
//! output: pages of user objects whose `__twarc.url` names the liked tweet.
//!
//! Pages are written as they fill (at most 100 tweets, as the search endpoint returns),
//! so a collection of any size streams.

use std::collections::BTreeMap;
use std::io::{self, Write};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// Twitter's epoch for snowflake ids (2010-11-04T01:42:54.657Z).
const TWEPOCH_MS: i64 = 1_288_834_974_657;

/// A snowflake id for a tweet created at `t` (`seq` keeps ids of one millisecond apart).
pub fn snowflake(t: DateTime<Utc>, seq: u64) -> u64 {
    (((t.timestamp_millis() - TWEPOCH_MS) as u64) << 22) | (seq & 0x3f_ffff)
}

pub fn api_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S.000Z").to_string()
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: u64,
    pub username: String,
    pub name: String,
    pub followers: u64,
    pub following: u64,
    pub tweets: u64,
    pub created_at: DateTime<Utc>,
    pub verified: bool,
    pub location: &'static str,
}

impl User {
    pub fn json(&self) -> Value {
        json!({
            "id": self.id.to_string(), "username": self.username, "name": self.name,
            "created_at": api_time(self.created_at), "description": "", "location": self.location,
            "protected": false, "verified": self.verified, "url": "",
            "profile_image_url": format!("https://pbs.twimg.com/profile_images/{}/avatar_normal.jpg", self.id),
            "public_metrics": {"followers_count": self.followers, "following_count": self.following,
                               "tweet_count": self.tweets, "listed_count": self.followers / 200},
        })
    }
}

#[derive(Clone, Debug)]
pub struct Tweet {
    pub id: u64,
    pub author_id: u64,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub lang: &'static str,
    /// (type: retweeted / quoted / replied_to, tweet id).
    pub referenced: Option<(&'static str, u64)>,
    pub in_reply_to_user_id: Option<u64>,
    pub conversation_id: u64,
    /// (media key, type photo / video).
    pub media: Option<(String, &'static str)>,
    /// Expanded URLs in the text (each appears in it as a t.co link).
    pub urls: Vec<(String, String)>,
    /// (retweets, replies, likes, quotes).
    pub metrics: (u64, u64, u64, u64),
    /// Mentioned users (handle, id) in order of appearance.
    pub mentions: Vec<(String, u64)>,
}

/// Character (not byte) offsets of `needle` in `text`, as the API gives entity positions.
fn span(text: &str, needle: &str) -> Option<(usize, usize)> {
    let b = text.find(needle)?;
    let start = text[..b].chars().count();
    Some((start, start + needle.chars().count()))
}

impl Tweet {
    pub fn json(&self) -> Value {
        let mut entities = serde_json::Map::new();
        let tags: Vec<Value> = hashtags(&self.text)
            .into_iter()
            .filter_map(|t| span(&self.text, &format!("#{t}")).map(|(s, e)| json!({"start": s, "end": e, "tag": t})))
            .collect();
        if !tags.is_empty() {
            entities.insert("hashtags".into(), Value::Array(tags));
        }
        let ments: Vec<Value> = self
            .mentions
            .iter()
            .filter_map(|(h, id)| {
                span(&self.text, &format!("@{h}"))
                    .map(|(s, e)| json!({"start": s, "end": e, "username": h, "id": id.to_string()}))
            })
            .collect();
        if !ments.is_empty() {
            entities.insert("mentions".into(), Value::Array(ments));
        }
        let urls: Vec<Value> = self
            .urls
            .iter()
            .filter_map(|(tco, expanded)| {
                span(&self.text, tco).map(|(s, e)| {
                    json!({"start": s, "end": e, "url": tco, "expanded_url": expanded,
                           "display_url": expanded.trim_start_matches("https://").trim_start_matches("http://")})
                })
            })
            .collect();
        if !urls.is_empty() {
            entities.insert("urls".into(), Value::Array(urls));
        }
        let mut o = json!({
            "id": self.id.to_string(), "text": self.text, "author_id": self.author_id.to_string(),
            "created_at": api_time(self.created_at), "lang": self.lang,
            "conversation_id": self.conversation_id.to_string(), "possibly_sensitive": false,
            "reply_settings": "everyone", "source": "Twitter Web Client",
            "public_metrics": {"retweet_count": self.metrics.0, "reply_count": self.metrics.1,
                               "like_count": self.metrics.2, "quote_count": self.metrics.3},
        });
        let m = o.as_object_mut().expect("object");
        if !entities.is_empty() {
            m.insert("entities".into(), Value::Object(entities));
        }
        if let Some((kind, id)) = self.referenced {
            m.insert("referenced_tweets".into(), json!([{"type": kind, "id": id.to_string()}]));
        }
        if let Some(u) = self.in_reply_to_user_id {
            m.insert("in_reply_to_user_id".into(), json!(u.to_string()));
        }
        if let Some((key, _)) = &self.media {
            m.insert("attachments".into(), json!({"media_keys": [key]}));
        }
        o
    }
}

/// The `#tag` words of a text (letters, digits, underscore), in order, without repeats.
pub fn hashtags(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in text.split('#').skip(1) {
        let tag: String = part.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if !tag.is_empty() && !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}

/// A search collection being written, one page per line.
pub struct Collection<'w> {
    w: &'w mut dyn Write,
    query: String,
    data: Vec<Value>,
    users: BTreeMap<u64, Value>,
    tweets: BTreeMap<u64, Value>,
    media: BTreeMap<String, Value>,
    newest: u64,
    oldest: u64,
    pages: u64,
}

pub const PAGE_SIZE: usize = 100;

impl<'w> Collection<'w> {
    pub fn new(w: &'w mut dyn Write, query: &str) -> Self {
        Collection {
            w,
            query: query.to_string(),
            data: Vec::new(),
            users: BTreeMap::new(),
            tweets: BTreeMap::new(),
            media: BTreeMap::new(),
            newest: 0,
            oldest: u64::MAX,
            pages: 0,
        }
    }

    /// Adds a tweet with the users and referenced tweets its page must include.
    pub fn push(
        &mut self,
        t: &Tweet,
        users: &[&User],
        referenced: Option<&Tweet>,
        retrieved: DateTime<Utc>,
    ) -> io::Result<()> {
        self.data.push(t.json());
        self.newest = self.newest.max(t.id);
        self.oldest = self.oldest.min(t.id);
        for u in users {
            self.users.entry(u.id).or_insert_with(|| u.json());
        }
        for tw in [Some(t), referenced].into_iter().flatten() {
            if let Some((key, kind)) = &tw.media {
                self.media.entry(key.clone()).or_insert_with(|| json!({"media_key": key, "type": kind}));
            }
        }
        if let Some(r) = referenced {
            self.tweets.entry(r.id).or_insert_with(|| r.json());
        }
        if self.data.len() >= PAGE_SIZE {
            self.flush(retrieved)?;
        }
        Ok(())
    }

    /// Writes the page being filled (if any), as collected at `retrieved`.
    pub fn flush(&mut self, retrieved: DateTime<Utc>) -> io::Result<()> {
        if self.data.is_empty() {
            return Ok(());
        }
        self.pages += 1;
        // The search endpoint returns newest first.
        self.data.reverse();
        let mut includes = serde_json::Map::new();
        includes.insert("users".into(), Value::Array(std::mem::take(&mut self.users).into_values().collect()));
        if !self.tweets.is_empty() {
            includes.insert("tweets".into(), Value::Array(std::mem::take(&mut self.tweets).into_values().collect()));
        }
        if !self.media.is_empty() {
            includes.insert("media".into(), Value::Array(std::mem::take(&mut self.media).into_values().collect()));
        }
        let n = self.data.len();
        let page = json!({
            "data": std::mem::take(&mut self.data),
            "includes": includes,
            "meta": {"newest_id": self.newest.to_string(), "oldest_id": self.oldest.to_string(),
                     "result_count": n,
                     "next_token": format!("b26v89c19zqg8o3f{:016x}", self.pages)},
            "__twarc": {"url": format!("https://api.twitter.com/2/tweets/search/all?query={}&max_results=100", self.query),
                        "version": "2.10.4", "retrieved_at": retrieved.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()},
        });
        serde_json::to_writer(&mut *self.w, &page)?;
        self.w.write_all(b"\n")?;
        self.newest = 0;
        self.oldest = u64::MAX;
        Ok(())
    }
}

/// One page of `twarc2 liking-users <tweet id>`: the users who liked the tweet.
pub fn write_liking_users(
    w: &mut dyn Write,
    tweet_id: u64,
    users: &[User],
    retrieved: DateTime<Utc>,
) -> io::Result<()> {
    let page = json!({
        "data": users.iter().map(User::json).collect::<Vec<_>>(),
        "meta": {"result_count": users.len()},
        "__twarc": {"url": format!("https://api.twitter.com/2/tweets/{tweet_id}/liking_users?user.fields=created_at%2Cdescription%2Cid%2Clocation%2Cname%2Cprotected%2Cpublic_metrics%2Curl%2Cusername%2Cverified&max_results=100"),
                    "version": "2.10.4", "retrieved_at": retrieved.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()},
    });
    serde_json::to_writer(&mut *w, &page)?;
    w.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowflakes_encode_the_time() {
        let t = chrono::DateTime::parse_from_rfc3339("2012-10-01T12:00:00Z").unwrap().with_timezone(&Utc);
        let id = snowflake(t, 5);
        assert_eq!(((id >> 22) as i64) + TWEPOCH_MS, t.timestamp_millis());
        assert!(snowflake(t, 6) > id);
    }

    #[test]
    fn entity_offsets_count_characters() {
        // "é" is 2 bytes but one character: "#tag" starts at character 5.
        assert_eq!(span("café #tag", "#tag"), Some((5, 9)));
        assert_eq!(hashtags("#a b #c_1, #a"), vec!["a", "c_1"]);
    }
}
