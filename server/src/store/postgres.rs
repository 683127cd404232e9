//! PostgreSQL, for production and for several instances sharing one catalogue.

use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

/// The catalogue in a PostgreSQL database.
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to the database a `postgres://` URL names.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let unreachable = || {
            format!(
                "impossible de joindre la base PostgreSQL « {} » ; vérifiez --database \
                 (CIVIFORGE_DATABASE_URL) et que le serveur est démarré",
                super::redact_url(url)
            )
        };
        let mut options: PgConnectOptions = url.parse().with_context(unreachable)?;
        // A lock held too long answers 503 rather than holding every request behind it; a
        // `lock_timeout` the URL sets itself (`?options=-c lock_timeout=…`) is kept.
        if !options
            .get_options()
            .is_some_and(|set| set.contains("lock_timeout"))
        {
            let wait = format!("{}ms", super::LOCK_WAIT.as_millis());
            options = options.options([("lock_timeout", wait.as_str())]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(crate::logging::statement_logging(options))
            .await
            .with_context(unreachable)?;
        Ok(Self { pool })
    }
}

/// Where PostgreSQL differs from the other engine; the SQL of every aggregate, in `sql/`, is
/// compiled here against these names.
mod dialect {
    pub type Db = sqlx::Postgres;
    pub type Engine = super::PostgresStore;
    pub const ENGINE: &str = "postgres";
    pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");
    /// Read committed suffices: writes that depend on a read lock their rows.
    pub const BEGIN_WRITE: &str = "BEGIN";
    /// Several workers on one database: each skips the rows another is claiming.
    pub const CLAIM_LOCK: &str = " FOR UPDATE SKIP LOCKED";
    /// One registration at a time, so that two spellings of one repository registered at
    /// once cannot both pass the check (reads go on; other writes to projects wait the few
    /// milliseconds it lasts).
    pub const REGISTER_LOCK: &str = "LOCK TABLE projects IN SHARE ROW EXCLUSIVE MODE";
    /// Ids are `GENERATED ALWAYS`: a dump's rows keep theirs only when told so.
    pub const OVERRIDING_IDENTITY: &str = " OVERRIDING SYSTEM VALUE";
    /// After rows came with their ids, the next generated one follows the largest.
    pub const RESET_IDENTITY: &str = "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
         COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)";
    /// Emptying the reference data row by row runs every foreign key's check for each
    /// (9 s for the communes); `TRUNCATE` of all the tables at once skips them.
    pub const TRUNCATE: bool = true;
    /// One snapshot for every table of an export, taken while the server goes on.
    pub const BEGIN_SNAPSHOT: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    /// No SQL copies a PostgreSQL database to a file: `civiforge backup` runs `pg_dump`.
    pub const COPY_DATABASE: Option<&str> = None;
}

// The same SQL is compiled for each engine on purpose: that is how it is written once.
#[allow(clippy::duplicate_mod)]
#[path = "sql/mod.rs"]
mod sql;
