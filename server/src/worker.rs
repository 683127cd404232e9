//! The indexing worker: takes due jobs from the queue in the database, runs them, retries
//! failures with back-off, queues periodic refreshes, and takes back the jobs of workers that
//! died. Several workers may share one PostgreSQL database.

use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;

use crate::indexing::{IndexContext, retry_delay};
use crate::model::Job;

/// Most attempts of one job before it is marked failed.
pub const MAX_ATTEMPTS: i64 = 5;

/// How the worker paces itself.
#[derive(Debug, Clone, Copy)]
pub struct WorkerSettings {
    /// Every project is fetched again this often.
    pub refresh_interval: Duration,
    /// Wait between two looks at an empty queue.
    pub idle_poll: Duration,
    /// How often periodic refreshes and stale jobs are looked for.
    pub housekeeping_every: Duration,
    /// A job held longer than this by a worker is taken to be abandoned.
    pub lease: Duration,
    /// How long a job in progress may go on once the worker is told to stop, before it is
    /// handed back to the queue (within systemd's and the container engines' stop timeouts).
    pub shutdown_grace: Duration,
}

impl WorkerSettings {
    pub fn new(refresh_interval: Duration, fetch_deadline: Duration) -> Self {
        Self {
            refresh_interval,
            idle_poll: Duration::from_secs(1),
            housekeeping_every: Duration::from_secs(30),
            lease: fetch_deadline + Duration::from_secs(5 * 60),
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// A name for this worker in the jobs it holds.
pub fn worker_name() -> String {
    let mut bytes = [0u8; 4];
    let _ = getrandom::fill(&mut bytes);
    format!("worker-{}-{}", std::process::id(), hex::encode(bytes))
}

/// Resolves once `shutdown` turns true (never if its sender is gone without saying so).
async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    if shutdown.wait_for(|stop| *stop).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Runs a job; told to stop meanwhile, gives it [`WorkerSettings::shutdown_grace`] to end,
/// then hands it back to the queue rather than let it be killed holding it.
async fn run_or_hand_back(
    context: &IndexContext,
    settings: &WorkerSettings,
    job: &Job,
    shutdown: &mut watch::Receiver<bool>,
) {
    let work = run_job(context, job);
    tokio::pin!(work);
    tokio::select! {
        () = &mut work => return,
        () = stopping(shutdown) => {}
    }
    if tokio::time::timeout(settings.shutdown_grace, &mut work)
        .await
        .is_ok()
    {
        return;
    }
    match context.store.hand_back_job(job, Utc::now()).await {
        Ok(()) => tracing::info!(project_id = job.project_id, "job handed back to the queue"),
        Err(error) => {
            tracing::warn!(%error, "cannot hand the job back: it is taken back when its lease ends");
        }
    }
}

/// Runs until `shutdown` turns true; a job in progress is finished or handed back first.
pub async fn run(
    context: IndexContext,
    settings: WorkerSettings,
    mut shutdown: watch::Receiver<bool>,
) {
    let name = worker_name();
    tracing::info!(worker = %name, "indexing worker started");
    let mut last_housekeeping: Option<tokio::time::Instant> = None;
    while !*shutdown.borrow() {
        if last_housekeeping.is_none_or(|t| t.elapsed() >= settings.housekeeping_every) {
            housekeeping(&context, &settings).await;
            last_housekeeping = Some(tokio::time::Instant::now());
        }
        match context.store.claim_job(&name, Utc::now()).await {
            Ok(Some(job)) => run_or_hand_back(&context, &settings, &job, &mut shutdown).await,
            Ok(None) => {
                tokio::select! {
                    _ = tokio::time::sleep(settings.idle_poll) => {}
                    _ = shutdown.changed() => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot read the job queue; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(settings.idle_poll * 5) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
    }
    tracing::info!(worker = %name, "indexing worker stopped");
}

async fn housekeeping(context: &IndexContext, settings: &WorkerSettings) {
    let now = Utc::now();
    let lease = chrono::Duration::from_std(settings.lease).unwrap_or(chrono::Duration::hours(1));
    match context.store.reclaim_stale_jobs(now - lease).await {
        Ok(0) => {}
        Ok(count) => tracing::warn!(count, "took back jobs of workers that stopped"),
        Err(error) => tracing::warn!(%error, "cannot take back stale jobs"),
    }
    let interval =
        chrono::Duration::from_std(settings.refresh_interval).unwrap_or(chrono::Duration::hours(1));
    match context
        .store
        .enqueue_due_refreshes(now - interval, now)
        .await
    {
        Ok(0) => {}
        Ok(count) => tracing::info!(count, "refreshes queued"),
        Err(error) => tracing::warn!(%error, "cannot queue refreshes"),
    }
}

async fn run_job(context: &IndexContext, job: &Job) {
    let started = std::time::Instant::now();
    let result = context.index_project(job.project_id).await;
    context.fetches.record(result.is_ok(), started.elapsed());
    let stored = match &result {
        Ok(_) => context.store.finish_job(job).await,
        Err(failure) if failure.is_permanent() || job.attempts >= MAX_ATTEMPTS => {
            tracing::warn!(project_id = job.project_id, error = %failure, "indexing failed for good");
            context.store.fail_job(job, &failure.to_string()).await
        }
        Err(failure) => {
            let delay = retry_delay(job.attempts);
            tracing::warn!(project_id = job.project_id, error = %failure, retry_in_s = delay.as_secs(), "indexing failed; will retry");
            let run_after = Utc::now()
                + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::minutes(1));
            context
                .store
                .retry_job(job, &failure.to_string(), run_after)
                .await
        }
    };
    if let Err(error) = stored {
        tracing::error!(job = job.id, %error, "cannot record the end of a job");
    }
}
