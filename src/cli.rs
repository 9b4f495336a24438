//! The command line: `rallylens run | ingest | lake | analyze | validate | formats`.
//!
//! What a run does lives in its arguments (or, later, a pipeline file); how it runs
//! (threads, progress, quiet) in flags. Errors go to stderr; the exit code is decided in
//! one place, [`exit_code`].

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};

use crate::ingest::driver::{ingest, InputOptions, InputSpec, RunOptions};
use crate::lake::summary::{summarize, thousands};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  error: the lake or a file could not be written or read, or an internal error
  2  usage: unknown flag, bad value, or an invalid pipeline file
  3  bad input: at least one input was not ingested (unknown format, unreadable, more
     rejected rows than --max-reject-rate); the other inputs were committed (and `run`
     still wrote its report, naming them)
  4  busy: another `run` holds the output folder (only with --no-wait; else it waits)";

#[derive(Parser, Debug)]
#[command(
    name = "rallylens",
    version,
    about = "Did the campaign work? Turns advocacy campaign exports into a Parquet lake and the numbers that answer it.",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// Print nothing but errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Worker threads (default: one per core).
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a pipeline: ingest its new and changed inputs, analyze, and render the charts and report.
    #[command(after_help = EXIT_CODES)]
    Run(RunCliArgs),
    /// Read export files into the lake (new and changed files only).
    #[command(after_help = EXIT_CODES)]
    Ingest(Box<IngestArgs>),
    /// Summarise a lake: tables, rows per platform, date ranges, files, rejects.
    #[command(after_help = EXIT_CODES)]
    Lake(LakeArgs),
    /// Compute every metric of a pipeline's campaigns from the lake (METRICS.md tables).
    #[command(after_help = EXIT_CODES)]
    Analyze(AnalyzeArgs),
    /// Check a pipeline file and print what a run of it would do.
    #[command(after_help = EXIT_CODES)]
    Validate {
        /// The pipeline file (pipelines/*.toml).
        pipeline: PathBuf,
    },
    /// List the export formats rallylens reads.
    Formats,
    /// Write demo exports (Kenya 2008, Shell 2012) in the real formats, deterministically.
    Synth(crate::synth::SynthArgs),
}

#[derive(Args, Debug)]
pub struct IngestArgs {
    /// Export files, or folders of them (read recursively; a Twitter archive folder or zip is one input).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The lake folder (created if missing).
    #[arg(long, value_name = "DIR")]
    pub lake: PathBuf,
    /// Read every input as this format instead of detecting it (see `rallylens formats`).
    #[arg(long, value_name = "NAME")]
    pub format: Option<String>,
    /// Tag every row with this campaign id.
    #[arg(long, value_name = "ID")]
    pub campaign: Option<String>,
    /// The platform, for formats that serve several (meta-business-suite-csv: facebook or instagram).
    #[arg(long, value_name = "NAME")]
    pub platform: Option<String>,
    /// Time zone of exports whose times carry none (Page Insights, Meta Business Suite), e.g. Africa/Nairobi.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// The action of exports whose rows don't say what was done (an Action Network petition export: sign_petition).
    #[arg(long, value_name = "VERB")]
    pub action: Option<String>,
    /// A target account (handle): collected posts mentioning it become `mention_target` actions. Repeatable.
    #[arg(long = "target", value_name = "HANDLE")]
    pub targets: Vec<String>,
    /// The days a report without a date column covers (UA range exports, Matomo getAll), FROM..TO inclusive, e.g. 2017-01-01..2017-01-31.
    #[arg(long, value_name = "FROM..TO", value_parser = crate::pipeline::parse_range)]
    pub date_range: Option<(NaiveDate, NaiveDate)>,
    /// Column mapping of a custom-csv input (a TOML file; see pipelines/mappings/).
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
    /// Refuse an input when more than this share of its records fail: a fraction (0.01) or a percentage (1%).
    #[arg(long, default_value = "1%", value_parser = parse_rate, value_name = "RATE")]
    pub max_reject_rate: f64,
    /// Read inputs again even when they are unchanged since the last ingest.
    #[arg(long)]
    pub force: bool,
    /// The pseudonymisation key file (default: DIR.key beside the lake; created on first use).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Split line-oriented files (JSONL) into ranges of this many MiB, read in parallel.
    #[arg(long, default_value_t = 32, value_name = "MIB")]
    pub chunk_mib: u64,
    /// The longest record (a JSON line, a CSV record) read, in MiB: a longer JSON line is rejected, a longer CSV record refuses its file.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=4096), value_name = "MIB")]
    pub max_record_mib: u64,
}

#[derive(Args, Debug)]
pub struct RunCliArgs {
    /// The pipeline file (pipelines/*.toml).
    pub pipeline: PathBuf,
    /// Read every input again and recompute the metrics, even when nothing changed.
    #[arg(long)]
    pub force: bool,
    /// Fail (exit 4) instead of waiting when another run is writing to the same output folder.
    #[arg(long)]
    pub no_wait: bool,
    /// Refuse an input when more than this share of its records fail: a fraction (0.01) or a percentage (1%).
    #[arg(long, default_value = "1%", value_parser = parse_rate, value_name = "RATE")]
    pub max_reject_rate: f64,
    /// The longest record (a JSON line, a CSV record) read, in MiB: a longer JSON line is rejected, a longer CSV record refuses its file.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=4096), value_name = "MIB")]
    pub max_record_mib: u64,
}

#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// The pipeline file (pipelines/*.toml).
    pub pipeline: PathBuf,
    /// The lake to read (default: the pipeline's `lake`, else <output.dir>/lake).
    #[arg(long, value_name = "DIR")]
    pub lake: Option<PathBuf>,
    /// Where to write metrics/ and metrics.json (default: the pipeline's output.dir).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct LakeArgs {
    /// The lake folder.
    pub dir: PathBuf,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

fn parse_rate(s: &str) -> Result<f64, String> {
    let (num, pct) = match s.strip_suffix('%') {
        Some(n) => (n, true),
        None => (s, false),
    };
    let v: f64 = num.trim().parse().map_err(|_| format!("'{s}' is not a number like 0.01 or 1%"))?;
    let v = if pct { v / 100.0 } else { v };
    if !(0.0..=1.0).contains(&v) {
        return Err(format!("'{s}' is not between 0 and 1 (0% and 100%)"));
    }
    Ok(v)
}

/// An error that means "some input was bad" (exit code 3), after the good ones were committed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Maps an error to the documented exit code.
pub fn exit_code(e: &anyhow::Error) -> ExitCode {
    if e.downcast_ref::<BadInput>().is_some() {
        ExitCode::from(3)
    } else if e.downcast_ref::<crate::run::Busy>().is_some() {
        ExitCode::from(4)
    } else if e.downcast_ref::<crate::pipeline::PipelineError>().is_some() {
        ExitCode::from(2)
    } else {
        ExitCode::from(1)
    }
}

pub fn run(cli: Cli) -> Result<()> {
    if let Some(n) = cli.threads {
        rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global().ok();
    }
    match cli.command {
        Command::Run(a) => cmd_run(a, cli.quiet),
        Command::Ingest(a) => cmd_ingest(*a, cli.quiet),
        Command::Lake(a) => cmd_lake(a, cli.quiet),
        Command::Analyze(a) => {
            let p = crate::pipeline::Pipeline::load(&a.pipeline)?;
            let lake = a.lake.unwrap_or_else(|| p.lake.clone());
            let out = a.out.unwrap_or_else(|| p.output.clone());
            let w = crate::metrics::analyze::analyze(&p, &lake, &out)?;
            if !cli.quiet {
                for (t, n) in &w.tables {
                    println!("{:<28} {:>8} rows", t, thousands(*n as u64));
                }
                println!("wrote {} and {}", w.dir.display(), out.join("metrics.json").display());
            }
            Ok(())
        }
        Command::Validate { pipeline } => {
            let p = crate::pipeline::Pipeline::load(&pipeline)?;
            if !cli.quiet {
                print!("{}", p.describe());
            }
            Ok(())
        }
        Command::Formats => {
            print!("{}", formats_table());
            Ok(())
        }
        Command::Synth(a) => crate::synth::cmd(&a, cli.quiet),
    }
}

/// The formats and what each reads, as printed by `rallylens formats`.
pub fn formats_table() -> String {
    let mut s = format!("{:<26} {:<8} what\n", "format", "table");
    for a in crate::ingest::REGISTRY {
        let t = match a.writes() {
            crate::ingest::Writes::Posts => "posts",
            crate::ingest::Writes::Traffic => "traffic",
            crate::ingest::Writes::Actions => "actions",
        };
        s.push_str(&format!("{:<26} {:<8} {}\n", a.name(), t, a.about()));
    }
    s
}

fn cmd_ingest(a: IngestArgs, quiet: bool) -> Result<()> {
    let mapping = match &a.mapping {
        Some(p) => Some(crate::ingest::custom_csv::load_mapping(p)?),
        None => None,
    };
    if let Some(f) = &a.format {
        if crate::ingest::by_name(f).is_none() {
            bail!("unknown format '{f}'; the formats are: {}", crate::ingest::names().join(", "));
        }
    }
    let options = InputOptions {
        format: a.format,
        campaign: a.campaign,
        platform: a.platform.map(|p| p.to_lowercase()),
        tz: a.tz,
        action: a.action,
        targets: a.targets,
        date_range: a.date_range,
        mapping,
    };
    let specs: Vec<InputSpec> = a.paths.into_iter().map(|path| InputSpec { path, options: options.clone() }).collect();
    let mut run = RunOptions::new(&a.lake);
    run.max_reject_rate = a.max_reject_rate;
    run.key_file = a.key;
    run.chunk_bytes = a.chunk_mib.max(1) << 20;
    run.max_record = a.max_record_mib << 20;
    run.force = a.force;
    run.quiet = quiet;
    run.progress = true;
    let report = ingest(&specs, &run)?;
    let failures = crate::run::log_ingest(&report, quiet);
    bad_inputs(&failures, report.inputs.len())
}

/// Exit code 3 when some inputs were not ingested.
fn bad_inputs(failures: &[(String, String)], of: usize) -> Result<()> {
    if failures.is_empty() {
        return Ok(());
    }
    let paths: Vec<&str> = failures.iter().map(|(p, _)| p.as_str()).collect();
    Err(BadInput(format!("{} of {of} inputs were not ingested: {}", failures.len(), paths.join(", "))).into())
}

fn cmd_run(a: RunCliArgs, quiet: bool) -> Result<()> {
    let p = crate::pipeline::Pipeline::load(&a.pipeline)?;
    let args = crate::run::RunArgs {
        force: a.force,
        no_wait: a.no_wait,
        quiet,
        max_reject_rate: a.max_reject_rate,
        max_record: a.max_record_mib << 20,
        generated: crate::run::generated_now(),
    };
    let r = crate::run::run(&p, &args)?;
    if !quiet {
        println!("report: {}", r.html.display());
    }
    bad_inputs(&r.failed, r.ingested + r.unchanged + r.failed.len())
}

fn cmd_lake(a: LakeArgs, quiet: bool) -> Result<()> {
    let manifest = crate::lake::open_for_read(&a.dir, quiet)?;
    let s = summarize(&a.dir, &manifest)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        print!("{}", s.to_text());
    }
    Ok(())
}
