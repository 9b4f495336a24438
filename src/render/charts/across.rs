//! 6 and 7. Across campaigns by day since launch: cumulative sign-ups (`signups`) and the
//! overlay of cumulative figures (`campaign_comparison`).

use super::*;

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
        // Campaigns of very different sizes (a 5,000-fan page beside a 1.7 M-follower
        // account) would flatten the smaller one: a log axis when their peaks differ 20-fold.
        let peaks: Vec<f64> =
            series.iter().map(|s| s.points.iter().map(|p| p.1).fold(0.0, f64::max)).filter(|m| *m > 0.0).collect();
        let (lo_peak, hi_peak) = peaks.iter().fold((f64::MAX, 0.0f64), |(lo, hi), m| (lo.min(*m), hi.max(*m)));
        let log = peaks.len() >= 2 && hi_peak >= 20.0 * lo_peak;
        let (bottom, top, series) = if log {
            // Plot log10(y); zero days are left out (the line starts at the first non-zero day).
            let min_pos =
                series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).filter(|v| *v > 0.0).fold(f64::MAX, f64::min);
            let logged: Vec<Series> = series
                .iter()
                .map(|s| Series {
                    name: s.name.clone(),
                    colour: s.colour,
                    points: s.points.iter().filter(|p| p.1 > 0.0).map(|p| (p.0, p.1.log10())).collect(),
                })
                .collect();
            (min_pos.log10().floor(), hi_peak.log10().ceil().max(min_pos.log10().floor() + 1.0), logged)
        } else {
            let max = series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(0.0, f64::max);
            (0.0, y_top(max), series.clone())
        };
        let y_desc = if log { format!("{} (log scale)", desc.1) } else { desc.1.clone() };
        let mut builder = ChartBuilder::on(area);
        if !desc.0.is_empty() {
            builder.caption(&desc.0, (FONT, 14).into_font().color(&INK));
        }
        let mut chart = builder
            .margin(6)
            .margin_right(16)
            .x_label_area_size(30)
            .y_label_area_size(54)
            .build_cartesian_2d(-0.5..(o.x_max as f64 + 0.5), bottom..top)
            .map_err(err)?;
        house_mesh(&mut chart.configure_mesh())
            .x_labels(8)
            .x_label_formatter(&|v| whole(*v).map_or(String::new(), |i| format!("{}", i as i64)))
            .y_labels(if log { (top - bottom) as usize + 1 } else { 5 })
            .y_label_formatter(&|v| {
                if !log {
                    num(*v)
                } else {
                    whole(*v).map_or(String::new(), |i| num(10f64.powf(i)))
                }
            })
            .x_desc("days since launch")
            .y_desc(y_desc.as_str())
            .axis_desc_style(small_font())
            .draw()
            .map_err(err)?;
        for s in &series {
            draw_line(&mut chart, &s.name, s.colour, &s.points, 0)?;
        }
        // Cumulative lines rise to the right: the lower right corner is the emptiest.
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
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

pub(super) fn signups_chart(m: &Metrics, camps: &[Camp]) -> Result<Option<Chart>> {
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

pub(super) fn overlay_chart(m: &Metrics, camps: &[Camp]) -> Result<Option<Chart>> {
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
             ends; a panel whose campaigns differ twenty-fold or more has a log scale.",
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
