//! The lake: hive-partitioned Parquet tables, a manifest, rejects, atomic commits.
//!
//! ```text
//! LAKE/
//!   _manifest.json                       every ingested file (docs/lake.md#the-manifest)
//!   posts/platform=twitter/<file>-part-0000.parquet
//!   actions/…  traffic/…  accounts/…     the tables analysts read
//!   _rejects/<file>.parquet              rows that could not be read
//!   _sources/<file>/<table>/platform=…/  each file's own rows, before de-duplication
//!   _staging/                            work in progress (never read)
//!   _lock                                one writer at a time
//! LAKE.key                               the pseudonymisation key, beside the lake
//! ```
//!
//! Only folders without a leading `_` are tables; DuckDB, Polars and Spark read them with
//! `read_parquet('LAKE/posts/*/*.parquet', hive_partitioning = true)` or the like.

pub mod commit;
pub mod manifest;
pub mod parts;
pub mod spill;
pub mod store;
pub mod summary;

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

pub use manifest::{FileEntry, Manifest, PartEntry};

/// An open lake, holding the writer lock.
pub struct Lake {
    pub root: PathBuf,
    _lock: File,
}

impl Lake {
    /// Opens (creating if needed) the lake for writing: takes the lock, waiting for another
    /// writer if there is one, then finishes or rolls back anything an interrupted run left.
    pub fn open_for_write(root: &Path, quiet: bool) -> Result<Lake> {
        std::fs::create_dir_all(root).with_context(|| format!("creating the lake folder {}", root.display()))?;
        let lock = lock(root, quiet)?;
        let lake = Lake { root: root.to_path_buf(), _lock: lock };
        for msg in commit::recover(root)? {
            if !quiet {
                eprintln!("rallylens: {msg}");
            }
        }
        Ok(lake)
    }

    pub fn manifest(&self) -> Result<Manifest> {
        Manifest::load(&self.root)
    }
}

/// Takes the lake's writer lock (`_lock`), waiting when another process holds it; held
/// until the returned file is dropped. `run` also holds it while analyze reads the lake, so
/// that no commit moves part files under the reader.
pub fn lock(root: &Path, quiet: bool) -> Result<File> {
    let waiting = format!("another rallylens is writing to {}; waiting for it to finish…", root.display());
    Ok(crate::support::lock_file(&root.join("_lock"), Some(&waiting), quiet)?.expect("a lock that waits is always taken"))
}

/// Whether a lake (a manifest) exists at `root`.
pub fn exists(root: &Path) -> bool {
    root.join(manifest::MANIFEST).exists()
}

/// Opens a lake for reading: when an interrupted run left work in `_staging/`, it takes the
/// lock briefly to finish or roll it back, so that what is read is a whole lake. This holds
/// for the first commit into a new lake too: killed after its commit point, the lake has
/// no manifest yet, only the commit record in staging, and is completed here.
pub fn open_for_read(root: &Path, quiet: bool) -> Result<Manifest> {
    if root.join(commit::STAGING).is_dir() {
        let lake = Lake::open_for_write(root, quiet)?;
        if exists(root) {
            return lake.manifest();
        }
    }
    anyhow::ensure!(
        exists(root),
        "{} is not a rallylens lake (no {}{}); create one with `rallylens ingest FILES --lake {}`",
        root.display(),
        manifest::MANIFEST,
        if root.join("_lock").exists() { ": its first ingest did not commit anything" } else { "" },
        root.display()
    );
    Manifest::load(root)
}

#[cfg(test)]
mod tests;
