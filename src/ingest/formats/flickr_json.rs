//! `flickr-json`: Flickr photos of the organisation's own account: `photos.search` /
//! `people.getPhotos` / `photosets.getPhotos` pages, `photos.getInfo`, or the account data
//! export's `photo_<id>.json` (a file, folder or zip). Layouts follow the API docs.
//!
//! Readings to keep:
//! - views/`count_views` → impressions, `count_faves` → reactions (getInfo: null), comments → comments.
//! - `created_at` = upload time (`dateupload`, `dateuploaded`, `dates.posted`, export `date_imported` in `cx.tz`).
//! - `date_taken` (camera clock) is not used.
//! - `content_type`: `media` video, or an `original` video file, → video; else photo.
//! - `text` = title + blank line + description, HTML entities decoded (no `#39` hashtags).
//! - Hashtags only from text (Flickr tags are keywords); urls = http(s) links in text.
//! - `account_id` = NSID; handle = URL alias, else screen name, lower-cased; `realname` never read.
//! - `permalink` = photopage URL where exported; every photo is `owned`.
//! - No `id`, fractional count or bad time rejects the photo (line of its object; file named in folder/zip).
//! - `"stat": "fail"` and other shapes are a FileError naming what the file holds.
//!
//! User docs: docs/formats.md#flickr-json.

use std::io::Read;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::ingest::common::json::{id_text, kind_of, raw_array, raw_object, JsonDoc};
use crate::ingest::common::util::urls_in;
use crate::ingest::common::util;
use crate::ingest::{Adapter, Ctx, FileError, Input, Out, Probe, Reject, Writes, MAX_RAW_REJECT};
use crate::model::{Micros, Post};

pub struct FlickrJson;

pub static ADAPTER: FlickrJson = FlickrJson;

fn is_export_entry(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    base.strip_prefix("photo_")
        .and_then(|r| r.strip_suffix(".json"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

impl Adapter for FlickrJson {
    fn name(&self) -> &'static str {
        "flickr-json"
    }
    fn about(&self) -> &'static str {
        "Flickr API photos.search/people.getPhotos/getInfo responses, or the account export's photo_<id>.json"
    }
    fn writes(&self) -> Writes {
        Writes::Posts
    }
    fn detect(&self, probe: &Probe) -> u8 {
        if probe.is_dir || !probe.entries.is_empty() {
            return if probe.entries.iter().any(|e| is_export_entry(e)) { 85 } else { 0 };
        }
        static STAT: once_cell::sync::Lazy<regex::Regex> =
            once_cell::sync::Lazy::new(|| regex::Regex::new(r#""stat"\s*:\s*"(ok|fail)""#).expect("static regex"));
        let h = probe.head.trim_start();
        if !(h.starts_with('{') || h.starts_with('[')) {
            return 0;
        }
        let api = STAT.is_match(h);
        if api && (h.contains("\"photos\"") || h.contains("\"photoset\"") || h.contains("\"photo\"")) {
            95
        } else if h.contains("\"count_views\"") && (h.contains("\"date_imported\"") || h.contains("\"photopage\"")) {
            90
        } else if h.contains("\"dateupload\"") || h.contains("\"dateuploaded\"") {
            80
        } else {
            0
        }
    }
    fn read(&self, input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
        if input.path.is_dir() {
            let mut entries = Vec::new();
            util::walk_rel(&input.path, &input.path, &mut entries, 4);
            entries.retain(|e| is_export_entry(e));
            entries.sort();
            if entries.is_empty() {
                return Err(cx.err("no photo_<id>.json in this folder: expected a Flickr account data export"));
            }
            for e in entries {
                let bytes =
                    std::fs::read(input.path.join(&e)).map_err(|err| cx.err(format!("{e}: cannot read: {err}")))?;
                read_one(&bytes, Some(&e), cx, out)?;
            }
            return Ok(());
        }
        let mut head = [0u8; 4];
        let n = input.open()?.read(&mut head).map_err(|e| FileError::io(&input.display, &e))?;
        if head[..n].starts_with(b"PK\x03\x04") {
            let mut z = zip::ZipArchive::new(input.open()?).map_err(|e| cx.err(format!("unreadable zip: {e}")))?;
            let mut names: Vec<String> = z.file_names().filter(|n| is_export_entry(n)).map(str::to_string).collect();
            names.sort();
            if names.is_empty() {
                return Err(cx.err("no photo_<id>.json in this zip: expected a Flickr account data export"));
            }
            for n in names {
                let buf = crate::ingest::common::limits::read_zip_member(&mut z, &n, &cx.source_file)?;
                read_one(&buf, Some(&n), cx, out)?;
            }
            return Ok(());
        }
        read_one(&input.read_all()?, None, cx, out)
    }
}

fn read_one(bytes: &[u8], inner: Option<&str>, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
    let at = |m: String| match inner {
        Some(n) => format!("{n}: {m}"),
        None => m,
    };
    let text = util::decode_text(bytes).map_err(|m| cx.err(at(m)))?;
    let doc = JsonDoc::new(&text);
    let root = serde_json::from_str::<&RawValue>(&text)
        .map_err(|e| cx.err_at(e.line() as u64, "(json)", at(format!("invalid JSON: {e}"))))?;
    let one = |raw: &RawValue, list_owner: Option<&Map<String, Value>>, out: &mut dyn Out| {
        out.rows(1);
        match photo(raw, list_owner, cx) {
            Ok(p) => out.post(p),
            Err((field, error)) => out.reject(Reject {
                line: doc.line_of(raw),
                field,
                error: at(error),
                raw: Some(util::cut(raw.get(), MAX_RAW_REJECT)),
            }),
        }
    };
    if let Some(items) = raw_array(root) {
        for it in items {
            one(it, None, out);
        }
        return Ok(());
    }
    let Some(fields) = raw_object(root) else {
        return Err(cx.err_at(1, "(json)", at(format!("expected a Flickr response object, found {}", kind_of(root)))));
    };
    let top: Map<String, Value> = serde_json::from_str(root.get()).unwrap_or_default();
    if top.get("stat").and_then(Value::as_str) == Some("fail") {
        let code = top.get("code").map(Value::to_string).unwrap_or_default();
        let msg = top.get("message").and_then(Value::as_str).unwrap_or("");
        return Err(cx.err(at(format!("a Flickr API error response (code {code}): {msg}"))));
    }
    for key in ["photos", "photoset"] {
        let Some(list) = fields.get(key) else { continue };
        let list_fields = raw_object(list).unwrap_or_default();
        let Some(items) = list_fields.get("photo").and_then(|p| raw_array(p)) else {
            let keys: Vec<&str> = list_fields.keys().map(String::as_str).collect();
            return Err(cx.err_at(
                doc.line_of(list),
                format!("{key}.photo"),
                at(format!("missing the list '{key}.photo'; '{key}' has the keys: {}", keys.join(", "))),
            ));
        };
        // A photoset names its owner once for all its photos.
        let owner: Option<Map<String, Value>> =
            (key == "photoset").then(|| serde_json::from_str(list.get()).ok()).flatten();
        for it in items {
            one(it, owner.as_ref(), out);
        }
        return Ok(());
    }
    if let Some(p) = fields.get("photo").filter(|p| p.get().starts_with('{')) {
        one(p, None, out);
        return Ok(());
    }
    if top.contains_key("id") && (top.contains_key("count_views") || top.contains_key("date_imported")) {
        one(root, None, out);
        return Ok(());
    }
    let keys: Vec<&str> = top.keys().map(String::as_str).collect();
    Err(cx.err_at(
        doc.line_of(root),
        "(json)",
        at(format!(
            "expected a Flickr photos list ('photos.photo'), a getInfo 'photo' or an export photo_<id>.json; \
             found an object with keys: {}",
            keys.join(", ")
        )),
    ))
}

/// A string field, or the `_content` of an object field.
fn content(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("_content").and_then(Value::as_str).map(str::to_string),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Decodes the HTML entities of Flickr titles and descriptions.
fn unescape_html(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[..rest.len().min(12)].find(';');
        let decoded = end.and_then(|e| {
            let ent = &rest[1..e];
            let c = match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => ent
                    .strip_prefix("#x")
                    .or_else(|| ent.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// NSID (`98765432@N05`) or URL alias from `https://www.flickr.com/photos/<who>/<id>/`.
fn photopage_owner(url: &str) -> Option<String> {
    let rest = url.split("/photos/").nth(1)?;
    let who = rest.split('/').next()?;
    (!who.is_empty()).then(|| who.to_string())
}

fn is_nsid(s: &str) -> bool {
    s.split_once('@').is_some_and(|(a, b)| {
        !a.is_empty()
            && a.bytes().all(|c| c.is_ascii_digit())
            && b.starts_with('N')
            && b[1..].bytes().all(|c| c.is_ascii_digit())
    })
}

fn photo(raw: &RawValue, list_owner: Option<&Map<String, Value>>, cx: &Ctx) -> Result<Post, (String, String)> {
    let v: Value = serde_json::from_str(raw.get()).map_err(|e| ("(json)".to_string(), e.to_string()))?;
    let Some(o) = v.as_object() else {
        return Err(("(json)".into(), format!("expected a photo object, found {}", kind_of(raw))));
    };
    let id = o.get("id").and_then(id_text).ok_or_else(|| ("id".to_string(), "expected a photo id".to_string()))?;
    let count = |k: &str| util::json_count(o.get(k)).map_err(|e| (k.to_string(), e));

    // Upload time, by layout.
    let unix = |k: &str, v: Option<&Value>| -> Result<Option<Micros>, (String, String)> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(t) => util::parse_unix(t)
                .map(Some)
                .ok_or_else(|| (k.to_string(), format!("expected unix seconds {}, found {t}", util::TIME_WINDOW))),
        }
    };
    let created_at = if o.contains_key("dateupload") {
        unix("dateupload", o.get("dateupload"))?
    } else if o.contains_key("dateuploaded") {
        unix("dateuploaded", o.get("dateuploaded"))?
    } else if let Some(p) = o.get("dates").and_then(|d| d.get("posted")) {
        unix("dates.posted", Some(p))?
    } else {
        match o.get("date_imported").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(util::parse_local(s, "%Y-%m-%d %H:%M:%S", cx.tz).ok_or_else(|| {
                (
                    "date_imported".to_string(),
                    format!("expected a time like 2022-07-15 13:56:08 {}, found '{s}'", util::TIME_WINDOW),
                )
            })?),
        }
    };

    // Counts: views → impressions, faves → reactions, comments.
    let impressions = if o.contains_key("views") { count("views")? } else { count("count_views")? };
    let reactions = count("count_faves")?;
    let comments = if o.contains_key("count_comments") {
        count("count_comments")?
    } else {
        match o.get("comments") {
            Some(Value::Object(c)) => {
                util::json_count(c.get("_content")).map_err(|e| ("comments._content".to_string(), e))?
            }
            _ => None,
        }
    };

    // Owner.
    let owner_obj = o.get("owner").and_then(Value::as_object);
    let photopage = o.get("photopage").and_then(Value::as_str).map(str::to_string).or_else(|| {
        o.get("urls")
            .and_then(|u| u.get("url"))
            .and_then(Value::as_array)
            .and_then(|l| l.iter().find(|x| x.get("type").and_then(Value::as_str) == Some("photopage")))
            .and_then(|x| x.get("_content"))
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    let page_who = photopage.as_deref().and_then(photopage_owner);
    let s = |m: Option<&Map<String, Value>>, k: &str| {
        m.and_then(|m| m.get(k)).and_then(Value::as_str).and_then(util::non_empty)
    };
    let nsid = match o.get("owner") {
        Some(Value::String(x)) => util::non_empty(x),
        _ => s(owner_obj, "nsid"),
    }
    .or_else(|| s(list_owner, "owner"))
    .or_else(|| page_who.clone().filter(|w| is_nsid(w)));
    let alias = s(Some(o), "pathalias")
        .or_else(|| s(Some(o), "path_alias"))
        .or_else(|| s(owner_obj, "path_alias"))
        .or_else(|| page_who.filter(|w| !is_nsid(w)));
    let screen = s(Some(o), "ownername").or_else(|| s(owner_obj, "username")).or_else(|| s(list_owner, "ownername"));

    // Text: title + description, entities decoded.
    let title = content(o.get("title")).or_else(|| content(o.get("name"))).map(|t| unescape_html(&t));
    let description = content(o.get("description")).map(|t| unescape_html(&t));
    let parts: Vec<String> = [title, description].into_iter().flatten().filter_map(|t| util::non_empty(&t)).collect();
    let text = (!parts.is_empty()).then(|| parts.join("\n\n"));
    let t = text.as_deref().unwrap_or("");

    let media = o.get("media").and_then(Value::as_str).map(str::to_ascii_lowercase);
    let video = match media.as_deref() {
        Some(m) => m == "video",
        None => o.get("original").and_then(Value::as_str).is_some_and(|u| {
            let u = u.to_ascii_lowercase();
            [".mp4", ".mov", ".m4v", ".avi", ".webm", ".3gp"].iter().any(|e| u.ends_with(e))
        }),
    };
    Ok(Post {
        platform: "flickr".into(),
        post_id: id,
        origin: "owned",
        account_id: nsid,
        account_handle: alias.or(screen).map(|h| util::handle(&h)),
        created_at,
        content_type: if video { "video" } else { "photo" },
        hashtags: util::hashtags(t),
        urls: urls_in(t),
        text,
        impressions,
        reactions,
        comments,
        permalink: photopage,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Collected;

    const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/flickr-json/");

    fn run(path: &str) -> Result<Collected, FileError> {
        crate::ingest::testkit::collect_path(&ADAPTER, path)
    }
    fn probe(path: &str) -> u8 {
        crate::ingest::testkit::score(&ADAPTER, path)
    }

    #[test]
    fn search_with_extras() {
        let got = run(&format!("{FIX}search.json")).unwrap();
        assert_eq!((got.rows, got.posts.len()), (3, 3));
        assert!(got.rejects.is_empty());
        let p = &got.posts[0];
        assert_eq!((p.platform.as_str(), p.post_id.as_str(), p.origin), ("flickr", "53214567801", "owned"));
        assert_eq!(p.account_id.as_deref(), Some("98765432@N05")); // owner
        assert_eq!(p.account_handle.as_deref(), Some("cleanairnow")); // pathalias, not ownername
        assert_eq!(p.created_at, Some(Micros(1_696_150_800_000_000))); // dateupload "1696150800"
                                                                       // views "1520" → impressions, count_faves "42" → reactions, count_comments "5".
        assert_eq!((p.impressions, p.reactions, p.comments), (Some(1520), Some(42), Some(5)));
        assert_eq!((p.shares, p.reach, p.saves), (None, None, None));
        // Title + description, entities decoded: "&amp;" → "&", "&#39;" → "'" (not a #39 tag).
        assert!(p.text.as_deref().unwrap().starts_with("Rally at City Hall #CleanAir\n\nThousands marched & sang."));
        assert!(p.text.as_deref().unwrap().ends_with("#Rally2026 'together'"));
        // Hashtags from the text only; the tags "cleanair rally2026 cityhall" are not hashtags.
        assert_eq!(p.hashtags, ["cleanair", "rally2026"]);
        assert_eq!(p.urls, ["https://example.org/rally"]);
        assert_eq!(p.permalink, None); // search results carry no page URL
        assert_eq!(got.posts[1].content_type, "video"); // media "video"
        assert_eq!(got.posts[1].text.as_deref(), Some("March video")); // empty description dropped
        assert_eq!(got.posts[2].hashtags, ["cleanair"]); // untitled: description only
        assert_eq!(got.posts[2].impressions, Some(0));
        // Σ views = 1520 + 310 + 0 = 1830.
        assert_eq!(got.posts.iter().filter_map(|p| p.impressions).sum::<i64>(), 1830);
    }

    #[test]
    fn getinfo_and_export_agree() {
        let info = run(&format!("{FIX}getinfo.json")).unwrap();
        let export = run(&format!("{FIX}photo_52217925276.json")).unwrap();
        assert_eq!((info.rows, export.rows), (1, 1));
        let (a, b) = (&info.posts[0], &export.posts[0]);
        assert_eq!((a.post_id.as_str(), b.post_id.as_str()), ("52217925276", "52217925276"));
        // dateuploaded 1657893368 = 2022-07-15 13:56:08 UTC = the export's date_imported read in UTC.
        assert_eq!(
            (a.created_at, b.created_at),
            (Some(Micros(1_657_893_368_000_000)), Some(Micros(1_657_893_368_000_000)))
        );
        assert_eq!((a.impressions, b.impressions), (Some(2301), Some(2301))); // views / count_views
        assert_eq!((a.comments, b.comments), (Some(7), Some(7))); // comments._content / count_comments
        assert_eq!((a.reactions, b.reactions), (None, Some(18))); // getInfo has no faves count
        assert_eq!(a.text.as_deref(), Some("Rally in the rain\n\nThousands marched & sang #CleanAir"));
        assert_eq!(a.text, b.text);
        assert_eq!(
            (a.hashtags.clone(), b.hashtags.clone()),
            (vec!["cleanair".to_string()], vec!["cleanair".to_string()])
        );
        assert_eq!(a.permalink.as_deref(), Some("https://www.flickr.com/photos/cleanairnow/52217925276/"));
        assert_eq!(a.permalink, b.permalink);
        assert_eq!((a.account_id.as_deref(), a.account_handle.as_deref()), (Some("98765432@N05"), Some("cleanairnow")));
        // The export has no NSID; its photopage gives the alias.
        assert_eq!((b.account_id.as_deref(), b.account_handle.as_deref()), (None, Some("cleanairnow")));
    }

    #[test]
    fn export_folder() {
        let dir = format!("{FIX}export");
        assert_eq!(probe(&dir), 85);
        let got = run(&dir).unwrap();
        // photo_52217925276.json and photo_53214567802.json; albums.json is not a photo.
        assert_eq!((got.rows, got.posts.len()), (2, 2));
        assert_eq!(got.posts[1].content_type, "video"); // original …/orig.mp4
        assert_eq!(got.posts[1].impressions, Some(310));
    }

    #[test]
    fn bad_input() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("s.json");
        std::fs::write(
            &p,
            "{\"photos\": {\"page\": 1, \"photo\": [\n{\"id\": \"1\", \"views\": \"12\"},\n{\"id\": \"2\", \"views\": \"12k\"},\n{\"views\": \"3\"}\n]}, \"stat\": \"ok\"}",
        )
        .unwrap();
        let got = run(&p.to_string_lossy()).unwrap();
        assert_eq!((got.rows, got.posts.len()), (3, 1));
        assert_eq!((got.rejects[0].line, got.rejects[0].field.as_str()), (3, "views"));
        assert!(got.rejects[0].error.contains("'12k'"));
        assert_eq!((got.rejects[1].line, got.rejects[1].field.as_str()), (4, "id"));

        std::fs::write(&p, "{\"photos\": {\"page\": 1, \"pages\": 0}, \"stat\": \"ok\"}").unwrap();
        let e = run(&p.to_string_lossy()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("photos.photo"));
        assert!(e.msg.contains("has the keys: page, pages"), "{}", e.msg);

        std::fs::write(
            &p,
            "{\"stat\": \"fail\", \"code\": 100, \"message\": \"Invalid API Key (Key has invalid format)\"}",
        )
        .unwrap();
        let e = run(&p.to_string_lossy()).unwrap_err();
        assert!(e.msg.contains("code 100") && e.msg.contains("Invalid API Key"), "{}", e.msg);
    }

    #[test]
    fn entities() {
        assert_eq!(unescape_html("a &amp; b &#39;c&#39; &#x41; &bogus; & end"), "a & b 'c' A &bogus; & end");
    }

    #[test]
    fn detection() {
        assert_eq!(probe(&format!("{FIX}search.json")), 95);
        assert_eq!(probe(&format!("{FIX}getinfo.json")), 95);
        assert_eq!(probe(&format!("{FIX}photo_52217925276.json")), 90);
        let s = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real/");
        for other in [
            "facebook-graph-json/v2_1-feed-got.json",
            "facebook-graph-json/v16_0-photo-with-insight.json",
            "instagram-graph-json/instagram-media-image.json",
            "twitter-v1-json/get_status.json",
            "twitter-v1-json/get_user_timeline.json",
            "twitter-v2-jsonl/media_tweet.jsonl",
            "facebook-graph-json",
        ] {
            assert_eq!(probe(&format!("{s}{other}")), 0, "{other}");
        }
    }
}
