//! `/api/v1/adoptions`: declare that an organisation uses a project.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};

use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{ApiJson, ApiPath, ApiQuery, Authenticated};
use super::projects::shorten;
use super::{AppState, Pagination};
use crate::model::{Adoption, AdoptionEvent, Page};
use crate::store::StoreError;
use crate::validation::{self, DeclareAdoptionRequest};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/adoptions", post(declare))
        .route("/organisations/{id}/adoptions", get(of_organisation))
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
    client: super::client::ClientIp,
    auth: Authenticated,
    ApiJson(request): ApiJson<DeclareAdoptionRequest>,
) -> ApiResult<impl IntoResponse> {
    auth.require("adoptions:write")?;
    let owner = auth.0;
    let today = chrono::Utc::now().date_naive();
    let declaration = validation::declare_adoption(request, owner.user.id, today)
        .map_err(ApiError::invalid_fields)?;
    let mut declaration = declaration;
    declaration.verification = super::claims::verification_for(
        &state,
        &owner.user,
        &declaration.project_slug,
        &declaration.organisation_id,
    )
    .await?;
    let (project, organisation) = (
        declaration.project_slug.clone(),
        declaration.organisation_id.clone(),
    );
    let (adoption, created) = state.store.declare_adoption(declaration).await.map_err(
        |e| match e {
            StoreError::NotFound("projet") => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_project",
                format!(
                    "aucun projet « {} » ; voir GET /api/v1/projects",
                    shorten(&project)
                ),
            ),
            StoreError::NotFound(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_organisation",
                format!(
                    "aucune organisation « {} » ; les identifiants sont de la forme commune-13047, \
                 epci-200035442, departement-13 (voir GET /api/v1/organisations?q=…)",
                    shorten(&organisation)
                ),
            ),
            other => other.into(),
        },
    )?;
    tracing::info!(project = %adoption.project, organisation = %adoption.organisation, created, "adoption declared");
    let details = serde_json::json!({
        "organisation": adoption.organisation,
        "version": adoption.version,
        "status": adoption.status,
    });
    super::audit::record(
        &state,
        Some(&owner.user),
        None,
        client,
        "adoption.declare",
        &adoption.project,
        Some(details),
    )
    .await;
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
