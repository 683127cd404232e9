//! The audit log of every write: the part of the [`Store`](super::Store) interface that keeps them.

use async_trait::async_trait;

use super::*;
use crate::model::*;

/// The audit log of every write.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends a write to the audit log.
    async fn audit(&self, user_id: Option<i64>, entry: &AuditEntry) -> StoreResult<()>;
    /// The audit log, newest first.
    async fn audit_log(&self, window: Window) -> StoreResult<Page<AuditEntry>>;
}
