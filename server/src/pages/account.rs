//! Signing in, signing up and signing out, with forms that work without JavaScript.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;

use super::session::{
    GenuineForm, SESSION_COOKIE, SESSION_DAYS, Visitor, cookie, local_path, set_cookie,
};
use crate::auth::{new_token, token_digest, verify_password_off_executor};
use crate::http::AppState;
use crate::http::client::ClientIp;
use crate::store::{Conflict, StoreError};

/// Failed sign-ins tolerated per address, and per account, in [`WINDOW_MINUTES`].
const MAX_FAILURES_PER_IP: i64 = 20;
const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
const WINDOW_MINUTES: i64 = 15;
/// Sign-ups tolerated per address per hour.
const MAX_SIGNUPS_PER_IP: i64 = 5;
const TOO_MANY: &str = "Trop de tentatives : attendez quelques minutes avant de réessayer.";

/// Whether any of these keys went over its limit since `minutes` ago.
async fn over_limit(state: &AppState, limits: &[(&str, i64)], minutes: i64) -> bool {
    let since = chrono::Utc::now() - chrono::Duration::minutes(minutes);
    for (key, max) in limits {
        // A database error does not lock people out; it is logged by the store's caller.
        if state.store.count_attempts(key, since).await.unwrap_or(0) >= *max {
            return true;
        }
    }
    false
}

/// Refusal of a form that did not come from civiforge's own page.
pub fn forged(state: &AppState) -> Response {
    let mut response = state.web.error(StatusCode::FORBIDDEN);
    *response.status_mut() = StatusCode::FORBIDDEN;
    response
}

/// Opens a new session (a new token every time: no fixation) and goes to `next`.
async fn sign_in_as(state: &AppState, headers: &HeaderMap, user_id: i64, next: &str) -> Response {
    if let Some(old) = cookie(headers, SESSION_COOKIE) {
        let _ = state.store.delete_session(&token_digest(&old)).await;
    }
    let Ok(token) = new_token() else {
        return state.web.error(StatusCode::INTERNAL_SERVER_ERROR);
    };
    let expires = chrono::Utc::now() + chrono::Duration::days(SESSION_DAYS);
    if let Err(error) = state
        .store
        .create_session(&token_digest(&token), user_id, expires)
        .await
    {
        tracing::error!(%error, "cannot open a session");
        return state.web.error(StatusCode::SERVICE_UNAVAILABLE);
    }
    let mut response = Redirect::to(next).into_response();
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(SESSION_COOKIE, &token, SESSION_DAYS * 86_400, "Lax"),
    );
    response
}

pub async fn signin_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let next = local_path(query.get("suivant").map(String::as_str));
    let errors: BTreeMap<&str, &str> = BTreeMap::new();
    let page = context! { next, email => "", errors => Serde(errors), ..visitor.context() };
    visitor.finish(state.web.render("signin.html", page))
}

pub async fn signin(
    State(state): State<AppState>,
    visitor: Visitor,
    client: ClientIp,
    headers: HeaderMap,
    GenuineForm(form): GenuineForm,
) -> Response {
    let email = form.text("email").unwrap_or_default().to_lowercase();
    let password = form.get("password").unwrap_or_default();
    let next = local_path(form.get("suivant"));
    let (ip_key, account_key) = (
        format!("signin-ip:{}", client.key()),
        format!("signin-account:{email}"),
    );
    let limits = [
        (ip_key.as_str(), MAX_FAILURES_PER_IP),
        (account_key.as_str(), MAX_FAILURES_PER_ACCOUNT),
    ];
    if over_limit(&state, &limits, WINDOW_MINUTES).await {
        let errors = BTreeMap::from([("email", TOO_MANY)]);
        let page = context! { next, email, errors => Serde(errors), ..visitor.context() };
        let mut response = state.web.render("signin.html", page);
        *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return visitor.finish(response);
    }
    let user = state.store.user_by_email(&email).await.ok().flatten();
    // A hash is checked even for an unknown address, so that timing tells nothing.
    static DECOY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    let decoy = DECOY
        .get_or_init(|| async {
            crate::auth::hash_password_off_executor("civiforge-decoy-password")
                .await
                .unwrap_or_default()
        })
        .await;
    let stored = user
        .as_ref()
        .map_or(decoy.as_str(), |u| u.password_hash.as_str());
    let valid = verify_password_off_executor(password, stored).await && user.is_some();
    match user {
        Some(user) if valid => {
            crate::http::audit::record(
                &state,
                Some(&user),
                None,
                client,
                "user.signin",
                &user.email,
                None,
            )
            .await;
            sign_in_as(&state, &headers, user.id, &next).await
        }
        _ => {
            let now = chrono::Utc::now();
            for key in [&ip_key, &account_key] {
                if let Err(error) = state.store.record_attempt(key, now).await {
                    tracing::warn!(%error, "cannot record a failed sign-in");
                }
            }
            let errors = BTreeMap::from([("email", "Adresse e-mail ou mot de passe incorrect.")]);
            let page = context! { next, email, errors => Serde(errors), ..visitor.context() };
            let mut response = state.web.render("signin.html", page);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            visitor.finish(response)
        }
    }
}

pub async fn signup_page(State(state): State<AppState>, visitor: Visitor) -> Response {
    let errors: BTreeMap<&str, &str> = BTreeMap::new();
    let page = context! { name => "", email => "", errors => Serde(errors), ..visitor.context() };
    visitor.finish(state.web.render("signup.html", page))
}

pub async fn signup(
    State(state): State<AppState>,
    visitor: Visitor,
    client: ClientIp,
    headers: HeaderMap,
    GenuineForm(form): GenuineForm,
) -> Response {
    let name = form.text("name").unwrap_or_default();
    let email = form.text("email").unwrap_or_default();
    let password = form.get("password").unwrap_or_default();
    let mut errors: BTreeMap<&str, String> = BTreeMap::new();
    let ip_key = format!("signup-ip:{}", client.key());
    if over_limit(&state, &[(ip_key.as_str(), MAX_SIGNUPS_PER_IP)], 60).await {
        errors.insert("email", TOO_MANY.to_string());
        let page = context! { name, email, errors => Serde(errors), ..visitor.context() };
        let mut response = state.web.render("signup.html", page);
        *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return visitor.finish(response);
    }
    if let Err(error) = state
        .store
        .record_attempt(&ip_key, chrono::Utc::now())
        .await
    {
        tracing::warn!(%error, "cannot record a sign-up");
    }
    if name.is_empty() {
        errors.insert("name", "Indiquez votre nom.".into());
    }
    if errors.is_empty() {
        match crate::cli::create_user(state.store.as_ref(), &email, &name, password, false).await {
            Ok(user) => {
                crate::http::audit::record(
                    &state,
                    Some(&user),
                    None,
                    client,
                    "user.signup",
                    &user.email,
                    None,
                )
                .await;
                return sign_in_as(&state, &headers, user.id, "/").await;
            }
            Err(error) => {
                let message = format!("{error:#}");
                let field = match error.downcast_ref::<StoreError>() {
                    Some(StoreError::Conflict(Conflict::Email)) => "email",
                    _ if message.contains("mot de passe") => "password",
                    _ if message.contains("nom") => "name",
                    _ => "email",
                };
                let mut message = message;
                if let Some(first) = message.get(..1) {
                    message = first.to_uppercase() + &message[1..];
                }
                errors.insert(field, format!("{message}."));
            }
        }
    }
    let page = context! { name, email, errors => Serde(errors), ..visitor.context() };
    let mut response = state.web.render("signup.html", page);
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    visitor.finish(response)
}

pub async fn signout(
    State(state): State<AppState>,
    visitor: Visitor,
    client: crate::http::client::ClientIp,
    headers: HeaderMap,
    _body: Bytes,
) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let _ = state.store.delete_session(&token_digest(&token)).await;
        if let Some(user) = &visitor.user {
            crate::http::audit::record(
                &state,
                Some(user),
                None,
                client,
                "user.signout",
                &user.email,
                None,
            )
            .await;
        }
    }
    let mut response = Redirect::to("/").into_response();
    response
        .headers_mut()
        .append(SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0, "Lax"));
    response
}

async fn password_page(
    state: &AppState,
    visitor: &Visitor,
    errors: BTreeMap<&str, String>,
    done: bool,
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut response = state.web.render_for(
        visitor,
        "password.html",
        context! { errors => Serde(errors), done },
    );
    *response.status_mut() = status;
    response
}

pub async fn password_form(State(state): State<AppState>, visitor: Visitor) -> Response {
    if visitor.user.is_none() {
        return Redirect::to("/connexion?suivant=%2Fcompte%2Fmot-de-passe").into_response();
    }
    password_page(&state, &visitor, BTreeMap::new(), false).await
}

/// Changes the password after checking the current one; every other session ends.
pub async fn change_password(
    State(state): State<AppState>,
    visitor: Visitor,
    client: ClientIp,
    headers: HeaderMap,
    GenuineForm(form): GenuineForm,
) -> Response {
    let Some(user) = visitor.user.clone() else {
        return Redirect::to("/connexion?suivant=%2Fcompte%2Fmot-de-passe").into_response();
    };
    let mut errors = BTreeMap::new();
    if !verify_password_off_executor(
        form.get("current_password").unwrap_or_default(),
        &user.password_hash,
    )
    .await
    {
        errors.insert(
            "current_password",
            "Le mot de passe actuel est incorrect.".to_string(),
        );
        return password_page(&state, &visitor, errors, false).await;
    }
    let new_password = form.get("new_password").unwrap_or_default();
    let hash = match crate::auth::hash_password_off_executor(new_password).await {
        Ok(hash) => hash,
        Err(error) => {
            let message = error.to_string();
            let mut chars = message.chars();
            let capitalised: String = chars
                .next()
                .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
                .unwrap_or_default();
            errors.insert("new_password", format!("{capitalised}."));
            return password_page(&state, &visitor, errors, false).await;
        }
    };
    let current = cookie(&headers, SESSION_COOKIE).map(|token| token_digest(&token));
    if let Err(error) = state
        .store
        .set_password(user.id, &hash, current.as_deref())
        .await
    {
        tracing::error!(%error, "password change");
        return state.web.error(StatusCode::SERVICE_UNAVAILABLE);
    }
    crate::http::audit::record(
        &state,
        Some(&user),
        None,
        client,
        "user.password",
        &user.email,
        None,
    )
    .await;
    password_page(&state, &visitor, errors, true).await
}
