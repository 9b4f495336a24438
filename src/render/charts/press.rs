//! 6. The press beside social media posts per day (`press_daily`), and the milestones
//! (`milestones`) that every day chart marks.
//!
//! - A milestone is a dashed purple line at its day ([`day_axes`] draws it under the
//!   series) with its label (cut to 32 characters, drawn by each chart after its series,
//!   with a white halo) near the bottom of the plot, beside the line on the side with more
//!   room, one row per milestone. Milestones outside the chart's days are not drawn (the
//!   report lists them all).
//! - The timeline is two panels over the same days: campaign posts on social platforms
//!   above, articles below as bars; milestone
//!   labels only in the upper panel. Not drawn for a campaign without any clipping in
//!   its window.

use super::*;

/// Milestone lines and labels.
const MILESTONE: RGBColor = RGBColor(118, 42, 131);
/// The longest label drawn, in characters.
const LABEL_CHARS: usize = 32;

/// The milestones of `campaign` in the `milestones` table: (epoch day, "08 Mar: label").
/// None when the table is absent (metrics of an older analyze): no markers.
pub(super) fn milestones_of(m: &Metrics, campaign: &str) -> Result<Vec<(i32, String)>> {
    let Some(df) = m.tables.get("milestones") else { return Ok(Vec::new()) };
    let (day, label) = (days(df, "day")?, strs(df, "label")?);
    let mut out = Vec::new();
    for i in rows_of(df, campaign)? {
        let (Some(d), Some(l)) = (day[i], &label[i]) else { continue };
        let l: String = if l.chars().count() > LABEL_CHARS {
            format!("{}…", l.chars().take(LABEL_CHARS - 1).collect::<String>().trim_end())
        } else {
            l.clone()
        };
        out.push((d, format!("{}: {l}", date_label(d as f64))));
    }
    Ok(out)
}

/// The campaign's milestone lines on a day chart of days `x.0..=x.1` and height `top`
/// (drawn by [`day_axes`], under the series). One legend entry, "milestone".
pub(super) fn draw_milestones<'a, DB: DrawingBackend + 'a>(
    chart: &mut XY<'a, DB>,
    c: &Camp,
    x: (i32, i32),
    top: f64,
) -> Result<()> {
    for (k, (d, _)) in shown(c, x).into_iter().enumerate() {
        let xd = *d as f64;
        let line = chart
            .draw_series(DashedLineSeries::new(vec![(xd, 0.0), (xd, top)], 4, 3, MILESTONE.stroke_width(2)))
            .map_err(err)?;
        if k == 0 {
            line.label("milestone").legend(line_key(MILESTONE.stroke_width(2)));
        }
    }
    Ok(())
}

/// The milestones of the chart's days.
fn shown(c: &Camp, x: (i32, i32)) -> Vec<&(i32, String)> {
    c.milestones.iter().filter(|(d, _)| *d >= x.0 && *d <= x.1).collect()
}

/// The milestones' labels, drawn after the series (so on top of them) with a white halo:
/// near the bottom, beside the line on the side with more room, one row per milestone.
/// An empty label is not drawn.
pub(super) fn label_milestones<'a, DB: DrawingBackend + 'a>(
    chart: &mut XY<'a, DB>,
    c: &Camp,
    x: (i32, i32),
    top: f64,
) -> Result<()> {
    let mid = (x.0 + x.1) as f64 / 2.0;
    let (span, _) = chart.plotting_area().get_pixel_range();
    let width =
        |chart: &XY<'a, DB>, t: &str| chart.plotting_area().estimate_text_size(t, &small_font()).map_or(0, |s| s.0 as i32);
    for (k, (d, label)) in shown(c, x).into_iter().enumerate() {
        if label.is_empty() {
            continue;
        }
        let (xd, y) = (*d as f64, top * (0.03 + 0.1 * (k % 5) as f64));
        // Beside the line on the side with more room (the right in the first half), unless
        // the label fits only on the other side; cut with "…" when it fits on neither, so
        // that no label runs over the axis or out of the plot.
        let at = chart.backend_coord(&(xd, y)).0;
        let (on_right, room) = label_side(at - span.start, span.end - at, xd < mid, width(chart, &format!(" {label}")));
        let mut label = label.clone();
        while width(chart, &format!(" {label}")) > room && label.chars().count() > 1 {
            let cut: String = label.chars().take(label.chars().count().saturating_sub(2)).collect();
            label = format!("{}…", cut.trim_end());
        }
        let (text, anchor) =
            if on_right { (format!(" {label}"), HPos::Left) } else { (format!("{label} "), HPos::Right) };
        for (offset, colour) in
            [((-1, 0), WHITE), ((1, 0), WHITE), ((0, -1), WHITE), ((0, 1), WHITE), ((0, 0), MILESTONE)]
        {
            let style = small_font().color(&colour).pos(Pos::new(anchor, VPos::Bottom));
            chart
                .draw_series(std::iter::once(EmptyElement::at((xd, y)) + Text::new(text.clone(), offset, style)))
                .map_err(err)?;
        }
    }
    Ok(())
}

/// Which side of its line a milestone label goes, and the pixels it has there: `left` and
/// `right` are the pixels from the line to the plot's edges, `text_w` the label's width.
/// The preferred side (the right when `prefer_right`) unless the label fits only on the
/// other; when it fits on neither, the side with more room (where it is cut to fit).
fn label_side(left: i32, right: i32, prefer_right: bool, text_w: i32) -> (bool, i32) {
    let (first, other) = if prefer_right { (right, left) } else { (left, right) };
    let first_side = text_w <= first || first >= other;
    (prefer_right == first_side, if first_side { first } else { other })
}

struct Timeline {
    camp: Camp,
    title: String,
    x: (i32, i32),
    social: Vec<(f64, f64)>,
    articles: Vec<(f64, f64)>,
}

fn draw_timeline<DB: DrawingBackend>(root: &Area<DB>, t: &Timeline) -> Result<()> {
    let body = titled(root, &t.title)?;
    let (upper, lower) = body.split_vertically((H - 30) / 2);
    let top = y_top(t.social.iter().map(|p| p.1).fold(0.0, f64::max)) * 1.25;
    let mut chart = day_axes(&upper, &t.camp, t.x, top, "social media posts", Width::Full)?;
    draw_line(&mut chart, "campaign posts on social media", t.camp.colour, &t.social, 3)?;
    label_milestones(&mut chart, &t.camp, t.x, top)?;
    legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    // Lines only below: the labels are read in the upper panel.
    let mut lines_only = t.camp.clone();
    lines_only.milestones.iter_mut().for_each(|m| m.1.clear());
    // At least 5: whole numbers on the axis of a few articles.
    let top = y_top(t.articles.iter().map(|p| p.1).fold(0.0, f64::max)).max(5.0);
    let mut chart = day_axes(&lower, &lines_only, t.x, top, "articles", Width::Full)?;
    chart
        .draw_series(
            t.articles
                .iter()
                .filter(|p| p.1 > 0.0)
                .map(|&(d, n)| Rectangle::new([(d - 0.35, 0.0), (d + 0.35, n)], INK.mix(0.7).filled())),
        )
        .map_err(err)?
        .label("press articles")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], INK.mix(0.7).filled()));
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

pub(super) fn timeline_chart(m: &Metrics, c: &Camp) -> Result<Option<Chart>> {
    let Some(df) = m.tables.get("press_daily") else { return Ok(None) };
    let rows = rows_of(df, &c.id)?;
    let (day, articles, social) = (days(df, "day")?, f64s(df, "articles")?, f64s(df, "social_posts")?);
    let mut t = Timeline {
        camp: c.clone(),
        title: format!("The press and social media per day: {}", c.name),
        x: (i32::MAX, i32::MIN),
        social: vec![],
        articles: vec![],
    };
    for &i in &rows {
        let Some(d) = day[i] else { continue };
        t.x = (t.x.0.min(d), t.x.1.max(d));
        t.social.push((d as f64, social[i].unwrap_or(0.0)));
        t.articles.push((d as f64, articles[i].unwrap_or(0.0)));
    }
    if !t.articles.iter().any(|p| p.1 > 0.0) {
        return Ok(None);
    }
    let title = t.title.clone();
    let drawn = draw_both!(&title, draw_timeline, &t)?;
    let caption = "Per day of the campaign window. Above: the campaign's posts on social platforms (own and \
                   collected, reposts included); below: press articles about the campaign. Dashed \
                   purple lines: the pipeline's milestones."
        .to_string();
    Ok(Some(campaign_chart("press_timeline", Section::Press, c, title, caption, drawn)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The chart fixture (tests.rs) with two milestones for kenya and press_daily rows.
    fn with_press() -> Metrics {
        let mut m = super::super::tests::fixture();
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let ms = df!(
            "campaign" => ["kenya", "kenya", "shell"],
            "day" => [d("2024-03-02"), d("2024-03-30"), d("2024-06-04")],
            "label" => ["Press release & <launch>", "After the charts", "A label longer than thirty-two characters"],
        )
        .unwrap();
        m.tables.insert("milestones".into(), ms);
        let days: Vec<chrono::NaiveDate> = (0..14).map(|k| d("2024-03-01") + chrono::Duration::days(k)).collect();
        let pd = df!(
            "campaign" => vec!["kenya"; 14],
            "day" => days,
            "articles" => (0..14i64).map(|k| if k == 4 { 3 } else { 0 }).collect::<Vec<_>>(),
            "social_posts" => (0..14i64).map(|k| 100 - (k - 3).abs() * 7).collect::<Vec<_>>(),
        )
        .unwrap();
        m.tables.insert("press_daily".into(), pd);
        m
    }

    #[test]
    fn a_label_goes_where_it_fits() {
        // 100 px to the left edge, 300 to the right, a 200 px label.
        assert_eq!(label_side(100, 300, true, 200), (true, 300)); // fits on the preferred right
        assert_eq!(label_side(100, 300, false, 200), (true, 300)); // not on the preferred left: moved right
        assert_eq!(label_side(300, 100, true, 200), (false, 300)); // not on the preferred right: moved left
        assert_eq!(label_side(300, 100, false, 50), (false, 300)); // fits where preferred
        // 400 px fits nowhere: the side with more room, where it is cut.
        assert_eq!(label_side(100, 300, false, 400), (true, 300));
        assert_eq!(label_side(250, 150, true, 400), (false, 250));
    }

    #[test]
    fn milestones_are_read_per_campaign_and_cut() {
        let m = with_press();
        let k = milestones_of(&m, "kenya").unwrap();
        // 2024-03-02 is epoch day 19784.
        assert_eq!(k[0], (19_784, "02 Mar: Press release & <launch>".to_string()));
        assert_eq!(k.len(), 2);
        let s = milestones_of(&m, "shell").unwrap();
        // The first 31 characters (the last a space, dropped) and an ellipsis.
        assert_eq!(s[0].1, "04 Jun: A label longer than thirty-two…");
        assert!(milestones_of(&super::super::tests::fixture(), "kenya").unwrap().is_empty());
    }

    #[test]
    fn day_charts_mark_the_milestones_in_their_days_and_the_timeline_is_drawn() {
        let cs = charts(&with_press()).unwrap();
        let svg = |stem: &str| cs.iter().find(|c| c.file_stem == stem).map(|c| c.svg.clone()).unwrap();
        // The label in the window is on kenya's day charts (escaped), the one after the
        // chart's last day (30 Mar) on none.
        for stem in ["reach_daily-kenya", "referral_uplift-kenya", "hashtags-kenya", "press_timeline-kenya"] {
            let s = svg(stem);
            assert!(s.contains("Press release &amp; &lt;launch&gt;"), "{stem}");
            assert!(!s.contains("After the charts"), "{stem}");
            crate::testkit::check_xml(&s);
        }
        // shell has no clipping: no timeline; kenya's comes after its hashtag chart.
        let stems: Vec<&str> = cs.iter().map(|c| c.file_stem.as_str()).collect();
        assert!(!stems.contains(&"press_timeline-shell"), "{stems:?}");
        let (h, p) = (
            stems.iter().position(|s| *s == "hashtags-kenya"),
            stems.iter().position(|s| *s == "press_timeline-kenya"),
        );
        assert_eq!(p, h.map(|h| h + 1), "{stems:?}");
        assert!(svg("reach_daily-shell").contains("04 Jun: A label longer"));
    }
}
