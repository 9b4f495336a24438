//! The prompt of `rallylens sql` (no query, standard input a terminal).
//!
//! A line editor (rustyline: arrows, Ctrl-R, history of this session in memory; nothing
//! is written to disk, so no query, and no pseudonym a query printed, outlives the
//! session). A query may span lines and ends with `;` (outside quotes and `--` comments);
//! a line starting with `.` is a command when no query is pending: `.tables`,
//! `.schema T`, `.help`, `.quit` (or `.exit`, Ctrl-D). Ctrl-C drops the pending query.
//! The table format shows the first [`SHOWN`] rows of a result (and says how many there
//! are); csv and json show every row.

use anyhow::Result;

use super::{output, Catalog, Format};

/// Rows of a result the prompt shows in the table format.
pub const SHOWN: usize = 100;

const HELP: &str = "\
End a query with ; (it may span lines). Commands:
  .tables      the tables and where each comes from
  .schema T    the columns of table T and their types
  .help        this text
  .quit        leave (also .exit, Ctrl-D); Ctrl-C drops a half-typed query
Results are for you: they may hold actor_id pseudonyms; keep them out of reports.";

/// What a complete input asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Input {
    Query(String),
    Tables,
    Schema(String),
    Help,
    Quit,
    /// A command that does not exist or lacks its argument: the message.
    Invalid(String),
}

/// A dot command (`line` trimmed), or `None` when the line is not one.
pub fn parse_dot(line: &str) -> Option<Input> {
    let rest = line.strip_prefix('.')?;
    let rest = rest.trim().trim_end_matches(';').trim();
    let (cmd, arg) = match rest.split_once(char::is_whitespace) {
        Some((c, a)) => (c, a.trim()),
        None => (rest, ""),
    };
    Some(match (cmd, arg) {
        ("tables", "") => Input::Tables,
        ("schema", "") => Input::Invalid(".schema needs a table: .schema posts".into()),
        ("schema", t) => Input::Schema(t.trim_matches('"').to_string()),
        ("help", _) => Input::Help,
        ("quit" | "exit", _) => Input::Quit,
        ("tables", _) => Input::Invalid(".tables takes no argument".into()),
        _ => Input::Invalid(format!(".{cmd} is not a command; the commands are .tables, .schema T, .help, .quit")),
    })
}

/// The lines typed so far of a query that has not ended.
#[derive(Default)]
pub struct Pending {
    buf: String,
}

impl Pending {
    /// Feeds one typed line; returns the input once it is complete (a dot command on an
    /// empty buffer, or a query whose last line ends with `;`).
    pub fn push(&mut self, line: &str) -> Option<Input> {
        if self.is_empty() {
            if let Some(d) = parse_dot(line.trim()) {
                return Some(d);
            }
        }
        if !self.buf.is_empty() {
            self.buf.push('\n');
        }
        self.buf.push_str(line);
        if !ends_statement(&self.buf) {
            return None;
        }
        let q = std::mem::take(&mut self.buf);
        Some(Input::Query(q.trim().trim_end_matches(';').trim_end().to_string()))
    }

    pub fn is_empty(&self) -> bool {
        self.buf.trim().is_empty()
    }

    pub fn clear(&mut self) {
        self.buf.clear();
    }
}

/// True when the last character of `s` outside strings, quoted names and `--` comments is
/// `;`.
fn ends_statement(s: &str) -> bool {
    let (mut quote, mut comment, mut last) = (None::<char>, false, None::<char>);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if comment {
            comment = c != '\n';
            continue;
        }
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                last = Some(c);
            }
            None if c == '-' && chars.peek() == Some(&'-') => comment = true,
            None if !c.is_whitespace() => last = Some(c),
            None => {}
        }
    }
    quote.is_none() && last == Some(';')
}

/// Runs the prompt until `.quit` or end of input.
pub fn run(cat: &mut Catalog, format: Format) -> Result<()> {
    let mut rl = rustyline::DefaultEditor::new()?;
    eprintln!("rallylens sql: tables {}. End a query with ;  (.help, .quit)", cat.names().join(", "));
    let mut pending = Pending::default();
    let mut typed = String::new();
    loop {
        let prompt = if pending.is_empty() { "sql> " } else { "  -> " };
        let line = match rl.readline(prompt) {
            Ok(l) => l,
            Err(rustyline::error::ReadlineError::Interrupted) => {
                pending.clear();
                typed.clear();
                continue;
            }
            Err(rustyline::error::ReadlineError::Eof) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        if !typed.is_empty() {
            typed.push(' ');
        }
        typed.push_str(line.trim());
        let Some(input) = pending.push(&line) else { continue };
        let _ = rl.add_history_entry(std::mem::take(&mut typed));
        let result = match input {
            Input::Quit => return Ok(()),
            Input::Help => {
                eprintln!("{HELP}");
                continue;
            }
            Input::Invalid(m) => {
                eprintln!("error: {m}");
                continue;
            }
            Input::Query(q) if q.is_empty() => continue,
            Input::Query(q) => cat.query(&q),
            Input::Tables => Ok(cat.tables_frame()),
            Input::Schema(t) => cat.schema_frame(&t),
        };
        match result {
            Ok(df) => {
                let mut out = std::io::stdout().lock();
                let limit = (format == Format::Table).then_some(SHOWN);
                output::render(&df, format, limit, &mut out)?;
                std::io::Write::flush(&mut out)?;
            }
            Err(e) => eprintln!("error: {e:#}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_commands() {
        assert_eq!(parse_dot(".tables"), Some(Input::Tables));
        assert_eq!(parse_dot(".schema  posts ;"), Some(Input::Schema("posts".into())));
        assert_eq!(parse_dot(".schema \"campaign_kpis\""), Some(Input::Schema("campaign_kpis".into())));
        assert!(matches!(parse_dot(".schema"), Some(Input::Invalid(m)) if m.contains("needs a table")));
        assert_eq!(parse_dot(".exit"), Some(Input::Quit));
        assert!(matches!(parse_dot(".drop posts"), Some(Input::Invalid(m)) if m.contains(".tables, .schema T")));
        assert_eq!(parse_dot("SELECT 1"), None);
    }

    #[test]
    fn a_query_ends_at_a_semicolon_outside_quotes_and_comments() {
        let mut p = Pending::default();
        assert_eq!(p.push("SELECT platform,"), None);
        assert_eq!(p.push("  count(*) AS n -- per platform;"), None, "a ; in a comment does not end it");
        assert_eq!(p.push("FROM posts WHERE text <> 'a;"), None, "nor one inside a string");
        // The string closes on this line, then the ; ends the query.
        assert_eq!(
            p.push("b' GROUP BY 1;  "),
            Some(Input::Query(
                "SELECT platform,\n  count(*) AS n -- per platform;\nFROM posts WHERE text <> 'a;\nb' GROUP BY 1"
                    .into()
            ))
        );
        assert!(p.is_empty());
        // A dot line inside a pending query is part of the query, not a command.
        assert_eq!(p.push("SELECT"), None);
        assert_eq!(p.push(".tables;"), Some(Input::Query("SELECT\n.tables".into())));
        assert_eq!(p.push(".quit"), Some(Input::Quit));
        assert_eq!(p.push(";"), Some(Input::Query(String::new())));
    }
}
