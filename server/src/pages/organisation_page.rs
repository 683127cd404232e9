//! `/organisations/{id}`: what an organisation uses, where it belongs, and what its peers use.

use super::session::RenderFor;
use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;

use super::format::{kind_label, status_label};
use crate::state::AppState;

pub async fn organisation(
    State(state): State<AppState>,
    visitor: super::session::Visitor,
    Path(id): Path<String>,
) -> Response {
    organisation_page(&state, &visitor, &id, None).await
}

/// The organisation page; with `refused_domains` (what a moderator typed, and why it was
/// refused), the domains form shows them and the page answers 422.
pub async fn organisation_page(
    state: &AppState,
    visitor: &super::session::Visitor,
    id: &str,
    refused_domains: Option<(String, String)>,
) -> Response {
    let id = id.to_string();
    let detail = match state.store.organisation_detail(&id).await {
        Ok(Some(detail)) => detail,
        Ok(None) => return state.web.error(StatusCode::NOT_FOUND),
        Err(error) => return state.web.refusal(&error.into()),
    };
    // An old code of a merged commune: send people to the current one.
    if detail.organisation.id != id {
        return Redirect::permanent(&format!("/organisations/{}", detail.organisation.id))
            .into_response();
    }
    let suggestions = state
        .store
        .peer_suggestions(&id, 6)
        .await
        .unwrap_or_default();
    // The organisation is read already: its updates straight from the store.
    let updates: Vec<_> = match state.store.updates_available(&id).await {
        Ok(updates) => updates
            .into_iter()
            .map(|u| {
                context! {
                    label => super::format::lag_label(Some(u.releases_behind), u.months_behind),
                    update => Serde(u),
                }
            })
            .collect(),
        Err(error) => return state.web.refusal(&error.into()),
    };
    let (members, member_usage) = match structure_parts(state, &id, &detail.organisation.kind).await
    {
        Ok(parts) => parts,
        Err(error) => return state.web.refusal(&error),
    };
    let provides = crate::store::ProviderFilter {
        organisation: Some(id.clone()),
        ..Default::default()
    };
    let everything = crate::model::Window {
        limit: 100,
        offset: 0,
    };
    let provides = match state.domain.providers(provides, everything).await {
        Ok(page) => super::providers::provider_rows(state, page.items).await,
        Err(error) => return state.web.refusal(&error),
    };
    let groups = match groups_of(state, &id).await {
        Ok(groups) => groups,
        Err(error) => return state.web.refusal(&error),
    };
    let departement = match &detail.organisation.departement {
        Some(code) => state
            .store
            .organisation(&format!("departement-{code}"))
            .await
            .ok()
            .flatten()
            .map(|d| format!("{} ({code})", d.name)),
        None => None,
    };
    // Acting for the organisation: the visitor's request, and for moderators the domains.
    let my_claim = match &visitor.user {
        Some(user) => state
            .store
            .claims(None, Some(user.id))
            .await
            .unwrap_or_default()
            .into_iter()
            .find(|c| c.organisation == detail.organisation.id)
            .map(|c| {
                context! {
                    label => super::agent::claim_state(&c),
                    ask_again => crate::domain::claims::can_ask_again(&c),
                }
            }),
        None => None,
    };
    let is_moderator = visitor.user.as_ref().is_some_and(|u| u.role().moderates());
    let mut form_errors = BTreeMap::new();
    let email_domains = if let Some((typed, message)) = &refused_domains {
        form_errors.insert("domaines", message.clone());
        typed.clone()
    } else if is_moderator {
        state
            .store
            .email_domains(&id)
            .await
            .unwrap_or_default()
            .join(" ")
    } else {
        String::new()
    };
    let status_labels: BTreeMap<&str, &str> = ["in_use", "evaluating", "stopped"]
        .into_iter()
        .map(|s| (s, status_label(s)))
        .collect();
    let mut response = state.web.render_for(visitor,
        "organisation.html",
        context! {
            canonical => format!("/organisations/{id}"),
            kind_label => kind_label(&detail.organisation.kind, detail.organisation.subkind.as_deref()),
            organisation => Serde(detail.organisation),
            memberships => Serde(detail.memberships),
            members_count => detail.members_count,
            adoptions => Serde(detail.adoptions),
            updates,
            members => Serde(members),
            member_usage,
            provides,
            groups,
            departement,
            suggestions => Serde(suggestions),
            status_labels => Serde(status_labels),
            my_claim,
            is_moderator,
            email_domains,
            form_errors => Serde(form_errors),
        },
    );
    if refused_domains.is_some() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// One project used by a structure's members: each version with the members running it.
struct ProjectUsage {
    slug: String,
    name: String,
    versions: Vec<(String, Vec<String>)>,
}

/// A pooling structure's members, and what they use: by project, then by version, the
/// members running it. Nothing for other organisations.
async fn structure_parts(
    state: &AppState,
    id: &str,
    kind: &str,
) -> Result<(Vec<crate::model::StructureMember>, Vec<minijinja::Value>), crate::domain::AppError> {
    if !crate::model::CreatedKind::parse(kind).is_some_and(crate::model::CreatedKind::pools) {
        return Ok((Vec::new(), Vec::new()));
    }
    let members = state.domain.structure_members(id).await?;
    let adoptions = state.domain.member_adoptions(id).await?;
    // Project → version → member names, in the store's order (project, version, name).
    let mut usage: Vec<ProjectUsage> = Vec::new();
    for a in adoptions {
        if usage.last().is_none_or(|p| p.slug != a.project) {
            usage.push(ProjectUsage {
                slug: a.project.clone(),
                name: a.project_name.clone(),
                versions: Vec::new(),
            });
        }
        let Some(ProjectUsage { versions, .. }) = usage.last_mut() else {
            continue;
        };
        let version = a.version.unwrap_or_else(|| "version non précisée".into());
        match versions.last_mut() {
            Some((v, names)) if *v == version => names.push(a.organisation_name),
            _ => versions.push((version, vec![a.organisation_name])),
        }
    }
    let usage = usage
        .into_iter()
        .map(|ProjectUsage { slug, name, versions }| {
            let count: usize = versions.iter().map(|(_, names)| names.len()).sum();
            let versions: Vec<_> = versions
                .into_iter()
                .map(|(version, names)| context! { version, count => names.len(), names => names.join(", ") })
                .collect();
            context! { slug, name, count, versions }
        })
        .collect();
    Ok((members, usage))
}

/// The working groups the organisation takes part in, with its role in each.
async fn groups_of(
    state: &AppState,
    id: &str,
) -> Result<Vec<minijinja::Value>, crate::domain::AppError> {
    let filter = crate::store::GroupFilter {
        organisation: Some(id.to_string()),
        ..Default::default()
    };
    let window = crate::model::Window {
        limit: 100,
        offset: 0,
    };
    let groups = state.domain.groups(&filter, window).await?;
    Ok(groups
        .items
        .into_iter()
        .map(|g| {
            let role = g
                .organisations
                .iter()
                .find(|o| o.id == id)
                .map(|o| super::format::role_label(o.role))
                .unwrap_or("membre");
            context! {
                slug => g.slug,
                name => g.name,
                status => super::format::group_status_label(g.status),
                role,
            }
        })
        .collect())
}
