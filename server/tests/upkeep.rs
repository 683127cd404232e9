//! Repository URLs stored before canonicalisation (issue #16): at start-up they are
//! rewritten in the spelling registration stores today, so that the uniqueness check sees
//! them; projects that turn out to share a repository are reported, not merged blindly.

mod common;

use axum::http::StatusCode;
use civiforge::domain::upkeep::canonicalise_stored_repositories;
use common::{Bind, Engine, TestApp};

const FORGE: &str = "https://forge.example.org/communs";

async fn stored_spellings_are_made_canonical(engine: Engine) {
    let app = TestApp::new(engine).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    for (slug, path) in [
        ("openelec", "openelec.git"),
        ("openresultat", "openresultat.git"),
        ("opencourrier", "opencourrier"),
        ("opencourrier-bis", "opencourrier-bis.git"),
    ] {
        let body = serde_json::json!({"repository_url": format!("{FORGE}/{path}"), "slug": slug});
        let answer = app.post("/api/v1/projects", &token, body).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    }
    // What an older civiforge stored, as typed.
    for (slug, old) in [
        ("openelec", format!("{FORGE}/openelec.git/")),
        (
            "openresultat",
            "https://forge.example.org:443/communs//openresultat.git?tab=readme#top".to_string(),
        ),
        // The same repository as opencourrier's (`/x` and `/x.git`): two projects for one.
        ("opencourrier-bis", format!("{FORGE}/opencourrier.git/")),
    ] {
        let changed = app
            .db
            .execute(
                "UPDATE projects SET repository_url = $1 WHERE slug = $2",
                &[Bind::Text(old), Bind::Text(slug.to_string())],
            )
            .await;
        assert_eq!(changed, 1);
    }

    let report = canonicalise_stored_repositories(app.store.as_ref())
        .await
        .expect("upkeep");
    let rewritten: Vec<(&str, &str)> = report
        .rewritten
        .iter()
        .map(|(slug, _, to)| (slug.as_str(), to.as_str()))
        .collect();
    let openelec = format!("{FORGE}/openelec.git");
    let openresultat = format!("{FORGE}/openresultat.git");
    assert_eq!(
        rewritten,
        [
            ("openelec", openelec.as_str()),
            ("openresultat", openresultat.as_str())
        ]
    );
    assert_eq!(report.duplicates.len(), 1, "{:?}", report.duplicates);
    assert!(
        report.duplicates[0].contains("« opencourrier »")
            && report.duplicates[0].contains("« opencourrier-bis »"),
        "{:?}",
        report.duplicates
    );
    let stored = |slug: &'static str| {
        let app = &app;
        async move {
            let project = app.get(&format!("/api/v1/projects/{slug}")).await;
            project.body["repository_url"]
                .as_str()
                .expect("url")
                .to_string()
        }
    };
    assert_eq!(stored("openelec").await, openelec);
    assert_eq!(stored("openresultat").await, openresultat);
    assert_eq!(
        stored("opencourrier-bis").await,
        format!("{FORGE}/opencourrier.git/"),
        "a duplicate is left for a moderator to merge"
    );

    // The old spelling now meets the uniqueness check, naming the project that has it.
    let again = serde_json::json!({
        "repository_url": format!("{FORGE}/openelec.git/"),
        "slug": "openelec-2"
    });
    let answer = app.post("/api/v1/projects", &token, again).await;
    assert_eq!(answer.status, StatusCode::CONFLICT, "{}", answer.text);
    assert!(answer.text.contains("« openelec »"), "{}", answer.text);

    let audit = app
        .store
        .audit_log(civiforge::model::Window {
            limit: 100,
            offset: 0,
        })
        .await
        .expect("audit");
    let entries: Vec<_> = audit
        .items
        .iter()
        .filter(|e| e.action == civiforge::model::AuditAction::ProjectRepositoryCanonical)
        .map(|e| e.target.clone())
        .collect();
    assert_eq!(entries.len(), 2, "one audit entry per rewrite: {entries:?}");

    let second = canonicalise_stored_repositories(app.store.as_ref())
        .await
        .expect("upkeep again");
    assert!(second.rewritten.is_empty(), "a second run changes nothing");
    assert_eq!(second.duplicates, report.duplicates);
}

on_both_engines!(stored_spellings_are_made_canonical);
