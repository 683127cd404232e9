//! The forms without JavaScript: sign-up, sign-in and sign-out with server-side sessions,
//! registering a project and declaring an adoption; forged submissions change nothing.

mod common;

use axum::http::{StatusCode, header};
use common::browser::{Browser, location};
use common::html::Page;
use common::{Bind, Engine, TestApp};

async fn a_visitor_signs_up_registers_and_declares(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut browser = Browser::default();
    let page = browser.get(&app, "/inscription").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = Page::parse(&page.text);
    for field in ["name", "email", "password"] {
        assert_eq!(
            html.attr(&format!("input#champ-{field}"), "name"),
            field,
            "a control for {field}"
        );
        assert!(
            !html.text(&format!("label[for=champ-{field}]")).is_empty(),
            "{field} is labelled"
        );
    }
    let csrf = browser.csrf();
    html.assert_form_token("/inscription", &csrf);

    // A forged post (no token, or from another site) changes nothing.
    let forged = browser
        .post(
            &app,
            "/inscription",
            &[
                ("name", "X"),
                ("email", "x@y.fr"),
                ("password", "un mot de passe solide"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(
        app.store
            .user_by_email("x@y.fr")
            .await
            .expect("query")
            .is_none()
    );

    let refused = browser
        .post(
            &app,
            "/inscription",
            &[
                ("csrf", &csrf),
                ("name", "Claire"),
                ("email", "claire@mairie-istres.fr"),
                ("password", "court"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = Page::parse(&refused.text);
    html.assert_field_error("password", "10 caractères");
    assert_eq!(
        html.attr("input#champ-email", "value"),
        "claire@mairie-istres.fr",
        "what was typed is kept"
    );
    assert_eq!(
        html.attr("input#champ-password", "value"),
        "",
        "but never the password"
    );
    html.assert_form_token("/inscription", &csrf);

    let fixated = "attacker-chosen-session-token-0123456789";
    browser
        .cookies
        .push(("civiforge_session".into(), fixated.into()));
    let signed_up = browser
        .post(
            &app,
            "/inscription",
            &[
                ("csrf", &csrf),
                ("name", "Claire"),
                ("email", "claire@mairie-istres.fr"),
                ("password", "un mot de passe solide"),
            ],
        )
        .await;
    assert_eq!(
        signed_up.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_up.text
    );
    let session = browser.cookie("civiforge_session").expect("session");
    assert_ne!(session, fixated, "a new session id at sign-in");
    let set_cookie = signed_up.headers[header::SET_COOKIE]
        .to_str()
        .expect("cookie");
    assert!(
        set_cookie.contains("HttpOnly")
            && set_cookie.contains("Secure")
            && set_cookie.contains("SameSite=Lax")
    );
    assert!(
        browser.get(&app, "/").await.text.contains("Claire"),
        "signed in"
    );

    // Registering a project: errors beside the fields, then the project page.
    let bad = browser
        .post(
            &app,
            "/projets/nouveau",
            &[
                ("csrf", &csrf),
                ("repository_url", "ftp://x"),
                ("categories", "cimetieres"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = Page::parse(&bad.text);
    html.assert_field_error("repository_url", "ftp");
    assert_eq!(html.attr("input#champ-repository_url", "value"), "ftp://x");
    let checked: Vec<String> = html
        .all("input[name=categories][checked]")
        .into_iter()
        .filter_map(|input| input.attr("value").map(str::to_string))
        .collect();
    assert_eq!(checked, ["cimetieres"], "chosen categories are kept");
    html.assert_form_token("/projets/nouveau", &csrf);
    let registered = browser
        .post(
            &app,
            "/projets/nouveau",
            &[
                ("csrf", &csrf),
                (
                    "repository_url",
                    "https://gitlab.adullact.net/openmairie/opencimetiere.git",
                ),
                ("name", "openCimetière"),
                ("summary", "Gestion des cimetières"),
                ("categories", "cimetieres"),
                ("categories", "etat-civil"),
            ],
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::SEE_OTHER,
        "{}",
        registered.text
    );
    assert_eq!(location(&registered), "/projets/opencimetiere");
    let project = app
        .store
        .project("opencimetiere")
        .await
        .expect("query")
        .expect("project");
    assert_eq!(project.categories, ["cimetieres", "etat-civil"]);

    // Declaring an adoption: find the commune, choose it, submit.
    let search = browser
        .get(
            &app,
            "/adoptions/nouvelle?projet=opencimetiere&recherche=istres",
        )
        .await;
    assert_eq!(search.status, StatusCode::OK);
    let html = Page::parse(&search.text);
    let form = "form[method=post][action=\"/adoptions/nouvelle\"]";
    assert_eq!(
        html.attr(
            &format!("{form} input[type=radio][name=organisation]#organisation-commune-13047"),
            "value"
        ),
        "commune-13047",
        "Istres can be chosen in the declaration form"
    );
    assert!(
        html.text("label[for=organisation-commune-13047]")
            .starts_with("Istres"),
    );
    assert_eq!(
        html.attr(
            &format!("{form} select[name=project] option[selected]"),
            "value"
        ),
        "opencimetiere",
        "the project stays chosen"
    );
    html.assert_form_token("/adoptions/nouvelle", &csrf);
    let declared = browser
        .post(
            &app,
            "/adoptions/nouvelle",
            &[
                ("csrf", &csrf),
                ("project", "opencimetiere"),
                ("organisation", "commune-13047"),
                ("version", "4.1.0"),
                ("status", "in_use"),
                ("since", "2019-03-01"),
            ],
        )
        .await;
    assert_eq!(declared.status, StatusCode::SEE_OTHER, "{}", declared.text);
    let page = Page::parse(&browser.get(&app, "/projets/opencimetiere").await.text);
    assert!(
        page.texts("a[href=\"/organisations/commune-13047\"]")
            .contains(&"Istres".to_string())
    );
    let istres = Page::parse(&browser.get(&app, "/organisations/commune-13047").await.text);
    assert!(
        istres
            .texts("a[href=\"/projets/opencimetiere\"]")
            .contains(&"openCimetière".to_string())
    );
    let missing = browser
        .post(
            &app,
            "/adoptions/nouvelle",
            &[("csrf", &csrf), ("project", "opencimetiere")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    Page::parse(&missing.text)
        .assert_field_error("organisation", "Cherchez puis choisissez la collectivité.");

    // Signing out ends the session for good.
    let out = browser.post(&app, "/deconnexion", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let mut replay = Browser::default();
    replay.cookies.push(("civiforge_session".into(), session));
    let after = replay.get(&app, "/projets/nouveau").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&after), "/connexion?suivant=%2Fprojets%2Fnouveau");
}

async fn signing_in_checks_the_password(engine: Engine) {
    let app = TestApp::new(engine).await;
    app.user_token("julien@agglo.fr", "Julien").await;
    let mut browser = Browser::default();
    let page = browser
        .get(&app, "/connexion?suivant=/projets/nouveau")
        .await;
    let csrf = browser.csrf();
    let html = Page::parse(&page.text);
    html.assert_form_token("/connexion", &csrf);
    assert_eq!(
        html.attr(
            "form[action=\"/connexion\"] input[type=hidden][name=suivant]",
            "value"
        ),
        "/projets/nouveau",
        "the form knows where to go next"
    );
    let wrong = browser
        .post(
            &app,
            "/connexion",
            &[
                ("csrf", &csrf),
                ("email", "julien@agglo.fr"),
                ("password", "pas le bon mot"),
                ("suivant", "/projets/nouveau"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = Page::parse(&wrong.text);
    html.assert_field_error("email", "Adresse e-mail ou mot de passe incorrect.");
    assert_eq!(html.attr("input#champ-email", "value"), "julien@agglo.fr");
    assert_eq!(
        html.attr("form[action=\"/connexion\"] input[name=suivant]", "value"),
        "/projets/nouveau",
        "where to go after signing in is kept after a failure"
    );
    assert_eq!(
        html.attr("input#champ-password", "value"),
        "",
        "the password is not sent back"
    );
    assert!(browser.cookie("civiforge_session").is_none());
    let unknown = browser
        .post(
            &app,
            "/connexion",
            &[
                ("csrf", &csrf),
                ("email", "personne@nulle.part"),
                ("password", "mot-de-passe-long"),
            ],
        )
        .await;
    assert_eq!(
        unknown.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "same answer for an unknown address"
    );
    let right = browser
        .post(
            &app,
            "/connexion",
            &[
                ("csrf", &csrf),
                ("email", "Julien@Agglo.fr"),
                ("password", "mot-de-passe-long"),
                ("suivant", "/projets/nouveau"),
            ],
        )
        .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&right), "/projets/nouveau");
    let away = browser
        .post(
            &app,
            "/connexion",
            &[
                ("csrf", &csrf),
                ("email", "julien@agglo.fr"),
                ("password", "mot-de-passe-long"),
                ("suivant", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(location(&away), "/", "never sent to another site");
    assert_eq!(
        browser.get(&app, "/projets/nouveau").await.status,
        StatusCode::OK
    );
}

/// Guessing passwords is slowed per account and address and per address, and a forged
/// `X-Forwarded-For` changes neither (see `probe.rs` for the looser limit per account).
async fn brute_force_is_slowed_whatever_the_forwarded_header(engine: Engine) {
    let app = TestApp::new(engine).await;
    app.user_token("julien@agglo.fr", "Julien").await;
    let mut browser = Browser::default();
    browser.get(&app, "/connexion").await;
    let csrf = browser.csrf();
    let guess = |email: &'static str, password: &'static str| {
        [
            ("csrf", csrf.clone()),
            ("email", email.to_string()),
            ("password", password.to_string()),
        ]
    };
    for n in 0..5 {
        let fields = guess("julien@agglo.fr", "devine-moi-0000");
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let attempt = browser
            .post_from(
                &app,
                "/connexion",
                &fields,
                "192.0.2.20",
                Some(&format!("203.0.113.{n}")),
            )
            .await;
        assert_eq!(attempt.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let fields = guess("julien@agglo.fr", "mot-de-passe-long");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let locked = browser
        .post_from(
            &app,
            "/connexion",
            &fields,
            "192.0.2.20",
            Some("198.51.100.1"),
        )
        .await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the account waits at that address, even with the right password"
    );
    Page::parse(&locked.text).assert_field_error("email", "Trop de tentatives");
    assert!(browser.cookie("civiforge_session").is_none());

    // One address trying many accounts is slowed too, whatever X-Forwarded-For says.
    for n in 0..20 {
        let email = format!("inconnu{n}@mairie.fr");
        let fields = [
            ("csrf", csrf.as_str()),
            ("email", email.as_str()),
            ("password", "devine-moi-0000"),
        ];
        browser
            .post_from(
                &app,
                "/connexion",
                &fields,
                "192.0.2.30",
                Some(&format!("203.0.113.{n}")),
            )
            .await;
    }
    let fields = [
        ("csrf", csrf.as_str()),
        ("email", "autre@mairie.fr"),
        ("password", "x"),
    ];
    let slowed = browser
        .post_from(
            &app,
            "/connexion",
            &fields,
            "192.0.2.30",
            Some("198.51.100.2"),
        )
        .await;
    assert_eq!(slowed.status, StatusCode::TOO_MANY_REQUESTS);
    let elsewhere = browser
        .post_from(&app, "/connexion", &fields, "192.0.2.31", None)
        .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "other addresses are not affected"
    );
}

/// Tokens made in the browser are shown once, work on the API, and die when revoked.
async fn tokens_are_made_and_revoked_in_the_browser(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut browser = Browser::default();
    assert_eq!(
        browser.get(&app, "/compte/jetons").await.status,
        StatusCode::SEE_OTHER,
        "signed-in users only"
    );
    browser.get(&app, "/inscription").await;
    let csrf = browser.csrf();
    let fields = [
        ("csrf", csrf.as_str()),
        ("name", "Agent"),
        ("email", "agent@opsn.fr"),
        ("password", "un mot de passe solide"),
    ];
    assert_eq!(
        browser.post(&app, "/inscription", &fields).await.status,
        StatusCode::SEE_OTHER
    );
    let admin = [
        ("csrf", csrf.as_str()),
        ("label", "pirate"),
        ("scopes", "admin"),
    ];
    assert_eq!(
        browser.post(&app, "/compte/jetons", &admin).await.status,
        StatusCode::FORBIDDEN,
        "no admin token from the web"
    );
    let fields = [
        ("csrf", csrf.as_str()),
        ("label", "import OPSN"),
        ("scopes", "adoptions:write"),
        ("expires_in_days", "30"),
    ];
    let created = browser.post(&app, "/compte/jetons", &fields).await;
    assert_eq!(created.status, StatusCode::OK);
    let html = Page::parse(&created.text);
    let token = html.attr("input#nouveau-jeton[readonly]", "value");
    assert!(token.starts_with("cvf_") && token.len() == 68, "{token}");
    assert!(created.text.contains("il ne sera plus jamais affiché"));
    let listed = browser.get(&app, "/compte/jetons").await;
    let html = Page::parse(&listed.text);
    let rows = html.rows("table");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][..2], ["import OPSN", "adoptions:write"]);
    assert!(!listed.text.contains(&token), "shown once only");
    assert!(!html.has("input#nouveau-jeton"));

    let project = app
        .post(
            "/api/v1/projects",
            &token,
            serde_json::json!({"repository_url": "https://forge.example.org/x.git"}),
        )
        .await;
    assert_eq!(
        project.status,
        StatusCode::FORBIDDEN,
        "its scope is adoptions only"
    );
    let id = app
        .store
        .list_tokens(
            app.store
                .user_by_email("agent@opsn.fr")
                .await
                .expect("q")
                .expect("user")
                .id,
        )
        .await
        .expect("tokens")[0]
        .id;
    // The row's button posts to that token's revocation, with the token of the session.
    let revoke = format!("/compte/jetons/{id}/revoquer");
    html.assert_form_token(&revoke, &csrf);
    let revoked = browser
        .post(&app, &revoke, &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let dead = app
        .post(
            "/api/v1/adoptions",
            &token,
            serde_json::json!({"project": "x", "organisation": "commune-13047"}),
        )
        .await;
    assert_eq!(dead.status, StatusCode::UNAUTHORIZED);
}

on_both_engines!(
    tokens_are_made_and_revoked_in_the_browser,
    a_visitor_signs_up_registers_and_declares,
    signing_in_checks_the_password,
    brute_force_is_slowed_whatever_the_forwarded_header
);

/// Changing the password needs the current one and ends the other sessions.
async fn changing_the_password_ends_other_sessions(engine: Engine) {
    let app = TestApp::new(engine).await;
    app.user_token("julien@agglo.fr", "Julien").await;
    let mut laptop = Browser::default();
    let mut phone = Browser::default();
    for browser in [&mut laptop, &mut phone] {
        browser.get(&app, "/connexion").await;
        let csrf = browser.csrf();
        let fields = [
            ("csrf", csrf.as_str()),
            ("email", "julien@agglo.fr"),
            ("password", "mot-de-passe-long"),
        ];
        assert_eq!(
            browser.post(&app, "/connexion", &fields).await.status,
            StatusCode::SEE_OTHER
        );
    }
    let csrf = laptop.csrf();
    let wrong = [
        ("csrf", csrf.as_str()),
        ("current_password", "pas le bon"),
        ("new_password", "un nouveau mot de passe"),
    ];
    let refused = laptop.post(&app, "/compte/mot-de-passe", &wrong).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    Page::parse(&refused.text)
        .assert_field_error("current_password", "Le mot de passe actuel est incorrect.");
    let short = [
        ("csrf", csrf.as_str()),
        ("current_password", "mot-de-passe-long"),
        ("new_password", "court"),
    ];
    assert_eq!(
        laptop
            .post(&app, "/compte/mot-de-passe", &short)
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let right = [
        ("csrf", csrf.as_str()),
        ("current_password", "mot-de-passe-long"),
        ("new_password", "un nouveau mot de passe"),
    ];
    let changed = laptop.post(&app, "/compte/mot-de-passe", &right).await;
    assert_eq!(changed.status, StatusCode::OK);
    assert!(changed.text.contains("Mot de passe changé"));
    assert_eq!(
        laptop.get(&app, "/compte/jetons").await.status,
        StatusCode::OK,
        "this session goes on"
    );
    assert_eq!(
        phone.get(&app, "/compte/jetons").await.status,
        StatusCode::SEE_OTHER,
        "the others end"
    );
    let user = app
        .store
        .user_by_email("julien@agglo.fr")
        .await
        .expect("query")
        .expect("user");
    assert!(civiforge::auth::verify_password(
        "un nouveau mot de passe",
        &user.password_hash
    ));
}

/// A session ends when its time is up: the cookie, still sent by the browser, signs in
/// no more.
async fn an_expired_session_no_longer_signs_in(engine: Engine) {
    let app = TestApp::new(engine).await;
    app.user_token("julien@agglo.fr", "Julien").await;
    let mut browser = Browser::default();
    browser
        .sign_in(&app, "julien@agglo.fr", "mot-de-passe-long")
        .await;
    assert_eq!(
        browser.get(&app, "/compte/jetons").await.status,
        StatusCode::OK
    );
    // Thirty days later (the session lasts 30 days): it expired a minute ago.
    let aged = app
        .db
        .execute(
            "UPDATE sessions SET expires_at = $1",
            &[Bind::Time(
                chrono::Utc::now() - chrono::Duration::minutes(1),
            )],
        )
        .await;
    assert_eq!(aged, 1);
    assert!(browser.cookie("civiforge_session").is_some(), "still sent");
    let after = browser.get(&app, "/compte/jetons").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&after), "/connexion?suivant=%2Fcompte%2Fjetons");
    let home = browser.get(&app, "/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(!home.text.contains("Julien"), "not signed in any more");
    // Signing in again opens a new session.
    browser
        .sign_in(&app, "julien@agglo.fr", "mot-de-passe-long")
        .await;
    assert_eq!(
        browser.get(&app, "/compte/jetons").await.status,
        StatusCode::OK
    );
}

/// The lockout after repeated failures lasts fifteen minutes from the failures: still
/// locked after fourteen, open again after sixteen.
async fn a_sign_in_lockout_ends_after_its_window(engine: Engine) {
    let app = TestApp::new(engine).await;
    app.user_token("julien@agglo.fr", "Julien").await;
    let mut browser = Browser::default();
    browser.get(&app, "/connexion").await;
    let csrf = browser.csrf();
    let wrong = [
        ("csrf", csrf.as_str()),
        ("email", "julien@agglo.fr"),
        ("password", "devine-moi-0000"),
    ];
    for _ in 0..5 {
        let attempt = browser.post(&app, "/connexion", &wrong).await;
        assert_eq!(attempt.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let right = [
        ("csrf", csrf.as_str()),
        ("email", "julien@agglo.fr"),
        ("password", "mot-de-passe-long"),
    ];
    assert_eq!(
        browser.post(&app, "/connexion", &right).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let age = |minutes: i64| {
        let db = &app.db;
        async move {
            db.execute(
                "UPDATE auth_attempts SET at = $1",
                &[Bind::Time(
                    chrono::Utc::now() - chrono::Duration::minutes(minutes),
                )],
            )
            .await
        }
    };
    // The refused attempt while locked is not counted as a failure.
    assert_eq!(
        age(14).await,
        15,
        "five failures, by address, by account and by both"
    );
    let locked = browser.post(&app, "/connexion", &right).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.text.contains("Trop de tentatives"));
    assert!(browser.cookie("civiforge_session").is_none());

    age(16).await;
    let signed_in = browser.post(&app, "/connexion", &right).await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.text
    );
    assert_eq!(
        browser.get(&app, "/compte/jetons").await.status,
        StatusCode::OK
    );
}

mod expiry {
    use super::*;
    on_both_engines!(
        an_expired_session_no_longer_signs_in,
        a_sign_in_lockout_ends_after_its_window
    );
}

mod password {
    use super::*;
    on_both_engines!(changing_the_password_ends_other_sessions);
}
