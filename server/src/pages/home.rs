//! The home page and the pages of categories. Rankings come from the search index, which
//! holds adoption counts and activity per project: ordering a large catalogue by adoption
//! in the database would count every adoption on every visit.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;

use crate::categories::{self, CATEGORIES};
use crate::http::AppState;
use crate::model::{CatalogueCounts, ProjectFilter, ProjectOrder, Window};
use crate::search::engine::{Filters, Hit, SearchRequest};

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

/// Projects ranked by the search index (adoption, then freshness); empty while it rebuilds.
async fn ranked(state: &AppState, filters: Filters, limit: usize) -> (Vec<Hit>, usize) {
    let request = SearchRequest {
        text: String::new(),
        filters,
        limit,
        offset: 0,
    };
    match state.search.search(request).await {
        Ok(results) => (results.items, results.total),
        Err(error) => {
            tracing::warn!(%error, "ranking unavailable");
            (Vec::new(), 0)
        }
    }
}

pub async fn home(State(state): State<AppState>, visitor: super::session::Visitor) -> Response {
    let recent_filter = ProjectFilter {
        order: ProjectOrder::RecentlyUpdated,
        ..Default::default()
    };
    let adopted = Filters {
        has_adopters: Some("oui".into()),
        ..Default::default()
    };
    let (found, (most_adopted, _)) = tokio::join!(
        async {
            tokio::try_join!(
                cached_counts(&state),
                state.store.category_counts(),
                state.store.list_projects(
                    &recent_filter,
                    Window {
                        limit: 6,
                        offset: 0
                    }
                ),
            )
        },
        ranked(&state, adopted, 6),
    );
    let (counts, per_category, recent) = match found {
        Ok(found) => found,
        Err(error) => {
            tracing::error!(%error, "home page");
            return state.web.error(StatusCode::SERVICE_UNAVAILABLE);
        }
    };
    let categories: Vec<_> = CATEGORIES
        .iter()
        .map(|c| {
            let count = per_category
                .iter()
                .find(|(slug, _)| slug == c.slug)
                .map_or(0, |(_, n)| *n);
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
    let (projects, total) = ranked(&state, filters, 100).await;
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
