//! Single-use e-mail links and the outbox: the SQL behind [`MailStore`], compiled once per
//! engine.

use chrono::{DateTime, Utc};

use super::dialect::{BEGIN_WRITE, CLAIM_LOCK, Db, Engine};
use crate::model::{Audit, EmailPurpose, OutgoingMail, QueuedMail, UsedEmailToken, User};
use crate::store::prelude::*;
use crate::store::{Conflict, StoreError, StoreResult};

/// Takes due messages for one attempt, locked as the engine requires.
static CLAIM_MAIL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $2 \
         WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL AND attempts < $3 \
         AND next_attempt_at <= $1 ORDER BY id LIMIT $4{CLAIM_LOCK}) \
         RETURNING id, attempts, created_at, recipient, subject, text_body, html_body"
    )
});

type MailRow = (i64, i64, DateTime<Utc>, String, String, String, String);

#[async_trait::async_trait]
impl MailStore for Engine {
    async fn create_email_token(
        &self,
        user_id: i64,
        purpose: EmailPurpose,
        token_hash: &str,
        email: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO email_tokens (user_id, purpose, token_hash, email, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(token_hash)
        .bind(email)
        .bind(Utc::now())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn confirm_email(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        audit: &Audit,
    ) -> StoreResult<Option<UsedEmailToken>> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let Some(used) = use_token(&mut tx, token_hash, EmailPurpose::ConfirmEmail, now).await?
        else {
            return Ok(None);
        };
        sqlx::query("UPDATE users SET email = $1, email_confirmed_at = $2 WHERE id = $3")
            .bind(&used.email)
            .bind(now)
            .bind(used.user_id)
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                if crate::store::is_unique_violation(&e) {
                    StoreError::Conflict(Conflict::Email)
                } else {
                    e.into()
                }
            })?;
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Some(used))
    }

    async fn reset_password(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: DateTime<Utc>,
        audit: &Audit,
    ) -> StoreResult<Option<UsedEmailToken>> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let Some(used) = use_token(&mut tx, token_hash, EmailPurpose::ResetPassword, now).await?
        else {
            return Ok(None);
        };
        // Following the link proves the address too.
        sqlx::query(
            "UPDATE users SET password_hash = $1, \
             email_confirmed_at = COALESCE(email_confirmed_at, $2) WHERE id = $3",
        )
        .bind(password_hash)
        .bind(now)
        .bind(used.user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(used.user_id)
            .execute(&mut *tx)
            .await?;
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Some(used))
    }

    async fn email_token_user(
        &self,
        token_hash: &str,
        purpose: EmailPurpose,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<User>> {
        let row: Option<crate::store::rows::UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            crate::store::rows::user_columns!(),
            " FROM email_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.purpose = $2 AND t.used_at IS NULL \
             AND t.expires_at > $3"
        ))
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Into::into))
    }

    async fn enqueue_mail(&self, mail: &OutgoingMail, now: DateTime<Utc>) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO outbox (recipient, subject, text_body, html_body, created_at, \
             next_attempt_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(&mail.recipient)
        .bind(&mail.subject)
        .bind(&mail.text_body)
        .bind(&mail.html_body)
        .bind(now)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn claim_mail(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        max_attempts: i64,
        limit: i64,
    ) -> StoreResult<Vec<QueuedMail>> {
        let rows: Vec<MailRow> = sqlx::query_as(CLAIM_MAIL.as_str())
            .bind(now)
            .bind(lease_until)
            .bind(max_attempts)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, attempts, created_at, recipient, subject, text_body, html_body)| QueuedMail {
                    id,
                    attempts,
                    created_at,
                    mail: OutgoingMail {
                        recipient,
                        subject,
                        text_body,
                        html_body,
                    },
                },
            )
            .collect())
    }

    async fn mail_sent(&self, id: i64, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE outbox SET sent_at = $1, last_error = NULL WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn mail_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE outbox SET last_error = $1, next_attempt_at = $2 WHERE id = $3")
            .bind(error)
            .bind(next_attempt_at)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// Marks a link used when it is valid for `purpose`; what it was for, or None.
async fn use_token(
    tx: &mut sqlx::Transaction<'_, Db>,
    token_hash: &str,
    purpose: EmailPurpose,
    now: DateTime<Utc>,
) -> StoreResult<Option<UsedEmailToken>> {
    let used: Option<(i64, String)> = sqlx::query_as(
        "UPDATE email_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 \
         AND used_at IS NULL AND expires_at > $1 RETURNING user_id, email",
    )
    .bind(now)
    .bind(token_hash)
    .bind(purpose.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(used.map(|(user_id, email)| UsedEmailToken { user_id, email }))
}
