//! Sign-ups: `signups` (campaign, day; every day of the window) and `signups_headline`
//! (one row per campaign): how many people signed, and how fast.
//!
//! Readings to keep:
//! - A sign-up is an actions row `sign_petition`, `in_campaign`, day in the window; rows
//!   counted, not actors; own accounts/targets not left out.
//! - `day_since_launch` 0-based Int64; `signups_cum` running sum.
//! - Zero days only when the lake holds a `sign_petition` of the campaign at any time;
//!   otherwise no rows and a null headline, `signups_basis` says why.
//! - `conversions` reported beside, never added: daily traffic rows only (site-filtered,
//!   campaign null or this one); range rows left out; null when no figure.
//! - `signups_first_week` = days 0–6 (`first_week_days` when shorter).
//!
//! User docs: docs/metrics.md#sign-ups.

use polars::prelude::*;

use super::scope::Scope;

/// `signups_basis` when the campaign has sign-up actions.
pub const BASIS_ACTIONS: &str = "sign_petition actions of the campaign in the window";
/// `signups_basis` when it has none (the figures are null).
pub const NO_ACTIONS: &str = "null: the lake has no sign_petition action for this campaign";

fn schema() -> Schema {
    Schema::from_iter([
        Field::new("campaign".into(), DataType::String),
        Field::new("day".into(), DataType::Date),
        Field::new("day_since_launch".into(), DataType::Int64),
        Field::new("signups".into(), DataType::Int64),
        Field::new("signups_cum".into(), DataType::Int64),
        Field::new("conversions".into(), DataType::Int64),
    ])
}

/// The `signups` table (registry entry).
pub const SIGNUPS: super::registry::Table = super::registry::Table {
    name: "signups",
    key: &["campaign", "day"],
    columns: &["campaign", "day", "day_since_launch", "signups", "signups_cum", "conversions"],
    compute: super::registry::Compute::Scopes(signups),
};

/// docs/metrics.md#sign-ups daily sign-ups for every campaign, sorted by (campaign, day).
pub fn signups(scopes: &[Scope]) -> PolarsResult<LazyFrame> {
    let frames = scopes
        .iter()
        .map(|s| Ok(daily_with_flag(s)?.filter(col("_any").gt(lit(0))).drop(cols(["_any"]))))
        .collect::<PolarsResult<Vec<_>>>()?;
    if frames.is_empty() {
        return Ok(DataFrame::empty_with_schema(&schema()).lazy());
    }
    Ok(concat(frames, UnionArgs::default())?.sort(["campaign", "day"], Default::default()))
}

/// One row: campaign, signups_total, signups_first_week (null when the lake has no
/// `sign_petition` action for the campaign), first_week_days, conversions_total,
/// conversions_days, signups_basis.
pub fn signups_headline(scope: &Scope) -> PolarsResult<LazyFrame> {
    let c = scope.campaign;
    let known = col("_any").gt(lit(0));
    let null_i = || lit(NULL).cast(DataType::Int64);
    Ok(daily_with_flag(scope)?
        .select([
            col("signups").sum().alias("_total"),
            col("signups").filter(col("day_since_launch").lt(lit(7i64))).sum().alias("_week"),
            col("conversions").sum().alias("_conv"),
            col("conversions").count().cast(DataType::Int64).alias("conversions_days"),
            col("_any").first().alias("_any"),
        ])
        .select([
            lit(c.id.as_str()).alias("campaign"),
            when(known.clone()).then(col("_total").cast(DataType::Int64)).otherwise(null_i()).alias("signups_total"),
            when(known.clone())
                .then(col("_week").cast(DataType::Int64))
                .otherwise(null_i())
                .alias("signups_first_week"),
            lit(c.days().min(7)).cast(DataType::Int64).alias("first_week_days"),
            when(col("conversions_days").gt(lit(0)))
                .then(col("_conv").cast(DataType::Int64))
                .otherwise(null_i())
                .alias("conversions_total"),
            col("conversions_days"),
            when(known).then(lit(BASIS_ACTIONS)).otherwise(lit(NO_ACTIONS)).alias("signups_basis"),
        ]))
}

/// Every day of the window with its sign-ups, running sum and conversions, plus `_any`:
/// the campaign's `sign_petition` actions in the whole lake.
fn daily_with_flag(s: &Scope) -> PolarsResult<LazyFrame> {
    let c = s.campaign;
    let start = crate::model::Day::from_naive(c.start).0;
    let n = c.days();
    let days = df!(
        "day" => (0..n).map(|k| start + k as i32).collect::<Vec<i32>>(),
        "day_since_launch" => (0..n).collect::<Vec<i64>>(),
    )?
    .lazy()
    .with_column(col("day").cast(DataType::Date));
    let sign = s.actions.clone().filter(s.verb_is("sign_petition").and(col("in_campaign")));
    let any = sign.clone().select([len().cast(DataType::Int64).alias("_any")]);
    let in_window = |d: Expr| d.clone().gt_eq(lit(c.start)).and(d.lt_eq(lit(c.end))).fill_null(lit(false));
    let daily =
        sign.filter(in_window(col("day"))).group_by([col("day")]).agg([len().cast(DataType::Int64).alias("signups")]);
    let conv = s
        .window_daily_traffic()
        .group_by([col("date_start")])
        .agg([col("conversions").sum().alias("_c"), col("conversions").count().alias("_cn")])
        .select([
            col("date_start").alias("day"),
            when(col("_cn").gt(lit(0)))
                .then(col("_c").cast(DataType::Int64))
                .otherwise(lit(NULL).cast(DataType::Int64))
                .alias("conversions"),
        ]);
    let d = [col("day")];
    Ok(days
        .join(daily, d.clone(), d.clone(), JoinArgs::new(JoinType::Left))
        .join(conv, d.clone(), d, JoinArgs::new(JoinType::Left))
        .sort(["day"], Default::default())
        .with_column(col("signups").fill_null(lit(0i64)))
        .with_column(col("signups").cum_sum(false).alias("signups_cum"))
        .cross_join(any, None)
        .select([
            lit(c.id.as_str()).alias("campaign"),
            col("day"),
            col("day_since_launch"),
            col("signups"),
            col("signups_cum"),
            col("conversions"),
            col("_any"),
        ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Action, Day, Micros, Traffic};
    use crate::pipeline::Pipeline;
    use crate::pseudo::Pseudonymizer;

    fn ts(s: &str) -> Option<Micros> {
        crate::model::Micros::parse_iso(s)
    }
    fn day(s: &str) -> Day {
        Day::from_naive(s.parse().unwrap())
    }

    fn act(actor: &str, verb: &str, at: &str, campaign: Option<&str>) -> Action {
        Action {
            platform: "petition".into(),
            actor_id: actor.into(),
            action: verb.into(),
            occurred_at: ts(at),
            campaign: campaign.map(str::to_string),
            ..Default::default()
        }
    }

    fn visits(from: &str, to: &str, source: &str, conversions: Option<i64>) -> Traffic {
        Traffic {
            platform: "web".into(),
            date_start: Some(day(from)),
            date_end: Some(day(to)),
            source: Some(source.into()),
            channel: "direct",
            sessions: Some(10),
            conversions,
            ..Default::default()
        }
    }

    #[test]
    fn daily_series_zero_days_cumulative_first_week_and_no_actions() {
        let c1 = Some("c1");
        let actions = [
            act("a1", "sign_petition", "2024-03-01T09:00:00Z", c1),   // day 0
            act("a2", "sign_petition", "2024-03-01T10:00:00Z", c1),   // day 0
            act("a3", "sign_petition", "2024-03-03T10:00:00Z", c1),   // day 2
            act("a4", "sign_petition", "2024-03-07T23:59:00Z", c1),   // day 6: last of the first week
            act("a5", "sign_petition", "2024-03-08T00:00:00Z", c1),   // day 7
            act("a6", "sign_petition", "2024-03-08T01:00:00Z", c1),   // day 7
            act("a7", "sign_petition", "2024-03-08T02:00:00Z", c1),   // day 7
            act("a8", "sign_petition", "2024-02-27T10:00:00Z", c1),   // before the window
            act("a9", "sign_petition", "2024-03-11T10:00:00Z", c1),   // after the window
            act("b1", "sign_petition", "2024-03-02T10:00:00Z", None), // not the campaign's
            act("b2", "donate", "2024-03-02T10:00:00Z", c1),          // not a sign-up
            act("b3", "donate", "2024-03-02T10:00:00Z", Some("c2")),  // c2 has no sign-ups at all
        ];
        let traffic = [
            visits("2024-03-02", "2024-03-02", "facebook", Some(3)),
            visits("2024-03-02", "2024-03-02", "direct", Some(2)),
            visits("2024-03-03", "2024-03-03", "direct", None),
            visits("2024-03-01", "2024-03-10", "range", Some(100)), // a range row: no day
        ];
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("lake");
        crate::testkit::write_records(&root, "t", &[], &actions, &traffic, &[]).unwrap();
        let toml = "[output]\ndir='o'\n[[campaigns]]\nid='c1'\nstart=2024-03-01\nend=2024-03-10\n\
                    [[campaigns]]\nid='c2'\nstart=2024-03-01\nend=2024-03-03\n";
        let pipe = Pipeline::parse(std::path::Path::new("p.toml"), toml).unwrap();
        let lake = crate::metrics::Lake::open(&root).unwrap();
        let key = Pseudonymizer::load_or_create(&Pseudonymizer::key_path(&root)).unwrap();
        let scopes: Vec<Scope> =
            pipe.campaigns.iter().map(|c| Scope::new(&lake, c, &pipe.ladder, None, &key).unwrap()).collect();

        let df = signups(&scopes).unwrap().collect().unwrap();
        crate::metrics::hashtags::tests::assert_schema(&df, &schema());
        let i = |c: &str| df.column(c).unwrap().i64().unwrap().iter().collect::<Vec<_>>();
        // c1 only (c2 has no sign_petition action anywhere): its 10 days, zeros filled.
        assert_eq!(df.height(), 10);
        let days: Vec<Option<i32>> = df.column("day").unwrap().date().unwrap().phys.iter().collect();
        assert_eq!(days, (0..10).map(|k| Some(day("2024-03-01").0 + k)).collect::<Vec<_>>());
        assert_eq!(i("day_since_launch"), (0..10).map(Some).collect::<Vec<_>>());
        let s = |v: &[i64]| v.iter().map(|x| Some(*x)).collect::<Vec<_>>();
        // 03-01: a1, a2; 03-03: a3; 03-07: a4; 03-08: a5, a6, a7; other days 0.
        assert_eq!(i("signups"), s(&[2, 0, 1, 0, 0, 0, 1, 3, 0, 0]));
        // running sum: 2, 2, 3, 3, 3, 3, 4, 7, 7, 7.
        assert_eq!(i("signups_cum"), s(&[2, 2, 3, 3, 3, 3, 4, 7, 7, 7]));
        // conversions: 03-02 = 3 + 2 = 5; 03-03 has a row without the figure: null; other
        // days have no daily row: null; the range row is left out.
        let mut conv = vec![None; 10];
        conv[1] = Some(5);
        assert_eq!(i("conversions"), conv);

        let h = concat(
            [signups_headline(&scopes[0]).unwrap(), signups_headline(&scopes[1]).unwrap()],
            UnionArgs::default(),
        )
        .unwrap()
        .collect()
        .unwrap();
        let hs: Vec<(String, DataType)> =
            h.columns().iter().map(|c| (c.name().to_string(), c.dtype().clone())).collect();
        let s64 = |n: &str| (n.to_string(), DataType::Int64);
        let want = vec![
            ("campaign".to_string(), DataType::String),
            s64("signups_total"),
            s64("signups_first_week"),
            s64("first_week_days"),
            s64("conversions_total"),
            s64("conversions_days"),
            ("signups_basis".to_string(), DataType::String),
        ];
        assert_eq!(hs, want);
        let hi = |c: &str| h.column(c).unwrap().i64().unwrap().iter().collect::<Vec<_>>();
        // c1: total 2 + 1 + 1 + 3 = 7; first week (days 0–6) 2 + 1 + 1 = 4. c2: null, with the reason.
        assert_eq!(hi("signups_total"), vec![Some(7), None]);
        assert_eq!(hi("signups_first_week"), vec![Some(4), None]);
        // c2's window is 3 days long: its "first week" would cover 3 days.
        assert_eq!(hi("first_week_days"), vec![Some(7), Some(3)]);
        // Both windows contain 03-02's 5 conversions (the site's traffic is not campaign-tagged).
        assert_eq!(hi("conversions_total"), vec![Some(5), Some(5)]);
        assert_eq!(hi("conversions_days"), vec![Some(1), Some(1)]);
        let basis: Vec<Option<&str>> = h.column("signups_basis").unwrap().str().unwrap().iter().collect();
        assert_eq!(basis, vec![Some(BASIS_ACTIONS), Some(NO_ACTIONS)]);
    }
}
