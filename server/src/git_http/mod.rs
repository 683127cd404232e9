//! `/git/{slug}.git/…`: the smart HTTP protocol's addresses, each checked and handed to
//! `git http-backend`; every other address under `/git/` (the « dumb » protocol's files,
//! anything else) is refused before any process starts. Clones and fetches here, pushes to
//! hosted projects in `push.rs`.

mod push;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};

use crate::domain::AppError;
use crate::forge::Repositories;
use crate::forge::cgi::{self, CgiRequest, Exchange, Service};
use crate::state::AppState;
use crate::state::client::ClientIp;

/// Largest body of a clone's or a fetch's exchange: the wants and haves of a negotiation,
/// never a pack.
const MAX_UPLOAD_PACK_REQUEST: u64 = 32 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    let protocol = Router::new()
        .route("/{repository}/info/refs", get(advertise))
        .route("/{repository}/git-upload-pack", post(upload_pack))
        .route("/{repository}/git-receive-pack", post(receive_pack))
        .fallback(not_served)
        .method_not_allowed_fallback(not_served);
    Router::new()
        .nest("/git", protocol)
        .route("/git", any(not_served))
}

/// `GET /git/{slug}.git/info/refs?service=…`: the refs, the first step of every exchange.
async fn advertise(
    State(state): State<AppState>,
    Path(repository): Path<String>,
    RawQuery(query): RawQuery,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
) -> Response {
    match Service::from_query(query.as_deref()) {
        Some(Service::UploadPack) => {
            let exchange = Exchange::Advertise(Service::UploadPack);
            serve(&state, &repository, exchange, ip, &headers, Body::empty()).await
        }
        Some(Service::ReceivePack) => {
            let exchange = Exchange::Advertise(Service::ReceivePack);
            push::serve(&state, &repository, exchange, ip, &headers, Body::empty()).await
        }
        None => refusal(
            StatusCode::FORBIDDEN,
            "seul le protocole « smart HTTP » de git est servi : mettez git à jour",
        ),
    }
}

/// `POST /git/{slug}.git/git-upload-pack`: a clone's or a fetch's negotiation and pack.
async fn upload_pack(
    State(state): State<AppState>,
    Path(repository): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let exchange = Exchange::Call(Service::UploadPack);
    serve(&state, &repository, exchange, ip, &headers, body).await
}

/// `POST /git/{slug}.git/git-receive-pack`: a push.
async fn receive_pack(
    State(state): State<AppState>,
    Path(repository): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let exchange = Exchange::Call(Service::ReceivePack);
    push::serve(&state, &repository, exchange, ip, &headers, body).await
}

async fn not_served() -> Response {
    refusal(
        StatusCode::NOT_FOUND,
        "aucun dépôt à cette adresse : clonez https://…/git/<projet>.git",
    )
}

/// A clone's or a fetch's exchange with a visible project's repository.
async fn serve(
    state: &AppState,
    repository: &str,
    exchange: Exchange,
    ip: Option<std::net::IpAddr>,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let served = match state.domain.readable_repository(slug_of(repository)).await {
        Ok(served) => served,
        Err(error) => return domain_refusal(&error),
    };
    let project_id = served.project_id;
    if !state.forge.repositories.exists(project_id) {
        let message = if served.hosted {
            "ce dépôt est encore vide : ses mainteneurs n'y ont rien envoyé"
        } else {
            "ce dépôt n'est pas encore copié : revenez après la première indexation du projet"
        };
        return refusal(StatusCode::NOT_FOUND, message);
    }
    let exchange = Backend {
        project_id,
        exchange,
        ip,
        push: None,
        max_body: MAX_UPLOAD_PACK_REQUEST,
        on_complete: None,
    };
    run_backend(state, exchange, headers, body).await
}

/// One exchange with `git http-backend`, its caller having checked who may do it.
struct Backend {
    project_id: i64,
    exchange: Exchange,
    ip: Option<std::net::IpAddr>,
    push: Option<cgi::Push>,
    max_body: u64,
    on_complete: Option<cgi::OnComplete>,
}

async fn run_backend(
    state: &AppState,
    backend: Backend,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let forge = &state.forge;
    let gzip_body = match headers.get(header::CONTENT_ENCODING) {
        None => false,
        Some(value) if value.as_bytes().eq_ignore_ascii_case(b"gzip") => true,
        Some(_) => {
            return refusal(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "seul l'encodage gzip est accepté",
            );
        }
    };
    let Ok(permit) = forge.backends.clone().try_acquire_owned() else {
        let mut busy = refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "trop d'échanges git en cours : réessayez dans quelques secondes",
        );
        busy.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        return busy;
    };
    let request = CgiRequest {
        folder: Repositories::folder_name(backend.project_id),
        exchange: backend.exchange,
        content_type: headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .filter(|v| v.len() <= 100)
            .map(str::to_string),
        gzip_body,
        protocol: cgi::protocol_header(headers.get("git-protocol")),
        remote_addr: backend.ip,
        push: backend.push,
    };
    let root = forge.repositories.root();
    let answer = cgi::run(
        &forge.git,
        root,
        &request,
        body,
        backend.max_body,
        permit,
        backend.on_complete,
    );
    match answer.await {
        Ok(response) => response,
        Err(cgi::CgiError::BodyTooLarge(limit)) => refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("envoi trop grand : {} Mio au plus", limit / (1024 * 1024)),
        ),
        Err(error) => {
            tracing::error!(target: "civiforge::forge", %error, "git http-backend failed");
            refusal(
                StatusCode::INTERNAL_SERVER_ERROR,
                "le dépôt n'a pas pu être servi",
            )
        }
    }
}

/// `openelec.git` and `openelec` name the same repository.
fn slug_of(repository: &str) -> &str {
    repository.strip_suffix(".git").unwrap_or(repository)
}

fn domain_refusal(error: &AppError) -> Response {
    match error {
        AppError::NotFound { message, .. } => refusal(StatusCode::NOT_FOUND, message),
        AppError::Forbidden { message, .. } => refusal(StatusCode::FORBIDDEN, message),
        AppError::Unauthorised { message, .. } => push::challenge(message),
        other => {
            tracing::warn!(target: "civiforge::forge", error = %other, "repository look-up failed");
            refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "le catalogue est momentanément indisponible",
            )
        }
    }
}

/// A refusal git shows to its user as it is: plain text.
fn refusal(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{message}\n"),
    )
        .into_response()
}
