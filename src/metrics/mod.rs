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
pub mod distinct;
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
    /// The posts table's visible part files, sorted (what a remote engine is told to read,
    /// crate::spark).
    pub post_files: Vec<std::path::PathBuf>,
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
            scan_files(table, &files_of(table)).with_context(|| format!("scanning the {table} table of {}", dir.display()))
        };
        Ok(Lake {
            posts: scan("posts")?,
            actions: scan("actions")?,
            traffic: scan("traffic")?,
            accounts: scan("accounts")?,
            action_files: files_of("actions").into_iter().map(Into::into).collect(),
            post_files: files_of("posts").into_iter().map(Into::into).collect(),
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
            let clock = crate::timing::Clock::new("");
            let cols: Vec<Expr> = table_schema(table)
                .iter_names()
                .filter(|n| !drop.contains(&n.as_str()))
                .map(|n| col(n.clone()))
                .collect();
            let mut df = lf.select(cols).collect().map_err(|e| anyhow::anyhow!("reading the {table} table: {e}"))?;
            clock.mark(&format!("{table} read ({} chunks)", df.first_col_n_chunks()));
            // One chunk per column (a scan gives one per row group): later expressions
            // over several columns would each align the chunks again, per campaign. (The
            // copy costs the table's size again at the peak, +1 GB at 100 M actions; left in
            // chunks, the posts cost more than that in the scopes: measured, docs/scale.md.)
            if table == "posts" {
                df = compact_strings(df)?;
            } else {
                df.rechunk_mut_par();
            }
            if crate::timing::enabled() {
                // Where a table's memory goes (column names and sizes only, never values).
                let mut cols: Vec<(usize, String)> =
                    df.columns().iter().map(|c| (c.as_materialized_series().estimated_size(), c.name().to_string())).collect();
                cols.sort_by(|a, b| b.cmp(a));
                let top: Vec<String> = cols.iter().take(8).map(|(b, n)| format!("{n} {} MB", b >> 20)).collect();
                eprintln!(
                    "timing: {table}: {} rows, {} MB ({})",
                    df.height(),
                    df.estimated_size() >> 20,
                    top.join(", ")
                );
            }
            Ok(df.lazy())
        };
        Ok(Lake {
            // Nor does any metric read clicks, link clicks or video views.
            posts: keep(
                self.posts,
                "posts",
                &["text", "permalink", "source_file", "ingested_at", "clicks", "link_clicks", "video_views"],
            )?,
            // The actions are read into codes by the scopes (actions::ActionTable).
            actions: self.actions,
            traffic: keep(self.traffic, "traffic", &["source_file", "ingested_at"])?,
            accounts: keep(self.accounts, "accounts", &[])?,
            action_files: self.action_files,
            post_files: self.post_files,
            cache: Default::default(),
        })
    }
}

impl Lake {
    /// [`Lake::materialize`], keeping of the posts only the rows a metric of `campaigns`
    /// reads, so that memory follows the campaigns and not the lake (docs/scale.md):
    /// - posts created in a campaign's window, a day either side (each metric then takes
    ///   the window's days in the campaign's time zone, `in_window`);
    /// - own posts (`origin` owned, or by an own account: records, benchmarks, baselines);
    /// - posts by a target or a key account, by handle or by an id the lake knows for it
    ///   (responses, mentions by id, who takes part; any time);
    /// - press clippings (few; `press_daily`, `media_pickup`).
    ///
    /// Reading kept: rows of one post share its `created_at`, so a mark (hashtag, mention,
    /// link) carried by one row of a post still reaches its other rows (docs/metrics.md#vocabulary);
    /// a duplicate row that alone carries a mark and lies outside every window is not read.
    pub fn materialize_for(self, campaigns: &[crate::schema::Campaign]) -> Result<Lake> {
        let clock = crate::timing::Clock::new("  ");
        let keep = relevant_posts(&self, campaigns)?;
        clock.mark("accounts of the names");
        let posts = self.posts.clone().filter(keep);
        let Lake { actions, traffic, accounts, action_files, post_files, cache, .. } = self;
        Lake { posts, actions, traffic, accounts, action_files, post_files, cache }.materialize()
    }
}

/// `df` with buffers of its own for its text (list elements too). Rows a filter dropped
/// still hold their text: polars filters a string column's 16-byte views and keeps the
/// buffers they point into, so the posts [`Lake::materialize_for`] keeps would otherwise
/// hold the text of every post read (measured: 1.7 GB resident for 0.65 GB of posts at
/// 100 M actions, docs/scale.md).
/// Rechunked too; column by column (two at a time), each column's old buffers freed as soon
/// as it is copied, so that the copy adds one column's size at the peak, not the table's.
fn compact_strings(mut df: DataFrame) -> PolarsResult<DataFrame> {
    use rayon::prelude::*;
    use polars_arrow::array::{Array, ListArray, Utf8ViewArray};
    fn compact(a: &dyn Array) -> Box<dyn Array> {
        if let Some(s) = a.as_any().downcast_ref::<Utf8ViewArray>() {
            return s.clone().gc().boxed();
        }
        if let Some(l) = a.as_any().downcast_ref::<ListArray<i64>>() {
            let values = compact(l.values().as_ref());
            return ListArray::<i64>::new(l.dtype().clone(), l.offsets().clone(), values, l.validity().cloned()).boxed();
        }
        a.to_boxed()
    }
    let height = df.height();
    let names: Vec<PlSmallStr> = df.get_column_names_owned();
    let old: Vec<Column> = names.iter().map(|n| df.drop_in_place(n)).collect::<PolarsResult<_>>()?;
    let columns = old
        .into_par_iter()
        .map(|c| {
            let s = c.as_materialized_series().rechunk();
            drop(c);
            let chunks: Vec<ArrayRef> = s.chunks().iter().map(|a| compact(a.as_ref())).collect();
            // SAFETY: each array has the type, length and values it had.
            unsafe { Series::from_chunks_and_dtype_unchecked(s.name().clone(), chunks, s.dtype()) }.into_column()
        })
        .collect();
    DataFrame::new(height, columns)
}

/// A scan of `files` of lake table `table`, in order.
fn scan_files(table: &str, files: &[String]) -> Result<LazyFrame> {
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
    Ok(LazyFrame::scan_parquet_files(files.iter().map(|f| PlRefPath::new(f.as_str())).collect(), args)?)
}

/// The filter of [`Lake::materialize_for`]. Plain comparisons of stored values only (the
/// handles and ids spelled as the lake spells them, found first), so that polars applies it
/// while it reads each row group, never holding the whole table.
fn relevant_posts(lake: &Lake, campaigns: &[crate::schema::Campaign]) -> Result<Expr> {
    use scope::one_of;
    let norm = |s: &str| s.trim_start_matches('@').to_lowercase();
    let mut names: Vec<String> = Vec::new();
    for c in campaigns {
        names.extend(c.own_accounts.values().flatten().map(|a| norm(a)));
        names.extend(c.targets.iter().map(|t| norm(t)));
        names.extend(c.key_accounts.iter().map(|k| norm(&k.account)));
    }
    let names: std::collections::BTreeSet<String> = names.into_iter().collect();
    // The handles and ids, as stored, of those names (a handle in any case, with or without
    // `@`; an id equal to a name, or known for a handle), in the posts and follower counts.
    let (mut handles, mut ids) = (std::collections::BTreeSet::new(), std::collections::BTreeSet::new());
    if !names.is_empty() {
        for (table, lf) in [("posts", &lake.posts), ("accounts", &lake.accounts)] {
            // Lower-cased in the filter (polars' own, not scope::lower): the filter then runs
            // as each row group is read, and only the few matching rows are kept.
            let lc = |c: &str| col(c).str().to_lowercase();
            let listed: Vec<String> = names.iter().cloned().collect();
            let df = lf
                .clone()
                .select([col("account_id"), col("account_handle")])
                .filter(
                    one_of(lc("account_handle").str().strip_chars_start(lit("@")), &listed)
                        .or(one_of(lc("account_id"), &listed)),
                )
                .unique(None, UniqueKeepStrategy::Any)
                .collect()
                .map_err(|e| anyhow::anyhow!("reading the accounts of the {table} table: {e}"))?;
            let (id, handle) = (df.column("account_id")?.str()?, df.column("account_handle")?.str()?);
            for (i, h) in id.iter().zip(handle.iter()) {
                let by_handle = h.is_some_and(|h| names.contains(&norm(h)));
                let by_id = i.is_some_and(|i| names.contains(&i.to_lowercase()));
                if by_handle {
                    handles.insert(h.expect("matched").to_string());
                }
                if by_handle || by_id {
                    ids.extend(i.map(String::from));
                }
            }
        }
    }
    let (handles, ids): (Vec<String>, Vec<String>) = (handles.into_iter().collect(), ids.into_iter().collect());
    let mut keep = col("platform")
        .eq(lit(scope::PRESS))
        .fill_null(lit(false))
        .or(col("origin").eq(lit("owned")).fill_null(lit(false)))
        .or(one_of(col("account_handle"), &handles))
        .or(one_of(col("account_id"), &ids));
    for c in campaigns {
        let from = ladder::local_midnight_us(c.start - chrono::Duration::days(1), &c.tz);
        let to = ladder::local_midnight_us(c.end + chrono::Duration::days(2), &c.tz);
        let at = col("created_at").cast(DataType::Int64);
        keep = keep.or(at.clone().gt_eq(lit(from)).and(at.lt(lit(to))).fill_null(lit(false)));
    }
    Ok(keep)
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

#[cfg(test)]
mod tests {
    use crate::model::{Micros, Post};
    use crate::pipeline::Pipeline;

    /// Bytes held in the text buffers of a string column, list elements included.
    fn text_bytes(c: &polars::prelude::Column) -> usize {
        use polars::prelude::*;
        match c.dtype() {
            DataType::String => c.str().unwrap().downcast_iter().map(|a| a.total_buffer_len()).sum(),
            _ => c.list().unwrap().downcast_iter().map(|a| {
                let v = a.values().as_any().downcast_ref::<polars_arrow::array::Utf8ViewArray>().unwrap();
                v.total_buffer_len()
            }).sum(),
        }
    }

    /// [`super::compact_strings`]: after a filter keeps 10 rows of 1,000, the text columns
    /// (plain and in lists) hold only those rows' bytes, with the same values.
    #[test]
    fn compacted_text_keeps_the_values_and_only_the_kept_rows_bytes() {
        use polars::prelude::*;
        // 1,000 strings of 40 bytes (longer than 12: held in buffers, 40,000 bytes).
        let text: Vec<String> = (0..1000).map(|i| format!("{i:040}")).collect();
        let lists: Vec<Series> = text.iter().map(|t| Series::new("".into(), [t.as_str(), "#tag-longer-than-12"])).collect();
        let df = df!("s" => &text, "l" => lists, "n" => (0..1000i64).collect::<Vec<_>>()).unwrap();
        let keep: BooleanChunked = (0..1000).map(|i| i % 100 == 0).collect();
        let filtered = df.filter(&keep).unwrap();
        // The filter keeps the views, and the buffers of all 1,000 rows.
        assert!(text_bytes(filtered.column("s").unwrap()) >= 40_000);
        let compact = super::compact_strings(filtered.clone()).unwrap();
        assert!(compact.equals_missing(&filtered));
        // 10 rows × 40 bytes; in the lists, 10 × (40 + 19).
        assert_eq!(text_bytes(compact.column("s").unwrap()), 400);
        assert!(text_bytes(compact.column("l").unwrap()) <= 590);
    }

    /// [`super::Lake::materialize_for`] keeps the posts of a campaign's window (a day either
    /// side), own posts, targets' and key accounts' posts (by handle or by an id the lake
    /// knows for the handle) and press clippings, whenever made; and no other post.
    #[test]
    fn analyze_reads_the_posts_its_metrics_read() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("lake");
        let p = |id: &str, handle: Option<&str>, account: Option<&str>, at: &str| Post {
            platform: "twitter".into(),
            post_id: id.into(),
            origin: "collected",
            account_id: account.map(str::to_string),
            account_handle: handle.map(str::to_string),
            created_at: Micros::parse_iso(at),
            content_type: "text",
            ..Default::default()
        };
        let old = "2023-01-01T12:00:00Z";
        let mut owned = p("owned", Some("page"), Some("u-page"), old);
        owned.origin = "owned";
        let mut press = p("press", Some("The Times"), None, old);
        press.platform = "press".into();
        let mut tagged = p("old-tagged", Some("cat"), Some("u-cat"), old);
        tagged.hashtags = vec!["makethefuture".into()];
        let posts = [
            p("in", Some("bob"), Some("u-bob"), "2024-03-11T12:00:00Z"),
            // London is UTC+0 in March before the 31st: 03-09 is the day before the start.
            p("day-before", Some("bob"), Some("u-bob"), "2024-03-09T00:30:00Z"),
            p("two-days-before", Some("bob"), Some("u-bob"), "2024-03-08T12:00:00Z"),
            p("day-after", Some("bob"), Some("u-bob"), "2024-03-13T23:30:00Z"),
            p("two-days-after", Some("bob"), Some("u-bob"), "2024-03-14T12:00:00Z"),
            p("old-own", Some("Amnesty"), Some("u-amnesty"), old),
            owned,
            p("old-target", Some("@shell"), Some("u-shell"), old),
            // No handle, only the id the lake knows for @Shell (from the row above).
            p("old-target-id", None, Some("u-shell"), old),
            p("old-key", Some("Delta"), Some("u-delta"), old),
            press,
            tagged,
            p("no-date", Some("bob"), Some("u-bob"), "not a date"),
        ];
        crate::testkit::write_records(&root, "t", &posts, &[], &[], &[]).unwrap();
        let pipe = Pipeline::parse(
            std::path::Path::new("p.toml"),
            "[output]\ndir='o'\n[[campaigns]]\nid='shell'\nstart=2024-03-10\nend=2024-03-12\ntz='Europe/London'\n\
             hashtags=['makethefuture']\ntargets=['@Shell']\nown_accounts={twitter=['amnesty']}\n\
             key_accounts=[{platform='twitter', account='@delta'}]\n",
        )
        .unwrap();
        let lake = super::Lake::open(&root).unwrap().materialize_for(&pipe.campaigns).unwrap();
        let df = lake.posts.collect().unwrap();
        let mut kept: Vec<&str> = df.column("post_id").unwrap().str().unwrap().iter().flatten().collect();
        kept.sort();
        assert_eq!(
            kept,
            ["day-after", "day-before", "in", "old-key", "old-own", "old-target", "old-target-id", "owned", "press"]
        );
    }
}
