//! `/api/v1/projects/{slug}/known-users`: the organisations a project says use it (the rules
//! are in `domain::known_users`).

use axum::Json;
use axum::extract::State;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{ApiResult, ErrorBody};
use super::extract::{ApiActor, ApiJson, ApiPath};
use crate::domain::known_users::unresolved_names;
use crate::domain::projects::unknown_project;
use crate::model::KnownUser;
use crate::state::AppState;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/projects/{slug}/known-users", get(list).put(replace))
}

/// What a project says of its users.
#[derive(Debug, Serialize, ToSchema)]
pub struct KnownUsers {
    pub items: Vec<KnownUser>,
    /// Names in publiccode.yml `usedBy` that designate no single organisation.
    pub unresolved: Vec<String>,
}

/// `PUT /api/v1/projects/{slug}/known-users`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KnownUsersRequest {
    /// Organisation ids, such as `commune-13047`.
    pub organisations: Vec<String>,
}

/// The organisations the project lists as users, and whether each confirms it.
#[utoipa::path(get, path = "/api/v1/projects/{slug}/known-users", tag = "projets",
    responses((status = 200, body = KnownUsers), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<KnownUsers>> {
    let Some(project) = state.store.project(&slug).await? else {
        return Err(unknown_project(&slug).into());
    };
    let items = state.store.known_users(&slug).await?;
    let unresolved = unresolved_names(&project, &items);
    Ok(Json(KnownUsers { items, unresolved }))
}

/// Replace the maintainers' list (maintainers and moderators; the publiccode.yml part
/// follows the repository).
#[utoipa::path(put, path = "/api/v1/projects/{slug}/known-users", tag = "projets",
    request_body = KnownUsersRequest, security(("jeton" = [])),
    responses((status = 200, body = KnownUsers), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn replace(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(slug): ApiPath<String>,
    ApiJson(request): ApiJson<KnownUsersRequest>,
) -> ApiResult<Json<KnownUsers>> {
    state
        .domain
        .set_known_users(&actor, &slug, &request.organisations)
        .await?;
    list(State(state), ApiPath(slug)).await
}
