//! 4. Ladder of engagement: transitions heatmap and rungs per period (`ladder_transitions`).

use super::*;

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
    let fmt = |v: &f64| category_label(names, *v);
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
        // No column for rung 0: a transition ends on a rung (H(t_k) ≥ 1, docs/metrics.md#ladder-of-engagement).
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
    house_mesh(&mut chart.configure_mesh())
        .disable_x_mesh()
        .x_labels(np.clamp(1, 8))
        .y_labels(6)
        .x_label_formatter(&|v| category_label(&plabels, *v))
        .y_label_formatter(&|v| num(*v))
        .x_desc("period ending")
        .y_desc("engaged actors at the period's end")
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

pub(super) fn ladder_chart(m: &Metrics, c: &Camp) -> Result<Option<Chart>> {
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
    let drawn = draw_both!(&title, draw_ladder, &l)?;
    let caption = "Left: actors moving from the rung they held at the start of a period (row) to the rung at its \
                   end (column), summed over the campaign's periods; cells right of the diagonal climbed. Right: \
                   engaged actors by their highest rung at the end of each period."
        .to_string();
    Ok(Some(campaign_chart("ladder", Section::Ladder, c, title, caption, drawn)))
}
