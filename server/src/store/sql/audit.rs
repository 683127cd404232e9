//! The audit log of every write: the SQL behind [`AuditStore`], compiled once per engine.

use super::dialect::Engine;
use crate::store::prelude::*;

#[async_trait::async_trait]
impl AuditStore for Engine {
    async fn audit(
        &self,
        user_id: Option<i64>,
        entry: &crate::model::AuditEntry,
    ) -> crate::store::StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_log (at, user_id, actor, ip, action, target, details) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(entry.at)
        .bind(user_id)
        .bind(&entry.actor)
        .bind(&entry.ip)
        .bind(&entry.action)
        .bind(&entry.target)
        .bind(entry.details.as_ref().map(|d| d.to_string()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

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
            .map(
                |(at, actor, ip, action, target, details)| crate::model::AuditEntry {
                    at,
                    actor,
                    ip,
                    action,
                    target,
                    details: details.and_then(|d| serde_json::from_str(&d).ok()),
                },
            )
            .collect();
        Ok(crate::model::Page { items, total })
    }
}
