//! The catalogue's storage: one [`Store`] interface, made of one trait per aggregate
//! (accounts, projects, snapshots, jobs, search feed, organisations, adoptions, claims, audit,
//! catalogue figures, bulk imports, working groups, pooling structures, service providers), implemented for SQLite (the embedded default) and PostgreSQL
//! (production, several instances). Both run the same SQL, written once in `sql/` and
//! compiled once per engine, and pass the same test suite.

mod accounts;
mod adoptions;
mod audit;
mod catalogue;
mod claims;
mod dashboards;
mod documents;
pub mod dump;
pub mod forge;
mod groups;
mod imports;
mod jobs;
mod lag;
mod mail;
mod organisations;
mod postgres;
mod projects;
mod providers;
mod rows;
mod search_feed;
mod snapshots;
mod sqlite;
mod structures;

pub use accounts::{AccountStore, LASTING_ATTEMPT_DAYS, LASTING_ATTEMPT_PREFIX};
pub use adoptions::AdoptionStore;
pub use audit::AuditStore;
pub use catalogue::CatalogueStore;
pub use claims::ClaimStore;
pub use dashboards::DashboardStore;
pub use documents::DocumentStore;
pub use dump::DumpStore;
pub use forge::ForgeStore;
pub use groups::{GroupFilter, GroupStore};
pub use imports::{ImportRefusal, ImportStore, ImportedAdoption, ImportedProject};
pub use jobs::{JobStore, QueueStatus};
pub use lag::VersionLagStore;
pub use mail::MailStore;
pub use organisations::OrganisationStore;
pub use projects::ProjectStore;
pub use providers::{ProviderFilter, ProviderStore};
pub use search_feed::SearchFeedStore;
pub use snapshots::SnapshotStore;
pub use structures::StructureStore;

/// Every store interface, for callers of their methods.
pub mod prelude {
    pub use super::{
        AccountStore, AdoptionStore, AuditStore, CatalogueStore, ClaimStore, DashboardStore,
        DocumentStore, DumpStore, ForgeStore, GroupStore, ImportStore, JobStore, MailStore,
        OrganisationStore, ProjectStore, ProviderStore, SearchFeedStore, SnapshotStore, Store,
        StructureStore, VersionLagStore,
    };
}

use std::sync::Arc;

use crate::model::*;
use async_trait::async_trait;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique value is already taken; the text names which, for the user.
    #[error("{0}")]
    Conflict(Conflict),
    /// The thing named does not exist.
    #[error("{} introuvable", .0.label())]
    NotFound(Entity),
    #[error("erreur de la base de données : {0}")]
    Database(#[from] sqlx::Error),
    #[error("erreur de migration : {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A dump could not be written out or read back in; the text says why, for the user.
    #[error("{0}")]
    Dump(String),
    /// A bulk import's batch was refused whole; the refusal names the row.
    #[error("import refusé : {0}")]
    ImportRefused(ImportRefusal),
}

/// Which unique value clashed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    #[error("ce slug est déjà pris par un autre projet")]
    Slug,
    /// The repository, under this spelling or another, is the project's with this slug.
    #[error("ce dépôt est déjà enregistré : c'est celui du projet « {0} »")]
    RepositoryUrl(String),
    #[error("un compte existe déjà avec cette adresse e-mail")]
    Email,
    #[error("ce slug est déjà pris par un autre groupe de travail")]
    GroupSlug,
    /// The id, made from the slug, is an existing organisation's.
    #[error("l'identifiant {0} est déjà celui d'une organisation : choisissez un autre slug")]
    OrganisationId(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A user found through an API token.
#[derive(Debug, Clone)]
pub struct TokenOwner {
    pub user: User,
    pub scopes: Vec<Scope>,
}

/// Everything civiforge keeps, whatever the database engine: one interface per aggregate,
/// brought together. Callers import [`prelude`] to reach every method.
#[async_trait]
pub trait Store:
    AccountStore
    + ProjectStore
    + SnapshotStore
    + JobStore
    + MailStore
    + SearchFeedStore
    + OrganisationStore
    + AdoptionStore
    + ClaimStore
    + AuditStore
    + CatalogueStore
    + ImportStore
    + VersionLagStore
    + GroupStore
    + StructureStore
    + ProviderStore
    + DashboardStore
    + DocumentStore
    + ForgeStore
    + DumpStore
    + Send
    + Sync
    + 'static
{
    /// `sqlite` or `postgres`, for logs and metrics.
    fn engine(&self) -> &'static str;
    /// Applies the migrations of this engine.
    async fn migrate(&self) -> StoreResult<()>;
    /// Answers when the database does.
    async fn ping(&self) -> StoreResult<()>;
    /// Answers when the database takes a write: one row rewritten and committed (a locked
    /// file, a full disk or a read-only server fail here, not on a read).
    async fn check_writable(&self) -> StoreResult<()>;
    /// Closes every connection (waits for those in use).
    async fn close(&self);
    /// Writes a consistent copy of the whole database to the file `target` while the server
    /// goes on (SQLite's `VACUUM INTO`); false when the engine cannot (PostgreSQL:
    /// `pg_dump` does it).
    async fn copy_database(&self, target: &std::path::Path) -> StoreResult<bool>;
    /// The connection pool now: (open connections, idle ones, most it opens).
    fn pool_usage(&self) -> (u32, u32, u32);
}

/// How long a statement waits for a lock another connection holds (SQLite's busy timeout,
/// PostgreSQL's `lock_timeout`) before the database counts as unavailable (503): writers
/// wait for each other rather than fail, but a lock held too long must not hold requests.
pub const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

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

/// Whether a database error says the database cannot serve now rather than that the
/// request or the code is wrong: no connection, a lock held too long, a full disk, an I/O
/// error, a read-only file or server. Retrying later may succeed (503, not 500).
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(database) => {
            if let Some(sqlite) = database.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
                // Primary result codes: BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN.
                let code: i32 = sqlx::error::DatabaseError::code(sqlite)
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(0);
                matches!(code & 0xff, 5 | 6 | 8 | 10 | 13 | 14)
            } else if let Some(postgres) =
                database.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
            {
                let code = postgres.code();
                // Connection exceptions, insufficient resources (disk full, too many
                // connections), shutting down or starting, a lock not granted in time, a
                // read-only server, a database that is gone.
                code.starts_with("08")
                    || code.starts_with("53")
                    || matches!(
                        code,
                        "57P01" | "57P02" | "57P03" | "55P03" | "25006" | "3D000"
                    )
            } else {
                false
            }
        }
        _ => false,
    }
}

/// Whether a database error is a violation of a unique constraint.
fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}
