//! The press and milestones: tables `milestones` (campaign, day, label), `press_daily`
//! (campaign, day) and `media_pickup` (campaign).
//!
//! Readings to keep:
//! - Clippings are the scope's `press` posts (platform `press`) that are campaign posts: tagged
//!   with the campaign, a campaign hashtag in the title, a link to a campaign URL, and published
//!   on a window day (the campaign's time zone). Social posts are every other platform's.
//! - `press_daily`: one row per window day, zeros included. `articles`, `audience_sum` (Σ of
//!   the clippings' audience, null when none of that day's clippings has one);
//!   `social_posts` (campaign posts on social platforms created that day, own and collected,
//!   reposts included) and `social_engagements` (their engagements, null ones as 0).
//! - The first social peak: the first window day with the most `social_posts`; none when no
//!   day has any. Posts, not engagements: an export's engagements are a post's lifetime
//!   totals dated by the post's creation, and one heavy-tailed post would move the peak
//!   (on the demo data, Shell's would fall on day 19 instead of the hashtag's launch day).
//! - `media_pickup`: `articles`, `outlets` (distinct lower-cased outlet names), `first_article_at`
//!   (UTC), `lag_hours_from_launch` (from local midnight of the first window day: a clipping
//!   dated by day only counts from its local midnight), `social_peak_day`,
//!   `lag_hours_from_social_peak` (from local midnight of the peak day to the first clipping
//!   at or after it; null when none or no peak), `audience_sum` (null when no clipping of
//!   the campaign has an audience). A campaign without clippings has a row of 0 articles
//!   and nulls.
//! - `milestones`: the pipeline's `[[campaigns.milestones]]` (day, `at` when a time was
//!   given, label, kind), sorted by campaign, day, time (a whole day first), then the
//!   pipeline's order: what the charts mark and the report lists.
//!
//! User docs: docs/metrics.md#the-press-and-milestones.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, TimeZone};
use polars::prelude::*;

use super::registry::{Compute, Table};
use super::Scope;
use crate::model::Day;

/// The `milestones` table (registry entry).
pub const MILESTONES: Table = Table {
    name: "milestones",
    key: &["campaign", "day", "at", "label"],
    columns: &["campaign", "day", "at", "label", "kind"],
    compute: Compute::Scopes(milestones),
};

/// The `press_daily` table (registry entry).
pub const PRESS_DAILY: Table = Table {
    name: "press_daily",
    key: &["campaign", "day"],
    columns: &["campaign", "day", "articles", "audience_sum", "social_posts", "social_engagements"],
    compute: Compute::Scopes(press_daily),
};

/// The `media_pickup` table (registry entry).
pub const MEDIA_PICKUP: Table = Table {
    name: "media_pickup",
    key: &["campaign"],
    columns: &[
        "campaign",
        "articles",
        "outlets",
        "first_article_at",
        "lag_hours_from_launch",
        "social_peak_day",
        "lag_hours_from_social_peak",
        "audience_sum",
    ],
    compute: Compute::Scopes(media_pickup),
};

fn utc() -> DataType {
    DataType::Datetime(TimeUnit::Microseconds, Some(polars::prelude::TimeZone::UTC))
}

/// Table `milestones`, sorted by campaign, day, time, then pipeline order.
pub fn milestones(scopes: &[Scope]) -> PolarsResult<LazyFrame> {
    let mut rows: Vec<(&str, NaiveDate, Option<i64>, usize, &str, &str)> = Vec::new();
    for s in scopes {
        for (i, m) in s.campaign.milestones.iter().enumerate() {
            rows.push((&s.campaign.id, m.day, m.at, i, &m.label, &m.kind));
        }
    }
    rows.sort_by(|a, b| (a.0, a.1, a.2, a.3).cmp(&(b.0, b.1, b.2, b.3)));
    let df = df!(
        "campaign" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        "day" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        "at" => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
        "label" => rows.iter().map(|r| r.4).collect::<Vec<_>>(),
        "kind" => rows.iter().map(|r| r.5).collect::<Vec<_>>(),
    )?;
    Ok(df.lazy().with_column(col("at").cast(utc())))
}

/// One window day of one campaign.
#[derive(Default, Clone)]
struct DayRow {
    articles: i64,
    audience: Option<i64>,
    social_posts: i64,
    social_engagements: i64,
}

/// A campaign's clippings (time in µs UTC, lower-cased outlet, audience) and its window days.
struct Press {
    clippings: Vec<(i64, Option<String>, Option<i64>)>,
    days: BTreeMap<NaiveDate, DayRow>,
}

fn i64s(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<i64>>> {
    Ok(df.column(name)?.cast(&DataType::Int64)?.i64()?.iter().collect())
}
fn dates(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<NaiveDate>>> {
    Ok(df.column(name)?.cast(&DataType::Int32)?.i32()?.iter().map(|d| d.map(|d| Day(d).to_naive())).collect())
}

fn press_of(s: &Scope) -> PolarsResult<Press> {
    let c = s.campaign;
    let mut days: BTreeMap<NaiveDate, DayRow> =
        c.start.iter_days().take_while(|d| *d <= c.end).map(|d| (d, DayRow::default())).collect();
    let press = s
        .press
        .clone()
        .filter(col("campaign_post"))
        .select([col("day"), col("created_at"), col("account_handle"), col("reach")])
        .collect()?;
    let (day, at, reach) = (dates(&press, "day")?, i64s(&press, "created_at")?, i64s(&press, "reach")?);
    let outlet: Vec<Option<String>> =
        press.column("account_handle")?.str()?.iter().map(|o| o.map(str::to_lowercase)).collect();
    let mut clippings = Vec::new();
    for i in 0..press.height() {
        let (Some(d), Some(t)) = (day[i], at[i]) else { continue };
        if let Some(row) = days.get_mut(&d) {
            row.articles += 1;
            if let Some(a) = reach[i] {
                row.audience = Some(row.audience.unwrap_or(0) + a);
            }
        }
        clippings.push((t, outlet[i].clone(), reach[i]));
    }
    clippings.sort();
    let social = s
        .posts
        .clone()
        .filter(col("campaign_post"))
        .group_by([col("day")])
        .agg([len().cast(DataType::Int64).alias("posts"), col("engagements").fill_null(lit(0i64)).sum().alias("eng")])
        .collect()?;
    let (sd, sp, se) = (dates(&social, "day")?, i64s(&social, "posts")?, i64s(&social, "eng")?);
    for i in 0..social.height() {
        if let Some(row) = sd[i].and_then(|d| days.get_mut(&d)) {
            row.social_posts = sp[i].unwrap_or(0);
            row.social_engagements = se[i].unwrap_or(0);
        }
    }
    Ok(Press { clippings, days })
}

/// Table `press_daily`: key (campaign, day), sorted by it.
pub fn press_daily(scopes: &[Scope]) -> PolarsResult<LazyFrame> {
    let mut rows: Vec<(String, NaiveDate, DayRow)> = Vec::new();
    for s in scopes {
        let p = press_of(s)?;
        rows.extend(p.days.into_iter().map(|(d, r)| (s.campaign.id.clone(), d, r)));
    }
    let df = df!(
        "campaign" => rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        "day" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        "articles" => rows.iter().map(|r| r.2.articles).collect::<Vec<_>>(),
        "audience_sum" => rows.iter().map(|r| r.2.audience).collect::<Vec<_>>(),
        "social_posts" => rows.iter().map(|r| r.2.social_posts).collect::<Vec<_>>(),
        "social_engagements" => rows.iter().map(|r| r.2.social_engagements).collect::<Vec<_>>(),
    )?;
    Ok(df.lazy().sort(["campaign", "day"], SortMultipleOptions::default()))
}

/// Local midnight of `d` in `tz`, µs UTC (the earliest instant of the day).
fn midnight(d: NaiveDate, tz: &chrono_tz::Tz) -> i64 {
    let naive = d.and_time(chrono::NaiveTime::MIN);
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(naive + chrono::Duration::hours(1))).earliest())
        .map_or(naive.and_utc().timestamp_micros(), |t| t.timestamp_micros())
}

const US_PER_HOUR: f64 = 3_600_000_000.0;

/// One `media_pickup` row.
struct Pickup {
    campaign: String,
    articles: i64,
    outlets: i64,
    first: Option<i64>,
    lag_launch: Option<f64>,
    peak: Option<NaiveDate>,
    lag_peak: Option<f64>,
    audience: Option<i64>,
}

fn pickup(s: &Scope) -> PolarsResult<Pickup> {
    let c = s.campaign;
    let p = press_of(s)?;
    let activity = |r: &DayRow| r.social_posts;
    let best = p.days.values().map(activity).max().unwrap_or(0);
    let peak = (best > 0).then(|| p.days.iter().find(|(_, r)| activity(r) == best).map(|(d, _)| *d)).flatten();
    let first = p.clippings.first().map(|c| c.0);
    let after_peak = peak.and_then(|d| {
        let from = midnight(d, &c.tz);
        p.clippings.iter().find(|x| x.0 >= from).map(|x| (x.0 - from) as f64 / US_PER_HOUR)
    });
    let outlets: BTreeSet<&str> = p.clippings.iter().filter_map(|x| x.1.as_deref()).collect();
    let audiences: Vec<i64> = p.clippings.iter().filter_map(|x| x.2).collect();
    Ok(Pickup {
        campaign: c.id.clone(),
        articles: p.clippings.len() as i64,
        outlets: outlets.len() as i64,
        first,
        lag_launch: first.map(|t| (t - midnight(c.start, &c.tz)) as f64 / US_PER_HOUR),
        peak,
        lag_peak: after_peak,
        audience: (!audiences.is_empty()).then(|| audiences.iter().sum()),
    })
}

/// Table `media_pickup`: one row per campaign, sorted by campaign.
pub fn media_pickup(scopes: &[Scope]) -> PolarsResult<LazyFrame> {
    let rows: Vec<Pickup> = scopes.iter().map(pickup).collect::<PolarsResult<_>>()?;
    let df = df!(
        "campaign" => rows.iter().map(|r| r.campaign.as_str()).collect::<Vec<_>>(),
        "articles" => rows.iter().map(|r| r.articles).collect::<Vec<_>>(),
        "outlets" => rows.iter().map(|r| r.outlets).collect::<Vec<_>>(),
        "first_article_at" => rows.iter().map(|r| r.first).collect::<Vec<_>>(),
        "lag_hours_from_launch" => rows.iter().map(|r| r.lag_launch).collect::<Vec<_>>(),
        "social_peak_day" => rows.iter().map(|r| r.peak).collect::<Vec<_>>(),
        "lag_hours_from_social_peak" => rows.iter().map(|r| r.lag_peak).collect::<Vec<_>>(),
        "audience_sum" => rows.iter().map(|r| r.audience).collect::<Vec<_>>(),
    )?;
    Ok(df
        .lazy()
        .with_columns([col("first_article_at").cast(utc()), col("social_peak_day").cast(DataType::Date)])
        .sort(["campaign"], SortMultipleOptions::default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Micros, Post};

    const PIPELINE: &str = r##"
[output]
dir = "out"

[[campaigns]]
id = "shell"
start = 2012-10-01
end = 2012-10-05
tz = "Europe/London"
hashtags = ["#makethefuture"]

[[campaigns.milestones]]
at = 2012-10-03
label = "Shell's statement"
kind = "target_action"

[[campaigns.milestones]]
at = 2012-10-01T09:00:00
label = "Press release"
kind = "press_release"
"##;

    fn post(platform: &str, id: &str, at: &str, tag: Option<&str>) -> Post {
        Post {
            platform: platform.into(),
            post_id: id.into(),
            origin: "collected",
            account_id: Some(format!("u-{id}")),
            account_handle: Some(format!("u-{id}")),
            created_at: Micros::parse_iso(at),
            content_type: "text",
            hashtags: tag.map(|t| vec![t.to_string()]).unwrap_or_default(),
            ..Default::default()
        }
    }

    fn clipping(id: &str, outlet: &str, at: &str, audience: Option<i64>, tagged: bool, tag: Option<&str>) -> Post {
        Post {
            account_id: Some(outlet.into()),
            account_handle: Some(outlet.to_lowercase()),
            content_type: "online",
            reach: audience,
            campaign: tagged.then(|| "shell".to_string()),
            ..post("press", id, at, tag)
        }
    }

    /// The fixture: social posts t1..t6 (twitter), clippings p1..p5.
    fn lake_posts() -> Vec<Post> {
        let eng = |mut p: Post, reactions: Option<i64>, shares: Option<i64>| {
            p.reactions = reactions;
            p.shares = shares;
            p
        };
        let tag = Some("makethefuture");
        vec![
            eng(post("twitter", "t1", "2012-10-01T10:00:00Z", tag), Some(5), None),
            eng(post("twitter", "t2", "2012-10-02T10:00:00Z", tag), Some(10), Some(2)),
            post("twitter", "t3", "2012-10-02T12:00:00Z", tag),
            eng(post("twitter", "t4", "2012-10-03T12:00:00Z", tag), Some(13), None),
            post("twitter", "t6", "2012-10-03T13:00:00Z", tag),
            eng(post("twitter", "t5", "2012-10-04T12:00:00Z", None), Some(99), None),
            clipping("p1", "The Guardian", "2012-10-01T22:30:00Z", Some(1000), true, None),
            clipping("p2", "the guardian", "2012-10-03T08:00:00Z", None, false, tag),
            clipping("p3", "BBC", "2012-10-04T05:00:00Z", Some(500), true, None),
            clipping("p4", "BBC", "2012-10-09T05:00:00Z", Some(700), true, None),
            clipping("p5", "Le Monde", "2012-10-02T05:00:00Z", Some(900), false, Some("other")),
        ]
    }

    fn with_scopes(f: impl FnOnce(&[Scope])) {
        crate::metrics::hashtags::tests::with_scopes(&lake_posts(), PIPELINE, f)
    }

    fn i64s(df: &DataFrame, c: &str) -> Vec<Option<i64>> {
        super::i64s(df, c).unwrap()
    }

    #[test]
    fn media_pickup_by_hand() {
        with_scopes(|scopes| {
            let df = media_pickup(scopes).unwrap().collect().unwrap();
            MEDIA_PICKUP.check_computed(&df).unwrap();
            assert_eq!(df.height(), 1);
            // Campaign clippings: p1 (tagged), p2 (#makethefuture in the title), p3 (tagged);
            // p4 is after the window, p5 is not the campaign's. Outlets: "the guardian" (p1,
            // p2 in other case) and "bbc": 2.
            assert_eq!(i64s(&df, "articles"), [Some(3)]);
            assert_eq!(i64s(&df, "outlets"), [Some(2)]);
            // First: p1 at 2012-10-01T22:30Z = 1349130600 s.
            assert_eq!(i64s(&df, "first_article_at"), [Some(1_349_130_600_000_000)]);
            let f = |c: &str| df.column(c).unwrap().f64().unwrap().get(0);
            // Launch: 2012-10-01 00:00 BST = 2012-09-30T23:00Z; to 22:30Z next day: 23.5 h.
            assert_eq!(f("lag_hours_from_launch"), Some(23.5));
            // Campaign posts on social platforms a day: 01 Oct 1 (t1), 02 Oct 2 (t2, t3), 03 Oct
            // 2 (t4, t6); t5 has no campaign hashtag, the clippings are not social. The first
            // of the largest is 02 Oct; from its midnight (01 Oct 23:00Z) the first clipping
            // at or after is p2, 03 Oct 08:00Z: 33 h (p1 came before the peak).
            let peak = dates(&df, "social_peak_day").unwrap();
            assert_eq!(peak, [NaiveDate::from_ymd_opt(2012, 10, 2)]);
            assert_eq!(f("lag_hours_from_social_peak"), Some(33.0));
            // Audience: 1000 (p1) + 500 (p3); p2 has none.
            assert_eq!(i64s(&df, "audience_sum"), [Some(1500)]);
        });
    }

    #[test]
    fn press_daily_by_hand_and_press_is_not_social() {
        with_scopes(|scopes| {
            let df = press_daily(scopes).unwrap().collect().unwrap();
            PRESS_DAILY.check_computed(&df).unwrap();
            // Every window day, 01..05 Oct. p1 is 23:30 BST on 01 Oct, p2 09:00 on 03 Oct,
            // p3 06:00 on 04 Oct.
            assert_eq!(i64s(&df, "articles"), [Some(1), Some(0), Some(1), Some(1), Some(0)]);
            assert_eq!(i64s(&df, "audience_sum"), [Some(1000), None, None, Some(500), None]);
            assert_eq!(i64s(&df, "social_posts"), [Some(1), Some(2), Some(2), Some(0), Some(0)]);
            assert_eq!(i64s(&df, "social_engagements"), [Some(5), Some(12), Some(13), Some(0), Some(0)]);
            // Engagements: 5; 10 + 2 (t3 has none); 13 (t6 has none).
            // Hashtag pick-up counts the five tweets, not p2's hashtag in a headline.
            let h = crate::metrics::hashtags::hashtag_daily(scopes).unwrap().collect().unwrap();
            let posts: i64 =
                i64s(&h, "posts").iter().flatten().sum::<i64>() + i64s(&h, "reposts").iter().flatten().sum::<i64>();
            assert_eq!(posts, 5);
            let rw = crate::metrics::reach::reach_window(scopes).unwrap().collect().unwrap();
            let plat = rw.column("platform").unwrap().str().unwrap();
            assert!(plat.iter().all(|p| p != Some("press")), "{rw}");
        });
    }

    #[test]
    fn milestones_sorted_by_day() {
        with_scopes(|scopes| {
            let df = milestones(scopes).unwrap().collect().unwrap();
            MILESTONES.check_computed(&df).unwrap();
            let label: Vec<&str> = df.column("label").unwrap().str().unwrap().iter().flatten().collect();
            assert_eq!(label, ["Press release", "Shell's statement"]);
            // 09:00 BST = 08:00Z on 01 Oct 2012 = 1349078400 s; the statement is a whole day.
            assert_eq!(i64s(&df, "at"), [Some(1_349_078_400_000_000), None]);
            let kind: Vec<&str> = df.column("kind").unwrap().str().unwrap().iter().flatten().collect();
            assert_eq!(kind, ["press_release", "target_action"]);
        });
    }
}
