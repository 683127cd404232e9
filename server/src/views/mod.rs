//! The views: the web side's fixed parts, loaded once — templates (compiled into the binary
//! from `web/templates`), the stylesheet and script under content-hashed names, the map of
//! France — and the French pages for errors and refusals.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Environment, Value, context};
use sha2::{Digest, Sha256};

pub mod map;

use crate::domain::AppError;
use map::FranceMap;

/// A file served under a name that changes with its content, so it can be cached forever.
#[derive(Debug)]
pub struct StaticAsset {
    pub path: String,
    pub body: &'static [u8],
    pub etag: String,
    pub content_type: &'static str,
}

impl StaticAsset {
    fn new(stem: &str, extension: &str, body: &'static [u8], content_type: &'static str) -> Self {
        let digest = hex::encode(Sha256::digest(body));
        Self {
            path: format!("/static/{stem}.{}.{extension}", &digest[..12]),
            body,
            etag: format!("\"{}\"", &digest[..32]),
            content_type,
        }
    }
}

/// Templates, assets and the map.
pub struct Web {
    env: Environment<'static>,
    pub css: StaticAsset,
    /// Progressive enhancement (autocomplete); every page works without it.
    pub js: StaticAsset,
    pub map: FranceMap,
    /// Département names by code, for labels.
    pub departements: std::collections::BTreeMap<String, String>,
}

/// `(name, source)` of a template of `web/templates`, compiled into the binary.
macro_rules! template {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../../../web/templates/", $name)),
        )
    };
}

const TEMPLATES: &[(&str, &str)] = &[
    template!("base.html"),
    template!("macros.html"),
    template!("forms.html"),
    template!("home.html"),
    template!("search.html"),
    template!("project.html"),
    template!("organisation.html"),
    template!("category.html"),
    template!("error.html"),
    template!("signin.html"),
    template!("signup.html"),
    template!("project_form.html"),
    template!("adoption_form.html"),
    template!("tokens.html"),
    template!("password.html"),
    template!("account.html"),
    template!("moderation.html"),
    template!("audit.html"),
    template!("email_link.html"),
    template!("groups.html"),
    template!("group.html"),
    template!("documents.html"),
    template!("providers.html"),
    template!("dashboard.html"),
    template!("report.html"),
    template!("publiccode.html"),
];

impl Web {
    /// Compiles every template; a template error is a build defect, caught by the tests.
    pub fn new() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        // `value | or("—")`: the fallback for none, undefined and empty values alike.
        env.add_filter(
            "or",
            |value: minijinja::Value, fallback: minijinja::Value| {
                if value.is_undefined() || value.is_none() || !value.is_true() {
                    fallback
                } else {
                    value
                }
            },
        );
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        Ok(Self {
            env,
            css: StaticAsset::new(
                "civiforge",
                "css",
                include_bytes!("../../../web/static/civiforge.css"),
                "text/css; charset=utf-8",
            ),
            js: StaticAsset::new(
                "civiforge",
                "js",
                include_bytes!("../../../web/static/civiforge.js"),
                "text/javascript; charset=utf-8",
            ),
            map: FranceMap::parse(include_str!("../../../web/map/france.departments.svg")),
            departements: crate::reference::ReferenceData::embedded()
                .map(|data| {
                    data.organisations
                        .into_iter()
                        .filter(|o| o.kind == "departement")
                        .map(|o| (o.code, o.name))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// Renders a page; the stylesheet's address is always in the context.
    pub fn render(&self, name: &str, page: Value) -> Response {
        // Addresses built here from validated slugs: no escaping needed (`/` would become
        // `&#x2f;`, valid but noisy).
        let canonical = page
            .get_attr("canonical")
            .ok()
            .filter(|v| !v.is_undefined());
        let context = context! {
            css_url => minijinja::Value::from_safe_string(self.css.path.clone()),
            js_url => minijinja::Value::from_safe_string(self.js.path.clone()),
            canonical => canonical.map(|v| minijinja::Value::from_safe_string(v.to_string())),
            ..page
        };
        match self.env.get_template(name).and_then(|t| t.render(context)) {
            Ok(html) => Html(html).into_response(),
            Err(error) => {
                tracing::error!(template = name, %error, "template failed");
                self.error(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }

    /// A page in French for an error status, leaking nothing.
    pub fn error(&self, status: StatusCode) -> Response {
        (status, Html(self.error_html(status))).into_response()
    }

    /// The HTML of [`Web::error`]'s page, for answers made outside the router.
    pub fn error_html(&self, status: StatusCode) -> String {
        let (heading, message) = match status {
            StatusCode::NOT_FOUND => (
                "Page introuvable",
                "L'adresse demandée ne correspond à aucune page. Elle a peut-être changé, ou contient une faute de frappe.",
            ),
            StatusCode::BAD_REQUEST => (
                "Requête refusée",
                "L'adresse demandée contient des caractères que civiforge n'accepte pas. Vérifiez-la et recommencez.",
            ),
            StatusCode::FORBIDDEN => (
                "Action refusée",
                "Ce formulaire n'a pas pu être vérifié (il vient peut-être d'un autre site, ou la page était trop ancienne). Rechargez la page et recommencez.",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (
                "Envoi trop volumineux",
                "Le formulaire envoyé dépasse la taille que civiforge accepte. Raccourcissez les textes et recommencez.",
            ),
            StatusCode::URI_TOO_LONG => (
                "Adresse trop longue",
                "L'adresse demandée est trop longue pour être lue. Vérifiez le lien que vous avez suivi.",
            ),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (
                "En-têtes trop volumineux",
                "Votre navigateur a envoyé des en-têtes trop nombreux ou trop volumineux (souvent trop de cookies). Effacez les cookies de ce site et recommencez.",
            ),
            StatusCode::SERVICE_UNAVAILABLE => (
                "Service momentanément indisponible",
                "Le service ne peut pas répondre pour l'instant. Réessayez dans quelques instants.",
            ),
            _ => (
                "Erreur du service",
                "Une erreur est survenue de notre côté. Elle a été enregistrée ; réessayez plus tard.",
            ),
        };
        self.notice_html(heading, message)
    }

    /// A refusal of the domain as a page: its French message with its status; server errors
    /// leak nothing.
    pub fn refusal(&self, error: &AppError) -> Response {
        let status = page_status(error);
        if status.is_server_error() {
            return self.error(status);
        }
        self.notice(
            status,
            "Action impossible",
            &capitalised(&error.to_string()),
        )
    }

    /// A page in French that says why a request was refused, with the given status.
    pub fn notice(&self, status: StatusCode, heading: &str, message: &str) -> Response {
        (status, Html(self.notice_html(heading, message))).into_response()
    }

    fn notice_html(&self, heading: &str, message: &str) -> String {
        let context = context! {
            css_url => minijinja::Value::from_safe_string(self.css.path.clone()),
            js_url => minijinja::Value::from_safe_string(self.js.path.clone()),
            heading,
            message,
        };
        self.env
            .get_template("error.html")
            .and_then(|t| t.render(context))
            .unwrap_or_else(|_| format!("<!doctype html><html lang=\"fr\"><title>{heading}</title><h1>{heading}</h1><p>{message}</p></html>"))
    }
}

/// The status of the page that shows a refusal.
pub fn page_status(error: &AppError) -> StatusCode {
    match error {
        AppError::NotFound { .. } => StatusCode::NOT_FOUND,
        AppError::Unknown { .. } | AppError::Invalid(_) | AppError::Refused { .. } => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
        AppError::Unauthorised { .. } => StatusCode::UNAUTHORIZED,
        AppError::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A message as a sentence: capital first letter (the domain's messages start in lower case,
/// to fit after a field name in the API).
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}
