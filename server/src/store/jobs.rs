//! The indexing job queue: the part of the [`Store`](super::Store) interface that keeps them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::*;
use crate::model::*;

/// How the queue stands, for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueStatus {
    /// Jobs a worker holds now.
    pub running: i64,
    /// Since when the oldest job due has waited; none when no job is due.
    pub oldest_due_since: Option<DateTime<Utc>>,
}

/// The indexing job queue.
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Takes the next due job, if any; several workers never take the same one.
    async fn claim_job(&self, worker: &str, now: DateTime<Utc>) -> StoreResult<Option<Job>>;
    /// A job that succeeded; earlier failed jobs of the project go with it.
    async fn finish_job(&self, job: &Job) -> StoreResult<()>;
    /// Puts a job back in the queue to run again at `run_after`.
    async fn retry_job(&self, job: &Job, error: &str, run_after: DateTime<Utc>) -> StoreResult<()>;
    /// A job that will not be retried.
    async fn fail_job(&self, job: &Job, error: &str) -> StoreResult<()>;
    /// Returns to the queue the jobs of workers that died holding them.
    async fn reclaim_stale_jobs(&self, locked_before: DateTime<Utc>) -> StoreResult<u64>;
    /// Queues a refresh of every project not fetched since `fetched_before`.
    async fn enqueue_due_refreshes(
        &self,
        fetched_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
    /// Gives a running job back to the queue, due at `now`, its interrupted attempt not
    /// counted: the worker is stopping and another takes it at once.
    async fn hand_back_job(&self, job: &Job, now: DateTime<Utc>) -> StoreResult<()>;
    /// Jobs running, and the oldest job due at `now`.
    async fn queue_status(&self, now: DateTime<Utc>) -> StoreResult<QueueStatus>;
}
