//! Claims to act for an organisation and the agents they make: the part of the
//! [`Store`](super::Store) interface that keeps them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::*;
use crate::model::*;

/// Claims to act for an organisation and the agents they make.
#[async_trait]
pub trait ClaimStore: Send + Sync {
    /// Files (or renews) a user's claim to act for an organisation; verified at once until
    /// `verified_until` when the e-mail domain vouches for it.
    async fn file_claim(
        &self,
        user_id: i64,
        organisation_id: &str,
        verified_until: Option<DateTime<Utc>>,
        audit: &Audit,
    ) -> StoreResult<Claim>;
    async fn claim(&self, id: i64) -> StoreResult<Option<Claim>>;
    /// Claims, optionally by status and user.
    async fn claims(
        &self,
        status: Option<ClaimStatus>,
        user_id: Option<i64>,
    ) -> StoreResult<Vec<Claim>>;
    /// A moderator's decision on a claim.
    async fn decide_claim(
        &self,
        id: i64,
        verified: bool,
        moderator_id: i64,
        expires_at: DateTime<Utc>,
        audit: &Audit,
    ) -> StoreResult<Claim>;
    /// Whether the user is a verified, unexpired agent of the organisation.
    async fn is_agent(&self, user_id: i64, organisation_id: &str) -> StoreResult<bool>;
}
