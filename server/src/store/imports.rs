//! Bulk imports: projects and adoptions brought in from elsewhere (a SILL list, a set of
//! publiccode.yml files, a dump of another instance, a benchmark's corpus), written in batches
//! of multi-row statements: the part of the [`Store`](super::Store) interface that loads them.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::*;
use crate::model::*;

/// A project brought in from elsewhere, already validated as registration validates it, with
/// what an indexing run would have stored (the next run replaces it).
#[derive(Debug, Clone)]
pub struct ImportedProject {
    /// Slug, name, summary, repository and categories.
    pub project: NewProject,
    /// SPDX expression.
    pub license: Option<String>,
    /// README rendered to sanitised HTML.
    pub readme_html: Option<String>,
    /// README as plain text, for search.
    pub readme_text: Option<String>,
    /// The parsed publiccode.yml, as JSON.
    pub publiccode_json: Option<String>,
    /// Activity figures ([`Health`]), as JSON.
    pub health_json: Option<String>,
    /// Versions, newest first.
    pub versions: Vec<VersionRecord>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the fields above were read from the repository: the project is then indexed.
    /// `None` leaves it pending and queues its first indexing, as registration does.
    pub indexed_at: Option<DateTime<Utc>>,
}

/// An organisation's use of a project, brought in from elsewhere, already validated.
#[derive(Debug, Clone)]
pub struct ImportedAdoption {
    /// The project's id, as [`ImportStore::import_projects`] or a read returned it.
    pub project_id: i64,
    /// The organisation's current id (old codes already resolved).
    pub organisation_id: String,
    pub version: Option<String>,
    pub status: AdoptionStatus,
    pub since: Option<NaiveDate>,
    pub verification: Verification,
    /// When the use was declared where it comes from.
    pub declared_at: DateTime<Utc>,
}

/// Why a batch was refused whole: nothing of it was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportRefusal {
    /// The slug is taken, or named twice in the batch.
    #[error("le slug « {0} » est déjà pris ou figure deux fois dans le lot")]
    Slug(String),
    /// The repository is registered, or named twice in the batch.
    #[error("le dépôt « {0} » est déjà enregistré ou figure deux fois dans le lot")]
    RepositoryUrl(String),
    /// The organisation already declares this project, or the batch says so twice.
    #[error(
        "l'organisation « {organisation_id} » déclare déjà le projet n° {project_id}, ou le lot \
         le dit deux fois"
    )]
    Adoption {
        project_id: i64,
        organisation_id: String,
    },
    #[error("aucun projet n° {0}")]
    UnknownProject(i64),
    #[error("aucune organisation « {0} »")]
    UnknownOrganisation(String),
}

/// Bulk imports: each call is one transaction with one audit entry, so that a batch is
/// written whole or not at all; each changed project gets a change-log row, so that the
/// search index follows (or a rebuild finds it).
#[async_trait]
pub trait ImportStore: Send + Sync {
    /// Writes the projects, their categories and versions; returns their ids, in order. No
    /// maintainer is added: the audit entry's user is recorded as the registrant.
    async fn import_projects(
        &self,
        projects: &[ImportedProject],
        audit: &Audit,
    ) -> StoreResult<Vec<i64>>;
    /// Writes the adoptions, each with its declaration in the history.
    async fn import_adoptions(
        &self,
        adoptions: &[ImportedAdoption],
        audit: &Audit,
    ) -> StoreResult<()>;
}
