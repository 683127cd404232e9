//! Organisations: reference data, search, details, e-mail domains, peer suggestions: the SQL
//! behind [`OrganisationStore`], compiled once per engine.

use super::dialect::{BEGIN_WRITE, Db, Engine};
use crate::store::prelude::*;

#[async_trait::async_trait]
impl OrganisationStore for Engine {
    async fn reference_edition(&self) -> crate::store::StoreResult<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'reference_edition'")
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn load_reference(
        &self,
        data: &crate::reference::ReferenceData,
    ) -> crate::store::StoreResult<()> {
        use crate::store::rows::REFERENCE_BATCH;
        let now = chrono::Utc::now();
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        for chunk in data.organisations.chunks(REFERENCE_BATCH) {
            let mut query = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO organisations (id, kind, code, name, search_key, subkind, \
                 siren, departement, region, population, postal_codes, country, name_nl, \
                 is_reference, created_at, updated_at) ",
            );
            query.push_values(chunk, |mut row, o| {
                row.push_bind(o.id.clone())
                    .push_bind(o.kind)
                    .push_bind(o.code.clone())
                    .push_bind(o.name.clone())
                    .push_bind(o.search_key.clone())
                    .push_bind(o.subkind.clone())
                    .push_bind(o.siren.clone())
                    .push_bind(o.departement.clone())
                    .push_bind(o.region.clone())
                    .push_bind(o.population)
                    .push_bind(o.postal_codes.clone())
                    .push_bind(o.country)
                    .push_bind(o.name_nl.clone())
                    .push_bind(true)
                    .push_bind(now)
                    .push_bind(now);
            });
            query.push(
                " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, \
                 code = excluded.code, name = excluded.name, \
                 search_key = excluded.search_key, subkind = excluded.subkind, \
                 siren = excluded.siren, departement = excluded.departement, \
                 region = excluded.region, population = excluded.population, \
                 postal_codes = excluded.postal_codes, country = excluded.country, \
                 name_nl = excluded.name_nl, is_reference = TRUE, \
                 updated_at = excluded.updated_at",
            );
            query.build().execute(&mut *tx).await?;
        }
        // The memberships the reference data gives; those of pooling structures stay.
        sqlx::query(
            "DELETE FROM organisation_memberships \
             WHERE relation IN ('epci', 'province', 'cpas')",
        )
        .execute(&mut *tx)
        .await?;
        for chunk in data.memberships.chunks(REFERENCE_BATCH) {
            let mut query = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO organisation_memberships (member_id, parent_id, relation) ",
            );
            query.push_values(chunk, |mut row, (member, parent, relation)| {
                row.push_bind(member.clone())
                    .push_bind(parent.clone())
                    .push_bind(*relation);
            });
            query.build().execute(&mut *tx).await?;
        }
        sqlx::query("DELETE FROM organisation_aliases")
            .execute(&mut *tx)
            .await?;
        for chunk in data.aliases.chunks(REFERENCE_BATCH) {
            let mut query = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO organisation_aliases (alias, organisation_id) ",
            );
            query.push_values(chunk, |mut row, (alias, current)| {
                row.push_bind(alias.clone()).push_bind(current.clone());
            });
            query.build().execute(&mut *tx).await?;
        }
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ('reference_edition', $1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(&data.edition)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn email_domains(&self, organisation_id: &str) -> crate::store::StoreResult<Vec<String>> {
        let domains: Option<Option<String>> =
            sqlx::query_scalar("SELECT email_domains FROM organisations WHERE id = $1")
                .bind(organisation_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(domains
            .flatten()
            .map(|d| d.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default())
    }

    async fn set_email_domains(
        &self,
        organisation_id: &str,
        domains: &[String],
        audit: &crate::model::Audit,
    ) -> crate::store::StoreResult<()> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let done = sqlx::query(
            "UPDATE organisations SET email_domains = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(domains.join(" "))
        .bind(chrono::Utc::now())
        .bind(organisation_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(crate::store::StoreError::NotFound(
                crate::model::Entity::Organisation,
            ));
        }
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn search_organisations(
        &self,
        query: &crate::model::OrganisationQuery,
        window: crate::model::Window,
    ) -> crate::store::StoreResult<crate::model::Page<crate::model::Organisation>> {
        let total: i64 = sqlx::query_scalar(concat!(
            "SELECT COUNT(*)",
            crate::store::rows::organisation_filter!()
        ))
        .bind(&query.text)
        .bind(&query.kind)
        .bind(&query.departement)
        .bind(&query.country)
        .fetch_one(&self.pool)
        .await?;
        let rows: Vec<crate::store::rows::OrganisationRow> = sqlx::query_as(concat!(
            "SELECT ",
            crate::store::rows::organisation_columns!(),
            crate::store::rows::organisation_filter!(),
            " ORDER BY CASE WHEN o.search_key = $1 THEN 0 \
               WHEN o.search_key LIKE $1 || '%' THEN 1 ELSE 2 END, \
             o.population DESC NULLS LAST, \
             CASE WHEN o.kind = 'commune' THEN 0 ELSE 1 END, o.name, o.id LIMIT $5 OFFSET $6"
        ))
        .bind(&query.text)
        .bind(&query.kind)
        .bind(&query.departement)
        .bind(&query.country)
        .bind(window.limit)
        .bind(window.offset)
        .fetch_all(&self.pool)
        .await?;
        Ok(crate::model::Page {
            items: rows.into_iter().map(Into::into).collect(),
            total,
        })
    }

    async fn organisation(
        &self,
        id: &str,
    ) -> crate::store::StoreResult<Option<crate::model::Organisation>> {
        let row: Option<crate::store::rows::OrganisationRow> = sqlx::query_as(concat!(
            "SELECT ",
            crate::store::rows::organisation_columns!(),
            " FROM organisations o WHERE o.id = $1 OR o.id = \
             (SELECT a.organisation_id FROM organisation_aliases a WHERE a.alias = $1) \
             ORDER BY CASE WHEN o.id = $1 THEN 0 ELSE 1 END LIMIT 1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Into::into))
    }

    async fn organisation_detail(
        &self,
        id: &str,
    ) -> crate::store::StoreResult<Option<crate::model::OrganisationDetail>> {
        let Some(organisation) = self.organisation(id).await? else {
            return Ok(None);
        };
        let memberships: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT o.id, o.name, o.kind FROM organisation_memberships m \
             JOIN organisations o ON o.id = m.parent_id WHERE m.member_id = $1 \
             ORDER BY o.name",
        )
        .bind(&organisation.id)
        .fetch_all(&self.pool)
        .await?;
        let members_count: i64 = sqlx::query_scalar(
            // A Belgian commune's CPAS is its own body, not a member commune.
            "SELECT COUNT(*) FROM organisation_memberships \
             WHERE parent_id = $1 AND relation <> 'cpas'",
        )
        .bind(&organisation.id)
        .fetch_one(&self.pool)
        .await?;
        let adoptions = self
            .organisation_adoptions(
                &organisation.id,
                crate::model::Window {
                    limit: 500,
                    offset: 0,
                },
            )
            .await?
            .items;
        Ok(Some(crate::model::OrganisationDetail {
            organisation,
            memberships: memberships
                .into_iter()
                .map(|(id, name, kind)| crate::model::OrganisationRef { id, name, kind })
                .collect(),
            members_count,
            adoptions,
        }))
    }

    async fn peer_suggestions(
        &self,
        organisation_id: &str,
        limit: i64,
    ) -> crate::store::StoreResult<Vec<crate::model::PeerSuggestion>> {
        let Some(organisation) = self.organisation(organisation_id).await? else {
            return Err(crate::store::StoreError::NotFound(
                crate::model::Entity::Organisation,
            ));
        };
        self.suggestions_from_peers(&organisation, limit).await
    }
}

impl Engine {
    /// The organisation a project means by a name it wrote (publiccode.yml `usedBy`):
    /// an id, an old code, a SIREN, an INSEE code, or a name that designates exactly
    /// one organisation. Ambiguous names ("Saint-Denis") resolve to nothing.
    pub(super) async fn resolve_organisation_name(
        &self,
        name: &str,
    ) -> crate::store::StoreResult<Option<String>> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Ok(None);
        }
        if let Some(organisation) =
            crate::store::OrganisationStore::organisation(self, name).await?
        {
            return Ok(Some(organisation.id));
        }
        if name.bytes().all(|b| b.is_ascii_digit()) && (name.len() == 9 || name.len() == 5) {
            let found: Vec<String> = sqlx::query_scalar(
                "SELECT id FROM organisations WHERE siren = $1 \
                 OR (kind = 'commune' AND code = $1) LIMIT 2",
            )
            .bind(name)
            .fetch_all(&self.pool)
            .await?;
            return Ok(if found.len() == 1 {
                found.into_iter().next()
            } else {
                None
            });
        }
        for key in crate::text::organisation_name_keys(name) {
            let found: Vec<String> =
                sqlx::query_scalar("SELECT id FROM organisations WHERE search_key = $1 LIMIT 2")
                    .bind(&key)
                    .fetch_all(&self.pool)
                    .await?;
            match found.len() {
                0 => continue,
                1 => return Ok(found.into_iter().next()),
                _ => return Ok(None),
            }
        }
        Ok(None)
    }
}
