//! The command line: `rallylens run | ingest | lake | campaigns | analyze | sql | compare |
//! validate | formats | synth | completions | man`.
//!
//! What a run does lives in its arguments (or a pipeline file); how it runs (threads,
//! `--quiet`, `-v`) in global flags. Data goes to stdout, everything else to stderr
//! ([`crate::say`] has the rule); the exit code is decided in one place, [`exit_code`].

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::{ArgAction, Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::ingest::driver::{ingest, InputOptions, InputSpec, RunOptions};
use crate::lake::summary::summarize;

/// The output rule and the exit codes, under every command's `--help`.
const AFTER_HELP: &str = "\
Output:
  stdout carries only the data a command is asked for (lake, campaigns, sql, formats, validate,
  completions, man); progress, one line per input, warnings, summaries and errors go to
  stderr. -q keeps only errors; -v adds detail, -vv stage times.

Exit codes:
  0  success
  1  error: the lake or a file could not be written or read (a full disk), or an
     internal error
  2  usage: unknown flag, bad value, a missing or invalid pipeline file, a query that
     cannot run (sql), metrics folders that cannot be compared (not a metrics folder,
     different metrics versions)
  3  bad input: at least one input was not ingested (unknown format, unreadable, more
     rejected rows than --max-reject-rate); the other inputs were committed (and `run`
     still wrote its report, naming them)
  4  busy: another `run` holds the output folder (only with --no-wait; else it waits)";

#[derive(Parser, Debug)]
#[command(
    name = "rallylens",
    version,
    about = "Did the campaign work? Turns advocacy campaign exports into a Parquet lake and the numbers that answer it.",
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// Say nothing on stderr but errors (data on stdout is still printed).
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say more on stderr: -v names unchanged inputs and lists the tables written; -vv adds stage times and memory.
    #[arg(long, short, global = true, action = ArgAction::Count)]
    pub verbose: u8,
    /// Worker threads (default: one per core).
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a pipeline: ingest its new and changed inputs, analyze, and render the charts and report.
    #[command(after_help = AFTER_HELP, long_about = RUN_ABOUT)]
    Run(RunCliArgs),
    /// Read export files into the lake (new and changed files only).
    #[command(after_help = AFTER_HELP)]
    Ingest(Box<IngestArgs>),
    /// Summarise a lake: tables, rows per platform, date ranges, files, rejects.
    #[command(after_help = AFTER_HELP)]
    Lake(LakeArgs),
    /// List the campaigns a lake seems to hold: campaign tags, and bursts of hashtags, own engagements and social referrals.
    #[command(after_help = AFTER_HELP, long_about = CAMPAIGNS_ABOUT)]
    Campaigns(crate::adhoc::candidates::CampaignsArgs),
    /// Compute every metric of a pipeline's campaigns from the lake (docs/metrics.md).
    #[command(after_help = AFTER_HELP, long_about = ANALYZE_ABOUT)]
    Analyze(AnalyzeArgs),
    /// Ask the lake and the metric tables a question in SQL (polars SQL, in-process)
    ///
    /// The lake's tables are posts, actions, traffic and accounts (docs/lake.md; `platform`
    /// is a column); with --metrics, every metric table by its name (docs/metrics.md).
    /// Without a query: a prompt on a terminal (.tables, .schema T, .quit; a query ends
    /// with ;), else the query is read from standard input. docs/sql.md has more examples
    /// and what polars SQL does not support.
    ///
    /// Results are for the analyst: they may hold actor_id pseudonyms, which rallylens
    /// keeps out of every report; keep them out of yours. No query reads files other than
    /// the tables (the lake key is never one).
    ///
    /// Examples:
    ///   rallylens sql --lake out/kenya_vs_shell/lake "SELECT platform, count(*) FROM posts GROUP BY 1"
    ///   rallylens sql --metrics out/kenya_vs_shell --format csv "SELECT * FROM campaign_kpis"
    ///   rallylens sql --lake out/kenya_vs_shell/lake .tables
    ///   rallylens sql --lake out/kenya_vs_shell/lake --format json < query.sql > result.jsonl
    #[command(after_help = AFTER_HELP, verbatim_doc_comment)]
    Sql(crate::sql::SqlArgs),
    /// Put the campaigns of earlier runs side by side, from their metrics folders (no lake needed).
    ///
    /// Reads each folder's metrics.json and metrics/ (the output of `run` or `analyze`), checks that
    /// their metrics versions agree, and writes to --out the headline figures side by side, the
    /// campaigns aligned by day since launch, their charts and the report (report.html, report.md).
    ///
    /// Example: rallylens compare out/kenya_2008 out/shell_2012 --out out/kenya_vs_shell
    #[command(after_help = AFTER_HELP)]
    Compare(crate::compare::CompareArgs),
    /// Check a pipeline file and print what a run of it would do.
    #[command(after_help = AFTER_HELP)]
    Validate {
        /// The pipeline file (pipelines/*.toml).
        pipeline: PathBuf,
    },
    /// List the export formats rallylens reads.
    #[command(after_help = AFTER_HELP)]
    Formats,
    /// Write demo exports (Kenya 2008, Shell 2012) in the real formats, deterministically.
    #[command(after_help = AFTER_HELP)]
    Synth(crate::synth::SynthArgs),
    /// Print a shell completion script, e.g. `rallylens completions bash > /etc/bash_completion.d/rallylens`.
    #[command(after_help = AFTER_HELP)]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or with --out write rallylens.1 and one page per command.
    #[command(after_help = AFTER_HELP)]
    Man {
        /// Write every page into this folder (created if missing) instead of printing rallylens.1.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

#[derive(Args, Debug)]
pub struct IngestArgs {
    /// Export files, or folders of them (read recursively; a Twitter archive folder or zip is one input).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    // Every flag has an explicit display order, so that the per-format flags (declared by
    // the adapters, `ingest::options::OptionKey::order`: 30, 50, 70, 80) fall between
    // them; 0-2 tie with the global -q, -v, --threads, as they always did.
    /// The lake folder (created if missing).
    #[arg(long, value_name = "DIR", display_order = 0)]
    pub lake: PathBuf,
    /// Read every input as this format instead of detecting it (see `rallylens formats`).
    #[arg(long, value_name = "NAME", display_order = 1)]
    pub format: Option<String>,
    /// Tag every row with this campaign id.
    #[arg(long, value_name = "ID", display_order = 2)]
    pub campaign: Option<String>,
    /// Time zone of exports whose times carry none (Page Insights, Meta Business Suite), e.g. Africa/Nairobi.
    #[arg(long, value_name = "ZONE", display_order = 40)]
    pub tz: Option<String>,
    /// A target account (handle): collected posts mentioning it become `mention_target` actions. Repeatable.
    #[arg(long = "target", value_name = "HANDLE", display_order = 60)]
    pub targets: Vec<String>,
    /// The website the traffic exports are from (a host name such as www.example.org): fills the site where the export names none.
    #[arg(long, value_name = "NAME", display_order = 90)]
    pub site: Option<String>,
    /// The per-format flags (`--platform`, `--action`, `--date-range`, `--mapping`, …).
    #[command(flatten)]
    pub format_options: FormatFlags,
    /// Refuse an input when more than this share of its records fail: a fraction (0.01) or a percentage (1%).
    #[arg(long, default_value = "1%", value_parser = parse_rate, value_name = "RATE", display_order = 100)]
    pub max_reject_rate: f64,
    /// Read inputs again even when they are unchanged since the last ingest.
    #[arg(long, display_order = 110)]
    pub force: bool,
    /// The pseudonymisation key file (default: DIR.key beside the lake; created on first use).
    #[arg(long, value_name = "FILE", display_order = 120)]
    pub key: Option<PathBuf>,
    /// Split line-oriented files (JSONL) into ranges of this many MiB, read in parallel.
    #[arg(long, default_value_t = 32, value_name = "MIB", display_order = 130)]
    pub chunk_mib: u64,
    /// The longest record (a JSON line, a CSV record) read, in MiB: a longer JSON line is rejected, a longer CSV record refuses its file.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=4096), value_name = "MIB", display_order = 140)]
    pub max_record_mib: u64,
}

/// The flags of every per-format option key ([`crate::ingest::options::all_keys`]), as
/// given on the command line (each checked by its key's `from_cli`).
#[derive(Clone, Debug, Default)]
pub struct FormatFlags(pub crate::ingest::options::RawOptions);

impl Args for FormatFlags {
    fn augment_args(mut cmd: clap::Command) -> clap::Command {
        for k in crate::ingest::options::all_keys() {
            cmd = cmd.arg(
                clap::Arg::new(k.name)
                    .long(&*Box::leak(k.name.replace('_', "-").into_boxed_str()))
                    .value_name(k.value_name)
                    .help(k.help)
                    .display_order(k.order)
                    .value_parser(k.from_cli)
                    .value_hint(if k.names_a_file { clap::ValueHint::AnyPath } else { clap::ValueHint::Unknown }),
            );
        }
        cmd
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for FormatFlags {
    fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut s = FormatFlags::default();
        s.update_from_arg_matches(m)?;
        Ok(s)
    }
    fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
        for k in crate::ingest::options::all_keys() {
            if let Some(v) = m.get_one::<toml::Value>(k.name) {
                self.0.insert(k.name.to_string(), v.clone());
            }
        }
        Ok(())
    }
}

#[derive(Args, Debug)]
pub struct RunCliArgs {
    /// The pipeline file (pipelines/*.toml); or an ad hoc campaign (--campaign, --start, --end) with --input.
    #[arg(required_unless_present = "campaign", conflicts_with = "campaign")]
    pub pipeline: Option<PathBuf>,
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
    /// Run the relational part of hashtag_daily and the post side of reach_daily on this Spark Connect server (sc://HOST:PORT, Apache Spark 4 or Sail), which must read the lake's files at the same paths, or at their s3:// URLs for a lake in object storage; everything else runs here, and the tables are the same (docs/spark.md).
    #[arg(long, value_name = "sc://HOST:PORT", value_parser = crate::spark::EngineParser)]
    pub engine: Option<crate::spark::Endpoint>,
    /// The pseudonymisation key file (default: DIR.key beside the lake; required for a lake at an s3:// URL).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Ad hoc: an export file or folder to ingest (repeatable; as a pipeline's `[[inputs]]`).
    #[arg(long = "input", value_name = "PATH", requires = "campaign", help_heading = ADHOC)]
    pub inputs: Vec<PathBuf>,
    /// Ad hoc: tag every input's rows with the campaign id (as `ingest --campaign`).
    #[arg(long = "tag", requires = "campaign", help_heading = ADHOC)]
    pub tag: bool,
    /// Ad hoc: the lake (default: <out>/lake).
    #[arg(long, value_name = "DIR", requires = "campaign", help_heading = ADHOC)]
    pub lake: Option<PathBuf>,
    /// Ad hoc: where the report, charts and metrics go (default: out/<ID>).
    #[arg(long, value_name = "DIR", requires = "campaign", help_heading = ADHOC)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub adhoc: crate::adhoc::pipeline::AdhocArgs,
}

#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// The pipeline file (pipelines/*.toml); or an ad hoc campaign: --lake with --campaign, --start, --end.
    #[arg(required_unless_present = "campaign", conflicts_with = "campaign")]
    pub pipeline: Option<PathBuf>,
    /// The lake to read: a folder, or s3://BUCKET/PREFIX (docs/object-storage.md) (default: the pipeline's `lake`, else <output.dir>/lake; needed for an ad hoc campaign).
    #[arg(long, value_name = "DIR|URL")]
    pub lake: Option<PathBuf>,
    /// Where to write metrics/ and metrics.json (default: the pipeline's output.dir; ad hoc: out/<ID>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The pseudonymisation key file (default: DIR.key beside the lake; required for a lake at an s3:// URL).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Run the relational part of hashtag_daily and the post side of reach_daily on this Spark Connect server (sc://HOST:PORT, Apache Spark 4 or Sail), which must read the lake's files at the same paths, or at their s3:// URLs for a lake in object storage; everything else runs here, and the tables are the same (docs/spark.md).
    #[arg(long, value_name = "sc://HOST:PORT", value_parser = crate::spark::EngineParser)]
    pub engine: Option<crate::spark::Endpoint>,
    #[command(flatten)]
    pub adhoc: crate::adhoc::pipeline::AdhocArgs,
}

/// The help heading of the ad hoc flags.
const ADHOC: &str = crate::adhoc::pipeline::HEADING;

/// `run --help`'s long description: what it does and an example of each form.
const RUN_ABOUT: &str = "\
Run a pipeline: ingest its new and changed inputs, analyze, and render the charts and report.

Without a pipeline file, the campaign is given by flags (docs/campaigns.md), and the inputs by --input.

Examples:
  rallylens run pipelines/kenya_vs_shell.toml
  rallylens run --input data/shell --tag --campaign shell \\
      --start 2012-10-01 --end 2012-10-21 --tz Europe/London \\
      --hashtag makethefuture --target @Shell --own twitter:amnesty --out out/shell";

/// `analyze --help`'s long description.
const ANALYZE_ABOUT: &str = "\
Compute every metric of a pipeline's campaigns from the lake (docs/metrics.md).

Without a pipeline file, one campaign is given by flags, with the defaults a pipeline file would have (docs/campaigns.md); --save-pipeline writes that pipeline file.

Examples:
  rallylens analyze pipelines/kenya_vs_shell.toml
  rallylens analyze --lake out/kenya_vs_shell/lake --campaign shell \\
      --start 2012-10-01 --end 2012-10-21 --tz Europe/London \\
      --hashtag makethefuture --target @Shell --own twitter:amnesty \\
      --out out/shell --save-pipeline pipelines/shell.toml";

/// `campaigns --help`'s long description.
const CAMPAIGNS_ABOUT: &str = "\
List the campaigns a lake seems to hold: campaign tags (first and last day, rows per table), and bursts of a hashtag's daily posts, an own account's daily engagements, or a site's daily social referral sessions above their own trailing baseline (docs/campaigns.md has the rule). Each candidate comes with the `rallylens analyze` line that sizes it up.

Examples:
  rallylens campaigns --lake out/kenya_vs_shell/lake --tz Europe/London
  rallylens campaigns --lake out/lake --format json | jq '.[] | select(.kind == \"hashtag\")'";

#[derive(Args, Debug)]
pub struct LakeArgs {
    /// The lake folder, or s3://BUCKET/PREFIX (docs/object-storage.md).
    #[arg(value_name = "DIR|URL")]
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

/// A usage error found after the arguments were parsed: a pipeline file that does not
/// exist (exit code 2, like a bad argument; a file that exists but cannot be read is an
/// I/O error, 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Usage(pub String);

/// A lake to read, as `--lake` gives it: a folder, or a lake at a URL copied into the local
/// cache (crate::lake::store), which stays locked while this is held.
pub enum OpenedLake {
    Dir(PathBuf),
    Staged(crate::lake::store::Staged),
}

impl OpenedLake {
    /// The local folder to read.
    pub fn dir(&self) -> &std::path::Path {
        match self {
            OpenedLake::Dir(d) => d,
            OpenedLake::Staged(s) => &s.dir,
        }
    }
    /// What analyze reads besides the folder: the key, and the URL of a staged lake.
    pub fn source<'a>(&'a self, key: Option<&'a std::path::Path>) -> crate::metrics::analyze::Source<'a> {
        let url = match self {
            OpenedLake::Dir(_) => None,
            OpenedLake::Staged(s) => Some(&s.url),
        };
        crate::metrics::analyze::Source { key, url }
    }
}

/// Opens the lake `lake` for reading: a folder as it is; a URL (s3://…) copied into the cache,
/// which, when the command reads pseudonyms with the key (`needs_key`: analyze, run), needs
/// the key file named (a lake's key is never kept in the store). A Spark Connect `engine` is
/// contacted before the copy, so that an unreachable server fails before any work
/// (docs/spark.md).
pub fn open_lake(
    lake: &std::path::Path,
    key: Option<&std::path::Path>,
    needs_key: bool,
    engine: Option<&crate::spark::Endpoint>,
    quiet: bool,
) -> Result<OpenedLake> {
    match crate::lake::store::Place::parse(lake)? {
        crate::lake::store::Place::Dir(d) => Ok(OpenedLake::Dir(d)),
        crate::lake::store::Place::Url(url) => {
            if needs_key && key.is_none() {
                return Err(Usage(format!(
                    "the lake {url} is in object storage: name its key file with --key FILE (a lake's key is never \
                     kept in the store; docs/object-storage.md)"
                ))
                .into());
            }
            if let Some(e) = engine {
                drop(crate::spark::Client::connect(e)?);
            }
            let staged = crate::lake::store::stage(&url, quiet)?;
            if crate::say::verbose() {
                eprintln!(
                    "lake: {url}: {} parts copied ({} bytes), {} reused from {}",
                    staged.copied.0,
                    staged.copied.1,
                    staged.reused,
                    staged.dir.display()
                );
            }
            Ok(OpenedLake::Staged(staged))
        }
    }
}

/// Loads the pipeline file a command names.
fn pipeline(path: &std::path::Path) -> Result<crate::pipeline::Pipeline> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(Usage(format!("the pipeline {} does not exist: {e}", path.display())).into())
        }
        Ok(m) if m.is_dir() => {
            Err(Usage(format!("the pipeline {} is a folder; expected a pipeline file (.toml)", path.display())).into())
        }
        _ => crate::pipeline::Pipeline::load(path),
    }
}

/// Parses the command line with `version` as `--version` says it (main.rs adds the git
/// commit there, so that the man pages and completions, built from [`Cli::command`], do
/// not change with every commit).
pub fn parse(version: &'static str) -> Cli {
    let matches = Cli::command().version(version).get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// Maps an error to the documented exit code.
pub fn exit_code(e: &anyhow::Error) -> ExitCode {
    if e.downcast_ref::<BadInput>().is_some() {
        ExitCode::from(3)
    } else if e.downcast_ref::<crate::run::Busy>().is_some() {
        ExitCode::from(4)
    } else if e.downcast_ref::<crate::pipeline::PipelineError>().is_some() || e.downcast_ref::<Usage>().is_some() {
        ExitCode::from(2)
    } else {
        ExitCode::from(1)
    }
}

pub fn run(cli: Cli) -> Result<()> {
    crate::say::set_level(cli.quiet, cli.verbose);
    if let Some(n) = cli.threads {
        rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global().ok();
    }
    match cli.command {
        Command::Run(a) => cmd_run(a, cli.quiet),
        Command::Ingest(a) => cmd_ingest(*a, cli.quiet),
        Command::Lake(a) => cmd_lake(a, cli.quiet),
        Command::Campaigns(a) => data(&crate::adhoc::candidates::cmd(&a, cli.quiet)?),
        Command::Analyze(a) => {
            let p = match &a.pipeline {
                Some(path) => pipeline(path)?,
                None => crate::adhoc::pipeline::for_analyze(&a.adhoc, a.lake.as_deref(), a.out.as_deref())?,
            };
            let lake = a.lake.unwrap_or_else(|| p.lake.clone());
            let out = a.out.unwrap_or_else(|| p.output.clone());
            let t = std::time::Instant::now();
            let opened = open_lake(&lake, a.key.as_deref(), true, a.engine.as_ref(), cli.quiet)?;
            let source = opened.source(a.key.as_deref());
            let w = crate::metrics::analyze::analyze_with(&p, opened.dir(), source, &out, a.engine.as_ref())?;
            crate::say::analyzed(cli.quiet, p.campaigns.len(), &w, &out, t.elapsed().as_secs_f64());
            Ok(())
        }
        Command::Sql(a) => crate::sql::cmd(a, cli.quiet),
        Command::Compare(a) => crate::compare::cmd(&a, cli.quiet),
        Command::Validate { pipeline } => {
            let p = self::pipeline(&pipeline)?;
            data(p.describe().as_bytes())
        }
        Command::Formats => data(formats_table().as_bytes()),
        Command::Synth(a) => crate::synth::cmd(&a, cli.quiet),
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            crate::cli_docs::completions(shell, &mut buf);
            data(&buf)
        }
        Command::Man { out: None } => data(&crate::cli_docs::man_pages()?.swap_remove(0).1),
        Command::Man { out: Some(dir) } => {
            let written = crate::cli_docs::write_man_pages(&dir)?;
            if !cli.quiet {
                eprintln!("man: wrote {} pages to {}", written, dir.display());
            }
            Ok(())
        }
    }
}

/// Writes a command's data to stdout (a closed pipe ends the command quietly: main.rs).
fn data(bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()?;
    Ok(())
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
    // Each key resolves its value (a mapping file is read and checked here), relative
    // paths against the working folder.
    let mut raw = crate::ingest::options::RawOptions::new();
    for (k, v) in a.format_options.0 {
        let key = crate::ingest::options::key(&k).expect("a flag of a declared key");
        raw.insert(k, (key.resolve)(v, std::path::Path::new("")).map_err(anyhow::Error::msg)?);
    }
    if let Some(f) = &a.format {
        if crate::ingest::by_name(f).is_none() {
            bail!("unknown format '{f}'; the formats are: {}", crate::ingest::names().join(", "));
        }
    }
    let options = InputOptions {
        format: a.format,
        campaign: a.campaign,
        tz: a.tz,
        targets: a.targets,
        site: a.site.as_deref().map(crate::ingest::site_name),
        raw,
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
    let t = std::time::Instant::now();
    let report = ingest(&specs, &run)?;
    let failures = crate::run::log_ingest(&report, quiet);
    if !quiet {
        eprintln!("{}", crate::say::ingest_summary(&report, t.elapsed().as_secs_f64()));
    }
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
    let p = match &a.pipeline {
        Some(path) => pipeline(path)?,
        None => crate::adhoc::pipeline::build(
            &a.adhoc,
            &crate::adhoc::pipeline::Places { lake: a.lake, out: a.out, inputs: a.inputs, tag_inputs: a.tag },
        )?,
    };
    let args = crate::run::RunArgs {
        force: a.force,
        no_wait: a.no_wait,
        quiet,
        max_reject_rate: a.max_reject_rate,
        max_record: a.max_record_mib << 20,
        generated: crate::run::generated_now(),
        engine: a.engine,
        key: a.key,
    };
    let r = crate::run::run(&p, &args)?;
    bad_inputs(&r.failed, r.ingested + r.unchanged + r.failed.len())
}

fn cmd_lake(a: LakeArgs, quiet: bool) -> Result<()> {
    let opened = open_lake(&a.dir, None, false, None, quiet)?;
    let manifest = crate::lake::open_for_read(opened.dir(), quiet)?;
    let mut s = summarize(opened.dir(), &manifest)?;
    if let OpenedLake::Staged(staged) = &opened {
        s.lake = staged.url.to_string();
    }
    if a.json {
        data(format!("{}\n", serde_json::to_string_pretty(&s)?).as_bytes())
    } else {
        data(s.to_text().as_bytes())
    }
}
