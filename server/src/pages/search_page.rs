//! `/recherche`: results with highlights, facets as filter links, pages, and a helpful page
//! when nothing matches.

use super::session::RenderFor;
use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;
use url::form_urlencoded;

use crate::categories;
use crate::search::SearchError;
use crate::search::engine::SearchRequest;
use crate::search::params;
use crate::state::AppState;

const PAGE_SIZE: usize = 20;
/// Facets shown, in [`params::FILTER_KEYS`] order: (parameter, title).
const FACETS: &[(&str, &str)] = &[
    ("category", "Domaine"),
    ("active", "Activité sur 12 mois"),
    ("has_adopters", "Déjà utilisé"),
    ("departement", "Département des utilisateurs"),
    ("kind", "Type d'utilisateur"),
    ("license", "Licence"),
    ("status", "Maturité"),
];

fn value_label(web: &crate::views::Web, facet: &str, value: &str) -> String {
    match (facet, value) {
        ("departement", code) => web
            .departements
            .get(code)
            .map_or(code.to_string(), |name| format!("{name} ({code})")),
        ("category", slug) => {
            categories::by_slug(slug).map_or(slug.to_string(), |c| c.label.to_string())
        }
        ("active", "oui") => "Actif".into(),
        ("active", _) => "Sans activité récente".into(),
        ("has_adopters", "oui") => "Utilisé par au moins une organisation".into(),
        ("has_adopters", _) => "Aucun utilisateur déclaré".into(),
        ("kind", kind) => super::format::kind_label(kind, None).to_string(),
        ("license", "inconnue") | ("status", "inconnu") => "Non précisée".into(),
        ("status", "stable") => "Stable".into(),
        ("status", "beta") => "Bêta".into(),
        ("status", "development") => "En développement".into(),
        ("status", "concept") => "Concept".into(),
        ("status", "obsolete") => "Obsolète".into(),
        (_, other) => other.to_string(),
    }
}

/// `/recherche?…` with some parameters changed.
fn href(params: &BTreeMap<String, String>, changes: &[(&str, Option<&str>)]) -> String {
    let mut params = params.clone();
    params.remove("page");
    for (key, value) in changes {
        match value {
            Some(value) => params.insert(key.to_string(), value.to_string()),
            None => params.remove(*key),
        };
    }
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter())
        .finish();
    if query.is_empty() {
        "/recherche".to_string()
    } else {
        format!("/recherche?{query}")
    }
}

pub async fn search(
    State(state): State<AppState>,
    visitor: super::session::Visitor,
    Query(raw): Query<BTreeMap<String, String>>,
) -> Response {
    let filters = match params::filters(|key| raw.get(key).cloned()) {
        Ok(filters) => filters,
        Err(error) => {
            return state.web.notice(
                StatusCode::BAD_REQUEST,
                "Recherche impossible",
                &format!("{}.", crate::views::capitalised(&error.to_string())),
            );
        }
    };
    let query = raw.get("q").cloned().unwrap_or_default();
    // The page's own parameters, normalised: what its links keep or change.
    let mut params: BTreeMap<String, String> = filters
        .pairs()
        .into_iter()
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect();
    if !query.trim().is_empty() {
        params.insert("q".into(), query.clone());
    }
    let page: usize = raw
        .get("page")
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1)
        .min(500);
    let request = SearchRequest {
        text: query.clone(),
        filters,
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
    };
    let results = match state.search.search(request).await {
        Ok(results) => results,
        Err(SearchError::Rebuilding) => {
            return state
                .web
                .render("search.html", context! { query, unavailable => true });
        }
        Err(error) => return state.web.refusal(&error.into()),
    };
    let facets: Vec<_> = FACETS
        .iter()
        .map(|(facet, title)| {
            let active = params.get(*facet);
            let values: Vec<_> = results
                .facets
                .get(*facet)
                .map(|counts| {
                    counts
                        .iter()
                        .take(if *facet == "departement" { 15 } else { 20 })
                        .map(|count| {
                            context! {
                                label => value_label(&state.web, facet, &count.value),
                                count => count.count,
                                active => active == Some(&count.value),
                                href => href(&params, &[(facet, Some(&count.value))]),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            context! { title => *title, values }
        })
        .collect();
    let active_filters: Vec<_> = FACETS
        .iter()
        .filter_map(|(facet, title)| {
            let value = params.get(*facet)?;
            Some(context! {
                label => format!("{title} : {}", value_label(&state.web, facet, value)),
                remove_href => href(&params, &[(facet, None)]),
            })
        })
        .collect();
    let pages = results.total.div_ceil(PAGE_SIZE).max(1);
    let page_href = |n: usize| {
        let mut with_page = params.clone();
        with_page.insert("page".into(), n.to_string());
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(with_page.iter())
            .finish();
        format!("/recherche?{query}")
    };
    let mut correction = None;
    // Nothing found: the closest project name is offered as a correction.
    if results.total == 0
        && !query.trim().is_empty()
        && let Ok(names) = state.search.suggest(query.clone(), 1).await
        && let Some((name, _)) = names.into_iter().next()
    {
        correction = Some(context! {
            label => name.clone(),
            href => href(&BTreeMap::new(), &[("q", Some(&name))]),
        });
    }
    let broader_href =
        (!active_filters.is_empty()).then(|| href(&BTreeMap::new(), &[("q", Some(&query))]));
    state.web.render_for(
        &visitor,
        "search.html",
        context! {
            query,
            total => results.total,
            relaxed => results.relaxed,
            items => Serde(results.items),
            first_rank => (page - 1) * PAGE_SIZE + 1,
            facets,
            active_filters,
            page,
            pages,
            previous_href => (page > 1).then(|| page_href(page - 1)),
            next_href => (page < pages).then(|| page_href(page + 1)),
            correction,
            broader_href,
        },
    )
}
