//! Countries: the `by_country` table (key campaign, country): where the campaign's
//! supporters acted and where its website visits came from.
//!
//! Readings to keep:
//! - Actions: the campaign's actions in its window (by their day in the campaign's time
//!   zone), without those of its own accounts and targets, by the lake's `country` (an
//!   address's or an event's; ISO alpha-2).
//! - `sign_petition`, `attend_event`, `donate`: counts of those verbs; `other`: every other
//!   verb (social actions mostly have no country: they land in the null row).
//! - `actors`: distinct pseudonyms among those actions (a count only).
//! - `sessions`: the traffic's daily rows in the window (the campaign's or untagged, the
//!   pipeline's site), by country. Null on every row when no such row has a country (the
//!   export does not break traffic down by country); otherwise a figure, 0 for a country
//!   with actions but no visits.
//! - Actions and sessions without a country are kept, in one row whose `country` is null
//!   (shown as "unknown"), sorted last: the columns then add up to the campaign's totals.
//!
//! User docs: docs/metrics.md#countries.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::actions::NONE;
use super::Scope;

/// The verbs with a column of their own, in column order.
pub const VERBS: [&str; 3] = ["sign_petition", "attend_event", "donate"];

/// The `by_country` table (registry entry).
pub const BY_COUNTRY: super::registry::Table = super::registry::Table {
    name: "by_country",
    key: &["campaign", "country"],
    columns: &["campaign", "country", "sign_petition", "attend_event", "donate", "other", "actors", "sessions"],
    compute: super::registry::Compute::Scopes(by_country),
};

#[derive(Default)]
struct Row {
    verbs: [i64; 3],
    other: i64,
    actors: usize,
    sessions: i64,
}

/// docs/metrics.md#countries for every campaign, sorted by (campaign, country), null country last.
pub fn by_country(scopes: &[Scope]) -> PolarsResult<LazyFrame> {
    let mut out: Vec<(String, Option<String>, Row, bool)> = Vec::new();
    for s in scopes {
        let c = s.campaign;
        // The verbs of VERBS by code; the countries by code.
        let h = &s.history;
        let verb_of: Vec<Option<usize>> = h.verbs.iter().map(|v| VERBS.iter().position(|x| x == v)).collect();
        let name = |code: Option<u32>| code.and_then(|c| h.countries.get(c as usize)).cloned();
        // Counted by country code (the last slot: no country), then named: a code per row is
        // cheaper than a name per row at tens of millions of actions. Each country's actors
        // are gathered in a counting sort (two passes over the counted actions, read where
        // they are) and told apart in a bitset over the actor codes.
        let none = h.countries.len();
        let slot = |k: Option<u32>| k.map_or(none, |k| (k as usize).min(none));
        let window = (super::distinct::epoch_day(c.start), super::distinct::epoch_day(c.end));
        let cols = ["_country", "_action", "_actor"];
        let mut by_code: Vec<Row> = (0..=none).map(|_| Row::default()).collect();
        let (start, actors) = super::distinct::gather(none + 1, &mut |first, f| {
            super::distinct::for_each_counted(&s.actions_df, window, cols, &mut |_, [k, v, a]| {
                if first {
                    let r = &mut by_code[slot(k)];
                    match v.and_then(|v| verb_of.get(v as usize).copied().flatten()) {
                        Some(k) => r.verbs[k] += 1,
                        None => r.other += 1,
                    }
                }
                f(slot(k), a.unwrap_or(NONE))
            })
        })?;
        let mut seen = vec![0u64; h.n_actors().div_ceil(64)];
        for (code, r) in by_code.iter_mut().enumerate() {
            let group = &actors[start[code]..start[code + 1]];
            for &a in group.iter().filter(|&&a| a != NONE) {
                let (w, b) = (a as usize / 64, 1u64 << (a % 64));
                if seen[w] & b == 0 {
                    seen[w] |= b;
                    r.actors += 1;
                }
            }
            for &a in group.iter().filter(|&&a| a != NONE) {
                seen[a as usize / 64] = 0;
            }
        }
        drop(actors);
        // BTreeMap on Option<String>: None sorts first; moved last below.
        let mut rows: BTreeMap<Option<String>, Row> = BTreeMap::new();
        for (code, r) in by_code.into_iter().enumerate() {
            if r.verbs.iter().sum::<i64>() + r.other == 0 {
                continue;
            }
            rows.insert(name((code < none).then_some(code as u32)), r);
        }
        let visits = s
            .window_daily_traffic()
            .group_by([col("country")])
            .agg([col("sessions").sum().cast(DataType::Int64).alias("sessions")])
            .collect()?;
        let (vc, vs) = (visits.column("country")?.str()?, visits.column("sessions")?.i64()?);
        let by_country = vc.iter().any(|c| c.is_some());
        for i in 0..visits.height() {
            let sessions = vs.get(i).unwrap_or(0);
            let key = vc.get(i).map(str::to_string);
            if sessions > 0 || rows.contains_key(&key) {
                rows.entry(key).or_default().sessions += sessions;
            }
        }
        let mut rows: Vec<(Option<String>, Row)> = rows.into_iter().collect();
        if rows.first().is_some_and(|r| r.0.is_none()) {
            let unknown = rows.remove(0);
            rows.push(unknown);
        }
        out.extend(rows.into_iter().map(|(k, r)| (c.id.clone(), k, r, by_country)));
    }
    // Campaign order by id (each campaign's rows are in order already).
    out.sort_by(|a, b| a.0.cmp(&b.0));
    let verb = |k: usize| out.iter().map(|r| r.2.verbs[k]).collect::<Vec<i64>>();
    let df = df!(
        "campaign" => out.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        "country" => out.iter().map(|r| r.1.as_deref()).collect::<Vec<Option<&str>>>(),
        "sign_petition" => verb(0),
        "attend_event" => verb(1),
        "donate" => verb(2),
        "other" => out.iter().map(|r| r.2.other).collect::<Vec<i64>>(),
        "actors" => out.iter().map(|r| r.2.actors as i64).collect::<Vec<i64>>(),
        "sessions" => out.iter().map(|r| r.3.then_some(r.2.sessions)).collect::<Vec<Option<i64>>>(),
    )?;
    Ok(df.lazy())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Action, Day, Micros, Traffic};
    use crate::pipeline::Pipeline;
    use crate::pseudo::Pseudonymizer;

    fn act(actor: &str, verb: &str, at: &str, country: Option<&str>) -> Action {
        Action {
            platform: "crm".into(),
            actor_id: actor.into(),
            action: verb.into(),
            occurred_at: Micros::parse_iso(at),
            campaign: Some("k".into()),
            country: country.map(str::to_string),
            ..Default::default()
        }
    }

    fn visits(day: &str, country: Option<&str>, sessions: i64) -> Traffic {
        let d = Some(Day::from_naive(chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap()));
        Traffic {
            platform: "web".into(),
            date_start: d,
            date_end: d,
            source: Some("t.co".into()),
            channel: "twitter",
            country: country.map(str::to_string),
            sessions: Some(sessions),
            ..Default::default()
        }
    }

    fn table(actions: &[Action], traffic: &[Traffic]) -> DataFrame {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("lake");
        crate::testkit::write_records(&root, "t", &[], actions, traffic, &[]).unwrap();
        of_lake(&root)
    }

    /// `by_country` of campaign k (March 2024, UTC) over the lake at `root`.
    fn of_lake(root: &std::path::Path) -> DataFrame {
        let pipe = Pipeline::parse(
            std::path::Path::new("p.toml"),
            "[output]\ndir='o'\n[[campaigns]]\nid='k'\nstart=2024-03-01\nend=2024-03-31\n",
        )
        .unwrap();
        let lake = crate::metrics::Lake::open(root).unwrap().materialize().unwrap();
        let key = Pseudonymizer::load_or_create(&Pseudonymizer::key_path(root)).unwrap();
        let s = Scope::new(&lake, &pipe.campaigns[0], &pipe.ladder, None, &key).unwrap();
        let df = by_country(&[s]).unwrap().collect().unwrap();
        BY_COUNTRY.check_computed(&df).unwrap();
        df
    }

    fn ints(df: &DataFrame, c: &str) -> Vec<Option<i64>> {
        df.column(c).unwrap().i64().unwrap().iter().collect()
    }

    #[test]
    fn countries_hand_worked() {
        // Campaign k, March 2024 (UTC). Actions tagged k:
        // | actor | verb          | day   | country |
        // | a     | sign_petition | 03-02 | KE      |
        // | a     | attend_event  | 03-03 | KE      |  a twice in KE: 1 actor
        // | b     | attend_event  | 03-03 | KE      |
        // | c     | donate        | 03-04 | GB      |
        // | c     | volunteer     | 03-05 | GB      |  other
        // | d     | like          | 03-05 | null    |  other, unknown country
        // | e     | sign_petition | 04-02 | KE      |  after the window: left out
        // Traffic, daily: KE 03-02 10 + 03-03 5; US 03-03 7; null 03-03 4; KE 02-20 99 (before).
        let df = table(
            &[
                act("a", "sign_petition", "2024-03-02T10:00:00Z", Some("KE")),
                act("a", "attend_event", "2024-03-03T10:00:00Z", Some("KE")),
                act("b", "attend_event", "2024-03-03T11:00:00Z", Some("KE")),
                act("c", "donate", "2024-03-04T10:00:00Z", Some("GB")),
                act("c", "volunteer", "2024-03-05T10:00:00Z", Some("GB")),
                act("d", "like", "2024-03-05T10:00:00Z", None),
                act("e", "sign_petition", "2024-04-02T10:00:00Z", Some("KE")),
            ],
            &[
                visits("2024-03-02", Some("KE"), 10),
                visits("2024-03-03", Some("KE"), 5),
                visits("2024-03-03", Some("US"), 7),
                visits("2024-03-03", None, 4),
                visits("2024-02-20", Some("KE"), 99),
            ],
        );
        let countries: Vec<Option<&str>> = df.column("country").unwrap().str().unwrap().iter().collect();
        // Sorted by code, the unknown row last; US has visits only.
        assert_eq!(countries, [Some("GB"), Some("KE"), Some("US"), None]);
        assert_eq!(ints(&df, "sign_petition"), [Some(0), Some(1), Some(0), Some(0)]);
        assert_eq!(ints(&df, "attend_event"), [Some(0), Some(2), Some(0), Some(0)]);
        assert_eq!(ints(&df, "donate"), [Some(1), Some(0), Some(0), Some(0)]);
        assert_eq!(ints(&df, "other"), [Some(1), Some(0), Some(0), Some(1)]);
        // GB: c; KE: a, b; US: none; unknown: d.
        assert_eq!(ints(&df, "actors"), [Some(1), Some(2), Some(0), Some(1)]);
        // KE 10 + 5 = 15 (02-20 is before the window); GB no visits: 0; US 7; unknown 4.
        assert_eq!(ints(&df, "sessions"), [Some(0), Some(15), Some(7), Some(4)]);
    }

    /// Rewrites every actions and traffic part under `root` without its `country` column,
    /// as a lake written before the column existed.
    fn drop_country(root: &std::path::Path) {
        use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
        use parquet::arrow::ArrowWriter;
        let mut stack = vec![root.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let s = p.to_string_lossy();
                if !(s.ends_with(".parquet") && (s.contains("/actions/") || s.contains("/traffic/"))) {
                    continue;
                }
                let r = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&p).unwrap()).unwrap();
                // A part may be linked under two names: rewritten once.
                let Ok(at) = r.schema().index_of("country") else { continue };
                let batches: Vec<arrow::record_batch::RecordBatch> = r
                    .build()
                    .unwrap()
                    .map(|b| {
                        let mut b = b.unwrap();
                        b.remove_column(at);
                        b
                    })
                    .collect();
                let mut w =
                    ArrowWriter::try_new(std::fs::File::create(&p).unwrap(), batches[0].schema(), None).unwrap();
                for b in &batches {
                    w.write(b).unwrap();
                }
                w.close().unwrap();
            }
        }
    }

    #[test]
    fn a_lake_written_before_the_country_column_reads_it_as_null() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("lake");
        // Old input: KE action and visits, their column dropped afterwards; then a new input
        // with a GB action, written with the column (a lake that spans the change).
        crate::testkit::write_records(
            &root,
            "old",
            &[],
            &[act("a", "sign_petition", "2024-03-02T10:00:00Z", Some("KE"))],
            &[visits("2024-03-02", Some("KE"), 10)],
            &[],
        )
        .unwrap();
        drop_country(&root);
        let lake = crate::metrics::Lake::open(&root).unwrap().materialize().unwrap();
        let t = lake.traffic.clone().collect().unwrap();
        assert_eq!(t.column("country").unwrap().null_count(), 1);
        crate::testkit::write_records(
            &root,
            "new",
            &[],
            &[act("b", "donate", "2024-03-03T10:00:00Z", Some("GB"))],
            &[visits("2024-03-03", Some("GB"), 3)],
            &[],
        )
        .unwrap();
        let df = of_lake(&root);
        // The old action and visits have no country now: the unknown row (1 signature, 10
        // sessions); the new ones keep GB (1 donation, 3 sessions).
        let countries: Vec<Option<&str>> = df.column("country").unwrap().str().unwrap().iter().collect();
        assert_eq!(countries, [Some("GB"), None]);
        assert_eq!(ints(&df, "sign_petition"), [Some(0), Some(1)]);
        assert_eq!(ints(&df, "donate"), [Some(1), Some(0)]);
        assert_eq!(ints(&df, "sessions"), [Some(3), Some(10)]);
    }

    #[test]
    fn traffic_without_countries_gives_null_sessions() {
        // The only traffic row has no country: sessions is null on every row, not 0 for KE.
        let df =
            table(&[act("a", "sign_petition", "2024-03-02T10:00:00Z", Some("KE"))], &[visits("2024-03-02", None, 10)]);
        let countries: Vec<Option<&str>> = df.column("country").unwrap().str().unwrap().iter().collect();
        assert_eq!(countries, [Some("KE"), None]);
        assert_eq!(ints(&df, "sessions"), [None, None]);
        assert_eq!(ints(&df, "sign_petition"), [Some(1), Some(0)]);
        let empty = by_country(&[]).unwrap().collect().unwrap();
        assert_eq!(empty.height(), 0);
        BY_COUNTRY.check_computed(&empty).unwrap();
    }
}
