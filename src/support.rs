//! Small helpers every stage uses: atomic file writes, a lock file, digit grouping, the
//! allocator's purge delay.
//! One copy of each, so that the lake, metrics, render and synth write files the same way.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};

/// Writes `bytes` to `path` atomically: a temp file beside it, fsync, rename, fsync the folder.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes)).map(drop)
}

/// [`write_atomic`] for a streaming writer: `f` writes through a 1 MiB buffer into the temp
/// file; returns the size of the file written. The folder must exist.
pub fn write_atomic_with(path: &Path, f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<u64> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        std::process::id()
    ));
    let size = {
        let mut w = BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
        f(&mut w)?;
        w.flush()?;
        let file = w.get_ref();
        file.sync_all()?;
        file.metadata()?.len()
    };
    std::fs::rename(&tmp, path)?;
    sync_dir(dir);
    Ok(size)
}

/// fsyncs a directory so that renames in it survive a power loss (best effort).
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// An exclusive lock on `path` (created if missing), held until the file is dropped. When
/// another process holds it: with `waiting` Some, says so (unless quiet) and waits; with
/// None, returns Ok(None) at once.
pub fn lock_file(path: &Path, waiting: Option<&str>, quiet: bool) -> Result<Option<File>> {
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    match f.try_lock() {
        Ok(()) => Ok(Some(f)),
        Err(std::fs::TryLockError::WouldBlock) => match waiting {
            None => Ok(None),
            Some(msg) => {
                if !quiet {
                    eprintln!("rallylens: {msg}");
                }
                f.lock().with_context(|| format!("locking {}", path.display()))?;
                Ok(Some(f))
            }
        },
        Err(std::fs::TryLockError::Error(e)) => Err(e).with_context(|| format!("locking {}", path.display())),
    }
}

/// Thousands separators for counts a person reads: "1,234,567".
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

/// [`thousands`] with a leading '-' for negative values.
pub fn thousands_i64(v: i64) -> String {
    if v < 0 {
        format!("-{}", thousands(v.unsigned_abs()))
    } else {
        thousands(v as u64)
    }
}

/// mimalloc's `mi_option_purge_delay` (its number in `mimalloc.h`, v2 and v3 alike).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

/// How long memory freed by the binary's allocator (mimalloc) stays unused before it goes
/// back to the kernel: `ms` milliseconds, or -1 for never. On a VM a page the kernel must
/// fault in and zero again costs about as much as the copy that fills it (3 ms/MB here), so
/// keeping freed memory is faster, and returning it bounds the peak to what is live. The
/// binary keeps it (-1, src/main.rs; ingest is 7 % faster so); analyze returns what stays
/// unused 200 ms (`metrics::analyze_with`). `MIMALLOC_PURGE_DELAY` (mimalloc's own
/// variable) set in the environment wins. mimalloc reads the option at each purge
/// decision, so a stage can set it for what follows. Without mimalloc (the tests) it changes nothing.
pub fn set_purge_delay(ms: i64) {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets an integer option.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, ms as std::ffi::c_long) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(1234), "1,234");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands_i64(-1234), "-1,234");
        assert_eq!(thousands_i64(-999), "-999");
        assert_eq!(thousands_i64(i64::MIN), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn write_atomic_replaces_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, b"old").unwrap();
        // "new!" is 4 bytes: the size returned is the file's.
        assert_eq!(write_atomic_with(&p, |w| w.write_all(b"new!")).unwrap(), 4);
        assert_eq!(std::fs::read(&p).unwrap(), b"new!");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn lock_file_without_waiting_says_none_when_held() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("lock");
        let held = lock_file(&p, None, true).unwrap();
        assert!(held.is_some());
        assert!(lock_file(&p, None, true).unwrap().is_none());
        drop(held);
        assert!(lock_file(&p, None, true).unwrap().is_some());
    }
}
