//! Optional columns a header-based format knows, missing or renamed in a file.
//!
//! An adapter requires only the columns without which a row means nothing (an id, a time);
//! every other column it knows is optional, and a file without it silently gave nulls. Now
//! the adapter lists what it looked for ([`Want`]) and [`check`] turns what is missing into
//! ONE warning per file, naming the columns and, when the file has a column whose name is
//! close (a likely rename: `public_metrics.likes_count` for `public_metrics.like_count`,
//! `Page Views` for `Pageviews`), that column too. Rows are still ingested; the figures of
//! the missing columns are null, and said so.
//!
//! Two kinds of optional column, a reading of the formats' documented layouts (docs/formats.md):
//! - [`Want::always`]: every export of the format has it (twarc-csv's `public_metrics.*`,
//!   Tweet activity's `impressions`): missing, it is warned about whatever the file holds;
//! - [`Want::maybe`]: the format documents it as optional (`post_id` in actions-csv, a UA
//!   report's `Users`, Plausible's `pageviews` before 2023): warned about only when the file
//!   has a near-miss for it, since its absence alone is normal.
//!
//! Messages name columns only, never a cell. A header cell offered as a rename is one that
//! does not look like a supporter's data (no `@`, fewer than 7 digits), for the file whose
//! first line is a row.

use crate::schema::Warning;

/// One column an adapter looked for.
#[derive(Clone, Debug)]
pub struct Want<'a> {
    /// The column's name(s) as the format writes them (alternatives, e.g. `likes` and
    /// `favorites`); the first is shown.
    pub names: &'a [&'a str],
    /// Where the adapter found it (`None`: missing).
    pub at: Option<usize>,
    /// Every export of the format has it (else: only a near-miss is warned about).
    pub always: bool,
}

impl<'a> Want<'a> {
    pub fn always(names: &'a [&'a str], at: Option<usize>) -> Self {
        Want { names, at, always: true }
    }
    pub fn maybe(names: &'a [&'a str], at: Option<usize>) -> Self {
        Want { names, at, always: false }
    }
}

/// The warning for a file whose header (`header`, the names as in the file, on line `line`)
/// lacks wanted columns, or None. `used` lists the positions of the other columns the
/// adapter reads (its required ones): they are never taken for a rename.
pub fn check(
    file: &str,
    line: u64,
    format: &str,
    header: &[String],
    wants: &[Want],
    used: &[usize],
) -> Option<Warning> {
    let read = |i: usize| used.contains(&i) || wants.iter().any(|w| w.at == Some(i));
    // A column is taken when it is read, or repeats the name of one that is (Page Insights
    // writes each figure twice under one name, Total Count then Unique Users).
    let taken = |i: usize| read(i) || (0..header.len()).any(|j| read(j) && norm(&header[j]) == norm(&header[i]));
    let mut free: Vec<(usize, String)> = header
        .iter()
        .enumerate()
        .filter(|(i, h)| !taken(*i) && !h.trim().is_empty() && !looks_personal(h))
        .map(|(i, h)| (i, norm(h)))
        .collect();
    let mut parts = Vec::new();
    for w in wants.iter().filter(|w| w.at.is_none()) {
        // The closest free column, if it is close enough; each is suggested once.
        let best = free
            .iter()
            .enumerate()
            .filter_map(|(k, (_, cand))| w.names.iter().filter_map(|n| near(&norm(n), cand)).min().map(|d| (d, k)))
            .min();
        let shown = w.names.first().copied().unwrap_or_default();
        match best {
            Some((_, k)) => {
                let (i, _) = free.remove(k);
                parts.push(format!("'{shown}' (the file's '{}' may be it, renamed; it is not read)", header[i].trim()));
            }
            None if w.always => parts.push(format!("'{shown}'")),
            None => {}
        }
    }
    if parts.is_empty() {
        return None;
    }
    let msg = format!(
        "{} {} of the {format} format {} missing: {} in every row",
        if parts.len() == 1 { "column" } else { "columns" },
        parts.join(", "),
        if parts.len() == 1 { "is" } else { "are" },
        if parts.len() == 1 { "its field is null" } else { "their fields are null" },
    );
    Some(Warning::at(file, line, msg))
}

/// A header cell that may be a supporter's data rather than a column name (a file whose
/// first line is a row): an e-mail address or a phone-like run of digits. Never shown.
fn looks_personal(h: &str) -> bool {
    h.contains('@') || h.chars().filter(char::is_ascii_digit).count() >= 7
}

/// A header name compared loosely: lower case, letters and digits only.
fn norm(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// How near a file's column (`cand`) is to a wanted name (`want`), both [`norm`]ed: Some(0)
/// for the same letters (`Page Views` / `Pageviews`), the edit distance when it is small
/// for the name's length (1 up to 6 letters, else 2: `likes_count` / `like_count`), one
/// more when the file's column is the name with a short tail (up to 10 letters:
/// `Impressions (organic)`) or the dotted name without its prefix (`like_count` for
/// `public_metrics.like_count`); else None. Deliberately strict: a suggestion that names
/// another metric (`Lifetime Paid Video Views` for `Lifetime Post Video Views`, three
/// edits) misleads more than no suggestion.
fn near(want: &str, cand: &str) -> Option<usize> {
    if want.is_empty() || cand.is_empty() {
        return None;
    }
    let max = if want.chars().count() <= 6 { 1 } else { 2 };
    let d = levenshtein(want, cand);
    if d <= max {
        return Some(d);
    }
    let tail = cand.len().saturating_sub(want.len());
    if want.len() >= 4 && cand.starts_with(want) && tail <= 10 {
        return Some(max + 1);
    }
    if cand.len() >= 6 && want.len() > cand.len() && want.ends_with(cand) && want.len() <= 3 * cand.len() {
        return Some(max + 1);
    }
    None
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(cols: &[&str]) -> Vec<String> {
        cols.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn missing_and_renamed_columns_are_named_once() {
        // like_count renamed likes_count (1 edit), quote_count gone, impressions optional.
        let header = h(&["id", "public_metrics.likes_count", "author.public_metrics.like_count", "text"]);
        let wants = [
            Want::always(&["public_metrics.like_count"], None),
            Want::always(&["public_metrics.quote_count"], None),
            Want::maybe(&["public_metrics.impression_count"], None),
        ];
        let w = check("f.csv", 1, "twitter-csv", &header, &wants, &[0, 3]).unwrap().to_string();
        assert_eq!(
            w,
            "f.csv, line 1: columns 'public_metrics.like_count' (the file's 'public_metrics.likes_count' may be it, \
             renamed; it is not read), 'public_metrics.quote_count' of the twitter-csv format are missing: \
             their fields are null in every row"
        );
    }

    #[test]
    fn near_misses() {
        assert_eq!(near(&norm("Pageviews"), &norm("Page Views")), Some(0));
        assert_eq!(near(&norm("impressions"), &norm("Impression")), Some(1));
        assert!(near(&norm("impressions"), &norm("Impressions (organic)")).is_some());
        assert!(near(&norm("public_metrics.like_count"), &norm("like_count")).is_some());
        // Not renames: another metric that merely contains the name.
        assert_eq!(near(&norm("impressions"), &norm("promoted impressions")), None);
        assert_eq!(near(&norm("public_metrics.like_count"), &norm("author.public_metrics.like_count")), None);
        assert_eq!(near(&norm("Users"), &norm("New Users")), None);
        assert_eq!(near(&norm("Link Clicks"), &norm("Other Clicks")), None);
        // Page Insights: other figures that share a prefix or differ by a word.
        assert_eq!(near(&norm("Lifetime Post Video Views"), &norm("Lifetime Paid Video Views")), None);
        assert_eq!(
            near(&norm("Lifetime Post consumers by type - link clicks"), &norm("Lifetime Post Consumers")),
            None
        );
    }

    #[test]
    fn optional_columns_warn_only_for_a_near_miss() {
        let wants = [Want::maybe(&["campaign"], None), Want::maybe(&["post_id"], None)];
        assert_eq!(check("a.csv", 1, "actions-csv", &h(&["actor", "action", "occurred_at"]), &wants, &[0, 1, 2]), None);
        let w = check("a.csv", 1, "actions-csv", &h(&["actor", "Campaign ID", "occurred_at"]), &wants, &[0, 2])
            .unwrap()
            .to_string();
        assert!(
            w.contains("column 'campaign' (the file's 'Campaign ID' may be it") && w.contains(" is missing"),
            "{w}"
        );
        // A header cell that looks like a supporter's data is never offered as a rename.
        let w = check("a.csv", 1, "actions-csv", &h(&["actor", "campaign@example.org"]), &wants, &[0]);
        assert_eq!(w, None);
        // Found columns are no warning at all.
        assert_eq!(check("a.csv", 1, "x", &h(&["a"]), &[Want::always(&["a"], Some(0))], &[]), None);
    }
}
