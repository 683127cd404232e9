//! `/compte/jetons`: a signed-in user's API tokens, created (shown once) and revoked in the
//! browser.

use super::session::RenderFor;
use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;

use super::account::forged;
use super::format::french_datetime;
use super::session::{GenuineForm, PagePath, Visitor};
use crate::model::Scope;
use crate::state::AppState;

const PAGE: &str = "/compte/jetons";

async fn tokens_page(
    state: &AppState,
    visitor: &Visitor,
    new_token: Option<String>,
    errors: BTreeMap<&str, String>,
) -> Response {
    let Some(user) = &visitor.user else {
        return Redirect::to("/connexion?suivant=%2Fcompte%2Fjetons").into_response();
    };
    let tokens = match state.domain.tokens(&visitor.actor(), user).await {
        Ok(tokens) => tokens,
        Err(error) => return state.web.refusal(&error),
    };
    let now = chrono::Utc::now();
    let tokens: Vec<_> = tokens
        .into_iter()
        .map(|t| {
            let (state, live) = match (t.revoked_at, t.expires_at) {
                (Some(_), _) => ("révoqué".to_string(), false),
                (None, Some(at)) if at <= now => ("expiré".to_string(), false),
                (None, Some(at)) => (
                    format!(
                        "valide jusqu'au {}",
                        french_datetime(Some(at)).unwrap_or_default()
                    ),
                    true,
                ),
                (None, None) => ("valide".to_string(), true),
            };
            context! {
                id => t.id, label => t.label, scopes => t.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "), live, state,
                created => french_datetime(Some(t.created_at)).unwrap_or_default(),
                last_used => french_datetime(t.last_used_at).unwrap_or_else(|| "jamais".into()),
            }
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut response = state.web.render_for(
        visitor,
        "tokens.html",
        context! { tokens, new_token, errors => Serde(errors) },
    );
    *response.status_mut() = status;
    response
}

pub async fn page(State(state): State<AppState>, visitor: Visitor) -> Response {
    tokens_page(&state, &visitor, None, BTreeMap::new()).await
}

pub async fn create(
    State(state): State<AppState>,
    visitor: Visitor,
    GenuineForm(form): GenuineForm,
) -> Response {
    let Some(user) = visitor.user.clone() else {
        return Redirect::to("/connexion?suivant=%2Fcompte%2Fjetons").into_response();
    };
    let label = form.text("label").unwrap_or_default();
    let mut errors = BTreeMap::new();
    if label.is_empty() || label.chars().count() > 100 {
        errors.insert(
            "label",
            "Donnez au jeton un nom de 1 à 100 caractères.".to_string(),
        );
    }
    let days = match form.text("expires_in_days").map(|d| d.parse::<u32>()) {
        None => None,
        Some(Ok(days)) if (1..=3650).contains(&days) => Some(days),
        Some(_) => {
            errors.insert(
                "expires_in_days",
                "Indiquez un nombre de jours entre 1 et 3650, ou rien.".to_string(),
            );
            None
        }
    };
    let chosen = form.all("scopes");
    if chosen.is_empty() {
        errors.insert("scopes", "Choisissez au moins un droit.".to_string());
    }
    // The form offers the two write scopes only: anything else was not sent by its page.
    let Some(scopes) = chosen
        .iter()
        .map(|s| Scope::parse(s).filter(|scope| Scope::DEFAULT.contains(scope)))
        .collect::<Option<Vec<_>>>()
    else {
        return forged(&state);
    };
    if !errors.is_empty() {
        return tokens_page(&state, &visitor, None, errors).await;
    }
    match state
        .domain
        .create_token(&visitor.actor(), &user, &label, days, &scopes)
        .await
    {
        Ok(issued) => tokens_page(&state, &visitor, Some(issued.token), errors).await,
        Err(error) => state.web.refusal(&error),
    }
}

pub async fn revoke(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(id): PagePath<i64>,
    GenuineForm(_form): GenuineForm,
) -> Response {
    let Some(user) = &visitor.user else {
        return Redirect::to("/connexion?suivant=%2Fcompte%2Fjetons").into_response();
    };
    // Someone else's token, or one already dead: nothing to do, nothing to tell.
    match state.domain.revoke_token(&visitor.actor(), user, id).await {
        Ok(_) => Redirect::to(PAGE).into_response(),
        Err(error) => state.web.refusal(&error),
    }
}
