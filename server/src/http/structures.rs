//! Organisations created through the API (pooling structures, companies), a structure's
//! members, and the adoptions a structure declares for them. The rules are the domain's
//! (`domain::structures`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;

use super::error::{ApiResult, ErrorBody};
use super::extract::{ApiActor, ApiJson, ApiPath};
use crate::model::{Adoption, Organisation, Page, StructureMember};
use crate::state::AppState;
use crate::validation::{CreateOrganisationRequest, DeclareForMembersRequest, MembersRequest};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/organisations/{id}/members", get(members).put(set_members))
}

/// Create an organisation without an official code (id `org-{slug}`); its creator's claim to
/// act for it is filed and awaits a moderator.
#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations",
    request_body = CreateOrganisationRequest, security(("jeton" = [])),
    responses((status = 201, body = Organisation), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(request): ApiJson<CreateOrganisationRequest>,
) -> ApiResult<impl IntoResponse> {
    let (organisation, claim) = state.domain.create_organisation(&actor, request).await?;
    let mut body = serde_json::to_value(&organisation).unwrap_or_default();
    body["claim"] = json!(claim);
    Ok((StatusCode::CREATED, Json(body)))
}

/// A pooling structure's members.
#[utoipa::path(get, path = "/api/v1/organisations/{id}/members", tag = "organisations",
    responses((status = 200, body = Page<StructureMember>), (status = 404, body = ErrorBody)))]
pub async fn members(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Page<StructureMember>>> {
    let items = state.domain.structure_members(&id).await?;
    let total = items.len() as i64;
    Ok(Json(Page { items, total }))
}

/// Replace a pooling structure's members (its verified agents, moderators).
#[utoipa::path(put, path = "/api/v1/organisations/{id}/members", tag = "organisations",
    request_body = MembersRequest, security(("jeton" = [])),
    responses((status = 200, body = Page<StructureMember>), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn set_members(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<MembersRequest>,
) -> ApiResult<Json<Page<StructureMember>>> {
    let items = state
        .domain
        .set_structure_members(&actor, &id, request.members)
        .await?;
    let total = items.len() as i64;
    Ok(Json(Page { items, total }))
}

/// A structure declares that some of its members use a project: all are written, or none.
#[utoipa::path(post, path = "/api/v1/organisations/{id}/adoptions", tag = "adoptions",
    request_body = DeclareForMembersRequest, security(("jeton" = [])),
    responses((status = 201, body = Page<Adoption>), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn declare_for_members(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<DeclareForMembersRequest>,
) -> ApiResult<impl IntoResponse> {
    let items = state
        .domain
        .declare_for_members(&actor, &id, request)
        .await?;
    let total = items.len() as i64;
    Ok((StatusCode::CREATED, Json(Page { items, total })))
}
