//! The metric tables of docs/metrics.md, once: each module that computes a table declares
//! it as a [`Table`] (name, key, columns, how it is computed) beside its code, and
//! [`TABLES`] lists them in the order `analyze` writes them.
//!
//! Everything that names the tables reads this list: `analyze` computes and writes them and
//! fails when a computed frame's columns differ from the entry's; `run` checks they all
//! exist before reusing them; render loads them and fails when a file lacks a column; the
//! report names its tables and columns through the entries (a unit test holds them to
//! the entries' columns).
//!
//! Adding a table: its module declares `pub const NAME: Table` next to the function that
//! computes it, and one line here adds it to [`TABLES`].

use anyhow::{bail, Result};
use polars::prelude::*;
use serde_json::Value;

use super::{benchmarks, comparison, countries, engagement, goals, growth, hashtags, kpis, ladder, languages, press, reach, records, referral_daily, signups, uplift, Scope};
use crate::pipeline::Pipeline;

/// The version of the metric definitions, written to `metrics.json` as `metrics_version`
/// (docs/metrics.md#metrics-version). Bump it when a column of a table is removed or
/// renamed, or when what a column or headline figure means changes (its formula, unit,
/// window or null rule): two metrics folders of different versions are not comparable, and
/// `rallylens compare` refuses them. A new table, or a new column appended to a table,
/// does not bump it: a folder written before simply lacks it. Version 1 is every
/// `metrics.json` written before the field existed.
pub const METRICS_VERSION: u32 = 2;

/// One output table: `OUT/metrics/<name>.parquet`.
pub struct Table {
    /// The file name without `.parquet`; the name docs/metrics.md, `run` and the report use.
    pub name: &'static str,
    /// The columns that identify a row, in the order the module sorts by them
    /// (`campaign_kpis` keeps the pipeline's campaign order).
    pub key: &'static [&'static str],
    /// Every column, in file order.
    pub columns: &'static [&'static str],
    pub compute: Compute,
}

/// How a table is computed.
pub enum Compute {
    /// From the campaigns' scopes (most tables).
    Scopes(fn(&[Scope]) -> PolarsResult<LazyFrame>),
    /// Part of a group of tables computed together: the group, and this table's position
    /// in the group's result.
    Group(&'static Group, usize),
    /// From the tables before it in [`TABLES`] and the pipeline (`campaign_kpis`); also
    /// gives `metrics.json`.
    Derived(fn(&Done<'_>) -> Result<(DataFrame, Value)>),
}

/// Tables that share a costly intermediate (the ladder's per-actor levels): `analyze`
/// computes the group once, before the tables, and hands each member its frame.
pub struct Group {
    /// Said in timing output.
    pub name: &'static str,
    /// The members' frames, by position.
    pub compute: fn(&[Scope]) -> PolarsResult<Vec<LazyFrame>>,
}

/// What a [`Compute::Derived`] table sees.
pub struct Done<'a> {
    pub pipeline: &'a Pipeline,
    pub scopes: &'a [Scope<'a>],
    /// The tables computed so far, in [`TABLES`] order.
    pub tables: &'a [(&'static str, DataFrame)],
    /// docs/metrics.md#sites: the pipeline's site has no traffic row (analyze's words).
    pub site_warning: Option<&'a str>,
    /// The lake's posts as a scan with every column, texts and permalinks too (the scopes
    /// leave them out): for the few posts `recap_posts` quotes.
    pub post_texts: LazyFrame,
}

impl Done<'_> {
    /// A table computed before this one.
    pub fn table(&self, t: &Table) -> Result<&DataFrame> {
        match self.tables.iter().find(|(n, _)| *n == t.name) {
            Some((_, df)) => Ok(df),
            None => {
                bail!("metric table {} is needed before it is computed (order of metrics::registry::TABLES)", t.name)
            }
        }
    }
}

/// Every table, in the order `analyze` computes and writes them. Derived tables come after
/// the tables they read.
pub static TABLES: &[&Table] = &[
    &engagement::ENGAGEMENT_BY_CONTENT_TYPE,
    &reach::REACH_DAILY,
    &reach::REACH_WINDOW,
    &uplift::REFERRAL_UPLIFT,
    &referral_daily::REFERRAL_DAILY,
    &ladder::LADDER_TRANSITIONS,
    &ladder::LADDER_SUMMARY,
    &hashtags::HASHTAG_DAILY,
    &hashtags::TARGET_RESPONSE,
    &signups::SIGNUPS,
    &comparison::CAMPAIGN_COMPARISON,
    &languages::BY_LANGUAGE,
    &countries::BY_COUNTRY,
    &super::key_accounts::KEY_ACCOUNTS,
    &super::top_voices::TOP_VOICES,
    &growth::GROWTH,
    &benchmarks::BENCHMARKS,
    &records::RECORDS,
    &goals::GOALS,
    &press::MILESTONES,
    &press::PRESS_DAILY,
    &press::MEDIA_PICKUP,
    &super::recap::RECAP_POSTS,
    &kpis::CAMPAIGN_KPIS,
];

/// The table called `name`.
pub fn by_name(name: &str) -> Option<&'static Table> {
    TABLES.iter().copied().find(|t| t.name == name)
}

/// The tables' names, in [`TABLES`] order.
pub fn names() -> impl Iterator<Item = &'static str> {
    TABLES.iter().map(|t| t.name)
}

impl Table {
    /// A computed frame has exactly this table's columns, in order.
    pub fn check_computed(&self, df: &DataFrame) -> Result<()> {
        let got: Vec<&str> = df.get_column_names().into_iter().map(|c| c.as_str()).collect();
        if got != self.columns {
            bail!(
                "metric table {}: computed with the columns {:?}, but metrics::registry declares {:?}",
                self.name,
                got,
                self.columns
            );
        }
        Ok(())
    }

    /// A table read from `path` has every column of this table.
    pub fn check_loaded(&self, df: &DataFrame, path: &std::path::Path) -> Result<()> {
        if let Some(c) = self.columns.iter().find(|c| df.column(c).is_err()) {
            bail!("{}: metric table {} has no column '{c}': re-run analyze", path.display(), self.name);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_keys_are_columns() {
        let mut seen = std::collections::BTreeSet::new();
        for t in TABLES {
            assert!(seen.insert(t.name), "{} twice", t.name);
            assert_eq!(by_name(t.name).map(|x| x.name), Some(t.name));
            assert!(names().any(|n| n == t.name));
            let mut cols = std::collections::BTreeSet::new();
            assert!(t.columns.iter().all(|c| cols.insert(*c)), "{}: a column twice", t.name);
            for k in t.key {
                assert!(t.columns.contains(k), "{}: key {k} is not a column", t.name);
            }
        }
        assert!(by_name("no_such_table").is_none());
    }

    /// README's table of metric tables lists every table of [`TABLES`], in order, with its
    /// columns in file order (the key cell may explain the key in words; the columns cell
    /// is exact), so a new table or column cannot be left out of the README.
    #[test]
    fn readme_lists_every_table_with_its_columns() {
        let readme = include_str!("../../README.md");
        let rows: Vec<(String, String, String)> = readme
            .lines()
            .skip_while(|l| !l.starts_with("| table | key | columns |"))
            .skip(2)
            .take_while(|l| l.starts_with("| "))
            .map(|l| {
                let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
                assert_eq!(cells.len(), 3, "README row {l:?}: three cells expected");
                let name = cells[0].split_whitespace().next().unwrap_or_default().to_string();
                (name, cells[1].to_string(), cells[2].to_string())
            })
            .collect();
        let listed: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(listed, names().collect::<Vec<_>>(), "README's tables, in TABLES order");
        for (t, (_, key, cols)) in TABLES.iter().zip(&rows) {
            for k in t.key {
                assert!(key.contains(k), "README, {}: key column {k} not named", t.name);
            }
            let rest: Vec<&str> = t.columns.iter().copied().filter(|c| !t.key.contains(c)).collect();
            assert_eq!(cols, &rest.join(", "), "README, {}: the columns cell", t.name);
        }
    }

    /// With no campaign, every table computed from scopes is empty with the declared
    /// columns (the paths that build an empty frame from a schema of their own).
    /// `campaign_comparison` is left out: it has no columns without a campaign, and a
    /// pipeline always has one.
    #[test]
    fn empty_frames_have_the_declared_columns() {
        let mut groups = std::collections::BTreeMap::new();
        for t in TABLES {
            let lf = match &t.compute {
                Compute::Scopes(_) if t.name == comparison::CAMPAIGN_COMPARISON.name => continue,
                Compute::Scopes(f) => f(&[]).unwrap(),
                Compute::Group(g, i) => groups.entry(g.name).or_insert_with(|| (g.compute)(&[]).unwrap())[*i].clone(),
                Compute::Derived(_) => continue,
            };
            let df = lf.collect().unwrap();
            assert_eq!(df.height(), 0, "{}", t.name);
            t.check_computed(&df).unwrap();
        }
    }

    #[test]
    fn a_missing_or_extra_column_is_named() {
        let t = &signups::SIGNUPS;
        let df = df!("campaign" => ["k"], "day" => [1i32]).unwrap();
        let e = t.check_loaded(&df, std::path::Path::new("o/metrics/signups.parquet")).unwrap_err().to_string();
        assert_eq!(
            e,
            "o/metrics/signups.parquet: metric table signups has no column 'day_since_launch': re-run analyze"
        );
        let e = t.check_computed(&df).unwrap_err().to_string();
        assert!(e.starts_with("metric table signups: computed with the columns [\"campaign\", \"day\"]"), "{e}");
    }
}
