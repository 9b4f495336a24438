//! 2. Engagement rate per content type with bootstrap intervals (`engagement_by_content_type`).

use super::*;

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

pub(super) fn engagement_chart(m: &Metrics, c: &Camp) -> Result<Option<Chart>> {
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
    let drawn = draw_both!(&title, draw_rates, &plot)?;
    let caption = format!(
        "Own posts: engagements per 100 of the basis in brackets (reach, impressions or followers), with the 95% \
         bootstrap interval (none for a single post).{}",
        if mixed { " Rates on different bases are not comparable with each other." } else { "" }
    );
    Ok(Some(campaign_chart("engagement_by_content_type", Section::Engagement, c, title, caption, drawn)))
}
