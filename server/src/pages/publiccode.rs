//! `/publiccode/valider`: paste a publiccode.yml and read what is wrong with it, line by line,
//! as the indexer would judge it in a repository. Works without JavaScript; nothing is kept.

use axum::extract::State;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;

use super::session::{GenuineForm, RenderFor, Visitor};
use crate::state::AppState;

/// Largest form read: a publiccode.yml of 1 MiB, form-encoded (non-ASCII letters take three
/// times their size).
pub const MAX_FORM_BYTES: usize = 4 * civiforge_indexer::publiccode::MAX_PUBLICCODE_BYTES;

/// `GET /publiccode/valider`
pub async fn form(State(state): State<AppState>, visitor: Visitor) -> Response {
    state.web.render_for(
        &visitor,
        "publiccode.html",
        context! { text => "", checked => false },
    )
}

/// `POST /publiccode/valider`: the same page with the verdict.
pub async fn check(
    State(state): State<AppState>,
    visitor: Visitor,
    GenuineForm(form): GenuineForm,
) -> Response {
    let text = form.get("contenu").unwrap_or_default().to_string();
    let verdict = state
        .domain
        .validate_publiccode(text.clone().into_bytes())
        .await;
    state.web.render_for(
        &visitor,
        "publiccode.html",
        context! { text, checked => true, verdict => Serde(verdict) },
    )
}
