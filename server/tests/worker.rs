//! The indexing worker over time, on both engines: a failing repository retried with
//! back-off and given up after the maximum, refreshes queued for projects not fetched for a
//! while (hidden ones left alone), and two real `civiforge worker` processes sharing one
//! queue, each job done once. Waiting is done by polling the database with a deadline;
//! times that the policy would make us wait for are moved in the database instead.

mod common;
#[path = "../../indexer/tests/support/mod.rs"]
mod git_support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use civiforge::indexing::IndexContext;
use civiforge::worker::{MAX_ATTEMPTS, WorkerSettings};
use civiforge_indexer::RepositoryUrlPolicy;
use civiforge_indexer::fetch::FetchLimits;
use common::{Bind, Engine, TestApp};
use git_support::TestRepo;
use serde_json::{Value, json};

const LOCAL: RepositoryUrlPolicy = RepositoryUrlPolicy {
    allow_local: true,
    allow_private_networks: false,
};

/// A job row as the worker leaves it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
struct JobRow {
    state: String,
    attempts: i64,
    run_after: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    last_error: Option<String>,
}

async fn jobs_of(app: &TestApp, project_id: i64) -> Vec<JobRow> {
    app.db
        .fetch(
            "SELECT state, attempts, run_after, updated_at, last_error FROM jobs \
             WHERE project_id = $1 ORDER BY id",
            &[Bind::Int(project_id)],
        )
        .await
}

/// Polls `check` until it gives a value, for at most `seconds`.
async fn eventually<T>(seconds: u64, what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "{what}: not within {seconds} s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn small_repository(name: &str) -> TestRepo {
    let mut repo = TestRepo::new();
    repo.write(
        "README.md",
        format!("# {name}\n\nUn logiciel de la commune.\n"),
    );
    repo.commit("Initial");
    repo.annotated_tag("1.0.0");
    repo
}

async fn register(app: &TestApp, token: &str, url: &str, slug: &str) -> i64 {
    let response = app
        .post(
            "/api/v1/projects",
            token,
            json!({"repository_url": url, "slug": slug, "name": slug}),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    app.store
        .project_ids(&[slug.to_string()])
        .await
        .expect("ids")
        .first()
        .expect("registered project")
        .0
}

/// A worker in this process that looks at the queue often.
fn start_worker(
    app: &TestApp,
    data_dir: &Path,
    policy: RepositoryUrlPolicy,
    settings: WorkerSettings,
) -> (
    tokio::sync::watch::Sender<bool>,
    tokio::task::JoinHandle<()>,
) {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let context = IndexContext::new(
        app.store.clone(),
        data_dir.to_path_buf(),
        policy,
        FetchLimits::default(),
    );
    (
        stop,
        tokio::spawn(civiforge::worker::run(context, settings, stopped)),
    )
}

fn quick_settings() -> WorkerSettings {
    let mut settings = WorkerSettings::new(Duration::from_secs(3600), Duration::from_secs(60));
    settings.idle_poll = Duration::from_millis(50);
    settings
}

/// A repository that cannot be fetched is tried again 30 s, 60 s, 120 s and 240 s later,
/// then marked failed for good after the fifth attempt; the project says why. Once the
/// repository exists and a refresh is asked, it is indexed and the failed job goes.
async fn a_failing_repository_is_retried_with_back_off_then_given_up(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    let place = tempfile::tempdir().expect("tempdir");
    let missing = place.path().join("openelec");
    let id = register(&app, &token, &missing.display().to_string(), "openelec").await;
    let data = tempfile::tempdir().expect("data dir");
    let (stop, worker) = start_worker(&app, data.path(), LOCAL, quick_settings());

    let expected_delays = [30, 60, 120, 240];
    assert_eq!(expected_delays.len() as i64, MAX_ATTEMPTS - 1);
    for (attempt, delay) in (1..).zip(expected_delays) {
        let job = eventually(20, &format!("retry after attempt {attempt}"), async || {
            let jobs = jobs_of(&app, id).await;
            match jobs.as_slice() {
                [job] if job.state == "queued" && job.attempts == attempt => Some(job.clone()),
                _ => None,
            }
        })
        .await;
        let waited = (job.run_after - job.updated_at).num_milliseconds();
        assert!(
            (delay * 1000 - 2_000..=delay * 1000).contains(&waited),
            "attempt {attempt}: next try in {waited} ms, expected {delay} s"
        );
        assert!(
            job.last_error
                .as_deref()
                .is_some_and(|e| e.contains("n'existe pas")),
            "{job:?}"
        );
        let project = app.get("/api/v1/projects/openelec").await.body;
        assert_eq!(project["index_status"]["state"], "failed", "{project}");
        assert!(
            project["index_status"]["error"]
                .as_str()
                .is_some_and(|e| e.contains("n'existe pas")),
            "{project}"
        );
        // Time passes: the job is due now rather than in `delay` seconds.
        let moved = app
            .db
            .execute(
                "UPDATE jobs SET run_after = $1 WHERE project_id = $2 AND state = 'queued'",
                &[Bind::Time(Utc::now()), Bind::Int(id)],
            )
            .await;
        assert_eq!(moved, 1);
    }
    let failed = eventually(20, "given up", async || {
        let jobs = jobs_of(&app, id).await;
        match jobs.as_slice() {
            [job] if job.state == "failed" => Some(job.clone()),
            _ => None,
        }
    })
    .await;
    assert_eq!(failed.attempts, MAX_ATTEMPTS, "{failed:?}");
    let counts = app.store.counts().await.expect("counts");
    assert_eq!((counts.jobs_queued, counts.jobs_failed), (0, 1));

    // The worker goes on with other work and leaves the failed job alone.
    let other = small_repository("openCimetière");
    register(&app, &token, &other.url(), "opencimetiere").await;
    eventually(20, "the next project indexed", async || {
        let project = app.get("/api/v1/projects/opencimetiere").await.body;
        (project["index_status"]["state"] == "ok").then_some(())
    })
    .await;
    assert_eq!(jobs_of(&app, id).await, [failed]);

    // The repository appears; asking for a refresh brings the project back.
    let mut repo = TestRepo::new();
    repo.write("README.md", "# openElec\n");
    repo.commit("Initial");
    repo.annotated_tag("2.03");
    std::fs::rename(repo.path(), &missing).expect("move the repository in place");
    let refresh = app
        .request(
            "POST",
            "/api/v1/projects/openelec/refresh",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(refresh.status, StatusCode::ACCEPTED, "{}", refresh.text);
    // The snapshot is saved before the job ends (the latest release's archives and a repack
    // come between): wait for both.
    eventually(20, "indexed after the refresh", async || {
        let project = app.get("/api/v1/projects/openelec").await.body;
        let done = project["index_status"]["state"] == "ok" && jobs_of(&app, id).await.is_empty();
        done.then_some(project)
    })
    .await;
    let project = app.get("/api/v1/projects/openelec").await.body;
    assert_eq!(project["latest_version"]["name"], "2.03", "{project}");
    assert_eq!(
        jobs_of(&app, id).await,
        [],
        "the failed job went with the success"
    );
    assert_eq!(app.store.counts().await.expect("counts").jobs_failed, 0);
    stop.send(true).expect("stop");
    worker.await.expect("worker stops");

    // A failure that trying again cannot fix (the instance now refuses local
    // repositories) is given up at the first attempt.
    let (stop, worker) = start_worker(
        &app,
        data.path(),
        RepositoryUrlPolicy::default(),
        quick_settings(),
    );
    app.request(
        "POST",
        "/api/v1/projects/openelec/refresh",
        Some(&token),
        None,
    )
    .await;
    let refused = eventually(20, "refused for good", async || {
        let jobs = jobs_of(&app, id).await;
        match jobs.as_slice() {
            [job] if job.state == "failed" => Some(job.clone()),
            _ => None,
        }
    })
    .await;
    assert_eq!(refused.attempts, 1, "{refused:?}");
    assert!(
        refused
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("locaux")),
        "{refused:?}"
    );
    stop.send(true).expect("stop");
    worker.await.expect("worker stops");
    drop(repo);
}

/// Indexes every queued job now, in this task, as the worker would.
async fn drain_queue(app: &TestApp, context: &IndexContext) {
    while let Some(job) = app
        .store
        .claim_job("test", Utc::now())
        .await
        .expect("claim")
    {
        context.index_project(job.project_id).await.expect("index");
        app.store.finish_job(&job).await.expect("finish");
    }
}

async fn set_last_fetch(app: &TestApp, project_id: i64, at: DateTime<Utc>) {
    let changed = app
        .db
        .execute(
            "UPDATE projects SET last_fetch_at = $1 WHERE id = $2",
            &[Bind::Time(at), Bind::Int(project_id)],
        )
        .await;
    assert_eq!(changed, 1);
}

async fn last_fetch(app: &TestApp, project_id: i64) -> Option<DateTime<Utc>> {
    let rows: Vec<(Option<DateTime<Utc>>,)> = app
        .db
        .fetch(
            "SELECT last_fetch_at FROM projects WHERE id = $1",
            &[Bind::Int(project_id)],
        )
        .await;
    rows.first().expect("project").0
}

/// Only visible projects fetched longer ago than the interval (or never) get a refresh,
/// and none that already has a job waiting or running.
async fn due_refreshes_follow_the_last_fetch_and_skip_hidden_projects(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    let data = tempfile::tempdir().expect("data dir");
    let context = IndexContext::new(
        app.store.clone(),
        data.path().to_path_buf(),
        LOCAL,
        FetchLimits::default(),
    );
    let repos: Vec<TestRepo> = ["stale", "fresh", "hidden"]
        .iter()
        .map(|name| small_repository(name))
        .collect();
    let stale = register(&app, &token, &repos[0].url(), "stale").await;
    let fresh = register(&app, &token, &repos[1].url(), "fresh").await;
    let hidden = register(&app, &token, &repos[2].url(), "hidden").await;
    drain_queue(&app, &context).await;
    // Registered, its job lost (a worker died and the job was swept): never fetched.
    let never = register(&app, &token, "/nulle/part/never", "never").await;
    let job = app
        .store
        .claim_job("lost", Utc::now())
        .await
        .expect("claim")
        .expect("the registration's job");
    app.store.finish_job(&job).await.expect("finish");

    let now = Utc::now();
    set_last_fetch(&app, stale, now - chrono::Duration::hours(2)).await;
    set_last_fetch(&app, fresh, now - chrono::Duration::minutes(10)).await;
    set_last_fetch(&app, hidden, now - chrono::Duration::hours(2)).await;
    assert!(
        app.store
            .set_project_hidden("hidden", true, &moderation("hidden"))
            .await
            .expect("hide")
    );

    let hour_ago = now - chrono::Duration::hours(1);
    let queued = app
        .store
        .enqueue_due_refreshes(hour_ago, now)
        .await
        .expect("due");
    assert_eq!(queued, 2);
    assert_eq!(
        app.store
            .enqueue_due_refreshes(hour_ago, now)
            .await
            .expect("due"),
        0,
        "asking again queues nothing twice"
    );
    let mut refreshed = BTreeSet::new();
    let first = app
        .store
        .claim_job("w", now)
        .await
        .expect("claim")
        .expect("a refresh");
    refreshed.insert(first.project_id);
    assert_eq!(
        app.store
            .enqueue_due_refreshes(hour_ago, now)
            .await
            .expect("due"),
        0,
        "a running job counts as waiting"
    );
    while let Some(job) = app.store.claim_job("w", now).await.expect("claim") {
        refreshed.insert(job.project_id);
    }
    assert_eq!(refreshed, BTreeSet::from([stale, never]));
    assert_eq!(last_fetch(&app, never).await, None);
}

/// The worker refreshes a project by itself once its last fetch is older than the
/// interval: a new tag appears without anyone asking. A hidden project is not fetched.
async fn the_worker_refreshes_on_its_own_but_not_hidden_projects(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    let data = tempfile::tempdir().expect("data dir");
    let context = IndexContext::new(
        app.store.clone(),
        data.path().to_path_buf(),
        LOCAL,
        FetchLimits::default(),
    );
    let mut visible = small_repository("openelec");
    let mut masked = small_repository("masque");
    let visible_id = register(&app, &token, &visible.url(), "openelec").await;
    let masked_id = register(&app, &token, &masked.url(), "masque").await;
    drain_queue(&app, &context).await;
    for repo in [&mut visible, &mut masked] {
        repo.write("CHANGELOG.md", "## 1.1.0\n");
        repo.commit("Version 1.1.0");
        repo.annotated_tag("1.1.0");
    }
    // Whole seconds: PostgreSQL keeps microseconds, SQLite's text keeps nanoseconds.
    let two_hours_ago = DateTime::from_timestamp(Utc::now().timestamp() - 7200, 0).expect("time");
    set_last_fetch(&app, visible_id, two_hours_ago).await;
    set_last_fetch(&app, masked_id, two_hours_ago).await;
    assert!(
        app.store
            .set_project_hidden("masque", true, &moderation("masque"))
            .await
            .expect("hide")
    );
    let before: Value = app.get("/api/v1/projects/openelec").await.body;
    assert_eq!(before["latest_version"]["name"], "1.0.0");

    let mut settings = quick_settings();
    settings.housekeeping_every = Duration::from_millis(100);
    let (stop, worker) = start_worker(&app, data.path(), LOCAL, settings);
    eventually(20, "the refresh by itself", async || {
        let project = app.get("/api/v1/projects/openelec").await.body;
        (project["latest_version"]["name"] == "1.1.0").then_some(())
    })
    .await;
    // The refresh of the visible project was queued by the same look at the due projects
    // that would have queued the hidden one.
    stop.send(true).expect("stop");
    worker.await.expect("worker stops");
    assert_eq!(last_fetch(&app, masked_id).await, Some(two_hours_ago));
    assert!(
        last_fetch(&app, visible_id)
            .await
            .is_some_and(|at| at > two_hours_ago + chrono::Duration::minutes(110))
    );
    assert!(
        app.store
            .set_project_hidden("masque", false, &moderation("masque"))
            .await
            .expect("show")
    );
    let masked = app.get("/api/v1/projects/masque").await.body;
    assert_eq!(masked["latest_version"]["name"], "1.0.0", "{masked}");
    assert_eq!(app.store.counts().await.expect("counts").jobs_queued, 0);
}

const BIN: &str = env!("CARGO_BIN_EXE_civiforge");

/// A `civiforge worker` process with its own data folder; stopped when dropped.
struct WorkerProcess {
    child: Child,
    data: tempfile::TempDir,
}

impl WorkerProcess {
    fn start(database: &str) -> WorkerProcess {
        let data = tempfile::tempdir().expect("data dir");
        let child = Command::new(BIN)
            .args(["--database", database, "--data-dir"])
            .arg(data.path())
            .args(["--allow-local-repositories", "worker"])
            .current_dir(data.path())
            .env("CIVIFORGE_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("civiforge worker");
        WorkerProcess { child, data }
    }

    /// Project ids whose repository this worker fetched (its mirrors).
    fn mirrored(&self) -> BTreeSet<i64> {
        match std::fs::read_dir(self.data.path().join("mirrors")) {
            Ok(entries) => entries
                .map(|entry| {
                    let name = entry.expect("entry").file_name();
                    let name = name.to_string_lossy();
                    name.strip_suffix(".git")
                        .and_then(|id| id.parse().ok())
                        .unwrap_or_else(|| panic!("unexpected mirror {name}"))
                })
                .collect(),
            Err(_) => BTreeSet::new(),
        }
    }

    /// SIGTERM, then the exit status.
    fn stop(&mut self) -> std::process::ExitStatus {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(killed.success());
        self.child.wait().expect("wait")
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Two worker processes on one database: every registered project is indexed, each by
/// exactly one of them (a job taken twice would leave a mirror in both data folders).
async fn two_worker_processes_share_the_queue(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    let repos: Vec<TestRepo> = (0..12)
        .map(|n| small_repository(&format!("logiciel-{n}")))
        .collect();
    let mut workers = [
        WorkerProcess::start(&app.db.url),
        WorkerProcess::start(&app.db.url),
    ];
    let mut ids = BTreeSet::new();
    for (n, repo) in repos.iter().enumerate() {
        ids.insert(register(&app, &token, &repo.url(), &format!("logiciel-{n}")).await);
    }
    eventually(60, "every project indexed", async || {
        let page = app.get("/api/v1/projects?limit=100").await.body;
        let items = page["items"].as_array().expect("items");
        (items.len() == 12 && items.iter().all(|p| p["index_status"]["state"] == "ok"))
            .then_some(())
    })
    .await;
    for worker in &mut workers {
        assert!(worker.stop().success(), "a worker stops cleanly on SIGTERM");
    }
    let (first, second) = (workers[0].mirrored(), workers[1].mirrored());
    assert_eq!(
        first.intersection(&second).count(),
        0,
        "fetched by both: {first:?} / {second:?}"
    );
    assert_eq!(&first | &second, ids);
    let counts = app.store.counts().await.expect("counts");
    assert_eq!((counts.jobs_queued, counts.jobs_failed), (0, 0));
    let jobs: Vec<(i64,)> = app.db.fetch("SELECT COUNT(*) FROM jobs", &[]).await;
    assert_eq!(jobs, [(0,)], "every job finished and removed");
}

/// A server on loopback that takes connections and never answers: a fetch from it hangs
/// until the connections it holds are dropped.
struct SilentServer {
    address: std::net::SocketAddr,
    held: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
}

impl SilentServer {
    fn start() -> SilentServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("address");
        let held = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let keep = held.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                keep.lock().expect("lock").push(stream);
            }
        });
        SilentServer { address, held }
    }

    /// Closes every connection: the hanging fetch fails and its thread ends.
    fn hang_up(&self) {
        self.held.lock().expect("lock").clear();
    }
}

/// A worker told to stop while a fetch hangs gives the job a moment, then hands it back to
/// the queue, its interrupted attempt not counted, for another worker to take at once.
async fn a_stopping_worker_hands_its_job_back(engine: Engine) {
    const LOOPBACK: RepositoryUrlPolicy = RepositoryUrlPolicy {
        allow_local: true,
        allow_private_networks: true,
    };
    let app = TestApp::with_policy(engine, LOOPBACK).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    let server = SilentServer::start();
    let url = format!("http://{}/openmairie/opencimetiere.git", server.address);
    let id = register(&app, &token, &url, "opencimetiere").await;
    let data = tempfile::tempdir().expect("data dir");
    let mut settings = quick_settings();
    settings.shutdown_grace = Duration::from_millis(300);
    let (stop, worker) = start_worker(&app, data.path(), LOOPBACK, settings);
    eventually(20, "the job is running", async || {
        let jobs = jobs_of(&app, id).await;
        (jobs.len() == 1 && jobs[0].state == "running").then_some(())
    })
    .await;
    let asked = Instant::now();
    let _ = stop.send(true);
    tokio::time::timeout(Duration::from_secs(10), worker)
        .await
        .expect("the worker stops within its grace")
        .expect("worker task");
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "{:?}",
        asked.elapsed()
    );
    let jobs = jobs_of(&app, id).await;
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].state, "queued", "{jobs:?}");
    assert_eq!(
        jobs[0].attempts, 0,
        "the interrupted attempt is not counted"
    );
    assert!(jobs[0].run_after <= Utc::now(), "due at once");
    let held: Vec<(Option<String>,)> = app
        .db
        .fetch(
            "SELECT locked_by FROM jobs WHERE project_id = $1",
            &[Bind::Int(id)],
        )
        .await;
    assert_eq!(held, [(None,)]);
    server.hang_up();
}

on_both_engines!(
    a_stopping_worker_hands_its_job_back,
    a_failing_repository_is_retried_with_back_off_then_given_up,
    due_refreshes_follow_the_last_fetch_and_skip_hidden_projects,
    the_worker_refreshes_on_its_own_but_not_hidden_projects,
    two_worker_processes_share_the_queue,
);

/// The audit entry of a moderator's hiding, as the command line would write it.
fn moderation(slug: &str) -> civiforge::model::Audit {
    civiforge::domain::Actor::command_line(None).audit(
        civiforge::model::AuditAction::ProjectVisibility,
        slug,
        None,
    )
}
