//! The instance's own secret key, and what derives from it: per-project webhook secrets
//! (HMAC of the project id and a generation number), so that no webhook secret is ever
//! stored in the database — a dump of it reveals none.

use std::path::Path;

use anyhow::{Context, bail};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Name of the key file in the data folder.
pub const KEY_FILE: &str = "secret.key";

/// 32 random bytes that only this instance (and its siblings sharing the database) knows.
#[derive(Clone)]
pub struct ServerKey([u8; 32]);

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey(…)")
    }
}

impl ServerKey {
    /// From `CIVIFORGE_SECRET_KEY` (64 hex characters) when given — instances sharing one
    /// database must share it — else from `<data-dir>/secret.key`, created on first start.
    pub fn load_or_create(data_dir: &Path, from_env: Option<&str>) -> anyhow::Result<Self> {
        if let Some(text) = from_env {
            return Self::from_hex(text.trim()).context("CIVIFORGE_SECRET_KEY invalide");
        }
        let path = data_dir.join(KEY_FILE);
        if path.exists() {
            crate::private_files::make_private(&path)
                .with_context(|| format!("impossible de protéger la clé {}", path.display()))?;
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("impossible de lire la clé {}", path.display()))?;
            return Self::from_hex(text.trim())
                .with_context(|| format!("clé {} invalide", path.display()));
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| anyhow::anyhow!("générateur aléatoire indisponible : {e}"))?;
        crate::private_files::create_data_dir(data_dir)
            .with_context(|| format!("impossible de créer le dossier {}", data_dir.display()))?;
        write_private(&path, &hex::encode(bytes))
            .with_context(|| format!("impossible d'écrire la clé {}", path.display()))?;
        Ok(Self(bytes))
    }

    /// A key from its 64 hexadecimal characters.
    pub fn from_hex(text: &str) -> anyhow::Result<Self> {
        let bytes = hex::decode(text).context("attendu 64 caractères hexadécimaux")?;
        let Ok(bytes) = <[u8; 32]>::try_from(bytes.as_slice()) else {
            bail!("attendu 64 caractères hexadécimaux (32 octets)");
        };
        Ok(Self(bytes))
    }

    /// The webhook secret of a project at a generation; rotating bumps the generation.
    pub fn webhook_secret(&self, project_id: i64, generation: i64) -> String {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(format!("civiforge-webhook:{project_id}:{generation}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(unix)]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(content.as_bytes())
}

/// Whether `signature_hex` is the HMAC-SHA256 of `body` under `secret` (constant time).
pub fn hmac_sha256_matches(secret: &[u8], body: &[u8], signature_hex: &str) -> bool {
    let Ok(signature) = hex::decode(signature_hex.trim()) else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&signature).is_ok()
}

/// Equality of two secrets in time that does not depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_created_once_private_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = ServerKey::load_or_create(dir.path(), None).expect("create");
        let again = ServerKey::load_or_create(dir.path(), None).expect("reload");
        assert_eq!(first.webhook_secret(1, 0), again.webhook_secret(1, 0));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(KEY_FILE))
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "nobody else may read the key");
        assert_ne!(
            first.webhook_secret(1, 0),
            first.webhook_secret(1, 1),
            "rotation changes it"
        );
        assert_ne!(first.webhook_secret(1, 0), first.webhook_secret(2, 0));
        assert!(ServerKey::load_or_create(dir.path(), Some("zz")).is_err());
    }

    #[test]
    fn signatures_are_checked() {
        let body = br#"{"ref":"refs/tags/v1.0"}"#;
        let mut mac = HmacSha256::new_from_slice(b"s3cret").expect("key");
        mac.update(body);
        let good = hex::encode(mac.finalize().into_bytes());
        assert!(hmac_sha256_matches(b"s3cret", body, &good));
        assert!(!hmac_sha256_matches(b"other", body, &good));
        assert!(!hmac_sha256_matches(b"s3cret", b"tampered", &good));
        assert!(!hmac_sha256_matches(b"s3cret", body, "not hex"));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
