//! The catalogue's domain types, as the store returns them and the API shows them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

// First: the others declare their vocabularies with its `text_values!`.
#[macro_use]
mod values;
mod archives;
mod dashboards;
mod documents;
mod groups;
mod lag;
mod mail;
mod new_project;
mod peers;
mod providers;
mod reports;
mod structures;
pub use archives::*;
pub use dashboards::*;
pub use documents::*;
pub use groups::*;
pub use lag::*;
pub use mail::*;
pub use new_project::*;
pub use peers::*;
pub use providers::*;
pub use reports::*;
pub use structures::*;
pub use values::*;

/// A registered user.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub is_admin: bool,
    pub is_moderator: bool,
    pub created_at: DateTime<Utc>,
    /// When its owner proved the address by following the link sent to it; until then the
    /// address vouches for nothing.
    pub email_confirmed_at: Option<DateTime<Utc>>,
}

impl User {
    /// The account's role, from the two flags the database keeps.
    pub fn role(&self) -> Role {
        if self.is_admin {
            Role::Administrator
        } else if self.is_moderator {
            Role::Moderator
        } else {
            Role::Member
        }
    }
}

/// What creating a user needs; the password is already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub is_moderator: bool,
    /// Set when the address is known good (an administrator made the account).
    pub email_confirmed_at: Option<DateTime<Utc>>,
}

/// Where a project stands with the indexer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndexStatus {
    /// `pending`, `ok` or `failed`.
    pub state: String,
    pub last_indexed_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
}

/// The newest release of a project.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LatestVersion {
    pub name: String,
    pub date: Option<DateTime<Utc>>,
}

/// A piece of software in the catalogue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Project {
    #[serde(skip)]
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub repository_url: String,
    /// SPDX expression, or null while unknown.
    pub license: Option<String>,
    pub categories: Vec<String>,
    pub latest_version: Option<LatestVersion>,
    pub versions_count: i64,
    /// Organisations that declare it in use.
    pub adopters_count: i64,
    /// Of those, the declarations made by verified agents or moderators.
    pub verified_adopters_count: i64,
    /// Of those, the uses the project also lists among its known users (both sides assert).
    pub confirmed_adopters_count: i64,
    /// README rendered to sanitised HTML.
    pub readme_html: Option<String>,
    /// The parsed publiccode.yml.
    #[schema(value_type = Option<Object>)]
    pub publiccode: Option<serde_json::Value>,
    pub index_status: IndexStatus,
    /// Activity figures from the repository's history, once indexed.
    pub health: Option<Health>,
    /// The verdict on the repository's publiccode.yml.
    pub publiccode_validation: Option<PubliccodeValidation>,
    pub default_branch: Option<String>,
    /// What the indexer could not read, in French.
    pub index_problems: Vec<String>,
    /// Since when the upstream repository does not answer or is gone; null while it answers.
    /// The project lives on from civiforge's copy meanwhile.
    pub upstream_unavailable_since: Option<DateTime<Utc>>,
    /// Its repository lives on civiforge: maintainers push to it, nothing is fetched.
    pub hosted: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A change to a project's editable fields; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProjectChanges {
    pub name: Option<String>,
    pub summary: Option<String>,
    pub categories: Option<Vec<String>>,
}

/// A release of a project, from a git tag.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Version {
    /// The tag as written.
    pub name: String,
    /// Normalised semantic version, or null for tags that are not versions.
    pub semver: Option<String>,
    /// Release date: the tagger date of an annotated tag, else the commit date.
    pub date: Option<DateTime<Utc>>,
    pub commit: Option<String>,
    /// A release that may be shown as the latest version (not a pre-release).
    pub is_release: bool,
    pub commit_date: Option<DateTime<Utc>>,
    pub tagger_date: Option<DateTime<Utc>>,
    /// When the upstream removed its tag; civiforge keeps serving it. Null for a current tag.
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// The version's release archives, built from civiforge's copy of the repository.
    pub archives: Vec<VersionArchive>,
}

/// A public body or company: commune, EPCI, département, région, or another organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Organisation {
    /// `commune-13047`, `departement-13`, `region-93`, `epci-200035442`, `org-imio`.
    pub id: String,
    pub kind: String,
    pub code: Option<String>,
    pub name: String,
    /// For an EPCI: CC, CA, CU, METRO…
    pub subkind: Option<String>,
    pub siren: Option<String>,
    pub departement: Option<String>,
    pub region: Option<String>,
    pub population: Option<i64>,
    pub postal_codes: Vec<String>,
    /// `FR` or `BE`.
    pub country: String,
    /// The Dutch name, where it differs (Belgium: Namur, « Namen »).
    pub name_nl: Option<String>,
}

/// An organisation with what it belongs to, for its own page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganisationDetail {
    #[serde(flatten)]
    pub organisation: Organisation,
    /// Groupings it is a member of (its EPCI for a commune).
    pub memberships: Vec<OrganisationRef>,
    pub members_count: i64,
    pub adoptions: Vec<Adoption>,
}

/// A short reference to an organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganisationRef {
    pub id: String,
    pub name: String,
    pub kind: String,
}

/// An organisation a project says uses it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KnownUser {
    /// Organisation id.
    pub organisation: String,
    pub organisation_name: String,
    /// `publiccode` (the repository's publiccode.yml `usedBy`) or `maintainer` (the list its
    /// maintainers keep).
    pub source: String,
    /// The name as the project wrote it.
    pub label: String,
    /// The organisation declares the use too: the use is confirmed.
    pub confirmed: bool,
}

/// An organisation's declared use of a project.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Adoption {
    /// Project slug.
    pub project: String,
    pub project_name: String,
    /// Organisation id.
    pub organisation: String,
    pub organisation_name: String,
    pub organisation_kind: String,
    pub departement: Option<String>,
    pub version: Option<String>,
    /// Whether `version` names a version the project is known to have released.
    pub version_known: bool,
    /// Releases newer than `version`; null when the version is unknown.
    pub versions_behind: Option<i64>,
    pub status: AdoptionStatus,
    pub since: Option<NaiveDate>,
    /// Name of the user who declared it.
    pub declared_by: Option<String>,
    /// `unverified`, `agent`, `moderator` or `structure`: how the declarer's authority was
    /// established.
    pub verification: Verification,
    /// The pooling structure that declared it for its member, if one did.
    pub declared_by_organisation: Option<String>,
    /// The project also lists this organisation among its users (publiccode.yml `usedBy` or
    /// its maintainers' list): the use is asserted by both sides.
    pub confirmed: bool,
    pub declared_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One past declaration or change of an adoption.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdoptionEvent {
    pub version: Option<String>,
    pub status: AdoptionStatus,
    pub since: Option<NaiveDate>,
    pub declared_by: Option<String>,
    pub verification: Verification,
    pub at: DateTime<Utc>,
}

/// A validated declaration of use, ready to be stored.
#[derive(Debug, Clone)]
pub struct AdoptionDeclaration {
    /// How the declarer's authority was established: `agent`, `moderator` or `unverified`.
    pub verification: Verification,
    pub project_slug: String,
    pub organisation_id: String,
    pub version: Option<String>,
    pub status: AdoptionStatus,
    pub since: Option<NaiveDate>,
    pub declared_by: i64,
    /// The pooling structure declaring for its member, if one is.
    pub declared_by_organisation: Option<String>,
}

/// A page of results and the total number of matches.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// Which part of a list to return.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub limit: i64,
    pub offset: i64,
}

/// Filters and order of the project list.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub category: Option<String>,
    pub license: Option<String>,
    pub order: ProjectOrder,
}

/// How the project list is sorted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ProjectOrder {
    #[default]
    Name,
    /// Most recently changed first.
    RecentlyUpdated,
    /// Most adopting organisations first.
    MostAdopted,
    /// Most recently registered first.
    Newest,
}

/// An organisation search.
#[derive(Debug, Clone, Default)]
pub struct OrganisationQuery {
    /// Already folded with [`crate::text::fold_query`].
    pub text: Option<String>,
    pub kind: Option<String>,
    pub departement: Option<String>,
    /// `FR` or `BE`.
    pub country: Option<String>,
}

/// Figures for `/metrics` and the home page.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct CatalogueCounts {
    pub projects: i64,
    pub organisations: i64,
    pub adoptions: i64,
    pub adopting_organisations: i64,
    pub users: i64,
    pub jobs_queued: i64,
    pub jobs_failed: i64,
}

/// What the worker needs to index a project.
#[derive(Debug, Clone)]
pub struct IndexTarget {
    pub id: i64,
    pub slug: String,
    pub repository_url: String,
    pub refs_digest: Option<String>,
    /// Read where it is, never fetched; imported once from `imported_from` when still empty.
    pub hosted: bool,
    pub imported_from: Option<String>,
}

/// An indexing job taken by a worker.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub project_id: i64,
    /// Including this one.
    pub attempts: i64,
}

/// A version as the indexer found it.
#[derive(Debug, Clone)]
pub struct VersionRecord {
    pub name: String,
    pub semver: Option<String>,
    pub is_release: bool,
    pub date: Option<DateTime<Utc>>,
    pub commit_date: Option<DateTime<Utc>>,
    pub tagger_date: Option<DateTime<Utc>>,
    pub commit: Option<String>,
}

/// Everything an indexing run stores for a project; versions newest first.
#[derive(Debug, Clone)]
pub struct SnapshotRecord {
    pub refs_digest: String,
    pub default_branch: Option<String>,
    pub head_commit: Option<String>,
    pub versions: Vec<VersionRecord>,
    pub readme_html: Option<String>,
    pub readme_text: Option<String>,
    pub publiccode_json: Option<String>,
    pub publiccode_report_json: Option<String>,
    pub health_json: Option<String>,
    pub license: Option<String>,
    pub license_source: Option<String>,
    pub problems_json: Option<String>,
    /// publiccode.yml `usedBy`: the names the project gives of its users.
    pub used_by: Vec<String>,
}

/// An adopting organisation, as search sees it.
#[derive(Debug, Clone)]
pub struct AdopterRef {
    pub name: String,
    pub departement: Option<String>,
    pub kind: String,
}

/// Everything the search index holds about one project, read from the database.
#[derive(Debug, Clone)]
pub struct SearchSource {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub categories: Vec<String>,
    pub license: Option<String>,
    pub publiccode_json: Option<String>,
    pub readme_text: Option<String>,
    pub health_json: Option<String>,
    /// Organisations using or evaluating it.
    pub adopters: Vec<AdopterRef>,
    pub maintainers: Vec<String>,
    pub adopters_count: i64,
    pub latest_release_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// An API token as its owner sees it (never the secret itself).
#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub label: String,
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// One write, as the audit log keeps it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub ip: Option<String>,
    pub action: AuditAction,
    pub target: String,
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

/// A write's entry in the audit log, with the account behind it: stored in the write's own
/// transaction, so that no change is ever committed without its entry.
#[derive(Debug, Clone)]
pub struct Audit {
    pub user_id: Option<i64>,
    pub entry: AuditEntry,
}

/// A user's claim to act for an organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Claim {
    pub id: i64,
    pub user: String,
    pub organisation: String,
    pub organisation_name: String,
    pub status: ClaimStatus,
    /// Once verified.
    pub method: Option<ClaimMethod>,
    pub created_at: DateTime<Utc>,
    /// When it was verified or refused.
    pub decided_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}
