//! What rallylens says while it works, where, and how much.
//!
//! Decisions to keep:
//! - stdout carries only the data a command was asked for (`lake`, `formats`, `validate`,
//!   `completions`, `man`); progress, per-input lines, warnings, summaries, errors go to
//!   stderr. Commands that write files print nothing on stdout.
//! - One level per process, set once by the CLI before work (default for library callers):
//!   -1 `-q` errors only; 0 per-input lines, warnings, stage summaries; 1 `-v` unchanged
//!   inputs and tables written; 2 `-vv` stage times and memory (as `RALLYLENS_TIMING=1`).
//! - No colour of our own; clap follows `NO_COLOR`/`CLICOLOR`/`CLICOLOR_FORCE`; the progress
//!   bar is terminal-only, never with `--quiet`, colourless.
//!
//! User docs: README.md#output-stdout-is-data-stderr-is-the-log.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI8, Ordering};

use crate::support::thousands;

static LEVEL: AtomicI8 = AtomicI8::new(0);

/// Sets the level from the global flags: `--quiet` → -1, else the number of `-v`s (at most 2).
pub fn set_level(quiet: bool, verbose: u8) {
    LEVEL.store(if quiet { -1 } else { verbose.min(2) as i8 }, Ordering::Relaxed);
}

/// -1 (quiet) to 2 (`-vv`).
pub fn level() -> i8 {
    LEVEL.load(Ordering::Relaxed)
}

/// True from `-v` on.
pub fn verbose() -> bool {
    level() >= 1
}

/// "79 posts, 1 action, 513 traffic rows" (tables with a count of 0 left out); empty when
/// all are 0.
pub fn per_table(counts: &BTreeMap<String, u64>) -> String {
    let noun = |t: &str, n: u64| match (t, n) {
        ("traffic", 1) => "traffic row".to_string(),
        ("traffic", _) => "traffic rows".to_string(),
        (t, 1) => t.strip_suffix('s').unwrap_or(t).to_string(),
        (t, _) => t.to_string(),
    };
    counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(t, n)| format!("{} {}", thousands(*n), noun(t, *n)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The duplicates clause of an ingest line, or "" when there are none: rows whose key was
/// already read (from another input, or earlier in the same one), which the lake counts once.
pub fn duplicates_clause(dups: &BTreeMap<String, u64>) -> String {
    let list = per_table(dups);
    if list.is_empty() {
        String::new()
    } else {
        format!("; already read, counted once: {list}")
    }
}

/// The ingest stage's summary line (`ingest` and `run` alike): inputs read, unchanged and
/// failed, and the duplicates the read inputs held, per table.
pub fn ingest_summary(report: &crate::ingest::driver::Report, secs: f64) -> String {
    use crate::ingest::driver::Outcome;
    let (mut read, mut unchanged, mut failed) = (0, 0, 0);
    let mut dups: BTreeMap<String, u64> = BTreeMap::new();
    for (_, o) in &report.inputs {
        match o {
            Outcome::Ingested { duplicates, .. } => {
                read += 1;
                for (t, n) in duplicates {
                    *dups.entry(t.clone()).or_default() += n;
                }
            }
            Outcome::Unchanged => unchanged += 1,
            Outcome::Failed(_) => failed += 1,
        }
    }
    let mut s =
        format!("ingest: {read} input{} read, {unchanged} unchanged and skipped", if read == 1 { "" } else { "s" });
    if unchanged > 0 && !verbose() {
        s.push_str(" (-v names them; --force reads them again)");
    }
    s.push_str(&format!(", {failed} failed, in {secs:.1} s"));
    s.push_str(&duplicates_clause(&dups));
    s
}

/// Says what analyze wrote (`analyze` and `run` alike): one summary line, and with `-v`
/// each table with its rows.
pub fn analyzed(quiet: bool, campaigns: usize, w: &crate::metrics::analyze::Written, out: &std::path::Path, secs: f64) {
    if quiet {
        return;
    }
    let rows: usize = w.tables.iter().map(|(_, n)| n).sum();
    eprintln!(
        "analyze: {campaigns} campaigns, {} tables ({} rows) in {secs:.1} s → {} and {}",
        w.tables.len(),
        thousands(rows as u64),
        w.dir.display(),
        out.join("metrics.json").display()
    );
    if verbose() {
        for (t, n) in &w.tables {
            eprintln!("  {:<28} {:>8} rows", t, thousands(*n as u64));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_table_and_duplicates() {
        let d: BTreeMap<String, u64> = [("posts".into(), 1234), ("actions".into(), 0), ("accounts".into(), 3)].into();
        assert_eq!(per_table(&d), "3 accounts, 1,234 posts");
        let one: BTreeMap<String, u64> = [("actions".into(), 1), ("traffic".into(), 1), ("posts".into(), 2)].into();
        assert_eq!(per_table(&one), "1 action, 2 posts, 1 traffic row");
        assert_eq!(duplicates_clause(&BTreeMap::new()), "");
        assert_eq!(duplicates_clause(&d), "; already read, counted once: 3 accounts, 1,234 posts");
    }
}
