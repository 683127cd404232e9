//! `/tableaux-de-bord`: the figures of the catalogue, of an organisation with its members, of
//! a working group or of a département, as a printable page with SVG charts (their figures
//! also in tables) and the same figures as CSV (`.csv`).

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::charts::bar_chart;
use super::session::{RenderFor, Visitor};
use crate::model::{Dashboard, DashboardScope, GroupStatus, Window};
use crate::state::AppState;
use crate::store::GroupFilter;

/// `?departement=13` on the catalogue's dashboard: the form that leads to a département's.
#[derive(Debug, Default, Deserialize)]
pub struct Choice {
    departement: Option<String>,
}

/// `GET /tableaux-de-bord`
pub async fn catalogue(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(choice): Query<Choice>,
) -> Response {
    if let Some(code) = choice.departement.map(|c| c.trim().to_uppercase()) {
        if code.is_empty() || !code.bytes().all(|b| b.is_ascii_alphanumeric()) || code.len() > 3 {
            return state.web.error(StatusCode::NOT_FOUND);
        }
        return Redirect::to(&format!("/tableaux-de-bord/departements/{code}")).into_response();
    }
    let active = GroupFilter {
        status: Some(GroupStatus::Active),
        ..Default::default()
    };
    let window = Window {
        limit: 100,
        offset: 0,
    };
    let groups: Vec<_> = match state.domain.groups(&active, window).await {
        Ok(page) => page
            .items
            .into_iter()
            .map(|g| context! { slug => g.slug, name => g.name })
            .collect(),
        Err(error) => return state.web.refusal(&error),
    };
    page(&state, &visitor, None, "/tableaux-de-bord", groups).await
}

/// `GET /tableaux-de-bord.csv`
pub async fn catalogue_csv(State(state): State<AppState>) -> Response {
    csv(&state, None, "tableau-de-bord-catalogue.csv").await
}

/// `GET /tableaux-de-bord/{scope}/{id}` and `…/{id}.csv`
pub async fn scoped(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((scope, id)): Path<(String, String)>,
) -> Response {
    let Some(scope) = DashboardScope::parse(&scope) else {
        return state.web.error(StatusCode::NOT_FOUND);
    };
    match id.strip_suffix(".csv") {
        Some(id) => {
            let file = format!("tableau-de-bord-{}-{id}.csv", scope.as_str());
            csv(&state, Some((scope, id)), &file).await
        }
        None => {
            let here = format!("/tableaux-de-bord/{}/{id}", scope.as_str());
            page(&state, &visitor, Some((scope, &id)), &here, Vec::new()).await
        }
    }
}

/// `GET /tableaux-de-bord/organisations/{id}/{year}`: a pooling structure's yearly report, as
/// the OPSN publish it — its members, what they adopted that year, the year's figures.
pub async fn yearly_report(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((scope, id, year)): Path<(String, String, String)>,
) -> Response {
    let this_year = chrono::Utc::now().year();
    let year = match year.parse::<i32>() {
        Ok(year) if scope == "organisations" && (1970..=this_year).contains(&year) => year,
        _ => return state.web.error(StatusCode::NOT_FOUND),
    };
    let Ok(Some(structure)) = state.store.organisation(&id).await else {
        return state.web.error(StatusCode::NOT_FOUND);
    };
    if structure.id != id
        || !crate::model::CreatedKind::parse(&structure.kind)
            .is_some_and(crate::model::CreatedKind::pools)
    {
        return state.web.error(StatusCode::NOT_FOUND);
    }
    let (members, adoptions, dashboard) = match tokio::try_join!(
        state.domain.structure_members(&id),
        state.domain.member_adoptions(&id),
        state
            .domain
            .dashboard(Some((DashboardScope::Organisations, &id))),
    ) {
        Ok(found) => found,
        Err(error) => return state.web.refusal(&error),
    };
    let figures = dashboard.1.years.iter().find(|y| y.year == year).cloned();
    let declared: Vec<_> = adoptions
        .into_iter()
        .filter(|a| a.declared_at.year() == year)
        .map(|a| {
            context! {
                project => a.project,
                project_name => a.project_name,
                organisation => a.organisation,
                organisation_name => a.organisation_name,
                version => a.version,
                by_structure => a.declared_by_organisation.as_deref() == Some(id.as_str()),
                date => super::format::french_date(a.declared_at.date_naive()),
            }
        })
        .collect();
    state.web.render_for(
        &visitor,
        "report.html",
        context! {
            canonical => format!("/tableaux-de-bord/organisations/{id}/{year}"),
            structure => Serde(structure),
            year,
            previous => (year > 1970).then_some(year - 1),
            next => (year < this_year).then_some(year + 1),
            members => Serde(members),
            declared,
            figures => Serde(figures),
            active_groups => dashboard.1.active_groups,
        },
    )
}

async fn page(
    state: &AppState,
    visitor: &Visitor,
    scope: Option<(DashboardScope, &str)>,
    here: &str,
    groups: Vec<minijinja::Value>,
) -> Response {
    let (title, dashboard) = match state.domain.dashboard(scope).await {
        Ok(found) => found,
        Err(error) => return state.web.refusal(&error),
    };
    let per_year = |pick: fn(&crate::model::YearFigures) -> i64| -> Vec<(String, u64)> {
        dashboard
            .years
            .iter()
            .map(|y| (y.year.to_string(), u64::try_from(pick(y)).unwrap_or(0)))
            .collect()
    };
    let adoptions_chart = bar_chart("Adoptions déclarées par an", &per_year(|y| y.new_adoptions));
    let projects_chart = bar_chart("Nouveaux logiciels par an", &per_year(|y| y.new_projects));
    let lag: Vec<(String, u64)> = dashboard
        .lag
        .iter()
        .map(|(label, n)| (label.to_string(), u64::try_from(*n).unwrap_or(0)))
        .collect();
    let lag_chart = bar_chart("Retard de version des adoptions", &lag);
    // A pooling structure publishes a yearly report.
    let this_year = chrono::Utc::now().year();
    let report = match scope {
        Some((DashboardScope::Organisations, id)) => match state.store.organisation(id).await {
            Ok(Some(o))
                if crate::model::CreatedKind::parse(&o.kind)
                    .is_some_and(crate::model::CreatedKind::pools) =>
            {
                Some(format!("{here}/{this_year}"))
            }
            _ => None,
        },
        _ => None,
    };
    let scope_label = scope.map(|(s, _)| match s {
        DashboardScope::Organisations => "organisation et ses membres",
        DashboardScope::Groups => "groupe de travail",
        DashboardScope::Departements => "département",
    });
    state.web.render_for(
        visitor,
        "dashboard.html",
        context! {
            canonical => here,
            csv => format!("{here}.csv"),
            title,
            scope_label,
            report,
            this_year,
            adoptions_chart,
            projects_chart,
            lag_chart,
            groups,
            dashboard => Serde(dashboard),
        },
    )
}

/// The same figures as the page, one per line: `indicateur,periode,valeur`.
async fn csv(state: &AppState, scope: Option<(DashboardScope, &str)>, file: &str) -> Response {
    let (_, dashboard) = match state.domain.dashboard(scope).await {
        Ok(found) => found,
        Err(error) => return state.web.refusal(&error),
    };
    let body = csv_lines(&dashboard);
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        body,
    )
        .into_response()
}

fn csv_lines(dashboard: &Dashboard) -> String {
    let mut lines = vec!["indicateur,periode,valeur".to_string()];
    lines.push(format!("organisations,,{}", dashboard.organisations));
    lines.push(format!("groupes_actifs,,{}", dashboard.active_groups));
    lines.push(format!("adoptions,,{}", dashboard.adoptions));
    for y in &dashboard.years {
        lines.push(format!(
            "nouvelles_adoptions,{},{}",
            y.year, y.new_adoptions
        ));
        lines.push(format!("adoptions_cumulees,{},{}", y.year, y.adoptions));
        lines.push(format!("nouveaux_logiciels,{},{}", y.year, y.new_projects));
    }
    for (label, count) in &dashboard.lag {
        lines.push(format!("retard_de_version,{label},{count}"));
    }
    lines.join("\r\n") + "\r\n"
}
