//! `POST /api/v1/publiccode/validate`: the body is a publiccode.yml (any version of the
//! standard from 0.2 to 0.7); the answer says whether it is valid, with each error and
//! warning at its line and key. Nothing is stored.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::routing::post;

use super::error::ApiError;
use crate::model::PubliccodeValidation;
use crate::state::AppState;

/// Largest body read: past the parser's own limit (1 MiB), so that a file a little too large
/// gets the parser's explanation and a much larger one a 413.
const MAX_BODY_BYTES: usize = 2 * civiforge_indexer::publiccode::MAX_PUBLICCODE_BYTES;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route(
        "/publiccode/validate",
        post(validate).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
    )
}

/// Checks a publiccode.yml: `{"valid", "errors": [{"line", "key", "message"}], "warnings"}`.
#[utoipa::path(post, path = "/api/v1/publiccode/validate", tag = "publiccode",
    request_body(content = String, content_type = "application/yaml",
        description = "Le fichier publiccode.yml, tel quel (1 Mio au plus)"),
    responses(
        (status = 200, body = PubliccodeValidation),
        (status = 413, body = super::error::ErrorBody)))]
pub async fn validate(
    State(state): State<AppState>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<PubliccodeValidation>, ApiError> {
    let body = body.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                rejection.status(),
                "payload_too_large",
                format!(
                    "un publiccode.yml fait au plus {} Kio : celui-ci dépasse {} Kio",
                    civiforge_indexer::publiccode::MAX_PUBLICCODE_BYTES / 1024,
                    MAX_BODY_BYTES / 1024
                ),
            )
        } else {
            ApiError::bad_request("invalid_body", "le corps de la requête n'a pas pu être lu")
        }
    })?;
    Ok(Json(state.domain.validate_publiccode(body.to_vec()).await))
}
