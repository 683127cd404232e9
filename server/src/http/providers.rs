//! Service providers: `GET`/`POST /api/v1/projects/{slug}/providers` and the search across
//! projects, `GET /api/v1/providers`. The rules are the domain's (`domain::providers`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Deserialize;

use super::Pagination;
use super::error::{ApiResult, ErrorBody};
use super::extract::{ApiActor, ApiJson, ApiPath, ApiQuery};
use crate::model::{Page, ProjectProvider, ServiceKind};
use crate::state::AppState;
use crate::store::ProviderFilter;
use crate::validation::DeclareProviderRequest;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/projects/{slug}/providers", get(of_project).post(declare))
        .route("/providers", get(search))
}

/// Which providers to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProviderQuery {
    /// Project slug (for `GET /api/v1/providers`).
    project: Option<String>,
    /// A département code (`33`) or a Belgian province (`be-50000`): providers covering it,
    /// and those covering everywhere.
    departement: Option<String>,
    service: Option<ServiceKind>,
    /// The provider's organisation id.
    organisation: Option<String>,
    limit: Option<u32>,
    offset: Option<u32>,
}

impl ProviderQuery {
    fn filter(self, project: Option<String>) -> (ProviderFilter, crate::model::Window) {
        let window = Pagination {
            limit: self.limit,
            offset: self.offset,
        }
        .window();
        let filter = ProviderFilter {
            project: project.or(self.project).filter(|p| !p.is_empty()),
            departement: self.departement,
            service: self.service,
            organisation: self.organisation.filter(|o| !o.is_empty()),
        };
        (filter, window)
    }
}

/// The project's service providers, optionally those covering a territory.
#[utoipa::path(get, path = "/api/v1/projects/{slug}/providers", tag = "projets", params(ProviderQuery),
    responses((status = 200, body = Page<ProjectProvider>), (status = 404, body = ErrorBody)))]
pub async fn of_project(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(query): ApiQuery<ProviderQuery>,
) -> ApiResult<Json<Page<ProjectProvider>>> {
    // An unknown project is a 404, not an empty list.
    if state.store.project(&slug).await?.is_none() {
        return Err(crate::domain::projects::unknown_project(&slug).into());
    }
    let (filter, window) = query.filter(Some(slug));
    Ok(Json(state.domain.providers(filter, window).await?))
}

/// Providers of every project, filtered by project, territory and service.
#[utoipa::path(get, path = "/api/v1/providers", tag = "projets", params(ProviderQuery),
    responses((status = 200, body = Page<ProjectProvider>), (status = 422, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ProviderQuery>,
) -> ApiResult<Json<Page<ProjectProvider>>> {
    let (filter, window) = query.filter(None);
    Ok(Json(state.domain.providers(filter, window).await?))
}

/// Offer a provider's services for the project (its verified agents, the project's
/// maintainers, moderators); a second offer replaces the first.
#[utoipa::path(post, path = "/api/v1/projects/{slug}/providers", tag = "projets",
    request_body = DeclareProviderRequest, security(("jeton" = [])),
    responses((status = 201, body = ProjectProvider), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn declare(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(slug): ApiPath<String>,
    ApiJson(request): ApiJson<DeclareProviderRequest>,
) -> ApiResult<impl IntoResponse> {
    let provider = state
        .domain
        .declare_provider(&actor, &slug, request)
        .await?;
    Ok((StatusCode::CREATED, Json(provider)))
}
