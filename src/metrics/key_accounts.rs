//! `key_accounts`: did the accounts a campaign watches (organisations, experts, media,
//! officials: the pipeline's key accounts) take part, and with how large an audience. Also
//! what `top_voices` shares with it: the posts that take part in a campaign and who wrote
//! them.
//!
//! Readings to keep:
//! - A post *takes part* when it is a campaign post (scope `campaign_post`: member and in
//!   the window), or when it is in the window and replies to, quotes or reposts a campaign
//!   post of the same platform (the post answers the campaign, like a campaign action).
//!   Own and collected posts alike.
//! - A key account is matched on its platform by handle (lower-case) or by id: the account
//!   as written, and every id the lake knows for the handle (posts and accounts tables).
//! - `posts`, `reposts`, `replies` split the account's taking-part posts: reposts
//!   (`is_repost` true), replies (not reposts, with a replied-to post or account), posts
//!   (the rest: originals and quotes).
//! - `followers`: the largest count seen in the window for the account, on any of its posts
//!   or in the accounts table (dated in the window); null when none.
//! - `potential_reach`: the largest count on its taking-part posts (its share of
//!   `hashtag_potential_reach`: one author, counted once); 0 when it did not take part;
//!   null when it took part but none of those posts carries a count.
//! - Rows sorted by (campaign, platform, account); a campaign without key accounts has none.
//!
//! User docs: docs/metrics.md#key-accounts.

use std::collections::{HashMap, HashSet};

use polars::prelude::*;

use super::scope::{lower, one_of, Scope};
use crate::model::join_key;

/// The `key_accounts` table (registry entry).
pub const KEY_ACCOUNTS: super::registry::Table = super::registry::Table {
    name: "key_accounts",
    key: &["campaign", "platform", "account"],
    columns: &[
        "campaign",
        "platform",
        "account",
        "label",
        "took_part",
        "first_at",
        "posts",
        "reposts",
        "replies",
        "followers",
        "potential_reach",
    ],
    compute: super::registry::Compute::Scopes(key_accounts),
};

/// One post of a campaign's window, as `key_accounts` and `top_voices` read it.
#[derive(Debug, Clone)]
pub(crate) struct WindowPost {
    pub platform: String,
    pub collected: bool,
    pub account_id: Option<String>,
    /// Lower-case.
    pub handle: Option<String>,
    /// µs since the epoch, UTC.
    pub created_at: Option<i64>,
    pub post_id: String,
    pub repost: bool,
    pub reply: bool,
    pub followers: Option<i64>,
    pub shares: Option<i64>,
    pub engagements: Option<i64>,
    /// Origin owned or by an own account (scope `own`).
    pub own: bool,
    /// See the module docs.
    pub takes_part: bool,
}

fn strs(df: &DataFrame, c: &str) -> PolarsResult<Vec<Option<String>>> {
    Ok(df.column(c)?.str()?.iter().map(|v| v.map(String::from)).collect())
}

fn i64s(df: &DataFrame, c: &str) -> PolarsResult<Vec<Option<i64>>> {
    Ok(df.column(c)?.cast(&DataType::Int64)?.i64()?.iter().collect())
}

fn bools(df: &DataFrame, c: &str) -> PolarsResult<Vec<bool>> {
    Ok(df.column(c)?.bool()?.iter().map(|v| v == Some(true)).collect())
}

/// The scope's posts created in the window, with `takes_part` marked; computed once per
/// scope and shared ([`Scope::window_posts`]).
pub(crate) fn window_posts(s: &Scope) -> PolarsResult<std::sync::Arc<Vec<WindowPost>>> {
    s.window_posts
        .get_or_init(|| compute_window_posts(s).map(std::sync::Arc::new).map_err(|e| e.to_string()))
        .clone()
        .map_err(|e| PolarsError::ComputeError(e.into()))
}

fn compute_window_posts(s: &Scope) -> PolarsResult<Vec<WindowPost>> {
    let df = s
        .posts
        .clone()
        .filter(col("in_window"))
        .select([
            col("platform"),
            col("post_id"),
            col("origin"),
            col("account_id"),
            lower(col("account_handle")).str().strip_chars_start(lit("@")).alias("handle"),
            col("created_at").cast(DataType::Int64).alias("created_at"),
            col("is_repost").fill_null(lit(false)).alias("repost"),
            col("in_reply_to_post_id").is_not_null().or(col("in_reply_to_account").is_not_null()).alias("reply"),
            col("in_reply_to_post_id"),
            col("quoted_post_id"),
            col("reposted_post_id"),
            col("followers"),
            col("shares"),
            col("engagements"),
            col("own"),
            col("campaign_post"),
        ])
        .collect()?;
    // The text columns are read where they are: a String is made only for what a post keeps.
    let text = |c: &str| -> PolarsResult<StringChunked> { Ok(df.column(c)?.str()?.rechunk().into_owned()) };
    let (platform, post_id) = (text("platform")?, text("post_id")?);
    let campaign_post = bools(&df, "campaign_post")?;
    let campaign_keys: HashSet<(&str, &str)> = (0..df.height())
        .filter(|&i| campaign_post[i])
        .filter_map(|i| {
            let (p, id) = (platform.get(i)?, post_id.get(i)?);
            Some((p, join_key(p, id)))
        })
        .collect();
    let refs = [text("in_reply_to_post_id")?, text("quoted_post_id")?, text("reposted_post_id")?];
    let (origin, account_id, handle) = (text("origin")?, text("account_id")?, text("handle")?);
    let (created_at, followers, shares, engagements) =
        (i64s(&df, "created_at")?, i64s(&df, "followers")?, i64s(&df, "shares")?, i64s(&df, "engagements")?);
    let (repost, reply, own) = (bools(&df, "repost")?, bools(&df, "reply")?, bools(&df, "own")?);
    let mut out = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let Some(p) = platform.get(i) else { continue };
        let answers =
            refs.iter().any(|r| r.get(i).is_some_and(|id| campaign_keys.contains(&(p, join_key(p, id)))));
        out.push(WindowPost {
            collected: origin.get(i) == Some("collected"),
            account_id: account_id.get(i).map(String::from),
            handle: handle.get(i).filter(|h| !h.is_empty()).map(String::from),
            created_at: created_at[i],
            post_id: post_id.get(i).unwrap_or_default().to_string(),
            repost: repost[i],
            reply: reply[i] && !repost[i],
            followers: followers[i],
            shares: shares[i],
            engagements: engagements[i],
            own: own[i],
            takes_part: campaign_post[i] || answers,
            platform: p.to_string(),
        });
    }
    Ok(out)
}

/// Recognises named accounts among authors: by (platform, lower-case handle) and by
/// (platform, account id), each giving the index of the named account.
#[derive(Default)]
pub(crate) struct Who {
    /// Platform "" = any platform.
    by_handle: HashMap<(String, String), usize>,
    by_id: HashMap<(String, String), usize>,
}

impl Who {
    /// `named`: (platform or None for any, lower-case handle or id). Ids the lake knows for
    /// a handle (`known`: (platform, id, lower-case handle)) are added; an account written
    /// with a platform is also taken as an id. The first of two names for an account wins.
    pub(crate) fn new(named: &[(Option<&str>, &str)], known: &[(String, String, String)]) -> Who {
        let mut w = Who::default();
        for (i, (p, a)) in named.iter().enumerate() {
            w.by_handle.entry((p.unwrap_or("").to_string(), a.to_string())).or_insert(i);
            if let Some(p) = p {
                w.by_id.entry((p.to_string(), a.to_string())).or_insert(i);
            }
        }
        for (p, id, h) in known {
            let hit = w.by_handle.get(&(p.clone(), h.clone())).or_else(|| w.by_handle.get(&(String::new(), h.clone())));
            if let Some(&i) = hit {
                w.by_id.entry((p.clone(), id.clone())).or_insert(i);
            }
        }
        w
    }

    /// The named account an author is, if any.
    pub(crate) fn find(&self, platform: &str, handle: Option<&str>, id: Option<&str>) -> Option<usize> {
        let by_handle = |h: &str| {
            self.by_handle
                .get(&(platform.to_string(), h.to_string()))
                .or_else(|| self.by_handle.get(&(String::new(), h.to_string())))
        };
        handle
            .and_then(by_handle)
            .or_else(|| id.and_then(|id| self.by_id.get(&(platform.to_string(), id.to_string()))))
            .copied()
    }
}

/// (platform, account id, lower-case handle) of every account the lake names with both and
/// whose handle is one of `handles`, from the posts and the accounts table.
pub(crate) fn known_accounts(s: &Scope, handles: &[String]) -> PolarsResult<Vec<(String, String, String)>> {
    if handles.is_empty() {
        return Ok(Vec::new());
    }
    let pick = |lf: LazyFrame| {
        lf.select([
            col("platform"),
            col("account_id"),
            lower(col("account_handle")).str().strip_chars_start(lit("@")).alias("handle"),
        ])
        .filter(one_of(col("handle"), handles))
    };
    let df = concat([pick(s.posts.clone()), pick(s.accounts.clone())], UnionArgs::default())?
        .drop_nulls(None)
        .unique(None, UniqueKeepStrategy::Any)
        .sort(["platform", "account_id", "handle"], Default::default())
        .collect()?;
    let (p, id, h) = (strs(&df, "platform")?, strs(&df, "account_id")?, strs(&df, "handle")?);
    Ok((0..df.height()).filter_map(|i| Some((p[i].clone()?, id[i].clone()?, h[i].clone()?))).collect())
}

fn schema() -> Schema {
    Schema::from_iter([
        Field::new("campaign".into(), DataType::String),
        Field::new("platform".into(), DataType::String),
        Field::new("account".into(), DataType::String),
        Field::new("label".into(), DataType::String),
        Field::new("took_part".into(), DataType::Boolean),
        Field::new("first_at".into(), DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))),
        Field::new("posts".into(), DataType::Int64),
        Field::new("reposts".into(), DataType::Int64),
        Field::new("replies".into(), DataType::Int64),
        Field::new("followers".into(), DataType::Int64),
        Field::new("potential_reach".into(), DataType::Int64),
    ])
}

/// docs/metrics.md#key-accounts `key_accounts` for every campaign, sorted by (campaign,
/// platform, account).
pub fn key_accounts(scopes: &[Scope]) -> PolarsResult<LazyFrame> {
    let mut frames = vec![DataFrame::empty_with_schema(&schema()).lazy()];
    for s in scopes {
        if !s.campaign.key_accounts.is_empty() {
            frames.push(key_accounts_one(s)?.lazy());
        }
    }
    Ok(concat(frames, UnionArgs::default())?.sort(["campaign", "platform", "account"], Default::default()))
}

/// The headline pair of a campaign from its `key_accounts` rows: (key accounts that took
/// part, key accounts named); both None when the campaign names none.
pub fn participating(table: &DataFrame, c: &crate::schema::Campaign) -> PolarsResult<(Option<i64>, Option<i64>)> {
    if c.key_accounts.is_empty() {
        return Ok((None, None));
    }
    let camp = table.column("campaign")?.str()?;
    let took = table.column("took_part")?.bool()?;
    let n = (0..table.height()).filter(|&i| camp.get(i) == Some(c.id.as_str()) && took.get(i) == Some(true)).count();
    Ok((Some(n as i64), Some(c.key_accounts.len() as i64)))
}

/// Per key account: what its posts add up to.
#[derive(Default, Clone)]
struct Tally {
    first_at: Option<i64>,
    posts: i64,
    reposts: i64,
    replies: i64,
    followers: Option<i64>,
    reach: Option<i64>,
    took_part: bool,
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    a.max(b).or(a).or(b)
}

fn key_accounts_one(s: &Scope) -> PolarsResult<DataFrame> {
    let c = s.campaign;
    let named: Vec<(Option<&str>, &str)> =
        c.key_accounts.iter().map(|k| (Some(k.platform.as_str()), k.account.as_str())).collect();
    let clock = crate::timing::Clock::new(format!("  key_accounts {}: ", c.id));
    let handles: Vec<String> = c.key_accounts.iter().map(|k| k.account.clone()).collect();
    let who = Who::new(&named, &known_accounts(s, &handles)?);
    clock.mark("known accounts");
    let mut tally = vec![Tally::default(); c.key_accounts.len()];
    for p in window_posts(s)?.iter() {
        let Some(i) = who.find(&p.platform, p.handle.as_deref(), p.account_id.as_deref()) else { continue };
        let t = &mut tally[i];
        t.followers = max_opt(t.followers, p.followers);
        if !p.takes_part {
            continue;
        }
        t.took_part = true;
        t.first_at = match (t.first_at, p.created_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match (p.repost, p.reply) {
            (true, _) => t.reposts += 1,
            (false, true) => t.replies += 1,
            (false, false) => t.posts += 1,
        }
        t.reach = max_opt(t.reach, p.followers);
    }
    clock.mark("posts");
    // Follower counts of the accounts table dated in the window.
    let acc = s
        .accounts
        .clone()
        .filter(col("date").gt_eq(lit(c.start)).and(col("date").lt_eq(lit(c.end))).fill_null(lit(false)))
        .select([
            col("platform"),
            col("account_id"),
            lower(col("account_handle")).str().strip_chars_start(lit("@")).alias("handle"),
            col("followers"),
        ])
        .collect()?;
    let (ap, aid, ah, af) =
        (strs(&acc, "platform")?, strs(&acc, "account_id")?, strs(&acc, "handle")?, i64s(&acc, "followers")?);
    for r in 0..acc.height() {
        let Some(p) = ap[r].as_deref() else { continue };
        if let Some(i) = who.find(p, ah[r].as_deref(), aid[r].as_deref()) {
            tally[i].followers = max_opt(tally[i].followers, af[r]);
        }
    }
    let n = c.key_accounts.len();
    let text = |f: &dyn Fn(usize) -> Option<String>| (0..n).map(f).collect::<Vec<_>>();
    let first_at = Int64Chunked::from_iter_options("first_at".into(), tally.iter().map(|t| t.first_at))
        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        .into_column();
    let ints = |name: &str, f: &dyn Fn(&Tally) -> Option<i64>| {
        Column::new(name.into(), tally.iter().map(f).collect::<Vec<_>>())
    };
    DataFrame::new(
        n,
        vec![
            Column::new("campaign".into(), vec![c.id.clone(); n]),
            Column::new("platform".into(), text(&|i| Some(c.key_accounts[i].platform.clone()))),
            Column::new("account".into(), text(&|i| Some(c.key_accounts[i].account.clone()))),
            Column::new("label".into(), text(&|i| c.key_accounts[i].label.clone())),
            Column::new("took_part".into(), tally.iter().map(|t| t.took_part).collect::<Vec<_>>()),
            first_at,
            ints("posts", &|t| Some(t.posts)),
            ints("reposts", &|t| Some(t.reposts)),
            ints("replies", &|t| Some(t.replies)),
            ints("followers", &|t| t.followers),
            ints("potential_reach", &|t| if t.took_part { t.reach } else { Some(0) }),
        ],
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{AccountSnap, Day, Micros, Post};
    use crate::pipeline::Pipeline;
    use crate::pseudo::Pseudonymizer;

    pub(crate) fn post(id: &str, handle: &str, at: &str, followers: Option<i64>) -> Post {
        Post {
            platform: "twitter".into(),
            post_id: id.into(),
            origin: "collected",
            account_id: Some(format!("u-{handle}")),
            account_handle: Some(handle.into()),
            created_at: Micros::parse_iso(at),
            content_type: "text",
            followers,
            ..Default::default()
        }
    }

    pub(crate) fn tagged(mut p: Post) -> Post {
        p.hashtags = vec!["makethefuture".into()];
        p
    }

    /// Writes the records into a fresh lake and runs `f` on the scopes of the pipeline `toml`.
    pub(crate) fn with_scopes(posts: &[Post], accounts: &[AccountSnap], toml: &str, f: impl FnOnce(&[Scope])) {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("lake");
        crate::testkit::write_records(&root, "t", posts, &[], &[], accounts).unwrap();
        let pipe = Pipeline::parse(&d.path().join("p.toml"), toml).unwrap();
        let lake = crate::metrics::Lake::open(&root).unwrap();
        let key = Pseudonymizer::load_or_create(&Pseudonymizer::key_path(&root)).unwrap();
        let scopes: Vec<Scope> =
            pipe.campaigns.iter().map(|c| Scope::new(&lake, c, &pipe.ladder, None, &key).unwrap()).collect();
        f(&scopes);
    }

    pub(crate) const PIPE: &str = "[output]\ndir='o'\n[[campaigns]]\nid='shell'\nstart=2012-10-01\nend=2012-10-21\n\
        hashtags=['makethefuture']\ntargets=['shell']\nown_accounts={twitter=['amnesty']}\n";

    fn col_i64(df: &DataFrame, c: &str) -> Vec<Option<i64>> {
        df.column(c).unwrap().i64().unwrap().iter().collect()
    }

    #[test]
    fn key_accounts_by_handle_and_id_with_kinds_and_reach() {
        // deltawatch (organisation): a tagged original (1 200 followers), a reply to
        // Amnesty's campaign post a1 without the hashtag (1 250), a repost of a1 (1 300),
        // and an untagged post about something else (1 400: counts for `followers` only).
        let a1 = tagged(post("a1", "amnesty", "2012-10-02T09:00:00Z", Some(700_000)));
        let d1 = tagged(post("d1", "deltawatch", "2012-10-03T10:00:00Z", Some(1200)));
        let mut d2 = post("d2", "deltawatch", "2012-10-02T12:00:00Z", Some(1250));
        d2.in_reply_to_post_id = Some("a1".into());
        d2.in_reply_to_account = Some("u-amnesty".into());
        let mut d3 = post("d3", "deltawatch", "2012-10-05T12:00:00Z", Some(1300));
        d3.is_repost = Some(true);
        d3.reposted_post_id = Some("a1".into());
        let d4 = post("d4", "deltawatch", "2012-10-06T12:00:00Z", Some(1400));
        // The expert is listed by id (u-eze): her post has no handle. Tagged, no count.
        let mut e1 = tagged(post("e1", "eze", "2012-10-04T08:00:00Z", None));
        e1.account_handle = None;
        // The newsroom took part only before the window (09-28) and after it (10-22); the
        // accounts table has its count on 10-10 (90 000) and 09-01 (80 000, too early).
        let n0 = tagged(post("n0", "newsroom", "2012-09-28T08:00:00Z", Some(85_000)));
        let n1 = tagged(post("n1", "newsroom", "2012-10-22T08:00:00Z", Some(95_000)));
        let snap = |date: &str, f: i64| AccountSnap {
            platform: "twitter".into(),
            account_id: "u-newsroom".into(),
            account_handle: Some("NewsRoom".into()),
            date: Some(Day::from_naive(date.parse().unwrap())),
            followers: Some(f),
        };
        // "ghost" is never seen.
        let toml = format!(
            "{PIPE}key_accounts=[{{platform='twitter',account='@DeltaWatch',label='organisation'}},\
             {{platform='twitter',account='u-eze',label='expert'}},{{platform='twitter',account='newsroom',label='media'}},\
             {{platform='twitter',account='ghost'}}]\n"
        );
        with_scopes(
            &[a1, d1, d2, d3, d4, e1, n0, n1],
            &[snap("2012-10-10", 90_000), snap("2012-09-01", 80_000)],
            &toml,
            |s| {
                let df = key_accounts(s).unwrap().collect().unwrap();
                KEY_ACCOUNTS.check_computed(&df).unwrap();
                let acc: Vec<&str> = df.column("account").unwrap().str().unwrap().iter().map(|v| v.unwrap()).collect();
                assert_eq!(acc, ["deltawatch", "ghost", "newsroom", "u-eze"]);
                let took: Vec<Option<bool>> = df.column("took_part").unwrap().bool().unwrap().iter().collect();
                assert_eq!(took, [Some(true), Some(false), Some(false), Some(true)]);
                // deltawatch: d1 original, d2 reply, d3 repost; d4 does not take part.
                assert_eq!(col_i64(&df, "posts"), [Some(1), Some(0), Some(0), Some(1)]);
                assert_eq!(col_i64(&df, "replies"), [Some(1), Some(0), Some(0), Some(0)]);
                assert_eq!(col_i64(&df, "reposts"), [Some(1), Some(0), Some(0), Some(0)]);
                // followers: deltawatch max(1200, 1250, 1300, 1400) = 1400 (d4 counts here);
                // newsroom: only the 10-10 snapshot is in the window: 90 000; eze: no count.
                assert_eq!(col_i64(&df, "followers"), [Some(1400), None, Some(90_000), None]);
                // potential reach: deltawatch over d1..d3 = 1300; not taking part = 0; eze took
                // part without a count = null.
                assert_eq!(col_i64(&df, "potential_reach"), [Some(1300), Some(0), Some(0), None]);
                let first: Vec<Option<i64>> = df.column("first_at").unwrap().datetime().unwrap().phys.iter().collect();
                let us = |t: &str| Micros::parse_iso(t).map(|m| m.0);
                // deltawatch's reply d2 (10-02 12:00) comes before d1 (10-03).
                assert_eq!(first, [us("2012-10-02T12:00:00Z"), None, None, us("2012-10-04T08:00:00Z")]);
                let label: Vec<Option<&str>> = df.column("label").unwrap().str().unwrap().iter().collect();
                assert_eq!(label, [Some("organisation"), None, Some("media"), Some("expert")]);
            },
        );
    }

    #[test]
    fn no_key_accounts_no_rows() {
        with_scopes(&[tagged(post("1", "ann", "2012-10-02T09:00:00Z", Some(5)))], &[], PIPE, |s| {
            let df = key_accounts(s).unwrap().collect().unwrap();
            assert_eq!(df.height(), 0);
            KEY_ACCOUNTS.check_computed(&df).unwrap();
        });
    }
}
