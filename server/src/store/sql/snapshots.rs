//! What indexing a repository stores: its snapshot, or why it was unchanged or failed: the SQL
//! behind [`SnapshotStore`], compiled once per engine.

use super::dialect::{BEGIN_WRITE, Db, Engine};
use crate::store::prelude::*;

type IndexTargetRow = (i64, String, String, Option<String>, bool, Option<String>);

#[async_trait::async_trait]
impl SnapshotStore for Engine {
    async fn index_target(
        &self,
        project_id: i64,
    ) -> crate::store::StoreResult<Option<crate::model::IndexTarget>> {
        let row: Option<IndexTargetRow> = sqlx::query_as(
            "SELECT id, slug, repository_url, refs_digest, hosted, imported_from FROM projects \
             WHERE id = $1",
        )
        .bind(project_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(
            |(id, slug, repository_url, refs_digest, hosted, imported_from)| {
                crate::model::IndexTarget {
                    id,
                    slug,
                    repository_url,
                    refs_digest,
                    hosted,
                    imported_from,
                }
            },
        ))
    }

    async fn project_ids(&self, slugs: &[String]) -> crate::store::StoreResult<Vec<(i64, String)>> {
        let all: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, slug FROM projects WHERE hidden = FALSE ORDER BY slug")
                .fetch_all(&self.pool)
                .await?;
        if slugs.is_empty() {
            return Ok(all);
        }
        Ok(all
            .into_iter()
            .filter(|(_, slug)| slugs.contains(slug))
            .collect())
    }

    async fn save_snapshot(
        &self,
        project_id: i64,
        snapshot: crate::model::SnapshotRecord,
        at: chrono::DateTime<chrono::Utc>,
    ) -> crate::store::StoreResult<()> {
        let mut known = Vec::new();
        for label in &snapshot.used_by {
            if let Some(organisation) = self.resolve_organisation_name(label).await? {
                known.push((organisation, label.clone()));
            }
        }
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        Self::replace_known_users(&mut tx, project_id, "publiccode", &known, at).await?;
        // Mark every version, upsert the current ones, sweep those still marked:
        // tags that disappeared go, the others keep their ids.
        sqlx::query("UPDATE versions SET position = -1 WHERE project_id = $1")
            .bind(project_id)
            .execute(&mut *tx)
            .await?;
        let numbered: Vec<(i64, &crate::model::VersionRecord)> =
            (0_i64..).zip(snapshot.versions.iter()).collect();
        for chunk in numbered.chunks(crate::store::rows::VERSION_BATCH) {
            let mut query = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO versions (project_id, name, semver, is_release, date, commit_id, \
                 position, commit_date, tagger_date) ",
            );
            query.push_values(chunk, |mut row, (position, v)| {
                row.push_bind(project_id)
                    .push_bind(v.name.clone())
                    .push_bind(v.semver.clone())
                    .push_bind(v.is_release)
                    .push_bind(v.date)
                    .push_bind(v.commit.clone())
                    .push_bind(*position)
                    .push_bind(v.commit_date)
                    .push_bind(v.tagger_date);
            });
            query.push(
                " ON CONFLICT (project_id, name) DO UPDATE SET semver = excluded.semver, \
                 is_release = excluded.is_release, date = excluded.date, \
                 commit_id = excluded.commit_id, position = excluded.position, \
                 commit_date = excluded.commit_date, tagger_date = excluded.tagger_date",
            );
            query.build().execute(&mut *tx).await?;
        }
        // Tags the upstream removed: their commits stay in the mirror, so they stay listed.
        sqlx::query(
            "INSERT INTO withdrawn_versions (project_id, name, semver, is_release, date, \
             commit_id, commit_date, tagger_date, withdrawn_at) \
             SELECT project_id, name, semver, is_release, date, commit_id, commit_date, \
             tagger_date, $2 FROM versions WHERE project_id = $1 AND position = -1 \
             ON CONFLICT (project_id, name) DO UPDATE SET semver = excluded.semver, \
             is_release = excluded.is_release, date = excluded.date, \
             commit_id = excluded.commit_id, commit_date = excluded.commit_date, \
             tagger_date = excluded.tagger_date, withdrawn_at = excluded.withdrawn_at",
        )
        .bind(project_id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM withdrawn_versions WHERE project_id = $1 AND name IN \
             (SELECT name FROM versions WHERE project_id = $1 AND position >= 0)",
        )
        .bind(project_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM versions WHERE project_id = $1 AND position = -1")
            .bind(project_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE projects SET refs_digest = $1, default_branch = $2, head_commit = $3, \
             readme_html = $4, readme_text = $5, publiccode_json = $6, \
             publiccode_report_json = $7, health_json = $8, \
             license = COALESCE($9, license), license_source = COALESCE($10, license_source), \
             problems_json = $11, index_state = 'ok', index_error = NULL, \
             upstream_failing_since = NULL, \
             last_indexed_at = $12, last_fetch_at = $12, updated_at = $12 WHERE id = $13",
        )
        .bind(&snapshot.refs_digest)
        .bind(&snapshot.default_branch)
        .bind(&snapshot.head_commit)
        .bind(&snapshot.readme_html)
        .bind(&snapshot.readme_text)
        .bind(&snapshot.publiccode_json)
        .bind(&snapshot.publiccode_report_json)
        .bind(&snapshot.health_json)
        .bind(&snapshot.license)
        .bind(&snapshot.license_source)
        .bind(&snapshot.problems_json)
        .bind(at)
        .bind(project_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO change_log (entity, entity_id, at) VALUES ('project', $1, $2)")
            .bind(project_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn record_unchanged(
        &self,
        project_id: i64,
        at: chrono::DateTime<chrono::Utc>,
    ) -> crate::store::StoreResult<()> {
        sqlx::query(
            "UPDATE projects SET index_state = 'ok', index_error = NULL, \
             upstream_failing_since = NULL, last_indexed_at = $1, last_fetch_at = $1 \
             WHERE id = $2",
        )
        .bind(at)
        .bind(project_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn record_index_failure(
        &self,
        project_id: i64,
        error: &str,
        upstream_outage: bool,
        at: chrono::DateTime<chrono::Utc>,
    ) -> crate::store::StoreResult<()> {
        sqlx::query(
            "UPDATE projects SET index_state = 'failed', index_error = $1, last_fetch_at = $2, \
             upstream_failing_since = CASE WHEN $4 THEN COALESCE(upstream_failing_since, $2) \
             ELSE upstream_failing_since END WHERE id = $3",
        )
        .bind(error)
        .bind(at)
        .bind(project_id)
        .bind(upstream_outage)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
