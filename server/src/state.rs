//! The state every handler shares: the domain, the store for plain reads, search, the
//! views, metrics and settings. Both the API and the pages read it; it knows neither.

pub mod client;
pub mod metrics;

use std::sync::Arc;

use civiforge_indexer::RepositoryUrlPolicy;

use crate::domain::Domain;
use crate::search::SearchService;
use crate::secrets::ServerKey;
use crate::store::Store;
use crate::views::Web;
pub use metrics::HttpMetrics;

/// What every handler may use.
#[derive(Clone)]
pub struct AppState {
    /// Every operation that changes the catalogue.
    pub domain: Domain,
    /// Reads that no rule guards beyond what the store already applies (hidden projects).
    pub store: Arc<dyn Store>,
    pub url_policy: RepositoryUrlPolicy,
    pub metrics: Arc<HttpMetrics>,
    /// The fetches of the worker running in this process (none with `--no-worker`).
    pub fetches: Arc<crate::telemetry::FetchMetrics>,
    pub server_key: Arc<ServerKey>,
    pub search: Arc<SearchService>,
    pub web: Arc<Web>,
    /// The repositories served to git clients.
    pub forge: crate::forge::Forge,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Arc<[std::net::IpAddr]>,
    /// The home page's figures, recomputed at most every minute: counting a million
    /// adoptions on every visit would make the home page the slowest page.
    pub counts_cache:
        Arc<tokio::sync::Mutex<Option<(std::time::Instant, crate::model::CatalogueCounts)>>>,
}

impl AppState {
    pub fn new(
        store: Arc<dyn Store>,
        url_policy: RepositoryUrlPolicy,
        server_key: ServerKey,
        search: Arc<SearchService>,
        data_dir: &std::path::Path,
    ) -> Self {
        let documents = crate::document_files::DocumentFiles::in_data_dir(data_dir);
        Self {
            domain: Domain::new(store.clone(), url_policy).with_documents(documents),
            store,
            url_policy,
            metrics: Arc::new(HttpMetrics::default()),
            fetches: Arc::default(),
            server_key: Arc::new(server_key),
            search,
            // Templates are compiled into the binary: an error here is a build defect.
            web: Arc::new(Web::new().expect("the templates compile")),
            forge: crate::forge::Forge::in_data_dir(data_dir),
            trusted_proxies: Arc::from(Vec::new()),
            counts_cache: Arc::default(),
        }
    }
}
