//! Push webhooks from GitHub, GitLab and Gitea/Forgejo: a verified push queues a fetch of the
//! project. Each project's secret is derived from the instance key (see `secrets`), shown to
//! its maintainers, and rotated on demand.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{ApiActor, ApiPath, ApiQuery};
use crate::domain::{Actor, shorten};
use crate::secrets::{constant_time_eq, hmac_sha256_matches};
use crate::state::AppState;
use crate::state::client::ClientIp;

/// Push payloads of big repositories exceed the API's usual limit; they are hashed, not parsed.
const MAX_WEBHOOK_BYTES: usize = 4 * 1024 * 1024;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/projects/{slug}/webhook", post(show_secret))
        .route(
            "/webhooks/{provider}",
            post(receive).layer(DefaultBodyLimit::max(MAX_WEBHOOK_BYTES)),
        )
}

/// Which project a webhook call is for.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WebhookQuery {
    /// Project slug.
    project: String,
}

/// `rotate=true` makes a new secret first.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SecretQuery {
    rotate: Option<bool>,
}

/// What a maintainer configures on the forge.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookSettings {
    pub secret: String,
    /// Paths to register on each forge, relative to this instance's address.
    pub urls: serde_json::Value,
}

/// The project's webhook secret and addresses (maintainers and moderators only).
#[utoipa::path(post, path = "/api/v1/projects/{slug}/webhook", tag = "projets", params(SecretQuery),
    security(("jeton" = [])),
    responses((status = 200, body = WebhookSettings), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show_secret(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(query): ApiQuery<SecretQuery>,
) -> ApiResult<Json<WebhookSettings>> {
    let rotate = query.rotate == Some(true);
    let (id, generation) = state.domain.webhook_identity(&actor, &slug, rotate).await?;
    let urls = json!({
        "github": format!("/api/v1/webhooks/github?project={slug}"),
        "gitlab": format!("/api/v1/webhooks/gitlab?project={slug}"),
        "gitea": format!("/api/v1/webhooks/gitea?project={slug}"),
    });
    Ok(Json(WebhookSettings {
        secret: state.server_key.webhook_secret(id, generation),
        urls,
    }))
}

/// A push notification from a forge: queues a fetch when its signature or token is right.
#[utoipa::path(post, path = "/api/v1/webhooks/{provider}", tag = "projets", params(WebhookQuery),
    responses((status = 202, description = "récupération demandée"), (status = 200, description = "ping"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn receive(
    State(state): State<AppState>,
    client: ClientIp,
    ApiPath(provider): ApiPath<String>,
    ApiQuery(query): ApiQuery<WebhookQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<impl IntoResponse> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    let Some((id, generation)) = state.store.webhook_identity(&query.project).await? else {
        return Err(ApiError::not_found(format!(
            "aucun projet « {} »",
            shorten(&query.project)
        )));
    };
    let secret = state.server_key.webhook_secret(id, generation);
    let (authentic, ping) = match provider.as_str() {
        "github" => (
            header("x-hub-signature-256")
                .strip_prefix("sha256=")
                .is_some_and(|sig| hmac_sha256_matches(secret.as_bytes(), &body, sig)),
            header("x-github-event") == "ping",
        ),
        "gitlab" => (
            constant_time_eq(header("x-gitlab-token").as_bytes(), secret.as_bytes()),
            false,
        ),
        "gitea" => (
            hmac_sha256_matches(secret.as_bytes(), &body, header("x-gitea-signature"))
                || hmac_sha256_matches(secret.as_bytes(), &body, header("x-forgejo-signature")),
            false,
        ),
        _ => {
            return Err(ApiError::not_found(
                "fournisseur de webhook inconnu : utilisez github, gitlab ou gitea",
            ));
        }
    };
    if !authentic {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_signature",
            "signature ou jeton du webhook invalide pour ce projet",
        ));
    }
    if ping {
        return Ok((StatusCode::OK, Json(json!({"status": "pong"}))));
    }
    let forge = Actor::service(format!("webhook:{provider}"), client.0);
    state.domain.push_announced(&forge, &query.project).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"status": "queued"}))))
}
