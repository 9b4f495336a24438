//! Phase 3: judge each input on its chunks' results and its reject rate, and build the
//! manifest entries of those that pass.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;

use super::plan::Planned;
use super::read::{ReadResult, TaskError};
use super::{Outcome, Report, RunOptions};
use crate::ingest::Reject;
use crate::lake::commit::{StagedFile, Txn};
use crate::lake::manifest::{FileEntry, PartEntry};
use crate::lake::parts::ChunkResult;
use crate::model::Micros;
use crate::schema::{limit_repeats, Warning};

/// One input's chunks merged in file order: lines, rejects and warnings at file lines, the
/// warnings' repeats limited over the whole input.
struct Judged {
    rows: u64,
    rejects: Vec<Reject>,
    warnings: Vec<Warning>,
    parts: Vec<PartEntry>,
    tables: BTreeMap<String, u64>,
}

/// The staged files to commit and the manifest ids they replace. Fills every input's
/// outcome and the run's warnings. A lake write error stops the run: the staging folder is
/// removed and nothing is committed.
pub(super) fn judge(
    planned: &[Planned],
    read: ReadResult,
    run: &RunOptions,
    txn: &Txn,
    ingested_at: Micros,
    report: &mut Report,
) -> Result<(Vec<StagedFile>, BTreeSet<String>)> {
    let ReadResult { tasks, results, mut late_skip } = read;
    let (mut per_file, mut failed) = gather_chunks(planned, &tasks, results, run, txn)?;
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
        let j = merge_chunks(std::mem::take(&mut per_file[i]));
        let rejected = j.rejects.len() as u64;
        if j.rows > 0 && rejected as f64 > run.max_reject_rate * j.rows as f64 {
            report.inputs[slot].1 = Outcome::Failed(too_many_rejects(p, &j, run));
            std::fs::remove_dir_all(txn.source_dir(&p.id)).ok();
            continue;
        }
        for w in &j.warnings {
            report.warnings.push(w.to_string());
        }
        if j.rows == 0 && j.tables.is_empty() {
            report.warnings.push(format!("{}: no rows to ingest", p.input.display));
        }
        if let Some(old_id) = &p.replaces {
            remove.insert(old_id.clone());
        }
        report.inputs[slot].1 = Outcome::Ingested {
            format: p.adapter.name().to_string(),
            rows: j.rows,
            tables: j.tables.clone(),
            rejected,
            replaced: p.replaces.is_some(),
            duplicates: BTreeMap::new(),
        };
        staged.push(staged_entry(p, j, ingested_at));
    }
    Ok((staged, remove))
}

type PerFile = (Vec<Vec<(usize, ChunkResult)>>, Vec<Option<String>>);

/// Each input's chunk results, and its first input error; a lake error ends the run.
fn gather_chunks(
    planned: &[Planned],
    tasks: &[super::read::Task],
    results: Vec<Result<ChunkResult, TaskError>>,
    run: &RunOptions,
    txn: &Txn,
) -> Result<PerFile> {
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
    Ok((per_file, failed))
}

/// Merges one input's chunks in order, moving chunk-relative lines to file lines.
fn merge_chunks(mut chunks: Vec<(usize, ChunkResult)>) -> Judged {
    chunks.sort_by_key(|(c, _)| *c);
    let mut j =
        Judged { rows: 0, rejects: Vec::new(), warnings: Vec::new(), parts: Vec::new(), tables: BTreeMap::new() };
    let mut line_offset = 0;
    for (_, c) in chunks {
        j.rows += c.rows;
        j.rejects.extend(c.rejects.into_iter().map(|mut r| {
            r.line += line_offset;
            r
        }));
        j.warnings.extend(c.warnings.into_iter().map(|mut w| {
            w.line = w.line.map(|l| l + line_offset);
            w
        }));
        line_offset += c.lines;
        for wp in c.parts {
            *j.tables.entry(wp.table.to_string()).or_default() += wp.rows;
            j.parts.push(PartEntry::from_written(&wp));
        }
    }
    j.warnings = limit_repeats(j.warnings);
    j
}

/// The refusal of an input over `--max-reject-rate`, with its first five problems.
fn too_many_rejects(p: &Planned, j: &Judged, run: &RunOptions) -> String {
    let rejected = j.rejects.len() as u64;
    let rows = j.rows;
    let mut msg = format!(
        "{}: {} of {} records ({:.1}%) could not be read, more than the --max-reject-rate of {}%; \
         the file was not ingested. First problems:",
        p.input.display,
        rejected,
        rows,
        100.0 * rejected as f64 / rows as f64,
        run.max_reject_rate * 100.0
    );
    for r in j.rejects.iter().take(5) {
        msg.push_str(&format!("\n  line {}, field '{}': {}", r.line, r.field, r.error));
    }
    msg
}

/// The manifest entry and rejects of an input that passed.
fn staged_entry(p: &Planned, j: Judged, ingested_at: Micros) -> StagedFile {
    let rejected = j.rejects.len() as u64;
    StagedFile {
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
            rows_read: j.rows,
            rejected,
            tables: j.tables,
            duplicates: BTreeMap::new(),
            parts: j.parts,
            warnings: j.warnings.iter().take(20).map(Warning::to_string).collect(),
        },
        rejects: j.rejects,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Repeat;

    static ERRS: Repeat = Repeat { kind: "errs", keep: 2, more: Some("more not listed") };

    fn chunk(lines: u64, warnings: Vec<Warning>) -> ChunkResult {
        ChunkResult { lines, warnings, ..Default::default() }
    }

    #[test]
    fn chunk_warnings_move_to_file_lines_and_are_limited_over_the_input() {
        let err = |l| Warning::at("s.jsonl", l, "error").once(&ERRS);
        // Given out of order (threads finish when they finish): chunk 1 has 5 lines, chunk
        // 2 starts at file line 6, chunk 3 at 6 + 4 = 10.
        let j = merge_chunks(vec![
            (2, chunk(3, vec![err(1), Warning::at("s.jsonl", 2, "truncated")])),
            (0, chunk(5, vec![err(2)])),
            (1, chunk(4, vec![err(3), Warning::text("as given, line 3".into())])),
        ]);
        let got: Vec<String> = j.warnings.iter().map(Warning::to_string).collect();
        // Errors at file lines 2 and 5 + 3 = 8 kept, the third (line 10) becomes the note;
        // the text-only warning is not touched.
        assert_eq!(
            got,
            [
                "s.jsonl, line 2: error",
                "s.jsonl, line 8: error",
                "as given, line 3",
                "s.jsonl: more not listed",
                "s.jsonl, line 11: truncated",
            ]
        );
    }
}
