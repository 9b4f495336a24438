//! Top countries by campaign actions (`by_country`): one horizontal bar per country, split by
//! verb, the largest on top. The report's Countries table uses [`top`] too, so the chart and
//! the table list the same countries.

use super::*;

/// How many countries the chart and the report's table show per campaign.
pub const TOP: usize = 10;

/// The verb columns of `by_country`, in stacking order, with their legend labels.
const PARTS: [(&str, &str); 4] = [
    ("sign_petition", "petition signatures"),
    ("attend_event", "event attendance"),
    ("donate", "donations"),
    ("other", "other actions"),
];

/// One country's (or a group's) figures.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CountryRow {
    /// `KE`; empty for the unknown row.
    pub code: String,
    /// By [`PARTS`]: sign_petition, attend_event, donate, other.
    pub verbs: [i64; 4],
    pub actors: i64,
    pub sessions: Option<i64>,
}

impl CountryRow {
    pub fn actions(&self) -> i64 {
        self.verbs.iter().sum()
    }
    fn add(&mut self, o: &CountryRow) {
        for k in 0..4 {
            self.verbs[k] += o.verbs[k];
        }
        self.actors += o.actors;
        self.sessions = match (self.sessions, o.sessions) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        };
    }
}

/// A campaign's countries: the [`TOP`] with the most actions (then sessions, then code),
/// the others summed with their number, and the row without a country.
#[derive(Debug, Default)]
pub struct Top {
    pub top: Vec<CountryRow>,
    pub rest: Option<(usize, CountryRow)>,
    pub unknown: Option<CountryRow>,
}

/// [`Top`] of `campaign` in the `by_country` table `df`.
pub fn top(df: &DataFrame, campaign: &str) -> Result<Top> {
    let rows = rows_of(df, campaign)?;
    let code = strs(df, "country")?;
    let verbs: Vec<Vec<Option<i64>>> = PARTS.iter().map(|(c, _)| i64s(df, c)).collect::<Result<_>>()?;
    let (actors, sessions) = (i64s(df, "actors")?, i64s(df, "sessions")?);
    let mut known = Vec::new();
    let mut out = Top::default();
    for i in rows {
        let r = CountryRow {
            code: code[i].clone().unwrap_or_default(),
            verbs: std::array::from_fn(|k| verbs[k][i].unwrap_or(0)),
            actors: actors[i].unwrap_or(0),
            sessions: sessions[i],
        };
        if code[i].is_none() {
            out.unknown = Some(r);
        } else {
            known.push(r);
        }
    }
    known.sort_by(|a, b| {
        b.actions()
            .cmp(&a.actions())
            .then(b.sessions.unwrap_or(0).cmp(&a.sessions.unwrap_or(0)))
            .then(a.code.cmp(&b.code))
    });
    if known.len() > TOP {
        let rest = known.split_off(TOP);
        let mut sum = CountryRow::default();
        for r in &rest {
            sum.add(r);
        }
        out.rest = Some((rest.len(), sum));
    }
    out.top = known;
    Ok(out)
}

/// "KE Kenya" (the code alone if the table does not know it).
pub fn label(code: &str) -> String {
    match crate::schema::country::name(code) {
        Some(n) => format!("{code} {n}"),
        None => code.to_string(),
    }
}

struct Bars {
    title: String,
    rows: Vec<CountryRow>,
}

/// Stacked horizontal bars, the first row on top, the total at each bar's end.
fn draw_bars<DB: DrawingBackend>(root: &Area<DB>, p: &Bars) -> Result<()> {
    let body = titled(root, &p.title)?;
    let n = p.rows.len();
    let max = p.rows.iter().map(|r| r.actions()).max().unwrap_or(0) as f64;
    let right = y_top(max) * 1.1; // room for the totals
    let mut chart = ChartBuilder::on(&body)
        .margin(8)
        .margin_right(20)
        .x_label_area_size(40)
        .y_label_area_size(190)
        .build_cartesian_2d(0.0..right, -0.5..(n as f64 - 0.5))
        .map_err(err)?;
    let labels: Vec<String> = p.rows.iter().rev().map(|r| label(&r.code)).collect();
    house_mesh(&mut chart.configure_mesh())
        .disable_y_mesh()
        .y_labels(n.max(1))
        .x_labels(6)
        .y_label_formatter(&|v| category_label(&labels, *v))
        .x_label_formatter(&|v| num(*v))
        .x_desc("campaign actions in the window")
        .y_desc("country")
        .draw()
        .map_err(err)?;
    let h = 0.32;
    for (k, r) in p.rows.iter().enumerate() {
        let y = (n - 1 - k) as f64;
        let mut x = 0.0;
        for (part, v) in r.verbs.iter().enumerate() {
            if *v == 0 {
                continue;
            }
            let to = x + *v as f64;
            chart
                .draw_series(std::iter::once(Rectangle::new([(x, y - h), (to, y + h)], SERIES[part].filled())))
                .map_err(err)?;
            x = to;
        }
        let note = format!("  {}", num(r.actions() as f64));
        chart
            .draw_series(std::iter::once(Text::new(note, (x, y), small_font().pos(Pos::new(HPos::Left, VPos::Center)))))
            .map_err(err)?;
    }
    for (part, (_, name)) in PARTS.iter().enumerate() {
        if p.rows.iter().all(|r| r.verbs[part] == 0) {
            continue;
        }
        let colour = SERIES[part];
        chart
            .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())
            .map_err(err)?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], colour.filled()));
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight)
}

pub(super) fn countries_chart(m: &Metrics, c: &Camp) -> Result<Option<Chart>> {
    let t = top(m.table("by_country"), &c.id)?;
    let rows: Vec<CountryRow> = t.top.into_iter().filter(|r| r.actions() > 0).collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let title = format!("Top countries by actions: {}", c.name);
    let plot = Bars { title: title.clone(), rows };
    let drawn = draw_both!(&title, draw_bars, &plot)?;
    let unknown = t.unknown.map_or(0, |u| u.actions());
    let caption = format!(
        "The campaign's actions in its window whose export names a country (a supporter's address, an event's \
         country), by verb; the {} countries with the most actions.{}",
        plot.rows.len(),
        if unknown > 0 {
            format!(
                " {} actions have no country (most social actions) and are not drawn.",
                crate::support::thousands_i64(unknown)
            )
        } else {
            String::new()
        }
    );
    Ok(Some(campaign_chart("by_country", Section::Countries, c, title, caption, drawn)))
}
