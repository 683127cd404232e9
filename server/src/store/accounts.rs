//! Accounts, browser sessions, API tokens and sign-in attempts: the part of the
//! [`Store`](super::Store) interface that keeps them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::*;
use crate::model::*;

/// Attempts under keys that start with this (successful sign-ins: the addresses an account
/// is used from) are remembered for [`LASTING_ATTEMPT_DAYS`]; others for a day.
pub const LASTING_ATTEMPT_PREFIX: &str = "signin-ok:";
pub const LASTING_ATTEMPT_DAYS: i64 = 90;

/// Accounts, browser sessions, API tokens and sign-in attempts.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates an account; its audit entry is written with it.
    async fn create_user(&self, user: NewUser, audit: &Audit) -> StoreResult<User>;
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    /// Stores the hash of a new token for a user; returns its id.
    async fn create_token(
        &self,
        user_id: i64,
        token_hash: &str,
        label: &str,
        scopes: &[Scope],
        expires_at: Option<DateTime<Utc>>,
        audit: &Audit,
    ) -> StoreResult<i64>;
    /// A user's tokens, newest first.
    async fn list_tokens(&self, user_id: i64) -> StoreResult<Vec<ApiToken>>;
    /// Revokes one of a user's tokens; false when the user has no such live token.
    async fn revoke_token(&self, user_id: i64, token_id: i64, audit: &Audit) -> StoreResult<bool>;
    /// The owner of a live (not revoked, not expired) token, and marks it used.
    async fn token_owner(&self, token_hash: &str) -> StoreResult<Option<TokenOwner>>;
    /// Records an attempt under a rate-limit key (`signin-ip:…`, `signin-account:…`); it is
    /// kept a day, or [`LASTING_ATTEMPT_DAYS`] under [`LASTING_ATTEMPT_PREFIX`].
    async fn record_attempt(&self, key: &str, at: DateTime<Utc>) -> StoreResult<()>;
    /// Attempts recorded under a key since a moment.
    async fn count_attempts(&self, key: &str, since: DateTime<Utc>) -> StoreResult<i64>;
    /// Replaces a user's password hash and ends every session of theirs but `keep`.
    async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session: Option<&str>,
        audit: &Audit,
    ) -> StoreResult<()>;
    /// Opens a browser session for a user until `expires_at`.
    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        expires_at: DateTime<Utc>,
        audit: Option<&Audit>,
    ) -> StoreResult<()>;
    /// The user of a live session.
    async fn session_user(&self, token_hash: &str) -> StoreResult<Option<User>>;
    /// Ends a session; a sign-out is audited, a session replaced at sign-in is not.
    async fn delete_session(&self, token_hash: &str, audit: Option<&Audit>) -> StoreResult<()>;
}
