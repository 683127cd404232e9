//! The forge: one bare repository per project under `<data-dir>/mirrors/`, served to stock git
//! clients over the smart HTTP protocol by `git http-backend` (the real implementation of the
//! protocol, run as a CGI process, `cgi.rs`; its addresses are `git_http`'s), never by a pack
//! writer of our own; and release archives built from it (`archives.rs`, `releases.rs`).

pub mod archives;
pub mod cgi;
pub mod hooks;
pub mod maintenance;
pub mod releases;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where every project's bare repository lives: named by the project's id, never by anything
/// a request carries, so that no slug or version can reach another path.
#[derive(Debug, Clone)]
pub struct Repositories {
    root: PathBuf,
}

impl Repositories {
    pub fn in_data_dir(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join("mirrors"),
        }
    }

    /// The folder that holds every repository.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder's name of one project's repository, relative to [`Self::root`].
    pub fn folder_name(project_id: i64) -> String {
        format!("{project_id}.git")
    }

    pub fn path(&self, project_id: i64) -> PathBuf {
        self.root.join(Self::folder_name(project_id))
    }

    /// True once a first fetch made the repository (its `HEAD` exists).
    pub fn exists(&self, project_id: i64) -> bool {
        self.path(project_id).join("HEAD").is_file()
    }
}

/// How many `git http-backend` processes may run at once: a clone of a large repository
/// takes a core, and a burst of clones must not starve the pages.
const MAX_BACKENDS: usize = 8;

/// The forge's share of the server: the repositories and the processes that serve them.
#[derive(Clone)]
pub struct Forge {
    pub repositories: Repositories,
    /// The `git` program, found once on the server's `PATH` at start.
    pub git: PathBuf,
    pub backends: Arc<tokio::sync::Semaphore>,
    pub releases: releases::Releases,
    /// How long the upstream may fail to answer before the page says it is unavailable (a
    /// host's maintenance is not an outage).
    pub upstream_grace: std::time::Duration,
    /// What one push may send.
    pub push_limits: PushLimits,
    /// civiforge's git hooks, run by every push (`hooks.rs`).
    pub hooks: PathBuf,
    /// How many repositories and bytes, measured at most every [`USAGE_EVERY`]: walking
    /// every repository on each scrape of `/metrics` would cost more than it tells.
    usage: Arc<tokio::sync::Mutex<Option<MeasuredUsage>>>,
}

/// When the repositories were measured, and (count, bytes).
type MeasuredUsage = (std::time::Instant, (u64, u64));

/// How often the repositories' size is measured again.
pub const USAGE_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

/// What one push may send: past either limit it is refused whole, nothing written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PushLimits {
    /// Largest pack, in bytes.
    pub max_bytes: u64,
    /// Most refs created or moved.
    pub max_refs: usize,
}

impl Default for PushLimits {
    fn default() -> Self {
        Self {
            max_bytes: 512 * 1024 * 1024,
            max_refs: hooks::DEFAULT_MAX_REFS_PER_PUSH,
        }
    }
}

/// The default of [`Forge::upstream_grace`]: a day.
pub const DEFAULT_UPSTREAM_GRACE: std::time::Duration = std::time::Duration::from_secs(86_400);

impl Forge {
    pub fn in_data_dir(data_dir: &Path) -> Self {
        Self {
            repositories: Repositories::in_data_dir(data_dir),
            releases: releases::Releases::in_data_dir(data_dir, archives::DEFAULT_BUDGET_BYTES),
            git: git_program(),
            upstream_grace: DEFAULT_UPSTREAM_GRACE,
            push_limits: PushLimits::default(),
            hooks: data_dir.join("hooks"),
            usage: Arc::default(),
            backends: Arc::new(tokio::sync::Semaphore::new(MAX_BACKENDS)),
        }
    }
}

impl Forge {
    /// How many repositories there are and their size on disk in bytes (cached).
    pub async fn usage(&self) -> (u64, u64) {
        let mut cached = self.usage.lock().await;
        if let Some((at, usage)) = *cached
            && at.elapsed() < USAGE_EVERY
        {
            return usage;
        }
        let root = self.repositories.root().to_path_buf();
        let usage = tokio::task::spawn_blocking(move || maintenance::usage(&root))
            .await
            .unwrap_or((0, 0));
        *cached = Some((std::time::Instant::now(), usage));
        usage
    }
}

/// What every git process civiforge runs starts from, instead of the server's environment:
/// a plain `PATH`, and neither the system's nor the server user's git configuration read.
pub fn base_environment() -> Vec<(&'static str, OsString)> {
    vec![
        ("PATH", "/usr/local/bin:/usr/bin:/bin".into()),
        ("GIT_CONFIG_NOSYSTEM", "1".into()),
        ("GIT_CONFIG_GLOBAL", "/dev/null".into()),
    ]
}

/// The `git` program, found once on the server's `PATH`.
pub fn git_program() -> PathBuf {
    find_program("git").unwrap_or_else(|| PathBuf::from("/usr/bin/git"))
}

/// The first executable file called `name` in the server's `PATH`: the CGI process gets an
/// environment of its own, so the program is located before it is cleared.
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|folder| folder.join(name))
        .find(|candidate| candidate.is_file())
}
