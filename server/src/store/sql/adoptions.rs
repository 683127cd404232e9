//! Adoptions: declarations, their history, and the figures drawn from them: the SQL behind
//! [`AdoptionStore`], compiled once per engine.

use super::dialect::{BEGIN_WRITE, Engine};
use crate::store::prelude::*;

#[async_trait::async_trait]
impl AdoptionStore for Engine {
    async fn adoption_verification(
        &self,
        slug: &str,
        organisation_id: &str,
    ) -> crate::store::StoreResult<Option<crate::model::Verification>> {
        let Some(organisation) = self.organisation(organisation_id).await? else {
            return Ok(None);
        };
        let stored: Option<String> = sqlx::query_scalar(
            "SELECT a.verification FROM adoptions a JOIN projects p ON p.id = a.project_id \
             WHERE p.slug = $1 AND a.organisation_id = $2",
        )
        .bind(slug)
        .bind(&organisation.id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(stored.as_deref().map(crate::store::rows::verification))
    }

    async fn declare_adoption(
        &self,
        declaration: crate::model::AdoptionDeclaration,
        audit: &crate::model::Audit,
    ) -> crate::store::StoreResult<(crate::model::Adoption, bool)> {
        let project_id = self.project_id(&declaration.project_slug).await?;
        let organisation = self
            .existing_organisation(&declaration.organisation_id)
            .await?;
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let (adoption_id, created) =
            write_adoption(&mut tx, project_id, &organisation, &declaration).await?;
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok((self.adoption_by_id(adoption_id).await?, created))
    }

    async fn declare_adoptions(
        &self,
        declarations: Vec<crate::model::AdoptionDeclaration>,
        audit: &crate::model::Audit,
    ) -> crate::store::StoreResult<Vec<crate::model::Adoption>> {
        let mut resolved = Vec::with_capacity(declarations.len());
        for declaration in declarations {
            let project_id = self.project_id(&declaration.project_slug).await?;
            let organisation = self
                .existing_organisation(&declaration.organisation_id)
                .await?;
            resolved.push((project_id, organisation, declaration));
        }
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let mut ids = Vec::with_capacity(resolved.len());
        for (project_id, organisation, declaration) in &resolved {
            ids.push(
                write_adoption(&mut tx, *project_id, organisation, declaration)
                    .await?
                    .0,
            );
        }
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        let mut adoptions = Vec::with_capacity(ids.len());
        for id in ids {
            adoptions.push(self.adoption_by_id(id).await?);
        }
        Ok(adoptions)
    }

    async fn adoption_history(
        &self,
        slug: &str,
        organisation_id: &str,
    ) -> crate::store::StoreResult<Vec<crate::model::AdoptionEvent>> {
        let project_id = self.project_id(slug).await?;
        let organisation =
            self.organisation(organisation_id)
                .await?
                .ok_or(crate::store::StoreError::NotFound(
                    crate::model::Entity::Organisation,
                ))?;
        let rows: Vec<crate::store::rows::AdoptionEventRow> = sqlx::query_as(
            "SELECT e.version, e.status, e.since, u.name AS declared_by, e.verification, e.at \
             FROM adoption_events e JOIN adoptions a ON a.id = e.adoption_id \
             LEFT JOIN users u ON u.id = e.declared_by \
             WHERE a.project_id = $1 AND a.organisation_id = $2 ORDER BY e.at, e.id",
        )
        .bind(project_id)
        .bind(&organisation.id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn project_adoptions(
        &self,
        slug: &str,
        window: crate::model::Window,
    ) -> crate::store::StoreResult<crate::model::Page<crate::model::Adoption>> {
        let project_id = self.project_id(slug).await?;
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM adoptions WHERE project_id = $1")
            .bind(project_id)
            .fetch_one(&self.pool)
            .await?;
        // The page's adoptions are chosen first, on names alone: the version and
        // confirmation columns are then worked out for them only, not for every adopter.
        let rows: Vec<crate::store::rows::AdoptionRow> = sqlx::query_as(concat!(
            crate::store::rows::adoption_select!(),
            " WHERE a.id IN (SELECT page.id FROM adoptions page \
               JOIN organisations po ON po.id = page.organisation_id \
               WHERE page.project_id = $1 ORDER BY po.name, po.id LIMIT $2 OFFSET $3) \
             ORDER BY o.name, o.id"
        ))
        .bind(project_id)
        .bind(window.limit)
        .bind(window.offset)
        .fetch_all(&self.pool)
        .await?;
        Ok(crate::model::Page {
            items: rows.into_iter().map(Into::into).collect(),
            total,
        })
    }

    async fn organisation_adoptions(
        &self,
        id: &str,
        window: crate::model::Window,
    ) -> crate::store::StoreResult<crate::model::Page<crate::model::Adoption>> {
        let organisation =
            self.organisation(id)
                .await?
                .ok_or(crate::store::StoreError::NotFound(
                    crate::model::Entity::Organisation,
                ))?;
        // The organisation's adoptions first (SQLite follows CROSS JOIN as written): left to
        // itself, its planner walked every project in name order to skip a sort of fifty
        // rows (430 ms on 100,000 projects).
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM adoptions a CROSS JOIN projects p \
             WHERE p.id = a.project_id AND a.organisation_id = $1 AND p.hidden = FALSE",
        )
        .bind(&organisation.id)
        .fetch_one(&self.pool)
        .await?;
        let rows: Vec<crate::store::rows::AdoptionRow> = sqlx::query_as(concat!(
            crate::store::rows::adoption_columns!(),
            "FROM adoptions a CROSS JOIN projects p \
             JOIN organisations o ON o.id = a.organisation_id \
             LEFT JOIN users u ON u.id = a.declared_by \
             WHERE p.id = a.project_id AND a.organisation_id = $1 AND p.hidden = FALSE \
             ORDER BY lower(p.name), p.id LIMIT $2 OFFSET $3"
        ))
        .bind(&organisation.id)
        .bind(window.limit)
        .bind(window.offset)
        .fetch_all(&self.pool)
        .await?;
        Ok(crate::model::Page {
            items: rows.into_iter().map(Into::into).collect(),
            total,
        })
    }

    async fn adopters_by_departement(
        &self,
        slug: &str,
    ) -> crate::store::StoreResult<Vec<(String, i64)>> {
        let id = self.project_id(slug).await?;
        Ok(sqlx::query_as(
            // The tally kept on every write (migration 0014), not the project's adoptions.
            "SELECT departement, CAST(SUM(adopters) AS BIGINT) FROM adoption_tallies_departement \
             WHERE project_id = $1 AND status <> 'stopped' \
             GROUP BY departement HAVING SUM(adopters) > 0",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn versions_in_use(
        &self,
        slug: &str,
    ) -> crate::store::StoreResult<Vec<(Option<String>, i64)>> {
        let id = self.project_id(slug).await?;
        Ok(sqlx::query_as(
            "SELECT version, COUNT(*) AS n FROM adoptions WHERE project_id = $1 AND status = 'in_use' \
             GROUP BY version ORDER BY n DESC, version",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?)
    }
}

impl Engine {
    /// The current id of an organisation, or `NotFound`.
    async fn existing_organisation(&self, id: &str) -> crate::store::StoreResult<String> {
        Ok(self
            .organisation(id)
            .await?
            .ok_or(crate::store::StoreError::NotFound(
                crate::model::Entity::Organisation,
            ))?
            .id)
    }

    async fn adoption_by_id(&self, id: i64) -> crate::store::StoreResult<crate::model::Adoption> {
        let row: crate::store::rows::AdoptionRow = sqlx::query_as(concat!(
            crate::store::rows::adoption_select!(),
            " WHERE a.id = $1"
        ))
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.into())
    }
}

/// Writes one declaration inside `tx`: the adoption inserted or updated, its history event
/// and the search index's change-log row. Returns the adoption's id and whether it is new.
async fn write_adoption(
    tx: &mut sqlx::Transaction<'_, super::dialect::Db>,
    project_id: i64,
    organisation_id: &str,
    declaration: &crate::model::AdoptionDeclaration,
) -> crate::store::StoreResult<(i64, bool)> {
    let now = chrono::Utc::now();
    let status = declaration.status.as_str();
    let verification = declaration.verification.as_str();
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM adoptions WHERE project_id = $1 AND organisation_id = $2",
    )
    .bind(project_id)
    .bind(organisation_id)
    .fetch_optional(&mut **tx)
    .await?;
    let adoption_id: i64 = match existing {
        Some(id) => {
            sqlx::query(
                "UPDATE adoptions SET version = $1, status = $2, since = $3, \
                 declared_by = $4, verification = $5, updated_at = $6, \
                 declared_by_organisation = $7 WHERE id = $8",
            )
            .bind(&declaration.version)
            .bind(status)
            .bind(declaration.since)
            .bind(declaration.declared_by)
            .bind(verification)
            .bind(now)
            .bind(&declaration.declared_by_organisation)
            .bind(id)
            .execute(&mut **tx)
            .await?;
            id
        }
        None => {
            sqlx::query_scalar(
                "INSERT INTO adoptions (project_id, organisation_id, version, status, \
                 since, declared_by, verification, declared_at, updated_at, \
                 declared_by_organisation) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) RETURNING id",
            )
            .bind(project_id)
            .bind(organisation_id)
            .bind(&declaration.version)
            .bind(status)
            .bind(declaration.since)
            .bind(declaration.declared_by)
            .bind(verification)
            .bind(now)
            .bind(&declaration.declared_by_organisation)
            .fetch_one(&mut **tx)
            .await?
        }
    };
    sqlx::query(
        "INSERT INTO adoption_events (adoption_id, version, status, since, declared_by, \
         verification, at, declared_by_organisation) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(adoption_id)
    .bind(&declaration.version)
    .bind(status)
    .bind(declaration.since)
    .bind(declaration.declared_by)
    .bind(verification)
    .bind(now)
    .bind(&declaration.declared_by_organisation)
    .execute(&mut **tx)
    .await?;
    sqlx::query("INSERT INTO change_log (entity, entity_id, at) VALUES ('project', $1, $2)")
        .bind(project_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok((adoption_id, existing.is_none()))
}
