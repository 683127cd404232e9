//! Full-text search on a small realistic catalogue, on both engines: relevance pinned on the
//! journeys users try first, typos, filters and facets, highlights, the change-log follower.

mod common;

use axum::http::StatusCode;
use common::html::Page;
use common::{Engine, TestApp};
use serde_json::{Value, json};

/// (slug, name, summary, categories)
const CATALOGUE: &[(&str, &str, &str, &[&str])] = &[
    (
        "openelec",
        "openElec",
        "Gestion des listes électorales : inscriptions, radiations, cartes d'électeur et commissions de contrôle.",
        &["elections"],
    ),
    (
        "openresultat",
        "openRésultat",
        "Saisie et publication des résultats des élections municipales, législatives et présidentielles.",
        &["elections"],
    ),
    (
        "ia-delib",
        "iA.Delib",
        "Préparation des séances du conseil, ordres du jour, délibérations et procès-verbaux.",
        &["deliberations"],
    ),
    (
        "webdelib",
        "webdelib",
        "Gestion des délibérations et des actes administratifs, envoi au contrôle de légalité.",
        &["deliberations"],
    ),
    (
        "opencimetiere",
        "openCimetière",
        "Gestion des cimetières, des concessions funéraires et des défunts.",
        &["cimetieres"],
    ),
    (
        "open-etat-civil",
        "openÉtatCivil",
        "Tenue des registres de l'état civil : naissances, mariages, décès, mentions.",
        &["etat-civil"],
    ),
    (
        "openads",
        "openADS",
        "Instruction des autorisations du droit des sols : permis de construire, déclarations préalables.",
        &["urbanisme"],
    ),
    (
        "opencourrier",
        "openCourrier",
        "Enregistrement et suivi du courrier entrant et sortant de la mairie.",
        &["courrier"],
    ),
    (
        "glpi",
        "GLPI",
        "Gestion du parc informatique et du support aux utilisateurs <script>alert(1)</script>.",
        &["infrastructure"],
    ),
    (
        "limesurvey",
        "LimeSurvey",
        "Questionnaires et enquêtes en ligne auprès des usagers.",
        &["relation-usagers"],
    ),
];

async fn catalogue(engine: Engine) -> (TestApp, String) {
    let app = TestApp::new(engine).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    for (slug, name, summary, categories) in CATALOGUE {
        let response = app
            .post(
                "/api/v1/projects",
                &token,
                json!({"repository_url": format!("https://forge.example.org/{slug}.git"), "slug": slug, "name": name, "summary": summary, "categories": categories}),
            )
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    }
    for (project, organisation) in [
        ("openelec", "commune-13047"),
        ("openelec", "commune-13039"),
        ("webdelib", "commune-69123"),
    ] {
        let response = app
            .post(
                "/api/v1/adoptions",
                &token,
                json!({"project": project, "organisation": organisation}),
            )
            .await;
        assert_eq!(response.status, StatusCode::CREATED);
    }
    app.sync_search().await;
    (app, token)
}

/// The slugs of a page of results; a page without its items is a failure, not an empty
/// list that would pass any "not in the results" check.
fn slugs(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {body}"))
        .iter()
        .map(|i| i["slug"].as_str().expect("slug").to_string())
        .collect()
}

async fn search(app: &TestApp, query: &str) -> Value {
    let response = app.get(&format!("/api/v1/search?{query}")).await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "{query}: {}",
        response.text
    );
    response.body
}

fn top(body: &Value, n: usize) -> Vec<String> {
    slugs(body).into_iter().take(n).collect()
}

async fn relevance_follows_what_agents_type(engine: Engine) {
    let (app, _) = catalogue(engine).await;
    let mut elections = top(&search(&app, "q=%C3%A9lection").await, 2);
    elections.sort();
    assert_eq!(elections, ["openelec", "openresultat"], "élection");
    let mut deliberations = top(&search(&app, "q=deliberation").await, 2);
    deliberations.sort();
    assert_eq!(deliberations, ["ia-delib", "webdelib"], "deliberation");
    assert_eq!(
        top(&search(&app, "q=etat%20civil").await, 1),
        ["open-etat-civil"],
        "etat civil"
    );
    assert_eq!(
        top(&search(&app, "q=l%27%C3%A9tat-civil").await, 1),
        ["open-etat-civil"],
        "l'état-civil"
    );
    assert_eq!(
        top(&search(&app, "q=cimetiere").await, 1),
        ["opencimetiere"],
        "cimetiere"
    );
    assert_eq!(
        top(&search(&app, "q=Cimeti%C3%A8res").await, 1),
        ["opencimetiere"],
        "Cimetières"
    );

    // Typos of five letters or more still find them, after any exact match.
    let mut typo = top(&search(&app, "q=deliberaton").await, 2);
    typo.sort();
    assert_eq!(typo, ["ia-delib", "webdelib"], "deliberaton");
    let mut typo = top(&search(&app, "q=electoin").await, 2);
    typo.sort();
    assert_eq!(typo, ["openelec", "openresultat"], "electoin");
    assert_eq!(search(&app, "q=zzzzzzzzzz").await["total"], 0);
    // French function words never match on their own, in any mode.
    assert_eq!(search(&app, "q=de%20la").await["total"], 0);
    assert_eq!(search(&app, "q=pour%20les%20des").await["total"], 0);

    // Phrases, exclusions, and the any-word fallback.
    assert_eq!(
        slugs(&search(&app, "q=%22listes%20%C3%A9lectorales%22").await),
        ["openelec"]
    );
    let excluded = search(&app, "q=gestion%20-cimeti%C3%A8res").await;
    assert!(slugs(&excluded).contains(&"openelec".to_string()));
    assert!(!slugs(&excluded).contains(&"opencimetiere".to_string()));
    let relaxed = search(&app, "q=%C3%A9lections%20xylophone").await;
    assert_eq!(relaxed["relaxed"], true);
    assert!(top(&relaxed, 2).contains(&"openelec".to_string()));
}

async fn filters_facets_highlights_and_pages(engine: Engine) {
    let (app, _) = catalogue(engine).await;
    let all = search(&app, "q=").await;
    assert_eq!(all["total"], 10, "an empty query lists the catalogue");
    assert_eq!(
        top(&all, 2),
        ["openelec", "webdelib"],
        "most adopted first: {all}"
    );
    let categories = &all["facets"]["category"];
    assert!(
        categories
            .as_array()
            .expect("facet")
            .contains(&json!({"value": "elections", "count": 2})),
        "{categories}"
    );
    assert!(
        all["facets"]["departement"]
            .as_array()
            .expect("facet")
            .contains(&json!({"value": "13", "count": 1}))
    );

    assert_eq!(search(&app, "category=elections").await["total"], 2);
    assert_eq!(slugs(&search(&app, "departement=69").await), ["webdelib"]);
    assert_eq!(search(&app, "has_adopters=oui").await["total"], 2);
    // The API and the page read their parameters alike: `true` is `oui`, `69 ` is `69`.
    for query in ["has_adopters=true", "has_adopters=oui&departement=69%20"] {
        let api = search(&app, query).await["total"].as_u64().expect("total");
        let page = app.get(&format!("/recherche?{query}")).await;
        assert_eq!(page.status, StatusCode::OK, "{query}");
        let count = Page::parse(&page.text).text("#titre-resultats");
        assert!(
            count.starts_with(&format!("{api} résultat")),
            "{query}: the page says « {count} », the API {api}"
        );
    }
    assert_eq!(search(&app, "has_adopters=true").await["total"], 2);
    let refused = app.get("/recherche?has_adopters=peut-etre").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused
            .text
            .contains("Le filtre « has_adopters » vaut oui ou non."),
        "{}",
        refused.text
    );
    assert_eq!(search(&app, "kind=commune&q=gestion").await["total"], 2);
    assert_eq!(
        search(&app, "q=gestion&category=cimetieres").await["total"],
        1
    );

    let hit = search(&app, "q=concessions").await;
    let highlight = hit["items"][0]["highlight"].as_str().expect("highlight");
    assert!(highlight.contains("<b>concessions</b>"), "{highlight}");
    let glpi = search(&app, "q=parc%20informatique").await;
    let highlight = glpi["items"][0]["highlight"].as_str().expect("highlight");
    assert!(!highlight.contains("<script"), "{highlight}");
    assert!(highlight.contains("&lt;script&gt;"), "{highlight}");

    // Pages follow one order, and the total is exact.
    let whole = slugs(&search(&app, "q=&limit=10").await);
    let mut paged = Vec::new();
    for offset in (0..10).step_by(3) {
        let page = search(&app, &format!("q=&limit=3&offset={offset}")).await;
        assert_eq!(page["total"], 10);
        paged.extend(slugs(&page));
    }
    assert_eq!(paged, whole);

    // Re-indexing a project moves its document to a new segment; equal scores still keep
    // their order (the older project first), so pages do not shuffle.
    app.store
        .update_project(
            "openads",
            civiforge::model::ProjectChanges {
                summary: Some(
                    "Instruction des permis de construire et déclarations préalables.".into(),
                ),
                ..Default::default()
            },
            &civiforge::domain::Actor::command_line(None).audit(
                civiforge::model::AuditAction::ProjectUpdate,
                "openads",
                None,
            ),
        )
        .await
        .expect("update");
    app.sync_search().await;
    assert_eq!(
        slugs(&search(&app, "q=&limit=10").await),
        whole,
        "ties keep their order"
    );
}

async fn hostile_queries_get_sane_answers(engine: Engine) {
    let (app, _) = catalogue(engine).await;
    for query in [
        "q=name%3Aopenelec",
        "q=%22unterminated",
        "q=(%5Bbrackets%7D",
        "q=a%20AND%20b%20OR%20-%20%2B%20*%20~2",
        "q=%FF%FE",
        "limit=100000",
        "q=-",
    ] {
        search(&app, query).await;
    }
    let long = "%C3%A9lection%20".repeat(1200);
    let body = search(&app, &format!("q={long}")).await;
    assert!(slugs(&body).contains(&"openelec".to_string()));
    assert!(
        search(&app, "limit=100000").await["items"]
            .as_array()
            .expect("items")
            .len()
            <= 100
    );
    let negative = app.get("/api/v1/search?offset=-1").await;
    assert_eq!(
        (negative.status, negative.error_code()),
        (StatusCode::BAD_REQUEST, "invalid_query")
    );
    let bad_flag = app.get("/api/v1/search?active=peut-etre").await;
    assert_eq!(bad_flag.status, StatusCode::BAD_REQUEST);
}

async fn suggestions_and_the_follower(engine: Engine) {
    let (app, token) = catalogue(engine).await;
    let suggest = app.get("/api/v1/search/suggest?q=open").await;
    let labels: Vec<&str> = suggest.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["label"].as_str().expect("label"))
        .collect();
    assert!(
        labels.contains(&"openElec") && labels.contains(&"openCimetière"),
        "{labels:?}"
    );
    assert_eq!(labels[0], "openElec", "most adopted first");
    let cime = app.get("/api/v1/search/suggest?q=cim").await;
    assert_eq!(
        cime.body["items"][0],
        json!({"label": "Cimetières", "category": "cimetieres"})
    );
    assert!(
        cime.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|i| i["slug"] == "opencimetiere")
    );
    assert_eq!(
        app.get("/api/v1/search/suggest?q=").await.body["items"],
        json!([])
    );
    // Letters folding leaves outside ASCII, and regex metacharacters, are plain text.
    for q in ["ж", "α", "中", "¼", "c%2B%2B", "(x", "a.b"] {
        let answer = app.get(&format!("/api/v1/search/suggest?q={q}")).await;
        assert_eq!(answer.status, StatusCode::OK, "{q}: {}", answer.text);
        assert!(answer.body["items"].is_array(), "{q}: {}", answer.text);
    }

    // Changes reach the index through the change log.
    let edit = app
        .request(
            "PATCH",
            "/api/v1/projects/limesurvey",
            Some(&token),
            Some(json!({"summary": "Sondages et consultations citoyennes."})),
        )
        .await;
    assert_eq!(edit.status, StatusCode::OK);
    assert_eq!(
        search(&app, "q=consultations").await["total"],
        0,
        "not yet followed"
    );
    app.sync_search().await;
    assert_eq!(
        slugs(&search(&app, "q=consultations").await),
        ["limesurvey"]
    );
    let adopted = app
        .post(
            "/api/v1/adoptions",
            &token,
            json!({"project": "limesurvey", "organisation": "commune-2A004"}),
        )
        .await;
    assert_eq!(adopted.status, StatusCode::CREATED);
    app.sync_search().await;
    assert_eq!(slugs(&search(&app, "departement=2A").await), ["limesurvey"]);
    assert_eq!(
        slugs(&search(&app, "q=ajaccio").await),
        ["limesurvey"],
        "adopters' names are searched"
    );

    // A rebuild from the database gives the same answers.
    app.search.rebuild().await.expect("rebuild");
    assert_eq!(
        slugs(&search(&app, "q=consultations").await),
        ["limesurvey"]
    );
    assert_eq!(search(&app, "q=").await["total"], 10);
    app.sync_search().await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text);
    assert_eq!(ready.body["search"], "ok");
}

on_both_engines!(
    relevance_follows_what_agents_type,
    filters_facets_highlights_and_pages,
    hostile_queries_get_sane_answers,
    suggestions_and_the_follower,
);

/// On PostgreSQL a transaction takes its change-log id when it writes and shows it when it
/// commits: a change can appear after a later one that the follower has already passed.
/// The follower still indexes it.
#[tokio::test]
async fn a_change_committed_after_a_later_one_still_reaches_the_index_on_postgres() {
    use sqlx::{Connection, Executor};
    let (app, token) = catalogue(Engine::Postgres).await;
    let limesurvey = app
        .store
        .project_ids(&["limesurvey".to_string()])
        .await
        .expect("ids")
        .first()
        .expect("limesurvey")
        .0;

    // A slow writer: its change takes an id now and commits later, as the store's own
    // transactions do (the row, then the change log, then COMMIT).
    let mut slow = sqlx::PgConnection::connect(&app.db.url)
        .await
        .expect("connect");
    slow.execute("BEGIN").await.expect("begin");
    sqlx::query("UPDATE projects SET summary = $1, updated_at = $2 WHERE id = $3")
        .bind("Sondages et référendums locaux.")
        .bind(chrono::Utc::now())
        .bind(limesurvey)
        .execute(&mut slow)
        .await
        .expect("update");
    let late_id: i64 = sqlx::query_scalar(
        "INSERT INTO change_log (entity, entity_id, at) VALUES ('project', $1, $2) RETURNING id",
    )
    .bind(limesurvey)
    .bind(chrono::Utc::now())
    .fetch_one(&mut slow)
    .await
    .expect("change log");

    // Meanwhile a later change commits, and the follower passes it.
    let edit = app
        .request(
            "PATCH",
            "/api/v1/projects/openelec",
            Some(&token),
            Some(json!({"summary": "Listes électorales et bureaux de vote itinérants."})),
        )
        .await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.text);
    assert!(
        app.store.last_change_id().await.expect("last change") > late_id,
        "the later change has the higher id"
    );
    app.sync_search().await;
    assert_eq!(slugs(&search(&app, "q=itinerants").await), ["openelec"]);
    assert_eq!(
        search(&app, "q=referendums").await["total"],
        0,
        "not committed yet"
    );

    slow.execute("COMMIT").await.expect("commit");
    app.sync_search().await;
    assert_eq!(
        slugs(&search(&app, "q=referendums").await),
        ["limesurvey"],
        "the late change is indexed"
    );
    // The index holds each project once.
    assert_eq!(search(&app, "q=").await["total"], 10);
}
