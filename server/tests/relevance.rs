//! Relevance (issue #15): what a commune's agent types, and whether the software she meant
//! comes first. A realistic French catalogue (`data/relevance/catalogue.json`: 36 projects,
//! most registered from their repository alone, a README and nothing else) and what agents
//! type (`data/relevance/queries.json`: word families, plurals and missing accents, typos in
//! README words, function words, names, acronyms), each with the projects that must come in
//! the first three. The search API is asked as a user would; precision at 1 and 3 must stay
//! above their floors (reported in `docs/benchmarks.md`). The index does not depend on the
//! database engine: SQLite alone.

mod common;

use chrono::Utc;
use civiforge::model::{AuditAction, NewProject};
use civiforge::store::ImportedProject;
use common::{Engine, TestApp};
use serde::Deserialize;

/// Precision at 1: the first result is one of the expected projects.
const FLOOR_AT_1: f64 = 0.88;
/// Precision at 3: the share of the first three results that are expected, out of as many
/// as are expected (at most three).
const FLOOR_AT_3: f64 = 0.94;

#[derive(Deserialize)]
struct Project {
    slug: String,
    name: String,
    summary: Option<String>,
    categories: Vec<String>,
    readme: String,
}

#[derive(Deserialize)]
struct Need {
    query: String,
    expected: Vec<String>,
    why: String,
}

async fn catalogue(app: &TestApp) {
    let projects: Vec<Project> =
        serde_json::from_str(include_str!("data/relevance/catalogue.json")).expect("catalogue");
    let policy = civiforge_indexer::RepositoryUrlPolicy::default();
    let now = Utc::now();
    let imported: Vec<ImportedProject> = projects
        .into_iter()
        .map(|p| {
            let url = format!("https://forge.example.org/communes/{}.git", p.slug);
            ImportedProject {
                project: NewProject::new(
                    p.slug,
                    p.name,
                    p.summary.unwrap_or_default(),
                    &policy.check(&url).expect("url"),
                    p.categories,
                ),
                license: Some("AGPL-3.0-or-later".into()),
                // As the indexer renders it, near enough: paragraphs of escaped text.
                readme_html: Some(format!(
                    "<p>{}</p>",
                    p.readme
                        .replace('&', "&amp;")
                        .replace('<', "&lt;")
                        .replace('>', "&gt;")
                        .replace("\n\n", "</p><p>")
                )),
                readme_text: Some(p.readme),
                publiccode_json: None,
                health_json: None,
                versions: Vec::new(),
                created_at: now,
                updated_at: now,
                indexed_at: Some(now),
            }
        })
        .collect();
    let audit = civiforge::domain::Actor::command_line(None).audit(
        AuditAction::ProjectImport,
        "relevance",
        None,
    );
    app.store
        .import_projects(&imported, &audit)
        .await
        .expect("import");
    app.sync_search().await;
}

/// The slugs of the first three results for what was typed, through the API.
async fn first_three(app: &TestApp, query: &str) -> Vec<String> {
    let encoded: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
    let answer = app
        .get(&format!("/api/v1/search?q={encoded}&limit=3"))
        .await;
    answer.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|hit| hit["slug"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn agents_find_the_software_they_mean() {
    let app = TestApp::new(Engine::Sqlite).await;
    catalogue(&app).await;
    let needs: Vec<Need> =
        serde_json::from_str(include_str!("data/relevance/queries.json")).expect("queries");
    assert!(needs.len() >= 60, "at least 60 queries");
    let (mut at_1, mut at_3) = (0.0, 0.0);
    let mut misses = Vec::new();
    for need in &needs {
        let found = first_three(&app, &need.query).await;
        let first = found.first().is_some_and(|s| need.expected.contains(s));
        let relevant = found.iter().filter(|s| need.expected.contains(s)).count();
        at_1 += f64::from(u8::from(first));
        at_3 += relevant as f64 / need.expected.len().min(3) as f64;
        if !first || relevant < need.expected.len().min(3) {
            misses.push(format!(
                "{:?} ({}): expected {:?}, found {found:?}",
                need.query, need.why, need.expected
            ));
        }
    }
    // The three failures the issue names, each on its own.
    for (query, expected) in [
        ("élections", "registre"),
        ("deliberaton", "seance"),
        ("prêt de livres pour la bibliothèque", "pagine"),
    ] {
        let needed = needs.iter().find(|n| n.query == query).expect(query);
        assert!(needed.expected.iter().any(|e| e == expected), "{query}");
        let slugs = first_three(&app, query).await;
        assert!(
            slugs.iter().any(|s| s == expected),
            "{query}: {expected} in {slugs:?}"
        );
        assert!(
            !slugs.iter().any(|s| s == "temps-de-travail"),
            "{query}: {slugs:?}"
        );
    }
    // Registered with a README alone, the electoral roll is filed under its domain, as a
    // suggestion shown on its page.
    let filtered = app.get("/api/v1/search?category=elections&limit=50").await;
    let filed: Vec<&str> = filtered.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|hit| hit["slug"].as_str())
        .collect();
    assert!(filed.contains(&"registre"), "{filed:?}");
    let page = common::html::Page::parse(&app.get("/projets/registre").await.text);
    let domain = page.text(".facts");
    assert!(
        domain.contains("Élections (suggéré d'après le README"),
        "{domain}"
    );
    let count = needs.len() as f64;
    let (at_1, at_3) = (at_1 / count, at_3 / count);
    // Printed for docs/benchmarks.md (run with --nocapture).
    println!(
        "relevance: {} queries, precision at 1 {at_1:.3}, at 3 {at_3:.3}\n{}",
        needs.len(),
        misses.join("\n")
    );
    assert!(
        at_1 >= FLOOR_AT_1 && at_3 >= FLOOR_AT_3,
        "precision at 1 {at_1:.3} (floor {FLOOR_AT_1}), at 3 {at_3:.3} (floor {FLOOR_AT_3}):\n{}",
        misses.join("\n")
    );
}
