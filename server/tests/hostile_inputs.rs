//! Hostile values in every field a user can fill: SQL meta-characters, markup and script,
//! control characters, very long strings. Each gets the answer the field's rules give (a
//! 4xx naming the problem, or stored as plain text and shown escaped); the service never
//! answers 5xx and nothing unexpected is written.

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

/// Largest request body the API reads (413 beyond).
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Whether a text field takes `value`: 1 to `max` characters once trimmed, and no control
/// character but the newline.
fn fits(value: &str, max: usize) -> bool {
    let value = value.trim();
    let chars = value.chars().count();
    (1..=max).contains(&chars) && !value.chars().any(|c| c.is_control() && c != '\n')
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
    let mut declared = false;
    for (n, value) in hostile_values().into_iter().enumerate() {
        let name_fits = fits(&value, 120);
        let version_fits = fits(&value, 64);
        // (method, uri, body, expected status when the body is not too large)
        let bodies: Vec<(&str, &str, Value, StatusCode)> = vec![
            (
                "POST",
                "/api/v1/projects",
                json!({"repository_url": format!("https://forge.example.org/p{n}.git"), "name": value, "summary": value}),
                if name_fits {
                    StatusCode::CREATED
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                },
            ),
            (
                "POST",
                "/api/v1/projects",
                json!({"repository_url": value}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "POST",
                "/api/v1/projects",
                json!({"repository_url": format!("https://forge.example.org/q{n}.git"), "slug": value}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "POST",
                "/api/v1/projects",
                json!({"repository_url": format!("https://forge.example.org/r{n}.git"), "categories": [value]}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "PATCH",
                "/api/v1/projects/cible",
                json!({"summary": value}),
                if fits(&value, 500) {
                    StatusCode::OK
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                },
            ),
            (
                "POST",
                "/api/v1/adoptions",
                json!({"project": value, "organisation": "commune-13047"}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "POST",
                "/api/v1/adoptions",
                json!({"project": "cible", "organisation": value}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "POST",
                "/api/v1/adoptions",
                json!({"project": "cible", "organisation": "commune-13047", "version": value}),
                match (version_fits, declared) {
                    (false, _) => StatusCode::UNPROCESSABLE_ENTITY,
                    (true, false) => StatusCode::CREATED,
                    (true, true) => StatusCode::OK,
                },
            ),
            (
                "POST",
                "/api/v1/adoptions",
                json!({"project": "cible", "organisation": "commune-13047", "since": value}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "POST",
                "/api/v1/claims",
                json!({"organisation": value}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        ];
        for (method, uri, body, expected) in bodies {
            let expected = if body.to_string().len() > MAX_BODY_BYTES {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                expected
            };
            let response = app.request(method, uri, Some(&token), Some(body)).await;
            assert_eq!(
                response.status,
                expected,
                "{method} {uri} with {:?}: {}",
                value.chars().take(40).collect::<String>(),
                response.text.chars().take(300).collect::<String>()
            );
            if response.status.is_client_error() {
                assert!(
                    !response.error_code().starts_with('<'),
                    "{method} {uri}: a refusal in the error format: {}",
                    response.text.chars().take(300).collect::<String>()
                );
            }
            if uri == "/api/v1/adoptions" && response.status.is_success() {
                declared = true;
            }
            if uri == "/api/v1/projects" && response.status == StatusCode::CREATED {
                stored_names.push(response.body["slug"].as_str().expect("slug").to_string());
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
            // A NUL byte is refused before anything looks it up; a page named by a
            // hostile value does not exist; searches and lists answer.
            let expected = if value.contains('\0') {
                StatusCode::BAD_REQUEST
            } else if uri.starts_with("/projets/") || uri.starts_with("/organisations/") {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::OK
            };
            let response = app.get(&uri).await;
            assert_eq!(
                response.status,
                expected,
                "{}",
                uri.chars().take(80).collect::<String>()
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
    // The names that fit were stored (the SQL, markup, percent and emoji ones).
    assert_eq!(stored_names.len(), 7, "{stored_names:?}");
    for slug in stored_names {
        let page = app.get(&format!("/projets/{slug}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.text.contains("<script>alert") && !page.text.contains("<img src=x"));
    }
    let search = app.get("/recherche?q=alert").await;
    assert!(!search.text.contains("<script>alert"));
}

on_both_engines!(every_field_survives_hostile_values);
