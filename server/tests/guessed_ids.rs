//! Identifiers guessed in addresses: another user's token or claim, another maintainer's
//! project, a hidden project, numbers that designate nothing or are not numbers. Each leads to
//! a refusal that tells nothing it should not, and nothing is written.

mod common;

use axum::http::StatusCode;
use common::browser::Browser;
use common::create_user_with_roles;
use common::{Engine, TestApp};
use serde_json::{Value, json};

/// What a successful write would change: the audit log (every write is logged), the claims,
/// the tokens, the maintainers, and what the projects say.
async fn fingerprint(app: &TestApp) -> Value {
    let store = app.store.as_ref();
    let audit = store
        .audit_log(civiforge::model::Window {
            limit: 1000,
            offset: 0,
        })
        .await
        .expect("audit");
    let claims: Vec<_> = store
        .claims(None, None)
        .await
        .expect("claims")
        .into_iter()
        .map(|c| json!([c.id, c.user, c.organisation, c.status]))
        .collect();
    let mut tokens = Vec::new();
    for email in ["alice@agglo.fr", "bob@exemple.fr"] {
        let user = store
            .user_by_email(email)
            .await
            .expect("user")
            .expect("exists");
        for token in store.list_tokens(user.id).await.expect("tokens") {
            tokens.push(json!([email, token.id, token.revoked_at]));
        }
    }
    let openelec = app.get("/api/v1/projects/openelec").await.body;
    let known = app.get("/api/v1/projects/openelec/known-users").await.body;
    let bob = store
        .user_by_email("bob@exemple.fr")
        .await
        .expect("user")
        .expect("bob");
    json!({
        "audit": audit.total,
        "claims": claims,
        "tokens": tokens,
        "openelec": [openelec["summary"], openelec["adopters_count"]],
        "known": known,
        "bob_maintains": store.is_maintainer("openelec", bob.id).await.expect("maintainer"),
        "hidden": store.hidden_projects().await.expect("hidden"),
    })
}

/// Fields of a form post.
type PostedFields = Vec<(&'static str, &'static str)>;

async fn guessed_ids_lead_nowhere(engine: Engine) {
    let app = TestApp::new(engine).await;
    let alice = app.user_token("alice@agglo.fr", "Alice").await;
    let bob = app.user_token("bob@exemple.fr", "Bob").await;
    create_user_with_roles(
        &app.store,
        "moderation@civiforge.fr",
        "Modération",
        "mot-de-passe-long",
        false,
        true,
    )
    .await
    .expect("moderator");
    let moderator = common::create_token(&app.store, "moderation@civiforge.fr", "tests", None)
        .await
        .expect("token");
    for url in [
        "https://forge.example.org/openelec.git",
        "https://forge.example.org/cache.git",
    ] {
        let created = app
            .post("/api/v1/projects", &alice, json!({"repository_url": url}))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    }
    let hide = json!({"hidden": true});
    let hidden = app
        .request(
            "POST",
            "/api/v1/projects/cache/visibility",
            Some(&moderator),
            Some(hide),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::OK);
    let alice_claim = app
        .post(
            "/api/v1/claims",
            &alice,
            json!({"organisation": "commune-13039"}),
        )
        .await
        .body["id"]
        .clone();
    let bob_claim = app
        .post(
            "/api/v1/claims",
            &bob,
            json!({"organisation": "commune-13047"}),
        )
        .await
        .body["id"]
        .clone();
    let mut bob_browser = Browser::default();
    bob_browser
        .sign_in(&app, "bob@exemple.fr", "mot-de-passe-long")
        .await;
    let alice_token_id = app
        .store
        .list_tokens(
            app.store
                .user_by_email("alice@agglo.fr")
                .await
                .expect("user")
                .expect("alice")
                .id,
        )
        .await
        .expect("tokens")[0]
        .id;
    let before = fingerprint(&app).await;

    // Bob, with a full token, tries every address that carries someone else's identifier.
    let decide = json!({"verified": true});
    let api_cases: Vec<(&str, String, Option<Value>, StatusCode)> = vec![
        (
            "POST",
            format!("/api/v1/claims/{alice_claim}/decision"),
            Some(decide.clone()),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            format!("/api/v1/claims/{bob_claim}/decision"),
            Some(decide.clone()),
            StatusCode::FORBIDDEN,
        ),
        // No oracle: a claim that does not exist gets the same answer as one that does.
        (
            "POST",
            "/api/v1/claims/999999/decision".into(),
            Some(decide.clone()),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            "/api/v1/claims/abc/decision".into(),
            Some(decide.clone()),
            StatusCode::BAD_REQUEST,
        ),
        (
            "POST",
            "/api/v1/claims/99999999999999999999/decision".into(),
            Some(decide),
            StatusCode::BAD_REQUEST,
        ),
        (
            "PATCH",
            "/api/v1/projects/openelec".into(),
            Some(json!({"summary": "Piraté"})),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            "/api/v1/projects/openelec/maintainers".into(),
            Some(json!({"email": "bob@exemple.fr"})),
            StatusCode::FORBIDDEN,
        ),
        (
            "PUT",
            "/api/v1/projects/openelec/known-users".into(),
            Some(json!({"organisations": ["commune-13047"]})),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            "/api/v1/projects/openelec/webhook".into(),
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            "/api/v1/projects/openelec/visibility".into(),
            Some(json!({"hidden": true})),
            StatusCode::FORBIDDEN,
        ),
        (
            "PUT",
            "/api/v1/organisations/commune-13047/email-domains".into(),
            Some(json!({"domains": ["exemple.fr"]})),
            StatusCode::FORBIDDEN,
        ),
        ("GET", "/api/v1/audit".into(), None, StatusCode::FORBIDDEN),
        // A hidden project is as absent as one that never existed.
        (
            "GET",
            "/api/v1/projects/cache".into(),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            "GET",
            "/api/v1/projects/cache/versions".into(),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            "GET",
            "/api/v1/projects/cache/adoptions".into(),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            "GET",
            "/api/v1/projects/cache/known-users".into(),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            "POST",
            "/api/v1/adoptions".into(),
            Some(json!({"project": "cache", "organisation": "commune-13047"})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (method, uri, body, expected) in api_cases {
        let response = app.request(method, &uri, Some(&bob), body).await;
        assert_eq!(
            response.status, expected,
            "{method} {uri}: {}",
            response.text
        );
        assert!(
            response.body["error"]["message"].is_string(),
            "{method} {uri}: a clear error"
        );
    }
    let mine = app.request("GET", "/api/v1/claims", Some(&bob), None).await;
    assert_eq!(mine.body["total"], 1, "only his own claims: {}", mine.text);
    assert_eq!(mine.body["items"][0]["user"], "bob@exemple.fr");

    // The same from Bob's browser.
    let revoke_alice = format!("/compte/jetons/{alice_token_id}/revoquer");
    let page_cases: Vec<(String, PostedFields, StatusCode)> = vec![
        (revoke_alice, vec![], StatusCode::SEE_OTHER),
        (
            "/compte/jetons/abc/revoquer".into(),
            vec![],
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/moderation/demandes/{alice_claim}"),
            vec![("decision", "verifier")],
            StatusCode::FORBIDDEN,
        ),
        (
            "/moderation/demandes/abc".into(),
            vec![("decision", "verifier")],
            StatusCode::NOT_FOUND,
        ),
        (
            "/moderation/projets/openelec/visibilite".into(),
            vec![("masquer", "oui")],
            StatusCode::FORBIDDEN,
        ),
        (
            "/organisations/commune-13047/domaines".into(),
            vec![("domaines", "exemple.fr")],
            StatusCode::FORBIDDEN,
        ),
        (
            "/organisations/commune-99999/demande".into(),
            vec![],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (uri, fields, expected) in page_cases {
        let response = bob_browser.submit(&app, &uri, &fields).await;
        assert_eq!(response.status, expected, "{uri}: {}", response.text);
        if expected != StatusCode::SEE_OTHER {
            assert!(
                response.text.contains("<html lang=\"fr\">"),
                "{uri}: a French page"
            );
        }
    }
    for uri in [
        "/projets/cache",
        "/moderation/journal",
        "/moderation/journal.json",
    ] {
        let response = bob_browser.get(&app, uri).await;
        assert!(
            matches!(
                response.status,
                StatusCode::NOT_FOUND | StatusCode::FORBIDDEN
            ),
            "{uri}: {}",
            response.status
        );
    }

    assert_eq!(fingerprint(&app).await, before, "nothing was written");
    let still = app
        .request(
            "PATCH",
            "/api/v1/projects/openelec",
            Some(&alice),
            Some(json!({"summary": "Listes électorales"})),
        )
        .await;
    assert_eq!(still.status, StatusCode::OK, "Alice's token still works");
}

on_both_engines!(guessed_ids_lead_nowhere);
