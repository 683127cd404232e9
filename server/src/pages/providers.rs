//! `/prestataires`: who offers support, hosting, training or development for which project,
//! and where ("who supports openCimetière in the Gironde?"), as a form that works without
//! JavaScript; and the providers' rows the project page shows.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use super::format::service_label;
use super::session::{RenderFor, Visitor};
use crate::domain::AppError;
use crate::model::{OrganisationQuery, ProjectProvider, ServiceKind, Window};
use crate::state::AppState;
use crate::store::ProviderFilter;

/// Providers listed on one page.
const PROVIDERS_PER_PAGE: i64 = 100;

/// The search form's fields.
#[derive(Debug, Default, Deserialize)]
pub struct ProviderSearch {
    projet: Option<String>,
    departement: Option<String>,
    service: Option<String>,
}

/// `GET /prestataires`
pub async fn search(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(form): Query<ProviderSearch>,
) -> Response {
    let project = form.projet.clone().filter(|p| !p.trim().is_empty());
    let service = form.service.as_deref().and_then(ServiceKind::parse);
    let filter = ProviderFilter {
        project: project.clone(),
        departement: form.departement.clone(),
        service,
        organisation: None,
    };
    let window = Window {
        limit: PROVIDERS_PER_PAGE,
        offset: 0,
    };
    let (found, error) = match state.domain.providers(filter, window).await {
        Ok(page) => (Some(page), None),
        Err(AppError::Invalid(fields)) => (None, fields.first().map(|f| f.message.clone())),
        Err(error) => return state.web.refusal(&error),
    };
    let territories = match territories(&state).await {
        Ok(territories) => territories,
        Err(error) => return state.web.refusal(&error),
    };
    let services: Vec<_> = ServiceKind::ALL
        .iter()
        .map(|s| context! { value => s.as_str(), label => service_label(*s) })
        .collect();
    let (total, rows) = match found {
        Some(page) => (page.total, provider_rows(&state, page.items).await),
        None => (0, Vec::new()),
    };
    let refused = error.is_some();
    let mut response = state.web.render_for(
        &visitor,
        "providers.html",
        context! {
            canonical => "/prestataires",
            projet => project.unwrap_or_default(),
            departement => form.departement.unwrap_or_default(),
            service => service.map(ServiceKind::as_str),
            services,
            territories,
            rows,
            total,
            error,
        },
    );
    if response.status() == StatusCode::OK && refused {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// Every département and Belgian province, as (code, label) for the form's list.
async fn territories(state: &AppState) -> Result<Vec<minijinja::Value>, AppError> {
    let mut all = Vec::new();
    for (kind, prefix) in [("departement", ""), ("province", "be-")] {
        let query = OrganisationQuery {
            text: None,
            kind: Some(kind.into()),
            departement: None,
            country: None,
        };
        let window = Window {
            limit: 200,
            offset: 0,
        };
        let mut page = state
            .store
            .search_organisations(&query, window)
            .await?
            .items;
        page.sort_by(|a, b| a.code.cmp(&b.code));
        for o in page {
            let code = format!("{prefix}{}", o.code.clone().unwrap_or_default());
            all.push(context! { value => code, label => format!("{} ({})", o.name, o.code.unwrap_or_default()) });
        }
    }
    Ok(all)
}

/// Providers as the pages show them: services and territories in French.
pub async fn provider_rows(
    state: &AppState,
    providers: Vec<ProjectProvider>,
) -> Vec<minijinja::Value> {
    let mut rows = Vec::with_capacity(providers.len());
    for p in providers {
        let mut places = Vec::with_capacity(p.departements.len());
        for area in &p.departements {
            let id = match area.strip_prefix("be-") {
                Some(nis) => format!("province-be-{nis}"),
                None => format!("departement-{area}"),
            };
            let name = state
                .store
                .organisation(&id)
                .await
                .ok()
                .flatten()
                .map(|o| o.name);
            places.push(name.map_or(area.clone(), |n| format!("{n} ({area})")));
        }
        let services: Vec<&str> = p.services.iter().map(|s| service_label(*s)).collect();
        rows.push(context! {
            project => p.project,
            project_name => p.project_name,
            organisation => p.organisation,
            organisation_name => p.organisation_name,
            services => services.join(", "),
            territories => if places.is_empty() { "partout".to_string() } else { places.join(", ") },
        });
    }
    rows
}
