//! Authority to speak for an organisation: users claim it; an e-mail domain the
//! organisation's record lists verifies the claim at once, otherwise a moderator decides.
//! Verified claims last a year. Moderators also keep those domains.

use serde_json::json;

use super::{Actor, AppError, AppResult, Domain};
use crate::model::{AuditAction, Claim, ClaimStatus, Entity};

/// How long a verified claim lasts before it must be renewed.
pub const CLAIM_DAYS: i64 = 365;
/// How long a refused claim waits before it may be filed again.
pub const REFUSED_CLAIM_WAIT_DAYS: i64 = 7;
/// E-mail domains an organisation may list.
pub const MAX_EMAIL_DOMAINS: usize = 20;

impl Domain {
    /// Files the actor's claim to act for an organisation. A claim still verified is kept as
    /// it is (asking again must not put it back in the queue), unless the e-mail domain
    /// vouches, which renews it for a year.
    pub async fn file_claim(&self, actor: &Actor, organisation: &str) -> AppResult<Claim> {
        let user = actor.user()?;
        let Some(organisation) = self.store.organisation(organisation.trim()).await? else {
            return Err(super::adoptions::unknown_organisation(organisation));
        };
        let domain = user
            .email
            .rsplit_once('@')
            .map(|(_, d)| d.to_string())
            .unwrap_or_default();
        // Only a proven address vouches: anyone may sign up as anything@istres.fr.
        let vouched = user.email_confirmed_at.is_some()
            && self
                .store
                .email_domains(&organisation.id)
                .await?
                .contains(&domain);
        let current = self
            .store
            .claims(None, Some(user.id))
            .await?
            .into_iter()
            .find(|c| c.organisation == organisation.id);
        if !vouched && let Some(current) = current {
            if is_live(&current) {
                return Ok(current);
            }
            // A refusal stands for a while: asking again at once would only refill the
            // moderators' queue.
            if let Some(from) = asked_again_from(&current)
                && from > chrono::Utc::now()
            {
                return Err(AppError::refused(
                    "claim_refused_recently",
                    "organisation",
                    format!(
                        "votre demande a été refusée ; vous pourrez la refaire à partir du {}",
                        from.format("%d/%m/%Y")
                    ),
                ));
            }
        }
        let until = vouched.then(|| chrono::Utc::now() + chrono::Duration::days(CLAIM_DAYS));
        let status = if vouched {
            ClaimStatus::Verified
        } else {
            ClaimStatus::Pending
        };
        let audit = actor.audit(
            AuditAction::ClaimFile,
            &organisation.id,
            Some(json!({"status": status})),
        );
        Ok(self
            .store
            .file_claim(user.id, &organisation.id, until, &audit)
            .await?)
    }

    /// Claims: a moderator sees every one, others their own.
    pub async fn claims(
        &self,
        actor: &Actor,
        status: Option<ClaimStatus>,
    ) -> AppResult<Vec<Claim>> {
        let user = actor.user()?;
        let only_mine = (!actor.moderates()).then_some(user.id);
        Ok(self.store.claims(status, only_mine).await?)
    }

    /// A moderator verifies (for a year) or rejects a claim.
    pub async fn decide_claim(&self, actor: &Actor, id: i64, verified: bool) -> AppResult<Claim> {
        let moderator = actor.require_moderator()?;
        let Some(claim) = self.store.claim(id).await? else {
            return Err(AppError::not_found(Entity::Claim, "demande introuvable"));
        };
        let expires = chrono::Utc::now() + chrono::Duration::days(CLAIM_DAYS);
        let details = json!({"claim": id, "verified": verified, "user": claim.user});
        let audit = actor.audit(AuditAction::ClaimDecide, &claim.organisation, Some(details));
        Ok(self
            .store
            .decide_claim(id, verified, moderator.id, expires, &audit)
            .await?)
    }

    /// A moderator sets the e-mail domains that vouch for an organisation's agents.
    pub async fn set_email_domains(
        &self,
        actor: &Actor,
        organisation: &str,
        domains: &[String],
    ) -> AppResult<Vec<String>> {
        actor.require_moderator()?;
        let domains: Vec<String> = domains.iter().map(|d| d.trim().to_lowercase()).collect();
        if domains.len() > MAX_EMAIL_DOMAINS || domains.iter().any(|d| !valid_domain(d)) {
            return Err(AppError::refused(
                "validation_failed",
                "domains",
                "20 domaines au plus, de la forme mairie-istres.fr",
            ));
        }
        let audit = actor.audit(
            AuditAction::OrganisationEmailDomains,
            organisation,
            Some(json!({"domains": domains})),
        );
        self.store
            .set_email_domains(organisation, &domains, &audit)
            .await?;
        Ok(domains)
    }
}

/// Whether a claim gives authority now: verified and not expired.
pub fn is_live(claim: &Claim) -> bool {
    claim.status == ClaimStatus::Verified
        && claim.expires_at.is_some_and(|at| at > chrono::Utc::now())
}

/// Whether a refused or lapsed claim may be asked again now.
pub fn can_ask_again(claim: &Claim) -> bool {
    asked_again_from(claim).is_some_and(|from| from <= chrono::Utc::now())
}

/// From when a claim may be asked again: a lapsed one at once, a refused one
/// [`REFUSED_CLAIM_WAIT_DAYS`] after the refusal; never while pending or live.
pub fn asked_again_from(claim: &Claim) -> Option<chrono::DateTime<chrono::Utc>> {
    match claim.status {
        ClaimStatus::Rejected => {
            let refused = claim.decided_at.unwrap_or(claim.created_at);
            Some(refused + chrono::Duration::days(REFUSED_CLAIM_WAIT_DAYS))
        }
        ClaimStatus::Verified if !is_live(claim) => {
            Some(claim.expires_at.unwrap_or(claim.created_at))
        }
        _ => None,
    }
}

fn valid_domain(domain: &str) -> bool {
    domain.len() <= 253
        && domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}
