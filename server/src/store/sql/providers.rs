//! Service providers of projects: the SQL behind [`ProviderStore`], compiled once per engine.

use chrono::{DateTime, Utc};

use super::dialect::{BEGIN_WRITE, Engine};
use crate::model::{
    Audit, Entity, Page, ProjectProvider, ProviderDeclaration, ServiceKind, Window,
};
use crate::store::prelude::*;
use crate::store::{ProviderFilter, StoreError, StoreResult};

/// The filter of provider lists: `$1` project slug, `$2` area, `$3` service, `$4` provider.
/// The providers come first (SQLite follows CROSS JOIN as written): with the optional
/// filters, its planner walked every project in name order (870 ms on 100,000 projects, for
/// a table of a few rows).
macro_rules! provider_filter {
    () => {
        " FROM project_providers pp CROSS JOIN projects p \
         JOIN organisations o ON o.id = pp.organisation_id \
         WHERE p.id = pp.project_id AND p.hidden = FALSE AND ($1 IS NULL OR p.slug = $1) \
         AND ($2 IS NULL OR NOT EXISTS (SELECT 1 FROM project_provider_areas a \
               WHERE a.project_id = pp.project_id AND a.organisation_id = pp.organisation_id) \
             OR EXISTS (SELECT 1 FROM project_provider_areas a WHERE a.project_id = pp.project_id \
               AND a.organisation_id = pp.organisation_id AND a.area = $2)) \
         AND ($3 IS NULL OR ',' || pp.services || ',' LIKE '%,' || $3 || ',%') \
         AND ($4 IS NULL OR pp.organisation_id = $4)"
    };
}

#[async_trait::async_trait]
impl ProviderStore for Engine {
    async fn declare_provider(
        &self,
        declaration: ProviderDeclaration,
        audit: &Audit,
    ) -> StoreResult<ProjectProvider> {
        let project_id = self.project_id(&declaration.project_slug).await?;
        let services: Vec<&str> = declaration.services.iter().map(|s| s.as_str()).collect();
        let now = Utc::now();
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        sqlx::query(
            "INSERT INTO project_providers (project_id, organisation_id, services, declared_by, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) \
             ON CONFLICT (project_id, organisation_id) DO UPDATE SET services = excluded.services, \
             declared_by = excluded.declared_by, updated_at = excluded.updated_at",
        )
        .bind(project_id)
        .bind(&declaration.organisation_id)
        .bind(services.join(","))
        .bind(declaration.declared_by)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM project_provider_areas WHERE project_id = $1 AND organisation_id = $2",
        )
        .bind(project_id)
        .bind(&declaration.organisation_id)
        .execute(&mut *tx)
        .await?;
        for area in &declaration.departements {
            sqlx::query(
                "INSERT INTO project_provider_areas (project_id, organisation_id, area) \
                 VALUES ($1, $2, $3)",
            )
            .bind(project_id)
            .bind(&declaration.organisation_id)
            .bind(area)
            .execute(&mut *tx)
            .await?;
        }
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        let filter = ProviderFilter {
            project: Some(declaration.project_slug.clone()),
            ..Default::default()
        };
        let all = self
            .providers(
                &filter,
                Window {
                    limit: 1000,
                    offset: 0,
                },
            )
            .await?;
        all.items
            .into_iter()
            .find(|p| p.organisation == declaration.organisation_id)
            .ok_or(StoreError::NotFound(Entity::Organisation))
    }

    async fn providers(
        &self,
        filter: &ProviderFilter,
        window: Window,
    ) -> StoreResult<Page<ProjectProvider>> {
        let service = filter.service.map(ServiceKind::as_str);
        let total: i64 = sqlx::query_scalar(concat!("SELECT COUNT(*)", provider_filter!()))
            .bind(&filter.project)
            .bind(&filter.departement)
            .bind(service)
            .bind(&filter.organisation)
            .fetch_one(&self.pool)
            .await?;
        type Row = (
            i64,
            String,
            String,
            String,
            String,
            String,
            String,
            DateTime<Utc>,
        );
        let rows: Vec<Row> = sqlx::query_as(concat!(
            "SELECT pp.project_id, p.slug, p.name, o.id, o.name, o.kind, pp.services, pp.updated_at",
            provider_filter!(),
            " ORDER BY lower(p.name), lower(o.name), o.id LIMIT $5 OFFSET $6"
        ))
        .bind(&filter.project)
        .bind(&filter.departement)
        .bind(service)
        .bind(&filter.organisation)
        .bind(window.limit)
        .bind(window.offset)
        .fetch_all(&self.pool)
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        for (
            project_id,
            project,
            project_name,
            organisation,
            organisation_name,
            kind,
            services,
            updated_at,
        ) in rows
        {
            let departements: Vec<String> = sqlx::query_scalar(
                "SELECT area FROM project_provider_areas WHERE project_id = $1 \
                 AND organisation_id = $2 ORDER BY area",
            )
            .bind(project_id)
            .bind(&organisation)
            .fetch_all(&self.pool)
            .await?;
            items.push(ProjectProvider {
                project,
                project_name,
                organisation,
                organisation_name,
                organisation_kind: kind,
                // Only `ServiceKind` texts are written.
                services: services.split(',').filter_map(ServiceKind::parse).collect(),
                departements,
                updated_at,
            });
        }
        Ok(Page { items, total })
    }
}
