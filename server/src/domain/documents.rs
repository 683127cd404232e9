//! Shared documents: the members of a working group share its minutes and specifications;
//! a project's maintainers, and the agents of organisations that study it, share documents
//! about the project. A file is checked by its content, kept by its digest, then recorded.

use serde_json::json;

use super::adoptions::unknown_organisation;
use super::projects::unknown_project;
use super::{Actor, AppError, AppResult, Domain, shorten};
use crate::model::{
    AuditAction, ClaimStatus, Document, DocumentContent, DocumentTarget, Entity, NewDocument,
    Scope, StoredDocument, User,
};
use crate::store::StoreError;
use crate::validation::{self, AttachDocumentRequest, DraftContent, Upload};

impl Domain {
    /// Attaches a document (a file or a link) to a project or a group.
    pub async fn attach_document(
        &self,
        actor: &Actor,
        target: &DocumentTarget,
        request: AttachDocumentRequest,
        upload: Option<Upload>,
    ) -> AppResult<Document> {
        let scope = match target {
            DocumentTarget::Project(_) => Scope::ProjectsWrite,
            DocumentTarget::Group(_) => Scope::AdoptionsWrite,
        };
        let user = actor.require(scope)?;
        let draft = validation::attach_document(request, upload, chrono::Utc::now().date_naive())
            .map_err(AppError::Invalid)?;
        let organisation = self
            .document_author(actor, user, target, draft.organisation.as_deref())
            .await?;
        let (content, details) = match draft.content {
            DraftContent::Link(url) => {
                let details = json!({"url": url});
                (DocumentContent::Link(url), details)
            }
            DraftContent::File {
                filename,
                format,
                bytes,
            } => {
                let size_bytes = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
                let sha256 = self.document_files()?.keep(bytes).await.map_err(|error| {
                    tracing::error!(%error, "a document's file could not be written");
                    if error.kind() == std::io::ErrorKind::StorageFull {
                        AppError::Unavailable
                    } else {
                        AppError::Internal
                    }
                })?;
                let details = json!({"sha256": sha256, "filename": filename});
                let content = DocumentContent::File {
                    sha256,
                    filename,
                    media_type: format.media_type().to_string(),
                    size_bytes,
                };
                (content, details)
            }
        };
        let (slug, mut details) = (target_slug(target), details);
        details["title"] = json!(draft.title);
        details["kind"] = json!(draft.kind);
        details["organisation"] = json!(organisation);
        let audit = actor.audit(AuditAction::DocumentAttach, slug, Some(details));
        let document = NewDocument {
            target: target.clone(),
            title: draft.title,
            kind: draft.kind,
            date: draft.date,
            organisation,
            content,
            uploaded_by: user.id,
        };
        // A file kept for a write that then fails stays until the same content comes again:
        // it is never served without its row.
        self.store
            .attach_document(document, &audit)
            .await
            .map_err(|error| unknown_target(target, error))
    }

    /// The documents of a project or a group, the most recent first; 404 for an unknown one.
    pub async fn documents(&self, target: &DocumentTarget) -> AppResult<Vec<Document>> {
        match target {
            DocumentTarget::Project(slug) => {
                if self.store.project(slug).await?.is_none() {
                    return Err(unknown_project(slug));
                }
            }
            DocumentTarget::Group(slug) => {
                self.group(slug).await?;
            }
        }
        Ok(self.store.documents(target).await?)
    }

    /// A document with the path of its file, for its download.
    pub async fn document_file(&self, id: i64) -> AppResult<(Document, std::path::PathBuf)> {
        let document = self.store.document(id).await?.map(|stored| stored.document);
        let file = document.as_ref().and_then(|document| {
            let file = document.file.as_ref()?;
            self.documents.as_ref()?.path(&file.sha256)
        });
        match (document, file) {
            (Some(document), Some(path)) => Ok((document, path)),
            _ => Err(unknown_document(id)),
        }
    }

    /// Removes a document: the one who shared it, the agents of its organisation, the
    /// lead's agents for a group's, the maintainers for a project's, and moderators.
    pub async fn remove_document(&self, actor: &Actor, id: i64) -> AppResult<()> {
        let user = actor.user()?;
        let Some(StoredDocument {
            document,
            uploaded_by,
        }) = self.store.document(id).await?
        else {
            return Err(unknown_document(id));
        };
        let target = match (&document.project, &document.group) {
            (Some(project), _) => DocumentTarget::Project(project.clone()),
            (None, Some(group)) => DocumentTarget::Group(group.clone()),
            (None, None) => return Err(unknown_document(id)),
        };
        let scope = match target {
            DocumentTarget::Project(_) => Scope::ProjectsWrite,
            DocumentTarget::Group(_) => Scope::AdoptionsWrite,
        };
        actor.require(scope)?;
        let allowed = actor.moderates()
            || uploaded_by == Some(user.id)
            || match &document.organisation {
                Some(organisation) => self.store.is_agent(user.id, organisation).await?,
                None => false,
            }
            || match &target {
                DocumentTarget::Project(slug) => self.store.is_maintainer(slug, user.id).await?,
                DocumentTarget::Group(slug) => {
                    let group = self.group(slug).await?;
                    self.leads_group(actor, &group.lead).await?
                }
            };
        if !allowed {
            return Err(AppError::forbidden(
                "seuls la personne qui l'a partagé, les agents de son organisation, les \
                 responsables du projet ou du groupe et les modérateurs retirent un document",
            ));
        }
        let details = json!({"document": id, "title": document.title});
        let audit = actor.audit(
            AuditAction::DocumentRemove,
            target_slug(&target),
            Some(details),
        );
        let orphan = self
            .store
            .remove_document(id, &audit)
            .await
            .map_err(|error| match error {
                StoreError::NotFound(_) => unknown_document(id),
                other => other.into(),
            })?;
        if let Some(sha256) = orphan
            && let Err(error) = self.document_files()?.forget(&sha256).await
        {
            // The record is gone, so the file is never served again; it only takes space.
            tracing::warn!(%error, sha256, "a removed document's file could not be deleted");
        }
        Ok(())
    }

    /// Who shares the document: the organisation named, which the user must act for (and,
    /// for a group, which must take part in it); else the only one the user acts for there.
    /// A project's maintainers and moderators may share in no organisation's name.
    async fn document_author(
        &self,
        actor: &Actor,
        user: &User,
        target: &DocumentTarget,
        named: Option<&str>,
    ) -> AppResult<Option<String>> {
        let group = match target {
            DocumentTarget::Group(slug) => Some(self.group(slug).await?),
            DocumentTarget::Project(slug) => {
                if self.store.project(slug).await?.is_none() {
                    return Err(unknown_project(slug));
                }
                None
            }
        };
        let takes_part = |id: &str| group.as_ref().is_none_or(|g| g.includes(id));
        if let Some(named) = named {
            let Some(organisation) = self.store.organisation(named).await? else {
                return Err(unknown_organisation(named));
            };
            if !takes_part(&organisation.id) {
                return Err(AppError::invalid(
                    "organisation",
                    format!(
                        "{} ne fait pas partie de ce groupe de travail",
                        organisation.name
                    ),
                ));
            }
            if actor.moderates() || self.store.is_agent(user.id, &organisation.id).await? {
                return Ok(Some(organisation.id));
            }
            return Err(AppError::forbidden(format!(
                "vous n'êtes pas agent vérifié de {} : demandez à agir pour elle \
                 (POST /api/v1/claims)",
                organisation.name
            )));
        }
        let mine: Vec<String> = self
            .acting_for(user, group.as_ref())
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let free_to_share = actor.moderates()
            || match target {
                DocumentTarget::Project(slug) => self.store.is_maintainer(slug, user.id).await?,
                DocumentTarget::Group(_) => false,
            };
        match mine.as_slice() {
            [only] => Ok(Some(only.clone())),
            [] if free_to_share => Ok(None),
            [] => Err(AppError::forbidden(match group {
                Some(group) => format!(
                    "seuls les agents vérifiés des organisations du groupe « {} » et les \
                     modérateurs y partagent des documents",
                    group.name
                ),
                None => "seuls les mainteneurs du projet, les agents vérifiés d'une \
                         organisation et les modérateurs partagent des documents"
                    .to_string(),
            })),
            _ => Err(AppError::invalid(
                "organisation",
                format!(
                    "vous agissez pour plusieurs organisations ({}) : précisez laquelle partage \
                     ce document",
                    mine.join(", ")
                ),
            )),
        }
    }

    /// Whether the actor may share documents here, and in the name of which organisations
    /// (id, name): `None` when not at all; an empty list for a project's maintainer or a
    /// moderator who acts for no organisation.
    pub async fn document_sharing(
        &self,
        actor: &Actor,
        target: &DocumentTarget,
    ) -> AppResult<Option<Vec<(String, String)>>> {
        let Some(user) = &actor.user else {
            return Ok(None);
        };
        let (group, free) = match target {
            DocumentTarget::Group(slug) => (Some(self.group(slug).await?), actor.moderates()),
            DocumentTarget::Project(slug) => (
                None,
                actor.moderates() || self.store.is_maintainer(slug, user.id).await?,
            ),
        };
        let mut choices = self.acting_for(user, group.as_ref()).await?;
        if let Some(group) = group.filter(|_| actor.moderates()) {
            choices = group
                .organisations
                .iter()
                .map(|o| (o.id.clone(), o.name.clone()))
                .collect();
        }
        Ok((free || !choices.is_empty()).then_some(choices))
    }

    /// The organisations (id, name) the user is a verified agent of today, those of the
    /// group only when one is given.
    async fn acting_for(
        &self,
        user: &User,
        group: Option<&crate::model::Group>,
    ) -> AppResult<Vec<(String, String)>> {
        let now = chrono::Utc::now();
        Ok(self
            .store
            .claims(Some(ClaimStatus::Verified), Some(user.id))
            .await?
            .into_iter()
            .filter(|claim| claim.expires_at.is_none_or(|at| at > now))
            .filter(|claim| group.is_none_or(|g| g.includes(&claim.organisation)))
            .map(|claim| (claim.organisation, claim.organisation_name))
            .collect())
    }

    fn document_files(&self) -> AppResult<&crate::document_files::DocumentFiles> {
        self.documents.as_ref().ok_or_else(|| {
            tracing::error!("no folder for documents' files was given to the domain");
            AppError::Internal
        })
    }
}

fn target_slug(target: &DocumentTarget) -> &str {
    match target {
        DocumentTarget::Project(slug) | DocumentTarget::Group(slug) => slug,
    }
}

fn unknown_target(target: &DocumentTarget, error: StoreError) -> AppError {
    match (error, target) {
        (StoreError::NotFound(Entity::Project), DocumentTarget::Project(slug)) => {
            unknown_project(slug)
        }
        (StoreError::NotFound(Entity::Group), DocumentTarget::Group(slug)) => AppError::not_found(
            Entity::Group,
            format!("aucun groupe de travail « {} »", shorten(slug)),
        ),
        (other, _) => other.into(),
    }
}

fn unknown_document(id: i64) -> AppError {
    AppError::not_found(Entity::Document, format!("aucun document n° {id}"))
}
