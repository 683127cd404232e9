//! PostgreSQL's French full-text search over the same texts: the corpus written through the
//! store into a fresh database, then a `to_tsvector('french', …)` column added to `projects`
//! with a GIN index, queried with `plainto_tsquery` and ordered by `ts_rank`.

use std::time::{Duration, Instant};

use anyhow::Context;
use sqlx::{AssertSqlSafe, Connection, PgConnection, Row};

use super::LIMIT;
use crate::corpus::{self, Corpus};
use crate::measure::process::{cpu_seconds, proc_status_kib};

/// Name of the PostgreSQL database created (and dropped) for the bench.
pub const DATABASE: &str = "civiforge_bench_search";

const QUERY: &str = "SELECT id, name, summary FROM projects, plainto_tsquery('french', $1) q \
     WHERE tsv @@ q ORDER BY ts_rank(tsv, q) DESC LIMIT $2";

/// What building the PostgreSQL side took.
#[derive(Debug)]
pub struct PgBuild {
    /// The corpus written through the store (migrations and reference data included).
    pub corpus: Corpus,
    pub tsvector: Duration,
    pub gin: Duration,
    pub table_bytes: i64,
    pub gin_bytes: i64,
    /// Peak resident set size of the server process that ran the build, when readable.
    pub backend_peak_kib: Option<u64>,
    /// CPU seconds of that server process for the tsvector column and the GIN index.
    pub build_cpu: Option<f64>,
    pub settings: String,
    pub version: String,
}

/// The bench's database on the server `admin_url` names.
pub fn database_url(admin_url: &str) -> anyhow::Result<String> {
    let mut url = url::Url::parse(admin_url).context("CIVIFORGE_TEST_POSTGRES_URL")?;
    url.set_path(&format!("/{DATABASE}"));
    Ok(url.to_string())
}

/// Drops the bench's database, and creates it again empty when `create` is set.
pub async fn recreate_database(admin_url: &str, create: bool) -> anyhow::Result<()> {
    let mut admin = PgConnection::connect(admin_url).await?;
    // The name is a constant of this file.
    sqlx::query(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await?;
    if create {
        sqlx::query(AssertSqlSafe(format!(
            "CREATE DATABASE {DATABASE} ENCODING 'UTF8' TEMPLATE template0"
        )))
        .execute(&mut admin)
        .await?;
    }
    admin.close().await?;
    Ok(())
}

pub async fn backend_pid(connection: &mut PgConnection) -> anyhow::Result<String> {
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(connection)
        .await?;
    Ok(pid.to_string())
}

/// Writes the corpus of `projects` projects through the store into a fresh database, then
/// adds the tsvector column and its GIN index.
pub async fn build(admin_url: &str, projects: usize) -> anyhow::Result<PgBuild> {
    recreate_database(admin_url, true).await?;
    let url = database_url(admin_url)?;
    let store = ::civiforge::store::connect(&url).await?;
    let corpus = corpus::write(store.as_ref(), projects).await?;
    store.close().await;

    let mut pg = PgConnection::connect(&url).await?;
    let pid = backend_pid(&mut pg).await?;
    let version: String = sqlx::query_scalar("SHOW server_version")
        .fetch_one(&mut pg)
        .await?;
    let mut settings = Vec::new();
    for name in ["shared_buffers", "maintenance_work_mem", "work_mem"] {
        let value: String = sqlx::query_scalar(AssertSqlSafe(format!("SHOW {name}")))
            .fetch_one(&mut pg)
            .await?;
        settings.push(format!("{name} = {value}"));
    }
    let cpu_before = cpu_seconds(&pid);
    let started = Instant::now();
    sqlx::query(
        "ALTER TABLE projects ADD COLUMN tsv tsvector GENERATED ALWAYS AS \
         (to_tsvector('french', name || ' ' || summary || ' ' || COALESCE(readme_text, ''))) \
         STORED",
    )
    .execute(&mut pg)
    .await?;
    let tsvector = started.elapsed();
    let started = Instant::now();
    sqlx::query("CREATE INDEX projects_tsv ON projects USING GIN (tsv)")
        .execute(&mut pg)
        .await?;
    let gin = started.elapsed();
    let build_cpu = cpu_before
        .zip(cpu_seconds(&pid))
        .map(|(before, after)| after - before);
    let backend_peak_kib = proc_status_kib(&pid, "VmHWM:");
    sqlx::query("VACUUM ANALYZE projects")
        .execute(&mut pg)
        .await?;
    let (table_bytes, gin_bytes): (i64, i64) =
        sqlx::query_as("SELECT pg_table_size('projects'), pg_relation_size('projects_tsv')")
            .fetch_one(&mut pg)
            .await?;
    pg.close().await?;
    Ok(PgBuild {
        corpus,
        tsvector,
        gin,
        table_bytes,
        gin_bytes,
        backend_peak_kib,
        build_cpu,
        settings: settings.join(", "),
        version,
    })
}

/// Rows decoded into values, as an application would.
pub async fn run(connection: &mut PgConnection, text: &str) -> anyhow::Result<usize> {
    Ok(sqlx::query_as::<_, (i64, String, String)>(QUERY)
        .bind(text)
        .bind(LIMIT as i64)
        .fetch_all(connection)
        .await?
        .len())
}

pub async fn count(connection: &mut PgConnection, text: &str) -> anyhow::Result<u64> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM projects WHERE tsv @@ plainto_tsquery('french', $1)",
    )
    .bind(text)
    .fetch_one(connection)
    .await?;
    Ok(count as u64)
}

pub async fn top(connection: &mut PgConnection, text: &str) -> anyhow::Result<Option<String>> {
    Ok(sqlx::query(QUERY)
        .bind(text)
        .bind(1i64)
        .fetch_optional(connection)
        .await?
        .map(|row| row.get::<String, _>(1)))
}
