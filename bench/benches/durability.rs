//! `cargo bench -p civiforge-bench --bench durability`: what an acknowledged write costs when
//! SQLite syncs `FULL` (the catalogue's setting: a commit survives a power cut) rather than
//! `NORMAL` (WAL's usual one, which may lose the last commits when the machine stops). Each
//! mode commits the same small write transaction 2,000 times, one after the other, into a
//! fresh database on the machine's disk (under the cargo target folder, not a tmpfs). Method
//! and numbers are in docs/benchmarks.md (« Durable writes »).

use std::time::{Duration, Instant};

use civiforge::store::{SqliteStore, Store};
use sqlx::sqlite::SqliteSynchronous;

const WRITES: usize = 2_000;

fn percentile(sorted: &[Duration], share: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * share).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

async fn measure(synchronous: SqliteSynchronous, label: &str) -> anyhow::Result<()> {
    // The cargo target folder is on the disk the catalogue would be on (a tmpfs would make
    // every sync free).
    let root = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&root)?;
    let dir = tempfile::tempdir_in(&root)?;
    let url = format!("sqlite://{}", dir.path().join("civiforge.db").display());
    let store = SqliteStore::connect_syncing(&url, synchronous).await?;
    store.migrate().await?;
    let mut took = Vec::with_capacity(WRITES);
    let started = Instant::now();
    for _ in 0..WRITES {
        let one = Instant::now();
        store.check_writable().await?;
        took.push(one.elapsed());
    }
    let total = started.elapsed();
    took.sort();
    println!(
        "{label:<8} {WRITES} commits in {:.2} s: {:.0} commits/s, p50 {:.3} ms, p99 {:.3} ms",
        total.as_secs_f64(),
        WRITES as f64 / total.as_secs_f64(),
        percentile(&took, 0.5).as_secs_f64() * 1000.0,
        percentile(&took, 0.99).as_secs_f64() * 1000.0,
    );
    store.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    measure(SqliteSynchronous::Normal, "NORMAL").await?;
    measure(SqliteSynchronous::Full, "FULL").await?;
    Ok(())
}
