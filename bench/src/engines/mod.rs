//! The engines compared, on the same texts: civiforge's tantivy index through its search
//! service, an SQLite FTS5 table, and PostgreSQL's `to_tsvector('french')` with a GIN index;
//! the queries they all run; and one client of each, as the measurements drive it.

pub mod breakdown;
pub mod civiforge;
pub mod fts5;
pub mod postgres;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ::civiforge::search::SearchService;
use sqlx::{PgConnection, SqliteConnection};

/// Results asked of every engine.
pub const LIMIT: usize = 20;

/// One query of the benchmark.
#[derive(Debug)]
pub struct BenchQuery {
    pub text: &'static str,
    /// What it tries, for the report.
    pub what: &'static str,
}

pub const QUERIES: &[BenchQuery] = &[
    BenchQuery {
        text: "élections",
        what: "one frequent word, accented",
    },
    BenchQuery {
        text: "etat civil",
        what: "two words, accent left out",
    },
    BenchQuery {
        text: "délibérations conseil municipal",
        what: "three words",
    },
    BenchQuery {
        text: "cimetiere",
        what: "accent left out, singular",
    },
    BenchQuery {
        text: "deliberaton",
        what: "typo (missing i) and no accents",
    },
    BenchQuery {
        text: "marchés publics",
        what: "two words",
    },
    BenchQuery {
        text: "police municipale",
        what: "two words",
    },
    BenchQuery {
        text: "gestion des listes électorales",
        what: "four words with a stop word",
    },
    BenchQuery {
        text: "urbanisme permis de construire",
        what: "four words",
    },
    BenchQuery {
        text: "ostréiculture",
        what: "rare word (about ten READMEs)",
    },
    BenchQuery {
        text: "e",
        what: "one letter, as typed first",
    },
    BenchQuery {
        text: "",
        what: "empty: list by rank",
    },
];

/// The words of a query, split as civiforge splits them.
pub fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Which queries every engine runs: the common mix.
pub fn common_mix() -> Vec<usize> {
    QUERIES
        .iter()
        .enumerate()
        .filter(|(_, q)| !words(q.text).is_empty())
        .map(|(i, _)| i)
        .collect()
}

/// One client of one engine.
pub enum Client {
    Civiforge(Arc<SearchService>),
    Fts5(SqliteConnection),
    Postgres(PgConnection),
}

impl Client {
    /// Whether this engine can run the query at all.
    pub fn supports(&self, query: &BenchQuery) -> bool {
        match self {
            Client::Civiforge(_) => true,
            Client::Fts5(_) | Client::Postgres(_) => !words(query.text).is_empty(),
        }
    }

    /// Runs the query, top [`LIMIT`]; returns how many results came back.
    pub async fn run(&mut self, query: &BenchQuery) -> anyhow::Result<usize> {
        match self {
            Client::Civiforge(service) => civiforge::run(service, query.text).await,
            Client::Fts5(connection) => fts5::run(connection, query.text).await,
            Client::Postgres(connection) => postgres::run(connection, query.text).await,
        }
    }

    /// How many documents match (untimed).
    pub async fn count(&mut self, query: &BenchQuery) -> anyhow::Result<u64> {
        match self {
            Client::Civiforge(service) => civiforge::count(service, query.text).await,
            Client::Fts5(connection) => fts5::count(connection, query.text).await,
            Client::Postgres(connection) => postgres::count(connection, query.text).await,
        }
    }

    /// The first result's name, to show what each engine puts on top (untimed).
    pub async fn top(&mut self, query: &BenchQuery) -> anyhow::Result<Option<String>> {
        match self {
            Client::Civiforge(service) => civiforge::top(service, query.text).await,
            Client::Fts5(connection) => fts5::top(connection, query.text).await,
            Client::Postgres(connection) => postgres::top(connection, query.text).await,
        }
    }

    /// The PostgreSQL backend serving this client, whose CPU and memory count too.
    pub async fn server_pid(&mut self) -> anyhow::Result<Option<String>> {
        match self {
            Client::Postgres(connection) => Ok(Some(postgres::backend_pid(connection).await?)),
            _ => Ok(None),
        }
    }

    /// Runs the queries in turn from `start`, whole rounds, until `budget` is spent; returns
    /// each one's latency.
    pub async fn rounds(
        &mut self,
        queries: &[&BenchQuery],
        start: usize,
        budget: Duration,
    ) -> anyhow::Result<Vec<Duration>> {
        let started = Instant::now();
        let mut samples = Vec::new();
        while started.elapsed() < budget {
            for i in 0..queries.len() {
                let t = Instant::now();
                self.run(queries[(start + i) % queries.len()]).await?;
                samples.push(t.elapsed());
            }
        }
        Ok(samples)
    }

    /// Closes the connection, if any.
    pub async fn close(self) -> anyhow::Result<()> {
        use sqlx::Connection;
        match self {
            Client::Civiforge(_) => {}
            Client::Fts5(connection) => connection.close().await?,
            Client::Postgres(connection) => connection.close().await?,
        }
        Ok(())
    }
}
