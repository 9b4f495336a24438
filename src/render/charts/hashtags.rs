//! 5. Hashtag pick-up per day and the target's first response (`hashtag_daily`, `target_response`).

use super::*;

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
    let mut chart = day_axes(&body, &h.camp, h.x, top, "posts and authors per day", Width::Full)?;
    for s in &h.series {
        draw_line(&mut chart, &s.name, s.colour, &s.points, 3)?;
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
    press::label_milestones(&mut chart, &h.camp, h.x, top)?;
    legend(&mut chart, if early { SeriesLabelPosition::UpperRight } else { SeriesLabelPosition::UpperLeft })
}

pub(super) fn hashtag_chart(m: &Metrics, c: &Camp) -> Result<Option<Chart>> {
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
    let drawn = draw_both!(&title, draw_hashtags, &h)?;
    let caption = format!(
        "Posts and reposts using each campaign hashtag per day (solid; own and collected) and their distinct \
         authors (dashed); a day without a point has no such post in the collected data. {}",
        if responded {
            "The red line marks the target's first response (UTC)."
        } else {
            "No target responded in the response window."
        }
    );
    Ok(Some(campaign_chart("hashtags", Section::Hashtags, c, title, caption, drawn)))
}
