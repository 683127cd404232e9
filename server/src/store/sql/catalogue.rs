//! The catalogue's figures: counts and categories: the SQL behind [`CatalogueStore`], compiled
//! once per engine.

use super::dialect::Engine;
use crate::store::prelude::*;

#[async_trait::async_trait]
impl CatalogueStore for Engine {
    async fn category_counts(&self) -> crate::store::StoreResult<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT c.category, COUNT(*) FROM project_categories c \
             JOIN projects p ON p.id = c.project_id WHERE p.hidden = FALSE \
             GROUP BY c.category ORDER BY c.category",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    async fn counts(&self) -> crate::store::StoreResult<crate::model::CatalogueCounts> {
        let (
            projects,
            organisations,
            adoptions,
            adopting_organisations,
            users,
            jobs_queued,
            jobs_failed,
        ): (i64, i64, i64, i64, i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM projects WHERE hidden = FALSE), \
                 (SELECT COUNT(*) FROM organisations), \
                 (SELECT COUNT(*) FROM adoptions WHERE status = 'in_use'), \
                 (SELECT COUNT(DISTINCT organisation_id) FROM adoptions WHERE status = 'in_use'), \
                 (SELECT COUNT(*) FROM users), \
                 (SELECT COUNT(*) FROM jobs WHERE state = 'queued'), \
                 (SELECT COUNT(*) FROM jobs WHERE state = 'failed')",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(crate::model::CatalogueCounts {
            projects,
            organisations,
            adoptions,
            adopting_organisations,
            users,
            jobs_queued,
            jobs_failed,
        })
    }
}
