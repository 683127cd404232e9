//! Authority to speak for an organisation: users claim it; an e-mail domain the
//! organisation's record lists verifies the claim at once, otherwise a moderator decides.
//! Verified claims last a year. Moderators also keep those domains and may hide a project.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{post, put};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::AppState;
use super::client::ClientIp;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{ApiJson, ApiPath, ApiQuery, Authenticated};
use crate::model::{Claim, Page, User};

/// How long a verified claim lasts before it must be renewed.
pub const CLAIM_DAYS: i64 = 365;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/claims", post(file).get(list))
        .route("/claims/{id}/decision", post(decide))
        .route("/organisations/{id}/email-domains", put(set_domains))
        .route("/projects/{slug}/visibility", post(set_visibility))
}

fn require_moderator(user: &User) -> ApiResult<()> {
    if user.is_admin || user.is_moderator {
        Ok(())
    } else {
        Err(ApiError::forbidden("réservé aux modérateurs"))
    }
}

/// `POST /api/v1/claims`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    /// Organisation id, such as `commune-13047`.
    pub organisation: String,
}

/// Ask to act for an organisation (verified at once when the e-mail domain vouches).
#[utoipa::path(post, path = "/api/v1/claims", tag = "organisations", request_body = ClaimRequest,
    security(("jeton" = [])), responses((status = 201, body = Claim), (status = 422, body = ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    client: ClientIp,
    auth: Authenticated,
    ApiJson(request): ApiJson<ClaimRequest>,
) -> ApiResult<impl IntoResponse> {
    let claim = file_for(&state, &auth.0.user, client, &request.organisation).await?;
    Ok((StatusCode::CREATED, Json(claim)))
}

/// Files `user`'s claim to act for an organisation, from the API or the organisation's page.
/// A claim still verified is kept as it is (asking again must not put it back in the queue),
/// unless the e-mail domain vouches, which renews it for a year.
pub async fn file_for(
    state: &AppState,
    user: &User,
    client: ClientIp,
    organisation: &str,
) -> ApiResult<Claim> {
    let Some(organisation) = state.store.organisation(organisation.trim()).await? else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_organisation",
            "organisation inconnue ; les identifiants sont de la forme commune-13047",
        ));
    };
    let domain = user
        .email
        .rsplit_once('@')
        .map(|(_, d)| d.to_string())
        .unwrap_or_default();
    let vouched = state
        .store
        .email_domains(&organisation.id)
        .await?
        .contains(&domain);
    if !vouched
        && let Some(current) = state
            .store
            .claims(None, Some(user.id))
            .await?
            .into_iter()
            .find(|c| c.organisation == organisation.id && is_live(c))
    {
        return Ok(current);
    }
    let until = vouched.then(|| chrono::Utc::now() + chrono::Duration::days(CLAIM_DAYS));
    let claim = state
        .store
        .file_claim(user.id, &organisation.id, until)
        .await?;
    let details = json!({"status": claim.status});
    super::audit::record(
        state,
        Some(user),
        None,
        client,
        "claim.file",
        &organisation.id,
        Some(details),
    )
    .await;
    Ok(claim)
}

/// Whether a claim gives authority now: verified and not expired.
pub fn is_live(claim: &Claim) -> bool {
    claim.status == "verified" && claim.expires_at.is_some_and(|at| at > chrono::Utc::now())
}

/// Which claims to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ClaimFilter {
    /// `pending`, `verified` or `rejected`.
    status: Option<String>,
}

/// Moderators see every claim; others see their own.
#[utoipa::path(get, path = "/api/v1/claims", tag = "organisations", params(ClaimFilter),
    security(("jeton" = [])), responses((status = 200, body = Page<Claim>)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiQuery(filter): ApiQuery<ClaimFilter>,
) -> ApiResult<Json<Page<Claim>>> {
    let user = &auth.0.user;
    let only_mine = !(user.is_admin || user.is_moderator);
    let items = state
        .store
        .claims(filter.status.as_deref(), only_mine.then_some(user.id))
        .await?;
    let total = items.len() as i64;
    Ok(Json(Page { items, total }))
}

/// A moderator's decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub verified: bool,
}

/// Verify or reject a claim (moderators).
#[utoipa::path(post, path = "/api/v1/claims/{id}/decision", tag = "organisations", request_body = Decision,
    security(("jeton" = [])), responses((status = 200, body = Claim), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    client: ClientIp,
    auth: Authenticated,
    ApiPath(id): ApiPath<i64>,
    ApiJson(decision): ApiJson<Decision>,
) -> ApiResult<Json<Claim>> {
    Ok(Json(
        decide_as(&state, &auth.0.user, client, id, decision.verified).await?,
    ))
}

/// A moderator verifies (for a year) or rejects a claim.
pub async fn decide_as(
    state: &AppState,
    moderator: &User,
    client: ClientIp,
    id: i64,
    verified: bool,
) -> ApiResult<Claim> {
    require_moderator(moderator)?;
    let expires = chrono::Utc::now() + chrono::Duration::days(CLAIM_DAYS);
    let claim = state
        .store
        .decide_claim(id, verified, moderator.id, expires)
        .await?;
    let details = json!({"claim": id, "verified": verified, "user": claim.user});
    super::audit::record(
        state,
        Some(moderator),
        None,
        client,
        "claim.decide",
        &claim.organisation,
        Some(details),
    )
    .await;
    Ok(claim)
}

/// `PUT /api/v1/organisations/{id}/email-domains`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailDomains {
    /// Such as `mairie-istres.fr`.
    pub domains: Vec<String>,
}

fn valid_domain(domain: &str) -> bool {
    domain.len() <= 253
        && domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// Set the e-mail domains that vouch for an organisation's agents (moderators).
#[utoipa::path(put, path = "/api/v1/organisations/{id}/email-domains", tag = "organisations", request_body = EmailDomains,
    security(("jeton" = [])), responses((status = 200, description = "enregistré"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_domains(
    State(state): State<AppState>,
    client: ClientIp,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<EmailDomains>,
) -> ApiResult<impl IntoResponse> {
    let domains = set_domains_as(&state, &auth.0.user, client, &id, &request.domains).await?;
    Ok(Json(json!({"organisation": id, "domains": domains})))
}

/// A moderator sets the e-mail domains that vouch for an organisation's agents.
pub async fn set_domains_as(
    state: &AppState,
    moderator: &User,
    client: ClientIp,
    organisation: &str,
    domains: &[String],
) -> ApiResult<Vec<String>> {
    require_moderator(moderator)?;
    let domains: Vec<String> = domains.iter().map(|d| d.trim().to_lowercase()).collect();
    if domains.len() > 20 || domains.iter().any(|d| !valid_domain(d)) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "20 domaines au plus, de la forme mairie-istres.fr",
        ));
    }
    state
        .store
        .set_email_domains(organisation, &domains)
        .await?;
    super::audit::record(
        state,
        Some(moderator),
        None,
        client,
        "organisation.email_domains",
        organisation,
        Some(json!({"domains": domains})),
    )
    .await;
    Ok(domains)
}

/// `POST /api/v1/projects/{slug}/visibility`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Visibility {
    pub hidden: bool,
}

/// Hide a project from every list, page and search, or show it again (moderators).
#[utoipa::path(post, path = "/api/v1/projects/{slug}/visibility", tag = "projets", request_body = Visibility,
    security(("jeton" = [])), responses((status = 200, description = "fait"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_visibility(
    State(state): State<AppState>,
    client: ClientIp,
    auth: Authenticated,
    ApiPath(slug): ApiPath<String>,
    ApiJson(request): ApiJson<Visibility>,
) -> ApiResult<impl IntoResponse> {
    set_visibility_as(&state, &auth.0.user, client, &slug, request.hidden).await?;
    Ok(Json(json!({"project": slug, "hidden": request.hidden})))
}

/// A moderator hides a project from every list, page and search, or shows it again.
pub async fn set_visibility_as(
    state: &AppState,
    moderator: &User,
    client: ClientIp,
    slug: &str,
    hidden: bool,
) -> ApiResult<()> {
    require_moderator(moderator)?;
    if !state.store.set_project_hidden(slug, hidden).await? {
        return Err(ApiError::not_found("projet introuvable"));
    }
    super::audit::record(
        state,
        Some(moderator),
        None,
        client,
        "project.visibility",
        slug,
        Some(json!({"hidden": hidden})),
    )
    .await;
    Ok(())
}

/// How a declaration by `user` for `organisation` is verified, or why it is refused: a
/// declaration made by a verified agent or a moderator is not overwritten by anyone else.
pub async fn verification_for(
    state: &AppState,
    user: &User,
    project: &str,
    organisation: &str,
) -> ApiResult<String> {
    let verification = if user.is_admin || user.is_moderator {
        "moderator"
    } else if state.store.is_agent(user.id, organisation).await? {
        "agent"
    } else {
        "unverified"
    };
    if verification == "unverified"
        && let Some(existing) = state
            .store
            .adoption_verification(project, organisation)
            .await?
        && existing != "unverified"
    {
        return Err(ApiError::forbidden(
            "cette déclaration a été faite par un agent vérifié : seuls les agents vérifiés de l'organisation (ou un modérateur) peuvent la modifier ; demandez à agir pour elle (POST /api/v1/claims)",
        ));
    }
    Ok(verification.to_string())
}
