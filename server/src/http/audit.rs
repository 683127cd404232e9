//! The audit log: every write recorded with who, what, when and from where; readable (and so
//! exported as JSON) by moderators and administrators only.

use axum::Json;
use axum::extract::State;
use axum::routing::get;

use super::Pagination;
use super::error::{ApiResult, ErrorBody};
use super::extract::{ApiActor, ApiQuery};
use crate::model::{AuditEntry, Page};
use crate::state::AppState;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/audit", get(list))
}

/// The audit log, newest first (moderators and administrators).
#[utoipa::path(get, path = "/api/v1/audit", tag = "modération", params(Pagination), security(("jeton" = [])),
    responses((status = 200, body = Page<AuditEntry>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(page): ApiQuery<Pagination>,
) -> ApiResult<Json<Page<AuditEntry>>> {
    Ok(Json(state.domain.audit_log(&actor, page.window()).await?))
}
