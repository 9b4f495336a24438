//! Follower growth (`growth`): per own account, the daily follower counts against the
//! straight-line trend of the days before the campaign and its 95% prediction band, the
//! campaign window shaded; one chart per campaign, one panel per account (at most
//! [`MAX_PANELS`], in table order; the caption names any left out). The y axis spans the
//! panel's values, not 0: follower counts are large and their growth small beside them.
//! The x axis starts at the first day with a count in any panel (the table's rows start
//! with the whole history, which the exports may not reach) and ends with the rows.

use super::*;

/// Panels side by side in one 900 px chart.
const MAX_PANELS: usize = 3;

/// One account's series, in days since 1970-01-01.
struct Panel {
    label: String,
    colour: RGBColor,
    observed: Vec<(f64, f64)>,
    projected: Vec<(f64, f64)>,
    /// (day, low, high) of the prediction band.
    band: Vec<(f64, f64, f64)>,
}

struct GrowthChart {
    camp: Camp,
    title: String,
    x: (i32, i32),
    panels: Vec<Panel>,
}

fn draw_panel<DB: DrawingBackend>(area: &Area<DB>, camp: &Camp, x: (i32, i32), p: &Panel, narrow: bool) -> Result<()> {
    let ys = p.observed.iter().map(|v| v.1).chain(p.band.iter().flat_map(|b| [b.1, b.2]));
    let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    let pad = ((hi - lo) * 0.08).max(1.0);
    let (y0, y1) = (lo - pad, hi + pad * 2.5); // room above for the legend
    let mut chart = ChartBuilder::on(area)
        .margin(8)
        .margin_right(16)
        .caption(&p.label, label_font())
        .x_label_area_size(34)
        .y_label_area_size(74)
        .build_cartesian_2d(day_range(x.0, x.1), y0..y1)
        .map_err(err)?;
    house_mesh(&mut chart.configure_mesh())
        .x_labels(if narrow { 4 } else { 8 })
        .y_labels(6)
        .x_label_formatter(&|v| date_label(*v))
        .y_label_formatter(&|v| crate::support::thousands_i64(v.round() as i64))
        .x_desc("day")
        .y_desc("followers")
        .draw()
        .map_err(err)?;
    shade_window_between(&mut chart, camp, y0, y1)?;
    draw_band(&mut chart, "95% prediction band", &p.band)?;
    if !p.projected.is_empty() {
        chart
            .draw_series(LineSeries::new(p.projected.iter().copied(), GREY.stroke_width(1)))
            .map_err(err)?
            .label("trend before the campaign")
            .legend(line_key(GREY.stroke_width(1)));
    }
    draw_line(&mut chart, "followers", p.colour, &p.observed, 2)?;
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

fn draw_growth<DB: DrawingBackend>(root: &Area<DB>, g: &GrowthChart) -> Result<()> {
    let body = titled(root, &g.title)?;
    let areas = body.split_evenly((1, g.panels.len()));
    for (a, p) in areas.iter().zip(&g.panels) {
        draw_panel(a, &g.camp, g.x, p, g.panels.len() > 1)?;
    }
    Ok(())
}

pub(super) fn growth_chart(m: &Metrics, c: &Camp) -> Result<Option<Chart>> {
    let df = m.table("growth");
    let rows = rows_of(df, &c.id)?;
    let (plat, acct, day) = (strs(df, "platform")?, strs(df, "account")?, days(df, "day")?);
    let (obs, proj, low, high) = (f64s(df, "followers")?, f64s(df, "projected")?, f64s(df, "low")?, f64s(df, "high")?);
    let mut by: BTreeMap<(String, String), Panel> = BTreeMap::new();
    // The first day with a count, and the last row's day.
    let first = rows.iter().filter(|i| obs[**i].is_some()).filter_map(|i| day[*i]).min();
    let Some(lo) = first else { return Ok(None) };
    let hi = rows.iter().filter_map(|i| day[*i]).max().unwrap_or(lo);
    for &i in &rows {
        let (Some(p), Some(a), Some(d)) = (&plat[i], &acct[i], day[i]) else { continue };
        if d < lo {
            continue;
        }
        let n = by.len();
        let panel = by.entry((p.clone(), a.clone())).or_insert_with(|| Panel {
            label: format!("{p}/{a}"),
            colour: platform_colour(p, n),
            observed: Vec::new(),
            projected: Vec::new(),
            band: Vec::new(),
        });
        let x = d as f64;
        if let Some(v) = obs[i] {
            panel.observed.push((x, v));
        }
        if let (Some(y), Some(l), Some(h)) = (proj[i], low[i], high[i]) {
            panel.projected.push((x, y));
            panel.band.push((x, l, h));
        }
    }
    let mut panels: Vec<Panel> = by.into_values().filter(|p| !p.observed.is_empty()).collect();
    if panels.is_empty() {
        return Ok(None);
    }
    let left_out: Vec<String> = panels.iter().skip(MAX_PANELS).map(|p| p.label.clone()).collect();
    panels.truncate(MAX_PANELS);
    let no_trend: Vec<String> = panels.iter().filter(|p| p.band.is_empty()).map(|p| p.label.clone()).collect();
    let title = format!("Followers against the trend before the campaign: {}", c.name);
    let g = GrowthChart { camp: c.clone(), title: title.clone(), x: (lo, hi), panels };
    let drawn = draw_both!(&title, draw_growth, &g)?;
    let mut caption = "Per own account: the daily follower count (a dot on each day with a count), the straight line \
                       fitted to the counts before the campaign (grey) and its 95% prediction band. Shaded: the \
                       campaign window. Counts above the band are growth the earlier trend does not explain."
        .to_string();
    if !no_trend.is_empty() {
        caption.push_str(&format!(
            " No trend for {}: too few counts before the campaign (see the headline notes).",
            no_trend.join(", ")
        ));
    }
    if !left_out.is_empty() {
        caption.push_str(&format!(" Not drawn (the table has them): {}.", left_out.join(", ")));
    }
    Ok(Some(campaign_chart("growth", Section::Growth, c, title, caption, drawn)))
}
