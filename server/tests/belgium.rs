//! Belgian local authorities (issue #11): the 565 communes, their CPAS and the 10 provinces
//! are organisations from the first start, found by their French and Dutch names and
//! filtered by country; a Belgian code typed as a French id is told the id it may mean.

mod common;

use axum::http::StatusCode;
use common::html::Page;
use common::{Engine, TestApp};
use serde_json::{Value, json};

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|o| o["id"].as_str().expect("id").to_string())
        .collect()
}

async fn belgian_authorities_are_found(engine: Engine) {
    let app = TestApp::new(engine).await;

    // By the Dutch name, without accents or capitals.
    let namen = app.get("/api/v1/organisations?q=namen").await;
    assert_eq!(namen.status, StatusCode::OK, "{}", namen.text);
    let first = &namen.body["items"][0];
    assert_eq!(first["id"], "commune-be-92094", "{}", namen.text);
    assert_eq!(first["name"], "Namur");
    assert_eq!(first["name_nl"], "Namen");
    assert_eq!(first["country"], "BE");

    let louviere = app
        .get("/api/v1/organisations?q=la%20louviere&country=be")
        .await;
    let found = ids(&louviere.body);
    assert_eq!(found[0], "commune-be-58001", "{}", louviere.text);
    assert!(found.contains(&"cpas-be-58001".to_string()), "{found:?}");
    let cpas = app.get("/api/v1/organisations?q=CPAS%20La%20Louvi").await;
    assert_eq!(ids(&cpas.body), ["cpas-be-58001"], "{}", cpas.text);

    let liege = app.get("/api/v1/organisations?q=LIÈGE&country=BE").await;
    let found = ids(&liege.body);
    assert_eq!(found[0], "commune-be-62063", "{found:?}");
    assert!(
        found.contains(&"province-be-60000".to_string()),
        "{found:?}"
    );

    // The country filter keeps each side apart.
    let french = app.get("/api/v1/organisations?q=namur&country=FR").await;
    assert!(
        ids(&french.body).iter().all(|id| !id.contains("-be-")),
        "{}",
        french.text
    );
    let belgian_communes = app
        .get("/api/v1/organisations?kind=commune&country=BE&limit=1")
        .await;
    assert_eq!(belgian_communes.body["total"], 565);
    let wrong = app.get("/api/v1/organisations?q=namur&country=NL").await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.text
    );
    assert!(
        wrong.text.contains("FR (France) ou BE (Belgique)"),
        "{}",
        wrong.text
    );

    // Its province, and its CPAS as a body of its own.
    let namur = app.get("/api/v1/organisations/commune-be-92094").await;
    assert_eq!(namur.status, StatusCode::OK, "{}", namur.text);
    assert_eq!(namur.body["memberships"][0]["id"], "province-be-90000");
    assert_eq!(namur.body["members_count"], 0);
    let province = app.get("/api/v1/organisations/province-be-50000").await;
    assert_eq!(province.body["name"], "Province du Hainaut");
    assert_eq!(province.body["members_count"], 69);
    let cpas = app.get("/api/v1/organisations/cpas-be-58001").await;
    assert_eq!(cpas.body["name"], "CPAS de La Louvière");
    assert_eq!(cpas.body["memberships"][0]["id"], "commune-be-58001");

    let page = app.get("/organisations/commune-be-58001").await;
    assert_eq!(page.status, StatusCode::OK);
    let page = Page::parse(&page.text);
    let facts = page.texts("dl.facts div");
    assert!(facts.iter().any(|f| f.contains("Belgique")), "{facts:?}");
    assert!(
        facts.iter().any(|f| f.contains("Province du Hainaut")),
        "{facts:?}"
    );
    assert!(
        facts
            .iter()
            .any(|f| f.contains("Code INS (REFNIS)") && f.contains("58001")),
        "{facts:?}"
    );
}

/// `commune-92094` is no French commune: the refusal names `commune-be-92094`, and nothing
/// is written.
async fn a_belgian_code_typed_as_french_is_explained(engine: Engine) {
    let app = TestApp::new(engine).await;
    let token = app.user_token("agent@imio.be", "Agent").await;
    let project = app
        .post(
            "/api/v1/projects",
            &token,
            json!({"repository_url": "https://forge.example.org/imio/ia-delib.git", "slug": "ia-delib"}),
        )
        .await;
    assert_eq!(project.status, StatusCode::CREATED, "{}", project.text);
    let declared = app
        .post(
            "/api/v1/adoptions",
            &token,
            json!({"project": "ia-delib", "organisation": "commune-92094", "version": "4.2"}),
        )
        .await;
    assert_eq!(
        declared.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        declared.text
    );
    assert_eq!(declared.error_code(), "unknown_organisation");
    assert!(
        declared.text.contains("commune-be-92094"),
        "{}",
        declared.text
    );
    let adoptions = app.get("/api/v1/projects/ia-delib/adoptions").await;
    assert_eq!(adoptions.body["total"], 0, "{}", adoptions.text);

    let declared = app
        .post(
            "/api/v1/adoptions",
            &token,
            json!({"project": "ia-delib", "organisation": "commune-be-92094", "version": "4.2"}),
        )
        .await;
    assert_eq!(declared.status, StatusCode::CREATED, "{}", declared.text);
    assert_eq!(declared.body["organisation_name"], "Namur");
}

on_both_engines!(
    belgian_authorities_are_found,
    a_belgian_code_typed_as_french_is_explained
);
