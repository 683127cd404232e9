//! `/api/v1/groups`: working groups, their members, projects and actions. The rules are the
//! domain's (`domain::groups`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, patch, post};
use serde::Deserialize;

use super::Pagination;
use super::error::{ApiResult, ErrorBody};
use super::extract::{ApiActor, ApiJson, ApiPath, ApiQuery};
use crate::model::{ActionState, Adoption, Group, GroupStatus, Page};
use crate::state::AppState;
use crate::store::GroupFilter;
use crate::validation::{ActionRequest, CreateGroupRequest, UpdateGroupRequest};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/groups", get(list).post(create))
        .route("/groups/{slug}", get(show).patch(update))
        .route("/groups/{slug}/actions", post(add_action))
        .route("/groups/{slug}/actions/{id}", patch(set_action_state))
        .route("/groups/{slug}/adoptions", get(adoptions))
}

/// Which groups to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GroupQuery {
    status: Option<GroupStatus>,
    /// Groups this organisation takes part in (any role).
    organisation: Option<String>,
    /// Groups working on this project (slug).
    project: Option<String>,
    limit: Option<u32>,
    offset: Option<u32>,
}

/// Working groups, most recently changed first.
#[utoipa::path(get, path = "/api/v1/groups", tag = "groupes", params(GroupQuery),
    responses((status = 200, body = Page<Group>)))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<GroupQuery>,
) -> ApiResult<Json<Page<Group>>> {
    let filter = GroupFilter {
        status: query.status,
        organisation: query.organisation.filter(|o| !o.is_empty()),
        project: query.project.filter(|p| !p.is_empty()),
    };
    let window = Pagination {
        limit: query.limit,
        offset: query.offset,
    }
    .window();
    Ok(Json(state.domain.groups(&filter, window).await?))
}

/// Create a working group (a verified agent of its lead, or a moderator).
#[utoipa::path(post, path = "/api/v1/groups", tag = "groupes", request_body = CreateGroupRequest,
    security(("jeton" = [])), responses((status = 201, body = Group), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(request): ApiJson<CreateGroupRequest>,
) -> ApiResult<impl IntoResponse> {
    let group = state.domain.create_group(&actor, request).await?;
    Ok((StatusCode::CREATED, Json(group)))
}

/// One working group.
#[utoipa::path(get, path = "/api/v1/groups/{slug}", tag = "groupes",
    responses((status = 200, body = Group), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<Group>> {
    Ok(Json(state.domain.group(&slug).await?))
}

/// Edit a working group: each field given replaces what it had (the lead's verified agents,
/// moderators).
#[utoipa::path(patch, path = "/api/v1/groups/{slug}", tag = "groupes", request_body = UpdateGroupRequest,
    security(("jeton" = [])), responses((status = 200, body = Group), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(slug): ApiPath<String>,
    ApiJson(request): ApiJson<UpdateGroupRequest>,
) -> ApiResult<Json<Group>> {
    Ok(Json(state.domain.edit_group(&actor, &slug, request).await?))
}

/// Add a dated action to a group.
#[utoipa::path(post, path = "/api/v1/groups/{slug}/actions", tag = "groupes", request_body = ActionRequest,
    security(("jeton" = [])), responses((status = 201, body = Group), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add_action(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(slug): ApiPath<String>,
    ApiJson(request): ApiJson<ActionRequest>,
) -> ApiResult<impl IntoResponse> {
    let group = state
        .domain
        .add_group_action(&actor, &slug, request)
        .await?;
    Ok((StatusCode::CREATED, Json(group)))
}

/// A new state for an action.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionStateRequest {
    pub state: ActionState,
}

/// Mark an action planned, done or dropped.
#[utoipa::path(patch, path = "/api/v1/groups/{slug}/actions/{id}", tag = "groupes",
    request_body = ActionStateRequest, security(("jeton" = [])),
    responses((status = 200, body = Group), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_action_state(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiJson(request): ApiJson<ActionStateRequest>,
) -> ApiResult<Json<Group>> {
    Ok(Json(
        state
            .domain
            .set_group_action_state(&actor, &slug, id, request.state)
            .await?,
    ))
}

/// What the group's organisations use of its projects, at which version.
#[utoipa::path(get, path = "/api/v1/groups/{slug}/adoptions", tag = "groupes",
    responses((status = 200, body = Page<Adoption>), (status = 404, body = ErrorBody)))]
pub async fn adoptions(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<Page<Adoption>>> {
    let items = state.domain.group_adoptions(&slug).await?;
    let total = items.len() as i64;
    Ok(Json(Page { items, total }))
}
