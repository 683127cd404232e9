//! Organisations without an official code, created by their agents: pooling structures
//! (OPSN, associations, intercommunales, syndicats mixtes, centres de gestion) and companies.

use serde::Serialize;
use utoipa::ToSchema;

text_values! {
    /// The kind of an organisation created through the API (`org-{slug}`).
    CreatedKind {
        /// Opérateur public de services numériques (the Déclic network).
        Opsn = "opsn",
        Association = "association",
        /// A Belgian intercommunale, such as IMIO.
        Intercommunale = "intercommunale",
        /// A syndicat mixte or intercommunal.
        Syndicat = "syndicat",
        CentreDeGestion = "centre_de_gestion",
        /// A company offering its services.
        Company = "company",
        /// Another public body.
        Public = "public",
    }
}

impl CreatedKind {
    /// Whether organisations of this kind pool software for members.
    pub fn pools(self) -> bool {
        !matches!(self, CreatedKind::Company | CreatedKind::Public)
    }
}

/// A structure's membership relation in `organisation_memberships`, beside those the
/// reference data gives (`epci`, `province`, `cpas`).
pub const STRUCTURE_RELATION: &str = "structure";

/// An organisation to create.
#[derive(Debug, Clone)]
pub struct NewOrganisation {
    /// `org-{slug}`.
    pub id: String,
    pub name: String,
    pub kind: CreatedKind,
    /// `FR` or `BE`.
    pub country: String,
    pub departement: Option<String>,
    pub website: Option<String>,
    pub created_by: i64,
}

/// A pooling structure's member.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StructureMember {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub departement: Option<String>,
}
