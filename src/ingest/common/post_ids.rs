//! Post ids in one canonical form per platform, whatever export carried them
//! (`posts.post_id`), and the key that joins an action's `post_id` to its post.
//!
//! Readings to keep:
//! - Facebook canonical id = `<page id>_<post id>` when the file tells the page ([`facebook_post`]), else the bare id.
//! - Graph and Insights ids kept as is; a bare id in a page's connection, or with a numeric `Permalink`, gets the page.
//! - Meta Business Suite stores `<Page ID>_<Post ID>`; `actions-csv` turns post URLs into ids, else ids as given.
//! - Action Network carries no post (no `post_id`); `custom-csv` stores what the mapping gives.
//! - [`join_key`] compares Facebook ids by post part, so bare id, story id and `permalink.php` address all match.
//! - Post part = everything after the FIRST `_`; no `_` or nothing after it: the whole id.
//! - Not resolvable, left as given: `pfbid…` permalinks, `/videos/<id>`, `photo.php?fbid=`.
//! - Instagram: the Graph media id is canonical, stored and joined as exported (no page part).
//! - Instagram DYI (`dyi:<file name>`) and `/p/<shortcode>` addresses never join a media id.
//!
//! User docs: docs/lake.md#post-ids.

/// The canonical lake id of a Facebook post: `raw` (trimmed) as is when it already holds
/// a `_`; else `<page>_<raw>` when the page id is known, from the file's page column
/// (`page`) or from a numeric page in the post's address (`permalink`); else `raw`.
pub fn facebook_post(raw: &str, page: Option<&str>, permalink: Option<&str>) -> String {
    let raw = raw.trim();
    if raw.is_empty() || raw.contains('_') {
        return raw.to_string();
    }
    if let Some(p) = page.map(str::trim).filter(|p| is_numeric_id(p)) {
        return format!("{p}_{raw}");
    }
    // The address names the same post under its page: `<page>_<raw>`.
    match permalink.and_then(facebook_post_from_url) {
        Some(id) if id.split_once('_').is_some_and(|(_, post)| post == raw) => id,
        _ => raw.to_string(),
    }
}

pub use crate::model::join_key;

/// A Facebook post reference as a CRM or spreadsheet holds it: a post's address becomes
/// its id ([`facebook_post_from_url`]); anything else is kept, trimmed.
pub fn facebook_reference(cell: &str) -> String {
    let t = cell.trim();
    if t.to_ascii_lowercase().contains("facebook.com/") {
        if let Some(id) = facebook_post_from_url(t) {
            return id;
        }
    }
    t.to_string()
}

/// The post id in a Facebook post address, `<page>_<post>` when the address names the
/// page by its numeric id:
/// - `…/permalink.php?story_fbid=<post>&id=<page>` and `…/story.php?…` → `<page>_<post>`;
/// - `…/<owner>/posts/<post>` → `<owner>_<post>` when the owner is numeric (a page, a
///   group), else `<post>` (a vanity name is not the page id).
///
/// None for other addresses, non-Facebook hosts and `pfbid…` ids.
pub fn facebook_post_from_url(url: &str) -> Option<String> {
    let t = url.trim();
    let rest = match t.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") => rest,
        Some(_) => return None,
        None => t,
    };
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.to_ascii_lowercase();
    if !(host == "facebook.com" || host.ends_with(".facebook.com")) {
        return None;
    }
    let path = path.split('#').next().unwrap_or("");
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if let [file] = segs.as_slice() {
        if file.eq_ignore_ascii_case("permalink.php") || file.eq_ignore_ascii_case("story.php") {
            let param =
                |k: &str| query.split('&').find_map(|kv| kv.split_once('=').filter(|(n, _)| *n == k)).map(|x| x.1);
            let post = param("story_fbid").filter(|p| is_numeric_id(p))?;
            return Some(match param("id").filter(|p| is_numeric_id(p)) {
                Some(page) => format!("{page}_{post}"),
                None => post.to_string(),
            });
        }
    }
    let i = segs.iter().position(|s| s.eq_ignore_ascii_case("posts"))?;
    let post = segs.get(i + 1).filter(|p| is_numeric_id(p))?;
    Some(match i.checked_sub(1).map(|o| segs[o]).filter(|o| is_numeric_id(o)) {
        Some(owner) => format!("{owner}_{post}"),
        None => post.to_string(),
    })
}

/// A non-empty run of ASCII digits (Facebook page and post ids).
fn is_numeric_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "1605839243031680";
    const POST: &str = "1900000000000001";

    #[test]
    fn canonical_form_at_ingest() {
        let story = format!("{PAGE}_{POST}");
        // Already a story id: kept, whatever the page column says.
        assert_eq!(facebook_post(&story, Some("999"), None), story);
        // A bare id with its page column (Meta Business Suite).
        assert_eq!(facebook_post(&format!(" {POST} "), Some(PAGE), None), story);
        // A page column that is not a numeric id is not a page id.
        assert_eq!(facebook_post(POST, Some("CleanAirNow"), None), POST);
        // No page column: the page from a numeric address of the same post...
        let url = format!("https://www.facebook.com/{PAGE}/posts/{POST}");
        assert_eq!(facebook_post(POST, None, Some(&url)), story);
        // ... but not from an address of another post, nor from a vanity name.
        assert_eq!(facebook_post("42", None, Some(&url)), "42");
        assert_eq!(
            facebook_post(POST, None, Some(&format!("https://www.facebook.com/CleanAirNow/posts/{POST}"))),
            POST
        );
        assert_eq!(facebook_post("", Some(PAGE), None), "");
    }

    #[test]
    fn join_keys() {
        let story = format!("{PAGE}_{POST}");
        // Both Facebook forms meet on the post part.
        assert_eq!(join_key("facebook", &story), POST);
        assert_eq!(join_key("facebook", POST), POST);
        assert_eq!(join_key("facebook", "12_"), "12_"); // nothing after the `_`: itself

        // Other platforms' ids are their own key, `_` or not.
        assert_eq!(join_key("twitter", "1_2"), "1_2");
        assert_eq!(join_key("instagram", "17895695668004550"), "17895695668004550");
    }

    #[test]
    fn addresses() {
        let story = format!("{PAGE}_{POST}");
        for (url, want) in [
            (format!("https://www.facebook.com/permalink.php?story_fbid={POST}&id={PAGE}"), Some(story.clone())),
            (format!("https://m.facebook.com/story.php?id={PAGE}&story_fbid={POST}&ref=share"), Some(story.clone())),
            (format!("https://www.facebook.com/permalink.php?story_fbid={POST}"), Some(POST.to_string())),
            (format!("https://www.facebook.com/{PAGE}/posts/{POST}/?ref=x#c"), Some(story.clone())),
            (format!("facebook.com/CleanAirNow/posts/{POST}"), Some(POST.to_string())),
            (format!("https://www.facebook.com/groups/123/posts/{POST}"), Some(format!("123_{POST}"))),
            ("https://www.facebook.com/CleanAirNow/posts/pfbid02abcXYZ".to_string(), None),
            (format!("https://www.facebook.com/CleanAirNow/videos/{POST}"), None),
            (format!("https://www.facebook.com/photo.php?fbid={POST}"), None),
            (format!("https://notfacebook.com/{PAGE}/posts/{POST}"), None),
            (format!("ftp://facebook.com/{PAGE}/posts/{POST}"), None),
        ] {
            assert_eq!(facebook_post_from_url(&url), want, "{url}");
        }
        // A CRM cell: an address becomes its id, anything else is kept (trimmed).
        assert_eq!(facebook_reference(&format!(" https://www.facebook.com/{PAGE}/posts/{POST} ")), story);
        assert_eq!(facebook_reference(&format!(" {POST} ")), POST);
        let pfbid = "https://www.facebook.com/x/posts/pfbid02abc";
        assert_eq!(facebook_reference(pfbid), pfbid);
    }
}
