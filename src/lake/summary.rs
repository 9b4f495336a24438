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

/// The time column whose range the summary shows, per table.
fn time_column(table: &str) -> &'static str {
    match table {
        "posts" => "created_at",
        "actions" => "occurred_at",
        "traffic" => "date_start",
        _ => "date",
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
            let (rows, range) = footer(&path, time_column(&p.table))?;
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
        partitions: parts.into_values().collect(),
        files,
    })
}

/// Rows of a part and the (min, max) day of a time column, from its footer.
fn footer(path: &Path, column: &str) -> Result<(u64, Option<(String, String)>)> {
    let file = File::open(path).with_context(|| format!("{}: listed in the manifest but missing", path.display()))?;
    let reader = SerializedFileReader::new(file).with_context(|| format!("{}: not a readable Parquet file", path.display()))?;
    let meta = reader.metadata();
    let rows = meta.file_metadata().num_rows() as u64;
    let schema = meta.file_metadata().schema_descr();
    let Some(ci) = (0..schema.num_columns()).find(|i| schema.column(*i).name() == column) else {
        return Ok((rows, None));
    };
    let (mut lo, mut hi): (Option<i64>, Option<i64>) = (None, None);
    for rg in meta.row_groups() {
        let (a, b) = match rg.column(ci).statistics() {
            Some(Statistics::Int64(s)) => (s.min_opt().copied(), s.max_opt().copied()),
            Some(Statistics::Int32(s)) => (s.min_opt().map(|v| *v as i64), s.max_opt().map(|v| *v as i64)),
            _ => (None, None),
        };
        if let Some(a) = a {
            lo = Some(lo.map_or(a, |l| l.min(a)));
        }
        if let Some(b) = b {
            hi = Some(hi.map_or(b, |h| h.max(b)));
        }
    }
    let show = |v: i64| -> String {
        if column == "date" || column == "date_start" {
            Day(v as i32).to_naive().to_string()
        } else {
            Micros(v).to_datetime().date_naive().to_string()
        }
    };
    Ok((rows, lo.zip(hi).map(|(a, b)| (show(a), show(b)))))
}

/// Thousands separators for counts a person reads.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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
        let _ = writeln!(o);
        let _ = writeln!(o, "{:<9} {:<16} {:>12} {:>6}  {:<10}  {:<10}", "table", "platform", "rows", "files", "from", "to");
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
            let _ = writeln!(o, "{:<26} {:>10} {:>9}  {}", f.format, thousands(f.rows_read), thousands(f.rejected), f.path);
        }
        o
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(1234), "1,234");
        assert_eq!(super::thousands(1234567), "1,234,567");
    }
}
