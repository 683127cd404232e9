//! The indexing job queue: the SQL behind [`JobStore`], compiled once per engine.

use super::dialect::{BEGIN_WRITE, CLAIM_LOCK, Engine};
use crate::store::prelude::*;

/// Takes the oldest due job, locked as the engine requires.
static CLAIM_NEXT_JOB: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "UPDATE jobs SET state = 'running', locked_by = $1, locked_at = $2, \
         attempts = attempts + 1, updated_at = $2 \
         WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND run_after <= $2 \
         AND project_id IS NOT NULL ORDER BY run_after, id LIMIT 1{CLAIM_LOCK}) \
         RETURNING id, project_id, attempts"
    )
});

#[async_trait::async_trait]
impl JobStore for Engine {
    async fn claim_job(
        &self,
        worker: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> crate::store::StoreResult<Option<crate::model::Job>> {
        let row: Option<(i64, i64, i64)> = sqlx::query_as(CLAIM_NEXT_JOB.as_str())
            .bind(worker)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(id, project_id, attempts)| crate::model::Job {
            id,
            project_id,
            attempts,
        }))
    }

    async fn finish_job(&self, job: &crate::model::Job) -> crate::store::StoreResult<()> {
        sqlx::query("DELETE FROM jobs WHERE id = $1 OR (project_id = $2 AND state = 'failed')")
            .bind(job.id)
            .bind(job.project_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn retry_job(
        &self,
        job: &crate::model::Job,
        error: &str,
        run_after: chrono::DateTime<chrono::Utc>,
    ) -> crate::store::StoreResult<()> {
        let requeued = sqlx::query(
            "UPDATE jobs SET state = 'queued', locked_by = NULL, locked_at = NULL, \
             last_error = $1, run_after = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(error)
        .bind(run_after)
        .bind(chrono::Utc::now())
        .bind(job.id)
        .execute(&self.pool)
        .await;
        match requeued {
            Ok(_) => Ok(()),
            // Someone asked for a refresh meanwhile: that queued job will do.
            Err(e) if crate::store::is_unique_violation(&e) => {
                sqlx::query("DELETE FROM jobs WHERE id = $1")
                    .bind(job.id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn fail_job(
        &self,
        job: &crate::model::Job,
        error: &str,
    ) -> crate::store::StoreResult<()> {
        sqlx::query(
            "UPDATE jobs SET state = 'failed', locked_by = NULL, last_error = $1, \
             updated_at = $2 WHERE id = $3",
        )
        .bind(error)
        .bind(chrono::Utc::now())
        .bind(job.id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn reclaim_stale_jobs(
        &self,
        locked_before: chrono::DateTime<chrono::Utc>,
    ) -> crate::store::StoreResult<u64> {
        let now = chrono::Utc::now();
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let reclaimed = sqlx::query(
            "UPDATE jobs SET state = 'queued', locked_by = NULL, locked_at = NULL, \
             run_after = $1, updated_at = $1 \
             WHERE state = 'running' AND locked_at < $2 AND NOT EXISTS \
             (SELECT 1 FROM jobs q WHERE q.kind = jobs.kind AND q.project_id = jobs.project_id \
              AND q.state = 'queued')",
        )
        .bind(now)
        .bind(locked_before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query("DELETE FROM jobs WHERE state = 'running' AND locked_at < $1")
            .bind(locked_before)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(reclaimed)
    }

    async fn hand_back_job(
        &self,
        job: &crate::model::Job,
        now: chrono::DateTime<chrono::Utc>,
    ) -> crate::store::StoreResult<()> {
        sqlx::query(
            "UPDATE jobs SET state = 'queued', locked_by = NULL, locked_at = NULL, \
             attempts = attempts - 1, run_after = $1, updated_at = $1 \
             WHERE id = $2 AND state = 'running'",
        )
        .bind(now)
        .bind(job.id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn queue_status(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> crate::store::StoreResult<crate::store::QueueStatus> {
        let (running, oldest_due_since): (i64, Option<chrono::DateTime<chrono::Utc>>) =
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM jobs WHERE state = 'running'), \
                 (SELECT MIN(run_after) FROM jobs WHERE state = 'queued' AND run_after <= $1)",
            )
            .bind(now)
            .fetch_one(&self.pool)
            .await?;
        Ok(crate::store::QueueStatus {
            running,
            oldest_due_since,
        })
    }

    async fn enqueue_due_refreshes(
        &self,
        fetched_before: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> crate::store::StoreResult<u64> {
        Ok(sqlx::query(
            "INSERT INTO jobs (kind, project_id, state, run_after, created_at, updated_at) \
             SELECT $3, p.id, 'queued', $2, $2, $2 FROM projects p \
             WHERE p.hidden = FALSE AND (p.last_fetch_at IS NULL OR p.last_fetch_at < $1) \
             AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.project_id = p.id \
                             AND j.state IN ('queued', 'running')) \
             ON CONFLICT DO NOTHING",
        )
        .bind(fetched_before)
        .bind(now)
        .bind(crate::model::JobKind::Index.as_str())
        .execute(&self.pool)
        .await?
        .rows_affected())
    }
}

impl Engine {
    /// Queues the project's indexing to run now, audited when someone asked for it (a
    /// refresh, a push): a job waiting to be retried later runs now too.
    pub(super) async fn queue_index_now(
        &self,
        id: i64,
        audit: Option<&crate::model::Audit>,
    ) -> crate::store::StoreResult<()> {
        let now = chrono::Utc::now();
        let kind = crate::model::JobKind::Index.as_str();
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        sqlx::query(
            "INSERT INTO jobs (kind, project_id, state, run_after, created_at, updated_at) \
             VALUES ($3, $1, 'queued', $2, $2, $2) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(now)
        .bind(kind)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE jobs SET run_after = $2, updated_at = $2 \
             WHERE project_id = $1 AND kind = $3 AND state = 'queued' AND run_after > $2",
        )
        .bind(id)
        .bind(now)
        .bind(kind)
        .execute(&mut *tx)
        .await?;
        if let Some(audit) = audit {
            super::audit::append(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
