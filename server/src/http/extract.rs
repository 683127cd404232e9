//! Extractors that answer bad requests in the API's own error format, and the bearer-token
//! authentication of writes.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::auth::token_digest;
use crate::domain::Actor;
use crate::state::AppState;
use crate::state::client::client_ip;

/// A JSON body; malformed JSON, wrong types and unknown fields get a clear 4xx.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_json_media_type);
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "envoyez le corps en JSON avec l'en-tête Content-Type: application/json",
            ));
        }
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|_| {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "le corps de la requête est trop gros ou illisible",
                )
            })?;
        // PostgreSQL stores no U+0000 in text: refuse it here, for every field, clearly.
        if bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                "le caractère nul (U+0000) n'est accepté dans aucun champ",
            ));
        }
        axum::Json::<T>::from_bytes(&bytes)
            .map(|axum::Json(value)| ApiJson(value))
            .map_err(json_rejection)
    }
}

/// `application/json` and `application/*+json`, whatever their parameters.
fn is_json_media_type(value: &str) -> bool {
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonSyntaxError(e) => ApiError::bad_request(
            "invalid_json",
            format!(
                "le corps de la requête n'est pas du JSON valide : {}",
                e.body_text()
            ),
        ),
        JsonRejection::JsonDataError(e) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            format!(
                "le corps de la requête ne correspond pas au format attendu : {}",
                e.body_text()
            ),
        ),
        JsonRejection::BytesRejection(_) => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "le corps de la requête est trop gros ou illisible",
        ),
        other => ApiError::bad_request("invalid_body", other.body_text()),
    }
}

/// Query-string parameters; a bad value gets a clear 400.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e: QueryRejection| {
                ApiError::bad_request(
                    "invalid_query",
                    format!("paramètres de requête invalides : {}", e.body_text()),
                )
            })
    }
}

/// Path parameters; a bad value gets a clear 400.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e: PathRejection| {
                ApiError::bad_request(
                    "invalid_path",
                    format!("chemin invalide : {}", e.body_text()),
                )
            })
    }
}

/// Who calls the API: the user behind a valid `Authorization: Bearer <token>` header, with
/// the token's scopes. Without the header the request is refused before its body is read
/// (401), as every route taking an actor writes or reads what is not public.
#[derive(Debug)]
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ip = client_ip(parts, &state.trusted_proxies);
        let unauthorized =
            |code, message: &str| ApiError::new(StatusCode::UNAUTHORIZED, code, message);
        let Some(header) = parts.headers.get(AUTHORIZATION) else {
            return Err(unauthorized(
                "missing_token",
                "cette opération demande un jeton : en-tête Authorization: Bearer <jeton>",
            ));
        };
        // The scheme is case-insensitive (RFC 9110, 11.1): `bearer` is `Bearer`.
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.trim_start().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|t| !t.is_empty() && t.len() <= 256)
            .ok_or_else(|| {
                unauthorized(
                    "invalid_token",
                    "en-tête Authorization mal formé : attendu « Bearer <jeton> »",
                )
            })?;
        match state.store.token_owner(&token_digest(token)).await? {
            Some(owner) => Ok(ApiActor(Actor::token(owner.user, owner.scopes, ip))),
            None => Err(unauthorized(
                "invalid_token",
                "jeton inconnu, révoqué ou expiré",
            )),
        }
    }
}
