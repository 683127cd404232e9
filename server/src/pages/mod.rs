//! The HTML pages, in French, server-rendered and usable without JavaScript.

mod account;
mod agent;
mod archives;
mod assets;
mod charts;
mod dashboards;
mod documents;
mod email_links;
mod feeds;
pub mod format;
mod forms;
mod groups;
mod home;
mod maintainers;
mod moderation;
mod organisation_page;
mod project_page;
mod providers;
mod publiccode;
mod search_page;
pub mod session;
mod tokens;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/recherche", get(search_page::search))
        .route("/projets/{slug}", get(project_page::project))
        .route("/projets/{slug}/archive/{file}", get(archives::archive))
        .route("/feeds/projects/{file}", get(feeds::project_releases))
        .route("/feeds/projects.atom", get(feeds::new_projects))
        .route("/feeds/groups/{file}", get(feeds::group_actions))
        .route("/feeds/categories/{file}", get(feeds::category_releases))
        .route(
            "/feeds/organisations/{file}",
            get(feeds::organisation_releases),
        )
        .route("/organisations/{id}", get(organisation_page::organisation))
        .route("/groupes", get(groups::list))
        .route("/prestataires", get(providers::search))
        .route("/tableaux-de-bord", get(dashboards::catalogue))
        .route("/tableaux-de-bord.csv", get(dashboards::catalogue_csv))
        .route("/tableaux-de-bord/{scope}/{id}", get(dashboards::scoped))
        .route(
            "/tableaux-de-bord/{scope}/{id}/{year}",
            get(dashboards::yearly_report),
        )
        .route("/groupes/{slug}", get(groups::show))
        .route("/groupes/{slug}/actions", post(groups::add_action))
        .route(
            "/groupes/{slug}/documents",
            post(documents::share_in_group).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/projets/{slug}/documents",
            post(documents::share_in_project).layer(DefaultBodyLimit::disable()),
        )
        .route("/documents/{id}", get(documents::download))
        .route(
            "/groupes/{slug}/actions/{id}",
            post(groups::set_action_state),
        )
        .route("/categories/{slug}", get(home::category))
        .route(
            "/publiccode/valider",
            get(publiccode::form)
                .post(publiccode::check)
                .layer(DefaultBodyLimit::max(publiccode::MAX_FORM_BYTES)),
        )
        .route("/static/{file}", get(assets::static_file))
        .route("/robots.txt", get(assets::robots))
        .route(
            "/connexion",
            get(account::signin_page).post(account::signin),
        )
        .route(
            "/inscription",
            get(account::signup_page).post(account::signup),
        )
        .route("/deconnexion", post(account::signout))
        .route("/compte/jetons", get(tokens::page).post(tokens::create))
        .route(
            "/compte/mot-de-passe",
            get(account::password_form).post(account::change_password),
        )
        .route("/compte/jetons/{id}/revoquer", post(tokens::revoke))
        .route(
            "/projets/nouveau",
            get(forms::new_project_page).post(forms::register_project),
        )
        .route(
            "/adoptions/nouvelle",
            get(forms::new_adoption_page).post(forms::declare_adoption),
        )
        .route("/plan-du-site.xml", get(assets::sitemap))
        .route(
            "/confirmer-adresse",
            get(email_links::confirm_page).post(email_links::confirm),
        )
        .route("/compte/confirmation", post(email_links::resend))
        .route(
            "/compte/adresse",
            get(email_links::change_page).post(email_links::change),
        )
        .route(
            "/mot-de-passe-oublie",
            get(email_links::forgot_page).post(email_links::forgot),
        )
        .route(
            "/reinitialiser-mot-de-passe",
            get(email_links::reset_page).post(email_links::reset),
        )
        .route("/compte", get(agent::account))
        .route(
            "/projets/{slug}/utilisateurs-connus",
            post(maintainers::set_known_users),
        )
        .route("/projets/{slug}/heberger", post(maintainers::move_home))
        .route("/organisations/{id}/demande", post(agent::request))
        .route("/organisations/{id}/domaines", post(agent::set_domains))
        .route("/moderation", get(moderation::page))
        .route("/moderation/demandes/{id}", post(moderation::decide))
        .route(
            "/moderation/projets/{slug}/visibilite",
            post(moderation::set_visibility),
        )
        .route("/moderation/journal", get(moderation::audit))
        .route("/moderation/journal.json", get(moderation::audit_export))
}
