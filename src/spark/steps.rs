//! Metric steps whose relational part runs on a Spark Connect server.
//!
//! So far two:
//! - `hashtag_daily` (docs/metrics.md#hashtag-pick-up). For each campaign the server scans
//!   the lake's posts, keeps the window's uses of the campaign's hashtags and reduces them
//!   to one row per (hashtag, day) with every count of the table; this side adds the
//!   campaign, checks the columns and types, and sorts, with the code the local engine uses
//!   ([`crate::metrics::hashtags::finish_hashtag_daily`]).
//! - `reach_daily`'s post side (docs/metrics.md#reach). For each campaign the server picks
//!   its own campaign posts and reduces them to one row per (platform, day) with `posts` and
//!   the sums of impressions, reach and engagements; this side joins the campaign's actions
//!   (`unique_actors`, which needs the key-based actor exclusion), and finishes the table
//!   with the local engine's code ([`crate::metrics::reach::finish_reach_daily`]).
//!
//! The tests in `tests/it/spark.rs` (Sail) and `tests/it/spark4.rs` (Apache Spark 4)
//! require the remote and the local engine to write the same tables on the demo and on a
//! lake made for reach's rules.
//!
//! Readings taken (the local step's are in metrics/hashtags.rs; these say how each is
//! written in Spark SQL):
//! - **Files.** The posts are a temporary view of exactly the part files the manifest
//!   lists as live (as [`crate::metrics::Lake::open`] scans them; for a lake in object
//!   storage, at their URLs there, [`part_urls`]), read with the lake's types
//!   for the columns used; never a folder or glob, so `_staging/`, `_sources/`, `_rejects/`
//!   and superseded files are never read. A part written before a column existed reads it
//!   as null, as locally.
//! - **Press.** Posts of platform `press` are left out (they are not social media), null
//!   platforms kept, as the scope does.
//! - **Days.** A post's day is its calendar day in the campaign's time zone. The server's
//!   session time zone plays no part: the zone's UTC offsets over the window are worked out
//!   here (chrono-tz, as polars uses) and sent as a `CASE` on the instant's microseconds
//!   (`unix_micros`), so Spark, Sail and polars agree whatever their zone databases.
//!   `floor(µs / 86400e6)` is exact in a double for days before the year 2255.
//! - **Hashtags.** Lower-cased (`lower`), leading `#`s removed, compared with the
//!   pipeline's (lower-cased, without `#`); a post using a tag twice counts once (the lake
//!   has one row per post, so `DISTINCT` over a use's columns is the local
//!   `unique(platform, post_id, hashtag)`).
//! - **Authors.** `platform:account_id`, else `platform:@handle` (lower-cased), else null;
//!   counts as locally: `count(DISTINCT author)` skips nulls; `new_authors` and the reach
//!   read authored uses only; `potential_reach` null when no author's followers are known.
//! - **Text in the SQL.** Hashtags, targets, URL prefixes, own accounts and the campaign id
//!   are written as SQL string literals; one with a quote, a backslash or a control
//!   character is refused (no campaign value has one) rather than escaped differently by
//!   different engines.
//! - **Campaign posts** (reach): as the scope (metrics/scope.rs): a post in the window
//!   tagged with the campaign, or whose (platform, join key) — a Facebook `<page>_<post>`
//!   id's `<post>` — is that of a row using a campaign hashtag (exactly, as stored), mentioning
//!   a target, or linking under a URL prefix (a prefix compared by characters: the same as
//!   bytes for UTF-8); or replying (lower-cased) to one of the scope's reply targets, which
//!   are worked out here (the targets' handles and the ids the lake's posts and accounts
//!   give them) and sent as a list. Own: origin `owned`, or the platform's own account by
//!   lower-cased handle or id. Null is false throughout; press is left out after the marks.
//! - **Sums** (reach): `sum` skips nulls and is null when every value is (the local
//!   `null_sum`); a post's engagements are null when its five parts are, else the sum of the
//!   non-null ones (docs/metrics.md#engagements-of-a-post).

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use chrono::{NaiveDate, Offset, TimeZone};
use polars::prelude::*;

use super::Client;
use crate::schema::Campaign;

/// The session's view of the lake's posts.
pub const POSTS_VIEW: &str = "rallylens_posts";

/// The posts' columns the steps read, as Spark DDL with the lake's types (docs/lake.md).
pub const POSTS_SCHEMA: &str = "platform STRING, post_id STRING, created_at TIMESTAMP, hashtags ARRAY<STRING>, \
                                is_repost BOOLEAN, followers BIGINT, account_id STRING, account_handle STRING, \
                                origin STRING, campaign STRING, mentions ARRAY<STRING>, urls ARRAY<STRING>, \
                                in_reply_to_account STRING, impressions BIGINT, reach BIGINT, reactions BIGINT, \
                                comments BIGINT, shares BIGINT, quotes BIGINT, saves BIGINT";

const DAY_US: i64 = 86_400_000_000;

/// The columns the server returns for one campaign: `hashtag_daily`'s but `campaign`.
pub fn hashtag_daily_columns() -> Vec<(&'static str, DataType)> {
    let i = DataType::Int64;
    vec![
        ("hashtag", DataType::String),
        ("day", DataType::Date),
        ("posts", i.clone()),
        ("reposts", i.clone()),
        ("authors", i.clone()),
        ("new_authors", i.clone()),
        ("potential_reach", i.clone()),
        ("authors_with_followers", i),
    ]
}

/// `hashtag_daily` for `campaigns`, its relational part run by `client` over the posts
/// part files at `post_files` (URLs the server can read: [`part_urls`]), finished here like
/// the local step; the rows received per campaign are said at -v.
pub fn hashtag_daily(client: &mut Client, post_files: &[String], campaigns: &[Campaign]) -> Result<LazyFrame> {
    let mut frames = Vec::new();
    if !post_files.is_empty() {
        client.parquet_view(POSTS_VIEW, POSTS_SCHEMA, post_files.to_vec())?;
    }
    for c in campaigns {
        let Some(sql) = (if post_files.is_empty() { None } else { hashtag_daily_sql(c)? }) else { continue };
        let batches = client.sql(&sql).with_context(|| format!("hashtag_daily of campaign {}", c.id))?;
        let df = super::frame_of(&batches, &hashtag_daily_columns())
            .with_context(|| format!("reading the server's hashtag_daily of campaign {}", c.id))?;
        if crate::say::verbose() {
            eprintln!("  hashtag_daily {}: {} rows from {}", c.id, df.height(), client.endpoint());
        }
        frames.push(df.lazy().with_column(lit(c.id.as_str()).alias("campaign")));
    }
    crate::metrics::hashtags::finish_hashtag_daily(frames).map_err(|e| anyhow::anyhow!("finishing hashtag_daily: {e}"))
}

/// The columns the server returns for one campaign's `reach_daily` post side (what
/// [`crate::metrics::reach::finish_reach_daily`] takes).
pub fn reach_daily_post_columns() -> Vec<(&'static str, DataType)> {
    let i = DataType::Int64;
    vec![
        ("platform", DataType::String),
        ("day", DataType::Date),
        ("posts", i.clone()),
        ("impressions", i.clone()),
        ("post_reach_sum", i.clone()),
        ("engagements", i),
    ]
}

/// `reach_daily` for `scopes`: the post side (own campaign posts per platform and day, and
/// their sums) run by `client` over the posts part files at `post_files` (URLs: [`part_urls`]);
/// the actions side and the finish are the local step's ([`crate::metrics::reach::finish_reach_daily`]).
pub fn reach_daily(client: &mut Client, post_files: &[String], scopes: &[crate::metrics::Scope]) -> Result<LazyFrame> {
    let columns = reach_daily_post_columns();
    let mut frames = Vec::new();
    if !post_files.is_empty() {
        client.parquet_view(POSTS_VIEW, POSTS_SCHEMA, post_files.to_vec())?;
    }
    for s in scopes {
        let c = s.campaign;
        let df = if post_files.is_empty() {
            DataFrame::empty_with_schema(&columns.iter().map(|(n, t)| Field::new((*n).into(), t.clone())).collect())
        } else {
            let sql = reach_daily_posts_sql(c, &s.reply_targets)?;
            let batches = client.sql(&sql).with_context(|| format!("reach_daily of campaign {}", c.id))?;
            let df = super::frame_of(&batches, &columns)
                .with_context(|| format!("reading the server's reach_daily of campaign {}", c.id))?;
            if crate::say::verbose() {
                eprintln!("  reach_daily {}: {} rows from {}", c.id, df.height(), client.endpoint());
            }
            df
        };
        frames.push(df.lazy());
    }
    crate::metrics::reach::finish_reach_daily(scopes, frames).map_err(|e| anyhow::anyhow!("finishing reach_daily: {e}"))
}

/// `values` as a SQL list for `IN (…)`; None when empty (`IN ()` is not SQL).
fn sql_list(values: &[String]) -> Result<Option<String>> {
    if values.is_empty() {
        return Ok(None);
    }
    Ok(Some(values.iter().map(|v| sql_text(v)).collect::<Result<Vec<_>>>()?.join(", ")))
}

/// Spark SQL for one campaign's `reach_daily` post side over [`POSTS_VIEW`]: its own
/// campaign posts (docs/metrics.md#vocabulary) per (platform, day), with `posts` and the
/// sums of impressions, reach and engagements (null when every value is null). A post is
/// the campaign's when tagged with it at ingest, when the same post (platform and id's join
/// key) uses a campaign hashtag, mentions a target or links under a campaign URL prefix, or
/// when it replies to one of `reply_targets` ([`crate::metrics::Scope::reply_targets`]);
/// own when from an owned export or by one of the campaign's own accounts.
pub fn reach_daily_posts_sql(c: &Campaign, reply_targets: &[String]) -> Result<String> {
    let text = |s: &str| sql_text(s);
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");
    let (first, last) = ((c.start - epoch).num_days(), (c.end - epoch).num_days());
    let (from, to) = ((first - 2) * DAY_US, (last + 3) * DAY_US);
    let offset = offset_case("m", &offsets(&c.tz, from, to));
    // Keys (platform, join key) of the posts marked through a list column; null keys never are.
    let mut marks = Vec::new();
    let exploded = |list: &str, cond: String| {
        format!(
            "SELECT platform, jk FROM (SELECT platform, jk, explode({list}) AS v FROM p \
               WHERE platform IS NOT NULL AND post_id IS NOT NULL) e WHERE {cond}"
        )
    };
    if let Some(tags) = sql_list(&c.hashtags)? {
        marks.push(exploded("hashtags", format!("v IN ({tags})")));
    }
    if let Some(targets) = sql_list(&c.targets)? {
        marks.push(exploded("mentions", format!("v IN ({targets})")));
    }
    if !c.url_prefixes.is_empty() {
        let any = c
            .url_prefixes
            .iter()
            .map(|u| Ok(format!("substring(v, 1, {}) = {}", u.chars().count(), text(u)?)))
            .collect::<Result<Vec<_>>>()?
            .join(" OR ");
        marks.push(exploded("urls", any));
    }
    if marks.is_empty() {
        marks.push("SELECT platform, jk FROM p WHERE false".into());
    }
    let marked = marks.join(" UNION ");
    let reply = match sql_list(reply_targets)? {
        Some(l) => format!("coalesce(lower(w.in_reply_to_account) IN ({l}), false)"),
        None => "false".into(),
    };
    let mut own = vec!["coalesce(w.origin = 'owned', false)".to_string()];
    for (platform, accts) in &c.own_accounts {
        if let Some(l) = sql_list(accts)? {
            own.push(format!(
                "coalesce(w.platform = {} AND (lower(w.account_handle) IN ({l}) OR lower(w.account_id) IN ({l})), false)",
                text(platform)?
            ));
        }
    }
    let own = own.join(" OR ");
    let id = text(&c.id)?;
    Ok(format!(
        "WITH p AS (\
           SELECT platform, post_id, origin, campaign, hashtags, mentions, urls, in_reply_to_account, \
             account_id, account_handle, impressions, reach, reactions, comments, shares, quotes, saves, \
             unix_micros(created_at) AS m, \
             CASE WHEN platform = 'facebook' AND locate('_', post_id) > 0 AND locate('_', post_id) < length(post_id) \
               THEN substr(post_id, locate('_', post_id) + 1) ELSE post_id END AS jk \
           FROM {POSTS_VIEW}), \
         marked AS (SELECT DISTINCT platform, jk FROM ({marked}) k), \
         w AS (\
           SELECT p.*, CAST(floor((m + {offset}) / {DAY_US}) AS INT) AS d \
           FROM p WHERE m >= {from} AND m < {to}), \
         own AS (\
           SELECT w.platform AS platform, w.d AS d, w.impressions AS impressions, w.reach AS reach, \
             CASE WHEN w.reactions IS NULL AND w.comments IS NULL AND w.shares IS NULL AND w.quotes IS NULL \
                    AND w.saves IS NULL THEN NULL \
               ELSE coalesce(w.reactions, 0) + coalesce(w.comments, 0) + coalesce(w.shares, 0) \
                    + coalesce(w.quotes, 0) + coalesce(w.saves, 0) END AS engagements \
           FROM w LEFT JOIN marked k ON k.platform = w.platform AND k.jk = w.jk \
           WHERE w.d BETWEEN {first} AND {last} AND NOT coalesce(w.platform = 'press', false) \
             AND (coalesce(w.campaign = {id}, false) OR k.jk IS NOT NULL OR {reply}) \
             AND ({own})) \
         SELECT platform, date_from_unix_date(d) AS `day`, CAST(count(*) AS BIGINT) AS posts, \
           CAST(sum(impressions) AS BIGINT) AS impressions, CAST(sum(reach) AS BIGINT) AS post_reach_sum, \
           CAST(sum(engagements) AS BIGINT) AS engagements \
         FROM own GROUP BY platform, d"
    ))
}

/// The URLs the server is told to read the part files `files` of the lake folder `dir` by:
/// `file://` URLs of their absolute paths for a local lake; for a lake staged from object
/// storage (`url`, [`crate::lake::store`]), the parts' own URLs in the store, with the scheme
/// the lake was given with (`s3://` or `s3a://`), never the local copy's paths.
pub fn part_urls(
    files: &[PathBuf],
    dir: &std::path::Path,
    url: Option<&crate::lake::store::LakeUrl>,
) -> Result<Vec<String>> {
    let Some(url) = url else { return files.iter().map(|p| file_url(p)).collect() };
    files
        .iter()
        .map(|p| {
            let rel =
                p.strip_prefix(dir).with_context(|| format!("{} is not a part of {}", p.display(), dir.display()))?;
            let Some(rel) = rel.to_str() else { bail!("the part name {} is not UTF-8", rel.display()) };
            let u = url.join(rel);
            if u.chars().any(|c| c.is_control() || matches!(c, '%' | '?' | '#' | ' ')) {
                bail!("the part URL {u} holds a character (%, ?, #, space, control) that Spark would read differently");
            }
            Ok(u)
        })
        .collect()
}

/// An absolute local path as a `file://` URL (what Spark and Sail read without a default
/// file system); refused when it is not valid UTF-8 or holds a character a URL path would
/// need to escape differently by engine.
fn file_url(p: &std::path::Path) -> Result<String> {
    let abs = std::path::absolute(p).with_context(|| format!("locating {}", p.display()))?;
    let Some(s) = abs.to_str() else { bail!("the lake path {} is not UTF-8", abs.display()) };
    if s.chars().any(|c| c.is_control() || matches!(c, '%' | '?' | '#')) {
        bail!("the lake path {s} holds a character (%, ?, #, control) that Spark would read as part of a URL");
    }
    Ok(format!("file://{s}"))
}

/// Spark SQL for one campaign's `hashtag_daily` without the campaign column, over
/// [`POSTS_VIEW`]; None when the campaign has no hashtag (no rows, as locally).
pub fn hashtag_daily_sql(c: &Campaign) -> Result<Option<String>> {
    if c.hashtags.is_empty() {
        return Ok(None);
    }
    let tags = c.hashtags.iter().map(|t| sql_text(t)).collect::<Result<Vec<_>>>()?.join(", ");
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");
    let (first, last) = ((c.start - epoch).num_days(), (c.end - epoch).num_days());
    // Every instant whose local day is in the window lies in [from, to): offsets are
    // within a day of UTC.
    let (from, to) = ((first - 2) * DAY_US, (last + 3) * DAY_US);
    let offset = offset_case("m", &offsets(&c.tz, from, to));
    Ok(Some(format!(
        "WITH p AS (\
           SELECT platform, post_id, hashtags, is_repost, followers, \
             concat(platform, ':', coalesce(account_id, concat('@', lower(account_handle)))) AS author, \
             unix_micros(created_at) AS m \
           FROM {POSTS_VIEW} WHERE NOT coalesce(platform = 'press', false)), \
         w AS (\
           SELECT platform, post_id, hashtags, is_repost, followers, author, \
             CAST(floor((m + {offset}) / {DAY_US}) AS INT) AS d \
           FROM p WHERE m >= {from} AND m < {to}), \
         t AS (\
           SELECT platform, post_id, d, is_repost, followers, author, explode(hashtags) AS tag \
           FROM w WHERE d BETWEEN {first} AND {last}), \
         u AS (\
           SELECT DISTINCT platform, post_id, regexp_replace(lower(tag), '^#+', '') AS hashtag, \
             d, is_repost, followers, author \
           FROM t WHERE regexp_replace(lower(tag), '^#+', '') IN ({tags})), \
         base AS (\
           SELECT hashtag, d, \
             CAST(sum(CASE WHEN coalesce(is_repost, false) THEN 0 ELSE 1 END) AS BIGINT) AS posts, \
             CAST(sum(CASE WHEN coalesce(is_repost, false) THEN 1 ELSE 0 END) AS BIGINT) AS reposts, \
             CAST(count(DISTINCT author) AS BIGINT) AS authors \
           FROM u GROUP BY hashtag, d), \
         firsts AS (\
           SELECT hashtag, d, CAST(count(*) AS BIGINT) AS new_authors \
           FROM (SELECT hashtag, author, min(d) AS d FROM u WHERE author IS NOT NULL GROUP BY hashtag, author) f \
           GROUP BY hashtag, d), \
         reach AS (\
           SELECT hashtag, d, CAST(sum(f) AS BIGINT) AS reach_sum, CAST(count(f) AS BIGINT) AS with_followers \
           FROM (SELECT hashtag, d, author, max(followers) AS f FROM u WHERE author IS NOT NULL \
                 GROUP BY hashtag, d, author) r \
           GROUP BY hashtag, d) \
         SELECT b.hashtag AS hashtag, date_from_unix_date(b.d) AS `day`, b.posts AS posts, b.reposts AS reposts, \
           b.authors AS authors, CAST(coalesce(n.new_authors, 0) AS BIGINT) AS new_authors, \
           CASE WHEN r.with_followers > 0 THEN r.reach_sum END AS potential_reach, \
           CAST(coalesce(r.with_followers, 0) AS BIGINT) AS authors_with_followers \
         FROM base b \
         LEFT JOIN firsts n ON n.hashtag = b.hashtag AND n.d = b.d \
         LEFT JOIN reach r ON r.hashtag = b.hashtag AND r.d = b.d"
    )))
}

/// `s` as a SQL string literal; refused when it holds a quote, a backslash or a control
/// character (see the module docs).
fn sql_text(s: &str) -> Result<String> {
    if s.chars().any(|c| c == '\'' || c == '\\' || c.is_control()) {
        bail!("{s:?} holds a quote, backslash or control character: the Spark engine does not send it");
    }
    Ok(format!("'{s}'"))
}

/// `tz`'s UTC offset at `at` (µs since the epoch), in µs.
fn offset_at(tz: &chrono_tz::Tz, at: i64) -> i64 {
    let utc = chrono::DateTime::from_timestamp_micros(at).expect("an instant of the window").naive_utc();
    tz.offset_from_utc_datetime(&utc).fix().local_minus_utc() as i64 * 1_000_000
}

/// `tz`'s offsets over [from, to): (first instant, offset) of each stretch, the first
/// starting at `from`. Each quarter hour is checked; a change inside one is found to the
/// microsecond by bisection (zones change at most a few times a year).
fn offsets(tz: &chrono_tz::Tz, from: i64, to: i64) -> Vec<(i64, i64)> {
    const STEP: i64 = 900_000_000;
    let mut out = vec![(from, offset_at(tz, from))];
    let mut prev = from;
    while prev < to {
        let next = (prev + STEP).min(to);
        let (before, after) = (out.last().expect("one").1, offset_at(tz, next));
        if after != before {
            // The first instant of (prev, next] with the new offset.
            let (mut lo, mut hi) = (prev, next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if offset_at(tz, mid) == before {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.push((hi, after));
        }
        prev = next;
    }
    out
}

/// The offset of `col`'s instant as a SQL expression over [`offsets`]' stretches.
fn offset_case(col: &str, stretches: &[(i64, i64)]) -> String {
    match stretches {
        [] => "0".into(),
        [(_, o)] => format!("{o}"),
        [(_, first), rest @ ..] => {
            let mut s = String::from("CASE");
            let mut current = *first;
            for (start, o) in rest {
                s.push_str(&format!(" WHEN {col} < {start} THEN {current}"));
                current = *o;
            }
            s.push_str(&format!(" ELSE {current} END"));
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn campaign(tz: &str, start: &str, end: &str, tags: &[&str]) -> Campaign {
        let toml = format!(
            "[output]\ndir='o'\n[[campaigns]]\nid='c'\nstart={start}\nend={end}\ntz='{tz}'\nhashtags=[{}]\n",
            tags.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(",")
        );
        let p = crate::pipeline::Pipeline::parse(std::path::Path::new("p.toml"), &toml).unwrap();
        p.campaigns[0].clone()
    }

    #[test]
    fn offsets_change_at_the_exact_instant() {
        // Europe/London left BST at 2012-10-28T01:00:00Z.
        let tz: chrono_tz::Tz = "Europe/London".parse().unwrap();
        let at = chrono::DateTime::parse_from_rfc3339("2012-10-28T01:00:00Z").unwrap().timestamp_micros();
        let o = offsets(&tz, at - 10 * DAY_US, at + 10 * DAY_US);
        assert_eq!(o, vec![(at - 10 * DAY_US, 3_600_000_000), (at, 0)]);
        assert_eq!(offset_case("m", &o), format!("CASE WHEN m < {at} THEN 3600000000 ELSE 0 END"));
        let nairobi: chrono_tz::Tz = "Africa/Nairobi".parse().unwrap();
        assert_eq!(offset_case("m", &offsets(&nairobi, at, at + 30 * DAY_US)), "10800000000");
    }

    #[test]
    fn the_sql_reads_the_view_in_the_window_with_the_campaign_tags() {
        let c = campaign("Europe/London", "2012-10-01", "2012-10-31", &["#MakeTheFuture", "shell"]);
        let q = hashtag_daily_sql(&c).unwrap().unwrap();
        assert!(q.contains(&format!("FROM {POSTS_VIEW} WHERE")), "{q}");
        assert!(q.contains("IN ('makethefuture', 'shell')"), "{q}");
        // 2012-10-01 is day 15614; 2012-10-31 day 15644.
        assert!(q.contains("d BETWEEN 15614 AND 15644"), "{q}");
        assert!(q.contains("CASE WHEN m < "), "the window crosses the end of BST: {q}");
        let mut none = c.clone();
        none.hashtags.clear();
        assert_eq!(hashtag_daily_sql(&none).unwrap(), None);
        assert!(sql_text("it's").is_err() && sql_text("a\\b").is_err() && sql_text("ok_tag").is_ok());
    }

    #[test]
    fn the_reach_sql_names_the_campaign_post_rules() {
        let mut c = campaign("Europe/London", "2012-10-01", "2012-10-31", &["makethefuture"]);
        c.targets = vec!["shell".into()];
        c.url_prefixes = vec!["https://example.org/c".into()];
        c.own_accounts.insert("twitter".into(), vec!["amnesty".into()]);
        let q = reach_daily_posts_sql(&c, &["shell".into(), "555".into()]).unwrap();
        assert!(q.contains(&format!("FROM {POSTS_VIEW})")), "{q}");
        assert!(q.contains("explode(hashtags) AS v") && q.contains("v IN ('makethefuture')"), "{q}");
        assert!(q.contains("explode(mentions) AS v") && q.contains("v IN ('shell')"), "{q}");
        assert!(q.contains("substring(v, 1, 21) = 'https://example.org/c'"), "{q}");
        assert!(q.contains("lower(w.in_reply_to_account) IN ('shell', '555')"), "{q}");
        assert!(q.contains("coalesce(w.campaign = 'c', false)"), "{q}");
        assert!(q.contains("w.platform = 'twitter' AND (lower(w.account_handle) IN ('amnesty')"), "{q}");
        assert!(q.contains("w.d BETWEEN 15614 AND 15644") && q.contains("CASE WHEN m < "), "{q}");
        assert!(q.contains("NOT coalesce(w.platform = 'press', false)"), "{q}");
        // No hashtag, target or prefix: no marked post, and no reply rule; never `IN ()`.
        let bare = campaign("UTC", "2012-10-01", "2012-10-31", &[]);
        let q = reach_daily_posts_sql(&bare, &[]).unwrap();
        assert!(q.contains("SELECT platform, jk FROM p WHERE false") && !q.contains("IN ()"), "{q}");
        assert!(q.contains("OR k.jk IS NOT NULL OR false)"), "{q}");
        let mut quoted = c.clone();
        quoted.url_prefixes = vec!["https://x.org/it's".into()];
        assert!(reach_daily_posts_sql(&quoted, &[]).is_err());
    }

    #[test]
    fn file_urls_are_absolute_and_refuse_url_characters() {
        assert_eq!(
            file_url(std::path::Path::new("/l/posts/platform=x/f1-part-0000.parquet")).unwrap(),
            "file:///l/posts/platform=x/f1-part-0000.parquet"
        );
        assert!(file_url(std::path::Path::new("rel/a.parquet")).unwrap().starts_with("file:///"));
        assert!(file_url(std::path::Path::new("/l/a#b.parquet")).is_err());
        assert!(file_url(std::path::Path::new("/l/100%.parquet")).is_err());
    }

    #[test]
    fn parts_of_a_staged_lake_are_read_at_their_store_urls() {
        let url = match crate::lake::store::Place::parse(std::path::Path::new("s3a://bucket/lakes/demo")).unwrap() {
            crate::lake::store::Place::Url(u) => u,
            p => panic!("{p:?}"),
        };
        let dir = std::path::Path::new("/cache/lakes/ab12/lake");
        let files = vec![dir.join("posts/platform=twitter/f1-part-0000.parquet")];
        assert_eq!(
            part_urls(&files, dir, Some(&url)).unwrap(),
            ["s3a://bucket/lakes/demo/posts/platform=twitter/f1-part-0000.parquet"]
        );
        assert_eq!(
            part_urls(&files, dir, None).unwrap(),
            ["file:///cache/lakes/ab12/lake/posts/platform=twitter/f1-part-0000.parquet"]
        );
        assert!(part_urls(&[std::path::PathBuf::from("/elsewhere/a.parquet")], dir, Some(&url)).is_err());
    }
}
