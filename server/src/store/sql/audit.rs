//! The audit log of every write: the SQL behind [`AuditStore`], compiled once per engine.

use super::dialect::{Db, Engine};
use crate::model::Audit;
use crate::store::prelude::*;

/// Appends a write's entry to the audit log inside the write's own transaction: the change
/// and its entry are committed together or not at all.
pub(super) async fn append(
    tx: &mut sqlx::Transaction<'_, Db>,
    audit: &Audit,
) -> crate::store::StoreResult<()> {
    let entry = &audit.entry;
    sqlx::query(
        "INSERT INTO audit_log (at, user_id, actor, ip, action, target, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(entry.at)
    .bind(audit.user_id)
    .bind(&entry.actor)
    .bind(&entry.ip)
    .bind(entry.action.as_str())
    .bind(&entry.target)
    .bind(entry.details.as_ref().map(|d| d.to_string()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl AuditStore for Engine {
    async fn audit_log(
        &self,
        window: crate::model::Window,
    ) -> crate::store::StoreResult<crate::model::Page<crate::model::AuditEntry>> {
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(&self.pool)
            .await?;
        type Row = (
            chrono::DateTime<chrono::Utc>,
            String,
            Option<String>,
            String,
            String,
            Option<String>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT at, actor, ip, action, target, details FROM audit_log \
             ORDER BY id DESC LIMIT $1 OFFSET $2",
        )
        .bind(window.limit)
        .bind(window.offset)
        .fetch_all(&self.pool)
        .await?;
        let items = rows
            .into_iter()
            // Only `AuditAction` texts are ever written; a row of a newer version's action is
            // left out rather than misnamed.
            .filter_map(|(at, actor, ip, action, target, details)| {
                Some(crate::model::AuditEntry {
                    at,
                    actor,
                    ip,
                    action: crate::model::AuditAction::parse(&action)?,
                    target,
                    details: details.and_then(|d| serde_json::from_str(&d).ok()),
                })
            })
            .collect();
        Ok(crate::model::Page { items, total })
    }
}
