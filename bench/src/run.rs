//! One whole run, in order: the corpus through the store, each engine's index, each engine's
//! queries (and civiforge's pages and breakdown), then the report.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use civiforge::search::SearchService;
use sqlx::{Connection, PgConnection};

use crate::corpus::{self, ADOPTIONS_PER_PROJECT, PROJECTS};
use crate::engines::{self, Client, postgres};
use crate::measure::process::{Phase, dir_size, load_average, run_child};
use crate::measure::{self, pages};
use crate::report::{self, Report};

/// The arguments that make the bench binary a child building one index.
pub const TANTIVY_CHILD: &str = "--tantivy-child";
pub const FTS5_CHILD: &str = "--fts5-child";

/// The size of a SQLite database, write-ahead log included.
fn sqlite_bytes(path: &Path) -> u64 {
    let wal = path.with_extension("db-wal");
    [path, wal.as_path()]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

pub async fn run() -> anyhow::Result<()> {
    let total_started = Instant::now();
    let load_start = load_average();
    let projects = match std::env::var("CIVIFORGE_BENCH_PROJECTS") {
        Ok(n) => n.parse().context("CIVIFORGE_BENCH_PROJECTS")?,
        Err(_) => PROJECTS,
    };
    corpus::check_vocabulary()?;
    let keep = std::env::var_os("CIVIFORGE_BENCH_KEEP").is_some();
    let postgres_url = std::env::var("CIVIFORGE_TEST_POSTGRES_URL").ok();
    if postgres_url.is_none() {
        eprintln!(
            "CIVIFORGE_TEST_POSTGRES_URL is not set: the PostgreSQL column is SKIPPED \
             (no server is started)."
        );
    }
    let temporary = tempfile::Builder::new()
        .prefix("civiforge-bench-search-")
        .tempdir()?;
    // Kept from the start when asked, so that a run that fails leaves its files too.
    let (dir, _removed_at_the_end) = if keep {
        (temporary.keep(), None)
    } else {
        (temporary.path().to_path_buf(), Some(temporary))
    };
    let db_path = dir.as_path().join("civiforge.db");
    let url = format!("sqlite://{}", db_path.display());
    let mut phases = Vec::new();

    eprintln!(
        "writing {projects} projects and ~{} adoptions through the store into {}",
        projects * ADOPTIONS_PER_PROJECT,
        db_path.display()
    );
    let phase = Phase::begin();
    let store = civiforge::store::connect(&url).await?;
    let corpus = corpus::write(store.as_ref(), projects).await?;
    // The last connection closed folds the write-ahead log into the file.
    store.close().await;
    drop(store);
    phases.push(phase.end("generate and write the corpus through the store"));
    let database_bytes = sqlite_bytes(&db_path);
    eprintln!(
        "  {} adoptions, {:.1} s",
        corpus.adoptions,
        corpus.elapsed.as_secs_f64()
    );

    let data_dir = dir.as_path().join("data");
    eprintln!("civiforge index: SearchService::rebuild() in a child process");
    let data_dir_text = data_dir.display().to_string();
    let tantivy = run_child(&[TANTIVY_CHILD, &data_dir_text, &url])?;
    let tantivy_bytes = dir_size(&data_dir.join("search"));
    eprintln!("  {:.1} s", tantivy.elapsed.as_secs_f64());

    eprintln!("FTS5 table in a child process");
    let fts_path = dir.as_path().join("fts5.db");
    let fts_text = fts_path.display().to_string();
    let source_text = db_path.display().to_string();
    let fts5 = run_child(&[FTS5_CHILD, &fts_text, &source_text])?;
    let fts5_bytes = std::fs::metadata(&fts_path)?.len();
    eprintln!("  {:.1} s", fts5.elapsed.as_secs_f64());

    let postgres = match &postgres_url {
        Some(admin_url) => {
            eprintln!("PostgreSQL: the corpus through the store, then tsvector and GIN index");
            let phase = Phase::begin();
            let build = postgres::build(admin_url, projects).await?;
            phases.push(phase.end("PostgreSQL corpus and build (client side)"));
            eprintln!(
                "  corpus {:.1} s, index {:.1} s",
                build.corpus.elapsed.as_secs_f64(),
                (build.tsvector + build.gin).as_secs_f64()
            );
            Some(build)
        }
        None => None,
    };

    let mut engines = Vec::new();
    eprintln!("queries: civiforge");
    let phase = Phase::begin();
    let store = civiforge::store::connect(&url).await?;
    let service = SearchService::new(&data_dir, store);
    let started = Instant::now();
    service.open_or_rebuild().await?;
    let open_elapsed = started.elapsed();
    anyhow::ensure!(
        service.documents() == projects as u64,
        "the civiforge index has {} documents, not {projects}",
        service.documents()
    );
    eprintln!("pages: server time");
    let pages = pages::measure(&url, service.clone(), &data_dir).await?;
    let civiforge_run = measure::engine(
        "civiforge",
        Client::Civiforge(service.clone()),
        Client::Civiforge(service.clone()),
        phase,
    )
    .await?;
    drop(service);
    engines.push(("civiforge", civiforge_run));
    eprintln!("civiforge query breakdown");
    let breakdown = engines::breakdown::measure(&data_dir.join("search"))?;
    eprintln!("civiforge over HTTP: civiforge serve on the catalogue");
    let http = measure::http::measure(&url, &data_dir, dir.as_path()).await?;

    eprintln!("queries: FTS5");
    let phase = Phase::begin();
    let fts_run = measure::engine(
        "FTS5",
        Client::Fts5(engines::fts5::connect(&fts_path).await?),
        Client::Fts5(engines::fts5::connect(&fts_path).await?),
        phase,
    )
    .await?;
    engines.push(("FTS5", fts_run));

    if let Some(admin_url) = &postgres_url {
        eprintln!("queries: PostgreSQL");
        let phase = Phase::begin();
        let pg_url = postgres::database_url(admin_url)?;
        let pg_run = measure::engine(
            "PostgreSQL",
            Client::Postgres(PgConnection::connect(&pg_url).await?),
            Client::Postgres(PgConnection::connect(&pg_url).await?),
            phase,
        )
        .await?;
        engines.push(("PostgreSQL", pg_run));
        if !keep {
            postgres::recreate_database(admin_url, false).await?;
        }
    }
    phases.extend(engines.iter().map(|(_, run)| run.memory.clone()));

    report::print(&Report {
        corpus,
        database_bytes,
        tantivy,
        tantivy_bytes,
        fts5,
        fts5_bytes,
        postgres,
        engines,
        phases,
        open_elapsed,
        breakdown,
        pages,
        http,
        load_start,
        load_end: load_average(),
        total: total_started.elapsed(),
    });
    if keep {
        eprintln!(
            "kept {} and the PostgreSQL database {}",
            dir.display(),
            postgres::DATABASE
        );
    }
    Ok(())
}
