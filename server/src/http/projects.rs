//! `/api/v1/projects`: register, list, read and edit projects; their versions and adopters.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use super::Pagination;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{ApiActor, ApiJson, ApiPath, ApiQuery};
use crate::categories::{CATEGORIES, Category};
use crate::domain::projects::unknown_project;
use crate::model::{Adoption, Page, Project, ProjectFilter, ProjectOrder, Version, VersionLag};
use crate::state::AppState;
use crate::validation::{RegisterProjectRequest, UpdateProjectRequest};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/projects", post(register).get(list))
        .route("/projects/{slug}", get(show).patch(update))
        .route("/projects/{slug}/versions", get(versions))
        .route("/projects/{slug}/version-lag", get(version_lag))
        .route("/projects/{slug}/adoptions", get(adoptions))
        .route("/projects/{slug}/refresh", post(refresh))
        .route("/projects/{slug}/maintainers", post(invite_maintainer))
}

/// Register a project; its repository is then fetched and indexed in the background.
#[utoipa::path(post, path = "/api/v1/projects", tag = "projets",
    request_body = RegisterProjectRequest,
    security(("jeton" = [])),
    responses(
        (status = 201, body = Project),
        (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(request): ApiJson<RegisterProjectRequest>,
) -> ApiResult<impl IntoResponse> {
    let project = state.domain.register_project(&actor, request).await?;
    let location = format!("/api/v1/projects/{}", project.slug);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(project),
    ))
}

/// Filters of the project list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Category slug.
    category: Option<String>,
    /// SPDX licence identifier.
    license: Option<String>,
    /// `name` (default), `updated` (most recent first) or `adopters` (most adopted first).
    sort: Option<String>,
    limit: Option<u32>,
    offset: Option<u32>,
}

/// List the catalogue, by name.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projets", params(ListQuery),
    responses((status = 200, body = Page<Project>), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Project>>> {
    let order = match query.sort.as_deref() {
        None | Some("name") => ProjectOrder::Name,
        Some("updated") => ProjectOrder::RecentlyUpdated,
        Some("adopters") => ProjectOrder::MostAdopted,
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_query",
                "sort vaut name, updated ou adopters",
            ));
        }
    };
    let filter = ProjectFilter {
        category: query.category,
        license: query.license,
        order,
    };
    let window = Pagination {
        limit: query.limit,
        offset: query.offset,
    }
    .window();
    Ok(Json(state.store.list_projects(&filter, window).await?))
}

/// One project.
#[utoipa::path(get, path = "/api/v1/projects/{slug}", tag = "projets",
    responses((status = 200, body = Project), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<Project>> {
    state
        .store
        .project(&slug)
        .await?
        .map(Json)
        .ok_or_else(|| unknown_project(&slug).into())
}

/// Edit a project's name, summary or categories: its maintainers and moderators only.
#[utoipa::path(patch, path = "/api/v1/projects/{slug}", tag = "projets",
    request_body = UpdateProjectRequest, security(("jeton" = [])),
    responses((status = 200, body = Project), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(slug): ApiPath<String>,
    ApiJson(request): ApiJson<UpdateProjectRequest>,
) -> ApiResult<Json<Project>> {
    Ok(Json(
        state.domain.edit_project(&actor, &slug, request).await?,
    ))
}

/// Versions (from git tags), newest first.
#[utoipa::path(get, path = "/api/v1/projects/{slug}/versions", tag = "projets",
    responses((status = 200, body = Page<Version>), (status = 404, body = ErrorBody)))]
pub async fn versions(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<Page<Version>>> {
    let items = state.store.versions(&slug).await?;
    let total = items.len() as i64;
    Ok(Json(Page { items, total }))
}

/// The project's adopters grouped by the version they run, newest first, each with how far
/// it is behind the latest release (releases and months).
#[utoipa::path(get, path = "/api/v1/projects/{slug}/version-lag", tag = "projets",
    responses((status = 200, body = VersionLag), (status = 404, body = ErrorBody)))]
pub async fn version_lag(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<VersionLag>> {
    Ok(Json(state.domain.version_lag(&slug).await?))
}

/// Organisations that declare using the project, with their version.
#[utoipa::path(get, path = "/api/v1/projects/{slug}/adoptions", tag = "adoptions", params(Pagination),
    responses((status = 200, body = Page<Adoption>), (status = 404, body = ErrorBody)))]
pub async fn adoptions(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(page): ApiQuery<Pagination>,
) -> ApiResult<Json<Page<Adoption>>> {
    Ok(Json(
        state.store.project_adoptions(&slug, page.window()).await?,
    ))
}

/// Ask for the repository to be fetched again now.
#[utoipa::path(post, path = "/api/v1/projects/{slug}/refresh", tag = "projets", security(("jeton" = [])),
    responses((status = 202, description = "récupération demandée"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn refresh(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    state.domain.refresh_project(&actor, &slug).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"status": "queued"}))))
}

/// `POST /api/v1/projects/{slug}/maintainers`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaintainerInvitation {
    /// E-mail of an existing account.
    pub email: String,
}

/// Make another account a maintainer of the project (its maintainers and moderators only).
#[utoipa::path(post, path = "/api/v1/projects/{slug}/maintainers", tag = "projets",
    request_body = MaintainerInvitation, security(("jeton" = [])),
    responses((status = 200, description = "ajouté"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn invite_maintainer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(slug): ApiPath<String>,
    ApiJson(invitation): ApiJson<MaintainerInvitation>,
) -> ApiResult<impl IntoResponse> {
    let invited = state
        .domain
        .invite_maintainer(&actor, &slug, &invitation.email)
        .await?;
    Ok(Json(json!({"project": slug, "maintainer": invited.email})))
}

/// The categories projects are filed under.
#[utoipa::path(get, path = "/api/v1/categories", tag = "projets",
    responses((status = 200, body = Vec<Category>)))]
pub async fn categories() -> Json<&'static [Category]> {
    Json(CATEGORIES)
}
