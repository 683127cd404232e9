//! Service providers of projects: the part of the [`Store`](super::Store) interface that
//! keeps them.

use async_trait::async_trait;

use super::*;
use crate::model::*;

/// Which providers to list.
#[derive(Debug, Clone, Default)]
pub struct ProviderFilter {
    /// Project slug.
    pub project: Option<String>,
    /// A département code or a Belgian province (`be-50000`): providers covering it, and
    /// those covering everywhere.
    pub departement: Option<String>,
    pub service: Option<ServiceKind>,
    /// The provider's organisation id.
    pub organisation: Option<String>,
}

/// Service providers of projects.
#[async_trait]
pub trait ProviderStore: Send + Sync {
    /// Records (or replaces) a provider's offer for a project; `NotFound` for a project
    /// unknown or hidden.
    async fn declare_provider(
        &self,
        declaration: ProviderDeclaration,
        audit: &Audit,
    ) -> StoreResult<ProjectProvider>;
    /// Providers, by project then name.
    async fn providers(
        &self,
        filter: &ProviderFilter,
        window: Window,
    ) -> StoreResult<Page<ProjectProvider>>;
}
