//! 1. Daily reach and engagements per platform (`reach_daily`), one chart per campaign.

use super::*;

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
    let mut chart = day_axes(area, camp, x, top, y_desc, Width::Panel)?;
    for s in series {
        draw_line(&mut chart, &s.name, s.colour, &s.points, 3)?;
    }
    press::label_milestones(&mut chart, camp, x, top)?;
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

pub(super) fn reach_chart(m: &Metrics, c: &Camp) -> Result<Option<Chart>> {
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
    let drawn = draw_both!(&title, draw_two_panels, &t)?;
    let caption = format!(
        "Per day and platform. Left: {reach_desc}{}; right: engagements of the own posts created that day. \
         Shaded: the campaign window.",
        if reach_desc.starts_with("post reach") {
            " of own posts (a person reached by two posts counts twice)"
        } else {
            ""
        }
    );
    Ok(Some(campaign_chart("reach_daily", Section::Reach, c, title, caption, drawn)))
}
