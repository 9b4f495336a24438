//! Distinct actors of a campaign's counted actions (the campaign's, not by an excluded
//! actor, on a day of the window: docs/metrics.md#reach), overall, per day, per platform or
//! per (platform, day); and, per day, how many actors act for the first time that day.
//!
//! What `col("_actor").n_unique()` after a polars group-by gives (a null actor counts as one
//! value, as polars counts it; tested below against polars), without the group-by: at tens of
//! millions of actions that group-by held several times the actions' own memory. Here the
//! actors are gathered by key in one counting sort (4 bytes per counted action) and each
//! key's distinct ones counted in a bitset over the lake's actor codes.

use polars::prelude::*;

use super::actions::{NONE, NO_CODE32};
use super::Scope;

/// One key's counts: `platform` (a code of the scope's platforms; [`NO_CODE32`] for null)
/// when grouped by platform, `day` (days since 1970-01-01) when grouped by day.
#[derive(Debug, Clone, PartialEq)]
pub struct Counted {
    pub platform: Option<u32>,
    pub day: Option<i32>,
    pub actors: i64,
    /// Actors whose first counted action is in this key (keys by day only, else 0).
    pub new_actors: i64,
}

/// Days since 1970-01-01 of a date.
fn epoch_day(d: chrono::NaiveDate) -> i32 {
    (d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

/// The counted actions' distinct actors by key, keys in order (platform code, then day);
/// keys without a counted action are left out.
pub fn distinct_actors(s: &Scope, by_platform: bool, by_day: bool) -> PolarsResult<Vec<Counted>> {
    let c = s.campaign;
    let h = &s.history;
    count(&s.actions_df, (epoch_day(c.start), epoch_day(c.end)), h.platforms.len(), h.actor_codes.len(), by_platform, by_day)
}

/// [`distinct_actors`] of a scope's actions frame `df`, window `lo..=hi` (epoch days),
/// `platforms` platform codes and `n_actors` actor codes.
fn count(
    df: &DataFrame,
    (lo, hi): (i32, i32),
    platforms: usize,
    n_actors: usize,
    by_platform: bool,
    by_day: bool,
) -> PolarsResult<Vec<Counted>> {
    let days = if by_day { (hi - lo + 1).max(1) as usize } else { 1 };
    // One slot per platform code, and a last one for a null platform.
    let n_plat = if by_platform { platforms + 1 } else { 1 };
    let keys = n_plat * days;
    let excluded = df.column("excluded")?.bool()?;
    let in_campaign = df.column("in_campaign")?.bool()?;
    let day = df.column("day")?.date()?.physical().clone();
    let platform = df.column("_platform")?.u32()?;
    let actor = df.column("_actor")?.u32()?;
    let key_of = |((e, i), (d, p)): ((Option<bool>, Option<bool>), (Option<i32>, Option<u32>))| -> Option<usize> {
        let d = d?;
        if e != Some(false) || i != Some(true) || d < lo || d > hi {
            return None;
        }
        let slot = if by_platform { p.map_or(n_plat - 1, |p| (p as usize).min(n_plat - 1)) } else { 0 };
        Some(slot * days + if by_day { (d - lo) as usize } else { 0 })
    };
    let rows = || excluded.iter().zip(in_campaign.iter()).zip(day.iter().zip(platform.iter()));
    // Counting sort of the counted actions' actors by key.
    let mut start = vec![0usize; keys + 1];
    for k in rows().filter_map(key_of) {
        start[k + 1] += 1;
    }
    for k in 0..keys {
        start[k + 1] += start[k];
    }
    let mut next = start.clone();
    let mut actors = vec![NONE; start[keys]];
    for (r, a) in rows().zip(actor.iter()) {
        if let Some(k) = key_of(r) {
            actors[next[k]] = a.unwrap_or(NONE);
            next[k] += 1;
        }
    }
    drop(next);
    let mut in_key = vec![0u64; n_actors.div_ceil(64)];
    let mut seen = vec![0u64; if by_platform { 0 } else { n_actors.div_ceil(64) }];
    let mut null_seen = false;
    let mut touched: Vec<u32> = Vec::new();
    let mut out = Vec::new();
    for k in 0..keys {
        let group = &actors[start[k]..start[k + 1]];
        if group.is_empty() {
            continue;
        }
        let (mut distinct, mut new, mut null) = (0i64, 0i64, false);
        for &a in group {
            if a == NONE {
                if !null {
                    null = true;
                    distinct += 1;
                    if !by_platform && !null_seen {
                        null_seen = true;
                        new += 1;
                    }
                }
                continue;
            }
            let (w, b) = (a as usize / 64, 1u64 << (a % 64));
            if in_key[w] & b == 0 {
                in_key[w] |= b;
                touched.push(a);
                distinct += 1;
                if !by_platform && seen[w] & b == 0 {
                    seen[w] |= b;
                    new += 1;
                }
            }
        }
        for a in touched.drain(..) {
            in_key[a as usize / 64] = 0;
        }
        let (slot, d) = (k / days, k % days);
        out.push(Counted {
            platform: by_platform.then(|| if slot == n_plat - 1 { NO_CODE32 } else { slot as u32 }),
            day: by_day.then_some(lo + d as i32),
            actors: distinct,
            new_actors: new,
        });
    }
    Ok(out)
}

/// [`distinct_actors`] as a frame: `_platform` (codes) when `by_platform`, `day` (dates)
/// when `by_day`, `unique_actors`, and `_new_actors` (null where 0) when by day only.
pub fn distinct_frame(s: &Scope, by_platform: bool, by_day: bool) -> PolarsResult<LazyFrame> {
    let rows = distinct_actors(s, by_platform, by_day)?;
    let mut cols: Vec<Column> = Vec::new();
    if by_platform {
        cols.push(Column::new("_platform".into(), rows.iter().map(|r| r.platform.unwrap_or(NO_CODE32)).collect::<Vec<u32>>()));
    }
    if by_day {
        let days: Int32Chunked = rows.iter().map(|r| r.day).collect();
        cols.push(days.with_name("day".into()).into_date().into_column());
    }
    cols.push(Column::new("unique_actors".into(), rows.iter().map(|r| r.actors).collect::<Vec<i64>>()));
    if by_day && !by_platform {
        let new: Vec<Option<i64>> = rows.iter().map(|r| (r.new_actors > 0).then_some(r.new_actors)).collect();
        cols.push(Column::new("_new_actors".into(), new));
    }
    Ok(DataFrame::new(rows.len(), cols)?.lazy())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against polars' group-by on the same rows: nulls (actor, platform, day), excluded
    /// rows, rows outside the window; every grouping.
    #[test]
    fn the_same_counts_as_a_polars_group_by() {
        // Window days 10..=12; platforms 0, 1 and null; actors 0..4 and null.
        let rows: [(bool, Option<i32>, Option<u32>, Option<u32>); 14] = [
            (false, Some(10), Some(0), Some(1)),
            (false, Some(10), Some(0), Some(1)),
            (false, Some(10), Some(1), Some(2)),
            (false, Some(11), Some(0), None),
            (false, Some(11), Some(0), None),
            (false, Some(11), None, Some(3)),
            (false, Some(12), Some(1), Some(1)),
            (false, Some(12), Some(1), Some(0)),
            (true, Some(12), Some(1), Some(4)), // excluded
            (false, Some(9), Some(0), Some(4)),  // before the window
            (false, Some(13), Some(0), Some(4)), // after it
            (false, None, Some(0), Some(4)),     // no day
            (false, Some(12), None, None),
            (false, Some(12), Some(0), Some(2)),
        ];
        let df = df!(
            "excluded" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            "day" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            "_platform" => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            "_actor" => rows.iter().map(|r| r.3).collect::<Vec<_>>(),
        )
        .unwrap();
        let df = df
            .lazy()
            .with_columns([col("day").cast(DataType::Date), lit(true).alias("in_campaign")])
            .collect()
            .unwrap();
        let counted =
            df.clone().lazy().filter(col("excluded").not().and(col("day").cast(DataType::Int32).gt_eq(lit(10))).and(col("day").cast(DataType::Int32).lt_eq(lit(12))));
        for (by_platform, by_day) in [(false, false), (true, false), (false, true), (true, true)] {
            let got = count(&df, (10, 12), 2, 5, by_platform, by_day).unwrap();
            let mut keys = Vec::new();
            if by_platform {
                keys.push(col("_platform"));
            }
            if by_day {
                keys.push(col("day").cast(DataType::Int32));
            }
            let agg = [col("_actor").n_unique().cast(DataType::Int64).alias("n")];
            let want = if keys.is_empty() { counted.clone().select(agg) } else { counted.clone().group_by(keys.clone()).agg(agg) };
            let mut sort: Vec<PlSmallStr> = Vec::new();
            if by_platform {
                sort.push("_platform".into());
            }
            if by_day {
                sort.push("day".into());
            }
            let want = if sort.is_empty() { want } else { want.sort(sort, SortMultipleOptions::default().with_nulls_last(true)) };
            let want = want.collect().unwrap();
            let n: Vec<i64> = want.column("n").unwrap().i64().unwrap().iter().map(|v| v.unwrap()).collect();
            assert_eq!(got.iter().map(|r| r.actors).collect::<Vec<_>>(), n, "by_platform {by_platform}, by_day {by_day}");
            if by_platform {
                let p: Vec<u32> = want.column("_platform").unwrap().u32().unwrap().iter().map(|v| v.unwrap_or(NO_CODE32)).collect();
                assert_eq!(got.iter().map(|r| r.platform.unwrap()).collect::<Vec<_>>(), p);
            }
        }
        // New actors by day: day 10 {1, 2}; day 11 {null, 3}; day 12 {0} (1 and 2 seen before; null seen on 11).
        let got = count(&df, (10, 12), 2, 5, false, true).unwrap();
        assert_eq!(got.iter().map(|r| (r.day.unwrap(), r.actors, r.new_actors)).collect::<Vec<_>>(), vec![(10, 2, 2), (11, 2, 2), (12, 4, 1)]);
    }
}
