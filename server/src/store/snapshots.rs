//! What indexing a repository stores: its snapshot, or why it was unchanged or failed: the part
//! of the [`Store`](super::Store) interface that keeps them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::*;
use crate::model::*;

/// What indexing a repository stores: its snapshot, or why it was unchanged or failed.
#[async_trait]
pub trait SnapshotStore: Send + Sync {
    /// The project's repository and last refs digest, for the worker.
    async fn index_target(&self, project_id: i64) -> StoreResult<Option<IndexTarget>>;
    /// Ids of projects by slug (unknown slugs are left out); all projects when empty.
    async fn project_ids(&self, slugs: &[String]) -> StoreResult<Vec<(i64, String)>>;
    /// Stores an indexing run's results, replacing the previous snapshot, in one transaction.
    async fn save_snapshot(
        &self,
        project_id: i64,
        snapshot: SnapshotRecord,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Records a fetch that found the refs unchanged.
    async fn record_unchanged(&self, project_id: i64, at: DateTime<Utc>) -> StoreResult<()>;
    /// Records a failed fetch or extraction; the last good snapshot stays. An
    /// `upstream_outage` (the repository does not answer or is gone) starts the count of how
    /// long the upstream has been unavailable, unless it runs already.
    async fn record_index_failure(
        &self,
        project_id: i64,
        error: &str,
        upstream_outage: bool,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
}
