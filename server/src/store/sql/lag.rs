//! Version lag: the SQL behind [`VersionLagStore`], compiled once per engine.

use super::dialect::{Db, Engine};
use crate::model::{UpdateAvailable, UsedRelease, VersionUsage};
use crate::store::StoreResult;
use crate::store::prelude::*;

/// The id of the tag an adoption's declared version names: the same text, or with or
/// without a leading `v` (`2.1.0` and `v2.1.0`), the same text first. Scalar subqueries of a
/// select list, without outer columns in their ORDER BY, which SQLite cannot resolve.
macro_rules! declared_tag_id {
    () => {
        "COALESCE((SELECT m.id FROM versions m \
             WHERE m.project_id = a.project_id AND m.name = a.version), \
           (SELECT m.id FROM versions m WHERE m.project_id = a.project_id \
             AND (m.name = 'v' || a.version OR 'v' || m.name = a.version) \
             ORDER BY m.id LIMIT 1)) AS tag_id"
    };
}

/// Releases newer than the tag `v` (positions count from 0, the newest).
macro_rules! releases_newer {
    () => {
        "(SELECT COUNT(*) FROM versions r WHERE r.project_id = v.project_id \
           AND r.is_release = TRUE AND r.position < v.position)"
    };
}

#[derive(sqlx::FromRow)]
struct UsageRow {
    declared: Option<String>,
    adopters: i64,
    tag: Option<String>,
    tag_date: Option<chrono::DateTime<chrono::Utc>>,
    releases_behind: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct UpdateRow {
    project: String,
    project_name: String,
    version: String,
    latest: String,
    releases_behind: i64,
    tag_date: Option<chrono::DateTime<chrono::Utc>>,
    latest_date: Option<chrono::DateTime<chrono::Utc>>,
}

#[async_trait::async_trait]
impl VersionLagStore for Engine {
    async fn version_usage(&self, slug: &str) -> StoreResult<Option<Vec<VersionUsage>>> {
        let project: Option<i64> =
            sqlx::query_scalar("SELECT id FROM projects WHERE slug = $1 AND hidden = FALSE")
                .bind(slug)
                .fetch_optional(&self.pool)
                .await?;
        let Some(project) = project else {
            return Ok(None);
        };
        let rows: Vec<UsageRow> = sqlx::query_as::<Db, UsageRow>(concat!(
            // Spellings that name one tag (`1.0`, `v1.0`) are one version.
            // Adoptions are counted by version first, so that each version's tag is looked
            // up once, not once per adopter.
            "SELECT COALESCE(v.name, t.version) AS declared, \
             CAST(SUM(t.adopters) AS BIGINT) AS adopters, \
             v.name AS tag, v.date AS tag_date, CASE WHEN v.id IS NULL THEN NULL ELSE ",
            releases_newer!(),
            " END AS releases_behind \
             FROM (SELECT a.version, a.adopters, ",
            declared_tag_id!(),
            " FROM (SELECT project_id, version, COUNT(*) AS adopters FROM adoptions \
                   WHERE project_id = $1 AND status = 'in_use' GROUP BY project_id, version) a) t \
             LEFT JOIN versions v ON v.id = t.tag_id \
             GROUP BY COALESCE(v.name, t.version), v.id, v.name, v.date, v.project_id, \
               v.position"
        ))
        .bind(project)
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(
            rows.into_iter()
                .map(|r| VersionUsage {
                    declared: r.declared,
                    adopters: r.adopters,
                    tag: r.tag,
                    tag_date: r.tag_date,
                    releases_behind: r.releases_behind,
                })
                .collect(),
        ))
    }

    async fn updates_available(&self, organisation_id: &str) -> StoreResult<Vec<UpdateAvailable>> {
        let rows: Vec<UpdateRow> = sqlx::query_as::<Db, UpdateRow>(concat!(
            "SELECT p.slug AS project, p.name AS project_name, t.version AS version, \
             lv.name AS latest, ",
            releases_newer!(),
            " AS releases_behind, v.date AS tag_date, lv.date AS latest_date \
             FROM (SELECT a.project_id, a.version, ",
            declared_tag_id!(),
            ", (SELECT l.id FROM versions l WHERE l.project_id = a.project_id \
                 AND l.is_release = TRUE ORDER BY l.position, l.id LIMIT 1) AS latest_id \
               FROM adoptions a WHERE a.organisation_id = $1 AND a.status = 'in_use') t \
             JOIN projects p ON p.id = t.project_id \
             JOIN versions v ON v.id = t.tag_id \
             JOIN versions lv ON lv.id = t.latest_id \
             WHERE p.hidden = FALSE AND v.position > lv.position \
             ORDER BY lower(p.name), p.slug"
        ))
        .bind(organisation_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| UpdateAvailable {
                months_behind: match (r.tag_date, r.latest_date) {
                    (Some(tag), Some(latest)) => crate::model::months_between(tag, latest),
                    _ => None,
                },
                project: r.project,
                project_name: r.project_name,
                version: r.version,
                latest: r.latest,
                releases_behind: r.releases_behind,
            })
            .collect())
    }

    async fn releases_in_category(
        &self,
        category: &str,
        limit: i64,
    ) -> StoreResult<Vec<UsedRelease>> {
        Ok(sqlx::query_as::<Db, UsedRelease>(
            "SELECT p.slug AS project, p.name AS project_name, v.name AS version, v.date \
             FROM project_categories c JOIN projects p ON p.id = c.project_id \
             JOIN versions v ON v.project_id = c.project_id \
             WHERE c.category = $1 AND p.hidden = FALSE AND v.is_release = TRUE \
             ORDER BY v.date DESC NULLS LAST, v.id DESC LIMIT $2",
        )
        .bind(category)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn releases_used_by(
        &self,
        organisation_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<UsedRelease>> {
        Ok(sqlx::query_as::<Db, UsedRelease>(
            "SELECT p.slug AS project, p.name AS project_name, v.name AS version, v.date \
             FROM adoptions a JOIN projects p ON p.id = a.project_id \
             JOIN versions v ON v.project_id = a.project_id \
             WHERE a.organisation_id = $1 AND a.status = 'in_use' AND p.hidden = FALSE \
               AND v.is_release = TRUE \
             ORDER BY v.date DESC NULLS LAST, v.id DESC LIMIT $2",
        )
        .bind(organisation_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}
