//! The catalogue's storage: one [`Store`] interface, implemented for SQLite (the embedded
//! default) and PostgreSQL (production, several instances). Both run the same SQL, written
//! once in [`sql`], and pass the same test suite.

mod postgres;
mod sql;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::model::*;
use crate::reference::ReferenceData;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique value is already taken; the text names which, for the user.
    #[error("{0}")]
    Conflict(Conflict),
    /// The thing named does not exist.
    #[error("{0} introuvable")]
    NotFound(&'static str),
    #[error("erreur de la base de données : {0}")]
    Database(#[from] sqlx::Error),
    #[error("erreur de migration : {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

/// Which unique value clashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    #[error("ce slug est déjà pris par un autre projet")]
    Slug,
    #[error("ce dépôt est déjà enregistré")]
    RepositoryUrl,
    #[error("un compte existe déjà avec cette adresse e-mail")]
    Email,
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A user found through an API token.
#[derive(Debug, Clone)]
pub struct TokenOwner {
    pub user: User,
    pub scopes: Vec<String>,
}

/// Everything civiforge keeps, whatever the database engine.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`, for logs and metrics.
    fn engine(&self) -> &'static str;
    /// Applies the migrations of this engine.
    async fn migrate(&self) -> StoreResult<()>;
    /// Answers when the database does.
    async fn ping(&self) -> StoreResult<()>;
    /// Closes every connection (waits for those in use).
    async fn close(&self);

    /// The edition of reference data last loaded, if any.
    async fn reference_edition(&self) -> StoreResult<Option<String>>;
    /// Inserts or updates every reference organisation, membership and alias, and records
    /// the edition; running it twice changes nothing.
    async fn load_reference(&self, data: &ReferenceData) -> StoreResult<()>;

    async fn create_user(&self, user: NewUser) -> StoreResult<User>;
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    /// Stores the hash of a new token for a user.
    async fn create_token(
        &self,
        user_id: i64,
        token_hash: &str,
        label: &str,
        scopes: &[String],
        expires_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()>;
    /// A user's tokens, newest first.
    async fn list_tokens(&self, user_id: i64) -> StoreResult<Vec<ApiToken>>;
    /// Revokes one of a user's tokens; false when the user has no such live token.
    async fn revoke_token(&self, user_id: i64, token_id: i64) -> StoreResult<bool>;
    /// The owner of a live (not revoked, not expired) token, and marks it used.
    async fn token_owner(&self, token_hash: &str) -> StoreResult<Option<TokenOwner>>;

    /// How the existing adoption of a project by an organisation was verified, if any.
    async fn adoption_verification(
        &self,
        slug: &str,
        organisation_id: &str,
    ) -> StoreResult<Option<String>>;
    /// Hides (or shows again) a project; false when there is no such project.
    async fn set_project_hidden(&self, slug: &str, hidden: bool) -> StoreResult<bool>;
    /// E-mail domains whose owners are taken to speak for the organisation.
    /// (slug, name) of the projects moderators hid.
    async fn hidden_projects(&self) -> StoreResult<Vec<(String, String)>>;
    async fn email_domains(&self, organisation_id: &str) -> StoreResult<Vec<String>>;
    async fn set_email_domains(&self, organisation_id: &str, domains: &[String])
    -> StoreResult<()>;
    /// Files (or renews) a user's claim to act for an organisation; verified at once until
    /// `verified_until` when the e-mail domain vouches for it.
    async fn file_claim(
        &self,
        user_id: i64,
        organisation_id: &str,
        verified_until: Option<DateTime<Utc>>,
    ) -> StoreResult<Claim>;
    async fn claim(&self, id: i64) -> StoreResult<Option<Claim>>;
    /// Claims, optionally by status and user.
    async fn claims(&self, status: Option<&str>, user_id: Option<i64>) -> StoreResult<Vec<Claim>>;
    /// A moderator's decision on a claim.
    async fn decide_claim(
        &self,
        id: i64,
        verified: bool,
        moderator_id: i64,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<Claim>;
    /// Whether the user is a verified, unexpired agent of the organisation.
    async fn is_agent(&self, user_id: i64, organisation_id: &str) -> StoreResult<bool>;

    /// Appends a write to the audit log.
    async fn audit(&self, user_id: Option<i64>, entry: &AuditEntry) -> StoreResult<()>;
    /// The audit log, newest first.
    async fn audit_log(&self, window: Window) -> StoreResult<Page<AuditEntry>>;

    /// Records an attempt under a rate-limit key (`ip:…`, `account:…`).
    async fn record_attempt(&self, key: &str, at: DateTime<Utc>) -> StoreResult<()>;
    /// Attempts recorded under a key since a moment.
    async fn count_attempts(&self, key: &str, since: DateTime<Utc>) -> StoreResult<i64>;

    /// Replaces a user's password hash and ends every session of theirs but `keep`.
    async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session: Option<&str>,
    ) -> StoreResult<()>;
    /// Makes a user a maintainer of a project (no change if already one).
    async fn add_maintainer(&self, slug: &str, user_id: i64) -> StoreResult<()>;

    /// Opens a browser session for a user until `expires_at`.
    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The user of a live session.
    async fn session_user(&self, token_hash: &str) -> StoreResult<Option<User>>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;

    /// Registers a project, makes the registrant its maintainer and queues its indexing.
    async fn register_project(&self, project: NewProject, registrant: i64) -> StoreResult<Project>;
    async fn project(&self, slug: &str) -> StoreResult<Option<Project>>;
    async fn list_projects(
        &self,
        filter: &ProjectFilter,
        window: Window,
    ) -> StoreResult<Page<Project>>;
    async fn update_project(&self, slug: &str, changes: ProjectChanges) -> StoreResult<Project>;
    async fn is_maintainer(&self, slug: &str, user_id: i64) -> StoreResult<bool>;
    /// Versions, newest first.
    /// The organisations a project says use it, from publiccode.yml and its maintainers.
    async fn known_users(&self, slug: &str) -> StoreResult<Vec<KnownUser>>;
    /// Replaces the maintainers' list of known users: (organisation id, label) pairs of
    /// organisations that exist.
    async fn set_known_users(
        &self,
        slug: &str,
        organisations: &[(String, String)],
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn versions(&self, slug: &str) -> StoreResult<Vec<Version>>;
    /// Queues an indexing job for the project unless one is already waiting.
    async fn request_index(&self, slug: &str) -> StoreResult<()>;

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
    /// Records a failed fetch or extraction; the last good snapshot stays.
    async fn record_index_failure(
        &self,
        project_id: i64,
        error: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// The project's id and webhook secret generation.
    async fn webhook_identity(&self, slug: &str) -> StoreResult<Option<(i64, i64)>>;
    /// Moves the project to a new webhook secret generation and returns (id, generation).
    async fn rotate_webhook_secret(&self, slug: &str) -> StoreResult<(i64, i64)>;

    /// Takes the next due job, if any; several workers never take the same one.
    async fn claim_job(&self, worker: &str, now: DateTime<Utc>) -> StoreResult<Option<Job>>;
    /// A job that succeeded; earlier failed jobs of the project go with it.
    async fn finish_job(&self, job: &Job) -> StoreResult<()>;
    /// Puts a job back in the queue to run again at `run_after`.
    async fn retry_job(&self, job: &Job, error: &str, run_after: DateTime<Utc>) -> StoreResult<()>;
    /// A job that will not be retried.
    async fn fail_job(&self, job: &Job, error: &str) -> StoreResult<()>;
    /// Returns to the queue the jobs of workers that died holding them.
    async fn reclaim_stale_jobs(&self, locked_before: DateTime<Utc>) -> StoreResult<u64>;
    /// Queues a refresh of every project not fetched since `fetched_before`.
    async fn enqueue_due_refreshes(
        &self,
        fetched_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;

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

    async fn search_organisations(
        &self,
        query: &OrganisationQuery,
        window: Window,
    ) -> StoreResult<Page<Organisation>>;
    /// The organisation with this id, or the current one that an old code resolves to.
    async fn organisation(&self, id: &str) -> StoreResult<Option<Organisation>>;
    async fn organisation_detail(&self, id: &str) -> StoreResult<Option<OrganisationDetail>>;

    /// Declares (or updates) an organisation's use of a project, keeping the history.
    /// Returns the adoption and whether it is new.
    async fn declare_adoption(
        &self,
        declaration: AdoptionDeclaration,
    ) -> StoreResult<(Adoption, bool)>;
    /// Every declaration made about one adoption, oldest first.
    async fn adoption_history(
        &self,
        slug: &str,
        organisation_id: &str,
    ) -> StoreResult<Vec<AdoptionEvent>>;
    async fn project_adoptions(&self, slug: &str, window: Window) -> StoreResult<Page<Adoption>>;
    async fn organisation_adoptions(&self, id: &str, window: Window)
    -> StoreResult<Page<Adoption>>;

    async fn counts(&self) -> StoreResult<CatalogueCounts>;
    /// Organisations using a project (in use or evaluating), per département.
    async fn adopters_by_departement(&self, slug: &str) -> StoreResult<Vec<(String, i64)>>;
    /// Organisations running each version of a project (in use), most common first.
    async fn versions_in_use(&self, slug: &str) -> StoreResult<Vec<(Option<String>, i64)>>;
    /// Visible projects per category slug.
    async fn category_counts(&self) -> StoreResult<Vec<(String, i64)>>;
    /// Projects used by organisations of the same département, then of the same EPCI,
    /// that this one does not declare, most used first.
    async fn peer_suggestions(
        &self,
        organisation_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<PeerSuggestion>>;
}

/// Opens the store that a database URL names: `sqlite://…` or `postgres://…`.
pub async fn connect(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(url).await?))
    } else {
        anyhow::bail!(
            "adresse de base de données non reconnue « {} » : utilisez sqlite://CHEMIN ou postgres://…",
            redact_url(url)
        )
    }
}

/// A database URL with its password hidden, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// Whether a database error is a violation of a unique constraint.
fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}
