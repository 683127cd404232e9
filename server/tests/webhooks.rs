//! Push webhooks: a forge's signed push queues a fetch; anything unsigned or wrongly signed
//! changes nothing.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Utc;
use common::{Engine, TestApp};
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

fn hook(
    provider: &str,
    project: &str,
    headers: &[(&str, String)],
    body: &'static [u8],
) -> Request<Body> {
    let mut builder = Request::builder()
        .method("POST")
        .uri(format!("/api/v1/webhooks/{provider}?project={project}"))
        .header("content-type", "application/json");
    for (name, value) in headers {
        builder = builder.header(*name, value);
    }
    builder.body(Body::from(body)).expect("request")
}

async fn queued(app: &TestApp) -> i64 {
    app.store.counts().await.expect("counts").jobs_queued
}

async fn signed_pushes_queue_a_fetch(engine: Engine) {
    let app = TestApp::new(engine).await;
    let maintainer = app.user_token("julien@agglo.fr", "Julien").await;
    let other = app.user_token("claire@mairie.fr", "Claire").await;
    let registered = app
        .post(
            "/api/v1/projects",
            &maintainer,
            json!({"repository_url": "https://example.org/openelec.git"}),
        )
        .await;
    assert_eq!(registered.status, StatusCode::CREATED);
    // The registration's own job is done.
    let job = app
        .store
        .claim_job("w", Utc::now())
        .await
        .expect("claim")
        .expect("job");
    app.store.finish_job(&job).await.expect("finish");
    assert_eq!(queued(&app).await, 0);

    let refused = app
        .request(
            "POST",
            "/api/v1/projects/openelec/webhook",
            Some(&other),
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let settings = app
        .request(
            "POST",
            "/api/v1/projects/openelec/webhook",
            Some(&maintainer),
            None,
        )
        .await;
    assert_eq!(settings.status, StatusCode::OK, "{}", settings.text);
    let secret = settings.body["secret"]
        .as_str()
        .expect("secret")
        .to_string();
    assert_eq!(
        settings.body["urls"]["github"],
        "/api/v1/webhooks/github?project=openelec"
    );

    let body: &'static [u8] = br#"{"ref": "refs/tags/v4.1.0"}"#;
    let bad = [
        hook("github", "openelec", &[], body),
        hook(
            "github",
            "openelec",
            &[(
                "x-hub-signature-256",
                format!("sha256={}", sign("wrong", body)),
            )],
            body,
        ),
        hook(
            "gitlab",
            "openelec",
            &[("x-gitlab-token", "wrong".into())],
            body,
        ),
        hook(
            "gitea",
            "openelec",
            &[("x-gitea-signature", sign("wrong", body))],
            body,
        ),
    ];
    for request in bad {
        let response = app.send(request).await;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "{}",
            response.text
        );
        assert_eq!(response.error_code(), "invalid_signature");
    }
    assert_eq!(queued(&app).await, 0, "nothing queued by a bad signature");
    let unknown = app.send(hook("bitbucket", "openelec", &[], body)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let missing = app.send(hook("github", "nope", &[], body)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let ping = app
        .send(hook(
            "github",
            "openelec",
            &[
                ("x-github-event", "ping".into()),
                (
                    "x-hub-signature-256",
                    format!("sha256={}", sign(&secret, body)),
                ),
            ],
            body,
        ))
        .await;
    assert_eq!(ping.status, StatusCode::OK);
    assert_eq!(queued(&app).await, 0);

    let github = app
        .send(hook(
            "github",
            "openelec",
            &[
                ("x-github-event", "push".into()),
                (
                    "x-hub-signature-256",
                    format!("sha256={}", sign(&secret, body)),
                ),
            ],
            body,
        ))
        .await;
    assert_eq!(github.status, StatusCode::ACCEPTED, "{}", github.text);
    assert_eq!(queued(&app).await, 1);
    let gitlab = app
        .send(hook(
            "gitlab",
            "openelec",
            &[("x-gitlab-token", secret.clone())],
            body,
        ))
        .await;
    assert_eq!(gitlab.status, StatusCode::ACCEPTED);
    let gitea = app
        .send(hook(
            "gitea",
            "openelec",
            &[("x-gitea-signature", sign(&secret, body))],
            body,
        ))
        .await;
    assert_eq!(gitea.status, StatusCode::ACCEPTED);
    assert_eq!(
        queued(&app).await,
        1,
        "asking again while queued queues once"
    );

    // Rotation: the old secret stops working.
    let rotated = app
        .request(
            "POST",
            "/api/v1/projects/openelec/webhook?rotate=true",
            Some(&maintainer),
            None,
        )
        .await;
    let new_secret = rotated.body["secret"].as_str().expect("secret");
    assert_ne!(new_secret, secret);
    let old = app
        .send(hook(
            "gitlab",
            "openelec",
            &[("x-gitlab-token", secret.clone())],
            body,
        ))
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let new = app
        .send(hook(
            "gitlab",
            "openelec",
            &[("x-gitlab-token", new_secret.to_string())],
            body,
        ))
        .await;
    assert_eq!(new.status, StatusCode::ACCEPTED);
}

on_both_engines!(signed_pushes_queue_a_fetch);
