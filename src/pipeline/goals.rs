//! `[[campaigns.goals]]` checked into [`Goal`]s (docs/pipeline.md#goals): every error names
//! the key (`campaigns[i].goals[j].metric`, `.target`, `.by`, `.label`) and its line.
//!
//! Readings to keep:
//! - `metric` is one of `metrics::goals::METRICS`; the message lists them.
//! - `target`: `true` for a yes/no metric (and nothing else: a goal of "no response" is not
//!   a goal); a finite number otherwise, not negative for a count.
//! - `by` is a date on or after the campaign's start. A metric without a daily series can
//!   only be read over the whole window, so its `by` must be on or after the window's end
//!   (an error rather than a goal that is always unknown).
//! - The goal's key is the slug of its label (lower-case letters and digits, runs of
//!   anything else one `-`), else the metric's name; two goals of a campaign with the same
//!   key are an error (give one a label), so the key is unique and does not move when
//!   goals are reordered.

use chrono::NaiveDate;

use super::file::{date_of, CampaignEntry, Src};
use super::PipelineError;
use crate::metrics::goals::{metric, Kind, METRICS};
use crate::schema::campaign::Goal;

/// The goals of campaign `i` (its window `start..=end`), in the file's order.
pub(super) fn check(
    src: &Src,
    i: usize,
    c: &CampaignEntry,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Vec<Goal>, PipelineError> {
    let mut goals: Vec<Goal> = Vec::new();
    for (j, g) in c.goals.iter().enumerate() {
        let key = |k: &str| format!("campaigns[{i}].goals[{j}].{k}");
        let e = g.get_ref();
        let name = e.metric.get_ref().trim();
        let Some(m) = metric(name) else {
            let names: Vec<&str> = METRICS.iter().map(|m| m.name).collect();
            return Err(src.err(
                &e.metric.span(),
                key("metric"),
                format!("unknown goal metric '{name}'; the goal metrics are: {}", names.join(", ")),
            ));
        };
        let target = match (m.kind, e.target.get_ref()) {
            (Kind::Bool, toml::Value::Boolean(true)) => 1.0,
            (Kind::Bool, other) => {
                return Err(src.err(
                    &e.target.span(),
                    key("target"),
                    format!("{name} is yes or no: its target is `true`, found {}", kind_of(other)),
                ))
            }
            (_, toml::Value::Integer(n)) => *n as f64,
            (_, toml::Value::Float(x)) if x.is_finite() => *x,
            (_, other) => {
                return Err(src.err(
                    &e.target.span(),
                    key("target"),
                    format!("{name} is a number: expected a number as its target, found {}", kind_of(other)),
                ))
            }
        };
        if m.kind == Kind::Count && target < 0.0 {
            return Err(src.err(
                &e.target.span(),
                key("target"),
                format!("{name} is a count, never below 0: a target of {target} would always be met"),
            ));
        }
        let by = match &e.by {
            None => None,
            Some(b) => {
                let day = date_of(b.get_ref()).map_err(|msg| src.err(&b.span(), key("by"), msg))?;
                if day < start {
                    return Err(src.err(
                        &b.span(),
                        key("by"),
                        format!(
                            "{day} is before the campaign starts ({start}): a goal's day is inside or after the window"
                        ),
                    ));
                }
                if m.daily.is_none() && day < end {
                    return Err(src.err(
                        &b.span(),
                        key("by"),
                        format!(
                            "{name} has no daily figures, only the window's: `by` must be on or after the window's \
                             end ({end}), or left out"
                        ),
                    ));
                }
                Some(day)
            }
        };
        let label = e.label.as_deref().map(str::trim).filter(|l| !l.is_empty()).map(String::from);
        let slug = label.as_deref().map(slug).filter(|s| !s.is_empty()).unwrap_or_else(|| m.name.to_string());
        if goals.iter().any(|o| o.key == slug) {
            return Err(src.err(
                &g.span(),
                key("label"),
                format!("two goals of '{}' have the key '{slug}': give this one a `label` of its own", c.id),
            ));
        }
        goals.push(Goal { key: slug, label, metric: m.name.to_string(), target, by });
    }
    Ok(goals)
}

/// A goal as `validate` lists it: `signups_total ≥ 15000 by 2008-03-04`, `target_responded`.
pub(super) fn describe(g: &Goal) -> String {
    let m = metric(&g.metric);
    let mut s = match m {
        Some(m) if m.kind != Kind::Bool => format!("{} {} {}", g.metric, m.sense.symbol(), g.target),
        _ => g.metric.clone(),
    };
    if let Some(by) = g.by {
        s += &format!(" by {by}");
    }
    if let Some(l) = &g.label {
        s += &format!(" (\"{l}\")");
    }
    s
}

fn kind_of(v: &toml::Value) -> String {
    match v {
        toml::Value::Float(x) => format!("the number {x}"),
        toml::Value::Integer(n) => format!("the number {n}"),
        other => format!("a {}", other.type_str()),
    }
}

/// Lower-case letters and digits; each run of anything else becomes one `-`, none at the ends.
pub(crate) fn slug(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars().flat_map(char::to_lowercase) {
        if ch.is_alphanumeric() {
            out.push(ch);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs() {
        assert_eq!(slug("Record sign-ups, week 1!"), "record-sign-ups-week-1");
        assert_eq!(slug("  Réponse de @Shell "), "réponse-de-shell");
        assert_eq!(slug("!!!"), "");
    }
}
