//! 2. Engagement rate per content type with bootstrap intervals (`engagement_by_content_type`),
//!    and its benchmarks (`benchmarks`, docs/metrics.md#benchmarks): a cross at the account's
//!    own normal, a triangle at each published figure of the same formula and basis, its
//!    source named in the legend.

use super::*;

struct RateGroup {
    label: String,
    basis: String,
    colour: RGBColor,
    rate: f64,
    ci: Option<(f64, f64)>,
    posts: i64,
    /// The own baseline's rate (same basis).
    own: Option<f64>,
    /// Published rates of the same formula and basis.
    published: Vec<f64>,
}

struct RatePlot {
    title: String,
    groups: Vec<RateGroup>,
    platforms: Vec<(String, RGBColor)>,
    /// The sources of the published rates drawn, in table order.
    sources: Vec<String>,
}

/// Benchmark markers: black, so that they read on every platform colour.
const MARK: RGBColor = RGBColor(0, 0, 0);

/// A dot plot with the groups as rows (first group on top), so that any number of groups
/// keeps readable labels.
fn draw_rates<DB: DrawingBackend>(root: &Area<DB>, p: &RatePlot) -> Result<()> {
    let body = titled(root, &p.title)?;
    let n = p.groups.len();
    let max = p
        .groups
        .iter()
        .map(|g| g.published.iter().chain(&g.own).fold(g.ci.map_or(g.rate, |c| c.1.max(g.rate)), |m, v| m.max(*v)))
        .fold(0.0, f64::max)
        * 100.0;
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
    // Bottom row first, as the y axis counts.
    let labels: Vec<String> = p.groups.iter().rev().map(|g| g.label.clone()).collect();
    house_mesh(&mut chart.configure_mesh())
        .disable_y_mesh()
        .y_labels(n.max(1))
        .x_labels(6)
        .y_label_formatter(&|v| category_label(&labels, *v))
        .x_label_formatter(&|v| format!("{}%", num(*v)))
        .x_desc("engagement rate: Σ engagements / Σ basis, 95% interval")
        .y_desc("platform, content type (basis)")
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
        if let Some(o) = g.own {
            end = end.max(o * 100.0);
            chart.draw_series(std::iter::once(Cross::new((o * 100.0, y), 5, MARK.stroke_width(2)))).map_err(err)?;
        }
        for v in &g.published {
            end = end.max(v * 100.0);
            let at = (v * 100.0, y);
            chart.draw_series(std::iter::once(TriangleMarker::new(at, 6, MARK.stroke_width(1)))).map_err(err)?;
        }
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
    if p.groups.iter().any(|g| g.own.is_some()) {
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
            .map_err(err)?
            .label("own normal (before the campaign)")
            .legend(|(x, y)| Cross::new((x + 9, y), 4, MARK.stroke_width(2)));
    }
    for s in &p.sources {
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
            .map_err(err)?
            .label(s.clone())
            .legend(|(x, y)| TriangleMarker::new((x + 9, y), 5, MARK.stroke_width(1)));
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight)
}

pub(super) fn engagement_chart(m: &Metrics, c: &Camp) -> Result<Option<Chart>> {
    let df = m.table("engagement_by_content_type");
    let rows = rows_of(df, &c.id)?;
    let (plat, ct, basis) = (strs(df, "platform")?, strs(df, "content_type")?, strs(df, "rate_basis")?);
    let (rate, lo, hi, posts) =
        (f64s(df, "engagement_rate")?, f64s(df, "ci_low")?, f64s(df, "ci_high")?, i64s(df, "posts")?);
    let mut platforms: Vec<String> = rows.iter().filter_map(|i| plat[*i].clone()).collect();
    platforms.dedup();
    let colour_of = |p: &str| platform_colour(p, platforms.iter().position(|x| x == p).unwrap_or(0));
    let marks = Marks::of(m, &c.id)?;
    let mut sources: Vec<String> = Vec::new();
    let mut groups = Vec::new();
    for &i in &rows {
        let (Some(p), Some(r)) = (&plat[i], rate[i]) else { continue };
        let b = basis[i].clone().unwrap_or_default();
        let t = ct[i].as_deref().unwrap_or("");
        let (own, published) = marks.of_group(p, t, &b);
        for (_, s) in &published {
            if !sources.contains(s) {
                sources.push(s.clone());
            }
        }
        groups.push(RateGroup {
            own,
            published: published.into_iter().map(|(v, _)| v).collect(),
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
    let plot = RatePlot {
        title: title.clone(),
        platforms: used.iter().map(|p| (p.clone(), colour_of(p))).collect(),
        groups,
        sources,
    };
    let marked = plot.groups.iter().any(|g| g.own.is_some());
    let published = plot.sources.join("; ");
    let mixed = {
        let mut b: Vec<&str> = plot.groups.iter().map(|g| g.basis.as_str()).collect();
        b.sort();
        b.dedup();
        b.len() > 1
    };
    let drawn = draw_both!(&title, draw_rates, &plot)?;
    let caption = format!(
        "Own posts: engagements per 100 of the basis in brackets (reach, impressions or followers), with the 95% \
         bootstrap interval (none for a single post).{}",
        if mixed { " Rates on different bases are not comparable with each other." } else { "" }
    ) + &if marked { " A cross marks the account's own normal: its own posts of that platform and type before the campaign, outside every campaign window, on the same basis.".to_string() } else { String::new() }
        + &if published.is_empty() { String::new() } else { format!(" Triangles mark published benchmarks of the same formula and basis: {published}.") };
    Ok(Some(campaign_chart("engagement_by_content_type", Section::Engagement, c, title, caption, drawn)))
}

/// The benchmarks of one campaign's rows, from the `benchmarks` table (absent in charts
/// drawn from partial tables).
struct Marks {
    /// (platform, content_type, benchmark, basis, value, formula, source)
    rows: Vec<(String, String, String, String, f64, String, String)>,
}

impl Marks {
    fn of(m: &Metrics, campaign: &str) -> Result<Marks> {
        let Some(df) = m.tables.get(crate::metrics::benchmarks::BENCHMARKS.name) else { return Ok(Marks { rows: vec![] }) };
        let (plat, ct, bench, basis) = (strs(df, "platform")?, strs(df, "content_type")?, strs(df, "benchmark")?, strs(df, "basis")?);
        let (value, formula, source) = (f64s(df, "value")?, strs(df, "formula")?, strs(df, "source")?);
        let rows = rows_of(df, campaign)?
            .into_iter()
            .filter_map(|i| {
                let s = |v: &Vec<Option<String>>| v[i].clone().unwrap_or_default();
                Some((s(&plat), s(&ct), s(&bench), basis[i].clone()?, value[i]?, s(&formula), s(&source)))
            })
            .collect();
        Ok(Marks { rows })
    }

    /// The own baseline's rate and the published (rate, source) pairs of the same formula
    /// and basis, for the group (platform, content type) charted on `basis`.
    fn of_group(&self, platform: &str, content_type: &str, basis: &str) -> (Option<f64>, Vec<(f64, String)>) {
        use crate::pipeline::benchmarks::{OWN_BASELINE, RATIO_OF_SUMS};
        let mut own = None;
        let mut published = Vec::new();
        for (p, t, b, bs, v, f, s) in &self.rows {
            if p != platform || t != content_type || bs != basis || f != RATIO_OF_SUMS {
                continue;
            }
            if b == OWN_BASELINE {
                own = Some(*v);
            } else {
                published.push((*v, s.clone()));
            }
        }
        (own, published)
    }
}
