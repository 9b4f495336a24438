//! The report as Markdown: the same blocks as the HTML page, charts as PNG files under
//! `charts/`.

use std::fmt::Write as _;

use super::goals::{text_bar, HEADERS};
use super::model::Block;
use crate::render::Chart;

/// Text as Markdown that renders as exactly this text, as the HTML writer escapes it:
/// `<`, `>` and `&` become entities (no tag, comment or entity in a campaign name or a
/// hashtag reaches a Markdown renderer's HTML); the characters that make emphasis, code,
/// links, strikethrough and table cells (asterisk, backquote, brackets, tilde, bar,
/// backslash) are backslash-escaped, and so is an underscore at a word's edge (inside a
/// word, as in `all_social`, it cannot start emphasis and stays as is); a line break
/// becomes a space, so a name cannot start a heading, a list or a table row.
fn md_text(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '[' | ']' | '~' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '_' => {
                let word = |j: Option<&char>| j.is_some_and(|c| c.is_alphanumeric());
                if !(i > 0 && word(chars.get(i - 1)) && word(chars.get(i + 1))) {
                    out.push('\\');
                }
                out.push('_');
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// The report as Markdown; charts are PNG files under `charts/`.
pub fn to_markdown(doc: &[Block], charts: &[Chart]) -> String {
    let mut m = String::new();
    for b in doc {
        match b {
            Block::Heading(l, t, _) => {
                let _ = writeln!(m, "{} {}\n", "#".repeat(*l as usize), md_text(t));
            }
            Block::Para(p) => {
                let _ = writeln!(m, "{}\n", md_text(p));
            }
            Block::Notes(notes) => {
                for (i, n) in notes.iter().enumerate() {
                    let _ = writeln!(m, "{}. {}", i + 1, md_text(n));
                }
                m.push('\n');
            }
            Block::Table(t) => {
                if t.rows.is_empty() {
                    m.push_str("*No rows.*\n\n");
                    continue;
                }
                let _ = writeln!(m, "| {} |", t.headers.iter().map(|c| md_text(c)).collect::<Vec<_>>().join(" | "));
                let _ = writeln!(
                    m,
                    "|{}|",
                    t.right.iter().map(|r| if *r { "---:" } else { "---" }).collect::<Vec<_>>().join("|")
                );
                for r in &t.rows {
                    let _ = writeln!(m, "| {} |", r.iter().map(|c| md_text(c)).collect::<Vec<_>>().join(" | "));
                }
                m.push('\n');
            }
            Block::Scorecard(rows) => {
                // The progress bar as text: ten cells filled to the progress, capped.
                let _ = writeln!(m, "| {} |\n|---|---:|---:|---|---|", HEADERS.join(" | "));
                for r in rows {
                    let [goal, figure, target] = &r.cells;
                    let bar = format!("{} {}", text_bar(r.fill), r.progress);
                    let cells = [goal, figure, target, &bar, &r.status_text].map(|c| md_text(c));
                    let _ = writeln!(m, "| {} |", cells.join(" | "));
                }
                m.push('\n');
            }
            Block::Chart(i) => {
                let c = &charts[*i];
                let (title, caption) = (md_text(&c.title), md_text(&c.caption));
                let _ = writeln!(m, "![{title}](charts/{}.png)\n\n*{title}.* {caption}\n", c.file_stem);
            }
        }
    }
    m
}
