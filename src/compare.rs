//! `rallylens compare OUT_A OUT_B … --out DIR`: campaigns of earlier runs side by side, from
//! their metrics folders alone (no lake, nothing recomputed).
//!
//! Decisions to keep:
//! - A metrics folder is a run's output folder: `metrics.json` and `metrics/`. Naming its
//!   `metrics/` subfolder is accepted as naming the folder. A folder without
//!   `metrics.json` (or whose `metrics.json` is not one analyze writes), or without the
//!   tables compare reads ([`READS`]), is refused with a usage error (exit 2) naming it.
//! - Versions: each `metrics.json` says its `metrics_version`; one without the field is
//!   version 1 (written before the field existed). Folders are compared only when all
//!   versions are equal, else a usage error (exit 2: the arguments name folders that
//!   cannot go together; nothing is written) lists each folder with its version. A version
//!   newer than this rallylens knows is refused the same way. Comparing version-1 folders
//!   works with a note: their definitions cannot be told apart.
//! - Within one version, tables may differ by appended columns and new tables (the rule of
//!   [`crate::metrics::registry::METRICS_VERSION`]): a column a folder lacks is null in
//!   its rows, and a headline figure its `metrics.json` lacks shows — with a note naming
//!   the folder (a figure no folder has has no row).
//! - Campaign ids: an id that occurs in more than one folder becomes `id@label` in every
//!   folder it occurs in, its name gets ` (label)`; the label is the folder's name, or
//!   `name-N` (N its position on the command line, from 1) when two folders share a name.
//! - Alignment: `campaign_comparison` is padded again to the longest window of all the
//!   compared campaigns, as analyze pads one pipeline's (rows beyond a campaign's window:
//!   `in_window` false, its `followers_at_launch`, every measure null), so the stacked table
//!   is what analyze would write for one pipeline with all the campaigns.
//! - Output: `DIR/metrics/{campaign_kpis,signups,campaign_comparison}.parquet` and
//!   `goals.parquet` when a folder has one (the campaigns stacked, ids as above), `DIR/metrics.json` (the campaigns, the common
//!   version and the folders compared, under `compared`), the charts across campaigns and
//!   `report.html`/`report.md` (render::report::compare_document says which sections).
//!   A `DIR` that holds a run's own metrics (a `metrics.json` without `compared`) is refused,
//!   so a comparison never overwrites a run.
//!
//! User docs: README.md#compare-earlier-runs, docs/metrics.md#metrics-version.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use polars::prelude::*;
use serde_json::{json, Map, Value};

use crate::cli::Usage;
use crate::metrics::registry::{Table, METRICS_VERSION};
use crate::metrics::{comparison, goals, kpis, signups};
use crate::render::report::FolderRow;
use crate::render::Metrics;

// `rallylens compare`'s arguments (its help text is the variant's, in cli.rs).
#[derive(clap::Args, Debug)]
pub struct CompareArgs {
    /// The output folders of earlier runs (`run` or `analyze --out`), each holding metrics.json and metrics/; two or more.
    #[arg(required = true, num_args = 2.., value_name = "OUT")]
    pub folders: Vec<PathBuf>,
    /// Where to write the comparison: report.html, report.md, charts/, metrics/ and metrics.json (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The report's title (default: the campaigns' names, joined by "vs").
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
}

/// The tables compare reads from every folder, and the columns of each it needs (a column
/// appended later may be missing: it is null in that folder's rows).
pub const READS: [(&Table, &[&str]); 3] = [
    (&kpis::CAMPAIGN_KPIS, &["campaign", "name", "start", "end", "days"]),
    (&signups::SIGNUPS, signups::SIGNUPS.columns),
    (&comparison::CAMPAIGN_COMPARISON, comparison::CAMPAIGN_COMPARISON.columns),
];

/// Tables compare carries when a folder has them (folders of an older rallylens may not):
/// stacked from the folders that have them.
pub const CARRIES: [&Table; 1] = [&goals::GOALS];

/// One metrics folder.
struct Run {
    /// The folder, as given (its `metrics/` subfolder resolved to it).
    shown: String,
    dir: PathBuf,
    label: String,
    version: u32,
    json: Value,
    /// The tables of [`READS`] and those of [`CARRIES`] it has, by name.
    tables: BTreeMap<&'static str, DataFrame>,
}

/// What [`compare`] wrote.
pub struct Compared {
    pub runs: usize,
    pub campaigns: usize,
    pub rendered: crate::render::Rendered,
}

/// `rallylens compare`: reads the folders, checks them, writes the comparison; says what it
/// does on stderr (unless `quiet`).
pub fn cmd(a: &CompareArgs, quiet: bool) -> Result<()> {
    let t = std::time::Instant::now();
    let done = compare(&a.folders, &a.out, a.title.as_deref(), &crate::run::generated_now(), quiet)?;
    if !quiet {
        eprintln!(
            "compare: {} runs, {} campaigns, {} charts in {:.1} s → {} and {}",
            done.runs,
            done.campaigns,
            done.rendered.charts,
            t.elapsed().as_secs_f64(),
            done.rendered.html.display(),
            done.rendered.markdown.display()
        );
    }
    Ok(())
}

pub fn compare(folders: &[PathBuf], out: &Path, title: Option<&str>, generated: &str, quiet: bool) -> Result<Compared> {
    let mut runs = folders.iter().map(|f| open(f)).collect::<Result<Vec<Run>>>()?;
    check_distinct(&runs, out)?;
    let version = check_versions(&runs)?;
    set_labels(&mut runs);
    for r in &mut runs {
        read_tables(r)?;
        if !quiet {
            let ids: Vec<&str> =
                campaigns_of(&r.json).iter().map(|c| c.get("id").and_then(Value::as_str).unwrap_or("")).collect();
            eprintln!("compare: {}: metrics version {}, campaigns {}", r.shown, r.version, ids.join(", "));
        }
    }
    let renames = campaign_ids(&runs);
    let mut warnings = Vec::new();
    if version == 1 {
        warnings.push(format!(
            "these folders have no metrics_version (written before rallylens recorded one; version 1): rallylens \
             cannot tell whether their definitions agree. Version {METRICS_VERSION} is the current one."
        ));
    }

    // The campaigns of metrics.json, renamed, each with the folder it came from; a figure
    // another folder has and this one lacks gets a null with the reason.
    let mut camps: Vec<Value> = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        for c in campaigns_of(&r.json) {
            let mut c = c.clone();
            let id = c.get("id").and_then(Value::as_str).unwrap_or("").to_string();
            if let Some((new_id, new_name)) = renamed(&renames, i, &id, &c) {
                c["id"] = json!(new_id);
                c["name"] = json!(new_name);
            }
            c["run"] = json!(r.label);
            camps.push(c);
        }
    }
    let all_figures: BTreeSet<String> = camps
        .iter()
        .flat_map(|c| c.get("figures").and_then(Value::as_object).into_iter().flatten().map(|(k, _)| k.clone()))
        .collect();
    let origin: Vec<usize> =
        runs.iter().enumerate().flat_map(|(i, r)| std::iter::repeat_n(i, campaigns_of(&r.json).len())).collect();
    for (c, &i) in camps.iter_mut().zip(&origin) {
        let r = &runs[i];
        let figures = c.as_object_mut().expect("a campaign is an object").entry("figures").or_insert_with(|| json!({}));
        let Some(figures) = figures.as_object_mut() else { continue };
        for k in &all_figures {
            figures.entry(k.clone()).or_insert_with(|| {
                json!({ "value": null, "reason": format!("not in the metrics of {} ({}, before this figure existed)", r.shown, written_by(&r.json)) })
            });
        }
    }

    // The tables, stacked in folder order, ids renamed; the comparison aligned again.
    let mut tables: BTreeMap<String, DataFrame> = BTreeMap::new();
    for t in READS.iter().map(|(t, _)| *t).chain(CARRIES) {
        let frames = runs
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.tables.get(t.name).map(|df| rename_campaigns(df, i, &renames, &camps)))
            .collect::<Result<Vec<_>>>()?;
        if frames.is_empty() {
            continue;
        }
        let stacked = stack(&frames, t.columns).map_err(|e| anyhow!("stacking the {} tables: {e}", t.name))?;
        tables.insert(t.name.to_string(), stacked);
    }
    let longest = tables["campaign_kpis"].column("days")?.cast(&DataType::Int64)?.i64()?.max().unwrap_or(0);
    let aligned =
        align(&tables["campaign_comparison"], longest).map_err(|e| anyhow!("aligning campaign_comparison: {e}"))?;
    tables.insert("campaign_comparison".into(), aligned);

    let compared: Vec<Value> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let ids: Map<String, Value> = campaigns_of(&r.json)
                .iter()
                .map(|c| {
                    let id = c.get("id").and_then(Value::as_str).unwrap_or("").to_string();
                    let to = renamed(&renames, i, &id, c).map_or(id.clone(), |(n, _)| n);
                    (id, json!(to))
                })
                .collect();
            json!({
                "folder": r.shown, "label": r.label, "metrics_version": r.version,
                "generated_by": r.json.get("generated_by"), "pipeline": r.json.get("pipeline"), "campaigns": ids,
            })
        })
        .collect();
    let mut json = json!({
        "generated_by": format!("rallylens {}", env!("CARGO_PKG_VERSION")),
        "metrics_version": version,
        "compared": compared,
        "campaigns": camps,
    });
    if let Some(b) = runs[0].json.get("bootstrap").filter(|b| runs.iter().all(|r| r.json.get("bootstrap") == Some(*b)))
    {
        json["bootstrap"] = b.clone();
    }

    write_metrics(out, &mut tables, &json)?;
    let m = Metrics { dir: out.to_path_buf(), tables, json };
    let charts = crate::render::charts::across_charts(&m)?;
    crate::render::write_charts(out, &charts)?;
    let rows: Vec<FolderRow> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| FolderRow {
            shown: r.shown.clone(),
            label: r.label.clone(),
            metrics_version: r.version,
            generated_by: r.json.get("generated_by").and_then(Value::as_str).unwrap_or("").to_string(),
            pipeline: r.json.get("pipeline").and_then(Value::as_str).unwrap_or("").to_string(),
            campaigns: campaigns_of(&r.json)
                .iter()
                .map(|c| {
                    let id = c.get("id").and_then(Value::as_str).unwrap_or("").to_string();
                    let to = renamed(&renames, i, &id, c).map_or(id.clone(), |(n, _)| n);
                    (id, to)
                })
                .collect(),
            has_report: r.dir.join("report.html").is_file(),
        })
        .collect();
    let names: Vec<&str> =
        m.json["campaigns"].as_array().into_iter().flatten().map(|c| c["name"].as_str().unwrap_or("")).collect();
    let title = title.map(String::from).unwrap_or_else(|| names.join(" vs "));
    let doc = crate::render::report::compare_document(&m, &charts, &rows, &warnings, &title, generated)
        .map_err(|e| anyhow!("summarising the compared tables for the report: {e}"))?;
    let rendered = crate::render::write_report(out, &doc, &charts)?;
    Ok(Compared { runs: runs.len(), campaigns: names.len(), rendered })
}

fn campaigns_of(json: &Value) -> &[Value] {
    json.get("campaigns").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

fn written_by(json: &Value) -> String {
    json.get("generated_by").and_then(Value::as_str).map_or("an older rallylens".into(), String::from)
}

/// A usage error (exit 2) about a folder that is not a metrics folder.
fn not_metrics(shown: &str, why: &str) -> anyhow::Error {
    Usage(format!(
        "{shown} is not a metrics folder: {why} (expected the output folder of `rallylens run` or `rallylens analyze`, \
         holding metrics.json and metrics/)"
    ))
    .into()
}

/// Reads a folder's metrics.json and its version.
fn open(folder: &Path) -> Result<Run> {
    let shown = folder.display().to_string();
    if !folder.is_dir() {
        return Err(
            Usage(format!("{shown} is not a folder (expected a metrics folder: metrics.json and metrics/)")).into()
        );
    }
    let mut dir = folder.to_path_buf();
    if !dir.join("metrics.json").exists() && dir.file_name().is_some_and(|n| n == "metrics") {
        if let Some(parent) = dir.parent().filter(|p| p.join("metrics.json").is_file()) {
            dir = parent.to_path_buf();
        }
    }
    let path = dir.join("metrics.json");
    if !path.is_file() {
        return Err(not_metrics(&shown, "it has no metrics.json"));
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let json: Value =
        serde_json::from_str(&text).map_err(|e| not_metrics(&shown, &format!("its metrics.json is not JSON ({e})")))?;
    if campaigns_of(&json).is_empty() {
        return Err(not_metrics(&shown, "its metrics.json lists no campaign"));
    }
    let version = match json.get("metrics_version") {
        None => 1,
        Some(v) => match v.as_u64().and_then(|v| u32::try_from(v).ok()).filter(|v| *v >= 1) {
            Some(v) => v,
            None => {
                return Err(not_metrics(
                    &shown,
                    &format!("its metrics.json's metrics_version is {v}, not a whole number from 1"),
                ))
            }
        },
    };
    Ok(Run { shown, dir, label: String::new(), version, json, tables: BTreeMap::new() })
}

/// No folder twice, and the output folder is none of them and holds no run's own metrics.
fn check_distinct(runs: &[Run], out: &Path) -> Result<()> {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    for (i, a) in runs.iter().enumerate() {
        if let Some(b) = runs[..i].iter().find(|b| canon(&b.dir) == canon(&a.dir)) {
            return Err(
                Usage(format!("{} and {} are the same metrics folder: name each run once", b.shown, a.shown)).into()
            );
        }
        if out.exists() && canon(out) == canon(&a.dir) {
            return Err(Usage(format!(
                "--out {} is the compared folder {}: choose another output folder",
                out.display(),
                a.shown
            ))
            .into());
        }
    }
    let json = out.join("metrics.json");
    if json.is_file() {
        let v: Option<Value> = std::fs::read_to_string(&json).ok().and_then(|t| serde_json::from_str(&t).ok());
        if v.as_ref().and_then(|v| v.get("compared")).is_none() {
            return Err(Usage(format!(
                "--out {} holds the metrics of a run ({}); compare writes its own there: choose another output folder",
                out.display(),
                json.display()
            ))
            .into());
        }
    }
    Ok(())
}

/// The common metrics version, or the error naming every folder with its version.
fn check_versions(runs: &[Run]) -> Result<u32> {
    let first = runs[0].version;
    let list = || {
        runs.iter()
            .map(|r| format!("{} has metrics version {}", r.shown, describe(r.version)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if runs.iter().any(|r| r.version != first) {
        return Err(Usage(format!(
            "cannot compare metrics of different versions: {}. Their figures are defined differently \
             (docs/metrics.md#metrics-version): re-run analyze on the older runs' lakes with this rallylens, or compare \
             folders of one version",
            list()
        ))
        .into());
    }
    if first > METRICS_VERSION {
        return Err(Usage(format!(
            "{}: written by a newer rallylens than this one (which knows metrics versions up to {METRICS_VERSION}): \
             compare them with that rallylens",
            list()
        ))
        .into());
    }
    Ok(first)
}

fn describe(v: u32) -> String {
    if v == 1 {
        "1 (no metrics_version: written before rallylens recorded one)".into()
    } else {
        v.to_string()
    }
}

/// Each folder's label: its name, or `name-N` (its position from 1) when folders share a name.
fn set_labels(runs: &mut [Run]) {
    let base: Vec<String> = runs
        .iter()
        .map(|r| {
            let canon = std::fs::canonicalize(&r.dir).unwrap_or_else(|_| r.dir.clone());
            canon.file_name().map_or_else(|| r.shown.clone(), |n| n.to_string_lossy().into_owned())
        })
        .collect();
    for (i, r) in runs.iter_mut().enumerate() {
        let shared = base.iter().filter(|b| **b == base[i]).count() > 1;
        r.label = if shared { format!("{}-{}", base[i], i + 1) } else { base[i].clone() };
    }
}

/// Reads the tables of [`READS`] (a missing file or column is a usage error naming it)
/// and those of [`CARRIES`] the folder has.
fn read_tables(r: &mut Run) -> Result<()> {
    let carried = CARRIES.iter().map(|t| (*t, &["campaign"][..], false));
    for (t, needs, required) in READS.iter().map(|(t, needs)| (*t, *needs, true)).chain(carried) {
        let path = r.dir.join("metrics").join(format!("{}.parquet", t.name));
        if !path.is_file() {
            if required {
                return Err(not_metrics(&r.shown, &format!("it has no metrics/{}.parquet", t.name)));
            }
            continue;
        }
        let file = std::fs::File::open(&path).with_context(|| format!("opening {}", path.display()))?;
        let df = ParquetReader::new(file).finish().map_err(|e| anyhow!("reading {}: {e}", path.display()))?;
        if let Some(c) = needs.iter().find(|c| df.column(c).is_err()) {
            return Err(not_metrics(&r.shown, &format!("its metric table {} has no column '{c}'", t.name)));
        }
        r.tables.insert(t.name, df);
    }
    Ok(())
}

/// (folder index, id) → new id, for the ids that occur in more than one folder.
type Renames = BTreeMap<(usize, String), String>;

fn campaign_ids(runs: &[Run]) -> Renames {
    let mut seen: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for (i, r) in runs.iter().enumerate() {
        for c in campaigns_of(&r.json) {
            seen.entry(c.get("id").and_then(Value::as_str).unwrap_or("").to_string()).or_default().insert(i);
        }
    }
    let mut out = Renames::new();
    for (id, folders) in seen.into_iter().filter(|(_, f)| f.len() > 1) {
        for i in folders {
            out.insert((i, id.clone()), format!("{id}@{}", runs[i].label));
        }
    }
    out
}

/// The new (id, name) of campaign `id` of folder `i`, when it is renamed.
fn renamed(renames: &Renames, i: usize, id: &str, camp: &Value) -> Option<(String, String)> {
    let new = renames.get(&(i, id.to_string()))?;
    let label = new.rsplit_once('@').map_or("", |(_, l)| l);
    let name = camp.get("name").and_then(Value::as_str).unwrap_or(id);
    Some((new.clone(), format!("{name} ({label})")))
}

/// A folder's table with its `campaign` ids renamed (and `name`, in `campaign_kpis`, to the
/// renamed campaign's name in `camps`).
fn rename_campaigns(df: &DataFrame, i: usize, renames: &Renames, camps: &[Value]) -> Result<DataFrame> {
    let ids: Vec<Option<String>> = df.column("campaign")?.str()?.iter().map(|v| v.map(String::from)).collect();
    let new: Vec<Option<String>> = ids
        .iter()
        .map(|v| v.as_ref().map(|id| renames.get(&(i, id.clone())).cloned().unwrap_or_else(|| id.clone())))
        .collect();
    if new == ids {
        return Ok(df.clone());
    }
    let mut out = df.clone();
    out.with_column(Column::new("campaign".into(), &new))?;
    if out.column("name").is_ok() {
        let name_of =
            |id: &str| camps.iter().find(|c| c["id"] == id).and_then(|c| c["name"].as_str()).map(String::from);
        let names: Vec<Option<String>> = new.iter().map(|id| id.as_deref().and_then(name_of)).collect();
        out.with_column(Column::new("name".into(), names))?;
    }
    Ok(out)
}

/// The frames one above the other: the columns `order` names that any frame has, then any
/// other column in the order first seen; a column a frame lacks is null in its rows. Each
/// column takes the type of the first frame that has it with a type other than Null.
fn stack(frames: &[DataFrame], order: &[&str]) -> PolarsResult<DataFrame> {
    let mut names: Vec<PlSmallStr> =
        order.iter().filter(|c| frames.iter().any(|f| f.column(c).is_ok())).map(|c| PlSmallStr::from(*c)).collect();
    for f in frames {
        for c in f.get_column_names() {
            if !names.contains(c) {
                names.push(c.clone());
            }
        }
    }
    let dtype = |n: &str| {
        let mut types = frames.iter().filter_map(|f| f.column(n).ok()).map(|c| c.dtype().clone());
        let first = types.next().unwrap_or(DataType::Null);
        if first == DataType::Null {
            types.find(|t| *t != DataType::Null).unwrap_or(first)
        } else {
            first
        }
    };
    let types: Vec<DataType> = names.iter().map(|n| dtype(n)).collect();
    let mut out: Option<DataFrame> = None;
    for f in frames {
        let cols = names
            .iter()
            .zip(&types)
            .map(|(n, t)| match f.column(n) {
                Ok(c) => c.strict_cast(t),
                Err(_) => Ok(Column::full_null(n.clone(), f.height(), t)),
            })
            .collect::<PolarsResult<Vec<_>>>()?;
        let df = DataFrame::new(f.height(), cols)?;
        match &mut out {
            None => out = Some(df),
            Some(o) => {
                o.vstack_mut(&df)?;
            }
        }
    }
    Ok(out.unwrap_or_default())
}

/// `campaign_comparison` with every campaign's rows running to day `longest − 1`: rows
/// after a campaign's last row are added as analyze adds them beyond a window (date =
/// start + k, `in_window` false, `followers_at_launch` kept, everything else null); sorted
/// by campaign and day, as analyze sorts it.
fn align(df: &DataFrame, longest: i64) -> PolarsResult<DataFrame> {
    let ids: BTreeSet<String> = df.column("campaign")?.str()?.iter().flatten().map(String::from).collect();
    let mut parts = vec![df.clone()];
    for id in ids {
        let rows = df.filter(&df.column("campaign")?.str()?.equal(id.as_str()))?;
        let rows = rows.sort(["day_since_launch"], Default::default())?;
        let have = rows.height() as i64;
        let start_k = rows.column("day_since_launch")?.cast(&DataType::Int64)?.i64()?.get(0).unwrap_or(0);
        let next = rows.column("day_since_launch")?.cast(&DataType::Int64)?.i64()?.max().map_or(0, |m| m + 1);
        if have == 0 || next >= longest {
            continue;
        }
        let start = rows.column("date")?.cast(&DataType::Int32)?.i32()?.get(0).map(|d| d - start_k as i32);
        let ks: Vec<i64> = (next..longest).collect();
        let n = ks.len();
        let cols = rows
            .columns()
            .iter()
            .map(|c| {
                let name = c.name().clone();
                Ok(match name.as_str() {
                    "campaign" | "followers_at_launch" => c.new_from_index(0, n),
                    "day_since_launch" => Column::new(name, &ks).cast(c.dtype())?,
                    "date" => Column::new(name, ks.iter().map(|k| start.map(|s| s + *k as i32)).collect::<Vec<_>>())
                        .cast(&DataType::Date)?
                        .cast(c.dtype())?,
                    "in_window" => Column::new(name, vec![false; n]),
                    _ => Column::full_null(name, n, c.dtype()),
                })
            })
            .collect::<PolarsResult<Vec<_>>>()?;
        parts.push(DataFrame::new(n, cols)?);
    }
    let mut out = parts.remove(0);
    for p in &parts {
        out.vstack_mut(p)?;
    }
    out.sort(["campaign", "day_since_launch"], Default::default())
}

/// Writes the stacked tables and metrics.json under `out`, and removes the other metric
/// tables an earlier comparison left there.
fn write_metrics(out: &Path, tables: &mut BTreeMap<String, DataFrame>, json: &Value) -> Result<()> {
    let dir = out.join("metrics");
    for (name, df) in tables.iter_mut() {
        crate::metrics::write_table(df, &dir.join(format!("{name}.parquet")))?;
    }
    for t in crate::metrics::registry::names().filter(|n| !tables.contains_key(*n)) {
        let stale = dir.join(format!("{t}.parquet"));
        if stale.is_file() {
            std::fs::remove_file(&stale).with_context(|| format!("removing {}", stale.display()))?;
        }
    }
    let text = serde_json::to_string_pretty(json)? + "\n";
    crate::support::write_atomic(&out.join("metrics.json"), text.as_bytes())
        .with_context(|| format!("writing {}", out.join("metrics.json").display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two campaigns of 3 and 1 days, padded to 4 (the longest window of the comparison):
    /// "a" gains day 3, "b" days 1–3, each dated start + k (a starts 2024-03-01, b
    /// 2012-10-01), out of the window, followers kept, measures null.
    #[test]
    fn align_pads_every_campaign_to_the_longest_window() {
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let df = df!(
            "campaign" => ["a", "a", "a", "b"],
            "day_since_launch" => [0i64, 1, 2, 0],
            "date" => [d(2024, 3, 1), d(2024, 3, 2), d(2024, 3, 3), d(2012, 10, 1)],
            "in_window" => [true, true, true, true],
            "signups" => [Some(1i64), Some(0), Some(2), Some(5)],
            "followers_at_launch" => [Some(100i64), Some(100), Some(100), None]
        )
        .unwrap();
        let got = align(&df, 4).unwrap();
        assert_eq!(got.height(), 8);
        let k: Vec<Option<i64>> = got.column("day_since_launch").unwrap().i64().unwrap().iter().collect();
        assert_eq!(k, [0, 1, 2, 3, 0, 1, 2, 3].map(Some));
        let dates = got.column("date").unwrap().cast(&DataType::String).unwrap();
        let dates: Vec<Option<&str>> = dates.str().unwrap().iter().collect();
        assert_eq!(dates[3], Some("2024-03-04"));
        assert_eq!(dates[7], Some("2012-10-04"));
        let w: Vec<Option<bool>> = got.column("in_window").unwrap().bool().unwrap().iter().collect();
        assert_eq!(w, [true, true, true, false, true, false, false, false].map(Some));
        let s: Vec<Option<i64>> = got.column("signups").unwrap().i64().unwrap().iter().collect();
        assert_eq!(s, [Some(1), Some(0), Some(2), None, Some(5), None, None, None]);
        let f: Vec<Option<i64>> = got.column("followers_at_launch").unwrap().i64().unwrap().iter().collect();
        assert_eq!(f, [Some(100), Some(100), Some(100), Some(100), None, None, None, None]);
        // Already as long as the longest: unchanged.
        assert!(align(&df, 3).unwrap().height() == 6 && align(&df, 1).unwrap().equals_missing(&df));
    }

    /// A column one frame lacks is null in its rows; the type of a Null column gives way.
    #[test]
    fn stack_fills_missing_columns_with_nulls() {
        let a = df!("campaign" => ["k"], "days" => [29i64]).unwrap();
        let b = df!("campaign" => ["s"], "days" => [21i64], "goals_met" => [2i64]).unwrap();
        let c = df!("campaign" => ["x"], "days" => [1i64])
            .unwrap()
            .hstack(&[Column::full_null("goals_met".into(), 1, &DataType::Null)])
            .unwrap();
        let got = stack(&[a, b, c], &["campaign", "days"]).unwrap();
        assert_eq!(got.get_column_names(), ["campaign", "days", "goals_met"]);
        let g: Vec<Option<i64>> = got.column("goals_met").unwrap().i64().unwrap().iter().collect();
        assert_eq!(g, [None, Some(2), None]);
    }

    fn run(shown: &str, label: &str, version: u32, ids: &[&str]) -> Run {
        let camps: Vec<Value> = ids.iter().map(|i| json!({ "id": i, "name": format!("N {i}") })).collect();
        Run {
            shown: shown.into(),
            dir: shown.into(),
            label: label.into(),
            version,
            json: json!({ "campaigns": camps }),
            tables: BTreeMap::new(),
        }
    }

    /// Only ids in more than one folder are renamed, in every folder they occur in.
    #[test]
    fn shared_ids_get_the_folder_label() {
        let runs = [run("o/a", "a", 2, &["kenya", "shell"]), run("o/b", "b", 2, &["shell"])];
        let r = campaign_ids(&runs);
        assert_eq!(r.len(), 2);
        assert_eq!(r[&(0, "shell".into())], "shell@a");
        assert_eq!(r[&(1, "shell".into())], "shell@b");
        let c = json!({ "id": "shell", "name": "Shell" });
        assert_eq!(renamed(&r, 1, "shell", &c), Some(("shell@b".into(), "Shell (b)".into())));
        assert_eq!(renamed(&r, 0, "kenya", &c), None);
    }

    /// Different versions: a usage error naming each folder and its version.
    #[test]
    fn versions_must_agree() {
        let e = check_versions(&[run("o/a", "a", 2, &["k"]), run("o/b", "b", 1, &["s"])]).unwrap_err();
        assert!(e.downcast_ref::<Usage>().is_some());
        assert_eq!(
            e.to_string(),
            "cannot compare metrics of different versions: o/a has metrics version 2, o/b has metrics version 1 (no \
             metrics_version: written before rallylens recorded one). Their figures are defined differently \
             (docs/metrics.md#metrics-version): re-run analyze on the older runs' lakes with this rallylens, or \
             compare folders of one version"
        );
        assert_eq!(check_versions(&[run("o/a", "a", 1, &["k"]), run("o/b", "b", 1, &["s"])]).unwrap(), 1);
        let newer = METRICS_VERSION + 1;
        let e = check_versions(&[run("o/a", "a", newer, &["k"]), run("o/b", "b", newer, &["s"])]).unwrap_err();
        assert!(e.to_string().contains("written by a newer rallylens"), "{e}");
    }
}
