//! Working groups (issue #11), from the minutes of the 2007 meeting of the IT directors of
//! Bouches-du-Rhône towns: every town resolved from its name as the minutes write it, the
//! companies created as organisations, the groups loaded through the API by the lead's
//! verified agents, and their pages, versions in use, actions and feeds. Then every bad
//! input of the issue, each refused with nothing written.

mod common;
#[path = "../../indexer/tests/support/mod.rs"]
mod git_support;

use std::collections::BTreeMap;

use axum::http::StatusCode;
use civiforge_indexer::RepositoryUrlPolicy;
use common::browser::Browser;
use common::html::Page;
use common::{
    Engine, TestApp, assert_has_row, assert_refused, entry_titles, feed, index_now, verified_agent,
};
use git_support::TestRepo;
use serde_json::{Value, json};

const LOCAL: RepositoryUrlPolicy = RepositoryUrlPolicy {
    allow_local: true,
    allow_private_networks: false,
};

/// The towns as the minutes name them, and the commune each must resolve to.
const TOWNS: &[(&str, &str)] = &[
    ("Istres", "Istres"),
    ("Fos", "Fos-sur-Mer"),
    ("Miramas", "Miramas"),
    ("Arles", "Arles"),
    ("Martigues", "Martigues"),
    ("Gardanne", "Gardanne"),
    ("Vitrolles", "Vitrolles"),
    ("St Martin de Crau", "Saint-Martin-de-Crau"),
    ("Chateauneuf les Martigues", "Châteauneuf-les-Martigues"),
    ("berre", "Berre-l'Étang"),
];

/// Finds a commune of the Bouches-du-Rhône by its name as written, as a user would.
async fn commune(app: &TestApp, written: &str) -> (String, String) {
    let q: String = url::form_urlencoded::byte_serialize(written.as_bytes()).collect();
    let found = app
        .get(&format!(
            "/api/v1/organisations?q={q}&kind=commune&departement=13&limit=1"
        ))
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    let first = &found.body["items"][0];
    (
        first["id"].as_str().expect("a commune").to_string(),
        first["name"].as_str().expect("name").to_string(),
    )
}

/// Registers a project of a category from a fresh local repository tagged `tags`, indexed
/// at once.
async fn project(
    app: &TestApp,
    token: &str,
    (name, slug, category): (&str, &str, &str),
    tags: &[&str],
) -> TestRepo {
    let mut repo = TestRepo::new();
    for tag in tags {
        repo.write("VERSION", tag);
        repo.commit(&format!("Version {tag}"));
        repo.tag(tag);
    }
    let registered = app
        .post(
            "/api/v1/projects",
            token,
            json!({"repository_url": repo.url(), "name": name, "slug": slug, "categories": [category]}),
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.text
    );
    index_now(app, slug).await;
    repo
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| v.as_str().expect("text").to_string())
        .collect()
}

async fn the_2007_groups_meet_on_civiforge(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let moderator = app.moderator_token("moderation@civiforge.fr").await;

    let mut town = BTreeMap::new();
    for (written, name) in TOWNS {
        let (id, found) = commune(&app, written).await;
        assert_eq!(found, *name, "« {written} » must find {name}");
        town.insert(*written, id);
    }

    // The companies of the minutes, created as organisations of their own kind.
    let mut company = BTreeMap::new();
    for name in ["Atreal", "Libreair", "Générale d'Infographie"] {
        let created = app
            .post(
                "/api/v1/organisations",
                &moderator,
                json!({"name": name, "kind": "company", "departement": "13"}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        company.insert(name, created.body["id"].as_str().expect("id").to_string());
    }
    assert_eq!(company["Atreal"], "org-atreal");
    assert_eq!(
        company["Générale d'Infographie"],
        "org-generale-d-infographie"
    );
    let atreal = app.get("/api/v1/organisations?q=atreal").await;
    assert_eq!(
        atreal.body["items"][0]["id"], "org-atreal",
        "{}",
        atreal.text
    );

    let elections = ("openElec", "openelec", "elections");
    let mut openelec = project(&app, &moderator, elections, &["2.01", "2.02"]).await;
    let resultats = ("openRésultat", "openresultat", "elections");
    project(&app, &moderator, resultats, &["1.4"]).await;
    project(
        &app,
        &moderator,
        ("OpenFoncier", "openfoncier", "urbanisme"),
        &["0.9"],
    )
    .await;

    let arles = verified_agent(&app, &moderator, "dsi@ville-arles.fr", &town["Arles"]).await;
    let istres = verified_agent(&app, &moderator, "dsi@istres.fr", &town["Istres"]).await;

    let group = app
        .post(
            "/api/v1/groups",
            &arles,
            json!({
                "name": "openElec",
                "theme": "Élections : listes électorales",
                "projects": ["openelec"],
                "lead": town["Arles"],
                "members": [town["Istres"], town["Fos"], town["Miramas"], town["Arles"]],
                "providers": [company["Atreal"], company["Libreair"]],
                "status": "active",
                "actions": [{
                    "text": "Version 2.03 en septembre, intégrant les modifications de Fos et d'Istres",
                    "target_version": "2.03",
                    "due": "2007-09-30"
                }]
            }),
        )
        .await;
    assert_eq!(group.status, StatusCode::CREATED, "{}", group.text);
    assert_eq!(group.body["slug"], "openelec");
    assert_eq!(group.body["lead"], town["Arles"].as_str());
    assert_eq!(
        strings(&group.body["members"]),
        [
            town["Arles"].clone(),
            town["Istres"].clone(),
            town["Fos"].clone(),
            town["Miramas"].clone()
        ],
        "the lead first, then the members as listed"
    );
    assert_eq!(
        strings(&group.body["providers"]),
        ["org-atreal", "org-libreair"]
    );
    assert_eq!(group.body["actions"][0]["state"], "planned");
    assert_eq!(group.body["actions"][0]["due"], "2007-09-30");

    let resultat = app
        .post(
            "/api/v1/groups",
            &arles,
            json!({
                "name": "openRésultat",
                "theme": "Élections : résultats",
                "projects": ["openresultat"],
                "lead": town["Arles"],
                "members": [town["Martigues"], town["Fos"], town["Arles"], town["Istres"], town["Gardanne"]],
                "providers": [company["Atreal"]],
                "status": "active",
                "actions": [{"text": "Version 1.5 : listes municipales", "target_version": "1.5"}]
            }),
        )
        .await;
    assert_eq!(resultat.status, StatusCode::CREATED, "{}", resultat.text);
    assert_eq!(resultat.body["slug"], "openresultat");
    // No lead is named in the minutes for OpenFoncier: a moderator records Vitrolles.
    let foncier = app
        .post(
            "/api/v1/groups",
            &moderator,
            json!({
                "name": "OpenFoncier",
                "theme": "Urbanisme : droit des sols",
                "projects": ["openfoncier"],
                "lead": town["Vitrolles"],
                "members": [town["Vitrolles"], town["Arles"], town["St Martin de Crau"], town["Chateauneuf les Martigues"]],
                "providers": [company["Libreair"], company["Générale d'Infographie"]],
                "status": "active",
                "actions": [{"text": "Permis de construire en service", "due": "2007-10-01"}]
            }),
        )
        .await;
    assert_eq!(foncier.status, StatusCode::CREATED, "{}", foncier.text);
    // A proposed group, with the town that offers to start it.
    let deliberations = app
        .post(
            "/api/v1/groups",
            &istres,
            json!({"name": "Délibérations", "theme": "Délibérations et actes", "lead": town["Istres"], "members": [town["Istres"]]}),
        )
        .await;
    assert_eq!(
        deliberations.status,
        StatusCode::CREATED,
        "{}",
        deliberations.text
    );
    assert_eq!(deliberations.body["status"], "proposed");
    assert_eq!(deliberations.body["slug"], "deliberations");

    // Arles takes part in three groups; Istres's agent does not manage Arles's group.
    let of_arles = app
        .get(&format!("/api/v1/groups?organisation={}", town["Arles"]))
        .await;
    assert_eq!(of_arles.body["total"], 3, "{}", of_arles.text);
    let all = app.get("/api/v1/groups").await;
    assert_eq!(all.body["total"], 4);
    let refused = app
        .request(
            "PATCH",
            "/api/v1/groups/openelec",
            Some(&istres),
            Some(json!({"status": "closed"})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);

    // Members declare their versions; the group shows each member's.
    for (who, token, version) in [("Arles", &arles, "2.02"), ("Istres", &istres, "2.01")] {
        let declared = app
            .post(
                "/api/v1/adoptions",
                token,
                json!({"project": "openelec", "organisation": town[who], "version": version}),
            )
            .await;
        assert_eq!(declared.status, StatusCode::CREATED, "{}", declared.text);
    }
    let in_use = app.get("/api/v1/groups/openelec/adoptions").await;
    let versions: BTreeMap<String, String> = in_use.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| {
            (
                a["organisation"].as_str().expect("id").to_string(),
                a["version"].as_str().expect("version").to_string(),
            )
        })
        .collect();
    assert_eq!(versions[&town["Arles"]], "2.02");
    assert_eq!(versions[&town["Istres"]], "2.01");

    // Version 2.03 is tagged: the group's action is done, and every member is further behind.
    openelec.write("VERSION", "2.03");
    openelec.commit("Version 2.03");
    openelec.tag("2.03");
    index_now(&app, "openelec").await;
    let adopters = app.get("/api/v1/projects/openelec/adoptions").await;
    let behind: BTreeMap<String, i64> = adopters.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| {
            (
                a["organisation"].as_str().expect("id").to_string(),
                a["versions_behind"].as_i64().expect("known version"),
            )
        })
        .collect();
    assert_eq!(behind[&town["Arles"]], 1);
    assert_eq!(behind[&town["Istres"]], 2);
    let action = group.body["actions"][0]["id"].as_i64().expect("action id");
    let done = app
        .request(
            "PATCH",
            &format!("/api/v1/groups/openelec/actions/{action}"),
            Some(&arles),
            Some(json!({"state": "done"})),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(done.body["actions"][0]["state"], "done");
    // An edit that leaves the actions out keeps them; Gardanne joins as an observer.
    let edited = app
        .request(
            "PATCH",
            "/api/v1/groups/openelec",
            Some(&arles),
            Some(json!({"observers": [town["Gardanne"]]})),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    assert_eq!(
        strings(&edited.body["observers"]),
        [town["Gardanne"].clone()]
    );
    assert_eq!(edited.body["actions"][0]["id"], action, "{}", edited.text);
    assert_eq!(edited.body["members"].as_array().expect("members").len(), 4);

    // The group page: members, each member's version, the actions, the feed.
    let page = app.get("/groupes/openelec").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let html = Page::parse(&page.text);
    assert_eq!(html.text("h1"), "Groupe de travail openElec");
    let members = html.rows("table.members");
    assert_has_row(&members, &["Arles", "Commune", "pilote"]);
    assert_has_row(&members, &["Atreal", "Entreprise", "prestataire"]);
    assert_has_row(&members, &["Gardanne", "Commune", "observateur"]);
    let in_service = html.rows("table.versions-in-use");
    assert_has_row(&in_service, &["Istres", "2.01", "2 versions de retard"]);
    assert_has_row(&in_service, &["Miramas", "pas d'usage déclaré", "—"]);
    let actions = html.rows("table.group-actions");
    assert_eq!(
        actions[0][0],
        "Version 2.03 en septembre, intégrant les modifications de Fos et d'Istres"
    );
    assert_eq!(actions[0][2], "30 septembre 2007");
    assert_eq!(actions[0][3], "faite", "visitors read the state");
    assert_eq!(
        html.attr("link[rel=alternate][type='application/atom+xml']", "href"),
        "/feeds/groups/openelec.atom"
    );
    let list = Page::parse(&app.get("/groupes").await.text);
    assert_eq!(list.rows("table").len(), 4);
    let arles_page = Page::parse(
        &app.get(&format!("/organisations/{}", town["Arles"]))
            .await
            .text,
    );
    assert_eq!(arles_page.all("ul.groups li").len(), 3);

    let actions_feed = feed(&app, "/feeds/groups/openelec.atom").await;
    assert_eq!(
        actions_feed.title.as_str(),
        "Actions du groupe de travail openElec"
    );
    assert_eq!(
        entry_titles(&actions_feed),
        ["Version 2.03 en septembre, intégrant les modifications de Fos et d'Istres"]
    );
    let summary = actions_feed.entries[0].summary.as_ref().expect("summary");
    assert!(summary.as_str().contains("faite"), "{}", summary.as_str());
    let in_elections = feed(&app, "/feeds/categories/elections.atom").await;
    let titles = entry_titles(&in_elections);
    assert_eq!(titles[0], "openElec 2.03", "{titles:?}");
    assert!(
        titles.contains(&"openRésultat 1.4".to_string()),
        "{titles:?}"
    );
    assert!(
        !titles.iter().any(|t| t.starts_with("OpenFoncier")),
        "{titles:?}"
    );
    assert_eq!(
        app.get("/feeds/categories/jeux.atom").await.status,
        StatusCode::NOT_FOUND
    );
    let category = Page::parse(&app.get("/categories/elections").await.text);
    assert_eq!(
        category.attr("link[rel=alternate][type='application/atom+xml']", "href"),
        "/feeds/categories/elections.atom"
    );
    let home = Page::parse(&app.get("/").await.text);
    assert_eq!(
        home.attr("link[rel=alternate][type='application/atom+xml']", "href"),
        "/feeds/projects.atom"
    );
    let new_projects = feed(&app, "/feeds/projects.atom").await;
    assert_eq!(
        entry_titles(&new_projects),
        ["OpenFoncier", "openRésultat", "openElec"]
    );

    // The lead's agent adds an action from the page; a bad date is shown beside its field.
    let mut browser = Browser::default();
    let password = "mot-de-passe-long";
    browser.sign_in(&app, "dsi@ville-arles.fr", password).await;
    let form = browser.get(&app, "/groupes/openelec").await;
    let form = Page::parse(&form.text);
    form.assert_form_token("/groupes/openelec/actions", &browser.csrf());
    let bad = browser
        .submit(
            &app,
            "/groupes/openelec/actions",
            &[("text", "Version 2.04"), ("due", "10000-01-01")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    Page::parse(&bad.text).assert_field_error("due", "entre 1970 et 2100");
    let added = browser
        .submit(
            &app,
            "/groupes/openelec/actions",
            &[
                ("text", "Version 2.04"),
                ("target_version", "2.04"),
                ("due", "2008-03-31"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    let now = app.get("/api/v1/groups/openelec").await;
    assert_eq!(now.body["actions"][1]["text"], "Version 2.04");
    let visitor = Page::parse(&app.get("/groupes/openelec").await.text);
    assert!(
        visitor.forms("/groupes/openelec/actions").is_empty(),
        "no form for visitors"
    );

    gardanne_is_told_what_its_peers_use(&app, &town["Gardanne"]).await;
    the_group_and_the_departement_have_their_dashboards(&app).await;
    bad_inputs_are_refused_with_nothing_written(&app, &moderator, &arles, &town).await;
}

/// Gardanne (Métropole d'Aix-Marseille-Provence, about 21,000 inhabitants, in two of the
/// groups) is offered openElec, which Istres and Arles run, with every reason.
async fn gardanne_is_told_what_its_peers_use(app: &TestApp, gardanne: &str) {
    let answer = app
        .get(&format!("/api/v1/organisations/{gardanne}/suggestions"))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let first = &answer.body["items"][0];
    assert_eq!(first["slug"], "openelec", "{}", answer.text);
    let reasons: Vec<(String, String)> = first["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| {
            (
                r["circle"].as_str().expect("circle").to_string(),
                r["label"].as_str().expect("label").to_string(),
            )
        })
        .collect();
    let expected = [
        ("epci", "utilisé par 1 commune de votre EPCI"),
        ("group", "utilisé par 2 membres de vos groupes de travail"),
        ("departement", "utilisé par 2 organisations du département"),
        (
            "population",
            "utilisé par 1 commune de 20 000 à 49 999 habitants",
        ),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(c, l)| (c.to_string(), l.to_string()))
        .collect();
    assert_eq!(reasons, expected);
    assert_eq!(first["reason"], "utilisé par 1 commune de votre EPCI");
    let page = Page::parse(&app.get(&format!("/organisations/{gardanne}")).await.text);
    let card = page.text(".card");
    assert!(card.contains("openElec"), "{card}");
    assert!(
        card.contains("2 membres de vos groupes de travail"),
        "{card}"
    );
}

/// The openElec group's dashboard (its five organisations, providers aside, and their two
/// adoptions) and the Bouches-du-Rhône's, reached from the catalogue's form.
async fn the_group_and_the_departement_have_their_dashboards(app: &TestApp) {
    let group = Page::parse(&app.get("/tableaux-de-bord/groups/openelec").await.text);
    assert_eq!(
        group.text("h1"),
        "Tableau de bord : groupe de travail openElec"
    );
    // Its members work in the three active groups of the minutes.
    assert_eq!(group.texts("dl.dashboard-facts dd"), ["5", "2", "3"]);
    let lag = group.rows("table.dashboard-lag");
    assert_has_row(&lag, &["une version de retard", "1"]);
    assert_has_row(&lag, &["deux versions ou plus", "1"]);
    let chosen = app.get("/tableaux-de-bord?departement=13").await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER);
    assert_eq!(
        chosen.headers["location"],
        "/tableaux-de-bord/departements/13"
    );
    let departement = Page::parse(&app.get("/tableaux-de-bord/departements/13").await.text);
    assert_eq!(
        departement.text("h1"),
        "Tableau de bord : Bouches-du-Rhône (13)"
    );
    assert_eq!(departement.texts("dl.dashboard-facts dd")[1..], ["2", "3"]);
    let csv = app.get("/tableaux-de-bord/groups/openelec.csv").await;
    assert!(csv.text.contains("groupes_actifs,,3"), "{}", csv.text);
}

/// Every bad input of the issue: a clear error, and the groups as they were.
async fn bad_inputs_are_refused_with_nothing_written(
    app: &TestApp,
    moderator: &str,
    arles: &str,
    town: &BTreeMap<&str, String>,
) {
    let before = app.get("/api/v1/groups").await.text;
    let group = |changes: Value| {
        let mut body = json!({
            "name": "Courrier",
            "theme": "Courrier",
            "lead": town["Arles"],
            "members": [town["Arles"]],
        });
        for (key, value) in changes.as_object().expect("object") {
            body[key] = value.clone();
        }
        body
    };
    let cases = [
        (
            group(json!({"members": [town["Arles"], town["Istres"], town["Istres"]]})),
            "validation_failed",
            "figure deux fois",
        ),
        (
            group(json!({"members": [town["Istres"]]})),
            "validation_failed",
            "doit figurer parmi les membres",
        ),
        (
            group(json!({"actions": [{"text": "Un jour", "due": "10000-01-01"}]})),
            "validation_failed",
            "entre 1970 et 2100",
        ),
        (
            group(json!({"members": [town["Arles"], "commune-92094"]})),
            "unknown_organisation",
            "commune-be-92094",
        ),
        (
            group(json!({"projects": ["openelec"], "status": "paused"})),
            "invalid_body",
            "paused",
        ),
    ];
    for (body, code, message) in cases {
        assert_refused(app, "/api/v1/groups", arles, &body, code, message).await;
    }
    // A name whose slug another group has.
    let slug_taken = app
        .post("/api/v1/groups", arles, group(json!({"name": "openElec"})))
        .await;
    assert_eq!(
        slug_taken.status,
        StatusCode::CONFLICT,
        "{}",
        slug_taken.text
    );

    // A hidden project cannot join a group.
    let hidden = app
        .post(
            "/api/v1/projects/openfoncier/visibility",
            moderator,
            json!({"hidden": true}),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::OK, "{}", hidden.text);
    let with_hidden = app
        .post(
            "/api/v1/groups",
            arles,
            group(json!({"projects": ["openfoncier"]})),
        )
        .await;
    assert_eq!(
        with_hidden.error_code(),
        "unknown_project",
        "{}",
        with_hidden.text
    );
    // The group that had it no longer shows it.
    let foncier = app.get("/api/v1/groups/openfoncier").await;
    assert_eq!(foncier.body["projects"], json!([]), "{}", foncier.text);
    app.post(
        "/api/v1/projects/openfoncier/visibility",
        moderator,
        json!({"hidden": false}),
    )
    .await;

    // A bad edit changes nothing either.
    let edit = app
        .request(
            "PATCH",
            "/api/v1/groups/openelec",
            Some(arles),
            Some(json!({"lead": town["Gardanne"]})),
        )
        .await;
    assert_eq!(edit.error_code(), "validation_failed", "{}", edit.text);
    assert_eq!(app.get("/api/v1/groups").await.text, before);
    let missing = app.get("/api/v1/groups/nulle-part").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/groupes/nulle-part").await.status,
        StatusCode::NOT_FOUND
    );
}

on_both_engines!(the_2007_groups_meet_on_civiforge);
