//! What only moderators read: the audit log.

use super::{Actor, AppError, AppResult, Domain};
use crate::model::{AuditEntry, Page, Window};

impl Domain {
    /// The audit log, newest first (moderators and administrators).
    pub async fn audit_log(&self, actor: &Actor, window: Window) -> AppResult<Page<AuditEntry>> {
        if !actor.moderates() {
            actor.user()?;
            return Err(AppError::forbidden(
                "le journal des modifications est réservé aux modérateurs",
            ));
        }
        Ok(self.store.audit_log(window).await?)
    }
}
