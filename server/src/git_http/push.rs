//! Pushes to hosted projects: HTTP basic authentication whose password is an API token with
//! `projects:write` of one of the project's maintainers (the user name is not read), then
//! `git http-backend` with receive-pack enabled under civiforge's rules (size, refs, no
//! deletion, no rewrite: `cgi::Push`, `forge::hooks`). Once the push's answer is sent, the
//! repository is indexed again at once.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;

use super::{Backend, domain_refusal, refusal, run_backend, slug_of};
use crate::auth::token_digest;
use crate::domain::Actor;
use crate::forge::cgi::{Exchange, Push};
use crate::state::AppState;

pub(super) async fn serve(
    state: &AppState,
    repository: &str,
    exchange: Exchange,
    ip: Option<std::net::IpAddr>,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let slug = slug_of(repository).to_string();
    // A mirror says so before asking for credentials.
    if let Err(error) = state.domain.pushable_repository(&slug).await {
        return domain_refusal(&error);
    }
    let Some(token) = basic_password(headers) else {
        return challenge(
            "envoi réservé aux mainteneurs : identifiez-vous avec un jeton d'API comme mot de passe",
        );
    };
    let owner = match state.store.token_owner(&token_digest(&token)).await {
        Ok(Some(owner)) => owner,
        Ok(None) => return challenge("jeton inconnu, révoqué ou expiré"),
        Err(error) => return domain_refusal(&error.into()),
    };
    let user = owner.user.email.clone();
    let actor = Actor::token(owner.user, owner.scopes, ip);
    let project_id = match state.domain.writable_repository(&actor, &slug).await {
        Ok(id) => id,
        Err(error) => return domain_refusal(&error),
    };
    if let Err(response) = ready_repository(state, project_id).await {
        return response;
    }
    let hooks = match crate::forge::hooks::ensure(&state.forge.hooks) {
        Ok(hooks) => hooks,
        Err(error) => {
            tracing::error!(target: "civiforge::forge", %error, "git hooks not written");
            return refusal(
                StatusCode::INTERNAL_SERVER_ERROR,
                "l'envoi n'a pas pu être reçu",
            );
        }
    };
    let limits = state.forge.push_limits;
    // Once the answer is sent: the tags pushed become versions within seconds.
    let on_complete = matches!(exchange, Exchange::Call(_)).then(|| {
        let domain = state.domain.clone();
        let slug = slug.clone();
        Box::new(move || {
            tokio::spawn(async move {
                if let Err(error) = domain.push_received(&actor, &slug).await {
                    tracing::warn!(target: "civiforge::forge", %error, "push not queued for indexing");
                }
            });
        }) as crate::forge::cgi::OnComplete
    });
    let backend = Backend {
        project_id,
        exchange,
        ip,
        push: Some(Push {
            user,
            limits,
            hooks,
        }),
        // The pack, and the commands before it.
        max_body: limits.max_bytes.saturating_add(1024 * 1024),
        on_complete,
    };
    run_backend(state, backend, headers, body).await
}

/// The repository of a hosted project, made empty if its first push comes before the worker
/// made it; one that waits for its import answers 503 meanwhile.
async fn ready_repository(state: &AppState, project_id: i64) -> Result<(), Response> {
    let repositories = &state.forge.repositories;
    if repositories.exists(project_id) {
        return Ok(());
    }
    let importing = matches!(
        state.store.index_target(project_id).await,
        Ok(Some(target)) if target.imported_from.is_some()
    );
    if importing {
        let mut busy = refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "le dépôt est en cours d'import : réessayez dans quelques instants",
        );
        busy.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
        return Err(busy);
    }
    let path = repositories.path(project_id);
    let made =
        tokio::task::spawn_blocking(move || civiforge_indexer::hosted::create_empty(&path)).await;
    match made {
        Ok(Ok(())) => Ok(()),
        _ => Err(refusal(
            StatusCode::INTERNAL_SERVER_ERROR,
            "le dépôt n'a pas pu être créé",
        )),
    }
}

/// The password of an `Authorization: Basic` header: the token.
fn basic_password(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") || encoded.len() > 1024 {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (_, password) = text.split_once(':')?;
    (!password.is_empty() && password.len() <= 256).then(|| password.to_string())
}

/// 401 with the challenge that makes git ask for (or send) its credentials.
pub(super) fn challenge(message: &str) -> Response {
    let mut response = refusal(StatusCode::UNAUTHORIZED, message);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"civiforge\", charset=\"UTF-8\""),
    );
    response
}
