//! civiforge's own search: the index built by `SearchService::rebuild()` from the store (in
//! a child process), and queries through `SearchService::search`, as the API runs them.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use ::civiforge::search::SearchService;
use ::civiforge::search::engine::{Filters, SearchRequest, SearchResults};

use super::LIMIT;
use crate::measure::process::rss_peak;

/// Child process: builds the index under `data_dir` from the store at `url`, and prints
/// what it took as `key=value` lines.
pub fn build_child(data_dir: &str, url: &str) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = ::civiforge::store::connect(url).await?;
        let service = SearchService::new(Path::new(data_dir), store.clone());
        let started = Instant::now();
        service.rebuild().await?;
        println!("elapsed_ms={}", started.elapsed().as_millis());
        println!("documents={}", service.documents());
        // The same reads as the rebuild, without the indexing: what the store costs.
        let started = Instant::now();
        let mut read = 0;
        for batch in store.all_project_ids().await?.chunks(500) {
            read += store.search_sources(batch).await?.len();
        }
        println!("read_ms={}", started.elapsed().as_millis());
        println!("read_documents={read}");
        Ok::<_, anyhow::Error>(())
    })?;
    if let Some(peak) = rss_peak() {
        println!("vmhwm_kib={peak}");
    }
    Ok(())
}

async fn search(
    service: &SearchService,
    text: &str,
    limit: usize,
) -> anyhow::Result<SearchResults> {
    Ok(service
        .search(SearchRequest {
            text: text.to_string(),
            filters: Filters::default(),
            limit,
            offset: 0,
        })
        .await?)
}

pub async fn run(service: &Arc<SearchService>, text: &str) -> anyhow::Result<usize> {
    Ok(search(service, text, LIMIT).await?.items.len())
}

pub async fn count(service: &Arc<SearchService>, text: &str) -> anyhow::Result<u64> {
    Ok(search(service, text, 1).await?.total as u64)
}

pub async fn top(service: &Arc<SearchService>, text: &str) -> anyhow::Result<Option<String>> {
    Ok(search(service, text, 1)
        .await?
        .items
        .first()
        .map(|hit| hit.name.clone()))
}
