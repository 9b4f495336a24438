//! Test helpers shared by the adapters' unit tests: run an adapter on a file in memory,
//! score its detector on a file.

use std::path::Path;

use super::{collect, Adapter, Collected, Ctx, FileError, Input, Probe};
use crate::pseudo::Pseudonymizer;

/// The real samples (`tests/fixtures/real/`) and this repo's fixtures.
pub const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real/");
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");

/// Runs `adapter` on `path` with default settings, after `set` adjusts the context.
pub fn collect_with(
    adapter: &dyn Adapter,
    path: impl AsRef<Path>,
    set: impl FnOnce(&mut Ctx),
) -> Result<Collected, FileError> {
    let path = path.as_ref();
    let key = Pseudonymizer::from_key(b"0123456789abcdef");
    let mut cx = Ctx::new(path.to_string_lossy(), &key);
    set(&mut cx);
    collect(adapter, &Input::new(path), &cx)
}

/// Runs `adapter` on `bytes`, written to a temporary file `input.<ext>`, after `set`
/// adjusts the context.
pub fn collect_bytes(
    adapter: &dyn Adapter,
    bytes: &[u8],
    ext: &str,
    set: impl FnOnce(&mut Ctx),
) -> Result<Collected, FileError> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join(format!("input.{ext}"));
    std::fs::write(&path, bytes).expect("write the input");
    collect_with(adapter, &path, set)
}

/// Runs `adapter` on `path` with default settings.
pub fn collect_path(adapter: &dyn Adapter, path: impl AsRef<Path>) -> Result<Collected, FileError> {
    collect_with(adapter, path, |_| {})
}

/// The detector's score for the file or folder at `path`.
pub fn score(adapter: &dyn Adapter, path: impl AsRef<Path>) -> u8 {
    let p = path.as_ref();
    let (is_dir, head, entries) = super::probe_input(p).expect("probe");
    adapter.detect(&Probe { path: p, is_dir, head: &head, entries: &entries })
}
