//! Server time of the HTML pages on the benchmark's catalogue, rendered by the real router in
//! this process (no network): the project page of the most adopted project (its adopters
//! table, map and chart), search pages and the home page.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use civiforge::model::{ProjectFilter, ProjectOrder, Window};
use civiforge::search::SearchService;
use tower::ServiceExt;

use super::{MAX_RUNS, MIN_RUNS, QUERY_BUDGET, WARMUP, percentile};

/// One page's timings.
#[derive(Debug)]
pub struct PageTime {
    pub path: String,
    pub p50: Duration,
    pub p99: Duration,
    pub runs: usize,
    pub bytes: usize,
}

/// Renders each page repeatedly on the catalogue at `url`, searched through `service`.
pub async fn measure(
    url: &str,
    service: Arc<SearchService>,
    data_dir: &std::path::Path,
) -> anyhow::Result<Vec<PageTime>> {
    let store = civiforge::store::connect(url).await?;
    let filter = ProjectFilter {
        order: ProjectOrder::MostAdopted,
        ..Default::default()
    };
    let top = store
        .list_projects(
            &filter,
            Window {
                limit: 1,
                offset: 0,
            },
        )
        .await?
        .items
        .pop()
        .context("an empty catalogue")?;
    let key = civiforge::secrets::ServerKey::from_hex(&"ab".repeat(32))?;
    let state = civiforge::app::AppState::new(store, Default::default(), key, service, data_dir);
    let app = civiforge::app::app(state);
    let paths = [
        format!("/projets/{}", top.slug),
        "/recherche?q=%C3%A9lections".to_string(),
        "/recherche?q=cimetiere&category=cimetieres&page=3".to_string(),
        "/".to_string(),
    ];
    let mut results = Vec::new();
    for path in paths {
        let page = time_page(&path, || async {
            let request = axum::http::Request::builder()
                .uri(&path)
                .body(axum::body::Body::empty())?;
            let response = app.clone().oneshot(request).await?;
            anyhow::ensure!(
                response.status().is_success(),
                "{path}: {}",
                response.status()
            );
            let body = axum::body::to_bytes(response.into_body(), 64 * 1024 * 1024).await?;
            Ok(body.len())
        })
        .await?;
        results.push(page);
    }
    Ok(results)
}

/// Times one page, in process or over HTTP: `fetch` gets it whole and says its size; warm-up
/// runs first, then timed runs until [`MAX_RUNS`], or [`QUERY_BUDGET`] once [`MIN_RUNS`]
/// are done.
pub async fn time_page<F, Fut>(path: &str, mut fetch: F) -> anyhow::Result<PageTime>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<usize>>,
{
    let mut samples = Vec::new();
    let mut bytes = 0;
    let started = Instant::now();
    for run in 0..(WARMUP + MAX_RUNS) {
        if run >= WARMUP + MIN_RUNS && started.elapsed() > QUERY_BUDGET {
            break;
        }
        let began = Instant::now();
        bytes = fetch().await?;
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
