//! What an output may show of an input: the screens that keep supporters' personal data and
//! any byte of the lake's key out of the lake, messages, logs, metrics and reports.
//!
//! Decisions to keep:
//! - Shapes: [`email_spans`], [`phone_spans`] (7–15 digits with `+` or grouped; standalone
//!   only in free text; dates and uuids are not phones), [`hex_spans`] (≥ 32 hex digits).
//! - [`CellScreen`] empties code-like supporter cells of such shapes and warns once per
//!   column; names/addresses have no shape, so only code columns are read.
//! - [`supporter_header`] names only known columns; [`describe_unknown`] quotes nothing of an
//!   unrecognised file; [`excerpt`] is for non-supporter formats only.
//! - Backstop: [`redact`] in the lake writer and `FileError`, whatever the adapter.
//!
//! User docs: docs/lake.md#pseudonymisation, docs/lake.md#rejects.

use std::collections::BTreeMap;
use std::ops::Range;

/// What a value looks like, when it looks like personal data or a secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shape {
    Email,
    Phone,
    Secret,
}

impl Shape {
    pub fn describe(self) -> &'static str {
        match self {
            Shape::Email => "an e-mail address",
            Shape::Phone => "a phone number",
            Shape::Secret => "a long hex string (a key or a hash)",
        }
    }
}

fn local_char(c: char) -> bool {
    c.is_alphanumeric() || "._%+-'".contains(c)
}

fn domain_char(c: char) -> bool {
    c.is_alphanumeric() || c == '.' || c == '-'
}

/// Byte ranges of e-mail shapes: `local@host.tld`, a TLD of two letters or more.
pub fn email_spans(s: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for (at, _) in s.match_indices('@') {
        let start = s[..at].char_indices().rev().take_while(|(_, c)| local_char(*c)).last().map(|(i, _)| i);
        let Some(start) = start else { continue };
        let after = &s[at + 1..];
        let len = after.char_indices().find(|(_, c)| !domain_char(*c)).map_or(after.len(), |(i, _)| i);
        let domain = after[..len].trim_end_matches(['.', '-']);
        let valid = domain.rsplit_once('.').is_some_and(|(host, tld)| {
            !host.is_empty()
                && !host.starts_with('.')
                && tld.chars().count() >= 2
                && tld.chars().all(char::is_alphabetic)
        });
        if valid {
            out.push(start..at + 1 + domain.len());
        }
    }
    out
}

/// Digit groups read as a date (or a date and an hour): 4-2-2, 2-2-4, 1/2-1/2-4.
fn date_like(groups: &[usize]) -> bool {
    matches!(groups, [4, 2, 2, ..]) || matches!(groups, [1 | 2, 1 | 2, 4, ..])
}

/// Byte ranges of phone-number shapes (see the module doc). `bare`: a lone run of 7-15
/// digits counts too (free text; not ids, where such runs are platform ids).
pub fn phone_spans(s: &str, bare: bool) -> Vec<Range<usize>> {
    const SEP: &[char] = &[' ', '-', '.', '(', ')', '/', '\u{a0}'];
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        let next_digit = chars.get(i + 1).is_some_and(|(_, d)| d.is_ascii_digit());
        let opens = c.is_ascii_digit() || ((c == '+' || c == '(') && next_digit);
        if !opens || (i > 0 && (word(chars[i - 1].1) || chars[i - 1].1 == '+')) {
            i += 1;
            continue;
        }
        let plus = c == '+';
        let (mut j, mut groups, mut cur) = (i + usize::from(plus), Vec::new(), 0usize);
        while j < chars.len() {
            let d = chars[j].1;
            if d.is_ascii_digit() {
                cur += 1;
                j += 1;
            } else if SEP.contains(&d) && chars[j + 1..].iter().take(2).any(|(_, x)| x.is_ascii_digit()) {
                if cur > 0 {
                    groups.push(cur);
                    cur = 0;
                }
                j += 1;
            } else {
                break;
            }
        }
        if cur > 0 {
            groups.push(cur);
        }
        let ends_clean = j >= chars.len() || !word(chars[j].1);
        let digits: usize = groups.iter().sum();
        let shaped = plus || groups.len() > 1 || bare;
        if ends_clean && (7..=15).contains(&digits) && shaped && (plus || !date_like(&groups)) {
            let end = chars.get(j).map_or(s.len(), |(k, _)| *k);
            let text = s[chars[i].0..end].trim_end_matches(SEP);
            out.push(chars[i].0..chars[i].0 + text.len());
        }
        i = j.max(i + 1);
    }
    out
}

/// Byte ranges of runs of at least `min` hex digits (the key is 64).
pub fn hex_spans(s: &str, min: usize) -> Vec<Range<usize>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_hexdigit() {
            let j = i + b[i..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
            if j - i >= min {
                out.push(i..j);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// Text that is not text: control characters (other than tab and newlines) or the
/// replacement character of a byte that was not UTF-8.
pub fn is_binary(s: &str) -> bool {
    s.chars().any(|c| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{fffd}')
}

/// The shape of a free-text value (source, medium, campaign, a platform or verb cell), if
/// it looks like personal data or a secret.
pub fn text_shape(s: &str) -> Option<Shape> {
    if !email_spans(s).is_empty() {
        Some(Shape::Email)
    } else if !phone_spans(s, true).is_empty() {
        Some(Shape::Phone)
    } else if !hex_spans(s, 32).is_empty() {
        Some(Shape::Secret)
    } else {
        None
    }
}

/// The shape of an identifier (a post id, an action key): e-mails and grouped or `+`
/// phone numbers only, since bare digit runs and hex strings are what ids look like.
pub fn id_shape(s: &str) -> Option<Shape> {
    if !email_spans(s).is_empty() {
        Some(Shape::Email)
    } else if !phone_spans(s, false).is_empty() {
        Some(Shape::Phone)
    } else {
        None
    }
}

/// The message or raw row `s` with e-mail, grouped phone and hex-secret shapes replaced by
/// `<e-mail>`, `<phone>`, `<hex>`. Borrowed when there is nothing to replace.
pub fn redact(s: &str) -> std::borrow::Cow<'_, str> {
    let mut spans: Vec<(Range<usize>, &str)> = Vec::new();
    spans.extend(email_spans(s).into_iter().map(|r| (r, "<e-mail>")));
    spans.extend(hex_spans(s, 32).into_iter().map(|r| (r, "<hex>")));
    spans.extend(phone_spans(s, false).into_iter().map(|r| (r, "<phone>")));
    if spans.is_empty() {
        return std::borrow::Cow::Borrowed(s);
    }
    spans.sort_by_key(|(r, _)| (r.start, std::cmp::Reverse(r.end)));
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    for (r, with) in spans {
        if r.start < at {
            // Overlaps a span already replaced: its tail is part of the same datum.
            at = at.max(r.end);
            continue;
        }
        out.push_str(&s[at..r.start]);
        out.push_str(with);
        at = r.end;
    }
    out.push_str(&s[at..]);
    std::borrow::Cow::Owned(out)
}

/// A short excerpt (at most `max` bytes, one line) of content of a recognised,
/// non-supporter format, for a message; `None` when it holds anything of a screened shape
/// or is not printable text.
pub fn excerpt(s: &str, max: usize) -> Option<String> {
    let line = s.trim_start().lines().next().unwrap_or("").trim_end();
    let cut = crate::ingest::common::util::cut(line, max);
    (!is_binary(&cut) && text_shape(&cut).is_none()).then_some(cut)
}

/// Header names of supporter and CRM exports that a message may show: they cannot be a
/// supporter's data. Compared lower-cased, with spaces and hyphens read as `_`; any
/// `can2_…` (Action Network) name is known too.
const KNOWN_COLUMNS: &[&str] = &[
    "actor",
    "action",
    "occurred_at",
    "platform",
    "post_id",
    "campaign",
    "source",
    "medium",
    "action_key",
    "referrer",
    "referrer_code",
    "source_code",
    "uuid",
    "id",
    "user_id",
    "person_id",
    "email",
    "e_mail",
    "email_address",
    "mail",
    "first_name",
    "last_name",
    "full_name",
    "name",
    "given_name",
    "family_name",
    "surname",
    "phone",
    "phone_number",
    "mobile",
    "telephone",
    "address",
    "street",
    "address_line",
    "city",
    "state",
    "county",
    "region",
    "country",
    "country_code",
    "zip",
    "zip_code",
    "postal_code",
    "postcode",
    "created_date",
    "created_at",
    "created",
    "modified_date",
    "timestamp",
    "date",
    "time",
    "datetime",
    "when",
    "tags",
    "comments",
    "notes",
    "status",
    "language",
    "amount",
    "currency",
    "event",
    "petition",
    "form",
    "title",
    "type",
    "channel",
    "handle",
    "username",
    "account",
    "url",
    "page",
];

fn normalised(name: &str) -> String {
    name.trim().to_lowercase().replace([' ', '-'], "_")
}

/// Whether a header name is one rallylens knows (or the user named, `extra`).
pub fn known_column(name: &str, extra: &[&str]) -> bool {
    let n = normalised(name);
    n.starts_with("can2_") || KNOWN_COLUMNS.contains(&n.as_str()) || extra.iter().any(|e| normalised(e) == n)
}

/// What a header cell that is data rather than a name looks like: an e-mail, a phone
/// number, a key, or six digits or more (a date, an id).
fn data_in_header(name: &str) -> Option<&'static str> {
    if let Some(s) = text_shape(name) {
        return Some(s.describe());
    }
    (name.chars().filter(char::is_ascii_digit).count() >= 6).then_some("a date or a number")
}

/// Says that a header row is data (the file has no header row), showing none of it.
fn data_header<S: AsRef<str>>(names: &[S], whose: &str) -> Option<String> {
    let what = names.iter().find_map(|n| data_in_header(n.as_ref()))?;
    Some(format!(
        "the first line holds {what}, so it is {whose} row, not a header row: the file needs a header naming its \
         columns (its {} cells are not shown)",
        names.len()
    ))
}

/// The columns of a supporter export for an error message: "the file's columns are: …",
/// showing only names rallylens knows (or `extra`, the columns the user's mapping names);
/// others as `(column N)`. A header holding data (the file has no header row) is said so,
/// and none of it shown.
pub fn supporter_header<S: AsRef<str>>(names: &[S], extra: &[&str]) -> String {
    if let Some(msg) = data_header(names, "a supporter's") {
        return msg;
    }
    let shown: Vec<String> = names
        .iter()
        .map(AsRef::as_ref)
        .enumerate()
        .map(|(i, n)| if known_column(n, extra) { n.trim().to_string() } else { format!("(column {})", i + 1) })
        .collect();
    let hidden = shown.iter().filter(|s| s.starts_with("(column ")).count();
    let mut msg = format!("the file's columns are: {}", shown.join(", "));
    if hidden > 0 {
        msg.push_str(" (names rallylens does not know are not shown: if the file lacks a header row, they are a supporter's data)");
    }
    msg
}

/// The columns of a non-supporter CSV for an error message: every name, but one of a
/// screened shape as `(column N)`; a header that holds data (a file without its header
/// row: perhaps a supporter export read as another format) is said so, and not shown.
pub fn plain_header<S: AsRef<str>>(names: &[S]) -> String {
    if let Some(msg) = data_header(names, "a data") {
        return msg;
    }
    let shown: Vec<String> =
        names
            .iter()
            .map(AsRef::as_ref)
            .enumerate()
            .map(|(i, n)| {
                if is_binary(n) || text_shape(n).is_some() {
                    format!("(column {})", i + 1)
                } else {
                    n.trim().to_string()
                }
            })
            .collect();
    format!("the file's columns are: {}", shown.join(", "))
}

/// What a file no adapter recognises looks like, quoting none of it (see the module doc):
/// `head` is the decoded start of the file, `entries` the names inside a zip.
pub fn describe_unknown(head: &str, entries: &[String]) -> String {
    let t = head.trim_start_matches('\u{feff}').trim_start();
    let first = t.lines().next().unwrap_or("").trim_end();
    let kind = if !entries.is_empty() {
        format!("a zip archive of {} entries", entries.len())
    } else if let Some(magic) = [("PAR1", "a Parquet file"), ("%PDF", "a PDF file"), ("\u{fffd}PNG", "a PNG image")]
        .iter()
        .find(|(m, _)| t.starts_with(m))
        .map(|(_, k)| *k)
    {
        magic.to_string()
    } else if is_binary(&crate::ingest::common::util::cut(head, 4096)) {
        "binary data, not text".to_string()
    } else if first.len() >= 32 && hex_spans(first, 32).first().is_some_and(|r| r.len() == first.len()) {
        format!("one line of {} hex digits: a key file? Keys are never read as inputs", first.len())
    } else if t.starts_with('{') || t.starts_with('[') {
        let lines = t.lines().filter(|l| !l.trim().is_empty()).count();
        let lead = if t.starts_with('{') { "an object" } else { "an array" };
        if lines > 1 && t.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('{')) {
            "JSON Lines".to_string()
        } else {
            format!("JSON ({lead})")
        }
    } else if t.starts_with('<') {
        "markup (HTML or XML)".to_string()
    } else {
        let seps = [(',', "comma"), (';', "semicolon"), ('\t', "tab"), ('|', "bar")];
        match seps.iter().map(|(c, n)| (first.matches(*c).count(), n)).max_by_key(|(k, _)| *k) {
            Some((k, name)) if k > 0 => format!("text whose first line has {} {name}-separated fields", k + 1),
            _ => "plain text".to_string(),
        }
    };
    let personal = [Shape::Email, Shape::Phone]
        .into_iter()
        .filter(|s| match s {
            Shape::Email => !email_spans(head).is_empty(),
            _ => !phone_spans(head, false).is_empty(),
        })
        .map(|s| s.describe())
        .collect::<Vec<_>>();
    if personal.is_empty() {
        format!("it looks like {kind}, not shown")
    } else {
        format!(
            "it looks like {kind} and holds what looks like {}, none of it shown; a supporter export needs its \
             header row",
            personal.join(" and ")
        )
    }
}

/// Screens the free-text cells of one supporter input (see the module doc): a cell of a
/// personal or secret shape becomes null, and [`CellScreen::warnings`] reports each column
/// once, with the first line and the count.
#[derive(Default, Debug)]
pub struct CellScreen {
    /// column -> (first line, cells dropped, shapes seen)
    dropped: BTreeMap<String, (u64, u64, Vec<Shape>)>,
}

impl CellScreen {
    /// `v` unless it is of a personal shape for free text.
    pub fn text(&mut self, column: &str, line: u64, v: Option<String>) -> Option<String> {
        self.keep(column, line, v, text_shape)
    }

    /// `v` unless it is of a personal shape for an identifier.
    pub fn id(&mut self, column: &str, line: u64, v: Option<String>) -> Option<String> {
        self.keep(column, line, v, id_shape)
    }

    fn keep(&mut self, column: &str, line: u64, v: Option<String>, shape: fn(&str) -> Option<Shape>) -> Option<String> {
        let v = v?;
        let Some(shape) = shape(&v) else { return Some(v) };
        self.note(column, line, shape);
        None
    }

    fn note(&mut self, column: &str, line: u64, shape: Shape) {
        let e = self.dropped.entry(column.to_string()).or_insert((line, 0, Vec::new()));
        e.0 = e.0.min(line);
        e.1 += 1;
        if !e.2.contains(&shape) {
            e.2.push(shape);
            e.2.sort();
        }
    }

    /// One warning per column that had cells dropped, naming `file`, the first line and the
    /// column; the screen is emptied.
    pub fn warnings(&mut self, file: &str) -> Vec<crate::schema::Warning> {
        std::mem::take(&mut self.dropped)
            .into_iter()
            .map(|(column, (line, n, shapes))| {
                let what: Vec<&str> = shapes.iter().map(|s| s.describe()).collect();
                let msg = format!(
                    "{n} cell(s) of column '{column}' looked like {} (the first on this line) \
                     and were left empty: personal data is never stored",
                    what.join(" or ")
                );
                crate::schema::Warning::at(file, line, msg)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans<'a>(s: &'a str, f: impl Fn(&str) -> Vec<Range<usize>>) -> Vec<&'a str> {
        f(s).into_iter().map(|r| &s[r]).collect()
    }

    #[test]
    fn emails() {
        let e = |s| spans(s, email_spans);
        assert_eq!(e("Ana.Costa@Example.org"), ["Ana.Costa@Example.org"]);
        assert_eq!(e("mail <jo+x@mail.example.net>."), ["jo+x@mail.example.net"]);
        assert_eq!(e("zebedee.q@example.com:note"), ["zebedee.q@example.com"]);
        // Handles, a bare @ and a domain without a TLD are not e-mails.
        for s in ["@amnesty", "RT @Shell: hi", "a@b", "x@localhost", "@", "oluwaseun-at-example.org"] {
            assert!(e(s).is_empty(), "{s}");
        }
    }

    #[test]
    fn phones() {
        let p = |s| spans(s, |x| phone_spans(x, false));
        assert_eq!(p("+1 212 555 0147"), ["+1 212 555 0147"]);
        assert_eq!(p("call (212) 555-0199 now"), ["(212) 555-0199"]);
        assert_eq!(p("+44 20 7946 0958"), ["+44 20 7946 0958"]);
        assert_eq!(p("Tel. 030 1234567."), ["030 1234567"]);
        assert_eq!(p("+12125550147"), ["+12125550147"]);
        // A bare run counts only as free text: ids look like that.
        assert!(p("2125550147").is_empty());
        assert_eq!(spans("2125550147", |x| phone_spans(x, true)), ["2125550147"]);
        // Dates, times, short numbers, long ids, and digits inside a uuid are not phones.
        for s in [
            "2024-03-05",
            "2024-03-05 09:22:31",
            "2024-03-05T14:22:31Z",
            "05.03.2024 10:00",
            "3/5/2024 18:30",
            "1765001234567890123",
            "email_0305",
            "0b9c2a6e-1f4d-4c1e-9a43-7d1f5e2b8c01",
            "555-01",
            "1,234,567",
        ] {
            assert!(spans(s, |x| phone_spans(x, true)).is_empty(), "{s}");
        }
    }

    #[test]
    fn shapes_of_cells() {
        assert_eq!(text_shape("newsletter"), None);
        assert_eq!(text_shape("group-clean-air-ny"), None);
        assert_eq!(text_shape("zebedee.q@example.com"), Some(Shape::Email));
        assert_eq!(text_shape("2125550147"), Some(Shape::Phone));
        assert_eq!(text_shape(&"ab".repeat(32)), Some(Shape::Secret));
        // Ids: a tweet id, a CRM key, a hash are fine; an e-mail or a grouped phone is not.
        assert_eq!(id_shape("1765001234567890123"), None);
        assert_eq!(id_shape("2125550147"), None);
        assert_eq!(id_shape(&"ab".repeat(32)), None);
        assert_eq!(id_shape("ea-000123"), None);
        assert_eq!(id_shape("x@example.org"), Some(Shape::Email));
        assert_eq!(id_shape("(212) 555-0199"), Some(Shape::Phone));
    }

    #[test]
    fn redaction() {
        let key = "f741491dff738451fb8d923fba8327837048b8c619c5b2540e289c145259e9a5";
        assert_eq!(redact(&format!("it starts with \"{key}\"")), "it starts with \"<hex>\"");
        assert_eq!(redact("from jo@example.org, +1 212 555 0147"), "from <e-mail>, <phone>");
        assert!(matches!(redact("line 7, field 'x': expected a number"), std::borrow::Cow::Borrowed(_)));
        // A pseudonym is 32 hex digits: redacted too, as any secret-like run.
        assert_eq!(redact("id 0123456789abcdef0123456789abcdef."), "id <hex>.");
    }

    #[test]
    fn headers_of_supporter_exports() {
        let names = |s: &str| s.split(',').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            supporter_header(&names("actor,action,when,Platform,can2_phone"), &[]),
            "the file's columns are: actor, action, when, Platform, can2_phone"
        );
        let m = supporter_header(&names("actor,Zebedee Quartermaine,action"), &[]);
        assert!(m.starts_with("the file's columns are: actor, (column 2), action (names"), "{m}");
        // A mapping's own column names are shown.
        assert_eq!(supporter_header(&names("E-Mail,Quelle"), &["Quelle"]), "the file's columns are: E-Mail, Quelle");
        // A header-less file: its first row is data; nothing of it is shown.
        for row in [
            "zebedee.q@example.com,sign_petition,2024-03-05T14:22:31Z",
            "Zebedee,+1 212 555 0147",
            "Zebedee,2024-03-05",
        ] {
            let m = supporter_header(&names(row), &[]);
            assert!(m.contains("not a header row") && !m.contains("Zebedee") && !m.contains("2024"), "{m}");
            let m = plain_header(&names(row));
            assert!(m.contains("a data row, not a header row") && !m.contains("Zebedee"), "{m}");
        }
        assert_eq!(plain_header(&["Tweet id", " impressions"]), "the file's columns are: Tweet id, impressions");
    }

    #[test]
    fn unknown_files_are_described_not_quoted() {
        let people = "Zebedee Quartermaine;zebedee.q@example.com;+1 212 555 0147;221B Baker Street\n";
        let d = describe_unknown(people, &[]);
        assert!(d.contains("4 semicolon-separated fields") && d.contains("an e-mail address"), "{d}");
        assert!(!d.contains("Zebedee") && !d.contains("Baker"), "{d}");
        let key = "f741491dff738451fb8d923fba8327837048b8c619c5b2540e289c145259e9a5\n";
        let d = describe_unknown(key, &[]);
        assert!(d.contains("64 hex digits") && !d.contains("f741"), "{d}");
        assert!(describe_unknown("PAR1\u{fffd}\u{0}", &[]).contains("a Parquet file"));
        assert!(describe_unknown("{\"a\": 1}\n{\"a\": 2}\n", &[]).contains("JSON Lines"));
        assert!(describe_unknown("meeting notes, not an export\n", &[]).contains("2 comma-separated fields"));
    }

    #[test]
    fn excerpts() {
        assert_eq!(excerpt("  window.YTD.tweets.part0 = [\n{", 60).as_deref(), Some("window.YTD.tweets.part0 = ["));
        assert_eq!(excerpt("contact jo@example.org", 60), None);
        assert_eq!(excerpt("\u{0}\u{1}", 60), None);
    }

    #[test]
    fn cell_screen_warns_once_per_column() {
        let mut s = CellScreen::default();
        assert_eq!(s.text("source", 3, Some("newsletter".into())).as_deref(), Some("newsletter"));
        assert_eq!(s.text("source", 4, Some("jo@example.org".into())), None);
        assert_eq!(s.text("source", 9, Some("+1 212 555 0147".into())), None);
        assert_eq!(s.id("post_id", 5, Some("jo@example.org".into())), None);
        assert_eq!(s.text("medium", 6, None), None);
        let w: Vec<String> = s.warnings("crm.csv").iter().map(ToString::to_string).collect();
        assert_eq!(w.len(), 2);
        assert!(
            w[1].starts_with(
                "crm.csv, line 4: 2 cell(s) of column 'source' looked like an e-mail address or a phone number"
            ),
            "{w:?}"
        );
        assert!(w[0].starts_with("crm.csv, line 5: 1 cell(s) of column 'post_id'"), "{w:?}");
        assert!(s.warnings("crm.csv").is_empty());
    }
}
