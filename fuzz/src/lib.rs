//! What the fuzz targets run: the fuzzer's bytes are written to a scratch file (adapters
//! read files, as `rallylens ingest` does), read with one adapter or with the detected one,
//! and checked with the property tests' harness (`src/ingest/proptests/harness.rs`,
//! compiled here by path). A broken property panics, which libFuzzer reports as a crash.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use arrow::array::Array;
use rallylens::ingest::{
    by_name, collect, detect, probe_input, Adapter, Collected, Ctx, FileError, Input, Probe, MAX_RAW_REJECT, REGISTRY,
};
use rallylens::model::{Table, TableBuilder};
use rallylens::pseudo::Pseudonymizer;

#[path = "../../src/ingest/proptests/harness.rs"]
pub mod harness;

/// Extensions the detection target gives its input (the first byte picks one).
const EXTENSIONS: [&str; 6] = ["csv", "json", "jsonl", "js", "txt", "xlsx"];

/// A scratch file named `input.<ext>` in this process's temporary folder.
fn scratch(ext: &str) -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary folder")).path().join(format!("input.{ext}"))
}

fn read(adapter: &dyn Adapter, path: &Path, data: &[u8]) -> Result<Collected, FileError> {
    let key = Pseudonymizer::from_key(b"0123456789abcdef");
    let mut cx = Ctx::new(path.to_string_lossy(), &key);
    harness::settings(adapter, data)(&mut cx);
    collect(adapter, &Input::new(path), &cx)
}

/// The adapter of `format` on `data`.
pub fn adapter(format: &str, data: &[u8]) {
    let adapter = by_name(format).expect("a registered format");
    let path = scratch(harness::extension(format));
    std::fs::write(&path, data).expect("write the scratch input");
    if let Err(e) = harness::check(adapter, data, &read(adapter, &path, data)) {
        panic!("{format}: {e}");
    }
}

/// Detection, then the detected adapter, on `data` after its first byte (which picks the
/// file's extension).
pub fn detect_then_read(data: &[u8]) {
    let Some((&pick, data)) = data.split_first() else { return };
    let path = scratch(EXTENSIONS[pick as usize % EXTENSIONS.len()]);
    std::fs::write(&path, data).expect("write the scratch input");
    if let Err(e) = harness::check_detect(&path, data, |a| read(a, &path, data)) {
        panic!("detection: {e}");
    }
}
