//! Which files an ingest reads: the inputs as named, and the files of input folders.
//!
//! A folder is walked recursively, in name order, with these rules:
//!
//! - **Regular files only.** A named pipe, socket or device is skipped with a warning (opening
//!   a pipe would block the run for ever); named on the command line it is refused.
//! - **No loops.** Every folder entered is remembered by its identity (device and inode on
//!   Unix), so a symbolic link back to a folder already walked, or a second link to the same
//!   folder, is skipped with a warning instead of being walked without end.
//! - **Nothing skipped silently.** A broken symbolic link is a warning; a subfolder or entry
//!   that cannot be read is a failed input (exit code 3), as an unreadable file is.
//!   Hidden entries (names starting with `.`) are not read, by design.
//! - **Never the run's own outputs.** The lake being written, its key file (`LAKE.key`
//!   beside it) and a run's output folder are skipped with a warning when met in a folder,
//!   and refused when named as an input (a run would otherwise read its own lake, report and
//!   key back in when its output folder sits inside an input folder, or with `ingest .`).
//!   They are recognised by identity, not by name, so a symbolic link to them is caught too;
//!   anything inside the lake is refused as well. An input named *inside* a run's output
//!   folder is read (its outputs are then not in it), only the outputs themselves are not.

use std::collections::HashSet;
use std::fs::Metadata;
use std::path::{Path, PathBuf};

use crate::ingest::FileError;

/// The identity of a file or folder: (device, inode) on Unix, the canonical path elsewhere.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FileId(#[cfg(unix)] (u64, u64), #[cfg(not(unix))] PathBuf);

impl FileId {
    #[cfg(unix)]
    pub fn of(meta: &Metadata, _path: &Path) -> FileId {
        use std::os::unix::fs::MetadataExt;
        FileId((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    pub fn of(_meta: &Metadata, path: &Path) -> FileId {
        FileId(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
    }
}

/// What a run writes and so never reads: the lake, its key, a run's output folder.
#[derive(Default, Debug)]
pub struct OwnOutputs {
    items: Vec<Own>,
}

#[derive(Debug)]
struct Own {
    id: FileId,
    canonical: PathBuf,
    /// Anything inside is refused too (the lake), not only the path itself.
    tree: bool,
    what: String,
}

impl OwnOutputs {
    /// Adds `path` (described as `what`, e.g. "the output folder of this run"); a path that
    /// does not exist (yet) is ignored: nothing can be read from it.
    pub fn add(&mut self, path: &Path, what: impl Into<String>) {
        self.push(path, what.into(), false);
    }

    /// Adds a folder nothing inside of which may be named as an input either (the lake).
    pub fn add_tree(&mut self, path: &Path, what: impl Into<String>) {
        self.push(path, what.into(), true);
    }

    fn push(&mut self, path: &Path, what: String, tree: bool) {
        if let Ok(meta) = std::fs::metadata(path) {
            let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            self.items.push(Own { id: FileId::of(&meta, path), canonical, tree: tree && meta.is_dir(), what });
        }
    }

    /// What `path` is, when it is one of the outputs.
    fn is(&self, meta: &Metadata, path: &Path) -> Option<&str> {
        let id = FileId::of(meta, path);
        self.items.iter().find(|o| o.id == id).map(|o| o.what.as_str())
    }

    /// What `path` is or lies inside of, for a named input: the outputs themselves and
    /// anything inside the lake (but an input inside a run's output folder is allowed).
    fn holds(&self, meta: &Metadata, path: &Path) -> Option<&str> {
        if let Some(w) = self.is(meta, path) {
            return Some(w);
        }
        let canonical = std::fs::canonicalize(path).ok()?;
        self.items.iter().find(|o| o.tree && canonical.starts_with(&o.canonical)).map(|o| o.what.as_str())
    }
}

/// The files an input stands for, and what was skipped or failed on the way.
#[derive(Debug, Default)]
pub struct Expanded {
    /// (path, path as shown and stored in `source_file`), sorted.
    pub files: Vec<(PathBuf, String)>,
    /// One line per skipped path, naming it and why ("DIR/x: skipped: …").
    pub warnings: Vec<String>,
    /// Paths that could not be read (each a failed input).
    pub failed: Vec<FileError>,
}

/// What kind of non-regular file `meta` describes, for messages.
fn kind(meta: &Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    let _ = meta;
    "not a regular file"
}

/// Checks a path named as an input (on the command line or in a pipeline) before anything
/// opens it: it must exist, be a regular file or a folder, and not be a run's own output.
pub fn check_named(path: &Path, own: &OwnOutputs) -> Result<Metadata, FileError> {
    let shown = relative(path);
    let meta = std::fs::metadata(path).map_err(|e| FileError::new(&shown, format!("cannot read: {e}")))?;
    if let Some(what) = own.holds(&meta, path) {
        return Err(FileError::new(&shown, format!("this is {what}: a run never reads what it writes")));
    }
    if !meta.is_dir() && !meta.is_file() {
        return Err(FileError::new(
            &shown,
            format!("{}, not a regular file: only files and folders are read", kind(&meta)),
        ));
    }
    Ok(meta)
}

/// The regular files under `root`, recursively (see the module doc for the rules).
pub fn walk(root: &Path, own: &OwnOutputs) -> Expanded {
    let mut out = Expanded::default();
    let mut visited = HashSet::new();
    if let Ok(meta) = std::fs::metadata(root) {
        visited.insert(FileId::of(&meta, root));
    }
    visit(root, own, &mut visited, &mut out);
    out.files.sort();
    out
}

fn visit(dir: &Path, own: &OwnOutputs, visited: &mut HashSet<FileId>, out: &mut Expanded) {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            out.failed.push(FileError::new(&relative(dir), format!("cannot read the folder: {e}")));
            return;
        }
    };
    let mut entries = Vec::new();
    for e in rd {
        match e {
            Ok(e) => entries.push(e),
            Err(e) => out.failed.push(FileError::new(&relative(dir), format!("cannot list the folder: {e}"))),
        }
    }
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        if e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let p = e.path();
        let skip = |out: &mut Expanded, why: &str| out.warnings.push(format!("{}: skipped: {why}", relative(&p)));
        let meta = match std::fs::metadata(&p) {
            Ok(m) => m,
            Err(err) => {
                let link = std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink());
                if link {
                    skip(out, &format!("a symbolic link that leads nowhere readable ({err})"));
                } else {
                    out.failed.push(FileError::new(&relative(&p), format!("cannot read: {err}")));
                }
                continue;
            }
        };
        if let Some(what) = own.is(&meta, &p) {
            skip(out, &format!("{what}; a run never reads what it writes"));
            continue;
        }
        if meta.is_dir() {
            if !visited.insert(FileId::of(&meta, &p)) {
                skip(out, "a link to a folder already walked (a symbolic-link loop?)");
                continue;
            }
            if let Some(what) = own.holds(&meta, &p) {
                skip(out, &format!("inside {what}; a run never reads what it writes"));
                continue;
            }
            visit(&p, own, visited, out);
        } else if meta.is_file() {
            let r = relative(&p);
            out.files.push((p, r));
        } else {
            skip(out, &format!("{}, not a regular file", kind(&meta)));
        }
    }
}

/// Lists the regular files under `dir` relative to `root` (`/`-separated), to `depth`
/// levels, without following a link into a folder already listed (for detection and for
/// the archive formats that read a folder as one input).
pub fn walk_rel(root: &Path, dir: &Path, out: &mut Vec<String>, depth: usize) {
    let mut visited = HashSet::new();
    if let Ok(meta) = std::fs::metadata(dir) {
        visited.insert(FileId::of(&meta, dir));
    }
    walk_rel_in(root, dir, out, depth, &mut visited);
}

fn walk_rel_in(root: &Path, dir: &Path, out: &mut Vec<String>, depth: usize, visited: &mut HashSet<FileId>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        let Ok(meta) = std::fs::metadata(&p) else { continue };
        if meta.is_dir() {
            if depth > 0 && visited.insert(FileId::of(&meta, &p)) {
                walk_rel_in(root, &p, out, depth - 1, visited);
            }
        } else if meta.is_file() {
            if let Ok(rel) = p.strip_prefix(root) {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
}

/// The path as shown and stored in `source_file`: relative to the working folder when inside it.
pub fn relative(p: &Path) -> String {
    if p.is_absolute() {
        if let Ok(cwd) = std::env::current_dir() {
            if let Ok(r) = p.strip_prefix(&cwd) {
                return r.to_string_lossy().into_owned();
            }
        }
    }
    p.to_string_lossy().into_owned()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn loops_pipes_and_own_outputs_are_skipped_and_named() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("a/b/x.csv"), "x").unwrap();
        std::fs::write(root.join("top.csv"), "t").unwrap();
        std::os::unix::fs::symlink(root.join("a"), root.join("a/b/up")).unwrap(); // a loop
        std::os::unix::fs::symlink(root.join("gone"), root.join("dangling")).unwrap();
        let fifo = root.join("pipe.jsonl");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        std::fs::create_dir(root.join("lake")).unwrap();
        std::fs::write(root.join("lake/part.parquet"), "p").unwrap();
        std::fs::write(root.join("lake.key"), "k").unwrap();
        let mut own = OwnOutputs::default();
        own.add_tree(&root.join("lake"), "the lake this ingest writes");
        own.add(&root.join("lake.key"), "the lake's key file");
        let got = walk(root, &own);
        let names: Vec<String> =
            got.files.iter().map(|(p, _)| p.strip_prefix(root).unwrap().display().to_string()).collect();
        // Two regular files; the loop, the dangling link, the pipe, the lake and its key: skipped.
        assert_eq!(names, vec!["a/b/x.csv", "top.csv"]);
        assert_eq!(got.warnings.len(), 5, "{:?}", got.warnings);
        let has = |end: &str, why: &str| got.warnings.iter().any(|w| w.contains(end) && w.contains(why));
        assert!(has("a/b/up: skipped", "loop"), "{:?}", got.warnings);
        assert!(has("dangling: skipped", "symbolic link"), "{:?}", got.warnings);
        assert!(has("pipe.jsonl: skipped", "a named pipe"), "{:?}", got.warnings);
        assert!(has("lake: skipped", "the lake this ingest writes"), "{:?}", got.warnings);
        assert!(has("lake.key: skipped", "key file"), "{:?}", got.warnings);
        assert!(got.failed.is_empty());
        // Named: the pipe, the lake, a file inside the lake and the key are refused.
        for p in ["pipe.jsonl", "lake", "lake/part.parquet", "lake.key"] {
            assert!(check_named(&root.join(p), &own).is_err(), "{p}");
        }
        assert!(check_named(&root.join("top.csv"), &own).is_ok());
    }
}
