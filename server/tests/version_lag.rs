//! Version lag (issue #11): a project's adopters grouped by the version they run and how far
//! each is behind the latest release, and each organisation's « mises à jour disponibles »,
//! from a real git repository whose new tag moves everyone one release further behind.

mod common;
#[path = "../../indexer/tests/support/mod.rs"]
mod git_support;

use axum::http::StatusCode;
use civiforge_indexer::RepositoryUrlPolicy;
use common::html::Page;
use common::{Engine, TestApp, entry_titles, feed, index_now};
use git_support::TestRepo;
use serde_json::{Value, json};

const LOCAL: RepositoryUrlPolicy = RepositoryUrlPolicy {
    allow_local: true,
    allow_private_networks: false,
};

/// 1 January of a year, in seconds since the epoch.
fn new_year(year: i32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(year, 1, 15)
        .expect("date")
        .and_hms_opt(12, 0, 0)
        .expect("time")
        .and_utc()
        .timestamp()
}

/// (version, adopters, releases behind, months behind) of each row.
fn rows(lag: &Value) -> Vec<(Value, i64, Value, Value)> {
    lag["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| {
            (
                v["version"].clone(),
                v["adopters"].as_i64().expect("adopters"),
                v["releases_behind"].clone(),
                v["months_behind"].clone(),
            )
        })
        .collect()
}

async fn adopters_see_how_far_behind_they_are(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    let mut repo = TestRepo::new();
    for (year, tag) in [(2022, "v1.0"), (2023, "v1.1"), (2024, "v2.0")] {
        repo.at(new_year(year));
        repo.write("VERSION", tag);
        repo.commit(&format!("Version {tag}"));
        repo.tag(tag);
    }
    let registered = app
        .post(
            "/api/v1/projects",
            &token,
            json!({"repository_url": repo.url(), "name": "openElec", "slug": "openelec"}),
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.text
    );
    index_now(&app, "openelec").await;

    for (organisation, version) in [
        ("commune-13047", Some("1.0")),  // Istres, without the tag's `v`
        ("commune-13039", Some("v1.1")), // Fos-sur-Mer
        ("commune-13004", Some("v2.0")), // Arles
        ("commune-13063", Some("0.9")),  // Miramas: no such tag
        ("commune-13056", None),         // Martigues did not say
        ("commune-13041", Some("v1.0")), // Gardanne
    ] {
        let mut body = json!({"project": "openelec", "organisation": organisation});
        if let Some(version) = version {
            body["version"] = json!(version);
        }
        let declared = app.post("/api/v1/adoptions", &token, body).await;
        assert_eq!(declared.status, StatusCode::CREATED, "{}", declared.text);
    }

    // `1.0` names the tag `v1.0`: it is a known version, not « inconnue du dépôt ».
    let istres = app.get("/api/v1/organisations/commune-13047").await;
    assert_eq!(
        istres.body["adoptions"][0]["version_known"], true,
        "{}",
        istres.text
    );
    assert_eq!(istres.body["adoptions"][0]["versions_behind"], 2);
    let miramas = app.get("/api/v1/organisations/commune-13063").await;
    assert_eq!(miramas.body["adoptions"][0]["version_known"], false);
    assert_eq!(miramas.body["adoptions"][0]["versions_behind"], Value::Null);
    let adopters = app.get("/api/v1/projects/openelec/adoptions").await;
    let behind: Vec<(String, Value)> = adopters.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| {
            (
                a["organisation"].as_str().expect("id").to_string(),
                a["versions_behind"].clone(),
            )
        })
        .collect();
    assert!(
        behind.contains(&("commune-13004".to_string(), json!(0))),
        "{behind:?}"
    );
    assert!(
        behind.contains(&("commune-13039".to_string(), json!(1))),
        "{behind:?}"
    );
    assert!(
        behind.contains(&("commune-13056".to_string(), Value::Null)),
        "{behind:?}"
    );

    let lag = app.get("/api/v1/projects/openelec/version-lag").await;
    assert_eq!(lag.status, StatusCode::OK, "{}", lag.text);
    assert_eq!(lag.body["latest"]["name"], "v2.0");
    assert_eq!(
        rows(&lag.body),
        [
            (json!("v2.0"), 1, json!(0), json!(0)),
            (json!("v1.1"), 1, json!(1), json!(12)),
            (json!("v1.0"), 2, json!(2), json!(24)),
            (json!("0.9"), 1, Value::Null, Value::Null),
            (Value::Null, 1, Value::Null, Value::Null),
        ]
    );
    assert_eq!(lag.body["adopters_behind"], 3);

    let istres = app.get("/api/v1/organisations/commune-13047/updates").await;
    assert_eq!(istres.status, StatusCode::OK, "{}", istres.text);
    assert_eq!(istres.body["total"], 1);
    let update = &istres.body["items"][0];
    assert_eq!(update["project"], "openelec");
    assert_eq!(update["version"], "1.0");
    assert_eq!(update["latest"], "v2.0");
    assert_eq!(update["releases_behind"], 2);
    assert_eq!(update["months_behind"], 24);
    let arles = app.get("/api/v1/organisations/commune-13004/updates").await;
    assert_eq!(arles.body["total"], 0, "Arles runs the latest release");

    // The pages say the same.
    let page = Page::parse(&app.get("/projets/openelec").await.text);
    let lag_rows = page.texts("section[aria-labelledby=titre-versions] tbody tr");
    assert!(
        lag_rows
            .iter()
            .any(|r| r.contains("v1.0") && r.contains("2 versions de retard (24 mois)")),
        "{lag_rows:?}"
    );
    assert!(
        lag_rows
            .iter()
            .any(|r| r.contains("v2.0") && r.contains("à jour")),
        "{lag_rows:?}"
    );
    let istres_page = Page::parse(&app.get("/organisations/commune-13047").await.text);
    let updates = istres_page.texts("ul.updates li");
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert!(
        updates[0].contains("v2.0 publiée (2 versions de retard (24 mois))"),
        "{updates:?}"
    );

    // A new release moves everyone one further behind, Arles included.
    repo.at(new_year(2025));
    repo.write("VERSION", "v2.1");
    repo.commit("Version v2.1");
    repo.tag("v2.1");
    index_now(&app, "openelec").await;
    let lag = app.get("/api/v1/projects/openelec/version-lag").await;
    assert_eq!(lag.body["latest"]["name"], "v2.1");
    assert_eq!(rows(&lag.body)[0], (json!("v2.0"), 1, json!(1), json!(12)));
    assert_eq!(lag.body["adopters_behind"], 4);
    let arles = app.get("/api/v1/organisations/commune-13004/updates").await;
    assert_eq!(arles.body["items"][0]["latest"], "v2.1", "{}", arles.text);

    // Feed readers follow the releases: the project's, and those of what Istres uses.
    let releases = feed(&app, "/feeds/projects/openelec.atom").await;
    assert_eq!(releases.title.as_str(), "Nouvelles versions de openElec");
    assert_eq!(
        entry_titles(&releases),
        [
            "openElec v2.1",
            "openElec v2.0",
            "openElec v1.1",
            "openElec v1.0"
        ]
    );
    assert!(
        releases.entries[0].id.starts_with("http"),
        "ids are absolute IRIs"
    );
    let used = feed(&app, "/feeds/organisations/commune-13047.atom").await;
    assert_eq!(used.entries.len(), 4);
    assert_eq!(used.entries[0].title.as_str(), "openElec v2.1");
    let quiet = feed(&app, "/feeds/organisations/commune-13055.atom").await;
    assert!(quiet.entries.is_empty(), "Marseille declared nothing");
    let page = Page::parse(&app.get("/projets/openelec").await.text);
    assert_eq!(
        page.attr("link[rel=alternate][type='application/atom+xml']", "href"),
        "/feeds/projects/openelec.atom"
    );
    let page = Page::parse(&app.get("/organisations/commune-13047").await.text);
    assert_eq!(
        page.attr("link[rel=alternate][type='application/atom+xml']", "href"),
        "/feeds/organisations/commune-13047.atom"
    );

    for missing in [
        "/api/v1/projects/inconnu/version-lag",
        "/api/v1/organisations/commune-99999/updates",
        "/feeds/projects/inconnu.atom",
        "/feeds/organisations/commune-99999.atom",
    ] {
        assert_eq!(
            app.get(missing).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}

on_both_engines!(adopters_see_how_far_behind_they_are);
