//! `campaign_kpis`: each campaign's headline figures, one row per campaign in the pipeline's
//! order, and `metrics.json`, which gives each figure with the method behind it or the
//! reason it is null. Computed last, from the campaigns' scopes and the tables before it.
//!
//! [`figures`] computes one campaign's figures; the `goals` table (metrics::goals) reads
//! them too, and this table then counts the goals met from it (`goals_met` of
//! `goals_total`: a goal whose status is unknown is not met; `goals_met` is null when the
//! campaign sets no goal, `goals_total` 0). `metrics.json` lists each campaign's goals,
//! with the reason for each one whose status is unknown.

use anyhow::Result;
use polars::prelude::*;
use serde_json::{json, Map, Value};

use super::registry::{Compute, Done, Table};
use super::{comparison, goals, growth, hashtags, key_accounts, ladder, reach, signups, stats, uplift, Scope};

/// The `campaign_kpis` table (registry entry): the headline figures of `metrics.json`.
pub const CAMPAIGN_KPIS: Table = Table {
    name: "campaign_kpis",
    key: &["campaign"],
    columns: &[
        "campaign",
        "name",
        "start",
        "end",
        "days",
        "own_posts",
        "own_engagements",
        "unique_actors",
        "hashtag_potential_reach",
        "signups_total",
        "signups_first_week",
        "uplift_method",
        "social_uplift_sessions",
        "social_uplift_rel",
        "social_total_traffic_uplift_rel",
        "facebook_uplift_rel",
        "facebook_total_traffic_uplift_rel",
        "moved_up",
        "new_supporters",
        "target_responded",
        "target_latency_hours",
        "followers_at_launch",
        "followers_gained",
        "followers_above_projection",
        "followers_above_projection_low",
        "followers_above_projection_high",
        "key_accounts_participating",
        "key_accounts_total",
        "goals_met",
        "goals_total",
    ],
    compute: Compute::Derived(campaign_kpis),
};

/// A value of one cell, by campaign (and optionally by another key column's value).
fn cell(df: &DataFrame, campaign: &str, key: Option<(&str, &str)>, column: &str) -> Option<AnyValue<'static>> {
    let camp = df.column("campaign").ok()?.str().ok()?;
    let other = key.and_then(|(k, _)| df.column(k).ok()?.str().ok().cloned());
    let col = df.column(column).ok()?;
    (0..df.height()).find_map(|i| {
        let ok =
            camp.get(i) == Some(campaign) && key.is_none_or(|(_, v)| other.as_ref().and_then(|o| o.get(i)) == Some(v));
        ok.then(|| col.get(i).ok().map(|v| v.into_static())).flatten()
    })
}

fn as_f64(v: Option<AnyValue>) -> Option<f64> {
    v.and_then(|v| v.extract::<f64>())
}

fn as_i64(v: Option<AnyValue>) -> Option<i64> {
    v.and_then(|v| v.extract::<i64>())
}

fn as_str(v: Option<AnyValue>) -> Option<String> {
    match v? {
        AnyValue::String(s) => Some(s.to_string()),
        AnyValue::StringOwned(s) => Some(s.to_string()),
        _ => None,
    }
}

/// A headline figure: its value, and how it was computed or why it is null.
fn figure(value: Value, method: &str, reason: &str) -> Value {
    if value.is_null() {
        json!({ "value": null, "reason": reason })
    } else {
        json!({ "value": value, "method": method })
    }
}

/// One campaign's headline figures: the `campaign_kpis` row (column → value) and, for
/// `metrics.json`, each figure's method or reason, the uplift method and the warnings.
/// Also read by the goals (metrics::goals), whose table `campaign_kpis` then reads.
pub(crate) struct Figures {
    pub row: Map<String, Value>,
    pub figures: Value,
    pub uplift_method: Option<String>,
    pub warnings: Vec<String>,
    /// Each own account's follower-growth fit, for `metrics.json` (metrics::growth).
    pub growth: Value,
}

impl Figures {
    /// A figure's value (null when absent) and, when it is null, the reason `metrics.json` gives.
    pub fn get(&self, key: &str) -> (Value, Option<String>) {
        let value = self.row.get(key).cloned().unwrap_or(Value::Null);
        let reason = self.figures.get(key).and_then(|f| f.get("reason")).and_then(Value::as_str).map(String::from);
        (value, reason)
    }
}

/// `campaign_kpis` and `metrics.json`: each campaign's headline figures ([`figures`]), and
/// how many of its goals it met (the `goals` table, computed just before).
fn campaign_kpis(d: &Done<'_>) -> Result<(DataFrame, Value)> {
    let p = d.pipeline;
    let goals_table = d.table(&goals::GOALS)?;
    let mut rows: Vec<Map<String, Value>> = Vec::new();
    let mut campaigns_json = Vec::new();
    for s in d.scopes {
        let c = s.campaign;
        let id = c.id.as_str();
        let Figures { mut row, mut figures, uplift_method, warnings, growth } = figures(d, s)?;
        let (met, total, list) = goals::summary(goals_table, id)?;
        row.insert("goals_met".into(), if total == 0 { Value::Null } else { json!(met) });
        row.insert("goals_total".into(), json!(total));
        if let Some(f) = figures.as_object_mut() {
            let unknown = list.iter().filter(|g| g.get("met").is_some_and(Value::is_null)).count();
            f.insert(
                "goals_met".into(),
                figure(
                    row["goals_met"].clone(),
                    &format!("goals whose figure reached the target ({unknown} of {total} unknown, counted as not met; docs/metrics.md#goals)"),
                    "the campaign sets no goal",
                ),
            );
            f.insert("goals_total".into(), figure(json!(total), "[[campaigns.goals]] of the pipeline", ""));
        }
        campaigns_json.push(json!({
            "id": id, "name": c.name, "ask": c.ask, "start": c.start.to_string(), "end": c.end.to_string(), "days": c.days(),
            "time_zone": c.tz.to_string(),
            "baseline": { "start": c.baseline_start.to_string(), "end": c.baseline_end.to_string() },
            "uplift_method": uplift_method,
            "figures": figures,
            "goals": list,
            "warnings": warnings,
            "growth": growth,
        }));
        rows.push(row);
    }
    let df = kpi_frame(&rows)?;
    let json = json!({
        "generated_by": format!("rallylens {}", env!("CARGO_PKG_VERSION")),
        "metrics_version": super::registry::METRICS_VERSION,
        "pipeline": p.path.display().to_string(),
        "bootstrap": { "seed": stats::SEED, "resamples": stats::RESAMPLES, "interval": "95% percentile" },
        "campaigns": campaigns_json,
    });
    Ok((df, json))
}

/// One campaign's headline figures, from its scope and the tables computed before
/// (`referral_uplift`, `ladder_summary`, `target_response`).
pub(crate) fn figures(d: &Done<'_>, s: &Scope<'_>) -> Result<Figures> {
    let p = d.pipeline;
    let site_warning = d.site_warning.map(String::from);
    let ladder_head = ladder::ladder_headline(d.table(&ladder::LADDER_SUMMARY)?.clone().lazy()).collect()?;
    let c = s.campaign;
    let id = c.id.as_str();
    let own = s.posts.clone().filter(col("campaign_post").and(col("own"))).select([
        len().cast(DataType::Int64).alias("n"),
        col("engagements").sum().alias("e"),
        col("engagements").count().cast(DataType::Int64).alias("with_e"),
    ]);
    let own = own.collect()?;
    let own_posts = own.column("n")?.i64()?.get(0).unwrap_or(0);
    let with_e = own.column("with_e")?.i64()?.get(0).unwrap_or(0);
    let own_engagements = if with_e > 0 { own.column("e")?.i64()?.get(0) } else { None };
    let unique_actors = comparison::unique_actors(s)?;
    let potential = reach::hashtag_potential_reach(s)?.collect()?;
    let hashtag_potential_reach = as_i64(cell(&potential, id, None, "hashtag_potential_reach"));
    let sign = signups::signups_headline(s)?.collect()?;
    let signups_total = as_i64(cell(&sign, id, None, "signups_total"));
    let signups_first_week = as_i64(cell(&sign, id, None, "signups_first_week"));
    let up = d.table(&uplift::REFERRAL_UPLIFT)?;
    let social = |col: &str| cell(up, id, Some(("channel", "all_social")), col);
    let fb = |col: &str| cell(up, id, Some(("channel", "facebook")), col);
    let uplift_method = as_str(social("method"));
    let uplift_reason = as_str(social("reason")).unwrap_or_else(|| "no social traffic in the lake".into());
    // A method and no relative figure: the expected sessions are 0 (x / 0 has no value).
    let rel_reason = |row_reason: Option<String>, none: &str| match (&uplift_method, row_reason) {
        (_, Some(r)) => r,
        (Some(_), None) => "the expected sessions are 0: a relative uplift has no value".to_string(),
        (None, None) => none.to_string(),
    };
    let social_rel_reason = rel_reason(as_str(social("reason")), &uplift_reason);
    let fb_reason = match (as_str(fb("method")), as_str(fb("reason"))) {
        (None, None) => "no facebook referral traffic".to_string(),
        (_, r) => rel_reason(r, "no facebook referral traffic"),
    };
    let ci_reason = as_str(social("ci_reason"));
    let mut warnings: Vec<String> = site_warning.iter().cloned().collect();
    warnings.extend(as_str(social("warnings")).iter().flat_map(|w| w.split("; ").map(String::from)));
    let moved_up = as_i64(cell(&ladder_head, id, None, "moved_up"));
    let new_supporters = as_i64(cell(&ladder_head, id, None, "new_supporters"));
    let tr = d.table(&hashtags::TARGET_RESPONSE)?;
    let (mut responded, mut latency): (Option<bool>, Option<f64>) = (None, None);
    let camp_col = tr.column("campaign")?.str()?;
    for i in 0..tr.height() {
        if camp_col.get(i) != Some(id) {
            continue;
        }
        let r = tr.column("responded")?.bool()?.get(i);
        responded = Some(responded.unwrap_or(false) || r.unwrap_or(false));
        if let Some(l) = tr.column("latency_hours")?.f64()?.get(i) {
            latency = Some(latency.map_or(l, |x: f64| x.min(l)));
        }
    }
    let followers = comparison::followers_at_launch(s)?;
    let grow = growth::headline(d.table(&growth::GROWTH)?, c)?;
    let (key_part, key_total) = key_accounts::participating(d.table(&key_accounts::KEY_ACCOUNTS)?, c)?;
    let row = json!({
        "campaign": id,
        "name": c.name,
        "start": c.start.to_string(),
        "end": c.end.to_string(),
        "days": c.days(),
        "own_posts": own_posts,
        "own_engagements": own_engagements,
        "unique_actors": unique_actors,
        "hashtag_potential_reach": hashtag_potential_reach,
        "signups_total": signups_total,
        "signups_first_week": signups_first_week,
        "uplift_method": uplift_method,
        "social_uplift_sessions": as_f64(social("uplift_sessions")),
        "social_uplift_rel": as_f64(social("uplift_rel")),
        "social_total_traffic_uplift_rel": as_f64(social("total_traffic_uplift_rel")),
        "facebook_uplift_rel": as_f64(fb("uplift_rel")),
        "facebook_total_traffic_uplift_rel": as_f64(fb("total_traffic_uplift_rel")),
        "moved_up": moved_up,
        "new_supporters": new_supporters,
        "target_responded": responded,
        "target_latency_hours": latency,
        "followers_at_launch": followers,
        "followers_gained": grow.followers_gained,
        "followers_above_projection": grow.followers_above_projection,
        "followers_above_projection_low": grow.followers_above_projection_low,
        "followers_above_projection_high": grow.followers_above_projection_high,
        "key_accounts_participating": key_part,
        "key_accounts_total": key_total,
    });
    let row = row.as_object().expect("object").clone();
    let f = |k: &str| row.get(k).cloned().unwrap_or(Value::Null);
    let method_uplift = match &ci_reason {
        Some(why) => {
            format!(
                "{} (docs/metrics.md#referral-uplift) on range rows; no interval: {why}",
                uplift_method.as_deref().unwrap_or("-")
            )
        }
        None => format!(
            "{} (docs/metrics.md#referral-uplift); 95% interval from {} draws of baseline residuals, seed {}",
            uplift_method.as_deref().unwrap_or("-"),
            stats::RESAMPLES,
            stats::SEED
        ),
    };
    let figures = json!({
        "own_posts": figure(f("own_posts"), "own posts created in the window (origin owned or an own account)", ""),
        "own_engagements": figure(f("own_engagements"), "Σ reactions + comments + shares + quotes + saves of own posts (docs/metrics.md#engagements-of-a-post)", "no own post has engagement figures"),
        "unique_actors": figure(f("unique_actors"), "distinct pseudonymous actors of campaign actions in the window, own accounts and targets left out", "no campaign action in the window: the inputs carry no actors"),
        "hashtag_potential_reach": figure(f("hashtag_potential_reach"), "Σ over distinct authors using a campaign hashtag of their largest follower count in the window", "no post with a campaign hashtag and a follower count"),
        "signups_total": figure(f("signups_total"), "sign_petition campaign actions in the window", "no sign_petition actions for this campaign"),
        "signups_first_week": figure(f("signups_first_week"), "sign_petition campaign actions on days 0–6", "no sign_petition actions for this campaign"),
        "social_uplift_sessions": figure(f("social_uplift_sessions"), &method_uplift, &uplift_reason),
        "social_uplift_rel": figure(f("social_uplift_rel"), &method_uplift, &social_rel_reason),
        "social_total_traffic_uplift_rel": figure(f("social_total_traffic_uplift_rel"), &method_uplift, &social_rel_reason),
        "facebook_uplift_rel": figure(f("facebook_uplift_rel"), &method_uplift, &fb_reason),
        "facebook_total_traffic_uplift_rel": figure(f("facebook_total_traffic_uplift_rel"), &method_uplift, &fb_reason),
        "moved_up": figure(f("moved_up"), &format!("Σ actors who climbed a rung between start and end ({}-day periods)", p.ladder.period_days), "no campaign actors on the ladder"),
        "new_supporters": figure(f("new_supporters"), "actors with no rung at start and a rung at the end", "no campaign actors on the ladder"),
        "target_responded": figure(f("target_responded"), "the target replied to/quoted a campaign post, mentioned an own account or used a campaign hashtag, start to end + 7 days", "the campaign names no target"),
        "target_latency_hours": figure(f("target_latency_hours"), "hours from the first mention to the first response", "no response from the target, or no mention"),
        "followers_at_launch": figure(f("followers_at_launch"), "Σ over own accounts of the latest follower count on or before the start", "no follower count of an own account on or before the start"),
        "followers_gained": figure(f("followers_gained"), &grow.gained_note, &grow.gained_note),
        "followers_above_projection": figure(f("followers_above_projection"), &grow.above_note, &grow.above_note),
        "followers_above_projection_low": figure(f("followers_above_projection_low"), "low end of the 95% prediction interval of followers_above_projection (docs/metrics.md#follower-growth)", &grow.above_note),
        "followers_above_projection_high": figure(f("followers_above_projection_high"), "high end of the 95% prediction interval of followers_above_projection (docs/metrics.md#follower-growth)", &grow.above_note),
        "key_accounts_participating": figure(f("key_accounts_participating"), "key accounts with a campaign post, or a reply to, quote or repost of one, in the window (docs/metrics.md#key-accounts)", "the campaign names no key account"),
        "key_accounts_total": figure(f("key_accounts_total"), "key accounts the pipeline names for the campaign", "the campaign names no key account"),
    });
    Ok(Figures { row, figures, uplift_method, warnings, growth: grow.accounts_json(c) })
}

/// The KPI rows as a typed frame: the columns of [`CAMPAIGN_KPIS`], in its order.
fn kpi_frame(rows: &[Map<String, Value>]) -> Result<DataFrame> {
    let columns = CAMPAIGN_KPIS.columns.iter().map(|k| kpi_column(rows, k)).collect::<Result<Vec<_>>>()?;
    Ok(DataFrame::new(rows.len(), columns)?)
}

/// The type of a `campaign_kpis` column (docs/metrics.md `campaign_kpis`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Str,
    Date,
    Int,
    Float,
    Bool,
}

fn kind(column: &str) -> Option<Kind> {
    Some(match column {
        "campaign" | "name" | "uplift_method" => Kind::Str,
        "start" | "end" => Kind::Date,
        "days"
        | "own_posts"
        | "own_engagements"
        | "unique_actors"
        | "hashtag_potential_reach"
        | "signups_total"
        | "signups_first_week"
        | "moved_up"
        | "new_supporters"
        | "followers_at_launch"
        | "followers_gained"
        | "key_accounts_participating"
        | "key_accounts_total"
        | "goals_met"
        | "goals_total" => Kind::Int,
        "social_uplift_sessions"
        | "social_uplift_rel"
        | "social_total_traffic_uplift_rel"
        | "facebook_uplift_rel"
        | "facebook_total_traffic_uplift_rel"
        | "target_latency_hours"
        | "followers_above_projection"
        | "followers_above_projection_low"
        | "followers_above_projection_high" => Kind::Float,
        "target_responded" => Kind::Bool,
        _ => return None,
    })
}

/// One column of the KPI rows (a key a row lacks is null).
fn kpi_column(rows: &[Map<String, Value>], k: &str) -> Result<Column> {
    let Some(kind) = kind(k) else { anyhow::bail!("campaign_kpis: the column {k} has no type (metrics::kpis::kind)") };
    let values = rows.iter().map(|r| r.get(k));
    Ok(match kind {
        Kind::Str => {
            Column::new(k.into(), values.map(|v| v.and_then(|v| v.as_str()).map(String::from)).collect::<Vec<_>>())
        }
        Kind::Int => Column::new(k.into(), values.map(|v| v.and_then(|v| v.as_i64())).collect::<Vec<_>>()),
        Kind::Float => Column::new(k.into(), values.map(|v| v.and_then(|v| v.as_f64())).collect::<Vec<_>>()),
        Kind::Bool => Column::new(k.into(), values.map(|v| v.and_then(|v| v.as_bool())).collect::<Vec<_>>()),
        Kind::Date => {
            let days: Vec<Option<i32>> = values
                .map(|v| {
                    v.and_then(|v| v.as_str()).and_then(|d| d.parse().ok()).map(|d| crate::model::Day::from_naive(d).0)
                })
                .collect();
            Column::new(k.into(), days).cast(&DataType::Date)?
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every column of `campaign_kpis` has a type, and a row's values land typed, a
    /// missing key as null: 2024-03-01 is day 19783 since 1970-01-01.
    #[test]
    fn kpi_frame_types_every_registered_column() {
        let row = json!({ "campaign": "k", "start": "2024-03-01", "own_posts": 3, "social_uplift_rel": 0.5,
                          "target_responded": true });
        let df = kpi_frame(&[row.as_object().unwrap().clone()]).unwrap();
        CAMPAIGN_KPIS.check_computed(&df).unwrap();
        assert_eq!(df.column("start").unwrap().dtype(), &DataType::Date);
        assert_eq!(df.column("start").unwrap().cast(&DataType::Int32).unwrap().i32().unwrap().get(0), Some(19783));
        assert_eq!(df.column("own_posts").unwrap().i64().unwrap().get(0), Some(3));
        assert_eq!(df.column("social_uplift_rel").unwrap().f64().unwrap().get(0), Some(0.5));
        assert_eq!(df.column("target_responded").unwrap().bool().unwrap().get(0), Some(true));
        assert_eq!(df.column("moved_up").unwrap().i64().unwrap().get(0), None);
        assert_eq!(df.column("name").unwrap().dtype(), &DataType::String);
    }
}
