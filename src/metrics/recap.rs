//! `recap_posts`: the few posts the supporters' recap (`recap-<campaign>.html`,
//! docs/recap.md) quotes, with their public text and address. Render reads only metric
//! tables, so the texts it may show are chosen here, under the naming rule of
//! `top_voices` ([`super::top_voices::named_because`], the one place it is written).
//!
//! Readings to keep:
//! - `kind` `own`: the campaign's own posts ([`super::key_accounts`]'s taking-part posts
//!   of the window that are own: campaign posts, and own replies to or quotes of them),
//!   not reposts, the [`OWN_POSTS`] with the most engagements (null last), then earliest,
//!   then smaller post id. A post both exported (owned) and collected is one post, with its
//!   larger engagement figure.
//! - `kind` `target_response`: each target's first response (`target_response`'s
//!   `response_post_id`, on one of the row's platforms), `rank` the target's position in
//!   the pipeline; `account_handle` the target as the pipeline names it.
//! - `kind` `voice`: named voices that are neither own accounts nor targets (key accounts,
//!   and authors with at least `min_followers_to_name` followers): each one's best
//!   taking-part collected post that is not a repost (same order as above), then the best
//!   [`VOICE_POSTS`] of those, one per author.
//! - `text`: the post's text with e-mail, phone and long hex shapes replaced
//!   ([`crate::privacy::redact`]) and every `@handle` that is not a named account of the
//!   campaign (own, target, key or named voice) replaced by `@…`: a named voice's reply
//!   must not name the ordinary supporter it answers. `url`: the export's permalink, else,
//!   for Twitter, the public address made of handle and post id; null otherwise.
//! - Nothing else of the lake is written: no author id, no unnamed author, no actor.
//!
//! User docs: docs/metrics.md#recap-posts, docs/recap.md.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use polars::prelude::*;
use serde_json::Value;

use super::key_accounts::WindowPost;
use super::registry::{Compute, Done, Table};
use super::top_voices::{author_of, named_because, shown_handle, voices};
use super::{hashtags, Scope};

/// Own posts kept per campaign.
pub const OWN_POSTS: usize = 3;
/// Posts of named voices kept per campaign.
pub const VOICE_POSTS: usize = 5;

/// The `recap_posts` table (registry entry).
pub const RECAP_POSTS: Table = Table {
    name: "recap_posts",
    key: &["campaign", "kind", "rank"],
    columns: &[
        "campaign",
        "kind",
        "rank",
        "platform",
        "post_id",
        "account_handle",
        "created_at",
        "url",
        "text",
        "engagements",
    ],
    compute: Compute::Derived(recap_posts),
};

/// One chosen post, before its text is read.
struct Chosen {
    campaign: String,
    kind: &'static str,
    rank: i64,
    platform: String,
    post_id: String,
    handle: Option<String>,
    created_at: Option<i64>,
    engagements: Option<i64>,
}

/// Most engagements first (null last), then earliest, then smaller post id.
fn best_first(a: &WindowPost, b: &WindowPost) -> std::cmp::Ordering {
    b.engagements
        .is_some()
        .cmp(&a.engagements.is_some())
        .then(b.engagements.cmp(&a.engagements))
        .then(a.created_at.cmp(&b.created_at))
        .then(a.post_id.cmp(&b.post_id))
}

fn chosen(s: &Scope, kind: &'static str, rank: usize, p: &WindowPost, handle: Option<String>) -> Chosen {
    Chosen {
        campaign: s.campaign.id.clone(),
        kind,
        rank: rank as i64 + 1,
        platform: p.platform.clone(),
        post_id: p.post_id.clone(),
        handle,
        created_at: p.created_at,
        engagements: p.engagements,
    }
}

/// The campaign's chosen posts, and the lower-case handles its texts may show.
fn one(s: &Scope, tr: &DataFrame) -> Result<(Vec<Chosen>, BTreeSet<String>)> {
    let c = s.campaign;
    let mut out = Vec::new();
    let all = voices(s)?;
    let (voices, posts) = (&all.0, &all.1);
    let mut named: BTreeSet<String> = c.targets.iter().cloned().collect();
    named.extend(c.own_accounts.values().flatten().cloned());
    named.extend(c.key_accounts.iter().map(|k| k.account.clone()));
    for v in voices.values().filter(|v| named_because(c, v).is_some()) {
        named.extend(shown_handle(c, v));
    }
    let named: BTreeSet<String> = named.into_iter().map(|h| h.trim_start_matches('@').to_lowercase()).collect();

    // Own posts, one row per (platform, post id), the larger engagement figure kept.
    let mut own: BTreeMap<(String, String), &WindowPost> = BTreeMap::new();
    for p in posts.iter().filter(|p| p.own && p.takes_part && !p.repost) {
        let e = own.entry((p.platform.clone(), p.post_id.clone())).or_insert(p);
        if best_first(p, e).is_lt() {
            *e = p;
        }
    }
    let mut own: Vec<&WindowPost> = own.into_values().collect();
    own.sort_by(|a, b| best_first(a, b));
    for (i, p) in own.into_iter().take(OWN_POSTS).enumerate() {
        out.push(chosen(s, "own", i, p, p.handle.clone()));
    }

    // The targets' first responses.
    out.extend(responses(s, tr)?);

    // Named voices that are not the campaign's own accounts or its targets: each one's best post.
    let mut best: BTreeMap<&(String, String), &WindowPost> = BTreeMap::new();
    for p in posts.iter().filter(|p| p.collected && p.takes_part && !p.repost) {
        let Some(author) = author_of(p) else { continue };
        let Some((key, v)) = voices.get_key_value(&author) else { continue };
        if !matches!(named_because(c, v), Some("key" | "followers")) {
            continue;
        }
        let e = best.entry(key).or_insert(p);
        if best_first(p, e).is_lt() {
            *e = p;
        }
    }
    let mut best: Vec<(&(String, String), &WindowPost)> = best.into_iter().collect();
    best.sort_by(|a, b| best_first(a.1, b.1));
    for (i, (key, p)) in best.into_iter().take(VOICE_POSTS).enumerate() {
        out.push(chosen(s, "voice", i, p, shown_handle(c, &voices[key])));
    }
    Ok((out, named))
}

/// Each target's first response post (by `target_response`), found among the scope's posts.
fn responses(s: &Scope, tr: &DataFrame) -> Result<Vec<Chosen>> {
    let c = s.campaign;
    let mine = tr.clone().lazy().filter(col("campaign").eq(lit(c.id.as_str()))).collect()?;
    let (targets, platforms, ids) =
        (mine.column("target")?.str()?, mine.column("platform")?.str()?, mine.column("response_post_id")?.str()?);
    let mut out = Vec::new();
    for i in 0..mine.height() {
        let (Some(target), Some(id)) = (targets.get(i), ids.get(i)) else { continue };
        let on: Vec<&str> = platforms.get(i).unwrap_or("").split(',').collect();
        let found = s
            .posts
            .clone()
            .filter(col("post_id").eq(lit(id)))
            .select([col("platform"), col("created_at").cast(DataType::Int64).alias("created_at"), col("engagements")])
            .sort(["platform"], Default::default())
            .collect()?;
        let (plat, at, eng) =
            (found.column("platform")?.str()?, found.column("created_at")?.i64()?, found.column("engagements")?.i64()?);
        let Some(j) = (0..found.height()).find(|&j| plat.get(j).is_some_and(|p| on.contains(&p))) else { continue };
        let rank = c.targets.iter().position(|t| t == target).unwrap_or(i) as i64 + 1;
        out.push(Chosen {
            campaign: c.id.clone(),
            kind: "target_response",
            rank,
            platform: plat.get(j).unwrap_or_default().to_string(),
            post_id: id.to_string(),
            handle: Some(target.to_string()),
            created_at: at.get(j),
            engagements: eng.get(j),
        });
    }
    Ok(out)
}

/// `text` with screened shapes and the handles of unnamed accounts replaced (module docs).
pub(crate) fn public_text(text: &str, named: &BTreeSet<String>) -> String {
    static AT: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let at = AT.get_or_init(|| regex::Regex::new(r"@([A-Za-z0-9_]+)").expect("valid"));
    let text = crate::privacy::redact(text);
    at.replace_all(
        &text,
        |m: &regex::Captures<'_>| {
            if named.contains(&m[1].to_lowercase()) {
                m[0].to_string()
            } else {
                "@…".to_string()
            }
        },
    )
    .into_owned()
}

/// docs/metrics.md#recap-posts `recap_posts` for every campaign, sorted by (campaign,
/// kind, rank).
fn recap_posts(done: &Done<'_>) -> Result<(DataFrame, Value)> {
    let tr = done.table(&hashtags::TARGET_RESPONSE)?;
    let mut rows = Vec::new();
    let mut named: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in done.scopes {
        let (r, n) = one(s, tr).map_err(|e| anyhow::anyhow!("choosing the recap's posts of {}: {e}", s.campaign.id))?;
        rows.extend(r);
        named.insert(s.campaign.id.clone(), n);
    }
    rows.sort_by(|a, b| (&a.campaign, a.kind, a.rank).cmp(&(&b.campaign, b.kind, b.rank)));
    let texts = texts(done, &rows)?;
    let n = rows.len();
    let mut url = Vec::with_capacity(n);
    let mut text = Vec::with_capacity(n);
    for r in &rows {
        let (t, link) = texts.get(&(r.platform.clone(), r.post_id.clone())).cloned().unwrap_or_default();
        let link = link.or_else(|| match (r.platform.as_str(), &r.handle) {
            ("twitter", Some(h)) => Some(format!("https://twitter.com/{h}/status/{}", r.post_id)),
            _ => None,
        });
        url.push(link);
        text.push(t.map(|t| public_text(&t, &named[&r.campaign])));
    }
    let utc = DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC));
    let df = DataFrame::new(
        n,
        vec![
            Column::new("campaign".into(), rows.iter().map(|r| r.campaign.clone()).collect::<Vec<_>>()),
            Column::new("kind".into(), rows.iter().map(|r| r.kind).collect::<Vec<_>>()),
            Column::new("rank".into(), rows.iter().map(|r| r.rank).collect::<Vec<_>>()),
            Column::new("platform".into(), rows.iter().map(|r| r.platform.clone()).collect::<Vec<_>>()),
            Column::new("post_id".into(), rows.iter().map(|r| r.post_id.clone()).collect::<Vec<_>>()),
            Column::new("account_handle".into(), rows.iter().map(|r| r.handle.clone()).collect::<Vec<_>>()),
            Column::new("created_at".into(), rows.iter().map(|r| r.created_at).collect::<Vec<_>>()).cast(&utc)?,
            Column::new("url".into(), url),
            Column::new("text".into(), text),
            Column::new("engagements".into(), rows.iter().map(|r| r.engagements).collect::<Vec<_>>()),
        ],
    )?;
    Ok((df, Value::Null))
}

/// (platform, post id) → (text, permalink) of the chosen posts, from the lake's posts
/// (the first non-null of each over the post's rows, in origin order: collected, owned).
fn texts(done: &Done<'_>, rows: &[Chosen]) -> Result<BTreeMap<(String, String), (Option<String>, Option<String>)>> {
    let mut out: BTreeMap<(String, String), (Option<String>, Option<String>)> = BTreeMap::new();
    if rows.is_empty() {
        return Ok(out);
    }
    let wanted = df!(
        "platform" => rows.iter().map(|r| r.platform.clone()).collect::<Vec<_>>(),
        "post_id" => rows.iter().map(|r| r.post_id.clone()).collect::<Vec<_>>(),
    )?
    .lazy()
    .unique(None, UniqueKeepStrategy::Any);
    let k = [col("platform"), col("post_id")];
    // The chosen ids as a filter polars applies while it reads each row group: only their
    // rows' text is decoded (joined as a scan, every post's text was read: +2.3 GB at 100 M).
    let ids: Vec<String> = rows.iter().map(|r| r.post_id.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let df = done
        .post_texts
        .clone()
        .select([col("platform"), col("post_id"), col("origin"), col("text"), col("permalink")])
        .filter(super::scope::one_of(col("post_id"), &ids))
        .join(wanted, k.clone(), k, JoinArgs::new(JoinType::Inner))
        .sort(["platform", "post_id", "origin"], SortMultipleOptions::default().with_maintain_order(true))
        .collect()?;
    let (p, id, t, l) = (
        df.column("platform")?.str()?,
        df.column("post_id")?.str()?,
        df.column("text")?.str()?,
        df.column("permalink")?.str()?,
    );
    for i in 0..df.height() {
        let (Some(p), Some(id)) = (p.get(i), id.get(i)) else { continue };
        let e = out.entry((p.to_string(), id.to_string())).or_default();
        if e.0.is_none() {
            e.0 = t.get(i).filter(|s| !s.trim().is_empty()).map(String::from);
        }
        if e.1.is_none() {
            e.1 = l.get(i).filter(|s| !s.trim().is_empty()).map(String::from);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_keep_named_handles_only() {
        let named: BTreeSet<String> = ["amnesty".to_string(), "shell".to_string()].into();
        // @Shell and @amnesty are named (case does not matter); @tiny_tom is not; the
        // e-mail is replaced before any handle is looked at.
        assert_eq!(
            public_text("@tiny_tom thanks! @Shell answer @amnesty, or write to ann@example.org", &named),
            "@… thanks! @Shell answer @amnesty, or write to <e-mail>"
        );
    }

    #[test]
    fn chooses_own_posts_responses_and_named_voices_only() {
        use crate::metrics::key_accounts::tests::{post, tagged, PIPE};
        // Window 2012-10-01..21; min_followers_to_name 5 000; target shell, own amnesty.
        let at = |d: u32| format!("2012-10-{d:02}T09:00:00Z");
        let own = |id: &str, d: u32, reactions: i64| {
            let mut p = tagged(post(id, "amnesty", &at(d), Some(700_000)));
            p.reactions = Some(reactions);
            p.text = Some(format!("own post {id} #makethefuture"));
            p
        };
        // Own: a2 (40) > a4 (20) > a1 (10 shares + 5 reactions = 15) > a3 (1): a3 is cut.
        let mut a1 = own("a1", 2, 5);
        a1.shares = Some(10);
        let (a2, a3, a4) = (own("a2", 3, 40), own("a3", 4, 1), own("a4", 5, 20));
        // @Shell answers a1, naming the supporter it replies to: quoted, the supporter masked;
        // no permalink, so the Twitter address is made.
        let mut s1 = post("s1", "shell", "2012-10-03T14:05:00Z", Some(200_000));
        s1.in_reply_to_post_id = Some("a1".into());
        s1.text = Some("@tiny_tom @amnesty we are working on it".into());
        // tiny_tom (12 followers) has the most engagements (100) but is never quoted.
        let mut t1 = post("t1", "tiny_tom", &at(3), Some(12));
        (t1.in_reply_to_post_id, t1.reactions, t1.text) = (Some("a1".into()), Some(100), Some("tiny says".into()));
        // quiet_quinn (4 999, one under the threshold): 50 reactions, never quoted.
        let mut q1 = tagged(post("q1", "quiet_quinn", &at(4), Some(4_999)));
        (q1.reactions, q1.text) = (Some(50), Some("quinn says".into()));
        // bigvoice (6 000): b2 (9) is its best post; smallkey (a key account, 100): k1 (2).
        let mut b1 = tagged(post("b1", "bigvoice", &at(5), Some(6_000)));
        b1.reactions = Some(3);
        let mut b2 = tagged(post("b2", "bigvoice", &at(6), Some(6_000)));
        b2.reactions = Some(9);
        b2.text = Some("Thanks @quiet_quinn and @SmallKey, write to ann@example.org".into());
        b2.permalink = Some("https://example.org/b2".into());
        let mut k1 = tagged(post("k1", "smallkey", &at(7), Some(100)));
        k1.reactions = Some(2);
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("lake");
        let posts = [a1, a2, a3, a4, s1, t1, q1, b1, b2, k1];
        crate::testkit::write_records(&root, "t", &posts, &[], &[], &[]).unwrap();
        let toml = format!("{PIPE}key_accounts=[{{platform='twitter',account='smallkey'}}]\n");
        let pipe = crate::pipeline::Pipeline::parse(&d.path().join("p.toml"), &toml).unwrap();
        let out = d.path().join("out");
        crate::metrics::analyze::analyze(&pipe, &root, &out).unwrap();
        let file = std::fs::File::open(out.join("metrics/recap_posts.parquet")).unwrap();
        let df = ParquetReader::new(file).finish().unwrap();
        let strs = |c: &str| -> Vec<Option<String>> {
            df.column(c).unwrap().str().unwrap().iter().map(|v| v.map(String::from)).collect()
        };
        let so = |v: &[Option<&str>]| v.iter().map(|x| x.map(String::from)).collect::<Vec<_>>();
        // Sorted by (kind, rank): own, target_response, voice.
        assert_eq!(strs("post_id"), so(&[Some("a2"), Some("a4"), Some("a1"), Some("s1"), Some("b2"), Some("k1")]));
        assert_eq!(
            strs("account_handle"),
            so(&[Some("amnesty"), Some("amnesty"), Some("amnesty"), Some("shell"), Some("bigvoice"), Some("smallkey")])
        );
        let eng: Vec<Option<i64>> = df.column("engagements").unwrap().i64().unwrap().iter().collect();
        assert_eq!(eng, [Some(40), Some(20), Some(15), None, Some(9), Some(2)]);
        let text = strs("text");
        assert_eq!(text[3].as_deref(), Some("@… @amnesty we are working on it"));
        assert_eq!(text[4].as_deref(), Some("Thanks @… and @SmallKey, write to <e-mail>"));
        let url = strs("url");
        assert_eq!(url[3].as_deref(), Some("https://twitter.com/shell/status/s1"));
        assert_eq!(url[4].as_deref(), Some("https://example.org/b2"));
        // Nothing of the small authors anywhere in the table.
        for c in RECAP_POSTS.columns {
            let col = df.column(c).unwrap().cast(&DataType::String).unwrap();
            for v in col.str().unwrap().iter().flatten() {
                for hidden in ["tiny", "quinn", "ann@"] {
                    assert!(!v.contains(hidden), "{c}: {v}");
                }
            }
        }
    }
}
