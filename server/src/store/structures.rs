//! Organisations created by their agents, and the members of pooling structures: the part of
//! the [`Store`](super::Store) interface that keeps them.

use async_trait::async_trait;

use super::*;
use crate::model::*;

/// Organisations created by their agents, and the members of pooling structures.
#[async_trait]
pub trait StructureStore: Send + Sync {
    /// Creates an organisation; [`Conflict::OrganisationId`] when the id is taken.
    async fn create_organisation(
        &self,
        organisation: NewOrganisation,
        audit: &Audit,
    ) -> StoreResult<Organisation>;
    /// A structure's members, by name.
    async fn structure_members(&self, structure_id: &str) -> StoreResult<Vec<StructureMember>>;
    /// Replaces a structure's members (current organisation ids).
    async fn set_structure_members(
        &self,
        structure_id: &str,
        members: &[String],
        audit: &Audit,
    ) -> StoreResult<()>;
    /// What a structure's members use, by project then organisation.
    async fn member_adoptions(&self, structure_id: &str) -> StoreResult<Vec<Adoption>>;
}
