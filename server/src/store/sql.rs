//! The SQL behind both stores, written once. SQLite and PostgreSQL share one dialect here
//! (`$n` parameters, `RETURNING`, `ON CONFLICT`, `NULLS LAST`); [`impl_sql_store`] expands the
//! same method bodies for each engine's concrete pool type, so that there is one piece of
//! logic and no generic-bound maze.

use chrono::{DateTime, NaiveDate, Utc};

use crate::model::*;

/// Rows as they come out of the database, before they become domain types.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct ProjectRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub repository_url: String,
    pub license: Option<String>,
    pub index_state: String,
    pub last_indexed_at: Option<DateTime<Utc>>,
    pub index_error: Option<String>,
    pub readme_html: Option<String>,
    pub publiccode_json: Option<String>,
    pub publiccode_report_json: Option<String>,
    pub health_json: Option<String>,
    pub problems_json: Option<String>,
    pub default_branch: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub versions_count: i64,
    pub adopters_count: i64,
    pub verified_adopters_count: i64,
    pub confirmed_adopters_count: i64,
    pub latest_version_name: Option<String>,
    pub latest_version_date: Option<DateTime<Utc>>,
}

impl ProjectRow {
    pub fn into_project(self, categories: Vec<String>) -> Project {
        Project {
            id: self.id,
            slug: self.slug,
            name: self.name,
            summary: self.summary,
            repository_url: self.repository_url,
            license: self.license,
            categories,
            latest_version: self.latest_version_name.map(|name| LatestVersion {
                name,
                date: self.latest_version_date,
            }),
            versions_count: self.versions_count,
            adopters_count: self.adopters_count,
            verified_adopters_count: self.verified_adopters_count,
            confirmed_adopters_count: self.confirmed_adopters_count,
            readme_html: self.readme_html,
            publiccode: self
                .publiccode_json
                .and_then(|json| serde_json::from_str(&json).ok()),
            index_status: IndexStatus {
                state: self.index_state,
                last_indexed_at: self.last_indexed_at,
                error: self.index_error,
            },
            health: self
                .health_json
                .and_then(|json| serde_json::from_str(&json).ok()),
            publiccode_validation: self
                .publiccode_report_json
                .and_then(|json| serde_json::from_str(&json).ok()),
            default_branch: self.default_branch,
            index_problems: self
                .problems_json
                .and_then(|json| serde_json::from_str(&json).ok())
                .unwrap_or_default(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(super) struct OrganisationRow {
    pub id: String,
    pub kind: String,
    pub code: Option<String>,
    pub name: String,
    pub subkind: Option<String>,
    pub siren: Option<String>,
    pub departement: Option<String>,
    pub region: Option<String>,
    pub population: Option<i64>,
    pub postal_codes: Option<String>,
}

impl From<OrganisationRow> for Organisation {
    fn from(row: OrganisationRow) -> Self {
        Organisation {
            id: row.id,
            kind: row.kind,
            code: row.code,
            name: row.name,
            subkind: row.subkind,
            siren: row.siren,
            departement: row.departement,
            region: row.region,
            population: row.population,
            postal_codes: row
                .postal_codes
                .map(|codes| codes.split(',').map(str::to_string).collect())
                .unwrap_or_default(),
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(super) struct AdoptionRow {
    pub project: String,
    pub project_name: String,
    pub organisation: String,
    pub organisation_name: String,
    pub organisation_kind: String,
    pub departement: Option<String>,
    pub version: Option<String>,
    pub version_known: bool,
    pub status: String,
    pub since: Option<NaiveDate>,
    pub declared_by: Option<String>,
    pub verification: String,
    pub confirmed: bool,
    pub declared_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<AdoptionRow> for Adoption {
    fn from(row: AdoptionRow) -> Self {
        Adoption {
            project: row.project,
            project_name: row.project_name,
            organisation: row.organisation,
            organisation_name: row.organisation_name,
            organisation_kind: row.organisation_kind,
            departement: row.departement,
            version: row.version,
            version_known: row.version_known,
            // The column only ever receives `AdoptionStatus::as_str` values.
            status: AdoptionStatus::parse(&row.status).unwrap_or(AdoptionStatus::InUse),
            since: row.since,
            declared_by: row.declared_by,
            verification: row.verification,
            confirmed: row.confirmed,
            declared_at: row.declared_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(super) struct AdoptionEventRow {
    pub version: Option<String>,
    pub status: String,
    pub since: Option<NaiveDate>,
    pub declared_by: Option<String>,
    pub verification: String,
    pub at: DateTime<Utc>,
}

impl From<AdoptionEventRow> for AdoptionEvent {
    fn from(row: AdoptionEventRow) -> Self {
        AdoptionEvent {
            version: row.version,
            status: AdoptionStatus::parse(&row.status).unwrap_or(AdoptionStatus::InUse),
            since: row.since,
            declared_by: row.declared_by,
            verification: row.verification,
            at: row.at,
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(super) struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub is_moderator: bool,
    pub created_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        User {
            id: row.id,
            email: row.email,
            name: row.name,
            password_hash: row.password_hash,
            is_admin: row.is_admin,
            is_moderator: row.is_moderator,
            created_at: row.created_at,
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(super) struct VersionRow {
    pub name: String,
    pub semver: Option<String>,
    pub is_release: bool,
    pub date: Option<DateTime<Utc>>,
    pub commit_date: Option<DateTime<Utc>>,
    pub tagger_date: Option<DateTime<Utc>>,
    pub commit_id: Option<String>,
}

impl From<VersionRow> for Version {
    fn from(row: VersionRow) -> Self {
        Version {
            name: row.name,
            semver: row.semver,
            date: row.date,
            commit: row.commit_id,
            is_release: row.is_release,
            commit_date: row.commit_date,
            tagger_date: row.tagger_date,
        }
    }
}

/// SQL fragments as macros, so that `concat!` builds whole statements as `&'static str`.
macro_rules! project_select {
    () => {
        "SELECT p.id, p.slug, p.name, p.summary, p.repository_url, p.license, p.index_state, \
         p.last_indexed_at, p.index_error, p.readme_html, p.publiccode_json, \
         p.publiccode_report_json, p.health_json, p.problems_json, p.default_branch, \
         p.created_at, p.updated_at, \
         (SELECT COUNT(*) FROM versions v WHERE v.project_id = p.id) AS versions_count, \
         (SELECT COUNT(*) FROM adoptions a WHERE a.project_id = p.id AND a.status = 'in_use') \
           AS adopters_count, \
         (SELECT COUNT(*) FROM adoptions a WHERE a.project_id = p.id AND a.status = 'in_use' \
           AND a.verification <> 'unverified') AS verified_adopters_count, \
         (SELECT COUNT(DISTINCT k.organisation_id) FROM known_users k JOIN adoptions a \
           ON a.project_id = k.project_id AND a.organisation_id = k.organisation_id \
           WHERE k.project_id = p.id AND a.status = 'in_use') AS confirmed_adopters_count, \
         lv.name AS latest_version_name, lv.date AS latest_version_date \
         FROM projects p \
         LEFT JOIN versions lv ON lv.id = (SELECT v.id FROM versions v \
           WHERE v.project_id = p.id AND v.is_release = TRUE \
           ORDER BY v.position, v.id LIMIT 1) "
    };
}

macro_rules! project_filter {
    () => {
        " WHERE p.hidden = FALSE \
          AND ($1 IS NULL OR EXISTS (SELECT 1 FROM project_categories c \
               WHERE c.project_id = p.id AND c.category = $1)) \
          AND ($2 IS NULL OR p.license = $2) "
    };
}

macro_rules! organisation_columns {
    () => {
        "o.id, o.kind, o.code, o.name, o.subkind, o.siren, o.departement, o.region, \
         o.population, o.postal_codes"
    };
}

/// `$1` folded text (or NULL), `$2` kind, `$3` département.
macro_rules! organisation_filter {
    () => {
        " FROM organisations o \
          WHERE ($1 IS NULL OR o.search_key LIKE $1 || '%' OR o.search_key LIKE '% ' || $1 || '%' \
                 OR lower(o.code) LIKE $1 || '%' OR o.siren = $1) \
            AND ($2 IS NULL OR o.kind = $2) \
            AND ($3 IS NULL OR o.departement = $3) "
    };
}

macro_rules! adoption_select {
    () => {
        "SELECT p.slug AS project, p.name AS project_name, o.id AS organisation, \
         o.name AS organisation_name, o.kind AS organisation_kind, o.departement, a.version, \
         CASE WHEN v.id IS NULL THEN FALSE ELSE TRUE END AS version_known, a.status, a.since, \
         u.name AS declared_by, a.verification, \
         EXISTS (SELECT 1 FROM known_users k WHERE k.project_id = a.project_id \
           AND k.organisation_id = a.organisation_id) AS confirmed, \
         a.declared_at, a.updated_at \
         FROM adoptions a \
         JOIN projects p ON p.id = a.project_id \
         JOIN organisations o ON o.id = a.organisation_id \
         LEFT JOIN users u ON u.id = a.declared_by \
         LEFT JOIN versions v ON v.project_id = a.project_id AND v.name = a.version "
    };
}

/// A page of projects in the given order: ids chosen first on the bare table, then only
/// those rows joined. `$3` limit, `$4` offset, with [`project_filter`]'s `$1` and `$2`.
macro_rules! page_of_projects {
    ($order:literal) => {
        concat!(
            $crate::store::sql::project_select!(),
            " WHERE p.id IN (SELECT p.id FROM projects p",
            $crate::store::sql::project_filter!(),
            " ORDER BY ",
            $order,
            " LIMIT $3 OFFSET $4) ORDER BY ",
            $order
        )
    };
}

pub(super) use {
    adoption_select, organisation_columns, organisation_filter, page_of_projects, project_filter,
    project_select,
};

/// Rows per multi-row INSERT when loading reference data: well under both engines' limits
/// on bound parameters.
pub(super) const REFERENCE_BATCH: usize = 1000;
/// Versions per multi-row upsert (nine parameters each).
pub(super) const VERSION_BATCH: usize = 500;

/// Implements [`crate::store::Store`] for a store type holding `pool: sqlx::Pool<$db>`.
macro_rules! impl_sql_store {
    ($store:ty, $db:ty, $engine:literal, $migrations:literal, $claim_lock:literal, $begin_write:literal) => {
        impl $store {
            async fn attach_categories(
                &self,
                rows: Vec<$crate::store::sql::ProjectRow>,
            ) -> $crate::store::StoreResult<Vec<$crate::model::Project>> {
                if rows.is_empty() {
                    return Ok(Vec::new());
                }
                let mut query = sqlx::QueryBuilder::<$db>::new(
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

            async fn claims_where(
                &self,
                id: Option<i64>,
                status: Option<&str>,
                user_id: Option<i64>,
            ) -> $crate::store::StoreResult<Vec<$crate::model::Claim>> {
                type Row = (i64, String, String, String, String, Option<String>, chrono::DateTime<chrono::Utc>, Option<chrono::DateTime<chrono::Utc>>);
                let rows: Vec<Row> = sqlx::query_as(
                    "SELECT c.id, u.email, o.id, o.name, c.status, c.method, c.created_at, c.expires_at \
                     FROM claims c JOIN users u ON u.id = c.user_id JOIN organisations o ON o.id = c.organisation_id \
                     WHERE ($1 IS NULL OR c.id = $1) AND ($2 IS NULL OR c.status = $2) \
                       AND ($3 IS NULL OR c.user_id = $3) ORDER BY c.id",
                )
                .bind(id)
                .bind(status)
                .bind(user_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, user, organisation, organisation_name, status, method, created_at, expires_at)| {
                        $crate::model::Claim { id, user, organisation, organisation_name, status, method, created_at, expires_at }
                    })
                    .collect())
            }

            async fn project_id(&self, slug: &str) -> $crate::store::StoreResult<i64> {
                sqlx::query_scalar("SELECT id FROM projects WHERE slug = $1 AND hidden = FALSE")
                    .bind(slug)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or($crate::store::StoreError::NotFound("projet"))
            }

            /// Replaces one source's part of a project's known users with (organisation id,
            /// label) pairs.
            async fn replace_known_users(
                tx: &mut sqlx::Transaction<'_, $db>,
                project_id: i64,
                source: &str,
                organisations: &[(String, String)],
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
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

            /// The organisation a project means by a name it wrote (publiccode.yml `usedBy`):
            /// an id, an old code, a SIREN, an INSEE code, or a name that designates exactly
            /// one organisation. Ambiguous names ("Saint-Denis") resolve to nothing.
            async fn resolve_organisation_name(&self, name: &str) -> $crate::store::StoreResult<Option<String>> {
                let name = name.trim();
                if name.is_empty() || name.chars().count() > 200 {
                    return Ok(None);
                }
                if let Some(organisation) = $crate::store::Store::organisation(self, name).await? {
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
                    return Ok(if found.len() == 1 { found.into_iter().next() } else { None });
                }
                for key in $crate::text::organisation_name_keys(name) {
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

        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn engine(&self) -> &'static str {
                $engine
            }

            async fn migrate(&self) -> $crate::store::StoreResult<()> {
                sqlx::migrate!($migrations).run(&self.pool).await?;
                Ok(())
            }

            async fn ping(&self) -> $crate::store::StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn close(&self) {
                self.pool.close().await;
            }

            async fn reference_edition(&self) -> $crate::store::StoreResult<Option<String>> {
                Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = 'reference_edition'")
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn load_reference(
                &self,
                data: &$crate::reference::ReferenceData,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::sql::REFERENCE_BATCH;
                let now = chrono::Utc::now();
                let mut tx = self.pool.begin_with($begin_write).await?;
                for chunk in data.organisations.chunks(REFERENCE_BATCH) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO organisations (id, kind, code, name, search_key, subkind, \
                         siren, departement, region, population, postal_codes, is_reference, \
                         created_at, updated_at) ",
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
                         postal_codes = excluded.postal_codes, is_reference = TRUE, \
                         updated_at = excluded.updated_at",
                    );
                    query.build().execute(&mut *tx).await?;
                }
                sqlx::query("DELETE FROM organisation_memberships WHERE relation = 'epci'")
                    .execute(&mut *tx)
                    .await?;
                for chunk in data.epci_memberships.chunks(REFERENCE_BATCH) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO organisation_memberships (member_id, parent_id, relation) ",
                    );
                    query.push_values(chunk, |mut row, (member, parent)| {
                        row.push_bind(member.clone()).push_bind(parent.clone()).push_bind("epci");
                    });
                    query.build().execute(&mut *tx).await?;
                }
                sqlx::query("DELETE FROM organisation_aliases").execute(&mut *tx).await?;
                for chunk in data.aliases.chunks(REFERENCE_BATCH) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(
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

            async fn create_user(
                &self,
                user: $crate::model::NewUser,
            ) -> $crate::store::StoreResult<$crate::model::User> {
                let row: $crate::store::sql::UserRow = sqlx::query_as(
                    "INSERT INTO users (email, name, password_hash, is_admin, is_moderator, \
                     created_at) VALUES ($1, $2, $3, $4, $6, $5) \
                     RETURNING id, email, name, password_hash, is_admin, is_moderator, created_at",
                )
                .bind(&user.email)
                .bind(&user.name)
                .bind(&user.password_hash)
                .bind(user.is_admin)
                .bind(chrono::Utc::now())
                .bind(user.is_moderator)
                .fetch_one(&self.pool)
                .await
                .map_err(|e| {
                    if $crate::store::is_unique_violation(&e) {
                        $crate::store::StoreError::Conflict($crate::store::Conflict::Email)
                    } else {
                        e.into()
                    }
                })?;
                Ok(row.into())
            }

            async fn user_by_email(
                &self,
                email: &str,
            ) -> $crate::store::StoreResult<Option<$crate::model::User>> {
                let row: Option<$crate::store::sql::UserRow> = sqlx::query_as(
                    "SELECT id, email, name, password_hash, is_admin, is_moderator, created_at \
                     FROM users WHERE email = $1",
                )
                .bind(email)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn create_token(
                &self,
                user_id: i64,
                token_hash: &str,
                label: &str,
                scopes: &[String],
                expires_at: Option<chrono::DateTime<chrono::Utc>>,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO api_tokens (user_id, token_hash, label, scopes, created_at, \
                     expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(user_id)
                .bind(token_hash)
                .bind(label)
                .bind(scopes.join(" "))
                .bind(chrono::Utc::now())
                .bind(expires_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn list_tokens(
                &self,
                user_id: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::model::ApiToken>> {
                type Row = (i64, String, String, chrono::DateTime<chrono::Utc>, Option<chrono::DateTime<chrono::Utc>>, Option<chrono::DateTime<chrono::Utc>>, Option<chrono::DateTime<chrono::Utc>>);
                let rows: Vec<Row> = sqlx::query_as(
                    "SELECT id, label, scopes, created_at, expires_at, revoked_at, last_used_at \
                     FROM api_tokens WHERE user_id = $1 ORDER BY id DESC",
                )
                .bind(user_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, label, scopes, created_at, expires_at, revoked_at, last_used_at)| $crate::model::ApiToken {
                        id,
                        label,
                        scopes: scopes.split_whitespace().map(str::to_string).collect(),
                        created_at,
                        expires_at,
                        revoked_at,
                        last_used_at,
                    })
                    .collect())
            }

            async fn revoke_token(&self, user_id: i64, token_id: i64) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
                )
                .bind(chrono::Utc::now())
                .bind(token_id)
                .bind(user_id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn token_owner(
                &self,
                token_hash: &str,
            ) -> $crate::store::StoreResult<Option<$crate::store::TokenOwner>> {
                let now = chrono::Utc::now();
                let found: Option<(i64, String)> = sqlx::query_as(
                    "SELECT user_id, scopes FROM api_tokens WHERE token_hash = $1 \
                     AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)",
                )
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                let Some((user_id, scopes)) = found else {
                    return Ok(None);
                };
                sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
                    .bind(now)
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await?;
                let user: $crate::store::sql::UserRow = sqlx::query_as(
                    "SELECT id, email, name, password_hash, is_admin, is_moderator, created_at \
                     FROM users WHERE id = $1",
                )
                .bind(user_id)
                .fetch_one(&self.pool)
                .await?;
                Ok(Some($crate::store::TokenOwner {
                    user: user.into(),
                    scopes: scopes.split_whitespace().map(str::to_string).collect(),
                }))
            }

            async fn audit(
                &self,
                user_id: Option<i64>,
                entry: &$crate::model::AuditEntry,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO audit_log (at, user_id, actor, ip, action, target, details) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(entry.at)
                .bind(user_id)
                .bind(&entry.actor)
                .bind(&entry.ip)
                .bind(&entry.action)
                .bind(&entry.target)
                .bind(entry.details.as_ref().map(|d| d.to_string()))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn audit_log(
                &self,
                window: $crate::model::Window,
            ) -> $crate::store::StoreResult<$crate::model::Page<$crate::model::AuditEntry>> {
                let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
                    .fetch_one(&self.pool)
                    .await?;
                type Row = (chrono::DateTime<chrono::Utc>, String, Option<String>, String, String, Option<String>);
                let rows: Vec<Row> = sqlx::query_as(
                    "SELECT at, actor, ip, action, target, details FROM audit_log \
                     ORDER BY id DESC LIMIT $1 OFFSET $2",
                )
                .bind(window.limit)
                .bind(window.offset)
                .fetch_all(&self.pool)
                .await?;
                let items = rows
                    .into_iter()
                    .map(|(at, actor, ip, action, target, details)| $crate::model::AuditEntry {
                        at,
                        actor,
                        ip,
                        action,
                        target,
                        details: details.and_then(|d| serde_json::from_str(&d).ok()),
                    })
                    .collect();
                Ok($crate::model::Page { items, total })
            }

            async fn adoption_verification(
                &self,
                slug: &str,
                organisation_id: &str,
            ) -> $crate::store::StoreResult<Option<String>> {
                let Some(organisation) = self.organisation(organisation_id).await? else {
                    return Ok(None);
                };
                Ok(sqlx::query_scalar(
                    "SELECT a.verification FROM adoptions a JOIN projects p ON p.id = a.project_id \
                     WHERE p.slug = $1 AND a.organisation_id = $2",
                )
                .bind(slug)
                .bind(&organisation.id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn set_project_hidden(&self, slug: &str, hidden: bool) -> $crate::store::StoreResult<bool> {
                let now = chrono::Utc::now();
                let mut tx = self.pool.begin_with($begin_write).await?;
                let id: Option<i64> = sqlx::query_scalar("UPDATE projects SET hidden = $1, updated_at = $2 WHERE slug = $3 RETURNING id")
                    .bind(hidden)
                    .bind(now)
                    .bind(slug)
                    .fetch_optional(&mut *tx)
                    .await?;
                if let Some(id) = id {
                    sqlx::query("INSERT INTO change_log (entity, entity_id, at) VALUES ('project', $1, $2)")
                        .bind(id)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(id.is_some())
            }

            async fn hidden_projects(&self) -> $crate::store::StoreResult<Vec<(String, String)>> {
                Ok(sqlx::query_as("SELECT slug, name FROM projects WHERE hidden = TRUE ORDER BY lower(name), slug")
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn email_domains(&self, organisation_id: &str) -> $crate::store::StoreResult<Vec<String>> {
                let domains: Option<Option<String>> = sqlx::query_scalar("SELECT email_domains FROM organisations WHERE id = $1")
                    .bind(organisation_id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(domains.flatten().map(|d| d.split_whitespace().map(str::to_string).collect()).unwrap_or_default())
            }

            async fn set_email_domains(&self, organisation_id: &str, domains: &[String]) -> $crate::store::StoreResult<()> {
                let done = sqlx::query("UPDATE organisations SET email_domains = $1, updated_at = $2 WHERE id = $3")
                    .bind(domains.join(" "))
                    .bind(chrono::Utc::now())
                    .bind(organisation_id)
                    .execute(&self.pool)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err($crate::store::StoreError::NotFound("organisation"));
                }
                Ok(())
            }

            async fn file_claim(
                &self,
                user_id: i64,
                organisation_id: &str,
                verified_until: Option<chrono::DateTime<chrono::Utc>>,
            ) -> $crate::store::StoreResult<$crate::model::Claim> {
                let now = chrono::Utc::now();
                let (status, method) = if verified_until.is_some() { ("verified", Some("email_domain")) } else { ("pending", None) };
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO claims (user_id, organisation_id, status, method, created_at, decided_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, CASE WHEN $4 IS NULL THEN NULL ELSE $5 END, $6) \
                     ON CONFLICT (user_id, organisation_id) DO UPDATE SET status = excluded.status, \
                     method = excluded.method, created_at = excluded.created_at, \
                     decided_at = excluded.decided_at, decided_by = NULL, expires_at = excluded.expires_at \
                     RETURNING id",
                )
                .bind(user_id)
                .bind(organisation_id)
                .bind(status)
                .bind(method)
                .bind(now)
                .bind(verified_until)
                .fetch_one(&self.pool)
                .await?;
                self.claim(id).await?.ok_or($crate::store::StoreError::NotFound("demande"))
            }

            async fn claim(&self, id: i64) -> $crate::store::StoreResult<Option<$crate::model::Claim>> {
                Ok(self.claims_where(Some(id), None, None).await?.pop())
            }

            async fn claims(&self, status: Option<&str>, user_id: Option<i64>) -> $crate::store::StoreResult<Vec<$crate::model::Claim>> {
                self.claims_where(None, status, user_id).await
            }

            async fn decide_claim(
                &self,
                id: i64,
                verified: bool,
                moderator_id: i64,
                expires_at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<$crate::model::Claim> {
                let done = sqlx::query(
                    "UPDATE claims SET status = $1, method = $2, decided_at = $3, decided_by = $4, expires_at = $5 \
                     WHERE id = $6",
                )
                .bind(if verified { "verified" } else { "rejected" })
                .bind(verified.then_some("moderator"))
                .bind(chrono::Utc::now())
                .bind(moderator_id)
                .bind(verified.then_some(expires_at))
                .bind(id)
                .execute(&self.pool)
                .await?;
                if done.rows_affected() == 0 {
                    return Err($crate::store::StoreError::NotFound("demande"));
                }
                self.claim(id).await?.ok_or($crate::store::StoreError::NotFound("demande"))
            }

            async fn is_agent(&self, user_id: i64, organisation_id: &str) -> $crate::store::StoreResult<bool> {
                let Some(organisation) = self.organisation(organisation_id).await? else {
                    return Ok(false);
                };
                let count: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM claims WHERE user_id = $1 AND organisation_id = $2 \
                     AND status = 'verified' AND (expires_at IS NULL OR expires_at > $3)",
                )
                .bind(user_id)
                .bind(&organisation.id)
                .bind(chrono::Utc::now())
                .fetch_one(&self.pool)
                .await?;
                Ok(count > 0)
            }

            async fn record_attempt(
                &self,
                key: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                // Attempts older than a day no longer count for anything.
                sqlx::query("DELETE FROM auth_attempts WHERE at < $1")
                    .bind(at - chrono::Duration::days(1))
                    .execute(&self.pool)
                    .await?;
                sqlx::query("INSERT INTO auth_attempts (key, at) VALUES ($1, $2)")
                    .bind(key)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn count_attempts(
                &self,
                key: &str,
                since: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM auth_attempts WHERE key = $1 AND at >= $2")
                    .bind(key)
                    .bind(since)
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn set_password(
                &self,
                user_id: i64,
                password_hash: &str,
                keep_session: Option<&str>,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.pool.begin_with($begin_write).await?;
                sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(password_hash)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR token_hash <> $2)")
                    .bind(user_id)
                    .bind(keep_session)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn add_maintainer(&self, slug: &str, user_id: i64) -> $crate::store::StoreResult<()> {
                let id = self.project_id(slug).await?;
                sqlx::query(
                    "INSERT INTO project_maintainers (project_id, user_id, role, created_at) \
                     VALUES ($1, $2, 'maintainer', $3) ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(user_id)
                .bind(chrono::Utc::now())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn create_session(
                &self,
                token_hash: &str,
                user_id: i64,
                expires_at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                let now = chrono::Utc::now();
                // Expired sessions go as new ones come.
                sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(token_hash)
                .bind(user_id)
                .bind(now)
                .bind(expires_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn session_user(
                &self,
                token_hash: &str,
            ) -> $crate::store::StoreResult<Option<$crate::model::User>> {
                let row: Option<$crate::store::sql::UserRow> = sqlx::query_as(
                    "SELECT u.id, u.email, u.name, u.password_hash, u.is_admin, u.is_moderator, u.created_at \
                     FROM sessions s JOIN users u ON u.id = s.user_id \
                     WHERE s.token_hash = $1 AND s.expires_at > $2",
                )
                .bind(token_hash)
                .bind(chrono::Utc::now())
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn delete_session(&self, token_hash: &str) -> $crate::store::StoreResult<()> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn register_project(
                &self,
                project: $crate::model::NewProject,
                registrant: i64,
            ) -> $crate::store::StoreResult<$crate::model::Project> {
                use $crate::store::{Conflict, StoreError};
                let now = chrono::Utc::now();
                let mut tx = self.pool.begin_with($begin_write).await?;
                let taken: Option<(String, String)> = sqlx::query_as(
                    "SELECT slug, repository_url FROM projects \
                     WHERE slug = $1 OR repository_url = $2",
                )
                .bind(&project.slug)
                .bind(&project.repository_url)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some((slug, _)) = taken {
                    return Err(StoreError::Conflict(if slug == project.slug {
                        Conflict::Slug
                    } else {
                        Conflict::RepositoryUrl
                    }));
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO projects (slug, name, summary, repository_url, registered_by, \
                     created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
                )
                .bind(&project.slug)
                .bind(&project.name)
                .bind(&project.summary)
                .bind(&project.repository_url)
                .bind(registrant)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| {
                    if $crate::store::is_unique_violation(&e) {
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
                     VALUES ('index_project', $1, 'queued', $2, $2, $2) ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query("INSERT INTO change_log (entity, entity_id, at) VALUES ('project', $1, $2)")
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                self.project(&project.slug)
                    .await?
                    .ok_or(StoreError::NotFound("projet"))
            }

            async fn project(
                &self,
                slug: &str,
            ) -> $crate::store::StoreResult<Option<$crate::model::Project>> {
                let row: Option<$crate::store::sql::ProjectRow> = sqlx::query_as(concat!(
                    $crate::store::sql::project_select!(),
                    " WHERE p.slug = $1 AND p.hidden = FALSE"
                ))
                .bind(slug)
                .fetch_optional(&self.pool)
                .await?;
                Ok(self.attach_categories(row.into_iter().collect()).await?.pop())
            }

            async fn list_projects(
                &self,
                filter: &$crate::model::ProjectFilter,
                window: $crate::model::Window,
            ) -> $crate::store::StoreResult<$crate::model::Page<$crate::model::Project>> {
                let total: i64 = sqlx::query_scalar(concat!(
                    "SELECT COUNT(*) FROM projects p",
                    $crate::store::sql::project_filter!()
                ))
                .bind(&filter.category)
                .bind(&filter.license)
                .fetch_one(&self.pool)
                .await?;
                use $crate::model::ProjectOrder;
                // The page's ids are chosen on the bare table (an index gives the order), and
                // only those rows are then joined with their counts and latest version.
                let sql = match filter.order {
                    ProjectOrder::Name => $crate::store::sql::page_of_projects!("lower(p.name), p.id"),
                    ProjectOrder::RecentlyUpdated => {
                        $crate::store::sql::page_of_projects!("p.updated_at DESC, p.id DESC")
                    }
                    ProjectOrder::MostAdopted => $crate::store::sql::page_of_projects!(
                        "(SELECT COUNT(*) FROM adoptions a WHERE a.project_id = p.id \
                         AND a.status = 'in_use') DESC, lower(p.name), p.id"
                    ),
                };
                let rows: Vec<$crate::store::sql::ProjectRow> = sqlx::query_as(sql)
                .bind(&filter.category)
                .bind(&filter.license)
                .bind(window.limit)
                .bind(window.offset)
                .fetch_all(&self.pool)
                .await?;
                Ok($crate::model::Page { items: self.attach_categories(rows).await?, total })
            }

            async fn update_project(
                &self,
                slug: &str,
                changes: $crate::model::ProjectChanges,
            ) -> $crate::store::StoreResult<$crate::model::Project> {
                let id = self.project_id(slug).await?;
                let now = chrono::Utc::now();
                let mut tx = self.pool.begin_with($begin_write).await?;
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
                tx.commit().await?;
                self.project(slug)
                    .await?
                    .ok_or($crate::store::StoreError::NotFound("projet"))
            }

            async fn is_maintainer(&self, slug: &str, user_id: i64) -> $crate::store::StoreResult<bool> {
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
            ) -> $crate::store::StoreResult<Vec<$crate::model::KnownUser>> {
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
                    .map(|(organisation, organisation_name, source, label, confirmed)| {
                        $crate::model::KnownUser { organisation, organisation_name, source, label, confirmed }
                    })
                    .collect())
            }

            async fn set_known_users(
                &self,
                slug: &str,
                organisations: &[(String, String)],
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                let project_id = self.project_id(slug).await?;
                let mut tx = self.pool.begin_with($begin_write).await?;
                Self::replace_known_users(&mut tx, project_id, "maintainer", organisations, at).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn versions(
                &self,
                slug: &str,
            ) -> $crate::store::StoreResult<Vec<$crate::model::Version>> {
                let id = self.project_id(slug).await?;
                let rows: Vec<$crate::store::sql::VersionRow> = sqlx::query_as(
                    "SELECT name, semver, is_release, date, commit_date, tagger_date, commit_id \
                     FROM versions WHERE project_id = $1 ORDER BY position, id",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn request_index(&self, slug: &str) -> $crate::store::StoreResult<()> {
                let id = self.project_id(slug).await?;
                sqlx::query(
                    "INSERT INTO jobs (kind, project_id, state, run_after, created_at, updated_at) \
                     VALUES ('index_project', $1, 'queued', $2, $2, $2) ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(chrono::Utc::now())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn index_target(
                &self,
                project_id: i64,
            ) -> $crate::store::StoreResult<Option<$crate::model::IndexTarget>> {
                let row: Option<(i64, String, String, Option<String>)> = sqlx::query_as(
                    "SELECT id, slug, repository_url, refs_digest FROM projects WHERE id = $1",
                )
                .bind(project_id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(id, slug, repository_url, refs_digest)| $crate::model::IndexTarget {
                    id,
                    slug,
                    repository_url,
                    refs_digest,
                }))
            }

            async fn project_ids(
                &self,
                slugs: &[String],
            ) -> $crate::store::StoreResult<Vec<(i64, String)>> {
                let all: Vec<(i64, String)> =
                    sqlx::query_as("SELECT id, slug FROM projects WHERE hidden = FALSE ORDER BY slug")
                        .fetch_all(&self.pool)
                        .await?;
                if slugs.is_empty() {
                    return Ok(all);
                }
                Ok(all.into_iter().filter(|(_, slug)| slugs.contains(slug)).collect())
            }

            async fn save_snapshot(
                &self,
                project_id: i64,
                snapshot: $crate::model::SnapshotRecord,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                let mut known = Vec::new();
                for label in &snapshot.used_by {
                    if let Some(organisation) = self.resolve_organisation_name(label).await? {
                        known.push((organisation, label.clone()));
                    }
                }
                let mut tx = self.pool.begin_with($begin_write).await?;
                Self::replace_known_users(&mut tx, project_id, "publiccode", &known, at).await?;
                // Mark every version, upsert the current ones, sweep those still marked:
                // tags that disappeared go, the others keep their ids.
                sqlx::query("UPDATE versions SET position = -1 WHERE project_id = $1")
                    .bind(project_id)
                    .execute(&mut *tx)
                    .await?;
                let numbered: Vec<(i64, &$crate::model::VersionRecord)> =
                    (0_i64..).zip(snapshot.versions.iter()).collect();
                for chunk in numbered.chunks($crate::store::sql::VERSION_BATCH) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(
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
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "UPDATE projects SET index_state = 'ok', index_error = NULL, \
                     last_indexed_at = $1, last_fetch_at = $1 WHERE id = $2",
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
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "UPDATE projects SET index_state = 'failed', index_error = $1, last_fetch_at = $2 \
                     WHERE id = $3",
                )
                .bind(error)
                .bind(at)
                .bind(project_id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn webhook_identity(
                &self,
                slug: &str,
            ) -> $crate::store::StoreResult<Option<(i64, i64)>> {
                Ok(sqlx::query_as(
                    "SELECT id, webhook_generation FROM projects WHERE slug = $1 AND hidden = FALSE",
                )
                .bind(slug)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn rotate_webhook_secret(&self, slug: &str) -> $crate::store::StoreResult<(i64, i64)> {
                sqlx::query_as(
                    "UPDATE projects SET webhook_generation = webhook_generation + 1 \
                     WHERE slug = $1 AND hidden = FALSE RETURNING id, webhook_generation",
                )
                .bind(slug)
                .fetch_optional(&self.pool)
                .await?
                .ok_or($crate::store::StoreError::NotFound("projet"))
            }

            async fn claim_job(
                &self,
                worker: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<Option<$crate::model::Job>> {
                let row: Option<(i64, i64, i64)> = sqlx::query_as(concat!(
                    "UPDATE jobs SET state = 'running', locked_by = $1, locked_at = $2, \
                     attempts = attempts + 1, updated_at = $2 \
                     WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND run_after <= $2 \
                     AND project_id IS NOT NULL ORDER BY run_after, id LIMIT 1",
                    $claim_lock,
                    ") RETURNING id, project_id, attempts"
                ))
                .bind(worker)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(id, project_id, attempts)| $crate::model::Job { id, project_id, attempts }))
            }

            async fn finish_job(&self, job: &$crate::model::Job) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "DELETE FROM jobs WHERE id = $1 OR (project_id = $2 AND state = 'failed')",
                )
                .bind(job.id)
                .bind(job.project_id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn retry_job(
                &self,
                job: &$crate::model::Job,
                error: &str,
                run_after: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                let requeued = sqlx::query(
                    "UPDATE jobs SET state = 'queued', locked_by = NULL, locked_at = NULL, \
                     last_error = $1, run_after = $2, updated_at = $3 WHERE id = $4",
                )
                .bind(error)
                .bind(run_after)
                .bind(chrono::Utc::now())
                .bind(job.id)
                .execute(&self.pool)
                .await;
                match requeued {
                    Ok(_) => Ok(()),
                    // Someone asked for a refresh meanwhile: that queued job will do.
                    Err(e) if $crate::store::is_unique_violation(&e) => {
                        sqlx::query("DELETE FROM jobs WHERE id = $1")
                            .bind(job.id)
                            .execute(&self.pool)
                            .await?;
                        Ok(())
                    }
                    Err(e) => Err(e.into()),
                }
            }

            async fn fail_job(&self, job: &$crate::model::Job, error: &str) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "UPDATE jobs SET state = 'failed', locked_by = NULL, last_error = $1, \
                     updated_at = $2 WHERE id = $3",
                )
                .bind(error)
                .bind(chrono::Utc::now())
                .bind(job.id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn reclaim_stale_jobs(
                &self,
                locked_before: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<u64> {
                let now = chrono::Utc::now();
                let mut tx = self.pool.begin_with($begin_write).await?;
                let reclaimed = sqlx::query(
                    "UPDATE jobs SET state = 'queued', locked_by = NULL, locked_at = NULL, \
                     run_after = $1, updated_at = $1 \
                     WHERE state = 'running' AND locked_at < $2 AND NOT EXISTS \
                     (SELECT 1 FROM jobs q WHERE q.kind = jobs.kind AND q.project_id = jobs.project_id \
                      AND q.state = 'queued')",
                )
                .bind(now)
                .bind(locked_before)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                sqlx::query("DELETE FROM jobs WHERE state = 'running' AND locked_at < $1")
                    .bind(locked_before)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(reclaimed)
            }

            async fn enqueue_due_refreshes(
                &self,
                fetched_before: chrono::DateTime<chrono::Utc>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<u64> {
                Ok(sqlx::query(
                    "INSERT INTO jobs (kind, project_id, state, run_after, created_at, updated_at) \
                     SELECT 'index_project', p.id, 'queued', $2, $2, $2 FROM projects p \
                     WHERE p.hidden = FALSE AND (p.last_fetch_at IS NULL OR p.last_fetch_at < $1) \
                     AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.project_id = p.id \
                                     AND j.state IN ('queued', 'running')) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(fetched_before)
                .bind(now)
                .execute(&self.pool)
                .await?
                .rows_affected())
            }

            async fn search_sources(
                &self,
                project_ids: &[i64],
            ) -> $crate::store::StoreResult<Vec<$crate::model::SearchSource>> {
                use std::collections::HashMap;
                if project_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let in_list = |sql: &str| {
                    let mut query = sqlx::QueryBuilder::<$db>::new(sql);
                    let mut ids = query.separated(", ");
                    for id in project_ids {
                        ids.push_bind(*id);
                    }
                    query.push(")");
                    query
                };
                type Row = (i64, String, String, String, Option<String>, Option<String>, Option<String>, Option<String>, chrono::DateTime<chrono::Utc>, Option<chrono::DateTime<chrono::Utc>>);
                let rows: Vec<Row> = in_list(
                    "SELECT p.id, p.slug, p.name, p.summary, p.license, p.publiccode_json, p.readme_text, \
                     p.health_json, p.updated_at, \
                     (SELECT v.date FROM versions v WHERE v.project_id = p.id AND v.is_release = TRUE \
                      ORDER BY v.position LIMIT 1) \
                     FROM projects p WHERE p.hidden = FALSE AND p.id IN (",
                )
                .build_query_as()
                .fetch_all(&self.pool)
                .await?;
                let categories: Vec<(i64, String)> =
                    in_list("SELECT project_id, category FROM project_categories WHERE project_id IN (")
                        .build_query_as()
                        .fetch_all(&self.pool)
                        .await?;
                let adopters: Vec<(i64, String, Option<String>, String, String)> = in_list(
                    "SELECT a.project_id, o.name, o.departement, o.kind, a.status FROM adoptions a \
                     JOIN organisations o ON o.id = a.organisation_id \
                     WHERE a.status <> 'stopped' AND a.project_id IN (",
                )
                .build_query_as()
                .fetch_all(&self.pool)
                .await?;
                let maintainers: Vec<(i64, String)> = in_list(
                    "SELECT m.project_id, u.name FROM project_maintainers m \
                     JOIN users u ON u.id = m.user_id WHERE m.project_id IN (",
                )
                .build_query_as()
                .fetch_all(&self.pool)
                .await?;
                let mut by_project: HashMap<i64, $crate::model::SearchSource> = rows
                    .into_iter()
                    .map(|(id, slug, name, summary, license, publiccode_json, readme_text, health_json, updated_at, latest_release_at)| {
                        (id, $crate::model::SearchSource {
                            id, slug, name, summary, categories: Vec::new(), license, publiccode_json,
                            readme_text, health_json, adopters: Vec::new(), maintainers: Vec::new(),
                            adopters_count: 0, latest_release_at, updated_at,
                        })
                    })
                    .collect();
                for (id, category) in categories {
                    if let Some(source) = by_project.get_mut(&id) {
                        source.categories.push(category);
                    }
                }
                for (id, name, departement, kind, status) in adopters {
                    if let Some(source) = by_project.get_mut(&id) {
                        source.adopters_count += i64::from(status == "in_use");
                        source.adopters.push($crate::model::AdopterRef { name, departement, kind });
                    }
                }
                for (id, name) in maintainers {
                    if let Some(source) = by_project.get_mut(&id) {
                        source.maintainers.push(name);
                    }
                }
                let mut sources: Vec<_> = by_project.into_values().collect();
                sources.sort_by_key(|s| s.id);
                Ok(sources)
            }

            async fn all_project_ids(&self) -> $crate::store::StoreResult<Vec<i64>> {
                Ok(sqlx::query_scalar("SELECT id FROM projects WHERE hidden = FALSE ORDER BY id")
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn changes_after(
                &self,
                after_id: i64,
                recent_since: chrono::DateTime<chrono::Utc>,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<(i64, i64)>> {
                Ok(sqlx::query_as(
                    "SELECT id, entity_id FROM change_log WHERE entity = 'project' \
                     AND (id > $1 OR at >= $2) ORDER BY id LIMIT $3",
                )
                .bind(after_id)
                .bind(recent_since)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn last_change_id(&self) -> $crate::store::StoreResult<i64> {
                let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM change_log")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(id.unwrap_or(0))
            }

            async fn search_organisations(
                &self,
                query: &$crate::model::OrganisationQuery,
                window: $crate::model::Window,
            ) -> $crate::store::StoreResult<$crate::model::Page<$crate::model::Organisation>> {
                let total: i64 = sqlx::query_scalar(concat!(
                    "SELECT COUNT(*)",
                    $crate::store::sql::organisation_filter!()
                ))
                .bind(&query.text)
                .bind(&query.kind)
                .bind(&query.departement)
                .fetch_one(&self.pool)
                .await?;
                let rows: Vec<$crate::store::sql::OrganisationRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::store::sql::organisation_columns!(),
                    $crate::store::sql::organisation_filter!(),
                    " ORDER BY CASE WHEN o.search_key = $1 THEN 0 \
                       WHEN o.search_key LIKE $1 || '%' THEN 1 ELSE 2 END, \
                     o.population DESC NULLS LAST, o.name, o.id LIMIT $4 OFFSET $5"
                ))
                .bind(&query.text)
                .bind(&query.kind)
                .bind(&query.departement)
                .bind(window.limit)
                .bind(window.offset)
                .fetch_all(&self.pool)
                .await?;
                Ok($crate::model::Page { items: rows.into_iter().map(Into::into).collect(), total })
            }

            async fn organisation(
                &self,
                id: &str,
            ) -> $crate::store::StoreResult<Option<$crate::model::Organisation>> {
                let row: Option<$crate::store::sql::OrganisationRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::store::sql::organisation_columns!(),
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
            ) -> $crate::store::StoreResult<Option<$crate::model::OrganisationDetail>> {
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
                    "SELECT COUNT(*) FROM organisation_memberships WHERE parent_id = $1",
                )
                .bind(&organisation.id)
                .fetch_one(&self.pool)
                .await?;
                let adoptions = self
                    .organisation_adoptions(&organisation.id, $crate::model::Window { limit: 500, offset: 0 })
                    .await?
                    .items;
                Ok(Some($crate::model::OrganisationDetail {
                    organisation,
                    memberships: memberships
                        .into_iter()
                        .map(|(id, name, kind)| $crate::model::OrganisationRef { id, name, kind })
                        .collect(),
                    members_count,
                    adoptions,
                }))
            }

            async fn declare_adoption(
                &self,
                declaration: $crate::model::AdoptionDeclaration,
            ) -> $crate::store::StoreResult<($crate::model::Adoption, bool)> {
                use $crate::store::StoreError;
                let project_id = self.project_id(&declaration.project_slug).await?;
                let organisation = self
                    .organisation(&declaration.organisation_id)
                    .await?
                    .ok_or(StoreError::NotFound("organisation"))?;
                let now = chrono::Utc::now();
                let status = declaration.status.as_str();
                let verification = declaration.verification.as_str();
                let mut tx = self.pool.begin_with($begin_write).await?;
                let existing: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM adoptions WHERE project_id = $1 AND organisation_id = $2",
                )
                .bind(project_id)
                .bind(&organisation.id)
                .fetch_optional(&mut *tx)
                .await?;
                let adoption_id: i64 = match existing {
                    Some(id) => {
                        sqlx::query(
                            "UPDATE adoptions SET version = $1, status = $2, since = $3, \
                             declared_by = $4, verification = $5, updated_at = $6 WHERE id = $7",
                        )
                        .bind(&declaration.version)
                        .bind(status)
                        .bind(declaration.since)
                        .bind(declaration.declared_by)
                        .bind(verification)
                        .bind(now)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                        id
                    }
                    None => {
                        sqlx::query_scalar(
                            "INSERT INTO adoptions (project_id, organisation_id, version, status, \
                             since, declared_by, verification, declared_at, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                        )
                        .bind(project_id)
                        .bind(&organisation.id)
                        .bind(&declaration.version)
                        .bind(status)
                        .bind(declaration.since)
                        .bind(declaration.declared_by)
                        .bind(verification)
                        .bind(now)
                        .fetch_one(&mut *tx)
                        .await?
                    }
                };
                sqlx::query(
                    "INSERT INTO adoption_events (adoption_id, version, status, since, declared_by, \
                     verification, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(adoption_id)
                .bind(&declaration.version)
                .bind(status)
                .bind(declaration.since)
                .bind(declaration.declared_by)
                .bind(verification)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query("INSERT INTO change_log (entity, entity_id, at) VALUES ('project', $1, $2)")
                    .bind(project_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                let row: $crate::store::sql::AdoptionRow =
                    sqlx::query_as(concat!($crate::store::sql::adoption_select!(), " WHERE a.id = $1"))
                        .bind(adoption_id)
                        .fetch_one(&self.pool)
                        .await?;
                Ok((row.into(), existing.is_none()))
            }

            async fn adoption_history(
                &self,
                slug: &str,
                organisation_id: &str,
            ) -> $crate::store::StoreResult<Vec<$crate::model::AdoptionEvent>> {
                let project_id = self.project_id(slug).await?;
                let organisation = self
                    .organisation(organisation_id)
                    .await?
                    .ok_or($crate::store::StoreError::NotFound("organisation"))?;
                let rows: Vec<$crate::store::sql::AdoptionEventRow> = sqlx::query_as(
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
                window: $crate::model::Window,
            ) -> $crate::store::StoreResult<$crate::model::Page<$crate::model::Adoption>> {
                let project_id = self.project_id(slug).await?;
                let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM adoptions WHERE project_id = $1")
                    .bind(project_id)
                    .fetch_one(&self.pool)
                    .await?;
                let rows: Vec<$crate::store::sql::AdoptionRow> = sqlx::query_as(concat!(
                    $crate::store::sql::adoption_select!(),
                    " WHERE a.project_id = $1 ORDER BY o.name, o.id LIMIT $2 OFFSET $3"
                ))
                .bind(project_id)
                .bind(window.limit)
                .bind(window.offset)
                .fetch_all(&self.pool)
                .await?;
                Ok($crate::model::Page { items: rows.into_iter().map(Into::into).collect(), total })
            }

            async fn organisation_adoptions(
                &self,
                id: &str,
                window: $crate::model::Window,
            ) -> $crate::store::StoreResult<$crate::model::Page<$crate::model::Adoption>> {
                let organisation = self
                    .organisation(id)
                    .await?
                    .ok_or($crate::store::StoreError::NotFound("organisation"))?;
                let total: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM adoptions a JOIN projects p ON p.id = a.project_id \
                     WHERE a.organisation_id = $1 AND p.hidden = FALSE",
                )
                .bind(&organisation.id)
                .fetch_one(&self.pool)
                .await?;
                let rows: Vec<$crate::store::sql::AdoptionRow> = sqlx::query_as(concat!(
                    $crate::store::sql::adoption_select!(),
                    " WHERE a.organisation_id = $1 AND p.hidden = FALSE \
                     ORDER BY lower(p.name), p.id LIMIT $2 OFFSET $3"
                ))
                .bind(&organisation.id)
                .bind(window.limit)
                .bind(window.offset)
                .fetch_all(&self.pool)
                .await?;
                Ok($crate::model::Page { items: rows.into_iter().map(Into::into).collect(), total })
            }

            async fn adopters_by_departement(&self, slug: &str) -> $crate::store::StoreResult<Vec<(String, i64)>> {
                let id = self.project_id(slug).await?;
                Ok(sqlx::query_as(
                    "SELECT o.departement, COUNT(*) FROM adoptions a JOIN organisations o ON o.id = a.organisation_id \
                     WHERE a.project_id = $1 AND a.status <> 'stopped' AND o.departement IS NOT NULL \
                     GROUP BY o.departement",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn versions_in_use(&self, slug: &str) -> $crate::store::StoreResult<Vec<(Option<String>, i64)>> {
                let id = self.project_id(slug).await?;
                Ok(sqlx::query_as(
                    "SELECT version, COUNT(*) AS n FROM adoptions WHERE project_id = $1 AND status = 'in_use' \
                     GROUP BY version ORDER BY n DESC, version",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn category_counts(&self) -> $crate::store::StoreResult<Vec<(String, i64)>> {
                Ok(sqlx::query_as(
                    "SELECT c.category, COUNT(*) FROM project_categories c \
                     JOIN projects p ON p.id = c.project_id WHERE p.hidden = FALSE \
                     GROUP BY c.category ORDER BY c.category",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn peer_suggestions(
                &self,
                organisation_id: &str,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::model::PeerSuggestion>> {
                let Some(organisation) = self.organisation(organisation_id).await? else {
                    return Err($crate::store::StoreError::NotFound("organisation"));
                };
                let mut suggestions: Vec<$crate::model::PeerSuggestion> = Vec::new();
                // Peers of the same département, then of the same EPCI.
                let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
                    "SELECT p.slug, p.name, p.summary, COUNT(DISTINCT a.organisation_id) AS peers \
                     FROM adoptions a JOIN projects p ON p.id = a.project_id \
                     JOIN organisations o ON o.id = a.organisation_id \
                     WHERE a.status = 'in_use' AND p.hidden = FALSE AND o.id <> $1 \
                       AND o.departement = $2 \
                       AND NOT EXISTS (SELECT 1 FROM adoptions mine WHERE mine.project_id = p.id \
                                       AND mine.organisation_id = $1) \
                     GROUP BY p.slug, p.name, p.summary ORDER BY peers DESC, p.name LIMIT $3",
                )
                .bind(&organisation.id)
                .bind(&organisation.departement)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                for (slug, name, summary, peers) in rows {
                    let reason = format!(
                        "utilisé par {peers} organisation{} du département",
                        if peers > 1 { "s" } else { "" }
                    );
                    suggestions.push($crate::model::PeerSuggestion { slug, name, summary, peers, reason });
                }
                let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
                    "SELECT p.slug, p.name, p.summary, COUNT(DISTINCT a.organisation_id) AS peers \
                     FROM organisation_memberships mine_epci \
                     JOIN organisation_memberships peer ON peer.parent_id = mine_epci.parent_id \
                       AND peer.member_id <> mine_epci.member_id \
                     JOIN adoptions a ON a.organisation_id = peer.member_id AND a.status = 'in_use' \
                     JOIN projects p ON p.id = a.project_id \
                     WHERE mine_epci.member_id = $1 AND mine_epci.relation = 'epci' AND p.hidden = FALSE \
                       AND NOT EXISTS (SELECT 1 FROM adoptions mine WHERE mine.project_id = p.id \
                                       AND mine.organisation_id = $1) \
                     GROUP BY p.slug, p.name, p.summary ORDER BY peers DESC, p.name LIMIT $2",
                )
                .bind(&organisation.id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                for (slug, name, summary, peers) in rows {
                    if suggestions.iter().any(|s| s.slug == slug) {
                        continue;
                    }
                    let reason = format!(
                        "utilisé par {peers} commune{} de la même intercommunalité",
                        if peers > 1 { "s" } else { "" }
                    );
                    suggestions.push($crate::model::PeerSuggestion { slug, name, summary, peers, reason });
                }
                suggestions.truncate(usize::try_from(limit).unwrap_or(0));
                Ok(suggestions)
            }

            async fn counts(&self) -> $crate::store::StoreResult<$crate::model::CatalogueCounts> {
                let (projects, organisations, adoptions, adopting_organisations, users, jobs_queued, jobs_failed): (i64, i64, i64, i64, i64, i64, i64) =
                    sqlx::query_as(
                        "SELECT (SELECT COUNT(*) FROM projects WHERE hidden = FALSE), \
                         (SELECT COUNT(*) FROM organisations), \
                         (SELECT COUNT(*) FROM adoptions WHERE status = 'in_use'), \
                         (SELECT COUNT(DISTINCT organisation_id) FROM adoptions WHERE status = 'in_use'), \
                         (SELECT COUNT(*) FROM users), \
                         (SELECT COUNT(*) FROM jobs WHERE state = 'queued'), \
                         (SELECT COUNT(*) FROM jobs WHERE state = 'failed')",
                    )
                    .fetch_one(&self.pool)
                    .await?;
                Ok($crate::model::CatalogueCounts {
                    projects,
                    organisations,
                    adoptions,
                    adopting_organisations,
                    users,
                    jobs_queued,
                    jobs_failed,
                })
            }
        }
    };
}

pub(super) use impl_sql_store;
