//! What a project's maintainers do from its page: keep the list of organisations known to use
//! it (the publiccode.yml `usedBy` part follows the repository). The rules are the API's
//! ([`crate::http::known_users::replace_as`]).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::session::{GenuineForm, Visitor, sign_in_first};
use crate::http::AppState;
use crate::http::client::ClientIp;
use crate::http::known_users::replace_as;

/// `POST /projets/{slug}/utilisateurs-connus`: organisation ids separated by spaces, commas
/// or lines.
pub async fn set_known_users(
    State(state): State<AppState>,
    visitor: Visitor,
    client: ClientIp,
    Path(slug): Path<String>,
    GenuineForm(form): GenuineForm,
) -> Response {
    let here = format!("/projets/{slug}");
    let Some(user) = &visitor.user else {
        return sign_in_first(&here);
    };
    let organisations = form.list("organisations");
    match replace_as(&state, user, client, &slug, &organisations).await {
        Ok(()) => Redirect::to(&format!("{here}#titre-adoptions")).into_response(),
        Err(error) => state.web.refusal(error),
    }
}
