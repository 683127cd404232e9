//! API tokens: scopes limit what a token may do, a revoked or expired token is dead, and the
//! database holds only digests.

mod common;

use axum::http::StatusCode;
use civiforge::domain::Actor;
use common::{Engine, TestApp};
use common::{create_token_with_scopes, create_user};
use serde_json::json;

async fn scopes_revocation_and_expiry(engine: Engine) {
    let app = TestApp::new(engine).await;
    let store = &app.store;
    let domain = &app.state.domain;
    let admin = Actor::command_line(None);
    let user = create_user(
        store,
        "agent@opsn.fr",
        "Agent",
        "un mot de passe solide",
        false,
    )
    .await
    .expect("user");
    let adoptions_only = create_token_with_scopes(
        store,
        "agent@opsn.fr",
        "adoptions",
        None,
        &["adoptions:write".into()],
    )
    .await
    .expect("token");
    let full = create_token_with_scopes(
        store,
        "agent@opsn.fr",
        "tout",
        None,
        &["projects:write".into(), "adoptions:write".into()],
    )
    .await
    .expect("token");
    let unknown_scope =
        create_token_with_scopes(store, "agent@opsn.fr", "x", None, &["root".into()])
            .await
            .expect_err("no such scope");
    assert!(
        format!("{unknown_scope:#}").contains("portée inconnue « root »"),
        "{unknown_scope:#}"
    );
    assert_eq!(
        store.list_tokens(user.id).await.expect("tokens").len(),
        2,
        "the refused token was not stored"
    );

    let project = json!({"repository_url": "https://forge.example.org/openelec.git"});
    let refused = app
        .post("/api/v1/projects", &adoptions_only, project.clone())
        .await;
    assert_eq!(
        (refused.status, refused.error_code()),
        (StatusCode::FORBIDDEN, "insufficient_scope")
    );
    assert_eq!(
        app.store.counts().await.expect("counts").projects,
        0,
        "nothing written"
    );
    assert_eq!(
        app.post("/api/v1/projects", &full, project).await.status,
        StatusCode::CREATED
    );
    let declared = app
        .post(
            "/api/v1/adoptions",
            &adoptions_only,
            json!({"project": "openelec", "organisation": "commune-13047"}),
        )
        .await;
    assert_eq!(declared.status, StatusCode::CREATED);

    // Revoked: refused at once, everywhere.
    let tokens = app.store.list_tokens(user.id).await.expect("tokens");
    assert_eq!(tokens.len(), 2);
    let id = tokens.iter().find(|t| t.label == "tout").expect("token").id;
    assert!(
        domain
            .revoke_token(&admin, &user, id)
            .await
            .expect("revoke")
    );
    assert!(
        !domain
            .revoke_token(&admin, &user, id)
            .await
            .expect("revoke twice"),
        "already revoked"
    );
    let reused = app
        .request(
            "POST",
            "/api/v1/projects/openelec/refresh",
            Some(&full),
            None,
        )
        .await;
    assert_eq!(
        (reused.status, reused.error_code()),
        (StatusCode::UNAUTHORIZED, "invalid_token")
    );
    // Another user cannot revoke it.
    let other = create_user(
        store,
        "autre@mairie.fr",
        "Autre",
        "un mot de passe solide",
        false,
    )
    .await
    .expect("user");
    let live = store
        .list_tokens(user.id)
        .await
        .expect("tokens")
        .into_iter()
        .find(|t| t.revoked_at.is_none())
        .expect("live");
    assert!(
        !domain
            .revoke_token(&admin, &other, live.id)
            .await
            .expect("revoke")
    );

    // Expired: as dead as revoked.
    let expiring = create_token_with_scopes(
        store,
        "agent@opsn.fr",
        "court",
        Some(0),
        &["adoptions:write".into()],
    )
    .await
    .expect("token");
    let expired = app
        .post(
            "/api/v1/adoptions",
            &expiring,
            json!({"project": "openelec", "organisation": "commune-13039"}),
        )
        .await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
}

on_both_engines!(scopes_revocation_and_expiry);
