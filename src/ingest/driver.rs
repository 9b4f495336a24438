//! The ingest run: inputs → detected adapters → parallel chunk readers → one atomic commit.
//!
//! Work items are (input, byte range) pairs: whole files for most formats, ~32 MiB ranges of
//! line-oriented files and of header-plus-rows CSV files (cut at record boundaries), so one
//! large JSONL collection or supporter export uses every core. Each item streams its
//! records into its own part files under the transaction's staging folder; nothing is held
//! in memory beyond a batch per open part. When all items are done, each input is judged on
//! its reject rate, and the inputs that pass are committed together.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::walk::{self, Expanded, OwnOutputs};
use super::{by_name, detect, names, probe_input, Adapter, Ctx, FileError, Input, Probe, Reject};
use crate::lake::commit::{StagedFile, Txn};
use crate::lake::manifest::{FileEntry, PartEntry};
use crate::lake::parts::{ChunkResult, PartSink};
use crate::lake::Lake;
use crate::model::Micros;
use crate::pseudo::Pseudonymizer;

/// How one input is read: the per-input settings of the CLI or a pipeline file.
#[derive(Clone, Debug, Default)]
pub struct InputOptions {
    /// Forces a format (`--format`); detected from content otherwise.
    pub format: Option<String>,
    pub campaign: Option<String>,
    pub platform: Option<String>,
    /// IANA zone name; UTC when absent.
    pub tz: Option<String>,
    pub action: Option<String>,
    pub targets: Vec<String>,
    pub date_range: Option<(NaiveDate, NaiveDate)>,
    pub mapping: Option<toml::Table>,
    /// The site the input's traffic is from (`--site`): fills `traffic.site` where the
    /// export names none (docs/metrics.md#sites).
    pub site: Option<String>,
}

impl InputOptions {
    /// A fingerprint of everything that changes what is written: the same bytes read with
    /// other options are ingested again (replacing what they wrote before).
    fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        let s = format!(
            "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{}",
            self.format,
            self.campaign,
            self.platform,
            self.tz,
            self.action,
            self.targets,
            self.date_range,
            self.mapping.as_ref().map(|m| m.to_string()).unwrap_or_default()
        );
        h.update(s.as_bytes());
        // Only when set, so that the fingerprints of inputs without a site stay as they were.
        if let Some(site) = &self.site {
            h.update(format!("|site={site}").as_bytes());
        }
        hex::encode(&h.finalize()[..8])
    }
}

#[derive(Clone, Debug)]
pub struct InputSpec {
    pub path: PathBuf,
    pub options: InputOptions,
}

/// Settings of the run itself.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub lake: PathBuf,
    /// Largest share of an input's records that may be rejected before the input is refused.
    pub max_reject_rate: f64,
    pub key_file: Option<PathBuf>,
    /// Byte size of the ranges a line-oriented file is split into.
    pub chunk_bytes: u64,
    /// Re-read inputs even when unchanged.
    pub force: bool,
    pub quiet: bool,
    pub progress: bool,
    /// Folders this run writes besides the lake (a run's output folder): never read.
    pub outputs: Vec<PathBuf>,
    /// The longest record (a JSON line, a CSV record) read, in bytes (`--max-record-mib`).
    pub max_record: u64,
}

impl RunOptions {
    pub fn new(lake: impl Into<PathBuf>) -> Self {
        RunOptions {
            lake: lake.into(),
            max_reject_rate: 0.01,
            key_file: None,
            chunk_bytes: 32 << 20,
            force: false,
            quiet: true,
            progress: false,
            outputs: Vec::new(),
            max_record: super::limits::MAX_RECORD_DEFAULT,
        }
    }
}

/// What happened to one input.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Ingested {
        format: String,
        rows: u64,
        tables: BTreeMap<String, u64>,
        rejected: u64,
        replaced: bool,
        /// Rows per table that repeat a row read before (counted once): known after the commit.
        duplicates: BTreeMap<String, u64>,
    },
    Unchanged,
    Failed(String),
}

#[derive(Debug, Default)]
pub struct Report {
    /// Per input, in the order given.
    pub inputs: Vec<(String, Outcome)>,
    pub warnings: Vec<String>,
}

impl Report {
    pub fn failed(&self) -> usize {
        self.inputs.iter().filter(|(_, o)| matches!(o, Outcome::Failed(_))).count()
    }
}

/// An input ready to be read.
struct Planned {
    input: Input,
    abs: String,
    size: u64,
    mtime: Option<i64>,
    /// Known before reading for probably-unchanged files, after it for the others.
    sha256: Option<String>,
    adapter: &'static dyn Adapter,
    options: InputOptions,
    fingerprint: String,
    tz: chrono_tz::Tz,
    seq: u64,
    id: String,
    replaces: Option<String>,
    /// Index into the report.
    slot: usize,
}

/// Expands folders into the inputs they hold: a folder that an archive format recognises
/// (a Twitter archive) is one input, any other folder its regular files, recursively,
/// sorted (the rules, and what is skipped, are in [`super::walk`]).
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
type HashResult = std::io::Result<(u64, String)>;

fn hash_input(path: &Path) -> HashResult {
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
    // A column mapping only makes sense for custom-csv: it selects that format.
    let forced = opts.format.as_deref().or(opts.mapping.as_ref().map(|_| "custom-csv"));
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

/// Ingests `specs` into the lake. Inputs that fail are reported and not committed; the
/// others are committed together. Never leaves the lake half-written.
pub fn ingest(specs: &[InputSpec], run: &RunOptions) -> Result<Report> {
    let clock = crate::timing::Clock::new("");
    let phase = |name: &str| clock.mark(&format!("{name} done"));
    let pseudo = Pseudonymizer::for_lake(&run.lake, run.key_file.as_deref())?;
    let key_path = run.key_file.clone().unwrap_or_else(|| Pseudonymizer::key_path(&run.lake));
    let key_abs = std::fs::canonicalize(&key_path).ok();
    let lake = Lake::open_for_write(&run.lake, run.quiet)?;
    let old = lake.manifest()?;
    let mut report = Report::default();

    // 1. Expand, stat, decide what to read. A file whose path, size and modification time
    // (to the nanosecond) and read options match the manifest is unchanged and skipped
    // without reading it, as rsync and make decide: a nightly run over gigabytes of
    // unchanged exports costs a stat per file. `--force` reads everything. A folder input
    // (a Twitter archive) whose entry matches is hashed first and skipped if the hash is
    // listed. Any other
    // file is read at once and hashed at the same time (SHA-256 is sequential and costs as
    // much as a third of the parse); if its hash then turns out to be listed, its staged
    // rows are dropped, so the outcome is the same as hashing first.
    // A run never reads what it writes (see `walk`).
    let mut own = OwnOutputs::default();
    own.add_tree(&run.lake, "the lake this ingest writes");
    own.add(&key_path, "the lake's pseudonymisation key file");
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
    let mut planned: Vec<Planned> = Vec::new();
    let mut seq = old.next_seq;
    let mut seen_abs: BTreeSet<String> = BTreeSet::new();
    let mut probably_unchanged: Vec<usize> = Vec::new();
    for (path, shown, options) in listed {
        let slot = report.inputs.len();
        report.inputs.push((shown.clone(), Outcome::Unchanged));
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                report.inputs[slot].1 = Outcome::Failed(FileError::io(&shown, &e).to_string());
                continue;
            }
        };
        let abs = std::fs::canonicalize(&path).unwrap_or(path.clone()).to_string_lossy().into_owned();
        if !seen_abs.insert(abs.clone()) {
            continue; // the same file twice on one command line: read once
        }
        if key_abs.as_deref() == Some(Path::new(&abs)) {
            let msg = "this is the lake's pseudonymisation key: it is never read as an input";
            report.inputs[slot].1 = Outcome::Failed(FileError::new(&shown, msg).to_string());
            continue;
        }
        let fingerprint = options.fingerprint();
        let mtime = mtime_ns(&meta);
        let same_stat =
            |f: &&FileEntry| f.abs_path == abs && f.size == meta.len() && f.mtime == mtime && f.options == fingerprint;
        if !run.force && !meta.is_dir() && mtime.is_some() && old.files.iter().any(|f| same_stat(&f)) {
            continue; // Outcome::Unchanged
        }
        let adapter = match choose_adapter(&path, &shown, &options) {
            Ok(a) => a,
            Err(e) => {
                report.inputs[slot].1 = Outcome::Failed(e.to_string());
                continue;
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
                continue;
            }
        };
        if meta.is_dir() || old.files.iter().any(|f| same_stat(&f)) {
            probably_unchanged.push(planned.len());
        }
        let replaces = old.files.iter().find(|f| f.abs_path == abs).map(|f| f.id.clone());
        planned.push(Planned {
            input: Input { path: path.clone(), display: shown },
            abs,
            size: meta.len(),
            mtime,
            sha256: None,
            adapter,
            options,
            fingerprint,
            tz,
            seq: 0,
            id: String::new(),
            replaces,
            slot,
        });
    }
    let hashed: Vec<std::io::Result<(u64, String)>> =
        probably_unchanged.par_iter().map(|&i| hash_input(&planned[i].input.path)).collect();
    let mut skip: BTreeSet<usize> = BTreeSet::new();
    for (&i, h) in probably_unchanged.iter().zip(hashed) {
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
    let mut planned: Vec<Planned> =
        planned.into_iter().enumerate().filter(|(i, _)| !skip.contains(i)).map(|(_, p)| p).collect();
    for p in &mut planned {
        p.seq = seq;
        p.id = format!("f{seq:06}");
        seq += 1;
    }

    phase("plan");
    // 2. Read everything in parallel into staging, hashing the new files meanwhile.
    let txn = Txn::begin(&run.lake)?;
    let ingested_at = Micros(chrono::Utc::now().timestamp_micros());
    let ctxs: Vec<Ctx> = planned
        .iter()
        .map(|p| Ctx {
            source_file: p.input.display.clone(),
            campaign: p.options.campaign.clone(),
            platform: p.options.platform.clone(),
            tz: p.tz,
            action: p.options.action.clone(),
            targets: p.options.targets.iter().map(|t| super::util::handle(t)).collect(),
            date_range: p.options.date_range,
            mapping: p.options.mapping.clone(),
            site: p.options.site.as_deref().map(crate::ingest::site_name),
            ingested_at,
            pseudo: &pseudo,
            max_record: run.max_record,
        })
        .collect();
    // A large CSV file is cut at record boundaries found by one scan of its quotes (a quoted
    // cell may hold a newline); the files are scanned in parallel.
    let csv_cuts: Vec<Option<Vec<(u64, u64)>>> = planned
        .par_iter()
        .map(|p| {
            let ca = p.adapter.csv().filter(|_| p.size > run.chunk_bytes && !p.input.path.is_dir())?;
            super::csv_stream::ranges(&p.input.path, p.size, run.chunk_bytes, ca.delimiter()).ok()
        })
        .collect();
    let mut tasks: Vec<(usize, usize, u64, u64)> = Vec::new(); // (planned idx, chunk, start, end)
    for (i, (p, cuts)) in planned.iter().zip(csv_cuts).enumerate() {
        if p.adapter.lines().is_some() && p.size > run.chunk_bytes && !p.input.path.is_dir() {
            let n = p.size.div_ceil(run.chunk_bytes);
            for c in 0..n {
                tasks.push((i, c as usize, c * run.chunk_bytes, ((c + 1) * run.chunk_bytes).min(p.size)));
            }
        } else if let Some(cuts) = cuts {
            tasks.extend(cuts.into_iter().enumerate().map(|(c, (start, end))| (i, c, start, end)));
        } else {
            tasks.push((i, 0, 0, p.size));
        }
    }
    let total_bytes: u64 = planned.iter().map(|p| p.size).sum();
    let bar = progress_bar(run, total_bytes);
    let done = AtomicU64::new(0);
    let (late_hashes, results): (Vec<Option<HashResult>>, Vec<Result<ChunkResult, TaskError>>) = rayon::join(
        || planned.iter().map(|p| p.sha256.is_none().then(|| hash_input(&p.input.path))).collect(),
        || {
            tasks
                .par_iter()
                .map(|&(i, chunk, start, end)| {
                    let p = &planned[i];
                    let cx = &ctxs[i];
                    let dir = txn.source_dir(&p.id);
                    let mut sink = super::rules::Stamped { cx, inner: PartSink::new(&dir, chunk) };
                    let r = match p.adapter.lines() {
                        Some(la) if !p.input.path.is_dir() => {
                            let file = p.input.open()?;
                            let lines = super::read_line_range(
                                la,
                                p.adapter.personal_data(),
                                file,
                                start,
                                end,
                                p.size,
                                cx,
                                &mut sink,
                            )?;
                            sink.inner.set_lines(lines);
                            Ok(())
                        }
                        _ => match p.adapter.csv() {
                            Some(ca) if !p.input.path.is_dir() => {
                                let lines = super::csv_stream::read_range(ca, &p.input, start, end, cx, &mut sink)?;
                                sink.inner.set_lines(lines);
                                Ok(())
                            }
                            _ => p.adapter.read(&p.input, cx, &mut sink),
                        },
                    };
                    let d = done.fetch_add(end - start, Ordering::Relaxed) + (end - start);
                    if let Some(b) = &bar {
                        b.set_position(d);
                    }
                    r?;
                    sink.inner.finish().map_err(TaskError::Lake)
                })
                .collect()
        },
    );
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    // The late hashes: a file whose content is already listed (or was read earlier in this
    // run) under the same options is unchanged after all.
    let mut this_run: BTreeSet<(String, String)> = BTreeSet::new();
    let mut late_skip: Vec<Option<Outcome>> = (0..planned.len()).map(|_| None).collect();
    for (i, (p, h)) in planned.iter_mut().zip(late_hashes).enumerate() {
        match h {
            Some(Ok((_, sha))) => p.sha256 = Some(sha),
            Some(Err(e)) => late_skip[i] = Some(Outcome::Failed(FileError::io(&p.input.display, &e).to_string())),
            None => {}
        }
        let sha = p.sha256.clone().unwrap_or_default();
        let listed = old.files.iter().any(|f| f.sha256 == sha && f.options == p.fingerprint);
        if late_skip[i].is_none() && !this_run.insert((sha, p.fingerprint.clone())) || (!run.force && listed) {
            late_skip[i].get_or_insert(Outcome::Unchanged);
        }
    }

    phase("read");
    // 3. Judge each input, build its manifest entry.
    let mut per_file: Vec<Vec<(usize, ChunkResult)>> = (0..planned.len()).map(|_| Vec::new()).collect();
    let mut failed: Vec<Option<String>> = vec![None; planned.len()];
    for (&(i, chunk, _, _), r) in tasks.iter().zip(results) {
        match r {
            Ok(c) => per_file[i].push((chunk, c)),
            Err(TaskError::Input(e)) => {
                failed[i].get_or_insert_with(|| e.to_string());
            }
            Err(TaskError::Lake(e)) => {
                // The lake could not be written (a full disk, say): not the input's fault, and
                // no other input can be committed either. Nothing is: the lake stays as it was.
                std::fs::remove_dir_all(&txn.dir).ok();
                std::fs::remove_dir(run.lake.join(crate::lake::commit::STAGING)).ok();
                return Err(anyhow::Error::new(e).context(format!(
                    "writing the lake {} (reading {}); nothing was committed",
                    run.lake.display(),
                    planned[i].input.display
                )));
            }
        }
    }
    let mut staged = Vec::new();
    let mut remove: BTreeSet<String> = BTreeSet::new();
    for (i, p) in planned.iter().enumerate() {
        let slot = p.slot;
        if let Some(outcome) = late_skip[i].take() {
            report.inputs[slot].1 = outcome;
            std::fs::remove_dir_all(txn.source_dir(&p.id)).ok();
            continue;
        }
        if let Some(msg) = failed[i].take() {
            report.inputs[slot].1 = Outcome::Failed(msg);
            std::fs::remove_dir_all(txn.source_dir(&p.id)).ok();
            continue;
        }
        let mut chunks = std::mem::take(&mut per_file[i]);
        chunks.sort_by_key(|(c, _)| *c);
        let mut rows = 0;
        let mut line_offset = 0;
        let mut rejects: Vec<Reject> = Vec::new();
        let mut warnings = Vec::new();
        let mut parts = Vec::new();
        let mut tables: BTreeMap<String, u64> = BTreeMap::new();
        for (_, c) in chunks {
            rows += c.rows;
            rejects.extend(c.rejects.into_iter().map(|mut r| {
                r.line += line_offset;
                r
            }));
            warnings.extend(c.warnings.into_iter().map(|w| fix_line_in_warning(&w, line_offset)));
            line_offset += c.lines;
            for wp in c.parts {
                *tables.entry(wp.table.to_string()).or_default() += wp.rows;
                parts.push(PartEntry::from_written(&wp));
            }
        }
        let rejected = rejects.len() as u64;
        if rows > 0 && rejected as f64 > run.max_reject_rate * rows as f64 {
            let mut msg = format!(
                "{}: {} of {} records ({:.1}%) could not be read, more than the --max-reject-rate of {}%; \
                 the file was not ingested. First problems:",
                p.input.display,
                rejected,
                rows,
                100.0 * rejected as f64 / rows as f64,
                run.max_reject_rate * 100.0
            );
            for r in rejects.iter().take(5) {
                msg.push_str(&format!("\n  line {}, field '{}': {}", r.line, r.field, r.error));
            }
            report.inputs[slot].1 = Outcome::Failed(msg);
            std::fs::remove_dir_all(txn.source_dir(&p.id)).ok();
            continue;
        }
        for w in &warnings {
            report.warnings.push(w.clone());
        }
        if rows == 0 && tables.is_empty() {
            report.warnings.push(format!("{}: no rows to ingest", p.input.display));
        }
        if let Some(old_id) = &p.replaces {
            remove.insert(old_id.clone());
        }
        report.inputs[slot].1 = Outcome::Ingested {
            format: p.adapter.name().to_string(),
            rows,
            tables: tables.clone(),
            rejected,
            replaced: p.replaces.is_some(),
            duplicates: BTreeMap::new(),
        };
        staged.push(StagedFile {
            entry: FileEntry {
                seq: p.seq,
                id: p.id.clone(),
                path: p.input.display.clone(),
                abs_path: p.abs.clone(),
                size: p.size,
                sha256: p.sha256.clone().unwrap_or_default(),
                mtime: p.mtime,
                format: p.adapter.name().to_string(),
                options: p.fingerprint.clone(),
                campaign: p.options.campaign.clone(),
                ingested_at: ingested_at.to_datetime().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                rows_read: rows,
                rejected,
                tables,
                duplicates: BTreeMap::new(),
                parts,
                warnings: warnings.into_iter().take(20).collect(),
            },
            rejects,
        });
    }

    // 4. Commit what passed, in one step.
    let new = txn.commit(&old, staged, &remove).context("committing to the lake")?;
    for f in new.files.iter().filter(|f| !f.duplicates.is_empty()) {
        if let Some(p) = planned.iter().find(|p| p.id == f.id) {
            if let Outcome::Ingested { duplicates, .. } = &mut report.inputs[p.slot].1 {
                duplicates.clone_from(&f.duplicates);
            }
        }
    }
    phase("commit");
    Ok(report)
}

/// Why one chunk of one input could not be staged: the input (it is refused, exit code 3)
/// or the lake (the run stops, exit code 1).
enum TaskError {
    Input(FileError),
    Lake(std::io::Error),
}

impl From<FileError> for TaskError {
    fn from(e: FileError) -> Self {
        TaskError::Input(e)
    }
}

/// Warnings from a chunk name chunk-relative lines ("…, line 7: …"); make them file lines.
fn fix_line_in_warning(w: &str, offset: u64) -> String {
    if offset == 0 {
        return w.to_string();
    }
    if let Some(i) = w.find(", line ") {
        let rest = &w[i + 7..];
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if let Ok(n) = digits.parse::<u64>() {
            return format!("{}, line {}{}", &w[..i], n + offset, &rest[digits.len()..]);
        }
    }
    w.to_string()
}

fn progress_bar(run: &RunOptions, total: u64) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if run.quiet || !run.progress || !std::io::stderr().is_terminal() || total < (8 << 20) {
        return None;
    }
    let b = indicatif::ProgressBar::new(total);
    b.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} ingest [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    Some(b)
}
