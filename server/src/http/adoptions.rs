//! `/api/v1/adoptions`: declare that an organisation uses a project.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};

use super::Pagination;
use super::error::{ApiResult, ErrorBody};
use super::extract::{ApiActor, ApiJson, ApiPath, ApiQuery};
use crate::model::{Adoption, AdoptionEvent, Page};
use crate::state::AppState;
use crate::validation::DeclareAdoptionRequest;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/adoptions", post(declare))
        .route(
            "/organisations/{id}/adoptions",
            get(of_organisation).post(super::structures::declare_for_members),
        )
        .route(
            "/projects/{slug}/adoptions/{organisation}/history",
            get(history),
        )
}

/// Declare (or update) an organisation's use of a project: 201 when new, 200 when it
/// updates an earlier declaration. The history is kept.
#[utoipa::path(post, path = "/api/v1/adoptions", tag = "adoptions",
    request_body = DeclareAdoptionRequest, security(("jeton" = [])),
    responses((status = 201, body = Adoption), (status = 200, body = Adoption),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn declare(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(request): ApiJson<DeclareAdoptionRequest>,
) -> ApiResult<impl IntoResponse> {
    let (adoption, created) = state.domain.declare_adoption(&actor, request).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(adoption)))
}

/// What an organisation uses.
#[utoipa::path(get, path = "/api/v1/organisations/{id}/adoptions", tag = "adoptions", params(Pagination),
    responses((status = 200, body = Page<Adoption>), (status = 404, body = ErrorBody)))]
pub async fn of_organisation(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(page): ApiQuery<Pagination>,
) -> ApiResult<Json<Page<Adoption>>> {
    Ok(Json(
        state
            .store
            .organisation_adoptions(&id, page.window())
            .await?,
    ))
}

/// Every declaration made about one organisation's use of one project, oldest first.
#[utoipa::path(get, path = "/api/v1/projects/{slug}/adoptions/{organisation}/history", tag = "adoptions",
    responses((status = 200, body = Page<AdoptionEvent>), (status = 404, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    ApiPath((slug, organisation)): ApiPath<(String, String)>,
) -> ApiResult<Json<Page<AdoptionEvent>>> {
    let items = state.store.adoption_history(&slug, &organisation).await?;
    let total = items.len() as i64;
    Ok(Json(Page { items, total }))
}
