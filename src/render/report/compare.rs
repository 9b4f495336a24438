//! The report of `rallylens compare` (crate::compare): campaigns of earlier runs side by
//! side, from their metrics folders only.
//!
//! Its sections, in order: the campaigns and the folders they come from; the goal
//! scorecard (`campaigns[].goals` of each metrics.json); the headline figures side by side (a figure no folder has has no row; a figure some folders lack
//! shows — with a note naming the folder); the sections across campaigns of the run
//! report, Sign-ups and Campaigns side by side (campaigns aligned by day since launch, with
//! their charts); and Method and provenance (the folders compared, their metrics versions,
//! the method behind each figure).
//!
//! The per-campaign sections (reach, follower growth, engagement and benchmarks, referral
//! uplift, the ladder, hashtags and the target) are not repeated: each run's own report has
//! them, and the intro names it. Personal bests are left out too: a record is the best of
//! one run's lake, and the lakes are not read.

use std::fmt::Write as _;

use anyhow::Result;
use serde_json::Value;

use super::model::{headline, methods, s, section_by_anchor, Block, Table};
use crate::render::{Chart, Metrics};

/// One metrics folder compared, as the report shows it.
pub struct FolderRow {
    /// The folder, as given on the command line.
    pub shown: String,
    /// What campaign ids that occur in several folders are suffixed with (`kenya@<label>`).
    pub label: String,
    pub metrics_version: u32,
    /// `generated_by` of its metrics.json ("rallylens 0.1.0"), or "" when it has none.
    pub generated_by: String,
    /// The pipeline its metrics were computed from, as its metrics.json names it.
    pub pipeline: String,
    /// Its campaigns: (id in that run, id in this comparison).
    pub campaigns: Vec<(String, String)>,
    /// Whether the folder has its own report.html.
    pub has_report: bool,
}

/// The comparison report's blocks; `m` holds the stacked tables and metrics.json the
/// comparison wrote, `warnings` are said under the intro.
pub fn compare_document(
    m: &Metrics,
    charts: &[Chart],
    folders: &[FolderRow],
    warnings: &[String],
    title: &str,
    generated: &str,
) -> Result<Vec<Block>> {
    let camps: Vec<&Value> =
        m.json.get("campaigns").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default();
    let mut doc = vec![Block::Heading(1, title.to_string(), "top".into())];
    let mut intro = String::new();
    for (i, c) in camps.iter().enumerate() {
        let _ = write!(
            intro,
            "{}{} ({} to {}, {} days, {}; from {})",
            if i == 0 { "" } else { "; " },
            s(c, "name"),
            s(c, "start"),
            s(c, "end"),
            c.get("days").and_then(Value::as_i64).unwrap_or(0),
            s(c, "time_zone"),
            s(c, "run"),
        );
    }
    doc.push(Block::Para(format!("Campaigns: {intro}.")));
    let list: Vec<String> =
        folders.iter().map(|f| format!("{} (metrics version {})", f.shown, f.metrics_version)).collect();
    doc.push(Block::Para(format!(
        "Generated {generated} by {} from the metrics folders of {} earlier runs, without their lakes: {}. Every \
         figure is the one its run computed; nothing was recomputed.",
        m.json.get("generated_by").and_then(Value::as_str).unwrap_or("rallylens"),
        folders.len(),
        list.join(", ")
    )));
    let reports: Vec<String> = folders
        .iter()
        .filter(|f| f.has_report)
        .map(|f| format!("{}/report.html", f.shown.trim_end_matches('/')))
        .collect();
    if !reports.is_empty() {
        doc.push(Block::Para(format!(
            "Reach, follower growth, engagement and benchmarks, referral uplift, the ladder, hashtags, the target's \
             response and personal bests are in each run's own report: {}.",
            reports.join(", ")
        )));
    }
    for w in warnings {
        doc.push(Block::Para(format!("Note: {w}")));
    }
    doc.extend(super::goals::scorecard(&camps));
    let without: Vec<&str> = folders
        .iter()
        .filter(|f| camps.iter().any(|c| s(c, "run") == f.label && c.get("goals").is_none()))
        .map(|f| f.shown.as_str())
        .collect();
    if !without.is_empty() && camps.iter().any(|c| c.get("goals").is_some()) {
        doc.push(Block::Para(format!(
            "The metrics of {} predate goals: \"no goal set\" there means none was recorded.",
            without.join(", ")
        )));
    }
    doc.extend(headline(&camps));
    for anchor in ["signups", "comparison"] {
        doc.extend(section_by_anchor(anchor, m, charts, &camps)?);
    }
    doc.push(Block::Heading(2, "Method and provenance".into(), "method".into()));
    doc.push(Block::Heading(3, "Folders compared".into(), "folders".into()));
    doc.push(Block::Para(
        "A campaign id that occurs in more than one folder is shown as id@folder, and its name with the folder in \
         brackets. Folders can be compared only when their metrics versions are equal (docs/metrics.md § Metrics \
         version)."
            .into(),
    ));
    doc.push(Block::Table(folders_table(folders)));
    doc.extend(methods(m, &camps));
    doc.push(Block::Para(
        "Definitions: docs/metrics.md in the rallylens repository. The tables behind this report (the compared \
         campaigns' campaign_kpis, signups, campaign_comparison and goals, stacked) are in metrics/*.parquet \
         beside it."
            .into(),
    ));
    Ok(doc)
}

fn folders_table(folders: &[FolderRow]) -> Table {
    let rows = folders
        .iter()
        .map(|f| {
            let camps: Vec<String> = f
                .campaigns
                .iter()
                .map(|(from, to)| if from == to { from.clone() } else { format!("{from} → {to}") })
                .collect();
            vec![
                f.shown.clone(),
                f.metrics_version.to_string(),
                if f.generated_by.is_empty() { "—".into() } else { f.generated_by.clone() },
                if f.pipeline.is_empty() { "—".into() } else { f.pipeline.clone() },
                camps.join(", "),
            ]
        })
        .collect();
    Table {
        headers: ["Folder", "Metrics version", "Written by", "Pipeline", "Campaigns"].map(String::from).to_vec(),
        right: vec![false, true, false, false, false],
        rows,
    }
}
