//! Over HTTP on loopback, as users meet it: `civiforge serve --no-worker` started as its own
//! process on the benchmark's catalogue (its built index), driven by an HTTP client in this
//! process. The search mix (one client, then two), autocomplete, the pages (project,
//! organisation, group, home, search), the server's memory and CPU, its start on the
//! catalogue and its cold start on a fresh SQLite. Every search answer's total and facet
//! counts are checked against a straightforward count of the same query on the same index
//! (tantivy's `Count` and terms aggregation).

mod answers;
mod catalogue;
mod server;

use std::path::Path;
use std::time::{Duration, Instant};

use super::CONCURRENT_BUDGET;
use super::pages::{PageTime, time_page};
use super::process::cpu_seconds;
use answers::check_answers;
use catalogue::pages_to_time;
use server::{Server, server_binary};

/// The searches of the mix, as the search page and API clients send them: words of every
/// domain of the corpus, accents left out, typos, names, filters, later pages, nothing typed.
pub const SEARCH_MIX: &[&str] = &[
    "q=%C3%A9lections",
    "q=etat+civil",
    "q=d%C3%A9lib%C3%A9rations+conseil+municipal",
    "q=cimetiere",
    "q=deliberaton",
    "q=march%C3%A9s+publics",
    "q=police+municipale",
    "q=gestion+des+listes+%C3%A9lectorales",
    "q=urbanisme+permis+de+construire",
    "q=ostr%C3%A9iculture",
    "q=e",
    "q=",
    "q=&category=cimetieres",
    "q=&departement=13",
    "q=&has_adopters=oui&active=oui",
    "q=%C3%A9lections&departement=33",
    "q=concessions+fun%C3%A9raires",
    "q=bureaux+de+vote",
    "q=procurations",
    "q=actes+de+d%C3%A9c%C3%A8s",
    "q=s%C3%A9ance+du+conseil",
    "q=budget+primitif",
    "q=paie",
    "q=cong%C3%A9s+des+agents",
    "q=restauration+scolaire",
    "q=periscolaire",
    "q=stationnement",
    "q=main+courante",
    "q=courrier",
    "q=subventions",
    "q=columbarium",
    "q=fourri%C3%A8re",
    "q=march%C3%A9s+publics&license=AGPL-3.0-or-later",
    "q=cimetiere&category=cimetieres&offset=40",
    "q=%C3%A9lections&offset=20",
    "q=Valmira",
    "q=openElec",
    "q=inscriptions+scolaires",
    "q=cimeti%C3%A8re+concession",
    "q=urbanism",
    "q=petite+enfance",
    "q=vid%C3%A9oprotection",
];

/// What was typed into the search box, letter by letter, for autocomplete.
const SUGGEST_MIX: &[&str] = &[
    "c", "ci", "cim", "cime", "cimet", "e", "el", "ele", "elec", "o", "op", "ope", "open", "gest",
    "val", "urb", "ma", "mar", "pol", "deli",
];

/// Everything measured over HTTP.
#[derive(Debug)]
pub struct HttpRun {
    /// Start on a fresh SQLite: migrations and every reference organisation, to `/healthz`.
    pub cold_start: Duration,
    /// Start on the benchmark's catalogue and index, to `/healthz`.
    pub start: Duration,
    pub one: Vec<Duration>,
    pub qps_one: f64,
    /// The server's CPU per search of one client.
    pub server_cpu_per_query: Option<Duration>,
    pub two: Vec<Duration>,
    pub qps_two: f64,
    pub suggest: Vec<Duration>,
    pub pages: Vec<PageTime>,
    /// The server's resident memory once every measurement is done, and its peak.
    pub rss_kib: Option<u64>,
    pub rss_peak_kib: Option<u64>,
    /// Searches of the mix whose total and facets were checked (all of them).
    pub checked: usize,
    pub response_bytes: usize,
}

/// GETs `path`, fails unless it answers 200; returns the body.
pub(super) async fn get(
    client: &reqwest::Client,
    base: &str,
    path: &str,
) -> anyhow::Result<Vec<u8>> {
    let response = client.get(format!("{base}{path}")).send().await?;
    anyhow::ensure!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    Ok(response.bytes().await?.to_vec())
}

/// Runs `paths` in turn from `start`, whole rounds, until `budget` is spent.
async fn rounds(
    client: &reqwest::Client,
    base: &str,
    paths: &[String],
    start: usize,
    budget: Duration,
) -> anyhow::Result<Vec<Duration>> {
    let started = Instant::now();
    let mut samples = Vec::new();
    while started.elapsed() < budget {
        for i in 0..paths.len() {
            let t = Instant::now();
            get(client, base, &paths[(start + i) % paths.len()]).await?;
            samples.push(t.elapsed());
        }
    }
    Ok(samples)
}

/// The whole HTTP phase, on the catalogue at `database_url` whose index is under
/// `data_dir/search`; `scratch` holds the fresh database of the cold start.
pub async fn measure(
    database_url: &str,
    data_dir: &Path,
    scratch: &Path,
) -> anyhow::Result<HttpRun> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(4)
        .timeout(Duration::from_secs(60))
        .build()?;
    let binary = server_binary()?;
    let cold_dir = scratch.join("cold-start");
    let (cold, cold_start) = Server::start(
        &binary,
        &format!("sqlite://{}", cold_dir.join("civiforge.db").display()),
        &cold_dir,
        &client,
    )
    .await?;
    drop(cold);
    eprintln!("  cold start on a fresh SQLite: {cold_start:?}");

    let pages = pages_to_time(database_url).await?;
    let (server, start) = Server::start(&binary, database_url, data_dir, &client).await?;
    eprintln!("  start on the catalogue: {start:?}");
    let checked = check_answers(&client, &server.base, &data_dir.join("search")).await?;
    eprintln!("  {checked} answers agree with the straightforward counts");

    let paths: Vec<String> = SEARCH_MIX
        .iter()
        .map(|q| format!("/api/v1/search?{q}"))
        .collect();
    let mut response_bytes = 0;
    for path in &paths {
        response_bytes += get(&client, &server.base, path).await?.len();
    }
    let cpu_before = cpu_seconds(&server.pid);
    let started = Instant::now();
    let mut one = rounds(&client, &server.base, &paths, 0, CONCURRENT_BUDGET).await?;
    let qps_one = one.len() as f64 / started.elapsed().as_secs_f64();
    let server_cpu_per_query = cpu_before
        .zip(cpu_seconds(&server.pid))
        .map(|(before, after)| Duration::from_secs_f64((after - before) / one.len() as f64));
    one.sort_unstable();
    let second = reqwest::Client::builder().build()?;
    let started = Instant::now();
    let (a, b) = tokio::join!(
        rounds(&client, &server.base, &paths, 0, CONCURRENT_BUDGET),
        rounds(
            &second,
            &server.base,
            &paths,
            paths.len() / 2,
            CONCURRENT_BUDGET
        )
    );
    let mut two = a?;
    two.extend(b?);
    let qps_two = two.len() as f64 / started.elapsed().as_secs_f64();
    two.sort_unstable();
    eprintln!("  search over HTTP: {qps_one:.0} q/s one client, {qps_two:.0} q/s two clients");

    let suggest_paths: Vec<String> = SUGGEST_MIX
        .iter()
        .map(|q| format!("/api/v1/search/suggest?q={q}"))
        .collect();
    let mut suggest = rounds(
        &client,
        &server.base,
        &suggest_paths,
        0,
        Duration::from_secs(4),
    )
    .await?;
    suggest.sort_unstable();

    let mut timed = Vec::new();
    for path in &pages {
        let page = time_page(path, || async {
            Ok(get(&client, &server.base, path).await?.len())
        })
        .await?;
        eprintln!("  {path}: p50 {:?}, p99 {:?}", page.p50, page.p99);
        timed.push(page);
    }
    Ok(HttpRun {
        cold_start,
        start,
        one,
        qps_one,
        server_cpu_per_query,
        two,
        qps_two,
        suggest,
        pages: timed,
        rss_kib: server.rss_kib("VmRSS:"),
        rss_peak_kib: server.rss_kib("VmHWM:"),
        checked,
        response_bytes,
    })
}
