//! Phase 2: read every input in parallel into staging, hashing the new files meanwhile.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use super::plan::{hash_input, HashResult, Planned};
use super::{Outcome, RunOptions};
use crate::ingest::{Ctx, FileError};
use crate::lake::commit::Txn;
use crate::lake::manifest::Manifest;
use crate::lake::parts::{ChunkResult, PartSink};
use crate::model::Micros;
use crate::pseudo::Pseudonymizer;

/// One work item: (planned index, chunk number, start byte, end byte).
pub(super) type Task = (usize, usize, u64, u64);

/// What the read phase hands the judge: the work items, each one's result (same order),
/// and per input an outcome decided after its late hash (unchanged after all, or unreadable).
pub(super) struct ReadResult {
    pub(super) tasks: Vec<Task>,
    pub(super) results: Vec<Result<ChunkResult, TaskError>>,
    pub(super) late_skip: Vec<Option<Outcome>>,
}

/// Reads every planned input into the transaction's staging folder.
pub(super) fn read(
    planned: &mut [Planned],
    run: &RunOptions,
    old: &Manifest,
    txn: &Txn,
    pseudo: &Pseudonymizer,
    ingested_at: Micros,
) -> ReadResult {
    let ctxs = contexts(planned, run, pseudo, ingested_at);
    let tasks = work_items(planned, run);
    let total_bytes: u64 = planned.iter().map(|p| p.size).sum();
    let bar = progress_bar(run, total_bytes);
    let done = AtomicU64::new(0);
    let (late_hashes, results): (Vec<Option<HashResult>>, Vec<Result<ChunkResult, TaskError>>) = rayon::join(
        || planned.iter().map(|p| p.sha256.is_none().then(|| hash_input(&p.input.path))).collect(),
        || {
            tasks
                .par_iter()
                .map(|&(i, chunk, start, end)| {
                    let progress = || {
                        let d = done.fetch_add(end - start, Ordering::Relaxed) + (end - start);
                        if let Some(b) = &bar {
                            b.set_position(d);
                        }
                    };
                    read_chunk(&planned[i], &ctxs[i], txn, (chunk, start, end), &progress)
                })
                .collect()
        },
    );
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let late_skip = late_skips(planned, late_hashes, run, old);
    ReadResult { tasks, results, late_skip }
}

/// The reading context of each planned input.
fn contexts<'p>(planned: &[Planned], run: &RunOptions, pseudo: &'p Pseudonymizer, ingested_at: Micros) -> Vec<Ctx<'p>> {
    planned
        .iter()
        .map(|p| Ctx {
            source_file: p.input.display.clone(),
            campaign: p.options.campaign.clone(),
            tz: p.tz,
            targets: p.options.targets.iter().map(|t| crate::ingest::common::util::handle(t)).collect(),
            options: p.parsed.clone(),
            site: p.options.site.as_deref().map(crate::ingest::site_name),
            ingested_at,
            pseudo,
            max_record: run.max_record,
        })
        .collect()
}

/// The work items: byte ranges of large line-oriented files, record-boundary ranges of
/// large CSV files, every other input whole.
fn work_items(planned: &[Planned], run: &RunOptions) -> Vec<Task> {
    // A large CSV file is cut at record boundaries found by one scan of its quotes (a quoted
    // cell may hold a newline); the files are scanned in parallel.
    let csv_cuts: Vec<Option<Vec<(u64, u64)>>> = planned
        .par_iter()
        .map(|p| {
            let ca = p.adapter.csv().filter(|_| p.size > run.chunk_bytes && !p.input.path.is_dir())?;
            crate::ingest::common::csv::ranges(&p.input.path, p.size, run.chunk_bytes, ca.delimiter()).ok()
        })
        .collect();
    let mut tasks: Vec<Task> = Vec::new();
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
    tasks
}

/// Reads one work item into its own part files: a line range, a CSV record range, or the
/// whole input through the adapter. `progress` is called once the reading is over (not when
/// the input cannot be opened or its line range not read).
fn read_chunk(
    p: &Planned,
    cx: &Ctx,
    txn: &Txn,
    (chunk, start, end): (usize, u64, u64),
    progress: &dyn Fn(),
) -> Result<ChunkResult, TaskError> {
    let dir = txn.source_dir(&p.id);
    let mut sink = crate::ingest::rules::Stamped { cx, inner: PartSink::new(&dir, chunk) };
    let r = match p.adapter.lines() {
        Some(la) if !p.input.path.is_dir() => {
            let file = p.input.open()?;
            let lines =
                crate::ingest::read_line_range(la, p.adapter.personal_data(), file, start, end, p.size, cx, &mut sink)?;
            sink.inner.set_lines(lines);
            Ok(())
        }
        _ => match p.adapter.csv() {
            Some(ca) if !p.input.path.is_dir() => {
                let lines = crate::ingest::common::csv::read_range(ca, &p.input, start, end, cx, &mut sink)?;
                sink.inner.set_lines(lines);
                Ok(())
            }
            _ => p.adapter.read(&p.input, cx, &mut sink),
        },
    };
    progress();
    r?;
    sink.inner.finish().map_err(TaskError::Lake)
}

/// The late hashes: a file whose content is already listed (or was read earlier in this
/// run) under the same options is unchanged after all.
fn late_skips(
    planned: &mut [Planned],
    late_hashes: Vec<Option<HashResult>>,
    run: &RunOptions,
    old: &Manifest,
) -> Vec<Option<Outcome>> {
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
    late_skip
}

/// Why one chunk of one input could not be staged: the input (it is refused, exit code 3)
/// or the lake (the run stops, exit code 1).
pub(super) enum TaskError {
    Input(FileError),
    Lake(std::io::Error),
}

impl From<FileError> for TaskError {
    fn from(e: FileError) -> Self {
        TaskError::Input(e)
    }
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
