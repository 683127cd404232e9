//! `/api/v1/search`: full-text search with filters and facets; `/api/v1/search/suggest`:
//! autocomplete for the search box.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::ApiQuery;
use crate::categories::CATEGORIES;
use crate::search::SearchError;
use crate::search::engine::{SearchRequest, SearchResults};
use crate::search::params;
use crate::state::AppState;
use crate::text::fold;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/search", get(search))
        .route("/search/suggest", get(suggest))
}

/// Search parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words (all must match), "phrases", -exclusions. Empty lists the catalogue by rank.
    q: Option<String>,
    /// Category slug.
    category: Option<String>,
    /// SPDX licence, or `inconnue`.
    license: Option<String>,
    /// publiccode.yml development status (stable, beta…), or `inconnu`.
    status: Option<String>,
    /// Département code of an adopter.
    departement: Option<String>,
    /// Kind of adopter: commune, epci, departement, region…
    kind: Option<String>,
    /// `oui` or `non`.
    has_adopters: Option<String>,
    /// Active in the last 12 months: `oui` or `non`.
    active: Option<String>,
    limit: Option<u32>,
    offset: Option<u32>,
}

impl SearchQuery {
    /// A filter parameter's raw value, for [`params::filters`].
    fn filter(&self, key: &str) -> Option<String> {
        match key {
            "category" => self.category.clone(),
            "license" => self.license.clone(),
            "status" => self.status.clone(),
            "departement" => self.departement.clone(),
            "kind" => self.kind.clone(),
            "has_adopters" => self.has_adopters.clone(),
            "active" => self.active.clone(),
            _ => None,
        }
    }
}

/// Most results one request may skip: deeper pages are not useful and cost memory.
const MAX_OFFSET: u32 = 10_000;

impl From<SearchError> for ApiError {
    fn from(error: SearchError) -> Self {
        match error {
            SearchError::Rebuilding => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "search_unavailable",
                error.to_string(),
            ),
            other => {
                tracing::error!(error = %other, "search failed");
                ApiError::internal()
            }
        }
    }
}

/// Full-text search of the catalogue, in French.
#[utoipa::path(get, path = "/api/v1/search", tag = "recherche", params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> ApiResult<Json<SearchResults>> {
    let window = super::Pagination {
        limit: query.limit,
        offset: query.offset,
    }
    .window();
    let filters = params::filters(|key| query.filter(key))
        .map_err(|e| ApiError::bad_request("invalid_query", e.to_string()))?;
    let request = SearchRequest {
        text: query.q.unwrap_or_default(),
        filters,
        limit: usize::try_from(window.limit).unwrap_or(20),
        offset: usize::try_from(window.offset.min(i64::from(MAX_OFFSET))).unwrap_or(0),
    };
    Ok(Json(state.search.search(request).await?))
}

/// Autocomplete parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    q: Option<String>,
}

/// One suggestion: a project (with its slug) or a category.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// Suggestions list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Suggestions {
    pub items: Vec<Suggestion>,
}

/// Project names and categories that start with what was typed.
#[utoipa::path(get, path = "/api/v1/search/suggest", tag = "recherche", params(SuggestQuery),
    responses((status = 200, body = Suggestions), (status = 503, body = ErrorBody)))]
pub async fn suggest(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<SuggestQuery>,
) -> ApiResult<Json<Suggestions>> {
    let text: String = query.q.unwrap_or_default().chars().take(100).collect();
    let folded = fold(&text);
    if folded.is_empty() {
        return Ok(Json(Suggestions { items: Vec::new() }));
    }
    let mut items: Vec<Suggestion> = CATEGORIES
        .iter()
        .filter(|c| {
            let label = fold(c.label);
            label.starts_with(&folded) || label.split(' ').any(|w| w.starts_with(&folded))
        })
        .take(3)
        .map(|c| Suggestion {
            label: c.label.to_string(),
            slug: None,
            category: Some(c.slug.to_string()),
        })
        .collect();
    for (name, slug) in state.search.suggest(text, 8).await? {
        items.push(Suggestion {
            label: name,
            slug: Some(slug),
            category: None,
        });
    }
    Ok(Json(Suggestions { items }))
}
