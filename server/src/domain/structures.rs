//! Organisations without an official code (pooling structures, companies), created by a user
//! who then asks to act for them; a structure's members, kept by its verified agents; and
//! adoptions a structure declares for its members, all or none.

use serde_json::json;

use super::adoptions::{unknown_organisation, unknown_project_in};
use super::{Actor, AppError, AppResult, Domain, shorten};
use crate::model::{
    Adoption, AuditAction, Claim, CreatedKind, Entity, Organisation, Scope, StructureMember,
    Verification,
};
use crate::store::StoreError;
use crate::validation::{
    self, CreateOrganisationRequest, DeclareAdoptionRequest, DeclareForMembersRequest,
};

impl Domain {
    /// Creates an organisation `org-{slug}` and files its creator's claim to act for it (a
    /// moderator decides, as for any claim; moderators need none).
    pub async fn create_organisation(
        &self,
        actor: &Actor,
        request: CreateOrganisationRequest,
    ) -> AppResult<(Organisation, Option<Claim>)> {
        let user = actor.require(Scope::AdoptionsWrite)?;
        let new = validation::create_organisation(request, user.id).map_err(AppError::Invalid)?;
        let details = json!({"name": new.name, "kind": new.kind, "country": new.country});
        let audit = actor.audit(AuditAction::OrganisationCreate, &new.id, Some(details));
        let organisation = self.store.create_organisation(new, &audit).await?;
        let claim = if actor.moderates() {
            None
        } else {
            Some(self.file_claim(actor, &organisation.id).await?)
        };
        tracing::info!(organisation = %organisation.id, "organisation created");
        Ok((organisation, claim))
    }

    /// A structure's members.
    pub async fn structure_members(&self, id: &str) -> AppResult<Vec<StructureMember>> {
        let structure = self.existing_organisation(id).await?;
        Ok(self.store.structure_members(&structure.id).await?)
    }

    /// What a structure's members use, by project and version.
    pub async fn member_adoptions(&self, id: &str) -> AppResult<Vec<Adoption>> {
        let structure = self.existing_organisation(id).await?;
        Ok(self.store.member_adoptions(&structure.id).await?)
    }

    /// Replaces a pooling structure's members; its verified agents or a moderator.
    pub async fn set_structure_members(
        &self,
        actor: &Actor,
        id: &str,
        members: Vec<String>,
    ) -> AppResult<Vec<StructureMember>> {
        actor.require(Scope::AdoptionsWrite)?;
        let structure = self.structure_for(actor, id).await?;
        let ids = validation::member_ids(members).map_err(AppError::Invalid)?;
        let mut resolved: Vec<String> = Vec::with_capacity(ids.len());
        for id in &ids {
            let Some(member) = self.store.organisation(id).await? else {
                return Err(unknown_organisation(id));
            };
            if member.id == structure.id {
                return Err(AppError::invalid(
                    "members",
                    "une structure ne peut pas être membre d'elle-même",
                ));
            }
            if resolved.contains(&member.id) {
                return Err(AppError::invalid(
                    "members",
                    format!(
                        "« {} » désigne {} ({}), déjà dans la liste",
                        shorten(id),
                        member.name,
                        member.id
                    ),
                ));
            }
            resolved.push(member.id);
        }
        let details = json!({"members": resolved.len()});
        let audit = actor.audit(
            AuditAction::OrganisationMembers,
            &structure.id,
            Some(details),
        );
        self.store
            .set_structure_members(&structure.id, &resolved, &audit)
            .await?;
        Ok(self.store.structure_members(&structure.id).await?)
    }

    /// A structure declares that some of its members use a project: every one is written,
    /// or none when one is not a member or its own agents already declared otherwise.
    pub async fn declare_for_members(
        &self,
        actor: &Actor,
        id: &str,
        request: DeclareForMembersRequest,
    ) -> AppResult<Vec<Adoption>> {
        let user = actor.require(Scope::AdoptionsWrite)?;
        let structure = self.structure_for(actor, id).await?;
        let ids = validation::member_ids(request.members).map_err(AppError::Invalid)?;
        if ids.is_empty() {
            return Err(AppError::invalid("members", "nommez au moins un membre"));
        }
        let members: Vec<String> = self
            .store
            .structure_members(&structure.id)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        let today = chrono::Utc::now().date_naive();
        let mut declarations = Vec::with_capacity(ids.len());
        let mut outsiders = Vec::new();
        let mut held = Vec::new();
        for id in &ids {
            let Some(member) = self.store.organisation(id).await? else {
                return Err(unknown_organisation(id));
            };
            if !members.contains(&member.id) {
                outsiders.push(
                    belgian_twin(&member.id, &members).map_or(member.id.clone(), |twin| {
                        format!("{} (vouliez-vous dire {twin} ?)", member.id)
                    }),
                );
                continue;
            }
            let single = DeclareAdoptionRequest {
                project: request.project.clone(),
                organisation: member.id.clone(),
                version: request.version.clone(),
                status: request.status,
                since: request.since.clone(),
            };
            let mut declaration =
                validation::declare_adoption(single, user.id, today).map_err(AppError::Invalid)?;
            if let Some(existing) = self
                .store
                .adoption_verification(&declaration.project_slug, &member.id)
                .await?
                && matches!(existing, Verification::Agent | Verification::Moderator)
            {
                held.push(member.id.clone());
            }
            declaration.verification = Verification::Structure;
            declaration.declared_by_organisation = Some(structure.id.clone());
            declarations.push(declaration);
        }
        if !outsiders.is_empty() {
            return Err(AppError::refused(
                "not_a_member",
                "members",
                format!(
                    "{} {} de {} : ajoutez-la d'abord à ses membres (PUT \
                     /api/v1/organisations/{}/members) ; rien n'a été enregistré",
                    list(&outsiders),
                    if outsiders.len() > 1 {
                        "ne sont pas membres"
                    } else {
                        "n'est pas membre"
                    },
                    structure.name,
                    structure.id
                ),
            ));
        }
        if !held.is_empty() {
            return Err(AppError::refused(
                "declared_by_member",
                "members",
                format!(
                    "{} : l'usage a été déclaré par un agent vérifié de l'organisation, que \
                     seuls ses agents modifient ; retirez-la de la liste ; rien n'a été \
                     enregistré",
                    list(&held)
                ),
            ));
        }
        let details = json!({
            "project": request.project,
            "version": request.version,
            "members": declarations.iter().map(|d| &d.organisation_id).collect::<Vec<_>>(),
        });
        let audit = actor.audit(
            AuditAction::AdoptionDeclareForMembers,
            &structure.id,
            Some(details),
        );
        let project = request.project;
        self.store
            .declare_adoptions(declarations, &audit)
            .await
            .map_err(|error| match error {
                StoreError::NotFound(Entity::Project) => unknown_project_in("project", &project),
                other => other.into(),
            })
    }

    /// The pooling structure `id`, when the actor may act for it.
    async fn structure_for(&self, actor: &Actor, id: &str) -> AppResult<Organisation> {
        let structure = self.existing_organisation(id).await?;
        if !CreatedKind::parse(&structure.kind).is_some_and(CreatedKind::pools) {
            return Err(AppError::refused(
                "not_a_structure",
                "organisation",
                format!(
                    "{} n'est pas une structure de mutualisation (OPSN, association, \
                     intercommunale, syndicat, centre de gestion) : elle n'a pas de membres",
                    structure.name
                ),
            ));
        }
        let user = actor.user()?;
        if !actor.moderates() && !self.store.is_agent(user.id, &structure.id).await? {
            return Err(AppError::forbidden(format!(
                "seuls les agents vérifiés de {} et les modérateurs agissent pour elle ; \
                 demandez à agir pour elle (POST /api/v1/claims)",
                structure.name
            )));
        }
        Ok(structure)
    }

    async fn existing_organisation(&self, id: &str) -> AppResult<Organisation> {
        self.store.organisation(id).await?.ok_or_else(|| {
            AppError::not_found(
                Entity::Organisation,
                format!("aucune organisation « {} »", shorten(id)),
            )
        })
    }
}

/// The member a French-looking id may have meant: `commune-58001` (Achun, in the Nièvre)
/// typed for `commune-be-58001` (La Louvière).
fn belgian_twin(id: &str, members: &[String]) -> Option<String> {
    let (kind, code) = id.split_once('-')?;
    let twin = format!("{kind}-be-{code}");
    members.contains(&twin).then_some(twin)
}

/// At most ten ids, then how many more.
fn list(ids: &[String]) -> String {
    let shown: Vec<&str> = ids.iter().take(10).map(String::as_str).collect();
    match ids.len() {
        n if n > 10 => format!("{} et {} autres", shown.join(", "), n - 10),
        _ => shown.join(", "),
    }
}
