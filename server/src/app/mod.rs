//! The application: the router that puts the API (`http/`), the pages (`pages/`) and the
//! health routes together, with the layers every response goes through. Tests drive exactly
//! what production serves.

mod headers;
pub mod listener;
mod request_id;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;

pub use crate::state::AppState;

/// Largest request body read: registrations and declarations are small.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// The whole application.
pub fn app(state: AppState) -> Router {
    Router::new()
        .nest("/api/v1", crate::http::routes())
        .merge(crate::pages::routes())
        .merge(crate::git_http::routes())
        .merge(crate::http::system_routes())
        .fallback(page_not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::state::metrics::count_requests,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            refuse_nul,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            body_too_large,
        ))
        .layer(axum::middleware::from_fn(headers::security_headers))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::compression::CompressionLayer::new().compress_when(compressible()))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(request_id::span))
        .layer(axum::middleware::from_fn(request_id::assign))
        .with_state(state)
}

/// What is worth compressing: not git's packs nor archives, compressed already.
fn compressible() -> impl tower_http::compression::Predicate {
    use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
    DefaultPredicate::new()
        .and(NotForContentType::const_new("application/x-git"))
        .and(NotForContentType::const_new("application/gzip"))
        .and(NotForContentType::const_new("application/zip"))
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
        crate::http::error::ApiError::bad_request(
            "invalid_query",
            "le caractère nul (%00) n'est accepté dans aucun paramètre",
        )
        .into_response()
    } else {
        state.web.error(StatusCode::BAD_REQUEST)
    }
}

/// A body over the limit is refused by the framework in plain English text (a form read with
/// `Bytes`, say): under `/api/` it gets the envelope, elsewhere the French page.
async fn body_too_large(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let for_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let plain = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/plain"));
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE || !plain {
        return response;
    }
    if for_api {
        crate::http::error::ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "le corps de la requête dépasse {} Kio",
                MAX_BODY_BYTES / 1024
            ),
        )
        .into_response()
    } else {
        state.web.error(StatusCode::PAYLOAD_TOO_LARGE)
    }
}

/// Outside the API, an unknown address gets a page in French.
async fn page_not_found(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::response::Response {
    state.web.error(StatusCode::NOT_FOUND)
}
