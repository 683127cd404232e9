//! Organisations created by their agents, and the members of pooling structures: the SQL
//! behind [`StructureStore`], compiled once per engine.

use super::dialect::{BEGIN_WRITE, Engine};
use crate::model::{
    Adoption, Audit, NewOrganisation, Organisation, STRUCTURE_RELATION, StructureMember,
};
use crate::store::prelude::*;
use crate::store::{Conflict, StoreError, StoreResult};

#[async_trait::async_trait]
impl StructureStore for Engine {
    async fn create_organisation(
        &self,
        organisation: NewOrganisation,
        audit: &Audit,
    ) -> StoreResult<Organisation> {
        let now = chrono::Utc::now();
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let taken: Option<String> =
            sqlx::query_scalar("SELECT id FROM organisations WHERE id = $1")
                .bind(&organisation.id)
                .fetch_optional(&mut *tx)
                .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(Conflict::OrganisationId(
                organisation.id,
            )));
        }
        sqlx::query(
            "INSERT INTO organisations (id, kind, name, search_key, departement, website, \
             country, is_reference, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, $8, $9, $9)",
        )
        .bind(&organisation.id)
        .bind(organisation.kind.as_str())
        .bind(&organisation.name)
        .bind(crate::text::fold(&organisation.name))
        .bind(&organisation.departement)
        .bind(&organisation.website)
        .bind(&organisation.country)
        .bind(organisation.created_by)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if crate::store::is_unique_violation(&e) {
                StoreError::Conflict(Conflict::OrganisationId(organisation.id.clone()))
            } else {
                e.into()
            }
        })?;
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        self.organisation(&organisation.id)
            .await?
            .ok_or(StoreError::NotFound(crate::model::Entity::Organisation))
    }

    async fn structure_members(&self, structure_id: &str) -> StoreResult<Vec<StructureMember>> {
        let rows: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT o.id, o.name, o.kind, o.departement FROM organisation_memberships m \
             JOIN organisations o ON o.id = m.member_id \
             WHERE m.parent_id = $1 AND m.relation = $2 ORDER BY o.name, o.id",
        )
        .bind(structure_id)
        .bind(STRUCTURE_RELATION)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, kind, departement)| StructureMember {
                id,
                name,
                kind,
                departement,
            })
            .collect())
    }

    async fn set_structure_members(
        &self,
        structure_id: &str,
        members: &[String],
        audit: &Audit,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        sqlx::query("DELETE FROM organisation_memberships WHERE parent_id = $1 AND relation = $2")
            .bind(structure_id)
            .bind(STRUCTURE_RELATION)
            .execute(&mut *tx)
            .await?;
        for chunk in members.chunks(crate::store::rows::REFERENCE_BATCH) {
            let mut query = sqlx::QueryBuilder::<super::dialect::Db>::new(
                "INSERT INTO organisation_memberships (member_id, parent_id, relation) ",
            );
            query.push_values(chunk, |mut row, member| {
                row.push_bind(member.clone())
                    .push_bind(structure_id.to_string())
                    .push_bind(STRUCTURE_RELATION);
            });
            query.build().execute(&mut *tx).await?;
        }
        sqlx::query("UPDATE organisations SET updated_at = $1 WHERE id = $2")
            .bind(chrono::Utc::now())
            .bind(structure_id)
            .execute(&mut *tx)
            .await?;
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn member_adoptions(&self, structure_id: &str) -> StoreResult<Vec<Adoption>> {
        let rows: Vec<crate::store::rows::AdoptionRow> = sqlx::query_as(concat!(
            crate::store::rows::adoption_select!(),
            " WHERE p.hidden = FALSE AND a.organisation_id IN \
             (SELECT m.member_id FROM organisation_memberships m \
              WHERE m.parent_id = $1 AND m.relation = $2) \
             ORDER BY p.name, a.version, o.name"
        ))
        .bind(structure_id)
        .bind(STRUCTURE_RELATION)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
