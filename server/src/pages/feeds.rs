//! Atom feeds (RFC 4287) at the contract's addresses: a project's releases
//! (`/feeds/projects/{slug}.atom`), those of everything an organisation uses
//! (`/feeds/organisations/{id}.atom`), a working group's actions (`/feeds/groups/{slug}.atom`),
//! the releases of a category (`/feeds/categories/{slug}.atom`) and new projects
//! (`/feeds/projects.atom`). Linked from their pages with
//! `<link rel="alternate">`, so that a feed reader offers them.

use atom_syndication::{Entry, Feed, FixedDateTime, Link, Person, Text};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use crate::state::AppState;

/// Releases listed in a feed, newest first.
const ENTRIES: usize = 50;

/// `/feeds/projects/{slug}.atom`: the project's releases.
pub async fn project_releases(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(slug) = file.strip_suffix(".atom") else {
        return state.web.error(StatusCode::NOT_FOUND);
    };
    let project = match state.store.project(slug).await {
        Ok(Some(project)) => project,
        Ok(None) => return state.web.error(StatusCode::NOT_FOUND),
        Err(error) => return state.web.refusal(&error.into()),
    };
    let versions = match state.store.versions(slug).await {
        Ok(versions) => versions,
        Err(error) => return state.web.refusal(&error.into()),
    };
    let base = base_url(&state);
    let page = format!("{base}/projets/{slug}");
    let entries = versions
        .iter()
        .filter(|v| v.is_release && v.withdrawn_at.is_none())
        .take(ENTRIES)
        .map(|v| {
            entry(
                format!("{} {}", project.name, v.name),
                format!("{page}#version-{}", v.name),
                &page,
                v.date.unwrap_or(project.updated_at),
            )
        })
        .collect();
    atom(feed(
        format!("Nouvelles versions de {}", project.name),
        format!("{base}/feeds/projects/{slug}.atom"),
        &page,
        project.updated_at,
        entries,
    ))
}

/// `/feeds/organisations/{id}.atom`: new releases of what the organisation uses.
pub async fn organisation_releases(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Response {
    let Some(id) = file.strip_suffix(".atom") else {
        return state.web.error(StatusCode::NOT_FOUND);
    };
    let organisation = match state.store.organisation(id).await {
        Ok(Some(organisation)) => organisation,
        Ok(None) => return state.web.error(StatusCode::NOT_FOUND),
        Err(error) => return state.web.refusal(&error.into()),
    };
    let releases = match state
        .store
        .releases_used_by(&organisation.id, ENTRIES as i64)
        .await
    {
        Ok(releases) => releases,
        Err(error) => return state.web.refusal(&error.into()),
    };
    let base = base_url(&state);
    releases_feed(
        &base,
        format!("Nouvelles versions des logiciels de {}", organisation.name),
        format!("{base}/feeds/organisations/{}.atom", organisation.id),
        &format!("{base}/organisations/{}", organisation.id),
        &releases,
    )
}

/// `/feeds/categories/{slug}.atom`: new releases of the projects of a category.
pub async fn category_releases(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Response {
    let Some(category) = file
        .strip_suffix(".atom")
        .and_then(crate::categories::by_slug)
    else {
        return state.web.error(StatusCode::NOT_FOUND);
    };
    let releases = match state
        .store
        .releases_in_category(category.slug, ENTRIES as i64)
        .await
    {
        Ok(releases) => releases,
        Err(error) => return state.web.refusal(&error.into()),
    };
    let base = base_url(&state);
    releases_feed(
        &base,
        format!("Nouvelles versions : {}", category.label),
        format!("{base}/feeds/categories/{}.atom", category.slug),
        &format!("{base}/categories/{}", category.slug),
        &releases,
    )
}

/// A feed of releases of several projects, each entry linking to its project's page.
fn releases_feed(
    base: &str,
    title: String,
    id: String,
    page: &str,
    releases: &[crate::model::UsedRelease],
) -> Response {
    let newest = releases.iter().filter_map(|r| r.date).max();
    let entries = releases
        .iter()
        .map(|r| {
            let project_page = format!("{base}/projets/{}", r.project);
            entry(
                format!("{} {}", r.project_name, r.version),
                format!("{project_page}#version-{}", r.version),
                &project_page,
                r.date.unwrap_or(DateTime::UNIX_EPOCH),
            )
        })
        .collect();
    atom(feed(
        title,
        id,
        page,
        newest.unwrap_or(DateTime::UNIX_EPOCH),
        entries,
    ))
}

/// `/feeds/groups/{slug}.atom`: a working group's actions, the latest changed first.
pub async fn group_actions(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(slug) = file.strip_suffix(".atom") else {
        return state.web.error(StatusCode::NOT_FOUND);
    };
    let group = match state.domain.group(slug).await {
        Ok(group) => group,
        Err(error) => return state.web.refusal(&error),
    };
    let base = base_url(&state);
    let page = format!("{base}/groupes/{}", group.slug);
    let mut actions = group.actions.clone();
    actions.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id)));
    let entries = actions
        .iter()
        .take(ENTRIES)
        .map(|a| {
            let mut entry = entry(
                a.text.clone(),
                format!("{page}#action-{}", a.id),
                &page,
                a.updated_at,
            );
            entry.published = Some(fixed(a.created_at));
            let due = a
                .due
                .map(|d| format!(", échéance le {}", super::format::french_date(d)))
                .unwrap_or_default();
            let target = a
                .target_version
                .as_ref()
                .map(|v| format!(", version visée {v}"))
                .unwrap_or_default();
            entry.summary = Some(Text::plain(format!(
                "Action {}{target}{due}",
                super::format::action_state_label(a.state)
            )));
            entry
        })
        .collect();
    atom(feed(
        format!("Actions du groupe de travail {}", group.name),
        format!("{base}/feeds/groups/{}.atom", group.slug),
        &page,
        group.updated_at,
        entries,
    ))
}

/// `/feeds/projects.atom`: projects newly registered.
pub async fn new_projects(State(state): State<AppState>) -> Response {
    let filter = crate::model::ProjectFilter {
        order: crate::model::ProjectOrder::Newest,
        ..Default::default()
    };
    let window = crate::model::Window {
        limit: ENTRIES as i64,
        offset: 0,
    };
    let projects = match state.store.list_projects(&filter, window).await {
        Ok(page) => page.items,
        Err(error) => return state.web.refusal(&error.into()),
    };
    let base = base_url(&state);
    let newest = projects.iter().map(|p| p.created_at).max();
    let entries = projects
        .iter()
        .map(|p| {
            let page = format!("{base}/projets/{}", p.slug);
            let mut entry = entry(p.name.clone(), page.clone(), &page, p.created_at);
            if !p.summary.is_empty() {
                entry.summary = Some(Text::plain(p.summary.clone()));
            }
            entry
        })
        .collect();
    atom(feed(
        "Nouveaux projets".to_string(),
        format!("{base}/feeds/projects.atom"),
        &format!("{base}/"),
        newest.unwrap_or(DateTime::UNIX_EPOCH),
        entries,
    ))
}

/// The instance's address, for the absolute ids and links Atom asks for.
fn base_url(state: &AppState) -> String {
    state.domain.public_url.trim_end_matches('/').to_string()
}

fn fixed(at: DateTime<Utc>) -> FixedDateTime {
    at.fixed_offset()
}

fn link(href: &str, rel: &str) -> Link {
    Link {
        href: href.to_string(),
        rel: rel.to_string(),
        ..Link::default()
    }
}

fn entry(title: String, id: String, page: &str, at: DateTime<Utc>) -> Entry {
    Entry {
        title: Text::plain(title),
        id,
        updated: fixed(at),
        published: Some(fixed(at)),
        links: vec![link(page, "alternate")],
        ..Entry::default()
    }
}

fn feed(title: String, id: String, page: &str, at: DateTime<Utc>, entries: Vec<Entry>) -> Feed {
    Feed {
        title: Text::plain(title),
        links: vec![link(&id, "self"), link(page, "alternate")],
        id,
        updated: fixed(at),
        authors: vec![Person {
            name: "civiforge".to_string(),
            ..Person::default()
        }],
        lang: Some("fr".to_string()),
        entries,
        ..Feed::default()
    }
}

fn atom(feed: Feed) -> Response {
    (
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        feed.to_string(),
    )
        .into_response()
}
