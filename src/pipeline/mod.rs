//! Pipeline files (`pipelines/*.toml`): what a run reads, which campaigns it measures, the
//! ladder of engagement, and where the outputs go; and [`run`], which does it. How it runs
//! (threads, progress, quiet) stays in command-line flags.
//!
//! A file is parsed with serde and checked as a whole ([`file`]): a misspelt key, an
//! impossible date or an overlapping baseline is an error naming the key and its line.
//! `pipelines/example.toml` documents every field.

pub mod benchmarks;
pub mod file;
mod goals;
mod key_accounts;
pub mod run;

use std::path::{Path, PathBuf};

pub use file::*;
use crate::ingest::driver::InputSpec;
use crate::schema::{Campaign, Ladder};

/// A checked pipeline.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub path: PathBuf,
    pub lake: PathBuf,
    pub output: PathBuf,
    /// The report's title (`output.title`, else the campaigns' names joined by " vs ").
    pub title: String,
    pub inputs: Vec<InputSpec>,
    pub campaigns: Vec<Campaign>,
    pub ladder: Ladder,
    pub site: Option<String>,
    /// The published benchmarks file read, when it exists (docs/metrics.md#benchmarks).
    pub benchmarks_file: Option<PathBuf>,
    /// Its entries.
    pub benchmarks: Vec<benchmarks::Published>,
}

/// A problem in a pipeline file, located.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}, line {line}: {key}: {msg}")]
pub struct PipelineError {
    pub file: String,
    pub line: usize,
    pub key: String,
    pub msg: String,
}

impl Pipeline {
    /// Reads and checks a pipeline file.
    pub fn load(path: &Path) -> anyhow::Result<Pipeline> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read the pipeline {}: {e}", path.display()))?;
        Ok(Self::parse(path, &text)?)
    }

    /// Parses and checks pipeline text; `path` names it in errors and anchors relative paths.
    pub fn parse(path: &Path, text: &str) -> Result<Pipeline, PipelineError> {
        let src = file::Src { file: path.display().to_string(), text };
        let file: PipelineFile = toml::from_str(text).map_err(|e| src.toml_error(&e))?;
        file::check(path, &src, file)
    }

    /// What a run of this pipeline would do, for `rallylens validate`.
    pub fn describe(&self) -> String {
        use std::fmt::Write;
        let mut o = String::new();
        let _ = writeln!(o, "pipeline {}: valid", self.path.display());
        let _ = writeln!(o, "  lake    {}", self.lake.display());
        let _ = writeln!(o, "  output  {}", self.output.display());
        if let Some(site) = &self.site {
            let _ = writeln!(o, "  site    {site} (uplift counts only this site's traffic)");
        }
        if let Some(b) = &self.benchmarks_file {
            let _ = writeln!(o, "  benchmarks {} ({} published)", b.display(), self.benchmarks.len());
        }
        let _ = writeln!(o, "inputs ({}):", self.inputs.len());
        for i in &self.inputs {
            let mut extra = Vec::new();
            if let Some(f) = &i.options.format {
                extra.push(format!("format {f}"));
            }
            if let Some(c) = &i.options.campaign {
                extra.push(format!("campaign {c}"));
            }
            // The per-format keys in their order, the site between date_range (70) and
            // mapping (80), where validate always printed it.
            const SITE_AT: usize = 75;
            let mut site = i.options.site.as_ref().map(|s| format!("site {s}"));
            for k in crate::ingest::options::all_keys() {
                if k.order > SITE_AT {
                    extra.extend(site.take());
                }
                extra.extend(i.options.raw.get(k.name).and_then(k.describe));
            }
            extra.extend(site);
            let exists = if i.path.exists() { "" } else { "  (missing!)" };
            let _ = writeln!(o, "  {}{}{exists}", i.path.display(), if extra.is_empty() { String::new() } else { format!("  [{}]", extra.join(", ")) });
        }
        let _ = writeln!(o, "campaigns ({}):", self.campaigns.len());
        for c in &self.campaigns {
            let _ = writeln!(o, "  {} \"{}\": {}..{} ({} days, {}), baseline {}..{}", c.id, c.name, c.start, c.end, c.days(), c.tz, c.baseline_start, c.baseline_end);
            if !c.hashtags.is_empty() {
                let _ = writeln!(o, "    hashtags: {}", c.hashtags.iter().map(|h| format!("#{h}")).collect::<Vec<_>>().join(" "));
            }
            for (p, accts) in c.own_accounts.iter().filter(|(_, a)| !a.is_empty()) {
                let _ = writeln!(o, "    own {p}: {}", accts.join(", "));
            }
            if !c.targets.is_empty() {
                let _ = writeln!(o, "    targets: {}", c.targets.iter().map(|t| format!("@{t}")).collect::<Vec<_>>().join(" "));
            }
            if !c.url_prefixes.is_empty() {
                let _ = writeln!(o, "    urls: {}", c.url_prefixes.join(" "));
            }
            if let Some(ask) = &c.ask {
                let _ = writeln!(o, "    ask: {ask}");
            }
            let _ = writeln!(
                o,
                "    own baseline {} days before start; follower trend over {} days, projected to {}",
                c.benchmark_days, c.growth_history_days, c.project_to
            );
            if !c.goals.is_empty() {
                let _ = writeln!(o, "    goals: {}", c.goals.iter().map(goals::describe).collect::<Vec<_>>().join("; "));
            }
            for m in &c.milestones {
                let _ = writeln!(o, "    milestone {} ({}): {}", m.day, m.kind, m.label);
            }
            if !c.key_accounts.is_empty() {
                let list: Vec<String> = c
                    .key_accounts
                    .iter()
                    .map(|k| format!("{} {}{}", k.platform, k.account, k.label.as_ref().map(|l| format!(" ({l})")).unwrap_or_default()))
                    .collect();
                let _ = writeln!(o, "    key accounts ({}): {}", list.len(), list.join(", "));
            }
            let _ = writeln!(
                o,
                "    top voices: {} per platform, named from {} followers",
                c.top_voices, c.min_followers_to_name
            );
        }
        let _ = writeln!(o, "ladder ({}-day periods):", self.ladder.period_days);
        for (i, r) in self.ladder.rungs.iter().enumerate() {
            let _ = writeln!(o, "  {} {}: {}", i + 1, r.name, r.actions.join(", "));
        }
        o
    }
}

#[cfg(test)]
mod tests;
