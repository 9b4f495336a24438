//! Render: charts (plotters, SVG and PNG) and the report (self-contained HTML and
//! Markdown) from what `analyze` wrote to `OUT/metrics/` and `OUT/metrics.json`.
//!
//! Render reads only the metric tables, never the lake: the tables are the contract, so a
//! report can be re-rendered from a copied `metrics/` folder.

pub mod charts;
pub mod recap;
pub mod report;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use polars::prelude::*;
use serde_json::Value;

/// The metric tables and `metrics.json` of one analyze output folder.
pub struct Metrics {
    /// The output folder (`OUT`).
    pub dir: PathBuf,
    /// `metrics/<name>.parquet`, by name.
    pub tables: BTreeMap<String, DataFrame>,
    /// `metrics.json`.
    pub json: Value,
}

impl Metrics {
    /// Reads `OUT/metrics/*.parquet` (every table of [`crate::metrics::registry::TABLES`],
    /// each with every column its entry declares) and `OUT/metrics.json`.
    pub fn load(out: &Path) -> Result<Metrics> {
        let mut tables = BTreeMap::new();
        for t in crate::metrics::registry::TABLES {
            let path = out.join("metrics").join(format!("{}.parquet", t.name));
            let file = std::fs::File::open(&path).with_context(|| format!("opening {}", path.display()))?;
            let df =
                ParquetReader::new(file).finish().map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
            t.check_loaded(&df, &path)?;
            tables.insert(t.name.to_string(), df);
        }
        let path = out.join("metrics.json");
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let json = serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        Ok(Metrics { dir: out.to_path_buf(), tables, json })
    }

    /// One table by name; every table of the registry is present after [`Metrics::load`].
    pub fn table(&self, name: &str) -> &DataFrame {
        self.tables.get(name).unwrap_or_else(|| panic!("metric table {name} not loaded"))
    }
}

/// The report section a chart belongs to, in report order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    Reach,
    Growth,
    Engagement,
    Uplift,
    Ladder,
    Hashtags,
    Press,
    Signups,
    Comparison,
    /// Personal bests (no chart).
    Records,
    Languages,
    Countries,
    /// Key accounts and top voices (no chart).
    Voices,
}

/// One rendered chart: the same picture as SVG (inlined in report.html) and PNG
/// (`OUT/charts/<file_stem>.png`, linked from report.md).
pub struct Chart {
    /// Unique, file-name safe: `reach_daily-kenya`, `campaigns_overlay`.
    pub file_stem: String,
    pub section: Section,
    /// The campaign it shows, or None for charts across campaigns.
    pub campaign: Option<String>,
    pub title: String,
    /// One or two sentences saying how to read it (shown under the chart).
    pub caption: String,
    /// An `<svg>` element without an XML prolog, ready to inline in HTML.
    pub svg: String,
    pub png: Vec<u8>,
}

/// Text for XML and HTML (the SVG charts and the report): `< > & " '` as entities.
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// The start of a self-contained page, up to and including `<main>`: doctype, charset,
/// viewport, the escaped title and the inline style sheet (the report and the recaps).
pub(crate) fn page_head(title: &str, css: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"rallylens\">\n<title>{}</title>\n<style>\n{css}</style>\n</head>\n<body>\n<main>\n",
        xml_escape(title)
    )
}

/// What [`render`] wrote.
pub struct Rendered {
    pub html: PathBuf,
    pub markdown: PathBuf,
    pub charts: usize,
    /// `OUT/recap-<campaign>.html`, one per campaign (docs/recap.md).
    pub recaps: Vec<PathBuf>,
}

/// Renders the charts and the report of the metrics in `out`: `OUT/charts/<stem>.svg|png`,
/// `OUT/report.html`, `OUT/report.md` and a supporters' recap per campaign
/// (`OUT/recap-<campaign>.html`), each written to a temp file and renamed into
/// place. Chart files of an earlier render that this one did not draw are removed, so the
/// folder shows exactly the report's charts.
pub fn render(out: &Path, prov: &report::Provenance, title: &str, generated: &str) -> Result<Rendered> {
    let m = Metrics::load(out)?;
    let charts = charts::charts(&m)?;
    write_charts(out, &charts)?;
    let doc = report::document(&m, &charts, prov, title, generated)
        .map_err(|e| anyhow::anyhow!("summarising the metric tables for the report: {e}"))?;
    let mut rendered = write_report(out, &doc, &charts)?;
    rendered.recaps = write_recaps(out, &m)?;
    Ok(rendered)
}

/// Writes `charts` to `OUT/charts/<stem>.svg|png` and removes the chart files of an earlier
/// render that `charts` does not hold.
pub(crate) fn write_charts(out: &Path, charts: &[Chart]) -> Result<()> {
    let dir = out.join("charts");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut keep = std::collections::BTreeSet::new();
    for c in charts {
        for (ext, bytes) in [("svg", c.svg.as_bytes()), ("png", c.png.as_slice())] {
            let name = format!("{}.{ext}", c.file_stem);
            write_file(&dir.join(&name), bytes)?;
            keep.insert(name);
        }
    }
    for e in std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if (name.ends_with(".svg") || name.ends_with(".png")) && !keep.contains(&name) {
            std::fs::remove_file(e.path())
                .with_context(|| format!("removing the stale chart {}", e.path().display()))?;
        }
    }
    Ok(())
}

/// Writes the report's blocks as `OUT/report.html` and `OUT/report.md`.
pub(crate) fn write_report(out: &Path, doc: &[report::Block], charts: &[Chart]) -> Result<Rendered> {
    let html = out.join("report.html");
    write_file(&html, report::to_html(doc, charts).as_bytes())?;
    let markdown = out.join("report.md");
    write_file(&markdown, report::to_markdown(doc, charts).as_bytes())?;
    Ok(Rendered { html, markdown, charts: charts.len(), recaps: Vec::new() })
}

/// The supporters' recaps beside the report; a recap of an earlier render whose campaign
/// is gone is removed.
fn write_recaps(out: &Path, m: &Metrics) -> Result<Vec<PathBuf>> {
    let recaps = recap::recaps(m)?;
    let mut written = Vec::new();
    for r in &recaps {
        let path = out.join(&r.file_name);
        write_file(&path, r.html.as_bytes())?;
        written.push(path);
    }
    for e in std::fs::read_dir(out).with_context(|| format!("listing {}", out.display()))? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("recap-") && name.ends_with(".html") && !recaps.iter().any(|r| r.file_name == name) {
            std::fs::remove_file(e.path()).with_context(|| format!("removing the stale recap {}", e.path().display()))?;
        }
    }
    Ok(written)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::support::write_atomic(path, bytes).with_context(|| format!("writing {}", path.display()))
}
