//! Accounts, browser sessions, API tokens and sign-in attempts: the SQL behind
//! [`AccountStore`], compiled once per engine.

use super::dialect::{BEGIN_WRITE, Engine};
use crate::store::prelude::*;

#[async_trait::async_trait]
impl AccountStore for Engine {
    async fn create_user(
        &self,
        user: crate::model::NewUser,
        audit: &crate::model::Audit,
    ) -> crate::store::StoreResult<crate::model::User> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let row: crate::store::rows::UserRow = sqlx::query_as(
            "INSERT INTO users (email, name, password_hash, is_admin, is_moderator, \
             created_at, email_confirmed_at) VALUES ($1, $2, $3, $4, $6, $5, $7) \
             RETURNING id, email, name, password_hash, is_admin, is_moderator, created_at, \
             email_confirmed_at",
        )
        .bind(&user.email)
        .bind(&user.name)
        .bind(&user.password_hash)
        .bind(user.is_admin)
        .bind(chrono::Utc::now())
        .bind(user.is_moderator)
        .bind(user.email_confirmed_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if crate::store::is_unique_violation(&e) {
                crate::store::StoreError::Conflict(crate::store::Conflict::Email)
            } else {
                e.into()
            }
        })?;
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(row.into())
    }

    async fn user_by_email(
        &self,
        email: &str,
    ) -> crate::store::StoreResult<Option<crate::model::User>> {
        let row: Option<crate::store::rows::UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            crate::store::rows::user_columns!(),
            " FROM users u WHERE u.email = $1"
        ))
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Into::into))
    }

    async fn create_token(
        &self,
        user_id: i64,
        token_hash: &str,
        label: &str,
        scopes: &[crate::model::Scope],
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
        audit: &crate::model::Audit,
    ) -> crate::store::StoreResult<i64> {
        let scopes: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, token_hash, label, scopes, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(user_id)
        .bind(token_hash)
        .bind(label)
        .bind(scopes.join(" "))
        .bind(chrono::Utc::now())
        .bind(expires_at)
        .fetch_one(&mut *tx)
        .await?;
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn list_tokens(
        &self,
        user_id: i64,
    ) -> crate::store::StoreResult<Vec<crate::model::ApiToken>> {
        type Row = (
            i64,
            String,
            String,
            chrono::DateTime<chrono::Utc>,
            Option<chrono::DateTime<chrono::Utc>>,
            Option<chrono::DateTime<chrono::Utc>>,
            Option<chrono::DateTime<chrono::Utc>>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, label, scopes, created_at, expires_at, revoked_at, last_used_at \
             FROM api_tokens WHERE user_id = $1 ORDER BY id DESC",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, label, scopes, created_at, expires_at, revoked_at, last_used_at)| {
                    crate::model::ApiToken {
                        id,
                        label,
                        scopes: read_scopes(&scopes),
                        created_at,
                        expires_at,
                        revoked_at,
                        last_used_at,
                    }
                },
            )
            .collect())
    }

    async fn revoke_token(
        &self,
        user_id: i64,
        token_id: i64,
        audit: &crate::model::Audit,
    ) -> crate::store::StoreResult<bool> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(chrono::Utc::now())
        .bind(token_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn token_owner(
        &self,
        token_hash: &str,
    ) -> crate::store::StoreResult<Option<crate::store::TokenOwner>> {
        let now = chrono::Utc::now();
        let found: Option<(i64, String)> = sqlx::query_as(
            "SELECT user_id, scopes FROM api_tokens WHERE token_hash = $1 \
             AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some((user_id, scopes)) = found else {
            return Ok(None);
        };
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        let user: crate::store::rows::UserRow = sqlx::query_as(concat!(
            "SELECT ",
            crate::store::rows::user_columns!(),
            " FROM users u WHERE u.id = $1"
        ))
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(Some(crate::store::TokenOwner {
            user: user.into(),
            scopes: read_scopes(&scopes),
        }))
    }

    async fn record_attempt(
        &self,
        key: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> crate::store::StoreResult<()> {
        // Attempts older than a day no longer count for anything, but successful sign-ins
        // are remembered longer.
        sqlx::query("DELETE FROM auth_attempts WHERE at < $1 AND (at < $2 OR key NOT LIKE $3)")
            .bind(at - chrono::Duration::days(1))
            .bind(at - chrono::Duration::days(crate::store::LASTING_ATTEMPT_DAYS))
            .bind(format!("{}%", crate::store::LASTING_ATTEMPT_PREFIX))
            .execute(&self.pool)
            .await?;
        sqlx::query("INSERT INTO auth_attempts (key, at) VALUES ($1, $2)")
            .bind(key)
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn count_attempts(
        &self,
        key: &str,
        since: chrono::DateTime<chrono::Utc>,
    ) -> crate::store::StoreResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM auth_attempts WHERE key = $1 AND at >= $2")
                .bind(key)
                .bind(since)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session: Option<&str>,
        audit: &crate::model::Audit,
    ) -> crate::store::StoreResult<()> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR token_hash <> $2)")
            .bind(user_id)
            .bind(keep_session)
            .execute(&mut *tx)
            .await?;
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        expires_at: chrono::DateTime<chrono::Utc>,
        audit: Option<&crate::model::Audit>,
    ) -> crate::store::StoreResult<()> {
        let now = chrono::Utc::now();
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        // Expired sessions go as new ones come.
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        if let Some(audit) = audit {
            super::audit::append(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn session_user(
        &self,
        token_hash: &str,
    ) -> crate::store::StoreResult<Option<crate::model::User>> {
        let row: Option<crate::store::rows::UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            crate::store::rows::user_columns!(),
            " FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2"
        ))
        .bind(token_hash)
        .bind(chrono::Utc::now())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Into::into))
    }

    async fn delete_session(
        &self,
        token_hash: &str,
        audit: Option<&crate::model::Audit>,
    ) -> crate::store::StoreResult<()> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        if let Some(audit) = audit {
            super::audit::append(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Scopes as stored: space-separated texts; one this version does not know grants nothing.
fn read_scopes(stored: &str) -> Vec<crate::model::Scope> {
    stored
        .split_whitespace()
        .filter_map(crate::model::Scope::parse)
        .collect()
}
