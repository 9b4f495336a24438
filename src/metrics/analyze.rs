//! `rallylens analyze`: every table of docs/metrics.md for every campaign of a pipeline,
//! written to `OUT/metrics/<table>.parquet`, and `OUT/metrics.json` with each campaign's
//! headline figures and, for each, the method used or the reason it is null.
//!
//! Each campaign of `metrics.json` also lists `warnings`: inputs a figure left out (range
//! traffic rows, docs/metrics.md#range-rows) and a pipeline `site` that no traffic row has.
//!
//! The tables, their order and their columns are [`super::registry::TABLES`]; a computed
//! frame whose columns differ from its entry's is an error, not a file.
//!
//! The output is deterministic: tables sorted by their keys, bootstrap seeds fixed, no
//! timestamps in `metrics.json`; the same lake and pipeline give the same bytes.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use polars::prelude::*;
use rayon::prelude::*;
use serde_json::Value;

use super::registry::{Compute, Done, Group, Table, TABLES};
use super::{write_table, Lake, Scope};
use crate::pipeline::Pipeline;
use crate::pseudo::Pseudonymizer;

/// What `analyze` wrote.
#[derive(Debug)]
pub struct Written {
    pub dir: PathBuf,
    pub tables: Vec<(String, usize)>,
}

pub fn analyze(p: &Pipeline, lake_dir: &Path, out: &Path) -> Result<Written> {
    analyze_with(p, lake_dir, Source::default(), out, None)
}

/// What analyze reads besides the lake folder: the key file (None: `DIR.key` beside the
/// lake), and, for a lake copied from object storage ([`crate::lake::store`]), its URL, where
/// a remote engine reads the parts (never the local copy).
#[derive(Clone, Copy, Debug, Default)]
pub struct Source<'a> {
    pub key: Option<&'a Path>,
    pub url: Option<&'a crate::lake::store::LakeUrl>,
}

/// [`analyze`], with the relational part of the steps that can run remotely
/// ([`crate::spark::steps`]: `hashtag_daily`, `reach_daily`'s posts) run on the Spark Connect server `engine`
/// when one is given; every other table, and the finish of those steps, are computed here.
/// The tables written are the same either way (tests/it/spark.rs).
pub fn analyze_with(
    p: &Pipeline,
    lake_dir: &Path,
    source: Source,
    out: &Path,
    engine: Option<&crate::spark::Endpoint>,
) -> Result<Written> {
    // On polars' threads: rayon work started here (the actions' reader, the tables computed
    // side by side) then runs on the threads polars' queries run on, rather than on rayon's
    // own pool beside them. The allocator keeps what a thread frees for that thread, so
    // memory one pool had freed was never reused by the other, and the two pools' threads
    // (four on two cores) competed: at 100 M actions 9 s and 0.85 GB more (docs/scale.md).
    // Memory a finished stage leaves goes back to the kernel after 200 ms unused: live memory
    // peaks at 5.95 GB at 100 M actions whatever the delay (0, 50, 200 ms measured); kept
    // until exit it stayed resident, 8.4 GB, for a run 2-3 s faster; returned at once it cost
    // 6-10 s of the kernel zeroing pages again (docs/scale.md).
    crate::support::set_purge_delay(200);
    polars_core::runtime::THREAD_POOL.install(|| analyze_on_pool(p, lake_dir, source, out, engine))
}

fn analyze_on_pool(
    p: &Pipeline,
    lake_dir: &Path,
    source: Source,
    out: &Path,
    engine: Option<&crate::spark::Endpoint>,
) -> Result<Written> {
    let clock = crate::timing::Clock::new("");
    // Connect first: an unreachable server fails the command before any work.
    let mut remote = engine.map(crate::spark::Client::connect).transpose()?;
    let lake = Lake::open(lake_dir)?;
    // What a remote engine reads: the posts' parts by URL.
    let post_files = if remote.is_some() {
        crate::spark::steps::part_urls(&lake.post_files, lake_dir, source.url)?
    } else {
        Vec::new()
    };
    // Texts and permalinks stay on disk: only `recap_posts` reads them, for a few posts.
    let post_texts = lake.posts.clone();
    // Only the posts the campaigns' metrics read (Lake::materialize_for).
    let lake = lake.materialize_for(&p.campaigns)?;
    clock.mark("lake read");
    let key = Pseudonymizer::for_lake(lake_dir, source.key)?;
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
    // Groups first (the ladder's per-actor levels), each once; their tables take their part below.
    let mut groups: Vec<(&Group, PolarsResult<Vec<LazyFrame>>)> = Vec::new();
    for t in TABLES {
        if let Compute::Group(g, _) = t.compute {
            if !groups.iter().any(|(x, _)| x.name == g.name) {
                groups.push((g, (g.compute)(&scopes)));
                clock.mark(g.name);
            }
        }
    }
    // The tables computed from the scopes alone depend on nothing else: they are computed
    // two at a time (rayon), so that one table's single-threaded part overlaps another's
    // (what they share, such as the distinct actors or the voices, is computed once,
    // whichever asks first). The loop below takes them in the registry's order, so the first
    // failing table is the one reported, as before.
    let remote_step = |t: &Table| {
        remote.is_some() && (t.name == super::hashtags::HASHTAG_DAILY.name || t.name == super::reach::REACH_DAILY.name)
    };
    let mut early: Vec<Option<Result<DataFrame>>> = TABLES
        .par_iter()
        .map(|t| match t.compute {
            Compute::Scopes(f) if !remote_step(t) => Some(run(t.name, f(&scopes))),
            _ => None,
        })
        .collect();
    let mut tables: Vec<(&'static str, DataFrame)> = Vec::new();
    let mut json = Value::Null;
    for (i, t) in TABLES.iter().enumerate() {
        let df = match &t.compute {
            Compute::Scopes(_) if t.name == super::hashtags::HASHTAG_DAILY.name && remote.is_some() => {
                let client = remote.as_mut().expect("checked");
                let lf = crate::spark::steps::hashtag_daily(client, &post_files, &p.campaigns).with_context(|| {
                    format!("computing {} on the Spark Connect server {}", t.name, client.endpoint())
                })?;
                run(t.name, Ok(lf))?
            }
            Compute::Scopes(_) if t.name == super::reach::REACH_DAILY.name && remote.is_some() => {
                let client = remote.as_mut().expect("checked");
                let lf = crate::spark::steps::reach_daily(client, &post_files, &scopes).with_context(|| {
                    format!("computing {} on the Spark Connect server {}", t.name, client.endpoint())
                })?;
                run(t.name, Ok(lf))?
            }
            Compute::Scopes(_) => early[i].take().expect("computed above")?,
            Compute::Group(g, i) => {
                let (_, frames) = groups.iter_mut().find(|(x, _)| x.name == g.name).expect("computed above");
                let lf = match frames {
                    Ok(frames) => Ok(frames[*i].clone()),
                    // The first member reports the group's error; the others point at it.
                    Err(e) => Err(std::mem::replace(e, PolarsError::ComputeError(format!("see {}", t.name).into()))),
                };
                run(t.name, lf)?
            }
            Compute::Derived(f) => {
                let done = Done {
                    pipeline: p,
                    scopes: &scopes,
                    tables: &tables,
                    site_warning: site_warning.as_deref(),
                    post_texts: post_texts.clone(),
                };
                let (df, j) = f(&done)?;
                clock.mark(&format!("{} (all tables)", t.name));
                // Only the derived tables that give metrics.json return one (campaign_kpis).
                if !j.is_null() {
                    json = j;
                }
                df
            }
        };
        t.check_computed(&df)?;
        tables.push((t.name, df));
    }

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
