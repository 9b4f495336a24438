//! Pseudonymisation: actor ids are keyed hashes (HMAC-SHA-256) of the platform's user id
//! or of the lower-cased e-mail. The key lives in a file beside the lake (`<lake>.key`),
//! created on first use with mode 0600, never inside a table: whoever holds only the lake
//! cannot reverse or recompute the pseudonyms.

use std::path::{Path, PathBuf};

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

    /// The key file of a lake: `DIR.key` beside the lake directory `DIR`.
    pub fn key_path(lake: &Path) -> PathBuf {
        let name = lake.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "lake".into());
        let parent = lake.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        parent.join(format!("{name}.key"))
    }

    /// Loads the key at `path`, creating a new random one there if it does not exist.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        use anyhow::Context;
        if path.exists() {
            let hexkey =
                std::fs::read_to_string(path).with_context(|| format!("reading key file {}", path.display()))?;
            let key = hex::decode(hexkey.trim())
                .with_context(|| format!("key file {}: expected 64 hex digits", path.display()))?;
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
    fn key_file_beside_lake() {
        assert_eq!(Pseudonymizer::key_path(Path::new("out/lake")), PathBuf::from("out/lake.key"));
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("lake.key");
        let a = Pseudonymizer::load_or_create(&p).unwrap();
        let b = Pseudonymizer::load_or_create(&p).unwrap();
        assert_eq!(a.id("x", "1"), b.id("x", "1"));
    }
}
