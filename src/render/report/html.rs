//! The report as one self-contained HTML page: inline CSS, the charts' SVG inlined, no
//! script or font from elsewhere.

use std::fmt::Write as _;

use super::goals::{GoalRow, HEADERS};
use super::model::Block;
use crate::render::{xml_escape, Chart};

const CSS: &str = "\
:root{--ink:#1d232b;--muted:#5b6673;--line:#d9dee4;--band:#f5f7f9;--accent:#b5121b}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:var(--ink);margin:0;background:#fff}
main{max-width:1080px;margin:0 auto;padding:24px 28px 64px}
h1{font-size:28px;margin:8px 0 4px;border-bottom:3px solid var(--accent);padding-bottom:6px}
h2{font-size:21px;margin:36px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:17px;margin:24px 0 6px}
p{margin:6px 0 10px;max-width:860px}
nav{font-size:14px;color:var(--muted);margin:8px 0 16px}
nav a{color:var(--muted);margin-right:14px;text-decoration:none;border-bottom:1px dotted var(--muted)}
.tablewrap{overflow-x:auto;margin:8px 0 14px}
table{border-collapse:collapse;font-size:13.5px;font-variant-numeric:tabular-nums}
th,td{padding:4px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--band);font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap}
tbody tr:hover{background:#fafbfc}
ol.notes{font-size:13px;color:var(--muted);margin:4px 0 12px}
figure.chart{margin:18px 0 26px}
figure.chart svg{width:100%;height:auto;display:block;border:1px solid var(--line);border-radius:4px}
figcaption{font-size:13.5px;color:var(--muted);margin-top:6px;max-width:860px}
figcaption b{color:var(--ink)}
footer{margin-top:40px;font-size:12.5px;color:var(--muted)}
.bar{display:inline-block;width:140px;height:10px;background:var(--band);border:1px solid var(--line);border-radius:5px;overflow:hidden;vertical-align:middle;margin-right:8px}
.bar>span{display:block;height:100%;background:var(--muted)}
.bar.met>span{background:#2e7d32}
.bar.not-met>span{background:var(--accent)}
td.met{color:#2e7d32;font-weight:600}
td.not-met{color:var(--accent);font-weight:600}
td.unknown{color:var(--muted)}
table.goals{width:100%}
table.goals td:nth-child(4),table.goals td:nth-child(5){white-space:nowrap}
";

/// The report as one self-contained HTML page.
pub fn to_html(doc: &[Block], charts: &[Chart]) -> String {
    let title = doc
        .iter()
        .find_map(|b| match b {
            Block::Heading(1, t, _) => Some(t.as_str()),
            _ => None,
        })
        .unwrap_or("rallylens report");
    let mut h = crate::render::page_head(title, CSS);
    for b in doc {
        match b {
            Block::Heading(1, t, id) => {
                let _ = writeln!(h, "<h1 id=\"{id}\">{}</h1>", xml_escape(t));
                h.push_str("<nav>");
                for b2 in doc {
                    if let Block::Heading(2, t2, id2) = b2 {
                        let _ = write!(h, "<a href=\"#{id2}\">{}</a>", xml_escape(t2));
                    }
                }
                h.push_str("</nav>\n");
            }
            Block::Heading(l, t, id) => {
                let _ = writeln!(h, "<h{l} id=\"{id}\">{}</h{l}>", xml_escape(t));
            }
            Block::Para(p) => {
                let _ = writeln!(h, "<p>{}</p>", xml_escape(p));
            }
            Block::Notes(notes) => {
                h.push_str("<ol class=\"notes\">\n");
                for n in notes {
                    let _ = writeln!(h, "<li>{}</li>", xml_escape(n));
                }
                h.push_str("</ol>\n");
            }
            Block::Table(t) => {
                if t.rows.is_empty() {
                    h.push_str("<p><i>No rows.</i></p>\n");
                    continue;
                }
                h.push_str("<div class=\"tablewrap\"><table>\n<thead><tr>");
                for (i, c) in t.headers.iter().enumerate() {
                    let cls = if t.right[i] { " class=\"num\"" } else { "" };
                    let _ = write!(h, "<th{cls}>{}</th>", xml_escape(c));
                }
                h.push_str("</tr></thead>\n<tbody>\n");
                for r in &t.rows {
                    h.push_str("<tr>");
                    for (i, c) in r.iter().enumerate() {
                        let cls = if t.right[i] { " class=\"num\"" } else { "" };
                        let _ = write!(h, "<td{cls}>{}</td>", xml_escape(c));
                    }
                    h.push_str("</tr>\n");
                }
                h.push_str("</tbody></table></div>\n");
            }
            Block::Scorecard(rows) => scorecard(&mut h, rows),
            Block::Chart(i) => {
                let c = &charts[*i];
                let _ = write!(
                    h,
                    "<figure class=\"chart\" id=\"chart-{}\">\n{}\n<figcaption><b>{}.</b> {}</figcaption>\n</figure>\n",
                    c.file_stem,
                    c.svg.trim(),
                    xml_escape(&c.title),
                    xml_escape(&c.caption)
                );
            }
        }
    }
    h.push_str("<footer>Made with rallylens. Every figure above is in metrics/*.parquet and metrics.json beside this file.</footer>\n</main>\n");
    // Tells a browser test how many charts laid out with a non-zero size.
    h.push_str(
        "<script>\naddEventListener('load',function(){var n=0;document.querySelectorAll('figure.chart svg')\
         .forEach(function(s){var r=s.getBoundingClientRect();if(r.width>0&&r.height>0)n++;});\
         document.body.setAttribute('data-charts-rendered',String(n));});\n</script>\n",
    );
    h.push_str("</body>\n</html>\n");
    h
}

/// A campaign's goals: a table whose Progress cell is a bar (a filled inline box, its
/// width the progress capped at 100%) and the progress as text.
fn scorecard(h: &mut String, rows: &[GoalRow]) {
    h.push_str("<div class=\"tablewrap\"><table class=\"goals\">\n<thead><tr>");
    for (i, c) in HEADERS.iter().enumerate() {
        let cls = if (1..3).contains(&i) { " class=\"num\"" } else { "" };
        let _ = write!(h, "<th{cls}>{}</th>", xml_escape(c));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        let [goal, figure, target] = &r.cells;
        let class = r.status.class();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td><span class=\"bar {class}\" \
             role=\"img\" aria-label=\"{}\"><span style=\"width:{:.1}%\"></span></span>{}</td><td class=\"{class}\">{}</td></tr>",
            xml_escape(goal),
            xml_escape(figure),
            xml_escape(target),
            xml_escape(&r.progress),
            r.fill * 100.0,
            xml_escape(&r.progress),
            xml_escape(&r.status_text)
        );
    }
    h.push_str("</tbody></table></div>\n");
}
