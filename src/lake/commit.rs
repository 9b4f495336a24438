//! Atomic commits: how new files enter the lake without ever leaving it half-written.
//!
//! Decisions to keep:
//! - Workers write under `_staging/<txn>/_sources/<file id>/` (invisible to globs).
//! - [`Txn::commit`] plans the visible parts: hard link when all rows are live, else a copy
//!   without the rows a later input supersedes (docs/lake.md#duplicates-across-inputs).
//! - The commit point is the atomic rename of `_staging/<txn>/_commit.json`; operations are
//!   idempotent. Before it, next open deletes staging; after it, next open rolls forward.
//! - Repeated rows are counted per table in the manifest entry (`duplicates`).
//! - Each input keeps its own rows under `_sources/`, so a removed winner's loser comes
//!   back: nothing is lost to de-duplication.
//!
//! User docs: docs/lake.md#commits.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use arrow::array::BooleanBufferBuilder;
use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int64Builder, StringBuilder};
use arrow::buffer::BooleanBuffer;
use arrow::datatypes::{DataType, Date32Type, Field, Int64Type, Schema, TimestampMicrosecondType};
use arrow::record_batch::RecordBatch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::{ArrowWriter, ProjectionMask};
use serde::{Deserialize, Serialize};

use super::manifest::{FileEntry, Manifest, MANIFEST};
use super::parts::writer_props;
use super::spill::{for_each_group, SpillSort, SPILL_RECORDS};
use crate::model::{dedup_key, join_key};
use crate::schema::Reject;
use crate::support::{sync_dir, write_atomic};

pub const STAGING: &str = "_staging";
pub const COMMIT: &str = "_commit.json";
/// Where the de-duplication spills its sorted runs, inside the transaction's staging folder.
const SPILL: &str = "_dedup";

/// One file operation of a commit plan. Every operation can be applied twice.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Rename a file or folder; done when `from` is gone.
    Move { from: String, to: String },
    /// Hard-link `from` at `to` (a copy where links are not supported), atomically replacing `to`.
    Link { from: String, to: String },
    /// Remove a file or folder if it exists.
    Delete { path: String },
}

#[derive(Debug, Serialize, Deserialize)]
struct Plan {
    manifest: Manifest,
    ops: Vec<Op>,
}

/// A new input, staged, ready to commit.
pub struct StagedFile {
    pub entry: FileEntry,
    /// With global line numbers.
    pub rejects: Vec<Reject>,
}

pub struct Txn {
    pub root: PathBuf,
    pub id: String,
    pub dir: PathBuf,
}

impl Txn {
    pub fn begin(root: &Path) -> Result<Txn> {
        let id = format!("{}-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.6f"), std::process::id());
        let dir = root.join(STAGING).join(&id);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Txn { root: root.to_path_buf(), id, dir })
    }

    fn rel(&self) -> String {
        format!("{STAGING}/{}", self.id)
    }

    /// Where a new file's parts are staged.
    pub fn source_dir(&self, file_id: &str) -> PathBuf {
        self.dir.join("_sources").join(file_id)
    }

    /// Commits the staged files: `old` minus the entries in `remove` (ids), plus `added`.
    /// Returns the new manifest. With nothing to add or remove it only drops staging, and,
    /// in a new lake, writes its (empty) manifest: a lake whose first inputs all failed is
    /// still a lake, which `lake` lists and `analyze` reads as empty.
    pub fn commit(self, old: &Manifest, added: Vec<StagedFile>, remove: &BTreeSet<String>) -> Result<Manifest> {
        if added.is_empty() && remove.is_empty() {
            std::fs::remove_dir_all(&self.dir).ok();
            std::fs::remove_dir(self.root.join(STAGING)).ok();
            if !self.root.join(MANIFEST).exists() {
                write_atomic(&self.root.join(MANIFEST), old.to_json().as_bytes()).context("writing the manifest")?;
            }
            return Ok(old.clone());
        }
        let mut manifest = old.clone();
        let removed: Vec<FileEntry> = manifest.files.iter().filter(|f| remove.contains(&f.id)).cloned().collect();
        manifest.files.retain(|f| !remove.contains(&f.id));
        let new_ids: BTreeSet<String> = added.iter().map(|s| s.entry.id.clone()).collect();
        let mut ops = Vec::new();

        // New sources move into place first: the visible links below point at them.
        for s in &added {
            ops.push(Op::Move {
                from: format!("{}/_sources/{}", self.rel(), s.entry.id),
                to: format!("_sources/{}", s.entry.id),
            });
        }
        for s in &added {
            manifest.next_seq = manifest.next_seq.max(s.entry.seq + 1);
            manifest.files.push(s.entry.clone());
        }
        manifest.files.sort_by_key(|f| f.seq);

        // Partitions the change touches.
        let mut touched: BTreeSet<(String, String)> = BTreeSet::new();
        for f in removed.iter().chain(added.iter().map(|s| &s.entry)) {
            for p in &f.parts {
                touched.insert((p.table.clone(), p.platform.clone()));
            }
        }
        // Which rows stay visible: the reading and hashing of key columns runs per partition
        // in parallel; planning the files is quick and sequential.
        use rayon::prelude::*;
        let masks: Vec<Result<PartitionMasks>> = touched
            .par_iter()
            .map(|(table, platform)| {
                let live = self.live_parts(&manifest, table, platform, &new_ids);
                let paths: Vec<&Path> = live.iter().map(|(_, _, p)| p.as_path()).collect();
                let spill = self.dir.join(SPILL);
                let (masks, repeats) = keep_masks(table, platform, &paths, &spill, SPILL_RECORDS)?;
                Ok(live.into_iter().zip(masks).zip(repeats).map(|((l, m), r)| (l, m, r)).collect())
            })
            .collect();
        for m in masks {
            self.plan_partition(&mut manifest, m?, &new_ids, &mut ops)?;
        }
        for f in &removed {
            for p in &f.parts {
                ops.push(Op::Delete { path: p.visible_rel(&f.id) });
            }
            ops.push(Op::Delete { path: format!("_sources/{}", f.id) });
            ops.push(Op::Delete { path: format!("_rejects/{}.parquet", f.id) });
        }
        for s in &added {
            if !s.rejects.is_empty() {
                let rel = format!("{}/_rejects/{}.parquet", self.rel(), s.entry.id);
                write_rejects(&self.root.join(&rel), &s.entry.path, &s.rejects)?;
                ops.push(Op::Move { from: rel, to: format!("_rejects/{}.parquet", s.entry.id) });
            }
        }

        let plan = Plan { manifest, ops };
        let json = serde_json::to_vec_pretty(&plan)?;
        write_atomic(&self.dir.join(COMMIT), &json).context("writing the commit record")?;
        fault("after-commit-record");
        apply(&self.root, &self.dir)?;
        Ok(plan.manifest)
    }

    /// Live parts of a partition, oldest input first: (file index, part index, source path).
    fn live_parts(
        &self,
        manifest: &Manifest,
        table: &str,
        platform: &str,
        new_ids: &BTreeSet<String>,
    ) -> Vec<(usize, usize, PathBuf)> {
        let mut live = Vec::new();
        for (fi, f) in manifest.files.iter().enumerate() {
            for (pi, p) in f.parts.iter().enumerate() {
                if p.table == table && p.platform == platform {
                    let base = if new_ids.contains(&f.id) { &self.dir } else { &self.root };
                    live.push((fi, pi, base.join(p.source_rel(&f.id))));
                }
            }
        }
        live
    }

    /// Plans the visible parts of one de-duplicated partition.
    fn plan_partition(
        &self,
        manifest: &mut Manifest,
        parts: PartitionMasks,
        new_ids: &BTreeSet<String>,
        ops: &mut Vec<Op>,
    ) -> Result<()> {
        // Parts that lose rows are rewritten, in parallel (a large input's chunks often all
        // hold a repeat or two).
        let mut rewrite: Vec<(PathBuf, PathBuf, BooleanBuffer)> = Vec::new();
        for ((fi, pi, src), mask, repeats) in parts {
            let f = &manifest.files[fi];
            let part = &f.parts[pi];
            let table = part.table.clone();
            let kept = mask.count_set_bits() as u64;
            let visible = part.visible_rel(&f.id);
            let is_new = new_ids.contains(&f.id);
            let was_whole = part.visible_rows == part.rows;
            if kept == 0 {
                ops.push(Op::Delete { path: visible });
            } else if kept == part.rows {
                if is_new || !was_whole {
                    ops.push(Op::Link { from: part.source_rel(&f.id), to: visible });
                }
            } else {
                let staged = format!("{}/visible/{visible}", self.rel());
                rewrite.push((src, self.root.join(&staged), mask));
                ops.push(Op::Move { from: staged, to: visible });
            }
            manifest.files[fi].parts[pi].visible_rows = kept;
            if is_new && repeats > 0 {
                *manifest.files[fi].duplicates.entry(table).or_default() += repeats;
            }
        }
        use rayon::prelude::*;
        rewrite.into_par_iter().try_for_each(|(src, dst, mask)| {
            write_filtered(&src, &dst, &mask).with_context(|| format!("de-duplicating {}", src.display()))
        })
    }
}

/// Each live part of a partition with the mask of its rows that stay visible and the
/// number of its rows that repeat an earlier row's key.
type PartitionMasks = Vec<((usize, usize, PathBuf), BooleanBuffer, u64)>;

/// Which rows of each part stay visible: for keyed tables, the last row of each key in
/// input order (for `accounts`, the largest follower count, later inputs winning ties).
/// Facebook posts are keyed by their post part ([`join_key`]): a post stored as
/// `<page>_<post>` by one export and bare by another that did not tell its page is one
/// post, and the later input's row is the one kept (docs/lake.md#post-ids).
/// Also, per part, how many of its rows repeat a key seen earlier in input order (every
/// row of a key but its first).
pub(super) fn keep_masks(
    table: &str,
    platform: &str,
    parts: &[&Path],
    spill_dir: &Path,
    spill_records: usize,
) -> Result<(Vec<BooleanBuffer>, Vec<u64>)> {
    let key = dedup_key(table);
    let post_part = (table == "posts").then_some(platform);
    let by_max = table == "accounts";
    // One bit a row: whether it stays visible.
    let mut masks: Vec<BooleanBufferBuilder> = Vec::with_capacity(parts.len());
    let mut repeats = vec![0u64; parts.len()];
    // (key hash, part << 32 | row) of every keyed row, sorted afterwards: 24 bytes a row.
    // A hash map of ten million keys peaked at over a gigabyte while it grew (actions of
    // one large supporter export; the follower counts of a 20 GB collection), and so did
    // these sort keys held whole (400 MB at 20 GB): they are sorted in runs of
    // `spill_records`, spilled beside the lake and merged ([`super::spill`]). Accounts also
    // keep the row's followers (null as i64::MIN, below every count, as None is below
    // Some): 32 bytes a row.
    let mut rows = 0usize;
    for path in parts {
        let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
        rows += ParquetRecordBatchReaderBuilder::try_new(file)?.metadata().file_metadata().num_rows() as usize;
    }
    let mut seen: SpillSort<(u64, u64, u64)> = SpillSort::new(spill_dir, spill_records, if by_max { 0 } else { rows });
    let mut scored: SpillSort<(u64, u64, u64, i64)> =
        SpillSort::new(spill_dir, spill_records, if by_max { rows } else { 0 });
    let mut buf: Vec<u8> = Vec::with_capacity(64);
    for (pi, path) in parts.iter().enumerate() {
        let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)?;
        let mut cols: Vec<&str> = key.to_vec();
        if by_max {
            cols.push("followers");
        }
        let schema = builder.parquet_schema().clone();
        let idx: Vec<usize> = (0..schema.num_columns()).filter(|i| cols.contains(&schema.column(*i).name())).collect();
        let part_rows = builder.metadata().file_metadata().num_rows() as usize;
        let reader = builder.with_projection(ProjectionMask::leaves(&schema, idx)).with_batch_size(65536).build()?;
        let mut mask = BooleanBufferBuilder::new(part_rows);
        for batch in reader {
            let batch = batch?;
            // A key column a part lacks (written before the column existed) reads as null, so
            // that its rows meet the same rows written since.
            let key_cols: Vec<Option<&ArrayRef>> = key.iter().map(|k| batch.column_by_name(k)).collect();
            let followers = if by_max {
                batch.column_by_name("followers").map(|c| c.as_primitive::<Int64Type>().clone())
            } else {
                None
            };
            for row in 0..batch.num_rows() {
                let at = (pi as u64) << 32 | mask.len() as u64;
                match hash_key(&key_cols, row, post_part, &mut buf) {
                    None => mask.append(true),
                    Some(h) if !by_max => {
                        mask.append(false);
                        seen.push(((h >> 64) as u64, h as u64, at))?;
                    }
                    Some(h) => {
                        mask.append(false);
                        let fol = followers.as_ref().filter(|f| f.is_valid(row)).map_or(i64::MIN, |f| f.value(row));
                        scored.push(((h >> 64) as u64, h as u64, at, fol))?;
                    }
                }
            }
        }
        masks.push(mask);
    }
    // Accounts, sorted by key then position: in each key's run the row with the most
    // followers wins, the later row on a tie (a count never loses to an unknown one).
    for_each_group(
        scored.sorted().context("sorting the follower counts' keys")?,
        |a, b| (a.0, a.1) == (b.0, b.1),
        |run| {
            // `max_by_key` returns the last of equal maxima: the later row on a tie.
            let winner = run.iter().max_by_key(|e| e.3).expect("a run is not empty").2;
            keep(&mut masks, &mut repeats, winner, run.iter().skip(1).map(|e| e.2));
        },
    )?;
    // Other tables, sorted by key then position: the last entry of each key's run is its last row.
    for_each_group(
        seen.sorted().with_context(|| format!("sorting the keys of {table}"))?,
        |a, b| (a.0, a.1) == (b.0, b.1),
        |run| {
            let winner = run.last().expect("a run is not empty").2;
            keep(&mut masks, &mut repeats, winner, run.iter().skip(1).map(|e| e.2));
        },
    )?;
    Ok((masks.iter_mut().map(|m| m.finish()).collect(), repeats))
}

/// Marks the row at `winner` (part << 32 | row) visible and counts each later sighting of
/// its key (`repeats_at`, the same positions) as a repeat of the input it came from.
fn keep(masks: &mut [BooleanBufferBuilder], repeats: &mut [u64], winner: u64, repeats_at: impl Iterator<Item = u64>) {
    masks[(winner >> 32) as usize].set_bit((winner & 0xFFFF_FFFF) as usize, true);
    for at in repeats_at {
        repeats[(at >> 32) as usize] += 1;
    }
}

/// A 128-bit hash of a row's key columns; `None` when every key column is null (no identity).
/// `post_part`: the platform of a posts partition, whose string key is hashed by its
/// [`join_key`]. `buf` is scratch space, reused from row to row.
fn hash_key(cols: &[Option<&ArrayRef>], row: usize, post_part: Option<&str>, buf: &mut Vec<u8>) -> Option<u128> {
    buf.clear();
    let mut any = false;
    for c in cols {
        let Some(c) = c.filter(|c| !c.is_null(row)) else {
            buf.push(0xFF);
            continue;
        };
        any = true;
        match c.data_type() {
            DataType::Utf8 => {
                let v = c.as_string::<i32>().value(row);
                buf.extend_from_slice(post_part.map_or(v, |p| join_key(p, v)).as_bytes())
            }
            DataType::Date32 => buf.extend_from_slice(&c.as_primitive::<Date32Type>().value(row).to_le_bytes()),
            DataType::Int64 => buf.extend_from_slice(&c.as_primitive::<Int64Type>().value(row).to_le_bytes()),
            DataType::Timestamp(..) => {
                buf.extend_from_slice(&c.as_primitive::<TimestampMicrosecondType>().value(row).to_le_bytes())
            }
            other => unreachable!("key column of type {other}"),
        }
        buf.push(0xFE);
    }
    any.then(|| xxhash_rust::xxh3::xxh3_128(buf))
}

/// Copies a part without the rows whose mask is false, batch by batch.
fn write_filtered(src: &Path, dst: &Path, mask: &BooleanBuffer) -> Result<()> {
    if let Some(d) = dst.parent() {
        std::fs::create_dir_all(d)?;
    }
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(src)?)?;
    let schema = builder.schema().clone();
    let reader = builder.with_batch_size(8192).build()?;
    let mut writer = ArrowWriter::try_new(File::create(dst)?, schema, Some(writer_props()))?;
    let mut offset = 0;
    for batch in reader {
        let batch = batch?;
        let n = batch.num_rows();
        let keep = BooleanArray::new(mask.slice(offset, n), None);
        offset += n;
        writer.write(&arrow::compute::filter_record_batch(&batch, &keep)?)?;
    }
    writer.into_inner()?.sync_all()?;
    Ok(())
}

/// `_rejects/<file id>.parquet`: source_file, line, field, error, raw (null for supporter exports).
fn write_rejects(path: &Path, source_file: &str, rejects: &[Reject]) -> Result<()> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("source_file", DataType::Utf8, false),
        Field::new("line", DataType::Int64, false),
        Field::new("field", DataType::Utf8, false),
        Field::new("error", DataType::Utf8, false),
        Field::new("raw", DataType::Utf8, true),
    ]));
    let mut file = StringBuilder::new();
    let mut line = Int64Builder::new();
    let mut field = StringBuilder::new();
    let mut error = StringBuilder::new();
    let mut raw = StringBuilder::new();
    for r in rejects {
        file.append_value(source_file);
        line.append_value(r.line as i64);
        field.append_value(&r.field);
        error.append_value(&r.error);
        raw.append_option(r.raw.as_deref());
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(file.finish()),
        Arc::new(line.finish()),
        Arc::new(field.finish()),
        Arc::new(error.finish()),
        Arc::new(raw.finish()),
    ];
    let batch = RecordBatch::try_new(schema.clone(), cols)?;
    let mut w = ArrowWriter::try_new(File::create(path)?, schema, Some(writer_props()))?;
    w.write(&batch)?;
    w.into_inner()?.sync_all()?;
    Ok(())
}

/// Applies the plan in `staging` (which must hold `_commit.json`), then installs its
/// manifest and removes `staging`. Safe to run again after a kill at any point.
pub fn apply(root: &Path, staging: &Path) -> Result<()> {
    let plan: Plan = serde_json::from_slice(&std::fs::read(staging.join(COMMIT))?)
        .with_context(|| format!("{}: unreadable commit record", staging.join(COMMIT).display()))?;
    let mut dirs: BTreeSet<PathBuf> = BTreeSet::new();
    for (i, op) in plan.ops.iter().enumerate() {
        if i == plan.ops.len() / 2 {
            fault("mid-apply");
        }
        match op {
            Op::Move { from, to } => {
                let (from, to) = (root.join(from), root.join(to));
                if from.exists() {
                    if let Some(d) = to.parent() {
                        std::fs::create_dir_all(d)?;
                        dirs.insert(d.to_path_buf());
                    }
                    if to.is_dir() {
                        std::fs::remove_dir_all(&to)?;
                    }
                    std::fs::rename(&from, &to)
                        .with_context(|| format!("moving {} to {}", from.display(), to.display()))?;
                }
            }
            Op::Link { from, to } => {
                let (from, to) = (root.join(from), root.join(to));
                if same_file(&from, &to) {
                    continue;
                }
                let d = to.parent().expect("part path has a parent");
                std::fs::create_dir_all(d)?;
                dirs.insert(d.to_path_buf());
                let tmp = d.join(format!(".{}.link.tmp", to.file_name().unwrap_or_default().to_string_lossy()));
                std::fs::remove_file(&tmp).ok();
                if std::fs::hard_link(&from, &tmp).is_err() {
                    std::fs::copy(&from, &tmp).with_context(|| format!("copying {}", from.display()))?;
                }
                std::fs::rename(&tmp, &to)?;
            }
            Op::Delete { path } => {
                let p = root.join(path);
                if p.is_dir() {
                    std::fs::remove_dir_all(&p)?;
                } else if p.exists() {
                    std::fs::remove_file(&p)?;
                }
                if let Some(d) = p.parent() {
                    dirs.insert(d.to_path_buf());
                }
            }
        }
    }
    for d in &dirs {
        sync_dir(d);
    }
    write_atomic(&root.join(MANIFEST), plan.manifest.to_json().as_bytes()).context("writing the manifest")?;
    std::fs::remove_dir_all(staging).with_context(|| format!("removing {}", staging.display()))?;
    std::fs::remove_dir(root.join(STAGING)).ok(); // only when no other staging is left
    remove_empty_partitions(root);
    Ok(())
}

/// Fault injection for the crash tests: `RALLYLENS_FAULT=<point>` aborts the process
/// there, as a kill would.
fn fault(point: &str) {
    if std::env::var("RALLYLENS_FAULT").is_ok_and(|v| v == point) {
        eprintln!("rallylens: RALLYLENS_FAULT={point}: aborting");
        std::process::abort();
    }
}

/// Fault injection for the full-disk tests: with `RALLYLENS_FAULT=<point>`, the write at
/// `point` fails as a full disk makes it fail (ENOSPC), through the same error path.
pub(crate) fn fault_io(point: &str) -> std::io::Result<()> {
    if std::env::var("RALLYLENS_FAULT").is_ok_and(|v| v == point) {
        return Err(std::io::Error::from_raw_os_error(28)); // ENOSPC on Linux and the BSDs
    }
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    let _ = (a, b);
    false
}

/// Drops `platform=` folders left empty by a replacement, so the summary lists no ghosts.
fn remove_empty_partitions(root: &Path) {
    for t in crate::model::TABLES {
        if let Ok(rd) = std::fs::read_dir(root.join(t)) {
            for e in rd.flatten() {
                let _ = std::fs::remove_dir(e.path()); // fails unless empty
            }
        }
    }
}

/// Finishes or rolls back what an interrupted run left in `_staging/`.
pub fn recover(root: &Path) -> Result<Vec<String>> {
    let mut said = Vec::new();
    let Ok(rd) = std::fs::read_dir(root.join(STAGING)) else { return Ok(said) };
    let mut dirs: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    dirs.sort();
    for d in dirs {
        if d.join(COMMIT).exists() {
            apply(root, &d)?;
            said.push(format!("completed an interrupted commit ({})", d.display()));
        } else {
            std::fs::remove_dir_all(&d).with_context(|| format!("removing {}", d.display()))?;
            said.push(format!("discarded the staging of an interrupted ingest ({})", d.display()));
        }
    }
    std::fs::remove_dir(root.join(STAGING)).ok();
    Ok(said)
}
