//! A version's release archive obtained and recorded: built if the cache lacks it, its
//! digest then kept in the database for the project page and the versions API. The page
//! that serves archives and the worker (which builds the latest release's ahead, so that its
//! digests show from the start) both go through here.

use std::path::Path;

use chrono::Utc;

use super::Repositories;
use super::archives::{Archive, ArchiveCache, ArchiveError, ArchiveSpec};
use crate::model::ArchiveFormat;
use crate::store::Store;
use crate::store::forge::BuiltArchive;

/// One version's archive to obtain.
#[derive(Debug, Clone)]
pub struct Release<'a> {
    pub project_id: i64,
    pub slug: &'a str,
    pub version: &'a str,
    pub commit: &'a str,
    pub format: ArchiveFormat,
}

/// Where releases are built from and kept.
#[derive(Debug, Clone)]
pub struct Releases {
    pub git: std::path::PathBuf,
    pub repositories: Repositories,
    pub cache: ArchiveCache,
}

impl Releases {
    pub fn in_data_dir(data_dir: &Path, budget: u64) -> Self {
        Self {
            git: super::git_program(),
            repositories: Repositories::in_data_dir(data_dir),
            cache: ArchiveCache::in_data_dir(data_dir, budget),
        }
    }

    /// The archive, from the cache or built now; a new build's digest is recorded.
    pub async fn obtain(
        &self,
        store: &dyn Store,
        release: &Release<'_>,
    ) -> Result<Archive, ArchiveError> {
        let spec = ArchiveSpec {
            git: self.git.clone(),
            repository: self.repositories.path(release.project_id),
            project_id: release.project_id,
            commit: release.commit.to_string(),
            prefix: archive_prefix(release.slug, release.version),
            format: release.format,
        };
        let archive = self.cache.get_or_build(spec).await?;
        if archive.built {
            let record = BuiltArchive {
                project_id: release.project_id,
                version: release.version.to_string(),
                format: release.format,
                commit: release.commit.to_string(),
                sha256: archive.sha256.clone(),
                size_bytes: i64::try_from(archive.size).unwrap_or(i64::MAX),
                built_at: Utc::now(),
            };
            // The file is served even if its digest could not be recorded: the next build
            // records it, with the same bytes.
            if let Err(error) = store.record_archive(&record).await {
                tracing::warn!(project = release.slug, version = release.version, %error,
                    "archive digest not recorded");
            }
        }
        Ok(archive)
    }

    /// Builds the archives of the project's latest release that have no digest yet.
    pub async fn prepare_latest(&self, store: &dyn Store, project_id: i64, slug: &str) {
        let Ok(versions) = store.versions(slug).await else {
            return;
        };
        let latest = versions
            .iter()
            .find(|v| v.is_release && v.withdrawn_at.is_none());
        let Some(latest) = latest else {
            return;
        };
        let Some(commit) = latest.commit.as_deref() else {
            return;
        };
        for archive in latest.archives.iter().filter(|a| a.sha256.is_none()) {
            let release = Release {
                project_id,
                slug,
                version: &latest.name,
                commit,
                format: archive.format,
            };
            if let Err(error) = self.obtain(store, &release).await {
                tracing::warn!(project = slug, version = latest.name, %error,
                    "latest release archive not built");
            }
        }
    }
}

/// The folder the archive's files sit in and the download's name: `openelec-4.2.0`, the
/// tag's characters other than letters, digits, `.`, `_` and `-` made `-`.
pub fn archive_prefix(slug: &str, version: &str) -> String {
    let version: String = version
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let version = version.trim_start_matches('.');
    format!("{slug}-{version}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn prefixes_hold_no_path() {
        assert_eq!(super::archive_prefix("openelec", "4.2.0"), "openelec-4.2.0");
        assert_eq!(
            super::archive_prefix("openelec", "../../release/4 é"),
            "openelec--..-release-4--"
        );
    }
}
