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
pub(crate) fn epoch_day(d: chrono::NaiveDate) -> i32 {
    (d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

/// The counted actions' distinct actors by key, keys in order (platform code, then day);
/// keys without a counted action are left out. Every grouping is computed on first use
/// and kept with the scope ([`Scope::distinct_counts`]).
pub fn distinct_actors(s: &Scope, by_platform: bool, by_day: bool) -> PolarsResult<Vec<Counted>> {
    Ok(s.distinct_counts()?.by[usize::from(by_platform) * 2 + usize::from(by_day)].clone())
}

/// Every grouping's [`Counted`] rows of one scope: `by[2 * by_platform + by_day]`.
#[derive(Debug, Default)]
pub struct AllCounts {
    pub by: [Vec<Counted>; 4],
    /// The platform codes (None: a null platform) of the campaign's actions in the window,
    /// the excluded actors' included, in order: whether the campaign has actions at all.
    pub platforms_acted: Vec<Option<u32>>,
}

/// [`AllCounts`] of a scope's actions.
pub fn all_counts(s: &Scope) -> PolarsResult<AllCounts> {
    let c = s.campaign;
    let h = &s.history;
    let window = (epoch_day(c.start), epoch_day(c.end));
    let mut all = count(&s.actions_df, window, h.platforms.len(), h.n_actors())?;
    let mut acted = std::collections::BTreeSet::new();
    for_each_in_window(&s.actions_df, window, ["_platform"], true, &mut |_, [p]| {
        acted.insert(p);
    })?;
    all.platforms_acted = acted.into_iter().collect();
    Ok(all)
}

/// [`AllCounts`] of a scope's actions frame `df` (columns `excluded`, `day`, `_platform`,
/// `_actor`; every row is the campaign's), window `lo..=hi` (epoch days), `platforms`
/// platform codes and `n_actors` actor codes. One pass over the rows gathers the counted
/// actions' actors by (platform, day) in a counting sort; each grouping is then a union of
/// those groups, counted in a bitset over the actor codes.
fn count(df: &DataFrame, (lo, hi): (i32, i32), platforms: usize, n_actors: usize) -> PolarsResult<AllCounts> {
    let days = (hi - lo + 1).max(1) as usize;
    // One slot per platform code, and a last one for a null platform.
    let n_plat = platforms + 1;
    let keys = n_plat * days;
    // Each counted row's key and actor ([`NONE`] for null).
    let (start, actors) = gather(keys, &mut |_, f| {
        for_each_counted(df, (lo, hi), ["_platform", "_actor"], &mut |d, [p, a]| {
            let slot = p.map_or(n_plat - 1, |p| (p as usize).min(n_plat - 1));
            f(slot * days + (d - lo) as usize, a.unwrap_or(NONE))
        })
    })?;
    let group = |k: usize| &actors[start[k]..start[k + 1]];
    let words = n_actors.div_ceil(64);
    let mut in_key = vec![0u64; words];
    let mut touched: Vec<u32> = Vec::new();
    // Adds group k's actors to the bitset; counts the new ones (and a null, once per union).
    let add = |k: usize, in_key: &mut Vec<u64>, touched: &mut Vec<u32>, null: &mut bool| -> i64 {
        let mut n = 0;
        for &a in group(k) {
            if a == NONE {
                if !*null {
                    *null = true;
                    n += 1;
                }
                continue;
            }
            let (w, b) = (a as usize / 64, 1u64 << (a % 64));
            if in_key[w] & b == 0 {
                in_key[w] |= b;
                touched.push(a);
                n += 1;
            }
        }
        n
    };
    let clear = |in_key: &mut Vec<u64>, touched: &mut Vec<u32>| {
        for a in touched.drain(..) {
            in_key[a as usize / 64] = 0;
        }
    };
    let code = |slot: usize| if slot == n_plat - 1 { NO_CODE32 } else { slot as u32 };
    let mut out = AllCounts::default();
    let filled = |k: usize| start[k + 1] > start[k];
    // (platform, day)
    for k in 0..keys {
        if start[k + 1] == start[k] {
            continue;
        }
        let mut null = false;
        let n = add(k, &mut in_key, &mut touched, &mut null);
        clear(&mut in_key, &mut touched);
        out.by[3].push(Counted { platform: Some(code(k / days)), day: Some(lo + (k % days) as i32), actors: n, new_actors: 0 });
    }
    // platform
    for slot in 0..n_plat {
        if !(0..days).any(|d| filled(slot * days + d)) {
            continue;
        }
        let mut null = false;
        let n: i64 = (0..days).map(|d| add(slot * days + d, &mut in_key, &mut touched, &mut null)).sum();
        clear(&mut in_key, &mut touched);
        out.by[2].push(Counted { platform: Some(code(slot)), day: None, actors: n, new_actors: 0 });
    }
    // day, with the actors seen for the first time that day; then the whole window.
    let mut seen = vec![0u64; words];
    let (mut seen_touched, mut null_seen, mut total) = (Vec::new(), false, 0i64);
    for d in 0..days {
        if !(0..n_plat).any(|slot| filled(slot * days + d)) {
            continue;
        }
        let mut null = false;
        let n: i64 = (0..n_plat).map(|slot| add(slot * days + d, &mut in_key, &mut touched, &mut null)).sum();
        clear(&mut in_key, &mut touched);
        let new: i64 = (0..n_plat).map(|slot| add(slot * days + d, &mut seen, &mut seen_touched, &mut null_seen)).sum();
        total += new;
        out.by[1].push(Counted { platform: None, day: Some(lo + d as i32), actors: n, new_actors: new });
    }
    if start[keys] > 0 {
        out.by[0].push(Counted { platform: None, day: None, actors: total, new_actors: 0 });
    }
    Ok(out)
}

/// The actors of rows gathered by key, in a counting sort: `walk(first, f)` calls `f(key,
/// actor)` for each row (key < `keys`; actor [`NONE`] for null), the same rows in the same
/// order each time; it is called twice, `first` the first time. Gives `start` (key k's
/// actors are `actors[start[k]..start[k + 1]]`, in row order) and `actors`: 4 bytes a row.
pub(crate) fn gather(
    keys: usize,
    walk: &mut dyn FnMut(bool, &mut dyn FnMut(usize, u32)) -> PolarsResult<()>,
) -> PolarsResult<(Vec<usize>, Vec<u32>)> {
    let mut start = vec![0usize; keys + 1];
    walk(true, &mut |k, _| start[k + 1] += 1)?;
    for k in 0..keys {
        start[k + 1] += start[k];
    }
    let mut next = start.clone();
    let mut actors = vec![NONE; start[keys]];
    walk(false, &mut |k, a| {
        actors[next[k]] = a;
        next[k] += 1;
    })?;
    Ok((start, actors))
}

/// Calls `f(day, values)` for each row of a scope's actions frame `df` that counts (not by
/// an excluded actor, its day in `lo..=hi`, epoch days; every row of the frame is the
/// campaign's), in order: `values` are the row's entries of the u32 columns `codes` (None
/// for null). Reads the columns where they are, chunk by chunk, never a filtered copy.
pub(crate) fn for_each_counted<const N: usize>(
    df: &DataFrame,
    window: (i32, i32),
    codes: [&str; N],
    f: &mut dyn FnMut(i32, [Option<u32>; N]),
) -> PolarsResult<()> {
    for_each_in_window(df, window, codes, false, f)
}

/// [`for_each_counted`], with the excluded actors' rows too when `excluded_too`.
fn for_each_in_window<const N: usize>(
    df: &DataFrame,
    (lo, hi): (i32, i32),
    codes: [&str; N],
    excluded_too: bool,
    f: &mut dyn FnMut(i32, [Option<u32>; N]),
) -> PolarsResult<()> {
    let mut excluded = df.column("excluded")?.bool()?.clone();
    let mut day = df.column("day")?.date()?.physical().clone();
    let mut cs: Vec<UInt32Chunked> = codes.iter().map(|c| Ok(df.column(c)?.u32()?.clone())).collect::<PolarsResult<_>>()?;
    // The columns' chunks are read side by side: one chunk each unless they already match.
    let e: Vec<usize> = excluded.chunk_lengths().collect();
    let same = e == day.chunk_lengths().collect::<Vec<_>>()
        && cs.iter().all(|c| c.chunk_lengths().collect::<Vec<_>>() == e);
    if !same {
        excluded = excluded.rechunk().into_owned();
        day = day.rechunk().into_owned();
        for c in &mut cs {
            *c = c.rechunk().into_owned();
        }
    }
    for (k, (e, d)) in excluded.downcast_iter().zip(day.downcast_iter()).enumerate() {
        let arrays: Vec<_> = cs.iter().map(|c| c.downcast_iter().nth(k).expect("aligned chunks")).collect();
        let (ev, dv, en, dn) = (e.values(), d.values(), e.validity(), d.validity());
        for i in 0..dv.len() {
            let counted = (excluded_too || (en.is_none_or(|v| v.get_bit(i)) && !ev.get_bit(i)))
                && dn.is_none_or(|v| v.get_bit(i))
                && dv[i] >= lo
                && dv[i] <= hi;
            if counted {
                let values = std::array::from_fn(|j| {
                    let a = arrays[j];
                    a.validity().is_none_or(|v| v.get_bit(i)).then(|| a.values()[i])
                });
                f(dv[i], values);
            }
        }
    }
    Ok(())
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
            let got = count(&df, (10, 12), 2, 5).unwrap().by[usize::from(by_platform) * 2 + usize::from(by_day)].clone();
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
        let got = count(&df, (10, 12), 2, 5).unwrap().by[1].clone();
        assert_eq!(got.iter().map(|r| (r.day.unwrap(), r.actors, r.new_actors)).collect::<Vec<_>>(), vec![(10, 2, 2), (11, 2, 2), (12, 4, 1)]);
    }
}
