//! `/api/v1/projects/{slug}/known-users`: the organisations a project says use it. Its
//! repository's publiccode.yml `usedBy` feeds the list at each indexing; maintainers keep a
//! list of their own. An organisation that also declares the use makes it confirmed.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::AppState;
use super::client::ClientIp;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{ApiJson, ApiPath, Authenticated};
use super::projects::{require_maintainer, shorten};
use crate::model::{KnownUser, Project, User};

/// Most organisations a maintainers' list may hold.
pub const MAX_KNOWN_USERS: usize = 500;

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
        return Err(ApiError::not_found(format!(
            "aucun projet « {} »",
            shorten(&slug)
        )));
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
    client: ClientIp,
    auth: Authenticated,
    ApiPath(slug): ApiPath<String>,
    ApiJson(request): ApiJson<KnownUsersRequest>,
) -> ApiResult<Json<KnownUsers>> {
    auth.require("projects:write")?;
    replace_as(&state, &auth.0.user, client, &slug, &request.organisations).await?;
    list(State(state), ApiPath(slug)).await
}

/// Replaces the maintainers' list of a project's known users, for its maintainers and
/// moderators; unknown ids refuse the whole list.
pub async fn replace_as(
    state: &AppState,
    user: &User,
    client: ClientIp,
    slug: &str,
    organisations: &[String],
) -> ApiResult<()> {
    require_maintainer(state, user, slug).await?;
    if organisations.len() > MAX_KNOWN_USERS {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many",
            format!("au plus {MAX_KNOWN_USERS} organisations"),
        ));
    }
    let mut resolved: Vec<(String, String)> = Vec::new();
    let mut unknown = Vec::new();
    for id in organisations {
        match state.store.organisation(id.trim()).await? {
            Some(organisation) => {
                if !resolved.iter().any(|(known, _)| *known == organisation.id) {
                    resolved.push((organisation.id, organisation.name));
                }
            }
            None => unknown.push(shorten(id)),
        }
    }
    if !unknown.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_organisation",
            format!(
                "organisations inconnues : {} ; les identifiants sont de la forme commune-13047",
                unknown.join(", ")
            ),
        ));
    }
    state
        .store
        .set_known_users(slug, &resolved, chrono::Utc::now())
        .await?;
    let ids: Vec<&str> = resolved.iter().map(|(id, _)| id.as_str()).collect();
    super::audit::record(
        state,
        Some(user),
        None,
        client,
        "project.known_users",
        slug,
        Some(json!({"organisations": ids})),
    )
    .await;
    Ok(())
}

/// The `usedBy` names that did not resolve to an organisation.
pub fn unresolved_names(project: &Project, items: &[KnownUser]) -> Vec<String> {
    let Some(names) = project
        .publiccode
        .as_ref()
        .and_then(|publiccode| publiccode.get("usedBy"))
        .and_then(|names| names.as_array())
    else {
        return Vec::new();
    };
    names
        .iter()
        .filter_map(|name| name.as_str())
        .filter(|name| {
            !items
                .iter()
                .any(|known| known.source == "publiccode" && known.label == *name)
        })
        .map(str::to_string)
        .collect()
}
