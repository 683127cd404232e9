//! Release archives: `git archive` of a version's commit, kept under
//! `<data-dir>/archives/<project id>/` within a size budget (the least recently served go
//! first). An archive is reproducible — the same commit and prefix give the same bytes, file
//! dates being the commit's — so an evicted one comes back identical to its recorded digest.
//! Each is written to a temporary name, synced and renamed, its digest beside it, so a crash
//! or a concurrent build never leaves half a file under an archive's name; downloads of one
//! archive not yet built wait for a single build instead of each running `git archive`.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use crate::model::ArchiveFormat;

/// Largest archive built: a repository's history is bounded by the fetch limits, but its
/// tree compressed alone could still be large.
pub const MAX_ARCHIVE_BYTES: u64 = 1024 * 1024 * 1024;

/// The cache's default size, all archives together.
pub const DEFAULT_BUDGET_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Where archives are kept, and how much room they may take.
#[derive(Debug, Clone)]
pub struct ArchiveCache {
    root: PathBuf,
    budget: u64,
    /// One lock per archive being built: a release announced to every commune is downloaded
    /// by many at once, and one `git archive` serves them all.
    building: Arc<Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>>,
}

/// What to archive: the version's commit in the project's repository, under `prefix/`.
#[derive(Debug, Clone)]
pub struct ArchiveSpec {
    pub git: PathBuf,
    pub repository: PathBuf,
    pub project_id: i64,
    pub commit: String,
    /// The folder every file sits in, such as `openelec-4.2.0`.
    pub prefix: String,
    pub format: ArchiveFormat,
}

/// An archive on disk.
#[derive(Debug, Clone)]
pub struct Archive {
    pub path: PathBuf,
    pub sha256: String,
    pub size: u64,
    /// False when it was served from the cache.
    pub built: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("l'archive dépasserait {} Mio", MAX_ARCHIVE_BYTES / (1024 * 1024))]
    TooLarge,
    #[error("git archive a échoué : {0}")]
    Git(String),
    #[error("erreur d'écriture de l'archive : {0}")]
    Io(#[from] io::Error),
}

impl ArchiveCache {
    pub fn in_data_dir(data_dir: &Path, budget: u64) -> Self {
        Self {
            root: data_dir.join("archives"),
            budget,
            building: Arc::default(),
        }
    }

    /// The archive, from the cache or built now (off the async executor).
    pub async fn get_or_build(&self, spec: ArchiveSpec) -> Result<Archive, ArchiveError> {
        let cache = self.clone();
        tokio::task::spawn_blocking(move || cache.get_or_build_blocking(&spec))
            .await
            .map_err(|e| ArchiveError::Io(io::Error::other(e)))?
    }

    fn get_or_build_blocking(&self, spec: &ArchiveSpec) -> Result<Archive, ArchiveError> {
        if !is_object_id(&spec.commit) {
            return Err(ArchiveError::Git(format!(
                "commit « {} » invalide",
                spec.commit
            )));
        }
        let path = self.path(spec);
        if let Some(archive) = cached(&path) {
            return Ok(archive);
        }
        let key = Arc::clone(
            self.building
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .entry(path.clone())
                .or_default(),
        );
        let _building = key
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Built while this one waited its turn.
        if let Some(archive) = cached(&path) {
            return Ok(archive);
        }
        let built = build(spec, &path);
        self.building
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&path);
        let (sha256, size) = built?;
        self.evict(&path);
        Ok(Archive {
            path,
            sha256,
            size,
            built: true,
        })
    }

    /// `<root>/<project id>/<commit>-<digest of the prefix>.<extension>`: nothing a request
    /// typed, and a new name when the tag moves to another commit.
    fn path(&self, spec: &ArchiveSpec) -> PathBuf {
        let prefix_digest = hex::encode(&Sha256::digest(spec.prefix.as_bytes())[..8]);
        self.root.join(spec.project_id.to_string()).join(format!(
            "{}-{prefix_digest}.{}",
            spec.commit,
            spec.format.extension()
        ))
    }

    /// Removes the least recently served archives until the cache fits its budget, never
    /// the one just built.
    fn evict(&self, keep: &Path) {
        let mut files = archive_files(&self.root);
        let mut total: u64 = files.iter().map(|(_, size, _)| size).sum();
        files.sort_by_key(|(_, _, used)| *used);
        for (path, size, _) in files {
            if total <= self.budget {
                break;
            }
            if path == keep {
                continue;
            }
            if std::fs::remove_file(&path).is_ok() {
                let _ = std::fs::remove_file(digest_path(&path));
                total -= size;
            }
        }
    }
}

/// A cached archive with its digest; its date is moved to now, as it was just served.
fn cached(path: &Path) -> Option<Archive> {
    let sha256 = std::fs::read_to_string(digest_path(path)).ok()?;
    let sha256 = sha256.trim().to_string();
    let file = std::fs::File::options().append(true).open(path).ok()?;
    let size = file.metadata().ok()?.len();
    let _ = file.set_modified(SystemTime::now());
    (sha256.len() == 64 && is_object_id(&sha256)).then_some(Archive {
        path: path.to_path_buf(),
        sha256,
        size,
        built: false,
    })
}

fn digest_path(archive: &Path) -> PathBuf {
    let mut name = archive.as_os_str().to_owned();
    name.push(".sha256");
    PathBuf::from(name)
}

/// Every archive under the root: (path, size, last served).
fn archive_files(root: &Path) -> Vec<(PathBuf, u64, SystemTime)> {
    let Ok(projects) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    projects
        .flatten()
        .filter_map(|project| std::fs::read_dir(project.path()).ok())
        .flat_map(|entries| entries.flatten())
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            ArchiveFormat::ALL
                .iter()
                .any(|f| name.ends_with(&format!(".{}", f.extension())))
        })
        .filter_map(|entry| {
            let metadata = entry.metadata().ok()?;
            Some((entry.path(), metadata.len(), metadata.modified().ok()?))
        })
        .collect()
}

/// Runs `git archive` into a temporary file beside `target`, hashing as it writes, then
/// moves it into place with its digest; answers (digest, size).
fn build(spec: &ArchiveSpec, target: &Path) -> Result<(String, u64), ArchiveError> {
    static BUILDS: AtomicU64 = AtomicU64::new(0);
    let folder = target.parent().unwrap_or(target);
    crate::private_files::create_dir(folder)?;
    let temporary = folder.join(format!(
        ".building-{}-{}",
        std::process::id(),
        BUILDS.fetch_add(1, Ordering::Relaxed)
    ));
    let result = write_archive(spec, &temporary).and_then(|(sha256, size)| {
        std::fs::rename(&temporary, target)?;
        let digest_temporary = temporary.with_extension("sha256");
        std::fs::write(&digest_temporary, format!("{sha256}\n"))?;
        std::fs::rename(&digest_temporary, digest_path(target))?;
        Ok((sha256, size))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

fn write_archive(spec: &ArchiveSpec, temporary: &Path) -> Result<(String, u64), ArchiveError> {
    let mut child = Command::new(&spec.git)
        .env_clear()
        .envs(super::base_environment())
        .arg("--git-dir")
        .arg(&spec.repository)
        .arg("archive")
        .arg(format!("--format={}", spec.format.extension()))
        .arg(format!("--prefix={}/", spec.prefix))
        .arg(&spec.commit)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = child.stderr.take().map(|mut stderr| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        })
    });
    let copied = child
        .stdout
        .take()
        .ok_or_else(|| ArchiveError::Git("sortie absente".into()))
        .and_then(|stdout| copy_hashing(stdout, temporary));
    if copied.is_err() {
        let _ = child.kill();
    }
    let status = child.wait()?;
    let message = stderr.and_then(|t| t.join().ok()).unwrap_or_default();
    let copied = copied?;
    if !status.success() {
        return Err(ArchiveError::Git(
            message.trim().chars().take(300).collect(),
        ));
    }
    Ok(copied)
}

fn copy_hashing(mut from: impl Read, to: &Path) -> Result<(String, u64), ArchiveError> {
    let mut file = std::fs::File::create(to)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = from.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        if size > MAX_ARCHIVE_BYTES {
            return Err(ArchiveError::TooLarge);
        }
        hasher.update(&buffer[..n]);
        file.write_all(&buffer[..n])?;
    }
    file.sync_all()?;
    Ok((hex::encode(hasher.finalize()), size))
}

/// A full object id in hexadecimal (SHA-1 or SHA-256 repositories).
fn is_object_id(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}
