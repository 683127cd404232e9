//! Push webhooks: a project's secret for its forge, and the pushes they announce.

use super::{Actor, AppResult, Domain, shorten};
use crate::model::{AuditAction, Scope};

impl Domain {
    /// The project's id and webhook secret generation, moved to a new generation first when
    /// `rotate` (its maintainers and moderators).
    pub async fn webhook_identity(
        &self,
        actor: &Actor,
        slug: &str,
        rotate: bool,
    ) -> AppResult<(i64, i64)> {
        actor.require(Scope::ProjectsWrite)?;
        self.require_maintainer(actor, slug).await?;
        if rotate {
            let audit = actor.audit(AuditAction::ProjectWebhookRotate, slug, None);
            return Ok(self.store.rotate_webhook_secret(slug, &audit).await?);
        }
        self.store
            .webhook_identity(slug)
            .await?
            .ok_or_else(|| super::projects::unknown_project(slug))
    }

    /// A forge announced a push, with a valid signature: the project is fetched again.
    pub async fn push_announced(&self, forge: &Actor, slug: &str) -> AppResult<()> {
        let audit = forge.audit(AuditAction::ProjectWebhook, slug, None);
        self.store.request_index(slug, Some(&audit)).await?;
        tracing::info!(project = %shorten(slug), "webhook: fetch queued");
        Ok(())
    }
}
