//! Authority to speak for an organisation: claims verified by e-mail domain or by a
//! moderator; declarations of verified agents counted apart and protected from others;
//! moderators hide projects.

mod common;

use axum::http::StatusCode;
use common::{Bind, Engine, TestApp};
use common::{create_token, create_user_with_roles};
use serde_json::json;

async fn user(app: &TestApp, email: &str, moderator: bool) -> String {
    create_user_with_roles(
        &app.store,
        email,
        email,
        "un mot de passe solide",
        false,
        moderator,
    )
    .await
    .expect("user");
    create_token(&app.store, email, "test", None)
        .await
        .expect("token")
}

async fn claims_decide_who_speaks_for_a_commune(engine: Engine) {
    let app = TestApp::new(engine).await;
    let moderator = user(&app, "moderation@civiforge.fr", true).await;
    let agent = user(&app, "dsi@mairie-istres.fr", false).await;
    let outsider = user(&app, "quelquun@exemple.fr", false).await;
    assert_eq!(
        app.post(
            "/api/v1/projects",
            &agent,
            json!({"repository_url": "https://forge.example.org/openelec.git"})
        )
        .await
        .status,
        StatusCode::CREATED
    );

    // Only moderators keep the domains that vouch for a commune's agents.
    let domains = json!({"domains": ["mairie-istres.fr"]});
    assert_eq!(
        app.request(
            "PUT",
            "/api/v1/organisations/commune-13047/email-domains",
            Some(&agent),
            Some(domains.clone())
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let bad = app
        .request(
            "PUT",
            "/api/v1/organisations/commune-13047/email-domains",
            Some(&moderator),
            Some(json!({"domains": ["pas un domaine"]})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.request(
            "PUT",
            "/api/v1/organisations/commune-13047/email-domains",
            Some(&moderator),
            Some(domains)
        )
        .await
        .status,
        StatusCode::OK
    );

    let verified = app
        .post(
            "/api/v1/claims",
            &agent,
            json!({"organisation": "commune-13047"}),
        )
        .await;
    assert_eq!(verified.status, StatusCode::CREATED, "{}", verified.text);
    assert_eq!(verified.body["status"], "verified");
    assert_eq!(verified.body["method"], "email_domain");
    assert!(verified.body["expires_at"].is_string(), "claims expire");
    let pending = app
        .post(
            "/api/v1/claims",
            &outsider,
            json!({"organisation": "commune-13047"}),
        )
        .await;
    assert_eq!(pending.body["status"], "pending");

    // The agent's declaration is verified and counted apart.
    let declared = app
        .post(
            "/api/v1/adoptions",
            &agent,
            json!({"project": "openelec", "organisation": "commune-13047", "version": "4.1"}),
        )
        .await;
    assert_eq!(declared.body["verification"], "agent");
    let unverified = app
        .post(
            "/api/v1/adoptions",
            &outsider,
            json!({"project": "openelec", "organisation": "commune-13039"}),
        )
        .await;
    assert_eq!(unverified.body["verification"], "unverified");
    let project = app.get("/api/v1/projects/openelec").await.body;
    assert_eq!(
        (
            project["adopters_count"].clone(),
            project["verified_adopters_count"].clone()
        ),
        (json!(2), json!(1))
    );

    // Someone who does not speak for Istres cannot change what its agent declared.
    let overwrite = app
        .post(
            "/api/v1/adoptions",
            &outsider,
            json!({"project": "openelec", "organisation": "commune-13047", "status": "stopped"}),
        )
        .await;
    assert_eq!(
        overwrite.status,
        StatusCode::FORBIDDEN,
        "{}",
        overwrite.text
    );
    assert_eq!(
        app.get("/api/v1/projects/openelec/adoptions").await.body["items"][0]["status"],
        "in_use"
    );

    // Claims: each sees their own; moderators see and decide all.
    assert_eq!(
        app.request("GET", "/api/v1/claims", Some(&outsider), None)
            .await
            .body["total"],
        1
    );
    assert_eq!(
        app.request(
            "GET",
            "/api/v1/claims?status=pending",
            Some(&moderator),
            None
        )
        .await
        .body["total"],
        1
    );
    let id = pending.body["id"].as_i64().expect("id");
    let uri = format!("/api/v1/claims/{id}/decision");
    assert_eq!(
        app.request(
            "POST",
            &uri,
            Some(&outsider),
            Some(json!({"verified": true}))
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let decided = app
        .request(
            "POST",
            &uri,
            Some(&moderator),
            Some(json!({"verified": true})),
        )
        .await;
    assert_eq!(
        (
            decided.body["status"].clone(),
            decided.body["method"].clone()
        ),
        (json!("verified"), json!("moderator"))
    );
    let now_agent = app
        .post(
            "/api/v1/adoptions",
            &outsider,
            json!({"project": "openelec", "organisation": "commune-13047", "version": "4.2"}),
        )
        .await;
    assert_eq!(now_agent.status, StatusCode::OK);
    assert_eq!(now_agent.body["verification"], "agent");
}

async fn moderators_hide_projects(engine: Engine) {
    let app = TestApp::new(engine).await;
    let moderator = user(&app, "moderation@civiforge.fr", true).await;
    let maintainer = user(&app, "julien@agglo.fr", false).await;
    app.post(
        "/api/v1/projects",
        &maintainer,
        json!({"repository_url": "https://forge.example.org/spam.git", "summary": "Publicité"}),
    )
    .await;
    app.sync_search().await;
    assert_eq!(app.get("/api/v1/search?q=publicite").await.body["total"], 1);
    let refused = app
        .request(
            "POST",
            "/api/v1/projects/spam/visibility",
            Some(&maintainer),
            Some(json!({"hidden": true})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let hidden = app
        .request(
            "POST",
            "/api/v1/projects/spam/visibility",
            Some(&moderator),
            Some(json!({"hidden": true})),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/projects/spam").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get("/projets/spam").await.status, StatusCode::NOT_FOUND);
    app.sync_search().await;
    assert_eq!(
        app.get("/api/v1/search?q=publicite").await.body["total"],
        0,
        "gone from search"
    );
    app.request(
        "POST",
        "/api/v1/projects/spam/visibility",
        Some(&moderator),
        Some(json!({"hidden": false})),
    )
    .await;
    app.sync_search().await;
    assert_eq!(app.get("/api/v1/search?q=publicite").await.body["total"], 1);
    let log = app
        .request("GET", "/api/v1/audit", Some(&moderator), None)
        .await;
    assert_eq!(log.body["items"][0]["action"], "project.visibility");
}

on_both_engines!(
    claims_decide_who_speaks_for_a_commune,
    moderators_hide_projects
);

/// Maintainers bring in other maintainers; nobody else can.
async fn maintainers_invite_maintainers(engine: Engine) {
    let app = TestApp::new(engine).await;
    let julien = user(&app, "julien@agglo.fr", false).await;
    let claire = user(&app, "claire@mairie.fr", false).await;
    let mallory = user(&app, "mallory@exemple.fr", false).await;
    app.post(
        "/api/v1/projects",
        &julien,
        json!({"repository_url": "https://forge.example.org/webdelib.git"}),
    )
    .await;
    let edit = json!({"summary": "Délibérations et actes"});
    assert_eq!(
        app.request(
            "PATCH",
            "/api/v1/projects/webdelib",
            Some(&claire),
            Some(edit.clone())
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let by_stranger = app
        .post(
            "/api/v1/projects/webdelib/maintainers",
            &mallory,
            json!({"email": "mallory@exemple.fr"}),
        )
        .await;
    assert_eq!(
        by_stranger.status,
        StatusCode::FORBIDDEN,
        "no self-invitation"
    );
    let unknown = app
        .post(
            "/api/v1/projects/webdelib/maintainers",
            &julien,
            json!({"email": "personne@nulle.part"}),
        )
        .await;
    assert_eq!(
        (unknown.status, unknown.error_code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "unknown_user")
    );
    let invited = app
        .post(
            "/api/v1/projects/webdelib/maintainers",
            &julien,
            json!({"email": "Claire@Mairie.fr"}),
        )
        .await;
    assert_eq!(invited.status, StatusCode::OK, "{}", invited.text);
    assert_eq!(
        app.request(
            "PATCH",
            "/api/v1/projects/webdelib",
            Some(&claire),
            Some(edit)
        )
        .await
        .status,
        StatusCode::OK
    );
}

/// A verification lasts until its expiry: once it has passed, the user speaks for the
/// commune no more. New declarations are unverified and not counted as verified, the
/// declaration made as an agent can no longer be changed by them, and asking again
/// (the domain still vouches) makes them an agent again.
async fn a_lapsed_claim_no_longer_makes_an_agent(engine: Engine) {
    let app = TestApp::new(engine).await;
    let moderator = user(&app, "moderation@civiforge.fr", true).await;
    let agent = user(&app, "dsi@mairie-istres.fr", false).await;
    for repository in ["openelec", "opencimetiere"] {
        let registered = app
            .post(
                "/api/v1/projects",
                &moderator,
                json!({"repository_url": format!("https://forge.example.org/{repository}.git")}),
            )
            .await;
        assert_eq!(
            registered.status,
            StatusCode::CREATED,
            "{}",
            registered.text
        );
    }
    let domains = app
        .request(
            "PUT",
            "/api/v1/organisations/commune-13047/email-domains",
            Some(&moderator),
            Some(json!({"domains": ["mairie-istres.fr"]})),
        )
        .await;
    assert_eq!(domains.status, StatusCode::OK, "{}", domains.text);
    let claim = app
        .post(
            "/api/v1/claims",
            &agent,
            json!({"organisation": "commune-13047"}),
        )
        .await;
    assert_eq!(claim.body["status"], "verified", "{}", claim.text);
    let declared = app
        .post(
            "/api/v1/adoptions",
            &agent,
            json!({"project": "openelec", "organisation": "commune-13047", "version": "4.1"}),
        )
        .await;
    assert_eq!(declared.body["verification"], "agent", "{}", declared.text);

    // A year goes by: the verification expired yesterday.
    let id = claim.body["id"].as_i64().expect("claim id");
    let aged = app
        .db
        .execute(
            "UPDATE claims SET expires_at = $1 WHERE id = $2",
            &[
                Bind::Time(chrono::Utc::now() - chrono::Duration::days(1)),
                Bind::Int(id),
            ],
        )
        .await;
    assert_eq!(aged, 1);
    let user_id = app
        .store
        .user_by_email("dsi@mairie-istres.fr")
        .await
        .expect("query")
        .expect("agent")
        .id;
    assert!(
        !app.store
            .is_agent(user_id, "commune-13047")
            .await
            .expect("query")
    );

    let after = app
        .post(
            "/api/v1/adoptions",
            &agent,
            json!({"project": "opencimetiere", "organisation": "commune-13047"}),
        )
        .await;
    assert_eq!(after.status, StatusCode::CREATED, "{}", after.text);
    assert_eq!(after.body["verification"], "unverified");
    let project = app.get("/api/v1/projects/opencimetiere").await.body;
    assert_eq!(
        (
            &project["adopters_count"],
            &project["verified_adopters_count"]
        ),
        (&json!(1), &json!(0))
    );
    let change = app
        .post(
            "/api/v1/adoptions",
            &agent,
            json!({"project": "openelec", "organisation": "commune-13047", "version": "4.2"}),
        )
        .await;
    assert_eq!(change.status, StatusCode::FORBIDDEN, "{}", change.text);
    let kept = app.get("/api/v1/projects/openelec/adoptions").await.body;
    assert_eq!(
        (
            &kept["items"][0]["version"],
            &kept["items"][0]["verification"]
        ),
        (&json!("4.1"), &json!("agent")),
        "{kept}"
    );

    // Asking again: the domain still vouches, for another year.
    let renewed = app
        .post(
            "/api/v1/claims",
            &agent,
            json!({"organisation": "commune-13047"}),
        )
        .await;
    assert_eq!(renewed.body["status"], "verified", "{}", renewed.text);
    let expires = renewed.body["expires_at"]
        .as_str()
        .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
        .expect("expiry");
    assert!(expires > chrono::Utc::now() + chrono::Duration::days(300));
    let changed = app
        .post(
            "/api/v1/adoptions",
            &agent,
            json!({"project": "openelec", "organisation": "commune-13047", "version": "4.2"}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(changed.body["verification"], "agent");
}

mod lapsed {
    use super::*;
    on_both_engines!(a_lapsed_claim_no_longer_makes_an_agent);
}

mod invitations {
    use super::*;
    on_both_engines!(maintainers_invite_maintainers);
}
