//! The forge: the part of the [`Store`](super::Store) interface that keeps release archives'
//! digests (their files are a cache kept by `forge::archives`) and finds versions' commits,
//! withdrawn ones included.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::*;
use crate::model::*;

/// One archive's record, once built.
#[derive(Debug, Clone)]
pub struct BuiltArchive {
    pub project_id: i64,
    pub version: String,
    pub format: ArchiveFormat,
    pub commit: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub built_at: DateTime<Utc>,
}

/// Release archives' digests, versions' commits.
#[async_trait]
pub trait ForgeStore: Send + Sync {
    /// The project's id and the commit its version `version` names (a version the upstream
    /// withdrew included); none when the project is hidden or unknown, or has no such version.
    async fn version_commit(
        &self,
        slug: &str,
        version: &str,
    ) -> StoreResult<Option<(i64, Option<String>)>>;
    /// The id of the visible project `slug` and whether it is hosted: what the forge needs to
    /// serve its repository.
    async fn served_repository(&self, slug: &str) -> StoreResult<Option<(i64, bool)>>;
    /// Records an archive's digest, replacing the record of an earlier commit.
    async fn record_archive(&self, archive: &BuiltArchive) -> StoreResult<()>;
    /// Makes a mirrored project hosted at `home`, its upstream kept as `imported_from`;
    /// false when there is no such visible project. A hosted one is left as it is.
    async fn move_home(&self, slug: &str, home: &str, audit: &Audit) -> StoreResult<bool>;
}
