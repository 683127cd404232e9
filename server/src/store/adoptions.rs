//! Adoptions: declarations, their history, and the figures drawn from them: the part of the
//! [`Store`](super::Store) interface that keeps them.

use async_trait::async_trait;

use super::*;
use crate::model::*;

/// Adoptions: declarations, their history, and the figures drawn from them.
#[async_trait]
pub trait AdoptionStore: Send + Sync {
    /// How the existing adoption of a project by an organisation was verified, if any.
    async fn adoption_verification(
        &self,
        slug: &str,
        organisation_id: &str,
    ) -> StoreResult<Option<Verification>>;
    /// Declares (or updates) an organisation's use of a project, keeping the history.
    /// Returns the adoption and whether it is new.
    async fn declare_adoption(
        &self,
        declaration: AdoptionDeclaration,
        audit: &Audit,
    ) -> StoreResult<(Adoption, bool)>;
    /// Declares (or updates) several adoptions at once, all or none, under one audit entry.
    async fn declare_adoptions(
        &self,
        declarations: Vec<AdoptionDeclaration>,
        audit: &Audit,
    ) -> StoreResult<Vec<Adoption>>;
    /// Every declaration made about one adoption, oldest first.
    async fn adoption_history(
        &self,
        slug: &str,
        organisation_id: &str,
    ) -> StoreResult<Vec<AdoptionEvent>>;
    async fn project_adoptions(&self, slug: &str, window: Window) -> StoreResult<Page<Adoption>>;
    async fn organisation_adoptions(&self, id: &str, window: Window)
    -> StoreResult<Page<Adoption>>;
    /// Organisations using a project (in use or evaluating), per département.
    async fn adopters_by_departement(&self, slug: &str) -> StoreResult<Vec<(String, i64)>>;
    /// Organisations running each version of a project (in use), most common first.
    async fn versions_in_use(&self, slug: &str) -> StoreResult<Vec<(Option<String>, i64)>>;
}
