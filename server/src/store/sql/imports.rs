//! Bulk imports of projects and adoptions: the SQL behind [`ImportStore`], compiled once per
//! engine. Each call is one transaction of multi-row INSERTs; a refused batch is explained
//! after its transaction is rolled back, so that success costs no checks beyond the
//! database's own keys.

use std::collections::{BTreeSet, HashSet};

use super::dialect::{BEGIN_WRITE, Db, Engine, REGISTER_LOCK};
use crate::model::Audit;
use crate::store::prelude::*;
use crate::store::{ImportRefusal, ImportedAdoption, ImportedProject, StoreError, StoreResult};

/// Rows per INSERT: under SQLite's 32,766 bound parameters with the widest row (15 values).
const PROJECT_ROWS: usize = 500;
const ADOPTION_ROWS: usize = 1_000;
/// Values per `IN (…)` list and per two-column INSERT.
const LIST_ROWS: usize = 1_000;

type Tx<'c> = sqlx::Transaction<'c, Db>;

#[async_trait::async_trait]
impl ImportStore for Engine {
    async fn import_projects(
        &self,
        projects: &[ImportedProject],
        audit: &Audit,
    ) -> StoreResult<Vec<i64>> {
        if projects.is_empty() {
            return Ok(Vec::new());
        }
        refuse_repeated_projects(projects)?;
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        if !REGISTER_LOCK.is_empty() {
            sqlx::query(REGISTER_LOCK).execute(&mut *tx).await?;
        }
        match write_projects(&mut tx, projects, audit).await {
            Ok(ids) => {
                // The unique index sees one spelling; the other (`/x` for `/x.git`) may be
                // a project's already.
                if let Some(url) = registered_twin(&mut tx, projects).await? {
                    tx.rollback().await?;
                    return Err(refused(ImportRefusal::RepositoryUrl(url)));
                }
                tx.commit().await?;
                Ok(ids)
            }
            Err(error) => {
                tx.rollback().await?;
                Err(self.explain_project_refusal(projects, error).await)
            }
        }
    }

    async fn import_adoptions(
        &self,
        adoptions: &[ImportedAdoption],
        audit: &Audit,
    ) -> StoreResult<()> {
        if adoptions.is_empty() {
            return Ok(());
        }
        refuse_repeated_adoptions(adoptions)?;
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        match write_adoptions(&mut tx, adoptions, audit).await {
            Ok(()) => {
                tx.commit().await?;
                Ok(())
            }
            Err(error) => {
                tx.rollback().await?;
                Err(self.explain_adoption_refusal(adoptions, error).await)
            }
        }
    }
}

/// The first project of the batch whose repository is registered under its other spelling.
async fn registered_twin(
    tx: &mut Tx<'_>,
    projects: &[ImportedProject],
) -> StoreResult<Option<String>> {
    let twins: Vec<(&str, &str)> = projects
        .iter()
        .filter_map(|p| Some((p.project.repository_twin()?, p.project.repository_url())))
        .collect();
    for part in twins.chunks(LIST_ROWS) {
        let mut query = sqlx::QueryBuilder::<Db>::new(
            "SELECT repository_url FROM projects WHERE repository_url IN (",
        );
        let mut list = query.separated(", ");
        for (twin, _) in part {
            list.push_bind(*twin);
        }
        query.push(") LIMIT 1");
        let found: Option<String> = query.build_query_scalar().fetch_optional(&mut **tx).await?;
        if let Some(found) = found {
            let url = part
                .iter()
                .find(|(twin, _)| *twin == found)
                .map_or(found.clone(), |(_, url)| url.to_string());
            return Ok(Some(url));
        }
    }
    Ok(None)
}

fn refuse_repeated_projects(projects: &[ImportedProject]) -> StoreResult<()> {
    let mut slugs = HashSet::new();
    let mut urls = HashSet::new();
    for p in projects {
        if !slugs.insert(p.project.slug.as_str()) {
            return Err(refused(ImportRefusal::Slug(p.project.slug.clone())));
        }
        // Both spellings of a repository (`/x`, `/x.git`) name it once.
        let spellings =
            std::iter::once(p.project.repository_url()).chain(p.project.repository_twin());
        for url in spellings {
            if !urls.insert(url) {
                return Err(refused(ImportRefusal::RepositoryUrl(
                    p.project.repository_url().to_string(),
                )));
            }
        }
    }
    Ok(())
}

fn refuse_repeated_adoptions(adoptions: &[ImportedAdoption]) -> StoreResult<()> {
    let mut pairs = HashSet::new();
    for a in adoptions {
        if !pairs.insert((a.project_id, a.organisation_id.as_str())) {
            return Err(refused(ImportRefusal::Adoption {
                project_id: a.project_id,
                organisation_id: a.organisation_id.clone(),
            }));
        }
    }
    Ok(())
}

fn refused(refusal: ImportRefusal) -> StoreError {
    StoreError::ImportRefused(refusal)
}

/// The projects, their categories, versions, first indexing jobs, change-log rows and the
/// batch's audit entry.
async fn write_projects(
    tx: &mut Tx<'_>,
    projects: &[ImportedProject],
    audit: &Audit,
) -> StoreResult<Vec<i64>> {
    let now = chrono::Utc::now();
    let mut ids = Vec::with_capacity(projects.len());
    for chunk in projects.chunks(PROJECT_ROWS) {
        let mut query = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO projects (slug, name, summary, repository_url, license, index_state, \
             last_indexed_at, last_fetch_at, readme_html, readme_text, publiccode_json, \
             health_json, registered_by, created_at, updated_at) ",
        );
        query.push_values(chunk, |mut row, p| {
            row.push_bind(p.project.slug.as_str())
                .push_bind(p.project.name.as_str())
                .push_bind(p.project.summary.as_str())
                .push_bind(p.project.repository_url())
                .push_bind(p.license.as_deref())
                .push_bind(if p.indexed_at.is_some() {
                    "ok"
                } else {
                    "pending"
                })
                .push_bind(p.indexed_at)
                .push_bind(p.indexed_at)
                .push_bind(p.readme_html.as_deref())
                .push_bind(p.readme_text.as_deref())
                .push_bind(p.publiccode_json.as_deref())
                .push_bind(p.health_json.as_deref())
                .push_bind(audit.user_id)
                .push_bind(p.created_at)
                .push_bind(p.updated_at);
        });
        // RETURNING gives no order: ids are matched to projects by slug.
        query.push(" RETURNING id, slug");
        let returned: Vec<(i64, String)> = query.build_query_as().fetch_all(&mut **tx).await?;
        let by_slug: std::collections::HashMap<String, i64> =
            returned.into_iter().map(|(id, slug)| (slug, id)).collect();
        let chunk_ids: Vec<i64> = chunk
            .iter()
            .map(|p| by_slug.get(&p.project.slug).copied())
            .collect::<Option<_>>()
            .ok_or(StoreError::NotFound(crate::model::Entity::Project))?;
        write_categories(tx, chunk, &chunk_ids).await?;
        write_versions(tx, chunk, &chunk_ids).await?;
        let pending: Vec<i64> = chunk
            .iter()
            .zip(&chunk_ids)
            .filter(|(p, _)| p.indexed_at.is_none())
            .map(|(_, id)| *id)
            .collect();
        queue_first_indexing(tx, &pending, now).await?;
        ids.extend(chunk_ids);
    }
    log_changes(tx, &ids, now).await?;
    super::audit::append(tx, audit).await?;
    Ok(ids)
}

async fn write_categories(
    tx: &mut Tx<'_>,
    chunk: &[ImportedProject],
    ids: &[i64],
) -> StoreResult<()> {
    let pairs: Vec<(i64, &str)> = chunk
        .iter()
        .zip(ids)
        .flat_map(|(p, id)| p.project.categories.iter().map(|c| (*id, c.as_str())))
        .collect();
    for part in pairs.chunks(LIST_ROWS) {
        let mut query =
            sqlx::QueryBuilder::<Db>::new("INSERT INTO project_categories (project_id, category) ");
        query.push_values(part, |mut row, (id, category)| {
            row.push_bind(*id).push_bind(*category);
        });
        query.build().execute(&mut **tx).await?;
    }
    Ok(())
}

async fn write_versions(
    tx: &mut Tx<'_>,
    chunk: &[ImportedProject],
    ids: &[i64],
) -> StoreResult<()> {
    let rows: Vec<(i64, i64, &crate::model::VersionRecord)> = chunk
        .iter()
        .zip(ids)
        .flat_map(|(p, id)| (0_i64..).zip(&p.versions).map(|(i, v)| (*id, i, v)))
        .collect();
    for part in rows.chunks(crate::store::rows::VERSION_BATCH) {
        let mut query = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO versions (project_id, name, semver, is_release, date, commit_id, \
             position, commit_date, tagger_date) ",
        );
        query.push_values(part, |mut row, (id, position, v)| {
            row.push_bind(*id)
                .push_bind(v.name.as_str())
                .push_bind(v.semver.as_deref())
                .push_bind(v.is_release)
                .push_bind(v.date)
                .push_bind(v.commit.as_deref())
                .push_bind(*position)
                .push_bind(v.commit_date)
                .push_bind(v.tagger_date);
        });
        query.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// Projects imported without a snapshot are indexed as registered ones are.
async fn queue_first_indexing(
    tx: &mut Tx<'_>,
    project_ids: &[i64],
    now: chrono::DateTime<chrono::Utc>,
) -> StoreResult<()> {
    for part in project_ids.chunks(LIST_ROWS) {
        let mut query = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO jobs (kind, project_id, state, run_after, created_at, updated_at) ",
        );
        query.push_values(part, |mut row, id| {
            row.push_bind(crate::model::JobKind::Index.as_str())
                .push_bind(*id)
                .push_bind("queued")
                .push_bind(now)
                .push_bind(now)
                .push_bind(now);
        });
        query.push(" ON CONFLICT DO NOTHING");
        query.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// One change-log row per project, for the search index to follow.
async fn log_changes(
    tx: &mut Tx<'_>,
    project_ids: &[i64],
    now: chrono::DateTime<chrono::Utc>,
) -> StoreResult<()> {
    for part in project_ids.chunks(LIST_ROWS) {
        let mut query =
            sqlx::QueryBuilder::<Db>::new("INSERT INTO change_log (entity, entity_id, at) ");
        query.push_values(part, |mut row, id| {
            row.push_bind("project").push_bind(*id).push_bind(now);
        });
        query.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// The adoptions, one history event each, the change-log rows of their projects and the
/// batch's audit entry.
async fn write_adoptions(
    tx: &mut Tx<'_>,
    adoptions: &[ImportedAdoption],
    audit: &Audit,
) -> StoreResult<()> {
    let now = chrono::Utc::now();
    for chunk in adoptions.chunks(ADOPTION_ROWS) {
        let mut query = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO adoptions (project_id, organisation_id, version, status, since, \
             verification, declared_at, updated_at) ",
        );
        query.push_values(chunk, |mut row, a| {
            row.push_bind(a.project_id)
                .push_bind(a.organisation_id.as_str())
                .push_bind(a.version.as_deref())
                .push_bind(a.status.as_str())
                .push_bind(a.since)
                .push_bind(a.verification.as_str())
                .push_bind(a.declared_at)
                .push_bind(a.declared_at);
        });
        query.push(" RETURNING id");
        let ids: Vec<i64> = query.build_query_scalar().fetch_all(&mut **tx).await?;
        // The declaration as history keeps it, copied from the rows just written.
        let mut query = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO adoption_events (adoption_id, version, status, since, declared_by, \
             verification, at) SELECT id, version, status, since, declared_by, verification, \
             declared_at FROM adoptions WHERE id IN (",
        );
        let mut list = query.separated(", ");
        for id in &ids {
            list.push_bind(*id);
        }
        query.push(")");
        query.build().execute(&mut **tx).await?;
    }
    let projects: BTreeSet<i64> = adoptions.iter().map(|a| a.project_id).collect();
    log_changes(tx, &projects.into_iter().collect::<Vec<_>>(), now).await?;
    super::audit::append(tx, audit).await?;
    Ok(())
}

impl Engine {
    /// Names the slug or repository that made a batch of projects fail, if that is why.
    async fn explain_project_refusal(
        &self,
        projects: &[ImportedProject],
        error: StoreError,
    ) -> StoreError {
        if !is_unique_violation(&error) {
            return error;
        }
        let slugs: Vec<&str> = projects.iter().map(|p| p.project.slug.as_str()).collect();
        let urls: Vec<&str> = projects
            .iter()
            .map(|p| p.project.repository_url())
            .collect();
        match self
            .first_existing("SELECT slug FROM projects WHERE slug IN (", &slugs)
            .await
        {
            Ok(Some(slug)) => return refused(ImportRefusal::Slug(slug)),
            Ok(None) => {}
            Err(other) => return other,
        }
        match self
            .first_existing(
                "SELECT repository_url FROM projects WHERE repository_url IN (",
                &urls,
            )
            .await
        {
            Ok(Some(url)) => refused(ImportRefusal::RepositoryUrl(url)),
            Ok(None) => error,
            Err(other) => other,
        }
    }

    /// The first of these values that `select` (a statement ending in `IN (`) finds.
    async fn first_existing(
        &self,
        select: &'static str,
        values: &[&str],
    ) -> StoreResult<Option<String>> {
        for part in values.chunks(LIST_ROWS) {
            let mut query = sqlx::QueryBuilder::<Db>::new(select);
            let mut list = query.separated(", ");
            for value in part {
                list.push_bind(*value);
            }
            query.push(") LIMIT 1");
            if let Some(found) = query
                .build_query_scalar()
                .fetch_optional(&self.pool)
                .await?
            {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// Names the adoption, project or organisation that made a batch of adoptions fail.
    async fn explain_adoption_refusal(
        &self,
        adoptions: &[ImportedAdoption],
        error: StoreError,
    ) -> StoreError {
        let explained = if is_unique_violation(&error) {
            self.first_existing_adoption(adoptions).await
        } else if is_foreign_key_violation(&error) {
            self.first_unknown_reference(adoptions).await
        } else {
            return error;
        };
        match explained {
            Ok(Some(refusal)) => refused(refusal),
            Ok(None) => error,
            Err(other) => other,
        }
    }

    async fn first_existing_adoption(
        &self,
        adoptions: &[ImportedAdoption],
    ) -> StoreResult<Option<ImportRefusal>> {
        for part in adoptions.chunks(LIST_ROWS) {
            let mut query = sqlx::QueryBuilder::<Db>::new(
                "SELECT project_id, organisation_id FROM adoptions \
                 WHERE (project_id, organisation_id) IN (VALUES ",
            );
            let mut list = query.separated(", ");
            for a in part {
                list.push("(")
                    .push_bind_unseparated(a.project_id)
                    .push_unseparated(", ")
                    .push_bind_unseparated(a.organisation_id.as_str())
                    .push_unseparated(")");
            }
            query.push(") LIMIT 1");
            let found: Option<(i64, String)> =
                query.build_query_as().fetch_optional(&self.pool).await?;
            if let Some((project_id, organisation_id)) = found {
                return Ok(Some(ImportRefusal::Adoption {
                    project_id,
                    organisation_id,
                }));
            }
        }
        Ok(None)
    }

    async fn first_unknown_reference(
        &self,
        adoptions: &[ImportedAdoption],
    ) -> StoreResult<Option<ImportRefusal>> {
        let projects: Vec<i64> = adoptions
            .iter()
            .map(|a| a.project_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for part in projects.chunks(LIST_ROWS) {
            let mut query = sqlx::QueryBuilder::<Db>::new("SELECT id FROM projects WHERE id IN (");
            let mut list = query.separated(", ");
            for id in part {
                list.push_bind(*id);
            }
            query.push(")");
            let known: HashSet<i64> = query
                .build_query_scalar()
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .collect();
            if let Some(missing) = part.iter().find(|id| !known.contains(id)) {
                return Ok(Some(ImportRefusal::UnknownProject(*missing)));
            }
        }
        let organisations: Vec<&str> = adoptions
            .iter()
            .map(|a| a.organisation_id.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for part in organisations.chunks(LIST_ROWS) {
            let mut query =
                sqlx::QueryBuilder::<Db>::new("SELECT id FROM organisations WHERE id IN (");
            let mut list = query.separated(", ");
            for id in part {
                list.push_bind(*id);
            }
            query.push(")");
            let known: HashSet<String> = query
                .build_query_scalar()
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .collect();
            if let Some(missing) = part.iter().find(|id| !known.contains(**id)) {
                return Ok(Some(ImportRefusal::UnknownOrganisation(
                    missing.to_string(),
                )));
            }
        }
        Ok(None)
    }
}

fn is_unique_violation(error: &StoreError) -> bool {
    matches!(error, StoreError::Database(e) if crate::store::is_unique_violation(e))
}

fn is_foreign_key_violation(error: &StoreError) -> bool {
    matches!(
        error,
        StoreError::Database(e) if e.as_database_error().is_some_and(|d| d.is_foreign_key_violation())
    )
}
