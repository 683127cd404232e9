//! Projects: registration, reading, editing, maintainers, visibility, known users, versions,
//! webhook secrets: the part of the [`Store`](super::Store) interface that keeps them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::*;
use crate::model::*;

/// Projects: registration, reading, editing, maintainers, visibility, known users, versions, webhook secrets.
#[async_trait]
pub trait ProjectStore: Send + Sync {
    /// Hides (or shows again) a project; false when there is no such project.
    async fn set_project_hidden(
        &self,
        slug: &str,
        hidden: bool,
        audit: &Audit,
    ) -> StoreResult<bool>;
    /// (slug, repository URL) of every project, hidden ones included, in id order.
    async fn repository_urls(&self) -> StoreResult<Vec<(String, String)>>;
    /// Rewrites a project's repository URL (to its canonical spelling); false when there is
    /// no such project, a conflict when another project has that URL.
    async fn set_repository_url(&self, slug: &str, url: &str, audit: &Audit) -> StoreResult<bool>;
    /// (slug, name) of the projects moderators hid.
    async fn hidden_projects(&self) -> StoreResult<Vec<(String, String)>>;
    /// Makes a user a maintainer of a project (no change if already one).
    async fn add_maintainer(&self, slug: &str, user_id: i64, audit: &Audit) -> StoreResult<()>;
    /// Registers a project, makes the registrant its maintainer and queues its indexing.
    async fn register_project(
        &self,
        project: NewProject,
        registrant: i64,
        audit: &Audit,
    ) -> StoreResult<Project>;
    async fn project(&self, slug: &str) -> StoreResult<Option<Project>>;
    async fn list_projects(
        &self,
        filter: &ProjectFilter,
        window: Window,
    ) -> StoreResult<Page<Project>>;
    async fn update_project(
        &self,
        slug: &str,
        changes: ProjectChanges,
        audit: &Audit,
    ) -> StoreResult<Project>;
    async fn is_maintainer(&self, slug: &str, user_id: i64) -> StoreResult<bool>;
    /// The organisations a project says use it, from publiccode.yml and its maintainers.
    async fn known_users(&self, slug: &str) -> StoreResult<Vec<KnownUser>>;
    /// Replaces the maintainers' list of known users: (organisation id, label) pairs of
    /// organisations that exist.
    async fn set_known_users(
        &self,
        slug: &str,
        organisations: &[(String, String)],
        at: DateTime<Utc>,
        audit: &Audit,
    ) -> StoreResult<()>;
    /// Versions, newest first.
    async fn versions(&self, slug: &str) -> StoreResult<Vec<Version>>;
    /// Queues an indexing job for the project unless one is already waiting; a request made
    /// by someone is audited.
    async fn request_index(&self, slug: &str, audit: Option<&Audit>) -> StoreResult<()>;
    /// The project's id and webhook secret generation.
    async fn webhook_identity(&self, slug: &str) -> StoreResult<Option<(i64, i64)>>;
    /// Moves the project to a new webhook secret generation and returns (id, generation).
    async fn rotate_webhook_secret(&self, slug: &str, audit: &Audit) -> StoreResult<(i64, i64)>;
}
