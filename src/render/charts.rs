//! The report's charts, drawn with plotters twice: an SVG string (inlined in report.html)
//! and PNG bytes (`OUT/charts/<file_stem>.png`, linked from report.md).
//!
//! - Every chart is 900 × 420 px ([`W`], [`H`]), white, in DejaVu Sans embedded in the
//!   binary (`assets/fonts/`, registered for plotters' `ab_glyph` text): no system font is
//!   read, so a machine without fonts draws the same PNG. The SVG names `sans-serif`; the
//!   browser draws its text.
//! - Same metrics, same bytes: the data are read in table order (tables are sorted by key),
//!   series are ordered by name, and nothing depends on time, hashing or threads.
//! - A campaign has one colour in every chart (by its position in `campaign_kpis`, sorted by
//!   id): its lines in charts across campaigns, the shaded campaign window in its own charts,
//!   where the series (platforms, hashtags, rungs) have their own colours.
//! - A chart with no data for a campaign is not drawn (no empty frames); the report says
//!   why from `metrics.json`. The comparison overlay needs two campaigns.
//! - SVG: no XML prolog; the root `<svg>` has `viewBox`, `role="img"` and an `aria-label`
//!   (the title); text is escaped by the backend (`&`, `<`, quotes).

use std::collections::BTreeMap;
use std::sync::Once;

use anyhow::{anyhow, Result};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use polars::prelude::*;

use super::{Chart, Metrics, Section};
use crate::model::Day;

/// Width and height of every chart, in pixels.
pub const W: u32 = 900;
pub const H: u32 = 420;

const FONT: &str = "sans-serif";
static DEJAVU: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static DEJAVU_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Both are valid TrueType files shipped with the source: failing here is a build defect.
        plotters::style::register_font(FONT, FontStyle::Normal, DEJAVU).unwrap_or_else(|_| panic!("DejaVuSans.ttf"));
        plotters::style::register_font(FONT, FontStyle::Bold, DEJAVU_BOLD)
            .unwrap_or_else(|_| panic!("DejaVuSans-Bold.ttf"));
    });
}

// ---------------------------------------------------------------------------------------
// Colours

/// Campaign colours (Okabe–Ito, colour-blind safe), by campaign position.
const CAMPAIGN: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
];

/// Series colours inside one campaign's chart (platforms, hashtags, rungs), by position.
const SERIES: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

const GREY: RGBColor = RGBColor(110, 110, 110);
const INK: RGBColor = RGBColor(40, 40, 40);

fn platform_colour(p: &str, i: usize) -> RGBColor {
    match p {
        "facebook" => RGBColor(59, 89, 152),
        "twitter" => RGBColor(29, 161, 242),
        "instagram" => RGBColor(193, 53, 132),
        "flickr" => RGBColor(255, 0, 132),
        "youtube" => RGBColor(205, 32, 31),
        "linkedin" => RGBColor(0, 119, 181),
        _ => SERIES[(i + 4) % SERIES.len()],
    }
}

// ---------------------------------------------------------------------------------------
// Reading the tables

type Area<DB> = DrawingArea<DB, Shift>;

fn err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("drawing a chart: {e:?}")
}

fn strs(df: &DataFrame, name: &str) -> Result<Vec<Option<String>>> {
    let c = df.column(name)?.cast(&DataType::String)?;
    Ok(c.str()?.iter().map(|v| v.map(str::to_string)).collect())
}
fn f64s(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    let c = df.column(name)?.cast(&DataType::Float64)?;
    Ok(c.f64()?.iter().collect())
}
fn i64s(df: &DataFrame, name: &str) -> Result<Vec<Option<i64>>> {
    let c = df.column(name)?.cast(&DataType::Int64)?;
    Ok(c.i64()?.iter().collect())
}
/// A `Date` column as days since 1970-01-01.
fn days(df: &DataFrame, name: &str) -> Result<Vec<Option<i32>>> {
    let c = df.column(name)?.cast(&DataType::Int32)?;
    Ok(c.i32()?.iter().collect())
}
/// A UTC timestamp column as fractional days since 1970-01-01.
fn times(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    let c = df.column(name)?;
    let unit = match c.dtype() {
        DataType::Datetime(u, _) => *u,
        DataType::Null => return Ok(vec![None; c.len()]),
        other => return Err(anyhow!("column {name} is {other}, not a timestamp")),
    };
    let per_day = match unit {
        TimeUnit::Nanoseconds => 86_400e9,
        TimeUnit::Microseconds => 86_400e6,
        TimeUnit::Milliseconds => 86_400e3,
    };
    let c = c.cast(&DataType::Int64)?;
    Ok(c.i64()?.iter().map(|v| v.map(|v| v as f64 / per_day)).collect())
}

/// One campaign of `campaign_kpis`: id, name, window (epoch days), colour.
#[derive(Clone)]
struct Camp {
    id: String,
    name: String,
    start: Option<i32>,
    end: Option<i32>,
    colour: RGBColor,
}

fn campaigns(m: &Metrics) -> Result<Vec<Camp>> {
    let k = m.table("campaign_kpis");
    let (ids, names, starts, ends) = (strs(k, "campaign")?, strs(k, "name")?, days(k, "start")?, days(k, "end")?);
    let mut out: Vec<Camp> = Vec::new();
    for i in 0..k.height() {
        let Some(id) = ids[i].clone() else { continue };
        let name = names[i].clone().unwrap_or_else(|| id.clone());
        out.push(Camp { id, name, start: starts[i], end: ends[i], colour: CAMPAIGN[0] });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    for (i, c) in out.iter_mut().enumerate() {
        c.colour = CAMPAIGN[i % CAMPAIGN.len()];
    }
    Ok(out)
}

/// Row indices of a table for one campaign, in table order.
fn rows_of(df: &DataFrame, campaign: &str) -> Result<Vec<usize>> {
    let c = strs(df, "campaign")?;
    Ok((0..df.height()).filter(|i| c[*i].as_deref() == Some(campaign)).collect())
}

/// File-name safe: letters, digits, `-` and `_` kept, anything else `_`.
fn safe(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// A campaign id in a file name: as is when already safe, else made safe plus a short hash
/// of the id, so that two ids differing only in unsafe characters keep apart.
fn stem_id(id: &str) -> String {
    let s = safe(id);
    if s == id {
        s
    } else {
        format!("{s}-{:08x}", xxhash_rust::xxh3::xxh3_64(id.as_bytes()) as u32)
    }
}

fn date_label(d: f64) -> String {
    Day(d.round() as i32).to_naive().format("%d %b").to_string()
}

/// Thousands with a thin comma: 12,345; small and fractional values with few digits.
fn num(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 100.0 || v.fract() == 0.0 {
        let n = v.round() as i64;
        let s = n.abs().to_string();
        let mut out = String::new();
        for (i, ch) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(ch);
        }
        if n < 0 {
            format!("-{out}")
        } else {
            out
        }
    } else if a >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A y range from 0 to a bit above the maximum (at least 1).
fn y_top(max: f64) -> f64 {
    if max.is_finite() && max > 0.0 {
        max * 1.12
    } else {
        1.0
    }
}

// ---------------------------------------------------------------------------------------
// Rendering: one drawing function, two backends

/// Draws with `svg` and `png` (the same function instantiated for each backend) and returns
/// the SVG text (prolog-free, with role and aria-label) and the PNG bytes.
fn render(
    title: &str,
    svg: impl FnOnce(&Area<SVGBackend>) -> Result<()>,
    png: impl FnOnce(&Area<BitMapBackend>) -> Result<()>,
) -> Result<(String, Vec<u8>)> {
    register_fonts();
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        svg(&root)?;
        root.present().map_err(err)?;
    }
    let mut buf = vec![0u8; (W * H * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        png(&root)?;
        root.present().map_err(err)?;
    }
    Ok((finish_svg(text, title), encode_png(&buf)?))
}

/// Both instantiations of a drawing function `f(area, args...)`.
macro_rules! draw_both {
    ($title:expr, $f:ident $(, $arg:expr)*) => {
        render($title, |a| $f(a $(, $arg)*), |a| $f(a $(, $arg)*))
    };
}

fn xml_escape(s: &str) -> String {
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

fn finish_svg(text: String, title: &str) -> String {
    let body = match text.find("<svg") {
        Some(i) => &text[i..], // an XML prolog, if a backend version writes one, goes
        None => text.as_str(),
    };
    let label = xml_escape(title);
    body.replacen("<svg ", &format!("<svg role=\"img\" aria-label=\"{label}\" "), 1)
}

fn encode_png(rgb: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, W, H);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header()?;
        w.write_image_data(rgb)?;
        w.finish()?;
    }
    Ok(out)
}

/// The title strip of a chart; returns the area below it.
fn titled<DB: DrawingBackend>(root: &Area<DB>, title: &str) -> Result<Area<DB>> {
    // 20 px fits about 75 characters across; longer titles (long campaign names) get
    // smaller, down to 13 px, then are cut with an ellipsis.
    let n = title.chars().count();
    let size = if n <= 75 { 20.0 } else { (20.0 * 75.0 / n as f64).max(13.0) };
    let max = (75.0 * 20.0 / size) as usize;
    let text: String =
        if n > max { title.chars().take(max - 1).chain(std::iter::once('…')).collect() } else { title.to_string() };
    root.titled(&text, (FONT, size).into_font().style(FontStyle::Bold).color(&INK)).map_err(err)
}

fn label_font() -> TextStyle<'static> {
    (FONT, 13).into_font().color(&INK)
}
fn small_font() -> TextStyle<'static> {
    (FONT, 12).into_font().color(&INK)
}

/// The shaded campaign window of a day axis (x in epoch days; a day spans x − ½ … x + ½),
/// drawn first so the series lie on top.
fn shade_window<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    c: &Camp,
    y_max: f64,
) -> Result<()> {
    let (Some(s), Some(e)) = (c.start, c.end) else { return Ok(()) };
    let colour = c.colour;
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(s as f64 - 0.5, 0.0), (e as f64 + 0.5, y_max)],
            c.colour.mix(0.12).filled(),
        )))
        .map_err(err)?
        .label("campaign window")
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], colour.mix(0.25).filled()));
    Ok(())
}

fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    pos: SeriesLabelPosition,
) -> Result<()> {
    chart
        .configure_series_labels()
        .position(pos)
        .background_style(WHITE.mix(0.85))
        .border_style(GREY.mix(0.5))
        .label_font(small_font())
        .draw()
        .map_err(err)
}

/// The x range of a day axis covering `lo..=hi`.
fn day_range(lo: i32, hi: i32) -> std::ops::Range<f64> {
    (lo as f64 - 0.5)..(hi as f64 + 0.5)
}

// ---------------------------------------------------------------------------------------
// 1. Daily reach and engagements

struct Series {
    name: String,
    colour: RGBColor,
    points: Vec<(f64, f64)>,
}

struct TwoPanels {
    camp: Camp,
    title: String,
    x: (i32, i32),
    left: (String, Vec<Series>),
    right: (String, Vec<Series>),
}

fn draw_day_lines<DB: DrawingBackend>(
    area: &Area<DB>,
    camp: &Camp,
    x: (i32, i32),
    y_desc: &str,
    series: &[Series],
) -> Result<()> {
    let max = series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(0.0, f64::max);
    let top = y_top(max);
    let mut chart = ChartBuilder::on(area)
        .margin(8)
        .margin_right(16)
        .x_label_area_size(34)
        .y_label_area_size(58)
        .build_cartesian_2d(day_range(x.0, x.1), 0.0..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| date_label(*v))
        .y_label_formatter(&|v| num(*v))
        .x_desc("day")
        .y_desc(y_desc)
        .label_style(small_font())
        .axis_desc_style(label_font())
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(GREY.mix(0.15))
        .draw()
        .map_err(err)?;
    shade_window(&mut chart, camp, top)?;
    for s in series {
        let colour = s.colour;
        chart
            .draw_series(LineSeries::new(s.points.iter().copied(), colour.stroke_width(2)))
            .map_err(err)?
            .label(s.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2)));
        chart.draw_series(s.points.iter().map(|p| Circle::new(*p, 3, colour.filled()))).map_err(err)?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

fn draw_two_panels<DB: DrawingBackend>(root: &Area<DB>, t: &TwoPanels) -> Result<()> {
    let body = titled(root, &t.title)?;
    // A panel without any series is left out: the other takes the whole width.
    match (t.left.1.is_empty(), t.right.1.is_empty()) {
        (false, true) => draw_day_lines(&body, &t.camp, t.x, &t.left.0, &t.left.1),
        (true, false) => draw_day_lines(&body, &t.camp, t.x, &t.right.0, &t.right.1),
        _ => {
            let (l, r) = body.split_horizontally(W / 2);
            draw_day_lines(&l, &t.camp, t.x, &t.left.0, &t.left.1)?;
            draw_day_lines(&r, &t.camp, t.x, &t.right.0, &t.right.1)
        }
    }
}

/// Per platform, the points (day, value) of a column, nulls left out; None when all null.
fn per_platform(df: &DataFrame, rows: &[usize], col: &str) -> Result<Vec<Series>> {
    let (plat, day, v) = (strs(df, "platform")?, days(df, "day")?, f64s(df, col)?);
    let mut by: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for &i in rows {
        if let (Some(p), Some(d), Some(v)) = (&plat[i], day[i], v[i]) {
            by.entry(p.clone()).or_default().push((d as f64, v));
        }
    }
    Ok(by
        .into_iter()
        .enumerate()
        .map(|(i, (name, mut points))| {
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            Series { colour: platform_colour(&name, i), name, points }
        })
        .collect())
}

fn reach_chart(m: &Metrics, c: &Camp) -> Result<Option<Chart>> {
    let df = m.table("reach_daily");
    let rows = rows_of(df, &c.id)?;
    if rows.is_empty() {
        return Ok(None);
    }
    let day = days(df, "day")?;
    let ds: Vec<i32> = rows.iter().filter_map(|i| day[*i]).chain(c.start).chain(c.end).collect();
    let (Some(lo), Some(hi)) = (ds.iter().min().copied(), ds.iter().max().copied()) else { return Ok(None) };
    let mut reach = per_platform(df, &rows, "post_reach_sum")?;
    let mut reach_desc = "post reach, summed over posts (people)";
    if reach.is_empty() {
        reach = per_platform(df, &rows, "impressions")?;
        reach_desc = "impressions";
    }
    if reach.is_empty() {
        // No reach figure at all (collected posts only): the people who acted that day.
        reach = per_platform(df, &rows, "unique_actors")?;
        reach_desc = "distinct actors that day";
    }
    let eng = per_platform(df, &rows, "engagements")?;
    if reach.is_empty() && eng.is_empty() {
        return Ok(None);
    }
    let title = if eng.is_empty() && reach_desc.starts_with("distinct") {
        format!("Daily distinct actors: {}", c.name)
    } else {
        format!("Daily reach and engagements: {}", c.name)
    };
    let t = TwoPanels {
        camp: c.clone(),
        title: title.clone(),
        x: (lo, hi),
        left: (reach_desc.to_string(), reach),
        right: ("engagements (reactions + comments + shares …)".to_string(), eng),
    };
    let (svg, png) = draw_both!(&title, draw_two_panels, &t)?;
    Ok(Some(Chart {
        file_stem: format!("reach_daily-{}", stem_id(&c.id)),
        section: Section::Reach,
        campaign: Some(c.id.clone()),
        title,
        caption: format!(
            "Per day and platform. Left: {reach_desc}{}; right: engagements of the own posts created that day. \
             Shaded: the campaign window.",
            if reach_desc.starts_with("post reach") {
                " of own posts (a person reached by two posts counts twice)"
            } else {
                ""
            }
        ),
        svg,
        png,
    }))
}

// ---------------------------------------------------------------------------------------
// 2. Engagement rate per content type, with bootstrap intervals

struct RateGroup {
    label: String,
    basis: String,
    colour: RGBColor,
    rate: f64,
    ci: Option<(f64, f64)>,
    posts: i64,
}

struct RatePlot {
    title: String,
    groups: Vec<RateGroup>,
    platforms: Vec<(String, RGBColor)>,
}

/// A dot plot with the groups as rows (first group on top), so that any number of groups
/// keeps readable labels.
fn draw_rates<DB: DrawingBackend>(root: &Area<DB>, p: &RatePlot) -> Result<()> {
    let body = titled(root, &p.title)?;
    let n = p.groups.len();
    let max = p.groups.iter().map(|g| g.ci.map_or(g.rate, |c| c.1.max(g.rate))).fold(0.0, f64::max) * 100.0;
    let right = y_top(max) * 1.15; // room for the value labels
                                   // Row k (0 = first group) sits at y = n − 1 − k.
    let row = |k: usize| (n - 1 - k) as f64;
    let mut chart = ChartBuilder::on(&body)
        .margin(8)
        .margin_right(20)
        .x_label_area_size(40)
        .y_label_area_size(210)
        .build_cartesian_2d(0.0..right, -0.5..(n as f64 - 0.5))
        .map_err(err)?;
    let labels: Vec<String> = p.groups.iter().map(|g| g.label.clone()).collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n.max(1))
        .x_labels(6)
        .y_label_formatter(&|v| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                labels[n - 1 - i as usize].clone()
            } else {
                String::new()
            }
        })
        .x_label_formatter(&|v| format!("{}%", num(*v)))
        .x_desc("engagement rate: Σ engagements / Σ basis, 95% interval")
        .y_desc("platform, content type (basis)")
        .label_style(small_font())
        .axis_desc_style(label_font())
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(GREY.mix(0.15))
        .draw()
        .map_err(err)?;
    let h = if n > 8 { 0.15 } else { 0.2 };
    for (k, g) in p.groups.iter().enumerate() {
        let y = row(k);
        let colour = g.colour;
        let x = g.rate * 100.0;
        let mut end = x;
        if let Some((lo, hi)) = g.ci {
            let (lo, hi) = (lo * 100.0, hi * 100.0);
            end = end.max(hi);
            chart
                .draw_series([
                    PathElement::new(vec![(lo, y), (hi, y)], colour.stroke_width(2)),
                    PathElement::new(vec![(lo, y - h), (lo, y + h)], colour.stroke_width(2)),
                    PathElement::new(vec![(hi, y - h), (hi, y + h)], colour.stroke_width(2)),
                ])
                .map_err(err)?;
        }
        chart.draw_series(std::iter::once(Circle::new((x, y), 6, colour.filled()))).map_err(err)?;
        let pad = if g.ci.is_some() { "  " } else { "    " };
        let note = format!("{pad}{}% · {} post{}", num(x), g.posts, if g.posts == 1 { "" } else { "s" });
        chart
            .draw_series(std::iter::once(Text::new(
                note,
                (end, y),
                small_font().pos(Pos::new(HPos::Left, VPos::Center)),
            )))
            .map_err(err)?;
    }
    for (name, colour) in &p.platforms {
        let colour = *colour;
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
            .map_err(err)?
            .label(name.clone())
            .legend(move |(x, y)| Circle::new((x + 9, y), 5, colour.filled()));
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight)
}

fn engagement_chart(m: &Metrics, c: &Camp) -> Result<Option<Chart>> {
    let df = m.table("engagement_by_content_type");
    let rows = rows_of(df, &c.id)?;
    let (plat, ct, basis) = (strs(df, "platform")?, strs(df, "content_type")?, strs(df, "rate_basis")?);
    let (rate, lo, hi, posts) =
        (f64s(df, "engagement_rate")?, f64s(df, "ci_low")?, f64s(df, "ci_high")?, i64s(df, "posts")?);
    let mut platforms: Vec<String> = rows.iter().filter_map(|i| plat[*i].clone()).collect();
    platforms.dedup();
    let colour_of = |p: &str| platform_colour(p, platforms.iter().position(|x| x == p).unwrap_or(0));
    let mut groups = Vec::new();
    for &i in &rows {
        let (Some(p), Some(r)) = (&plat[i], rate[i]) else { continue };
        let b = basis[i].clone().unwrap_or_default();
        groups.push(RateGroup {
            label: format!("{}, {} ({})", p, ct[i].as_deref().unwrap_or("?"), b),
            basis: b,
            colour: colour_of(p),
            rate: r,
            ci: lo[i].zip(hi[i]),
            posts: posts[i].unwrap_or(0),
        });
    }
    if groups.is_empty() {
        return Ok(None);
    }
    let mut used: Vec<String> = groups.iter().map(|g| g.label.split(',').next().unwrap_or("").to_string()).collect();
    used.dedup();
    let title = format!("Engagement rate per content type: {}", c.name);
    let plot =
        RatePlot { title: title.clone(), platforms: used.iter().map(|p| (p.clone(), colour_of(p))).collect(), groups };
    let mixed = {
        let mut b: Vec<&str> = plot.groups.iter().map(|g| g.basis.as_str()).collect();
        b.sort();
        b.dedup();
        b.len() > 1
    };
    let (svg, png) = draw_both!(&title, draw_rates, &plot)?;
    Ok(Some(Chart {
        file_stem: format!("engagement_by_content_type-{}", stem_id(&c.id)),
        section: Section::Engagement,
        campaign: Some(c.id.clone()),
        title,
        caption: format!(
            "Own posts: engagements per 100 of the basis in brackets (reach, impressions or followers), with the 95% \
             bootstrap interval (none for a single post).{}",
            if mixed { " Rates on different bases are not comparable with each other." } else { "" }
        ),
        svg,
        png,
    }))
}

// ---------------------------------------------------------------------------------------
// 3. Referral sessions, observed vs expected

struct Referral {
    camp: Camp,
    title: String,
    x: (i32, i32),
    observed: Vec<(f64, f64)>,
    expected: Vec<(f64, f64)>,
    band: Vec<(f64, f64, f64)>,
}

fn draw_referral<DB: DrawingBackend>(root: &Area<DB>, r: &Referral) -> Result<()> {
    let body = titled(root, &r.title)?;
    let max = r
        .observed
        .iter()
        .map(|p| p.1)
        .chain(r.expected.iter().map(|p| p.1))
        .chain(r.band.iter().map(|b| b.2))
        .fold(0.0, f64::max);
    let top = y_top(max);
    let mut chart = ChartBuilder::on(&body)
        .margin(8)
        .margin_right(20)
        .x_label_area_size(34)
        .y_label_area_size(58)
        .build_cartesian_2d(day_range(r.x.0, r.x.1), 0.0..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_labels(10)
        .y_labels(6)
        .x_label_formatter(&|v| date_label(*v))
        .y_label_formatter(&|v| num(*v))
        .x_desc("day")
        .y_desc("sessions referred by social media per day")
        .label_style(small_font())
        .axis_desc_style(label_font())
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(GREY.mix(0.15))
        .draw()
        .map_err(err)?;
    shade_window(&mut chart, &r.camp, top)?;
    if !r.band.is_empty() {
        let mut poly: Vec<(f64, f64)> = r.band.iter().map(|b| (b.0, b.2)).collect();
        poly.extend(r.band.iter().rev().map(|b| (b.0, b.1)));
        chart
            .draw_series(std::iter::once(Polygon::new(poly, GREY.mix(0.22).filled())))
            .map_err(err)?
            .label("95% range of a day without effect")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], GREY.mix(0.3).filled()));
    }
    chart
        .draw_series(DashedLineSeries::new(r.expected.iter().copied(), 6, 4, INK.stroke_width(2)))
        .map_err(err)?
        .label("expected (from the baseline)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], INK.stroke_width(2)));
    let colour = r.camp.colour;
    chart
        .draw_series(LineSeries::new(r.observed.iter().copied(), colour.stroke_width(2)))
        .map_err(err)?
        .label("observed")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2)));
    chart.draw_series(r.observed.iter().map(|p| Circle::new(*p, 3, colour.filled()))).map_err(err)?;
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

fn referral_chart(m: &Metrics, c: &Camp) -> Result<Option<Chart>> {
    let Some(df) = m.tables.get("referral_daily") else { return Ok(None) };
    let rows: Vec<usize> = {
        let ch = strs(df, "channel")?;
        rows_of(df, &c.id)?.into_iter().filter(|i| ch[*i].as_deref() == Some("all_social")).collect()
    };
    let (day, obs, exp, lo, hi) = (
        days(df, "day")?,
        f64s(df, "observed")?,
        f64s(df, "expected")?,
        f64s(df, "expected_low")?,
        f64s(df, "expected_high")?,
    );
    let mut r = Referral {
        camp: c.clone(),
        title: format!("Referral sessions from social media, observed vs expected: {}", c.name),
        x: (i32::MAX, i32::MIN),
        observed: vec![],
        expected: vec![],
        band: vec![],
    };
    for &i in &rows {
        let Some(d) = day[i] else { continue };
        r.x = (r.x.0.min(d), r.x.1.max(d));
        let x = d as f64;
        if let Some(o) = obs[i] {
            r.observed.push((x, o));
        }
        if let Some(e) = exp[i] {
            r.expected.push((x, e));
        }
        if let (Some(l), Some(h)) = (lo[i], hi[i]) {
            r.band.push((x, l, h));
        }
    }
    if r.observed.is_empty() {
        return Ok(None);
    }
    let method = {
        let up = m.table("referral_uplift");
        let (ch, me) = (strs(up, "channel")?, strs(up, "method")?);
        rows_of(up, &c.id)?.into_iter().find(|i| ch[*i].as_deref() == Some("all_social")).and_then(|i| me[i].clone())
    };
    let title = r.title.clone();
    let (svg, png) = draw_both!(&title, draw_referral, &r)?;
    Ok(Some(Chart {
        file_stem: format!("referral_uplift-{}", stem_id(&c.id)),
        section: Section::Uplift,
        campaign: Some(c.id.clone()),
        title,
        caption: format!(
            "Website sessions from social media per day (all social channels), before and during the shaded campaign \
             window. Dashed: what the baseline predicts (method: {}); grey: where one day falls 19 times in 20 without \
             an effect. Days above the band in the window suggest an effect; the window's total and its interval are \
             in the table.",
            method.as_deref().unwrap_or("n/a")
        ),
        svg,
        png,
    }))
}

// ---------------------------------------------------------------------------------------
// 4. Ladder: transitions heatmap and rungs over time

struct Ladder {
    title: String,
    names: Vec<String>,
    /// actors[from][to], summed over periods.
    cells: Vec<Vec<i64>>,
    /// Per period: (label, actors per to_rung 1..K).
    periods: Vec<(String, Vec<i64>)>,
}

fn rung_colour(r: usize, k: usize) -> RGBColor {
    // Light to dark along the ladder.
    let t = if k <= 1 { 1.0 } else { (r as f64 - 1.0) / (k as f64 - 1.0) };
    let (a, b) = ((198.0, 219.0, 239.0), (8.0, 48.0, 107.0));
    RGBColor((a.0 + (b.0 - a.0) * t) as u8, (a.1 + (b.1 - a.1) * t) as u8, (a.2 + (b.2 - a.2) * t) as u8)
}

fn draw_ladder<DB: DrawingBackend>(root: &Area<DB>, l: &Ladder) -> Result<()> {
    let body = titled(root, &l.title)?;
    let (left, right) = body.split_horizontally(W * 45 / 100);
    let k = l.names.len(); // rungs 0..k-1, 0 = not engaged
    let names = &l.names;
    let max = l.cells.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let mut chart = ChartBuilder::on(&left)
        .margin(8)
        .x_label_area_size(40)
        .y_label_area_size(96)
        .build_cartesian_2d(0.5..(k as f64 - 0.5), -0.5..(k as f64 - 0.5))
        .map_err(err)?;
    let fmt = |v: &f64| {
        let i = v.round();
        if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
            names[i as usize].clone()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(k - 1)
        .y_labels(k)
        .x_label_formatter(&fmt)
        .y_label_formatter(&fmt)
        .x_desc("rung at the end of a period")
        .y_desc("rung at its start")
        .label_style(small_font())
        .axis_desc_style(label_font())
        .draw()
        .map_err(err)?;
    for (from, row) in l.cells.iter().enumerate() {
        // No column for rung 0: a transition ends on a rung (H(t_k) ≥ 1, §5).
        for (to, n) in row.iter().enumerate().skip(1) {
            let t = (*n as f64 / max).sqrt();
            let fill = if *n == 0 {
                RGBColor(247, 247, 247)
            } else {
                let (a, b) = ((222.0, 235.0, 247.0), (8.0, 69.0, 148.0));
                RGBColor((a.0 + (b.0 - a.0) * t) as u8, (a.1 + (b.1 - a.1) * t) as u8, (a.2 + (b.2 - a.2) * t) as u8)
            };
            let (x, y) = (to as f64, from as f64);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.48, y - 0.48), (x + 0.48, y + 0.48)],
                    fill.filled(),
                )))
                .map_err(err)?;
            if *n > 0 {
                let ink = if t > 0.55 { WHITE } else { INK };
                chart
                    .draw_series(std::iter::once(Text::new(
                        num(*n as f64),
                        (x, y),
                        small_font().color(&ink).pos(Pos::new(HPos::Center, VPos::Center)),
                    )))
                    .map_err(err)?;
            }
        }
    }

    // Right: actors per rung at the end of each period, stacked.
    let np = l.periods.len();
    let tot = l.periods.iter().map(|(_, v)| v.iter().sum::<i64>()).max().unwrap_or(0) as f64;
    let mut chart = ChartBuilder::on(&right)
        .margin(8)
        .margin_right(16)
        .x_label_area_size(40)
        .y_label_area_size(58)
        .build_cartesian_2d(-0.5..(np as f64 - 0.5), 0.0..y_top(tot) * 1.15)
        .map_err(err)?;
    let plabels: Vec<String> = l.periods.iter().map(|p| p.0.clone()).collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(np.clamp(1, 8))
        .y_labels(6)
        .x_label_formatter(&|v| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < plabels.len() {
                plabels[i as usize].clone()
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|v| num(*v))
        .x_desc("period ending")
        .y_desc("engaged actors at the period's end")
        .label_style(small_font())
        .axis_desc_style(label_font())
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(GREY.mix(0.15))
        .draw()
        .map_err(err)?;
    for r in 1..k {
        let colour = rung_colour(r, k - 1);
        let bars: Vec<Rectangle<(f64, f64)>> = l
            .periods
            .iter()
            .enumerate()
            .map(|(i, (_, v))| {
                let below: i64 = v[..r - 1].iter().sum();
                let x = i as f64;
                Rectangle::new([(x - 0.35, below as f64), (x + 0.35, (below + v[r - 1]) as f64)], colour.filled())
            })
            .collect();
        chart
            .draw_series(bars)
            .map_err(err)?
            .label(names[r].clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled()));
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

fn ladder_chart(m: &Metrics, c: &Camp) -> Result<Option<Chart>> {
    let df = m.table("ladder_transitions");
    let rows = rows_of(df, &c.id)?;
    if rows.is_empty() {
        return Ok(None);
    }
    let (period, from, to, end, actors) = (
        i64s(df, "period")?,
        i64s(df, "from_rung")?,
        i64s(df, "to_rung")?,
        days(df, "period_end")?,
        i64s(df, "actors")?,
    );
    // Rung names from ladder_summary (rungs 1..K); 0 is "not engaged".
    let s = m.table("ladder_summary");
    let (sr, sn) = (i64s(s, "rung")?, strs(s, "rung_name")?);
    let mut names: BTreeMap<i64, String> = BTreeMap::new();
    for i in rows_of(s, &c.id)? {
        if let (Some(r), Some(n)) = (sr[i], &sn[i]) {
            names.insert(r, n.clone());
        }
    }
    let top =
        rows.iter().flat_map(|i| [from[*i], to[*i]]).flatten().chain(names.keys().copied()).max().unwrap_or(0).max(1)
            as usize;
    let names: Vec<String> =
        (0..=top)
            .map(|r| {
                if r == 0 {
                    "not engaged".into()
                } else {
                    names.get(&(r as i64)).cloned().unwrap_or(format!("rung {r}"))
                }
            })
            .collect();
    let mut cells = vec![vec![0i64; top + 1]; top + 1];
    let mut per: BTreeMap<i64, (Option<i32>, Vec<i64>)> = BTreeMap::new();
    for &i in &rows {
        let (Some(f), Some(t), Some(n)) = (from[i], to[i], actors[i]) else { continue };
        let (f, t) = (f.clamp(0, top as i64) as usize, t.clamp(0, top as i64) as usize);
        cells[f][t] += n;
        let e = per.entry(period[i].unwrap_or(0)).or_insert_with(|| (end[i], vec![0; top]));
        if t >= 1 {
            e.1[t - 1] += n;
        }
    }
    if cells.iter().flatten().all(|n| *n == 0) {
        return Ok(None);
    }
    let periods =
        per.into_values().map(|(end, v)| (end.map(|d| date_label(d as f64)).unwrap_or_default(), v)).collect();
    let title = format!("Ladder of engagement: {}", c.name);
    let l = Ladder { title: title.clone(), names, cells, periods };
    let (svg, png) = draw_both!(&title, draw_ladder, &l)?;
    Ok(Some(Chart {
        file_stem: format!("ladder-{}", stem_id(&c.id)),
        section: Section::Ladder,
        campaign: Some(c.id.clone()),
        title,
        caption: "Left: actors moving from the rung they held at the start of a period (row) to the rung at its end \
                  (column), summed over the campaign's periods; cells right of the diagonal climbed. Right: engaged \
                  actors by their highest rung at the end of each period."
            .into(),
        svg,
        png,
    }))
}

// ---------------------------------------------------------------------------------------
// 5. Hashtag pick-up and the target's response

struct Hashtags {
    camp: Camp,
    title: String,
    x: (i32, i32),
    /// Posts and reposts per hashtag (solid), and distinct authors (dashed, same colour).
    series: Vec<Series>,
    authors: Vec<Series>,
    /// (x in fractional days, label) of each target's first response.
    responses: Vec<(f64, String)>,
}

fn draw_hashtags<DB: DrawingBackend>(root: &Area<DB>, h: &Hashtags) -> Result<()> {
    let body = titled(root, &h.title)?;
    let max = h.series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(0.0, f64::max);
    let top = y_top(max) * 1.4; // the legend's room above the lines
    let mut chart = ChartBuilder::on(&body)
        .margin(8)
        .margin_right(20)
        .x_label_area_size(34)
        .y_label_area_size(58)
        .build_cartesian_2d(day_range(h.x.0, h.x.1), 0.0..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_labels(10)
        .y_labels(6)
        .x_label_formatter(&|v| date_label(*v))
        .y_label_formatter(&|v| num(*v))
        .x_desc("day")
        .y_desc("posts and authors per day")
        .label_style(small_font())
        .axis_desc_style(label_font())
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(GREY.mix(0.15))
        .draw()
        .map_err(err)?;
    shade_window(&mut chart, &h.camp, top)?;
    for s in &h.series {
        let colour = s.colour;
        chart
            .draw_series(LineSeries::new(s.points.iter().copied(), colour.stroke_width(2)))
            .map_err(err)?
            .label(s.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2)));
        chart.draw_series(s.points.iter().map(|p| Circle::new(*p, 3, colour.filled()))).map_err(err)?;
    }
    for s in &h.authors {
        let colour = s.colour;
        chart
            .draw_series(DashedLineSeries::new(s.points.iter().copied(), 6, 4, colour.stroke_width(2)))
            .map_err(err)?
            .label(s.name.clone())
            .legend(move |(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (6, 0)], colour.stroke_width(2))
                    + PathElement::new(vec![(10, 0), (16, 0)], colour.stroke_width(2))
            });
        chart.draw_series(s.points.iter().map(|p| Circle::new(*p, 2, colour.filled()))).map_err(err)?;
    }
    // Labels beside their line, away from the legend: a response in the first half of the
    // axis has its label to the right and the legend in the upper right corner.
    let red = RGBColor(200, 30, 30);
    let mid = (h.x.0 + h.x.1) as f64 / 2.0;
    let early = h.responses.first().is_some_and(|(x, _)| *x < mid);
    for (k, (x, label)) in h.responses.iter().enumerate() {
        chart.draw_series(DashedLineSeries::new(vec![(*x, 0.0), (*x, top)], 5, 4, red.stroke_width(2))).map_err(err)?;
        let y = top * (0.98 - 0.07 * k as f64);
        let (text, anchor) = if early { (format!(" {label}"), HPos::Left) } else { (format!("{label} "), HPos::Right) };
        chart
            .draw_series(std::iter::once(Text::new(
                text,
                (*x, y),
                small_font().color(&red).pos(Pos::new(anchor, VPos::Top)),
            )))
            .map_err(err)?;
    }
    legend(&mut chart, if early { SeriesLabelPosition::UpperRight } else { SeriesLabelPosition::UpperLeft })
}

fn hashtag_chart(m: &Metrics, c: &Camp) -> Result<Option<Chart>> {
    let df = m.table("hashtag_daily");
    let rows = rows_of(df, &c.id)?;
    let (tag, day, posts, reposts) = (strs(df, "hashtag")?, days(df, "day")?, i64s(df, "posts")?, i64s(df, "reposts")?);
    let authors = i64s(df, "authors")?;
    let mut by: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    let mut by_authors: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    let mut ds: Vec<i32> = c.start.into_iter().chain(c.end).collect();
    for &i in &rows {
        let (Some(t), Some(d)) = (&tag[i], day[i]) else { continue };
        let n = posts[i].unwrap_or(0) + reposts[i].unwrap_or(0);
        by.entry(format!("#{t}")).or_default().push((d as f64, n as f64));
        if let Some(a) = authors[i] {
            by_authors.entry(format!("#{t}")).or_default().push((d as f64, a as f64));
        }
        ds.push(d);
    }
    if by.is_empty() {
        return Ok(None);
    }
    let tr = m.table("target_response");
    let (target, resp) = (strs(tr, "target")?, times(tr, "first_response_at")?);
    let mut responses = Vec::new();
    for i in rows_of(tr, &c.id)? {
        if let (Some(t), Some(x)) = (&target[i], resp[i]) {
            ds.push(x.floor() as i32);
            let when = Day(x.floor() as i32).to_naive().format("%d %b").to_string();
            responses.push((x - 0.5, format!("{t} responded ({when})")));
        }
    }
    let (lo, hi) = (*ds.iter().min().expect("a day"), *ds.iter().max().expect("a day"));
    // A hashtag's colour is its position among the campaign's hashtags (by name).
    let tags: Vec<String> = by.keys().cloned().collect();
    let to_series = |m: BTreeMap<String, Vec<(f64, f64)>>, what: &str| -> Vec<Series> {
        m.into_iter()
            .map(|(tag, mut points)| {
                points.sort_by(|a, b| a.0.total_cmp(&b.0));
                let i = tags.iter().position(|t| *t == tag).unwrap_or(0);
                Series { name: format!("{tag} {what}"), colour: SERIES[i % SERIES.len()], points }
            })
            .collect()
    };
    let series = to_series(by, "posts");
    let authors = to_series(by_authors, "authors");
    let title = format!("Hashtag pick-up: {}", c.name);
    let h = Hashtags { camp: c.clone(), title: title.clone(), x: (lo, hi), series, authors, responses };
    let responded = !h.responses.is_empty();
    let (svg, png) = draw_both!(&title, draw_hashtags, &h)?;
    Ok(Some(Chart {
        file_stem: format!("hashtags-{}", stem_id(&c.id)),
        section: Section::Hashtags,
        campaign: Some(c.id.clone()),
        title,
        caption: format!(
            "Posts and reposts using each campaign hashtag per day (solid; own and collected) and their distinct \
             authors (dashed); a day without a point has no such post in the collected data. {}",
            if responded {
                "The red line marks the target's first response (UTC)."
            } else {
                "No target responded in the response window."
            }
        ),
        svg,
        png,
    }))
}

// ---------------------------------------------------------------------------------------
// 6 and 7. Across campaigns, by day since launch

struct Overlay {
    title: String,
    /// Panels: ((caption, y description), one series per campaign).
    panels: Vec<((String, String), Vec<Series>)>,
    x_max: i64,
}

fn draw_overlay<DB: DrawingBackend>(root: &Area<DB>, o: &Overlay) -> Result<()> {
    let body = titled(root, &o.title)?;
    let areas = if o.panels.len() == 1 { vec![body] } else { body.split_evenly((o.panels.len().div_ceil(2), 2)) };
    for (area, (desc, series)) in areas.iter().zip(&o.panels) {
        let max = series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(0.0, f64::max);
        let top = y_top(max);
        let mut builder = ChartBuilder::on(area);
        if !desc.0.is_empty() {
            builder.caption(&desc.0, (FONT, 14).into_font().color(&INK));
        }
        let mut chart = builder
            .margin(6)
            .margin_right(16)
            .x_label_area_size(30)
            .y_label_area_size(54)
            .build_cartesian_2d(-0.5..(o.x_max as f64 + 0.5), 0.0..top)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels(8)
            .y_labels(5)
            .x_label_formatter(&|v| {
                if (v - v.round()).abs() < 1e-6 {
                    format!("{}", v.round() as i64)
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|v| num(*v))
            .x_desc("days since launch")
            .y_desc(desc.1.as_str())
            .label_style(small_font())
            .axis_desc_style(small_font())
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(GREY.mix(0.15))
            .draw()
            .map_err(err)?;
        for s in series {
            let colour = s.colour;
            chart
                .draw_series(LineSeries::new(s.points.iter().copied(), colour.stroke_width(2)))
                .map_err(err)?
                .label(s.name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2)));
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    }
    Ok(())
}

/// Per campaign, the (x, y) points of `col` against `x_col`, nulls left out; campaigns
/// without a point are left out.
fn per_campaign(df: &DataFrame, camps: &[Camp], x_col: &str, col: &str) -> Result<Vec<Series>> {
    let (x, y) = (i64s(df, x_col)?, f64s(df, col)?);
    let mut out = Vec::new();
    for c in camps {
        let mut points: Vec<(f64, f64)> =
            rows_of(df, &c.id)?.into_iter().filter_map(|i| Some((x[i]? as f64, y[i]?))).collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        if !points.is_empty() {
            out.push(Series { name: c.name.clone(), colour: c.colour, points });
        }
    }
    Ok(out)
}

fn signups_chart(m: &Metrics, camps: &[Camp]) -> Result<Option<Chart>> {
    let df = m.table("signups");
    let series = per_campaign(df, camps, "day_since_launch", "signups_cum")?;
    if series.is_empty() {
        return Ok(None);
    }
    let x_max = series.iter().flat_map(|s| s.points.iter().map(|p| p.0 as i64)).max().unwrap_or(0).max(1);
    let title = "Cumulative sign-ups by day since launch".to_string();
    let o =
        Overlay { title: title.clone(), panels: vec![((String::new(), "sign-ups, cumulative".into()), series)], x_max };
    let (svg, png) = draw_both!(&title, draw_overlay, &o)?;
    Ok(Some(Chart {
        file_stem: "signups".into(),
        section: Section::Signups,
        campaign: None,
        title,
        caption: "Petition signatures inside each campaign's window, added up day by day; day 0 is each campaign's \
                  first day, so campaigns of different dates line up."
            .into(),
        svg,
        png,
    }))
}

fn overlay_chart(m: &Metrics, camps: &[Camp]) -> Result<Option<Chart>> {
    let df = m.table("campaign_comparison");
    let mut panels = Vec::new();
    let mut per_1k_all = true;
    for (col, desc) in [
        ("engagements_cum", "engagements"),
        ("unique_actors_cum", "unique actors"),
        ("signups_cum", "sign-ups"),
        ("social_sessions_cum", "social sessions"),
    ] {
        // Per 1,000 followers when every campaign with data has it; raw counts otherwise.
        let raw = per_campaign(df, camps, "day_since_launch", col)?;
        if raw.iter().all(|s| s.points.iter().all(|p| p.1 == 0.0)) {
            continue;
        }
        let per = per_campaign(df, camps, "day_since_launch", &format!("{col}_per_1k"))?;
        let (series, desc) = if per.len() == raw.len() {
            (per, (format!("{desc}, cumulative"), "per 1,000 followers".to_string()))
        } else {
            per_1k_all = false;
            (raw, (format!("{desc}, cumulative"), "count".to_string()))
        };
        panels.push((desc, series));
    }
    let n_camps = panels.iter().map(|(_, s)| s.len()).max().unwrap_or(0);
    if panels.is_empty() || n_camps < 2 {
        return Ok(None);
    }
    let x_max = panels
        .iter()
        .flat_map(|(_, s)| s.iter().flat_map(|s| s.points.iter().map(|p| p.0 as i64)))
        .max()
        .unwrap_or(0)
        .max(1);
    let title = "Campaigns side by side, by day since launch".to_string();
    let o = Overlay { title: title.clone(), panels, x_max };
    let (svg, png) = draw_both!(&title, draw_overlay, &o)?;
    Ok(Some(Chart {
        file_stem: "campaigns_overlay".into(),
        section: Section::Comparison,
        campaign: None,
        title,
        caption: format!(
            "Cumulative figures of every campaign from its first day (day 0){}. A line stops where a campaign's window \
             ends.",
            if per_1k_all {
                ", per 1,000 followers of its own accounts at launch"
            } else {
                "; raw counts where follower counts at launch are unknown (campaigns of different audience sizes)"
            }
        ),
        svg,
        png,
    }))
}

// ---------------------------------------------------------------------------------------

/// Every chart of the report for the metrics in `m`, in report order (section, then
/// campaign id; charts across campaigns last within their section).
pub fn charts(m: &Metrics) -> Result<Vec<Chart>> {
    let camps = campaigns(m)?;
    let mut out = Vec::new();
    for c in &camps {
        out.extend(reach_chart(m, c)?);
        out.extend(engagement_chart(m, c)?);
        out.extend(referral_chart(m, c)?);
        out.extend(ladder_chart(m, c)?);
        out.extend(hashtag_chart(m, c)?);
    }
    out.extend(signups_chart(m, &camps)?);
    out.extend(overlay_chart(m, &camps)?);
    // Stable: within a section, campaigns keep their id order.
    out.sort_by(|a, b| a.section.cmp(&b.section).then_with(|| a.campaign.is_none().cmp(&b.campaign.is_none())));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, NaiveDateTime};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    /// `n` consecutive days from `from`.
    fn run_of(from: &str, n: i64) -> Vec<NaiveDate> {
        (0..n).map(|k| d(from) + chrono::Duration::days(k)).collect()
    }

    const KENYA: &str = "Kenya & <Friends>";

    /// Two campaigns shaped like analyze's output (METRICS.md §9 columns): "kenya"
    /// (2024-03-01..14; every table) and "shell" (2024-06-03..09; no traffic, no hashtag,
    /// no follower counts). The numbers are smooth made-up curves: the charts only draw them.
    fn fixture() -> Metrics {
        let mut t: BTreeMap<String, DataFrame> = BTreeMap::new();
        t.insert(
            "campaign_kpis".into(),
            df!(
                "campaign" => ["kenya", "shell"],
                "name" => [KENYA, "Shell out"],
                "start" => [d("2024-03-01"), d("2024-06-03")],
                "end" => [d("2024-03-14"), d("2024-06-09")],
            )
            .unwrap(),
        );
        // reach_daily: kenya facebook + twitter on Feb 25 .. Mar 14 (19 days); shell facebook 7 days.
        let (mut c, mut p, mut day, mut reach, mut eng) = (vec![], vec![], vec![], vec![], vec![]);
        for (camp, plat, from, n, scale) in [
            ("kenya", "facebook", "2024-02-25", 19, 1000i64),
            ("kenya", "twitter", "2024-02-25", 19, 300),
            ("shell", "facebook", "2024-06-03", 7, 500),
        ] {
            for (k, dd) in run_of(from, n).into_iter().enumerate() {
                let k = k as i64;
                c.push(camp);
                p.push(plat);
                day.push(dd);
                reach.push(Some(scale * (10 + (k * 7) % 13 + if k >= 5 { 8 } else { 0 })));
                eng.push(Some(scale / 20 * (3 + (k * 5) % 7)));
            }
        }
        t.insert(
            "reach_daily".into(),
            df!("campaign" => c, "platform" => p, "day" => day, "post_reach_sum" => reach.clone(), "impressions" => reach, "engagements" => eng).unwrap(),
        );
        t.insert(
            "engagement_by_content_type".into(),
            df!(
                "campaign" => ["kenya", "kenya", "kenya", "kenya", "shell"],
                "platform" => ["facebook", "facebook", "facebook", "twitter", "facebook"],
                "content_type" => ["link", "photo", "video", "text", "photo"],
                "posts" => [4i64, 12, 1, 20, 3],
                "rate_basis" => ["reach", "reach", "reach", "impressions", "reach"],
                "engagement_rate" => [Some(0.021), Some(0.046), Some(0.08), Some(0.012), Some(0.03)],
                "ci_low" => [Some(0.012), Some(0.031), None, Some(0.008), Some(0.02)],
                "ci_high" => [Some(0.03), Some(0.061), None, Some(0.017), Some(0.041)],
            )
            .unwrap(),
        );
        // referral_daily: kenya only, baseline Feb 2..29 + window (42 days), all_social and facebook.
        let (mut c, mut ch, mut day, mut obs, mut exp, mut lo, mut hi, mut win) =
            (vec![], vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
        for channel in ["all_social", "facebook"] {
            for (k, dd) in run_of("2024-02-02", 42).into_iter().enumerate() {
                let k = k as i64;
                let e = 40.0 + ((k * 3) % 7) as f64 * 3.0;
                let lift = if k >= 28 { 25 + (k % 5) * 4 } else { 0 };
                c.push("kenya");
                ch.push(channel);
                day.push(dd);
                exp.push(e);
                lo.push(Some(e - 12.0));
                hi.push(Some(e + 12.0));
                obs.push(e as i64 + lift + (k * 11) % 9 - 4);
                win.push(k >= 28);
            }
        }
        t.insert(
            "referral_daily".into(),
            df!("campaign" => c, "channel" => ch, "day" => day, "observed" => obs, "expected" => exp,
                "expected_low" => lo, "expected_high" => hi, "in_window" => win)
            .unwrap(),
        );
        t.insert(
            "referral_uplift".into(),
            df!(
                "campaign" => ["kenya", "kenya", "shell"],
                "channel" => ["all_social", "facebook", "all_social"],
                "method" => [Some("control"), Some("control"), None],
                "reason" => [None, None, Some("no traffic rows in the baseline window")],
            )
            .unwrap(),
        );
        t.insert(
            "ladder_transitions".into(),
            df!(
                "campaign" => ["kenya", "kenya", "kenya", "kenya", "kenya", "kenya", "shell"],
                "period" => [1i64, 1, 1, 2, 2, 2, 1],
                "from_rung" => [0i64, 0, 1, 1, 2, 3, 0],
                "to_rung" => [1i64, 2, 3, 1, 2, 4, 1],
                "period_start" => [d("2024-03-01"), d("2024-03-01"), d("2024-03-01"), d("2024-03-08"), d("2024-03-08"), d("2024-03-08"), d("2024-06-03")],
                "period_end" => [d("2024-03-07"), d("2024-03-07"), d("2024-03-07"), d("2024-03-14"), d("2024-03-14"), d("2024-03-14"), d("2024-06-09")],
                "actors" => [120i64, 40, 6, 110, 40, 6, 9],
            )
            .unwrap(),
        );
        let rung_names = ["react", "amplify", "voice", "sign", "commit"];
        let mut lc = vec!["kenya"; 5];
        lc.extend(["shell"; 5]);
        t.insert(
            "ladder_summary".into(),
            df!("campaign" => lc, "rung" => [1i64, 2, 3, 4, 5, 1, 2, 3, 4, 5], "rung_name" => [rung_names, rung_names].concat()).unwrap(),
        );
        // hashtag_daily: kenya only, two hashtags over the window.
        let (mut c, mut tag, mut day, mut posts, mut reposts, mut authors) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for (h, scale) in [("kenya2024", 10i64), ("justice", 3)] {
            for (k, dd) in run_of("2024-03-01", 14).into_iter().enumerate() {
                let k = k as i64;
                c.push("kenya");
                tag.push(h);
                day.push(dd);
                posts.push(scale * (1 + k.min(6)));
                reposts.push(scale * (k % 4));
                authors.push(scale * (1 + k.min(6)) * 2 / 3 + k % 3);
            }
        }
        t.insert(
            "hashtag_daily".into(),
            df!("campaign" => c, "hashtag" => tag, "day" => day, "posts" => posts, "reposts" => reposts, "authors" => authors).unwrap(),
        );
        let at = NaiveDateTime::parse_from_str("2024-03-05 14:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
        let tr = df!("campaign" => ["kenya"], "target" => ["@shell"], "first_response_at" => [Some(at)]).unwrap();
        let tr = tr
            .lazy()
            .with_column(col("first_response_at").cast(DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))))
            .collect()
            .unwrap();
        t.insert("target_response".into(), tr);
        // signups: kenya 14 days (2 a day → cum 2..28), shell 7 days (5 a day → 5..35).
        let (mut c, mut k_, mut cum) = (vec![], vec![], vec![]);
        for (camp, n, per) in [("kenya", 14i64, 2i64), ("shell", 7, 5)] {
            for k in 0..n {
                c.push(camp);
                k_.push(k);
                cum.push(per * (k + 1));
            }
        }
        t.insert(
            "signups".into(),
            df!("campaign" => c.clone(), "day_since_launch" => k_.clone(), "signups_cum" => cum.clone()).unwrap(),
        );
        let n = c.len();
        let per_1k = |v: &[i64]| -> Vec<Option<f64>> {
            c.iter().zip(v).map(|(camp, x)| (*camp == "kenya").then_some(*x as f64 / 12.5)).collect()
        };
        let eng: Vec<i64> = (0..n as i64).map(|i| 100 * (i % 14 + 1)).collect();
        let act: Vec<i64> = (0..n as i64).map(|i| 40 * (i % 14 + 1)).collect();
        let sess: Vec<i64> = (0..n as i64).map(|i| if c[i as usize] == "kenya" { 60 * (i + 1) } else { 0 }).collect();
        t.insert(
            "campaign_comparison".into(),
            df!(
                "campaign" => c.clone(), "day_since_launch" => k_,
                "engagements_cum" => eng.clone(), "engagements_cum_per_1k" => per_1k(&eng),
                "unique_actors_cum" => act.clone(), "unique_actors_cum_per_1k" => per_1k(&act),
                "signups_cum" => cum.clone(), "signups_cum_per_1k" => per_1k(&cum),
                "social_sessions_cum" => sess.clone(), "social_sessions_cum_per_1k" => per_1k(&sess),
            )
            .unwrap(),
        );
        Metrics { dir: "out".into(), tables: t, json: serde_json::Value::Null }
    }

    fn stems(cs: &[Chart]) -> Vec<&str> {
        cs.iter().map(|c| c.file_stem.as_str()).collect()
    }

    #[test]
    fn two_campaigns_give_every_chart_with_data_in_report_order() {
        let cs = charts(&fixture()).unwrap();
        // shell has no traffic (no referral chart) and no hashtag (no hashtag chart).
        assert_eq!(
            stems(&cs),
            [
                "reach_daily-kenya",
                "reach_daily-shell",
                "engagement_by_content_type-kenya",
                "engagement_by_content_type-shell",
                "referral_uplift-kenya",
                "ladder-kenya",
                "ladder-shell",
                "hashtags-kenya",
                "signups",
                "campaigns_overlay",
            ]
        );
        let mut sections: Vec<Section> = cs.iter().map(|c| c.section).collect();
        sections.dedup();
        let mut sorted = sections.clone();
        sorted.sort();
        assert_eq!(sections, sorted);
        assert_eq!(cs[0].campaign.as_deref(), Some("kenya"));
        assert_eq!(cs[8].campaign, None);
        assert!(cs.iter().all(|c| !c.caption.is_empty() && !c.title.is_empty()));
    }

    #[test]
    fn a_table_without_rows_for_a_campaign_draws_nothing() {
        let mut m = fixture();
        // No referral rows at all, and one campaign only: no uplift chart, no overlay.
        let empty = m.table("referral_daily").clear();
        m.tables.insert("referral_daily".into(), empty);
        let kpis = m.table("campaign_kpis").head(Some(1));
        m.tables.insert("campaign_kpis".into(), kpis);
        let cs = charts(&m).unwrap();
        let s = stems(&cs);
        assert!(!s.iter().any(|s| s.starts_with("referral_uplift")), "{s:?}");
        assert!(!s.contains(&"campaigns_overlay"), "{s:?}");
        assert!(!s.iter().any(|s| s.ends_with("-shell")), "{s:?}");
        assert!(s.contains(&"signups"), "{s:?}"); // kenya's sign-ups alone still read
    }

    /// Tags balance (one root `<svg>`), and every `&` starts an entity.
    fn check_xml(svg: &str) {
        assert!(svg.starts_with("<svg "), "{}", &svg[..60.min(svg.len())]);
        assert!(!svg.contains("<?xml"));
        let mut stack: Vec<&str> = Vec::new();
        let mut roots = 0;
        let mut rest = svg;
        while let Some(i) = rest.find('<') {
            let j = rest[i..].find('>').expect("a closed tag") + i;
            let tag = &rest[i + 1..j];
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop(), Some(name.trim()), "mismatched </{name}>");
            } else if !tag.ends_with('/') {
                let name = tag.split_whitespace().next().unwrap();
                if stack.is_empty() {
                    roots += 1;
                }
                stack.push(name);
            }
            assert!(!tag[1..].contains('<'), "a raw < inside a tag: {tag}");
            rest = &rest[j + 1..];
        }
        assert!(stack.is_empty() && roots == 1, "{stack:?} {roots}");
        for (i, _) in svg.match_indices('&') {
            let ent = &svg[i..(i + 6).min(svg.len())];
            assert!(["&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#"].iter().any(|e| ent.starts_with(e)), "{ent}");
        }
    }

    #[test]
    fn svg_is_standalone_accessible_and_escaped() {
        let cs = charts(&fixture()).unwrap();
        let esc = "Kenya &amp; &lt;Friends&gt;";
        for c in &cs {
            check_xml(&c.svg);
            assert!(c.svg.contains(&format!("viewBox=\"0 0 {W} {H}\"")), "{}", c.file_stem);
            assert!(c.svg.contains("role=\"img\""));
            assert!(c.svg.contains(&format!("aria-label=\"{}\"", xml_escape(&c.title))));
            assert!(c.svg.contains(&xml_escape(&c.title)), "title drawn: {}", c.file_stem);
            assert!(!c.svg.contains(KENYA), "unescaped name in {}", c.file_stem);
            match c.campaign.as_deref() {
                Some("kenya") => assert!(c.svg.contains(esc), "{}", c.file_stem),
                Some(_) => assert!(c.svg.contains("Shell out"), "{}", c.file_stem),
                // Charts across campaigns name each one in the legend.
                None => assert!(c.svg.contains(esc) && c.svg.contains("Shell out"), "{}", c.file_stem),
            }
        }
        // The target's response is marked on the hashtag chart.
        let h = cs.iter().find(|c| c.file_stem == "hashtags-kenya").unwrap();
        assert!(h.svg.contains("@shell responded (05 Mar)"), "response label");
    }

    #[test]
    fn png_is_900_by_420_with_text_drawn_from_the_embedded_font() {
        let cs = charts(&fixture()).unwrap();
        for c in &cs {
            let p = &c.png;
            assert_eq!(&p[..8], b"\x89PNG\r\n\x1a\n", "{}", c.file_stem);
            assert_eq!(&p[12..16], b"IHDR");
            assert_eq!(u32::from_be_bytes(p[16..20].try_into().unwrap()), 900);
            assert_eq!(u32::from_be_bytes(p[20..24].try_into().unwrap()), 420);
            let mut r = png::Decoder::new(std::io::Cursor::new(p.as_slice())).read_info().unwrap();
            let mut buf = vec![0; r.output_buffer_size().unwrap()];
            let info = r.next_frame(&mut buf).unwrap();
            assert_eq!((info.width, info.height, info.color_type), (W, H, png::ColorType::Rgb));
            // The title strip (top 28 rows) has dark pixels: glyphs were rasterised.
            let dark = buf[..(W * 28 * 3) as usize].chunks(3).filter(|px| px.iter().all(|v| *v < 120)).count();
            assert!(dark > 200, "{}: {dark} dark title pixels", c.file_stem);
        }
    }

    #[test]
    fn same_metrics_same_bytes() {
        let m = fixture();
        let (a, b) = (charts(&m).unwrap(), charts(&m).unwrap());
        assert_eq!(a.len(), b.len());
        for (a, b) in a.iter().zip(&b) {
            assert!(a.svg == b.svg && a.png == b.png, "{} differs between two calls", a.file_stem);
        }
    }

    #[test]
    fn numbers_and_stems_read_well() {
        assert_eq!(num(1234.0), "1,234");
        assert_eq!(num(-1234.0), "-1,234");
        assert_eq!(num(45_600.0), "46k");
        assert_eq!(num(2_500_000.0), "2.5M");
        assert_eq!(num(4.25), "4.2"); // {:.1}: round-half-even on the binary value 4.25
        assert_eq!(num(0.046), "0.05");
        assert_eq!(safe("kenya 2024/a&b"), "kenya_2024_a_b");
        assert_eq!(stem_id("kenya-2024_b"), "kenya-2024_b");
        let (a, b) = (stem_id("a&b"), stem_id("a?b"));
        assert!(a.starts_with("a_b-") && b.starts_with("a_b-") && a != b, "{a} {b}");
    }

    /// analyze's own output (real dtypes after a Parquet round trip) renders: a tiny lake,
    /// two campaigns, traffic for the first one only.
    #[test]
    fn analyze_output_renders() {
        use crate::model::{Action, Micros, Post, Traffic};
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("lake");
        let ts = |s: &str| -> Option<Micros> { crate::ingest::util::parse_iso(s) };
        let post = |id: &str, at: &str, reach: i64, tag: &str| Post {
            platform: "facebook".into(),
            post_id: id.into(),
            origin: "owned",
            account_id: Some("ngo".into()),
            account_handle: Some("ngo".into()),
            created_at: ts(at),
            content_type: "photo",
            hashtags: vec![tag.into()],
            reach: Some(reach),
            reactions: Some(reach / 20),
            ..Default::default()
        };
        let posts = [
            post("k1", "2024-03-01T10:00:00Z", 1000, "kenya2024"),
            post("k2", "2024-03-02T10:00:00Z", 3000, "kenya2024"),
            post("s1", "2024-06-03T10:00:00Z", 2000, "shellout"),
        ];
        let act = |who: &str, verb: &str, at: &str, camp: &str| Action {
            platform: "crm".into(),
            actor_id: who.into(),
            action: verb.into(),
            occurred_at: ts(at),
            campaign: Some(camp.into()),
            ..Default::default()
        };
        let actions = [
            act("a", "like", "2024-03-01T09:00:00Z", "kenya"),
            act("a", "sign_petition", "2024-03-02T09:00:00Z", "kenya"),
            act("b", "share", "2024-06-04T09:00:00Z", "shell"),
        ];
        // Kenya's 28 baseline days (Feb 2 .. 29) and its 3 window days: search and facebook.
        let mut traffic = Vec::new();
        for k in 0..31 {
            let day = Some(Day::from_naive(d("2024-02-02") + chrono::Duration::days(k)));
            for (channel, n) in [("search", 100 + k % 7), ("facebook", 10 + k % 3 + if k >= 28 { 20 } else { 0 })] {
                traffic.push(Traffic {
                    platform: "web".into(),
                    date_start: day,
                    date_end: day,
                    source: Some(channel.into()),
                    channel,
                    sessions: Some(n),
                    ..Default::default()
                });
            }
        }
        crate::lake::write_records(&root, "t", &posts, &actions, &traffic, &[]).unwrap();
        let pipe = crate::pipeline::Pipeline::parse(
            std::path::Path::new("p.toml"),
            "[output]\ndir='o'\n[[campaigns]]\nid='kenya'\nname='Kenya & co'\nstart=2024-03-01\nend=2024-03-03\n\
             hashtags=['#kenya2024']\nown_accounts={facebook=['ngo']}\n\
             [[campaigns]]\nid='shell'\nstart=2024-06-03\nend=2024-06-09\nhashtags=['#shellout']\n\
             own_accounts={facebook=['ngo']}\n",
        )
        .unwrap();
        let out = dir.path().join("out");
        crate::metrics::analyze::analyze(&pipe, &root, &out).unwrap();
        let m = Metrics::load(&out).unwrap();
        let cs = charts(&m).unwrap();
        let s = stems(&cs);
        for want in ["reach_daily-kenya", "referral_uplift-kenya", "hashtags-kenya", "hashtags-shell", "signups"] {
            assert!(s.contains(&want), "{want} missing from {s:?}");
        }
        assert!(!s.contains(&"referral_uplift-shell"), "{s:?}");
        for c in &cs {
            check_xml(&c.svg);
            assert_eq!(&c.png[..8], b"\x89PNG\r\n\x1a\n");
        }
    }

    /// Writes the fixture's PNGs to $RALLYLENS_CHARTS_OUT, to look at them.
    #[test]
    #[ignore]
    fn write_fixture_pngs() {
        let out = std::path::PathBuf::from(std::env::var("RALLYLENS_CHARTS_OUT").unwrap());
        std::fs::create_dir_all(&out).unwrap();
        // RALLYLENS_METRICS_DIR: an analyze output folder instead of the fixture.
        let m = match std::env::var("RALLYLENS_METRICS_DIR") {
            Ok(dir) => Metrics::load(std::path::Path::new(&dir)).unwrap(),
            Err(_) => fixture(),
        };
        let t = std::time::Instant::now();
        let cs = charts(&m).unwrap();
        eprintln!("{} charts in {:.2} s", cs.len(), t.elapsed().as_secs_f64());
        for c in cs {
            std::fs::write(out.join(format!("{}.png", c.file_stem)), &c.png).unwrap();
            std::fs::write(out.join(format!("{}.svg", c.file_stem)), &c.svg).unwrap();
        }
    }
}
