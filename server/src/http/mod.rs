//! The HTTP side: the JSON API under `/api/v1`, health and metrics. `app` builds the whole
//! router, so tests drive exactly what production serves.

mod adoptions;
pub mod audit;
pub mod claims;
pub mod client;
pub mod error;
pub mod extract;
mod headers;
pub mod known_users;
mod metrics;
mod openapi;
mod organisations;
mod projects;
mod search;
mod system;
mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::get;
use civiforge_indexer::RepositoryUrlPolicy;

use crate::search::SearchService;
use crate::secrets::ServerKey;
use crate::store::Store;
use error::ApiError;
pub use metrics::HttpMetrics;

/// Largest request body the API reads: registrations and declarations are small.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// What every handler may use.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub url_policy: RepositoryUrlPolicy,
    pub metrics: Arc<HttpMetrics>,
    pub server_key: Arc<ServerKey>,
    pub search: Arc<SearchService>,
    pub web: Arc<crate::pages::web::Web>,
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
    ) -> Self {
        Self {
            store,
            url_policy,
            metrics: Arc::new(HttpMetrics::default()),
            server_key: Arc::new(server_key),
            search,
            // Templates are compiled into the binary: an error here is a build defect.
            web: Arc::new(crate::pages::web::Web::new().expect("the templates compile")),
            trusted_proxies: Arc::from(Vec::new()),
            counts_cache: Arc::default(),
        }
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .merge(projects::routes())
        .merge(organisations::routes())
        .merge(adoptions::routes())
        .merge(webhooks::routes())
        .merge(search::routes())
        .merge(audit::routes())
        .merge(claims::routes())
        .merge(known_users::routes())
        .route("/categories", get(projects::categories))
        .route("/openapi.json", get(openapi::openapi_json))
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed);
    Router::new()
        .nest("/api/v1", api)
        .merge(crate::pages::routes())
        .route("/healthz", get(system::healthz))
        .route("/metrics", get(system::metrics))
        .route("/readyz", get(system::readyz))
        .fallback(page_not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::count_requests,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            refuse_nul,
        ))
        .layer(axum::middleware::from_fn(headers::security_headers))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

async fn api_not_found() -> ApiError {
    ApiError::not_found("aucune ressource à cette adresse ; voir /api/v1/openapi.json")
}

/// A request whose address carries a NUL character (`%00`) is refused before any handler:
/// no identifier or search contains one, and PostgreSQL stores none.
async fn refuse_nul(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let uri = request.uri().to_string();
    if !uri.to_ascii_lowercase().contains("%00") {
        return next.run(request).await;
    }
    if request.uri().path().starts_with("/api/") {
        ApiError::bad_request(
            "invalid_query",
            "le caractère nul (%00) n'est accepté dans aucun paramètre",
        )
        .into_response()
    } else {
        state.web.error(StatusCode::BAD_REQUEST)
    }
}

/// Outside the API, an unknown address gets a page in French.
async fn page_not_found(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::response::Response {
    state.web.error(StatusCode::NOT_FOUND)
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "méthode non permise pour cette adresse",
    )
}

/// `limit` and `offset` of list routes.
#[derive(Debug, Clone, Copy, serde::Deserialize, utoipa::IntoParams)]
pub struct Pagination {
    /// 1 to 100, default 20.
    pub limit: Option<u32>,
    /// Default 0.
    pub offset: Option<u32>,
}

impl Pagination {
    pub const DEFAULT_LIMIT: u32 = 20;
    pub const MAX_LIMIT: u32 = 100;

    pub fn window(self) -> crate::model::Window {
        crate::model::Window {
            limit: i64::from(
                self.limit
                    .unwrap_or(Self::DEFAULT_LIMIT)
                    .clamp(1, Self::MAX_LIMIT),
            ),
            offset: i64::from(self.offset.unwrap_or(0)),
        }
    }
}
