//! `instagram-dyi-json`: the Instagram "Download your information" JSON export of your own
//! posts: `posts_<n>.json` and `reels.json` (or the dump folder / zip); the oldest dumps'
//! `media.json` is read as a best effort. Layout is the documented one.
//!
//! Readings to keep:
//! - All engagement fields null: the export has no counts.
//! - `\u00XX`-escaped UTF-8 bytes repaired with `util::fix_mojibake`.
//! - `text` = post `title`, else the first medium's; hashtags, mentions, urls from it.
//! - `created_at` = post `creation_timestamp`, else the first medium's.
//! - `content_type`: several media album; a video extension or `media/reels/` video; else photo.
//! - `post_id` = `dyi:` + file stem of the first medium's `uri` (stable across re-exports; never the Graph id).
//! - `account_id` / `account_handle` null.
//! - No media, non-numeric timestamp, or non-object: reject (line of its object; file named in folder/zip).
//! - A file that is not a list of posts is a FileError saying what it holds.
//!
//! User docs: docs/formats.md#instagram-dyi-json.

use std::io::Read;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::ingest::common::json::{kind_of, raw_array, raw_object, JsonDoc};
use crate::ingest::common::util::urls_in;
use crate::ingest::common::util;
use crate::ingest::{Adapter, Ctx, FileError, Input, Out, Probe, Reject, Writes, MAX_RAW_REJECT};
use crate::model::{Micros, Post};

pub struct InstagramDyiJson;

pub static ADAPTER: InstagramDyiJson = InstagramDyiJson;

/// Entries of a dump that hold posts: `posts_<n>.json` anywhere, `content/reels.json`.
fn is_posts_entry(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    let numbered = base
        .strip_prefix("posts_")
        .and_then(|r| r.strip_suffix(".json"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    numbered || name.ends_with("content/reels.json")
}

impl Adapter for InstagramDyiJson {
    fn name(&self) -> &'static str {
        "instagram-dyi-json"
    }
    fn about(&self) -> &'static str {
        "Instagram \"Download your information\" posts (posts_1.json, or the dump folder/zip)"
    }
    fn writes(&self) -> Writes {
        Writes::Posts
    }
    fn detect(&self, probe: &Probe) -> u8 {
        if probe.is_dir || !probe.entries.is_empty() {
            let ig = probe.entries.iter().any(|e| e.contains("your_instagram_activity/") || e.starts_with("content/"));
            return if probe.entries.iter().any(|e| is_posts_entry(e)) && ig {
                90
            } else if probe.entries.iter().any(|e| is_posts_entry(e)) {
                60
            } else {
                0
            };
        }
        static MEDIA: once_cell::sync::Lazy<regex::Regex> =
            once_cell::sync::Lazy::new(|| regex::Regex::new(r#""media"\s*:\s*\["#).expect("static regex"));
        let h = probe.head.trim_start();
        if !(h.starts_with('[') || h.starts_with('{')) {
            return 0;
        }
        if MEDIA.is_match(h) && h.contains("\"creation_timestamp\"") && h.contains("\"uri\"") {
            90
        } else if h.contains("\"taken_at\"")
            && h.contains("\"path\"")
            && (h.contains("\"photos\"") || h.contains("\"videos\""))
        {
            60
        } else {
            0
        }
    }
    fn read(&self, input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
        if input.path.is_dir() {
            let mut entries = Vec::new();
            util::walk_rel(&input.path, &input.path, &mut entries, 6);
            entries.retain(|e| is_posts_entry(e) || e == "media.json");
            entries.sort();
            if entries.is_empty() {
                return Err(cx.err(
                    "no posts_<n>.json in this folder: expected an Instagram \"Download your information\" dump",
                ));
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
            // A dump zip holds the photos too: read the entries from the file, not all in memory.
            let mut z = zip::ZipArchive::new(input.open()?).map_err(|e| cx.err(format!("unreadable zip: {e}")))?;
            let mut names: Vec<String> =
                z.file_names().filter(|n| is_posts_entry(n) || *n == "media.json").map(str::to_string).collect();
            names.sort();
            if names.is_empty() {
                return Err(
                    cx.err("no posts_<n>.json in this zip: expected an Instagram \"Download your information\" dump")
                );
            }
            for n in names {
                let buf = crate::ingest::common::limits::read_zip_member(&mut z, &n, &cx.source_file)?;
                read_one(&buf, Some(&n), cx, out)?;
            }
            return Ok(());
        }
        let bytes = input.read_all()?;
        read_one(&bytes, None, cx, out)
    }
}

/// One JSON file of the dump; `inner` names it inside a folder or zip.
fn read_one(bytes: &[u8], inner: Option<&str>, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
    let at = |m: String| match inner {
        Some(n) => format!("{n}: {m}"),
        None => m,
    };
    let text = util::decode_text(bytes).map_err(|m| cx.err(at(m)))?;
    let doc = JsonDoc::new(&text);
    let root = serde_json::from_str::<&RawValue>(&text)
        .map_err(|e| cx.err_at(e.line() as u64, "(json)", at(format!("invalid JSON: {e}"))))?;
    let reject = |out: &mut dyn Out, raw: &RawValue, field: String, error: String| {
        out.reject(Reject {
            line: doc.line_of(raw),
            field,
            error: at(error),
            raw: Some(util::cut(raw.get(), MAX_RAW_REJECT)),
        })
    };
    if let Some(items) = raw_array(root) {
        for it in items {
            out.rows(1);
            match post(it, cx) {
                Ok(p) => out.post(p),
                Err((f, e)) => reject(out, it, f, e),
            }
        }
        return Ok(());
    }
    let Some(fields) = raw_object(root) else {
        return Err(cx.err_at(1, "(json)", at(format!("expected a list of posts, found {}", kind_of(root)))));
    };
    // The oldest dumps' media.json.
    if fields.contains_key("photos") || fields.contains_key("videos") {
        for (key, kind) in [("photos", "photo"), ("videos", "video")] {
            let Some(items) = fields.get(key).and_then(|v| raw_array(v)) else { continue };
            for it in items {
                out.rows(1);
                match old_media(it, kind, cx) {
                    Ok(p) => out.post(p),
                    Err((f, e)) => reject(out, it, format!("{key}.{f}"), e),
                }
            }
        }
        return Ok(());
    }
    // `{"ig_reels_media": [...]}` and the like: lists of posts under one key.
    let mut found = false;
    for (key, v) in &fields {
        let Some(items) = raw_array(v) else { continue };
        let posts = items.first().is_some_and(|i| i.get().contains("\"media\""));
        if !posts {
            continue;
        }
        found = true;
        for it in items {
            out.rows(1);
            match post(it, cx) {
                Ok(p) => out.post(p),
                Err((f, e)) => reject(out, it, format!("{key}.{f}"), e),
            }
        }
    }
    if !found {
        let keys: Vec<&str> = fields.keys().map(String::as_str).collect();
        return Err(cx.err_at(
            doc.line_of(root),
            "(json)",
            at(format!(
                "expected a list of posts ([{{\"media\": [...]}}]); found an object with keys: {}",
                keys.join(", ")
            )),
        ));
    }
    Ok(())
}

fn text_of(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(util::fix_mojibake).and_then(|s| util::non_empty(&s))
}

fn stem(uri: &str) -> Option<&str> {
    let base = uri.rsplit('/').next()?;
    let s = base.rsplit_once('.').map(|(a, _)| a).unwrap_or(base);
    (!s.is_empty()).then_some(s)
}

fn is_video_uri(uri: &str) -> bool {
    let u = uri.to_ascii_lowercase();
    [".mp4", ".mov", ".m4v", ".webm", ".avi"].iter().any(|e| u.ends_with(e)) || u.contains("media/reels/")
}

fn time_of(v: &Value, field: &str) -> Result<Option<Micros>, (String, String)> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(t) => util::parse_unix(t)
            .map(Some)
            .ok_or_else(|| (field.to_string(), format!("expected unix seconds {}, found {t}", util::TIME_WINDOW))),
    }
}

fn finish(post_id: String, text: Option<String>, created_at: Option<Micros>, content_type: &'static str) -> Post {
    let t = text.as_deref().unwrap_or("");
    Post {
        platform: "instagram".into(),
        post_id,
        origin: "owned",
        created_at,
        content_type,
        hashtags: util::hashtags(t),
        mentions: util::mentions(t),
        urls: urls_in(t),
        text,
        ..Default::default()
    }
}

fn post(raw: &RawValue, _cx: &Ctx) -> Result<Post, (String, String)> {
    let v: Value = serde_json::from_str(raw.get()).map_err(|e| ("(json)".to_string(), e.to_string()))?;
    let Some(o) = v.as_object() else {
        return Err(("(json)".into(), format!("expected a post object, found {}", kind_of(raw))));
    };
    let media: Vec<&Map<String, Value>> = o
        .get("media")
        .and_then(Value::as_array)
        .map(|m| m.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default();
    let Some(first) = media.first() else {
        return Err(("media".into(), "expected a list of media with at least one entry".into()));
    };
    let first_v = Value::Object((*first).clone());
    let created_at = match time_of(&v, "creation_timestamp")? {
        Some(t) => Some(t),
        None => time_of(&first_v, "creation_timestamp").map_err(|(f, e)| (format!("media[0].{f}"), e))?,
    };
    let uri = first.get("uri").and_then(Value::as_str).unwrap_or("");
    let post_id = match (stem(uri), created_at) {
        (Some(s), _) => format!("dyi:{s}"),
        (None, Some(t)) => format!("dyi:t{}", t.0 / 1_000_000),
        (None, None) => {
            return Err((
                "media[0].uri".into(),
                "expected a media uri or a creation_timestamp to identify the post".into(),
            ))
        }
    };
    let content_type = if media.len() > 1 {
        "album"
    } else if is_video_uri(uri) {
        "video"
    } else {
        "photo"
    };
    let text = text_of(o.get("title")).or_else(|| text_of(first.get("title")));
    Ok(finish(post_id, text, created_at, content_type))
}

fn old_media(raw: &RawValue, kind: &'static str, cx: &Ctx) -> Result<Post, (String, String)> {
    let v: Value = serde_json::from_str(raw.get()).map_err(|e| ("(json)".to_string(), e.to_string()))?;
    let path = v.get("path").and_then(Value::as_str).unwrap_or("");
    let Some(s) = stem(path) else {
        return Err(("path".into(), "expected the medium's path".into()));
    };
    let created_at = match v.get("taken_at") {
        None | Some(Value::Null) => None,
        Some(t) => {
            let s = t.as_str().unwrap_or("");
            let m = util::parse_iso(s).or_else(|| util::parse_local(s, "%Y-%m-%dT%H:%M:%S", cx.tz));
            Some(m.ok_or_else(|| {
                (
                    "taken_at".to_string(),
                    format!("expected a time like 2018-05-01T12:00:00 {}, found {t}", util::TIME_WINDOW),
                )
            })?)
        }
    };
    Ok(finish(format!("dyi:{s}"), text_of(v.get("caption")), created_at, kind))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Collected;

    const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/instagram-dyi-json/");

    fn run(path: &str) -> Result<Collected, FileError> {
        crate::ingest::testkit::collect_path(&ADAPTER, path)
    }
    fn probe(path: &str) -> u8 {
        crate::ingest::testkit::score(&ADAPTER, path)
    }

    #[test]
    fn posts_file() {
        let got = run(&format!("{FIX}posts_1.json")).unwrap();
        // 4 post objects: one photo with the mojibake caption, an album of 3, a video, one without media.
        assert_eq!(got.rows, 4);
        assert_eq!(got.posts.len(), 3);
        let p = &got.posts[0];
        assert_eq!(p.text.as_deref(), Some("Un Taxi 🇨🇴 en Bogotá #CleanAir"));
        assert_eq!(p.hashtags, ["cleanair"]);
        assert_eq!(p.post_id, "dyi:11202472_417504411766906_988056863_n_17842263256015623");
        assert_eq!(p.content_type, "photo");
        assert_eq!(p.created_at, Some(Micros(1_350_766_513_000_000))); // media[0].creation_timestamp
                                                                       // No counts at all: null, not 0.
        assert_eq!((p.reactions, p.comments, p.shares, p.impressions, p.reach), (None, None, None, None, None));
        assert_eq!((p.account_id.as_deref(), p.origin), (None, "owned"));
        let a = &got.posts[1];
        assert_eq!(a.content_type, "album"); // 3 media
        assert_eq!(a.text.as_deref(), Some("March day — three photos with @CityHall")); // the post's title
        assert_eq!(a.mentions, ["cityhall"]);
        assert_eq!(a.created_at, Some(Micros(1_696_150_800_000_000))); // the post's creation_timestamp
        assert_eq!(got.posts[2].content_type, "video"); // .mp4
        assert_eq!(got.posts[2].text, None); // empty title
                                             // The 4th object has "media": [] → rejected at the line its object starts.
        assert_eq!((got.rejects[0].line, got.rejects[0].field.as_str()), (64, "media"));
    }

    #[test]
    fn dump_folder_and_zip() {
        // The folder holds your_instagram_activity/content/posts_1.json (2 posts) and reels.json (1 reel).
        let dir = format!("{FIX}dump");
        assert_eq!(probe(&dir), 90);
        let got = run(&dir).unwrap();
        assert_eq!((got.rows, got.posts.len()), (3, 3));
        assert_eq!(got.posts[2].content_type, "video"); // the reel
                                                        // The same dump zipped gives the same posts.
        let tmp = tempfile::tempdir().unwrap();
        let zpath = tmp.path().join("instagram-cleanairnow-2026-10-05.zip");
        {
            let mut z = zip::ZipWriter::new(std::fs::File::create(&zpath).unwrap());
            for e in ["your_instagram_activity/content/posts_1.json", "your_instagram_activity/content/reels.json"] {
                z.start_file(e, zip::write::SimpleFileOptions::default()).unwrap();
                std::io::Write::write_all(&mut z, &std::fs::read(format!("{dir}/{e}")).unwrap()).unwrap();
            }
            z.finish().unwrap();
        }
        let zs = zpath.to_string_lossy().into_owned();
        assert_eq!(probe(&zs), 90);
        let gz = run(&zs).unwrap();
        let ids = |c: &Collected| c.posts.iter().map(|p| p.post_id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&gz), ids(&got));
    }

    #[test]
    fn bad_timestamp_and_wrong_file() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("posts_1.json");
        std::fs::write(&p, "[\n{\"media\": [{\"uri\": \"media/posts/1/a.jpg\", \"creation_timestamp\": \"soon\", \"title\": \"\"}]}\n]")
            .unwrap();
        let got = run(&p.to_string_lossy()).unwrap();
        assert_eq!((got.rows, got.posts.len()), (1, 0));
        assert_eq!((got.rejects[0].line, got.rejects[0].field.as_str()), (2, "media[0].creation_timestamp"));

        let q = tmp.path().join("x.json");
        std::fs::write(&q, "{\"profile_user\": [{\"string_map_data\": {}}]}").unwrap();
        let e = run(&q.to_string_lossy()).unwrap_err();
        assert!(e.msg.contains("keys: profile_user"), "{}", e.msg);
    }

    #[test]
    fn detection() {
        assert_eq!(probe(&format!("{FIX}posts_1.json")), 90);
        let s = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real/");
        for other in [
            "instagram-graph-json/instagram-media-carousel.json",
            "instagram-graph-json/instagram-media-image.json",
            "facebook-graph-json/v2_3-post-attachments.json",
            "twitter-v2-jsonl/media_tweet.jsonl",
            "twitter-v1-json/get_status.json",
        ] {
            assert_eq!(probe(&format!("{s}{other}")), 0, "{other}");
        }
        assert_eq!(probe(&format!("{s}instagram-graph-json")), 0); // a folder of Graph responses
    }
}
