//! Acting for an organisation in the browser: asking from the organisation's page, moderators
//! keeping the e-mail domains that vouch for its agents, and the account page that lists a
//! user's requests. The rules are the API's ([`crate::http::claims`]).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use super::format::french_datetime;
use super::moderation::moderator;
use super::session::{GenuineForm, Visitor, sign_in_first};
use crate::http::AppState;
use crate::http::claims::{file_for, is_live, set_domains_as};
use crate::http::client::ClientIp;
use crate::model::Claim;

/// How a claim stands, for the person who made it.
pub fn claim_state(claim: &Claim) -> String {
    match claim.status.as_str() {
        "verified" if is_live(claim) => format!(
            "vérifiée jusqu'au {}",
            french_datetime(claim.expires_at).unwrap_or_default()
        ),
        "verified" => "expirée : demandez-la de nouveau".to_string(),
        "rejected" => "refusée".to_string(),
        _ => "en attente de vérification par un modérateur".to_string(),
    }
}

/// Whether its author may ask again: the claim was refused, or its verification lapsed.
pub fn can_ask_again(claim: &Claim) -> bool {
    claim.status == "rejected" || (claim.status == "verified" && !is_live(claim))
}

/// `POST /organisations/{id}/demande`: ask to act for the organisation.
pub async fn request(
    State(state): State<AppState>,
    visitor: Visitor,
    client: ClientIp,
    Path(id): Path<String>,
    GenuineForm(_form): GenuineForm,
) -> Response {
    let here = format!("/organisations/{id}");
    let Some(user) = &visitor.user else {
        return sign_in_first(&here);
    };
    match file_for(&state, user, client, &id).await {
        Ok(claim) => {
            Redirect::to(&format!("/organisations/{}#agir", claim.organisation)).into_response()
        }
        Err(error) => state.web.refusal(error),
    }
}

/// `POST /organisations/{id}/domaines`: the e-mail domains that vouch for its agents.
pub async fn set_domains(
    State(state): State<AppState>,
    visitor: Visitor,
    client: ClientIp,
    Path(id): Path<String>,
    GenuineForm(form): GenuineForm,
) -> Response {
    let here = format!("/organisations/{id}");
    let user = match moderator(&state, &visitor, &here) {
        Ok(user) => user,
        Err(response) => return *response,
    };
    let domains = form.list("domaines");
    match set_domains_as(&state, user, client, &id, &domains).await {
        Ok(_) => Redirect::to(&format!("{here}#agir")).into_response(),
        Err(error) => state.web.refusal(error),
    }
}

/// `GET /compte`: the account's requests to act for organisations, and its other pages.
pub async fn account(State(state): State<AppState>, visitor: Visitor) -> Response {
    let Some(user) = &visitor.user else {
        return sign_in_first("/compte");
    };
    let claims = match state.store.claims(None, Some(user.id)).await {
        Ok(claims) => claims,
        Err(error) => {
            tracing::error!(%error, "account page");
            return state.web.error(StatusCode::SERVICE_UNAVAILABLE);
        }
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
    state
        .web
        .render_for(&visitor, "account.html", context! { claims })
}
