//! `/moderation`: what moderators decide in the browser (claims to act for an organisation,
//! hidden projects) and the audit log, browsable page by page and exported as JSON. Each
//! action is the domain's, as from the API, so the rules and the log are the same.

use super::session::RenderFor;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::format::french_datetime;
use super::session::{FormFields, GenuineForm, PagePath, Visitor};
use crate::domain::AppResult;
use crate::domain::claims::is_live;
use crate::model::{ClaimStatus, User, Window};
use crate::state::AppState;

/// How long before a verification lapses the moderation page offers to renew it.
const RENEWAL_DAYS: i64 = 30;
/// Audit entries per page of the log.
const AUDIT_PAGE: i64 = 50;
/// Audit entries per JSON export file.
const EXPORT_PAGE: i64 = 1000;

/// The signed-in moderator, or the response to send instead: sign in first, or a refusal.
pub fn moderator<'a>(
    state: &AppState,
    visitor: &'a Visitor,
    here: &str,
) -> Result<&'a User, Box<Response>> {
    match &visitor.user {
        None => Err(Box::new(super::session::sign_in_first(here))),
        Some(user) if user.role().moderates() => Ok(user),
        Some(_) => Err(Box::new(state.web.notice(
            StatusCode::FORBIDDEN,
            "Réservé aux modérateurs",
            "Cette page est réservée aux modérateurs de civiforge.",
        ))),
    }
}

#[derive(Debug, Deserialize)]
pub struct Done {
    fait: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(done): Query<Done>,
) -> Response {
    let user = match moderator(&state, &visitor, "/moderation") {
        Ok(user) => user,
        Err(response) => return *response,
    };
    let (pending, verified, hidden) = match tokio::try_join!(
        state.store.claims(Some(ClaimStatus::Pending), None),
        state.store.claims(Some(ClaimStatus::Verified), None),
        state.store.hidden_projects(),
    ) {
        Ok(found) => found,
        Err(error) => return state.web.refusal(&error.into()),
    };
    let pending: Vec<_> = pending
        .into_iter()
        .map(|c| {
            context! {
                id => c.id, user => c.user, organisation => c.organisation,
                organisation_name => c.organisation_name,
                created => french_datetime(Some(c.created_at)).unwrap_or_default(),
            }
        })
        .collect();
    // Verifications that lapse within a month, so that a moderator renews them in time.
    let soon = chrono::Utc::now() + chrono::Duration::days(RENEWAL_DAYS);
    let expiring: Vec<_> = verified
        .into_iter()
        .filter(|c| is_live(c) && c.expires_at.is_some_and(|at| at < soon))
        .map(|c| {
            context! {
                id => c.id, user => c.user, organisation => c.organisation,
                organisation_name => c.organisation_name,
                expires => french_datetime(c.expires_at).unwrap_or_default(),
            }
        })
        .collect();
    let done = match done.fait.as_deref() {
        Some("verifiee") => Some("La demande est vérifiée pour un an."),
        Some("refusee") => Some("La demande est refusée."),
        Some("visible") => Some("Le projet est de nouveau visible."),
        Some("masque") => Some("Le projet est masqué."),
        _ => None,
    };
    tracing::debug!(moderator = user.id, "moderation page");
    state.web.render_for(
        &visitor,
        "moderation.html",
        context! { pending, expiring, hidden => Serde(hidden), done },
    )
}

/// A moderator's two-way form: `field` says `yes` or `no`; anything else was not sent by
/// civiforge's page.
fn yes_or_no(form: &FormFields, field: &str, yes: &str, no: &str) -> Option<bool> {
    match form.get(field) {
        Some(value) if value == yes => Some(true),
        Some(value) if value == no => Some(false),
        _ => None,
    }
}

/// Back to the moderation page saying what was done, or the refusal.
fn done<T>(state: &AppState, outcome: AppResult<T>, what: &str) -> Response {
    match outcome {
        Ok(_) => Redirect::to(&format!("/moderation?fait={what}")).into_response(),
        Err(error) => state.web.refusal(&error),
    }
}

pub async fn decide(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(id): PagePath<i64>,
    GenuineForm(form): GenuineForm,
) -> Response {
    if let Err(response) = moderator(&state, &visitor, "/moderation") {
        return *response;
    }
    let Some(verified) = yes_or_no(&form, "decision", "verifier", "refuser") else {
        return super::account::forged(&state);
    };
    let outcome = state
        .domain
        .decide_claim(&visitor.actor(), id, verified)
        .await;
    done(
        &state,
        outcome,
        if verified { "verifiee" } else { "refusee" },
    )
}

pub async fn set_visibility(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(slug): Path<String>,
    GenuineForm(form): GenuineForm,
) -> Response {
    if let Err(response) = moderator(&state, &visitor, "/moderation") {
        return *response;
    }
    let Some(hidden) = yes_or_no(&form, "masquer", "oui", "non") else {
        return super::account::forged(&state);
    };
    let outcome = state
        .domain
        .set_project_visibility(&visitor.actor(), &slug, hidden)
        .await;
    done(&state, outcome, if hidden { "masque" } else { "visible" })
}

#[derive(Debug, Deserialize)]
pub struct AuditPage {
    page: Option<String>,
}

impl AuditPage {
    /// The page asked for, from 1; anything else is the first page.
    fn number(&self) -> i64 {
        self.page
            .as_deref()
            .and_then(|p| p.parse::<i64>().ok())
            .filter(|p| (1..=1_000_000).contains(p))
            .unwrap_or(1)
    }
}

pub async fn audit(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<AuditPage>,
) -> Response {
    if let Err(response) = moderator(&state, &visitor, "/moderation/journal") {
        return *response;
    }
    let number = query.number();
    let window = Window {
        limit: AUDIT_PAGE,
        offset: (number - 1) * AUDIT_PAGE,
    };
    let log = match state.store.audit_log(window).await {
        Ok(log) => log,
        Err(error) => return state.web.refusal(&error.into()),
    };
    let entries: Vec<_> = log
        .items
        .into_iter()
        .map(|e| {
            context! {
                at => super::format::french_timestamp(e.at),
                actor => e.actor, ip => e.ip, action => e.action.as_str(), target => e.target,
                details => e.details.map(|d| d.to_string()),
            }
        })
        .collect();
    let pages = (log.total + AUDIT_PAGE - 1) / AUDIT_PAGE;
    state.web.render_for(
        &visitor,
        "audit.html",
        context! {
            entries, total => log.total, number, pages,
            export_pages => (log.total + EXPORT_PAGE - 1) / EXPORT_PAGE,
        },
    )
}

/// The log as JSON, newest first, a thousand entries per file (`?page=2` for the next).
pub async fn audit_export(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<AuditPage>,
) -> Response {
    if let Err(response) = moderator(&state, &visitor, "/moderation/journal") {
        return *response;
    }
    let number = query.number();
    let window = Window {
        limit: EXPORT_PAGE,
        offset: (number - 1) * EXPORT_PAGE,
    };
    match state.store.audit_log(window).await {
        Ok(log) => (
            [(
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"civiforge-journal-{number}.json\""),
            )],
            Json(log),
        )
            .into_response(),
        Err(error) => state.web.refusal(&error.into()),
    }
}
