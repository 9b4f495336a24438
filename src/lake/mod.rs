//! The lake: hive-partitioned Parquet tables, a manifest, rejects, atomic commits.
//!
//! ```text
//! LAKE/
//!   _manifest.json                       every ingested file (LAKE.md "The manifest")
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

/// Takes the lake's writer lock (`_lock`), waiting when another process holds it.
fn lock(root: &Path, quiet: bool) -> Result<File> {
    let path = root.join("_lock");
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match f.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            if !quiet {
                eprintln!("rallylens: another rallylens is writing to {}; waiting for it to finish…", root.display());
            }
            f.lock().with_context(|| format!("locking {}", path.display()))?;
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("locking {}", path.display()));
        }
    }
    Ok(f)
}

/// Whether a lake (a manifest) exists at `root`.
pub fn exists(root: &Path) -> bool {
    root.join(manifest::MANIFEST).exists()
}

/// Opens a lake for reading: when an interrupted run left work in `_staging/`, it takes the
/// lock briefly to finish or roll it back, so that what is read is a whole lake.
pub fn open_for_read(root: &Path, quiet: bool) -> Result<Manifest> {
    anyhow::ensure!(
        exists(root),
        "{} is not a rallylens lake (no {}); create one with `rallylens ingest FILES --lake {}`",
        root.display(),
        manifest::MANIFEST,
        root.display()
    );
    if root.join(commit::STAGING).exists() {
        let lake = Lake::open_for_write(root, quiet)?;
        return lake.manifest();
    }
    Manifest::load(root)
}

#[cfg(test)]
mod tests;
