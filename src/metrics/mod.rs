//! Analyze: every metric of docs/metrics.md as polars lazy queries over the lake.
//!
//! [`Lake`] scans the visible part files the manifest lists; the actions, the one table
//! that grows to tens of millions of rows, are read once into codes
//! ([`actions::ActionTable`]); [`Scope`] adds, for one campaign, the columns every metric
//! needs (its days, own posts, campaign membership, its actions with their ladder rungs);
//! each metric module is `Scope in, LazyFrame out`, one per output table of docs/metrics.md.
//! Output tables are sorted by their key so that the same inputs give the same bytes.

pub mod actions;
pub mod analyze;
pub mod benchmarks;
pub mod comparison;
pub mod countries;
pub mod engagement;
pub mod growth;
pub mod goals;
pub mod hashtags;
pub mod key_accounts;
pub mod kpis;
pub mod ladder;
pub mod languages;
pub mod press;
pub mod reach;
pub mod recap;
pub mod records;
pub mod referral_daily;
pub mod registry;
pub mod scope;
pub mod signups;
pub mod stats;
pub mod top_voices;
pub mod uplift;

use std::path::Path;

use anyhow::{Context, Result};
use polars::prelude::*;

pub use scope::Scope;

/// The lake's four tables as lazy scans.
#[derive(Clone)]
pub struct Lake {
    pub posts: LazyFrame,
    pub actions: LazyFrame,
    pub traffic: LazyFrame,
    pub accounts: LazyFrame,
    /// The actions table's visible part files, sorted (read into codes by
    /// [`actions::ActionTable`] rather than through `actions`).
    pub action_files: Vec<std::path::PathBuf>,
    /// What the campaigns' scopes share (posts with helper columns, the action table).
    pub(crate) cache: scope::SharedLakeCache,
}

impl Lake {
    /// Scans the lake at `dir`: exactly the visible part files its manifest lists.
    pub fn open(dir: &Path) -> Result<Lake> {
        let manifest = crate::lake::open_for_read(dir, true)?;
        let files_of = |table: &str| -> Vec<String> {
            let mut files: Vec<String> = Vec::new();
            for f in &manifest.files {
                for p in f.parts.iter().filter(|p| p.table == table && p.visible_rows > 0) {
                    files.push(dir.join(p.visible_rel(&f.id)).to_string_lossy().into_owned());
                }
            }
            files.sort();
            files
        };
        let scan = |table: &str| -> Result<LazyFrame> {
            let files = files_of(table);
            if files.is_empty() {
                return Ok(empty_table(table));
            }
            // The lake's own schema, so that a column a part lacks (written before the column
            // existed, such as `country`) reads as null whatever the order of the parts.
            let args = ScanArgsParquet {
                allow_missing_columns: true,
                schema: Some(std::sync::Arc::new(table_schema(table))),
                ..Default::default()
            };
            anyhow::Context::with_context(
                LazyFrame::scan_parquet_files(files.iter().map(|f| PlRefPath::new(f.as_str())).collect(), args),
                || format!("scanning the {table} table of {}", dir.display()),
            )
        };
        Ok(Lake {
            posts: scan("posts")?,
            actions: scan("actions")?,
            traffic: scan("traffic")?,
            accounts: scan("accounts")?,
            action_files: files_of("actions").into_iter().map(Into::into).collect(),
            cache: Default::default(),
        })
    }
}

impl Lake {
    /// Reads the columns the metrics use into memory, once: every metric then starts from
    /// memory instead of decoding the Parquet files again. Text, permalinks and provenance
    /// columns are left out (languages are kept: `by_language` reads them).
    pub fn materialize(self) -> Result<Lake> {
        let keep = |lf: LazyFrame, table: &str, drop: &[&str]| -> Result<LazyFrame> {
            let cols: Vec<Expr> = table_schema(table)
                .iter_names()
                .filter(|n| !drop.contains(&n.as_str()))
                .map(|n| col(n.clone()))
                .collect();
            let mut df = lf.select(cols).collect().map_err(|e| anyhow::anyhow!("reading the {table} table: {e}"))?;
            // One chunk per column (a scan gives one per row group): later expressions
            // over several columns would each align the chunks again, per campaign.
            df.rechunk_mut_par();
            Ok(df.lazy())
        };
        Ok(Lake {
            posts: keep(self.posts, "posts", &["text", "permalink", "source_file", "ingested_at"])?,
            // The actions are read into codes by the scopes (actions::ActionTable).
            actions: self.actions,
            traffic: keep(self.traffic, "traffic", &["source_file", "ingested_at"])?,
            accounts: keep(self.accounts, "accounts", &[])?,
            action_files: self.action_files,
            cache: Default::default(),
        })
    }
}

/// The polars schema of a lake table (model.rs), for tables with no rows yet.
pub fn table_schema(table: &str) -> Schema {
    let arrow = crate::model::schema_of(table).expect("known table");
    arrow
        .fields()
        .iter()
        .map(|f| {
            use arrow::datatypes::DataType as A;
            let dt = match f.data_type() {
                A::Utf8 => DataType::String,
                A::Int64 => DataType::Int64,
                A::Boolean => DataType::Boolean,
                A::Date32 => DataType::Date,
                A::Timestamp(_, _) => DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)),
                A::List(_) => DataType::List(Box::new(DataType::String)),
                other => unreachable!("lake column of type {other}"),
            };
            Field::new(f.name().as_str().into(), dt)
        })
        .collect()
}

fn empty_table(table: &str) -> LazyFrame {
    DataFrame::empty_with_schema(&table_schema(table)).lazy()
}

/// Writes a metric table to `path` (Parquet, zstd), atomically.
pub fn write_table(df: &mut DataFrame, path: &Path) -> Result<()> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    crate::support::write_atomic_with(path, |w| {
        ParquetWriter::new(w).with_compression(ParquetCompression::Zstd(None)).finish(df).map(drop).map_err(std::io::Error::other)
    })
    .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
