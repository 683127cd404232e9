//! Signing in, signing up and signing out, with forms that work without JavaScript.

use super::session::RenderFor;
use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;

use super::session::{GenuineForm, SESSION_COOKIE, Visitor, cookie, local_path, set_cookie};
use crate::auth::token_digest;
use crate::domain::AppError;
use crate::domain::accounts::{NewAccount, SESSION_DAYS};
use crate::state::AppState;
use crate::views::capitalised;

const TOO_MANY: &str = "Trop de tentatives : attendez quelques minutes avant de réessayer.";

/// Refusal of a form that did not come from civiforge's own page.
pub fn forged(state: &AppState) -> Response {
    let mut response = state.web.error(StatusCode::FORBIDDEN);
    *response.status_mut() = StatusCode::FORBIDDEN;
    response
}

/// Sends the visitor on to `next` with the session cookie of a session just opened.
fn signed_in(token: &str, next: &str) -> Response {
    let mut response = Redirect::to(next).into_response();
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(SESSION_COOKIE, token, SESSION_DAYS * 86_400, "Lax"),
    );
    response
}

/// The digest of the session the browser holds, if any.
fn current_session(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE).map(|token| token_digest(&token))
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
    headers: HeaderMap,
    GenuineForm(form): GenuineForm,
) -> Response {
    let email = form.text("email").unwrap_or_default().to_lowercase();
    let password = form.get("password").unwrap_or_default();
    let next = local_path(form.get("suivant"));
    let replaced = current_session(&headers);
    let outcome = state
        .domain
        .sign_in(&visitor.actor(), &email, password, replaced.as_deref())
        .await;
    let (status, message) = match outcome {
        Ok(session) => return signed_in(&session.token, &next),
        Err(AppError::TooManyAttempts) => (StatusCode::TOO_MANY_REQUESTS, TOO_MANY),
        Err(AppError::Unauthorised { .. }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "Adresse e-mail ou mot de passe incorrect.",
        ),
        Err(error) => return state.web.refusal(&error),
    };
    let errors = BTreeMap::from([("email", message)]);
    let page = context! { next, email, errors => Serde(errors), ..visitor.context() };
    let mut response = state.web.render("signin.html", page);
    *response.status_mut() = status;
    visitor.finish(response)
}

pub async fn signup_page(State(state): State<AppState>, visitor: Visitor) -> Response {
    let errors: BTreeMap<&str, &str> = BTreeMap::new();
    let page = context! { name => "", email => "", errors => Serde(errors), ..visitor.context() };
    visitor.finish(state.web.render("signup.html", page))
}

pub async fn signup(
    State(state): State<AppState>,
    visitor: Visitor,
    GenuineForm(form): GenuineForm,
) -> Response {
    let name = form.text("name").unwrap_or_default();
    let email = form.text("email").unwrap_or_default();
    let account = NewAccount {
        email: email.clone(),
        name: name.clone(),
        password: form.get("password").unwrap_or_default().to_string(),
        is_admin: false,
        is_moderator: false,
    };
    let actor = visitor.actor();
    let refusal = match state.domain.create_account(&actor, account).await {
        Ok(user) => match state.domain.open_session(&user, None, None).await {
            Ok(token) => return signed_in(&token, "/"),
            Err(error) => return state.web.refusal(&error),
        },
        Err(error) => error,
    };
    let (status, field) = match &refusal {
        AppError::TooManyAttempts => (StatusCode::TOO_MANY_REQUESTS, "email"),
        AppError::Conflict(_) => (StatusCode::UNPROCESSABLE_ENTITY, "email"),
        AppError::Invalid(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            refusal.field().unwrap_or("email"),
        ),
        _ => return state.web.refusal(&refusal),
    };
    let message = match (&refusal, status) {
        (_, StatusCode::TOO_MANY_REQUESTS) => TOO_MANY.to_string(),
        (AppError::Invalid(fields), _) => fields
            .first()
            .map(|f| format!("{}.", capitalised(&f.message)))
            .unwrap_or_default(),
        (other, _) => format!("{}.", capitalised(&other.to_string())),
    };
    let errors = BTreeMap::from([(field, message)]);
    let page = context! { name, email, errors => Serde(errors), ..visitor.context() };
    let mut response = state.web.render("signup.html", page);
    *response.status_mut() = status;
    visitor.finish(response)
}

/// Ends the session; like every form, only from civiforge's own page (a cross-site post
/// must not sign anyone out).
pub async fn signout(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    _form: GenuineForm,
) -> Response {
    if let Some(session) = current_session(&headers)
        && let Err(error) = state.domain.sign_out(&visitor.actor(), &session).await
    {
        tracing::warn!(%error, "sign-out");
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
    password_page_with(state, visitor, errors, done, status)
}

fn password_page_with(
    state: &AppState,
    visitor: &Visitor,
    errors: BTreeMap<&str, String>,
    done: bool,
    status: StatusCode,
) -> Response {
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
    headers: HeaderMap,
    GenuineForm(form): GenuineForm,
) -> Response {
    if visitor.user.is_none() {
        return Redirect::to("/connexion?suivant=%2Fcompte%2Fmot-de-passe").into_response();
    }
    let current = current_session(&headers);
    let outcome = state
        .domain
        .change_password(
            &visitor.actor(),
            form.get("current_password").unwrap_or_default(),
            form.get("new_password").unwrap_or_default(),
            current.as_deref(),
        )
        .await;
    match outcome {
        Ok(()) => password_page(&state, &visitor, BTreeMap::new(), true).await,
        Err(AppError::Invalid(fields)) => {
            let errors = fields
                .into_iter()
                .map(|f| (f.field, format!("{}.", capitalised(&f.message))))
                .collect();
            password_page(&state, &visitor, errors, false).await
        }
        Err(AppError::TooManyAttempts) => {
            let errors = BTreeMap::from([("current_password", TOO_MANY.to_string())]);
            password_page_with(
                &state,
                &visitor,
                errors,
                false,
                StatusCode::TOO_MANY_REQUESTS,
            )
        }
        Err(error) => state.web.refusal(&error),
    }
}
