//! Pooling structures (issue #11): IMIO, the Walloon intercommunale, created by its agent,
//! verified by a moderator, with Namur, Liège, Charleroi, Mons, Seraing, La Louvière and the
//! CPAS of La Louvière as members, declares that they use iA.Delib — all at once, recorded
//! as declared by the structure — and its page shows what its members use. Every bad input
//! is refused with nothing written.

mod common;

use axum::http::StatusCode;
use common::html::Page;
use common::{Engine, TestApp, assert_refused, verified_agent, verify_claim};
use serde_json::{Value, json};

/// The Belgian organisation a user finds first under this name.
async fn belgian(app: &TestApp, name: &str, kind: &str) -> String {
    let q: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let found = app
        .get(&format!(
            "/api/v1/organisations?q={q}&country=BE&kind={kind}&limit=1"
        ))
        .await;
    found.body["items"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no {kind} {name}: {}", found.text))
        .to_string()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m["id"].as_str().expect("id").to_string())
        .collect()
}

async fn imio_declares_for_its_members(engine: Engine) {
    let app = TestApp::new(engine).await;
    let moderator = app.moderator_token("moderation@civiforge.be").await;

    // IMIO's agent creates it; the claim to act for it waits for a moderator.
    let imio_agent = app.user_token("agent@imio.be", "Agent IMIO").await;
    let created = app
        .post(
            "/api/v1/organisations",
            &imio_agent,
            json!({"name": "IMIO", "kind": "intercommunale", "country": "BE", "website": "https://www.imio.be"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["id"], "org-imio");
    assert_eq!(created.body["country"], "BE");
    assert_eq!(
        created.body["claim"]["status"], "pending",
        "{}",
        created.text
    );
    let again = app
        .post(
            "/api/v1/organisations",
            &imio_agent,
            json!({"name": "Imio", "kind": "intercommunale"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert_eq!(again.error_code(), "organisation_id_taken");

    let names = [
        "Namur",
        "Liège",
        "Charleroi",
        "Mons",
        "Seraing",
        "La Louvière",
    ];
    let mut members = Vec::new();
    for name in names {
        members.push(belgian(&app, name, "commune").await);
    }
    assert_eq!(members[0], "commune-be-92094");
    assert_eq!(members[5], "commune-be-58001");
    let cpas = belgian(&app, "CPAS de La Louvière", "cpas").await;
    assert_eq!(cpas, "cpas-be-58001");
    members.push(cpas.clone());

    // Before its claim is verified, the agent may not set the members.
    let early = app
        .request(
            "PUT",
            "/api/v1/organisations/org-imio/members",
            Some(&imio_agent),
            Some(json!({"members": members})),
        )
        .await;
    assert_eq!(early.status, StatusCode::FORBIDDEN, "{}", early.text);
    verify_claim(&app, &moderator, &created.body["claim"]).await;
    let set = app
        .request(
            "PUT",
            "/api/v1/organisations/org-imio/members",
            Some(&imio_agent),
            Some(json!({"members": members})),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    assert_eq!(set.body["total"], 7);
    let listed = app.get("/api/v1/organisations/org-imio/members").await;
    let mut expected = members.clone();
    expected.sort();
    let mut got = ids(&listed.body);
    got.sort();
    assert_eq!(got, expected);

    let delib = app
        .post(
            "/api/v1/projects",
            &imio_agent,
            json!({"repository_url": "https://github.com/IMIO/Products.PloneMeeting.git", "name": "iA.Delib", "slug": "ia-delib"}),
        )
        .await;
    assert_eq!(delib.status, StatusCode::CREATED, "{}", delib.text);

    // Namur's own agent declared first: the structure may not overwrite it.
    let namur = verified_agent(&app, &moderator, "informatique@ville.namur.be", &members[0]).await;
    let own = app
        .post(
            "/api/v1/adoptions",
            &namur,
            json!({"project": "ia-delib", "organisation": members[0], "version": "4.1"}),
        )
        .await;
    assert_eq!(own.status, StatusCode::CREATED, "{}", own.text);
    let held = app
        .post(
            "/api/v1/organisations/org-imio/adoptions",
            &imio_agent,
            json!({"project": "ia-delib", "version": "4.2", "members": members}),
        )
        .await;
    assert_eq!(held.error_code(), "declared_by_member", "{}", held.text);
    assert!(held.text.contains("commune-be-92094"), "{}", held.text);

    let declared = app
        .post(
            "/api/v1/organisations/org-imio/adoptions",
            &imio_agent,
            json!({"project": "ia-delib", "version": "4.2", "members": &members[1..]}),
        )
        .await;
    assert_eq!(declared.status, StatusCode::CREATED, "{}", declared.text);
    assert_eq!(declared.body["total"], 6);
    let adopters = app
        .get("/api/v1/projects/ia-delib/adoptions?limit=100")
        .await;
    assert_eq!(adopters.body["total"], 7, "{}", adopters.text);
    for adoption in adopters.body["items"].as_array().expect("items") {
        if adoption["organisation"] == "commune-be-92094" {
            assert_eq!(adoption["declared_by_organisation"], Value::Null);
            assert_eq!(adoption["verification"], "agent");
        } else {
            assert_eq!(
                adoption["declared_by_organisation"], "org-imio",
                "{adoption}"
            );
            assert_eq!(adoption["verification"], "structure");
            assert_eq!(adoption["version"], "4.2");
        }
    }
    // A declaration made by the structure is not overwritten by just anyone.
    let passer_by = app.user_token("quelqu.un@example.org", "Quelqu'un").await;
    let overwrite = app
        .post(
            "/api/v1/adoptions",
            &passer_by,
            json!({"project": "ia-delib", "organisation": cpas, "version": "1.0"}),
        )
        .await;
    assert_eq!(
        overwrite.status,
        StatusCode::FORBIDDEN,
        "{}",
        overwrite.text
    );

    // The structure's page: its members and what they use, by project and version.
    let page = app.get("/organisations/org-imio").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let html = Page::parse(&page.text);
    assert_eq!(html.all("ul.structure-members li").len(), 7);
    let usage = html.rows("table.member-usage");
    assert_eq!(usage.len(), 2, "{usage:?}");
    let v42 = usage.iter().find(|r| r[1] == "4.2").expect("4.2 row");
    assert_eq!(v42[0], "iA.Delib");
    assert_eq!(v42[3], "6");
    assert!(v42[2].contains("CPAS de La Louvière"), "{v42:?}");
    assert!(html.text("dl.facts").contains("Intercommunale"));

    imio_has_its_dashboard(&app).await;

    // Bad inputs: each a clear error, nothing written.
    let before = app
        .get("/api/v1/projects/ia-delib/adoptions?limit=100")
        .await
        .text;
    let brussels = belgian(&app, "Bruxelles", "commune").await;
    let cases = [
        (
            json!({"project": "ia-delib", "members": [members[1], brussels]}),
            "not_a_member",
            brussels.clone(),
        ),
        // Achun, in the Nièvre, typed for La Louvière.
        (
            json!({"project": "ia-delib", "members": [members[1], "commune-58001"]}),
            "not_a_member",
            "vouliez-vous dire commune-be-58001".to_string(),
        ),
        (
            json!({"project": "ia-delib", "members": [members[1], "commune-92094"]}),
            "unknown_organisation",
            "commune-be-92094".to_string(),
        ),
        (
            json!({"project": "ia-delib", "members": [members[1], members[1]]}),
            "validation_failed",
            "deux fois".to_string(),
        ),
        (
            json!({"project": "inconnu", "members": [members[1]]}),
            "unknown_project",
            "inconnu".to_string(),
        ),
        (
            json!({"project": "ia-delib", "members": []}),
            "validation_failed",
            "au moins un membre".to_string(),
        ),
    ];
    for (body, code, message) in cases {
        let uri = "/api/v1/organisations/org-imio/adoptions";
        assert_refused(&app, uri, &imio_agent, &body, code, &message).await;
    }
    let stranger = app
        .post(
            "/api/v1/organisations/org-imio/adoptions",
            &passer_by,
            json!({"project": "ia-delib", "members": [members[1]]}),
        )
        .await;
    assert_eq!(stranger.status, StatusCode::FORBIDDEN, "{}", stranger.text);
    // A commune is not a structure: it has no members to declare for.
    let not_structure = app
        .request(
            "PUT",
            "/api/v1/organisations/commune-be-92094/members",
            Some(&namur),
            Some(json!({"members": [members[1]]})),
        )
        .await;
    assert_eq!(
        not_structure.error_code(),
        "not_a_structure",
        "{}",
        not_structure.text
    );
    let itself = app
        .request(
            "PUT",
            "/api/v1/organisations/org-imio/members",
            Some(&imio_agent),
            Some(json!({"members": ["org-imio"]})),
        )
        .await;
    assert_eq!(itself.error_code(), "validation_failed", "{}", itself.text);
    let bad_kind = app
        .post(
            "/api/v1/organisations",
            &imio_agent,
            json!({"name": "Une commune", "kind": "commune"}),
        )
        .await;
    assert_eq!(
        bad_kind.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad_kind.text
    );
    assert_eq!(
        app.get("/api/v1/projects/ia-delib/adoptions?limit=100")
            .await
            .text,
        before
    );
    assert_eq!(
        app.get("/api/v1/organisations/org-imio/members").await.body["total"],
        7
    );
}

/// The structure's dashboard: its members' adoptions this year, as a page and as CSV.
async fn imio_has_its_dashboard(app: &TestApp) {
    let page = app.get("/tableaux-de-bord/organisations/org-imio").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let html = Page::parse(&page.text);
    assert_eq!(html.text("h1"), "Tableau de bord : IMIO");
    let facts = html.texts("dl.dashboard-facts dd");
    assert_eq!(
        facts,
        ["8", "7", "0"],
        "IMIO and its 7 members, their adoptions, no group"
    );
    let this_year = chrono::Utc::now().format("%Y").to_string();
    let years = html.rows("table.dashboard-years");
    assert_eq!(years.last().expect("this year")[0], this_year);
    assert_eq!(years.last().expect("this year")[1..], ["7", "7", "1"]);
    // iA.Delib is not indexed: no version is known.
    assert!(
        html.rows("table.dashboard-lag")
            .contains(&vec!["version inconnue".to_string(), "7".into()])
    );
    let svg = html.all("figure.chart svg[role=img]");
    assert_eq!(svg.len(), 3, "three charts, each an image with its figures");
    assert!(
        svg[0]
            .value()
            .attr("aria-label")
            .unwrap_or_default()
            .contains(&format!("{this_year} : 7")),
        "the figures are in the chart's text alternative"
    );

    let csv = app
        .get("/tableaux-de-bord/organisations/org-imio.csv")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        csv.headers["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains("attachment")
    );
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines[0], "indicateur,periode,valeur");
    assert!(lines.contains(&"organisations,,8"), "{lines:?}");
    assert!(
        lines.contains(&format!("nouvelles_adoptions,{this_year},7").as_str()),
        "{lines:?}"
    );
    assert!(
        lines.contains(&"retard_de_version,version inconnue,7"),
        "{lines:?}"
    );

    // Its yearly report, linked from the dashboard.
    let report_path = format!("/tableaux-de-bord/organisations/org-imio/{this_year}");
    assert_eq!(
        html.attr(&format!("a[href='{report_path}']"), "href"),
        report_path
    );
    let report = app.get(&report_path).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    let report = Page::parse(&report.text);
    assert_eq!(
        report.text("h1"),
        format!("Rapport d'activité {this_year} : IMIO")
    );
    assert_eq!(
        report.texts("dl.report-facts dd"),
        ["7", "7", "7", "1", "0"]
    );
    let declared = report.rows("table.report-adoptions");
    assert_eq!(declared.len(), 7);
    let namur = declared.iter().find(|r| r[0] == "Namur").expect("Namur");
    assert_eq!((namur[2].as_str(), namur[4].as_str()), ("4.1", "le membre"));
    let cpas = declared
        .iter()
        .find(|r| r[0] == "CPAS de La Louvière")
        .expect("CPAS");
    assert_eq!((cpas[2].as_str(), cpas[4].as_str()), ("4.2", "IMIO"));
    for missing in [
        format!("/tableaux-de-bord/organisations/commune-be-92094/{this_year}"),
        "/tableaux-de-bord/organisations/org-imio/10000".to_string(),
        "/tableaux-de-bord/groups/org-imio/2026".to_string(),
    ] {
        assert_eq!(
            app.get(&missing).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }

    let belgium = app.get("/tableaux-de-bord").await;
    assert_eq!(belgium.status, StatusCode::OK);
    let catalogue_csv = app.get("/tableaux-de-bord.csv").await;
    assert!(
        catalogue_csv.text.contains("adoptions,,7"),
        "{}",
        catalogue_csv.text
    );
    for missing in [
        "/tableaux-de-bord/organisations/org-nulle-part",
        "/tableaux-de-bord/planetes/mars",
        "/tableaux-de-bord/departements/999.csv",
        "/tableaux-de-bord/groups/aucun",
    ] {
        assert_eq!(
            app.get(missing).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}

on_both_engines!(imio_declares_for_its_members);
