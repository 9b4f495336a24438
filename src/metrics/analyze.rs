//! `rallylens analyze`: every table of docs/metrics.md for every campaign of a pipeline,
//! written to `OUT/metrics/<table>.parquet`, and `OUT/metrics.json` with each campaign's
//! headline figures and, for each, the method used or the reason it is null.
//!
//! Each campaign of `metrics.json` also lists `warnings`: inputs a figure left out (range
//! traffic rows, docs/metrics.md#range-rows) and a pipeline `site` that no traffic row has.
//!
//! The output is deterministic: tables sorted by their keys, bootstrap seeds fixed, no
//! timestamps in `metrics.json`; the same lake and pipeline give the same bytes.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use polars::prelude::*;
use serde_json::{json, Map, Value};

use super::{
    comparison, engagement, hashtags, ladder, reach, referral_daily, signups, stats, uplift, write_table, Lake, Scope,
};
use crate::pipeline::Pipeline;
use crate::pseudo::Pseudonymizer;

/// The output tables, in the order they are written and listed.
pub const TABLES: [&str; 12] = [
    "engagement_by_content_type",
    "reach_daily",
    "reach_window",
    "referral_uplift",
    "referral_daily",
    "ladder_transitions",
    "ladder_summary",
    "hashtag_daily",
    "target_response",
    "signups",
    "campaign_comparison",
    "campaign_kpis",
];

/// What `analyze` wrote.
#[derive(Debug)]
pub struct Written {
    pub dir: PathBuf,
    pub tables: Vec<(String, usize)>,
}

pub fn analyze(p: &Pipeline, lake_dir: &Path, out: &Path) -> Result<Written> {
    let clock = crate::timing::Clock::new("");
    let lake = Lake::open(lake_dir)?.materialize()?;
    clock.mark("lake read");
    let key = Pseudonymizer::for_lake(lake_dir, None)?;
    let site_warning = site_warning(&lake, p.site.as_deref())?;
    // Each campaign's scope is computed once: its posts share the lake's columns and add a
    // few small ones; its actions are gathered from the lake's compact action table (read
    // once, shared with the ladder's history). Every table below starts from memory.
    let scopes: Vec<Scope> = Scope::new_all(&lake, &p.campaigns, &p.ladder, p.site.as_deref(), &key)
        .map_err(|e| anyhow::anyhow!("scoping the lake to the campaigns: {e}"))?;
    drop(lake); // what the scopes don't share is freed

    clock.mark("scoped");
    let run = |name: &str, lf: PolarsResult<LazyFrame>| -> Result<DataFrame> {
        let df = lf.and_then(|l| l.collect()).map_err(|e| anyhow::anyhow!("computing {name}: {e}"))?;
        clock.mark(&format!("{name} ({} rows)", df.height()));
        Ok(df)
    };
    let (ladder_t, ladder_s) = match ladder::ladder_tables(&scopes) {
        Ok((a, b)) => (Ok(a), Ok(b)),
        Err(e) => (Err(e), Err(PolarsError::ComputeError("see ladder_transitions".into()))),
    };
    clock.mark("ladder levels");
    let mut tables: Vec<(&str, DataFrame)> = vec![
        (
            "engagement_by_content_type",
            run("engagement_by_content_type", engagement::engagement_by_content_type(&scopes))?,
        ),
        ("reach_daily", run("reach_daily", reach::reach_daily(&scopes))?),
        ("reach_window", run("reach_window", reach::reach_window(&scopes))?),
        ("referral_uplift", run("referral_uplift", uplift::referral_uplift(&scopes))?),
        ("referral_daily", run("referral_daily", referral_daily::referral_daily(&scopes))?),
        ("ladder_transitions", run("ladder_transitions", ladder_t)?),
        ("ladder_summary", run("ladder_summary", ladder_s)?),
        ("hashtag_daily", run("hashtag_daily", hashtags::hashtag_daily(&scopes))?),
        ("target_response", run("target_response", hashtags::target_response(&scopes))?),
        ("signups", run("signups", signups::signups(&scopes))?),
        ("campaign_comparison", run("campaign_comparison", comparison::campaign_comparison(&scopes))?),
    ];
    let (kpis, json) = kpis(p, &scopes, &tables, site_warning.as_deref())?;
    clock.mark("campaign_kpis (all tables)");
    tables.push(("campaign_kpis", kpis));

    let dir = out.join("metrics");
    let mut written = Vec::new();
    for (name, df) in tables.iter_mut() {
        write_table(df, &dir.join(format!("{name}.parquet")))?;
        written.push((name.to_string(), df.height()));
    }
    let text = serde_json::to_string_pretty(&json)? + "\n";
    crate::support::write_atomic(&out.join("metrics.json"), text.as_bytes())
        .with_context(|| format!("writing {}", out.join("metrics.json").display()))?;
    Ok(Written { dir, tables: written })
}

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

/// docs/metrics.md#sites: when the pipeline names a site that no traffic row has, a warning naming
/// the sites the lake has (site names are hostnames or property ids, not personal data).
fn site_warning(lake: &Lake, site: Option<&str>) -> Result<Option<String>> {
    let Some(site) = site else { return Ok(None) };
    let sites = lake.traffic.clone().select([col("site")]).unique(None, UniqueKeepStrategy::Any).collect()?;
    let mut names: Vec<String> = sites.column("site")?.str()?.iter().flatten().map(String::from).collect();
    if names.iter().any(|n| n == site) {
        return Ok(None);
    }
    names.sort();
    let nulls = sites.column("site")?.null_count() > 0;
    let known = match (names.is_empty(), nulls) {
        (true, false) => "the lake has no traffic rows".to_string(),
        (true, true) => "no traffic row names its site (set `site` on the traffic inputs, or `ingest --site`)".into(),
        (false, _) => format!(
            "the lake's sites are {}{}",
            names.join(", "),
            if nulls { ", and rows of unknown site (set `site` on their inputs, or `ingest --site`)" } else { "" }
        ),
    };
    Ok(Some(format!("the pipeline's site '{site}' has no traffic rows: {known}")))
}

fn kpis(
    p: &Pipeline,
    scopes: &[Scope],
    tables: &[(&str, DataFrame)],
    site_warning: Option<&str>,
) -> Result<(DataFrame, Value)> {
    let site_warning = site_warning.map(String::from);
    let t = |name: &str| &tables.iter().find(|(n, _)| *n == name).expect("table computed").1;
    let ladder_head = ladder::ladder_headline(t("ladder_summary").clone().lazy()).collect()?;
    let mut rows: Vec<Map<String, Value>> = Vec::new();
    let mut campaigns_json = Vec::new();
    for s in scopes {
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
        let actors = s
            .actions
            .clone()
            .filter(
                col("in_campaign")
                    .and(col("excluded").not())
                    .and(col("day").gt_eq(lit(c.start)))
                    .and(col("day").lt_eq(lit(c.end))),
            )
            .select([col("_actor").n_unique().cast(DataType::Int64).alias("n")])
            .collect()?;
        // Null, not 0, when the campaign has no action at all in its window (docs/metrics.md#reach).
        let unique_actors = if comparison::has_actions(s)? { actors.column("n")?.i64()?.get(0) } else { None };
        let potential = reach::hashtag_potential_reach(s)?.collect()?;
        let hashtag_potential_reach = as_i64(cell(&potential, id, None, "hashtag_potential_reach"));
        let sign = signups::signups_headline(s)?.collect()?;
        let signups_total = as_i64(cell(&sign, id, None, "signups_total"));
        let signups_first_week = as_i64(cell(&sign, id, None, "signups_first_week"));
        let up = t("referral_uplift");
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
        let tr = t("target_response");
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
        });
        let row = row.as_object().expect("object").clone();
        let f = |k: &str| row.get(k).cloned().unwrap_or(Value::Null);
        let method_uplift = match &ci_reason {
            Some(why) => {
                format!("{} (docs/metrics.md#referral-uplift) on range rows; no interval: {why}", uplift_method.as_deref().unwrap_or("-"))
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
        });
        campaigns_json.push(json!({
            "id": id, "name": c.name, "start": c.start.to_string(), "end": c.end.to_string(), "days": c.days(),
            "time_zone": c.tz.to_string(),
            "baseline": { "start": c.baseline_start.to_string(), "end": c.baseline_end.to_string() },
            "uplift_method": uplift_method,
            "figures": figures,
            "warnings": warnings,
        }));
        rows.push(row);
    }
    let df = kpi_frame(&rows)?;
    let json = json!({
        "generated_by": format!("rallylens {}", env!("CARGO_PKG_VERSION")),
        "pipeline": p.path.display().to_string(),
        "bootstrap": { "seed": stats::SEED, "resamples": stats::RESAMPLES, "interval": "95% percentile" },
        "campaigns": campaigns_json,
    });
    Ok((df, json))
}

/// The KPI rows as a typed frame (docs/metrics.md `campaign_kpis`).
fn kpi_frame(rows: &[Map<String, Value>]) -> PolarsResult<DataFrame> {
    let s = |k: &str| rows.iter().map(|r| r.get(k).and_then(|v| v.as_str()).map(String::from)).collect::<Vec<_>>();
    let i = |k: &str| rows.iter().map(|r| r.get(k).and_then(|v| v.as_i64())).collect::<Vec<_>>();
    let f = |k: &str| rows.iter().map(|r| r.get(k).and_then(|v| v.as_f64())).collect::<Vec<_>>();
    let b = |k: &str| rows.iter().map(|r| r.get(k).and_then(|v| v.as_bool())).collect::<Vec<_>>();
    let date = |k: &str| -> PolarsResult<Column> {
        let days: Vec<Option<i32>> = rows
            .iter()
            .map(|r| {
                r.get(k)
                    .and_then(|v| v.as_str())
                    .and_then(|d| d.parse().ok())
                    .map(|d| crate::model::Day::from_naive(d).0)
            })
            .collect();
        Column::new(k.into(), days).cast(&DataType::Date)
    };
    DataFrame::new(
        rows.len(),
        vec![
            Column::new("campaign".into(), s("campaign")),
            Column::new("name".into(), s("name")),
            date("start")?,
            date("end")?,
            Column::new("days".into(), i("days")),
            Column::new("own_posts".into(), i("own_posts")),
            Column::new("own_engagements".into(), i("own_engagements")),
            Column::new("unique_actors".into(), i("unique_actors")),
            Column::new("hashtag_potential_reach".into(), i("hashtag_potential_reach")),
            Column::new("signups_total".into(), i("signups_total")),
            Column::new("signups_first_week".into(), i("signups_first_week")),
            Column::new("uplift_method".into(), s("uplift_method")),
            Column::new("social_uplift_sessions".into(), f("social_uplift_sessions")),
            Column::new("social_uplift_rel".into(), f("social_uplift_rel")),
            Column::new("social_total_traffic_uplift_rel".into(), f("social_total_traffic_uplift_rel")),
            Column::new("facebook_uplift_rel".into(), f("facebook_uplift_rel")),
            Column::new("facebook_total_traffic_uplift_rel".into(), f("facebook_total_traffic_uplift_rel")),
            Column::new("moved_up".into(), i("moved_up")),
            Column::new("new_supporters".into(), i("new_supporters")),
            Column::new("target_responded".into(), b("target_responded")),
            Column::new("target_latency_hours".into(), f("target_latency_hours")),
            Column::new("followers_at_launch".into(), i("followers_at_launch")),
        ],
    )
}
