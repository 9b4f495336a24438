//! Small parsing helpers shared by adapters: text decoding, times, numbers, hashtags.

use std::fmt;
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone};

use crate::model::{Day, Micros};

/// Decodes a whole file to text: UTF-8 (a BOM dropped) or UTF-16 with a BOM. Anything
/// else that is not valid UTF-8 is an error saying what was found.
pub fn decode_text(bytes: &[u8]) -> Result<String, String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8(rest.to_vec()).map_err(|e| utf8_msg(rest, &e));
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let enc = if bytes[0] == 0xFF { encoding_rs::UTF_16LE } else { encoding_rs::UTF_16BE };
        let (text, _, bad) = enc.decode(bytes);
        if bad {
            return Err(format!("invalid {} text", enc.name()));
        }
        return Ok(text.into_owned());
    }
    if looks_utf16le(bytes) {
        let (text, bad) = encoding_rs::UTF_16LE.decode_without_bom_handling(bytes);
        if !bad {
            return Ok(text.into_owned());
        }
    }
    String::from_utf8(bytes.to_vec()).map_err(|e| utf8_msg(bytes, &e))
}

/// Where text stops being UTF-8, by line (as editors count) rather than byte offset.
fn utf8_msg(bytes: &[u8], e: &std::string::FromUtf8Error) -> String {
    let at = e.utf8_error().valid_up_to();
    let line = 1 + memchr::memchr_iter(b'\n', &bytes[..at]).count();
    format!(
        "not UTF-8 text (line {line} holds a byte that is not UTF-8: 0x{:02X}); expected UTF-8 or UTF-16 \
         with a byte-order mark",
        bytes[at]
    )
}

/// UTF-16LE without a BOM: every other byte of ASCII text is zero.
pub(crate) fn looks_utf16le(bytes: &[u8]) -> bool {
    let n = bytes.len().min(512) & !1;
    n >= 8 && bytes[..n].chunks(2).filter(|c| c[1] == 0 && c[0] != 0).count() * 10 >= (n / 2) * 9
}

/// Decodes the head of a file for detection; a cut multi-byte character at the end is dropped.
pub fn decode_head(bytes: &[u8]) -> String {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") || looks_utf16le(bytes) {
        let enc = if bytes.starts_with(b"\xFE\xFF") { encoding_rs::UTF_16BE } else { encoding_rs::UTF_16LE };
        let even = &bytes[..bytes.len() & !1];
        return enc.decode_with_bom_removal(even).0.into_owned();
    }
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(e) if e.error_len().is_none() => String::from_utf8_lossy(&b[..e.valid_up_to()]).into_owned(),
        Err(_) => String::from_utf8_lossy(b).into_owned(),
    }
}

/// Cuts a string to at most `max` bytes on a character boundary.
pub fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    s[..i].to_string()
}

/// Lists the regular files under `dir` relative to `root` (`/`-separated), to `depth`
/// levels, never entering a folder twice (see [`super::walk::walk_rel`]).
pub fn walk_rel(root: &Path, dir: &Path, out: &mut Vec<String>, depth: usize) {
    super::walk::walk_rel(root, dir, out, depth)
}

// ---------------------------------------------------------------- times

pub use crate::model::TIME_WINDOW;

/// The time when it lies in the window (see [`TIME_WINDOW`]), else `None`.
pub fn in_window(m: Micros) -> Option<Micros> {
    m.in_window()
}

/// [`Micros::parse_iso`]: RFC 3339 / ISO 8601 with an offset.
pub fn parse_iso(s: &str) -> Option<Micros> {
    Micros::parse_iso(s)
}

/// Twitter API v1.1: `Thu Nov 03 08:50:26 +0000 2022`.
pub fn parse_twitter_v1(s: &str) -> Option<Micros> {
    DateTime::parse_from_str(s.trim(), "%a %b %d %H:%M:%S %z %Y")
        .ok()
        .and_then(|t| in_window(Micros::from_datetime(&t)))
}

/// A local time in `fmt` interpreted in `tz` (an ambiguous time takes the earlier instant,
/// a non-existent one, in a DST gap, the instant one hour later).
pub fn parse_local(s: &str, fmt: &str, tz: chrono_tz::Tz) -> Option<Micros> {
    let naive = NaiveDateTime::parse_from_str(s.trim(), fmt).ok()?;
    local_to_utc(naive, tz)
}

/// `naive` read in `tz`, in the window ([`TIME_WINDOW`]); see [`parse_local`].
pub fn local_to_utc(naive: NaiveDateTime, tz: chrono_tz::Tz) -> Option<Micros> {
    let m = match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => Micros::from_datetime(&t),
        chrono::LocalResult::None => {
            let later = naive + chrono::Duration::hours(1);
            tz.from_local_datetime(&later).earliest().map(|t| Micros::from_datetime(&t))?
        }
    };
    in_window(m)
}

/// Unix seconds, as a number or a string (`"1204156800"`).
pub fn parse_unix(v: &serde_json::Value) -> Option<Micros> {
    let secs = match v {
        serde_json::Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))?,
        serde_json::Value::String(s) => s.trim().parse::<i64>().ok()?,
        _ => return None,
    };
    in_window(Micros(secs.checked_mul(1_000_000)?))
}

/// A calendar date in one of the common layouts (`2024-03-01`, `20240301`), in the window
/// ([`TIME_WINDOW`]).
pub fn parse_date(s: &str) -> Option<Day> {
    let s = s.trim();
    for f in ["%Y-%m-%d", "%Y%m%d", "%Y/%m/%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            in_window(Micros(d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp_micros()))?;
            return Some(Day::from_naive(d));
        }
    }
    None
}

// ---------------------------------------------------------------- numbers

/// What a count must be, for messages.
pub const COUNT_EXPECTED: &str = "expected a count ≥ 0";

/// A count must not be negative: no export counts fewer than no likes, views or visits;
/// a negative figure is a misread column or a corrupted cell, and the row is rejected.
fn non_negative(v: i64, shown: impl fmt::Display) -> Result<Option<i64>, String> {
    if v < 0 {
        return Err(format!("{COUNT_EXPECTED}, found {shown}"));
    }
    Ok(Some(v))
}

/// A count as exported: `"424"`, `"424.0"`, `"1,234"`, `" 12 "`. Blank, `-` and `n/a`
/// are `Ok(None)` (no figure); anything else, a fraction or a negative number, is an
/// error message.
pub fn parse_count(s: &str) -> Result<Option<i64>, String> {
    let t = s.trim();
    if t.is_empty() || t == "-" || t == "--" || t.eq_ignore_ascii_case("n/a") || t.eq_ignore_ascii_case("null") {
        return Ok(None);
    }
    let cleaned: String = t.chars().filter(|c| *c != ',' && *c != '\u{a0}' && *c != ' ').collect();
    if let Ok(v) = cleaned.parse::<i64>() {
        return non_negative(v, format_args!("'{t}'"));
    }
    match cleaned.parse::<f64>() {
        Ok(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15 => non_negative(f as i64, format_args!("'{t}'")),
        Ok(_) => Err(format!("expected a whole number, found '{t}'")),
        Err(_) => Err(format!("expected a number, found '{t}'")),
    }
}

/// A count in JSON: a number or a numeric string (Flickr, Twitter archives); null/absent is None.
pub fn json_count(v: Option<&serde_json::Value>) -> Result<Option<i64>, String> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
            .ok_or_else(|| format!("expected a whole number, found {n}"))
            .and_then(|v| non_negative(v, n)),
        Some(serde_json::Value::String(s)) => parse_count(s),
        Some(other) => Err(format!("expected a number, found {other}")),
    }
}

// ---------------------------------------------------------------- text

/// Hashtags in free text (Facebook, Instagram, Flickr: docs/formats.md): the `#(\w+)`
/// matches, lower-cased, in order of first use, without repeats.
pub fn hashtags(text: &str) -> Vec<String> {
    tagged(text, '#')
}

/// `@handle` mentions in free text, lower-cased.
pub fn mentions(text: &str) -> Vec<String> {
    tagged(text, '@')
}

fn tagged(text: &str, mark: char) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut it = text.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if c != mark {
            continue;
        }
        // `a#b` is not a tag: the mark must not follow a word character.
        if text[..i].chars().next_back().is_some_and(|p| p.is_alphanumeric() || p == '_') {
            continue;
        }
        let start = i + c.len_utf8();
        let mut endi = start;
        while let Some(&(j, d)) = it.peek() {
            if d.is_alphanumeric() || d == '_' {
                endi = j + d.len_utf8();
                it.next();
            } else {
                break;
            }
        }
        if endi > start {
            let tag = text[start..endi].to_lowercase();
            if !out.contains(&tag) {
                out.push(tag);
            }
        }
    }
    out
}

/// A handle as stored: lower-cased, without a leading `@`.
pub fn handle(s: &str) -> String {
    s.trim().trim_start_matches('@').to_lowercase()
}

/// Repairs the "Download your information" encoding: UTF-8 bytes escaped one per `\u00XX`
/// (`ð\u009f\u0087¨` is 🇨; docs/formats.md#instagram-dyi-json). Strings that are not of that form are returned
/// unchanged.
pub fn fix_mojibake(s: &str) -> String {
    if s.chars().all(|c| (c as u32) < 0x80) || s.chars().any(|c| (c as u32) > 0xFF) {
        return s.to_string();
    }
    let bytes: Vec<u8> = s.chars().map(|c| c as u32 as u8).collect();
    String::from_utf8(bytes).unwrap_or_else(|_| s.to_string())
}

/// Non-empty trimmed text, else None.
pub fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// http(s) links in free text, in order, without repeats; trailing punctuation dropped.
pub(crate) fn urls_in(text: &str) -> Vec<String> {
    static RE: once_cell::sync::Lazy<regex::Regex> =
        once_cell::sync::Lazy::new(|| regex::Regex::new(r#"https?://[^\s"'<>]+"#).expect("static regex"));
    let mut out: Vec<String> = Vec::new();
    for m in RE.find_iter(text) {
        let u = m.as_str().trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']']);
        if !u.is_empty() && !out.iter().any(|x| x == u) {
            out.push(u.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_as_exported() {
        assert_eq!(parse_count("424.0"), Ok(Some(424)));
        assert_eq!(parse_count("1,234"), Ok(Some(1234)));
        assert_eq!(parse_count("-"), Ok(None));
        assert_eq!(parse_count(""), Ok(None));
        assert!(parse_count("12.5").is_err());
        assert!(parse_count("abc").is_err());
        // Negative counts are refused, in text and in JSON; -0 is 0.
        assert_eq!(parse_count("-3"), Err("expected a count ≥ 0, found '-3'".to_string()));
        assert!(parse_count("-1,234.0").is_err());
        assert_eq!(parse_count("-0"), Ok(Some(0)));
        assert_eq!(json_count(Some(&serde_json::json!(-2))), Err("expected a count ≥ 0, found -2".to_string()));
        assert_eq!(json_count(Some(&serde_json::json!("-2"))), Err("expected a count ≥ 0, found '-2'".to_string()));
    }

    #[test]
    fn times_outside_the_window_are_refused() {
        // Year 0 and 9999 parse as layouts but lie outside 1990-01-01..2100-01-01.
        assert_eq!(parse_iso("0000-01-01T00:00:00Z"), None);
        assert_eq!(parse_iso("9999-12-31T23:59:59Z"), None);
        assert_eq!(parse_twitter_v1("Sat Jan 01 00:00:00 +0000 0000"), None);
        assert_eq!(parse_local("9999-01-01 00:00", "%Y-%m-%d %H:%M", chrono_tz::UTC), None);
        assert_eq!(parse_date("00000101"), None);
        // A date read as Unix seconds (20240301 s is 1970-08-23): outside.
        assert_eq!(parse_unix(&serde_json::json!(20240301)), None);
        // The edges: 1990-01-01T00:00Z is in (631152000 s), 1989-12-31T23:59:59Z is not;
        // 2099-12-31T23:59:59Z is in, 2100-01-01T00:00Z is not.
        assert_eq!(parse_iso("1990-01-01T00:00:00Z"), Some(Micros(631_152_000_000_000)));
        assert_eq!(parse_iso("1989-12-31T23:59:59Z"), None);
        assert!(parse_iso("2099-12-31T23:59:59Z").is_some());
        assert_eq!(parse_iso("2100-01-01T00:00:00Z"), None);
        assert_eq!(parse_unix(&serde_json::json!(631_152_000)), Some(Micros(631_152_000_000_000)));
    }

    #[test]
    fn times() {
        // 2017-01-19T09:03:47+0000 is 1484816627 s after the epoch.
        assert_eq!(parse_iso("2017-01-19T09:03:47+0000"), Some(Micros(1_484_816_627_000_000)));
        assert_eq!(parse_iso("2017-01-19T09:03:47.000Z"), Some(Micros(1_484_816_627_000_000)));
        assert_eq!(parse_twitter_v1("Thu Jan 19 09:03:47 +0000 2017"), Some(Micros(1_484_816_627_000_000)));
        // 09:03:47 in New York (EST, UTC-5) is 14:03:47 UTC.
        let ny: chrono_tz::Tz = "America/New_York".parse().unwrap();
        assert_eq!(
            parse_local("01/19/2017 09:03:47 AM", "%m/%d/%Y %I:%M:%S %p", ny),
            Some(Micros(1_484_816_627_000_000 + 5 * 3_600_000_000))
        );
    }

    #[test]
    fn hashtags_and_mentions() {
        assert_eq!(hashtags("Go #MakeTheFuture! #makethefuture a#b #Kenya2008"), vec!["makethefuture", "kenya2008"]);
        assert_eq!(mentions("RT @Shell: hi @amnesty_uk."), vec!["shell", "amnesty_uk"]);
    }

    #[test]
    fn mojibake() {
        assert_eq!(fix_mojibake("Un Taxi \u{f0}\u{9f}\u{87}\u{a8}\u{f0}\u{9f}\u{87}\u{b4}"), "Un Taxi 🇨🇴");
        assert_eq!(fix_mojibake("plain"), "plain");
        assert_eq!(fix_mojibake("already 🇨🇴"), "already 🇨🇴");
    }

    #[test]
    fn text_decoding() {
        assert_eq!(decode_text(b"\xEF\xBB\xBFa,b").unwrap(), "a,b");
        assert_eq!(decode_text(b"\xFF\xFEa\0,\0b\0").unwrap(), "a,b");
        assert!(decode_text(b"a,\xFF\xFEb\xC0").is_err());
    }
}
