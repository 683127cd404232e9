//! Over HTTP on loopback, as users meet it: `civiforge serve --no-worker` started as its own
//! process on the benchmark's catalogue (its built index), driven by an HTTP client in this
//! process. The search mix (one client, then two), autocomplete, the pages (project,
//! organisation, group, home, search), the server's memory and CPU, its start on the
//! catalogue and its cold start on a fresh SQLite. Every search answer's total and facet
//! counts are checked against a straightforward count of the same query on the same index
//! (tantivy's `Count` and terms aggregation).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use civiforge::search::engine::{Engine, RankingWeights, SearchRequest};
use civiforge::search::facets::{FACETS, MAX_VALUES};
use civiforge::search::{params, schema};
use sqlx::Connection;
use tantivy::aggregation::{AggContextParams, AggregationCollector, AggregationLimitsGuard};
use tantivy::collector::Count;
use tantivy::{Index, ReloadPolicy};

use super::pages::PageTime;
use super::process::{cpu_seconds, proc_status_kib};
use super::{CONCURRENT_BUDGET, MAX_RUNS, MIN_RUNS, QUERY_BUDGET, WARMUP, percentile};

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

/// The `civiforge` binary beside the bench's own, built or brought up to date first
/// (`cargo bench` builds the bench's binary only; a no-op when it is fresh).
fn server_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .context("the bench binary has no target folder")?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "-p",
            "civiforge",
            "--bin",
            "civiforge",
        ])
        .status()?;
    anyhow::ensure!(status.success(), "cargo build of civiforge failed");
    Ok(profile_dir.join("civiforge"))
}

/// A running `civiforge serve`, stopped when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    pub pid: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts the server on `database_url` and `data_dir`; returns once `/healthz` answers,
    /// with the time that took.
    pub async fn start(
        binary: &Path,
        database_url: &str,
        data_dir: &Path,
        client: &reqwest::Client,
    ) -> anyhow::Result<(Server, Duration)> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let started = Instant::now();
        let child = Command::new(binary)
            .args(["serve", "--no-worker"])
            .env("CIVIFORGE_DATABASE_URL", database_url)
            .env("CIVIFORGE_DATA_DIR", data_dir)
            .env("CIVIFORGE_LISTEN", format!("127.0.0.1:{port}"))
            .env("CIVIFORGE_REFRESH_INTERVAL", "86400")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?;
        let server = Server {
            pid: child.id().to_string(),
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        loop {
            if let Ok(response) = client.get(format!("{}/healthz", server.base)).send().await
                && response.status().is_success()
            {
                return Ok((server, started.elapsed()));
            }
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(120),
                "civiforge serve did not become healthy in two minutes"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    fn rss_kib(&self, key: &str) -> Option<u64> {
        proc_status_kib(&self.pid, key)
    }
}

/// GETs `path`, fails unless it answers 200; returns the body.
async fn get(client: &reqwest::Client, base: &str, path: &str) -> anyhow::Result<Vec<u8>> {
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

/// One page timed as [`super::pages`] does in process: warm-up, then repeated runs.
async fn time_page(client: &reqwest::Client, base: &str, path: &str) -> anyhow::Result<PageTime> {
    let mut samples = Vec::new();
    let mut bytes = 0;
    let started = Instant::now();
    for run in 0..(WARMUP + MAX_RUNS) {
        if run >= WARMUP + MIN_RUNS && started.elapsed() > QUERY_BUDGET {
            break;
        }
        let began = Instant::now();
        bytes = get(client, base, path).await?.len();
        if run >= WARMUP {
            samples.push(began.elapsed());
        }
    }
    samples.sort_unstable();
    Ok(PageTime {
        path: path.to_string(),
        p50: percentile(&samples, 0.5),
        p99: percentile(&samples, 0.99),
        runs: samples.len(),
        bytes,
    })
}

/// The straightforward answer's total and facets for one search of the mix: the engine's
/// query counted with `Count`, its facets with tantivy's terms aggregation.
fn straightforward(
    index: &Index,
    searcher: &tantivy::Searcher,
    query_string: &str,
) -> anyhow::Result<(u64, serde_json::Value)> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query_string.as_bytes())
        .into_owned()
        .collect();
    let value = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let request = SearchRequest {
        text: value("q").unwrap_or_default(),
        filters: params::filters(|key| value(key))?,
        limit: 20,
        offset: value("offset").map_or(Ok(0), |o| o.parse())?,
    };
    let (_, fields) = schema::build();
    let engine = Engine {
        index,
        fields: &fields,
        weights: RankingWeights::default(),
    };
    let query = engine.query(searcher, &request);
    let total = searcher.search(&*query, &Count)? as u64;
    let mut spec = serde_json::Map::new();
    for (name, field) in FACETS {
        spec.insert(
            name.to_string(),
            serde_json::json!({"terms": {"field": field, "size": MAX_VALUES}}),
        );
    }
    let collector = AggregationCollector::from_aggs(
        serde_json::from_value(serde_json::Value::Object(spec))?,
        AggContextParams::new(
            AggregationLimitsGuard::default(),
            index.tokenizers().clone(),
        ),
    );
    let aggregated = serde_json::to_value(searcher.search(&*query, &collector)?)?;
    let mut facets = serde_json::Map::new();
    for (name, _) in FACETS {
        let mut values: Vec<(String, u64)> = aggregated[name]["buckets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| Some((b["key"].as_str()?.to_string(), b["doc_count"].as_u64()?)))
            .collect();
        values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        facets.insert(
            name.to_string(),
            values
                .into_iter()
                .map(|(value, count)| serde_json::json!({"value": value, "count": count}))
                .collect(),
        );
    }
    Ok((total, serde_json::Value::Object(facets)))
}

/// Checks every search of the mix against [`straightforward`]; returns how many agree
/// (an error names the first that does not).
async fn check_answers(
    client: &reqwest::Client,
    base: &str,
    search_dir: &Path,
) -> anyhow::Result<usize> {
    let index = Index::open_in_dir(search_dir)?;
    schema::register_tokenizers(&index);
    let reader: tantivy::IndexReader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    let searcher = reader.searcher();
    let mut checked = 0;
    for query_string in SEARCH_MIX {
        let body = get(client, base, &format!("/api/v1/search?{query_string}")).await?;
        let answer: serde_json::Value = serde_json::from_slice(&body)?;
        if answer["relaxed"] == true {
            // Answered by the relaxed query, which the strict count does not describe.
            eprintln!("  {query_string}: relaxed, total not checked");
            continue;
        }
        let (total, facets) = straightforward(&index, &searcher, query_string)?;
        anyhow::ensure!(
            answer["total"].as_u64() == Some(total),
            "{query_string}: total {} over HTTP, {total} counted",
            answer["total"]
        );
        anyhow::ensure!(
            answer["facets"] == facets,
            "{query_string}: facets differ from the terms aggregation"
        );
        checked += 1;
    }
    Ok(checked)
}

/// The catalogue's pages worth timing: the most adopted project, the organisations with the
/// most adoptions (any kind, and a commune of the smallest population band, whose peers are
/// the most numerous), and a working group created here around them.
async fn pages_to_time(database_url: &str) -> anyhow::Result<Vec<String>> {
    let store = civiforge::store::connect(database_url).await?;
    let mut connection = sqlx::SqliteConnection::connect(database_url).await?;
    let top_projects: Vec<(String,)> = sqlx::query_as(
        "SELECT p.slug FROM projects p JOIN adoptions a ON a.project_id = p.id \
         GROUP BY p.id, p.slug ORDER BY COUNT(*) DESC, p.slug LIMIT 5",
    )
    .fetch_all(&mut connection)
    .await?;
    let top_organisations: Vec<(String,)> = sqlx::query_as(
        "SELECT organisation_id FROM adoptions GROUP BY organisation_id \
         ORDER BY COUNT(*) DESC, organisation_id LIMIT 30",
    )
    .fetch_all(&mut connection)
    .await?;
    let small_commune: (String,) = sqlx::query_as(
        "SELECT a.organisation_id FROM adoptions a JOIN organisations o ON o.id = a.organisation_id \
         WHERE o.kind = 'commune' AND o.population < 500 GROUP BY a.organisation_id \
         ORDER BY COUNT(*) DESC, a.organisation_id LIMIT 1",
    )
    .fetch_one(&mut connection)
    .await?;
    connection.close().await?;
    let top_project = top_projects.first().context("no adoptions")?.0.clone();
    let busiest = top_organisations.first().context("no adoptions")?.0.clone();

    let user = store
        .create_user(
            civiforge::model::NewUser {
                email: "bench@civiforge.test".into(),
                name: "Banc d'essai".into(),
                password_hash: "-".into(),
                is_admin: false,
                is_moderator: false,
                email_confirmed_at: None,
            },
            &bench_audit(civiforge::model::AuditAction::UserCreate, "bench"),
        )
        .await?;
    use civiforge::model::MemberRole;
    let group = store
        .create_group(
            civiforge::model::GroupDraft {
                slug: "groupe-banc-essai".into(),
                name: "Groupe du banc d'essai".into(),
                theme: "Les logiciels les plus adoptés".into(),
                status: civiforge::model::GroupStatus::Active,
                lead: busiest.clone(),
                organisations: top_organisations
                    .iter()
                    .enumerate()
                    .map(|(i, (id,))| {
                        let role = if i == 0 {
                            MemberRole::Lead
                        } else {
                            MemberRole::Member
                        };
                        (id.clone(), role)
                    })
                    .collect(),
                projects: top_projects.iter().map(|(slug,)| slug.clone()).collect(),
                actions: None,
            },
            user.id,
            &bench_audit(
                civiforge::model::AuditAction::GroupCreate,
                "groupe-banc-essai",
            ),
        )
        .await?;
    store.close().await;
    Ok(vec![
        format!("/projets/{top_project}"),
        format!("/api/v1/projects/{top_project}"),
        format!("/organisations/{busiest}"),
        format!("/api/v1/organisations/{busiest}"),
        format!("/organisations/{}", small_commune.0),
        format!("/groupes/{}", group.slug),
        "/".to_string(),
        "/recherche?q=%C3%A9lections".to_string(),
        "/recherche?q=cimetiere&category=cimetieres&page=3".to_string(),
    ])
}

fn bench_audit(action: civiforge::model::AuditAction, target: &str) -> civiforge::model::Audit {
    civiforge::model::Audit {
        user_id: None,
        entry: civiforge::model::AuditEntry {
            at: chrono::Utc::now(),
            actor: "civiforge-bench".into(),
            ip: None,
            action,
            target: target.into(),
            details: None,
        },
    }
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
        let page = time_page(&client, &server.base, path).await?;
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
