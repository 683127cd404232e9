//! `/api/v1/claims` and the moderators' routes: claims to act for an organisation, their
//! decisions, the e-mail domains that vouch for agents, and hiding projects. The rules are
//! the domain's (`domain::claims`, `domain::projects`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{post, put};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::error::{ApiResult, ErrorBody};
use super::extract::{ApiActor, ApiJson, ApiPath, ApiQuery};
use crate::model::{Claim, ClaimStatus, Page};
use crate::state::AppState;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/claims", post(file).get(list))
        .route("/claims/{id}/decision", post(decide))
        .route("/organisations/{id}/email-domains", put(set_domains))
        .route("/projects/{slug}/visibility", post(set_visibility))
}

/// `POST /api/v1/claims`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    /// Organisation id, such as `commune-13047`.
    pub organisation: String,
}

/// Ask to act for an organisation (verified at once when the e-mail domain vouches).
#[utoipa::path(post, path = "/api/v1/claims", tag = "organisations", request_body = ClaimRequest,
    security(("jeton" = [])), responses((status = 201, body = Claim), (status = 422, body = ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(request): ApiJson<ClaimRequest>,
) -> ApiResult<impl IntoResponse> {
    let claim = state
        .domain
        .file_claim(&actor, &request.organisation)
        .await?;
    Ok((StatusCode::CREATED, Json(claim)))
}

/// Which claims to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClaimFilter {
    status: Option<ClaimStatus>,
}

/// Moderators see every claim; others see their own.
#[utoipa::path(get, path = "/api/v1/claims", tag = "organisations", params(ClaimFilter),
    security(("jeton" = [])), responses((status = 200, body = Page<Claim>)))]
pub async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(filter): ApiQuery<ClaimFilter>,
) -> ApiResult<Json<Page<Claim>>> {
    let items = state.domain.claims(&actor, filter.status).await?;
    let total = items.len() as i64;
    Ok(Json(Page { items, total }))
}

/// A moderator's decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub verified: bool,
}

/// Verify or reject a claim (moderators).
#[utoipa::path(post, path = "/api/v1/claims/{id}/decision", tag = "organisations", request_body = Decision,
    security(("jeton" = [])), responses((status = 200, body = Claim), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(decision): ApiJson<Decision>,
) -> ApiResult<Json<Claim>> {
    Ok(Json(
        state
            .domain
            .decide_claim(&actor, id, decision.verified)
            .await?,
    ))
}

/// `PUT /api/v1/organisations/{id}/email-domains`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailDomains {
    /// Such as `mairie-istres.fr`.
    pub domains: Vec<String>,
}

/// Set the e-mail domains that vouch for an organisation's agents (moderators).
#[utoipa::path(put, path = "/api/v1/organisations/{id}/email-domains", tag = "organisations", request_body = EmailDomains,
    security(("jeton" = [])), responses((status = 200, description = "enregistré"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_domains(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<EmailDomains>,
) -> ApiResult<impl IntoResponse> {
    let domains = state
        .domain
        .set_email_domains(&actor, &id, &request.domains)
        .await?;
    Ok(Json(json!({"organisation": id, "domains": domains})))
}

/// `POST /api/v1/projects/{slug}/visibility`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Visibility {
    pub hidden: bool,
}

/// Hide a project from every list, page and search, or show it again (moderators).
#[utoipa::path(post, path = "/api/v1/projects/{slug}/visibility", tag = "projets", request_body = Visibility,
    security(("jeton" = [])), responses((status = 200, description = "fait"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_visibility(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(slug): ApiPath<String>,
    ApiJson(request): ApiJson<Visibility>,
) -> ApiResult<impl IntoResponse> {
    state
        .domain
        .set_project_visibility(&actor, &slug, request.hidden)
        .await?;
    Ok(Json(json!({"project": slug, "hidden": request.hidden})))
}
