//! Hostile values in every field a user can fill: SQL meta-characters, markup and script,
//! control characters, very long strings. Each gets a 4xx or is stored as plain text and
//! shown escaped; the service never answers 5xx and nothing unexpected is written.

mod common;

use axum::http::StatusCode;
use common::{Engine, TestApp};
use serde_json::{Value, json};

fn hostile_values() -> Vec<String> {
    vec![
        "'; DROP TABLE projects; --".into(),
        "\" OR 1=1 --".into(),
        "<script>alert('x')</script>".into(),
        "<img src=x onerror=alert(1)>".into(),
        "javascript:alert(1)".into(),
        "nul\u{0}byte".into(),
        "retour\r\nen-tête: injecté".into(),
        "%00%27%22".into(),
        "🏛️ Mairie — Œuvre".into(),
        "x".repeat(100_000),
        "é".repeat(20_000),
    ]
}

async fn every_field_survives_hostile_values(engine: Engine) {
    let app = TestApp::new(engine).await;
    let token = app.user_token("agent@opsn.fr", "Agent").await;
    let created = app
        .post(
            "/api/v1/projects",
            &token,
            json!({"repository_url": "https://forge.example.org/cible.git", "slug": "cible"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let mut stored_names = Vec::new();
    for (n, value) in hostile_values().into_iter().enumerate() {
        let bodies: Vec<(&str, &str, Value)> = vec![
            (
                "POST",
                "/api/v1/projects",
                json!({"repository_url": format!("https://forge.example.org/p{n}.git"), "name": value, "summary": value}),
            ),
            ("POST", "/api/v1/projects", json!({"repository_url": value})),
            (
                "POST",
                "/api/v1/projects",
                json!({"repository_url": format!("https://forge.example.org/q{n}.git"), "slug": value}),
            ),
            (
                "POST",
                "/api/v1/projects",
                json!({"repository_url": format!("https://forge.example.org/r{n}.git"), "categories": [value]}),
            ),
            ("PATCH", "/api/v1/projects/cible", json!({"summary": value})),
            (
                "POST",
                "/api/v1/adoptions",
                json!({"project": value, "organisation": "commune-13047"}),
            ),
            (
                "POST",
                "/api/v1/adoptions",
                json!({"project": "cible", "organisation": value}),
            ),
            (
                "POST",
                "/api/v1/adoptions",
                json!({"project": "cible", "organisation": "commune-13047", "version": value}),
            ),
            (
                "POST",
                "/api/v1/adoptions",
                json!({"project": "cible", "organisation": "commune-13047", "since": value}),
            ),
            ("POST", "/api/v1/claims", json!({"organisation": value})),
        ];
        for (method, uri, body) in bodies {
            let response = app.request(method, uri, Some(&token), Some(body)).await;
            assert!(
                response.status.is_client_error() || response.status.is_success(),
                "{method} {uri} with {:?}: {}",
                &value[..value.len().min(40)],
                response.status
            );
            if uri == "/api/v1/projects" && response.status == StatusCode::CREATED {
                stored_names.push(
                    response.body["slug"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                );
            }
        }
        // Addresses longer than a few kilobytes are refused by the HTTP layer itself (414).
        if value.len() > 8_000 {
            continue;
        }
        let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
        for uri in [
            format!("/api/v1/organisations?q={encoded}"),
            format!("/api/v1/search?q={encoded}"),
            format!("/api/v1/search/suggest?q={encoded}"),
            format!("/api/v1/projects?category={encoded}&license={encoded}"),
            format!("/recherche?q={encoded}&departement={encoded}"),
            format!("/projets/{encoded}"),
            format!("/organisations/{encoded}"),
        ] {
            let response = app.get(&uri).await;
            assert!(
                response.status.as_u16() < 500,
                "{}: {}",
                &uri[..uri.len().min(80)],
                response.status
            );
            assert!(
                !response.text.contains("<script>alert"),
                "{}",
                &uri[..uri.len().min(80)]
            );
        }
    }
    // The catalogue is intact and what was stored shows escaped.
    assert!(
        app.store.project("cible").await.expect("query").is_some(),
        "no table was dropped"
    );
    app.sync_search().await;
    for slug in stored_names {
        let page = app.get(&format!("/projets/{slug}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.text.contains("<script>alert") && !page.text.contains("<img src=x"));
    }
    let search = app.get("/recherche?q=alert").await;
    assert!(!search.text.contains("<script>alert"));
}

on_both_engines!(every_field_survives_hostile_values);
