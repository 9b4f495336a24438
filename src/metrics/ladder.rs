//! Ladder of engagement: `ladder_transitions`, `ladder_summary` and the KPI headline
//! (`moved_up`, `new_supporters`): how supporters climb the rungs over a campaign.
//!
//! Readings to keep:
//! - Covered actors: at least one campaign action at any time; `excluded` never covered.
//! - `H(a, t)` = highest rung of ALL a's actions (history included) strictly before t, else 0.
//! - Boundaries are local midnights in the campaign tz every `period_days`, last period
//!   shorter; a missing midnight is the next valid 15-minute step, an ambiguous one the earlier.
//! - Transitions for actors with `H(t_k) ≥ 1`, stays included; periods numbered 1…n,
//!   `period_end` inclusive; periods with no engaged actor have no rows.
//! - Summary: every rung 1…K has a row, counts 0 not null; `climb_rate` null at at_start 0.
//! - `climbed` = H(t_0) = r < H(t_n); `new` = H(t_0) = 0, H(t_n) = r; headline = Σ of each.
//! - `median_days_to_climb`: from the first ladder action (rung ≥ 1, history counts) to the
//!   first time above it, before the window's end; elapsed days; usual median;
//!   `climbers_timed` says how many.
//! - Null `occurred_at` counts for coverage, never for `H`; integers are Int64.
//! - Computed from a dense (actor × rung) table of first times, not per-boundary joins.
//!
//! User docs: docs/metrics.md#ladder-of-engagement.

use chrono::{Duration, NaiveDate, TimeZone};
use polars::prelude::*;

use super::actions::{FirstTimes, NO_TIME_SEEN};
use super::Scope;
use crate::schema::Campaign;

const DAY_US: f64 = 86_400_000_000.0;

/// 00:00 of `day` in `tz`, as µs since the epoch (UTC). A DST gap at midnight moves it to the
/// first valid local time after; an ambiguous midnight is the earlier instant.
pub fn local_midnight_us(day: NaiveDate, tz: &chrono_tz::Tz) -> i64 {
    let mut t = day.and_hms_opt(0, 0, 0).expect("midnight");
    for _ in 0..(4 * 24) {
        match tz.from_local_datetime(&t) {
            chrono::LocalResult::Single(x) => return x.timestamp_micros(),
            chrono::LocalResult::Ambiguous(a, _) => return a.timestamp_micros(),
            chrono::LocalResult::None => t += Duration::minutes(15),
        }
    }
    // No valid local time within a day: impossible for real zones; fall back to UTC.
    day.and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp_micros()
}

/// A campaign's ladder boundaries: dates `d_0 … d_n` (d_n = the day after the window's end)
/// and their instants `t_k` (µs UTC, 00:00 local).
#[derive(Debug, Clone, PartialEq)]
pub struct Boundaries {
    pub dates: Vec<NaiveDate>,
    pub instants: Vec<i64>,
}

impl Boundaries {
    pub fn new(c: &Campaign, period_days: u32) -> Boundaries {
        let end_excl = c.end + Duration::days(1);
        let step = Duration::days(i64::from(period_days.max(1)));
        let mut dates = Vec::new();
        let mut d = c.start;
        while d < end_excl {
            dates.push(d);
            d += step;
        }
        dates.push(end_excl);
        let instants = dates.iter().map(|d| local_midnight_us(*d, &c.tz)).collect();
        Boundaries { dates, instants }
    }
    /// Number of periods n.
    pub fn periods(&self) -> usize {
        self.dates.len() - 1
    }
}

fn h(k: usize) -> String {
    format!("_h{k}")
}

/// The H of one actor at the boundaries, as steps: `(k, h)` = from boundary k on, H = h
/// (until the next step). H only rises, at most once per rung, so an actor has at most K
/// steps whatever the number of periods. `timed` is (rung, first time) of the actor's timed
/// rungs; `instants` the boundaries t_0 … t_n.
fn steps(timed: &[(i64, i64)], instants: &[i64], out: &mut Vec<(usize, i64)>) {
    out.clear();
    // Rung r counts in H(t_k) from the first boundary after its first time (strictly).
    let mut from: Vec<(usize, i64)> = timed
        .iter()
        .map(|&(r, t)| (instants.partition_point(|x| *x <= t), r))
        .filter(|(k, _)| *k < instants.len())
        .collect();
    from.sort_unstable();
    let mut h = 0;
    for (k, r) in from {
        if r <= h {
            continue;
        }
        h = r;
        match out.last_mut() {
            Some(last) if last.0 == k => last.1 = h,
            _ => out.push((k, h)),
        }
    }
}

/// What [`actor_levels`] computes for one campaign.
struct Levels {
    /// One row per covered actor: `_actor`, `_h0` (H at t_0), `_h<n>` (H at t_n), `_r0`
    /// (rung of the first ladder instant, null when the actor has no timed ladder action),
    /// `_days` (days from the first ladder action to the first action above `_r0`, null
    /// when none before t_n).
    actors: LazyFrame,
    /// `ladder_transitions` of the campaign.
    transitions: LazyFrame,
}

/// The per-actor levels and the transitions of one campaign, in one pass over the covered
/// actors' rows of the dense first-times table.
///
/// Memory follows the data, not the window: each actor contributes its steps (at most K,
/// see [`steps`]): a rise is one transition of one period, counted in a map; the periods
/// an actor stays on a rung are a range, added to a per-rung difference array of the
/// periods (n + 2 counts per rung). A window of a century over a one-post lake then costs
/// a few kilobytes, where one H column per period and actor cost gigabytes.
fn actor_levels(s: &Scope, b: &Boundaries, f: &FirstTimes) -> PolarsResult<Levels> {
    // The actors the ladder covers: at least one campaign action (coverage).
    let covered_df = s
        .actions
        .clone()
        .filter(col("in_campaign").fill_null(lit(false)).and(col("excluded").fill_null(lit(false)).not()))
        .select([col("_actor")])
        .collect()?;
    let mut covered = vec![false; f.n_actors];
    for a in covered_df.column("_actor")?.u32()?.iter().flatten() {
        covered[a as usize] = true;
    }
    let n = b.periods();
    let t_end = *b.instants.last().expect("n+1 boundaries");
    let mut actor: Vec<u32> = Vec::new();
    let (mut h_start, mut h_end): (Vec<i64>, Vec<i64>) = (Vec::new(), Vec::new());
    let (mut r0s, mut days): (Vec<Option<i64>>, Vec<Option<f64>>) = (Vec::new(), Vec::new());
    // Rises: (period, from, to) → actors. Stays: stay[r][p] is the change in the number of
    // actors staying on rung r from period p on (a difference array over p = 1 … n).
    let mut rises: rustc_hash::FxHashMap<(usize, i64, i64), i64> = Default::default();
    let mut stay: Vec<Vec<i64>> = vec![vec![0; n + 2]; f.n_rungs];
    let mut timed: Vec<(i64, i64)> = Vec::with_capacity(f.n_rungs);
    let mut st: Vec<(usize, i64)> = Vec::with_capacity(f.n_rungs);
    for a in (0..f.n_actors).filter(|&a| covered[a]) {
        let row = f.row(a);
        // Rung r ≥ 1 with a time: (r, first time).
        timed.clear();
        timed.extend(row.iter().enumerate().skip(1).filter(|(_, t)| **t < NO_TIME_SEEN).map(|(r, t)| (r as i64, *t)));
        steps(&timed, &b.instants, &mut st);
        actor.push(a as u32);
        h_start.push(st.first().filter(|(k, _)| *k == 0).map_or(0, |(_, h)| *h));
        h_end.push(st.last().map_or(0, |(_, h)| *h));
        for (j, &(k, h)) in st.iter().enumerate() {
            if k >= 1 {
                let prev = if j == 0 { 0 } else { st[j - 1].1 };
                *rises.entry((k, prev, h)).or_insert(0) += 1;
            }
            // Stays on h over periods k+1 … next−1 (next = the next step, else n+1).
            let next = st.get(j + 1).map_or(n + 1, |(k2, _)| *k2);
            if k + 1 < next {
                stay[h as usize][k + 1] += 1;
                stay[h as usize][next] -= 1;
            }
        }
        // First ladder instant and its rung (the highest reached at that instant).
        let t0 = timed.iter().map(|(_, t)| *t).min();
        let r0 = t0.and_then(|t0| timed.iter().filter(|(_, t)| *t == t0).map(|(r, _)| *r).max());
        let tup = r0.and_then(|r0| timed.iter().filter(|(r, _)| *r > r0).map(|(_, t)| *t).min());
        r0s.push(r0);
        days.push(match (t0, tup) {
            (Some(t0), Some(tup)) if tup < t_end => Some((tup - t0) as f64 / DAY_US),
            _ => None,
        });
    }
    let columns = vec![
        Column::new("_actor".into(), actor),
        Column::new(h(0).into(), h_start),
        Column::new(h(n).into(), h_end),
        Column::new("_r0".into(), r0s),
        Column::new("_days".into(), days),
    ];
    let actors = DataFrame::new(columns[0].len(), columns)?.lazy();

    // The transition rows, period by period: rises, then stays (sorted by ladder_tables).
    let mut rises: Vec<((usize, i64, i64), i64)> = rises.into_iter().collect();
    rises.sort_unstable();
    let (mut period, mut from, mut to, mut count) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for ((k, a, z), c) in rises {
        period.push(k);
        from.push(a);
        to.push(z);
        count.push(c);
    }
    for (r, diff) in stay.iter().enumerate().skip(1) {
        let mut on = 0;
        for (p, d) in diff.iter().enumerate().take(n + 1).skip(1) {
            on += d;
            if on > 0 {
                period.push(p);
                from.push(r as i64);
                to.push(r as i64);
                count.push(on);
            }
        }
    }
    let rows = period.len();
    let columns = vec![
        Column::new("campaign".into(), vec![s.campaign.id.as_str(); rows]),
        Column::new("period".into(), period.iter().map(|&p| p as i64).collect::<Vec<_>>()),
        Column::new("from_rung".into(), from),
        Column::new("to_rung".into(), to),
        Column::new("period_start".into(), period.iter().map(|&p| b.dates[p - 1]).collect::<Vec<_>>()),
        Column::new("period_end".into(), period.iter().map(|&p| b.dates[p] - Duration::days(1)).collect::<Vec<_>>()),
        Column::new("actors".into(), count),
    ];
    let transitions = DataFrame::new(rows, columns)?.lazy();
    Ok(Levels { actors, transitions })
}

/// docs/metrics.md `ladder_transitions`: (campaign, period, from_rung, to_rung) → period_start,
/// period_end, actors; all campaigns, sorted by the key.
pub fn ladder_transitions(scopes: &[Scope]) -> PolarsResult<LazyFrame> {
    if scopes.is_empty() {
        let empty = df!(
            "campaign" => Vec::<String>::new(),
            "period" => Vec::<i64>::new(),
            "from_rung" => Vec::<i64>::new(),
            "to_rung" => Vec::<i64>::new(),
            "period_start" => Vec::<NaiveDate>::new(),
            "period_end" => Vec::<NaiveDate>::new(),
            "actors" => Vec::<i64>::new(),
        )?;
        return Ok(empty.lazy());
    }
    Ok(ladder_tables(scopes)?.0)
}

fn summary_one(s: &Scope, b: &Boundaries, levels: &LazyFrame) -> PolarsResult<LazyFrame> {
    let (h0, hn) = (h(0), h(b.periods()));
    let rungs = df!(
        "rung" => (1..=s.ladder.rungs.len() as i64).collect::<Vec<_>>(),
        "rung_name" => s.ladder.rungs.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
    )?
    .lazy();
    let at_start = levels
        .clone()
        .group_by([col(h0.as_str()).alias("rung")])
        .agg([len().alias("at_start"), col(hn.as_str()).gt(col(h0.as_str())).sum().alias("climbed")]);
    let at_end = levels
        .clone()
        .group_by([col(hn.as_str()).alias("rung")])
        .agg([len().alias("at_end"), col(h0.as_str()).eq(lit(0i64)).sum().alias("new")]);
    let med = levels
        .clone()
        .filter(col("_days").is_not_null())
        .group_by([col("_r0").alias("rung")])
        .agg([col("_days").median().alias("median_days_to_climb"), len().alias("climbers_timed")]);
    let on = || [col("rung")];
    let count = |name: &str| col(name).cast(DataType::Int64).fill_null(lit(0i64)).alias(name);
    Ok(rungs
        .join(at_start, on(), on(), JoinArgs::new(JoinType::Left))
        .join(at_end, on(), on(), JoinArgs::new(JoinType::Left))
        .join(med, on(), on(), JoinArgs::new(JoinType::Left))
        .with_columns([count("at_start"), count("at_end"), count("climbed"), count("new"), count("climbers_timed")])
        .select([
            lit(s.campaign.id.as_str()).alias("campaign"),
            col("rung"),
            col("rung_name"),
            col("at_start"),
            col("at_end"),
            col("climbed"),
            when(col("at_start").gt(lit(0i64)))
                .then(col("climbed").cast(DataType::Float64) / col("at_start").cast(DataType::Float64))
                .otherwise(lit(NULL).cast(DataType::Float64))
                .alias("climb_rate"),
            col("new"),
            col("median_days_to_climb").cast(DataType::Float64),
            col("climbers_timed"),
        ]))
}

/// docs/metrics.md `ladder_summary`: (campaign, rung 1…K) → rung_name, at_start, at_end,
/// climbed, climb_rate, new, median_days_to_climb (+ climbers_timed); sorted by the key.
pub fn ladder_summary(scopes: &[Scope]) -> PolarsResult<LazyFrame> {
    if scopes.is_empty() {
        let empty = df!(
            "campaign" => Vec::<String>::new(),
            "rung" => Vec::<i64>::new(),
            "rung_name" => Vec::<String>::new(),
            "at_start" => Vec::<i64>::new(),
            "at_end" => Vec::<i64>::new(),
            "climbed" => Vec::<i64>::new(),
            "climb_rate" => Vec::<f64>::new(),
            "new" => Vec::<i64>::new(),
            "median_days_to_climb" => Vec::<f64>::new(),
            "climbers_timed" => Vec::<i64>::new(),
        )?;
        return Ok(empty.lazy());
    }
    Ok(ladder_tables(scopes)?.1)
}

/// The ladder tables share each campaign's per-actor levels: computed together, once.
pub const LADDER_LEVELS: super::registry::Group = super::registry::Group { name: "ladder levels", compute: ladder_levels };

/// The `ladder_transitions` table (registry entry).
pub const LADDER_TRANSITIONS: super::registry::Table = super::registry::Table {
    name: "ladder_transitions",
    key: &["campaign", "period", "from_rung", "to_rung"],
    columns: &["campaign", "period", "from_rung", "to_rung", "period_start", "period_end", "actors"],
    compute: super::registry::Compute::Group(&LADDER_LEVELS, 0),
};

/// The `ladder_summary` table (registry entry).
pub const LADDER_SUMMARY: super::registry::Table = super::registry::Table {
    name: "ladder_summary",
    key: &["campaign", "rung"],
    columns: &[
        "campaign", "rung", "rung_name", "at_start", "at_end", "climbed", "climb_rate", "new",
        "median_days_to_climb", "climbers_timed",
    ],
    compute: super::registry::Compute::Group(&LADDER_LEVELS, 1),
};

/// [`ladder_tables`] as the group [`LADDER_LEVELS`]: transitions, then summary.
fn ladder_levels(scopes: &[Scope]) -> PolarsResult<Vec<LazyFrame>> {
    let (transitions, summary) = ladder_tables(scopes)?;
    Ok(vec![transitions, summary])
}

/// Both ladder tables, computing each campaign's per-actor levels once (the costly part:
/// one group-by over all actions, shared by all campaigns).
pub fn ladder_tables(scopes: &[Scope]) -> PolarsResult<(LazyFrame, LazyFrame)> {
    if scopes.is_empty() {
        return Ok((ladder_transitions(&[])?, ladder_summary(&[])?));
    }
    let mut transitions = Vec::new();
    let mut summaries = Vec::new();
    let firsts_all = &scopes[0].history.firsts;
    for s in scopes {
        let b = Boundaries::new(s.campaign, s.ladder.period_days);
        let levels = actor_levels(s, &b, firsts_all)?;
        transitions.push(levels.transitions);
        summaries.push(summary_one(s, &b, &levels.actors)?);
    }
    Ok((
        concat(transitions, UnionArgs::default())?
            .sort(["campaign", "period", "from_rung", "to_rung"], Default::default()),
        concat(summaries, UnionArgs::default())?.sort(["campaign", "rung"], Default::default()),
    ))
}

/// The KPI headline from a `ladder_summary`: (campaign) → moved_up = Σ climbed,
/// new_supporters = Σ new; sorted by campaign.
pub fn ladder_headline(summary: LazyFrame) -> LazyFrame {
    summary
        .group_by([col("campaign")])
        .agg([
            col("climbed").sum().cast(DataType::Int64).alias("moved_up"),
            col("new").sum().cast(DataType::Int64).alias("new_supporters"),
        ])
        .sort(["campaign"], Default::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Action, Micros};
    use crate::pipeline::Pipeline;
    use crate::pseudo::Pseudonymizer;

    /// Runs a test body on a thread with a 64 MiB stack. polars 0.55's plan conversion
    /// (dsl_to_ir, unoptimised debug build) overflowed the 2 MiB of a test thread on an
    /// earlier, two-scan version of these plans (Scope's joins + this module's group-bys): it
    /// overflows at the leaves, past `recursive`'s 128 KiB red zone. The current plans fit in
    /// 2 MiB, but only just; release builds and the CLI's 8 MiB main thread are fine.
    fn big_stack(f: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new().stack_size(64 << 20).spawn(f).unwrap().join().unwrap();
    }

    fn ts(s: &str) -> Option<Micros> {
        crate::model::Micros::parse_iso(s)
    }

    fn act(actor: &str, verb: &str, at: &str, campaign: Option<&str>) -> Action {
        Action {
            platform: "twitter".into(),
            actor_id: actor.into(),
            action: verb.into(),
            occurred_at: ts(at),
            campaign: campaign.map(str::to_string),
            ..Default::default()
        }
    }

    /// Writes `actions` (built once the key exists, for pseudonyms) into a lake in a tempdir.
    fn lake_with(
        actions: impl FnOnce(&Pseudonymizer) -> Vec<Action>,
    ) -> (tempfile::TempDir, crate::metrics::Lake, Pseudonymizer) {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("lake");
        std::fs::create_dir_all(&root).unwrap();
        let key = Pseudonymizer::load_or_create(&Pseudonymizer::key_path(&root)).unwrap();
        crate::testkit::write_records(&root, "t", &[], &actions(&key), &[], &[]).unwrap();
        let lake = crate::metrics::Lake::open(&root).unwrap();
        (d, lake, key)
    }

    fn pipeline(campaigns: &str) -> Pipeline {
        Pipeline::parse(std::path::Path::new("p.toml"), &format!("[output]\ndir='o'\n{campaigns}")).unwrap()
    }

    fn i64s(df: &DataFrame, c: &str) -> Vec<Option<i64>> {
        df.column(c).unwrap().i64().unwrap().iter().collect()
    }
    fn f64s(df: &DataFrame, c: &str) -> Vec<Option<f64>> {
        df.column(c).unwrap().f64().unwrap().iter().collect()
    }
    fn close(a: Option<f64>, b: Option<f64>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * b.abs().max(1e-300),
            (None, None) => true,
            _ => false,
        }
    }
    fn rows(df: &DataFrame, cols: &[&str]) -> Vec<Vec<i64>> {
        (0..df.height()).map(|i| cols.iter().map(|c| i64s(df, c)[i].unwrap()).collect()).collect()
    }

    /// Campaign "c", Nairobi (UTC+3, no DST), 2024-03-01 … 2024-03-17 inclusive, 7-day periods:
    /// t0 = 03-01 00:00 EAT = 02-29T21:00Z, t1 = 03-07T21:00Z, t2 = 03-14T21:00Z and
    /// t3 = 03-18 00:00 EAT = 03-17T21:00Z: periods 03-01…03-07, 03-08…03-14, 03-15…03-17
    /// (the last one 3 days). Default ladder: like 1, share 2, comment 3, sign_petition 4.
    /// Actors:
    /// - A: like 2024-01-10 (history, untagged), share tagged at exactly t1 → H = 1,1,2,2
    ///   (an action at t1 is not before t1: it counts from t2 on).
    /// - B: comment tagged 03-16 → H = 0,0,0,3.
    /// - C: like tagged 03-02 → H = 0,1,1,1.
    /// - D: own account (excluded), like tagged 03-02 → left out.
    /// - E: only campaign action a like tagged 02-01, before the window → covered, H = 1,1,1,1.
    /// - F: untagged like 03-03, no campaign action → not covered.
    /// - G: tagged `view` (on no rung) 03-03 + untagged sign_petition 03-10 → H = 0,0,4,4.
    fn nairobi() -> (tempfile::TempDir, crate::metrics::Lake, Pseudonymizer, Pipeline) {
        let (d, lake, key) = lake_with(|key| {
            vec![
                act("A", "like", "2024-01-10T00:00:00Z", None),
                act("A", "share", "2024-03-07T21:00:00Z", Some("c")),
                act("B", "comment", "2024-03-16T10:00:00Z", Some("c")),
                act("C", "like", "2024-03-02T00:00:00Z", Some("c")),
                act(&key.id("twitter", "amnesty"), "like", "2024-03-02T00:00:00Z", Some("c")),
                act("E", "like", "2024-02-01T00:00:00Z", Some("c")),
                act("F", "like", "2024-03-03T00:00:00Z", None),
                act("G", "view", "2024-03-03T00:00:00Z", Some("c")),
                act("G", "sign_petition", "2024-03-10T00:00:00Z", None),
            ]
        });
        let p = pipeline(
            "[[campaigns]]\nid='c'\nstart=2024-03-01\nend=2024-03-17\ntz='Africa/Nairobi'\nown_accounts={twitter=['amnesty']}\n\
             [[campaigns]]\nid='b'\nstart=2024-03-01\nend=2024-03-17\n",
        );
        (d, lake, key, p)
    }

    #[test]
    fn boundaries_local_midnights_with_a_short_last_period() {
        let p = pipeline("[[campaigns]]\nid='c'\nstart=2024-03-01\nend=2024-03-17\ntz='Africa/Nairobi'\n");
        let b = Boundaries::new(&p.campaigns[0], 7);
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // 17 days / 7 → 3 periods, the last of 3 days; the last boundary is the day after the end.
        assert_eq!(b.dates, vec![d("2024-03-01"), d("2024-03-08"), d("2024-03-15"), d("2024-03-18")]);
        // 00:00 EAT = 21:00 UTC the day before.
        assert_eq!(b.instants[0], ts("2024-02-29T21:00:00Z").unwrap().0);
        assert_eq!(b.instants[3], ts("2024-03-17T21:00:00Z").unwrap().0);
        // Across a DST change boundaries stay at local midnight: Berlin goes to UTC+2 on 03-31.
        let p = pipeline("[[campaigns]]\nid='c'\nstart=2024-03-28\nend=2024-04-05\ntz='Europe/Berlin'\n");
        let b = Boundaries::new(&p.campaigns[0], 7);
        assert_eq!(b.instants[0], ts("2024-03-27T23:00:00Z").unwrap().0); // 00:00 CET
        assert_eq!(b.instants[1], ts("2024-04-03T22:00:00Z").unwrap().0); // 00:00 CEST, 04-04
        assert_eq!(b.instants[2], ts("2024-04-05T22:00:00Z").unwrap().0); // 00:00 CEST, 04-06
                                                                          // A midnight in a DST gap: Santiago jumps from 00:00 (UTC−4) to 01:00 (UTC−3) on
                                                                          // 2024-09-08; the boundary is the first valid local time, 01:00 −03 = 04:00Z.
        let d = NaiveDate::from_ymd_opt(2024, 9, 8).unwrap();
        assert_eq!(local_midnight_us(d, &chrono_tz::America::Santiago), ts("2024-09-08T04:00:00Z").unwrap().0);
    }

    #[test]
    fn transitions_per_period_with_stays_and_strict_boundaries() {
        big_stack(|| {
            let (_d, lake, key, p) = nairobi();
            let scopes: Vec<Scope> =
                p.campaigns.iter().map(|c| Scope::new(&lake, c, &p.ladder, None, &key).unwrap()).collect();
            let t = ladder_transitions(&scopes).unwrap().collect().unwrap();
            // Campaign "b" tags nothing: no covered actor, no rows. Campaign "c", per period:
            // p1: A 1→1, C 0→1, E 1→1 (B, G have H(t1) = 0: no transition yet).
            // p2: A 1→2, C 1→1, E 1→1, G 0→4.
            // p3: A 2→2, B 0→3, C 1→1, E 1→1, G 4→4.
            // D (excluded) and F (not covered) never appear.
            assert_eq!(
                rows(&t, &["period", "from_rung", "to_rung", "actors"]),
                vec![
                    vec![1, 0, 1, 1],
                    vec![1, 1, 1, 2],
                    vec![2, 0, 4, 1],
                    vec![2, 1, 1, 2],
                    vec![2, 1, 2, 1],
                    vec![3, 0, 3, 1],
                    vec![3, 1, 1, 2],
                    vec![3, 2, 2, 1],
                    vec![3, 4, 4, 1],
                ]
            );
            let campaigns: Vec<&str> =
                t.column("campaign").unwrap().str().unwrap().iter().map(|v| v.unwrap()).collect();
            assert!(campaigns.iter().all(|c| *c == "c"));
            // Period dates: inclusive first and last local day; the last period is 03-15…03-17.
            let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
            let dates = |c: &str| -> Vec<NaiveDate> {
                t.column(c)
                    .unwrap()
                    .cast(&DataType::String)
                    .unwrap()
                    .str()
                    .unwrap()
                    .iter()
                    .map(|v| d(v.unwrap()))
                    .collect()
            };
            assert_eq!(t.column("period_start").unwrap().dtype(), &DataType::Date);
            assert_eq!(dates("period_start")[0], d("2024-03-01"));
            assert_eq!(dates("period_end")[0], d("2024-03-07"));
            assert_eq!(dates("period_start")[2], d("2024-03-08"));
            assert_eq!(dates("period_end")[2], d("2024-03-14"));
            assert_eq!(dates("period_start")[8], d("2024-03-15"));
            assert_eq!(dates("period_end")[8], d("2024-03-17"));
        });
    }

    #[test]
    fn summary_history_coverage_new_and_climbed() {
        big_stack(|| {
            let (_d, lake, key, p) = nairobi();
            let scopes: Vec<Scope> =
                p.campaigns.iter().map(|c| Scope::new(&lake, c, &p.ladder, None, &key).unwrap()).collect();
            let s = ladder_summary(&scopes).unwrap().collect().unwrap();
            // 2 campaigns × 5 rungs, sorted: "b" first (all zero), then "c".
            assert_eq!(s.height(), 10);
            let c = s.slice(5, 5);
            let names: Vec<&str> = c.column("rung_name").unwrap().str().unwrap().iter().map(|v| v.unwrap()).collect();
            assert_eq!(names, vec!["react", "amplify", "voice", "sign", "commit"]);
            // H(start): A 1 (history like), E 1 (campaign like before the window), B C G 0.
            // H(end = 03-18 00:00 EAT): A 2, B 3, C 1, E 1, G 4.
            assert_eq!(i64s(&c, "rung"), vec![Some(1), Some(2), Some(3), Some(4), Some(5)]);
            assert_eq!(i64s(&c, "at_start"), vec![Some(2), Some(0), Some(0), Some(0), Some(0)]); // A, E
            assert_eq!(i64s(&c, "at_end"), vec![Some(2), Some(1), Some(1), Some(1), Some(0)]); // C E | A | B | G
            assert_eq!(i64s(&c, "climbed"), vec![Some(1), Some(0), Some(0), Some(0), Some(0)]); // A: 1 → 2
            assert_eq!(i64s(&c, "new"), vec![Some(1), Some(0), Some(1), Some(1), Some(0)]); // C, B, G
                                                                                            // climb_rate: rung 1: 1/2 = 0.5; other rungs have at_start = 0: null.
            let cr = f64s(&c, "climb_rate");
            assert!(close(cr[0], Some(0.5)));
            assert_eq!(&cr[1..], &[None, None, None, None]);
            // Median days to climb, rung 1: only A (first ladder action a like 01-10 00:00Z, first
            // above: share 03-07 21:00Z): 21 (rest of Jan) + 29 (Feb 2024) + 7 days + 21 h = 57.875.
            // G's first action is `view` (on no rung); its first ladder action is on rung 4, never
            // above. C, E never climb; B starts at 3.
            let m = f64s(&c, "median_days_to_climb");
            assert!(close(m[0], Some(57.875)), "{m:?}");
            assert_eq!(&m[1..], &[None, None, None, None]);
            // Campaign "b": no covered actor, every count 0, the rates null.
            let b = s.slice(0, 5);
            assert_eq!(i64s(&b, "at_end"), vec![Some(0); 5]);
            assert_eq!(f64s(&b, "climb_rate"), vec![None; 5]);
            // Headline: c moved_up = Σ climbed = 1, new_supporters = 1 + 1 + 1 = 3; b: 0, 0.
            let hl = ladder_headline(ladder_summary(&scopes).unwrap()).collect().unwrap();
            assert_eq!(
                hl.column("campaign").unwrap().str().unwrap().iter().collect::<Vec<_>>(),
                vec![Some("b"), Some("c")]
            );
            assert_eq!(i64s(&hl, "moved_up"), vec![Some(0), Some(1)]);
            assert_eq!(i64s(&hl, "new_supporters"), vec![Some(0), Some(3)]);
        });
    }

    /// UTC, 2024-03-01 … 2024-03-10, 7-day periods: t0 = 03-01, t1 = 03-08, t2 = 03-11 (00:00).
    #[test]
    fn median_days_same_instant_and_window_end() {
        big_stack(|| {
            let tag = Some("m");
            let (_d, lake, key) = lake_with(|_| {
                vec![
                    // P: like at exactly t0 (not before start: H(t0) = 0), share 1.5 days later.
                    act("P", "like", "2024-03-01T00:00:00Z", tag),
                    act("P", "share", "2024-03-02T12:00:00Z", tag),
                    // Q: like, comment (rung 3) 3 days later.
                    act("Q", "like", "2024-03-01T06:00:00Z", tag),
                    act("Q", "comment", "2024-03-04T06:00:00Z", tag),
                    // R: like and share at the same instant: first action at rung 2; comment 1 day later.
                    act("R", "like", "2024-03-02T00:00:00Z", tag),
                    act("R", "share", "2024-03-02T00:00:00Z", tag),
                    act("R", "comment", "2024-03-03T00:00:00Z", tag),
                    // S: like, share at exactly the window's end (t2): not before it, not counted.
                    act("S", "like", "2024-03-05T00:00:00Z", tag),
                    act("S", "share", "2024-03-11T00:00:00Z", tag),
                    // N: a campaign like with no time (covers N, never in H) + an untagged share.
                    Action { occurred_at: None, ..act("N", "like", "2024-03-01T00:00:00Z", tag) },
                    act("N", "share", "2024-03-03T00:00:00Z", None),
                ]
            });
            let p = pipeline("[[campaigns]]\nid='m'\nstart=2024-03-01\nend=2024-03-10\n");
            let scopes = vec![Scope::new(&lake, &p.campaigns[0], &p.ladder, None, &key).unwrap()];
            let s = ladder_summary(&scopes).unwrap().collect().unwrap();
            // Rung 1: P 1.5 days, Q 3.0 days (S's climb is at the window's end: left out);
            // median of two = (1.5 + 3.0) / 2 = 2.25. Rung 2: R (same instant → rung 2): 1.0.
            let m = f64s(&s, "median_days_to_climb");
            assert!(close(m[0], Some(2.25)), "{m:?}");
            assert!(close(m[1], Some(1.0)), "{m:?}");
            assert_eq!(&m[2..], &[None, None, None]);
            assert_eq!(i64s(&s, "climbers_timed"), vec![Some(2), Some(1), Some(0), Some(0), Some(0)]);
            // H(t0) = 0 for all (P's like is AT t0). H(t2): P 2, Q 3, R 3, S 1 (share at t2
            // excluded), N 2 (the timeless like is not in H; N never climbs from rung 1).
            assert_eq!(i64s(&s, "at_start"), vec![Some(0); 5]);
            assert_eq!(i64s(&s, "at_end"), vec![Some(1), Some(2), Some(2), Some(0), Some(0)]);
            assert_eq!(i64s(&s, "new"), vec![Some(1), Some(2), Some(2), Some(0), Some(0)]);
            assert_eq!(i64s(&s, "climbed"), vec![Some(0); 5]);
            // Transitions: p1 (03-01…03-07): P 0→2, N 0→2, Q 0→3, R 0→3, S 0→1;
            // p2 (03-08…03-10, short): all stay: 1→1 (S), 2→2 (P, N), 3→3 (Q, R).
            let t = ladder_transitions(&scopes).unwrap().collect().unwrap();
            assert_eq!(
                rows(&t, &["period", "from_rung", "to_rung", "actors"]),
                vec![
                    vec![1, 0, 1, 1],
                    vec![1, 0, 2, 2],
                    vec![1, 0, 3, 2],
                    vec![2, 1, 1, 1],
                    vec![2, 2, 2, 2],
                    vec![2, 3, 3, 2],
                ]
            );
            let end: Vec<String> = t
                .column("period_end")
                .unwrap()
                .cast(&DataType::String)
                .unwrap()
                .str()
                .unwrap()
                .iter()
                .map(|v| v.unwrap().to_string())
                .collect();
            assert_eq!(end[5], "2024-03-10");
        });
    }

    #[test]
    fn output_dtypes_and_empty_input() {
        let t = ladder_transitions(&[]).unwrap().collect().unwrap();
        let s = ladder_summary(&[]).unwrap().collect().unwrap();
        assert_eq!((t.height(), s.height()), (0, 0));
        assert_eq!(t.column("actors").unwrap().dtype(), &DataType::Int64);
        assert_eq!(s.column("median_days_to_climb").unwrap().dtype(), &DataType::Float64);
    }
}
