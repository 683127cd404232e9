//! Service providers: companies and public operators offering their services for a project,
//! in the territories they cover.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

text_values! {
    /// What a provider offers for a project.
    ServiceKind {
        Support = "support",
        Hosting = "hosting",
        Training = "training",
        Development = "development",
    }
}

/// A provider of a project, as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectProvider {
    /// Project slug.
    pub project: String,
    pub project_name: String,
    /// Organisation id of the provider.
    pub organisation: String,
    pub organisation_name: String,
    pub organisation_kind: String,
    pub services: Vec<ServiceKind>,
    /// Département codes (`33`, `2A`) and Belgian provinces (`be-50000`) covered; empty
    /// means everywhere.
    pub departements: Vec<String>,
    pub updated_at: DateTime<Utc>,
}

/// A provider's offer as it is to be written, checked and resolved.
#[derive(Debug, Clone)]
pub struct ProviderDeclaration {
    pub project_slug: String,
    pub organisation_id: String,
    pub services: Vec<ServiceKind>,
    pub departements: Vec<String>,
    pub declared_by: i64,
}
