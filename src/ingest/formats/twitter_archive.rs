//! `twitter-archive`: the account's own "Download your archive" export (folder, zip, or a
//! lone `tweets.js`/`tweet.js`), read as owned posts plus a follower snapshot.
//!
//! Readings to keep:
//! - Parts listed by `data/manifest.js`; without it `tweets.js`/`tweet.js` and `-partN.js` in part order.
//! - Tweets with or without the `{"tweet": ...}` wrapper; a single top folder prefix is found and kept.
//! - Author from `data/account.js`, else the manifest's `userInfo`.
//! - `id_str` only; text, entities and content type as `twitter-v1-json` (shared code).
//! - favorite → reactions, retweet → shares; impressions, replies, quotes null.
//! - `RT @user:` text → `is_repost`, `reposted_post_id` null, all engagement null.
//! - `quoted_post_id` from `quoted_status_id_str`, else a tweet-permalink URL entity.
//! - Edits grouped by initial id; only the largest-id version kept, with its own id; others one warning.
//! - `follower.js` count → an [`AccountSnap`] on the generation day; posts' `followers` null.
//! - Not read: note-tweets, deleted tweets, community/circle tweets, likes, DMs, `account.js` e-mail.
//! - Rejects carry the line inside the part file and its name; a malformed part is a [`FileError`].
//!
//! User docs: docs/formats.md#twitter-archive, docs/lake.md#posts.

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::ingest::common::twitter::{self as v1, FieldError, LineCounter};
use crate::ingest::common::util;
use crate::ingest::{Adapter, Ctx, FileError, Input, Out, Probe, Reject, Writes, MAX_RAW_REJECT};
use crate::model::{AccountSnap, Post};

pub struct TwitterArchive;

pub static ADAPTER: TwitterArchive = TwitterArchive;

fn tweets_file_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^data/(tweets?)(?:-part(\d+))?\.js$").expect("static regex"))
}

fn follower_file_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^data/(follower)(?:-part(\d+))?\.js$").expect("static regex"))
}

impl Adapter for TwitterArchive {
    fn name(&self) -> &'static str {
        "twitter-archive"
    }
    fn about(&self) -> &'static str {
        "Twitter/X \"Download your archive\" (folder or zip): data/tweets.js and its parts, account, followers"
    }
    fn writes(&self) -> Writes {
        Writes::Posts
    }
    fn detect(&self, probe: &Probe) -> u8 {
        if !probe.entries.is_empty() {
            let has = |suffix: &str| probe.entries.iter().any(|e| e == suffix || e.ends_with(&format!("/{suffix}")));
            return if has("data/tweets.js") || has("data/tweet.js") {
                95
            } else if has("data/manifest.js") && has("data/account.js") {
                80
            } else {
                0
            };
        }
        if probe.is_dir {
            return 0;
        }
        let h = probe.head.trim_start();
        if h.starts_with("window.YTD.tweets.part") || h.starts_with("window.YTD.tweet.part") {
            90
        } else {
            0
        }
    }
    fn read(&self, input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
        let mut ar = Archive::open(input)?;
        let manifest = match ar.find("data/manifest.js") {
            Some(_) => {
                let (label, text) = ar.read("data/manifest.js")?;
                Some(parse_js::<Value>(&text, &label)?.0)
            }
            None => None,
        };
        let owner = owner(&mut ar, manifest.as_ref(), cx, out)?;

        // The tweet files, in part order.
        let files = data_files(&ar, manifest.as_ref(), &["tweets", "tweet"], tweets_file_re());
        if files.is_empty() {
            let mut seen: Vec<&str> = ar.names.iter().map(String::as_str).take(12).collect();
            if ar.names.len() > 12 {
                seen.push("...");
            }
            return Err(FileError::new(
                &input.display,
                format!(
                    "no data/tweets.js or data/tweet.js in this archive (expected a Twitter \"Download your archive\" folder or zip); its entries are: {}",
                    seen.join(", ")
                ),
            ));
        }
        let mut got: Vec<(Post, String)> = Vec::new();
        for (rel, count) in &files {
            let (label, text) = ar.read(rel)?;
            let (items, _) = parse_js::<Vec<&RawValue>>(&text, &label)?;
            if let Some(n) = count {
                if *n != items.len() as u64 {
                    out.warn(format!("{label}: the manifest announces {n} tweets, the file holds {}", items.len()));
                }
            }
            let mut lines = LineCounter::new(&text);
            for raw in items {
                out.rows(1);
                let line = lines.line_of(raw.get());
                let res = serde_json::from_str::<Value>(raw.get())
                    .map_err(|e| ("(json)".to_string(), format!("invalid JSON: {e}")))
                    .and_then(|v| tweet(v.get("tweet").unwrap_or(&v), &owner));
                match res {
                    Ok(pk) => got.push(pk),
                    Err((field, error)) => out.reject(Reject {
                        line,
                        field,
                        error: format!("{}: {error}", ar.rel_label(rel)),
                        raw: Some(util::cut(raw.get(), MAX_RAW_REJECT)),
                    }),
                }
            }
        }

        // Keep the newest version of each edited tweet.
        let mut best: HashMap<&str, usize> = HashMap::new();
        for (i, (p, key)) in got.iter().enumerate() {
            let e = best.entry(key.as_str()).or_insert(i);
            if id_order(&p.post_id) > id_order(&got[*e].0.post_id) {
                *e = i;
            }
        }
        let keep: std::collections::HashSet<usize> = best.into_values().collect();
        let dropped = got.len() - keep.len();
        for (i, (p, _)) in got.into_iter().enumerate() {
            if keep.contains(&i) {
                out.post(p);
            }
        }
        if dropped > 0 {
            out.warn(format!(
                "{}: {dropped} earlier version(s) of edited tweets left out (the last edit of each tweet is kept)",
                input.display
            ));
        }

        followers(&mut ar, manifest.as_ref(), &owner, out);
        Ok(())
    }
}

/// Sort key of a numeric id: longer is larger, then by digits.
fn id_order(id: &str) -> (usize, &str) {
    let t = id.trim_start_matches('0');
    (t.len(), t)
}

/// The archive's owner, the author of every tweet.
#[derive(Default)]
struct Owner {
    id: Option<String>,
    handle: Option<String>,
}

fn owner(ar: &mut Archive, manifest: Option<&Value>, cx: &Ctx, out: &mut dyn Out) -> Result<Owner, FileError> {
    let mut o = Owner::default();
    if ar.find("data/account.js").is_some() {
        let (label, text) = ar.read("data/account.js")?;
        let (v, _) = parse_js::<Value>(&text, &label)?;
        let acc = v.get(0).map(|a| a.get("account").unwrap_or(a));
        if let Some(a) = acc {
            o.id = v1::id_field(a, "accountId", "accountId").ok().flatten();
            o.handle = a.get("username").and_then(Value::as_str).map(util::handle).filter(|h| !h.is_empty());
        }
    }
    if let Some(ui) = manifest.and_then(|m| m.get("userInfo")) {
        if o.id.is_none() {
            o.id = v1::id_field(ui, "accountId", "accountId").ok().flatten();
        }
        if o.handle.is_none() {
            o.handle = ui.get("userName").and_then(Value::as_str).map(util::handle).filter(|h| !h.is_empty());
        }
    }
    if o.id.is_none() && o.handle.is_none() {
        out.warn(format!(
            "{}: no data/account.js nor manifest userInfo: the tweets' author is unknown",
            cx.source_file
        ));
    }
    Ok(o)
}

/// The files of a data type (relative to the archive root) with the count the manifest
/// announces: from the manifest when it lists the type, else by name in part order.
fn data_files(ar: &Archive, manifest: Option<&Value>, types: &[&str], by_name: &Regex) -> Vec<(String, Option<u64>)> {
    if ar.lone {
        return vec![(String::new(), None)];
    }
    for t in types {
        let listed = manifest
            .and_then(|m| m.get("dataTypes"))
            .and_then(|d| d.get(*t))
            .and_then(|d| d.get("files"))
            .and_then(Value::as_array);
        if let Some(files) = listed {
            let v: Vec<(String, Option<u64>)> = files
                .iter()
                .filter_map(|f| {
                    let name = f.get("fileName")?.as_str()?.trim_start_matches("./").to_string();
                    let count = util::json_count(f.get("count")).ok().flatten().map(|c| c.max(0) as u64);
                    Some((name, count))
                })
                .collect();
            if !v.is_empty() {
                return v;
            }
        }
    }
    let mut found: Vec<(String, u32, String)> = ar
        .names
        .iter()
        .filter_map(|n| n.strip_prefix(ar.prefix.as_str()))
        .filter_map(|rel| {
            let c = by_name.captures(rel)?;
            let part = c.get(2).and_then(|m| m.as_str().parse().ok()).unwrap_or(0);
            let base = c.get(1).map_or("", |m| m.as_str()).to_string();
            Some((base, part, rel.to_string()))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, _, rel)| (rel, None)).collect()
}

/// The follower count on the day the archive was generated, when both are known.
fn followers(ar: &mut Archive, manifest: Option<&Value>, owner: &Owner, out: &mut dyn Out) {
    let day = manifest
        .and_then(|m| m.pointer("/archiveInfo/generationDate"))
        .and_then(Value::as_str)
        .and_then(util::parse_iso)
        .map(|t| t.utc_day());
    let (Some(day), Some(id)) = (day, owner.id.clone()) else { return };
    if ar.lone {
        return;
    }
    let files = data_files(ar, manifest, &["follower"], follower_file_re());
    let mut n = 0i64;
    for (rel, _) in files {
        if ar.find(&rel).is_none() {
            return;
        }
        let parsed =
            ar.read(&rel).and_then(|(label, text)| parse_js::<Vec<&RawValue>>(&text, &label).map(|(v, _)| v.len()));
        match parsed {
            Ok(k) => n += k as i64,
            Err(e) => {
                out.warn(format!("{e}; no follower count taken from the archive"));
                return;
            }
        }
    }
    out.account(AccountSnap {
        platform: "twitter".into(),
        account_id: id,
        account_handle: owner.handle.clone(),
        date: Some(day),
        followers: Some(n),
    });
}

/// One archive tweet as an owned post, with the id of its edit group.
fn tweet(t: &Value, owner: &Owner) -> Result<(Post, String), FieldError> {
    if !t.is_object() {
        return Err(("tweet".into(), format!("expected a tweet object, found {}", v1::json_kind(t))));
    }
    let post_id =
        v1::id_field(t, "id_str", "id")?.ok_or_else(|| ("id_str".to_string(), "a tweet without an id".to_string()))?;
    let text = v1::status_text(t);
    let is_rt = text.as_deref().is_some_and(|s| s.starts_with("RT @"));
    let ents = v1::entities(t);
    let quoted = match v1::id_field(t, "quoted_status_id_str", "quoted_status_id")? {
        Some(q) => Some(q),
        None => ents.urls.iter().filter_map(|u| v1::status_link_id(u)).find(|id| *id != post_id),
    };
    let mut p = Post {
        platform: "twitter".into(),
        post_id,
        origin: "owned",
        account_id: owner.id.clone(),
        account_handle: owner.handle.clone(),
        created_at: v1::created_at(t)?,
        content_type: ents.content_type(),
        text,
        lang: t.get("lang").and_then(Value::as_str).and_then(util::non_empty),
        is_repost: Some(is_rt),
        in_reply_to_account: t
            .get("in_reply_to_screen_name")
            .and_then(Value::as_str)
            .map(util::handle)
            .filter(|h| !h.is_empty()),
        quoted_post_id: quoted,
        in_reply_to_post_id: v1::id_field(t, "in_reply_to_status_id_str", "in_reply_to_status_id")?,
        hashtags: ents.hashtags,
        mentions: ents.mentions,
        urls: ents.urls,
        ..Post::default()
    };
    if !is_rt {
        p.reactions = v1::count(t, "favorite_count")?;
        p.shares = v1::count(t, "retweet_count")?;
        p.comments = v1::count(t, "reply_count")?;
        p.quotes = v1::count(t, "quote_count")?;
    }
    let ei = t.get("edit_info");
    let group = ei
        .and_then(|e| e.pointer("/edit/initialTweetId"))
        .and_then(Value::as_str)
        .or_else(|| ei.and_then(|e| e.pointer("/initial/editTweetIds/0")).and_then(Value::as_str))
        .or_else(|| ei.and_then(|e| e.pointer("/edit/editControlInitial/editTweetIds/0")).and_then(Value::as_str))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| p.post_id.clone());
    Ok((p, group))
}

/// Parses `window.YTD.<type>.partN = <json>` (or `window.__THAR_CONFIG = {...}`), with an
/// optional trailing `;`. Returns the value and the line where the JSON starts.
fn parse_js<'a, T: serde::Deserialize<'a>>(text: &'a str, label: &str) -> Result<(T, u64), FileError> {
    // A short excerpt, unless it has a personal or key-like shape (crate::privacy).
    let found = || match crate::privacy::excerpt(text, 60) {
        Some(x) => format!("'{x}'"),
        None => "other content (not shown)".to_string(),
    };
    let Some(eq) = text.find('=') else {
        return Err(FileError::at(
            label,
            1,
            "(js)",
            format!("expected 'window.YTD.<type>.part0 = [...]', found {}", found()),
        ));
    };
    if !text[..eq].trim().starts_with("window.") {
        return Err(FileError::at(
            label,
            1,
            "(js)",
            format!("expected 'window.YTD.<type>.part0 = [...]', found {}", found()),
        ));
    }
    let line0 = 1 + memchr::memchr_iter(b'\n', &text.as_bytes()[..eq]).count() as u64;
    let body = text[eq + 1..].trim_end();
    let body = body.strip_suffix(';').unwrap_or(body);
    serde_json::from_str::<T>(body).map(|v| (v, line0)).map_err(|e| {
        let line = if e.line() == 0 { line0 } else { line0 + e.line() as u64 - 1 };
        FileError::at(label, line, "(json)", format!("invalid JSON after the '=' assignment: {e}"))
    })
}

enum Source {
    Dir(PathBuf),
    Zip(Box<zip::ZipArchive<std::fs::File>>),
    File(PathBuf),
}

/// An archive folder, zip or lone data file, with its entry names.
struct Archive {
    src: Source,
    display: String,
    /// The folder inside the input that holds `data/` (`""` or ending in `/`).
    prefix: String,
    names: Vec<String>,
    lone: bool,
}

impl Archive {
    fn open(input: &Input) -> Result<Archive, FileError> {
        let display = input.display.clone();
        let meta = std::fs::metadata(&input.path).map_err(|e| FileError::io(&display, &e))?;
        let (src, mut names) = if meta.is_dir() {
            let mut names = Vec::new();
            util::walk_rel(&input.path, &input.path, &mut names, 4);
            (Source::Dir(input.path.clone()), names)
        } else {
            let mut magic = [0u8; 4];
            let n = input.open()?.read(&mut magic).map_err(|e| FileError::io(&display, &e))?;
            if n == 4 && &magic == b"PK\x03\x04" {
                let z = zip::ZipArchive::new(input.open()?)
                    .map_err(|e| FileError::new(&display, format!("cannot open the zip: {e}")))?;
                let names = z.file_names().map(str::to_string).collect();
                (Source::Zip(Box::new(z)), names)
            } else {
                return Ok(Archive {
                    src: Source::File(input.path.clone()),
                    display,
                    prefix: String::new(),
                    names: vec![],
                    lone: true,
                });
            }
        };
        names.sort();
        // The shortest path to a data/ folder that holds a known file (a re-zipped folder
        // puts everything under one top folder; macOS zips add __MACOSX/ copies).
        let prefix = names
            .iter()
            .filter(|n| !n.starts_with("__MACOSX/"))
            .filter_map(|n| {
                ["data/manifest.js", "data/tweets.js", "data/tweet.js", "data/account.js"].iter().find_map(|s| {
                    let pre = n.strip_suffix(s)?;
                    (pre.is_empty() || pre.ends_with('/')).then(|| pre.to_string())
                })
            })
            .min_by_key(|p| p.len())
            .unwrap_or_default();
        Ok(Archive { src, display, prefix, names, lone: false })
    }

    /// The full entry name of `rel` (relative to the archive root), when present.
    fn find(&self, rel: &str) -> Option<String> {
        if self.lone {
            return None;
        }
        let full = format!("{}{}", self.prefix, rel);
        self.names.binary_search(&full).ok().map(|_| full)
    }

    /// How a file inside the input is named in messages: `input/entry`.
    fn label(&self, rel: &str) -> String {
        if self.lone {
            return self.display.clone();
        }
        format!("{}/{}{}", self.display.trim_end_matches('/'), self.prefix, rel)
    }

    /// The name of a part file in reject messages (relative to the archive root).
    fn rel_label(&self, rel: &str) -> String {
        if self.lone {
            self.display.clone()
        } else {
            rel.to_string()
        }
    }

    /// Reads a file of the archive as text: (its label for messages, the text).
    fn read(&mut self, rel: &str) -> Result<(String, String), FileError> {
        let label = self.label(rel);
        if !self.lone && self.find(rel).is_none() {
            return Err(FileError::new(&label, "listed in data/manifest.js but missing from the archive"));
        }
        let bytes = match &mut self.src {
            Source::File(p) => std::fs::read(p).map_err(|e| FileError::io(&label, &e))?,
            Source::Dir(root) => {
                std::fs::read(root.join(format!("{}{}", self.prefix, rel))).map_err(|e| FileError::io(&label, &e))?
            }
            Source::Zip(z) => {
                let full = format!("{}{}", self.prefix, rel);
                crate::ingest::common::limits::read_zip_member(z, &full, &self.display)?
            }
        };
        let text = util::decode_text(&bytes).map_err(|m| FileError::new(&label, m))?;
        Ok((label, text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Collected;
    use crate::model::{Day, Micros};

    use std::io::Write;
    use std::path::Path;

    const FIXTURE: &str =
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/twitter-archive/twitter-2024-03-10-rally_org");

    fn run_path(path: &Path) -> Result<Collected, FileError> {
        crate::ingest::testkit::collect_path(&ADAPTER, path)
    }

    fn post<'a>(c: &'a Collected, id: &str) -> &'a Post {
        c.posts.iter().find(|p| p.post_id == id).unwrap_or_else(|| panic!("no post {id}"))
    }

    fn probe_score(path: &Path) -> u8 {
        crate::ingest::testkit::score(&ADAPTER, path)
    }

    /// Zips the fixture folder (entries `data/...`, like X's zip), replacing some files.
    fn zip_fixture(to: &Path, top: &str, replace: &[(&str, &str)]) {
        let mut names = Vec::new();
        util::walk_rel(Path::new(FIXTURE), Path::new(FIXTURE), &mut names, 4);
        names.sort();
        let mut z = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for n in names {
            z.start_file(format!("{top}{n}"), opts).unwrap();
            let body = match replace.iter().find(|(k, _)| *k == n) {
                Some((_, v)) => v.as_bytes().to_vec(),
                None => std::fs::read(Path::new(FIXTURE).join(&n)).unwrap(),
            };
            z.write_all(&body).unwrap();
        }
        z.finish().unwrap();
    }

    fn check_fixture(c: &Collected) {
        // 6 tweet objects (tweets.js 4 + tweets-part1.js 2, as the manifest says), one of them
        // the first version of an edited tweet: 5 posts, no rejects.
        assert_eq!((c.rows, c.posts.len()), (6, 5));
        assert!(c.rejects.is_empty(), "{:?}", c.rejects);
        assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
        assert!(c.warnings[0].contains("1 earlier version"));
        // Owned posts yield no derived actions.
        assert!(c.actions.is_empty());
        for p in &c.posts {
            assert_eq!((p.platform.as_str(), p.origin), ("twitter", "owned"));
            assert_eq!(p.account_id.as_deref(), Some("1400000000000000001"));
            assert_eq!(p.account_handle.as_deref(), Some("rally_org"));
            assert_eq!((p.impressions, p.quotes, p.comments, p.followers), (None, None, None, None));
        }
        // The edit 1766000000000000450 of 1766000000000000400 is kept, with its own id, text and counts.
        assert!(c.posts.iter().all(|p| p.post_id != "1766000000000000400"));
        let e = post(c, "1766000000000000450");
        assert!(e.text.as_deref().unwrap().starts_with("Sign the petition"));
        assert_eq!((e.reactions, e.shares), (Some(12), Some(4)));
        assert_eq!(e.urls, vec!["https://act.example.org/petition?utm_source=twitter"]);
        assert_eq!((e.content_type, e.hashtags.clone()), ("link", vec!["savetheriver".to_string()]));
        // Thu Mar 07 09:20:00 +0000 2024 = 1709803200 s.
        assert_eq!(e.created_at, Some(Micros(1_709_803_200_000_000)));
        // The retweet: "RT @ally_org: ...", favorite "0" / retweet "57" are the original's: null.
        let rt = post(c, "1766100000000000500");
        assert_eq!((rt.is_repost, rt.reposted_post_id.as_deref()), (Some(true), None));
        assert_eq!((rt.reactions, rt.shares), (None, None));
        assert_eq!(rt.mentions, vec!["ally_org"]);
        // The reply with a photo.
        let r = post(c, "1765000000000000300");
        assert_eq!(r.in_reply_to_post_id.as_deref(), Some("1764900000000000999"));
        assert_eq!(r.in_reply_to_account.as_deref(), Some("city_council"));
        assert_eq!((r.content_type, r.reactions, r.shares), ("photo", Some(3), Some(0)));
        // extended_entities says video (entities.media has the "photo" thumbnail).
        assert_eq!(post(c, "1764000000000000200").content_type, "video");
        // A quote, in the archive only a permalink URL: quoted id, content text.
        let q = post(c, "1763000000000000100");
        assert_eq!(q.quoted_post_id.as_deref(), Some("1762900000000000777"));
        assert_eq!(q.content_type, "text");
        // Reactions over the kept non-retweets: 12 + 3 + 25 + 7 = 47.
        assert_eq!(c.posts.iter().filter_map(|p| p.reactions).sum::<i64>(), 47);
        // follower.js lists 3 followers; generationDate 2024-03-10T09:00:00.000Z.
        let day = Day::from_naive(chrono::NaiveDate::from_ymd_opt(2024, 3, 10).unwrap());
        assert_eq!(
            c.accounts,
            vec![AccountSnap {
                platform: "twitter".into(),
                account_id: "1400000000000000001".into(),
                account_handle: Some("rally_org".into()),
                date: Some(day),
                followers: Some(3),
            }]
        );
        // account.js's e-mail never reaches a record.
        assert!(!format!("{:?}", c.posts).contains("press@example.org"));
    }

    #[test]
    fn split_archive_folder() {
        let c = run_path(Path::new(FIXTURE)).unwrap();
        check_fixture(&c);
        assert_eq!(probe_score(Path::new(FIXTURE)), 95);
    }

    #[test]
    fn split_archive_zip_and_rezipped_folder() {
        let dir = tempfile::tempdir().unwrap();
        for top in ["", "twitter-2024-03-10-rally_org/"] {
            let zp = dir.path().join("archive.zip");
            zip_fixture(&zp, top, &[]);
            assert_eq!(probe_score(&zp), 95, "{top}");
            check_fixture(&run_path(&zp).unwrap());
        }
    }

    #[test]
    fn malformed_tweets_js_names_the_file_inside_the_archive() {
        let dir = tempfile::tempdir().unwrap();
        let zp = dir.path().join("archive.zip");
        let bad =
            "window.YTD.tweets.part0 = [\n  {\n    \"tweet\" : {\n      \"id_str\" : \"1\",\n      oops\n    }\n  }\n]";
        zip_fixture(&zp, "", &[("data/tweets.js", bad)]);
        let e = run_path(&zp).unwrap_err();
        assert_eq!(e.file, format!("{}/data/tweets.js", zp.display()));
        // "oops" is on line 5 of the file.
        assert_eq!((e.line, e.field.as_deref()), (Some(5), Some("(json)")));
        assert!(e.msg.contains("invalid JSON"), "{e}");
        // Not an assignment at all.
        zip_fixture(&zp, "", &[("data/tweets-part1.js", "[]")]);
        let e = run_path(&zp).unwrap_err();
        assert!(e.file.ends_with("data/tweets-part1.js"), "{e}");
        assert!(e.msg.contains("window.YTD"), "{e}");
    }

    #[test]
    fn bad_tweet_is_rejected_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let zp = dir.path().join("archive.zip");
        let part1 = std::fs::read_to_string(Path::new(FIXTURE).join("data/tweets-part1.js"))
            .unwrap()
            .replace("\"favorite_count\" : \"7\"", "\"favorite_count\" : \"seven\"");
        zip_fixture(&zp, "", &[("data/tweets-part1.js", &part1)]);
        let c = run_path(&zp).unwrap();
        // The second tweet of tweets-part1.js starts on line 113 (`  {`).
        assert_eq!((c.rows, c.posts.len(), c.rejects.len()), (6, 4, 1));
        let r = &c.rejects[0];
        assert_eq!((r.line, r.field.as_str()), (113, "favorite_count"));
        assert!(r.error.starts_with("data/tweets-part1.js: ") && r.error.contains("'seven'"), "{}", r.error);
    }

    #[test]
    fn manifest_listing_a_missing_part_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("arch");
        std::fs::create_dir_all(root.join("data")).unwrap();
        for f in ["manifest.js", "account.js", "tweets.js"] {
            std::fs::copy(Path::new(FIXTURE).join("data").join(f), root.join("data").join(f)).unwrap();
        }
        let e = run_path(&root).unwrap_err();
        assert!(e.file.ends_with("arch/data/tweets-part1.js"), "{e}");
        assert!(e.msg.contains("missing"), "{e}");
    }

    #[test]
    fn older_archive_without_manifest_and_lone_file() {
        // 2019-2022 layout: data/tweet.js with window.YTD.tweet.part0, no manifest, no wrapper
        // objects in the second part; account.js gives the author.
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("old");
        std::fs::create_dir_all(root.join("data")).unwrap();
        let t = |id: &str, text: &str| {
            format!("{{\"id_str\" : \"{id}\", \"id\" : \"{id}\", \"created_at\" : \"Wed Oct 10 20:19:24 +0000 2018\", \"full_text\" : \"{text}\", \"favorite_count\" : \"1\", \"retweet_count\" : \"0\", \"entities\" : {{\"hashtags\" : [ ], \"user_mentions\" : [ ], \"urls\" : [ ]}}}}")
        };
        std::fs::write(
            root.join("data/tweet.js"),
            format!("window.YTD.tweet.part0 = [ {{\n  \"tweet\" : {}\n}} ]", t("10", "a")),
        )
        .unwrap();
        std::fs::write(root.join("data/tweet-part1.js"), format!("window.YTD.tweet.part1 = [ {} ]", t("9", "b")))
            .unwrap();
        std::fs::write(
            root.join("data/account.js"),
            "window.YTD.account.part0 = [ { \"account\" : { \"username\" : \"Old_Org\", \"accountId\" : \"77\" } } ]",
        )
        .unwrap();
        assert_eq!(probe_score(&root), 95);
        let c = run_path(&root).unwrap();
        let ids: Vec<_> =
            c.posts.iter().map(|p| (p.post_id.as_str(), p.account_handle.as_deref(), p.reactions)).collect();
        assert_eq!(ids, vec![("10", Some("old_org"), Some(1)), ("9", Some("old_org"), Some(1))]);
        // No manifest: no generation date, so no follower snap.
        assert!(c.accounts.is_empty());
        // A lone tweet.js: detected from its content, read, author unknown (warned).
        let lone = root.join("data/tweet.js");
        assert_eq!(probe_score(&lone), 90);
        let c = run_path(&lone).unwrap();
        assert_eq!((c.posts.len(), c.posts[0].account_id.clone()), (1, None));
        assert_eq!(c.warnings.len(), 1);
    }

    #[test]
    fn not_detected_on_other_formats() {
        let s = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real/");
        for f in [
            "twitter-v1-json/get_user_timeline.json",
            "twitter-v1-json/streaming-lines.json",
            "twitter-v2-jsonl/two_tweets.jsonl",
            "twitter-analytics-csv/twitter_activity_metrics_20150901_20151001.csv",
            "facebook-graph-json/v2_1-feed-got.json",
            "ga4-source-categories",
        ] {
            assert_eq!(probe_score(&Path::new(s).join(f)), 0, "{f}");
        }
    }
}
