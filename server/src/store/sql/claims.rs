//! Claims to act for an organisation and the agents they make: the SQL behind [`ClaimStore`],
//! compiled once per engine.

use super::dialect::{BEGIN_WRITE, Engine};
use crate::model::{ClaimMethod, ClaimStatus};
use crate::store::prelude::*;

#[async_trait::async_trait]
impl ClaimStore for Engine {
    async fn file_claim(
        &self,
        user_id: i64,
        organisation_id: &str,
        verified_until: Option<chrono::DateTime<chrono::Utc>>,
        audit: &crate::model::Audit,
    ) -> crate::store::StoreResult<crate::model::Claim> {
        let now = chrono::Utc::now();
        let (status, method) = if verified_until.is_some() {
            (ClaimStatus::Verified, Some(ClaimMethod::EmailDomain))
        } else {
            (ClaimStatus::Pending, None)
        };
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO claims (user_id, organisation_id, status, method, created_at, decided_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, CASE WHEN $4 IS NULL THEN NULL ELSE $5 END, $6) \
             ON CONFLICT (user_id, organisation_id) DO UPDATE SET status = excluded.status, \
             method = excluded.method, created_at = excluded.created_at, \
             decided_at = excluded.decided_at, decided_by = NULL, expires_at = excluded.expires_at \
             RETURNING id",
        )
        .bind(user_id)
        .bind(organisation_id)
        .bind(status.as_str())
        .bind(method.map(ClaimMethod::as_str))
        .bind(now)
        .bind(verified_until)
        .fetch_one(&mut *tx)
        .await?;
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        self.claim(id)
            .await?
            .ok_or(crate::store::StoreError::NotFound(
                crate::model::Entity::Claim,
            ))
    }

    async fn claim(&self, id: i64) -> crate::store::StoreResult<Option<crate::model::Claim>> {
        Ok(self.claims_where(Some(id), None, None).await?.pop())
    }

    async fn claims(
        &self,
        status: Option<ClaimStatus>,
        user_id: Option<i64>,
    ) -> crate::store::StoreResult<Vec<crate::model::Claim>> {
        self.claims_where(None, status, user_id).await
    }

    async fn decide_claim(
        &self,
        id: i64,
        verified: bool,
        moderator_id: i64,
        expires_at: chrono::DateTime<chrono::Utc>,
        audit: &crate::model::Audit,
    ) -> crate::store::StoreResult<crate::model::Claim> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let done = sqlx::query(
            "UPDATE claims SET status = $1, method = $2, decided_at = $3, decided_by = $4, expires_at = $5 \
             WHERE id = $6",
        )
        .bind(if verified {
            ClaimStatus::Verified.as_str()
        } else {
            ClaimStatus::Rejected.as_str()
        })
        .bind(verified.then_some(ClaimMethod::Moderator.as_str()))
        .bind(chrono::Utc::now())
        .bind(moderator_id)
        .bind(verified.then_some(expires_at))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(crate::store::StoreError::NotFound(
                crate::model::Entity::Claim,
            ));
        }
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        self.claim(id)
            .await?
            .ok_or(crate::store::StoreError::NotFound(
                crate::model::Entity::Claim,
            ))
    }

    async fn is_agent(
        &self,
        user_id: i64,
        organisation_id: &str,
    ) -> crate::store::StoreResult<bool> {
        let Some(organisation) = self.organisation(organisation_id).await? else {
            return Ok(false);
        };
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM claims WHERE user_id = $1 AND organisation_id = $2 \
             AND status = 'verified' AND (expires_at IS NULL OR expires_at > $3)",
        )
        .bind(user_id)
        .bind(&organisation.id)
        .bind(chrono::Utc::now())
        .fetch_one(&self.pool)
        .await?;
        Ok(count > 0)
    }
}

impl Engine {
    pub(super) async fn claims_where(
        &self,
        id: Option<i64>,
        status: Option<ClaimStatus>,
        user_id: Option<i64>,
    ) -> crate::store::StoreResult<Vec<crate::model::Claim>> {
        type Row = (
            i64,
            String,
            String,
            String,
            String,
            Option<String>,
            chrono::DateTime<chrono::Utc>,
            Option<chrono::DateTime<chrono::Utc>>,
            Option<chrono::DateTime<chrono::Utc>>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT c.id, u.email, o.id, o.name, c.status, c.method, c.created_at, c.decided_at, \
             c.expires_at \
             FROM claims c JOIN users u ON u.id = c.user_id JOIN organisations o ON o.id = c.organisation_id \
             WHERE ($1 IS NULL OR c.id = $1) AND ($2 IS NULL OR c.status = $2) \
               AND ($3 IS NULL OR c.user_id = $3) ORDER BY c.id",
        )
        .bind(id)
        .bind(status.map(ClaimStatus::as_str))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            // Only `ClaimStatus` texts are ever written.
            .filter_map(
                |(
                    id,
                    user,
                    organisation,
                    organisation_name,
                    status,
                    method,
                    created_at,
                    decided_at,
                    expires_at,
                )| {
                    Some(crate::model::Claim {
                        id,
                        user,
                        organisation,
                        organisation_name,
                        status: ClaimStatus::parse(&status)?,
                        method: method.as_deref().and_then(ClaimMethod::parse),
                        created_at,
                        decided_at,
                        expires_at,
                    })
                },
            )
            .collect())
    }
}
