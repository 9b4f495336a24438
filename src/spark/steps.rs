//! Relational steps defined for both engines: a polars query over [`Lake`] (local) and
//! the same query as Spark SQL over the lake's Parquet part files (remote). Each step has
//! a row type both results are read into, so a test can require the two to be equal.
//!
//! So far one step: [`ACTIONS_DAILY`], the lake's action volume per (platform, action,
//! UTC day): `actions` (rows) and `unique_actors` (distinct non-null `actor_id`
//! pseudonyms). It is the relational core the per-day tables (`reach_daily`, `signups`,
//! the ladder's history) reduce the actions table with; it is not yet one of analyze's
//! tables: those first need the campaign scope (membership by tag or by answering a
//! campaign post, own/target exclusion, the campaign's time zone) in SQL (docs/spark.md).
//!
//! Readings taken:
//! - The day is the UTC calendar day of `occurred_at` (the lake's instant), null for a
//!   null time; in Spark as `date_from_unix_date(floor(unix_micros(t) / 86400e6))`, so the
//!   session time zone plays no part.
//! - Null platform/action/day are groups of their own (as polars and Spark both group).
//! - The remote query names exactly the part files the manifest lists (as
//!   [`Lake::open`] scans them), not a folder glob: a file the manifest does not list, or
//!   the rows past a part's visible count, are never read.

use anyhow::{bail, ensure, Context, Result};
use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType as ArrowType, Date32Type, Int64Type};
use polars::prelude::*;

use crate::metrics::Lake;

/// One row of [`ACTIONS_DAILY`]: platform, action, day (days since 1970-01-01), actions,
/// unique actors.
pub type ActionsDailyRow = (Option<String>, Option<String>, Option<i32>, i64, i64);

/// The step's name and columns (both engines' results have exactly these, in this order).
pub const ACTIONS_DAILY: (&str, [&str; 5]) =
    ("actions_daily", ["platform", "action", "day", "actions", "unique_actors"]);

/// Local engine: the step as a polars query, sorted by (platform, action, day), nulls first.
pub fn actions_daily_local(lake: &Lake) -> LazyFrame {
    lake.actions
        .clone()
        .group_by([col("platform"), col("action"), col("occurred_at").dt().date().alias("day")])
        .agg([
            len().cast(DataType::Int64).alias("actions"),
            col("actor_id").drop_nulls().n_unique().cast(DataType::Int64).alias("unique_actors"),
        ])
        .sort(["platform", "action", "day"], SortMultipleOptions::default())
}

/// Remote engine: the step as Spark SQL over `files`, URLs the cluster can read
/// (`file:///…`, `s3a://…`), sorted like [`actions_daily_local`] (Spark sorts nulls first
/// in ascending order).
pub fn actions_daily_sql(files: &[String]) -> Result<String> {
    let source = union_of(files, &["platform", "action", "occurred_at", "actor_id"])?;
    Ok(format!(
        "SELECT platform, action, day, count(*) AS actions, count(DISTINCT actor_id) AS unique_actors \
         FROM (SELECT platform, action, \
         date_from_unix_date(CAST(floor(unix_micros(occurred_at) / 86400000000) AS INT)) AS day, actor_id \
         FROM ({source}) AS a) AS d \
         GROUP BY platform, action, day ORDER BY platform, action, day"
    ))
}

/// `SELECT cols FROM parquet.`f1` UNION ALL …`; an empty table when `files` is empty is
/// not expressible without a schema, so it is an error the caller handles.
fn union_of(files: &[String], cols: &[&str]) -> Result<String> {
    ensure!(!files.is_empty(), "the lake's actions table has no part files");
    let cols = cols.join(", ");
    let mut parts = Vec::new();
    for f in files {
        if f.contains('`') {
            bail!("a lake file URL contains a backtick, which Spark SQL cannot quote: {f:?}");
        }
        parts.push(format!("SELECT {cols} FROM parquet.`{f}`"));
    }
    Ok(parts.join(" UNION ALL "))
}

/// The lake's visible action part files as `file://` URLs (for a server on this machine).
pub fn local_file_urls(lake: &Lake) -> Vec<String> {
    lake.action_files.iter().map(|p| format!("file://{}", p.display())).collect()
}

/// The local result as rows.
pub fn actions_daily_rows_local(df: &DataFrame) -> Result<Vec<ActionsDailyRow>> {
    let [p, a, d, n, u] = ACTIONS_DAILY.1.map(|c| df.column(c));
    let (p, a) = (p?.str()?, a?.str()?);
    let d = d?.cast(&DataType::Int32)?;
    let d = d.i32()?;
    let (n, u) = (n?.i64()?, u?.i64()?);
    (0..df.height())
        .map(|i| {
            Ok((
                p.get(i).map(String::from),
                a.get(i).map(String::from),
                d.get(i),
                n.get(i).context("actions is never null")?,
                u.get(i).context("unique_actors is never null")?,
            ))
        })
        .collect()
}

/// The remote result (Arrow batches from Spark Connect) as rows; checks the columns.
pub fn actions_daily_rows_arrow(batches: &[RecordBatch]) -> Result<Vec<ActionsDailyRow>> {
    let mut rows = Vec::new();
    for b in batches {
        let names: Vec<&str> = b.schema_ref().fields().iter().map(|f| f.name().as_str()).collect();
        ensure!(names == ACTIONS_DAILY.1, "Spark returned columns {names:?}, expected {:?}", ACTIONS_DAILY.1);
        let text = |i: usize| -> Result<arrow::array::StringArray> {
            let c = arrow::compute::cast(b.column(i), &ArrowType::Utf8)
                .with_context(|| format!("column {} is not text", names[i]))?;
            Ok(c.as_string::<i32>().clone())
        };
        let (p, a) = (text(0)?, text(1)?);
        let d = b.column(2).as_primitive_opt::<Date32Type>().context("column day is not a DATE")?;
        let int = |i: usize| -> Result<arrow::array::Int64Array> {
            let c = arrow::compute::cast(b.column(i), &ArrowType::Int64)
                .with_context(|| format!("column {} is not an integer", names[i]))?;
            Ok(c.as_primitive::<Int64Type>().clone())
        };
        let (n, u) = (int(3)?, int(4)?);
        for i in 0..b.num_rows() {
            let s = |x: &arrow::array::StringArray| x.is_valid(i).then(|| x.value(i).to_string());
            ensure!(n.is_valid(i) && u.is_valid(i), "Spark returned a null count");
            rows.push((s(&p), s(&a), d.is_valid(i).then(|| d.value(i)), n.value(i), u.value(i)));
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sql_names_each_part_file_and_refuses_backticks() {
        let q = actions_daily_sql(&["file:///l/a.parquet".into(), "s3a://b/c.parquet".into()]).unwrap();
        assert!(q.contains("FROM parquet.`file:///l/a.parquet` UNION ALL SELECT"), "{q}");
        assert!(q.contains("FROM parquet.`s3a://b/c.parquet`) AS a"), "{q}");
        assert!(actions_daily_sql(&["file:///x`y".into()]).is_err());
        assert!(actions_daily_sql(&[]).is_err());
    }
}
