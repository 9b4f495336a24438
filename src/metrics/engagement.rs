//! Engagement by content type: the `engagement_by_content_type` table (key campaign,
//! platform, content_type) over the campaign's own posts: which formats engage best.
//!
//! Readings to keep:
//! - Posts: `campaign_post && own` with non-null `engagements`; null-engagement posts are
//!   out of every figure, the platform rate included.
//! - `rate_by_<basis>` = `Σ e_i / Σ b_i` over the whole group; null when the basis is
//!   missing for any post; a basis of 0 is a figure (adds 0 to the denominator); `Σ b_i = 0`
//!   gives null with a reason, never infinite or 0.
//! - `rate_basis` = first of reach, impressions, followers non-null and > 0 for every post;
//!   `engagement_rate` = ratio of sums on it; otherwise headline figures null.
//! - `median_post_rate`: numpy-linear median of `e_i / b_i`.
//! - CI: 2.5/97.5 percentiles of 2000 resamples (posts ordered by `post_id`), null under 2
//!   posts; per-group seed `stats::SEED XOR xxh3_64("<campaign>\x1f<platform>\x1f<type>")`.
//! - `index_vs_platform` = rate / `platform_rate` (same ratio-of-sums rule over all own posts
//!   of the campaign and platform).
//! - `index_vs_own_baseline` (last column) = rate / the own baseline's rate on the same
//!   basis (docs/metrics.md#benchmarks, [`super::benchmarks`]).
//! - `reason`: `<column>: <why>` for each null rate, `"; "`-separated.
//!
//! User docs: docs/metrics.md#engagement-by-content-type (and #engagements-of-a-post).

use polars::prelude::*;
use rayon::prelude::*;

use super::stats;
use super::Scope;

/// The bases in order of preference.
pub const BASES: [&str; 3] = ["reach", "impressions", "followers"];

/// `basis` can be the headline basis of a post: non-null and > 0.
fn positive(basis: &str) -> Expr {
    col(basis).gt(lit(0)).fill_null(lit(false))
}

/// The seed of a group's bootstrap: [`stats::SEED`] mixed with the group key.
pub fn group_seed(campaign: &str, platform: &str, content_type: &str) -> u64 {
    let key = format!("{campaign}\u{1f}{platform}\u{1f}{content_type}");
    stats::SEED ^ xxhash_rust::xxh3::xxh3_64(key.as_bytes())
}

/// A ratio of sums over a set of posts on one basis: `Σ e / Σ b`, or why it has no value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Ratio {
    Value(f64),
    /// The basis is null for this many of the posts.
    Missing(i64),
    /// Every post's basis is 0.
    ZeroSum,
}

impl Ratio {
    /// `Σ e / Σ b` over `n` posts of which `nulls` have no basis and the others sum to `sum`.
    pub(crate) fn of(e: i64, sum: i64, nulls: i64) -> Ratio {
        if nulls > 0 {
            Ratio::Missing(nulls)
        } else if sum == 0 {
            Ratio::ZeroSum
        } else {
            Ratio::Value(e as f64 / sum as f64)
        }
    }
    pub(crate) fn value(self) -> Option<f64> {
        match self {
            Ratio::Value(v) => Some(v),
            _ => None,
        }
    }
    /// Why the ratio is null, `None` when it has a value.
    pub(crate) fn why(self, basis: &str, n: i64, posts: &str) -> Option<String> {
        match self {
            Ratio::Value(_) => None,
            Ratio::Missing(m) => Some(format!("{basis} missing for {m} of {n} {posts}")),
            Ratio::ZeroSum => Some(format!("{basis} is 0 for every one of the {n} {posts}")),
        }
    }
}

/// The 95% bootstrap interval of `Σ e / Σ b` over posts (`e`, `b` in post order): the
/// 2.5th and 97.5th percentiles of the ratio of sums of [`stats::RESAMPLES`] resamples;
/// None under 2 posts. A resample whose basis sums to 0 (only possible when some `b` are 0)
/// has no ratio and is left out of the percentiles.
pub(crate) fn ratio_ci(e: &[f64], b: &[f64], seed: u64) -> Option<(f64, f64)> {
    let n = e.len();
    if n < 2 {
        return None;
    }
    let draws: Vec<f64> = stats::bootstrap_indices(n, stats::RESAMPLES, seed)
        .iter()
        .map(|idx| {
            let (se, sb) = idx.iter().fold((0.0, 0.0), |(se, sb), &i| (se + e[i], sb + b[i]));
            se / sb
        })
        .collect();
    Some((stats::percentile(&draws, 2.5)?, stats::percentile(&draws, 97.5)?))
}

/// The headline basis of a set of posts: the first of [`BASES`] that is > 0 for every post
/// (`positive`), so that its ratio of sums has a value.
fn headline_basis(positive: [bool; 3], rate_by: [Ratio; 3]) -> Option<usize> {
    (0..3).find(|&k| positive[k] && rate_by[k].value().is_some())
}

/// The headline rate of a set of posts, by the rules of this table (module docs): the
/// basis, `Σ b` on it and `Σ e / Σ b`; `None` when no basis is non-null and > 0 for every
/// post (or there is no post). `posts`: each post's engagements and bases in [`BASES`]
/// order; posts with null engagements are the caller's to leave out. Other tables that
/// give an engagement rate of own posts (`by_language`) use this, so the rule is written once.
pub fn headline_rate(posts: &[(i64, [Option<i64>; 3])]) -> Option<(&'static str, i64, f64)> {
    if posts.is_empty() {
        return None;
    }
    let e: i64 = posts.iter().map(|p| p.0).sum();
    let positive = std::array::from_fn(|k| posts.iter().all(|p| p.1[k].is_some_and(|b| b > 0)));
    let sum: [i64; 3] = std::array::from_fn(|k| posts.iter().filter_map(|p| p.1[k]).sum());
    let rate_by =
        std::array::from_fn(|k| Ratio::of(e, sum[k], posts.iter().filter(|p| p.1[k].is_none()).count() as i64));
    let k = headline_basis(positive, rate_by)?;
    Some((BASES[k], sum[k], rate_by[k].value()?))
}

/// One group as collected from polars.
struct Group {
    campaign: String,
    platform: String,
    content_type: String,
    posts: i64,
    engagements: i64,
    /// Per basis: the basis is > 0 for every post of the group.
    positive: [bool; 3],
    /// Per basis: Σ b_i over the group (nulls skipped).
    sum: [i64; 3],
    /// Per basis: the group's ratio of sums.
    rate_by: [Ratio; 3],
    /// Own posts of the platform (with engagements), and their ratio of sums per basis.
    platform_posts: i64,
    platform_rate: [Ratio; 3],
    /// (post_id, e_i, b_i per basis), sorted by post_id.
    rows: Vec<(String, i64, [Option<i64>; 3])>,
}

/// The computed row.
struct Row {
    rate_basis: Option<&'static str>,
    basis_total: Option<i64>,
    engagement_rate: Option<f64>,
    median_post_rate: Option<f64>,
    ci: Option<(f64, f64)>,
    rate_by: [Option<f64>; 3],
    platform_rate: Option<f64>,
    index_vs_platform: Option<f64>,
    /// Filled in by [`engagement_by_content_type`] from the own baselines.
    index_vs_own_baseline: Option<f64>,
    reason: Option<String>,
    seed: u64,
}

fn compute(g: &Group) -> Row {
    let rate_by: [Option<f64>; 3] = std::array::from_fn(|k| g.rate_by[k].value());
    let mut why: Vec<String> = (0..3)
        .filter_map(|k| g.rate_by[k].why(BASES[k], g.posts, "posts").map(|w| format!("rate_by_{}: {w}", BASES[k])))
        .collect();
    let chosen = headline_basis(g.positive, g.rate_by);
    let seed = group_seed(&g.campaign, &g.platform, &g.content_type);
    let Some(k) = chosen else {
        why.insert(0, "engagement_rate: no basis is non-null and > 0 for every post".into());
        return Row {
            rate_basis: None,
            basis_total: None,
            engagement_rate: None,
            median_post_rate: None,
            ci: None,
            rate_by,
            platform_rate: None,
            index_vs_platform: None,
            index_vs_own_baseline: None,
            reason: Some(why.join("; ")),
            seed,
        };
    };
    // Every b_i is Some(> 0) here (the basis is positive for the group).
    let e: Vec<f64> = g.rows.iter().map(|r| r.1 as f64).collect();
    let b: Vec<f64> = g.rows.iter().map(|r| r.2[k].expect("positive basis") as f64).collect();
    let per_post: Vec<f64> = e.iter().zip(&b).map(|(x, y)| x / y).collect();
    let ci = ratio_ci(&e, &b, seed);
    let rate = rate_by[k];
    let platform = g.platform_rate[k];
    let own = format!("own {} posts", g.platform);
    if let Some(w) = platform.why(BASES[k], g.platform_posts, &own) {
        why.push(format!("index_vs_platform: {w}"));
    } else if platform.value() == Some(0.0) {
        why.push(format!("index_vs_platform: the {own} have no engagements (0 / 0)"));
    }
    Row {
        rate_basis: Some(BASES[k]),
        basis_total: Some(g.sum[k]),
        engagement_rate: rate,
        median_post_rate: stats::median(&per_post),
        ci,
        rate_by,
        platform_rate: platform.value(),
        index_vs_platform: match (rate, platform.value()) {
            (Some(r), Some(p)) if p > 0.0 => Some(r / p),
            _ => None,
        },
        index_vs_own_baseline: None,
        reason: (!why.is_empty()).then(|| why.join("; ")),
        seed,
    }
}

/// The groups of one campaign, grouped and summed in polars.
fn collect_groups(scope: &Scope) -> PolarsResult<Vec<Group>> {
    let posts =
        scope.posts.clone().filter(col("campaign_post").and(col("own")).and(col("engagements").is_not_null())).select(
            [
                col("platform"),
                col("content_type"),
                col("post_id"),
                col("engagements"),
                col("reach"),
                col("impressions"),
                col("followers"),
            ],
        );
    let mut aggs = vec![
        len().cast(DataType::Int64).alias("posts"),
        col("engagements").sum().alias("engagements"),
        col("post_id").alias("_ids"),
        col("engagements").alias("_e"),
    ];
    let mut platform_aggs =
        vec![len().cast(DataType::Int64).alias("_pn"), col("engagements").sum().cast(DataType::Int64).alias("_pe")];
    for b in BASES {
        aggs.push(positive(b).all(true).alias(format!("_pos_{b}")));
        aggs.push(col(b).sum().alias(format!("_sum_{b}")));
        aggs.push(col(b).null_count().cast(DataType::Int64).alias(format!("_nulls_{b}")));
        aggs.push(col(b).alias(format!("_b_{b}")));
        platform_aggs.push(col(b).sum().alias(format!("_psum_{b}")));
        platform_aggs.push(col(b).null_count().cast(DataType::Int64).alias(format!("_pnulls_{b}")));
    }
    let groups = posts.clone().group_by([col("platform"), col("content_type")]).agg(aggs);
    let platform = posts.group_by([col("platform")]).agg(platform_aggs);
    let df = groups.join(platform, [col("platform")], [col("platform")], JoinArgs::new(JoinType::Left)).collect()?;

    let s = |name: &str| -> PolarsResult<StringChunked> { Ok(df.column(name)?.str()?.clone()) };
    let i = |name: &str| -> PolarsResult<Int64Chunked> { Ok(df.column(name)?.cast(&DataType::Int64)?.i64()?.clone()) };
    let l = |name: &str| -> PolarsResult<ListChunked> { Ok(df.column(name)?.list()?.clone()) };
    let (platform, content_type, posts_n, eng) = (s("platform")?, s("content_type")?, i("posts")?, i("engagements")?);
    let (ids, e_list, p_n, p_e) = (l("_ids")?, l("_e")?, i("_pn")?, i("_pe")?);
    let mut pos = Vec::new();
    let (mut sum, mut nulls, mut psum, mut pnulls) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut b_list = Vec::new();
    for b in BASES {
        pos.push(df.column(&format!("_pos_{b}"))?.bool()?.clone());
        sum.push(i(&format!("_sum_{b}"))?);
        nulls.push(i(&format!("_nulls_{b}"))?);
        psum.push(i(&format!("_psum_{b}"))?);
        pnulls.push(i(&format!("_pnulls_{b}"))?);
        b_list.push(l(&format!("_b_{b}"))?);
    }
    let mut out = Vec::with_capacity(df.height());
    for r in 0..df.height() {
        let ids_s = ids.get_as_series(r).expect("list");
        let ids_v: Vec<String> = ids_s.str()?.iter().map(|v| v.unwrap_or_default().to_string()).collect();
        let e_s = e_list.get_as_series(r).expect("list").cast(&DataType::Int64)?;
        let e_v: Vec<i64> = e_s.i64()?.iter().map(|v| v.expect("non-null engagements")).collect();
        let mut bv: Vec<Vec<Option<i64>>> = Vec::new();
        for bl in &b_list {
            let s = bl.get_as_series(r).expect("list").cast(&DataType::Int64)?;
            bv.push(s.i64()?.iter().collect());
        }
        let mut rows: Vec<(String, i64, [Option<i64>; 3])> =
            (0..ids_v.len()).map(|j| (ids_v[j].clone(), e_v[j], [bv[0][j], bv[1][j], bv[2][j]])).collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let engagements = eng.get(r).unwrap_or(0);
        let platform_e = p_e.get(r).unwrap_or(0);
        let get = |c: &Int64Chunked| c.get(r).unwrap_or(0);
        out.push(Group {
            campaign: scope.campaign.id.clone(),
            platform: platform.get(r).unwrap_or_default().to_string(),
            content_type: content_type.get(r).unwrap_or_default().to_string(),
            posts: posts_n.get(r).unwrap_or(0),
            engagements,
            positive: std::array::from_fn(|k| pos[k].get(r).unwrap_or(false)),
            sum: std::array::from_fn(|k| get(&sum[k])),
            rate_by: std::array::from_fn(|k| Ratio::of(engagements, get(&sum[k]), get(&nulls[k]))),
            platform_posts: p_n.get(r).unwrap_or(0),
            platform_rate: std::array::from_fn(|k| Ratio::of(platform_e, get(&psum[k]), get(&pnulls[k]))),
            rows,
        });
    }
    Ok(out)
}

/// The `engagement_by_content_type` table (registry entry).
pub const ENGAGEMENT_BY_CONTENT_TYPE: super::registry::Table = super::registry::Table {
    name: "engagement_by_content_type",
    key: &["campaign", "platform", "content_type"],
    columns: &[
        "campaign", "platform", "content_type", "posts", "engagements", "rate_basis", "basis_total",
        "engagement_rate", "median_post_rate", "ci_low", "ci_high", "rate_by_reach", "rate_by_impressions",
        "rate_by_followers", "index_vs_platform", "platform_rate", "reason", "ci_seed", "ci_resamples",
        "index_vs_own_baseline",
    ],
    compute: super::registry::Compute::Scopes(engagement_by_content_type),
};

/// docs/metrics.md#engagement-by-content-type for every campaign: one row per (campaign, platform, content_type),
/// sorted by that key.
pub fn engagement_by_content_type(scopes: &[Scope]) -> PolarsResult<LazyFrame> {
    let mut groups = Vec::new();
    for s in scopes {
        groups.extend(collect_groups(s)?);
    }
    groups
        .sort_by(|a, b| (&a.campaign, &a.platform, &a.content_type).cmp(&(&b.campaign, &b.platform, &b.content_type)));
    let mut rows: Vec<Row> = groups.par_iter().map(compute).collect();
    // The index against the account's normal: the own baseline on the row's basis.
    let baselines = super::benchmarks::OwnBaselines::of(scopes)?;
    for (g, r) in groups.iter().zip(rows.iter_mut()) {
        let Some(k) = r.rate_basis.and_then(|b| BASES.iter().position(|x| *x == b)) else { continue };
        let base = baselines.rate(&g.campaign, &g.platform, &g.content_type, k, false);
        let (index, why) = super::benchmarks::index(r.engagement_rate, &base);
        r.index_vs_own_baseline = index;
        if let Some(w) = why {
            let w = format!("index_vs_own_baseline: {w}");
            r.reason = Some(match r.reason.take() {
                Some(old) => format!("{old}; {w}"),
                None => w,
            });
        }
    }
    let df = df!(
        "campaign" => groups.iter().map(|g| g.campaign.as_str()).collect::<Vec<_>>(),
        "platform" => groups.iter().map(|g| g.platform.as_str()).collect::<Vec<_>>(),
        "content_type" => groups.iter().map(|g| g.content_type.as_str()).collect::<Vec<_>>(),
        "posts" => groups.iter().map(|g| g.posts).collect::<Vec<i64>>(),
        "engagements" => groups.iter().map(|g| g.engagements).collect::<Vec<i64>>(),
        "rate_basis" => rows.iter().map(|r| r.rate_basis).collect::<Vec<Option<&str>>>(),
        "basis_total" => rows.iter().map(|r| r.basis_total).collect::<Vec<Option<i64>>>(),
        "engagement_rate" => rows.iter().map(|r| r.engagement_rate).collect::<Vec<Option<f64>>>(),
        "median_post_rate" => rows.iter().map(|r| r.median_post_rate).collect::<Vec<Option<f64>>>(),
        "ci_low" => rows.iter().map(|r| r.ci.map(|c| c.0)).collect::<Vec<Option<f64>>>(),
        "ci_high" => rows.iter().map(|r| r.ci.map(|c| c.1)).collect::<Vec<Option<f64>>>(),
        "rate_by_reach" => rows.iter().map(|r| r.rate_by[0]).collect::<Vec<Option<f64>>>(),
        "rate_by_impressions" => rows.iter().map(|r| r.rate_by[1]).collect::<Vec<Option<f64>>>(),
        "rate_by_followers" => rows.iter().map(|r| r.rate_by[2]).collect::<Vec<Option<f64>>>(),
        "index_vs_platform" => rows.iter().map(|r| r.index_vs_platform).collect::<Vec<Option<f64>>>(),
        "platform_rate" => rows.iter().map(|r| r.platform_rate).collect::<Vec<Option<f64>>>(),
        "reason" => rows.iter().map(|r| r.reason.clone()).collect::<Vec<Option<String>>>(),
        "ci_seed" => rows.iter().map(|r| r.seed).collect::<Vec<u64>>(),
        "ci_resamples" => rows.iter().map(|r| r.ci.map(|_| stats::RESAMPLES as i64)).collect::<Vec<Option<i64>>>(),
        "index_vs_own_baseline" => rows.iter().map(|r| r.index_vs_own_baseline).collect::<Vec<Option<f64>>>(),
    )?;
    Ok(df.lazy())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Micros, Post};
    use crate::pipeline::Pipeline;
    use crate::pseudo::Pseudonymizer;

    fn ts(s: &str) -> Option<Micros> {
        crate::model::Micros::parse_iso(s)
    }

    /// An own (owned-export, campaign-tagged) post in the window.
    fn own(platform: &str, id: &str, ct: &'static str) -> Post {
        Post {
            platform: platform.into(),
            post_id: id.into(),
            origin: "owned",
            account_id: Some("page-1".into()),
            account_handle: Some("ourpage".into()),
            created_at: ts("2024-03-05T12:00:00Z"),
            content_type: ct,
            campaign: Some("c1".into()),
            ..Default::default()
        }
    }

    const PIPE: &str = "[output]\ndir='o'\n[[campaigns]]\nid='c1'\nstart=2024-03-01\nend=2024-03-31\nhashtags=['climate']\nown_accounts={facebook=['ourpage']}\n";

    /// The fixture lake (facebook unless said):
    /// | post | type  | e (fields)          | reach | impr. | followers |
    /// | p1   | photo | 30 (20 re + 10 co)  | 100   | 200   | 1000 |
    /// | p2   | photo | 10 (10 re)          | 300   | 400   | 1000 |
    /// | p3   | photo | null (no fields)    | 1000  | 1000  | 1000 |  left out
    /// | v1   | video | 50 (50 re)          | null  | 500   | 1000 |
    /// | v2   | video | 50 (50 sh)          | 200   | 1000  | 1000 |
    /// | l1   | link  | 7 (7 co)            | 0     | 70    | null |
    /// | x1   | photo | 1000, collected, not own (hashtag only)  reach 1 |  left out
    /// | x2   | photo | 1000, own but after the window           reach 1 |  left out
    /// | t1   | text  | twitter, 5 (5 re)   | null  | 100   | null |
    /// | t2   | video | twitter, 9 (9 re)   | null  | null  | null |  no basis at all
    /// | z1   | photo | 4 (4 re), tagged c2 | 40    | null  | null |  campaign c2 only
    fn fixture() -> Vec<Post> {
        let mut p1 = own("facebook", "p1", "photo");
        (p1.reactions, p1.comments, p1.reach, p1.impressions, p1.followers) =
            (Some(20), Some(10), Some(100), Some(200), Some(1000));
        let mut p2 = own("facebook", "p2", "photo");
        (p2.reactions, p2.reach, p2.impressions, p2.followers) = (Some(10), Some(300), Some(400), Some(1000));
        let mut p3 = own("facebook", "p3", "photo");
        (p3.reach, p3.impressions, p3.followers) = (Some(1000), Some(1000), Some(1000));
        let mut v1 = own("facebook", "v1", "video");
        (v1.reactions, v1.impressions, v1.followers) = (Some(50), Some(500), Some(1000));
        let mut v2 = own("facebook", "v2", "video");
        (v2.shares, v2.reach, v2.impressions, v2.followers) = (Some(50), Some(200), Some(1000), Some(1000));
        let mut l1 = own("facebook", "l1", "link");
        (l1.comments, l1.reach, l1.impressions) = (Some(7), Some(0), Some(70));
        let mut x1 = own("facebook", "x1", "photo");
        (x1.origin, x1.campaign, x1.account_id, x1.account_handle) =
            ("collected", None, Some("u-9".into()), Some("someone".into()));
        x1.hashtags = vec!["climate".into()];
        (x1.reactions, x1.reach) = (Some(1000), Some(1));
        let mut x2 = own("facebook", "x2", "photo");
        x2.created_at = ts("2024-04-15T12:00:00Z");
        (x2.reactions, x2.reach) = (Some(1000), Some(1));
        let mut t1 = own("twitter", "t1", "text");
        (t1.reactions, t1.impressions) = (Some(5), Some(100));
        let mut t2 = own("twitter", "t2", "video");
        t2.reactions = Some(9);
        let mut z1 = own("facebook", "z1", "photo");
        (z1.campaign, z1.reactions, z1.reach) = (Some("c2".into()), Some(4), Some(40));
        vec![p1, p2, p3, v1, v2, l1, x1, x2, t1, t2, z1]
    }

    /// A lake of `posts` with campaign c1 of [`PIPE`]: its table.
    fn table_of(posts: &[Post]) -> DataFrame {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("lake");
        crate::testkit::write_records(&root, "t", posts, &[], &[], &[]).unwrap();
        let pipe = Pipeline::parse(std::path::Path::new("p.toml"), PIPE).unwrap();
        let lake = crate::metrics::Lake::open(&root).unwrap();
        let key = Pseudonymizer::load_or_create(&Pseudonymizer::key_path(&root)).unwrap();
        let s = Scope::new(&lake, &pipe.campaigns[0], &pipe.ladder, None, &key).unwrap();
        engagement_by_content_type(&[s]).unwrap().collect().unwrap()
    }

    /// The fixture lake's table for c1.
    fn table() -> DataFrame {
        table_of(&fixture())
    }

    fn row(df: &DataFrame, platform: &str, ct: &str) -> usize {
        let p = df.column("platform").unwrap().str().unwrap();
        let c = df.column("content_type").unwrap().str().unwrap();
        (0..df.height()).find(|&i| p.get(i) == Some(platform) && c.get(i) == Some(ct)).expect("group")
    }
    fn f(df: &DataFrame, r: usize, name: &str) -> Option<f64> {
        df.column(name).unwrap().f64().unwrap().get(r)
    }
    fn i(df: &DataFrame, r: usize, name: &str) -> Option<i64> {
        df.column(name).unwrap().i64().unwrap().get(r)
    }
    fn s(df: &DataFrame, r: usize, name: &str) -> Option<String> {
        df.column(name).unwrap().str().unwrap().get(r).map(str::to_string)
    }
    /// The reason every row of these fixtures adds: no own post before the window.
    fn no_baseline(platform: &str, ct: &str) -> String {
        format!(
            "; index_vs_own_baseline: no own {platform} {ct} post with engagements on 2023-12-02..2024-02-29 outside \
             every campaign window"
        )
    }
    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() <= 1e-9 * b.abs().max(1e-300))
    }

    #[test]
    fn key_columns_and_dtypes() {
        let df = table();
        let key: Vec<(String, String)> =
            (0..df.height()).map(|r| (s(&df, r, "platform").unwrap(), s(&df, r, "content_type").unwrap())).collect();
        // Sorted by the key; x1 (collected) and x2 (after the window) make no group of their own.
        let want = [
            ("facebook", "link"),
            ("facebook", "photo"),
            ("facebook", "video"),
            ("twitter", "text"),
            ("twitter", "video"),
        ];
        assert_eq!(key, want.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>());
        for (c, t) in [
            ("posts", DataType::Int64),
            ("engagements", DataType::Int64),
            ("basis_total", DataType::Int64),
            ("rate_basis", DataType::String),
            ("engagement_rate", DataType::Float64),
            ("ci_low", DataType::Float64),
            ("index_vs_platform", DataType::Float64),
        ] {
            assert_eq!(df.column(c).unwrap().dtype(), &t, "{c}");
        }
        assert!(df.column("campaign").unwrap().str().unwrap().iter().all(|c| c == Some("c1")));
    }

    #[test]
    fn ratio_of_sums_differs_from_mean_of_ratios() {
        let df = table();
        let r = row(&df, "facebook", "photo");
        // p3 (null engagements) is left out: 2 posts, 30 + 10 = 40 engagements.
        assert_eq!((i(&df, r, "posts"), i(&df, r, "engagements")), (Some(2), Some(40)));
        assert_eq!(s(&df, r, "rate_basis").as_deref(), Some("reach"));
        // basis_total = 100 + 300 = 400 (p3's reach 1000 is not in it).
        assert_eq!(i(&df, r, "basis_total"), Some(400));
        // Ratio of sums: 40/400 = 0.1; per-post rates 30/100 = 0.3 and 10/300 = 1/30,
        // median (= mean of two) (0.3 + 1/30)/2 = 1/6 ≠ 0.1.
        assert!(close(f(&df, r, "engagement_rate"), 0.1));
        assert!(close(f(&df, r, "median_post_rate"), 1.0 / 6.0));
        // Bootstrap of two posts: a resample is {p1,p1} 0.3, {p2,p2} 1/30 or mixed 40/400 = 0.1,
        // each extreme with probability 1/4 (~500 of 2000 draws): the 2.5th and 97.5th
        // percentiles are the extremes.
        assert!(close(f(&df, r, "ci_low"), 1.0 / 30.0));
        assert!(close(f(&df, r, "ci_high"), 0.3));
        // video: ratio of sums on impressions (50+50)/(500+1000) = 1/15; per-post
        // 50/500 = 0.1 and 50/1000 = 0.05, median 0.075 ≠ 1/15.
        let v = row(&df, "facebook", "video");
        assert!(close(f(&df, v, "engagement_rate"), 1.0 / 15.0));
        assert!(close(f(&df, v, "median_post_rate"), 0.075));
    }

    #[test]
    fn rate_basis_falls_back_when_reach_is_missing() {
        let df = table();
        // video: v1 has no reach -> impressions, 500 + 1000 = 1500; rate 100/1500 = 1/15.
        let v = row(&df, "facebook", "video");
        assert_eq!(s(&df, v, "rate_basis").as_deref(), Some("impressions"));
        assert_eq!(i(&df, v, "basis_total"), Some(1500));
        assert_eq!(f(&df, v, "rate_by_reach"), None);
        // link: reach 0 cannot be the headline basis -> impressions: 7/70 = 0.1. Its
        // rate_by_reach is 7/0: no value, and the reason says so.
        let l = row(&df, "facebook", "link");
        assert_eq!(s(&df, l, "rate_basis").as_deref(), Some("impressions"));
        assert!(close(f(&df, l, "engagement_rate"), 0.1));
        assert_eq!(f(&df, l, "rate_by_reach"), None);
        let why = s(&df, l, "reason").unwrap();
        assert!(why.contains("rate_by_reach: reach is 0 for every one of the 1 posts"), "{why}");
        // rate_basis is the same basis as the rate_by_ column it reports.
        assert_eq!(f(&df, l, "rate_by_impressions"), f(&df, l, "engagement_rate"));
    }

    #[test]
    fn three_bases_side_by_side() {
        let df = table();
        let r = row(&df, "facebook", "photo");
        // photo: 40 engagements; reach 400 -> 0.1, impressions 200+400 = 600 -> 1/15,
        // followers 1000+1000 = 2000 -> 0.02.
        assert!(close(f(&df, r, "rate_by_reach"), 0.1));
        assert!(close(f(&df, r, "rate_by_impressions"), 40.0 / 600.0));
        assert!(close(f(&df, r, "rate_by_followers"), 0.02));
        // video: no reach on v1 -> null; impressions 100/1500; followers 100/2000 = 0.05.
        let v = row(&df, "facebook", "video");
        assert_eq!(f(&df, v, "rate_by_reach"), None);
        assert!(close(f(&df, v, "rate_by_impressions"), 100.0 / 1500.0));
        assert!(close(f(&df, v, "rate_by_followers"), 0.05));
        // link: l1 has no followers figure -> null.
        assert_eq!(f(&df, row(&df, "facebook", "link"), "rate_by_followers"), None);
    }

    #[test]
    fn index_vs_platform_on_the_same_basis() {
        let df = table();
        // Facebook own campaign posts with engagements: p1, p2, v1, v2, l1.
        // On reach: v1 has none, so the rate of all five on reach has no value, and photo
        // (basis reach) has no index (not 0.1 / (90/600) over the three posts with reach).
        let r = row(&df, "facebook", "photo");
        assert_eq!((f(&df, r, "platform_rate"), f(&df, r, "index_vs_platform")), (None, None));
        let why = s(&df, r, "reason").unwrap();
        assert!(why.contains("index_vs_platform: reach missing for 1 of 5 own facebook posts"), "{why}");
        // On impressions (all five): (30+10+50+50+7)/(200+400+500+1000+70) = 147/2170.
        // video: (1/15)/(147/2170) = 2170/2205; link: 0.1/(147/2170) = 217/147.
        let platform_impr = 147.0 / 2170.0;
        let v = row(&df, "facebook", "video");
        assert!(close(f(&df, v, "platform_rate"), platform_impr));
        assert!(close(f(&df, v, "index_vs_platform"), 2170.0 / 2205.0));
        assert!(close(f(&df, row(&df, "facebook", "link"), "index_vs_platform"), 217.0 / 147.0));
        // twitter text: 5/100 = 0.05 on impressions, but t2 (video) has no impressions:
        // twitter's own posts have no rate on impressions, so no index.
        let t = row(&df, "twitter", "text");
        assert!(close(f(&df, t, "engagement_rate"), 0.05));
        assert_eq!(f(&df, t, "index_vs_platform"), None);
        assert_eq!(
            s(&df, t, "reason"),
            Some(
                "rate_by_reach: reach missing for 1 of 1 posts; rate_by_followers: followers missing for 1 of 1 \
                 posts; index_vs_platform: impressions missing for 1 of 2 own twitter posts"
                    .to_string()
                    + &no_baseline("twitter", "text")
            )
        );
    }

    #[test]
    fn one_post_has_no_interval() {
        let df = table();
        let l = row(&df, "facebook", "link");
        assert_eq!(i(&df, l, "posts"), Some(1));
        assert_eq!((f(&df, l, "ci_low"), f(&df, l, "ci_high")), (None, None));
        assert_eq!(i(&df, l, "ci_resamples"), None);
        // its median is its own rate: 7/70 = 0.1.
        assert!(close(f(&df, l, "median_post_rate"), 0.1));
        // Two posts: an interval, around the rate.
        let v = row(&df, "facebook", "video");
        let (lo, hi) = (f(&df, v, "ci_low").unwrap(), f(&df, v, "ci_high").unwrap());
        assert!(lo <= 1.0 / 15.0 && 1.0 / 15.0 <= hi && lo < hi);
        assert_eq!(i(&df, v, "ci_resamples"), Some(2000));
    }

    #[test]
    fn same_inputs_give_identical_intervals() {
        // Two lakes built from the same records, two scopes, two runs.
        let (a, b) = (table(), table());
        assert!(a.equals_missing(&b));
        let r = row(&a, "facebook", "video");
        assert_eq!(f(&a, r, "ci_low").map(f64::to_bits), f(&b, r, "ci_low").map(f64::to_bits));
        assert_eq!(f(&a, r, "ci_high").map(f64::to_bits), f(&b, r, "ci_high").map(f64::to_bits));
        // The seed depends on the group key only.
        assert_eq!(group_seed("c1", "facebook", "video"), group_seed("c1", "facebook", "video"));
        assert_ne!(group_seed("c1", "facebook", "video"), group_seed("c1", "facebook", "photo"));
    }

    #[test]
    fn null_engagements_are_left_out() {
        // Only a post with no engagement field: no group at all (not a group of 0 posts).
        let mut p = own("facebook", "n1", "photo");
        p.reach = Some(100);
        let df = table_of(&[p]);
        assert_eq!(df.height(), 0);
        assert_eq!(df.column("engagement_rate").unwrap().dtype(), &DataType::Float64);
        // No campaigns: an empty table with the columns.
        let empty = engagement_by_content_type(&[]).unwrap().collect().unwrap();
        assert_eq!(empty.height(), 0);
        assert!(empty.column("index_vs_platform").is_ok());
    }

    #[test]
    fn no_basis_gives_nulls_not_zeros() {
        let df = table();
        // t2: 9 engagements but no reach, impressions or followers: every rate is null.
        let r = row(&df, "twitter", "video");
        assert_eq!((i(&df, r, "posts"), i(&df, r, "engagements")), (Some(1), Some(9)));
        assert_eq!((s(&df, r, "rate_basis"), i(&df, r, "basis_total")), (None, None));
        for c in [
            "engagement_rate",
            "median_post_rate",
            "ci_low",
            "rate_by_reach",
            "rate_by_impressions",
            "rate_by_followers",
            "index_vs_platform",
        ] {
            assert_eq!(f(&df, r, c), None, "{c}");
        }
        assert!(s(&df, r, "reason").unwrap().starts_with("engagement_rate: no basis is non-null and > 0"));
        // t2 has no impressions, so twitter's own posts have no impression rate (t1 alone
        // would be the rate of some of them).
        assert_eq!(f(&df, row(&df, "twitter", "text"), "platform_rate"), None);
    }

    #[test]
    fn every_campaign_gets_its_rows() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("lake");
        crate::testkit::write_records(&root, "t", &fixture(), &[], &[], &[]).unwrap();
        let two = format!("{PIPE}[[campaigns]]\nid='c2'\nstart=2024-03-01\nend=2024-03-31\n");
        let pipe = Pipeline::parse(std::path::Path::new("p.toml"), &two).unwrap();
        let lake = crate::metrics::Lake::open(&root).unwrap();
        let key = Pseudonymizer::load_or_create(&Pseudonymizer::key_path(&root)).unwrap();
        // c2 first in the slice: the output is still sorted by the key.
        let scopes: Vec<Scope> =
            [1, 0].iter().map(|&k| Scope::new(&lake, &pipe.campaigns[k], &pipe.ladder, None, &key).unwrap()).collect();
        let df = engagement_by_content_type(&scopes).unwrap().collect().unwrap();
        let camps: Vec<String> = (0..df.height()).map(|r| s(&df, r, "campaign").unwrap()).collect();
        assert_eq!(camps, ["c1", "c1", "c1", "c1", "c1", "c2"]);
        // c2: z1 alone, 4/40 = 0.1 on reach; its platform is z1 alone: index 1. z1 is not in c1's photo group.
        assert!(close(f(&df, 5, "engagement_rate"), 0.1));
        assert!(close(f(&df, 5, "index_vs_platform"), 1.0));
        assert_eq!(i(&df, 1, "posts"), Some(2));
    }

    #[test]
    fn a_zero_basis_is_a_figure_not_a_missing_one() {
        // Own facebook posts (reactions = engagements):
        // | post | type  | e | reach | impr. | followers |
        // | a1   | photo | 4 | 0     | 40    | 500  |
        // | a2   | photo | 6 | 100   | 160   | 500  |
        // | a3   | video | 2 | 0     | 0     | 500  |
        // | a4   | link  | 5 | 50    | null  | 1000 |
        let post = |id: &str, ct: &'static str, e: i64, reach: i64, impr: Option<i64>, followers: i64| {
            let mut p = own("facebook", id, ct);
            (p.reactions, p.reach, p.impressions, p.followers) = (Some(e), Some(reach), impr, Some(followers));
            p
        };
        let df = table_of(&[
            post("a1", "photo", 4, 0, Some(40), 500),
            post("a2", "photo", 6, 100, Some(160), 500),
            post("a3", "video", 2, 0, Some(0), 500),
            post("a4", "link", 5, 50, None, 1000),
        ]);
        let photo = row(&df, "facebook", "photo");
        // a1's reach 0 is in the ratio: (4 + 6) / (0 + 100) = 0.1 (a1 adds 4 above, 0 below).
        assert!(close(f(&df, photo, "rate_by_reach"), 0.1));
        // Impressions (4 + 6) / (40 + 160) = 0.05; followers 10 / 1000 = 0.01.
        assert!(close(f(&df, photo, "rate_by_impressions"), 0.05));
        assert!(close(f(&df, photo, "rate_by_followers"), 0.01));
        // The headline needs a basis > 0 for every post: reach has a 0, so impressions;
        // median of 4/40 = 0.1 and 6/160 = 0.0375 is 0.06875.
        assert_eq!(s(&df, photo, "rate_basis").as_deref(), Some("impressions"));
        assert_eq!(i(&df, photo, "basis_total"), Some(200));
        assert!(close(f(&df, photo, "engagement_rate"), 0.05));
        assert!(close(f(&df, photo, "median_post_rate"), 0.06875));
        // Platform on impressions: a4 has none, so no platform rate and no index.
        assert_eq!(f(&df, photo, "index_vs_platform"), None);
        let why = s(&df, photo, "reason").unwrap();
        assert_eq!(
            why,
            "index_vs_platform: impressions missing for 1 of 4 own facebook posts".to_string()
                + &no_baseline("facebook", "photo")
        );

        // video: Σ reach = 0 and Σ impressions = 0: no value (not 2/0, not 0), with a reason;
        // followers 2 / 500 = 0.004 is the headline.
        let video = row(&df, "facebook", "video");
        assert_eq!((f(&df, video, "rate_by_reach"), f(&df, video, "rate_by_impressions")), (None, None));
        assert_eq!(s(&df, video, "rate_basis").as_deref(), Some("followers"));
        assert!(close(f(&df, video, "engagement_rate"), 0.004));
        // Platform on followers, all four posts: (4+6+2+5) / (500·3 + 1000) = 17/2500;
        // index 0.004 / (17/2500) = 10/17.
        assert!(close(f(&df, video, "platform_rate"), 17.0 / 2500.0));
        assert!(close(f(&df, video, "index_vs_platform"), 10.0 / 17.0));
        assert_eq!(
            s(&df, video, "reason"),
            Some(
                "rate_by_reach: reach is 0 for every one of the 1 posts; rate_by_impressions: impressions is 0 \
                 for every one of the 1 posts"
                    .to_string()
                    + &no_baseline("facebook", "video")
            )
        );

        // link (basis reach, 5/50 = 0.1): the platform's reach rate counts the two posts with
        // reach 0: 17 / (0 + 100 + 0 + 50) = 17/150, index 0.1 / (17/150) = 15/17 (leaving
        // the zeros out would give 11/150 and 15/11).
        let link = row(&df, "facebook", "link");
        assert_eq!(s(&df, link, "rate_basis").as_deref(), Some("reach"));
        assert!(close(f(&df, link, "platform_rate"), 17.0 / 150.0));
        assert!(close(f(&df, link, "index_vs_platform"), 15.0 / 17.0));
        // rate_by_impressions is null only because a4 has none.
        assert_eq!(
            s(&df, link, "reason"),
            Some("rate_by_impressions: impressions missing for 1 of 1 posts".to_string() + &no_baseline("facebook", "link"))
        );
    }

    #[test]
    fn a_platform_without_engagements_has_no_index() {
        // Two own posts, 0 engagements each (reactions 0, not null), reach 10 and 30: the
        // group's rate is 0/40 = 0, a figure; the platform's is 0/40 too: the index 0/0 has no value.
        let post = |id: &str, reach: i64| {
            let mut p = own("facebook", id, "photo");
            (p.reactions, p.reach) = (Some(0), Some(reach));
            p
        };
        let df = table_of(&[post("b1", 10), post("b2", 30)]);
        let r = row(&df, "facebook", "photo");
        assert_eq!(f(&df, r, "engagement_rate"), Some(0.0));
        assert_eq!(f(&df, r, "index_vs_platform"), None);
        assert!(s(&df, r, "reason").unwrap().contains("index_vs_platform: the own facebook posts have no engagements"));
    }
}
