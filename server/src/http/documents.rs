//! Shared documents: `GET`/`POST /api/v1/projects/{slug}/documents` and
//! `/api/v1/groups/{slug}/documents` (a multipart form with `file`, or a link, in a form or
//! in JSON), and `DELETE /api/v1/documents/{id}`. The rules are the domain's
//! (`domain::documents`); files are downloaded from `/documents/{id}`.

use axum::Json;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{delete, get};

use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{ApiActor, ApiJson, ApiPath};
use crate::model::{Document, DocumentTarget, Page};
use crate::multipart_form::{FormError, SubmittedForm};
use crate::state::AppState;
use crate::validation::AttachDocumentRequest;

/// The largest JSON body of a link.
const MAX_LINK_BODY_BYTES: usize = 64 * 1024;

pub fn routes() -> axum::Router<AppState> {
    // Uploads are limited by `SubmittedForm` (20 MB for the file), which keeps the fields
    // read before the limit; the framework's limit would fail the whole body.
    axum::Router::new()
        .route(
            "/projects/{slug}/documents",
            get(of_project)
                .post(attach_to_project)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/groups/{slug}/documents",
            get(of_group)
                .post(attach_to_group)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/documents/{id}", delete(remove))
}

/// The project's shared documents, the most recent first.
#[utoipa::path(get, path = "/api/v1/projects/{slug}/documents", tag = "projets",
    responses((status = 200, body = Page<Document>), (status = 404, body = ErrorBody)))]
pub async fn of_project(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<Page<Document>>> {
    list(&state, DocumentTarget::Project(slug)).await
}

/// The group's shared documents, the most recent first.
#[utoipa::path(get, path = "/api/v1/groups/{slug}/documents", tag = "groupes",
    responses((status = 200, body = Page<Document>), (status = 404, body = ErrorBody)))]
pub async fn of_group(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<Page<Document>>> {
    list(&state, DocumentTarget::Group(slug)).await
}

async fn list(state: &AppState, target: DocumentTarget) -> ApiResult<Json<Page<Document>>> {
    let items = state.domain.documents(&target).await?;
    let total = items.len() as i64;
    Ok(Json(Page { items, total }))
}

/// Share a document about the project: a file (PDF, ODT, ODS, DOCX, XLSX, 20 MB at most,
/// judged by its content) in the multipart field `file`, or a link in `url`, with `title`,
/// `kind` and optionally `date` and `organisation`. The project's maintainers, verified
/// agents (in their organisation's name) and moderators share; token scope `projects:write`.
#[utoipa::path(post, path = "/api/v1/projects/{slug}/documents", tag = "projets",
    request_body(content = AttachDocumentRequest, content_type = "multipart/form-data"),
    security(("jeton" = [])),
    responses((status = 201, body = Document), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn attach_to_project(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(slug): ApiPath<String>,
    request: Request,
) -> ApiResult<impl IntoResponse> {
    attach(&state, &actor, DocumentTarget::Project(slug), request).await
}

/// Share a document in the group: as for a project, by a verified agent of one of the
/// group's organisations (or a moderator); token scope `adoptions:write`.
#[utoipa::path(post, path = "/api/v1/groups/{slug}/documents", tag = "groupes",
    request_body(content = AttachDocumentRequest, content_type = "multipart/form-data"),
    security(("jeton" = [])),
    responses((status = 201, body = Document), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn attach_to_group(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(slug): ApiPath<String>,
    request: Request,
) -> ApiResult<impl IntoResponse> {
    attach(&state, &actor, DocumentTarget::Group(slug), request).await
}

async fn attach(
    state: &AppState,
    actor: &crate::domain::Actor,
    target: DocumentTarget,
    request: Request,
) -> ApiResult<impl IntoResponse + use<>> {
    // The form holds its upload place until the file is written, not only until it is read.
    let (fields, mut form) = read_submission(state, request).await?;
    let document = state
        .domain
        .attach_document(actor, &target, fields, form.file.take())
        .await?;
    Ok((StatusCode::CREATED, Json(document)))
}

/// The fields and file of a multipart form, or the fields of a JSON body (a link).
async fn read_submission(
    state: &AppState,
    request: Request,
) -> Result<(AttachDocumentRequest, SubmittedForm), ApiError> {
    let media_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if media_type.contains("json") {
        // The route lifts the framework's limit for files: a link's body keeps a small one.
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, MAX_LINK_BODY_BYTES)
            .await
            .map_err(|_| {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "le corps de la requête dépasse 64 Kio",
                )
            })?;
        let request = Request::from_parts(parts, axum::body::Body::from(bytes));
        let ApiJson(fields) = ApiJson::from_request(request, state).await?;
        return Ok((fields, SubmittedForm::default()));
    }
    if !media_type.starts_with("multipart/form-data") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "envoyez un formulaire multipart/form-data (fichier dans le champ file) ou, pour \
             un lien, du JSON",
        ));
    }
    let form = SubmittedForm::read(request)
        .await
        .map_err(|refused| form_error(refused.error))?;
    let fields = form.document_request(&[]).map_err(form_error)?;
    Ok((fields, form))
}

fn form_error(error: FormError) -> ApiError {
    let (status, code) = match error {
        FormError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        FormError::Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
        FormError::Malformed(_) => (StatusCode::BAD_REQUEST, "invalid_body"),
    };
    ApiError::new(status, code, error.message())
}

/// Remove a shared document (who shared it, its organisation's agents, the project's
/// maintainers or the group's lead, moderators).
#[utoipa::path(delete, path = "/api/v1/documents/{id}", tag = "projets",
    security(("jeton" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    state.domain.remove_document(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
