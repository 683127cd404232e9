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
    /// The owner of a live (not revoked, not expired) token, and marks it used.
    async fn token_owner(&self, token_hash: &str) -> StoreResult<Option<TokenOwner>>;

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
    async fn versions(&self, slug: &str) -> StoreResult<Vec<Version>>;
    /// Queues an indexing job for the project unless one is already waiting.
    async fn request_index(&self, slug: &str) -> StoreResult<()>;

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
