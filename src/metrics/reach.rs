//! Reach of the campaign's own posts: `reach_daily` (campaign, platform, day),
//! `reach_window` (campaign, platform) and the KPI `hashtag_potential_reach`.
//!
//! Readings to keep:
//! - Posts: `campaign_post && own` (reconciles with `engagement_by_content_type`).
//! - Actions: campaign actions on a window day, not `excluded`; an excluded actor's action
//!   alone makes no row.
//! - Sums over non-null values, null when every value is null (not 0).
//! - `unique_actors`: distinct over the row (window: never a sum of days); null on every row
//!   of a platform with no campaign action at all in the window (excluded ones counted).
//! - `unique_reach_low` = largest post reach, `unique_reach_high` = Σ post reach, method
//!   `post_reach_bounds`; a page-level unique reach would replace them (`page_unique_reach`).
//! - `hashtag_potential_reach`: Σ over distinct authors (id, else handle) of their largest
//!   followers in the window; null when none known.
//!
//! User docs: docs/metrics.md#reach.

use polars::prelude::*;

use super::Scope;

/// Σ of a column over the non-null values; null when every value is null.
pub fn null_sum(name: &str) -> Expr {
    when(col(name).count().gt(lit(0))).then(col(name).sum()).otherwise(lit(NULL).cast(DataType::Int64))
}

fn own_posts(s: &Scope) -> LazyFrame {
    s.posts.clone().filter(col("campaign_post").and(col("own")))
}

fn post_aggs() -> Vec<Expr> {
    vec![
        len().cast(DataType::Int64).alias("posts"),
        null_sum("impressions").alias("impressions"),
        null_sum("reach").alias("post_reach_sum"),
        null_sum("engagements").alias("engagements"),
    ]
}

/// The platforms on which the campaign has any action in its window, excluded actors
/// included (docs/metrics.md#reach), as a frame (platform, `_has_actions` = true).
fn platforms_with_actions(s: &Scope) -> PolarsResult<LazyFrame> {
    let codes: Vec<Option<u32>> = s.distinct_counts()?.platforms_acted.clone();
    let n = codes.len();
    Ok(DataFrame::new(n, vec![Column::new("_platform".into(), codes)])?
        .lazy()
        .select([s.platform_name(col("_platform")).alias("platform"), lit(true).alias("_has_actions")]))
}

/// Posts and actions of one campaign grouped by `by` (its first key is `platform`),
/// outer-joined on it.
fn grouped(s: &Scope, by: &[&str], extra: Vec<Expr>) -> PolarsResult<LazyFrame> {
    let keys: Vec<Expr> = by.iter().map(|k| col(*k)).collect();
    let mut aggs = post_aggs();
    aggs.extend(extra);
    with_actions(s, by, own_posts(s).group_by(keys).agg(aggs))
}

/// `posts`, one campaign's own campaign posts grouped by `by` (its first key is `platform`)
/// with their sums, outer-joined with the campaign's actions grouped the same way: the
/// rows of docs/metrics.md#reach, whichever engine grouped the posts.
fn with_actions(s: &Scope, by: &[&str], posts: LazyFrame) -> PolarsResult<LazyFrame> {
    let keys: Vec<Expr> = by.iter().map(|k| col(*k)).collect();
    // The actions' platforms are codes: counted by code, then named.
    let named: Vec<Expr> = by
        .iter()
        .map(|k| if *k == "platform" { s.platform_name(col("_platform")).alias("platform") } else { col(*k) })
        .chain([col("unique_actors")])
        .collect();
    let actors = super::distinct::distinct_frame(s, by.contains(&"platform"), by.contains(&"day"))?.select(named);
    Ok(posts
        .join(actors, keys.clone(), keys, JoinArgs::new(JoinType::Full).with_coalesce(JoinCoalesce::CoalesceColumns))
        .join(platforms_with_actions(s)?, [col("platform")], [col("platform")], JoinArgs::new(JoinType::Left))
        .with_columns([
            lit(s.campaign.id.as_str()).alias("campaign"),
            col("posts").fill_null(lit(0i64)),
            when(col("_has_actions").fill_null(lit(false)))
                .then(col("unique_actors").fill_null(lit(0i64)))
                .otherwise(lit(NULL).cast(DataType::Int64))
                .alias("unique_actors"),
        ]))
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

/// The `reach_daily` table (registry entry).
pub const REACH_DAILY: super::registry::Table = super::registry::Table {
    name: "reach_daily",
    key: &["campaign", "platform", "day"],
    columns: &[
        "campaign", "platform", "day", "posts", "impressions", "post_reach_sum", "engagements", "unique_actors",
    ],
    compute: super::registry::Compute::Scopes(reach_daily),
};

/// docs/metrics.md#reach per (campaign, platform, day), every campaign, sorted by the key.
pub fn reach_daily(scopes: &[Scope]) -> PolarsResult<LazyFrame> {
    let posts = scopes.iter().map(|s| own_posts(s).group_by([col("platform"), col("day")]).agg(post_aggs())).collect();
    finish_reach_daily(scopes, posts)
}

/// `reach_daily` from each campaign's post side (`posts[i]` is `scopes[i]`'s own campaign
/// posts grouped by (platform, day) with `posts`, `impressions`, `post_reach_sum`,
/// `engagements`): the actions joined, the columns, types and sort of the table. Shared by the local step and the Spark one (spark::steps), so that both end the
/// same way.
pub fn finish_reach_daily(scopes: &[Scope], posts: Vec<LazyFrame>) -> PolarsResult<LazyFrame> {
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
    if posts.len() != scopes.len() {
        polars_bail!(ComputeError: "reach_daily: {} post frames for {} campaigns", posts.len(), scopes.len());
    }
    let frames = scopes.iter().zip(posts).map(|(s, p)| with_actions(s, &["platform", "day"], p)).collect::<PolarsResult<_>>()?;
    concat_sorted(frames, &cols, &["campaign", "platform", "day"])
}

/// The `reach_window` table (registry entry).
pub const REACH_WINDOW: super::registry::Table = super::registry::Table {
    name: "reach_window",
    key: &["campaign", "platform"],
    columns: &[
        "campaign", "platform", "posts", "impressions", "post_reach_sum", "engagements", "unique_actors",
        "unique_reach_low", "unique_reach_high", "unique_reach_method",
    ],
    compute: super::registry::Compute::Scopes(reach_window),
};

/// docs/metrics.md#reach per (campaign, platform) over the window, every campaign, sorted by the key.
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
            Ok(grouped(
                s,
                &["platform"],
                vec![col("reach").max().alias("unique_reach_low"), null_sum("reach").alias("unique_reach_high")],
            )?
            .with_column(
                when(col("unique_reach_high").is_not_null())
                    .then(lit("post_reach_bounds"))
                    .otherwise(lit(NULL).cast(DataType::String))
                    .alias("unique_reach_method"),
            ))
        })
        .collect::<PolarsResult<_>>()?;
    concat_sorted(frames, &cols, &["campaign", "platform"])
}

/// docs/metrics.md#reach: one row (campaign, hashtag_potential_reach) for `campaign_kpis`.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Action, Micros, Post};
    use crate::pipeline::Pipeline;
    use crate::pseudo::Pseudonymizer;

    fn ts(s: &str) -> Option<Micros> {
        crate::model::Micros::parse_iso(s)
    }

    const PIPE: &str = "[output]\ndir='o'\n[[campaigns]]\nid='c1'\nstart=2024-03-01\nend=2024-03-31\nhashtags=['climate']\ntargets=['bigoil']\nown_accounts={facebook=['ourpage']}\n[[campaigns]]\nid='c2'\nstart=2024-03-01\nend=2024-03-31\nhashtags=['nothing']\n";

    fn own(platform: &str, id: &str, at: &str) -> Post {
        Post {
            platform: platform.into(),
            post_id: id.into(),
            origin: "owned",
            account_id: Some("page-1".into()),
            account_handle: Some("ourpage".into()),
            created_at: ts(&format!("{at}T12:00:00Z")),
            content_type: "photo",
            campaign: Some("c1".into()),
            ..Default::default()
        }
    }

    fn act(platform: &str, actor: &str, action: &str, at: &str, campaign: Option<&str>) -> Action {
        Action {
            platform: platform.into(),
            actor_id: actor.into(),
            action: action.into(),
            occurred_at: ts(&format!("{at}T09:00:00Z")),
            campaign: campaign.map(str::to_string),
            ..Default::default()
        }
    }

    /// Builds the lake with `posts`, then actions made by `actions(key)`; returns c1's tables.
    fn tables(posts: &[Post], actions: impl Fn(&Pseudonymizer) -> Vec<Action>) -> (DataFrame, DataFrame) {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("lake");
        crate::testkit::write_records(&root, "posts", posts, &[], &[], &[]).unwrap();
        let key = Pseudonymizer::load_or_create(&Pseudonymizer::key_path(&root)).unwrap();
        crate::testkit::write_records(&root, "actions", &[], &actions(&key), &[], &[]).unwrap();
        let pipe = Pipeline::parse(std::path::Path::new("p.toml"), PIPE).unwrap();
        let lake = crate::metrics::Lake::open(&root).unwrap();
        // c2 first: the output is sorted by the key all the same.
        let scopes: Vec<Scope> =
            [1, 0].iter().map(|&k| Scope::new(&lake, &pipe.campaigns[k], &pipe.ladder, None, &key).unwrap()).collect();
        (reach_daily(&scopes).unwrap().collect().unwrap(), reach_window(&scopes).unwrap().collect().unwrap())
    }

    /// Own posts: facebook f1 (03-05, reach 100, impr. 300, 10 reactions), f2 (03-05, reach
    /// 250, impr. 400, 5 comments), f3 (03-06, reach 50, no impressions, 2 reactions), f4
    /// (04-10, after the window, reach 9999); twitter t1 (03-05, 3 reactions, no reach, no
    /// impressions). Actions (facebook): a on 03-05 and 03-06, b on 03-05, c on 03-07
    /// (tagged c1); the own page on 03-08 (excluded); d on 03-05 untagged; e on 02-20
    /// (before the window); petition: a on 03-09, tagged c2.
    fn fixture() -> (DataFrame, DataFrame) {
        let mut f1 = own("facebook", "f1", "2024-03-05");
        (f1.reach, f1.impressions, f1.reactions) = (Some(100), Some(300), Some(10));
        let mut f2 = own("facebook", "f2", "2024-03-05");
        (f2.reach, f2.impressions, f2.comments) = (Some(250), Some(400), Some(5));
        let mut f3 = own("facebook", "f3", "2024-03-06");
        (f3.reach, f3.reactions) = (Some(50), Some(2));
        let mut f4 = own("facebook", "f4", "2024-04-10");
        (f4.reach, f4.impressions, f4.reactions) = (Some(9999), Some(9999), Some(9999));
        let mut t1 = own("twitter", "t1", "2024-03-05");
        t1.reactions = Some(3);
        tables(&[f1, f2, f3, f4, t1], |key| {
            let c = Some("c1");
            vec![
                act("facebook", "a", "like", "2024-03-05", c),
                act("facebook", "a", "comment", "2024-03-06", c),
                act("facebook", "b", "like", "2024-03-05", c),
                act("facebook", "c", "share", "2024-03-07", c),
                act("facebook", &key.id("facebook", "ourpage"), "comment", "2024-03-08", c),
                act("facebook", "d", "like", "2024-03-05", None),
                act("facebook", "e", "like", "2024-02-20", c),
                act("petition", "a", "sign_petition", "2024-03-09", Some("c2")),
            ]
        })
    }

    /// The rows of campaign `c`, checking that every campaign's rows come sorted by campaign.
    fn of(df: &DataFrame, c: &str) -> DataFrame {
        let camps = strs(df, "campaign");
        assert!(camps.windows(2).all(|w| w[0] <= w[1]));
        df.clone().lazy().filter(col("campaign").eq(lit(c))).collect().unwrap()
    }

    #[test]
    fn every_campaign_gets_its_rows() {
        let (daily, window) = fixture();
        // c2: no own posts; a's signature on 03-09 makes a petition row with 0 posts, null sums.
        let (d2, w2) = (of(&daily, "c2"), of(&window, "c2"));
        assert_eq!(strs(&d2, "platform"), [Some("petition".into())]);
        assert_eq!((ints(&d2, "posts"), ints(&d2, "impressions")), (vec![Some(0)], vec![None]));
        assert_eq!(ints(&d2, "unique_actors"), [Some(1)]);
        assert_eq!((ints(&w2, "unique_actors"), ints(&w2, "unique_reach_low")), (vec![Some(1)], vec![None]));
        // c1 has no petition row: the signature is c2's.
        assert!(!strs(&of(&window, "c1"), "platform").contains(&Some("petition".into())));
    }

    fn ints(df: &DataFrame, name: &str) -> Vec<Option<i64>> {
        df.column(name).unwrap().i64().unwrap().iter().collect()
    }
    fn strs(df: &DataFrame, name: &str) -> Vec<Option<String>> {
        df.column(name).unwrap().str().unwrap().iter().map(|v| v.map(str::to_string)).collect()
    }

    #[test]
    fn daily_rows_sums_and_nulls() {
        let daily = of(&fixture().0, "c1");
        let days: Vec<String> = daily
            .column("day")
            .unwrap()
            .cast(&DataType::String)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|d| d.unwrap().into())
            .collect();
        let platforms: Vec<String> = strs(&daily, "platform").into_iter().map(Option::unwrap).collect();
        // Rows: facebook 03-05, 03-06 (posts and actions), 03-07 (an action only); not 03-08
        // (only the excluded own page acted), not 02-20 or 04-10 (outside the window);
        // twitter 03-05 (a post only).
        assert_eq!(
            platforms.iter().zip(&days).map(|(p, d)| format!("{p} {d}")).collect::<Vec<_>>(),
            ["facebook 2024-03-05", "facebook 2024-03-06", "facebook 2024-03-07", "twitter 2024-03-05"]
        );
        assert_eq!(daily.column("day").unwrap().dtype(), &DataType::Date);
        assert_eq!(ints(&daily, "posts"), [Some(2), Some(1), Some(0), Some(1)]);
        // facebook 03-05: 300 + 400 = 700; 03-06: f3 has no impressions -> null, not 0;
        // 03-07: no posts -> null; twitter exports no impressions -> null, not 0.
        assert_eq!(ints(&daily, "impressions"), [Some(700), None, None, None]);
        // post reach: 100 + 250 = 350; 50; none; twitter none.
        assert_eq!(ints(&daily, "post_reach_sum"), [Some(350), Some(50), None, None]);
        // engagements: 10 + 5 = 15; 2; none; 3.
        assert_eq!(ints(&daily, "engagements"), [Some(15), Some(2), None, Some(3)]);
        // 03-05: a and b (d is not a campaign action); 03-06: a; 03-07: c; twitter: no
        // campaign action at all in the window -> null, not 0 (docs/metrics.md#reach).
        assert_eq!(ints(&daily, "unique_actors"), [Some(2), Some(1), Some(1), None]);
    }

    #[test]
    fn window_unique_actors_and_reach_bounds() {
        let (daily, window) = fixture();
        let (daily, window) = (of(&daily, "c1"), of(&window, "c1"));
        assert_eq!(strs(&window, "platform"), [Some("facebook".into()), Some("twitter".into())]);
        assert_eq!(ints(&window, "posts"), [Some(3), Some(1)]);
        // facebook: 300 + 400 (f3 null) = 700; twitter: no impressions at all -> null, not 0.
        assert_eq!(ints(&window, "impressions"), [Some(700), None]);
        assert_eq!(ints(&window, "engagements"), [Some(17), Some(3)]);
        // a acts on 03-05 and 03-06: distinct over the window {a, b, c} = 3 < sum of the
        // daily counts 2 + 1 + 1 = 4.
        assert_eq!(ints(&window, "unique_actors"), [Some(3), None]);
        let fb_daily_sum: i64 = ints(&daily, "unique_actors")[..3].iter().map(|v| v.unwrap()).sum();
        assert_eq!(fb_daily_sum, 4);
        // Bounds: largest post reach max(100, 250, 50) = 250 ≤ unique ≤ 100 + 250 + 50 = 400;
        // twitter has no reach: both null, no method.
        assert_eq!(ints(&window, "unique_reach_low"), [Some(250), None]);
        assert_eq!(ints(&window, "unique_reach_high"), [Some(400), None]);
        assert_eq!(ints(&window, "post_reach_sum"), [Some(400), None]);
        assert_eq!(strs(&window, "unique_reach_method"), [Some("post_reach_bounds".into()), None]);
        assert!(strs(&window, "campaign").iter().all(|c| c.as_deref() == Some("c1")));
    }

    #[test]
    fn unique_actors_is_null_only_where_the_platform_has_no_campaign_action() {
        // Own posts: facebook f1 (03-05) and f2 (03-06); instagram i1 (03-05); twitter t1
        // (03-05). Actions: facebook a on 03-05 (c1); instagram: only the target @bigoil, on
        // 03-06 (c1, excluded); twitter: b on 02-20 (c1, before the window) and c on 03-05
        // untagged.
        let posts = [
            own("facebook", "f1", "2024-03-05"),
            own("facebook", "f2", "2024-03-06"),
            own("instagram", "i1", "2024-03-05"),
            own("twitter", "t1", "2024-03-05"),
        ];
        let (daily, window) = tables(&posts, |key| {
            vec![
                act("facebook", "a", "like", "2024-03-05", Some("c1")),
                act("instagram", &key.id("instagram", "bigoil"), "comment", "2024-03-06", Some("c1")),
                act("twitter", "b", "like", "2024-02-20", Some("c1")),
                act("twitter", "c", "like", "2024-03-05", None),
            ]
        });
        let (daily, window) = (of(&daily, "c1"), of(&window, "c1"));
        // Daily rows: facebook 03-05 (a: 1), facebook 03-06 (no action that day, but facebook
        // has one in the window: 0), instagram 03-05 (only the excluded target acted, on
        // 03-06: the platform has actors, 0 supporters), twitter 03-05 (no campaign action in
        // the window: null).
        assert_eq!(
            strs(&daily, "platform"),
            ["facebook", "facebook", "instagram", "twitter"].map(|p| Some(p.to_string()))
        );
        assert_eq!(ints(&daily, "unique_actors"), [Some(1), Some(0), Some(0), None]);
        assert_eq!(ints(&window, "unique_actors"), [Some(1), Some(0), None]);
    }

    #[test]
    fn no_campaigns_give_empty_typed_tables() {
        let (d, w) = (reach_daily(&[]).unwrap().collect().unwrap(), reach_window(&[]).unwrap().collect().unwrap());
        assert_eq!((d.height(), w.height()), (0, 0));
        assert_eq!(d.column("day").unwrap().dtype(), &DataType::Date);
        assert_eq!(w.column("unique_reach_low").unwrap().dtype(), &DataType::Int64);
    }

    #[test]
    fn hashtag_potential_reach_sums_each_authors_largest_followers() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("lake");
        let p = |platform: &str, id: &str, author: &str, followers: Option<i64>, tag: &str, day: &str| Post {
            platform: platform.into(),
            post_id: id.into(),
            origin: "collected",
            account_id: Some(author.into()),
            account_handle: Some(format!("h-{author}")),
            created_at: ts(&format!("{day}T12:00:00Z")),
            content_type: "text",
            hashtags: vec![tag.into()],
            followers,
            ..Default::default()
        };
        let mut own = p("facebook", "o1", "page-1", Some(300), "climate", "2024-03-03");
        own.origin = "owned";
        let posts = [
            p("twitter", "h1", "u1", Some(100), "climate", "2024-03-02"),
            p("twitter", "h2", "u1", Some(150), "climate", "2024-03-10"),
            p("twitter", "h3", "u2", Some(40), "climate", "2024-03-04"),
            p("twitter", "h4", "u3", Some(1000), "other", "2024-03-04"),
            p("twitter", "h5", "u4", Some(5000), "climate", "2024-04-05"),
            p("instagram", "i1", "u1", Some(7), "climate", "2024-03-04"),
            p("twitter", "h6", "u5", None, "climate", "2024-03-04"),
            own,
        ];
        crate::testkit::write_records(&root, "t", &posts, &[], &[], &[]).unwrap();
        let pipe = Pipeline::parse(std::path::Path::new("p.toml"), PIPE).unwrap();
        let lake = crate::metrics::Lake::open(&root).unwrap();
        let key = Pseudonymizer::load_or_create(&Pseudonymizer::key_path(&root)).unwrap();
        let s = Scope::new(&lake, &pipe.campaigns[0], &pipe.ladder, None, &key).unwrap();
        let df = hashtag_potential_reach(&s).unwrap().collect().unwrap();
        // twitter u1: max(100, 150) = 150; u2: 40; u3 has no campaign hashtag; u4 posted after
        // the window; instagram u1 is another author: 7; u5 has no follower count; the own
        // page: 300. 150 + 40 + 7 + 300 = 497 over 5 authors, 4 with a count.
        assert_eq!(strs(&df, "campaign"), [Some("c1".into())]);
        assert_eq!(ints(&df, "hashtag_potential_reach"), [Some(497)]);
        assert_eq!(ints(&df, "hashtag_authors"), [Some(5)]);
        assert_eq!(ints(&df, "hashtag_authors_with_followers"), [Some(4)]);
        // c2's hashtag is used by no post: one row, null (not 0).
        let s2 = Scope::new(&lake, &pipe.campaigns[1], &pipe.ladder, None, &key).unwrap();
        let df2 = hashtag_potential_reach(&s2).unwrap().collect().unwrap();
        assert_eq!(strs(&df2, "campaign"), [Some("c2".into())]);
        assert_eq!(ints(&df2, "hashtag_potential_reach"), [None]);
        assert_eq!(ints(&df2, "hashtag_authors"), [Some(0)]);
    }
}
