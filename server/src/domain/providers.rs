//! Service providers: a provider's verified agents (or the project's maintainers, or a
//! moderator) record what it offers for a project and where; anyone finds who supports a
//! project in a territory.

use serde_json::json;

use super::adoptions::unknown_organisation;
use super::projects::unknown_project;
use super::{Actor, AppError, AppResult, Domain};
use crate::model::{Entity, Page, ProjectProvider, ProviderDeclaration, Scope, Window};
use crate::store::{ProviderFilter, StoreError};
use crate::validation::{self, DeclareProviderRequest};

impl Domain {
    /// Records (or replaces) what a provider offers for a project.
    pub async fn declare_provider(
        &self,
        actor: &Actor,
        slug: &str,
        request: DeclareProviderRequest,
    ) -> AppResult<ProjectProvider> {
        let user = actor.require(Scope::AdoptionsWrite)?;
        let offer = validation::declare_provider(request).map_err(AppError::Invalid)?;
        if self.store.project(slug).await?.is_none() {
            return Err(unknown_project(slug));
        }
        let Some(provider) = self.store.organisation(&offer.organisation).await? else {
            return Err(unknown_organisation(&offer.organisation));
        };
        let allowed = actor.moderates()
            || self.store.is_agent(user.id, &provider.id).await?
            || self.store.is_maintainer(slug, user.id).await?;
        if !allowed {
            return Err(AppError::forbidden(format!(
                "seuls les agents vérifiés de {}, les mainteneurs du projet et les modérateurs \
                 déclarent ses services ; demandez à agir pour elle (POST /api/v1/claims)",
                provider.name
            )));
        }
        for area in &offer.departements {
            let id = match area.strip_prefix("be-") {
                Some(nis) => format!("province-be-{nis}"),
                None => format!("departement-{area}"),
            };
            if self.store.organisation(&id).await?.is_none() {
                return Err(AppError::invalid(
                    "departements",
                    format!("aucun département ni province belge « {area} »"),
                ));
            }
        }
        let details = json!({
            "organisation": provider.id,
            "services": offer.services,
            "departements": offer.departements,
        });
        let audit = actor.audit(
            crate::model::AuditAction::ProjectProvider,
            slug,
            Some(details),
        );
        let declaration = ProviderDeclaration {
            project_slug: slug.to_string(),
            organisation_id: provider.id,
            services: offer.services,
            departements: offer.departements,
            declared_by: user.id,
        };
        self.store
            .declare_provider(declaration, &audit)
            .await
            .map_err(|error| match error {
                StoreError::NotFound(Entity::Project) => unknown_project(slug),
                other => other.into(),
            })
    }

    /// Providers, filtered by project, territory and service.
    pub async fn providers(
        &self,
        filter: ProviderFilter,
        window: Window,
    ) -> AppResult<Page<ProjectProvider>> {
        let departement = match filter.departement.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(written) => Some(validation::area(written).ok_or_else(|| {
                AppError::invalid(
                    "departement",
                    "code de département (33, 2A, 974) ou de province belge (be-50000) attendu",
                )
            })?),
        };
        let filter = ProviderFilter {
            departement,
            ..filter
        };
        Ok(self.store.providers(&filter, window).await?)
    }
}
