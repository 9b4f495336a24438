//! Post ids in one canonical form per platform, whatever export carried them (docs/lake.md#post-ids,
//! `posts.post_id`), and the key that joins an action's `post_id` to its post.
//!
//! # Facebook
//! A Facebook post has two ids that name it: the post's own object id (`1900000000000001`,
//! what a page admin sees in a post's URL and what CRMs and spreadsheets copy) and the
//! Graph API's story id `<page id>_<post id>` (`1605839243031680_1900000000000001`). The
//! post id alone is unique (Facebook object ids are global), the page part only says whose
//! post it is. What each export carries:
//!
//! | format | carries | stored as |
//! |---|---|---|
//! | `facebook-graph-json` | `id` = `<page>_<post>` (a page's `posts` / `feed`) | as is; an id without `_` inside a page's connection gets that page |
//! | `facebook-insights-csv` (CSV, XLSX) | `Post ID` = `<page>_<post>` (the real export) | as is; a bare id gets the page of a numeric `Permalink` when it has one |
//! | `meta-business-suite-csv` | `Post ID` = the bare post id, `Page ID` beside it | `<Page ID>_<Post ID>` |
//! | `actions-csv` (`platform` facebook) | `post_id` as the CRM typed it: bare, `<page>_<post>`, or a post URL | a URL becomes its id (below); ids as given |
//! | `action-network-csv` / `-json` | no post at all: `referrer_data.website` is a host or a form's address, never a post | no `post_id` |
//! | `custom-csv` | whatever the mapped column holds | as mapped |
//!
//! The lake's canonical post id is therefore `<page id>_<post id>` whenever the file tells
//! the page ([`facebook_post`]), else the bare id as exported. The join (an action
//! answering a post, [`join_key`]) compares Facebook ids by their post part only, so an
//! action naming `1900000000000001`, `1605839243031680_1900000000000001` or the post's
//! `permalink.php?story_fbid=…&id=…` address answers the same post, and so does an action
//! naming the story id of a post that an export without a page stored bare.
//!
//! Reading taken: the post part is everything after the FIRST `_` (a page id holds no
//! `_`); an id with no `_`, or with nothing after it, is its own post part.
//!
//! Not resolvable, left as given (the action then answers no post): `pfbid…` permalinks
//! (an encoded id, not the post id), `/videos/<id>` and `photo.php?fbid=` addresses (a
//! video's or photo's object id differs from the post that carries it).
//!
//! # Instagram
//! The Graph API's media id (`17895695668004550`) is the canonical id. Meta Business Suite's
//! Instagram `Post ID` is that same media id, and `instagram-graph-json` writes it as is;
//! neither has a page part, so ids are stored and joined as exported. The "Download your
//! information" export has no id at all (`dyi:<file name>`, see `instagram_dyi_json`), and
//! a post's `instagram.com/p/<shortcode>` address is not the media id: neither joins an
//! action that names a media id.

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
