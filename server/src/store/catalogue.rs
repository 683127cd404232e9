//! The catalogue's figures: counts and categories: the part of the [`Store`](super::Store)
//! interface that keeps them.

use async_trait::async_trait;

use super::*;
use crate::model::*;

/// The catalogue's figures: counts and categories.
#[async_trait]
pub trait CatalogueStore: Send + Sync {
    async fn counts(&self) -> StoreResult<CatalogueCounts>;
    /// Visible projects per category slug.
    async fn category_counts(&self) -> StoreResult<Vec<(String, i64)>>;
}
