//! Version lag, read once for the API and the pages: which versions a project's adopters
//! run and how far behind its latest release, and the updates an organisation could take.

use super::{AppError, AppResult, Domain, shorten};
use crate::model::{Entity, Project, UpdateAvailable, VersionLag};

impl Domain {
    /// A visible project's adopters grouped by version.
    pub async fn version_lag(&self, slug: &str) -> AppResult<VersionLag> {
        let missing = || {
            AppError::not_found(
                Entity::Project,
                format!("aucun projet « {} »", shorten(slug)),
            )
        };
        let project = self.store.project(slug).await?.ok_or_else(missing)?;
        self.version_lag_of(&project).await
    }

    /// [`Domain::version_lag`] of a project already read (its page has it).
    pub async fn version_lag_of(&self, project: &Project) -> AppResult<VersionLag> {
        let usage = self
            .store
            .version_usage(&project.slug)
            .await?
            .ok_or_else(|| AppError::not_found(Entity::Project, "projet introuvable"))?;
        Ok(VersionLag::new(project.latest_version.clone(), usage))
    }

    /// « Mises à jour disponibles »: what an organisation uses at an older release.
    pub async fn updates_available(&self, organisation: &str) -> AppResult<Vec<UpdateAvailable>> {
        let Some(found) = self.store.organisation(organisation).await? else {
            return Err(AppError::not_found(
                Entity::Organisation,
                format!("aucune organisation « {} »", shorten(organisation)),
            ));
        };
        Ok(self.store.updates_available(&found.id).await?)
    }
}
