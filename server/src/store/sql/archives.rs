//! Release archives' digests: the SQL behind [`ArchiveStore`](crate::store::ArchiveStore).

use super::dialect::Engine;
use crate::model::{ArchiveFormat, Version, VersionArchive};
use crate::store::StoreResult;
use crate::store::archives::BuiltArchive;

#[async_trait::async_trait]
impl crate::store::ArchiveStore for Engine {
    async fn version_commit(
        &self,
        slug: &str,
        version: &str,
    ) -> StoreResult<Option<(i64, Option<String>)>> {
        Ok(sqlx::query_as(
            "SELECT p.id, v.commit_id FROM projects p \
             JOIN versions v ON v.project_id = p.id AND v.name = $2 \
             WHERE p.slug = $1 AND p.hidden = FALSE",
        )
        .bind(slug)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?)
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
    /// Gives each version its archives' links, with the digests recorded for its current
    /// commit (a record of a commit the tag no longer names is stale).
    pub(super) async fn attach_archives(
        &self,
        project_id: i64,
        slug: &str,
        versions: &mut [Version],
    ) -> StoreResult<()> {
        let built: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT a.version, a.format, a.sha256, a.size_bytes FROM version_archives a \
             JOIN versions v ON v.project_id = a.project_id AND v.name = a.version \
             AND v.commit_id = a.commit_id WHERE a.project_id = $1",
        )
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?;
        for version in versions.iter_mut().filter(|v| v.commit.is_some()) {
            let digests: Vec<(ArchiveFormat, String, i64)> = built
                .iter()
                .filter(|(name, ..)| *name == version.name)
                .filter_map(|(_, format, sha, size)| {
                    Some((ArchiveFormat::parse(format)?, sha.clone(), *size))
                })
                .collect();
            version.archives = VersionArchive::of_version(slug, &version.name, &digests);
        }
        Ok(())
    }
}
