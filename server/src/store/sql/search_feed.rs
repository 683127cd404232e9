//! What the search index reads: project sources and the change log: the SQL behind
//! [`SearchFeedStore`], compiled once per engine.

use super::dialect::{Db, Engine};
use crate::store::prelude::*;

#[async_trait::async_trait]
impl SearchFeedStore for Engine {
    async fn search_sources(
        &self,
        project_ids: &[i64],
    ) -> crate::store::StoreResult<Vec<crate::model::SearchSource>> {
        use std::collections::HashMap;
        if project_ids.is_empty() {
            return Ok(Vec::new());
        }
        let in_list = |sql: &str| {
            let mut query = sqlx::QueryBuilder::<Db>::new(sql);
            let mut ids = query.separated(", ");
            for id in project_ids {
                ids.push_bind(*id);
            }
            query.push(")");
            query
        };
        type Row = (
            i64,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            chrono::DateTime<chrono::Utc>,
            Option<chrono::DateTime<chrono::Utc>>,
        );
        let rows: Vec<Row> = in_list(
            "SELECT p.id, p.slug, p.name, p.summary, p.license, p.publiccode_json, p.readme_text, \
             p.health_json, p.updated_at, \
             (SELECT v.date FROM versions v WHERE v.project_id = p.id AND v.is_release = TRUE \
              ORDER BY v.position LIMIT 1) \
             FROM projects p WHERE p.hidden = FALSE AND p.id IN (",
        )
        .build_query_as()
        .fetch_all(&self.pool)
        .await?;
        let categories: Vec<(i64, String)> =
            in_list("SELECT project_id, category FROM project_categories WHERE project_id IN (")
                .build_query_as()
                .fetch_all(&self.pool)
                .await?;
        let adopters: Vec<(i64, String, Option<String>, String, String)> = in_list(
            "SELECT a.project_id, o.name, o.departement, o.kind, a.status FROM adoptions a \
             JOIN organisations o ON o.id = a.organisation_id \
             WHERE a.status <> 'stopped' AND a.project_id IN (",
        )
        .build_query_as()
        .fetch_all(&self.pool)
        .await?;
        let maintainers: Vec<(i64, String)> = in_list(
            "SELECT m.project_id, u.name FROM project_maintainers m \
             JOIN users u ON u.id = m.user_id WHERE m.project_id IN (",
        )
        .build_query_as()
        .fetch_all(&self.pool)
        .await?;
        let mut by_project: HashMap<i64, crate::model::SearchSource> = rows
            .into_iter()
            .map(
                |(
                    id,
                    slug,
                    name,
                    summary,
                    license,
                    publiccode_json,
                    readme_text,
                    health_json,
                    updated_at,
                    latest_release_at,
                )| {
                    (
                        id,
                        crate::model::SearchSource {
                            id,
                            slug,
                            name,
                            summary,
                            categories: Vec::new(),
                            license,
                            publiccode_json,
                            readme_text,
                            health_json,
                            adopters: Vec::new(),
                            maintainers: Vec::new(),
                            adopters_count: 0,
                            latest_release_at,
                            updated_at,
                        },
                    )
                },
            )
            .collect();
        for (id, category) in categories {
            if let Some(source) = by_project.get_mut(&id) {
                source.categories.push(category);
            }
        }
        for (id, name, departement, kind, status) in adopters {
            if let Some(source) = by_project.get_mut(&id) {
                source.adopters_count += i64::from(status == "in_use");
                source.adopters.push(crate::model::AdopterRef {
                    name,
                    departement,
                    kind,
                });
            }
        }
        for (id, name) in maintainers {
            if let Some(source) = by_project.get_mut(&id) {
                source.maintainers.push(name);
            }
        }
        let mut sources: Vec<_> = by_project.into_values().collect();
        sources.sort_by_key(|s| s.id);
        Ok(sources)
    }

    async fn all_project_ids(&self) -> crate::store::StoreResult<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM projects WHERE hidden = FALSE ORDER BY id")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn changes_after(
        &self,
        after_id: i64,
        recent_since: chrono::DateTime<chrono::Utc>,
        limit: i64,
    ) -> crate::store::StoreResult<Vec<(i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT id, entity_id FROM change_log WHERE entity = 'project' \
             AND (id > $1 OR at >= $2) ORDER BY id LIMIT $3",
        )
        .bind(after_id)
        .bind(recent_since)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn last_change_id(&self) -> crate::store::StoreResult<i64> {
        let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM change_log")
            .fetch_one(&self.pool)
            .await?;
        Ok(id.unwrap_or(0))
    }
}
