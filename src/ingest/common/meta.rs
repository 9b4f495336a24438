//! Helpers shared by the Meta adapters: CSV column lookups of Facebook Insights and Meta
//! Business Suite exports, page handles from permalinks, and the markers that tell an
//! Instagram Graph object from a Facebook one.

use super::util;
use crate::ingest::{Ctx, FileError};

/// The index of the FIRST column named `name` (trimmed, case-insensitive).
pub(crate) fn find_col(headers: &[String], name: &str) -> Option<usize> {
    headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name))
}

/// The FileError for a missing column, listing the file's columns.
pub(crate) fn missing_column(cx: &Ctx, line: u64, name: &str, headers: &[String]) -> FileError {
    let cols: Vec<&str> = headers.iter().map(|h| h.trim()).filter(|h| !h.is_empty()).collect();
    cx.err_at(line, name, format!("missing column '{name}'; {}", crate::privacy::plain_header(&cols)))
}

/// A cell by optional column index; a short row gives "".
pub(crate) fn cell(cells: &[String], idx: Option<usize>) -> &str {
    idx.and_then(|i| cells.get(i)).map(String::as_str).unwrap_or("")
}

/// A count cell: blank is null, a non-number an error naming the column.
pub(crate) fn count_cell(
    cells: &[String],
    idx: Option<usize>,
    headers: &[String],
) -> Result<Option<i64>, (String, String)> {
    let Some(i) = idx else { return Ok(None) };
    util::parse_count(cell(cells, Some(i))).map_err(|e| (headers[i].trim().to_string(), e))
}

/// `https://www.facebook.com/<name>/posts/…` → `name`, lower-cased; None for numeric ids
/// and for paths that are not a page's (`permalink.php`, `photo.php`, `reel`, …).
pub(crate) fn fb_handle_from_permalink(url: &str) -> Option<String> {
    let rest = url.trim().split("://").nth(1)?;
    let mut parts = rest.split('/');
    let host = parts.next()?.to_ascii_lowercase();
    if !(host == "facebook.com" || host.ends_with(".facebook.com")) {
        return None;
    }
    let first = parts.next()?.split(['?', '#']).next()?;
    let reserved = [
        "permalink.php",
        "photo.php",
        "photo",
        "photos",
        "video.php",
        "watch",
        "reel",
        "story.php",
        "groups",
        "events",
        "media",
        "profile.php",
        "pages",
        "share",
        "l.php",
        "notes",
        "",
    ];
    if reserved.contains(&first.to_ascii_lowercase().as_str()) || first.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(util::handle(first))
}

/// Keys and values that only Instagram Graph objects have (used by facebook-graph-json to
/// stay out of the way).
pub(crate) fn instagram_markers(h: &str) -> bool {
    static RE: once_cell::sync::Lazy<regex::Regex> = once_cell::sync::Lazy::new(|| {
        regex::Regex::new(
            r#""media_type"\s*:\s*"(IMAGE|VIDEO|CAROUSEL_ALBUM|REELS)"|"object"\s*:\s*"instagram"|"follows_count"\s*:|"ig_id"\s*:|"media_product_type"\s*:"#,
        )
        .expect("static regex")
    });
    RE.is_match(h)
}
