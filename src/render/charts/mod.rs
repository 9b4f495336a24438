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
//! - The pipeline's milestones (table `milestones`) are dashed vertical lines with their
//!   label on every day chart of their campaign: [`day_axes`] draws the lines, each chart
//!   the labels after its series (`press.rs`).
//! - SVG: no XML prolog; the root `<svg>` has `viewBox`, `role="img"` and an `aria-label`
//!   (the title); text is escaped by the backend (`&`, `<`, quotes).

use std::collections::BTreeMap;
use std::sync::Once;

use anyhow::{anyhow, Result};
use plotters::chart::MeshStyle;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use polars::prelude::*;

use super::{xml_escape, Chart, Metrics, Section};
use crate::model::Day;

/// Width and height of every chart, in pixels.
pub const W: u32 = 900;
pub const H: u32 = 420;

const FONT: &str = "sans-serif";
static DEJAVU: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
static DEJAVU_BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

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
    /// The campaign's milestones: (epoch day, label), in table order.
    milestones: Vec<(i32, String)>,
}

fn campaigns(m: &Metrics) -> Result<Vec<Camp>> {
    let k = m.table("campaign_kpis");
    let (ids, names, starts, ends) = (strs(k, "campaign")?, strs(k, "name")?, days(k, "start")?, days(k, "end")?);
    let mut out: Vec<Camp> = Vec::new();
    for i in 0..k.height() {
        let Some(id) = ids[i].clone() else { continue };
        let name = names[i].clone().unwrap_or_else(|| id.clone());
        out.push(Camp { id, name, start: starts[i], end: ends[i], colour: CAMPAIGN[0], milestones: Vec::new() });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    for (i, c) in out.iter_mut().enumerate() {
        c.colour = CAMPAIGN[i % CAMPAIGN.len()];
        c.milestones = press::milestones_of(m, &c.id)?;
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
pub(crate) fn stem_id(id: &str) -> String {
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
        crate::support::thousands_i64(v.round() as i64)
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
fn shade_window<'a, DB: DrawingBackend + 'a>(chart: &mut XY<'a, DB>, c: &Camp, y_max: f64) -> Result<()> {
    shade_window_between(chart, c, 0.0, y_max)
}

/// [`shade_window`] on a y axis from `y_min` (not 0) to `y_max`.
fn shade_window_between<'a, DB: DrawingBackend + 'a>(
    chart: &mut XY<'a, DB>,
    c: &Camp,
    y_min: f64,
    y_max: f64,
) -> Result<()> {
    let (Some(s), Some(e)) = (c.start, c.end) else { return Ok(()) };
    let colour = c.colour;
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(s as f64 - 0.5, y_min), (e as f64 + 0.5, y_max)],
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

/// A chart with both axes in f64 (days, values, categories by index).
type XY<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// How wide a day chart is drawn: across the whole chart, or as a panel beside another
/// (fewer dates, a narrower right margin).
#[derive(Clone, Copy)]
enum Width {
    Full,
    Panel,
}

/// A campaign's day chart on `area`: x the days `x.0..=x.1` labelled with dates, y from 0 to
/// `top` labelled with numbers and described by `y_desc`; the mesh drawn and the campaign
/// window shaded, ready for the series.
fn day_axes<'a, DB: DrawingBackend + 'a>(
    area: &'a Area<DB>,
    camp: &Camp,
    x: (i32, i32),
    top: f64,
    y_desc: &str,
    width: Width,
) -> Result<XY<'a, DB>> {
    let (margin_right, x_labels) = match width {
        Width::Full => (20, 10),
        Width::Panel => (16, 6),
    };
    let mut chart = ChartBuilder::on(area)
        .margin(8)
        .margin_right(margin_right)
        .x_label_area_size(34)
        .y_label_area_size(58)
        .build_cartesian_2d(day_range(x.0, x.1), 0.0..top)
        .map_err(err)?;
    house_mesh(&mut chart.configure_mesh())
        .x_labels(x_labels)
        .y_labels(6)
        .x_label_formatter(&|v| date_label(*v))
        .y_label_formatter(&|v| num(*v))
        .x_desc("day")
        .y_desc(y_desc)
        .draw()
        .map_err(err)?;
    shade_window(&mut chart, camp, top)?;
    press::draw_milestones(&mut chart, camp, x, top)?;
    Ok(chart)
}

/// The mesh style of every chart with a grid: small labels, axis descriptions a size up,
/// a faint grid at the labelled values and none between them.
fn house_mesh<'m, 'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB> {
    mesh.label_style(small_font())
        .axis_desc_style(label_font())
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(GREY.mix(0.15))
}

/// A legend key for a line: 18 px of its stroke.
fn line_key(style: ShapeStyle) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style)
}

/// A solid 2 px line named `name` in the legend, with a dot of radius `dot` on each point
/// (none when 0).
fn draw_line<'a, DB: DrawingBackend + 'a>(
    chart: &mut XY<'a, DB>,
    name: &str,
    colour: RGBColor,
    points: &[(f64, f64)],
    dot: i32,
) -> Result<()> {
    chart
        .draw_series(LineSeries::new(points.iter().copied(), colour.stroke_width(2)))
        .map_err(err)?
        .label(name)
        .legend(line_key(colour.stroke_width(2)));
    if dot > 0 {
        chart.draw_series(points.iter().map(|p| Circle::new(*p, dot, colour.filled()))).map_err(err)?;
    }
    Ok(())
}

/// A grey band between the low and high ends of `band` (day, low, high), named `name` in
/// the legend; nothing when empty.
fn draw_band<'a, DB: DrawingBackend + 'a>(chart: &mut XY<'a, DB>, name: &str, band: &[(f64, f64, f64)]) -> Result<()> {
    if band.is_empty() {
        return Ok(());
    }
    let mut poly: Vec<(f64, f64)> = band.iter().map(|b| (b.0, b.2)).collect();
    poly.extend(band.iter().rev().map(|b| (b.0, b.1)));
    chart
        .draw_series(std::iter::once(Polygon::new(poly, GREY.mix(0.22).filled())))
        .map_err(err)?
        .label(name)
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], GREY.mix(0.3).filled()));
    Ok(())
}

/// `v` rounded when it is a whole number (to 1e-6): integer and category axes label only those.
fn whole(v: f64) -> Option<f64> {
    let i = v.round();
    ((v - i).abs() < 1e-6).then_some(i)
}

/// The label of category `v` (0-based) on a category axis; empty between categories and
/// beyond them.
fn category_label(labels: &[String], v: f64) -> String {
    match whole(v) {
        Some(i) if i >= 0.0 && (i as usize) < labels.len() => labels[i as usize].clone(),
        _ => String::new(),
    }
}

/// The chart of one campaign, in file `<kind>-<campaign id>`, from `draw_both!`'s SVG and PNG.
fn campaign_chart(
    kind: &str,
    section: Section,
    c: &Camp,
    title: String,
    caption: String,
    (svg, png): (String, Vec<u8>),
) -> Chart {
    Chart {
        file_stem: format!("{kind}-{}", stem_id(&c.id)),
        section,
        campaign: Some(c.id.clone()),
        title,
        caption,
        svg,
        png,
    }
}

/// One line of a chart: a platform, a hashtag or a campaign.
#[derive(Clone)]
struct Series {
    name: String,
    colour: RGBColor,
    points: Vec<(f64, f64)>,
}

mod across;
pub(crate) mod countries;
mod engagement;
mod growth;
mod hashtags;
mod ladder;
mod press;
mod reach;
mod referral;
#[cfg(test)]
mod tests;

// ---------------------------------------------------------------------------------------

/// Every chart of the report for the metrics in `m`, in report order (section, then
/// campaign id; charts across campaigns last within their section).
pub fn charts(m: &Metrics) -> Result<Vec<Chart>> {
    let camps = campaigns(m)?;
    let mut out = Vec::new();
    for c in &camps {
        out.extend(reach::reach_chart(m, c)?);
        out.extend(growth::growth_chart(m, c)?);
        out.extend(engagement::engagement_chart(m, c)?);
        out.extend(referral::referral_chart(m, c)?);
        out.extend(ladder::ladder_chart(m, c)?);
        out.extend(hashtags::hashtag_chart(m, c)?);
        out.extend(countries::countries_chart(m, c)?);
        out.extend(press::timeline_chart(m, c)?);
    }
    out.extend(across::signups_chart(m, &camps)?);
    out.extend(across::overlay_chart(m, &camps)?);
    // Stable: within a section, campaigns keep their id order.
    out.sort_by(|a, b| a.section.cmp(&b.section).then_with(|| a.campaign.is_none().cmp(&b.campaign.is_none())));
    Ok(out)
}

/// The charts across campaigns only (cumulative sign-ups, the overlay), for `rallylens
/// compare`: they read `campaign_kpis`, `signups` and `campaign_comparison` alone.
pub fn across_charts(m: &Metrics) -> Result<Vec<Chart>> {
    let camps = campaigns(m)?;
    let mut out = Vec::new();
    out.extend(across::signups_chart(m, &camps)?);
    out.extend(across::overlay_chart(m, &camps)?);
    Ok(out)
}
