//! `rallylens lake DIR`: what is in a lake, read from the manifest and the Parquet footers
//! (row counts and min/max statistics), without scanning the data.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::path::Path;

use anyhow::{Context, Result};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::statistics::Statistics;
use serde::Serialize;

use super::manifest::Manifest;
use crate::model::{Day, Micros, TABLES};
use crate::support::thousands;

#[derive(Debug, Serialize, PartialEq)]
pub struct PartitionSummary {
    pub table: String,
    pub platform: String,
    pub rows: u64,
    pub files: usize,
    /// First and last day of the table's time column (UTC), from column statistics.
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Summary {
    pub lake: String,
    pub files_ingested: usize,
    pub rows_read: u64,
    pub rows_rejected: u64,
    /// Rows per table that repeat another row's key (the same post in two inputs) and are
    /// counted once: what the parts hold minus what the tables show.
    pub duplicates: BTreeMap<String, u64>,
    pub partitions: Vec<PartitionSummary>,
    pub files: Vec<FileSummary>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct FileSummary {
    pub path: String,
    pub format: String,
    pub rows_read: u64,
    pub rejected: u64,
    pub tables: BTreeMap<String, u64>,
    pub ingested_at: String,
}

/// The columns whose minimum and maximum give a table's range in the summary: traffic rows
/// that cover a range start at `date_start` and end at `date_end`.
fn time_columns(table: &str) -> (&'static str, &'static str) {
    match table {
        "posts" => ("created_at", "created_at"),
        "actions" => ("occurred_at", "occurred_at"),
        "traffic" => ("date_start", "date_end"),
        _ => ("date", "date"),
    }
}

pub fn summarize(root: &Path, manifest: &Manifest) -> Result<Summary> {
    let mut parts: BTreeMap<(usize, String), PartitionSummary> = BTreeMap::new();
    for f in &manifest.files {
        for p in &f.parts {
            if p.visible_rows == 0 {
                continue;
            }
            let t = TABLES.iter().position(|t| *t == p.table).unwrap_or(usize::MAX);
            let e = parts.entry((t, p.platform.clone())).or_insert_with(|| PartitionSummary {
                table: p.table.clone(),
                platform: p.platform.clone(),
                rows: 0,
                files: 0,
                from: None,
                to: None,
            });
            let path = root.join(p.visible_rel(&f.id));
            let (rows, range) = footer(&path, time_columns(&p.table))?;
            e.rows += rows;
            e.files += 1;
            if let Some((lo, hi)) = range {
                if e.from.as_ref().is_none_or(|x| lo < *x) {
                    e.from = Some(lo);
                }
                if e.to.as_ref().is_none_or(|x| hi > *x) {
                    e.to = Some(hi);
                }
            }
        }
    }
    let files = manifest
        .files
        .iter()
        .map(|f| FileSummary {
            path: f.path.clone(),
            format: f.format.clone(),
            rows_read: f.rows_read,
            rejected: f.rejected,
            tables: f.tables.clone(),
            ingested_at: f.ingested_at.clone(),
        })
        .collect();
    Ok(Summary {
        lake: root.display().to_string(),
        files_ingested: manifest.files.len(),
        rows_read: manifest.files.iter().map(|f| f.rows_read).sum(),
        rows_rejected: manifest.total_rejected(),
        duplicates: manifest.duplicates(),
        partitions: parts.into_values().collect(),
        files,
    })
}

/// Rows of a part and the (min of `lo`, max of `hi`) day, from its footer's statistics.
fn footer(path: &Path, (lo_col, hi_col): (&str, &str)) -> Result<(u64, Option<(String, String)>)> {
    let file = File::open(path).with_context(|| format!("{}: listed in the manifest but missing", path.display()))?;
    let reader =
        SerializedFileReader::new(file).with_context(|| format!("{}: not a readable Parquet file", path.display()))?;
    let meta = reader.metadata();
    let rows = meta.file_metadata().num_rows() as u64;
    let schema = meta.file_metadata().schema_descr();
    let find = |name: &str| (0..schema.num_columns()).find(|i| schema.column(*i).name() == name);
    let (Some(li), Some(hi_i)) = (find(lo_col), find(hi_col)) else {
        return Ok((rows, None));
    };
    let stat = |s: Option<&Statistics>, max: bool| -> Option<i64> {
        match s? {
            Statistics::Int64(s) => {
                if max {
                    s.max_opt().copied()
                } else {
                    s.min_opt().copied()
                }
            }
            Statistics::Int32(s) => {
                if max {
                    s.max_opt().map(|v| *v as i64)
                } else {
                    s.min_opt().map(|v| *v as i64)
                }
            }
            _ => None,
        }
    };
    let (mut lo, mut hi): (Option<i64>, Option<i64>) = (None, None);
    for rg in meta.row_groups() {
        if let Some(a) = stat(rg.column(li).statistics(), false) {
            lo = Some(lo.map_or(a, |l| l.min(a)));
        }
        if let Some(b) = stat(rg.column(hi_i).statistics(), true) {
            hi = Some(hi.map_or(b, |h| h.max(b)));
        }
    }
    let is_date = matches!(lo_col, "date" | "date_start");
    let show = |v: i64| -> String {
        if is_date {
            Day(v as i32).to_naive().to_string()
        } else {
            Micros(v).to_datetime().date_naive().to_string()
        }
    };
    Ok((rows, lo.zip(hi).map(|(a, b)| (show(a), show(b)))))
}

impl Summary {
    pub fn to_text(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "lake {}: {} files ingested, {} rows read, {} rejected",
            self.lake,
            self.files_ingested,
            thousands(self.rows_read),
            thousands(self.rows_rejected)
        );
        let dups = crate::say::per_table(&self.duplicates);
        if !dups.is_empty() {
            let _ = writeln!(o, "duplicates counted once: {dups}");
        }
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{:<9} {:<16} {:>12} {:>6}  {:<10}  {:<10}",
            "table", "platform", "rows", "files", "from", "to"
        );
        for p in &self.partitions {
            let _ = writeln!(
                o,
                "{:<9} {:<16} {:>12} {:>6}  {:<10}  {:<10}",
                p.table,
                p.platform,
                thousands(p.rows),
                p.files,
                p.from.as_deref().unwrap_or("-"),
                p.to.as_deref().unwrap_or("-")
            );
        }
        let _ = writeln!(o);
        let _ = writeln!(o, "{:<26} {:>10} {:>9}  file", "format", "rows read", "rejected");
        for f in &self.files {
            let _ =
                writeln!(o, "{:<26} {:>10} {:>9}  {}", f.format, thousands(f.rows_read), thousands(f.rejected), f.path);
        }
        o
    }
}
