//! The forms that change the catalogue: registering a project and declaring an adoption.
//! Both work without JavaScript; errors are shown next to their field.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;

use super::format::kind_label;
use super::session::{FormFields, GenuineForm, Visitor};
use crate::categories::CATEGORIES;
use crate::domain::AppError;
use crate::model::{AdoptionStatus, Entity, OrganisationQuery, ProjectFilter, Window};
use crate::state::AppState;
use crate::store::Conflict;
use crate::text::fold_query;
use crate::validation::{
    DeclareAdoptionRequest, FieldError, RegisterHostedProjectRequest, RegisterProjectRequest,
};
use crate::views::capitalised;

use super::session::sign_in_first;

pub(super) fn field_errors(errors: &[FieldError]) -> BTreeMap<&'static str, String> {
    let mut map = BTreeMap::new();
    for error in errors {
        map.entry(error.field).or_insert_with(|| {
            let mut message = error.message.clone();
            if let Some(first) = message.get(..1) {
                message = first.to_uppercase() + &message[1..];
            }
            message
        });
    }
    map
}

/// Where a new project's repository lives: elsewhere (civiforge keeps a mirror of it) or on
/// civiforge itself, empty or imported once; the form's hidden `depot` field says which.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Home {
    Elsewhere,
    Civiforge,
}

impl Home {
    fn of(depot: Option<&str>) -> Self {
        if depot == Some("civiforge") {
            Home::Civiforge
        } else {
            Home::Elsewhere
        }
    }
}

fn project_form_page(
    state: &AppState,
    visitor: &Visitor,
    home: Home,
    form: &FormFields,
    errors: BTreeMap<&'static str, String>,
) -> Response {
    let chosen = form.all("categories");
    let categories: Vec<_> = CATEGORIES
        .iter()
        .map(|c| context! { slug => c.slug, label => c.label, checked => chosen.iter().any(|s| s == c.slug) })
        .collect();
    let values = context! {
        repository_url => form.get("repository_url").unwrap_or_default(),
        import_from => form.get("import_from").unwrap_or_default(),
        name => form.get("name").unwrap_or_default(),
        summary => form.get("summary").unwrap_or_default(),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let hosted = home == Home::Civiforge;
    let page = context! {
        form => values, categories, hosted, errors => Serde(errors), ..visitor.context()
    };
    let mut response = state.web.render("project_form.html", page);
    *response.status_mut() = status;
    visitor.finish(response)
}

pub async fn new_project_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let home = Home::of(query.get("depot").map(String::as_str));
    if visitor.user.is_none() {
        return sign_in_first(match home {
            Home::Elsewhere => "/projets/nouveau",
            Home::Civiforge => "/projets/nouveau?depot=civiforge",
        });
    }
    project_form_page(
        &state,
        &visitor,
        home,
        &FormFields::default(),
        BTreeMap::new(),
    )
}

pub async fn register_project(
    State(state): State<AppState>,
    visitor: Visitor,
    GenuineForm(form): GenuineForm,
) -> Response {
    if visitor.user.is_none() {
        return sign_in_first("/projets/nouveau");
    }
    let home = Home::of(form.get("depot"));
    let registered = match home {
        Home::Elsewhere => {
            let request = RegisterProjectRequest {
                repository_url: form.get("repository_url").unwrap_or_default().to_string(),
                name: form.text("name"),
                summary: form.text("summary"),
                categories: Some(form.all("categories")),
                slug: None,
            };
            state
                .domain
                .register_project(&visitor.actor(), request)
                .await
        }
        Home::Civiforge => {
            let request = RegisterHostedProjectRequest {
                name: form.text("name").unwrap_or_default(),
                summary: form.text("summary"),
                categories: Some(form.all("categories")),
                slug: None,
                import_from: form.text("import_from"),
            };
            state
                .domain
                .register_hosted_project(&visitor.actor(), request)
                .await
        }
    };
    match registered {
        Ok(project) => Redirect::to(&format!("/projets/{}", project.slug)).into_response(),
        Err(AppError::Invalid(errors)) => {
            let mut errors = field_errors(&errors);
            if let Some(slug_error) = errors.remove("slug") {
                // The form has no slug field: the name it comes from takes the message.
                errors.entry("name").or_insert(slug_error);
            }
            project_form_page(&state, &visitor, home, &form, errors)
        }
        Err(AppError::Conflict(conflict)) => {
            let field = match conflict {
                // A hosted project's address is made from its name.
                Conflict::RepositoryUrl(_) if home == Home::Civiforge => "name",
                Conflict::RepositoryUrl(_) => "repository_url",
                Conflict::Slug
                | Conflict::Email
                | Conflict::GroupSlug
                | Conflict::OrganisationId(_) => "name",
            };
            project_form_page(
                &state,
                &visitor,
                home,
                &form,
                BTreeMap::from([(field, format!("{}.", capitalised(&conflict.to_string())))]),
            )
        }
        Err(error) => state.web.refusal(&error),
    }
}

/// What the adoption form shows, from the query string or a refused submission.
struct AdoptionForm {
    project: String,
    organisation: String,
    organisation_query: String,
    version: String,
    status: String,
    since: String,
}

async fn adoption_form_page(
    state: &AppState,
    visitor: &Visitor,
    form: AdoptionForm,
    errors: BTreeMap<&'static str, String>,
    done: bool,
) -> Response {
    let projects = state
        .store
        .list_projects(
            &ProjectFilter::default(),
            Window {
                limit: 1000,
                offset: 0,
            },
        )
        .await
        .map(|page| {
            page.items
                .into_iter()
                .map(|p| context! { slug => p.slug, name => p.name })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let mut organisations = Vec::new();
    if !form.organisation.is_empty()
        && let Ok(Some(chosen)) = state.store.organisation(&form.organisation).await
    {
        organisations.push(chosen);
    }
    let text = fold_query(&form.organisation_query);
    if !text.is_empty() {
        let query = OrganisationQuery {
            text: Some(text),
            ..Default::default()
        };
        if let Ok(found) = state
            .store
            .search_organisations(
                &query,
                Window {
                    limit: 10,
                    offset: 0,
                },
            )
            .await
        {
            organisations.extend(
                found
                    .items
                    .into_iter()
                    .filter(|o| o.id != form.organisation),
            );
        }
    }
    let organisations: Vec<_> = organisations
        .into_iter()
        .map(|o| {
            let mut description = kind_label(&o.kind, o.subkind.as_deref()).to_string();
            if let Some(departement) = &o.departement {
                description.push_str(&format!(
                    ", {}",
                    state
                        .web
                        .departements
                        .get(departement)
                        .map_or(departement.as_str(), String::as_str)
                ));
            }
            if o.kind == "commune"
                && let Some(code) = &o.code
            {
                description.push_str(&format!(", INSEE {code}"));
            }
            context! { id => o.id, name => o.name, description }
        })
        .collect();
    let statuses = [
        ("in_use", "En service"),
        ("evaluating", "En évaluation"),
        ("stopped", "Abandonné"),
    ];
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = context! {
        form => context! {
            project => form.project, organisation => form.organisation, version => form.version,
            status => if form.status.is_empty() { "in_use".to_string() } else { form.status }, since => form.since,
        },
        organisation_query => form.organisation_query,
        projects, organisations, statuses => Serde(statuses), errors => Serde(errors), done,
        ..visitor.context()
    };
    let mut response = state.web.render("adoption_form.html", page);
    *response.status_mut() = status;
    visitor.finish(response)
}

pub async fn new_adoption_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if visitor.user.is_none() {
        return sign_in_first("/adoptions/nouvelle");
    }
    let get = |key: &str| query.get(key).cloned().unwrap_or_default();
    let form = AdoptionForm {
        project: get("projet"),
        organisation: get("organisation"),
        organisation_query: get("recherche"),
        version: String::new(),
        status: String::new(),
        since: String::new(),
    };
    adoption_form_page(&state, &visitor, form, BTreeMap::new(), false).await
}

pub async fn declare_adoption(
    State(state): State<AppState>,
    visitor: Visitor,
    GenuineForm(fields): GenuineForm,
) -> Response {
    if visitor.user.is_none() {
        return sign_in_first("/adoptions/nouvelle");
    }
    let form = AdoptionForm {
        project: fields.text("project").unwrap_or_default(),
        organisation: fields.text("organisation").unwrap_or_default(),
        organisation_query: String::new(),
        version: fields.text("version").unwrap_or_default(),
        status: fields.text("status").unwrap_or_default(),
        since: fields.text("since").unwrap_or_default(),
    };
    let status = match form.status.as_str() {
        "" => None,
        other => match AdoptionStatus::parse(other) {
            Some(status) => Some(status),
            None => {
                let errors =
                    BTreeMap::from([("status", "Choisissez un statut de la liste.".to_string())]);
                return adoption_form_page(&state, &visitor, form, errors, false).await;
            }
        },
    };
    let request = DeclareAdoptionRequest {
        project: form.project.clone(),
        organisation: form.organisation.clone(),
        version: (!form.version.is_empty()).then(|| form.version.clone()),
        status,
        since: (!form.since.is_empty()).then(|| form.since.clone()),
    };
    let errors = match state
        .domain
        .declare_adoption(&visitor.actor(), request)
        .await
    {
        Ok((adoption, _)) => {
            return Redirect::to(&format!("/projets/{}#titre-adoptions", adoption.project))
                .into_response();
        }
        Err(AppError::Invalid(errors)) => {
            let mut errors = field_errors(&errors);
            if errors.remove("project").is_some() {
                errors.insert("project", "Choisissez le logiciel.".into());
            }
            if errors.remove("organisation").is_some() {
                errors.insert(
                    "organisation",
                    "Cherchez puis choisissez la collectivité.".into(),
                );
            }
            errors
        }
        Err(AppError::Unknown {
            entity: Entity::Project,
            ..
        }) => BTreeMap::from([(
            "project",
            "Ce logiciel n'existe pas dans le catalogue.".to_string(),
        )]),
        Err(AppError::Unknown { .. }) => BTreeMap::from([(
            "organisation",
            "Cette collectivité est inconnue.".to_string(),
        )]),
        Err(error @ AppError::Forbidden { .. }) => {
            BTreeMap::from([("organisation", capitalised(&error.to_string()))])
        }
        Err(error) => return state.web.refusal(&error),
    };
    adoption_form_page(&state, &visitor, form, errors, false).await
}
