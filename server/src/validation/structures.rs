//! The bodies that create an organisation without an official code, set a pooling
//! structure's members and declare adoptions for them, and their checks.

use serde::Deserialize;
use utoipa::ToSchema;

use super::{FieldError, MAX_ID_LEN, MAX_NAME_CHARS, checked_slug, checked_text};
use crate::model::{AdoptionStatus, CreatedKind, NewOrganisation};

/// Members of one structure (IMIO has about 150; a centre de gestion may have 600).
pub const MAX_STRUCTURE_MEMBERS: usize = 2000;
pub const MAX_WEBSITE_CHARS: usize = 200;

/// `POST /api/v1/organisations`
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganisationRequest {
    pub name: String,
    pub kind: CreatedKind,
    /// Defaults to a slug made from the name; the id is `org-{slug}`.
    pub slug: Option<String>,
    /// `FR` (default) or `BE`.
    pub country: Option<String>,
    /// Code of the département where it sits, such as `13`.
    pub departement: Option<String>,
    /// `https://` address of its website.
    pub website: Option<String>,
}

/// `PUT /api/v1/organisations/{id}/members`
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MembersRequest {
    /// Organisation ids: the whole list, replacing the former one.
    pub members: Vec<String>,
}

/// `POST /api/v1/organisations/{id}/adoptions`
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclareForMembersRequest {
    /// Project slug.
    pub project: String,
    pub version: Option<String>,
    pub status: Option<AdoptionStatus>,
    /// Date of first use, `YYYY-MM-DD`.
    pub since: Option<String>,
    /// Organisation ids of the members declared for, each a member of the structure.
    pub members: Vec<String>,
}

/// Checks a new organisation created by `user_id`.
pub fn create_organisation(
    request: CreateOrganisationRequest,
    user_id: i64,
) -> Result<NewOrganisation, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = checked_text("name", &request.name, 2, MAX_NAME_CHARS, &mut errors);
    let slug = checked_slug(request.slug, &name, "imio", &mut errors);
    let country = super::country(request.country)
        .map_err(|e| errors.extend(e))
        .ok()
        .flatten()
        .unwrap_or_else(|| "FR".into());
    let departement = request
        .departement
        .filter(|d| !d.trim().is_empty())
        .and_then(|d| {
            let d = d.trim().to_uppercase();
            let valid = (2..=3).contains(&d.len())
                && (d.bytes().all(|b| b.is_ascii_digit()) || d == "2A" || d == "2B");
            if valid {
                Some(d)
            } else {
                errors.push(FieldError::new(
                    "departement",
                    "code de département attendu, par exemple 13, 2A ou 974",
                ));
                None
            }
        });
    let website = request
        .website
        .filter(|w| !w.trim().is_empty())
        .and_then(|w| {
            let w = checked_text("website", &w, 1, MAX_WEBSITE_CHARS, &mut errors);
            match url::Url::parse(&w) {
                Ok(url) if url.scheme() == "https" || url.scheme() == "http" => Some(w),
                _ if w.is_empty() => None,
                _ => {
                    errors.push(FieldError::new(
                        "website",
                        "adresse de site attendue, par exemple https://www.imio.be",
                    ));
                    None
                }
            }
        });
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(NewOrganisation {
        id: format!("org-{slug}"),
        name,
        kind: request.kind,
        country,
        departement,
        website,
        created_by: user_id,
    })
}

/// Checks a list of member ids: each once, at most [`MAX_STRUCTURE_MEMBERS`].
pub fn member_ids(ids: Vec<String>) -> Result<Vec<String>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if ids.len() > MAX_STRUCTURE_MEMBERS {
        return Err(vec![FieldError::new(
            "members",
            format!("{MAX_STRUCTURE_MEMBERS} membres au plus"),
        )]);
    }
    let mut seen: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        let id = checked_text("members", &id, 1, MAX_ID_LEN, &mut errors);
        if id.is_empty() {
            continue;
        }
        if seen.contains(&id) {
            errors.push(FieldError::new(
                "members",
                format!("« {} » figure deux fois", crate::text::shorten(&id)),
            ));
        } else {
            seen.push(id);
        }
    }
    if errors.is_empty() {
        Ok(seen)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organisation_gets_its_id_from_its_name() {
        let request = CreateOrganisationRequest {
            name: "IMIO".into(),
            kind: CreatedKind::Intercommunale,
            slug: None,
            country: Some("be".into()),
            departement: None,
            website: Some("https://www.imio.be".into()),
        };
        let new = create_organisation(request, 7).expect("valid");
        assert_eq!((new.id.as_str(), new.country.as_str()), ("org-imio", "BE"));
        assert!(new.kind.pools());
    }

    #[test]
    fn members_named_twice_are_refused() {
        let errors = member_ids(vec!["commune-be-92094".into(), "commune-be-92094".into()])
            .expect_err("refused");
        assert_eq!(errors[0].field, "members");
        assert!(errors[0].message.contains("deux fois"));
    }
}
