//! `/groupes` and `/groupes/{slug}`: working groups, where their members meet between
//! meetings (members, projects with the version each member runs, actions), and the forms
//! with which the lead's agents keep the actions. The rules are the domain's
//! (`domain::groups`).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;

use super::documents::{DocumentRefusal, documents_section};
use super::format::{action_state_label, french_date, group_status_label, kind_label, role_label};
use super::forms::field_errors;
use super::session::{GenuineForm, PagePath, RenderFor, Visitor, sign_in_first};
use crate::domain::AppError;
use crate::model::{ActionState, Adoption, DocumentTarget, Group, MemberRole, Window};
use crate::state::AppState;
use crate::store::GroupFilter;
use crate::validation::ActionRequest;

/// Groups listed on one page.
const GROUPS_PER_PAGE: i64 = 100;

/// `GET /groupes`
pub async fn list(State(state): State<AppState>, visitor: Visitor) -> Response {
    let window = Window {
        limit: GROUPS_PER_PAGE,
        offset: 0,
    };
    let groups = match state.domain.groups(&GroupFilter::default(), window).await {
        Ok(page) => page,
        Err(error) => return state.web.refusal(&error),
    };
    let total = groups.total;
    let rows: Vec<_> = groups
        .items
        .into_iter()
        .map(|g| {
            context! {
                slug => g.slug,
                name => g.name,
                theme => g.theme,
                status => group_status_label(g.status),
                lead => g.lead,
                lead_name => g.lead_name,
                members => g.members.len(),
                projects => g.project_names.join(", "),
            }
        })
        .collect();
    state.web.render_for(
        &visitor,
        "groups.html",
        context! { canonical => "/groupes", groups => rows, total },
    )
}

/// `GET /groupes/{slug}`
pub async fn show(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(slug): PagePath<String>,
) -> Response {
    group_page(&state, &visitor, &slug, None, None).await
}

/// The group page; with `refused` (what was typed in the action form and why it was
/// refused) the form shows it again and the page answers 422; likewise the documents form
/// with `refused_document`.
pub(super) async fn group_page(
    state: &AppState,
    visitor: &Visitor,
    slug: &str,
    refused: Option<(ActionRequest, BTreeMap<&'static str, String>)>,
    refused_document: Option<DocumentRefusal>,
) -> Response {
    let group = match state.domain.group(slug).await {
        Ok(group) => group,
        Err(error) => return state.web.refusal(&error),
    };
    let adoptions = match state.domain.group_adoptions(&group.slug).await {
        Ok(adoptions) => adoptions,
        Err(error) => return state.web.refusal(&error),
    };
    let target = DocumentTarget::Group(group.slug.clone());
    let documents =
        match documents_section(state, visitor, &target, refused_document.as_ref()).await {
            Ok(documents) => documents,
            Err(error) => return state.web.refusal(&error),
        };
    let manages = state
        .domain
        .leads_group(&visitor.actor(), &group.lead)
        .await
        .unwrap_or(false);
    let organisations: Vec<_> = group
        .organisations
        .iter()
        .map(|o| {
            context! {
                id => o.id.clone(),
                name => o.name.clone(),
                kind => kind_label(&o.kind, None),
                role => role_label(o.role),
            }
        })
        .collect();
    let actions: Vec<_> = group
        .actions
        .iter()
        .map(|a| {
            context! {
                id => a.id,
                text => a.text.clone(),
                target_version => a.target_version.clone(),
                due => a.due.map(french_date),
                due_iso => a.due.map(|d| d.to_string()),
                state => a.state.as_str(),
                state_label => action_state_label(a.state),
            }
        })
        .collect();
    let states: Vec<_> = ActionState::ALL
        .iter()
        .map(|s| context! { value => s.as_str(), label => action_state_label(*s) })
        .collect();
    let (typed, errors) = match refused {
        Some((typed, errors)) => (Some(typed), errors),
        None => (None, BTreeMap::new()),
    };
    let status = if !errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        refused_document.map_or(StatusCode::OK, |r| r.status)
    };
    let mut response = state.web.render_for(
        visitor,
        "group.html",
        context! {
            canonical => format!("/groupes/{}", group.slug),
            status => group_status_label(group.status),
            organisations,
            versions => versions_by_member(&group, &adoptions),
            actions,
            states,
            manages,
            typed => typed.map(|t| context! { text => t.text, target_version => t.target_version, due => t.due }),
            form_errors => Serde(errors),
            documents,
            group => Serde(group),
        },
    );
    *response.status_mut() = status;
    response
}

/// For each project of the group, the version each member runs ("—" when it declared none).
fn versions_by_member(group: &Group, adoptions: &[Adoption]) -> Vec<minijinja::Value> {
    let members: Vec<_> = group
        .organisations
        .iter()
        .filter(|o| matches!(o.role, MemberRole::Lead | MemberRole::Member))
        .collect();
    group
        .projects
        .iter()
        .zip(&group.project_names)
        .map(|(slug, name)| {
            let rows: Vec<_> = members
                .iter()
                .map(|m| {
                    let adoption = adoptions
                        .iter()
                        .find(|a| a.project == *slug && a.organisation == m.id);
                    context! {
                        id => m.id.clone(),
                        name => m.name.clone(),
                        version => adoption.map(|a| a.version.clone().unwrap_or_else(|| "version non précisée".into())),
                        behind => adoption.and_then(|a| a.versions_behind),
                    }
                })
                .collect();
            context! { slug => slug, name => name, rows }
        })
        .collect()
}

/// `POST /groupes/{slug}/actions`: the lead's agents add an action.
pub async fn add_action(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(slug): PagePath<String>,
    GenuineForm(form): GenuineForm,
) -> Response {
    let here = format!("/groupes/{slug}");
    if visitor.user.is_none() {
        return sign_in_first(&here);
    }
    let request = ActionRequest {
        text: form.text("text").unwrap_or_default(),
        target_version: form.text("target_version"),
        due: form.text("due"),
        state: None,
    };
    match state
        .domain
        .add_group_action(&visitor.actor(), &slug, request.clone())
        .await
    {
        Ok(group) => Redirect::to(&format!("/groupes/{}#actions", group.slug)).into_response(),
        Err(AppError::Invalid(errors)) => {
            group_page(
                &state,
                &visitor,
                &slug,
                Some((request, field_errors(&errors))),
                None,
            )
            .await
        }
        Err(error) => state.web.refusal(&error),
    }
}

/// `POST /groupes/{slug}/actions/{id}`: the lead's agents mark an action done or dropped.
pub async fn set_action_state(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath((slug, id)): PagePath<(String, i64)>,
    GenuineForm(form): GenuineForm,
) -> Response {
    if visitor.user.is_none() {
        return sign_in_first(&format!("/groupes/{slug}"));
    }
    let Some(new_state) = form.get("state").and_then(ActionState::parse) else {
        return state.web.refusal(&AppError::invalid(
            "state",
            "choisissez un état : prévue, faite ou abandonnée",
        ));
    };
    match state
        .domain
        .set_group_action_state(&visitor.actor(), &slug, id, new_state)
        .await
    {
        Ok(group) => Redirect::to(&format!("/groupes/{}#actions", group.slug)).into_response(),
        Err(error) => state.web.refusal(&error),
    }
}
