//! `cargo bench -p civiforge-bench --bench forge`: the forge's figures. A repository of
//! 5,000 commits and 500 tags (generated with `git fast-import`, the indexing benchmark's
//! shape) is cloned with the stock `git` from `git daemon` and from civiforge's smart HTTP
//! (`git http-backend` behind a real `civiforge` app on loopback), five times each; then a
//! release archive of its latest version is downloaded twice, built and then cached. Method
//! and numbers are in docs/benchmarks.md (« The forge »).

#[path = "../../indexer/benches/support/repositories.rs"]
mod repositories;

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Context;
use civiforge::domain::accounts::NewAccount;
use civiforge::domain::{Actor, Domain};
use civiforge::validation::RegisterProjectRequest;
use civiforge_indexer::RepositoryUrlPolicy;
use repositories::{GitDaemon, Shape, generate, measured, median};

const POLICY: RepositoryUrlPolicy = RepositoryUrlPolicy {
    allow_local: true,
    allow_private_networks: true,
};

const SHAPE: Shape = Shape {
    name: "large",
    commits: 5_000,
    files: 2_000,
    tags: 500,
};

const RUNS: usize = 5;

fn main() -> anyhow::Result<()> {
    let work = tempfile::tempdir()?;
    let source = generate(&SHAPE, work.path());
    // One pack, as a forge's repository would be: both servers then send from a pack.
    repositories::git(&source, &["repack", "-a", "-d", "-q"]);
    let daemon = GitDaemon::start(work.path());
    let data = work.path().join("civiforge-data");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // Registered by its git:// address: the daemon packs, as a forge does over HTTPS.
    let (base, latest) = runtime.block_on(serve_civiforge(&data, &daemon.url("large.git")))?;

    let daemon_url = daemon.url("large.git");
    let forge_url = format!("{base}/git/large.git");
    let daemon_clone = clone_times(&daemon_url, &work.path().join("from-daemon"))?;
    let forge_clone = clone_times(&forge_url, &work.path().join("from-civiforge"))?;
    same_refs(
        &work.path().join("from-daemon-0.git"),
        &work.path().join("from-civiforge-0.git"),
    )?;
    // The same daemon serving civiforge's own copy: what the HTTP path adds, pack for pack.
    let mirror_url = daemon.url("civiforge-data/mirrors/1.git");
    let mirror_clone = clone_times(&mirror_url, &work.path().join("from-mirror"))?;

    // The worker built the latest release's archives with the snapshot: the cache is
    // emptied so that the first download builds.
    let _ = std::fs::remove_dir_all(data.join("archives"));
    let archive_url = format!("{base}/projets/large/archive/{latest}.tar.gz");
    let (first, size) = runtime.block_on(download(&archive_url))?;
    let (cached, again) = runtime.block_on(download(&archive_url))?;
    anyhow::ensure!(size == again, "the cached archive has another size");
    let cached_runs: Vec<Duration> = (0..20)
        .map(|_| runtime.block_on(download(&archive_url)).map(|(t, _)| t))
        .collect::<anyhow::Result<_>>()?;

    let (daemon_s, forge_s) = (seconds(&daemon_clone), seconds(&forge_clone));
    let mirror_s = seconds(&mirror_clone);
    println!(
        "| clone of {} commits, {} tags | median of {RUNS} | peak RSS of the client |",
        SHAPE.commits, SHAPE.tags
    );
    println!("|---|---|---|");
    println!(
        "| `git clone --bare` from `git daemon` | {daemon_s:.2} s | {} MiB |",
        daemon_clone.1 / 1024
    );
    println!(
        "| `git clone --bare` from civiforge (smart HTTP) | {forge_s:.2} s | {} MiB |",
        forge_clone.1 / 1024
    );
    println!(
        "| `git clone --bare` from `git daemon` of civiforge's copy | {mirror_s:.2} s | {} MiB |",
        mirror_clone.1 / 1024
    );
    println!(
        "| ratio civiforge / `git daemon` | {:.2}× | |",
        forge_s / daemon_s
    );
    println!(
        "| ratio civiforge / `git daemon` of the same copy | {:.2}× | |",
        forge_s / mirror_s
    );
    println!();
    println!(
        "| archive `{latest}.tar.gz` ({:.1} MiB) | time |",
        size as f64 / 1_048_576.0
    );
    println!("|---|---|");
    println!(
        "| first download (built) | {:.0} ms |",
        first.as_secs_f64() * 1000.0
    );
    println!(
        "| second download (cached) | {:.1} ms |",
        cached.as_secs_f64() * 1000.0
    );
    println!(
        "| cached, median of 20 | {:.1} ms |",
        median(cached_runs).as_secs_f64() * 1000.0
    );
    Ok(())
}

/// Median seconds of [`RUNS`] bare clones into `{target}-{n}.git`, and the largest peak RSS.
fn clone_times(url: &str, target: &Path) -> anyhow::Result<(Vec<f64>, u64)> {
    let mut times = Vec::new();
    let mut peak = 0;
    for n in 0..RUNS {
        let into = format!("{}-{n}.git", target.display());
        let (elapsed, rss) = measured(
            Command::new("git")
                .args(["-c", "protocol.version=2", "clone", "-q", "--bare", url])
                .arg(&into),
        );
        anyhow::ensure!(
            Path::new(&into).join("HEAD").is_file(),
            "clone of {url} failed"
        );
        times.push(elapsed);
        peak = peak.max(rss);
    }
    Ok((times, peak))
}

fn seconds(runs: &(Vec<f64>, u64)) -> f64 {
    let mut sorted = runs.0.clone();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// Both clones hold the same branches and tags.
fn same_refs(a: &Path, b: &Path) -> anyhow::Result<()> {
    let refs = |dir: &Path| -> anyhow::Result<String> {
        let output = Command::new("git")
            .args(["show-ref"])
            .current_dir(dir)
            .output()?;
        Ok(String::from_utf8(output.stdout)?)
    };
    anyhow::ensure!(refs(a)? == refs(b)?, "the clones differ");
    Ok(())
}

async fn download(url: &str) -> anyhow::Result<(Duration, usize)> {
    let started = Instant::now();
    let response = reqwest::get(url).await?.error_for_status()?;
    let bytes = response.bytes().await?;
    Ok((started.elapsed(), bytes.len()))
}

/// A catalogue with the repository registered and indexed, served on loopback as `civiforge
/// serve` does; answers its address and the latest release's name.
async fn serve_civiforge(data: &Path, repository: &str) -> anyhow::Result<(String, String)> {
    std::fs::create_dir_all(data)?;
    let store =
        civiforge::store::connect(&format!("sqlite://{}", data.join("civiforge.db").display()))
            .await?;
    store.migrate().await?;
    let domain = Domain::new(store.clone(), POLICY);
    let account = NewAccount {
        email: "bench@civiforge.fr".into(),
        name: "Banc d'essai".into(),
        password: "mot-de-passe-du-banc".into(),
        is_admin: false,
        is_moderator: false,
    };
    let user = domain
        .create_account(&Actor::command_line(None), account)
        .await?;
    let request = RegisterProjectRequest {
        repository_url: repository.to_string(),
        name: Some("large".into()),
        summary: None,
        categories: None,
        slug: Some("large".into()),
    };
    domain
        .register_project(&Actor::command_line(Some(user)), request)
        .await?;
    let id = store.project_ids(&["large".to_string()]).await?[0].0;
    civiforge::indexing::IndexContext::new(
        store.clone(),
        data.to_path_buf(),
        POLICY,
        civiforge_indexer::fetch::FetchLimits::default(),
    )
    .index_project(id)
    .await?;
    let latest = store
        .project("large")
        .await?
        .and_then(|p| p.latest_version)
        .context("no release indexed")?
        .name;
    let key = civiforge::secrets::ServerKey::from_hex(&"ab".repeat(32))?;
    let search = civiforge::search::SearchService::new(data, store.clone());
    search.open_or_rebuild().await?;
    let state = civiforge::app::AppState::new(store, POLICY, key, search, data);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let app = civiforge::app::app(state).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((format!("http://{address}"), latest))
}
