//! The audit log of every write (each write stores its entry in its own transaction): the
//! part of the [`Store`](super::Store) interface that reads it.

use async_trait::async_trait;

use super::*;
use crate::model::*;

/// The audit log of every write.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// The audit log, newest first.
    async fn audit_log(&self, window: Window) -> StoreResult<Page<AuditEntry>>;
}
