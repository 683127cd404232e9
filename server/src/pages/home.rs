//! The home page and the pages of categories.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;

use crate::categories::{self, CATEGORIES};
use crate::http::AppState;
use crate::model::{ProjectFilter, ProjectOrder, Window};

pub async fn home(State(state): State<AppState>, visitor: super::session::Visitor) -> Response {
    let list = |order| ProjectFilter {
        order,
        ..Default::default()
    };
    let window = Window {
        limit: 6,
        offset: 0,
    };
    let (by_adoption, by_update) = (
        list(ProjectOrder::MostAdopted),
        list(ProjectOrder::RecentlyUpdated),
    );
    let (counts, per_category, most_adopted, recent) = match tokio::try_join!(
        state.store.counts(),
        state.store.category_counts(),
        state.store.list_projects(&by_adoption, window),
        state.store.list_projects(&by_update, window),
    ) {
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
    let most_adopted: Vec<_> = most_adopted
        .items
        .into_iter()
        .filter(|p| p.adopters_count > 0)
        .collect();
    state.web.render_for(&visitor,
        "home.html",
        context! { canonical => "/", counts => Serde(counts), categories, most_adopted => Serde(most_adopted), recent => Serde(recent.items) },
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
    let filter = ProjectFilter {
        category: Some(slug.clone()),
        order: ProjectOrder::MostAdopted,
        ..Default::default()
    };
    match state.store.list_projects(&filter, Window { limit: 100, offset: 0 }).await {
        Ok(page) => state.web.render_for(&visitor,
            "category.html",
            context! { canonical => format!("/categories/{slug}"), category => Serde(category), projects => Serde(page.items), total => page.total },
        ),
        Err(error) => {
            tracing::error!(%error, "category page");
            state.web.error(StatusCode::SERVICE_UNAVAILABLE)
        }
    }
}
