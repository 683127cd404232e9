//! What users send, and the checks that turn it into domain values. Every refusal names the
//! field and says, in French, what to change.

use chrono::{Datelike, NaiveDate};
use civiforge_indexer::{RepositoryLocation, RepositoryUrlPolicy};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

mod document_requests;
mod documents;
mod groups;
mod identity;
mod providers;
mod structures;

pub use document_requests::*;
pub use documents::*;
pub use groups::*;
pub use identity::{account_name, code_point, email_address, is_domain_name};
pub use providers::*;
pub use structures::*;

use crate::categories;
use crate::model::{AdoptionDeclaration, AdoptionStatus, NewProject, ProjectChanges};
use crate::text::{is_invisible, is_slug, slugify};

pub const MAX_NAME_CHARS: usize = 120;
pub const MAX_SUMMARY_CHARS: usize = 500;
pub const MAX_SLUG_LEN: usize = 64;
pub const MAX_CATEGORIES: usize = 5;
pub const MAX_VERSION_CHARS: usize = 64;
pub const MAX_ID_LEN: usize = 100;

/// One field that was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// `POST /api/v1/projects`
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterProjectRequest {
    /// `https://` URL of the git repository.
    pub repository_url: String,
    /// Defaults to the repository's name.
    pub name: Option<String>,
    pub summary: Option<String>,
    /// Category slugs, see `GET /api/v1/categories`.
    pub categories: Option<Vec<String>>,
    /// Defaults to a slug made from the name.
    pub slug: Option<String>,
}

/// `POST /api/v1/hosted-projects`: a project whose repository lives on civiforge.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterHostedProjectRequest {
    pub name: String,
    pub summary: Option<String>,
    /// Category slugs, see `GET /api/v1/categories`.
    pub categories: Option<Vec<String>>,
    /// Defaults to a slug made from the name.
    pub slug: Option<String>,
    /// A repository to import once, under the same rules as `repository_url`; without it the
    /// repository starts empty.
    pub import_from: Option<String>,
}

/// `PATCH /api/v1/projects/{slug}`
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProjectRequest {
    pub name: Option<String>,
    pub summary: Option<String>,
    pub categories: Option<Vec<String>>,
}

/// `POST /api/v1/adoptions`
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclareAdoptionRequest {
    /// Project slug.
    pub project: String,
    /// Organisation id, such as `commune-13047`.
    pub organisation: String,
    pub version: Option<String>,
    pub status: Option<AdoptionStatus>,
    /// Date of first use, `YYYY-MM-DD`.
    pub since: Option<String>,
}

/// Checks a registration and returns the project to store.
pub fn register_project(
    request: RegisterProjectRequest,
    policy: &RepositoryUrlPolicy,
) -> Result<NewProject, Vec<FieldError>> {
    let mut errors = Vec::new();
    let location = policy
        .check(&request.repository_url)
        .map_err(|e| errors.push(FieldError::new("repository_url", e.to_string())))
        .ok();
    let name = match request.name {
        Some(name) => checked_text("name", &name, 1, MAX_NAME_CHARS, &mut errors),
        None => location.as_ref().map(repository_name).unwrap_or_default(),
    };
    let (summary, categories) =
        checked_description(request.summary, request.categories, &mut errors);
    // The name defaults from the URL: no slug to suggest when the URL was refused.
    let slug = checked_slug(
        request.slug,
        if location.is_some() { &name } else { "" },
        "mon-logiciel",
        &mut errors,
    );
    match location {
        Some(location) if errors.is_empty() => {
            Ok(NewProject::new(slug, name, summary, &location, categories))
        }
        _ => Err(errors),
    }
}

/// Checks a hosted project's registration; its repository's address is `{public_url}/git/{slug}.git`.
pub fn register_hosted_project(
    request: RegisterHostedProjectRequest,
    policy: &RepositoryUrlPolicy,
    public_url: &str,
) -> Result<NewProject, Vec<FieldError>> {
    let mut errors = Vec::new();
    let import = request
        .import_from
        .as_deref()
        .filter(|url| !url.trim().is_empty())
        .and_then(|url| {
            policy
                .check(url)
                .map_err(|e| errors.push(FieldError::new("import_from", e.to_string())))
                .ok()
        });
    let name = checked_text("name", &request.name, 1, MAX_NAME_CHARS, &mut errors);
    let (summary, categories) =
        checked_description(request.summary, request.categories, &mut errors);
    let slug = checked_slug(request.slug, &name, "mon-logiciel", &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let home = format!("{public_url}/git/{slug}.git");
    Ok(NewProject::hosted(
        slug,
        name,
        summary,
        home,
        import.as_ref(),
        categories,
    ))
}

/// A registration's optional summary and categories, checked.
fn checked_description(
    summary: Option<String>,
    categories: Option<Vec<String>>,
    errors: &mut Vec<FieldError>,
) -> (String, Vec<String>) {
    let summary = checked_text(
        "summary",
        summary.as_deref().unwrap_or(""),
        0,
        MAX_SUMMARY_CHARS,
        errors,
    );
    (
        summary,
        checked_categories(categories.unwrap_or_default(), errors),
    )
}

/// Checks a country filter: `FR` or `BE`, in any case; empty means any.
pub fn country(value: Option<String>) -> Result<Option<String>, Vec<FieldError>> {
    match value
        .map(|v| v.trim().to_uppercase())
        .filter(|v| !v.is_empty())
    {
        None => Ok(None),
        Some(code) if code == "FR" || code == "BE" => Ok(Some(code)),
        Some(other) => Err(vec![FieldError::new(
            "country",
            format!(
                "pays inconnu « {} » : indiquez FR (France) ou BE (Belgique)",
                crate::text::shorten(&other)
            ),
        )]),
    }
}

/// Checks an edit of a project.
pub fn update_project(request: UpdateProjectRequest) -> Result<ProjectChanges, Vec<FieldError>> {
    let mut errors = Vec::new();
    let changes = ProjectChanges {
        name: request
            .name
            .map(|n| checked_text("name", &n, 1, MAX_NAME_CHARS, &mut errors)),
        summary: request
            .summary
            .map(|s| checked_text("summary", &s, 0, MAX_SUMMARY_CHARS, &mut errors)),
        categories: request
            .categories
            .map(|c| checked_categories(c, &mut errors)),
    };
    if errors.is_empty() {
        Ok(changes)
    } else {
        Err(errors)
    }
}

/// Checks a declaration of use made by `user_id`.
pub fn declare_adoption(
    request: DeclareAdoptionRequest,
    user_id: i64,
    today: NaiveDate,
) -> Result<AdoptionDeclaration, Vec<FieldError>> {
    let mut errors = Vec::new();
    let project = checked_text("project", &request.project, 1, MAX_ID_LEN, &mut errors);
    let organisation = checked_text(
        "organisation",
        &request.organisation,
        1,
        MAX_ID_LEN,
        &mut errors,
    );
    let version = request
        .version
        .map(|v| checked_text("version", &v, 1, MAX_VERSION_CHARS, &mut errors));
    let since =
        request.since.and_then(
            |text| match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
                Ok(date) if date > today => {
                    errors.push(FieldError::new(
                        "since",
                        "la date de début ne peut pas être dans le futur",
                    ));
                    None
                }
                Ok(date) if date.year() < 1970 => {
                    errors.push(FieldError::new(
                        "since",
                        "la date de début est antérieure à 1970",
                    ));
                    None
                }
                Ok(date) => Some(date),
                Err(_) => {
                    errors.push(FieldError::new(
                        "since",
                        "la date doit s'écrire AAAA-MM-JJ, par exemple 2007-06-11",
                    ));
                    None
                }
            },
        );
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(AdoptionDeclaration {
        verification: crate::model::Verification::Unverified,
        project_slug: project,
        organisation_id: organisation,
        version,
        status: request.status.unwrap_or(AdoptionStatus::InUse),
        since,
        declared_by: user_id,
        declared_by_organisation: None,
    })
}

/// The name a repository gives itself: the last segment of its path, without `.git`.
fn repository_name(location: &RepositoryLocation) -> String {
    let text = location.as_string();
    let last = text
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .trim_end_matches(".git")
        .to_string();
    last.chars().take(MAX_NAME_CHARS).collect()
}

fn checked_text(
    field: &'static str,
    value: &str,
    min_chars: usize,
    max_chars: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    let value = value.trim();
    let chars = value.chars().count();
    if chars < min_chars {
        errors.push(FieldError::new(field, "ce champ est obligatoire"));
    } else if chars > max_chars {
        errors.push(FieldError::new(
            field,
            format!("{max_chars} caractères au plus (reçu : {chars})"),
        ));
    } else if value.chars().any(|c| c.is_control() && c != '\n') {
        errors.push(FieldError::new(
            field,
            "ce champ contient des caractères de contrôle",
        ));
    } else if let Some(c) = value.chars().find(|&c| is_invisible(c)) {
        errors.push(FieldError::new(
            field,
            format!(
                "ce champ contient des caractères invisibles ({}) qui feraient passer ce texte pour un autre : retirez-les",
                code_point(c)
            ),
        ));
    } else {
        return value.to_string();
    }
    String::new()
}

/// The slug given, or one made from `name`; `example` is offered when none can be made.
fn checked_slug(
    given: Option<String>,
    name: &str,
    example: &str,
    errors: &mut Vec<FieldError>,
) -> String {
    let slug = match given {
        Some(slug) if slug.len() > MAX_SLUG_LEN || !is_slug(&slug) => {
            errors.push(FieldError::new(
                "slug",
                format!(
                    "le slug ne peut contenir que des minuscules sans accent, des chiffres et des \
                     tirets simples, {MAX_SLUG_LEN} caractères au plus"
                ),
            ));
            String::new()
        }
        Some(slug) => slug,
        None => {
            let slug = slugify(name, MAX_SLUG_LEN);
            if slug.is_empty() && !name.is_empty() {
                errors.push(FieldError::new(
                    "slug",
                    format!(
                        "impossible de tirer un slug du nom : indiquez-en un (par exemple « {example} »)"
                    ),
                ));
            }
            slug
        }
    };
    if RESERVED_SLUGS.contains(&slug.as_str()) {
        errors.push(FieldError::new(
            "slug",
            format!(
                "le slug « {slug} » est réservé aux adresses du site : choisissez un autre nom ou \
                 un autre slug (par exemple « {example} »)"
            ),
        ));
    }
    slug
}

/// Slugs that would hide one of the site's own pages (`/projets/nouveau`).
const RESERVED_SLUGS: &[&str] = &["nouveau", "nouvelle"];

fn checked_categories(requested: Vec<String>, errors: &mut Vec<FieldError>) -> Vec<String> {
    let mut chosen: Vec<String> = Vec::new();
    for slug in requested {
        let slug = slug.trim().to_string();
        if categories::by_slug(&slug).is_none() {
            let shown: String = slug.chars().take(40).collect();
            errors.push(FieldError::new(
                "categories",
                format!(
                    "catégorie inconnue « {shown} » ; choisissez parmi : {}",
                    categories::slugs_list()
                ),
            ));
            return Vec::new();
        }
        if !chosen.contains(&slug) {
            chosen.push(slug);
        }
    }
    if chosen.len() > MAX_CATEGORIES {
        errors.push(FieldError::new(
            "categories",
            format!("{MAX_CATEGORIES} catégories au plus"),
        ));
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(url: &str) -> RegisterProjectRequest {
        RegisterProjectRequest {
            repository_url: url.into(),
            name: None,
            summary: None,
            categories: None,
            slug: None,
        }
    }

    #[test]
    fn registration_defaults_name_and_slug_from_the_url() {
        let project = register_project(
            request("https://gitlab.adullact.net/openmairie/openElec.git"),
            &RepositoryUrlPolicy::default(),
        )
        .expect("valid");
        assert_eq!(project.name, "openElec");
        assert_eq!(project.slug, "openelec");
        assert_eq!(project.summary, "");
    }

    #[test]
    fn registration_reports_every_bad_field() {
        let mut bad = request("ftp://example.org/x");
        bad.name = Some("x".repeat(200));
        bad.categories = Some(vec!["jeux".into()]);
        bad.slug = Some("Pas Un Slug".into());
        let errors = register_project(bad, &RepositoryUrlPolicy::default()).expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["repository_url", "name", "categories", "slug"]);
        assert!(errors[2].message.contains("etat-civil"));
    }

    #[test]
    fn adoption_dates_and_versions_are_checked() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        let make = |version: &str, since: &str| DeclareAdoptionRequest {
            project: "openelec".into(),
            organisation: "commune-13047".into(),
            version: Some(version.into()),
            status: None,
            since: Some(since.into()),
        };
        let ok = declare_adoption(make("2.03", "2007-06-11"), 1, today).expect("valid");
        assert_eq!(ok.version.as_deref(), Some("2.03"));
        assert_eq!(ok.status, AdoptionStatus::InUse);
        let long = "9".repeat(10_000);
        let errors = declare_adoption(make(&long, "11/06/2007"), 1, today).expect_err("invalid");
        assert_eq!(
            errors.iter().map(|e| e.field).collect::<Vec<_>>(),
            ["version", "since"]
        );
        assert!(declare_adoption(make("1", "2030-01-01"), 1, today).is_err());
    }
}
