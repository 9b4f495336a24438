//! A lake read from object storage (docs/object-storage.md): `--lake s3://BUCKET/PREFIX`.
//!
//! rallylens reads such a lake through `object_store`, with the endpoint and credentials of
//! the standard AWS environment variables (`AmazonS3Builder::from_env`: `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`, `AWS_ENDPOINT_URL`,
//! `AWS_ALLOW_HTTP`, …). It never writes to the store.
//!
//! The metrics read Parquet from local files (polars' scans, the action reader), so the lake
//! is *staged*: its manifest is fetched, then exactly the visible part files it lists (all
//! four tables; never `_sources/`, `_rejects/`, or anything the manifest does not list) are
//! copied into a local cache, `$XDG_CACHE_HOME/rallylens/lakes/<hash>/lake/` (else
//! `$HOME/.cache/…`; `RALLYLENS_CACHE_DIR` replaces `…/rallylens`), and that copy is analysed
//! as a local lake. A part already in the cache is kept when the store lists it with the same
//! size and ETag as when it was copied; a part is read with `If-Match` on the listed ETag, so
//! a part replaced while it is copied fails the copy instead of mixing two versions. Parts
//! the manifest no longer lists are removed from the cache. `<hash>` is of the URL (`s3a` is
//! the same store as `s3`) and the endpoint, so two endpoints never share a copy.
//!
//! A part the manifest lists but the store does not hold is an error naming both: the
//! manifest is what makes a part visible, so an upload must put the parts before the
//! manifest. No message carries a credential: the store's own error texts are given with the
//! values of the credential variables replaced.
//!
//! The copy's folder is readable by its owner only (mode 0700): it holds the lake's
//! pseudonymous rows, as the lake does.
//!
//! The lake key is a local file (`--key FILE`, required with a URL lake): nothing here reads
//! or writes a key in the store.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use object_store::path::Path as ObjPath;
use object_store::{GetOptions, GetRange, ObjectStore};

use super::manifest::{Manifest, MANIFEST};

/// Where `--lake` points: a folder, or a lake in object storage.
#[derive(Clone, Debug, PartialEq)]
pub enum Place {
    Dir(PathBuf),
    Url(LakeUrl),
}

/// `s3://BUCKET/PREFIX` (or `s3a://`), without a trailing slash.
#[derive(Clone, Debug, PartialEq)]
pub struct LakeUrl {
    /// `s3` or `s3a`, as given: a Spark engine is told the parts' URLs with this scheme
    /// (Apache Spark with hadoop-aws reads `s3a://`; Sail reads both).
    pub scheme: String,
    pub bucket: String,
    /// The lake's folder in the bucket, without leading or trailing `/` (may be empty).
    pub prefix: String,
}

impl std::fmt::Display for LakeUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.prefix.is_empty() {
            write!(f, "{}://{}", self.scheme, self.bucket)
        } else {
            write!(f, "{}://{}/{}", self.scheme, self.bucket, self.prefix)
        }
    }
}

impl LakeUrl {
    /// The URL of a file of the lake, `rel` relative to its root.
    pub fn join(&self, rel: &str) -> String {
        format!("{self}/{rel}")
    }
    fn object(&self, rel: &str) -> ObjPath {
        ObjPath::from_iter(self.prefix.split('/').chain(rel.split('/')).filter(|s| !s.is_empty()))
    }
}

/// Whether `p` is written as a URL (`scheme://…`) rather than a folder.
pub fn is_url(p: &Path) -> bool {
    scheme_of(p).is_some()
}

fn scheme_of(p: &Path) -> Option<(&str, &str)> {
    let s = p.to_str()?;
    let (scheme, rest) = s.split_once("://")?;
    let ok = !scheme.is_empty()
        && scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    ok.then_some((scheme, rest))
}

impl Place {
    /// Reads `--lake`: `s3://` and `s3a://` are lakes in object storage, `file:///ABS` a
    /// folder; any other `scheme://` is a usage error (the schemes rallylens reads are named).
    pub fn parse(p: &Path) -> Result<Place, crate::cli::Usage> {
        let Some((scheme, rest)) = scheme_of(p) else { return Ok(Place::Dir(p.to_path_buf())) };
        match scheme.to_ascii_lowercase().as_str() {
            "file" => {
                let path = rest.strip_prefix("localhost").unwrap_or(rest);
                if !path.starts_with('/') || path.contains(['%', '?', '#']) {
                    return Err(crate::cli::Usage(format!(
                        "the lake {} is not a file URL of an absolute folder (file:///PATH, without %-escapes)",
                        p.display()
                    )));
                }
                Ok(Place::Dir(PathBuf::from(path)))
            }
            s @ ("s3" | "s3a") => {
                let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
                // Credentials belong in the environment, not in a URL that gets printed.
                if authority.contains('@') {
                    return Err(crate::cli::Usage(format!(
                        "a lake URL cannot hold credentials ({s}://USER@…): give them in AWS_ACCESS_KEY_ID and \
                         AWS_SECRET_ACCESS_KEY (docs/object-storage.md)"
                    )));
                }
                if authority.is_empty() || path.contains(['?', '#']) {
                    return Err(crate::cli::Usage(format!(
                        "the lake {} is not an object storage URL: expected {s}://BUCKET/PREFIX",
                        p.display()
                    )));
                }
                let prefix = path.split('/').filter(|x| !x.is_empty()).collect::<Vec<_>>().join("/");
                Ok(Place::Url(LakeUrl { scheme: s.to_string(), bucket: authority.to_string(), prefix }))
            }
            other => Err(crate::cli::Usage(format!(
                "rallylens reads a lake from a folder, file:///PATH, s3://BUCKET/PREFIX or s3a://BUCKET/PREFIX, \
                 not {other}:// (docs/object-storage.md)"
            ))),
        }
    }
}

/// A lake copied from object storage into the local cache; the cache stays locked (no other
/// rallylens changes the copy) until this is dropped.
#[derive(Debug)]
pub struct Staged {
    /// The local copy: a lake folder with the store's manifest and its visible parts.
    pub dir: PathBuf,
    pub url: LakeUrl,
    /// Parts copied now, and their bytes; parts reused from the cache.
    pub copied: (usize, u64),
    pub reused: usize,
    _lock: File,
}

/// The cache folder of lakes: `RALLYLENS_CACHE_DIR/lakes`, else
/// `$XDG_CACHE_HOME/rallylens/lakes`, else `$HOME/.cache/rallylens/lakes`.
pub fn cache_root() -> Result<PathBuf> {
    let non_empty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    let base = if let Some(d) = non_empty("RALLYLENS_CACHE_DIR") {
        d
    } else if let Some(d) = non_empty("XDG_CACHE_HOME") {
        d.join("rallylens")
    } else if let Some(h) = non_empty("HOME") {
        h.join(".cache").join("rallylens")
    } else {
        bail!("no folder to copy the lake into: set XDG_CACHE_HOME, HOME or RALLYLENS_CACHE_DIR");
    };
    Ok(base.join("lakes"))
}

/// The endpoint the store is reached at, as the environment gives it (part of the cache key).
fn endpoint() -> String {
    ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_ENDPOINT"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_default()
}

/// Replaces the values of the credential variables in a message from the store (S3 error
/// bodies can echo the access key id).
fn scrub(msg: String) -> String {
    let mut msg = msg;
    for k in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] {
        if let Ok(v) = std::env::var(k) {
            if v.len() >= 4 {
                msg = msg.replace(&v, "[redacted]");
            }
        }
    }
    msg
}

fn store_error(e: object_store::Error) -> anyhow::Error {
    anyhow::anyhow!(scrub(e.to_string()))
}

/// What the cache remembers of a copied part: the store's size and ETag when copied.
#[derive(serde::Serialize, serde::Deserialize, Clone, PartialEq, Debug)]
struct Copied {
    size: u64,
    e_tag: Option<String>,
}

/// Copies the lake at `url` into the cache (what changed since the last copy), and returns
/// the local copy, locked.
pub fn stage(url: &LakeUrl, quiet: bool) -> Result<Staged> {
    let store = open_store(url)?;
    let key = {
        use sha2::Digest;
        let canonical = LakeUrl { scheme: "s3".into(), ..url.clone() };
        hex::encode(&sha2::Sha256::digest(format!("{canonical}\n{}", endpoint()).as_bytes())[..12])
    };
    let root = cache_root()?.join(key);
    let dir = root.join("lake");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating the lake cache {}", dir.display()))?;
    // The copy holds the lake's pseudonymous rows: readable by this user only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("restricting {} to its owner", root.display()))?;
    }
    let waiting = format!("another rallylens is copying {url} into {}; waiting for it…", root.display());
    let lock = crate::support::lock_file(&root.join("lock"), Some(&waiting), quiet)?.expect("a lock that waits");
    std::fs::write(root.join("source"), format!("{url}\n"))
        .with_context(|| format!("writing in {}", root.display()))?;

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the object storage client")?;
    rt.block_on(stage_into(store, url, &root, &dir, lock, quiet))
}

fn open_store(url: &LakeUrl) -> Result<Arc<dyn ObjectStore>> {
    // Few retries, so that an unreachable store fails in seconds, not minutes.
    let retry = object_store::RetryConfig {
        max_retries: 2,
        retry_timeout: std::time::Duration::from_secs(20),
        ..Default::default()
    };
    let s3 = object_store::aws::AmazonS3Builder::from_env()
        .with_url(format!("s3://{}", url.bucket))
        .with_retry(retry)
        .build()
        .map_err(|e| anyhow::anyhow!("the object store of {url}: {}", scrub(e.to_string())))?;
    Ok(Arc::new(s3))
}

async fn stage_into(
    store: Arc<dyn ObjectStore>,
    url: &LakeUrl,
    root: &Path,
    dir: &Path,
    lock: File,
    quiet: bool,
) -> Result<Staged> {
    let manifest_url = url.join(MANIFEST);
    let bytes = match store.get_opts(&url.object(MANIFEST), GetOptions::default()).await {
        Ok(r) => r.bytes().await.map_err(store_error).with_context(|| format!("reading {manifest_url}"))?,
        Err(object_store::Error::NotFound { source, .. }) => {
            let why = scrub(source.to_string());
            if why.contains("NoSuchBucket") {
                bail!(
                    "{url} is not a rallylens lake: the bucket {} does not exist (at {})",
                    url.bucket,
                    shown_endpoint()
                );
            }
            bail!(
                "{url} is not a rallylens lake: there is no {manifest_url} (a lake is uploaded with its {MANIFEST}; \
                 docs/object-storage.md)"
            );
        }
        Err(e) => {
            let e = store_error(e);
            let hint = hint(&e.to_string());
            return Err(e).with_context(|| format!("reading {manifest_url} (the store at {}){hint}", shown_endpoint()));
        }
    };
    let manifest: Manifest =
        serde_json::from_slice(&bytes).with_context(|| format!("{manifest_url}: not a rallylens manifest"))?;

    // The visible parts, by folder.
    let mut wanted: BTreeSet<String> = BTreeSet::new();
    for f in &manifest.files {
        for p in f.parts.iter().filter(|p| p.visible_rows > 0) {
            wanted.insert(p.visible_rel(&f.id));
        }
    }
    let mut listed: BTreeMap<String, Copied> = BTreeMap::new();
    let folders: BTreeSet<&str> = wanted.iter().filter_map(|r| r.rsplit_once('/').map(|(d, _)| d)).collect();
    for folder in folders {
        let list = store
            .list_with_delimiter(Some(&url.object(folder)))
            .await
            .map_err(store_error)
            .with_context(|| format!("listing {}", url.join(folder)))?;
        for o in list.objects {
            if let Some(name) = o.location.filename() {
                listed.insert(format!("{folder}/{name}"), Copied { size: o.size, e_tag: o.e_tag });
            }
        }
    }
    let missing: Vec<&String> = wanted.iter().filter(|r| !listed.contains_key(*r)).collect();
    if let Some(first) = missing.first() {
        bail!(
            "the manifest {manifest_url} lists the part {first}, which is not in the store (expected at {}){}; \
             upload the lake's part files before its manifest (docs/object-storage.md)",
            url.join(first),
            if missing.len() > 1 {
                format!(", nor are {} other parts it lists", missing.len() - 1)
            } else {
                String::new()
            }
        );
    }

    // What the cache holds, as it was copied.
    let index_path = root.join("parts.json");
    let mut index: BTreeMap<String, Copied> =
        std::fs::read(&index_path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    index.retain(|rel, _| wanted.contains(rel));
    // The manifest goes away first: an interrupted copy leaves no lake to read by mistake.
    remove_if_there(&dir.join(MANIFEST))?;
    remove_unlisted(dir, &wanted)?;

    let mut todo: Vec<(String, Copied)> = Vec::new();
    let mut reused = 0;
    for rel in &wanted {
        let meta = &listed[rel];
        let local = dir.join(rel);
        let same = index.get(rel) == Some(meta) && std::fs::metadata(&local).is_ok_and(|m| m.len() == meta.size);
        if same {
            reused += 1;
        } else {
            index.remove(rel);
            todo.push((rel.clone(), meta.clone()));
        }
    }
    let total: u64 = todo.iter().map(|(_, m)| m.size).sum();
    if !quiet && !todo.is_empty() {
        eprintln!(
            "lake: copying {} of {} parts of {url} ({:.1} MiB) into {}",
            todo.len(),
            wanted.len(),
            total as f64 / (1u64 << 20) as f64,
            dir.display()
        );
    }
    let copied = (todo.len(), total);
    // A few parts at a time; each in ranges, each range checked against the listed ETag.
    for batch in todo.chunks(8) {
        let mut set = tokio::task::JoinSet::new();
        for (rel, meta) in batch.iter().cloned() {
            let (store, url, dir) = (store.clone(), url.clone(), dir.to_path_buf());
            set.spawn(async move {
                let r = copy_part(&*store, &url, &rel, &meta, &dir).await;
                (rel, meta, r)
            });
        }
        while let Some(done) = set.join_next().await {
            let (rel, meta, r) = done.context("copying a part")?;
            r?;
            index.insert(rel, meta);
        }
        write_index(&index_path, &index)?;
    }
    write_index(&index_path, &index)?;
    crate::support::write_atomic(&dir.join(MANIFEST), &bytes)
        .with_context(|| format!("writing {}", dir.join(MANIFEST).display()))?;
    Ok(Staged { dir: dir.to_path_buf(), url: url.clone(), copied, reused, _lock: lock })
}

/// What to check, for an error reaching the store.
fn hint(msg: &str) -> String {
    let e = endpoint();
    let allowed = std::env::var("AWS_ALLOW_HTTP").is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    if e.starts_with("http://") && !allowed {
        format!("; the endpoint {e} is plain HTTP, which is refused unless AWS_ALLOW_HTTP=true")
    } else if msg.contains("error sending request") {
        format!("; the store could not be reached at {}: check AWS_ENDPOINT_URL and the network", shown_endpoint())
    } else {
        String::new()
    }
}

fn shown_endpoint() -> String {
    let e = endpoint();
    if e.is_empty() {
        "AWS S3".into()
    } else {
        e
    }
}

async fn copy_part(store: &dyn ObjectStore, url: &LakeUrl, rel: &str, meta: &Copied, dir: &Path) -> Result<()> {
    const RANGE: u64 = 8 << 20;
    let local = dir.join(rel);
    let tmp = local.with_extension("parquet.part");
    std::fs::create_dir_all(local.parent().expect("a part has a folder"))
        .with_context(|| format!("creating {}", local.display()))?;
    let mut out = File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let mut at = 0;
    while at < meta.size {
        let end = (at + RANGE).min(meta.size);
        let opts =
            GetOptions { range: Some(GetRange::Bounded(at..end)), if_match: meta.e_tag.clone(), ..Default::default() };
        let read = async { store.get_opts(&url.object(rel), opts).await?.bytes().await };
        let chunk = read.await.map_err(|e| match e {
            object_store::Error::Precondition { .. } | object_store::Error::NotModified { .. } => {
                anyhow::anyhow!("{} changed while it was copied; run again", url.join(rel))
            }
            e => store_error(e).context(format!("copying {}", url.join(rel))),
        })?;
        anyhow::ensure!(
            chunk.len() as u64 == end - at,
            "copying {}: the store gave {} bytes for a range of {}",
            url.join(rel),
            chunk.len(),
            end - at
        );
        out.write_all(&chunk).with_context(|| format!("writing {}", tmp.display()))?;
        at = end;
    }
    out.sync_all().with_context(|| format!("writing {}", tmp.display()))?;
    drop(out);
    std::fs::rename(&tmp, &local).with_context(|| format!("renaming {} to {}", tmp.display(), local.display()))
}

fn write_index(path: &Path, index: &BTreeMap<String, Copied>) -> Result<()> {
    let text = serde_json::to_string_pretty(index).expect("serializes") + "\n";
    crate::support::write_atomic(path, text.as_bytes()).with_context(|| format!("writing {}", path.display()))
}

fn remove_if_there(p: &Path) -> Result<()> {
    match std::fs::remove_file(p) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", p.display()))
        }
        _ => Ok(()),
    }
}

/// Removes every file of the cached lake that is not a wanted part (parts the manifest no
/// longer lists, interrupted copies).
fn remove_unlisted(dir: &Path, wanted: &BTreeSet<String>) -> Result<()> {
    fn walk(dir: &Path, rel: &str, wanted: &BTreeSet<String>) -> Result<()> {
        let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
        for e in entries {
            let e = e.with_context(|| format!("listing {}", dir.display()))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let r = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            if e.file_type()?.is_dir() {
                walk(&e.path(), &r, wanted)?;
            } else if !rel.is_empty() && !wanted.contains(&r) {
                remove_if_there(&e.path())?;
            }
        }
        Ok(())
    }
    walk(dir, "", wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> LakeUrl {
        match Place::parse(Path::new(s)).unwrap() {
            Place::Url(u) => u,
            p => panic!("{p:?}"),
        }
    }

    #[test]
    fn places_are_folders_file_urls_or_s3_urls() {
        assert_eq!(Place::parse(Path::new("out/lake")).unwrap(), Place::Dir("out/lake".into()));
        assert_eq!(Place::parse(Path::new("file:///srv/lake")).unwrap(), Place::Dir("/srv/lake".into()));
        assert_eq!(Place::parse(Path::new("file://localhost/srv/lake")).unwrap(), Place::Dir("/srv/lake".into()));
        let u = url("s3://b/a//lake/");
        assert_eq!((u.scheme.as_str(), u.bucket.as_str(), u.prefix.as_str()), ("s3", "b", "a/lake"));
        assert_eq!(u.to_string(), "s3://b/a/lake");
        assert_eq!(u.join("posts/platform=x/f.parquet"), "s3://b/a/lake/posts/platform=x/f.parquet");
        assert_eq!(u.object("_manifest.json").as_ref(), "a/lake/_manifest.json");
        assert_eq!(url("s3a://b").to_string(), "s3a://b");
        assert_eq!(url("s3a://b").object("_manifest.json").as_ref(), "_manifest.json");
        for bad in ["gs://b/l", "file://rel/lake", "s3:///l", "s3://u:p@b/l", "abfss://c@a/l"] {
            let e = Place::parse(Path::new(bad)).unwrap_err().0;
            assert!(!e.contains("u:p"), "{e}");
        }
    }
}
