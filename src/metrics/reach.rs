//! METRICS.md §3 and §10.9, §10.11: reach of the campaign's own posts (tables
//! `reach_daily`, key campaign, platform, day, and `reach_window`, key campaign, platform)
//! and the KPI `hashtag_potential_reach`.
//!
//! Inputs and choices:
//! - Posts: the campaign's own posts, `campaign_post && own` (the same set as
//!   `engagement_by_content_type`, so the two tables reconcile); `campaign_post` already
//!   restricts them to the window.
//! - Actions: campaign actions (`in_campaign`, §10.1) on a day of the window, not
//!   `excluded` (own accounts and targets, §10.1). Rows are the (platform, day) pairs —
//!   for `reach_window` the platforms — with own posts or such actions (§10.9); an action
//!   of an excluded actor alone does not make a row (it would be a row of zeros).
//! - `posts` counts rows (0 on a row made by actions only); `impressions`,
//!   `post_reach_sum`, `engagements` are sums over the non-null values and **null when
//!   every value is null** (a platform that does not export a figure gets null, not 0).
//! - `unique_actors` = distinct `actor_id` of those actions on that row (0 on a row made by
//!   posts only: the actions table holds none). In `reach_window` it is the distinct count
//!   over the whole window, never a sum of days.
//! - `post_reach_sum` double-counts people reached by several posts (METRICS.md §3).
//! - `reach_window.unique_reach_low` = the largest single post reach, `unique_reach_high` =
//!   the sum of post reach (`= post_reach_sum`): the honest bounds of the platform's unique
//!   reach; null when no post has a reach. Extra column `unique_reach_method` is
//!   `"post_reach_bounds"` when the bounds are not null. A page-level unique reach figure
//!   (which METRICS.md §3 says replaces the bounds) is not in the lake yet (LAKE.md has no
//!   such column or table); when it arrives it should fill both bounds with method
//!   `"page_unique_reach"`.
//! - `hashtag_potential_reach` (for `campaign_kpis`): over every post in the window (own and
//!   collected, reposts included) with a campaign hashtag, the sum over distinct authors of
//!   each author's largest `posts.followers` in the window (§10.11). An author is
//!   (platform, account_id), or (platform, account_handle) when the id is missing; posts
//!   with neither are left out. Null when no such author has a follower count. Extra
//!   columns: `hashtag_authors`, `hashtag_authors_with_followers`.

use polars::prelude::*;

use super::Scope;

/// Σ of a column over the non-null values; null when every value is null.
pub fn null_sum(name: &str) -> Expr {
    when(col(name).count().gt(lit(0))).then(col(name).sum()).otherwise(lit(NULL).cast(DataType::Int64))
}

fn own_posts(s: &Scope) -> LazyFrame {
    s.posts.clone().filter(col("campaign_post").and(col("own")))
}

/// Campaign actions of the window that count towards `unique_actors`.
fn counted_actions(s: &Scope) -> LazyFrame {
    let c = s.campaign;
    s.actions.clone().filter(
        col("in_campaign")
            .and(col("excluded").not())
            .and(col("day").gt_eq(lit(c.start)))
            .and(col("day").lt_eq(lit(c.end)))
            .fill_null(lit(false)),
    )
}

fn post_aggs() -> Vec<Expr> {
    vec![
        len().cast(DataType::Int64).alias("posts"),
        null_sum("impressions").alias("impressions"),
        null_sum("reach").alias("post_reach_sum"),
        null_sum("engagements").alias("engagements"),
    ]
}

/// Posts and actions of one campaign grouped by `by`, outer-joined on it.
fn grouped(s: &Scope, by: &[&str], extra: Vec<Expr>) -> LazyFrame {
    let keys: Vec<Expr> = by.iter().map(|k| col(*k)).collect();
    let mut aggs = post_aggs();
    aggs.extend(extra);
    let posts = own_posts(s).group_by(keys.clone()).agg(aggs);
    let actors = counted_actions(s)
        .group_by(keys.clone())
        .agg([col("actor_id").n_unique().cast(DataType::Int64).alias("unique_actors")]);
    posts
        .join(actors, keys.clone(), keys, JoinArgs::new(JoinType::Full).with_coalesce(JoinCoalesce::CoalesceColumns))
        .with_columns([
            lit(s.campaign.id.as_str()).alias("campaign"),
            col("posts").fill_null(lit(0i64)),
            col("unique_actors").fill_null(lit(0i64)),
        ])
}

fn schema(cols: &[(&str, DataType)]) -> Schema {
    cols.iter().map(|(n, t)| Field::new((*n).into(), t.clone())).collect()
}

fn concat_sorted(frames: Vec<LazyFrame>, cols: &[(&str, DataType)], key: &[&str]) -> PolarsResult<LazyFrame> {
    let select: Vec<Expr> = cols.iter().map(|(n, t)| col(*n).cast(t.clone())).collect();
    let all = if frames.is_empty() {
        DataFrame::empty_with_schema(&schema(cols)).lazy()
    } else {
        concat(frames.into_iter().map(|f| f.select(select.clone())).collect::<Vec<_>>(), UnionArgs::default())?
    };
    Ok(all.sort(key.iter().map(|k| PlSmallStr::from(*k)).collect::<Vec<_>>(), SortMultipleOptions::default()))
}

const I64: DataType = DataType::Int64;

/// METRICS.md §3 per (campaign, platform, day), every campaign, sorted by the key.
pub fn reach_daily(scopes: &[Scope]) -> PolarsResult<LazyFrame> {
    let cols = [
        ("campaign", DataType::String),
        ("platform", DataType::String),
        ("day", DataType::Date),
        ("posts", I64),
        ("impressions", I64),
        ("post_reach_sum", I64),
        ("engagements", I64),
        ("unique_actors", I64),
    ];
    let frames = scopes.iter().map(|s| grouped(s, &["platform", "day"], vec![])).collect();
    concat_sorted(frames, &cols, &["campaign", "platform", "day"])
}

/// METRICS.md §3 per (campaign, platform) over the window, every campaign, sorted by the key.
pub fn reach_window(scopes: &[Scope]) -> PolarsResult<LazyFrame> {
    let cols = [
        ("campaign", DataType::String),
        ("platform", DataType::String),
        ("posts", I64),
        ("impressions", I64),
        ("post_reach_sum", I64),
        ("engagements", I64),
        ("unique_actors", I64),
        ("unique_reach_low", I64),
        ("unique_reach_high", I64),
        ("unique_reach_method", DataType::String),
    ];
    let frames = scopes
        .iter()
        .map(|s| {
            grouped(
                s,
                &["platform"],
                vec![col("reach").max().alias("unique_reach_low"), null_sum("reach").alias("unique_reach_high")],
            )
            .with_column(
                when(col("unique_reach_high").is_not_null())
                    .then(lit("post_reach_bounds"))
                    .otherwise(lit(NULL).cast(DataType::String))
                    .alias("unique_reach_method"),
            )
        })
        .collect();
    concat_sorted(frames, &cols, &["campaign", "platform"])
}

/// METRICS.md §3 / §10.11: one row (campaign, hashtag_potential_reach) for `campaign_kpis`.
pub fn hashtag_potential_reach(scope: &Scope) -> PolarsResult<LazyFrame> {
    let c = scope.campaign;
    let uses_tag = if c.hashtags.is_empty() {
        lit(false)
    } else {
        let tags = Series::new("".into(), c.hashtags.iter().map(String::as_str).collect::<Vec<_>>());
        col("hashtags").is_in(lit(tags).implode(false), false).fill_null(lit(false))
    };
    let author = when(col("account_id").is_not_null()).then(col("account_id")).otherwise(col("account_handle"));
    Ok(scope
        .posts
        .clone()
        .filter(col("in_window"))
        .select([col("platform"), author.alias("_author"), col("followers"), col("hashtags")])
        .filter(col("_author").is_not_null())
        .explode(cols(["hashtags"]), ExplodeOptions { empty_as_null: true, keep_nulls: true })
        .filter(uses_tag)
        .group_by([col("platform"), col("_author")])
        .agg([col("followers").max().alias("_max_followers")])
        .select([
            lit(c.id.as_str()).alias("campaign"),
            null_sum("_max_followers").alias("hashtag_potential_reach"),
            len().cast(DataType::Int64).alias("hashtag_authors"),
            col("_max_followers").count().cast(DataType::Int64).alias("hashtag_authors_with_followers"),
        ]))
}
