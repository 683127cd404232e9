//! The home page and the pages of categories. Rankings come from the search index, which
//! holds adoption counts and activity per project: ordering a large catalogue by adoption
//! in the database would count every adoption on every visit.

use super::session::RenderFor;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;

use crate::categories::{self, CATEGORIES};
use crate::model::{CatalogueCounts, ProjectFilter, ProjectOrder, Window};
use crate::search::engine::{Filters, SearchRequest, SearchResults};
use crate::state::AppState;

/// How long the home page's figures are reused.
const COUNTS_TTL: std::time::Duration = std::time::Duration::from_secs(60);

async fn cached_counts(state: &AppState) -> Result<CatalogueCounts, crate::store::StoreError> {
    let mut cache = state.counts_cache.lock().await;
    if let Some((at, counts)) = *cache
        && at.elapsed() < COUNTS_TTL
    {
        return Ok(counts);
    }
    let counts = state.store.counts().await?;
    *cache = Some((std::time::Instant::now(), counts));
    Ok(counts)
}

/// Projects ranked by the search index (adoption, then freshness), with the facet counts;
/// nothing while it rebuilds.
async fn ranked(state: &AppState, filters: Filters, limit: usize) -> Option<SearchResults> {
    let request = SearchRequest {
        text: String::new(),
        filters,
        limit,
        offset: 0,
    };
    match state.search.search(request).await {
        Ok(results) => Some(results),
        Err(error) => {
            tracing::warn!(%error, "ranking unavailable");
            None
        }
    }
}

pub async fn home(State(state): State<AppState>, visitor: super::session::Visitor) -> Response {
    let recent_filter = ProjectFilter {
        order: ProjectOrder::RecentlyUpdated,
        ..Default::default()
    };
    // One ranked search gives both the most adopted projects and the count per category.
    let (found, ranking) = tokio::join!(
        async {
            tokio::try_join!(
                cached_counts(&state),
                state.store.list_projects(
                    &recent_filter,
                    Window {
                        limit: 6,
                        offset: 0
                    }
                ),
            )
        },
        ranked(&state, Filters::default(), 6),
    );
    let (counts, recent) = match found {
        Ok(found) => found,
        Err(error) => return state.web.refusal(&error.into()),
    };
    let (most_adopted, per_category) = match ranking {
        Some(results) => (
            results
                .items
                .into_iter()
                .filter(|hit| hit.adopters_count > 0)
                .collect::<Vec<_>>(),
            results.facets.get("category").cloned().unwrap_or_default(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let categories: Vec<_> = CATEGORIES
        .iter()
        .map(|c| {
            let count = per_category
                .iter()
                .find(|f| f.value == c.slug)
                .map_or(0, |f| f.count);
            context! { slug => c.slug, label => c.label, count }
        })
        .collect();
    state.web.render_for(
        &visitor,
        "home.html",
        context! {
            canonical => "/",
            counts => Serde(counts),
            categories,
            most_adopted => Serde(most_adopted),
            recent => Serde(recent.items),
        },
    )
}

pub async fn category(
    State(state): State<AppState>,
    visitor: super::session::Visitor,
    Path(slug): Path<String>,
) -> Response {
    let Some(category) = categories::by_slug(&slug) else {
        return state.web.error(StatusCode::NOT_FOUND);
    };
    let filters = Filters {
        category: Some(slug.clone()),
        ..Default::default()
    };
    let (projects, total) = ranked(&state, filters, 100)
        .await
        .map(|r| (r.items, r.total))
        .unwrap_or_default();
    state.web.render_for(
        &visitor,
        "category.html",
        context! {
            canonical => format!("/categories/{slug}"),
            category => Serde(category),
            projects => Serde(projects),
            total,
        },
    )
}
