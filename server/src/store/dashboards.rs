//! The facts dashboards are drawn from: the part of the [`Store`](super::Store) interface
//! that reads them.

use async_trait::async_trait;

use super::*;
use crate::model::*;

/// The facts dashboards are drawn from.
#[async_trait]
pub trait DashboardStore: Send + Sync {
    /// For the whole catalogue (`scope` none) or one scope and id: an organisation with its
    /// members, a group's organisations, a département's organisations.
    async fn dashboard_facts(
        &self,
        scope: Option<(DashboardScope, &str)>,
    ) -> StoreResult<DashboardFacts>;
}
