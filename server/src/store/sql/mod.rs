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
mod dashboards;
mod documents;
mod dump;
mod forge;
mod groups;
mod imports;
mod jobs;
mod lag;
mod mail;
mod organisations;
mod peers;
mod projects;
mod providers;
mod search_feed;
mod snapshots;
mod structures;

use super::dialect;
use dialect::{BEGIN_WRITE, COPY_DATABASE, ENGINE, Engine, MIGRATOR};

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

    async fn check_writable(&self) -> crate::store::StoreResult<()> {
        // An attempts row under a key no rate limit reads, replaced at each check.
        const KEY: &str = "health-check";
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        sqlx::query("DELETE FROM auth_attempts WHERE key = $1")
            .bind(KEY)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO auth_attempts (key, at) VALUES ($1, $2)")
            .bind(KEY)
            .bind(chrono::Utc::now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    async fn copy_database(&self, target: &std::path::Path) -> crate::store::StoreResult<bool> {
        let Some(statement) = COPY_DATABASE else {
            return Ok(false);
        };
        sqlx::query(statement)
            .bind(target.to_string_lossy().into_owned())
            .execute(&self.pool)
            .await?;
        Ok(true)
    }

    fn pool_usage(&self) -> (u32, u32, u32) {
        let idle = u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX);
        (
            self.pool.size(),
            idle,
            self.pool.options().get_max_connections(),
        )
    }
}
