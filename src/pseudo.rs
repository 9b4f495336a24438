//! Pseudonymisation: actor ids are keyed hashes (HMAC-SHA-256) of the platform's user id
//! or of the lower-cased e-mail. The key lives in a file beside the lake (`<lake>.key`),
//! created on first use with mode 0600, never inside a table: whoever holds only the lake
//! cannot reverse or recompute the pseudonyms.
//!
//! The key is never inside the lake folder ([`Pseudonymizer::for_lake`] refuses it): a
//! lake is copied, shared and read by other tools as a folder, and a key inside it would
//! travel with it. Readings:
//! - A lake path without a folder name of its own (`--lake .`, `--lake ..`, `out/..`) is
//!   resolved first, so `--lake .` in `/work/proj` keeps its key at `/work/proj.key`, beside
//!   the lake like any other. The root folder has no "beside": a lake there is refused.
//! - `--key FILE` inside the lake folder is refused, with the reason.
//! - Earlier versions put the key of `--lake .` at `./lake.key`, inside the lake. Such a lake
//!   keeps its key, and so its pseudonyms, by moving the file beside the lake: a run that
//!   finds the old key inside an existing lake (and none beside it) stops and prints the
//!   `mv` command, rather than create a new key (which would give every supporter a new
//!   pseudonym) or read a key that sits inside the lake.
//! - A lake that already holds actions and whose key file is missing is refused, naming
//!   the file to restore: a new key would split every supporter into two pseudonyms, and
//!   the ladder and every count of people would silently count them twice. A lake with
//!   posts, traffic or follower counts only has no pseudonym yet and gets a new key.
//! - Messages about a key file never show its content (not even a bad character of it).

use std::path::{Component, Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;

#[derive(Clone)]
pub struct Pseudonymizer {
    /// HMAC state with the key already absorbed: cloning it costs a copy, where keying a
    /// new HMAC costs two SHA-256 blocks (as much as the message itself for a short id).
    keyed: Hmac<Sha256>,
}

impl Pseudonymizer {
    pub fn from_key(key: &[u8]) -> Self {
        Pseudonymizer { keyed: <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length") }
    }

    /// The key file of a lake: `DIR.key` beside the lake directory `DIR`. A path without a
    /// folder name of its own (`.`, `..`, `x/..`) is resolved first (see the module doc);
    /// for the root folder the result is inside it, which [`Self::for_lake`] refuses.
    pub fn key_path(lake: &Path) -> PathBuf {
        let plain = lake.file_name().is_some() && !lake.components().any(|c| c == Component::ParentDir);
        let lake = if plain { lake.to_path_buf() } else { resolve(lake) };
        match (lake.parent(), lake.file_name()) {
            (Some(parent), Some(name)) => parent.join(format!("{}.key", name.to_string_lossy())),
            _ => lake.join("lake.key"),
        }
    }

    /// Where earlier versions kept the key: `./lake.key` for a lake path without a name.
    fn legacy_key_path(lake: &Path) -> PathBuf {
        let name = lake.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "lake".into());
        let parent = lake.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        parent.join(format!("{name}.key"))
    }

    /// The key of the lake at `lake`: `key_file` when given, else [`Self::key_path`];
    /// loaded, or created on first use. Refuses a key inside the lake folder, and a lake
    /// whose key an earlier version left inside it (see the module doc).
    pub fn for_lake(lake: &Path, key_file: Option<&Path>) -> anyhow::Result<Self> {
        let path = key_file.map(Path::to_path_buf).unwrap_or_else(|| Self::key_path(lake));
        let lake_abs = resolve(lake);
        anyhow::ensure!(
            !resolve(&path).starts_with(&lake_abs),
            "the key file {} would be inside the lake {}: a key kept in the lake travels with every copy of it, \
             and whoever holds both can recompute the pseudonyms; keep it beside the lake (the default, \
             FOLDER.key next to the lake FOLDER) or elsewhere with --key FILE{}",
            path.display(),
            lake.display(),
            if lake_abs.parent().is_none() { " (a lake cannot be the root folder)" } else { "" }
        );
        if key_file.is_none() && !path.exists() && crate::lake::exists(lake) {
            let legacy = Self::legacy_key_path(lake);
            if legacy.exists() && resolve(&legacy).starts_with(&lake_abs) {
                anyhow::bail!(
                    "the key of the lake {} is inside it, at {}, where earlier versions of rallylens put it; move it \
                     beside the lake to keep its pseudonyms: mv {} {}",
                    lake.display(),
                    legacy.display(),
                    legacy.display(),
                    path.display()
                );
            }
        }
        if !path.exists() {
            let actions = existing_actions(lake);
            anyhow::ensure!(
                actions == 0,
                "the lake {} holds {actions} actions pseudonymised with a key, but that key is not at {}: restore the \
                 key file from a backup{}; a new key would give every supporter of the lake a second pseudonym, and \
                 counts of people would count them twice. To start again with a new key, ingest into a new lake",
                lake.display(),
                path.display(),
                if key_file.is_none() { " (or name where it is with --key FILE)" } else { "" }
            );
        }
        Self::load_or_create(&path)
    }

    /// Loads the key at `path`, creating a new random one there if it does not exist.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        use anyhow::Context;
        if path.exists() {
            let hexkey =
                std::fs::read_to_string(path).with_context(|| format!("reading key file {}", path.display()))?;
            // The decoder's error names the bad character: not shown (it is part of the key).
            let key = hex::decode(hexkey.trim()).map_err(|_| {
                anyhow::anyhow!("key file {}: expected 64 hex digits (its content is not shown)", path.display())
            })?;
            anyhow::ensure!(key.len() >= 16, "key file {}: key too short ({} bytes)", path.display(), key.len());
            return Ok(Self::from_key(&key));
        }
        let mut key = [0u8; 32];
        use rand::RngCore;
        rand::rngs::OsRng.fill_bytes(&mut key);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).ok();
        }
        let tmp = path.with_extension("key.tmp");
        std::fs::write(&tmp, format!("{}\n", hex::encode(key)))
            .with_context(|| format!("writing {}", tmp.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).ok();
        }
        // Another process may have created it meanwhile: never overwrite an existing key.
        match std::fs::hard_link(&tmp, path) {
            Ok(()) => {
                std::fs::remove_file(&tmp).ok();
                Ok(Self::from_key(&key))
            }
            Err(_) => {
                std::fs::remove_file(&tmp).ok();
                Self::load_or_create(path)
            }
        }
    }

    /// The pseudonym of a user id on a platform (`namespace` keeps ids of different
    /// platforms apart): 32 hex digits of HMAC-SHA-256(key, namespace ":" id).
    pub fn id(&self, namespace: &str, id: &str) -> String {
        let mut mac = self.keyed.clone();
        mac.update(namespace.as_bytes());
        mac.update(b":");
        mac.update(id.as_bytes());
        let digest = mac.finalize().into_bytes();
        // Hex by table: `hex::encode` goes through a char iterator, a visible cost when
        // every row of a supporter export takes two pseudonyms.
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = Vec::with_capacity(32);
        for b in &digest[..16] {
            out.push(HEX[(b >> 4) as usize]);
            out.push(HEX[(b & 15) as usize]);
        }
        String::from_utf8(out).expect("ASCII hex")
    }

    /// The pseudonym of an e-mail address: the same person across every export that
    /// carries the e-mail (namespace `email`, address trimmed and lower-cased).
    pub fn email(&self, email: &str) -> String {
        self.id("email", &email.trim().to_lowercase())
    }
}

/// `p` absolute, with `.` and `..` resolved: through the file system (symbolic links) for
/// The actions the manifest of the lake at `lake` lists (0 without a readable manifest: a
/// new lake, or one whose manifest the caller reports on its own).
fn existing_actions(lake: &Path) -> u64 {
    if !crate::lake::exists(lake) {
        return 0;
    }
    crate::lake::manifest::Manifest::load(lake)
        .map(|m| m.files.iter().filter_map(|f| f.tables.get("actions")).sum())
        .unwrap_or(0)
}

/// the longest part that exists, lexically for the rest.
fn resolve(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut lexical = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                lexical.pop();
            }
            other => lexical.push(other),
        }
    }
    let mut rest = Vec::new();
    let mut base = lexical.as_path();
    loop {
        if let Ok(real) = base.canonicalize() {
            return rest.iter().rev().fold(real, |acc, n| acc.join(n));
        }
        match (base.parent(), base.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                base = parent;
            }
            _ => return lexical,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_and_stable() {
        let a = Pseudonymizer::from_key(b"0123456789abcdef");
        let b = Pseudonymizer::from_key(b"fedcba9876543210");
        assert_eq!(a.email("Jo@Example.org "), a.email("jo@example.org"));
        assert_ne!(a.email("jo@example.org"), b.email("jo@example.org"));
        assert_ne!(a.id("twitter", "1"), a.id("facebook", "1"));
        assert_eq!(a.id("twitter", "1").len(), 32);
        // The table hex is the HMAC's first 16 bytes as lower-case hex.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"0123456789abcdef").unwrap();
        mac.update(b"twitter:1");
        assert_eq!(a.id("twitter", "1"), hex::encode(&mac.finalize().into_bytes()[..16]));
    }

    #[test]
    fn the_key_is_never_inside_the_lake() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap();
        let proj = root.join("proj");
        std::fs::create_dir_all(proj.join("sub")).unwrap();
        // `x/..` has no folder name of its own: resolved, the key goes beside the folder it
        // names. (`.` is the same case; the integration tests run `--lake .`.)
        let beside = root.join("proj.key");
        assert_eq!(Pseudonymizer::key_path(&proj.join("sub/..")), beside);
        assert_eq!(Pseudonymizer::key_path(Path::new("out/lake/")), PathBuf::from("out/lake.key"));
        let a = Pseudonymizer::for_lake(&proj.join("sub/.."), None).unwrap();
        assert!(beside.exists());
        let b = Pseudonymizer::for_lake(&proj, None).unwrap();
        assert_eq!(a.id("x", "1"), b.id("x", "1"));
        // A --key inside the lake is refused, and nothing is written there.
        let e = Pseudonymizer::for_lake(&proj, Some(&proj.join("k/my.key"))).err().unwrap().to_string();
        assert!(e.contains("would be inside the lake"), "{e}");
        assert!(!proj.join("k").exists());
        let e = Pseudonymizer::for_lake(Path::new("/"), None).err().unwrap().to_string();
        assert!(e.contains("root folder"), "{e}");
    }

    #[test]
    fn a_bad_key_is_not_quoted() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("bad.key");
        std::fs::write(&p, "0123456789abcdefq123456789abcdef\n").unwrap();
        let e = format!("{:#}", Pseudonymizer::load_or_create(&p).err().unwrap());
        assert!(e.contains("expected 64 hex digits"), "{e}");
        assert!(!e.contains("'q'") && !e.contains("position") && !e.contains("0123456789"), "{e}");
    }

    #[test]
    fn key_file_beside_lake() {
        assert_eq!(Pseudonymizer::key_path(Path::new("out/lake")), PathBuf::from("out/lake.key"));
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("lake.key");
        let a = Pseudonymizer::load_or_create(&p).unwrap();
        let b = Pseudonymizer::load_or_create(&p).unwrap();
        assert_eq!(a.id("x", "1"), b.id("x", "1"));
    }
}
