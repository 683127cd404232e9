//! Adoptions: an organisation declares that it uses a project, at a version.

use serde_json::json;

use super::{Actor, AppError, AppResult, Domain, shorten};
use crate::model::{Adoption, AuditAction, Entity, Scope, Verification};
use crate::store::StoreError;
use crate::validation::{self, DeclareAdoptionRequest};

impl Domain {
    /// Declares (or updates) an organisation's use of a project, keeping the history;
    /// returns the adoption and whether it is new.
    pub async fn declare_adoption(
        &self,
        actor: &Actor,
        request: DeclareAdoptionRequest,
    ) -> AppResult<(Adoption, bool)> {
        let user = actor.require(Scope::AdoptionsWrite)?;
        let today = chrono::Utc::now().date_naive();
        let mut declaration =
            validation::declare_adoption(request, user.id, today).map_err(AppError::Invalid)?;
        let Some(organisation) = self
            .store
            .organisation(&declaration.organisation_id)
            .await?
        else {
            return Err(unknown_organisation(&declaration.organisation_id));
        };
        declaration.organisation_id = organisation.id;
        declaration.verification = self
            .verification_for(
                actor,
                &declaration.project_slug,
                &declaration.organisation_id,
            )
            .await?;
        let details = json!({
            "organisation": declaration.organisation_id,
            "version": declaration.version,
            "status": declaration.status,
        });
        let audit = actor.audit(
            AuditAction::AdoptionDeclare,
            &declaration.project_slug,
            Some(details),
        );
        let project = declaration.project_slug.clone();
        let (adoption, created) = self
            .store
            .declare_adoption(declaration, &audit)
            .await
            .map_err(|error| match error {
                StoreError::NotFound(Entity::Project) => unknown_project_in("project", &project),
                other => other.into(),
            })?;
        tracing::info!(project = %adoption.project, organisation = %adoption.organisation, created, "adoption declared");
        Ok((adoption, created))
    }

    /// How a declaration by the actor for `organisation` is verified, or why it is refused: a
    /// declaration made by a verified agent or a moderator is not overwritten by anyone else.
    async fn verification_for(
        &self,
        actor: &Actor,
        project: &str,
        organisation: &str,
    ) -> AppResult<Verification> {
        let user = actor.user()?;
        let verification = if actor.moderates() {
            Verification::Moderator
        } else if self.store.is_agent(user.id, organisation).await? {
            Verification::Agent
        } else {
            Verification::Unverified
        };
        if verification == Verification::Unverified
            && let Some(existing) = self
                .store
                .adoption_verification(project, organisation)
                .await?
            && existing != Verification::Unverified
        {
            return Err(AppError::forbidden(
                "cette déclaration a été faite par un agent vérifié : seuls les agents vérifiés de l'organisation (ou un modérateur) peuvent la modifier ; demandez à agir pour elle (POST /api/v1/claims)",
            ));
        }
        Ok(verification)
    }
}

/// A body whose `field` names a project that does not exist (or is hidden).
pub fn unknown_project_in(field: &'static str, slug: &str) -> AppError {
    AppError::unknown(
        Entity::Project,
        field,
        format!(
            "aucun projet « {} » ; voir GET /api/v1/projects",
            shorten(slug)
        ),
    )
}

/// A body naming an organisation that does not exist. A Belgian code typed as a French
/// id (`commune-92094`) is told the id it may have meant (`commune-be-92094`).
pub fn unknown_organisation(id: &str) -> AppError {
    let belgian = id.split_once('-').and_then(|(kind, code)| {
        let digits = code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit());
        (["commune", "cpas", "province"].contains(&kind) && digits).then(|| {
            format!(" ; si {code} est un code INS belge, l'identifiant est {kind}-be-{code}")
        })
    });
    AppError::unknown(
        Entity::Organisation,
        "organisation",
        format!(
            "aucune organisation « {} » ; les identifiants sont de la forme commune-13047, \
             epci-200035442, departement-13, commune-be-92094 (voir GET \
             /api/v1/organisations?q=…){}",
            shorten(id),
            belgian.unwrap_or_default()
        ),
    )
}
