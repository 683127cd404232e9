//! Acting for an organisation and moderating in the browser: an agent asks from the
//! organisation's page, a moderator decides on the moderation page, keeps the e-mail domains,
//! hides and shows projects, and reads and exports the audit log. Everyone else is refused
//! and changes nothing.

mod common;

use axum::http::{StatusCode, header};
use civiforge::domain::Actor;
use civiforge::model::AuditAction;
use common::browser::{Browser, location};
use common::create_user_with_roles;
use common::html::{Page, hidden as hidden_field, text_of};
use common::{Engine, TestApp};
use serde_json::{Value, json};

const PASSWORD: &str = "mot-de-passe-long";

async fn moderator(app: &TestApp) -> Browser {
    create_user_with_roles(
        &app.store,
        "moderation@civiforge.fr",
        "Modération",
        PASSWORD,
        false,
        true,
    )
    .await
    .expect("moderator");
    let mut browser = Browser::default();
    browser
        .sign_in(app, "moderation@civiforge.fr", PASSWORD)
        .await;
    browser
}

async fn claim_statuses(app: &TestApp) -> Vec<(String, String, String)> {
    app.store
        .claims(None, None)
        .await
        .expect("claims")
        .into_iter()
        .map(|c| (c.user, c.organisation, c.status.to_string()))
        .collect()
}

async fn agents_ask_and_moderators_decide(engine: Engine) {
    let app = TestApp::new(engine).await;
    app.user_token("agnes@exemple.fr", "Agnès").await;
    let mut agent = Browser::default();
    agent.sign_in(&app, "agnes@exemple.fr", PASSWORD).await;

    let page = Page::parse(&agent.get(&app, "/organisations/commune-13047").await.text);
    let ask = page.form("/organisations/commune-13047/demande");
    assert_eq!(text_of(ask), "Je travaille pour cette organisation");
    page.assert_form_token("/organisations/commune-13047/demande", &agent.csrf());
    let asked = agent
        .submit(&app, "/organisations/commune-13047/demande", &[])
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.text);
    assert_eq!(location(&asked), "/organisations/commune-13047#agir");
    let page = agent.get(&app, "/organisations/commune-13047").await;
    assert!(
        page.text
            .contains("en attente de vérification par un modérateur"),
        "{}",
        page.text
    );
    let account = agent.get(&app, "/compte").await;
    assert!(account.text.contains("Istres") && account.text.contains("en attente"));

    // Neither the agent nor a passer-by may moderate.
    let refused = agent.get(&app, "/moderation").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text.contains("Réservé aux modérateurs"));
    let claim_id = app.store.claims(None, None).await.expect("claims")[0].id;
    let decision_uri = format!("/moderation/demandes/{claim_id}");
    let self_approval = agent
        .submit(&app, &decision_uri, &[("decision", "verifier")])
        .await;
    assert_eq!(self_approval.status, StatusCode::FORBIDDEN);
    let anonymous = Browser::default().get(&app, "/moderation").await;
    assert_eq!(location(&anonymous), "/connexion?suivant=%2Fmoderation");
    assert_eq!(
        claim_statuses(&app).await,
        [(
            "agnes@exemple.fr".to_string(),
            "commune-13047".to_string(),
            "pending".to_string()
        )]
    );

    // The moderator sees the request and verifies it; a forged post does nothing.
    let mut moderator = moderator(&app).await;
    let queue = moderator.get(&app, "/moderation").await;
    assert_eq!(queue.status, StatusCode::OK);
    let html = Page::parse(&queue.text);
    let pending = html.rows("section[aria-labelledby=titre-demandes] table");
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending[0][..2], ["agnes@exemple.fr", "Istres"]);
    // Both buttons of the row post the decision on this claim, with the token.
    let decisions: Vec<(Option<String>, Option<String>)> = html
        .forms(&decision_uri)
        .into_iter()
        .map(|form| (hidden_field(form, "decision"), hidden_field(form, "csrf")))
        .collect();
    let csrf = Some(moderator.csrf());
    assert_eq!(
        decisions,
        [
            (Some("verifier".to_string()), csrf.clone()),
            (Some("refuser".to_string()), csrf)
        ]
    );
    let forged = moderator
        .post(&app, &decision_uri, &[("decision", "verifier")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(claim_statuses(&app).await[0].2, "pending");
    let verified = moderator
        .submit(&app, &decision_uri, &[("decision", "verifier")])
        .await;
    assert_eq!(location(&verified), "/moderation?fait=verifiee");
    let queue = moderator.get(&app, "/moderation?fait=verifiee").await;
    assert!(queue.text.contains("La demande est vérifiée pour un an."));
    assert!(queue.text.contains("Aucune demande en attente."));
    let page = agent.get(&app, "/organisations/commune-13047").await;
    assert!(page.text.contains("vérifiée jusqu"), "{}", page.text);
    let unknown = moderator
        .submit(
            &app,
            "/moderation/demandes/999999",
            &[("decision", "refuser")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // A verification about to lapse is offered for renewal, and renewed for a year.
    let agnes = app
        .store
        .user_by_email("agnes@exemple.fr")
        .await
        .expect("user")
        .expect("agnes");
    let lapsing = app
        .store
        .file_claim(
            agnes.id,
            "commune-13004",
            Some(chrono::Utc::now() + chrono::Duration::days(10)),
            &Actor::command_line(None).audit(AuditAction::ClaimFile, "commune-13004", None),
        )
        .await
        .expect("claim");
    let queue = Page::parse(&moderator.get(&app, "/moderation").await.text);
    let expiring = queue.rows("section[aria-labelledby=titre-expirent] table");
    assert_eq!(expiring.len(), 1, "{expiring:?}");
    assert_eq!(expiring[0][..2], ["agnes@exemple.fr", "Arles"]);
    assert!(
        expiring[0][3].starts_with("Renouveler pour un an"),
        "{expiring:?}"
    );
    queue.assert_form_token(
        &format!("/moderation/demandes/{}", lapsing.id),
        &moderator.csrf(),
    );
    let renewed = moderator
        .submit(
            &app,
            &format!("/moderation/demandes/{}", lapsing.id),
            &[("decision", "verifier")],
        )
        .await;
    assert_eq!(renewed.status, StatusCode::SEE_OTHER);
    let expires = app
        .store
        .claim(lapsing.id)
        .await
        .expect("claim")
        .expect("exists")
        .expires_at
        .expect("expiry");
    assert!(expires > chrono::Utc::now() + chrono::Duration::days(360));
    let queue = moderator.get(&app, "/moderation").await;
    assert!(
        queue
            .text
            .contains("Aucune vérification n'expire dans le mois.")
    );
}

async fn moderators_keep_domains_and_visibility(engine: Engine) {
    let app = TestApp::new(engine).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    let mut moderator = moderator(&app).await;

    // E-mail domains, kept from the organisation's page.
    let domains_form = "/organisations/commune-13039/domaines";
    let page = Page::parse(
        &moderator
            .get(&app, "/organisations/commune-13039")
            .await
            .text,
    );
    page.assert_form_token(domains_form, &moderator.csrf());
    assert!(
        page.text("label[for=champ-domaines]")
            .starts_with("Domaines de messagerie")
    );
    let bad = moderator
        .submit(
            &app,
            "/organisations/commune-13039/domaines",
            &[("domaines", "mairie-fos.fr pas@un.domaine")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The organisation's page again, the domains as typed, the reason beside the field.
    let refused = Page::parse(&bad.text);
    assert!(
        refused
            .text("#erreur-domaines")
            .contains("de la forme mairie-istres.fr"),
        "{}",
        bad.text
    );
    assert_eq!(
        refused.attr("#champ-domaines", "value"),
        "mairie-fos.fr pas@un.domaine"
    );
    assert_eq!(refused.attr("#champ-domaines", "aria-invalid"), "true");
    assert!(
        app.store
            .email_domains("commune-13039")
            .await
            .expect("domains")
            .is_empty()
    );
    let saved = moderator
        .submit(
            &app,
            "/organisations/commune-13039/domaines",
            &[("domaines", "Mairie-Fos.fr, fos.fr")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert_eq!(
        app.store
            .email_domains("commune-13039")
            .await
            .expect("domains"),
        ["mairie-fos.fr", "fos.fr"]
    );
    let mut agent_fos = Browser::default();
    app.user_token("dsi@mairie-fos.fr", "DSI Fos").await;
    agent_fos.sign_in(&app, "dsi@mairie-fos.fr", PASSWORD).await;
    let page = Page::parse(
        &agent_fos
            .get(&app, "/organisations/commune-13039")
            .await
            .text,
    );
    assert!(
        page.forms(domains_form).is_empty() && !page.has("#champ-domaines"),
        "only moderators see the domains"
    );
    let refused = agent_fos
        .submit(
            &app,
            "/organisations/commune-13039/domaines",
            &[("domaines", "exemple.fr")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    agent_fos
        .submit(&app, "/organisations/commune-13039/demande", &[])
        .await;
    let page = agent_fos.get(&app, "/organisations/commune-13039").await;
    assert!(
        page.text.contains("vérifiée jusqu"),
        "the domain vouches at once"
    );

    // Hiding a project, and showing it again.
    let created = app
        .post(
            "/api/v1/projects",
            &token,
            json!({"repository_url": "https://forge.example.org/webdelib.git"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let visibility = "/moderation/projets/webdelib/visibilite";
    let page = Page::parse(&agent_fos.get(&app, "/projets/webdelib").await.text);
    assert!(page.forms(visibility).is_empty(), "no hiding for agents");
    let refused = agent_fos
        .submit(
            &app,
            "/moderation/projets/webdelib/visibilite",
            &[("masquer", "oui")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/projets/webdelib").await.status,
        StatusCode::OK,
        "a refused hiding hides nothing"
    );
    let page = Page::parse(&moderator.get(&app, "/projets/webdelib").await.text);
    let hide = page.form(visibility);
    assert_eq!(text_of(hide), "Masquer ce projet");
    assert_eq!(hidden_field(hide, "masquer").as_deref(), Some("oui"));
    page.assert_form_token(visibility, &moderator.csrf());
    let hidden = moderator
        .submit(
            &app,
            "/moderation/projets/webdelib/visibilite",
            &[("masquer", "oui")],
        )
        .await;
    assert_eq!(location(&hidden), "/moderation?fait=masque");
    assert_eq!(
        app.get("/projets/webdelib").await.status,
        StatusCode::NOT_FOUND
    );
    let queue = Page::parse(&moderator.get(&app, "/moderation").await.text);
    let show = queue.form(visibility);
    assert_eq!(hidden_field(show, "masquer").as_deref(), Some("non"));
    assert!(text_of(show).starts_with("Rendre visible"));
    assert!(
        queue
            .texts("section[aria-labelledby=titre-masques] li")
            .first()
            .is_some_and(|item| item.starts_with("webdelib (webdelib)")),
        "the hidden project is listed"
    );
    moderator
        .submit(
            &app,
            "/moderation/projets/webdelib/visibilite",
            &[("masquer", "non")],
        )
        .await;
    assert_eq!(app.get("/projets/webdelib").await.status, StatusCode::OK);

    // Every one of those writes is in the log, for moderators only, and exported as JSON.
    let log = moderator.get(&app, "/moderation/journal").await;
    assert_eq!(log.status, StatusCode::OK);
    let logged: Vec<String> = Page::parse(&log.text)
        .rows("table")
        .into_iter()
        .map(|row| row[3].clone())
        .collect();
    for action in [
        "organisation.email_domains",
        "claim.file",
        "project.visibility",
    ] {
        assert!(
            logged.iter().any(|a| a == action),
            "{action} in the log: {logged:?}"
        );
    }
    assert_eq!(
        agent_fos.get(&app, "/moderation/journal").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        agent_fos.get(&app, "/moderation/journal.json").await.status,
        StatusCode::FORBIDDEN
    );
    let export = moderator.get(&app, "/moderation/journal.json?page=x").await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(
        export.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .expect("header")
            .starts_with("attachment")
    );
    let exported: Value = serde_json::from_str(&export.text).expect("JSON");
    let actions: Vec<&str> = exported["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "project.visibility")
            .count(),
        2,
        "{actions:?}"
    );
    assert_eq!(exported["total"].as_u64(), Some(actions.len() as u64));
}

/// Maintainers keep the list of organisations known to use their project from its page.
async fn maintainers_list_known_users_in_the_browser(engine: Engine) {
    let app = TestApp::new(engine).await;
    let alice_token = app.user_token("alice@agglo.fr", "Alice").await;
    app.user_token("bob@exemple.fr", "Bob").await;
    let created = app
        .post(
            "/api/v1/projects",
            &alice_token,
            json!({"repository_url": "https://forge.example.org/webdelib.git"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let mut alice = Browser::default();
    alice.sign_in(&app, "alice@agglo.fr", PASSWORD).await;
    let mut bob = Browser::default();
    bob.sign_in(&app, "bob@exemple.fr", PASSWORD).await;
    let known_form = "/projets/webdelib/utilisateurs-connus";
    Page::parse(&alice.get(&app, "/projets/webdelib").await.text)
        .assert_form_token(known_form, &alice.csrf());
    assert!(
        Page::parse(&bob.get(&app, "/projets/webdelib").await.text)
            .forms(known_form)
            .is_empty(),
        "only maintainers keep the list"
    );
    let known =
        || async { app.get("/api/v1/projects/webdelib/known-users").await.body["items"].clone() };
    let uri = "/projets/webdelib/utilisateurs-connus";
    let unknown = alice
        .submit(
            &app,
            uri,
            &[("organisations", "commune-13047, commune-99999")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let refused = Page::parse(&unknown.text);
    assert!(
        refused
            .text("#erreur-organisations")
            .contains("commune-99999"),
        "the reason beside the field: {}",
        unknown.text
    );
    assert_eq!(
        refused.attr("#champ-organisations", "value"),
        "commune-13047, commune-99999",
        "the list as typed"
    );
    assert_eq!(known().await, json!([]), "nothing kept from a refused list");
    let refused = bob
        .submit(&app, uri, &[("organisations", "commune-13039")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(known().await, json!([]));
    let saved = alice
        .submit(
            &app,
            uri,
            &[("organisations", "commune-13047\ncommune-13047")],
        )
        .await;
    assert_eq!(location(&saved), "/projets/webdelib#titre-adoptions");
    assert_eq!(known().await[0]["organisation"], "commune-13047");
    assert_eq!(known().await.as_array().map(Vec::len), Some(1));
    let page = alice.get(&app, "/projets/webdelib").await.text;
    let html = Page::parse(&page);
    assert_eq!(
        html.attr(
            &format!("form[action=\"{known_form}\"] input#champ-organisations"),
            "value"
        ),
        "commune-13047",
        "the form shows the list"
    );
    assert!(page.contains("Cités par le projet"), "{page}");

    // Istres declares the use: confirmed on both pages.
    app.post(
        "/api/v1/adoptions",
        &alice_token,
        json!({"project": "webdelib", "organisation": "commune-13047"}),
    )
    .await;
    for path in ["/projets/webdelib", "/organisations/commune-13047"] {
        let page = Page::parse(&app.get(path).await.text);
        assert_eq!(
            page.texts("table .badge-confirmed"),
            ["confirmée"],
            "{path}"
        );
    }
}

on_both_engines!(
    agents_ask_and_moderators_decide,
    moderators_keep_domains_and_visibility,
    maintainers_list_known_users_in_the_browser
);
