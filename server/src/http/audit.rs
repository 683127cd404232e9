//! The audit log: every write recorded with who, what, when and from where; readable (and so
//! exported as JSON) by moderators and administrators only.

use axum::Json;
use axum::extract::State;
use axum::routing::get;

use super::client::ClientIp;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{ApiQuery, Authenticated};
use super::{AppState, Pagination};
use crate::model::{AuditEntry, Page, User};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/audit", get(list))
}

/// Records a write; a failure to record is logged, never hidden from operators.
pub async fn record(
    state: &AppState,
    user: Option<&User>,
    actor: Option<&str>,
    ip: ClientIp,
    action: &str,
    target: &str,
    details: Option<serde_json::Value>,
) {
    let entry = AuditEntry {
        at: chrono::Utc::now(),
        actor: actor
            .map(str::to_string)
            .or_else(|| user.map(|u| u.email.clone()))
            .unwrap_or_else(|| "anonyme".into()),
        ip: ip.0.map(|ip| ip.to_string()),
        action: action.to_string(),
        target: target.to_string(),
        details,
    };
    if let Err(error) = state.store.audit(user.map(|u| u.id), &entry).await {
        tracing::error!(%error, action, target, "audit log write failed");
    }
}

/// The audit log, newest first (moderators and administrators).
#[utoipa::path(get, path = "/api/v1/audit", tag = "modération", params(Pagination), security(("jeton" = [])),
    responses((status = 200, body = Page<AuditEntry>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiQuery(page): ApiQuery<Pagination>,
) -> ApiResult<Json<Page<AuditEntry>>> {
    let user = &auth.0.user;
    if !(user.is_admin || user.is_moderator) {
        return Err(ApiError::forbidden(
            "le journal des modifications est réservé aux modérateurs",
        ));
    }
    Ok(Json(state.store.audit_log(page.window()).await?))
}
