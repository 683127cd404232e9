//! Who is browsing: the session cookie (a random token, stored server-side only as a digest,
//! renewed at every sign-in) and the anti-forgery token that every form that changes
//! something carries (double-submit: a cookie and a hidden field that must match, plus a
//! refusal of cross-site requests announced by the browser).

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, HOST, ORIGIN, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use minijinja::{Value, context};

use crate::auth::{new_token, token_digest};
use crate::domain::Actor;
use crate::model::User;
use crate::secrets::constant_time_eq;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "civiforge_session";
pub const CSRF_COOKIE: &str = "civiforge_csrf";

/// The value of one cookie of the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
        .filter(|value| !value.is_empty() && value.len() <= 200)
}

/// A `Set-Cookie` value with the attributes every civiforge cookie has.
pub fn set_cookie(name: &str, value: &str, max_age_seconds: i64, same_site: &str) -> HeaderValue {
    let header = format!(
        "{name}={value}; Path=/; HttpOnly; Secure; SameSite={same_site}; Max-Age={max_age_seconds}"
    );
    HeaderValue::from_str(&header).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The person behind a request: maybe signed in, always with an anti-forgery token.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub user: Option<User>,
    /// The visitor's address (see [`crate::state::client`]).
    pub ip: Option<std::net::IpAddr>,
    pub csrf: String,
    /// The anti-forgery cookie must be set on the response (first visit).
    new_csrf: bool,
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = match cookie(&parts.headers, SESSION_COOKIE) {
            Some(token) => state
                .store
                .session_user(&token_digest(&token))
                .await
                .ok()
                .flatten(),
            None => None,
        };
        let (csrf, new_csrf) = match cookie(&parts.headers, CSRF_COOKIE) {
            Some(token) if token.len() >= 32 => (token, false),
            _ => (new_token().unwrap_or_default(), true),
        };
        Ok(Visitor {
            user,
            ip: crate::state::client::client_ip(parts, &state.trusted_proxies),
            csrf,
            new_csrf,
        })
    }
}

impl Visitor {
    /// The visitor as the domain sees them.
    pub fn actor(&self) -> Actor {
        Actor::visitor(self.user.clone(), self.ip)
    }

    /// What every page's header needs.
    pub fn context(&self) -> Value {
        context! {
            user => self.user.as_ref().map(|u| context! {
                name => u.name.clone(), email => u.email.clone(),
                moderator => u.role().moderates(),
            }),
            csrf => self.csrf.clone(),
        }
    }

    /// Adds the anti-forgery cookie when this visit made it.
    pub fn finish(&self, mut response: Response) -> Response {
        if self.new_csrf {
            response.headers_mut().append(
                SET_COOKIE,
                set_cookie(CSRF_COOKIE, &self.csrf, 60 * 60 * 24 * 365, "Strict"),
            );
        }
        response
    }
}

/// Rendering a page for a visitor: their name and anti-forgery token in the header.
pub trait RenderFor {
    fn render_for(&self, visitor: &Visitor, name: &str, page: Value) -> Response;
}

impl RenderFor for crate::views::Web {
    fn render_for(&self, visitor: &Visitor, name: &str, page: Value) -> Response {
        visitor.finish(self.render(name, context! { ..page, ..visitor.context() }))
    }
}

/// Path parameters of a page; an address whose parameter does not parse (a number expected)
/// designates no page: the French 404 page, not the framework's English text.
#[derive(Debug)]
pub struct PagePath<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send> FromRequestParts<AppState> for PagePath<T> {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|path| PagePath(path.0))
            .map_err(|_| state.web.error(axum::http::StatusCode::NOT_FOUND))
    }
}

/// Sends a visitor to the sign-in page, to come back to `path` afterwards.
pub fn sign_in_first(path: &str) -> Response {
    axum::response::IntoResponse::into_response(axum::response::Redirect::to(&format!(
        "/connexion?suivant={}",
        url::form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>()
    )))
}

/// Whether a form submission is genuine: same-site, with the token of its cookie.
pub fn genuine_submission(headers: &HeaderMap, submitted: Option<&str>) -> bool {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return false;
    }
    if let (Some(origin), Some(host)) = (
        headers.get(ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(HOST).and_then(|v| v.to_str().ok()),
    ) {
        let origin_host = origin.split("://").nth(1).unwrap_or_default();
        if origin == "null" || origin_host != host {
            return false;
        }
    }
    match (cookie(headers, CSRF_COOKIE), submitted) {
        (Some(expected), Some(given)) => constant_time_eq(expected.as_bytes(), given.as_bytes()),
        _ => false,
    }
}

/// A form body that passed the anti-forgery check; a forged one is answered with the
/// « Action refusée » page before any handler runs.
#[derive(Debug)]
pub struct GenuineForm(pub FormFields);

impl axum::extract::FromRequest<AppState> for GenuineForm {
    type Rejection = Response;

    async fn from_request(
        request: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        let headers = request.headers().clone();
        let body = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let form = FormFields::parse(&body);
        if !genuine_submission(&headers, form.get("csrf")) {
            let mut refusal = state.web.error(axum::http::StatusCode::FORBIDDEN);
            *refusal.status_mut() = axum::http::StatusCode::FORBIDDEN;
            return Err(refusal);
        }
        Ok(GenuineForm(form))
    }
}

/// A form body: repeated keys (checkboxes) are kept.
#[derive(Debug, Default)]
pub struct FormFields(pub Vec<(String, String)>);

impl FormFields {
    pub fn parse(body: &[u8]) -> Self {
        Self(
            // NUL characters are dropped: nothing a person types contains one, and
            // PostgreSQL stores none.
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.replace('\0', ""), v.replace('\0', "")))
                .take(200)
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// A text field, trimmed, absent when empty.
    pub fn text(&self, key: &str) -> Option<String> {
        self.get(key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }

    /// A field holding a list typed by hand: the items separated by spaces, commas,
    /// semicolons or lines.
    pub fn list(&self, key: &str) -> Vec<String> {
        self.get(key)
            .unwrap_or_default()
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .filter(|item| !item.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// Only addresses on this site may be returned to after signing in: a path that starts with
/// one `/`, with no backslash, no white space, no control or invisible character, and still
/// so once percent-decoded (again and again); anything else goes home. Browsers drop tabs
/// and newlines and read `\\` as `/`, so `/\t/evil.example` would leave the site.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(path) if is_clean_local_path(path) => path.to_string(),
        _ => "/".to_string(),
    }
}

fn is_clean_local_path(path: &str) -> bool {
    let clean = |text: &str, raw: bool| {
        text.starts_with('/')
            && !text.starts_with("//")
            && !text.chars().any(|c| {
                c == '\\'
                    || c.is_control()
                    || crate::text::is_invisible(c)
                    || (raw && c.is_whitespace())
            })
    };
    if !clean(path, true) {
        return false;
    }
    let mut current = path.to_string();
    // Each round removes one layer of encoding; a path encoded deeper than this is no
    // path a page of civiforge makes.
    for _ in 0..4 {
        let decoded = percent_decoded(&current);
        if decoded == current {
            return true;
        }
        if !clean(&decoded, false) {
            return false;
        }
        current = decoded;
    }
    false
}

/// `%XX` sequences decoded (invalid UTF-8 replaced), everything else as it is.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(high), Some(low)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(u8::try_from(high * 16 + low).unwrap_or_default());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn submissions_need_the_matching_token_and_the_same_site() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=b; civiforge_csrf=tok123"),
        );
        headers.insert(HOST, HeaderValue::from_static("civiforge.test"));
        assert!(genuine_submission(&headers, Some("tok123")));
        assert!(!genuine_submission(&headers, Some("tok124")));
        assert!(!genuine_submission(&headers, None));
        headers.insert(ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(!genuine_submission(&headers, Some("tok123")));
        headers.insert(ORIGIN, HeaderValue::from_static("https://civiforge.test"));
        assert!(genuine_submission(&headers, Some("tok123")));
        headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!genuine_submission(&headers, Some("tok123")));
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(local_path(Some("/projets/nouveau")), "/projets/nouveau");
        assert_eq!(local_path(Some("//evil.example")), "/");
        assert_eq!(local_path(Some("https://evil.example")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(Some("/\t/evil.example")), "/");
        assert_eq!(local_path(Some("/\n/evil.example")), "/");
        assert_eq!(local_path(Some("/%09/evil.example")), "/");
        assert_eq!(local_path(Some("/%2F/evil.example")), "/");
        assert_eq!(local_path(Some("/%252f/evil.example")), "/");
        assert_eq!(local_path(Some("/%5Cevil.example")), "/");
        assert_eq!(local_path(Some("/\u{202E}x")), "/");
        assert_eq!(local_path(Some("/a b")), "/");
        assert_eq!(local_path(Some("/recherche?q=a%20b")), "/recherche?q=a%20b");
        assert_eq!(
            local_path(Some("/recherche?q=%C3%A9t%C3%A9")),
            "/recherche?q=%C3%A9t%C3%A9"
        );
        assert_eq!(local_path(Some("/%%41")), "/%%41");
        assert_eq!(local_path(None), "/");
    }
}
