//! What the search index reads: project sources and the change log: the part of the
//! [`Store`](super::Store) interface that keeps them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::*;
use crate::model::*;

/// What the search index reads: project sources and the change log.
#[async_trait]
pub trait SearchFeedStore: Send + Sync {
    /// What the search index needs about these projects (hidden ones are left out).
    async fn search_sources(&self, project_ids: &[i64]) -> StoreResult<Vec<SearchSource>>;
    /// Every visible project's id.
    async fn all_project_ids(&self) -> StoreResult<Vec<i64>>;
    /// Change-log entries after `after_id`, and any written since `recent_since` (a
    /// transaction may commit after a later one), as (change id, project id), oldest first.
    async fn changes_after(
        &self,
        after_id: i64,
        recent_since: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<(i64, i64)>>;
    /// The newest change-log id (0 when empty).
    async fn last_change_id(&self) -> StoreResult<i64>;
}
