//! The goal scorecard, the report's first section: for each campaign, each goal it set
//! with the figure reached, the target, a progress bar and whether it was met (from
//! `metrics.json`'s `campaigns[].goals`, docs/metrics.md#goals).
//!
//! The bar is filled to the progress capped at 100%; the text beside it gives the progress
//! uncapped (141%). Below 100% the percentage is rounded down, so a goal that is not met
//! never reads 100%. For an at-most goal (a response time) the progress is the share of
//! the allowance used, said as "of the limit". A goal whose figure is null is "unknown",
//! with the figure's reason.

use serde_json::Value;

use super::model::{fmt_json, method_line, s, Block, Fmt, KPIS};

/// Whether a goal was met.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Status {
    Met,
    NotMet,
    Unknown,
}

impl Status {
    /// The CSS class of its bar and status cell.
    pub fn class(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotMet => "not-met",
            Status::Unknown => "unknown",
        }
    }
}

/// One goal's line of the scorecard.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalRow {
    /// Goal, figure, target: preformatted.
    pub cells: [String; 3],
    /// The bar's fill, 0–1.
    pub fill: f64,
    /// The progress as text: `69%`, `141%`, `86% of the limit`, `—`.
    pub progress: String,
    pub status: Status,
    /// `met on 2008-03-12`, `not met`, `unknown: <reason>`.
    pub status_text: String,
}

/// The scorecard's columns: the three cells, the bar with its text, the status.
pub const HEADERS: [&str; 5] = ["Goal", "Figure", "Target", "Progress", "Status"];

fn goals_of<'a>(c: &'a Value) -> Vec<&'a Value> {
    c.get("goals").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
}

/// The Goals section: a line and a scorecard per campaign, or one line when no campaign
/// sets a goal.
pub(super) fn scorecard(camps: &[&Value]) -> Vec<Block> {
    let mut doc = vec![Block::Heading(2, "Goals".into(), "goals".into())];
    if camps.iter().all(|c| goals_of(c).is_empty()) {
        doc.push(Block::Para(
            "No campaign of this pipeline sets a goal: [[campaigns.goals]] in the pipeline file (docs/pipeline.md § goals) \
             turns this section into a scorecard."
                .into(),
        ));
        return doc;
    }
    doc.push(method_line("Goals"));
    for c in camps {
        let goals = goals_of(c);
        if goals.is_empty() {
            doc.push(Block::Para(format!("{}: no goal set.", s(c, "name"))));
            continue;
        }
        let rows: Vec<GoalRow> = goals.iter().map(|g| row(g)).collect();
        let met = rows.iter().filter(|r| r.status == Status::Met).count();
        let unknown = rows.iter().filter(|r| r.status == Status::Unknown).count();
        let unknown = if unknown > 0 { format!(", {unknown} unknown") } else { String::new() };
        doc.push(Block::Para(format!("{}: {met} of {} goals met{unknown}.", s(c, "name"), rows.len())));
        doc.push(Block::Scorecard(rows));
    }
    doc
}

/// One goal of `metrics.json`, formatted as its metric is in the headline figures.
fn row(g: &Value) -> GoalRow {
    let metric = s(g, "metric");
    let f = KPIS.iter().find(|(k, _, _)| *k == metric).map_or(Fmt::Int, |(_, _, f)| *f);
    let null = Value::Null;
    let label = match g.get("by").and_then(Value::as_str) {
        Some(by) => format!("{} (by {by})", s(g, "label")),
        None => s(g, "label").to_string(),
    };
    let actual = fmt_json(g.get("actual").unwrap_or(&null), f).unwrap_or_else(|| "—".into());
    let target = g.get("target").unwrap_or(&null);
    let target = match (target, fmt_json(target, f)) {
        (Value::Bool(_), Some(t)) => t,
        (_, Some(t)) => format!("{} {t}", s(g, "sense")),
        (_, None) => "—".into(),
    };
    let status = match g.get("met") {
        Some(Value::Bool(true)) => Status::Met,
        Some(Value::Bool(false)) => Status::NotMet,
        _ => Status::Unknown,
    };
    let status_text = match status {
        Status::Met => match g.get("first_met_at").and_then(Value::as_str) {
            Some(day) => format!("met on {day}"),
            None => "met".into(),
        },
        Status::NotMet => "not met".into(),
        Status::Unknown => format!("unknown: {}", g.get("reason").and_then(Value::as_str).unwrap_or("no figure")),
    };
    let p = g.get("progress").and_then(Value::as_f64).filter(|p| p.is_finite());
    let progress = match p {
        None => "—".to_string(),
        Some(p) => {
            let pct = if p < 1.0 { (p * 100.0).floor() } else { (p * 100.0).round() };
            let limit = if s(g, "sense") == "≤" { " of the limit" } else { "" };
            format!("{pct:.0}%{limit}")
        }
    };
    GoalRow {
        cells: [label, actual, target],
        fill: p.map_or(0.0, |p| p.clamp(0.0, 1.0)),
        progress,
        status,
        status_text,
    }
}

/// The bar as text, ten cells: `███████░░░`.
pub fn text_bar(fill: f64) -> String {
    let n = (fill.clamp(0.0, 1.0) * 10.0).round() as usize;
    "█".repeat(n) + &"░".repeat(10 - n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_say_met_not_met_and_unknown_with_true_numbers() {
        let met = json!({ "label": "1,000 supporters", "metric": "unique_actors", "sense": "≥", "target": 1000.0,
                          "actual": 1408.0, "met": true, "progress": 1.408, "first_met_at": "2008-03-12" });
        let r = row(&met);
        // 1,408 of 1,000: the bar is full, the text says 141%.
        assert_eq!(r.cells, ["1,000 supporters".to_string(), "1,408".into(), "≥ 1,000".into()]);
        assert_eq!((r.fill, r.progress.as_str(), r.status_text.as_str()), (1.0, "141%", "met on 2008-03-12"));
        // 0.9996 of the target is 99%, not a rounded-up 100%.
        let short = json!({ "label": "Tweets", "metric": "hashtag_posts", "sense": "≥", "target": 10000.0,
                            "actual": 9996.0, "met": false, "progress": 0.9996, "by": "2012-10-07" });
        let r = row(&short);
        assert_eq!(
            (r.cells[0].as_str(), r.progress.as_str(), r.status),
            ("Tweets (by 2012-10-07)", "99%", Status::NotMet)
        );
        assert_eq!(text_bar(r.fill), "██████████");
        assert_eq!(text_bar(0.69), "███████░░░");
        // At most 72 h: 62.4 h used 86% of the allowance (hours from 48 on also in days, 62.4 / 24 = 2.6); a yes/no target reads "yes".
        let latency = json!({ "label": "Fast", "metric": "target_latency_hours", "sense": "≤", "target": 72.0,
                              "actual": 62.4, "met": true, "progress": 0.8667 });
        let r = row(&latency);
        assert_eq!(
            (r.cells[1].as_str(), r.cells[2].as_str(), r.progress.as_str()),
            ("62.4 h (2.6 days)", "≤ 72.0 h (3.0 days)", "86% of the limit")
        );
        let yes = json!({ "label": "A reply", "metric": "target_responded", "sense": "≥", "target": true,
                          "actual": null, "met": null, "progress": null, "reason": "the campaign names no target" });
        let r = row(&yes);
        assert_eq!((r.cells[1].as_str(), r.cells[2].as_str(), r.progress.as_str()), ("—", "yes", "—"));
        assert_eq!(
            (r.status, r.status_text.as_str(), r.fill),
            (Status::Unknown, "unknown: the campaign names no target", 0.0)
        );
    }

    #[test]
    fn a_pipeline_without_goals_gets_one_line() {
        let c = json!({ "name": "K", "goals": [] });
        let doc = scorecard(&[&c]);
        assert_eq!(doc.len(), 2);
        assert!(matches!(&doc[1], Block::Para(p) if p.starts_with("No campaign of this pipeline sets a goal")));
    }
}
