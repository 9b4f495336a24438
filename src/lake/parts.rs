//! Streaming Parquet part writer: records in, zstd Parquet files out, one row group at a
//! time, so memory is bounded by the batch and row-group size, not by the input.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};

use crate::schema::{AccountSnap, Action, Out, Post, Reject, Repeats, Table, TableBuilder, Traffic, Warning};

/// Rows buffered per table before they are handed to the Parquet writer.
pub const BATCH_ROWS: usize = 8192;
/// Rows per row group: large enough for scans, small enough to keep memory flat.
pub const ROW_GROUP_ROWS: usize = 128 * 1024;

/// zstd level 1: most of zstd's ratio at a fraction of its cost. `RALLYLENS_PARQUET_COMPRESSION=none`
/// writes uncompressed files (for debugging, and for the test that searches every byte of a
/// lake for personal data).
pub fn writer_props() -> WriterProperties {
    let compression = match std::env::var("RALLYLENS_PARQUET_COMPRESSION").as_deref() {
        Ok("none") => Compression::UNCOMPRESSED,
        _ => Compression::ZSTD(ZstdLevel::try_new(1).expect("valid level")),
    };
    WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_created_by(format!("rallylens {}", env!("CARGO_PKG_VERSION")))
        // Columns whose values are (nearly) all distinct gain nothing from a dictionary.
        .set_column_dictionary_enabled("post_id".into(), false)
        .set_column_dictionary_enabled("text".into(), false)
        .set_column_dictionary_enabled("permalink".into(), false)
        .set_column_dictionary_enabled("action_key".into(), false)
        .set_column_dictionary_enabled("actor_id".into(), false)
        .build()
}

/// One open part file of one table and platform.
struct PartWriter<R: Table> {
    builder: R::Builder,
    writer: ArrowWriter<File>,
    path: PathBuf,
    rows: u64,
}

impl<R: Table> PartWriter<R> {
    fn create(path: PathBuf) -> std::io::Result<Self> {
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d)?;
        }
        let file = File::create(&path)?;
        let writer = ArrowWriter::try_new(file, R::schema(), Some(writer_props())).map_err(std::io::Error::other)?;
        Ok(PartWriter { builder: R::Builder::with_capacity(BATCH_ROWS), writer, path, rows: 0 })
    }

    fn push(&mut self, r: &R) -> std::io::Result<()> {
        self.builder.push(r);
        self.rows += 1;
        if self.builder.len() >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        super::commit::fault_io("enospc-part-write")?;
        if !self.builder.is_empty() {
            let batch = self.builder.finish();
            self.writer.write(&batch).map_err(std::io::Error::other)?;
        }
        Ok(())
    }

    fn close(mut self) -> std::io::Result<(PathBuf, u64)> {
        self.flush()?;
        let file = self.writer.into_inner().map_err(std::io::Error::other)?;
        file.sync_all()?;
        Ok((self.path, self.rows))
    }
}

/// A part written by a [`PartSink`]: table, platform, path, rows.
#[derive(Debug, Clone)]
pub struct WrittenPart {
    pub table: &'static str,
    pub platform: String,
    pub path: PathBuf,
    pub rows: u64,
}

/// What one chunk of one input produced.
#[derive(Debug, Default)]
pub struct ChunkResult {
    pub parts: Vec<WrittenPart>,
    pub rows: u64,
    pub lines: u64,
    pub rejects: Vec<Reject>,
    /// Chunk-relative lines; repeats limited within the chunk (the driver limits the input's).
    pub warnings: Vec<Warning>,
}

/// An [`Out`] that streams one chunk's records into part files under `dir`
/// (`<table>/platform=<p>/part-<chunk>.parquet`). It stores records as given: ingest puts
/// its rules in front (`ingest::rules::Stamped`).
pub struct PartSink {
    dir: PathBuf,
    chunk: usize,
    posts: HashMap<String, PartWriter<Post>>,
    actions: HashMap<String, PartWriter<Action>>,
    traffic: HashMap<String, PartWriter<Traffic>>,
    /// One row per (platform, account, day): the largest count seen; written at the end.
    /// Bucketed by a hash of the key so that a repeat sighting allocates nothing.
    accounts: rustc_hash::FxHashMap<u64, Vec<AccountSnap>>,
    result: ChunkResult,
    repeats: Repeats,
    error: Option<std::io::Error>,
}

impl PartSink {
    pub fn new(dir: &Path, chunk: usize) -> Self {
        PartSink {
            dir: dir.to_path_buf(),
            chunk,
            posts: HashMap::new(),
            actions: HashMap::new(),
            traffic: HashMap::new(),
            accounts: Default::default(),
            result: ChunkResult::default(),
            repeats: Repeats::default(),
            error: None,
        }
    }

    fn put<R: Table>(
        map: &mut HashMap<String, PartWriter<R>>,
        path: impl FnOnce() -> PathBuf,
        r: &R,
        error: &mut Option<std::io::Error>,
    ) {
        if error.is_some() {
            return;
        }
        let w = match map.get_mut(r.platform()) {
            Some(w) => w,
            None => match PartWriter::<R>::create(path()) {
                Ok(w) => map.entry(r.platform().to_string()).or_insert(w),
                Err(e) => {
                    *error = Some(e);
                    return;
                }
            },
        };
        if let Err(e) = w.push(r) {
            *error = Some(e);
        }
    }

    /// Closes every part file and returns what was written.
    pub fn finish(mut self) -> std::io::Result<ChunkResult> {
        let mut accounts: Vec<AccountSnap> = std::mem::take(&mut self.accounts).into_values().flatten().collect();
        // The keys are distinct (merged as they came, above), so an unstable sort is the same order.
        accounts.sort_unstable_by(|a, b| (&a.platform, &a.account_id, a.date).cmp(&(&b.platform, &b.account_id, b.date)));
        let mut acc_writers: HashMap<String, PartWriter<AccountSnap>> = HashMap::new();
        for a in &accounts {
            Self::put(
                &mut acc_writers,
                || part_path(&self.dir, self.chunk, AccountSnap::NAME, &a.platform),
                a,
                &mut self.error,
            );
        }
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let mut parts = Vec::new();
        fn close_all<R: Table>(m: HashMap<String, PartWriter<R>>, parts: &mut Vec<WrittenPart>) -> std::io::Result<()> {
            let mut ws: Vec<_> = m.into_iter().collect();
            ws.sort_by(|a, b| a.0.cmp(&b.0));
            for (platform, w) in ws {
                let (path, rows) = w.close()?;
                parts.push(WrittenPart { table: R::NAME, platform, path, rows });
            }
            Ok(())
        }
        close_all(std::mem::take(&mut self.posts), &mut parts)?;
        close_all(std::mem::take(&mut self.actions), &mut parts)?;
        close_all(std::mem::take(&mut self.traffic), &mut parts)?;
        close_all(acc_writers, &mut parts)?;
        self.result.parts = parts;
        Ok(self.result)
    }

    pub fn set_lines(&mut self, lines: u64) {
        self.result.lines = lines;
    }
}

/// A platform name as a hive partition value: lower-case `[a-z0-9_-]`, anything else `_`.
pub fn partition_value(p: &str) -> String {
    let v: String = p
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' })
        .collect();
    if v.is_empty() {
        "unknown".into()
    } else {
        v
    }
}

/// `<dir>/<table>/platform=<p>/part-<chunk>.parquet`
fn part_path(dir: &Path, chunk: usize, table: &str, platform: &str) -> PathBuf {
    dir.join(table).join(format!("platform={}", partition_value(platform))).join(part_name(chunk))
}

pub fn part_name(chunk: usize) -> String {
    format!("part-{chunk:04}.parquet")
}

impl Out for PartSink {
    fn post(&mut self, p: Post) {
        let (dir, chunk) = (&self.dir, self.chunk);
        Self::put(&mut self.posts, || part_path(dir, chunk, Post::NAME, &p.platform), &p, &mut self.error);
    }
    fn action(&mut self, a: Action) {
        let (dir, chunk) = (&self.dir, self.chunk);
        Self::put(&mut self.actions, || part_path(dir, chunk, Action::NAME, &a.platform), &a, &mut self.error);
    }
    fn account(&mut self, a: AccountSnap) {
        use std::hash::{Hash, Hasher};
        let mut h = rustc_hash::FxHasher::default();
        (&a.platform, &a.account_id, a.date).hash(&mut h);
        let bucket = self.accounts.entry(h.finish()).or_default();
        match bucket.iter_mut().find(|o| o.account_id == a.account_id && o.date == a.date && o.platform == a.platform) {
            Some(old) => {
                if a.followers > old.followers {
                    old.followers = a.followers;
                }
                if old.account_handle.is_none() {
                    old.account_handle = a.account_handle;
                }
            }
            None => bucket.push(a),
        }
    }
    fn traffic(&mut self, t: Traffic) {
        let (dir, chunk) = (&self.dir, self.chunk);
        Self::put(&mut self.traffic, || part_path(dir, chunk, Traffic::NAME, &t.platform), &t, &mut self.error);
    }
    fn rows(&mut self, n: u64) {
        self.result.rows += n;
    }
    /// Rejects and warnings are redacted (crate::privacy::redact) before they are kept: a
    /// backstop behind the adapters, for the manifest, `_rejects/` and the log.
    fn reject(&mut self, mut r: Reject) {
        use crate::privacy::redact;
        if let std::borrow::Cow::Owned(e) = redact(&r.error) {
            r.error = e;
        }
        if let Some(std::borrow::Cow::Owned(raw)) = r.raw.as_deref().map(redact) {
            r.raw = Some(raw);
        }
        self.result.rejects.push(r);
    }
    fn warn(&mut self, msg: String) {
        self.result.warnings.push(Warning::text(crate::privacy::redact(&msg).into_owned()));
    }
    /// Redacted in parts: no e-mail, phone or hex shape runs across the ", line N: " or ": "
    /// between them, so the text is what redacting the whole would give.
    fn warning(&mut self, w: Warning) {
        use crate::privacy::redact;
        if let Some(mut w) = self.repeats.admit(w) {
            if let std::borrow::Cow::Owned(f) = redact(&w.file) {
                w.file = f;
            }
            if let std::borrow::Cow::Owned(m) = redact(&w.msg) {
                w.msg = m;
            }
            self.result.warnings.push(w);
        }
    }
}
