//! The OpenAPI 3 description of the API, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::openapi_paths::PathParametersAndIds;

use super::{
    adoptions, audit, claims, documents, groups, hosted, known_users, organisations, projects,
    providers, publiccode, search, structures, system, webhooks,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "civiforge", description = "Catalogue des logiciels libres des collectivités : projets, versions, adoptions."),
    paths(
        webhooks::show_secret, webhooks::receive,
        search::search, search::suggest, system::readyz, audit::list,
        claims::file, claims::list, claims::decide, claims::set_domains, claims::set_visibility,
        projects::register, hosted::register_hosted, hosted::move_home, projects::list, projects::show, projects::update, projects::versions,
        projects::version_lag, organisations::updates,
        projects::adoptions, projects::refresh, projects::categories, projects::invite_maintainer,
        known_users::list, known_users::replace,
        organisations::search, organisations::show, organisations::suggestions,
        adoptions::declare, adoptions::of_organisation, adoptions::history,
        groups::list, groups::create, groups::show, groups::update, groups::add_action,
        groups::set_action_state, groups::adoptions,
        structures::create, structures::members, structures::set_members,
        structures::declare_for_members,
        providers::of_project, providers::search, providers::declare,
        documents::of_project, documents::of_group, documents::attach_to_project,
        documents::attach_to_group, documents::remove,
        system::healthz, system::metrics, publiccode::validate,
    ),
    modifiers(&BearerToken, &PathParametersAndIds),
)]
pub struct ApiDoc;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "jeton",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
