//! Hosted projects: `POST /api/v1/hosted-projects` registers a project whose repository lives
//! on civiforge (empty, or imported once), and `POST /api/v1/projects/{slug}/host` moves a
//! mirrored project's home to civiforge.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;

use super::error::{ApiResult, ErrorBody};
use super::extract::{ApiActor, ApiJson, ApiPath};
use crate::model::Project;
use crate::state::AppState;
use crate::validation::RegisterHostedProjectRequest;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/hosted-projects", post(register_hosted))
        .route("/projects/{slug}/host", post(move_home))
}

/// Register a project hosted on civiforge: its maintainers push to
/// `/git/{slug}.git` with a token as password (HTTP basic authentication).
#[utoipa::path(post, path = "/api/v1/hosted-projects", tag = "projets",
    request_body = RegisterHostedProjectRequest,
    security(("jeton" = [])),
    responses(
        (status = 201, body = Project),
        (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register_hosted(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(request): ApiJson<RegisterHostedProjectRequest>,
) -> ApiResult<impl IntoResponse> {
    let project = state
        .domain
        .register_hosted_project(&actor, request)
        .await?;
    let location = format!("/api/v1/projects/{}", project.slug);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(project),
    ))
}

/// Move a mirrored project's home to civiforge: it becomes hosted (its maintainers).
#[utoipa::path(post, path = "/api/v1/projects/{slug}/host", tag = "projets",
    params(("slug" = String, Path, description = "The project's slug")),
    security(("jeton" = [])),
    responses(
        (status = 200, body = Project),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn move_home(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<Project>> {
    Ok(Json(
        state.domain.move_home_to_civiforge(&actor, &slug).await?,
    ))
}
