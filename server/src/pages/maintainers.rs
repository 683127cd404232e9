//! What a project's maintainers do from its page: keep the list of organisations known to use
//! it (the publiccode.yml `usedBy` part follows the repository), and move its home to
//! civiforge. The rules are the domain's (`domain::known_users`, `domain::forge`).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::project_page::{RefusedForm, project_page};
use super::session::{GenuineForm, Visitor, sign_in_first};
use crate::state::AppState;
use crate::views::capitalised;

/// `POST /projets/{slug}/utilisateurs-connus`: organisation ids separated by spaces, commas
/// or lines.
pub async fn set_known_users(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(slug): Path<String>,
    GenuineForm(form): GenuineForm,
) -> Response {
    let here = format!("/projets/{slug}");
    if visitor.user.is_none() {
        return sign_in_first(&here);
    }
    let organisations = form.list("organisations");
    match state
        .domain
        .set_known_users(&visitor.actor(), &slug, &organisations)
        .await
    {
        Ok(()) => Redirect::to(&format!("{here}#titre-adoptions")).into_response(),
        Err(error) => match error.field() {
            // The list again, as typed, with the reason beside it.
            Some(field) => {
                let refused = RefusedForm {
                    field,
                    value: form.get("organisations").unwrap_or_default().to_string(),
                    message: format!("{}.", capitalised(&error.to_string())),
                };
                project_page(&state, &visitor, &slug, Some(refused), None).await
            }
            None => state.web.refusal(&error),
        },
    }
}

/// `POST /projets/{slug}/heberger`: the project's home moves to civiforge in one action.
pub async fn move_home(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(slug): Path<String>,
    GenuineForm(_form): GenuineForm,
) -> Response {
    let here = format!("/projets/{slug}");
    if visitor.user.is_none() {
        return sign_in_first(&here);
    }
    match state
        .domain
        .move_home_to_civiforge(&visitor.actor(), &slug)
        .await
    {
        Ok(_) => Redirect::to(&format!("{here}#titre-code")).into_response(),
        Err(error) => state.web.refusal(&error),
    }
}
