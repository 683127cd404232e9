//! The forge's rules: whose repository a git client may read or push to, hosted projects'
//! registration, a project's home moved to civiforge, a version's archive.

use serde_json::json;

use super::{Actor, AppError, AppResult, Domain, shorten};
use crate::model::{AuditAction, Entity, Project, Scope};
use crate::validation::{self, RegisterHostedProjectRequest};

/// A project's repository as the forge serves it.
#[derive(Debug, Clone, Copy)]
pub struct ServedRepository {
    pub project_id: i64,
    /// Its home is civiforge: it takes its maintainers' pushes.
    pub hosted: bool,
}

impl Domain {
    /// The repository a client asks for by `slug`: every visible project's repository is
    /// public, like its page; a hidden one is unknown.
    pub async fn readable_repository(&self, slug: &str) -> AppResult<ServedRepository> {
        if !crate::text::is_slug(slug) {
            return Err(super::projects::unknown_project(slug));
        }
        let (project_id, hosted) = self
            .store
            .served_repository(slug)
            .await?
            .ok_or_else(|| super::projects::unknown_project(slug))?;
        Ok(ServedRepository { project_id, hosted })
    }

    /// The project's id and the commit of its version `version`, for its release archive:
    /// a visible project's known version, whose commit is known.
    pub async fn archive_target(&self, slug: &str, version: &str) -> AppResult<(i64, String)> {
        if !crate::text::is_slug(slug) {
            return Err(super::projects::unknown_project(slug));
        }
        match self.store.version_commit(slug, version).await? {
            Some((project_id, Some(commit))) => Ok((project_id, commit)),
            _ => Err(AppError::not_found(
                Entity::Version,
                format!(
                    "aucune version « {} » du projet « {} »",
                    shorten(version),
                    shorten(slug)
                ),
            )),
        }
    }

    /// Registers a project whose repository lives on civiforge, empty or imported once: the
    /// registrant becomes its maintainer, and its repository is made (or imported) at once.
    pub async fn register_hosted_project(
        &self,
        actor: &Actor,
        request: RegisterHostedProjectRequest,
    ) -> AppResult<Project> {
        let user = actor.require(Scope::ProjectsWrite)?;
        let project =
            validation::register_hosted_project(request, &self.url_policy, &self.public_url)
                .map_err(AppError::Invalid)?;
        let imported_from = project
            .hosted
            .as_ref()
            .and_then(|h| h.imported_from.clone());
        let details = json!({"hosted": true, "imported_from": imported_from});
        let audit = actor.audit(AuditAction::ProjectRegister, &project.slug, Some(details));
        let project = self
            .store
            .register_project(project, user.id, &audit)
            .await?;
        tracing::info!(project = %project.slug, user = user.id, "hosted project registered");
        Ok(project)
    }

    /// Moves a mirrored project's home to civiforge: it becomes hosted, its mirror its
    /// repository, its upstream kept as where it was imported from (its maintainers).
    pub async fn move_home_to_civiforge(&self, actor: &Actor, slug: &str) -> AppResult<Project> {
        actor.require(Scope::ProjectsWrite)?;
        self.require_maintainer(actor, slug).await?;
        let home = format!("{}/git/{slug}.git", self.public_url);
        let audit = actor.audit(AuditAction::ProjectHost, slug, Some(json!({"home": home})));
        if !self.store.move_home(slug, &home, &audit).await? {
            return Err(super::projects::unknown_project(slug));
        }
        self.store
            .project(slug)
            .await?
            .ok_or_else(|| super::projects::unknown_project(slug))
    }

    /// The id of the project `slug` when its repository takes pushes at all: a hosted one.
    /// A mirror answers that its home is elsewhere, whoever asks.
    pub async fn pushable_repository(&self, slug: &str) -> AppResult<i64> {
        let repository = self.readable_repository(slug).await?;
        if !repository.hosted {
            return Err(AppError::forbidden(
                "ce dépôt est une copie, en lecture seule, de son dépôt d'origine : \
                 envoyez vos modifications là-bas",
            ));
        }
        Ok(repository.project_id)
    }

    /// The id of the hosted project `slug` when the actor may push to it: one of its
    /// maintainers, with a token that may write projects.
    pub async fn writable_repository(&self, actor: &Actor, slug: &str) -> AppResult<i64> {
        let user = actor.require(Scope::ProjectsWrite)?;
        let id = self.pushable_repository(slug).await?;
        if !self.store.is_maintainer(slug, user.id).await? {
            return Err(AppError::forbidden(
                "seuls les mainteneurs du projet peuvent envoyer des modifications",
            ));
        }
        Ok(id)
    }

    /// A push was received: the repository is indexed again at once.
    pub async fn push_received(&self, actor: &Actor, slug: &str) -> AppResult<()> {
        let audit = actor.audit(AuditAction::ProjectPush, slug, None);
        self.store.request_index(slug, Some(&audit)).await?;
        Ok(())
    }
}
