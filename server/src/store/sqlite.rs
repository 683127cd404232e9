//! The embedded default: a SQLite file under the data folder.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::LOCK_WAIT as BUSY_TIMEOUT;

/// The catalogue in a SQLite database.
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (and creates if missing) the database a `sqlite://` URL names.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        Self::connect_with_busy_timeout(url, BUSY_TIMEOUT).await
    }

    /// [`SqliteStore::connect`] syncing as told, for the benchmark that measures what
    /// `FULL` costs; the catalogue itself always runs `FULL`.
    pub async fn connect_syncing(
        url: &str,
        synchronous: SqliteSynchronous,
    ) -> anyhow::Result<Self> {
        Self::open(url, BUSY_TIMEOUT, synchronous).await
    }

    /// [`SqliteStore::connect`], waiting at most `busy_timeout` for another connection's
    /// lock before a statement fails (tests shorten it).
    pub async fn connect_with_busy_timeout(
        url: &str,
        busy_timeout: Duration,
    ) -> anyhow::Result<Self> {
        Self::open(url, busy_timeout, SqliteSynchronous::Full).await
    }

    async fn open(
        url: &str,
        busy_timeout: Duration,
        synchronous: SqliteSynchronous,
    ) -> anyhow::Result<Self> {
        // FULL: an acknowledged write survives a power cut, not only a crash (in WAL mode
        // NORMAL may lose the last commits when the machine stops). What it costs per write
        // is in docs/benchmarks.md (« Durable writes »).
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("adresse SQLite invalide « {url} »"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .foreign_keys(true)
            .busy_timeout(busy_timeout);
        let file = options.get_filename().to_path_buf();
        let in_memory = file
            .to_str()
            .is_some_and(|f| f.is_empty() || f.starts_with(':'));
        if let Some(parent) = file.parent()
            && !parent.as_os_str().is_empty()
            && !in_memory
        {
            crate::private_files::create_dir(parent)
                .with_context(|| format!("impossible de créer le dossier {}", parent.display()))?;
        }
        if !in_memory {
            // The database holds password hashes: 0600, and SQLite gives its journal files
            // the database's mode.
            let private = || -> std::io::Result<()> {
                crate::private_files::create_file(&file)?;
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let mut path = file.clone().into_os_string();
                    path.push(suffix);
                    crate::private_files::make_private(std::path::Path::new(&path))?;
                }
                Ok(())
            };
            private().with_context(|| format!("impossible de protéger {}", file.display()))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // After a failed write (a full disk, say) SQLite may have rolled the transaction
            // back itself; sqlx's own ROLLBACK then fails and it still counts the
            // connection as in a transaction, so every later BEGIN on it would fail. An idle
            // connection in that state is closed rather than handed out (the pool's ping
            // before this runs after any rollback still queued).
            .before_acquire(|conn, _| {
                use sqlx::Connection;
                let clean = !conn.is_in_transaction();
                Box::pin(async move {
                    if !clean {
                        tracing::warn!("closed a SQLite connection left inside a transaction");
                    }
                    Ok(clean)
                })
            })
            .connect_with(crate::logging::statement_logging(options))
            .await
            .with_context(|| format!("impossible d'ouvrir la base SQLite « {url} »"))?;
        Ok(Self { pool })
    }
}

/// Where SQLite differs from the other engine; the SQL of every aggregate, in `sql/`, is
/// compiled here against these names.
mod dialect {
    pub type Db = sqlx::Sqlite;
    pub type Engine = super::SqliteStore;
    pub const ENGINE: &str = "sqlite";
    pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
    /// Take the write lock at the start: a deferred transaction that reads first cannot
    /// upgrade once another connection has written, and fails without waiting.
    pub const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";
    /// SQLite runs one writer at a time: the claiming UPDATE is atomic as it is.
    pub const CLAIM_LOCK: &str = "";
    /// Registrations are serialised by `BEGIN IMMEDIATE` already.
    pub const REGISTER_LOCK: &str = "";
    /// An `INTEGER PRIMARY KEY` takes the id given.
    pub const OVERRIDING_IDENTITY: &str = "";
    /// `AUTOINCREMENT` moves past the largest id inserted by itself.
    pub const RESET_IDENTITY: &str = "";
    /// SQLite has no `TRUNCATE`: tables are emptied one by one (its own fast path).
    pub const TRUNCATE: bool = false;
    /// In WAL mode a read transaction sees the database as it was at its first read.
    pub const BEGIN_SNAPSHOT: &str = "BEGIN";
    /// A consistent copy of the open database, written while others go on.
    pub const COPY_DATABASE: Option<&str> = Some("VACUUM INTO $1");
}

// The same SQL is compiled for each engine on purpose: that is how it is written once.
#[allow(clippy::duplicate_mod)]
#[path = "sql/mod.rs"]
mod sql;

#[cfg(test)]
mod tests {
    use super::*;

    /// An acknowledged write must survive a power cut: every connection syncs `FULL`.
    #[tokio::test]
    async fn the_catalogue_syncs_every_commit() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}", dir.path().join("civiforge.db").display());
        let store = SqliteStore::connect(&url).await.expect("store");
        for _ in 0..3 {
            let level: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(&store.pool)
                .await
                .expect("pragma");
            assert_eq!(level, 2, "FULL is 2, NORMAL 1");
        }
    }
}
