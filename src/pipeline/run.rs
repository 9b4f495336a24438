//! `rallylens run PIPELINE`: ingest → analyze → render in one command, as cron runs it.
//!
//! - Ingest reads only new and changed inputs (each skipped one is said so in the log).
//! - Analyze is skipped when neither the lake nor the pipeline's campaigns, ladder or site
//!   changed since the metrics in `OUT` were computed (a fingerprint in
//!   `OUT/.analyze-fingerprint`, written after the tables): an unchanged nightly rerun only
//!   re-renders. `--force` re-reads and recomputes everything.
//! - One run at a time per output folder: `OUT/.run.lock` is held for the whole run; a
//!   second run waits for it (or, with `--no-wait`, fails with exit code 4). The lake's own
//!   writer lock is held while ingest commits and while analyze reads, so a plain
//!   `rallylens ingest` into the same lake never moves files under a reading analyze.
//! - An input that cannot be ingested does not stop the run: the report is rendered from
//!   what the lake holds, names the failed inputs, and the run exits with code 3.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use crate::ingest::driver::{ingest, Outcome, Report, RunOptions};
use crate::support::thousands;
use crate::pipeline::Pipeline;
use crate::render::report::{InputRow, Provenance};

/// How a run runs.
#[derive(Debug, Clone)]
pub struct RunArgs {
    /// Re-read unchanged inputs and recompute unchanged metrics.
    pub force: bool,
    /// Fail at once (exit 4) instead of waiting when another run holds the output folder.
    pub no_wait: bool,
    pub quiet: bool,
    pub max_reject_rate: f64,
    /// The longest record an input may hold, in bytes (`--max-record-mib`).
    pub max_record: u64,
    /// The "Generated" time printed in the report (UTC, `YYYY-MM-DD HH:MM:SS UTC`).
    pub generated: String,
    /// `--engine`: the Spark Connect server that runs the remote steps' relational part
    /// (metrics::analyze::analyze_with); the metrics are the same, so reusing them does not
    /// depend on it.
    pub engine: Option<crate::spark::Endpoint>,
    /// `--key`: the lake key file (None: `LAKE.key` beside the lake); required for a lake at
    /// a URL (docs/object-storage.md).
    pub key: Option<PathBuf>,
}

/// Another run holds the output folder (exit code 4).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Busy(pub String);

/// What a run did.
#[derive(Debug)]
pub struct RunResult {
    pub ingested: usize,
    pub unchanged: usize,
    /// Inputs that could not be ingested: (path, why).
    pub failed: Vec<(String, String)>,
    /// False when the metrics were reused.
    pub analyzed: bool,
    pub html: PathBuf,
    pub markdown: PathBuf,
    pub charts: usize,
}

/// The report's "Generated" time: `SOURCE_DATE_EPOCH` when set (reproducible builds'
/// convention), else now.
pub fn generated_now() -> String {
    let t = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .unwrap_or_else(chrono::Utc::now);
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

pub fn run(p: &Pipeline, a: &RunArgs) -> Result<RunResult> {
    let say = |msg: String| {
        if !a.quiet {
            eprintln!("{msg}");
        }
    };
    std::fs::create_dir_all(&p.output).with_context(|| format!("creating the output folder {}", p.output.display()))?;
    let _run_lock = lock_output(&p.output, a)?;

    // 1. ingest
    let mut result = RunResult {
        ingested: 0,
        unchanged: 0,
        failed: Vec::new(),
        analyzed: false,
        html: PathBuf::new(),
        markdown: PathBuf::new(),
        charts: 0,
    };
    if crate::lake::store::is_url(&p.lake) && !p.inputs.is_empty() {
        return Err(crate::cli::Usage(format!(
            "the pipeline's lake {} is in object storage, which rallylens reads but does not write: ingest into a \
             local lake and upload it (docs/object-storage.md), or list no [[inputs]] to analyze it as it is",
            p.lake.display()
        ))
        .into());
    }
    if p.inputs.is_empty() {
        say("ingest: the pipeline lists no inputs; analysing the lake as it is".into());
    } else {
        let mut opts = RunOptions::new(&p.lake);
        opts.key_file = a.key.clone();
        opts.max_reject_rate = a.max_reject_rate;
        opts.max_record = a.max_record;
        // The run never reads its own output folder (report, charts, metrics) back in.
        opts.outputs.push(p.output.clone());
        opts.force = a.force;
        opts.quiet = a.quiet;
        opts.progress = true;
        let t = std::time::Instant::now();
        let report = ingest(&p.inputs, &opts)?;
        result.failed = log_ingest(&report, a.quiet);
        for (_, o) in &report.inputs {
            match o {
                Outcome::Ingested { .. } => result.ingested += 1,
                Outcome::Unchanged => result.unchanged += 1,
                Outcome::Failed(_) => {}
            }
        }
        say(crate::say::ingest_summary(&report, t.elapsed().as_secs_f64()));
    }

    // 2. analyze, unless nothing it reads changed. A lake at a URL is read from its copy in
    // the local cache (crate::lake::store), locked until the run ends. (The engine is not
    // contacted here: reused metrics need no server, as with a local lake.)
    let opened = crate::cli::open_lake(&p.lake, a.key.as_deref(), true, None, a.quiet)?;
    let lake_dir = opened.dir().to_path_buf();
    let manifest = crate::lake::open_for_read(&lake_dir, a.quiet)?;
    let fp_path = p.output.join(".analyze-fingerprint");
    let fp = fingerprint(p, &lake_dir)?;
    let have_all =
        crate::metrics::registry::names().all(|t| p.output.join("metrics").join(format!("{t}.parquet")).exists())
            && p.output.join("metrics.json").exists();
    let same = std::fs::read_to_string(&fp_path).map(|s| s.trim() == fp).unwrap_or(false);
    if !a.force && same && have_all {
        say("analyze: the lake and the pipeline are unchanged since the last analyze; metrics reused (--force recomputes)".into());
    } else {
        // A fingerprint is only ever beside the metrics it describes: removed first, so an
        // interrupted analyze is redone next time.
        match std::fs::remove_file(&fp_path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing {}", fp_path.display())),
        }
        let t = std::time::Instant::now();
        let w = {
            let _lake_lock = crate::lake::lock(&lake_dir, a.quiet)?;
            let source = opened.source(a.key.as_deref());
            crate::metrics::analyze::analyze_with(p, &lake_dir, source, &p.output, a.engine.as_ref())?
        };
        crate::say::analyzed(a.quiet, p.campaigns.len(), &w, &p.output, t.elapsed().as_secs_f64());
        crate::support::write_atomic(&fp_path, format!("{fp}\n").as_bytes())
            .with_context(|| format!("writing {}", fp_path.display()))?;
        result.analyzed = true;
    }

    // 3. render
    let prov = Provenance {
        pipeline: shown(&p.path),
        lake: shown(&p.lake),
        files: manifest
            .files
            .into_iter()
            .map(|f| InputRow {
                path: f.path,
                format: f.format,
                rows_read: f.rows_read,
                rejected: f.rejected,
                tables: f.tables,
                campaign: f.campaign,
                sha256: f.sha256,
                ingested_at: f.ingested_at,
            })
            .collect(),
        failed: result.failed.clone(),
    };
    let t = std::time::Instant::now();
    let r = crate::render::render(&p.output, &prov, &p.title, &a.generated)?;
    say(format!(
        "render: {} charts in {:.1} s → {} and {}{}",
        r.charts,
        t.elapsed().as_secs_f64(),
        r.html.display(),
        r.markdown.display(),
        match r.recaps.len() {
            0 => String::new(),
            1 => ", 1 supporters' recap".to_string(),
            n => format!(", {n} supporters' recaps"),
        }
    ));
    result.html = r.html;
    result.markdown = r.markdown;
    result.charts = r.charts;
    Ok(result)
}

/// A path as the report shows it: relative to the working folder when it is inside it.
fn shown(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(|r| r.display().to_string()))
        .unwrap_or_else(|| path.display().to_string())
}

/// Says on stderr what ingest did to each input (one line each; errors always; unchanged
/// inputs by name only with `-v`: the summary line counts them) and returns the inputs
/// that failed.
pub fn log_ingest(report: &Report, quiet: bool) -> Vec<(String, String)> {
    for w in &report.warnings {
        if !quiet {
            eprintln!("warning: {w}");
        }
    }
    let mut failures = Vec::new();
    for (path, o) in &report.inputs {
        match o {
            Outcome::Ingested { format, rows, tables, rejected, replaced, duplicates } => {
                if !quiet {
                    // "43 lines → 972 posts": each format says what it counts.
                    let read = crate::ingest::by_name(format)
                        .map_or_else(|| format!("{} records", thousands(*rows)), |a| a.record_unit().count(*rows));
                    let t = crate::say::per_table(tables);
                    eprintln!(
                        "{}{path} ({format}): {read} → {}{}{}",
                        if *replaced { "replaced " } else { "" },
                        if t.is_empty() { "nothing" } else { &t },
                        if *rejected > 0 {
                            format!("; {} rejected (see _rejects/)", thousands(*rejected))
                        } else {
                            String::new()
                        },
                        crate::say::duplicates_clause(duplicates)
                    );
                }
            }
            Outcome::Unchanged => {
                if !quiet && crate::say::verbose() {
                    eprintln!("{path}: unchanged since it was ingested; skipped (--force reads it again)");
                }
            }
            Outcome::Failed(msg) => {
                eprintln!("error: {msg}");
                failures.push((path.clone(), msg.clone()));
            }
        }
    }
    failures
}

/// What analyze's output depends on: the lake's manifest (every commit rewrites it), the
/// pipeline's campaigns, ladder, site and published benchmarks, and this rallylens version.
fn fingerprint(p: &Pipeline, lake_dir: &Path) -> Result<String> {
    let manifest = lake_dir.join(crate::lake::manifest::MANIFEST);
    let bytes = std::fs::read(&manifest).with_context(|| format!("reading {}", manifest.display()))?;
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update([0]);
    // New metric definitions recompute metrics written under the old ones.
    h.update(crate::metrics::registry::METRICS_VERSION.to_le_bytes());
    h.update(&bytes);
    h.update([0]);
    h.update(format!("{:?}\n{:?}\n{:?}", p.campaigns, p.ladder, p.site).as_bytes());
    // The published benchmarks, as read (an edited file re-analyzes).
    if !p.benchmarks.is_empty() {
        h.update(format!("\n{:?}", p.benchmarks).as_bytes());
    }
    Ok(hex::encode(h.finalize()))
}

/// Holds `OUT/.run.lock` for the run: waits for another run, or fails with [`Busy`].
fn lock_output(out: &Path, a: &RunArgs) -> Result<File> {
    let path = out.join(".run.lock");
    let waiting = format!("another run is writing to {}; waiting for it to finish…", out.display());
    match crate::support::lock_file(&path, (!a.no_wait).then_some(waiting.as_str()), a.quiet)? {
        Some(f) => Ok(f),
        None => Err(Busy(format!(
            "another rallylens run is writing to {} (it holds {}); try again when it has finished",
            out.display(),
            path.display()
        ))
        .into()),
    }
}
