//! The HTML pages, in French, server-rendered and usable without JavaScript.

mod assets;
pub mod format;
mod home;
pub mod map;
mod organisation_page;
mod project_page;
mod search_page;
pub mod web;

use axum::Router;
use axum::routing::get;

use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/recherche", get(search_page::search))
        .route("/projets/{slug}", get(project_page::project))
        .route("/organisations/{id}", get(organisation_page::organisation))
        .route("/categories/{slug}", get(home::category))
        .route("/static/{file}", get(assets::static_file))
        .route("/robots.txt", get(assets::robots))
        .route("/plan-du-site.xml", get(assets::sitemap))
}
