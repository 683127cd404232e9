//! The pages behind the links civiforge sends by e-mail: confirming an address, asking for a
//! new one, resending the link, and resetting a forgotten password. A link opens a page with
//! a button (never a change on GET: mail scanners open links before people do).

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};

use super::session::{GenuineForm, RenderFor, Visitor, sign_in_first};
use crate::domain::AppError;
use crate::state::AppState;
use crate::views::capitalised;

const TEMPLATE: &str = "email_link.html";

fn token_of(query: &BTreeMap<String, String>) -> String {
    query.get("jeton").cloned().unwrap_or_default()
}

/// A page of the template with `status`.
fn page(state: &AppState, visitor: &Visitor, status: StatusCode, page: Value) -> Response {
    let mut response = state.web.render_for(visitor, TEMPLATE, page);
    *response.status_mut() = status;
    response
}

/// The form again with the refusal beside its field, or the refusal page.
fn refused(state: &AppState, visitor: &Visitor, error: AppError, form: Value) -> Response {
    match error.field() {
        Some(field) if field != "jeton" => {
            let message = match &error {
                AppError::Invalid(fields) => fields
                    .first()
                    .map(|f| f.message.clone())
                    .unwrap_or_default(),
                other => other.to_string(),
            };
            let errors = BTreeMap::from([(field, format!("{}.", capitalised(&message)))]);
            page(
                state,
                visitor,
                StatusCode::UNPROCESSABLE_ENTITY,
                context! { errors => Serde(errors), ..form },
            )
        }
        _ => state.web.refusal(&error),
    }
}

/// `GET /confirmer-adresse?jeton=…`: the button that confirms.
pub async fn confirm_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let form = context! {
        heading => "Confirmer mon adresse e-mail",
        message => "Confirmez que cette adresse est la vôtre : elle pourra alors vous permettre d'agir au nom de votre organisation.",
        action => "/confirmer-adresse", token => token_of(&query), button => "Confirmer mon adresse",
        errors => Serde(BTreeMap::<&str, &str>::new()),
    };
    page(&state, &visitor, StatusCode::OK, form)
}

/// `POST /confirmer-adresse`: the address is proven.
pub async fn confirm(
    State(state): State<AppState>,
    visitor: Visitor,
    GenuineForm(form): GenuineForm,
) -> Response {
    let token = form.get("jeton").unwrap_or_default();
    match state.domain.confirm_email(&visitor.actor(), token).await {
        Ok(user) => page(
            &state,
            &visitor,
            StatusCode::OK,
            context! {
                heading => "Adresse confirmée",
                notice => format!("L'adresse {} est confirmée.", user.email),
                back_href => "/compte", back_label => "Mon compte",
            },
        ),
        Err(error) => state.web.refusal(&error),
    }
}

/// `POST /compte/confirmation`: a new link for the account's unproven address.
pub async fn resend(
    State(state): State<AppState>,
    visitor: Visitor,
    GenuineForm(_form): GenuineForm,
) -> Response {
    if visitor.user.is_none() {
        return sign_in_first("/compte");
    }
    match state.domain.resend_confirmation(&visitor.actor()).await {
        Ok(()) => Redirect::to("/compte?envoye=confirmation").into_response(),
        Err(error) => state.web.refusal(&error),
    }
}

fn change_form(value: &str) -> Value {
    context! {
        heading => "Changer mon adresse e-mail",
        message => "Nous enverrons un lien à la nouvelle adresse : elle remplacera l'actuelle quand vous l'aurez ouvert.",
        action => "/compte/adresse", field => "email", field_label => "Nouvelle adresse e-mail",
        value, button => "Envoyer le lien", back_href => "/compte", back_label => "Mon compte",
        errors => Serde(BTreeMap::<&str, &str>::new()),
    }
}

/// `GET /compte/adresse`
pub async fn change_page(State(state): State<AppState>, visitor: Visitor) -> Response {
    if visitor.user.is_none() {
        return sign_in_first("/compte/adresse");
    }
    page(&state, &visitor, StatusCode::OK, change_form(""))
}

/// `POST /compte/adresse`: a link goes to the new address.
pub async fn change(
    State(state): State<AppState>,
    visitor: Visitor,
    GenuineForm(form): GenuineForm,
) -> Response {
    if visitor.user.is_none() {
        return sign_in_first("/compte/adresse");
    }
    let typed = form.text("email").unwrap_or_default();
    match state.domain.change_email(&visitor.actor(), &typed).await {
        Ok(email) => page(
            &state,
            &visitor,
            StatusCode::OK,
            context! {
                heading => "Changer mon adresse e-mail",
                notice => format!("Un lien vient d'être envoyé à {email} : ouvrez-le pour que cette adresse devienne la vôtre."),
                back_href => "/compte", back_label => "Mon compte",
            },
        ),
        Err(AppError::Conflict(conflict)) => refused(
            &state,
            &visitor,
            AppError::invalid("email", conflict.to_string()),
            change_form(&typed),
        ),
        Err(error) => refused(&state, &visitor, error, change_form(&typed)),
    }
}

fn forgot_form(value: &str) -> Value {
    context! {
        heading => "Mot de passe oublié",
        message => "Indiquez l'adresse de votre compte : nous y enverrons un lien pour choisir un nouveau mot de passe.",
        action => "/mot-de-passe-oublie", field => "email", field_label => "Adresse e-mail",
        value, button => "Envoyer le lien", back_href => "/connexion", back_label => "Se connecter",
        errors => Serde(BTreeMap::<&str, &str>::new()),
    }
}

/// `GET /mot-de-passe-oublie`
pub async fn forgot_page(State(state): State<AppState>, visitor: Visitor) -> Response {
    page(&state, &visitor, StatusCode::OK, forgot_form(""))
}

/// `POST /mot-de-passe-oublie`: the same answer whether the address has an account or not.
pub async fn forgot(
    State(state): State<AppState>,
    visitor: Visitor,
    GenuineForm(form): GenuineForm,
) -> Response {
    let email = form.text("email").unwrap_or_default();
    match state
        .domain
        .request_password_reset(&visitor.actor(), &email)
        .await
    {
        Ok(()) => page(
            &state,
            &visitor,
            StatusCode::OK,
            context! {
                heading => "Mot de passe oublié",
                notice => "Si un compte existe pour cette adresse, un lien vient d'y être envoyé. Il est valable une heure.",
                back_href => "/connexion", back_label => "Se connecter",
            },
        ),
        Err(AppError::TooManyAttempts) => {
            let errors = BTreeMap::from([(
                "email",
                "Trop de demandes : attendez une heure avant de réessayer.",
            )]);
            page(
                &state,
                &visitor,
                StatusCode::TOO_MANY_REQUESTS,
                context! { errors => Serde(errors), ..forgot_form(&email) },
            )
        }
        Err(error) => state.web.refusal(&error),
    }
}

fn reset_form(token: &str) -> Value {
    context! {
        heading => "Choisir un nouveau mot de passe",
        action => "/reinitialiser-mot-de-passe", token, field => "password",
        field_label => "Nouveau mot de passe", button => "Enregistrer le mot de passe",
        errors => Serde(BTreeMap::<&str, &str>::new()),
    }
}

/// `GET /reinitialiser-mot-de-passe?jeton=…`
pub async fn reset_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let token = token_of(&query);
    match state.domain.reset_link_works(&token).await {
        Ok(true) => page(&state, &visitor, StatusCode::OK, reset_form(&token)),
        Ok(false) => state.web.notice(
            StatusCode::NOT_FOUND,
            "Lien expiré",
            "Ce lien n'est pas ou plus valable : il a déjà servi, ou il a expiré. Demandez-en un nouveau depuis « Mot de passe oublié ».",
        ),
        Err(error) => state.web.refusal(&error),
    }
}

/// `POST /reinitialiser-mot-de-passe`: the new password; every session of the account ends.
pub async fn reset(
    State(state): State<AppState>,
    visitor: Visitor,
    GenuineForm(form): GenuineForm,
) -> Response {
    let token = form.get("jeton").unwrap_or_default().to_string();
    let password = form.get("password").unwrap_or_default();
    match state
        .domain
        .reset_password(&visitor.actor(), &token, password)
        .await
    {
        Ok(()) => page(
            &state,
            &visitor,
            StatusCode::OK,
            context! {
                heading => "Mot de passe changé",
                notice => "Votre mot de passe est changé et vos sessions ouvertes sont fermées.",
                back_href => "/connexion", back_label => "Se connecter",
            },
        ),
        Err(error) => refused(&state, &visitor, error, reset_form(&token)),
    }
}
