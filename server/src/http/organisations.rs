//! `/api/v1/organisations`: find communes, EPCI, départements, régions and other bodies, in
//! France and Belgium.

use axum::Json;
use axum::extract::State;
use axum::routing::get;
use serde::Deserialize;

use super::Pagination;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{ApiPath, ApiQuery};
use crate::domain::shorten;
use crate::model::{
    Organisation, OrganisationDetail, OrganisationQuery, Page, PeerSuggestion, UpdateAvailable,
};
use crate::state::AppState;
use crate::text::fold_query;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/organisations",
            get(search).post(super::structures::create),
        )
        .route("/organisations/{id}", get(show))
        .route("/organisations/{id}/suggestions", get(suggestions))
        .route("/organisations/{id}/updates", get(updates))
}

/// Organisation search parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Name (accent-, case-, hyphen- and apostrophe-insensitive, prefix), INSEE code or SIREN.
    q: Option<String>,
    /// commune, epci, departement, region…
    kind: Option<String>,
    /// Département code, such as 13 or 2A.
    departement: Option<String>,
    /// Country: FR (France) or BE (Belgium).
    country: Option<String>,
    limit: Option<u32>,
    offset: Option<u32>,
}

/// Longest search text considered; longer queries are cut, not refused.
const MAX_QUERY_CHARS: usize = 200;

/// Search organisations; the best match on the name comes first, then the most populous.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", params(SearchQuery),
    responses((status = 200, body = Page<Organisation>), (status = 400, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> ApiResult<Json<Page<Organisation>>> {
    let text = query
        .q
        .map(|q| fold_query(&q.chars().take(MAX_QUERY_CHARS).collect::<String>()))
        .filter(|q| !q.is_empty());
    let filter = OrganisationQuery {
        text,
        kind: query.kind.filter(|k| !k.is_empty()),
        departement: query
            .departement
            .filter(|d| !d.is_empty())
            .map(|d| d.to_uppercase()),
        country: crate::validation::country(query.country)
            .map_err(crate::domain::AppError::Invalid)?,
    };
    let window = Pagination {
        limit: query.limit,
        offset: query.offset,
    }
    .window();
    Ok(Json(
        state.store.search_organisations(&filter, window).await?,
    ))
}

/// One organisation, with its groupings and what it uses. Old codes of merged communes
/// resolve to the current commune.
#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations",
    responses((status = 200, body = OrganisationDetail), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<OrganisationDetail>> {
    state
        .store
        .organisation_detail(&id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("aucune organisation « {} »", shorten(&id))))
}

/// Projects that peers of this organisation (same département, same EPCI) use and it does
/// not, each with its reason.
#[utoipa::path(get, path = "/api/v1/organisations/{id}/suggestions", tag = "organisations",
    responses((status = 200, body = Page<PeerSuggestion>), (status = 404, body = ErrorBody)))]
pub async fn suggestions(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Page<PeerSuggestion>>> {
    let items = state.store.peer_suggestions(&id, 10).await?;
    let total = items.len() as i64;
    Ok(Json(Page { items, total }))
}

/// « Mises à jour disponibles »: what the organisation uses at a version older than its
/// project's latest release.
#[utoipa::path(get, path = "/api/v1/organisations/{id}/updates", tag = "organisations",
    responses((status = 200, body = Page<UpdateAvailable>), (status = 404, body = ErrorBody)))]
pub async fn updates(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Page<UpdateAvailable>>> {
    let items = state.domain.updates_available(&id).await?;
    let total = items.len() as i64;
    Ok(Json(Page { items, total }))
}
