//! Service providers (issue #11): companies and public operators offer support, hosting,
//! training or development for a project in the départements (or Belgian provinces) they
//! cover, and a commune's agent finds who supports openCimetière in the Gironde — in the API
//! and on the pages. Every bad input is refused with nothing written.

mod common;

use axum::http::StatusCode;
use common::html::Page;
use common::{Engine, TestApp, assert_has_row, assert_refused, verified_agent};
use serde_json::{Value, json};

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["organisation_name"].as_str().expect("name").to_string())
        .collect()
}

async fn who_supports_opencimetiere_in_the_gironde(engine: Engine) {
    let app = TestApp::new(engine).await;
    let moderator = app.moderator_token("moderation@civiforge.fr").await;
    let maintainer = app
        .user_token("equipe@openmairie.org", "Équipe openMairie")
        .await;
    app.create(
        "/api/v1/projects",
        &maintainer,
        json!({"repository_url": "https://gitlab.adullact.net/openmairie/opencimetiere.git", "name": "openCimetière", "slug": "opencimetiere"}),
    )
    .await;
    for (name, kind) in [
        ("Atreal", "company"),
        ("Gironde Numérique", "opsn"),
        ("Formations Libres", "company"),
    ] {
        let created = app
            .post(
                "/api/v1/organisations",
                &moderator,
                json!({"name": name, "kind": kind}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    }
    let atreal = verified_agent(&app, &moderator, "contact@atreal.fr", "org-atreal").await;
    let gironde = verified_agent(
        &app,
        &moderator,
        "contact@girondenumerique.fr",
        "org-gironde-numerique",
    )
    .await;

    let offers = [
        (
            &atreal,
            json!({"organisation": "org-atreal", "services": ["support", "development"], "departements": ["13", "84"]}),
        ),
        (
            &gironde,
            json!({"organisation": "org-gironde-numerique", "services": ["hosting", "support"], "departements": ["33", "40", "province-be-50000"]}),
        ),
        // The maintainers list a provider that trains anywhere.
        (
            &maintainer,
            json!({"organisation": "org-formations-libres", "services": ["training"]}),
        ),
    ];
    for (token, offer) in offers {
        let declared = app
            .post(
                "/api/v1/projects/opencimetiere/providers",
                token,
                offer.clone(),
            )
            .await;
        assert_eq!(
            declared.status,
            StatusCode::CREATED,
            "{offer}: {}",
            declared.text
        );
    }
    let all = app.get("/api/v1/projects/opencimetiere/providers").await;
    assert_eq!(all.body["total"], 3, "{}", all.text);
    let gironde_offer = all.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["organisation"] == "org-gironde-numerique")
        .expect("offer")
        .clone();
    assert_eq!(gironde_offer["services"], json!(["hosting", "support"]));
    assert_eq!(
        gironde_offer["departements"],
        json!(["33", "40", "be-50000"])
    );

    // In the Gironde: its operator, and the one that trains anywhere; not Atreal.
    let in_gironde = app
        .get("/api/v1/projects/opencimetiere/providers?departement=33")
        .await;
    assert_eq!(
        names(&in_gironde.body),
        ["Formations Libres", "Gironde Numérique"],
        "{}",
        in_gironde.text
    );
    let hosting = app
        .get("/api/v1/providers?departement=33&service=hosting")
        .await;
    assert_eq!(names(&hosting.body), ["Gironde Numérique"]);
    let hainaut = app.get("/api/v1/providers?departement=be-50000").await;
    assert_eq!(
        names(&hainaut.body),
        ["Formations Libres", "Gironde Numérique"]
    );

    // A second offer replaces the first.
    let moved = app
        .post(
            "/api/v1/projects/opencimetiere/providers",
            &atreal,
            json!({"organisation": "org-atreal", "services": ["support"], "departements": ["33"]}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::CREATED, "{}", moved.text);
    let in_gironde = app
        .get("/api/v1/projects/opencimetiere/providers?departement=33")
        .await;
    assert_eq!(in_gironde.body["total"], 3);

    // The project page lists them; the providers' page answers the question.
    let page = Page::parse(&app.get("/projets/opencimetiere").await.text);
    let rows = page.rows("table.providers");
    assert_has_row(
        &rows,
        &[
            "Gironde Numérique",
            "hébergement, assistance",
            "Gironde (33), Landes (40), Province du Hainaut (be-50000)",
        ],
    );
    assert_has_row(&rows, &["Formations Libres", "formation", "partout"]);
    let provider_page = Page::parse(&app.get("/organisations/org-gironde-numerique").await.text);
    assert_has_row(
        &provider_page.rows("table.provides"),
        &[
            "openCimetière",
            "hébergement, assistance",
            "Gironde (33), Landes (40), Province du Hainaut (be-50000)",
        ],
    );
    let of_atreal = app.get("/api/v1/providers?organisation=org-atreal").await;
    assert_eq!(of_atreal.body["total"], 1, "{}", of_atreal.text);
    let search = app
        .get("/prestataires?projet=opencimetiere&departement=33&service=hosting")
        .await;
    assert_eq!(search.status, StatusCode::OK, "{}", search.text);
    let search = Page::parse(&search.text);
    let found = search.rows("table.providers");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0][0], "Gironde Numérique");
    assert_eq!(
        search.attr("#champ-departement option[selected]", "value"),
        "33"
    );

    // Bad inputs: a clear error each, and the offers as they were.
    let before = app
        .get("/api/v1/projects/opencimetiere/providers")
        .await
        .text;
    let cases = [
        (
            &gironde,
            json!({"organisation": "org-gironde-numerique", "services": ["hosting"], "departements": ["999"]}),
            "validation_failed",
            "999",
        ),
        (
            &gironde,
            json!({"organisation": "org-gironde-numerique", "services": ["hosting"], "departements": ["Gironde"]}),
            "validation_failed",
            "code de département",
        ),
        (
            &gironde,
            json!({"organisation": "org-gironde-numerique", "services": []}),
            "validation_failed",
            "au moins un service",
        ),
        (
            &gironde,
            json!({"organisation": "org-gironde-numerique", "services": ["cooking"]}),
            "invalid_body",
            "cooking",
        ),
        (
            &gironde,
            json!({"organisation": "org-inconnue", "services": ["support"]}),
            "unknown_organisation",
            "org-inconnue",
        ),
        (
            &gironde,
            json!({"organisation": "org-atreal", "services": ["support"]}),
            "forbidden",
            "Atreal",
        ),
    ];
    for (token, body, code, message) in cases {
        let uri = "/api/v1/projects/opencimetiere/providers";
        assert_refused(&app, uri, token, &body, code, message).await;
    }
    let unknown = app
        .post(
            "/api/v1/projects/inconnu/providers",
            &gironde,
            json!({"organisation": "org-gironde-numerique", "services": ["support"]}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
    assert_eq!(
        app.get("/api/v1/projects/inconnu/providers").await.status,
        StatusCode::NOT_FOUND
    );
    let bad_filter = app.get("/api/v1/providers?departement=../33").await;
    assert_eq!(
        bad_filter.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad_filter.text
    );
    let bad_page = app.get("/prestataires?departement=nulle-part").await;
    assert_eq!(bad_page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.get("/api/v1/projects/opencimetiere/providers")
            .await
            .text,
        before
    );
}

on_both_engines!(who_supports_opencimetiere_in_the_gironde);
