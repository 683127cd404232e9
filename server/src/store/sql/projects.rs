//! Projects: registration, reading, editing, maintainers, visibility, known users, versions,
//! webhook secrets: the SQL behind [`ProjectStore`], compiled once per engine.

use super::dialect::{BEGIN_WRITE, Db, Engine, REGISTER_LOCK};
use crate::store::prelude::*;

#[async_trait::async_trait]
impl ProjectStore for Engine {
    async fn set_project_hidden(
        &self,
        slug: &str,
        hidden: bool,
        audit: &crate::model::Audit,
    ) -> crate::store::StoreResult<bool> {
        let now = chrono::Utc::now();
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let id: Option<i64> = sqlx::query_scalar(
            "UPDATE projects SET hidden = $1, updated_at = $2 WHERE slug = $3 RETURNING id",
        )
        .bind(hidden)
        .bind(now)
        .bind(slug)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = id {
            sqlx::query(
                "INSERT INTO change_log (entity, entity_id, at) VALUES ('project', $1, $2)",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        } else {
            return Ok(false);
        }
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn repository_urls(&self) -> crate::store::StoreResult<Vec<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT slug, repository_url FROM projects ORDER BY id")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn set_repository_url(
        &self,
        slug: &str,
        url: &str,
        audit: &crate::model::Audit,
    ) -> crate::store::StoreResult<bool> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let changed = sqlx::query("UPDATE projects SET repository_url = $1 WHERE slug = $2")
            .bind(url)
            .bind(slug)
            .execute(&mut *tx)
            .await;
        match changed {
            Ok(done) if done.rows_affected() == 0 => return Ok(false),
            Ok(_) => {}
            Err(error) if crate::store::is_unique_violation(&error) => {
                drop(tx);
                let holder: Option<String> =
                    sqlx::query_scalar("SELECT slug FROM projects WHERE repository_url = $1")
                        .bind(url)
                        .fetch_optional(&self.pool)
                        .await?;
                return Err(crate::store::StoreError::Conflict(
                    crate::store::Conflict::RepositoryUrl(holder.unwrap_or_default()),
                ));
            }
            Err(error) => return Err(error.into()),
        }
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn hidden_projects(&self) -> crate::store::StoreResult<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT slug, name FROM projects WHERE hidden = TRUE ORDER BY lower(name), slug",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    async fn add_maintainer(
        &self,
        slug: &str,
        user_id: i64,
        audit: &crate::model::Audit,
    ) -> crate::store::StoreResult<()> {
        let id = self.project_id(slug).await?;
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        sqlx::query(
            "INSERT INTO project_maintainers (project_id, user_id, role, created_at) \
             VALUES ($1, $2, 'maintainer', $3) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(user_id)
        .bind(chrono::Utc::now())
        .execute(&mut *tx)
        .await?;
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn register_project(
        &self,
        project: crate::model::NewProject,
        registrant: i64,
        audit: &crate::model::Audit,
    ) -> crate::store::StoreResult<crate::model::Project> {
        use crate::store::{Conflict, StoreError};
        let now = chrono::Utc::now();
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        if !REGISTER_LOCK.is_empty() {
            sqlx::query(REGISTER_LOCK).execute(&mut *tx).await?;
        }
        // The repository under either spelling (`/x`, `/x.git`): the unique index only sees
        // the one given.
        let taken: Vec<(String, String)> = sqlx::query_as(
            "SELECT slug, repository_url FROM projects \
             WHERE slug = $1 OR repository_url = $2 OR repository_url = $3",
        )
        .bind(&project.slug)
        .bind(project.repository_url())
        .bind(
            project
                .repository_twin()
                .unwrap_or(project.repository_url()),
        )
        .fetch_all(&mut *tx)
        .await?;
        if let Some((slug, _)) = taken.iter().find(|(slug, _)| *slug != project.slug) {
            return Err(StoreError::Conflict(Conflict::RepositoryUrl(slug.clone())));
        }
        if !taken.is_empty() {
            return Err(StoreError::Conflict(Conflict::Slug));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO projects (slug, name, summary, repository_url, registered_by, \
             created_at, updated_at, hosted, imported_from) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8) RETURNING id",
        )
        .bind(&project.slug)
        .bind(&project.name)
        .bind(&project.summary)
        .bind(project.repository_url())
        .bind(registrant)
        .bind(now)
        .bind(project.hosted.is_some())
        .bind(
            project
                .hosted
                .as_ref()
                .and_then(|h| h.imported_from.clone()),
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if crate::store::is_unique_violation(&e) {
                StoreError::Conflict(Conflict::Slug)
            } else {
                e.into()
            }
        })?;
        for category in &project.categories {
            sqlx::query("INSERT INTO project_categories (project_id, category) VALUES ($1, $2)")
                .bind(id)
                .bind(category)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO project_maintainers (project_id, user_id, role, created_at) \
             VALUES ($1, $2, 'owner', $3)",
        )
        .bind(id)
        .bind(registrant)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO jobs (kind, project_id, state, run_after, created_at, updated_at) \
             VALUES ($3, $1, 'queued', $2, $2, $2) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(now)
        .bind(crate::model::JobKind::Index.as_str())
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO change_log (entity, entity_id, at) VALUES ('project', $1, $2)")
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        self.project(&project.slug)
            .await?
            .ok_or(StoreError::NotFound(crate::model::Entity::Project))
    }

    async fn project(
        &self,
        slug: &str,
    ) -> crate::store::StoreResult<Option<crate::model::Project>> {
        let row: Option<crate::store::rows::ProjectRow> = sqlx::query_as(concat!(
            crate::store::rows::project_select!(),
            " WHERE p.slug = $1 AND p.hidden = FALSE"
        ))
        .bind(slug)
        .fetch_optional(&self.pool)
        .await?;
        Ok(self
            .attach_categories(row.into_iter().collect())
            .await?
            .pop())
    }

    async fn list_projects(
        &self,
        filter: &crate::model::ProjectFilter,
        window: crate::model::Window,
    ) -> crate::store::StoreResult<crate::model::Page<crate::model::Project>> {
        let total: i64 = sqlx::query_scalar(concat!(
            "SELECT COUNT(*) FROM projects p",
            crate::store::rows::project_filter!()
        ))
        .bind(&filter.category)
        .bind(&filter.license)
        .fetch_one(&self.pool)
        .await?;
        use crate::model::ProjectOrder;
        // The page's ids are chosen on the bare table (an index gives the order), and
        // only those rows are then joined with their counts and latest version.
        let sql = match filter.order {
            ProjectOrder::Name => crate::store::rows::page_of_projects!("lower(p.name), p.id"),
            ProjectOrder::RecentlyUpdated => {
                crate::store::rows::page_of_projects!("p.updated_at DESC, p.id DESC")
            }
            ProjectOrder::MostAdopted => crate::store::rows::page_of_projects!(
                "(SELECT COUNT(*) FROM adoptions a WHERE a.project_id = p.id \
                 AND a.status = 'in_use') DESC, lower(p.name), p.id"
            ),
            // Ids grow with each registration: the primary key gives the order.
            ProjectOrder::Newest => crate::store::rows::page_of_projects!("p.id DESC"),
        };
        let rows: Vec<crate::store::rows::ProjectRow> = sqlx::query_as(sql)
            .bind(&filter.category)
            .bind(&filter.license)
            .bind(window.limit)
            .bind(window.offset)
            .fetch_all(&self.pool)
            .await?;
        Ok(crate::model::Page {
            items: self.attach_categories(rows).await?,
            total,
        })
    }

    async fn update_project(
        &self,
        slug: &str,
        changes: crate::model::ProjectChanges,
        audit: &crate::model::Audit,
    ) -> crate::store::StoreResult<crate::model::Project> {
        let id = self.project_id(slug).await?;
        let now = chrono::Utc::now();
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        sqlx::query(
            "UPDATE projects SET name = COALESCE($1, name), summary = COALESCE($2, summary), \
             updated_at = $3 WHERE id = $4",
        )
        .bind(&changes.name)
        .bind(&changes.summary)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if let Some(categories) = &changes.categories {
            sqlx::query("DELETE FROM project_categories WHERE project_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for category in categories {
                sqlx::query(
                    "INSERT INTO project_categories (project_id, category) VALUES ($1, $2)",
                )
                .bind(id)
                .bind(category)
                .execute(&mut *tx)
                .await?;
            }
        }
        sqlx::query("INSERT INTO change_log (entity, entity_id, at) VALUES ('project', $1, $2)")
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        self.project(slug)
            .await?
            .ok_or(crate::store::StoreError::NotFound(
                crate::model::Entity::Project,
            ))
    }

    async fn is_maintainer(&self, slug: &str, user_id: i64) -> crate::store::StoreResult<bool> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM project_maintainers m JOIN projects p ON p.id = m.project_id \
             WHERE p.slug = $1 AND m.user_id = $2",
        )
        .bind(slug)
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(count > 0)
    }

    async fn known_users(
        &self,
        slug: &str,
    ) -> crate::store::StoreResult<Vec<crate::model::KnownUser>> {
        let project_id = self.project_id(slug).await?;
        let rows: Vec<(String, String, String, String, bool)> = sqlx::query_as(
            "SELECT o.id, o.name, k.source, k.label, \
             EXISTS (SELECT 1 FROM adoptions a WHERE a.project_id = k.project_id \
               AND a.organisation_id = k.organisation_id) AS confirmed \
             FROM known_users k JOIN organisations o ON o.id = k.organisation_id \
             WHERE k.project_id = $1 ORDER BY o.name, o.id, k.source",
        )
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(organisation, organisation_name, source, label, confirmed)| {
                    crate::model::KnownUser {
                        organisation,
                        organisation_name,
                        source,
                        label,
                        confirmed,
                    }
                },
            )
            .collect())
    }

    async fn set_known_users(
        &self,
        slug: &str,
        organisations: &[(String, String)],
        at: chrono::DateTime<chrono::Utc>,
        audit: &crate::model::Audit,
    ) -> crate::store::StoreResult<()> {
        let project_id = self.project_id(slug).await?;
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        Self::replace_known_users(&mut tx, project_id, "maintainer", organisations, at).await?;
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn versions(&self, slug: &str) -> crate::store::StoreResult<Vec<crate::model::Version>> {
        let id = self.project_id(slug).await?;
        let rows: Vec<crate::store::rows::VersionRow> = sqlx::query_as(
            "SELECT name, semver, is_release, date, commit_date, tagger_date, commit_id \
             FROM versions WHERE project_id = $1 ORDER BY position, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let mut versions: Vec<crate::model::Version> = rows.into_iter().map(Into::into).collect();
        versions.extend(self.withdrawn_versions(id).await?);
        self.attach_archives(id, slug, &mut versions).await?;
        Ok(versions)
    }

    async fn request_index(
        &self,
        slug: &str,
        audit: Option<&crate::model::Audit>,
    ) -> crate::store::StoreResult<()> {
        let id = self.project_id(slug).await?;
        self.queue_index_now(id, audit).await
    }

    async fn webhook_identity(&self, slug: &str) -> crate::store::StoreResult<Option<(i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT id, webhook_generation FROM projects WHERE slug = $1 AND hidden = FALSE",
        )
        .bind(slug)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn rotate_webhook_secret(
        &self,
        slug: &str,
        audit: &crate::model::Audit,
    ) -> crate::store::StoreResult<(i64, i64)> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let identity: (i64, i64) = sqlx::query_as(
            "UPDATE projects SET webhook_generation = webhook_generation + 1 \
             WHERE slug = $1 AND hidden = FALSE RETURNING id, webhook_generation",
        )
        .bind(slug)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(crate::store::StoreError::NotFound(
            crate::model::Entity::Project,
        ))?;
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(identity)
    }
}

impl Engine {
    pub(super) async fn attach_categories(
        &self,
        rows: Vec<crate::store::rows::ProjectRow>,
    ) -> crate::store::StoreResult<Vec<crate::model::Project>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = sqlx::QueryBuilder::<Db>::new(
            "SELECT project_id, category FROM project_categories WHERE project_id IN (",
        );
        let mut ids = query.separated(", ");
        for row in &rows {
            ids.push_bind(row.id);
        }
        query.push(") ORDER BY category");
        let pairs: Vec<(i64, String)> = query.build_query_as().fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let categories = pairs
                    .iter()
                    .filter(|(id, _)| *id == row.id)
                    .map(|(_, c)| c.clone())
                    .collect();
                row.into_project(categories)
            })
            .collect())
    }

    pub(super) async fn project_id(&self, slug: &str) -> crate::store::StoreResult<i64> {
        sqlx::query_scalar("SELECT id FROM projects WHERE slug = $1 AND hidden = FALSE")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(crate::store::StoreError::NotFound(
                crate::model::Entity::Project,
            ))
    }

    /// Replaces one source's part of a project's known users with (organisation id,
    /// label) pairs.
    pub(super) async fn replace_known_users(
        tx: &mut sqlx::Transaction<'_, Db>,
        project_id: i64,
        source: &str,
        organisations: &[(String, String)],
        at: chrono::DateTime<chrono::Utc>,
    ) -> crate::store::StoreResult<()> {
        sqlx::query("DELETE FROM known_users WHERE project_id = $1 AND source = $2")
            .bind(project_id)
            .bind(source)
            .execute(&mut **tx)
            .await?;
        for (organisation, label) in organisations {
            sqlx::query(
                "INSERT INTO known_users (project_id, organisation_id, source, label, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(project_id)
            .bind(organisation)
            .bind(source)
            .bind(label)
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }
}
