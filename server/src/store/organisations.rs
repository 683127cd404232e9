//! Organisations: reference data, search, details, e-mail domains, peer suggestions: the part
//! of the [`Store`](super::Store) interface that keeps them.

use async_trait::async_trait;

use super::*;
use crate::model::*;
use crate::reference::ReferenceData;

/// Organisations: reference data, search, details, e-mail domains, peer suggestions.
#[async_trait]
pub trait OrganisationStore: Send + Sync {
    /// The edition of reference data last loaded, if any.
    async fn reference_edition(&self) -> StoreResult<Option<String>>;
    /// Inserts or updates every reference organisation, membership and alias, and records
    /// the edition; running it twice changes nothing.
    async fn load_reference(&self, data: &ReferenceData) -> StoreResult<()>;
    /// E-mail domains whose owners are taken to speak for the organisation.
    async fn email_domains(&self, organisation_id: &str) -> StoreResult<Vec<String>>;
    async fn set_email_domains(
        &self,
        organisation_id: &str,
        domains: &[String],
        audit: &Audit,
    ) -> StoreResult<()>;
    async fn search_organisations(
        &self,
        query: &OrganisationQuery,
        window: Window,
    ) -> StoreResult<Page<Organisation>>;
    /// The organisation with this id, or the current one that an old code resolves to.
    async fn organisation(&self, id: &str) -> StoreResult<Option<Organisation>>;
    async fn organisation_detail(&self, id: &str) -> StoreResult<Option<OrganisationDetail>>;
    /// Projects that peers of this organisation use and it does not declare: peers of its
    /// EPCI, of its pooling structures, of its working groups, of its département and, for a
    /// commune, of its population band; each with every reason, the closest circle first.
    async fn peer_suggestions(
        &self,
        organisation_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<PeerSuggestion>>;
}
