//! Every write lands in the audit log, which moderators and administrators read as JSON.

mod common;

use axum::http::StatusCode;
use common::{Engine, TestApp};
use common::{create_token, create_user};
use serde_json::json;

async fn writes_are_audited_and_readable_by_administrators_only(engine: Engine) {
    let app = TestApp::new(engine).await;
    let agent = app.user_token("agent@opsn.fr", "Agent").await;
    create_user(
        &app.store,
        "admin@civiforge.fr",
        "Admin",
        "un mot de passe solide",
        true,
    )
    .await
    .expect("admin");
    let admin = create_token(&app.store, "admin@civiforge.fr", "audit", None)
        .await
        .expect("token");

    let registered = app
        .post(
            "/api/v1/projects",
            &agent,
            json!({"repository_url": "https://forge.example.org/openelec.git"}),
        )
        .await;
    assert_eq!(registered.status, StatusCode::CREATED);
    let declared = app
        .post(
            "/api/v1/adoptions",
            &agent,
            json!({"project": "openelec", "organisation": "commune-13047", "version": "4.1"}),
        )
        .await;
    assert_eq!(declared.status, StatusCode::CREATED);
    let refused = app
        .post(
            "/api/v1/adoptions",
            &agent,
            json!({"project": "openelec", "organisation": "commune-00000"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);

    let forbidden = app
        .request("GET", "/api/v1/audit", Some(&agent), None)
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/api/v1/audit").await.status,
        StatusCode::UNAUTHORIZED
    );

    let log = app
        .request("GET", "/api/v1/audit", Some(&admin), None)
        .await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    // The accounts and tokens made for the test come from the command line, audited too.
    let from_api: Vec<&serde_json::Value> = log.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| {
            !e["actor"]
                .as_str()
                .unwrap_or_default()
                .starts_with("ligne de commande")
        })
        .collect();
    assert_eq!(log.body["total"], 6, "{}", log.text);
    assert_eq!(
        from_api.len(),
        2,
        "refused writes write nothing: {}",
        log.text
    );
    let newest = &log.body["items"][0];
    assert_eq!(newest["action"], "adoption.declare");
    assert_eq!(newest["actor"], "agent@opsn.fr");
    assert_eq!(newest["target"], "openelec");
    assert_eq!(newest["details"]["organisation"], "commune-13047");
    assert!(newest["at"].is_string());
    assert_eq!(log.body["items"][1]["action"], "project.register");
}

on_both_engines!(writes_are_audited_and_readable_by_administrators_only);
