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
        let options: PgConnectOptions = url.parse().with_context(unreachable)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(crate::logging::statement_logging(options))
            .await
            .with_context(unreachable)?;
        Ok(Self { pool })
    }
}

super::sql::impl_sql_store!(
    PostgresStore,
    sqlx::Postgres,
    "postgres",
    "../migrations/postgres",
    // Several workers on one database: each skips the rows another is claiming.
    " FOR UPDATE SKIP LOCKED",
    "BEGIN"
);
