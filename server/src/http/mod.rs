//! The JSON API under `/api/v1`: one module per resource, each handler a thin adapter that
//! reads the request, calls the domain (or a read of the store) and renders JSON.

mod adoptions;
pub mod audit;
pub mod claims;
mod documents;
pub mod error;
pub mod extract;
mod groups;
mod hosted;
pub mod known_users;
pub mod openapi;
mod openapi_paths;
mod organisations;
mod projects;
mod providers;
mod publiccode;
mod search;
mod structures;
mod system;
mod webhooks;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;

use crate::state::AppState;
use error::ApiError;

/// Health, readiness and metrics, outside the API's prefix.
pub fn system_routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(system::healthz))
        .route("/metrics", get(system::metrics))
        .route("/readyz", get(system::readyz))
}

/// The API, to be nested under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(projects::routes())
        .merge(hosted::routes())
        .merge(organisations::routes())
        .merge(adoptions::routes())
        .merge(webhooks::routes())
        .merge(search::routes())
        .merge(audit::routes())
        .merge(claims::routes())
        .merge(known_users::routes())
        .merge(groups::routes())
        .merge(structures::routes())
        .merge(providers::routes())
        .merge(documents::routes())
        .merge(publiccode::routes())
        .route("/categories", get(projects::categories))
        .route("/openapi.json", get(openapi::openapi_json))
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn api_not_found() -> ApiError {
    ApiError::not_found("aucune ressource à cette adresse ; voir /api/v1/openapi.json")
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
#[into_params(parameter_in = Query)]
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
