//! The JSON API as a client sees it, on SQLite and on PostgreSQL: the same calls give the
//! same answers on both engines.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Engine, TestApp};
use serde_json::{Value, json};

const OPENELEC: &str = "https://gitlab.adullact.net/openmairie/openelec.git";

async fn register_openelec(app: &TestApp, token: &str) -> Value {
    let response = app
        .post(
            "/api/v1/projects",
            token,
            json!({
                "repository_url": OPENELEC,
                "name": "openElec",
                "summary": "Gestion des listes électorales",
                "categories": ["elections"]
            }),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    response.body
}

/// The journey of the foundation issue: register, declare Istres at 2.03, read it back.
async fn register_declare_and_read_back(engine: Engine) {
    let app = TestApp::new(engine).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;

    let project = register_openelec(&app, &token).await;
    assert_eq!(project["slug"], "openelec");
    assert_eq!(project["name"], "openElec");
    assert_eq!(project["categories"], json!(["elections"]));
    assert_eq!(project["index_status"]["state"], "pending");
    assert_eq!(project["latest_version"], Value::Null);

    let declared = app
        .post(
            "/api/v1/adoptions",
            &token,
            json!({"project": "openelec", "organisation": "commune-13047", "version": "2.03", "since": "2007-06-11"}),
        )
        .await;
    assert_eq!(declared.status, StatusCode::CREATED, "{}", declared.text);
    assert_eq!(declared.body["organisation_name"], "Istres");
    assert_eq!(declared.body["status"], "in_use");

    let of_project = app.get("/api/v1/projects/openelec/adoptions").await;
    assert_eq!(of_project.status, StatusCode::OK);
    assert_eq!(of_project.body["total"], 1);
    let item = &of_project.body["items"][0];
    assert_eq!(item["organisation"], "commune-13047");
    assert_eq!(item["version"], "2.03");
    assert_eq!(item["since"], "2007-06-11");
    assert_eq!(item["declared_by"], "Julien");

    let istres = app.get("/api/v1/organisations/commune-13047").await;
    assert_eq!(istres.status, StatusCode::OK);
    assert_eq!(istres.body["name"], "Istres");
    assert_eq!(istres.body["adoptions"][0]["project"], "openelec");
    assert_eq!(istres.body["adoptions"][0]["version"], "2.03");
    let listed = app
        .get("/api/v1/organisations/commune-13047/adoptions")
        .await;
    assert_eq!(listed.body["total"], 1);

    let project = app.get("/api/v1/projects/openelec").await;
    assert_eq!(project.body["adopters_count"], 1);
    let list = app.get("/api/v1/projects?category=elections").await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["slug"], "openelec");
    assert_eq!(
        app.get("/api/v1/projects?category=cimetieres").await.body["total"],
        0
    );
}

/// Declaring again updates the adoption and keeps every declaration in its history.
async fn redeclaring_updates_and_keeps_history(engine: Engine) {
    let app = TestApp::new(engine).await;
    let token = app.user_token("agent@opsn.fr", "Agent OPSN").await;
    register_openelec(&app, &token).await;
    let first = json!({"project": "openelec", "organisation": "commune-13047", "version": "4.0"});
    assert_eq!(
        app.post("/api/v1/adoptions", &token, first).await.status,
        StatusCode::CREATED
    );
    let second = json!({"project": "openelec", "organisation": "commune-13047", "version": "4.1", "status": "in_use"});
    let updated = app.post("/api/v1/adoptions", &token, second).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!(updated.body["version"], "4.1");

    let adoptions = app.get("/api/v1/projects/openelec/adoptions").await;
    assert_eq!(adoptions.body["total"], 1);
    let history = app
        .get("/api/v1/projects/openelec/adoptions/commune-13047/history")
        .await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.text);
    let versions: Vec<&str> = history.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["version"].as_str().expect("version"))
        .collect();
    assert_eq!(versions, ["4.0", "4.1"]);

    let stopped =
        json!({"project": "openelec", "organisation": "commune-13047", "status": "stopped"});
    assert_eq!(
        app.post("/api/v1/adoptions", &token, stopped).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/projects/openelec").await.body["adopters_count"],
        0
    );
}

/// Every bad input gets its status, code and message, and changes nothing.
async fn bad_inputs_get_clear_errors_and_change_nothing(engine: Engine) {
    let app = TestApp::new(engine).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    register_openelec(&app, &token).await;

    let raw = |body: &str, content_type: Option<&str>| {
        let mut builder = Request::builder()
            .method("POST")
            .uri("/api/v1/projects")
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        if let Some(content_type) = content_type {
            builder = builder.header(header::CONTENT_TYPE, content_type);
        }
        builder.body(Body::from(body.to_string())).expect("request")
    };
    let cases: Vec<(&str, common::TestResponse, StatusCode, &str)> = vec![
        (
            "malformed JSON",
            app.send(raw("{\"repository_url\": ", Some("application/json"))).await,
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "no content type",
            app.send(raw("{}", None)).await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "body of 100 kB",
            app.send(raw(&format!("{{\"repository_url\": \"{}\"}}", "a".repeat(100_000)), Some("application/json"))).await,
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            "unknown field",
            app.post("/api/v1/projects", &token, json!({"repository_url": "https://example.org/a.git", "licence": "MIT"})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            "slug taken",
            app.post("/api/v1/projects", &token, json!({"repository_url": "https://example.org/other.git", "slug": "openelec"})).await,
            StatusCode::CONFLICT,
            "slug_taken",
        ),
        (
            "repository registered",
            app.post("/api/v1/projects", &token, json!({"repository_url": OPENELEC, "slug": "autre"})).await,
            StatusCode::CONFLICT,
            "repository_already_registered",
        ),
        (
            "http scheme",
            app.post("/api/v1/projects", &token, json!({"repository_url": "http://example.org/a.git"})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "local path",
            app.post("/api/v1/projects", &token, json!({"repository_url": "file:///etc"})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "loopback host",
            app.post("/api/v1/projects", &token, json!({"repository_url": "https://127.0.0.1/a.git"})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "unknown category",
            app.post("/api/v1/projects", &token, json!({"repository_url": "https://example.org/b.git", "categories": ["jeux"]})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "no token",
            app.request("POST", "/api/v1/projects", None, Some(json!({"repository_url": "https://example.org/c.git"}))).await,
            StatusCode::UNAUTHORIZED,
            "missing_token",
        ),
        (
            "wrong token",
            app.request("POST", "/api/v1/projects", Some("cvf_0000"), Some(json!({"repository_url": "https://example.org/c.git"}))).await,
            StatusCode::UNAUTHORIZED,
            "invalid_token",
        ),
        (
            "unknown organisation",
            app.post("/api/v1/adoptions", &token, json!({"project": "openelec", "organisation": "commune-99999"})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_organisation",
        ),
        (
            "unknown project",
            app.post("/api/v1/adoptions", &token, json!({"project": "inconnu", "organisation": "commune-13047"})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_project",
        ),
        (
            "version of 10 kB",
            app.post("/api/v1/adoptions", &token, json!({"project": "openelec", "organisation": "commune-13047", "version": "1".repeat(10_000)})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "bad status",
            app.post("/api/v1/adoptions", &token, json!({"project": "openelec", "organisation": "commune-13047", "status": "maybe"})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            "bad date",
            app.post("/api/v1/adoptions", &token, json!({"project": "openelec", "organisation": "commune-13047", "since": "11/06/2007"})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "negative offset",
            app.get("/api/v1/projects?offset=-1").await,
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        ("unknown project page", app.get("/api/v1/projects/nope").await, StatusCode::NOT_FOUND, "not_found"),
        ("unknown route", app.get("/api/v1/nothing-here").await, StatusCode::NOT_FOUND, "not_found"),
        (
            "wrong method",
            app.request("DELETE", "/api/v1/projects", Some(&token), None).await,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
    ];
    for (label, response, status, code) in cases {
        assert_eq!(response.status, status, "{label}: {}", response.text);
        assert_eq!(response.error_code(), code, "{label}: {}", response.text);
        let message = response.body["error"]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(message.len() > 10, "{label}: message too thin: {message:?}");
        assert!(message.len() < 2_000, "{label}: message echoes too much");
    }
    let version = app
        .post("/api/v1/adoptions", &token, json!({"project": "openelec", "organisation": "commune-13047", "version": "1".repeat(10_000)}))
        .await;
    assert_eq!(version.body["error"]["fields"][0]["field"], "version");

    let unauthorized = app
        .request("POST", "/api/v1/projects", None, Some(json!({})))
        .await;
    assert_eq!(
        unauthorized
            .headers
            .get(header::WWW_AUTHENTICATE)
            .map(|v| v.as_bytes()),
        Some(&b"Bearer"[..])
    );

    // Nothing was written by any of them.
    let counts = app.store.counts().await.expect("counts");
    assert_eq!(counts.projects, 1);
    assert_eq!(counts.adoptions, 0);
    assert_eq!(
        app.get("/api/v1/projects/openelec/adoptions").await.body["total"],
        0
    );
}

/// Finding one's commune the way people type it.
async fn organisation_search_forgives_accents_hyphens_and_apostrophes(engine: Engine) {
    let app = TestApp::new(engine).await;
    let first = |body: &Value| {
        body["items"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let cases = [
        (
            "/api/v1/organisations?q=fos&departement=13",
            "commune-13039",
        ),
        ("/api/v1/organisations?q=berre%20l%20etang", "commune-13014"),
        (
            "/api/v1/organisations?q=Berre-l%27%C3%89tang",
            "commune-13014",
        ),
        (
            "/api/v1/organisations?q=saint%20martin%20de%20crau",
            "commune-13097",
        ),
        ("/api/v1/organisations?q=St-Martin-de-Crau", "commune-13097"),
        ("/api/v1/organisations?q=oeuf%20en%20ter", "commune-62633"),
        (
            "/api/v1/organisations?q=istres&kind=commune",
            "commune-13047",
        ),
        ("/api/v1/organisations?q=13047", "commune-13047"),
        (
            "/api/v1/organisations?q=bouches%20du%20rhone&kind=departement",
            "departement-13",
        ),
    ];
    for (uri, expected) in cases {
        let response = app.get(uri).await;
        assert_eq!(response.status, StatusCode::OK, "{uri}: {}", response.text);
        assert_eq!(first(&response.body), expected, "{uri}: {}", response.text);
    }
    let limited = app.get("/api/v1/organisations?limit=100000").await;
    assert_eq!(limited.body["items"].as_array().map(Vec::len), Some(100));
    assert!(limited.body["total"].as_i64().unwrap_or_default() > 36_000);
    let paris = app
        .get("/api/v1/organisations?q=paris&kind=commune&limit=1")
        .await;
    assert_eq!(
        first(&paris.body),
        "commune-75056",
        "the largest homonym comes first"
    );

    // A municipal arrondissement and a merged commune's old code resolve to the current one.
    let marseille = app.get("/api/v1/organisations/commune-13201").await;
    assert_eq!(marseille.body["id"], "commune-13055");
    let epci =
        app.get("/api/v1/organisations/commune-13047").await.body["memberships"][0]["id"].clone();
    let epci = app
        .get(&format!(
            "/api/v1/organisations/{}",
            epci.as_str().expect("epci id")
        ))
        .await;
    assert_eq!(epci.body["kind"], "epci");
    assert!(epci.body["members_count"].as_i64().unwrap_or_default() > 50);
    assert_eq!(
        app.get("/api/v1/organisations/commune-00000").await.status,
        StatusCode::NOT_FOUND
    );
}

/// Only a project's maintainers (and moderators) edit it.
async fn only_maintainers_edit_a_project(engine: Engine) {
    let app = TestApp::new(engine).await;
    let maintainer = app.user_token("julien@agglo.fr", "Julien").await;
    let other = app.user_token("claire@mairie.fr", "Claire").await;
    register_openelec(&app, &maintainer).await;
    let edit = json!({"summary": "Listes électorales et cartes d'électeur", "categories": ["elections", "etat-civil"]});

    let refused = app
        .request(
            "PATCH",
            "/api/v1/projects/openelec",
            Some(&other),
            Some(edit.clone()),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(
        app.get("/api/v1/projects/openelec").await.body["summary"],
        "Gestion des listes électorales"
    );

    let accepted = app
        .request(
            "PATCH",
            "/api/v1/projects/openelec",
            Some(&maintainer),
            Some(edit),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
    assert_eq!(
        accepted.body["summary"],
        "Listes électorales et cartes d'électeur"
    );
    assert_eq!(
        accepted.body["categories"],
        json!(["elections", "etat-civil"])
    );
    assert_eq!(accepted.body["name"], "openElec");

    let missing = app
        .request(
            "PATCH",
            "/api/v1/projects/nope",
            Some(&maintainer),
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let refresh = app
        .request(
            "POST",
            "/api/v1/projects/openelec/refresh",
            Some(&other),
            None,
        )
        .await;
    assert_eq!(refresh.status, StatusCode::ACCEPTED, "{}", refresh.text);
}

/// The value of a metric's line that starts with `series` (name and labels).
fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {series} in:\n{text}"))
}

/// What an operator watches: requests' latency by route, the job queue's age, the search
/// index's lag behind the database, the pool; each request's id comes back in its response.
async fn operations_metrics(app: &TestApp) {
    let aged = app
        .db
        .execute(
            "UPDATE jobs SET run_after = $1 WHERE state = 'queued'",
            &[common::Bind::Time(
                chrono::Utc::now() - chrono::Duration::seconds(120),
            )],
        )
        .await;
    assert_eq!(aged, 1);
    let text = app.get("/metrics").await.text;
    assert!(metric(&text, "civiforge_jobs_oldest_due_seconds") >= 120.0);
    assert_eq!(metric(&text, "civiforge_jobs_running"), 0.0);
    let route = "{method=\"POST\",route=\"/api/v1/projects\"}";
    assert_eq!(
        metric(
            &text,
            &format!("civiforge_http_request_duration_seconds_count{route}")
        ),
        1.0
    );
    assert_eq!(
        metric(
            &text,
            "civiforge_http_request_duration_seconds_bucket{method=\"POST\",route=\"/api/v1/projects\",le=\"+Inf\"}"
        ),
        1.0
    );
    assert!(
        metric(&text, "civiforge_search_lag_changes") >= 1.0,
        "the registration is not indexed yet"
    );
    assert!(metric(&text, "civiforge_database_connections_max") >= 1.0);
    assert!(metric(&text, "civiforge_database_connections{state=\"idle\"}") >= 0.0);
    assert!(text.contains("# TYPE civiforge_fetch_duration_seconds histogram"));
    app.sync_search().await;
    let text = app.get("/metrics").await.text;
    assert_eq!(metric(&text, "civiforge_search_lag_changes"), 0.0);

    let answer = app.get("/healthz").await;
    let id = answer.headers["x-request-id"].to_str().expect("id");
    assert!(
        id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    for (given, kept) in [("nginx-42.a_b", true), ("pas bien", false)] {
        let request = axum::http::Request::builder()
            .uri("/healthz")
            .header("x-request-id", given)
            .body(axum::body::Body::empty())
            .expect("request");
        let answer = app.send(request).await;
        let back = answer.headers["x-request-id"]
            .to_str()
            .expect("id")
            .to_string();
        assert_eq!(back == given, kept, "{given} -> {back}");
    }
}

/// The OpenAPI document as a generated client reads it: each `{name}` of a path is a path
/// parameter, every other parameter is in the query, and each operation has its own id.
fn assert_openapi_is_consistent(document: &Value) {
    let mut problems = Vec::new();
    let mut ids = std::collections::BTreeMap::new();
    for (path, operations) in document["paths"].as_object().expect("paths") {
        let templated: Vec<&str> = path
            .split('/')
            .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        for (method, operation) in operations.as_object().expect("operations") {
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let declared = |place: &str| -> Vec<String> {
                parameters
                    .iter()
                    .filter(|p| p["in"] == place)
                    .filter_map(|p| p["name"].as_str().map(str::to_string))
                    .collect()
            };
            let in_path = declared("path");
            for name in &templated {
                if !in_path.iter().any(|n| n == name) {
                    problems.push(format!("{method} {path}: no path parameter {name}"));
                }
            }
            for name in &in_path {
                if !templated.contains(&name.as_str()) {
                    problems.push(format!("{method} {path}: {name} is not in the path"));
                }
            }
            if let Some(id) = operation["operationId"].as_str() {
                ids.entry(id.to_string())
                    .or_insert_with(Vec::new)
                    .push(format!("{method} {path}"));
            }
        }
    }
    for (id, operations) in ids {
        if operations.len() > 1 {
            problems.push(format!("operationId {id} on {operations:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Health, metrics, OpenAPI and reference lists.
async fn service_routes_describe_the_instance(engine: Engine) {
    let app = TestApp::new(engine).await;
    let health = app.get("/healthz").await;
    assert_eq!(
        (health.status, health.body.clone()),
        (StatusCode::OK, json!({"status": "ok"}))
    );

    let token = app.user_token("julien@agglo.fr", "Julien").await;
    register_openelec(&app, &token).await;
    let metrics = app.get("/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics.text.contains("civiforge_projects 1\n"),
        "{}",
        metrics.text
    );
    assert!(
        metrics.text.contains("civiforge_jobs_queued 1\n"),
        "{}",
        metrics.text
    );
    assert!(
        metrics
            .text
            .contains("# TYPE civiforge_organisations gauge")
    );
    operations_metrics(&app).await;

    let openapi = app.get("/api/v1/openapi.json").await;
    assert_eq!(openapi.status, StatusCode::OK);
    assert_openapi_is_consistent(&openapi.body);
    assert!(
        openapi.body["openapi"]
            .as_str()
            .unwrap_or_default()
            .starts_with("3.")
    );
    for path in [
        "/api/v1/projects",
        "/api/v1/projects/{slug}",
        "/api/v1/adoptions",
        "/api/v1/organisations",
        "/healthz",
    ] {
        assert!(
            openapi.body["paths"].get(path).is_some(),
            "missing {path} in OpenAPI"
        );
    }
    // Values stored as JSON columns and closed vocabularies are described, not `object`.
    let schemas = &openapi.body["components"]["schemas"];
    for (schema, property) in [
        ("Health", "commits_last_12_months"),
        ("PubliccodeValidation", "errors"),
        ("PubliccodeDiagnostic", "line"),
    ] {
        assert!(
            schemas[schema]["properties"].get(property).is_some(),
            "{schema}.{property} undescribed: {}",
            schemas[schema]
        );
    }
    let verification = schemas["Verification"].to_string();
    for value in ["unverified", "agent", "moderator"] {
        assert!(verification.contains(value), "{verification}");
    }
    let categories = app.get("/api/v1/categories").await;
    assert!(
        categories
            .body
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["label"] == "État civil"))
    );
}

on_both_engines!(
    register_declare_and_read_back,
    redeclaring_updates_and_keeps_history,
    bad_inputs_get_clear_errors_and_change_nothing,
    organisation_search_forgives_accents_hyphens_and_apostrophes,
    only_maintainers_edit_a_project,
    service_routes_describe_the_instance,
);

/// Replaces values that legitimately differ between runs (times) so that transcripts compare.
fn normalise(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if key.ends_with("_at") && item.is_string() {
                    *item = json!("<time>");
                } else {
                    normalise(item);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalise),
        _ => {}
    }
}

/// A fixed script of calls; its transcript must be identical on both engines.
async fn transcript(engine: Engine) -> Vec<(String, u16, Value)> {
    let app = TestApp::new(engine).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    let calls: Vec<(&str, &str, Option<Value>)> = vec![
        (
            "POST",
            "/api/v1/projects",
            Some(
                json!({"repository_url": OPENELEC, "summary": "Listes électorales", "categories": ["elections"]}),
            ),
        ),
        (
            "POST",
            "/api/v1/projects",
            Some(
                json!({"repository_url": "https://github.com/IMIO/Products.PloneMeeting", "name": "iA.Delib", "categories": ["deliberations"]}),
            ),
        ),
        (
            "POST",
            "/api/v1/projects",
            Some(json!({"repository_url": OPENELEC})),
        ),
        (
            "POST",
            "/api/v1/adoptions",
            Some(
                json!({"project": "openelec", "organisation": "commune-13047", "version": "2.03", "since": "2007-06-11"}),
            ),
        ),
        (
            "POST",
            "/api/v1/adoptions",
            Some(
                json!({"project": "ia-delib", "organisation": "commune-13201", "status": "evaluating"}),
            ),
        ),
        (
            "POST",
            "/api/v1/adoptions",
            Some(json!({"project": "openelec", "organisation": "epci-000000000"})),
        ),
        ("GET", "/api/v1/projects", None),
        ("GET", "/api/v1/projects?limit=1&offset=1", None),
        ("GET", "/api/v1/projects/openelec", None),
        ("GET", "/api/v1/projects/openelec/versions", None),
        ("GET", "/api/v1/projects/ia-delib/adoptions", None),
        (
            "GET",
            "/api/v1/organisations?q=mars&departement=13&limit=5",
            None,
        ),
        ("GET", "/api/v1/organisations?kind=region&limit=30", None),
        ("GET", "/api/v1/organisations/commune-13055", None),
        (
            "PATCH",
            "/api/v1/projects/openelec",
            Some(json!({"name": "openElec"})),
        ),
    ];
    let mut out = Vec::new();
    for (method, uri, body) in calls {
        let response = app.request(method, uri, Some(&token), body).await;
        let mut body = response.body;
        normalise(&mut body);
        out.push((format!("{method} {uri}"), response.status.as_u16(), body));
    }
    out
}

#[tokio::test]
async fn the_same_calls_answer_the_same_on_both_engines() {
    let sqlite = transcript(Engine::Sqlite).await;
    let postgres = transcript(Engine::Postgres).await;
    for (a, b) in sqlite.iter().zip(&postgres) {
        assert_eq!(a, b, "SQLite and PostgreSQL differ on {}", a.0);
    }
    assert_eq!(sqlite.len(), postgres.len());
    // The transcript is not trivially equal: it holds real answers.
    assert_eq!(sqlite[0].1, 201);
    assert_eq!(sqlite[2].1, 409);
    assert_eq!(sqlite[5].1, 422);
    assert_eq!(sqlite[13].2["name"], "Marseille");
}

/// A valid file of the reference parser's fixtures (the standard's own examples name videos
/// at a placeholder address, which the parser refuses as the reference does).
const STANDARD_EXAMPLE: &str =
    include_str!("../../indexer/tests/data/publiccode/parser-fixtures/v0/valid/valid.yml");
const OTHER_EXAMPLE: &str = include_str!(
    "../../indexer/tests/data/publiccode/parser-fixtures/v0/valid/categories_missing.yml"
);

async fn validated(app: &TestApp, body: Vec<u8>) -> common::TestResponse {
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/publiccode/validate")
        .header("content-type", "application/yaml")
        .body(axum::body::Body::from(body))
        .expect("request");
    app.send(request).await
}

/// `POST /api/v1/publiccode/validate` judges a file as the indexer does: the standard's own
/// examples are valid; a broken one gets each error at its line and key; what is not a
/// publiccode.yml at all (JSON, UTF-16, an alias bomb, 10 MB) gets a clear answer, and
/// nothing is written.
#[tokio::test]
async fn publiccode_files_are_checked_line_by_line() {
    let app = TestApp::new(Engine::Sqlite).await;
    for example in [STANDARD_EXAMPLE, OTHER_EXAMPLE] {
        let answer = validated(&app, example.as_bytes().to_vec()).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        assert_eq!(answer.body["valid"], true, "{}", answer.text);
    }
    let broken =
        STANDARD_EXAMPLE.replacen("license: AGPL-3.0-or-later", "license: licence-maison", 1);
    assert_ne!(broken, STANDARD_EXAMPLE, "the example names its licence");
    let answer = validated(&app, broken.into_bytes()).await;
    assert_eq!(answer.body["valid"], false, "{}", answer.text);
    let error = &answer.body["errors"][0];
    assert_eq!(error["key"], "legal.license", "{}", answer.text);
    assert!(error["line"].as_u64().unwrap_or(0) > 1, "{}", answer.text);

    let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(
        "publiccodeYmlVersion: \"0.4\"\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    for (body, what) in [
        (b"{\"publiccodeYmlVersion\": 3}".to_vec(), "JSON"),
        (utf16, "UTF-16"),
        (bomb.as_bytes().to_vec(), "alias bomb"),
        (vec![b'#'; 1_500_000], "1.5 MB"),
    ] {
        let answer = validated(&app, body).await;
        assert_eq!(answer.status, StatusCode::OK, "{what}: {}", answer.text);
        assert_eq!(answer.body["valid"], false, "{what}: {}", answer.text);
        let message = answer.body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(!message.is_empty(), "{what}: {}", answer.text);
    }
    let huge = validated(&app, vec![b'a'; 10 * 1024 * 1024]).await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(huge.error_code(), "payload_too_large", "{}", huge.text);
    assert!(
        huge.text.contains("publiccode.yml fait au plus 1024 Kio"),
        "{}",
        huge.text
    );
    let projects = app.get("/api/v1/projects").await;
    assert_eq!(projects.body["total"], 0, "nothing written");

    // The page, without JavaScript: paste, submit, read the verdict.
    let mut browser = common::browser::Browser::default();
    let page = browser.get(&app, "/publiccode/valider").await;
    assert_eq!(page.status, StatusCode::OK);
    common::html::Page::parse(&page.text).assert_form_token("/publiccode/valider", &browser.csrf());
    let checked = browser
        .submit(&app, "/publiccode/valider", &[("contenu", OTHER_EXAMPLE)])
        .await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.text);
    let html = common::html::Page::parse(&checked.text);
    assert!(
        html.text("#titre-verdict")
            .starts_with("Le fichier est valide"),
        "{}",
        html.text("#titre-verdict")
    );
    let broken = OTHER_EXAMPLE.replacen("publiccodeYmlVersion", "publiccodeVersion", 1);
    let checked = browser
        .submit(&app, "/publiccode/valider", &[("contenu", &broken)])
        .await;
    let html = common::html::Page::parse(&checked.text);
    assert!(
        html.text("#titre-verdict").contains("erreur"),
        "{}",
        checked.text
    );
    assert!(html.has("ul.diagnostics li.error"));
    assert!(
        html.text("textarea#champ-contenu")
            .starts_with("publiccodeVersion"),
        "what was pasted stays"
    );
}
