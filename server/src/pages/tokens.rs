//! `/compte/jetons`: a signed-in user's API tokens, created (shown once) and revoked in the
//! browser.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;

use super::account::forged;
use super::format::french_datetime;
use super::session::{GenuineForm, PagePath, Visitor};
use crate::http::AppState;

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
    let tokens = match state.store.list_tokens(user.id).await {
        Ok(tokens) => tokens,
        Err(error) => {
            tracing::error!(%error, "tokens page");
            return state.web.error(StatusCode::SERVICE_UNAVAILABLE);
        }
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
                id => t.id, label => t.label, scopes => t.scopes.join(", "), live, state,
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
    client: crate::http::client::ClientIp,
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
    let scopes = form.all("scopes");
    if scopes.is_empty() {
        errors.insert("scopes", "Choisissez au moins un droit.".to_string());
    }
    // Only these two from the web: `admin` tokens are made by an administrator, on the server.
    if scopes
        .iter()
        .any(|s| s != "projects:write" && s != "adoptions:write")
    {
        return forged(&state);
    }
    if !errors.is_empty() {
        return tokens_page(&state, &visitor, None, errors).await;
    }
    match crate::cli::create_token_with_scopes(
        state.store.as_ref(),
        &user.email,
        &label,
        days,
        &scopes,
    )
    .await
    {
        Ok(token) => {
            let details = serde_json::json!({"label": label, "scopes": scopes});
            crate::http::audit::record(
                &state,
                Some(&user),
                None,
                client,
                "token.create",
                &user.email,
                Some(details),
            )
            .await;
            tokens_page(&state, &visitor, Some(token), errors).await
        }
        Err(error) => {
            tracing::error!(error = %format!("{error:#}"), "token creation");
            state.web.error(StatusCode::SERVICE_UNAVAILABLE)
        }
    }
}

pub async fn revoke(
    State(state): State<AppState>,
    visitor: Visitor,
    client: crate::http::client::ClientIp,
    PagePath(id): PagePath<i64>,
    GenuineForm(_form): GenuineForm,
) -> Response {
    let Some(user) = &visitor.user else {
        return Redirect::to("/connexion?suivant=%2Fcompte%2Fjetons").into_response();
    };
    match state.store.revoke_token(user.id, id).await {
        // Someone else's token, or one already dead: nothing to do, nothing to tell.
        Ok(revoked) => {
            if revoked {
                let details = serde_json::json!({"token": id});
                crate::http::audit::record(
                    &state,
                    Some(user),
                    None,
                    client,
                    "token.revoke",
                    &user.email,
                    Some(details),
                )
                .await;
            }
            Redirect::to(PAGE).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "token revocation");
            state.web.error(StatusCode::SERVICE_UNAVAILABLE)
        }
    }
}
