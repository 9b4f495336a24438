//! Hashtag pick-up (`hashtag_daily`, per campaign, hashtag, day) and target responses
//! (`target_response`, one row for every target): did the campaign's hashtags spread, and
//! did the targets answer.
//!
//! Readings to keep:
//! - Hashtags compared lower-cased without `#`; a post repeating one counts once; posts in
//!   the window (campaign tz), own and collected; `is_repost` null counts as original.
//! - Author = `platform:account_id`, else `platform:@handle`; no cross-platform linking.
//! - `new_authors`: first use in the window; `potential_reach`: Σ of each author's largest
//!   followers that day, null when none known (`authors_with_followers` says how many).
//! - No zero rows invented for days without use.
//! - Mentions: collected, non-repost, not by the target, mentioning it or replying to its
//!   handle or a known id of it (replies by id added here).
//! - Response: a non-repost target post from start to end + 7 days that replies to/quotes a
//!   campaign post, mentions an own account, or uses a campaign hashtag; `response_kind`
//!   first of reply, quote, mention_own, hashtag; ties by smaller post id.
//! - `latency_hours` may be negative; `target_posts = 0` means "no response seen".
//! - Small intermediate sets are collected before reuse (plan size, stack overflow).
//!
//! User docs: docs/metrics.md#hashtag-pick-up, docs/metrics.md#target-response.

use polars::prelude::*;

use super::scope::{lower, one_of, Scope};

/// `platform:account_id`, else `platform:@handle`, else null.
pub(crate) fn author_key() -> Expr {
    let who = coalesce(&[col("account_id"), concat_str([lit("@"), lower(col("account_handle"))], "", false)]);
    concat_str([col("platform"), who], ":", false)
}

/// A hashtag value lower-cased without a leading `#`.
fn norm_tag(e: Expr) -> Expr {
    lower(e).str().strip_chars_start(lit("#"))
}

pub(crate) fn not_repost() -> Expr {
    col("is_repost").fill_null(lit(false)).not()
}

fn concat_all(frames: Vec<LazyFrame>, schema: Schema) -> PolarsResult<LazyFrame> {
    if frames.is_empty() {
        return Ok(DataFrame::empty_with_schema(&schema).lazy());
    }
    concat(frames, UnionArgs::default())
}

fn utc() -> DataType {
    DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
}

/// The `hashtag_daily` table (registry entry).
pub const HASHTAG_DAILY: super::registry::Table = super::registry::Table {
    name: "hashtag_daily",
    key: &["campaign", "hashtag", "day"],
    columns: &[
        "campaign", "hashtag", "day", "posts", "reposts", "authors", "new_authors", "potential_reach",
        "authors_with_followers",
    ],
    compute: super::registry::Compute::Scopes(hashtag_daily),
};

/// docs/metrics.md#hashtag-pick-up `hashtag_daily` for every campaign, sorted by (campaign, hashtag, day).
pub fn hashtag_daily(scopes: &[Scope]) -> PolarsResult<LazyFrame> {
    let frames = scopes.iter().map(hashtag_daily_one).collect::<PolarsResult<Vec<_>>>()?;
    finish_hashtag_daily(frames)
}

/// The per-campaign frames of `hashtag_daily` (the table's columns, any order) as the
/// table: its columns in order with their types, every campaign, sorted by the key. Shared
/// by the local step and the Spark one (spark::steps), so that both end the same way.
pub fn finish_hashtag_daily(frames: Vec<LazyFrame>) -> PolarsResult<LazyFrame> {
    let schema = hashtag_schema();
    let select: Vec<Expr> = schema.iter().map(|(n, t)| col(n.clone()).cast(t.clone())).collect();
    let frames = frames.into_iter().map(|f| f.select(select.clone())).collect();
    Ok(concat_all(frames, schema)?.sort(["campaign", "hashtag", "day"], Default::default()))
}

fn hashtag_schema() -> Schema {
    Schema::from_iter([
        Field::new("campaign".into(), DataType::String),
        Field::new("hashtag".into(), DataType::String),
        Field::new("day".into(), DataType::Date),
        Field::new("posts".into(), DataType::Int64),
        Field::new("reposts".into(), DataType::Int64),
        Field::new("authors".into(), DataType::Int64),
        Field::new("new_authors".into(), DataType::Int64),
        Field::new("potential_reach".into(), DataType::Int64),
        Field::new("authors_with_followers".into(), DataType::Int64),
    ])
}

/// One row per (post in the window, campaign hashtag it uses): platform, post_id, day,
/// is_repost, followers, author, hashtag (also read by the goals, metrics::goals).
pub(crate) fn hashtag_uses(s: &Scope) -> LazyFrame {
    let c = s.campaign;
    s.posts
        .clone()
        .filter(col("in_window"))
        .select([
            col("platform"),
            col("post_id"),
            col("day"),
            col("hashtags"),
            col("is_repost"),
            col("followers"),
            author_key().alias("author"),
        ])
        .explode(cols(["hashtags"]), ExplodeOptions { empty_as_null: true, keep_nulls: false })
        .with_column(norm_tag(col("hashtags")).alias("hashtag"))
        .filter(one_of(col("hashtag"), &c.hashtags))
        .unique(Some(cols(["platform", "post_id", "hashtag"])), UniqueKeepStrategy::First)
        .drop(cols(["hashtags"]))
}

fn hashtag_daily_one(s: &Scope) -> PolarsResult<LazyFrame> {
    let c = s.campaign;
    let uses = hashtag_uses(s);
    let base = uses.clone().group_by([col("hashtag"), col("day")]).agg([
        not_repost().cast(DataType::Int64).sum().alias("posts"),
        not_repost().not().cast(DataType::Int64).sum().alias("reposts"),
        col("author").drop_nulls().n_unique().cast(DataType::Int64).alias("authors"),
    ]);
    let authored = uses.filter(col("author").is_not_null());
    let new_authors = authored
        .clone()
        .group_by([col("hashtag"), col("author")])
        .agg([col("day").min().alias("day")])
        .group_by([col("hashtag"), col("day")])
        .agg([len().cast(DataType::Int64).alias("new_authors")]);
    let reach = authored
        .group_by([col("hashtag"), col("day"), col("author")])
        .agg([col("followers").max().alias("f")])
        .group_by([col("hashtag"), col("day")])
        .agg([col("f").sum().alias("_sum"), col("f").count().cast(DataType::Int64).alias("authors_with_followers")])
        .with_column(
            when(col("authors_with_followers").gt(lit(0)))
                .then(col("_sum").cast(DataType::Int64))
                .otherwise(lit(NULL).cast(DataType::Int64))
                .alias("potential_reach"),
        );
    let key = [col("hashtag"), col("day")];
    Ok(base
        .join(new_authors, key.clone(), key.clone(), JoinArgs::new(JoinType::Left))
        .join(reach, key.clone(), key, JoinArgs::new(JoinType::Left))
        .select([
            lit(c.id.as_str()).alias("campaign"),
            col("hashtag"),
            col("day"),
            col("posts"),
            col("reposts"),
            col("authors"),
            col("new_authors").fill_null(lit(0i64)),
            col("potential_reach"),
            col("authors_with_followers").fill_null(lit(0i64)),
        ]))
}

/// The `target_response` table (registry entry).
pub const TARGET_RESPONSE: super::registry::Table = super::registry::Table {
    name: "target_response",
    key: &["campaign", "target"],
    columns: &[
        "campaign", "target", "platform", "mentions", "mentioning_authors", "first_mention_at", "responded",
        "first_response_at", "response_post_id", "latency_hours", "response_kind", "target_posts",
    ],
    compute: super::registry::Compute::Scopes(target_response),
};

/// docs/metrics.md#target-response `target_response` for every campaign, sorted by (campaign, target).
pub fn target_response(scopes: &[Scope]) -> PolarsResult<LazyFrame> {
    let frames = scopes.iter().map(target_response_one).collect::<PolarsResult<Vec<_>>>()?;
    Ok(concat_all(frames, target_schema())?.sort(["campaign", "target"], Default::default()))
}

fn target_schema() -> Schema {
    Schema::from_iter([
        Field::new("campaign".into(), DataType::String),
        Field::new("target".into(), DataType::String),
        Field::new("platform".into(), DataType::String),
        Field::new("mentions".into(), DataType::Int64),
        Field::new("mentioning_authors".into(), DataType::Int64),
        Field::new("first_mention_at".into(), utc()),
        Field::new("responded".into(), DataType::Boolean),
        Field::new("first_response_at".into(), utc()),
        Field::new("response_post_id".into(), DataType::String),
        Field::new("latency_hours".into(), DataType::Float64),
        Field::new("response_kind".into(), DataType::String),
        Field::new("target_posts".into(), DataType::Int64),
    ])
}

fn target_response_one(s: &Scope) -> PolarsResult<LazyFrame> {
    if s.campaign.targets.is_empty() {
        return Ok(DataFrame::empty_with_schema(&target_schema()).lazy());
    }
    let ids = target_accounts(s)?;
    let tposts = target_posts(s, &ids)?;
    let (mentions, mention_agg) = target_mentions(s, &ids, &tposts)?;
    let (posts_agg, resp_agg) = target_responses(s, tposts)?;
    assemble_target_response(s, ids, mentions, mention_agg, resp_agg, posts_agg)
}

/// The mentions of the campaign's targets (see [`target_mentions`]): one row per
/// (platform, post_id, target) with created_at and author (also read by the goals).
pub(crate) fn mentions_of_targets(s: &Scope) -> PolarsResult<LazyFrame> {
    if s.campaign.targets.is_empty() {
        return Ok(DataFrame::empty_with_schema(&Schema::from_iter([
            Field::new("platform".into(), DataType::String),
            Field::new("post_id".into(), DataType::String),
            Field::new("target".into(), DataType::String),
            Field::new("created_at".into(), utc()),
            Field::new("author".into(), DataType::String),
        ]))
        .lazy());
    }
    let ids = target_accounts(s)?;
    let tposts = target_posts(s, &ids)?;
    Ok(target_mentions(s, &ids, &tposts)?.0)
}

/// (platform, account_id): the key of an account.
fn pid() -> [Expr; 2] {
    [col("platform"), col("account_id")]
}

/// (platform, post_id): the key of a post.
fn pk() -> [Expr; 2] {
    [col("platform"), col("post_id")]
}

/// `in_reply_to_account` as a handle: lower-cased, without a leading `@`.
fn reply_to() -> Expr {
    lower(col("in_reply_to_account")).str().strip_chars_start(lit("@"))
}

/// The targets' accounts, (platform, account_id, target), from the posts and accounts
/// tables (collected: reused by the posts, the mentions and the platforms).
fn target_accounts(s: &Scope) -> PolarsResult<LazyFrame> {
    let lower_handle = lower(col("account_handle"));
    Ok(concat(
        [
            s.posts.clone().select([col("platform"), col("account_id"), lower_handle.clone().alias("target")]),
            s.accounts.clone().select([col("platform"), col("account_id"), lower_handle.alias("target")]),
        ],
        UnionArgs::default(),
    )?
    .filter(one_of(col("target"), &s.campaign.targets).and(col("account_id").is_not_null()))
    .unique(None, UniqueKeepStrategy::Any)
    .collect()?
    .lazy())
}

/// The targets' posts (any time): by handle or by a known id (`ids`: `target_accounts`).
fn target_posts(s: &Scope, ids: &LazyFrame) -> PolarsResult<LazyFrame> {
    let lower_handle = lower(col("account_handle"));
    let tcols = [
        col("platform"),
        col("post_id"),
        col("target"),
        col("created_at"),
        col("day"),
        col("is_repost"),
        col("in_reply_to_post_id"),
        col("quoted_post_id"),
        col("in_reply_to_account"),
        col("mentions"),
        col("hashtags"),
    ];
    let by_handle = s
        .posts
        .clone()
        .filter(one_of(lower_handle.clone(), &s.campaign.targets))
        .with_column(lower_handle.alias("target"));
    let by_id = s.posts.clone().join(ids.clone(), pid(), pid(), JoinArgs::new(JoinType::Inner));
    Ok(concat([by_handle.select(tcols.clone()), by_id.select(tcols)], UnionArgs::default())?
        .unique(Some(cols(["platform", "post_id", "target"])), UniqueKeepStrategy::Any)
        .collect()?
        .lazy())
}

/// Mentions: collected, in window, not reposts; by `mentions`, reply to handle, reply to id;
/// not written by the target itself. Returns the mentions (platform, post_id, target,
/// created_at, author), collected, and their aggregate per target.
fn target_mentions(s: &Scope, ids: &LazyFrame, tposts: &LazyFrame) -> PolarsResult<(LazyFrame, LazyFrame)> {
    let cand = s.posts.clone().filter(col("in_window").and(col("own").not()).and(not_repost()));
    let m_list = cand
        .clone()
        .select([col("platform"), col("post_id"), col("mentions")])
        .explode(cols(["mentions"]), ExplodeOptions { empty_as_null: true, keep_nulls: false })
        .select([
            col("platform"),
            col("post_id"),
            lower(col("mentions")).str().strip_chars_start(lit("@")).alias("target"),
        ]);
    let m_handle = cand.clone().select([col("platform"), col("post_id"), reply_to().alias("target")]);
    let m_id = cand
        .clone()
        .select([col("platform"), col("post_id"), col("in_reply_to_account").alias("account_id")])
        .join(ids.clone(), pid(), pid(), JoinArgs::new(JoinType::Inner))
        .select([col("platform"), col("post_id"), col("target")]);
    let pkt = [col("platform"), col("post_id"), col("target")];
    let mentions = concat([m_list, m_handle, m_id], UnionArgs::default())?
        .filter(one_of(col("target"), &s.campaign.targets))
        .unique(None, UniqueKeepStrategy::Any)
        // not the target writing about itself
        .join(tposts.clone().select(pkt.clone()), pkt.clone(), pkt.clone(), JoinArgs::new(JoinType::Anti))
        .join(
            cand.select([col("platform"), col("post_id"), col("created_at"), author_key().alias("author")]),
            pk(),
            pk(),
            JoinArgs::new(JoinType::Inner),
        )
        .collect()?
        .lazy();
    let mention_agg = mentions.clone().group_by([col("target")]).agg([
        len().cast(DataType::Int64).alias("mentions"),
        col("author").drop_nulls().n_unique().cast(DataType::Int64).alias("mentioning_authors"),
        col("created_at").min().alias("first_mention_at"),
    ]);
    Ok((mentions, mention_agg))
}

/// The targets' posts in the response window counted per target (`target_posts`), and the
/// earliest response per target (first_response_at, response_post_id, response_kind).
fn target_responses(s: &Scope, tposts: LazyFrame) -> PolarsResult<(LazyFrame, LazyFrame)> {
    let c = s.campaign;
    let last = c.end + chrono::Duration::days(7);
    let in_resp = tposts.filter(col("day").gt_eq(lit(c.start)).and(col("day").lt_eq(lit(last))).fill_null(lit(false)));
    let posts_agg = in_resp.clone().group_by([col("target")]).agg([len().cast(DataType::Int64).alias("target_posts")]);
    let resp = in_resp.filter(not_repost());
    let cp = s
        .posts
        .clone()
        .filter(col("campaign_post"))
        .select([col("platform"), col("post_id").alias("_ref")])
        .collect()?;
    let campaign_posts = |flag: &str| cp.clone().lazy().with_column(lit(true).alias(flag));
    let own_match = |e: Expr| -> Expr {
        c.own_accounts
            .iter()
            .map(|(p, accts)| col("platform").eq(lit(p.as_str())).and(one_of(e.clone(), accts)))
            .reduce(|a, b| a.or(b))
            .unwrap_or(lit(false))
            .fill_null(lit(false))
    };
    let mark = |list_col: &str, m: Expr, flag: &str| {
        resp.clone()
            .select([col("platform"), col("post_id"), col(list_col)])
            .explode(cols([list_col]), ExplodeOptions { empty_as_null: true, keep_nulls: false })
            .filter(m)
            .select([col("platform"), col("post_id")])
            .unique(None, UniqueKeepStrategy::Any)
            .with_column(lit(true).alias(flag))
    };
    let by_mention = mark("mentions", own_match(lower(col("mentions")).str().strip_chars_start(lit("@"))), "_own_m");
    let by_tag = mark("hashtags", one_of(norm_tag(col("hashtags")), &c.hashtags), "_tag");
    let left = JoinArgs::new(JoinType::Left);
    let flag = |f: &str| col(f).fill_null(lit(false));
    let resp = resp
        .clone()
        .join(
            campaign_posts("_reply"),
            [col("platform"), col("in_reply_to_post_id")],
            [col("platform"), col("_ref")],
            left.clone(),
        )
        .join(
            campaign_posts("_quote"),
            [col("platform"), col("quoted_post_id")],
            [col("platform"), col("_ref")],
            left.clone(),
        )
        .join(by_mention, pk(), pk(), left.clone())
        .join(by_tag, pk(), pk(), left)
        .with_column(
            when(flag("_reply"))
                .then(lit("reply"))
                .when(flag("_quote"))
                .then(lit("quote"))
                .when(flag("_own_m").or(own_match(reply_to())))
                .then(lit("mention_own"))
                .when(flag("_tag"))
                .then(lit("hashtag"))
                .otherwise(lit(NULL).cast(DataType::String))
                .alias("response_kind"),
        )
        .filter(col("response_kind").is_not_null());
    let order = || [col("created_at"), col("post_id")];
    let resp_agg = resp.group_by([col("target")]).agg([
        col("created_at").min().alias("first_response_at"),
        col("post_id").sort_by(order(), SortMultipleOptions::default()).first().alias("response_post_id"),
        col("response_kind").sort_by(order(), SortMultipleOptions::default()).first().alias("response_kind"),
    ]);
    Ok((posts_agg, resp_agg))
}

/// One row per target: its platforms (where it was mentioned or has a known account),
/// joined with the mention, response and target-post aggregates.
fn assemble_target_response(
    s: &Scope,
    ids: LazyFrame,
    mentions: LazyFrame,
    mention_agg: LazyFrame,
    resp_agg: LazyFrame,
    posts_agg: LazyFrame,
) -> PolarsResult<LazyFrame> {
    let c = s.campaign;
    let targets = df!("target" => c.targets.clone())?.lazy();
    let plats = concat(
        [
            mentions.select([col("target"), col("platform")]),
            ids.select([col("target"), col("platform")]),
            s.posts
                .clone()
                .select([col("platform"), lower(col("account_handle")).alias("target")])
                .filter(one_of(col("target"), &c.targets))
                .select([col("target"), col("platform")]),
        ],
        UnionArgs::default(),
    )?
    .unique(None, UniqueKeepStrategy::Any)
    .group_by([col("target")])
    .agg([col("platform").sort(Default::default()).str().join(",", true).alias("platform")]);

    let left = JoinArgs::new(JoinType::Left);
    let t = [col("target")];
    let ms = |e: Expr| e.cast(DataType::Int64);
    Ok(targets
        .join(plats, t.clone(), t.clone(), left.clone())
        .join(mention_agg, t.clone(), t.clone(), left.clone())
        .join(resp_agg, t.clone(), t.clone(), left.clone())
        .join(posts_agg, t.clone(), t, left)
        .select([
            lit(c.id.as_str()).alias("campaign"),
            col("target"),
            col("platform"),
            col("mentions").fill_null(lit(0i64)),
            col("mentioning_authors").fill_null(lit(0i64)),
            col("first_mention_at").cast(utc()),
            col("first_response_at").is_not_null().alias("responded"),
            col("first_response_at").cast(utc()),
            col("response_post_id"),
            ((ms(col("first_response_at")) - ms(col("first_mention_at"))).cast(DataType::Float64)
                / lit(3_600_000_000f64))
            .alias("latency_hours"),
            col("response_kind"),
            col("target_posts").fill_null(lit(0i64)),
        ]))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{Micros, Post};
    use crate::pipeline::Pipeline;
    use crate::pseudo::Pseudonymizer;

    fn ts(s: &str) -> Option<Micros> {
        crate::model::Micros::parse_iso(s)
    }

    /// A collected tweet by `handle` (account id `u-<handle>`) at `at` (also used by the goals' tests).
    pub(crate) fn post(id: &str, handle: &str, at: &str) -> Post {
        Post {
            platform: "twitter".into(),
            post_id: id.into(),
            origin: "collected",
            account_id: Some(format!("u-{handle}")),
            account_handle: Some(handle.into()),
            created_at: ts(at),
            content_type: "text",
            ..Default::default()
        }
    }

    fn tags(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// Writes `posts` into a fresh lake and runs `f` on the scopes of the pipeline `toml`.
    pub(crate) fn with_scopes(posts: &[Post], toml: &str, f: impl FnOnce(&[Scope])) {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("lake");
        crate::testkit::write_records(&root, "t", posts, &[], &[], &[]).unwrap();
        let pipe = Pipeline::parse(std::path::Path::new("p.toml"), toml).unwrap();
        let lake = crate::metrics::Lake::open(&root).unwrap();
        let key = Pseudonymizer::load_or_create(&Pseudonymizer::key_path(&root)).unwrap();
        let scopes: Vec<Scope> =
            pipe.campaigns.iter().map(|c| Scope::new(&lake, c, &pipe.ladder, None, &key).unwrap()).collect();
        f(&scopes);
    }

    /// The table has exactly the declared columns, in order, with their dtypes.
    pub(crate) fn assert_schema(df: &DataFrame, expected: &Schema) {
        let got: Vec<(String, DataType)> =
            df.columns().iter().map(|c| (c.name().to_string(), c.dtype().clone())).collect();
        let want: Vec<(String, DataType)> = expected.iter().map(|(n, d)| (n.to_string(), d.clone())).collect();
        assert_eq!(got, want);
    }

    fn i64s(df: &DataFrame, c: &str) -> Vec<Option<i64>> {
        df.column(c).unwrap().i64().unwrap().iter().collect()
    }
    fn strs(df: &DataFrame, c: &str) -> Vec<Option<String>> {
        df.column(c).unwrap().str().unwrap().iter().map(|v| v.map(str::to_string)).collect()
    }

    #[test]
    fn hashtag_daily_case_reposts_new_authors_and_reach() {
        // Day 1 (03-01): ann twice (100 then 120 followers; the second lists the tag in two
        // cases), bob's repost (50), the own account's owned post (1000).
        let mut p1 = post("1", "ann", "2024-03-01T10:00:00Z");
        p1.hashtags = tags(&["MakeTheFuture"]);
        p1.followers = Some(100);
        let mut p2 = post("2", "ann", "2024-03-01T15:00:00Z");
        p2.hashtags = tags(&["makethefuture", "#MakeTheFuture"]);
        p2.followers = Some(120);
        let mut p3 = post("3", "bob", "2024-03-01T12:00:00Z");
        p3.hashtags = tags(&["makethefuture", "other"]);
        p3.is_repost = Some(true);
        p3.followers = Some(50);
        let mut p8 = post("8", "amnesty", "2024-03-01T09:00:00Z");
        p8.origin = "owned";
        p8.hashtags = tags(&["makethefuture"]);
        p8.followers = Some(1000);
        // Day 2 (03-02): ann again (130), cat new without a follower count.
        let mut p4 = post("4", "ann", "2024-03-02T10:00:00Z");
        p4.hashtags = tags(&["makethefuture"]);
        p4.followers = Some(130);
        let mut p5 = post("5", "cat", "2024-03-02T11:00:00Z");
        p5.hashtags = tags(&["makethefuture"]);
        // Day 3 (03-03): dan uses another tag only; eve used the tag before the window
        // (02-28, not counted) and again on 03-03 without a follower count.
        let mut p6 = post("6", "dan", "2024-03-03T10:00:00Z");
        p6.hashtags = tags(&["other"]);
        let mut p7 = post("7", "eve", "2024-02-28T10:00:00Z");
        p7.hashtags = tags(&["makethefuture"]);
        p7.followers = Some(9999);
        let mut p9 = post("9", "eve", "2024-03-03T12:00:00Z");
        p9.hashtags = tags(&["makethefuture"]);
        let toml = "[output]\ndir='o'\n[[campaigns]]\nid='c1'\nstart=2024-03-01\nend=2024-03-05\nhashtags=['#MakeTheFuture']\n";
        with_scopes(&[p1, p2, p3, p4, p5, p6, p7, p8, p9], toml, |scopes| {
            let df = hashtag_daily(scopes).unwrap().collect().unwrap();
            assert_schema(&df, &hashtag_schema());
            assert_eq!(strs(&df, "hashtag"), vec![Some("makethefuture".to_string()); 3]);
            let days: Vec<Option<i32>> = df.column("day").unwrap().date().unwrap().phys.iter().collect();
            let d = |s: &str| Some(crate::model::Day::from_naive(s.parse().unwrap()).0);
            assert_eq!(days, vec![d("2024-03-01"), d("2024-03-02"), d("2024-03-03")]);
            // originals: day 1 p1, p2, p8 = 3; day 2 p4, p5 = 2; day 3 p9 = 1.
            assert_eq!(i64s(&df, "posts"), vec![Some(3), Some(2), Some(1)]);
            // reposts: bob's p3 on day 1 only.
            assert_eq!(i64s(&df, "reposts"), vec![Some(1), Some(0), Some(0)]);
            // authors: day 1 ann, bob, amnesty = 3; day 2 ann, cat = 2; day 3 eve = 1.
            assert_eq!(i64s(&df, "authors"), vec![Some(3), Some(2), Some(1)]);
            // new: day 1 all 3; day 2 only cat (ann is not new); day 3 eve (her 02-28 use is
            // before the window).
            assert_eq!(i64s(&df, "new_authors"), vec![Some(3), Some(1), Some(1)]);
            // reach: day 1 ann max(100, 120) = 120 once + bob 50 + amnesty 1000 = 1170;
            // day 2 ann 130 + cat unknown = 130 (1 of 2 authors counted); day 3 nobody known: null.
            assert_eq!(i64s(&df, "potential_reach"), vec![Some(1170), Some(130), None]);
            assert_eq!(i64s(&df, "authors_with_followers"), vec![Some(3), Some(1), Some(0)]);
        });
    }

    #[test]
    fn target_mentions_response_window_and_latency() {
        // Campaign 03-01..03-05 in Nairobi (UTC+3): the response window ends at the end of
        // 03-12 local = 2024-03-12T21:00Z.
        let mut shell = post("s0", "shell", "2024-03-01T08:00:00Z"); // a target post, no response
        shell.text = Some("hello".into());
        let mut m1 = post("m1", "ann", "2024-03-02T09:00:00Z");
        m1.mentions = tags(&["shell"]);
        let mut m2 = post("m2", "bob", "2024-03-03T10:00:00Z");
        m2.in_reply_to_account = Some("u-shell".into()); // reply to the target's account id
        let mut m3 = post("m3", "ann", "2024-03-04T10:00:00Z");
        m3.in_reply_to_account = Some("Shell".into()); // reply to the handle, any case
        let mut r1 = post("r1", "cat", "2024-03-02T08:00:00Z");
        r1.mentions = tags(&["shell"]);
        r1.is_repost = Some(true); // a repost never counts as a mention
        let mut m0 = post("m0", "dan", "2024-02-28T10:00:00Z");
        m0.mentions = tags(&["shell"]); // before the window
        let mut s1 = post("s1", "shell", "2024-03-12T20:00:00Z"); // 23:00 local on end + 7
        s1.in_reply_to_post_id = Some("m1".into());
        let mut s2 = post("s2", "shell", "2024-03-12T20:30:00Z"); // a later response
        s2.hashtags = tags(&["makethefuture"]);
        let mut bm = post("bm", "eve", "2024-03-01T00:00:00Z"); // 03:00 local on 03-01: inside
        bm.mentions = tags(&["bp"]);
        let mut b1 = post("b1", "bp", "2024-03-12T21:30:00Z"); // 00:30 local on end + 8: too late
        b1.hashtags = tags(&["makethefuture"]);
        let mut b0 = post("b0", "bp", "2024-02-29T20:00:00Z"); // 23:00 local the day before start
        b0.mentions = tags(&["amnesty"]);
        let mut t1 = post("t1", "total", "2024-03-05T10:00:00Z"); // mentions an own account
        t1.mentions = tags(&["amnesty"]);
        let mut e1 = post("e1", "eni", "2024-03-06T10:00:00Z"); // quotes the campaign post m1
        e1.quoted_post_id = Some("m1".into());
        let mut e0 = post("e0", "eni", "2024-03-06T09:00:00Z"); // quotes a non-campaign post
        e0.quoted_post_id = Some("m0".into());
        let toml = "[output]\ndir='o'\n[[campaigns]]\nid='c1'\nstart=2024-03-01\nend=2024-03-05\ntz='Africa/Nairobi'\n\
                    hashtags=['makethefuture']\ntargets=['shell','bp','exxon','total','eni']\nown_accounts={twitter=['amnesty']}\n";
        with_scopes(&[shell, m1, m2, m3, r1, m0, s1, s2, bm, b1, b0, t1, e1, e0], toml, |scopes| {
            let df = target_response(scopes).unwrap().collect().unwrap();
            assert_schema(&df, &target_schema());
            let s = |v: &[Option<&str>]| v.iter().map(|x| x.map(str::to_string)).collect::<Vec<_>>();
            assert_eq!(strs(&df, "target"), s(&[Some("bp"), Some("eni"), Some("exxon"), Some("shell"), Some("total")]));
            // exxon: never seen anywhere, still a row.
            assert_eq!(
                strs(&df, "platform"),
                s(&[Some("twitter"), Some("twitter"), None, Some("twitter"), Some("twitter")])
            );
            // shell: m1 (mentions), m2 (reply to id), m3 (reply to handle) = 3; r1 is a repost,
            // m0 before the window. bp: bm = 1.
            assert_eq!(i64s(&df, "mentions"), vec![Some(1), Some(0), Some(0), Some(3), Some(0)]);
            // shell's mentioners: ann (m1, m3), bob (m2) = 2.
            assert_eq!(i64s(&df, "mentioning_authors"), vec![Some(1), Some(0), Some(0), Some(2), Some(0)]);
            let first: Vec<Option<i64>> =
                df.column("first_mention_at").unwrap().datetime().unwrap().phys.iter().collect();
            let us = |t: &str| ts(t).map(|m| m.0);
            // shell's first is m1 at 09:00 on 03-02, not the earlier repost r1 (08:00).
            assert_eq!(first, vec![us("2024-03-01T00:00:00Z"), None, None, us("2024-03-02T09:00:00Z"), None]);
            let responded: Vec<Option<bool>> = df.column("responded").unwrap().bool().unwrap().iter().collect();
            // bp's only later post (b1) is on end + 8 local: no response; b0 is before start.
            assert_eq!(responded, vec![Some(false), Some(true), Some(false), Some(true), Some(true)]);
            assert_eq!(strs(&df, "response_post_id"), s(&[None, Some("e1"), None, Some("s1"), Some("t1")]));
            assert_eq!(strs(&df, "response_kind"), s(&[None, Some("quote"), None, Some("reply"), Some("mention_own")]));
            let resp: Vec<Option<i64>> =
                df.column("first_response_at").unwrap().datetime().unwrap().phys.iter().collect();
            assert_eq!(
                resp,
                vec![None, us("2024-03-06T10:00:00Z"), None, us("2024-03-12T20:00:00Z"), us("2024-03-05T10:00:00Z")]
            );
            let lat: Vec<Option<f64>> = df.column("latency_hours").unwrap().f64().unwrap().iter().collect();
            // eni: its quote of a non-campaign post (e0, earlier) is no response; of m1 (e1) is.
            // shell: 03-12 20:00 − 03-02 09:00 = 10 days 11 hours = 251 h. total and eni responded
            // without being mentioned: null.
            assert_eq!(lat[..3], [None, None, None]);
            assert!((lat[3].unwrap() - 251.0).abs() <= 1e-9 * 251.0);
            assert_eq!(lat[4], None);
            // target posts in the response window: bp none, eni e0, e1, shell s0, s1, s2, total t1.
            assert_eq!(i64s(&df, "target_posts"), vec![Some(0), Some(2), Some(0), Some(3), Some(1)]);
        });
    }
}
