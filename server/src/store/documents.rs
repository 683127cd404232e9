//! Shared documents of projects and groups: the part of the [`Store`](super::Store)
//! interface that keeps their records (their files are kept by `document_files`).

use async_trait::async_trait;

use super::*;
use crate::model::*;

/// Shared documents.
#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// Records a document; `NotFound` for a project unknown or hidden, or a group unknown.
    async fn attach_document(&self, document: NewDocument, audit: &Audit) -> StoreResult<Document>;
    /// The documents of a project (unless hidden) or a group, the most recent first.
    async fn documents(&self, target: &DocumentTarget) -> StoreResult<Vec<Document>>;
    /// One document, unless its project is hidden.
    async fn document(&self, id: i64) -> StoreResult<Option<StoredDocument>>;
    /// Removes a document; answers the digest of its file when no other document holds the
    /// same content, for the caller to delete it.
    async fn remove_document(&self, id: i64, audit: &Audit) -> StoreResult<Option<String>>;
}
