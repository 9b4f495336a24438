//! The supporters' recap: `recap-<campaign>.html`, one self-contained page per campaign
//! for the people who took part (docs/recap.md).
//!
//! It shows what was asked (the campaign's hashtags and targets), the headline numbers
//! (people who acted, sign-ups, posts with each hashtag, countries), the targets' first
//! responses quoted with their time and link, the organisation's top posts, a few posts of
//! named voices (all three from `recap_posts`, chosen in analyze under the naming rule of
//! `top_voices`), a small chart of the hashtag's daily posts, and the goals met.
//!
//! Readings to keep:
//! - Only public, shareable figures: no interval, method, note or "unknown" reason; a figure
//!   that is null (or a count with no row behind it) is left out, not shown as `—`.
//! - "Countries": the `by_country` rows of the campaign with a country and at least one
//!   person acting; "posts with #tag": Σ `hashtag_daily.posts` (originals) of that hashtag.
//! - Times in the campaign's zone (`metrics.json`'s `time_zone`). The same metric tables
//!   give the same bytes: no generation time on the page.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{anyhow, Result};
use polars::prelude::*;
use serde_json::Value;

use super::{xml_escape, Metrics};
use crate::metrics::{countries, hashtags, recap::RECAP_POSTS};
use crate::support::thousands_i64;

const CSS: &str = "\
:root{--ink:#1d232b;--muted:#5b6673;--line:#d9dee4;--band:#f5f7f9;--accent:#b5121b;--ok:#2e7d32}
*{box-sizing:border-box}
body{font:16px/1.55 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:var(--ink);margin:0;background:#fff}
main{max-width:820px;margin:0 auto;padding:28px 24px 64px}
h1{font-size:30px;margin:8px 0 2px;border-bottom:3px solid var(--accent);padding-bottom:8px}
h2{font-size:21px;margin:34px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
p{margin:6px 0 10px}
.dates{color:var(--muted);margin:6px 0 18px}
.ask{font-size:18px}
.numbers{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.number{flex:1 1 160px;background:var(--band);border:1px solid var(--line);border-radius:6px;padding:12px 14px}
.number b{display:block;font-size:28px;font-variant-numeric:tabular-nums}
.number span{color:var(--muted);font-size:14px}
blockquote{margin:12px 0;padding:10px 16px;border-left:4px solid var(--accent);background:var(--band);border-radius:0 6px 6px 0}
blockquote p{margin:0 0 6px;white-space:pre-line}
blockquote footer{font-size:14px;color:var(--muted)}
blockquote footer a{color:var(--muted)}
figure{margin:18px 0}
figure svg{width:100%;height:auto;display:block}
figcaption{font-size:14px;color:var(--muted)}
ul.goals{list-style:none;padding:0}
ul.goals li{margin:4px 0}
ul.goals li::before{content:'\\2713';color:var(--ok);font-weight:700;margin-right:8px}
body>footer{max-width:820px;margin:0 auto;padding:0 24px 32px;font-size:13px;color:var(--muted)}
";

/// One campaign's recap: (campaign id as in file names, HTML).
pub struct Recap {
    pub file_name: String,
    pub html: String,
}

/// The recap of every campaign of `metrics.json`, in its order.
pub fn recaps(m: &Metrics) -> Result<Vec<Recap>> {
    let camps = m.json.get("campaigns").and_then(Value::as_array).cloned().unwrap_or_default();
    camps
        .iter()
        .map(|c| {
            let id =
                c.get("id").and_then(Value::as_str).ok_or_else(|| anyhow!("metrics.json: a campaign without id"))?;
            Ok(Recap {
                file_name: format!("recap-{}.html", super::charts::stem_id(id)),
                html: recap(m, c, id).map_err(|e| anyhow!("the recap of {id}: {e}"))?,
            })
        })
        .collect()
}

/// A quoted post of `recap_posts`.
struct Quote {
    kind: String,
    handle: Option<String>,
    platform: String,
    at: Option<i64>,
    url: Option<String>,
    text: Option<String>,
    engagements: Option<i64>,
}

fn quotes(m: &Metrics, id: &str) -> Result<Vec<Quote>> {
    let df = m
        .table(RECAP_POSTS.name)
        .clone()
        .lazy()
        .filter(col("campaign").eq(lit(id)))
        .with_column(col("created_at").cast(DataType::Int64))
        .sort(["kind", "rank"], Default::default())
        .collect()?;
    let s = |c: &str| -> Result<Vec<Option<String>>> {
        Ok(df.column(c)?.str()?.iter().map(|v| v.map(String::from)).collect())
    };
    let (kind, handle, platform, url, text) = (s("kind")?, s("account_handle")?, s("platform")?, s("url")?, s("text")?);
    let at: Vec<Option<i64>> = df.column("created_at")?.i64()?.iter().collect();
    let eng: Vec<Option<i64>> = df.column("engagements")?.cast(&DataType::Int64)?.i64()?.iter().collect();
    Ok((0..df.height())
        .map(|i| Quote {
            kind: kind[i].clone().unwrap_or_default(),
            handle: handle[i].clone(),
            platform: platform[i].clone().unwrap_or_default(),
            at: at[i],
            url: url[i].clone(),
            text: text[i].clone(),
            engagements: eng[i],
        })
        .collect())
}

/// (hashtag, Σ posts, posts per day) of the campaign, by hashtag.
fn hashtag_posts(m: &Metrics, id: &str) -> Result<BTreeMap<String, (i64, BTreeMap<i32, i64>)>> {
    let df = m
        .table(hashtags::HASHTAG_DAILY.name)
        .clone()
        .lazy()
        .filter(col("campaign").eq(lit(id)))
        .select([col("hashtag"), col("day").cast(DataType::Int32), col("posts").cast(DataType::Int64)])
        .collect()?;
    let (tag, day, posts) = (df.column("hashtag")?.str()?, df.column("day")?.i32()?, df.column("posts")?.i64()?);
    let mut out: BTreeMap<String, (i64, BTreeMap<i32, i64>)> = BTreeMap::new();
    for i in 0..df.height() {
        let (Some(t), Some(d)) = (tag.get(i), day.get(i)) else { continue };
        let n = posts.get(i).unwrap_or(0);
        let e = out.entry(t.to_string()).or_default();
        e.0 += n;
        *e.1.entry(d).or_default() += n;
    }
    Ok(out)
}

/// Countries with a person acting.
fn countries_count(m: &Metrics, id: &str) -> Result<usize> {
    let df = m
        .table(countries::BY_COUNTRY.name)
        .clone()
        .lazy()
        .filter(
            col("campaign")
                .eq(lit(id))
                .and(col("country").is_not_null())
                .and(col("actors").gt(lit(0i64)).fill_null(lit(false))),
        )
        .collect()?;
    Ok(df.height())
}

fn targets(m: &Metrics, id: &str) -> Result<Vec<String>> {
    let df = m.table(hashtags::TARGET_RESPONSE.name).clone().lazy().filter(col("campaign").eq(lit(id))).collect()?;
    Ok(df.column("target")?.str()?.iter().flatten().map(String::from).collect())
}

fn figure(c: &Value, key: &str) -> Option<f64> {
    c.get("figures")?.get(key)?.get("value")?.as_f64().filter(|v| v.is_finite())
}

/// `2012-10-01` as `1 October 2012` (as given when it is no date).
fn long_date(day: &str) -> String {
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").map_or(day.to_string(), |d| d.format("%-d %B %Y").to_string())
}

/// `3 October 2012, 14:05` in the campaign's zone.
fn when(at: i64, tz: &chrono_tz::Tz) -> String {
    match chrono::DateTime::from_timestamp_micros(at) {
        Some(t) => t.with_timezone(tz).format("%-d %B %Y, %H:%M").to_string(),
        None => String::new(),
    }
}

fn recap(m: &Metrics, c: &Value, id: &str) -> Result<String> {
    let text = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("");
    let tz: chrono_tz::Tz = text("time_zone").parse().unwrap_or(chrono_tz::UTC);
    let name = if text("name").is_empty() { id } else { text("name") };
    let tags = hashtag_posts(m, id)?;
    let targets = targets(m, id)?;
    let quotes = quotes(m, id)?;
    let mut h = super::page_head(&format!("{name} — what we did together"), CSS);
    let _ = writeln!(h, "<h1>{}</h1>", xml_escape(name));
    let _ = writeln!(
        h,
        "<p class=\"dates\">{} to {} · thank you for taking part</p>",
        xml_escape(&long_date(text("start"))),
        xml_escape(&long_date(text("end")))
    );

    // What was asked.
    let tag_list: Vec<String> = tags.keys().map(|t| format!("#{t}")).collect();
    let target_list: Vec<String> = targets.iter().map(|t| format!("@{t}")).collect();
    let ask = match (tag_list.is_empty(), target_list.is_empty()) {
        (false, false) => {
            format!(
                "We asked you to speak up with {} and to call on {} to act.",
                tag_list.join(", "),
                target_list.join(", ")
            )
        }
        (false, true) => format!("We asked you to speak up with {}.", tag_list.join(", ")),
        (true, false) => format!("We asked you to call on {} to act.", target_list.join(", ")),
        (true, true) => "We asked you to take action with us.".to_string(),
    };
    h.push_str("<h2 id=\"asked\">What we asked</h2>\n");
    if text("ask").is_empty() {
        let _ = writeln!(h, "<p class=\"ask\">{}</p>", xml_escape(&ask));
    } else {
        // The pipeline's own words, then the hashtags and targets the composed line would name.
        let _ = writeln!(h, "<p class=\"ask\">{}</p>", xml_escape(text("ask")));
        let mut with = Vec::new();
        if !tag_list.is_empty() {
            let label = if tag_list.len() == 1 { "Hashtag" } else { "Hashtags" };
            with.push(format!("{label}: {}", tag_list.join(", ")));
        }
        if !target_list.is_empty() {
            let label = if target_list.len() == 1 { "Target" } else { "Targets" };
            with.push(format!("{label}: {}", target_list.join(", ")));
        }
        if !with.is_empty() {
            let _ = writeln!(h, "<p>{}</p>", xml_escape(&with.join(" · ")));
        }
    }

    // Headline numbers: only figures that exist.
    let mut numbers: Vec<(i64, String)> = Vec::new();
    if let Some(v) = figure(c, "unique_actors") {
        numbers.push((v.round() as i64, "people who took action".into()));
    }
    if let Some(v) = figure(c, "signups_total") {
        numbers.push((v.round() as i64, "sign-ups".into()));
    }
    for (t, (n, _)) in &tags {
        if *n > 0 {
            numbers.push((*n, format!("posts with #{t}")));
        }
    }
    let countries = countries_count(m, id)?;
    if countries > 0 {
        numbers.push((countries as i64, if countries == 1 { "country" } else { "countries" }.into()));
    }
    if !numbers.is_empty() {
        h.push_str("<h2 id=\"numbers\">What you did</h2>\n<div class=\"numbers\">\n");
        for (n, label) in &numbers {
            let _ = writeln!(
                h,
                "<div class=\"number\"><b>{}</b><span>{}</span></div>",
                thousands_i64(*n),
                xml_escape(label)
            );
        }
        h.push_str("</div>\n");
    }
    if let Some((t, (_, days))) =
        tags.iter().filter(|(_, (n, _))| *n > 0).max_by_key(|(t, (n, _))| (*n, std::cmp::Reverse(*t)))
    {
        daily_svg(&mut h, t, days);
    }

    // The targets' responses.
    let responses: Vec<&Quote> = quotes.iter().filter(|q| q.kind == "target_response").collect();
    if !targets.is_empty() {
        h.push_str("<h2 id=\"response\">The response</h2>\n");
        for t in &targets {
            match responses.iter().find(|q| q.handle.as_deref() == Some(t.as_str())) {
                Some(q) => {
                    let _ = writeln!(h, "<p>@{} responded:</p>", xml_escape(t));
                    quote(&mut h, q, &tz, false);
                }
                None => {
                    let _ = writeln!(h, "<p>We have not seen a response from @{} yet.</p>", xml_escape(t));
                }
            }
        }
    }

    let section = |h: &mut String, kind: &str, id: &str, title: &str| {
        let list: Vec<&Quote> = quotes.iter().filter(|q| q.kind == kind).collect();
        if list.is_empty() {
            return;
        }
        let _ = writeln!(h, "<h2 id=\"{id}\">{}</h2>", xml_escape(title));
        for q in list {
            quote(h, q, &tz, true);
        }
    };
    section(&mut h, "own", "our-posts", "Our most shared posts");
    section(&mut h, "voice", "voices", "Voices that joined in");

    // Goals met.
    let goals = c.get("goals").and_then(Value::as_array).cloned().unwrap_or_default();
    let met: Vec<&Value> = goals.iter().filter(|g| g.get("met") == Some(&Value::Bool(true))).collect();
    if !met.is_empty() {
        h.push_str("<h2 id=\"goals\">Goals we met</h2>\n");
        let _ = writeln!(h, "<p>{} of the {} goals we set were met.</p>\n<ul class=\"goals\">", met.len(), goals.len());
        for g in met {
            let label = g.get("label").and_then(Value::as_str).unwrap_or("");
            let _ = writeln!(h, "<li>{}</li>", xml_escape(label));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</main>\n<footer>Made with rallylens from the campaign's public posts and our own records. Posts are quoted only \
                from the organisation, its targets, the partners it named and accounts that speak in public to many people.</footer>\n");
    // Tells a browser test how many images laid out with a non-zero size.
    h.push_str(
        "<script>\naddEventListener('load',function(){var n=0,all=document.querySelectorAll('svg,img');\
         all.forEach(function(s){var r=s.getBoundingClientRect();if(r.width>0&&r.height>0)n++;});\
         document.body.setAttribute('data-images',String(all.length));\
         document.body.setAttribute('data-images-rendered',String(n));});\n</script>\n",
    );
    h.push_str("</body>\n</html>\n");
    Ok(h)
}

/// A post as a quotation: its text, then who, when, on which platform and a link.
fn quote(h: &mut String, q: &Quote, tz: &chrono_tz::Tz, with_engagements: bool) {
    h.push_str("<blockquote>\n");
    if let Some(t) = &q.text {
        let _ = writeln!(h, "<p>{}</p>", xml_escape(t));
    }
    let mut by = Vec::new();
    if let Some(handle) = &q.handle {
        by.push(format!("@{}", xml_escape(handle)));
    }
    by.push(xml_escape(&q.platform));
    if let Some(at) = q.at {
        by.push(xml_escape(&when(at, tz)));
    }
    if with_engagements {
        if let Some(e) = q.engagements.filter(|e| *e > 0) {
            by.push(format!("{} reactions, comments and shares", thousands_i64(e)));
        }
    }
    if let Some(u) = q.url.as_deref().filter(|u| u.starts_with("https://") || u.starts_with("http://")) {
        by.push(format!("<a href=\"{}\" rel=\"noopener\">see the post</a>", xml_escape(u)));
    }
    let _ = writeln!(h, "<footer>— {}</footer>\n</blockquote>", by.join(" · "));
}

/// Posts with `#tag` per day, as bars: an inline SVG with its own sizes (no script, no font
/// from elsewhere).
fn daily_svg(h: &mut String, tag: &str, days: &BTreeMap<i32, i64>) {
    let (Some(first), Some(last)) = (days.keys().next(), days.keys().next_back()) else { return };
    let n = (last - first + 1).max(1) as f64;
    let max = days.values().copied().max().unwrap_or(0).max(1) as f64;
    let (w, top, base) = (720.0, 10.0, 130.0);
    let bw = w / n;
    let label = format!("Posts with #{tag} per day");
    let _ = write!(
        h,
        "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} 160\" width=\"{w}\" height=\"160\" role=\"img\" aria-label=\"{}\">\n",
        xml_escape(&label)
    );
    for (d, v) in days {
        let x = (d - first) as f64 * bw;
        let bh = (*v as f64 / max) * (base - top);
        let _ = writeln!(
            h,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#b5121b\"/>",
            x + bw * 0.1,
            base - bh,
            (bw * 0.8).max(1.0),
            bh
        );
    }
    let day = |d: i32| crate::model::Day(d).to_naive().format("%-d %b").to_string();
    let _ = write!(
        h,
        "<line x1=\"0\" y1=\"{base}\" x2=\"{w}\" y2=\"{base}\" stroke=\"#5b6673\"/>\n\
         <text x=\"0\" y=\"152\" font-size=\"13\" fill=\"#5b6673\">{}</text>\n\
         <text x=\"{w}\" y=\"152\" font-size=\"13\" fill=\"#5b6673\" text-anchor=\"end\">{}</text>\n</svg>\n",
        day(*first),
        day(*last)
    );
    let _ = writeln!(
        h,
        "<figcaption>{}: {} at the busiest day.</figcaption>\n</figure>",
        xml_escape(&label),
        thousands_i64(max as i64)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn empty(cols: &[(&str, DataType)]) -> DataFrame {
        DataFrame::empty_with_schema(&Schema::from_iter(cols.iter().map(|(n, t)| Field::new((*n).into(), t.clone()))))
    }

    #[test]
    fn null_figures_and_unmet_goals_are_left_out() {
        let utc = DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC));
        let s = DataType::String;
        let i = DataType::Int64;
        let mut tables = BTreeMap::new();
        let recap_cols: Vec<(&str, DataType)> = RECAP_POSTS
            .columns
            .iter()
            .map(|c| match *c {
                "rank" | "engagements" => (*c, i.clone()),
                "created_at" => (*c, utc.clone()),
                _ => (*c, s.clone()),
            })
            .collect();
        tables.insert("recap_posts".to_string(), empty(&recap_cols));
        // #tag: 2 posts on 1 Jan and 1 on 2 Jan 2020 (days 18262 and 18263 since 1970).
        let daily = df!(
            "campaign" => ["c", "c"], "hashtag" => ["tag", "tag"], "posts" => [2i64, 1],
        )
        .unwrap()
        .lazy()
        .with_column(lit(Series::new("day".into(), [18262i32, 18263]).cast(&DataType::Date).unwrap()).alias("day"))
        .collect()
        .unwrap();
        tables.insert("hashtag_daily".to_string(), daily);
        let country_cols: Vec<(&str, DataType)> = countries::BY_COUNTRY
            .columns
            .iter()
            .map(|c| (*c, if ["campaign", "country"].contains(c) { s.clone() } else { i.clone() }))
            .collect();
        tables.insert("by_country".to_string(), empty(&country_cols));
        tables.insert("target_response".to_string(), df!("campaign" => ["c"], "target" => ["shell"]).unwrap());
        let json = json!({ "campaigns": [{
            "id": "c", "name": "C & co", "start": "2020-01-01", "end": "2020-01-02", "time_zone": "UTC",
            "figures": { "unique_actors": { "value": 12 }, "signups_total": { "value": null, "reason": "no sign-up" } },
            "goals": [ { "label": "Goal A", "met": true }, { "label": "Goal B", "met": null, "reason": "why" } ],
        }]});
        let m = Metrics { dir: "out".into(), tables, json };
        let r = recaps(&m).unwrap();
        assert_eq!(r[0].file_name, "recap-c.html");
        let h = &r[0].html;
        assert!(h.contains("<h1>C &amp; co</h1>"), "{h}");
        assert!(h.contains("We asked you to speak up with #tag and to call on @shell to act."), "{h}");
        // 12 people; sign-ups null: no card; 2 + 1 = 3 posts; no country row: no card.
        assert!(h.contains("<b>12</b><span>people who took action</span>"), "{h}");
        assert!(h.contains("<b>3</b><span>posts with #tag</span>"), "{h}");
        assert!(!h.contains("sign-ups") && !h.contains("countr") && !h.contains("no sign-up"), "{h}");
        // Busiest day 2 posts: the bar of 1 Jan is full height (130 − 10 = 120).
        assert!(h.contains("height=\"120.0\"") && h.contains("2 at the busiest day"), "{h}");
        assert!(h.contains("We have not seen a response from @shell yet."), "{h}");
        // Goals: one met of two; the unknown one and its reason are not shown.
        assert!(h.contains("1 of the 2 goals we set were met.") && h.contains("<li>Goal A</li>"), "{h}");
        assert!(!h.contains("Goal B") && !h.contains("why"), "{h}");
        // The same tables, the same bytes.
        assert_eq!(recaps(&m).unwrap()[0].html, *h);
    }
}
