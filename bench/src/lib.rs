//! The search benchmark (issue 4), as its own crate. Run it with:
//!
//! ```sh
//! CIVIFORGE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:26543/postgres \
//!     cargo bench -p civiforge-bench
//! ```
//!
//! It generates, deterministically, a French catalogue of 100,000 projects (names, summaries,
//! categories, READMEs of a few hundred words) with about 1,000,000 adoptions spread over the
//! real communes, and writes it through the store's bulk imports (`ImportStore`) into a fresh
//! SQLite database (`corpus`). Then it builds, on the same texts (`engines`):
//!
//! - civiforge's tantivy index, with `SearchService::rebuild()` (in a child process, so that
//!   `/usr/bin/time` gives its peak memory alone);
//! - an SQLite FTS5 table (`unicode61 remove_diacritics 2`), also in a child process;
//! - on the server `CIVIFORGE_TEST_POSTGRES_URL` names, a fresh database (created and
//!   dropped) where the same corpus is written through the store, and a
//!   `to_tsvector('french', …)` column with a GIN index is added to its `projects`; without
//!   the variable the PostgreSQL column is skipped.
//!
//! It runs a fixed set of realistic queries on each engine (top 20, one client, then two
//! concurrent clients), times the parts of a civiforge query with the engine's own query
//! builder and collectors, renders a few pages (`measure`), and prints a markdown report on
//! standard output (`report`): build times, sizes, p50/p99 latencies, queries per second,
//! CPU per query, peak memory, what each engine matches, page render times. Progress goes
//! to standard error. Method and numbers are in docs/benchmarks.md.
//!
//! `CIVIFORGE_BENCH_PROJECTS=N` runs on a smaller corpus (N projects, 10 adoptions each on
//! average), for trying the bench itself; `CIVIFORGE_BENCH_KEEP=1` keeps the generated
//! databases and index (their folder is printed at the end) and the PostgreSQL database.

pub mod corpus;
pub mod engines;
pub mod measure;
pub mod report;
mod rng;
mod run;

/// The benchmark binary: a child build when called with a child's arguments, else the whole
/// run (`cargo bench` passes `--bench`, which is ignored).
pub fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    match (args.get(1).map(String::as_str), args.get(2), args.get(3)) {
        (Some(run::TANTIVY_CHILD), Some(data_dir), Some(url)) => {
            engines::civiforge::build_child(data_dir, url)
        }
        (Some(run::FTS5_CHILD), Some(fts), Some(source)) => engines::fts5::build_child(fts, source),
        _ => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(run::run()),
    }
}
