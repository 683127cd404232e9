//! Rows as both engines return them, the SQL fragments several aggregates share, and batch
//! sizes: compiled once, used by the SQL in `sql/` for each engine.

use chrono::{DateTime, NaiveDate, Utc};

use crate::model::*;

/// Rows as they come out of the database, before they become domain types.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ProjectRow {
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
    pub upstream_failing_since: Option<DateTime<Utc>>,
    pub hosted: bool,
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
            upstream_unavailable_since: self.upstream_failing_since,
            hosted: self.hosted,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct OrganisationRow {
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
    pub country: String,
    pub name_nl: Option<String>,
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
            country: row.country,
            name_nl: row.name_nl,
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AdoptionRow {
    pub project: String,
    pub project_name: String,
    pub organisation: String,
    pub organisation_name: String,
    pub organisation_kind: String,
    pub departement: Option<String>,
    pub version: Option<String>,
    pub version_known: bool,
    pub versions_behind: Option<i64>,
    pub status: String,
    pub since: Option<NaiveDate>,
    pub declared_by: Option<String>,
    pub verification: String,
    pub declared_by_organisation: Option<String>,
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
            // The count is 0 for a version the repository does not have: say unknown.
            versions_behind: row.versions_behind.filter(|_| row.version_known),
            // The column only ever receives `AdoptionStatus::as_str` values.
            status: AdoptionStatus::parse(&row.status).unwrap_or(AdoptionStatus::InUse),
            since: row.since,
            declared_by: row.declared_by,
            verification: verification(&row.verification),
            declared_by_organisation: row.declared_by_organisation,
            confirmed: row.confirmed,
            declared_at: row.declared_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AdoptionEventRow {
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
            verification: verification(&row.verification),
            at: row.at,
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub is_moderator: bool,
    pub created_at: DateTime<Utc>,
    pub email_confirmed_at: Option<DateTime<Utc>>,
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
            email_confirmed_at: row.email_confirmed_at,
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct VersionRow {
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
            withdrawn_at: None,
            archives: Vec::new(),
        }
    }
}

/// A stored verification; only `Verification` texts are ever written, and anything else
/// vouches for nothing.
pub(crate) fn verification(stored: &str) -> Verification {
    Verification::parse(stored).unwrap_or(Verification::Unverified)
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
         lv.name AS latest_version_name, lv.date AS latest_version_date, \
         p.upstream_failing_since, p.hosted \
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

/// The columns of a [`UserRow`], from `users u`.
macro_rules! user_columns {
    () => {
        "u.id, u.email, u.name, u.password_hash, u.is_admin, u.is_moderator, u.created_at, \
         u.email_confirmed_at"
    };
}

macro_rules! organisation_columns {
    () => {
        "o.id, o.kind, o.code, o.name, o.subkind, o.siren, o.departement, o.region, \
         o.population, o.postal_codes, o.country, o.name_nl"
    };
}

/// `$1` folded text (or NULL), `$2` kind, `$3` département, `$4` country.
macro_rules! organisation_filter {
    () => {
        " FROM organisations o \
          WHERE ($1 IS NULL OR o.search_key LIKE $1 || '%' OR o.search_key LIKE '% ' || $1 || '%' \
                 OR lower(o.code) LIKE $1 || '%' OR o.siren = $1) \
            AND ($2 IS NULL OR o.kind = $2) \
            AND ($3 IS NULL OR o.departement = $3) \
            AND ($4 IS NULL OR o.country = $4) "
    };
}

/// The columns of an adoption as the API shows it, over `adoptions a`, `projects p`,
/// `organisations o` and `users u` joined as [`adoption_select`] joins them; a caller that
/// must fix the join order (SQLite follows `CROSS JOIN` as written) writes its own `FROM`.
macro_rules! adoption_columns {
    () => {
        "SELECT p.slug AS project, p.name AS project_name, o.id AS organisation, \
         o.name AS organisation_name, o.kind AS organisation_kind, o.departement, a.version, \
         EXISTS (SELECT 1 FROM versions v WHERE v.project_id = a.project_id \
           AND (v.name = a.version OR v.name = 'v' || a.version OR 'v' || v.name = a.version)) \
           AS version_known, \
         (SELECT COUNT(*) FROM versions r WHERE r.project_id = a.project_id \
           AND r.is_release = TRUE AND r.position < (SELECT MIN(v.position) FROM versions v \
             WHERE v.project_id = a.project_id AND (v.name = a.version \
               OR v.name = 'v' || a.version OR 'v' || v.name = a.version))) \
           AS versions_behind, a.status, a.since, \
         u.name AS declared_by, a.verification, a.declared_by_organisation, \
         EXISTS (SELECT 1 FROM known_users k WHERE k.project_id = a.project_id \
           AND k.organisation_id = a.organisation_id) AS confirmed, \
         a.declared_at, a.updated_at "
    };
}

macro_rules! adoption_select {
    () => {
        concat!(
            crate::store::rows::adoption_columns!(),
            "FROM adoptions a \
             JOIN projects p ON p.id = a.project_id \
             JOIN organisations o ON o.id = a.organisation_id \
             LEFT JOIN users u ON u.id = a.declared_by "
        )
    };
}

/// A page of projects in the given order: ids chosen first on the bare table, then only
/// those rows joined. `$3` limit, `$4` offset, with [`project_filter`]'s `$1` and `$2`.
macro_rules! page_of_projects {
    ($order:literal) => {
        concat!(
            $crate::store::rows::project_select!(),
            " WHERE p.id IN (SELECT p.id FROM projects p",
            $crate::store::rows::project_filter!(),
            " ORDER BY ",
            $order,
            " LIMIT $3 OFFSET $4) ORDER BY ",
            $order
        )
    };
}

pub(crate) use {
    adoption_columns, adoption_select, organisation_columns, organisation_filter, page_of_projects,
    project_filter, project_select, user_columns,
};

/// Rows per multi-row INSERT when loading reference data: well under both engines' limits
/// on bound parameters.
pub(crate) const REFERENCE_BATCH: usize = 1000;
/// Versions per multi-row upsert (nine parameters each).
pub(crate) const VERSION_BATCH: usize = 500;
