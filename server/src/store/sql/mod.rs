//! The SQL of every aggregate, written once in the dialect both engines share (`$n`
//! parameters, `RETURNING`, `ON CONFLICT`, `NULLS LAST`, `TRUE`/`FALSE`). This folder is
//! compiled twice, as a module of `sqlite.rs` and of `postgres.rs`, each of which names in its
//! `dialect` module the engine's pool type and the few statements that differ. Timestamps are
//! bound from Rust, never taken from database defaults, so both engines store the same values.

mod accounts;
mod adoptions;
mod audit;
mod catalogue;
mod claims;
mod imports;
mod jobs;
mod mail;
mod organisations;
mod projects;
mod search_feed;
mod snapshots;

use super::dialect;
use dialect::{ENGINE, Engine, MIGRATOR};

#[async_trait::async_trait]
impl crate::store::Store for Engine {
    fn engine(&self) -> &'static str {
        ENGINE
    }

    async fn migrate(&self) -> crate::store::StoreResult<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    async fn ping(&self) -> crate::store::StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
