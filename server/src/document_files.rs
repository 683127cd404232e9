//! The files of shared documents, kept under `<data-dir>/documents/` by the SHA-256 of their
//! content (`documents/ab/abcdef…`): a name no sender chooses, so no path can be made to
//! point elsewhere, and the same study shared twice is kept once. A file is written to a
//! temporary name, synced, then renamed into place, so a crash leaves no half file under a
//! digest; the database row that names it is written afterwards.

use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Where document files live.
#[derive(Debug, Clone)]
pub struct DocumentFiles {
    root: PathBuf,
}

impl DocumentFiles {
    /// The files under `<data_dir>/documents`.
    pub fn in_data_dir(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join("documents"),
        }
    }

    /// Keeps the content and answers its digest, in hexadecimal.
    pub async fn keep(&self, bytes: Vec<u8>) -> io::Result<String> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || keep_blocking(&root, &bytes))
            .await
            .map_err(io::Error::other)?
    }

    /// Where the file of this digest is; none for a string that is not a digest.
    pub fn path(&self, sha256: &str) -> Option<PathBuf> {
        is_digest(sha256).then(|| self.root.join(&sha256[..2]).join(sha256))
    }

    /// Deletes a file no document holds any more; one already gone is not an error.
    pub async fn forget(&self, sha256: &str) -> io::Result<()> {
        let Some(path) = self.path(sha256) else {
            return Ok(());
        };
        match tokio::fs::remove_file(path).await {
            Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }
}

fn is_digest(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn keep_blocking(root: &Path, bytes: &[u8]) -> io::Result<String> {
    let sha256 = hex::encode(Sha256::digest(bytes));
    let folder = root.join(&sha256[..2]);
    crate::private_files::create_dir(&folder)?;
    let target = folder.join(&sha256);
    if target.exists() {
        return Ok(sha256);
    }
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(io::Error::other)?;
    let temporary = folder.join(format!(".{sha256}.{}", hex::encode(nonce)));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, &target)?;
        // The rename itself is durable once the folder is synced.
        std::fs::File::open(&folder)?.sync_all()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.map(|()| sha256)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn content_is_kept_once_under_its_digest_and_forgotten() {
        let data = tempfile::tempdir().expect("dir");
        let files = DocumentFiles::in_data_dir(data.path());
        let first = files.keep(b"%PDF-1.7 etude".to_vec()).await.expect("kept");
        let again = files.keep(b"%PDF-1.7 etude".to_vec()).await.expect("kept");
        assert_eq!(first, again);
        let path = files.path(&first).expect("a digest");
        assert_eq!(std::fs::read(&path).expect("file"), b"%PDF-1.7 etude");
        assert!(path.starts_with(data.path().join("documents")));
        let folder = path.parent().expect("folder");
        assert_eq!(std::fs::read_dir(folder).expect("folder").count(), 1);
        files.forget(&first).await.expect("forgotten");
        assert!(!path.exists());
        files.forget(&first).await.expect("twice is fine");
        assert!(files.path("../../etc/passwd").is_none());
        assert!(files.path(&"A".repeat(64)).is_none());
    }
}
