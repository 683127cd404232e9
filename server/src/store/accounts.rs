//! Accounts, browser sessions, API tokens and sign-in attempts: the part of the
//! [`Store`](super::Store) interface that keeps them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::*;
use crate::model::*;

/// Accounts, browser sessions, API tokens and sign-in attempts.
#[async_trait]
pub trait AccountStore: Send + Sync {
    async fn create_user(&self, user: NewUser) -> StoreResult<User>;
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    /// Stores the hash of a new token for a user.
    async fn create_token(
        &self,
        user_id: i64,
        token_hash: &str,
        label: &str,
        scopes: &[String],
        expires_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()>;
    /// A user's tokens, newest first.
    async fn list_tokens(&self, user_id: i64) -> StoreResult<Vec<ApiToken>>;
    /// Revokes one of a user's tokens; false when the user has no such live token.
    async fn revoke_token(&self, user_id: i64, token_id: i64) -> StoreResult<bool>;
    /// The owner of a live (not revoked, not expired) token, and marks it used.
    async fn token_owner(&self, token_hash: &str) -> StoreResult<Option<TokenOwner>>;
    /// Records an attempt under a rate-limit key (`ip:…`, `account:…`).
    async fn record_attempt(&self, key: &str, at: DateTime<Utc>) -> StoreResult<()>;
    /// Attempts recorded under a key since a moment.
    async fn count_attempts(&self, key: &str, since: DateTime<Utc>) -> StoreResult<i64>;
    /// Replaces a user's password hash and ends every session of theirs but `keep`.
    async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session: Option<&str>,
    ) -> StoreResult<()>;
    /// Opens a browser session for a user until `expires_at`.
    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The user of a live session.
    async fn session_user(&self, token_hash: &str) -> StoreResult<Option<User>>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
}
