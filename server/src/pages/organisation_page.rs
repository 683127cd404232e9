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
