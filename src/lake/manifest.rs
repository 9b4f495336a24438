//! `_manifest.json`: every ingested file, what it wrote and where (docs/lake.md#the-manifest).
//!
//! The manifest is the lake's source of truth: a part file is live exactly when an entry
//! lists it. It is replaced atomically (temp file, fsync, rename) as the last step of a
//! commit.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

pub const MANIFEST: &str = "_manifest.json";

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format_version: u32,
    /// The sequence number the next ingested file gets: later inputs win ties.
    pub next_seq: u64,
    pub files: Vec<FileEntry>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FileEntry {
    /// Order of ingestion; later files win when the same row is in several.
    pub seq: u64,
    /// Names this file's parts: `f<seq>-<sha prefix>`.
    pub id: String,
    /// The path as given (the `source_file` column).
    pub path: String,
    /// Absolute path: the file's identity; a changed file at the same path replaces its rows.
    pub abs_path: String,
    pub size: u64,
    /// Modification time (ns since the epoch) when ingested: with the size, tells which
    /// files are worth hashing before reading.
    #[serde(default)]
    pub mtime: Option<i64>,
    pub sha256: String,
    pub format: String,
    /// Hash of the options that change what is written (campaign, time zone, ...): the same
    /// bytes read with other options are re-ingested.
    pub options: String,
    pub campaign: Option<String>,
    pub ingested_at: String,
    /// Input records read (lines, rows, objects), good or bad.
    pub rows_read: u64,
    pub rejected: u64,
    /// Rows written per table (before de-duplication against other files).
    pub tables: BTreeMap<String, u64>,
    /// Rows per table that repeated a row read before when this file was committed (the
    /// same post in an older input, or earlier in this one): the lake counts each once.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub duplicates: BTreeMap<String, u64>,
    pub parts: Vec<PartEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PartEntry {
    pub table: String,
    pub platform: String,
    /// File name, the same under `_sources/<id>/<table>/platform=<p>/` and, prefixed by the
    /// file id, under `<table>/platform=<p>/`.
    pub name: String,
    pub rows: u64,
    /// Rows of this part in the visible table after de-duplication.
    pub visible_rows: u64,
}

impl PartEntry {
    /// The entry of a part a [`PartSink`](super::parts::PartSink) wrote; its platform is the
    /// partition value of the part's folder, not the platform as the records spell it.
    pub fn from_written(wp: &super::parts::WrittenPart) -> PartEntry {
        PartEntry {
            table: wp.table.to_string(),
            platform: super::parts::partition_value(&wp.platform),
            name: wp.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            rows: wp.rows,
            visible_rows: 0,
        }
    }
    pub fn source_rel(&self, file_id: &str) -> String {
        format!("_sources/{file_id}/{}/platform={}/{}", self.table, self.platform, self.name)
    }
    pub fn visible_rel(&self, file_id: &str) -> String {
        format!("{}/platform={}/{file_id}-{}", self.table, self.platform, self.name)
    }
}

impl Manifest {
    pub fn new() -> Self {
        Manifest { format_version: 1, next_seq: 1, files: Vec::new() }
    }

    pub fn load(lake: &Path) -> anyhow::Result<Manifest> {
        let p = lake.join(MANIFEST);
        if !p.exists() {
            return Ok(Manifest::new());
        }
        let text = std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{}: not a rallylens manifest", p.display()))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("manifest serializes") + "\n"
    }

    pub fn total_rejected(&self) -> u64 {
        self.files.iter().map(|f| f.rejected).sum()
    }

    /// Rows per table that the lake counts once because another row has the same key (read
    /// from two inputs, or twice from one): what the parts hold minus what is visible.
    /// Tables without such rows are left out.
    pub fn duplicates(&self) -> BTreeMap<String, u64> {
        let mut d: BTreeMap<String, u64> = BTreeMap::new();
        for p in self.files.iter().flat_map(|f| &f.parts) {
            if p.rows > p.visible_rows {
                *d.entry(p.table.clone()).or_default() += p.rows - p.visible_rows;
            }
        }
        d
    }
}
