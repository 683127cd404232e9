//! Release archives' digests and withdrawn versions: the SQL behind
//! [`ForgeStore`](crate::store::ForgeStore), and what `versions` adds to each version.

use chrono::{DateTime, Utc};

use super::dialect::{BEGIN_WRITE, Engine};
use crate::model::{ArchiveFormat, Audit, Version, VersionArchive};
use crate::store::StoreResult;
use crate::store::forge::BuiltArchive;

#[async_trait::async_trait]
impl crate::store::ForgeStore for Engine {
    async fn version_commit(
        &self,
        slug: &str,
        version: &str,
    ) -> StoreResult<Option<(i64, Option<String>)>> {
        Ok(sqlx::query_as(
            "SELECT p.id, v.commit_id FROM projects p \
             JOIN versions v ON v.project_id = p.id AND v.name = $2 \
             WHERE p.slug = $1 AND p.hidden = FALSE \
             UNION ALL SELECT p.id, w.commit_id FROM projects p \
             JOIN withdrawn_versions w ON w.project_id = p.id AND w.name = $2 \
             WHERE p.slug = $1 AND p.hidden = FALSE",
        )
        .bind(slug)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn move_home(&self, slug: &str, home: &str, audit: &Audit) -> StoreResult<bool> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let visible: Option<bool> =
            sqlx::query_scalar("SELECT hosted FROM projects WHERE slug = $1 AND hidden = FALSE")
                .bind(slug)
                .fetch_optional(&mut *tx)
                .await?;
        match visible {
            None => return Ok(false),
            Some(true) => return Ok(true),
            Some(false) => {}
        }
        sqlx::query(
            "UPDATE projects SET hosted = TRUE, imported_from = repository_url, \
             repository_url = $2, upstream_failing_since = NULL, updated_at = $3 WHERE slug = $1",
        )
        .bind(slug)
        .bind(home)
        .bind(chrono::Utc::now())
        .execute(&mut *tx)
        .await?;
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn served_repository(&self, slug: &str) -> StoreResult<Option<(i64, bool)>> {
        Ok(
            sqlx::query_as("SELECT id, hosted FROM projects WHERE slug = $1 AND hidden = FALSE")
                .bind(slug)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn record_archive(&self, archive: &BuiltArchive) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO version_archives \
             (project_id, version, format, commit_id, sha256, size_bytes, built_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (project_id, version, format) DO UPDATE SET \
             commit_id = excluded.commit_id, sha256 = excluded.sha256, \
             size_bytes = excluded.size_bytes, built_at = excluded.built_at",
        )
        .bind(archive.project_id)
        .bind(&archive.version)
        .bind(archive.format.extension())
        .bind(&archive.commit)
        .bind(&archive.sha256)
        .bind(archive.size_bytes)
        .bind(archive.built_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

impl Engine {
    /// The versions whose tag the upstream removed, most recently withdrawn first.
    pub(super) async fn withdrawn_versions(&self, project_id: i64) -> StoreResult<Vec<Version>> {
        let rows: Vec<WithdrawnRow> = sqlx::query_as(
            "SELECT name, semver, is_release, date, commit_id, commit_date, tagger_date, \
             withdrawn_at FROM withdrawn_versions WHERE project_id = $1 \
             ORDER BY withdrawn_at DESC, name",
        )
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(WithdrawnRow::into_version).collect())
    }

    /// Gives each version its archives' links, with the digests recorded for its current
    /// commit (a record of a commit the tag no longer names is stale).
    pub(super) async fn attach_archives(
        &self,
        project_id: i64,
        slug: &str,
        versions: &mut [Version],
    ) -> StoreResult<()> {
        let built: Vec<(String, String, String, i64, String)> = sqlx::query_as(
            "SELECT version, format, sha256, size_bytes, commit_id FROM version_archives \
             WHERE project_id = $1",
        )
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?;
        for version in versions.iter_mut() {
            let Some(commit) = version.commit.as_deref() else {
                continue;
            };
            let digests: Vec<(ArchiveFormat, String, i64)> = built
                .iter()
                .filter(|(name, .., built_from)| *name == version.name && built_from == commit)
                .filter_map(|(_, format, sha, size, _)| {
                    Some((ArchiveFormat::parse(format)?, sha.clone(), *size))
                })
                .collect();
            version.archives = VersionArchive::of_version(slug, &version.name, &digests);
        }
        Ok(())
    }
}

#[derive(sqlx::FromRow)]
struct WithdrawnRow {
    name: String,
    semver: Option<String>,
    is_release: bool,
    date: Option<DateTime<Utc>>,
    commit_id: Option<String>,
    commit_date: Option<DateTime<Utc>>,
    tagger_date: Option<DateTime<Utc>>,
    withdrawn_at: DateTime<Utc>,
}

impl WithdrawnRow {
    fn into_version(self) -> Version {
        Version {
            name: self.name,
            semver: self.semver,
            date: self.date,
            commit: self.commit_id,
            is_release: self.is_release,
            commit_date: self.commit_date,
            tagger_date: self.tagger_date,
            withdrawn_at: Some(self.withdrawn_at),
            archives: Vec::new(),
        }
    }
}
