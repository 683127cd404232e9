//! Acting for an organisation in the browser: asking from the organisation's page, moderators
//! keeping the e-mail domains that vouch for its agents, and the account page that lists a
//! user's requests. The rules are the domain's (`domain::claims`).

use super::session::RenderFor;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use super::format::french_datetime;
use super::moderation::moderator;
use super::organisation_page::organisation_page;
use super::session::{GenuineForm, Visitor, sign_in_first};
use crate::domain::claims::{asked_again_from, is_live};
use crate::model::{Claim, ClaimStatus};
use crate::state::AppState;
use crate::views::capitalised;

/// How a claim stands, for the person who made it.
pub fn claim_state(claim: &Claim) -> String {
    match claim.status {
        ClaimStatus::Verified if is_live(claim) => format!(
            "vérifiée jusqu'au {}",
            french_datetime(claim.expires_at).unwrap_or_default()
        ),
        ClaimStatus::Verified => "expirée : demandez-la de nouveau".to_string(),
        ClaimStatus::Rejected => match asked_again_from(claim) {
            Some(from) if from > chrono::Utc::now() => format!(
                "refusée ; vous pourrez la demander de nouveau à partir du {}",
                french_datetime(Some(from)).unwrap_or_default()
            ),
            _ => "refusée : vous pouvez la demander de nouveau".to_string(),
        },
        ClaimStatus::Pending => "en attente de vérification par un modérateur".to_string(),
    }
}

/// `POST /organisations/{id}/demande`: ask to act for the organisation.
pub async fn request(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    GenuineForm(_form): GenuineForm,
) -> Response {
    let here = format!("/organisations/{id}");
    if visitor.user.is_none() {
        return sign_in_first(&here);
    }
    match state.domain.file_claim(&visitor.actor(), &id).await {
        Ok(claim) => {
            Redirect::to(&format!("/organisations/{}#agir", claim.organisation)).into_response()
        }
        Err(error) => state.web.refusal(&error),
    }
}

/// `POST /organisations/{id}/domaines`: the e-mail domains that vouch for its agents.
pub async fn set_domains(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    GenuineForm(form): GenuineForm,
) -> Response {
    let here = format!("/organisations/{id}");
    if let Err(response) = moderator(&state, &visitor, &here) {
        return *response;
    }
    let domains = form.list("domaines");
    match state
        .domain
        .set_email_domains(&visitor.actor(), &id, &domains)
        .await
    {
        Ok(_) => Redirect::to(&format!("{here}#agir")).into_response(),
        // The domains again, as typed, with the reason beside them.
        Err(error) if error.field().is_some() => {
            let typed = form.get("domaines").unwrap_or_default().to_string();
            let message = format!("{}.", capitalised(&error.to_string()));
            organisation_page(&state, &visitor, &id, Some((typed, message))).await
        }
        Err(error) => state.web.refusal(&error),
    }
}

/// `GET /compte`: the account's requests to act for organisations, and its other pages.
pub async fn account(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<std::collections::BTreeMap<String, String>>,
) -> Response {
    let Some(user) = &visitor.user else {
        return sign_in_first("/compte");
    };
    let claims = match state.store.claims(None, Some(user.id)).await {
        Ok(claims) => claims,
        Err(error) => return state.web.refusal(&error.into()),
    };
    let claims: Vec<_> = claims
        .iter()
        .map(|c| {
            context! {
                organisation => c.organisation.clone(),
                organisation_name => c.organisation_name.clone(),
                state => claim_state(c),
            }
        })
        .collect();
    let sent = (query.get("envoye").map(String::as_str) == Some("confirmation"))
        .then(|| format!("Un nouveau lien vient d'être envoyé à {}.", user.email));
    let email_confirmed = user.email_confirmed_at.is_some();
    state.web.render_for(
        &visitor,
        "account.html",
        context! { claims, sent, email_confirmed },
    )
}
