//! 3. Referral sessions from social media, observed vs expected per day (`referral_daily`).

use super::*;

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
    let mut chart = day_axes(&body, &r.camp, r.x, top, "sessions referred by social media per day", Width::Full)?;
    draw_band(&mut chart, "95% range of a day without effect", &r.band)?;
    chart
        .draw_series(DashedLineSeries::new(r.expected.iter().copied(), 6, 4, INK.stroke_width(2)))
        .map_err(err)?
        .label("expected (from the baseline)")
        .legend(line_key(INK.stroke_width(2)));
    draw_line(&mut chart, "observed", r.camp.colour, &r.observed, 3)?;
    press::label_milestones(&mut chart, &r.camp, r.x, top)?;
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

pub(super) fn referral_chart(m: &Metrics, c: &Camp) -> Result<Option<Chart>> {
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
    let drawn = draw_both!(&title, draw_referral, &r)?;
    let caption = format!(
        "Website sessions from social media per day (all social channels), before and during the shaded campaign \
         window. Dashed: what the baseline predicts (method: {}); grey: where one day falls 19 times in 20 without \
         an effect. Days above the band in the window suggest an effect; the window's total and its interval are \
         in the table.",
        method.as_deref().unwrap_or("n/a")
    );
    Ok(Some(campaign_chart("referral_uplift", Section::Uplift, c, title, caption, drawn)))
}
