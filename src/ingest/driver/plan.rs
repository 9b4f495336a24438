//! Phase 1: expand the inputs, stat them, choose their adapters, and drop what is unchanged.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::{InputOptions, InputSpec, Outcome, Report, RunOptions};
use crate::ingest::common::walk::{self, Expanded, OwnOutputs};
use crate::ingest::options::Parsed;
use crate::ingest::{by_name, detect, names, probe_input, Adapter, FileError, Input, Probe, REGISTRY};
use crate::lake::manifest::{FileEntry, Manifest};

/// An input ready to be read.
pub(super) struct Planned {
    pub(super) input: Input,
    pub(super) abs: String,
    pub(super) size: u64,
    pub(super) mtime: Option<i64>,
    /// Known before reading for probably-unchanged files, after it for the others.
    pub(super) sha256: Option<String>,
    pub(super) adapter: &'static dyn Adapter,
    pub(super) options: InputOptions,
    /// The adapter's own options, parsed from `options.raw`.
    pub(super) parsed: Parsed,
    pub(super) fingerprint: String,
    pub(super) tz: chrono_tz::Tz,
    pub(super) seq: u64,
    pub(super) id: String,
    pub(super) replaces: Option<String>,
    /// Index into the report.
    pub(super) slot: usize,
}

/// Expands folders into the inputs they hold: a folder that an archive format recognises
/// (a Twitter archive) is one input, any other folder its regular files, recursively,
/// sorted (the rules, and what is skipped, are in [`walk`]).
pub fn expand(spec: &InputSpec, own: &OwnOutputs) -> Expanded {
    let meta = match walk::check_named(&spec.path, own) {
        Ok(m) => m,
        Err(e) => return Expanded { failed: vec![e], ..Expanded::default() },
    };
    let one = || Expanded { files: vec![(spec.path.clone(), walk::relative(&spec.path))], ..Expanded::default() };
    if !meta.is_dir() {
        return one();
    }
    if let Ok((true, head, entries)) = probe_input(&spec.path) {
        let probe = Probe { path: &spec.path, is_dir: true, head: &head, entries: &entries };
        let forced = spec.options.format.as_deref().and_then(by_name);
        if forced.is_some_and(|a| a.detect(&probe) > 0) || (forced.is_none() && detect(&probe).is_some()) {
            return one();
        }
    }
    let mut got = walk::walk(&spec.path, own);
    if got.files.is_empty() && got.failed.is_empty() {
        got.failed.push(FileError::new(&walk::relative(&spec.path), "the folder holds no files to ingest"));
    }
    got
}

/// SHA-256 of a file, read with ordinary reads into a 1 MiB buffer. (Not a memory map: a
/// mapped file that another process truncates meanwhile kills the reader with SIGBUS; a
/// read just ends early, and the size then differs from the one read.)
fn sha256_file(path: &Path) -> std::io::Result<(u64, String)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut len = 0u64;
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.update(&buf[..n]);
        len += n as u64;
    }
    Ok((len, hex::encode(h.finalize())))
}

/// (bytes, SHA-256 hex) of an input.
pub(super) type HashResult = std::io::Result<(u64, String)>;

pub(super) fn hash_input(path: &Path) -> HashResult {
    if path.is_dir() {
        sha256_dir(path)
    } else {
        sha256_file(path)
    }
}

fn mtime_ns(meta: &std::fs::Metadata) -> Option<i64> {
    let t = meta.modified().ok()?;
    let d = t.duration_since(std::time::UNIX_EPOCH).ok()?;
    i64::try_from(d.as_nanos()).ok()
}

fn sha256_dir(dir: &Path) -> std::io::Result<(u64, String)> {
    let files = walk::walk(dir, &OwnOutputs::default()).files;
    let mut h = Sha256::new();
    let mut total = 0;
    for (f, _) in files {
        let (n, s) = sha256_file(&f)?;
        total += n;
        h.update(f.strip_prefix(dir).unwrap_or(&f).to_string_lossy().as_bytes());
        h.update(s.as_bytes());
    }
    Ok((total, hex::encode(h.finalize())))
}

fn choose_adapter(path: &Path, shown: &str, opts: &InputOptions) -> Result<&'static dyn Adapter, FileError> {
    // A key only one format reads may choose it (a column mapping means custom-csv).
    let selected =
        || REGISTRY.iter().find(|a| a.options().iter().any(|k| k.selects_format && opts.raw.contains_key(k.name)));
    let forced = opts.format.as_deref().or_else(|| selected().map(|a| a.name()));
    if let Some(name) = forced {
        return by_name(name).ok_or_else(|| {
            FileError::new(shown, format!("unknown format '{name}'; the formats are: {}", names().join(", ")))
        });
    }
    let (is_dir, head, entries) = probe_input(path).map_err(|e| FileError::io(shown, &e))?;
    if !is_dir && head.trim().is_empty() {
        return Err(FileError::new(shown, "the file is empty"));
    }
    let probe = Probe { path, is_dir, head: &head, entries: &entries };
    // Nothing of an unrecognised file is quoted: it may be a supporter export without its
    // header row, or a key (crate::privacy).
    detect(&probe).map(|(a, _)| a).ok_or_else(|| {
        FileError::new(
            shown,
            format!(
                "unknown format: no adapter recognises this content; {}; name one with --format NAME, one of: {}",
                crate::privacy::describe_unknown(&head, &entries),
                names().join(", ")
            ),
        )
    })
}

/// The inputs to read, numbered from the manifest's next sequence number; every input given
/// gets its slot in `report` (failed, unchanged, or to be filled by the later phases).
///
/// A file whose path, size and modification time (to the nanosecond) and read options match
/// the manifest is unchanged and skipped without reading it, as rsync and make decide: a
/// nightly run over gigabytes of unchanged exports costs a stat per file. `--force` reads
/// everything. A folder input (a Twitter archive) whose entry matches is hashed first and
/// skipped if the hash is listed. Any other file is read at once and hashed at the same time
/// (SHA-256 is sequential and costs as much as a third of the parse); if its hash then turns
/// out to be listed, its staged rows are dropped, so the outcome is the same as hashing first.
pub(super) fn plan(
    specs: &[InputSpec],
    run: &RunOptions,
    old: &Manifest,
    key_path: &Path,
    report: &mut Report,
) -> Vec<Planned> {
    let key_abs = std::fs::canonicalize(key_path).ok();
    let key_abs = key_abs.as_deref();
    let listed = list_inputs(specs, run, key_path, report);
    let mut planned: Vec<Planned> = Vec::new();
    let mut seen_abs: BTreeSet<String> = BTreeSet::new();
    let mut probably_unchanged: Vec<usize> = Vec::new();
    for (path, shown, options) in listed {
        let Some((p, hash_first)) = stat_and_choose(path, shown, options, run, old, key_abs, &mut seen_abs, report)
        else {
            continue;
        };
        if hash_first {
            probably_unchanged.push(planned.len());
        }
        planned.push(p);
    }
    let skip = hash_probably_unchanged(&mut planned, &probably_unchanged, run, old, report);
    let mut planned: Vec<Planned> =
        planned.into_iter().enumerate().filter(|(i, _)| !skip.contains(i)).map(|(_, p)| p).collect();
    let mut seq = old.next_seq;
    for p in &mut planned {
        p.seq = seq;
        p.id = format!("f{seq:06}");
        seq += 1;
    }
    planned
}

/// Every input the specs expand to, with its spec's options; a spec that cannot be
/// expanded, or a file that cannot be listed, is a failed input. A run never reads what it
/// writes (see [`walk`]): the lake, its key file, the run's output folders.
fn list_inputs(
    specs: &[InputSpec],
    run: &RunOptions,
    key_path: &Path,
    report: &mut Report,
) -> Vec<(PathBuf, String, InputOptions)> {
    let mut own = OwnOutputs::default();
    own.add_tree(&run.lake, "the lake this ingest writes");
    own.add(key_path, "the lake's pseudonymisation key file");
    for o in &run.outputs {
        own.add(o, "the output folder of this run");
    }
    let mut listed: Vec<(PathBuf, String, InputOptions)> = Vec::new();
    for spec in specs {
        let got = expand(spec, &own);
        report.warnings.extend(got.warnings);
        for e in got.failed {
            report.inputs.push((e.file.clone(), Outcome::Failed(e.to_string())));
        }
        listed.extend(got.files.into_iter().map(|(p, s)| (p, s, spec.options.clone())));
    }
    listed
}

/// One input: its report slot, its stat, its adapter and time zone; `None` when it is
/// skipped (unchanged, given twice, the key, or failed). The flag says the input should be
/// hashed before reading (a folder, or a file whose stat matches under other options).
#[allow(clippy::too_many_arguments)]
fn stat_and_choose(
    path: PathBuf,
    shown: String,
    options: InputOptions,
    run: &RunOptions,
    old: &Manifest,
    key_abs: Option<&Path>,
    seen_abs: &mut BTreeSet<String>,
    report: &mut Report,
) -> Option<(Planned, bool)> {
    let slot = report.inputs.len();
    report.inputs.push((shown.clone(), Outcome::Unchanged));
    let meta = match std::fs::metadata(&path) {
        Ok(m) => m,
        Err(e) => {
            report.inputs[slot].1 = Outcome::Failed(FileError::io(&shown, &e).to_string());
            return None;
        }
    };
    let abs = std::fs::canonicalize(&path).unwrap_or(path.clone()).to_string_lossy().into_owned();
    if !seen_abs.insert(abs.clone()) {
        return None; // the same file twice on one command line: read once
    }
    if key_abs == Some(Path::new(&abs)) {
        let msg = "this is the lake's pseudonymisation key: it is never read as an input";
        report.inputs[slot].1 = Outcome::Failed(FileError::new(&shown, msg).to_string());
        return None;
    }
    let fingerprint = options.fingerprint();
    let mtime = mtime_ns(&meta);
    let same_stat =
        |f: &&FileEntry| f.abs_path == abs && f.size == meta.len() && f.mtime == mtime && f.options == fingerprint;
    if !run.force && !meta.is_dir() && mtime.is_some() && old.files.iter().any(|f| same_stat(&f)) {
        return None; // Outcome::Unchanged
    }
    let adapter = match choose_adapter(&path, &shown, &options) {
        Ok(a) => a,
        Err(e) => {
            report.inputs[slot].1 = Outcome::Failed(e.to_string());
            return None;
        }
    };
    let tz = match options.tz.as_deref().map(|z| z.parse::<chrono_tz::Tz>()) {
        None => chrono_tz::UTC,
        Some(Ok(tz)) => tz,
        Some(Err(_)) => {
            let msg = format!(
                "unknown time zone '{}'; expected an IANA name like Europe/London",
                options.tz.as_deref().unwrap_or("")
            );
            report.inputs[slot].1 = Outcome::Failed(FileError::new(&shown, msg).to_string());
            return None;
        }
    };
    let parsed = match adapter.parse_options(&options.raw) {
        Ok(p) => p,
        Err(e) => {
            let msg = format!("the options of {}: {e}", adapter.name());
            report.inputs[slot].1 = Outcome::Failed(FileError::new(&shown, msg).to_string());
            return None;
        }
    };
    let hash_first = meta.is_dir() || old.files.iter().any(|f| same_stat(&f));
    let replaces = old.files.iter().find(|f| f.abs_path == abs).map(|f| f.id.clone());
    let p = Planned {
        input: Input { path: path.clone(), display: shown },
        abs,
        size: meta.len(),
        mtime,
        sha256: None,
        adapter,
        options,
        parsed,
        fingerprint,
        tz,
        seq: 0,
        id: String::new(),
        replaces,
        slot,
    };
    Some((p, hash_first))
}

/// Hashes the inputs at `which` (in parallel); returns the indexes to skip: those whose
/// content is listed under the same options (unless `--force`), and those that cannot be read.
fn hash_probably_unchanged(
    planned: &mut [Planned],
    which: &[usize],
    run: &RunOptions,
    old: &Manifest,
    report: &mut Report,
) -> BTreeSet<usize> {
    let hashed: Vec<std::io::Result<(u64, String)>> =
        which.par_iter().map(|&i| hash_input(&planned[i].input.path)).collect();
    let mut skip: BTreeSet<usize> = BTreeSet::new();
    for (&i, h) in which.iter().zip(hashed) {
        let p = &mut planned[i];
        match h {
            Ok((size, sha)) => {
                if !run.force && old.files.iter().any(|f| f.sha256 == sha && f.options == p.fingerprint) {
                    skip.insert(i); // Outcome::Unchanged
                }
                p.size = size;
                p.sha256 = Some(sha);
            }
            Err(e) => {
                report.inputs[p.slot].1 = Outcome::Failed(FileError::io(&p.input.display, &e).to_string());
                skip.insert(i);
            }
        }
    }
    skip
}
