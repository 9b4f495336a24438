//! The ingest run: inputs → detected adapters → parallel chunk readers → one atomic commit.
//!
//! Work items are (input, byte range) pairs: whole files for most formats, ~32 MiB ranges of
//! line-oriented files and of header-plus-rows CSV files (cut at record boundaries), so one
//! large JSONL collection or supporter export uses every core. Each item streams its
//! records into its own part files under the transaction's staging folder; nothing is held
//! in memory beyond a batch per open part. When all items are done, each input is judged on
//! its reject rate, and the inputs that pass are committed together.

//!
//! The four phases are separate files: [`plan`] (expand, stat, choose adapters, skip what
//! is unchanged), [`read`] (parallel chunk readers into staging, late hashes), [`judge`]
//! (merge chunks, refuse inputs over the reject rate, build manifest entries) and
//! [`commit`] (one atomic commit).

mod commit;
mod judge;
mod plan;
mod read;

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Result;
use sha2::{Digest, Sha256};

use crate::ingest::options::{self, RawOptions};
use crate::lake::commit::Txn;
use crate::lake::Lake;
use crate::model::Micros;
use crate::pseudo::Pseudonymizer;

pub use plan::expand;

#[cfg(test)]
mod tests;

/// How one input is read: the per-input settings of the CLI or a pipeline file.
#[derive(Clone, Debug, Default)]
pub struct InputOptions {
    /// Forces a format (`--format`); detected from content otherwise.
    pub format: Option<String>,
    pub campaign: Option<String>,
    /// IANA zone name; UTC when absent.
    pub tz: Option<String>,
    pub targets: Vec<String>,
    /// The site the input's traffic is from (`--site`): fills `traffic.site` where the
    /// export names none (docs/metrics.md#sites).
    pub site: Option<String>,
    /// The per-format keys (`--platform`, `date_range`, …), checked and resolved on entry;
    /// the chosen adapter parses its own ([`crate::ingest::options`]).
    pub raw: RawOptions,
}

impl InputOptions {
    /// A fingerprint of everything that changes what is written: the same bytes read with
    /// other options are ingested again (replacing what they wrote before).
    ///
    /// Stored in every lake's manifest: the text hashed for the options that existed when
    /// each was a field of its own must stay byte for byte what it was
    /// ([`options::fingerprint_text`]), or every lake would read every file again.
    fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        let ([platform, action, date_range, mapping], newer) = options::fingerprint_text(&self.raw);
        let s = format!(
            "{:?}|{:?}|{platform}|{:?}|{action}|{:?}|{date_range}|{mapping}",
            self.format, self.campaign, self.tz, self.targets,
        );
        h.update(s.as_bytes());
        // Only when set, so that the fingerprints of inputs without a site stay as they were.
        if let Some(site) = &self.site {
            h.update(format!("|site={site}").as_bytes());
        }
        // Keys added since (none yet): only when set, likewise.
        h.update(newer.as_bytes());
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
            max_record: crate::ingest::common::limits::MAX_RECORD_DEFAULT,
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

/// Ingests `specs` into the lake. Inputs that fail are reported and not committed; the
/// others are committed together. Never leaves the lake half-written.
pub fn ingest(specs: &[InputSpec], run: &RunOptions) -> Result<Report> {
    let clock = crate::timing::Clock::new("");
    let phase = |name: &str| clock.mark(&format!("{name} done"));
    let pseudo = Pseudonymizer::for_lake(&run.lake, run.key_file.as_deref())?;
    let key_path = run.key_file.clone().unwrap_or_else(|| Pseudonymizer::key_path(&run.lake));
    let lake = Lake::open_for_write(&run.lake, run.quiet)?;
    let old = lake.manifest()?;
    let mut report = Report::default();

    let mut planned = plan::plan(specs, run, &old, &key_path, &mut report);
    phase("plan");
    let txn = Txn::begin(&run.lake)?;
    let ingested_at = Micros(chrono::Utc::now().timestamp_micros());
    let read = read::read(&mut planned, run, &old, &txn, &pseudo, ingested_at);
    phase("read");
    let (staged, remove) = judge::judge(&planned, read, run, &txn, ingested_at, &mut report)?;
    commit::commit(txn, &old, staged, &remove, &planned, &mut report)?;
    phase("commit");
    Ok(report)
}
