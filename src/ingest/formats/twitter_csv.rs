//! `twitter-csv`: the CSV files of twarc-csv, made from twarc2 output. Collected posts,
//! platform `twitter`, mapped as `twitter-v2-jsonl` so one collection in both encodings
//! gives the same posts.
//!
//! Readings to keep:
//! - Current set (dotted columns): the two characters `\n` in text become line breaks.
//! - Early 2021 set: entities as API object lists, JSON-encoded text decoded.
//! - Early-set rows with a non-empty `type` are inlined references: no posts (one warning), follower counts kept.
//! - User sets → `accounts` only; `liking_users` / `retweeted_by` listings also give like / retweet actions.
//! - Counts sets: recognised, no posts, one warning.
//! - Merged retweets keep the original's text/entities/media, drop its metrics: engagement null.
//! - Media URL entities are twarc-csv's `display_url`, so `urls` differ from the JSON on media posts.
//! - `in_reply_to_account` = `in_reply_to_username` lower-cased, else `in_reply_to_user_id`.
//! - Follower counts → `accounts` dated `__twarc.retrieved_at`, else `created_at`.
//! - Rejects carry the physical line where the record starts.
//!
//! User docs: docs/formats.md#twitter-csv.

use crate::ingest::common::encoding::LineFix;
use std::io::{BufRead, BufReader, Read};

use serde::Deserialize;

use crate::ingest::common::columns::{self, Want};
use crate::ingest::common::twitter::{
    content_type, engager_action, engagers_endpoint, media_type_of_key, push_tag, push_url, warn_counts_once,
};
use crate::ingest::common::util;
use crate::ingest::{Adapter, Ctx, FileError, Input, Out, Probe, Reject, Writes, MAX_RAW_REJECT};
use crate::model::{AccountSnap, Day, Post};

pub struct TwitterCsv;

pub static ADAPTER: TwitterCsv = TwitterCsv;

impl Adapter for TwitterCsv {
    fn name(&self) -> &'static str {
        "twitter-csv"
    }
    fn about(&self) -> &'static str {
        "twarc-csv output: tweets (current 84-column and early column sets), users, counts"
    }
    fn writes(&self) -> Writes {
        Writes::Posts
    }
    fn detect(&self, probe: &Probe) -> u8 {
        let cols = header_of(probe.first_line());
        let has = |c: &str| cols.iter().any(|h| h == c);
        let any_prefix = |p: &str| cols.iter().any(|h| h.starts_with(p));
        match kind_of(&cols) {
            Some(Kind::Tweets) if any_prefix("public_metrics.") || any_prefix("author.") => 95,
            Some(Kind::Users) if has("public_metrics.followers_count") => 90,
            Some(Kind::Counts) if any_prefix("__twarc.") => 90,
            _ => 0,
        }
    }
    fn read(&self, input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
        let file = input.open()?;
        let mut r = BufReader::with_capacity(1 << 20, file);
        let head = r.fill_buf().map_err(|e| FileError::io(&cx.source_file, &e))?;
        if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
            // Not what twarc-csv writes, but a re-saved file may be UTF-16.
            let text = crate::ingest::common::encoding::unix_line_ends(input.read_text()?);
            return read_csv(text.as_bytes(), &mut LineFix::Text(text.as_bytes()), cx, out);
        }
        let mut bom = 0;
        if head.starts_with(b"\xEF\xBB\xBF") {
            r.consume(3);
            bom = 3;
        }
        read_csv(r, &mut LineFix::file(&input.path, bom), cx, out)
    }
}

fn header_of(line: &str) -> Vec<String> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
    let mut rec = csv::StringRecord::new();
    match rdr.read_record(&mut rec) {
        Ok(true) => rec.iter().map(|s| s.trim().to_string()).collect(),
        _ => Vec::new(),
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Tweets,
    Users,
    Counts,
}

fn kind_of(cols: &[String]) -> Option<Kind> {
    let has = |c: &str| cols.iter().any(|h| h == c);
    if has("id") && (has("text") || has("author_id") || has("author.id")) && !has("username") {
        Some(Kind::Tweets)
    } else if has("id") && has("username") && !has("text") {
        Some(Kind::Users)
    } else if has("tweet_count") && has("start") && has("end") {
        Some(Kind::Counts)
    } else {
        None
    }
}

/// Column positions, by name.
#[derive(Default)]
struct Cols {
    id: Option<usize>,
    author_id: Option<usize>,
    author_id2: Option<usize>,
    username: Option<usize>,
    created_at: Option<usize>,
    text: Option<usize>,
    lang: Option<usize>,
    retweeted: Option<usize>,
    quoted: Option<usize>,
    replied: Option<usize>,
    referenced: Option<usize>,
    inlined_type: Option<usize>,
    reply_user_id: Option<usize>,
    reply_username: Option<usize>,
    hashtags: Option<usize>,
    mentions: Option<usize>,
    urls: Option<usize>,
    media: Option<usize>,
    media_keys: Option<usize>,
    followers: Option<usize>,
    retrieved_at: Option<usize>,
    twarc_url: Option<usize>,
    likes: Option<usize>,
    replies: Option<usize>,
    retweets: Option<usize>,
    quotes: Option<usize>,
    bookmarks: Option<usize>,
    impressions: Option<usize>,
}

impl Cols {
    fn new(names: &[String], kind: Kind) -> Cols {
        let at = |n: &str| names.iter().position(|h| h == n);
        let mut c = Cols {
            id: at("id"),
            retrieved_at: at("__twarc.retrieved_at"),
            twarc_url: at("__twarc.url"),
            ..Cols::default()
        };
        match kind {
            Kind::Tweets => {
                c.author_id = at("author_id");
                c.author_id2 = at("author.id");
                c.username = at("author.username");
                c.created_at = at("created_at");
                c.text = at("text");
                c.lang = at("lang");
                c.retweeted = at("referenced_tweets.retweeted.id");
                c.quoted = at("referenced_tweets.quoted.id");
                c.replied = at("referenced_tweets.replied_to.id");
                c.referenced = at("referenced_tweets");
                c.inlined_type = at("type");
                c.reply_user_id = at("in_reply_to_user_id");
                c.reply_username = at("in_reply_to_username");
                c.hashtags = at("entities.hashtags");
                c.mentions = at("entities.mentions");
                c.urls = at("entities.urls");
                c.media = at("attachments.media");
                c.media_keys = at("attachments.media_keys");
                c.followers = at("author.public_metrics.followers_count");
                c.likes = at("public_metrics.like_count");
                c.replies = at("public_metrics.reply_count");
                c.retweets = at("public_metrics.retweet_count");
                c.quotes = at("public_metrics.quote_count");
                c.bookmarks = at("public_metrics.bookmark_count");
                c.impressions = at("public_metrics.impression_count");
            }
            Kind::Users => {
                c.username = at("username");
                c.followers = at("public_metrics.followers_count");
            }
            Kind::Counts => {}
        }
        c
    }
}

impl Cols {
    /// The warning for the columns every twarc-csv file of this kind has but this one
    /// lacks (both column sets have them), and for near-misses of the others
    /// (`ingest::columns`).
    fn missing(&self, file: &str, names: &[String], kind: Kind) -> Option<crate::schema::Warning> {
        let (always, maybe) = (Want::always, Want::maybe);
        let wants: Vec<Want> = match kind {
            Kind::Tweets => vec![
                always(&["author_id", "author.id"], self.author_id.or(self.author_id2)),
                always(&["author.username"], self.username),
                always(&["lang"], self.lang),
                always(&["public_metrics.like_count"], self.likes),
                always(&["public_metrics.reply_count"], self.replies),
                always(&["public_metrics.retweet_count"], self.retweets),
                always(&["public_metrics.quote_count"], self.quotes),
                always(&["author.public_metrics.followers_count"], self.followers),
                always(&["entities.hashtags"], self.hashtags),
                always(&["entities.mentions"], self.mentions),
                always(&["entities.urls"], self.urls),
                // Newer than the early set, or only in one of the two sets.
                maybe(&["public_metrics.impression_count"], self.impressions),
                maybe(&["public_metrics.bookmark_count"], self.bookmarks),
                maybe(&["referenced_tweets.retweeted.id"], self.retweeted.or(self.referenced)),
                maybe(&["referenced_tweets.quoted.id"], self.quoted.or(self.referenced)),
                maybe(&["referenced_tweets.replied_to.id"], self.replied.or(self.referenced)),
                maybe(&["in_reply_to_username"], self.reply_username.or(self.reply_user_id)),
                maybe(&["attachments.media_keys"], self.media_keys.or(self.media)),
                maybe(&["__twarc.retrieved_at"], self.retrieved_at),
            ],
            Kind::Users => vec![always(&["public_metrics.followers_count"], self.followers)],
            Kind::Counts => return None,
        };
        let used: Vec<usize> = [self.id, self.created_at, self.text, self.inlined_type, self.twarc_url, self.media]
            .into_iter()
            .chain([self.referenced, self.reply_user_id, self.author_id2])
            .flatten()
            .collect();
        columns::check(file, 1, "twitter-csv", names, &wants, &used)
    }
}

/// A record being read: cells by position, as UTF-8.
struct Row<'r> {
    rec: &'r csv::ByteRecord,
    names: &'r [String],
}

type Bad = (String, String);

impl Row<'_> {
    /// The cell of a column (`None` when the file lacks the column or the cell is blank).
    fn get(&self, col: Option<usize>) -> Result<Option<&str>, Bad> {
        let Some(i) = col else { return Ok(None) };
        let Some(b) = self.rec.get(i) else { return Ok(None) };
        let s = std::str::from_utf8(b).map_err(|e| {
            (self.names[i].clone(), format!("expected UTF-8 text, found an invalid byte at offset {}", e.valid_up_to()))
        })?;
        let s = s.trim();
        Ok((!s.is_empty()).then_some(s))
    }
    fn count(&self, col: Option<usize>) -> Result<Option<i64>, Bad> {
        match self.get(col)? {
            None => Ok(None),
            Some(s) => util::parse_count(s).map_err(|e| (self.name(col), e)),
        }
    }
    fn name(&self, col: Option<usize>) -> String {
        col.and_then(|i| self.names.get(i)).cloned().unwrap_or_default()
    }
    /// A cell holding a JSON list (blank: empty).
    fn json_list<'s, T: Deserialize<'s>>(&'s self, col: Option<usize>) -> Result<Vec<T>, Bad> {
        match self.get(col)? {
            None => Ok(Vec::new()),
            Some(s) => serde_json::from_str(s)
                .map_err(|e| (self.name(col), format!("expected a JSON list, found '{}' ({e})", util::cut(s, 80)))),
        }
    }
}

/// An entity as twarc-csv writes it: `"#Tag"` / `"@user"` / a URL (current set), or the
/// API object (early set).
#[derive(Deserialize)]
#[serde(untagged)]
enum Entity {
    Text(String),
    Obj { tag: Option<String>, username: Option<String>, url: Option<String>, expanded_url: Option<String> },
}

#[derive(Deserialize)]
struct MediaCell {
    media_key: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct RefCell {
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<String>,
}

/// `fix` finds the true line of a rejected row (the `csv` crate's is one too low after a
/// CRLF line end: see [`crate::ingest::common::encoding`]).
fn read_csv<R: Read>(r: R, fix: &mut LineFix, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(r);
    let mut rec = csv::ByteRecord::new();
    let got = rdr.read_byte_record(&mut rec).map_err(|e| csv_error(cx, &e))?;
    if !got {
        return Err(cx.err("empty file: expected a twarc-csv header line (id, text, author_id, …)"));
    }
    let names: Vec<String> = rec.iter().map(|c| String::from_utf8_lossy(c).trim().to_string()).collect();
    let Some(kind) = kind_of(&names) else {
        let missing = if names.iter().any(|n| n == "id") { "text" } else { "id" };
        return Err(FileError::at(
            &cx.source_file,
            1,
            missing,
            format!(
                "missing column '{missing}': expected twarc-csv tweets (id, text, author_id), users (id, username) \
                 or counts (start, end, tweet_count); {}",
                crate::privacy::plain_header(&names)
            ),
        ));
    };
    if kind == Kind::Tweets && !names.iter().any(|n| n == "created_at") {
        return Err(FileError::at(
            &cx.source_file,
            1,
            "created_at",
            format!("missing column 'created_at'; the file's columns are: {}", names.join(", ")),
        ));
    }
    let cols = Cols::new(&names, kind);
    let early = cols.referenced.is_some() && cols.retweeted.is_none();
    if let Some(w) = cols.missing(&cx.source_file, &names, kind) {
        out.warning(w);
    }
    let mut inlined = 0u64;
    let mut warned_counts = false;
    loop {
        // Byte records of a flexible reader fail only on I/O errors.
        if !rdr.read_byte_record(&mut rec).map_err(|e| csv_error(cx, &e))? {
            break;
        }
        out.rows(1);
        let row = Row { rec: &rec, names: &names };
        let res = if rec.len() != names.len() {
            Err(("(row)".to_string(), format!("expected {} fields as in the header, found {}", names.len(), rec.len())))
        } else {
            match kind {
                Kind::Tweets => tweet_row(&row, &cols, early, out).map(|skipped| inlined += skipped as u64),
                Kind::Users => user_row(&row, &cols, cx, out),
                Kind::Counts => {
                    if !warned_counts {
                        warned_counts = true;
                        warn_counts_once(cx, out);
                    }
                    Ok(())
                }
            }
        };
        if let Err((field, error)) = res {
            let line = rec.position().map_or(0, |p| fix.line(p));
            out.reject(Reject { line, field, error, raw: Some(raw_row(&rec)) });
        }
    }
    if inlined > 0 {
        out.warn(format!(
            "{}: {inlined} rows are referenced tweets that twarc-csv inlined (column 'type' set); \
             they are not tweets of the collection and became no posts",
            cx.source_file
        ));
    }
    Ok(())
}

fn csv_error(cx: &Ctx, e: &csv::Error) -> FileError {
    match e.position() {
        Some(p) => FileError::at(&cx.source_file, p.line(), "(csv)", format!("cannot read the CSV: {e}")),
        None => cx.err(format!("cannot read the CSV: {e}")),
    }
}

/// The record as CSV text again, for `_rejects/`.
fn raw_row(rec: &csv::ByteRecord) -> String {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    let _ = w.write_byte_record(rec);
    let bytes = w.into_inner().unwrap_or_default();
    util::cut(String::from_utf8_lossy(&bytes).trim_end_matches('\n'), MAX_RAW_REJECT)
}

fn day_of(s: Option<&str>) -> Option<Day> {
    s.and_then(util::parse_iso).map(|m| m.utc_day())
}

/// The tweet text as exported: early files JSON-encode it; current ones write line breaks
/// as `\n`.
fn text_of(s: &str, early: bool) -> String {
    if early && s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        if let Ok(t) = serde_json::from_str::<String>(s) {
            return t;
        }
    }
    s.replace("\\n", "\n")
}

/// One tweet row. Ok(true): an inlined referenced tweet, skipped.
fn tweet_row(row: &Row, c: &Cols, early: bool, out: &mut dyn Out) -> Result<bool, Bad> {
    let Some(id) = row.get(c.id)? else {
        return Err(("id".into(), "expected a tweet id, found an empty cell".into()));
    };
    let account_id = row.get(c.author_id)?.or(row.get(c.author_id2)?);
    let handle = row.get(c.username)?.map(util::handle);
    let created_raw = row.get(c.created_at)?;
    let created_at = match created_raw {
        None => None,
        Some(s) => Some(util::parse_iso(s).ok_or_else(|| {
            (
                "created_at".to_string(),
                format!("expected an ISO 8601 time like 2021-09-22T16:37:29.000Z {}, found '{s}'", util::TIME_WINDOW),
            )
        })?),
    };
    let followers = row.count(c.followers)?;
    let snap_day = day_of(row.get(c.retrieved_at)?).or(created_at.map(|m| m.utc_day()));
    let snap = |out: &mut dyn Out| {
        if let (Some(a), Some(f)) = (account_id, followers) {
            out.account(AccountSnap {
                platform: "twitter".into(),
                account_id: a.to_string(),
                account_handle: handle.clone(),
                date: snap_day,
                followers: Some(f),
            });
        }
    };
    if row.get(c.inlined_type)?.is_some() {
        snap(out);
        return Ok(true);
    }

    let (mut reposted, mut quoted, mut replied) = (
        row.get(c.retweeted)?.map(str::to_string),
        row.get(c.quoted)?.map(str::to_string),
        row.get(c.replied)?.map(str::to_string),
    );
    for r in row.json_list::<RefCell>(c.referenced)? {
        let slot = match r.kind.as_deref() {
            Some("retweeted") => &mut reposted,
            Some("quoted") => &mut quoted,
            Some("replied_to") => &mut replied,
            _ => continue,
        };
        if slot.is_none() {
            *slot = r.id;
        }
    }
    let is_repost = reposted.is_some();

    let mut hashtags = Vec::new();
    for e in row.json_list::<Entity>(c.hashtags)? {
        match e {
            Entity::Text(t) => push_tag(&mut hashtags, &t, '#'),
            Entity::Obj { tag: Some(t), .. } => push_tag(&mut hashtags, &t, '#'),
            _ => {}
        }
    }
    let mut mentions = Vec::new();
    for e in row.json_list::<Entity>(c.mentions)? {
        match e {
            Entity::Text(t) => push_tag(&mut mentions, &t, '@'),
            Entity::Obj { username: Some(u), .. } => push_tag(&mut mentions, &u, '@'),
            _ => {}
        }
    }
    let mut urls = Vec::new();
    for e in row.json_list::<Entity>(c.urls)? {
        match e {
            Entity::Text(u) => push_url(&mut urls, &u),
            Entity::Obj { expanded_url, url, .. } => {
                if let Some(u) = expanded_url.or(url) {
                    push_url(&mut urls, &u);
                }
            }
        }
    }
    let keys: Vec<String> = row.json_list(c.media_keys)?;
    let media: Vec<MediaCell> = row.json_list(c.media)?;
    let kinds: Vec<Option<&str>> = if keys.is_empty() {
        media.iter().map(|m| m.kind.as_deref().or_else(|| m.media_key.as_deref().and_then(media_type_of_key))).collect()
    } else {
        keys.iter()
            .map(|k| {
                media
                    .iter()
                    .find(|m| m.media_key.as_deref() == Some(k))
                    .and_then(|m| m.kind.as_deref())
                    .or_else(|| media_type_of_key(k))
            })
            .collect()
    };
    let content_type = content_type(&kinds, &urls);

    let in_reply_to_account =
        row.get(c.reply_username)?.map(util::handle).or(row.get(c.reply_user_id)?.map(str::to_string));

    // Read every figure (a malformed one is a reject even on a retweet), then drop the
    // merged-in figures of retweets.
    let figures = [c.likes, c.replies, c.retweets, c.quotes, c.bookmarks, c.impressions].map(|col| row.count(col));
    let [likes, replies, retweets, quotes, bookmarks, impressions] = figures;
    let keep = |v: Result<Option<i64>, Bad>| v.map(|v| if is_repost { None } else { v });

    let post = Post {
        platform: "twitter".into(),
        post_id: id.to_string(),
        origin: "collected",
        account_id: account_id.map(str::to_string),
        account_handle: handle.clone(),
        created_at,
        content_type,
        text: row.get(c.text)?.map(|s| text_of(s, early)),
        lang: row.get(c.lang)?.map(str::to_string),
        hashtags,
        mentions,
        urls,
        is_repost: Some(is_repost),
        in_reply_to_account,
        quoted_post_id: quoted,
        in_reply_to_post_id: replied,
        reposted_post_id: reposted,
        followers,
        impressions: keep(impressions)?,
        reactions: keep(likes)?,
        comments: keep(replies)?,
        shares: keep(retweets)?,
        quotes: keep(quotes)?,
        saves: keep(bookmarks)?,
        ..Default::default()
    };
    out.post(post);
    snap(out);
    Ok(false)
}

fn user_row(row: &Row, c: &Cols, cx: &Ctx, out: &mut dyn Out) -> Result<(), Bad> {
    let Some(id) = row.get(c.id)? else {
        return Err(("id".into(), "expected a user id, found an empty cell".into()));
    };
    let followers = row.count(c.followers)?;
    if let Some((verb, post)) = row.get(c.twarc_url)?.and_then(engagers_endpoint) {
        out.action(engager_action(verb, post, id, cx));
    }
    if let Some(f) = followers {
        out.account(AccountSnap {
            platform: "twitter".into(),
            account_id: id.to_string(),
            account_handle: row.get(c.username)?.map(util::handle),
            date: day_of(row.get(c.retrieved_at)?),
            followers: Some(f),
        });
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ingest::testkit::twitter::{day, detect_file, detected, other_inputs, run, sample};
    use crate::ingest::{collect, Collected};
    use crate::pseudo::Pseudonymizer;

    fn fixture(rel: &str) -> String {
        format!("{}/tests/fixtures/twitter-csv/{rel}", env!("CARGO_MANIFEST_DIR"))
    }
    pub(crate) fn post<'c>(got: &'c Collected, id: &str) -> &'c Post {
        got.posts.iter().find(|p| p.post_id == id).unwrap_or_else(|| panic!("no post {id}"))
    }

    /// The fields both encodings of one collection must agree on.
    #[allow(clippy::type_complexity)]
    pub(crate) fn comparable(
        p: &Post,
    ) -> (
        String,
        Option<String>,
        Option<crate::model::Micros>,
        Option<bool>,
        [Option<String>; 3],
        Vec<String>,
        Vec<String>,
        [Option<i64>; 5],
        &'static str,
        Option<String>,
        Option<String>,
    ) {
        (
            p.post_id.clone(),
            p.account_handle.clone(),
            p.created_at,
            p.is_repost,
            [p.reposted_post_id.clone(), p.quoted_post_id.clone(), p.in_reply_to_post_id.clone()],
            p.hashtags.clone(),
            p.mentions.clone(),
            [p.reactions, p.comments, p.shares, p.quotes, p.followers],
            p.content_type,
            p.in_reply_to_account.clone(),
            p.lang.clone(),
        )
    }


    #[test]
    fn brexit_csv() {
        let got = run(&ADAPTER, &sample("twitter-csv/brexit.csv"));
        // 101 physical lines: header + 100 records.
        assert_eq!(got.rows, 100);
        assert!(got.rejects.is_empty(), "{:?}", got.rejects);
        // 67 rows with referenced_tweets.retweeted.id: merged-in metrics dropped.
        let rts: Vec<&Post> = got.posts.iter().filter(|p| p.is_repost == Some(true)).collect();
        assert_eq!(rts.len(), 67);
        assert!(rts.iter().all(|p| [p.reactions, p.comments, p.shares, p.quotes, p.saves, p.impressions]
            .iter()
            .all(Option::is_none)));
        let rt = post(&got, "1440716856763977732");
        // The CSV row holds the original's like_count 20 and retweet_count 22: not counted.
        assert_eq!((rt.reactions, rt.shares), (None, None));
        assert_eq!(rt.followers, Some(2485));
        let p = post(&got, "1440716895355764743");
        assert_eq!((p.followers, p.account_handle.as_deref()), (Some(34920), Some("warmongerhodges")));
        // blank public_metrics.bookmark_count / impression_count: null.
        assert_eq!((p.reactions, p.saves, p.impressions), (Some(0), None, None));
        // One author snapshot per row, on the retrieval day.
        assert_eq!(got.accounts.len(), 100);
        assert!(got.accounts.iter().all(|a| a.date == Some(day(2021, 9, 22))));
    }

    #[test]
    fn early_column_set() {
        let got = run(&ADAPTER, &sample("twitter-csv/small_sample_2021.csv"));
        // 4 records; the 3rd (`type` = quoted) is the tweet the 4th quotes, inlined: no post.
        assert_eq!(got.rows, 4);
        assert_eq!(got.posts.len(), 3);
        assert!(got.rejects.is_empty(), "{:?}", got.rejects);
        assert_eq!(got.warnings.len(), 1);
        assert!(got.warnings[0].contains("1 rows are referenced tweets"), "{}", got.warnings[0]);
        let p = post(&got, "1170073690492588037");
        assert_eq!(
            p.mentions,
            vec!["alphaxsc2", "sector_six", "24hourfitness", "dreamhacksc2", "gamestop", "ebgamescanada"]
        );
        // JSON-encoded text decoded: \u2019 and \n.
        assert!(p
            .text
            .as_deref()
            .unwrap()
            .starts_with("After a long quest to the Motel; we have arrived safely to Montreal! can\u{2019}t wait"));
        assert!(p.text.as_deref().unwrap().contains("weekend! \n@AlphaXsc2"));
        assert_eq!((p.followers, p.account_handle.as_deref()), (Some(453), Some("axsnipersc")));
        assert_eq!(p.reactions, Some(3));
        assert_eq!(post(&got, "1171208136721620992").hashtags, vec!["destiny"]);
        let q = post(&got, "1169968866866466817");
        assert_eq!(q.quoted_post_id.as_deref(), Some("1169734611666198528"));
        // Its only URL is the quoted tweet's: not a link post.
        assert_eq!(q.urls, vec!["https://twitter.com/GameStop/status/1169734611666198528"]);
        assert_eq!(q.content_type, "text");
        // No __twarc columns: snapshots dated by created_at; the inlined tweet's author too.
        assert_eq!(got.accounts.len(), 4);
        let gs = got.accounts.iter().find(|a| a.account_id == "22258315").unwrap();
        assert_eq!((gs.followers, gs.date), (Some(1660222), Some(day(2019, 9, 5))));
    }

    #[test]
    fn users_and_small_samples() {
        let got = run(&ADAPTER, &sample("twitter-csv/users.csv"));
        // 91 user rows (users.jsonl's 96 users minus 5 repeats).
        assert_eq!((got.rows, got.accounts.len(), got.posts.len()), (91, 91, 0));
        let a = got.accounts.iter().find(|a| a.account_id == "119369819").unwrap();
        assert_eq!(
            (a.account_handle.as_deref(), a.followers, a.date),
            (Some("dodirty78"), Some(580), Some(day(2021, 10, 23)))
        );

        let m = run(&ADAPTER, &sample("twitter-csv/media_tweet.csv"));
        assert_eq!(m.posts[0].content_type, "video");
        assert_eq!(m.posts[0].urls, vec!["pic.twitter.com/uXqSAGWkWJ"]);
        let t = run(&ADAPTER, &sample("twitter-csv/two_tweets.csv"));
        assert_eq!((t.posts.len(), t.posts[0].is_repost, t.posts[0].shares), (1, Some(true), None));
        let u = run(&ADAPTER, &sample("twitter-csv/many_urls.csv"));
        assert_eq!(u.posts[0].in_reply_to_post_id.as_deref(), Some("1610623087061471232"));
    }

    #[test]
    fn bad_rows_are_rejected_with_their_line() {
        let got = run(&ADAPTER, &fixture("bad_rows.csv"));
        // Records start on lines 2, 3 (a quoted text spanning lines 3-4), 5, 6, 7 and 8.
        assert_eq!(got.rows, 6);
        assert_eq!(got.posts.len(), 3);
        assert_eq!(got.rejects.len(), 3);
        let r = &got.rejects[0];
        assert_eq!((r.line, r.field.as_str()), (5, "public_metrics.like_count"));
        assert_eq!(r.error, "expected a number, found 'many'");
        assert!(r.raw.as_deref().unwrap().starts_with("1394735776701816902,"));
        let r = &got.rejects[1];
        assert_eq!((r.line, r.field.as_str()), (6, "created_at"));
        assert!(r.error.contains("found '18/05/2021 19:24'"), "{}", r.error);
        let r = &got.rejects[2];
        assert_eq!(
            (r.line, r.field.as_str(), r.error.as_str()),
            (8, "(row)", "expected 84 fields as in the header, found 2")
        );
        assert_eq!(r.raw.as_deref(), Some("1394735776701816905,cut short"));
        let b = post(&got, "1394735776701816901");
        assert_eq!(b.text.as_deref(), Some("a text that a spreadsheet\nsplit over two lines"));
        assert_eq!((b.reactions, b.is_repost), (Some(5), Some(false)));
        assert_eq!(post(&got, "1394735776701816904").reactions, Some(7));
    }

    #[test]
    fn missing_column_is_a_file_error() {
        let pseudo = Pseudonymizer::from_key(b"0123456789abcdef");
        let path = fixture("no_created_at.csv");
        let cx = Ctx::new("no_created_at.csv", &pseudo);
        let e = collect(&ADAPTER, &Input::new(&path), &cx).unwrap_err();
        assert_eq!((e.file.as_str(), e.line, e.field.as_deref()), ("no_created_at.csv", Some(1), Some("created_at")));
        assert!(
            e.msg.starts_with("missing column 'created_at'; the file's columns are: id, conversation_id,"),
            "{}",
            e.msg
        );

        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, "tweet,likes\n1,2\n").unwrap();
        let e = collect(&ADAPTER, &Input::new(&p), &cx).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("id"));
        assert!(e.msg.contains("the file's columns are: tweet, likes"), "{}", e.msg);
    }

    #[test]
    fn counts_and_engagers_in_csv() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("counts.csv");
        std::fs::write(&p, "start,end,tweet_count,__twarc.retrieved_at,__twarc.url,__twarc.version\n\
             2021-10-16T18:21:34.000Z,2021-10-16T19:00:00.000Z,3961,2021-10-23T19:36:18+00:00,https://api.twitter.com/2/tweets/counts/recent?query=dogs,2.7.3\n").unwrap();
        let got = run(&ADAPTER, p.to_str().unwrap());
        assert_eq!((got.rows, got.posts.len(), got.rejects.len(), got.warnings.len()), (1, 0, 0, 1));
        let p = dir.path().join("liking.csv");
        std::fs::write(&p, "id,created_at,username,public_metrics.followers_count,__twarc.retrieved_at,__twarc.url\n\
             900000000000000001,2015-02-01T10:00:00.000Z,LikerOne,120,2021-09-23T08:00:00+00:00,https://api.twitter.com/2/tweets/1440716895355764743/liking_users?max_results=100\n").unwrap();
        let got = run(&ADAPTER, p.to_str().unwrap());
        assert_eq!(got.actions.len(), 1);
        assert_eq!(got.actions[0].action_key.as_deref(), Some("like:1440716895355764743:900000000000000001"));
        assert_eq!(got.accounts[0].followers, Some(120));
    }

    #[test]
    fn detects_its_samples_and_not_others() {
        for f in
            ["brexit.csv", "many_urls.csv", "media_tweet.csv", "small_sample_2021.csv", "two_tweets.csv", "users.csv"]
        {
            let path = sample(&format!("twitter-csv/{f}"));
            assert!(detect_file(&ADAPTER, &path) >= 90, "{f}");
            assert_eq!(detected(&path), Some("twitter-csv"), "{f}");
        }
        assert_eq!(detected(&fixture("bad_rows.csv")), Some("twitter-csv"));
        let others = other_inputs(&["twitter-csv"]);
        assert!(others.len() > 40, "{others:?}");
        for p in others {
            assert_eq!(detect_file(&ADAPTER, &p), 0, "{p}");
        }
    }
}
