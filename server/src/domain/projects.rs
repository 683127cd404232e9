//! Projects: registering, editing, asking for a fetch, inviting maintainers, hiding.

use serde_json::json;

use super::{Actor, AppError, AppResult, Domain, shorten};
use crate::model::{AuditAction, Entity, Project, Scope, User};
use crate::validation::{self, RegisterProjectRequest, UpdateProjectRequest};

impl Domain {
    /// Registers a project: the registrant becomes its maintainer and its repository is
    /// queued for indexing.
    pub async fn register_project(
        &self,
        actor: &Actor,
        request: RegisterProjectRequest,
    ) -> AppResult<Project> {
        let user = actor.require(Scope::ProjectsWrite)?;
        let project =
            validation::register_project(request, &self.url_policy).map_err(AppError::Invalid)?;
        let details = json!({"repository_url": project.repository_url()});
        let audit = actor.audit(AuditAction::ProjectRegister, &project.slug, Some(details));
        let project = self
            .store
            .register_project(project, user.id, &audit)
            .await?;
        tracing::info!(project = %project.slug, user = user.id, "project registered");
        Ok(project)
    }

    /// Edits a project's name, summary or categories (its maintainers and moderators).
    pub async fn edit_project(
        &self,
        actor: &Actor,
        slug: &str,
        request: UpdateProjectRequest,
    ) -> AppResult<Project> {
        actor.require(Scope::ProjectsWrite)?;
        self.require_maintainer(actor, slug).await?;
        let changes = validation::update_project(request).map_err(AppError::Invalid)?;
        let audit = actor.audit(AuditAction::ProjectUpdate, slug, None);
        Ok(self.store.update_project(slug, changes, &audit).await?)
    }

    /// Queues a fetch of the project's repository now.
    pub async fn refresh_project(&self, actor: &Actor, slug: &str) -> AppResult<()> {
        actor.require(Scope::ProjectsWrite)?;
        let audit = actor.audit(AuditAction::ProjectRefresh, slug, None);
        Ok(self.store.request_index(slug, Some(&audit)).await?)
    }

    /// Makes the account with this e-mail a maintainer of the project.
    pub async fn invite_maintainer(
        &self,
        actor: &Actor,
        slug: &str,
        email: &str,
    ) -> AppResult<User> {
        actor.require(Scope::ProjectsWrite)?;
        self.require_maintainer(actor, slug).await?;
        let email = email.trim().to_lowercase();
        let Some(invited) = self.store.user_by_email(&email).await? else {
            return Err(AppError::unknown(
                Entity::User,
                "email",
                "aucun compte avec cette adresse : la personne doit d'abord créer le sien",
            ));
        };
        let details = json!({"maintainer": invited.email});
        let audit = actor.audit(AuditAction::ProjectMaintainerAdd, slug, Some(details));
        self.store.add_maintainer(slug, invited.id, &audit).await?;
        Ok(invited)
    }

    /// A moderator hides a project from every list, page and search, or shows it again.
    pub async fn set_project_visibility(
        &self,
        actor: &Actor,
        slug: &str,
        hidden: bool,
    ) -> AppResult<()> {
        actor.require_moderator()?;
        let audit = actor.audit(
            AuditAction::ProjectVisibility,
            slug,
            Some(json!({"hidden": hidden})),
        );
        if !self.store.set_project_hidden(slug, hidden, &audit).await? {
            return Err(AppError::not_found(Entity::Project, "projet introuvable"));
        }
        Ok(())
    }

    /// 404 for an unknown project, 403 unless the actor maintains it or moderates.
    pub async fn require_maintainer(&self, actor: &Actor, slug: &str) -> AppResult<()> {
        let user = actor.user()?;
        if self.store.project(slug).await?.is_none() {
            return Err(unknown_project(slug));
        }
        if actor.moderates() || self.store.is_maintainer(slug, user.id).await? {
            return Ok(());
        }
        Err(AppError::forbidden(
            "seuls les mainteneurs du projet et les modérateurs y ont accès",
        ))
    }

    /// Whether the actor may act as the project's maintainer (for pages that show or hide
    /// the maintainers' tools).
    pub async fn maintains(&self, actor: &Actor, slug: &str) -> AppResult<bool> {
        match self.require_maintainer(actor, slug).await {
            Ok(()) => Ok(true),
            Err(AppError::Forbidden { .. } | AppError::Unauthorised { .. }) => Ok(false),
            Err(other) => Err(other),
        }
    }
}

/// The 404 of a project address.
pub fn unknown_project(slug: &str) -> AppError {
    AppError::not_found(
        Entity::Project,
        format!("aucun projet « {} »", shorten(slug)),
    )
}
