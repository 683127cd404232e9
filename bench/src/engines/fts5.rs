//! SQLite FTS5 over the same texts: `fts5(name, summary, readme, tokenize = 'unicode61
//! remove_diacritics 2')` in its own database file, filled from the store's SQLite database
//! (in a child process), and queried with each word quoted, ordered by `bm25`.

use std::time::Instant;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, Row, SqliteConnection};

use super::{LIMIT, words};
use crate::measure::process::rss_peak;

const QUERY: &str = "SELECT rowid, name, summary FROM projects_fts WHERE projects_fts MATCH $1 \
     ORDER BY bm25(projects_fts, 4.0, 2.0, 0.7) LIMIT $2";

/// Child process: builds the FTS5 table in `fts_path` from the catalogue in `source_path`,
/// and prints what it took as `key=value` lines.
pub fn build_child(fts_path: &str, source_path: &str) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let options = SqliteConnectOptions::new()
            .filename(fts_path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal);
        let mut connection = SqliteConnection::connect_with(&options).await?;
        sqlx::query("ATTACH DATABASE $1 AS source")
            .bind(source_path)
            .execute(&mut connection)
            .await?;
        let started = Instant::now();
        sqlx::query(
            "CREATE VIRTUAL TABLE projects_fts USING fts5(name, summary, readme, \
             tokenize = 'unicode61 remove_diacritics 2')",
        )
        .execute(&mut connection)
        .await?;
        let mut tx = connection.begin().await?;
        sqlx::query(
            "INSERT INTO projects_fts (rowid, name, summary, readme) \
             SELECT id, name, summary, COALESCE(readme_text, '') FROM source.projects \
             WHERE hidden = FALSE ORDER BY id",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let inserted = started.elapsed();
        sqlx::query("INSERT INTO projects_fts (projects_fts) VALUES ('optimize')")
            .execute(&mut connection)
            .await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut connection)
            .await?;
        let elapsed = started.elapsed();
        let documents: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM projects_fts")
            .fetch_one(&mut connection)
            .await?;
        println!("elapsed_ms={}", elapsed.as_millis());
        println!("insert_ms={}", inserted.as_millis());
        println!("optimize_ms={}", (elapsed - inserted).as_millis());
        println!("documents={documents}");
        // Index b-trees apart from the copy of the texts FTS5 keeps in its content table.
        let index_bytes: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat \
             WHERE name IN ('projects_fts_data', 'projects_fts_idx', 'projects_fts_docsize', \
             'projects_fts_config')",
        )
        .fetch_one(&mut connection)
        .await?;
        let content_bytes: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = 'projects_fts_content'",
        )
        .fetch_one(&mut connection)
        .await?;
        println!("index_bytes={index_bytes}");
        println!("content_bytes={content_bytes}");
        connection.close().await?;
        Ok::<_, anyhow::Error>(())
    })?;
    if let Some(peak) = rss_peak() {
        println!("vmhwm_kib={peak}");
    }
    Ok(())
}

/// A read-only client of the table built in `fts_path`.
pub async fn connect(fts_path: &std::path::Path) -> anyhow::Result<SqliteConnection> {
    let options = SqliteConnectOptions::new()
        .filename(fts_path)
        .read_only(true);
    Ok(SqliteConnection::connect_with(&options).await?)
}

/// Every word as a quoted string (so no word is read as syntax), all required.
fn expression(text: &str) -> String {
    words(text)
        .iter()
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Rows decoded into values, as an application would.
pub async fn run(connection: &mut SqliteConnection, text: &str) -> anyhow::Result<usize> {
    Ok(sqlx::query_as::<_, (i64, String, String)>(QUERY)
        .bind(expression(text))
        .bind(LIMIT as i64)
        .fetch_all(connection)
        .await?
        .len())
}

pub async fn count(connection: &mut SqliteConnection, text: &str) -> anyhow::Result<u64> {
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM projects_fts WHERE projects_fts MATCH $1")
            .bind(expression(text))
            .fetch_one(connection)
            .await?;
    Ok(count as u64)
}

pub async fn top(connection: &mut SqliteConnection, text: &str) -> anyhow::Result<Option<String>> {
    Ok(sqlx::query(QUERY)
        .bind(expression(text))
        .bind(1i64)
        .fetch_optional(connection)
        .await?
        .map(|row| row.get::<String, _>(1)))
}
