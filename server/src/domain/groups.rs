//! Working groups: created by a verified agent of their lead organisation (or a moderator),
//! who then manage members, projects and actions; read by everyone.

use serde_json::json;

use super::adoptions::{unknown_organisation, unknown_project_in};
use super::{Actor, AppError, AppResult, Domain, shorten};
use crate::model::{
    ActionDraft, ActionState, AuditAction, Entity, Group, GroupDraft, MemberRole, Page, Scope,
    Window,
};
use crate::store::{GroupFilter, StoreError};
use crate::validation::{self, ActionRequest, CreateGroupRequest, FieldError, UpdateGroupRequest};

impl Domain {
    /// Creates a working group; the actor must speak for its lead.
    pub async fn create_group(
        &self,
        actor: &Actor,
        request: CreateGroupRequest,
    ) -> AppResult<Group> {
        let user = actor.require(Scope::AdoptionsWrite)?;
        let fields = validation::create_group(request).map_err(AppError::Invalid)?;
        let draft = self.resolve_group(fields).await?;
        self.require_group_lead(actor, &draft.lead).await?;
        let audit = actor.audit(AuditAction::GroupCreate, &draft.slug, Some(summary(&draft)));
        let group = self
            .store
            .create_group(draft, user.id, &audit)
            .await
            .map_err(hidden_project)?;
        tracing::info!(group = %group.slug, lead = %group.lead, "working group created");
        Ok(group)
    }

    /// Edits a group: each field given replaces what it had. The actor must speak for the
    /// current lead.
    pub async fn edit_group(
        &self,
        actor: &Actor,
        slug: &str,
        request: UpdateGroupRequest,
    ) -> AppResult<Group> {
        actor.require(Scope::AdoptionsWrite)?;
        let current = self.group(slug).await?;
        self.require_group_lead(actor, &current.lead).await?;
        let fields =
            validation::update_group(draft_of(&current), request).map_err(AppError::Invalid)?;
        let draft = self.resolve_group(fields).await?;
        let audit = actor.audit(
            AuditAction::GroupUpdate,
            &current.slug,
            Some(summary(&draft)),
        );
        self.store
            .replace_group(&current.slug, draft, &audit)
            .await
            .map_err(hidden_project)
    }

    /// Adds a dated action to a group.
    pub async fn add_group_action(
        &self,
        actor: &Actor,
        slug: &str,
        request: ActionRequest,
    ) -> AppResult<Group> {
        actor.require(Scope::AdoptionsWrite)?;
        let group = self.group(slug).await?;
        self.require_group_lead(actor, &group.lead).await?;
        let action = validation::action(request).map_err(AppError::Invalid)?;
        let details = json!({"text": action.text, "due": action.due, "state": action.state});
        let audit = actor.audit(AuditAction::GroupAction, &group.slug, Some(details));
        Ok(self
            .store
            .add_group_action(&group.slug, action, &audit)
            .await?)
    }

    /// Marks one of a group's actions planned, done or dropped.
    pub async fn set_group_action_state(
        &self,
        actor: &Actor,
        slug: &str,
        action_id: i64,
        state: ActionState,
    ) -> AppResult<Group> {
        actor.require(Scope::AdoptionsWrite)?;
        let group = self.group(slug).await?;
        self.require_group_lead(actor, &group.lead).await?;
        if !group.actions.iter().any(|a| a.id == action_id) {
            return Err(AppError::not_found(
                Entity::Group,
                format!(
                    "le groupe « {} » n'a pas d'action n° {action_id}",
                    group.slug
                ),
            ));
        }
        let details = json!({"action": action_id, "state": state});
        let audit = actor.audit(AuditAction::GroupAction, &group.slug, Some(details));
        Ok(self
            .store
            .set_group_action_state(&group.slug, action_id, state, &audit)
            .await?)
    }

    /// One group, or 404.
    pub async fn group(&self, slug: &str) -> AppResult<Group> {
        self.store.group(slug).await?.ok_or_else(|| {
            AppError::not_found(
                Entity::Group,
                format!("aucun groupe de travail « {} »", shorten(slug)),
            )
        })
    }

    /// What a group's organisations use of its projects.
    pub async fn group_adoptions(&self, slug: &str) -> AppResult<Vec<crate::model::Adoption>> {
        let group = self.group(slug).await?;
        Ok(self.store.group_adoptions(&group.slug).await?)
    }

    pub async fn groups(&self, filter: &GroupFilter, window: Window) -> AppResult<Page<Group>> {
        Ok(self.store.groups(filter, window).await?)
    }

    /// Whether the actor may manage a group led by `lead`: a moderator or a verified agent
    /// of the lead.
    pub async fn leads_group(&self, actor: &Actor, lead: &str) -> AppResult<bool> {
        let Some(user) = &actor.user else {
            return Ok(false);
        };
        Ok(actor.moderates() || self.store.is_agent(user.id, lead).await?)
    }

    async fn require_group_lead(&self, actor: &Actor, lead: &str) -> AppResult<()> {
        if self.leads_group(actor, lead).await? {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "seuls les agents vérifiés de l'organisation pilote ({}) et les modérateurs \
                 gèrent ce groupe ; demandez à agir pour elle (POST /api/v1/claims)",
                shorten(lead)
            )))
        }
    }

    /// Resolves every organisation to its current id and checks every project is listed,
    /// refusing one that is unknown, hidden, or named twice under two codes.
    async fn resolve_group(&self, mut fields: GroupDraft) -> AppResult<GroupDraft> {
        let mut organisations: Vec<(String, MemberRole)> = Vec::new();
        for (id, role) in std::mem::take(&mut fields.organisations) {
            let Some(organisation) = self.store.organisation(&id).await? else {
                return Err(unknown_organisation(&id));
            };
            if organisations
                .iter()
                .any(|(seen, _)| *seen == organisation.id)
            {
                return Err(AppError::Invalid(vec![FieldError {
                    field: "members",
                    message: format!(
                        "« {} » désigne {} ({}), déjà nommée dans le groupe",
                        shorten(&id),
                        organisation.name,
                        organisation.id
                    ),
                }]));
            }
            organisations.push((organisation.id, role));
        }
        for slug in &fields.projects {
            if self.store.project(slug).await?.is_none() {
                return Err(unknown_project_in("projects", slug));
            }
        }
        if let Some((lead, _)) = organisations.first() {
            fields.lead = lead.clone();
        }
        fields.organisations = organisations;
        Ok(fields)
    }
}

/// A group as the fields an edit starts from; its actions are kept unless the edit gives
/// a new list.
fn draft_of(group: &Group) -> GroupDraft {
    GroupDraft {
        slug: group.slug.clone(),
        name: group.name.clone(),
        theme: group.theme.clone(),
        status: group.status,
        lead: group.lead.clone(),
        organisations: group
            .organisations
            .iter()
            .map(|o| (o.id.clone(), o.role))
            .collect(),
        projects: group.projects.clone(),
        actions: None,
    }
}

/// What the audit log keeps of a group's write.
fn summary(draft: &GroupDraft) -> serde_json::Value {
    json!({
        "name": draft.name,
        "status": draft.status,
        "lead": draft.lead,
        "organisations": draft.organisations.iter().map(|(id, role)| json!([id, role])).collect::<Vec<_>>(),
        "projects": draft.projects,
        "actions": draft.actions.as_ref().map(|a: &Vec<ActionDraft>| a.len()),
    })
}

/// A project hidden between the check and the write.
fn hidden_project(error: StoreError) -> AppError {
    match error {
        StoreError::NotFound(Entity::Project) => AppError::unknown(
            Entity::Project,
            "projects",
            "un des projets nommés vient d'être retiré du catalogue ; voir GET /api/v1/projects",
        ),
        other => other.into(),
    }
}
