//! Version lag: the part of the [`Store`](super::Store) interface that counts which versions
//! adopters run and what newer releases exist.

use async_trait::async_trait;

use super::*;
use crate::model::*;

/// Versions in use, and updates available.
#[async_trait]
pub trait VersionLagStore: Send + Sync {
    /// A visible project's adoptions in use, counted by declared version, with the tag each
    /// names and the releases newer than it; `None` when there is no such project.
    async fn version_usage(&self, slug: &str) -> StoreResult<Option<Vec<VersionUsage>>>;
    /// What an organisation uses (visible projects, in use) at a known version older than
    /// its project's latest release.
    async fn updates_available(&self, organisation_id: &str) -> StoreResult<Vec<UpdateAvailable>>;
    /// The newest releases of the visible projects of a category, newest first.
    async fn releases_in_category(
        &self,
        category: &str,
        limit: i64,
    ) -> StoreResult<Vec<UsedRelease>>;
    /// The newest releases of the visible projects an organisation uses, newest first.
    async fn releases_used_by(
        &self,
        organisation_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<UsedRelease>>;
}
