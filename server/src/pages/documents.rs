//! Shared documents on the project and group pages: their list, the form that shares one
//! (a file or a link, without JavaScript), and the download of a file — always as an
//! attachment, under a policy that forbids everything, so that nothing sent is ever rendered
//! or run in civiforge's origin. The rules are the domain's (`domain::documents`).

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;

use super::format::french_date;
use super::forms::field_errors;
use super::session::{PagePath, Visitor, genuine_submission, sign_in_first};
use crate::domain::AppError;
use crate::model::{Document, DocumentKind, DocumentTarget};
use crate::multipart_form::{FormError, SubmittedForm};
use crate::state::AppState;
use crate::validation::AttachDocumentRequest;
use crate::views::capitalised;

/// A sharing form sent back: what was typed, why it was refused, and the status to answer.
pub struct DocumentRefusal {
    pub typed: AttachDocumentRequest,
    pub errors: BTreeMap<&'static str, String>,
    pub status: StatusCode,
}

/// What the pages' documents section shows: the list and, for who may share, the form.
pub async fn documents_section(
    state: &AppState,
    visitor: &Visitor,
    target: &DocumentTarget,
    refusal: Option<&DocumentRefusal>,
) -> Result<minijinja::Value, AppError> {
    let documents = state.domain.documents(target).await?;
    let sharing = state
        .domain
        .document_sharing(&visitor.actor(), target)
        .await?;
    let (post_to, fallback_author, who_may) = match target {
        DocumentTarget::Project(slug) => (
            format!("/projets/{slug}/documents"),
            "les mainteneurs",
            "Les mainteneurs du projet et les agents vérifiés d'une organisation y partagent \
             des documents.",
        ),
        DocumentTarget::Group(slug) => (
            format!("/groupes/{slug}/documents"),
            "la modération",
            "Les agents vérifiés des organisations du groupe y partagent des documents.",
        ),
    };
    let items: Vec<_> = documents
        .iter()
        .map(|d| document_row(d, fallback_author))
        .collect();
    let kinds: Vec<_> = DocumentKind::ALL
        .iter()
        .map(|k| context! { value => k.as_str(), label => k.label() })
        .collect();
    let choices: Vec<_> = sharing
        .iter()
        .flatten()
        .map(|(id, name)| context! { value => id, label => name })
        .collect();
    let typed = refusal.map(|r| r.typed.clone()).unwrap_or_default();
    Ok(context! {
        items,
        can_share => sharing.is_some(),
        choices,
        kinds,
        post_to,
        who_may,
        typed => context! {
            title => typed.title,
            kind => typed.kind,
            date => typed.date.unwrap_or_default(),
            url => typed.url.unwrap_or_default(),
            organisation => typed.organisation.unwrap_or_default(),
        },
        errors => Serde(refusal.map(|r| r.errors.clone()).unwrap_or_default()),
    })
}

fn document_row(document: &Document, fallback_author: &str) -> minijinja::Value {
    let file = document.file.as_ref();
    let format = file.map(|f| {
        f.filename
            .rsplit('.')
            .next()
            .unwrap_or_default()
            .to_uppercase()
    });
    let host = document
        .url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_string));
    context! {
        title => document.title.clone(),
        kind => document.kind.label(),
        date => french_date(document.date),
        date_iso => document.date.to_string(),
        organisation => document.organisation.clone(),
        organisation_name => document.organisation_name.clone(),
        fallback_author,
        download_url => file.map(|f| f.download_url.clone()),
        format,
        size => file.map(|f| file_size(f.size_bytes)),
        url => document.url.clone(),
        host,
    }
}

/// A size as people read it: « 340 Ko », « 2,4 Mo ».
fn file_size(bytes: i64) -> String {
    let bytes = bytes.max(0) as f64;
    if bytes < 1024.0 * 1024.0 {
        format!("{} Ko", (bytes / 1024.0).ceil() as i64)
    } else {
        format!("{:.1} Mo", bytes / (1024.0 * 1024.0)).replace('.', ",")
    }
}

/// `POST /projets/{slug}/documents`
pub async fn share_in_project(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(slug): PagePath<String>,
    request: Request,
) -> Response {
    share(state, visitor, DocumentTarget::Project(slug), request).await
}

/// `POST /groupes/{slug}/documents`
pub async fn share_in_group(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(slug): PagePath<String>,
    request: Request,
) -> Response {
    share(state, visitor, DocumentTarget::Group(slug), request).await
}

async fn share(
    state: AppState,
    visitor: Visitor,
    target: DocumentTarget,
    request: Request,
) -> Response {
    let here = match &target {
        DocumentTarget::Project(slug) => format!("/projets/{slug}"),
        DocumentTarget::Group(slug) => format!("/groupes/{slug}"),
    };
    if visitor.user.is_none() {
        return sign_in_first(&here);
    }
    let headers = request.headers().clone();
    let mut form = match SubmittedForm::read(request).await {
        Ok(form) => form,
        Err(refused) => {
            // The file cannot be sent back; the fields read before it are.
            let status = match refused.error {
                FormError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                FormError::Busy => StatusCode::SERVICE_UNAVAILABLE,
                FormError::Malformed(_) => StatusCode::BAD_REQUEST,
            };
            let refusal = DocumentRefusal {
                typed: refused
                    .fields
                    .document_request(&["csrf"])
                    .unwrap_or_default(),
                errors: BTreeMap::from([("file", capitalised(&refused.error.message()))]),
                status,
            };
            return page_again(&state, &visitor, &target, refusal).await;
        }
    };
    if !genuine_submission(&headers, form.get("csrf")) {
        return state.web.error(StatusCode::FORBIDDEN);
    }
    let typed = match form.document_request(&["csrf"]) {
        Ok(typed) => typed,
        Err(error) => {
            return state
                .web
                .refusal(&AppError::invalid("file", error.message()));
        }
    };
    match state
        .domain
        .attach_document(&visitor.actor(), &target, typed.clone(), form.file.take())
        .await
    {
        Ok(_) => Redirect::to(&format!("{here}#documents")).into_response(),
        Err(AppError::Invalid(errors)) => {
            let refusal = DocumentRefusal {
                typed,
                errors: field_errors(&errors),
                status: StatusCode::UNPROCESSABLE_ENTITY,
            };
            page_again(&state, &visitor, &target, refusal).await
        }
        Err(error) => state.web.refusal(&error),
    }
}

async fn page_again(
    state: &AppState,
    visitor: &Visitor,
    target: &DocumentTarget,
    refusal: DocumentRefusal,
) -> Response {
    match target {
        DocumentTarget::Project(slug) => {
            super::project_page::project_page(state, visitor, slug, None, Some(refusal)).await
        }
        DocumentTarget::Group(slug) => {
            super::groups::group_page(state, visitor, slug, None, Some(refusal)).await
        }
    }
}

/// `GET /documents/{id}`: the file, as an attachment.
pub async fn download(State(state): State<AppState>, PagePath(id): PagePath<i64>) -> Response {
    let (document, path) = match state.domain.document_file(id).await {
        Ok(found) => found,
        Err(error) => return state.web.refusal(&error),
    };
    let Some(file) = document.file else {
        return state.web.error(StatusCode::NOT_FOUND);
    };
    let opened = match tokio::fs::File::open(&path).await {
        Ok(opened) => opened,
        Err(error) => {
            tracing::error!(%error, id, sha256 = file.sha256, "a document's file is missing");
            return state.web.error(StatusCode::NOT_FOUND);
        }
    };
    let media_type = HeaderValue::from_str(&file.media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let download = Download {
        media_type,
        size: u64::try_from(file.size_bytes).unwrap_or(0),
        filename: &file.filename,
        sha256: &file.sha256,
        cache_control: "private, max-age=300",
    };
    download.response(opened)
}

/// A file sent as an attachment, never shown in civiforge's origin.
pub(super) struct Download<'a> {
    pub media_type: HeaderValue,
    pub size: u64,
    pub filename: &'a str,
    /// Its digest, as its `ETag`.
    pub sha256: &'a str,
    pub cache_control: &'static str,
}

impl Download<'_> {
    pub(super) fn response(&self, opened: tokio::fs::File) -> Response {
        let body = Body::from_stream(tokio_util::io::ReaderStream::new(opened));
        let mut response = (StatusCode::OK, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, self.media_type.clone());
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(self.size));
        if let Ok(disposition) = HeaderValue::from_str(&attachment(self.filename)) {
            headers.insert(header::CONTENT_DISPOSITION, disposition);
        }
        // No script, no plugin, no frame, a sandbox, whatever the file holds.
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; sandbox"),
        );
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", self.sha256)) {
            headers.insert(header::ETAG, etag);
        }
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(self.cache_control),
        );
        response
    }
}

/// `Content-Disposition` for a download under `filename`: an ASCII fallback for old
/// clients and the UTF-8 name (RFC 6266, RFC 5987).
fn attachment(filename: &str) -> String {
    let fallback: String = deunicode::deunicode(filename)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._- ()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = url::form_urlencoded::byte_serialize(filename.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
        .replace('*', "%2A");
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::{attachment, file_size};

    #[test]
    fn downloads_keep_their_french_names_with_an_ascii_fallback() {
        assert_eq!(
            attachment("Compte rendu réunion \"DSI\".pdf"),
            "attachment; filename=\"Compte rendu reunion _DSI_.pdf\"; \
             filename*=UTF-8''Compte%20rendu%20r%C3%A9union%20%22DSI%22.pdf"
        );
    }

    #[test]
    fn sizes_read_in_french() {
        assert_eq!(file_size(1_000), "1 Ko");
        assert_eq!(file_size(2_500_000), "2,4 Mo");
    }
}
