//! Single-use e-mail links and the outbox of messages to send: the part of the
//! [`Store`](super::Store) interface that keeps them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::*;
use crate::model::*;

/// Single-use e-mail links and the outbox.
#[async_trait]
pub trait MailStore: Send + Sync {
    /// Keeps the digest of a link sent to `email` for `purpose`, valid until `expires_at`.
    async fn create_email_token(
        &self,
        user_id: i64,
        purpose: EmailPurpose,
        token_hash: &str,
        email: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Follows a confirmation link: once, before it expires. The address it was sent to
    /// becomes the account's, proven now; the audit entry is written with it. None when the
    /// link is unknown, used or expired.
    async fn confirm_email(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        audit: &Audit,
    ) -> StoreResult<Option<UsedEmailToken>>;
    /// Follows a password-reset link: once, before it expires; sets the new hash and ends
    /// every session of the account. None when the link is unknown, used or expired.
    async fn reset_password(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: DateTime<Utc>,
        audit: &Audit,
    ) -> StoreResult<Option<UsedEmailToken>>;
    /// The account a still-valid link of `purpose` belongs to, without using it.
    async fn email_token_user(
        &self,
        token_hash: &str,
        purpose: EmailPurpose,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<User>>;
    /// Queues a message for the worker.
    async fn enqueue_mail(&self, mail: &OutgoingMail, now: DateTime<Utc>) -> StoreResult<i64>;
    /// Takes up to `limit` due messages (tried fewer than `max_attempts` times) for one
    /// attempt each, leaving them out of others' reach until `lease_until`; several workers
    /// never take the same one.
    async fn claim_mail(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        max_attempts: i64,
        limit: i64,
    ) -> StoreResult<Vec<QueuedMail>>;
    /// A message delivered.
    async fn mail_sent(&self, id: i64, at: DateTime<Utc>) -> StoreResult<()>;
    /// A failed attempt: tried again from `next_attempt_at`.
    async fn mail_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> StoreResult<()>;
}
