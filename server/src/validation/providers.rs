//! The body with which a provider offers its services for a project, and its checks.

use serde::Deserialize;
use utoipa::ToSchema;

use super::{FieldError, MAX_ID_LEN, checked_text};
use crate::model::ServiceKind;

/// Territories of one offer: every département and Belgian province, with room to spare.
pub const MAX_PROVIDER_AREAS: usize = 120;

/// `POST /api/v1/projects/{slug}/providers`
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclareProviderRequest {
    /// Organisation id of the provider, such as `org-atreal`.
    pub organisation: String,
    pub services: Vec<ServiceKind>,
    /// Département codes (`33`, `2A`, `974`) or Belgian provinces (`be-50000`) covered; none
    /// means everywhere.
    #[serde(default)]
    pub departements: Vec<String>,
}

/// The checked offer: organisation id as written, services and territories each once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderOffer {
    pub organisation: String,
    pub services: Vec<ServiceKind>,
    pub departements: Vec<String>,
}

/// Checks an offer.
pub fn declare_provider(request: DeclareProviderRequest) -> Result<ProviderOffer, Vec<FieldError>> {
    let mut errors = Vec::new();
    let organisation = checked_text(
        "organisation",
        &request.organisation,
        1,
        MAX_ID_LEN,
        &mut errors,
    );
    let mut services = Vec::new();
    for service in request.services {
        if !services.contains(&service) {
            services.push(service);
        }
    }
    if services.is_empty() {
        errors.push(FieldError::new(
            "services",
            "indiquez au moins un service : support, hosting, training ou development",
        ));
    }
    if request.departements.len() > MAX_PROVIDER_AREAS {
        errors.push(FieldError::new(
            "departements",
            format!("{MAX_PROVIDER_AREAS} territoires au plus"),
        ));
    }
    let mut departements: Vec<String> = Vec::new();
    for written in request.departements.iter().take(MAX_PROVIDER_AREAS) {
        match area(written) {
            Some(code) if !departements.contains(&code) => departements.push(code),
            Some(_) => {}
            None => errors.push(FieldError::new(
                "departements",
                format!(
                    "« {} » n'est pas un code de département (33, 2A, 974) ni de province belge \
                     (be-50000)",
                    crate::text::shorten(written)
                ),
            )),
        }
    }
    if errors.is_empty() {
        Ok(ProviderOffer {
            organisation,
            services,
            departements,
        })
    } else {
        Err(errors)
    }
}

/// A territory in its one spelling: `33`, `2A`, `974`, or `be-50000` for a Belgian province
/// (also written `BE-50000`, `province-be-50000` or `50000`). Whether it exists is the
/// domain's to check.
pub fn area(written: &str) -> Option<String> {
    let code = written.trim().to_lowercase();
    let belgian = code
        .strip_prefix("province-be-")
        .or_else(|| code.strip_prefix("be-"))
        .unwrap_or(&code);
    if belgian.len() == 5 && belgian.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!("be-{belgian}"));
    }
    let french = code.to_uppercase();
    let digits = (2..=3).contains(&french.len()) && french.bytes().all(|b| b.is_ascii_digit());
    (digits || french == "2A" || french == "2B").then_some(french)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn territories_have_one_spelling() {
        assert_eq!(area(" 33 ").as_deref(), Some("33"));
        assert_eq!(area("2a").as_deref(), Some("2A"));
        assert_eq!(area("province-be-50000").as_deref(), Some("be-50000"));
        assert_eq!(area("50000").as_deref(), Some("be-50000"));
        assert_eq!(area("Gironde"), None);
        assert_eq!(area("../33"), None);
    }

    #[test]
    fn an_offer_needs_a_service() {
        let request = DeclareProviderRequest {
            organisation: "org-atreal".into(),
            services: Vec::new(),
            departements: vec!["13".into(), "13".into(), "nulle part".into()],
        };
        let errors = declare_provider(request).expect_err("refused");
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["services", "departements"]);
    }
}
