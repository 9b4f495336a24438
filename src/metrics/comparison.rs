//! `campaign_comparison`: campaigns side by side by day since launch, one row per
//! (campaign, day_since_launch) up to the longest window.
//!
//! Readings to keep:
//! - Per day: `engagements` (own campaign posts by creation day), `unique_actors` (`_cum`
//!   counts each actor once), `signups`, `social_sessions` (daily rows); each `_cum` and
//!   `_per_1k` followers at launch.
//! - Inside a window an empty day is 0; beyond a campaign's window, null.
//! - `social_sessions` null when there are no daily traffic rows in the window at all.
//! - `unique_actors` null when the campaign has no action at all in its window (as reach).
//! - Followers at launch: Σ over own accounts of the latest dated count on or before the
//!   start; null (and every `_per_1k` null) when none has one.
//!
//! User docs: docs/metrics.md#campaigns-side-by-side.

use polars::prelude::*;

use super::scope::{lower, Scope};
use crate::model::Day;
use crate::schema::channels::SOCIAL;

const MEASURES: [&str; 4] = ["engagements", "unique_actors", "signups", "social_sessions"];

/// Rows of the lake's `accounts` table that are one of the campaign's own accounts: the
/// platform matches and the handle or the id is one the pipeline names (without case).
pub fn own_account_rows(c: &crate::schema::Campaign) -> Expr {
    let mut own = lit(false);
    for (platform, accts) in &c.own_accounts {
        if accts.is_empty() {
            continue;
        }
        let list = lit(Series::new("".into(), accts.clone())).implode(false);
        let who = lower(col("account_handle")).is_in(list.clone(), false).fill_null(lit(false))
            .or(lower(col("account_id")).is_in(list, false).fill_null(lit(false)));
        own = own.or(col("platform").eq(lit(platform.as_str())).and(who));
    }
    own
}

/// Sum over own accounts of the latest follower count on or before the campaign's start.
pub fn followers_at_launch(s: &Scope) -> PolarsResult<Option<i64>> {
    let c = s.campaign;
    let own = own_account_rows(c);
    let df = s
        .accounts
        .clone()
        .filter(own.and(col("date").lt_eq(lit(c.start))).and(col("followers").is_not_null()))
        .sort(["date"], Default::default())
        .group_by([col("platform"), col("account_id")])
        .agg([col("followers").last()])
        .select([col("followers").sum().alias("total"), col("followers").count().alias("n")])
        .collect()?;
    let n = df.column("n")?.u32()?.get(0).unwrap_or(0);
    Ok(if n == 0 { None } else { df.column("total")?.i64()?.get(0) })
}

fn daily(s: &Scope) -> PolarsResult<[LazyFrame; 4]> {
    let c = s.campaign;
    let in_window = |d: &str| col(d).gt_eq(lit(c.start)).and(col(d).lt_eq(lit(c.end)));
    let engagements = s
        .posts
        .clone()
        .filter(col("campaign_post").and(col("own")))
        .group_by([col("day")])
        .agg([col("engagements").sum().alias("engagements")]);
    // Per day of the window: distinct actors, and actors acting for the first time (null, not
    // 0, on a day without one, as a join of the two per-day counts gave).
    let unique_actors = super::distinct::distinct_frame(s, false, true)?;
    let signups = s
        .actions
        .clone()
        .filter(col("in_campaign").and(s.verb_is("sign_petition")).and(in_window("day")))
        .group_by([col("day")])
        .agg([len().cast(DataType::Int64).alias("signups")]);
    let social = lit(Series::new("".into(), SOCIAL.to_vec())).implode(false);
    let social_sessions = s
        .traffic
        .clone()
        .filter(col("date_start").eq(col("date_end")).and(in_window("date_start")).and(col("channel").is_in(social, false)))
        .group_by([col("date_start").alias("day")])
        .agg([col("sessions").sum().alias("social_sessions")]);
    Ok([engagements, unique_actors, signups, social_sessions])
}

/// Whether the campaign has any action in its window, excluded actors' included (docs/metrics.md#reach).
pub fn has_actions(s: &Scope) -> PolarsResult<bool> {
    Ok(!s.distinct_counts()?.platforms_acted.is_empty())
}

/// `campaign_kpis.unique_actors`: distinct actors of the campaign's actions in its window,
/// excluded actors left out; null, not 0, when the campaign has no action at all in its
/// window (docs/metrics.md#reach).
pub fn unique_actors(s: &Scope) -> PolarsResult<Option<i64>> {
    if !has_actions(s)? {
        return Ok(None);
    }
    // No counted action: 0 (has_actions counts the excluded actors' actions too).
    Ok(Some(super::distinct::distinct_actors(s, false, false)?.first().map_or(0, |r| r.actors)))
}

/// Whether the lake has any daily traffic row inside the campaign's window.
fn has_daily_traffic(s: &Scope) -> PolarsResult<bool> {
    let c = s.campaign;
    let n = s
        .traffic
        .clone()
        .filter(col("date_start").eq(col("date_end")).and(col("date_start").gt_eq(lit(c.start))).and(col("date_start").lt_eq(lit(c.end))))
        .select([len()])
        .collect()?;
    Ok(n.column("len")?.u32()?.get(0).unwrap_or(0) > 0)
}

/// The `campaign_comparison` table (registry entry).
pub const CAMPAIGN_COMPARISON: super::registry::Table = super::registry::Table {
    name: "campaign_comparison",
    key: &["campaign", "day_since_launch"],
    columns: &[
        "campaign", "day_since_launch", "date", "in_window", "engagements", "unique_actors", "signups",
        "social_sessions", "engagements_cum", "unique_actors_cum", "signups_cum", "social_sessions_cum",
        "followers_at_launch", "engagements_per_1k", "engagements_cum_per_1k", "unique_actors_per_1k",
        "unique_actors_cum_per_1k", "signups_per_1k", "signups_cum_per_1k", "social_sessions_per_1k",
        "social_sessions_cum_per_1k",
    ],
    compute: super::registry::Compute::Scopes(campaign_comparison),
};

pub fn campaign_comparison(scopes: &[Scope]) -> PolarsResult<LazyFrame> {
    let longest = scopes.iter().map(|s| s.campaign.days()).max().unwrap_or(0);
    let mut frames = Vec::new();
    for s in scopes {
        let c = s.campaign;
        let days = c.days();
        let start = Day::from_naive(c.start).0;
        let ks: Vec<i64> = (0..longest).collect();
        let grid = df!(
            "campaign" => vec![c.id.clone(); ks.len()],
            "day_since_launch" => ks.clone(),
            "date" => ks.iter().map(|k| start + *k as i32).collect::<Vec<i32>>(),
            "in_window" => ks.iter().map(|k| *k < days).collect::<Vec<bool>>(),
        )?
        .lazy()
        .with_column(col("date").cast(DataType::Date));
        let followers = followers_at_launch(s)?;
        let [eng, actors, signups, social] = daily(s)?;
        let daily_traffic = has_daily_traffic(s)?;
        let actors_known = has_actions(s)?;
        let on = |lf: LazyFrame, other: LazyFrame| lf.join(other, [col("date")], [col("day")], JoinArgs::new(JoinType::Left));
        let mut lf = on(on(on(on(grid, eng), actors), signups), social).sort(["day_since_launch"], Default::default());
        // Zero inside the window, null beyond it.
        let within = |e: Expr| when(col("in_window")).then(e.fill_null(lit(0i64))).otherwise(lit(NULL).cast(DataType::Int64));
        lf = lf.with_columns([
            within(col("engagements")).alias("engagements"),
            if actors_known { within(col("unique_actors")) } else { lit(NULL).cast(DataType::Int64) }.alias("unique_actors"),
            if actors_known { within(col("_new_actors")) } else { lit(NULL).cast(DataType::Int64) }.alias("_new_actors"),
            within(col("signups")).alias("signups"),
            if daily_traffic { within(col("social_sessions")) } else { lit(NULL).cast(DataType::Int64) }.alias("social_sessions"),
        ]);
        let cum = |name: &str| when(col("in_window")).then(col(name).cum_sum(false)).otherwise(lit(NULL).cast(DataType::Int64));
        lf = lf.with_columns([
            cum("engagements").alias("engagements_cum"),
            cum("_new_actors").alias("unique_actors_cum"),
            cum("signups").alias("signups_cum"),
            cum("social_sessions").alias("social_sessions_cum"),
            match followers { Some(f) => lit(f), None => lit(NULL) }.cast(DataType::Int64).alias("followers_at_launch"),
        ]);
        let mut per_1k = Vec::new();
        for m in MEASURES {
            for name in [m.to_string(), format!("{m}_cum")] {
                per_1k.push(match followers {
                    Some(f) if f > 0 => (col(name.as_str()).cast(DataType::Float64) * lit(1000.0) / lit(f as f64)).alias(format!("{name}_per_1k")),
                    _ => lit(NULL).cast(DataType::Float64).alias(format!("{name}_per_1k")),
                });
            }
        }
        lf = lf.with_columns(per_1k).drop(cols(["_new_actors"]));
        frames.push(lf);
    }
    if frames.is_empty() {
        return Ok(DataFrame::empty().lazy());
    }
    Ok(concat(frames, UnionArgs::default())?.sort(["campaign", "day_since_launch"], Default::default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Lake;
    use crate::model::{AccountSnap, Action, Day, Micros, Post, Traffic};
    use crate::pipeline::Pipeline;
    use crate::pseudo::Pseudonymizer;

    fn ts(s: &str) -> Option<Micros> {
        crate::model::Micros::parse_iso(s)
    }

    #[test]
    fn two_campaigns_aligned_by_day_since_launch() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("lake");
        let post = |id: &str, at: &str, likes: i64| Post {
            platform: "twitter".into(),
            post_id: id.into(),
            origin: "owned",
            account_id: Some("1".into()),
            account_handle: Some("amnesty".into()),
            created_at: ts(at),
            content_type: "text",
            reactions: Some(likes),
            campaign: Some("kenya".into()),
            ..Default::default()
        };
        let act = |who: &str, verb: &str, at: &str, camp: &str| Action {
            platform: "crm".into(),
            actor_id: who.into(),
            action: verb.into(),
            occurred_at: ts(at),
            campaign: Some(camp.into()),
            ..Default::default()
        };
        let posts = [post("p1", "2008-02-28T10:00:00Z", 10), post("p2", "2008-03-01T10:00:00Z", 5)];
        let actions = [
            act("x", "like", "2008-02-27T09:00:00Z", "kenya"),
            act("x", "like", "2008-02-29T09:00:00Z", "kenya"),
            act("y", "sign_petition", "2008-02-29T12:00:00Z", "kenya"),
            act("z", "like", "2010-05-11T12:00:00Z", "shell"),
        ];
        let day = |s: &str| Some(Day::from_naive(s.parse().unwrap()));
        let traffic = [Traffic {
            platform: "web".into(),
            date_start: day("2008-02-27"),
            date_end: day("2008-02-27"),
            channel: "facebook",
            sessions: Some(7),
            ..Default::default()
        }];
        let snap = |date: &str, f: i64| AccountSnap { platform: "twitter".into(), account_id: "1".into(), account_handle: Some("amnesty".into()), date: day(date), followers: Some(f) };
        crate::testkit::write_records(&root, "t", &posts, &actions, &traffic, &[snap("2008-02-20", 2000), snap("2008-02-28", 4000)]).unwrap();
        let pipe = Pipeline::parse(
            std::path::Path::new("p.toml"),
            "[output]\ndir='o'\n[[campaigns]]\nid='kenya'\nstart=2008-02-27\nend=2008-03-01\nown_accounts={twitter=['amnesty']}\n\
             [[campaigns]]\nid='shell'\nstart=2010-05-10\nend=2010-05-11\n",
        )
        .unwrap();
        let lake = Lake::open(&root).unwrap();
        let key = Pseudonymizer::load_or_create(&Pseudonymizer::key_path(&root)).unwrap();
        let scopes: Vec<Scope> = pipe.campaigns.iter().map(|c| Scope::new(&lake, c, &pipe.ladder, None, &key).unwrap()).collect();
        let df = campaign_comparison(&scopes).unwrap().collect().unwrap();
        // Kenya: 27 Feb .. 1 Mar 2008 (a leap year) = 4 days; Shell 2 days; 4 rows each.
        assert_eq!(df.height(), 8);
        let i64s = |c: &str| df.column(c).unwrap().i64().unwrap().iter().collect::<Vec<_>>();
        let f64s = |c: &str| df.column(c).unwrap().f64().unwrap().iter().collect::<Vec<_>>();
        // Own engagements: 10 on day 1 (28 Feb), 5 on day 3 (1 Mar); cumulative 0, 10, 10, 15.
        assert_eq!(i64s("engagements")[..4], [Some(0), Some(10), Some(0), Some(5)]);
        assert_eq!(i64s("engagements_cum")[..4], [Some(0), Some(10), Some(10), Some(15)]);
        // Actors: x on days 0 and 2, y on day 2: daily 1, 0, 2, 0; distinct so far 1, 1, 2, 2.
        assert_eq!(i64s("unique_actors")[..4], [Some(1), Some(0), Some(2), Some(0)]);
        assert_eq!(i64s("unique_actors_cum")[..4], [Some(1), Some(1), Some(2), Some(2)]);
        assert_eq!(i64s("signups")[..4], [Some(0), Some(0), Some(1), Some(0)]);
        assert_eq!(i64s("social_sessions")[..4], [Some(7), Some(0), Some(0), Some(0)]);
        // Followers at launch: 2,000 on 20 Feb (the 4,000 of 28 Feb is after the start).
        // Cumulative engagements per 1k on day 3: 15 * 1000 / 2000 = 7.5.
        assert_eq!(i64s("followers_at_launch")[0], Some(2000));
        assert_eq!(f64s("engagements_cum_per_1k")[3], Some(7.5));
        // Shell: z on day 1; days 2 and 3 are beyond its window: null, not 0. No own
        // accounts: per-1k null. No traffic at all in its window: social sessions null.
        assert_eq!(i64s("unique_actors")[4..], [Some(0), Some(1), None, None]);
        assert_eq!(f64s("unique_actors_per_1k")[4..], [None, None, None, None]);
        assert_eq!(i64s("social_sessions")[4..], [None, None, None, None]);
        let in_window: Vec<Option<bool>> = df.column("in_window").unwrap().bool().unwrap().iter().collect();
        assert_eq!(in_window[4..], [Some(true), Some(true), Some(false), Some(false)]);
    }

    #[test]
    fn no_action_at_all_gives_null_actors_not_zero() {
        // One own post (12 likes on 2 Mar), no action at all: an export without actors.
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("lake");
        let post = Post {
            platform: "facebook".into(),
            post_id: "p1".into(),
            origin: "owned",
            created_at: ts("2024-03-02T10:00:00Z"),
            content_type: "photo",
            reactions: Some(12),
            campaign: Some("quiet".into()),
            ..Default::default()
        };
        crate::testkit::write_records(&root, "t", &[post], &[], &[], &[]).unwrap();
        let pipe = Pipeline::parse(
            std::path::Path::new("p.toml"),
            "[output]\ndir='o'\n[[campaigns]]\nid='quiet'\nstart=2024-03-01\nend=2024-03-03\n",
        )
        .unwrap();
        let lake = Lake::open(&root).unwrap();
        let key = Pseudonymizer::load_or_create(&Pseudonymizer::key_path(&root)).unwrap();
        let scopes: Vec<Scope> = pipe.campaigns.iter().map(|c| Scope::new(&lake, c, &pipe.ladder, None, &key).unwrap()).collect();
        assert!(!has_actions(&scopes[0]).unwrap());
        let df = campaign_comparison(&scopes).unwrap().collect().unwrap();
        let i64s = |c: &str| df.column(c).unwrap().i64().unwrap().iter().collect::<Vec<_>>();
        // Engagements are known (0, 12, 0); actors are not: null on every day, not 0.
        assert_eq!(i64s("engagements"), [Some(0), Some(12), Some(0)]);
        assert_eq!(i64s("unique_actors"), [None, None, None]);
        assert_eq!(i64s("unique_actors_cum"), [None, None, None]);
    }
}
