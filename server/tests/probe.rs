//! The defects a hostile probe of a running server found (issue #16), each kept fixed: the
//! requests an attacker sent, and the answers they get now.

mod common;

use axum::http::StatusCode;
use common::browser::{Browser, location};
use common::html::Page;
use common::{Engine, TestApp};

/// Where to go after signing in is a clean local path, or the home page: tabs, newlines,
/// backslashes and `//` (also percent-encoded) would send the browser to another site.
async fn sign_in_sends_nowhere_but_here(engine: Engine) {
    let app = TestApp::new(engine).await;
    app.user_token("julien@agglo.fr", "Julien").await;
    let mut browser = Browser::default();
    for (query, kept) in [
        ("/%09/evil.example/phish", "/"),
        ("/%0A/evil.example", "/"),
        ("%0D%0ASet-Cookie:x=y", "/"),
        ("/%2509/evil.example", "/"),
        ("/%252F/evil.example", "/"),
        ("/%255Cevil.example", "/"),
        ("/%E2%80%AE/evil.example", "/"),
        ("/projets/nouveau%3Fx%3D1", "/projets/nouveau?x=1"),
    ] {
        let page = browser
            .get(&app, &format!("/connexion?suivant={query}"))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{query}: {}", page.text);
        let html = Page::parse(&page.text);
        assert_eq!(
            html.attr(
                "form[action=\"/connexion\"] input[type=hidden][name=suivant]",
                "value"
            ),
            kept,
            "{query}"
        );
    }
    let csrf = browser.csrf();
    for next in [
        "/\t/evil.example/phish",
        "/\n/evil.example",
        "/\r\nSet-Cookie: x=y",
        "/%09/evil.example",
        "/%2F/evil.example",
        "/%2f%2fevil.example",
        "/%5Cevil.example",
        "/\\evil.example",
        "/\u{7f}/evil.example",
        "/\u{85}/evil.example",
        " //evil.example",
    ] {
        let fields = [
            ("csrf", csrf.as_str()),
            ("email", "julien@agglo.fr"),
            ("password", "mot-de-passe-long"),
            ("suivant", next),
        ];
        let answer = browser.post(&app, "/connexion", &fields).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(location(&answer), "/", "{next:?}");
    }
    let fields = [
        ("csrf", csrf.as_str()),
        ("email", "julien@agglo.fr"),
        ("password", "mot-de-passe-long"),
        ("suivant", "/recherche?q=%C3%A9tat+civil"),
    ];
    let answer = browser.post(&app, "/connexion", &fields).await;
    assert_eq!(location(&answer), "/recherche?q=%C3%A9tat+civil");
}

on_both_engines!(sign_in_sends_nowhere_but_here);

/// Guessing the current password on the password-change form (with a stolen session, say)
/// is limited per account like signing in: past five wrong guesses, « trop de tentatives »,
/// even with the right one, until the window has passed.
async fn the_current_password_cannot_be_guessed_forever(engine: Engine) {
    let app = TestApp::new(engine).await;
    app.user_token("julien@agglo.fr", "Julien").await;
    let mut thief = Browser::default();
    thief
        .sign_in(&app, "julien@agglo.fr", "mot-de-passe-long")
        .await;
    thief.get(&app, "/compte/mot-de-passe").await;
    for n in 0..5 {
        let guess = format!("devine-moi-{n:04}");
        let fields = [
            ("current_password", guess.as_str()),
            ("new_password", "un mot de passe volé"),
        ];
        let answer = thief.submit(&app, "/compte/mot-de-passe", &fields).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "guess {n}");
        Page::parse(&answer.text).assert_field_error("current_password", "incorrect");
    }
    let fields = [
        ("current_password", "mot-de-passe-long"),
        ("new_password", "un mot de passe volé"),
    ];
    let stopped = thief.submit(&app, "/compte/mot-de-passe", &fields).await;
    assert_eq!(stopped.status, StatusCode::TOO_MANY_REQUESTS);
    Page::parse(&stopped.text).assert_field_error("current_password", "Trop de tentatives");
    let user = app
        .store
        .user_by_email("julien@agglo.fr")
        .await
        .expect("query")
        .expect("user");
    assert!(
        civiforge::auth::verify_password("mot-de-passe-long", &user.password_hash),
        "the password did not change"
    );

    // Fifteen minutes later the form answers again.
    app.db
        .execute(
            "UPDATE auth_attempts SET at = $1",
            &[common::Bind::Time(
                chrono::Utc::now() - chrono::Duration::minutes(16),
            )],
        )
        .await;
    let changed = thief.submit(&app, "/compte/mot-de-passe", &fields).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
}

mod password {
    use super::*;
    on_both_engines!(the_current_password_cannot_be_guessed_forever);
}

/// Signs in from `peer`; the status of the answer.
async fn sign_in_from(app: &TestApp, peer: &str, email: &str, password: &str) -> StatusCode {
    let mut browser = Browser::default();
    browser.get(app, "/connexion").await;
    let csrf = browser.csrf();
    let fields = [
        ("csrf", csrf.as_str()),
        ("email", email),
        ("password", password),
    ];
    browser
        .post_from(app, "/connexion", &fields, peer, None)
        .await
        .status
}

/// An attacker cannot lock a user out: failures are limited strictly per account and
/// address, loosely per account, and an address the user signed in from before stays open
/// to them whatever strangers did.
async fn an_attacker_cannot_lock_the_user_out(engine: Engine) {
    let app = TestApp::new(engine).await;
    app.user_token("julien@agglo.fr", "Julien").await;
    let (email, right) = ("julien@agglo.fr", "mot-de-passe-long");
    let usual = "192.0.2.50";
    assert_eq!(
        sign_in_from(&app, usual, email, right).await,
        StatusCode::SEE_OTHER
    );

    // One address guessing: five tries, then it waits (even with the right password).
    let attacker = "198.51.100.7";
    for n in 0..12 {
        let expected = if n < 5 {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        let guess = format!("devine-moi-{n:04}");
        assert_eq!(
            sign_in_from(&app, attacker, email, &guess).await,
            expected,
            "guess {n}"
        );
    }
    assert_eq!(
        sign_in_from(&app, attacker, email, right).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The user, from another address they never used, is not stopped by one attacker.
    assert_eq!(
        sign_in_from(&app, "192.0.2.51", email, right).await,
        StatusCode::SEE_OTHER
    );

    // Many addresses guessing: past the looser limit per account, new addresses wait…
    for a in 0..6 {
        let peer = format!("203.0.113.{a}");
        for n in 0..5 {
            sign_in_from(&app, &peer, email, &format!("essai-{a}-{n}")).await;
        }
    }
    assert_eq!(
        sign_in_from(&app, "203.0.113.99", email, right).await,
        StatusCode::TOO_MANY_REQUESTS,
        "an address never seen waits"
    );
    // …but the addresses the user signed in from stay open to them.
    assert_eq!(
        sign_in_from(&app, usual, email, right).await,
        StatusCode::SEE_OTHER,
        "the usual address still signs in"
    );
    assert_eq!(
        sign_in_from(&app, "192.0.2.51", email, right).await,
        StatusCode::SEE_OTHER
    );
    // Even there, guessing is limited strictly.
    for n in 0..5 {
        assert_eq!(
            sign_in_from(&app, usual, email, &format!("faute-{n}")).await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    assert_eq!(
        sign_in_from(&app, usual, email, right).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

mod lockout {
    use super::*;
    on_both_engines!(an_attacker_cannot_lock_the_user_out);
}

/// E-mail addresses are sane (one `@`, a local part of the usual characters, a dotted
/// domain of letters, digits and hyphens) at sign-up and at the command line; zero-width
/// and bidirectional-control characters, which make look-alikes, are refused in account
/// names and in the names and summaries of projects.
async fn addresses_and_names_are_what_they_look(engine: Engine) {
    let app = TestApp::new(engine).await;
    let bad_emails = [
        "a@@b.org",
        "<script>@x.org",
        "ju\u{200B}lien@agglo.fr",
        "julien@agglo\u{200D}.fr",
        "julien@agglo.fr\u{FEFF}",
        "\u{202E}rf.olgga@neiluj",
        "julien@agglo",
        "julien@-agglo.fr",
        "julien@agglo..fr",
        "julien@agglo_fr.org",
        ".julien@agglo.fr",
        "jul..ien@agglo.fr",
        "julien\"@agglo.fr",
        "julien@[127.0.0.1]",
        "julien@agglo.fr@evil.example",
        "j(ulien)@agglo.fr",
        "julien@agglö.fr",
    ];
    for (n, email) in bad_emails.iter().enumerate() {
        let refused = common::create_user(&app.store, email, "Julien", "mot-de-passe-long", false)
            .await
            .expect_err(email);
        assert_eq!(refused.field(), Some("email"), "{email:?}: {refused}");
        assert!(
            refused.to_string().contains("adresse e-mail invalide"),
            "{email:?}: {refused}"
        );
        let mut browser = Browser::default();
        browser.get(&app, "/inscription").await;
        let csrf = browser.csrf();
        let fields = [
            ("csrf", csrf.as_str()),
            ("name", "Julien"),
            ("email", email),
            ("password", "un mot de passe solide"),
        ];
        let peer = format!("192.0.2.{}", 100 + n);
        let answer = browser
            .post_from(&app, "/inscription", &fields, &peer, None)
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{email:?}");
        Page::parse(&answer.text).assert_field_error("email", "Adresse e-mail invalide");
    }
    for good in [
        "julien@agglo.fr",
        "Prenom.Nom+catalogue@mairie-istres.fr",
        "o'brien_2@xn--mairie-vry-d7a.fr",
        "dsi@sous.domaine.region-sud.fr",
    ] {
        common::create_user(&app.store, good, "Julien", "mot-de-passe-long", false)
            .await
            .unwrap_or_else(|error| panic!("{good}: {error}"));
    }

    for name in [
        "Ju\u{200B}lien",
        "\u{202E}neiluJ",
        "Julien\u{2066}",
        "A\u{FEFF}",
    ] {
        let refused = common::create_user(
            &app.store,
            "autre@agglo.fr",
            name,
            "mot-de-passe-long",
            false,
        )
        .await
        .expect_err(name);
        assert_eq!(refused.field(), Some("name"), "{name:?}: {refused}");
        assert!(
            refused.to_string().contains("caractères invisibles"),
            "{refused}"
        );
    }

    let token = app.user_token("agent@opsn.fr", "Agent").await;
    let bodies = [
        (
            serde_json::json!({"repository_url": "https://forge.example.org/a.git", "name": "open\u{200B}Elec"}),
            "name",
        ),
        (
            serde_json::json!({"repository_url": "https://forge.example.org/b.git", "name": "x", "summary": "Gestion \u{202E}elcitsa"}),
            "summary",
        ),
    ];
    for (body, field) in bodies {
        let answer = app.post("/api/v1/projects", &token, body).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            answer.text
        );
        assert_eq!(answer.body["error"]["fields"][0]["field"], field);
        assert!(
            answer.text.contains("caractères invisibles"),
            "{}",
            answer.text
        );
    }
    let created = app
        .post(
            "/api/v1/projects",
            &token,
            serde_json::json!({"repository_url": "https://forge.example.org/c.git", "slug": "cible"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let edited = app
        .request(
            "PATCH",
            "/api/v1/projects/cible",
            Some(&token),
            Some(serde_json::json!({"name": "Cible\u{2060}"})),
        )
        .await;
    assert_eq!(edited.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(edited.body["error"]["fields"][0]["field"], "name");
}

mod identity {
    use super::*;
    on_both_engines!(addresses_and_names_are_what_they_look);
}

/// Signing out is a form like the others: a cross-site post, or one without the
/// anti-forgery token, ends nothing; the sign-out button of every page carries the token.
async fn signing_out_needs_the_token(engine: Engine) {
    let app = TestApp::new(engine).await;
    app.user_token("julien@agglo.fr", "Julien").await;
    let mut browser = Browser::default();
    browser
        .sign_in(&app, "julien@agglo.fr", "mot-de-passe-long")
        .await;
    let home = browser.get(&app, "/").await;
    let csrf = browser.csrf();
    Page::parse(&home.text).assert_form_token("/deconnexion", &csrf);

    let forged = browser.post(&app, "/deconnexion", &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let wrong = browser
        .post(&app, "/deconnexion", &[("csrf", "pas-le-bon-jeton")])
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let cross_site = axum::http::Request::builder()
        .method("POST")
        .uri("/deconnexion")
        .header(axum::http::header::COOKIE, browser.header())
        .header(
            axum::http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(axum::http::header::HOST, "civiforge.test")
        .header(axum::http::header::ORIGIN, "https://evil.example")
        .body(axum::body::Body::from(format!("csrf={csrf}")))
        .expect("request");
    assert_eq!(app.send(cross_site).await.status, StatusCode::FORBIDDEN);
    assert!(
        browser.get(&app, "/").await.text.contains("Julien"),
        "still signed in"
    );

    let out = browser.submit(&app, "/deconnexion", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(!browser.get(&app, "/").await.text.contains("Julien"));
}

mod sign_out {
    use super::*;
    on_both_engines!(signing_out_needs_the_token);
}

/// A refused claim is not filed again at once: for a week the organisation's page says
/// from when it may be asked again and offers no button, and a request anyway (page or
/// API) is refused with that date; afterwards it may be asked again.
async fn a_refused_claim_waits_a_week(engine: Engine) {
    let app = TestApp::new(engine).await;
    common::create_user_with_roles(
        &app.store,
        "moderation@civiforge.fr",
        "Modération",
        "mot-de-passe-long",
        false,
        true,
    )
    .await
    .expect("moderator");
    let moderator = common::create_token(&app.store, "moderation@civiforge.fr", "t", None)
        .await
        .expect("token");
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    let mut browser = Browser::default();
    browser
        .sign_in(&app, "julien@agglo.fr", "mot-de-passe-long")
        .await;
    let page = "/organisations/commune-13047";
    let ask = format!("{page}/demande");
    browser.get(&app, page).await;
    assert_eq!(
        browser.submit(&app, &ask, &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let claims = app
        .request("GET", "/api/v1/claims", Some(&moderator), None)
        .await;
    let id = claims.body["items"][0]["id"].as_i64().expect("claim id");
    let decided = app
        .request(
            "POST",
            &format!("/api/v1/claims/{id}/decision"),
            Some(&moderator),
            Some(serde_json::json!({"verified": false})),
        )
        .await;
    assert_eq!(decided.body["status"], "rejected", "{}", decided.text);

    let shown = Page::parse(&browser.get(&app, page).await.text);
    let state = shown.text("#agir ~ p strong");
    assert!(
        state.starts_with("refusée") && state.contains("à partir du"),
        "{state}"
    );
    assert!(shown.forms(&ask).is_empty(), "no button for a week");
    let account = browser.get(&app, "/compte").await;
    assert!(account.text.contains("à partir du"), "{}", account.text);

    let again = browser.submit(&app, &ask, &[]).await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.text
    );
    assert!(again.text.contains("à partir du"), "{}", again.text);
    let api = app
        .post(
            "/api/v1/claims",
            &token,
            serde_json::json!({"organisation": "commune-13047"}),
        )
        .await;
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", api.text);
    assert_eq!(api.error_code(), "claim_refused_recently");
    let listed = app
        .request("GET", "/api/v1/claims", Some(&moderator), None)
        .await;
    assert_eq!(listed.body["items"][0]["status"], "rejected");

    // A week and a day later.
    app.db
        .execute(
            "UPDATE claims SET decided_at = $1",
            &[common::Bind::Time(
                chrono::Utc::now() - chrono::Duration::days(8),
            )],
        )
        .await;
    let shown = Page::parse(&browser.get(&app, page).await.text);
    assert_eq!(shown.forms(&ask).len(), 1, "the button is back");
    assert_eq!(
        browser.submit(&app, &ask, &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let listed = app
        .request("GET", "/api/v1/claims", Some(&moderator), None)
        .await;
    assert_eq!(listed.body["items"][0]["status"], "pending");
}

mod claims {
    use super::*;
    on_both_engines!(a_refused_claim_waits_a_week);
}

/// A body too large gets the API's envelope under `/api/` and the French page elsewhere,
/// not the framework's English text (see `probe_server.rs` for 414 and 431, which need a
/// real connection).
async fn a_body_too_large_is_answered_in_french(engine: Engine) {
    let app = TestApp::new(engine).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    let mut browser = Browser::default();
    browser.get(&app, "/connexion").await;
    let big = "a".repeat(100 * 1024);
    let page = browser
        .submit(&app, "/connexion", &[("email", big.as_str())])
        .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        page.headers["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/html")),
        "{:?}",
        page.headers
    );
    let html = Page::parse(&page.text);
    assert!(html.text("h1").contains("trop volumineu"), "{}", page.text);
    assert_eq!(html.attr("html", "lang"), "fr");

    for uri in ["/api/v1/projects", "/api/v1/claims"] {
        let request = axum::http::Request::builder()
            .method("POST")
            .uri(uri)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(format!("{{\"name\":\"{big}\"}}")))
            .expect("request");
        let answer = app.send(request).await;
        assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{uri}");
        assert_eq!(answer.error_code(), "payload_too_large", "{uri}");
    }
    // An API route that reads no JSON still answers in the envelope.
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/projects")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "text/plain")
        .body(axum::body::Body::from(big.clone()))
        .expect("request");
    let answer = app.send(request).await;
    assert!(answer.status.is_client_error());
    assert!(answer.body["error"]["code"].is_string(), "{}", answer.text);
}

mod limits {
    use super::*;
    on_both_engines!(a_body_too_large_is_answered_in_french);
}

/// The authentication scheme is case-insensitive (RFC 9110): `bearer`, `BEARER` and
/// `Bearer` alike; another scheme or none is still refused.
async fn the_bearer_scheme_is_case_insensitive(engine: Engine) {
    let app = TestApp::new(engine).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    let call = |authorization: String| {
        let request = axum::http::Request::builder()
            .method("POST")
            .uri("/api/v1/projects")
            .header("authorization", authorization)
            .header("content-type", "application/json")
            .body(axum::body::Body::from(
                serde_json::json!({"repository_url": format!("https://forge.example.org/{}.git", rand_name())})
                    .to_string(),
            ))
            .expect("request");
        app.send(request)
    };
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let answer = call(format!("{scheme} {token}")).await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "{scheme}: {}",
            answer.text
        );
    }
    let answer = call(format!("bearer   {token}  ")).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    for refused in [
        format!("Basic {token}"),
        format!("Bearer{token}"),
        token.clone(),
        "bearer ".to_string(),
    ] {
        let answer = call(refused.clone()).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{refused}");
        assert_eq!(answer.error_code(), "invalid_token", "{refused}");
    }
}

fn rand_name() -> String {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).expect("random");
    hex::encode(bytes)
}

mod bearer {
    use super::*;
    on_both_engines!(the_bearer_scheme_is_case_insensitive);
}

/// The app over a store opened here: SQLite waits 300 ms for a lock instead of 10 s,
/// PostgreSQL the same (`lock_timeout`), so that a locked database shows quickly.
async fn app_with_short_lock_waits(db: common::TestDb) -> TestApp {
    let store: std::sync::Arc<dyn civiforge::store::Store> = match db.engine() {
        Engine::Sqlite => std::sync::Arc::new(
            civiforge::store::SqliteStore::connect_with_busy_timeout(
                &db.url,
                std::time::Duration::from_millis(300),
            )
            .await
            .expect("sqlite"),
        ),
        Engine::Postgres => {
            civiforge::store::connect(&format!("{}?options=-c%20lock_timeout%3D300ms", db.url))
                .await
                .expect("postgres")
        }
    };
    let key = civiforge::secrets::ServerKey::from_hex(&"ab".repeat(32)).expect("key");
    let data_dir = tempfile::tempdir().expect("data dir");
    let search = civiforge::search::SearchService::new(data_dir.path(), store.clone());
    search.open_or_rebuild().await.expect("search index");
    let state = civiforge::app::AppState::new(
        store.clone(),
        civiforge_indexer::RepositoryUrlPolicy::default(),
        key,
        search.clone(),
        data_dir.path(),
    );
    TestApp {
        store,
        db,
        search,
        data_dir,
        state,
    }
}

/// Another connection holding the database's write lock (SQLite `BEGIN EXCLUSIVE`) or the
/// tables' locks (PostgreSQL `LOCK TABLE`), until dropped.
enum Locker {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

async fn lock_database(db: &common::TestDb) -> Locker {
    use sqlx::Connection;
    match db.engine() {
        Engine::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&db.url)
                .await
                .expect("connect");
            sqlx::raw_sql("BEGIN EXCLUSIVE")
                .execute(&mut conn)
                .await
                .expect("lock");
            Locker::Sqlite(conn)
        }
        Engine::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.expect("connect");
            sqlx::raw_sql(
                "BEGIN; LOCK TABLE projects, auth_attempts, sessions IN ACCESS EXCLUSIVE MODE",
            )
            .execute(&mut conn)
            .await
            .expect("lock");
            Locker::Postgres(conn)
        }
    }
}

async fn unlock(locker: Locker) {
    use sqlx::Connection;
    match locker {
        Locker::Sqlite(mut conn) => {
            sqlx::raw_sql("ROLLBACK")
                .execute(&mut conn)
                .await
                .expect("unlock");
            conn.close().await.expect("close");
        }
        Locker::Postgres(mut conn) => {
            sqlx::raw_sql("ROLLBACK")
                .execute(&mut conn)
                .await
                .expect("unlock");
            conn.close().await.expect("close");
        }
    }
}

/// A database another connection keeps locked answers 503 `database_unavailable` (the API)
/// or the French « indisponible » page, not 500; `/healthz` fails while the database cannot
/// be written, and everything comes back when the lock is released.
async fn a_locked_database_is_unavailable_not_broken(engine: Engine) {
    let app = app_with_short_lock_waits(common::TestDb::new(engine).await).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    let register = serde_json::json!({"repository_url": "https://forge.example.org/verrou.git"});
    let mut browser = Browser::default();
    browser.get(&app, "/connexion").await;

    let locker = lock_database(&app.db).await;
    let answer = app.post("/api/v1/projects", &token, register.clone()).await;
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.text
    );
    assert_eq!(answer.error_code(), "database_unavailable");
    let fields = [
        ("email", "julien@agglo.fr"),
        ("password", "mot-de-passe-long"),
    ];
    let page = browser.submit(&app, "/connexion", &fields).await;
    assert_eq!(
        page.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        page.text
    );
    assert!(
        page.text.contains("momentanément indisponible"),
        "{}",
        page.text
    );
    let health = app.get("/healthz").await;
    assert_eq!(
        health.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        health.text
    );
    assert_eq!(health.body["status"], "unavailable");

    unlock(locker).await;
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    let answer = app.post("/api/v1/projects", &token, register).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
}

/// With the settings `civiforge serve` uses (no shortened wait), a lock held longer than
/// the store's limit answers 503 after that limit, on PostgreSQL as on SQLite, instead of
/// holding the request for as long as the lock lasts.
async fn a_lock_held_too_long_gives_up_with_production_settings(engine: Engine) {
    let app = TestApp::new(engine).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    let register = serde_json::json!({"repository_url": "https://forge.example.org/long.git"});
    let locker = lock_database(&app.db).await;
    let started = std::time::Instant::now();
    let answer = tokio::time::timeout(
        civiforge::store::LOCK_WAIT * 3,
        app.post("/api/v1/projects", &token, register.clone()),
    )
    .await
    .expect("the request waited for the lock far past the store's limit");
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.text
    );
    assert_eq!(answer.error_code(), "database_unavailable");
    assert!(
        started.elapsed() >= civiforge::store::LOCK_WAIT / 2,
        "gave up before waiting for the lock at all"
    );
    unlock(locker).await;
    let answer = app.post("/api/v1/projects", &token, register).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
}

mod unavailable {
    use super::*;
    on_both_engines!(
        a_locked_database_is_unavailable_not_broken,
        a_lock_held_too_long_gives_up_with_production_settings
    );
}

/// One repository is registered once, whatever its spelling: with or without `.git`, a
/// trailing slash, doubled slashes, a query, a fragment, the default port, `/.git` or `..`
/// in the path; the refusal names the project that has it.
async fn one_repository_is_registered_once(engine: Engine) {
    let app = TestApp::new(engine).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    let first = app
        .post(
            "/api/v1/projects",
            &token,
            serde_json::json!({"repository_url": "https://Forge.Example.org/mairie/openelec.git", "slug": "openelec"}),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(
        first.body["repository_url"],
        "https://forge.example.org/mairie/openelec.git"
    );
    for (n, spelling) in [
        "https://forge.example.org/mairie/openelec",
        "https://forge.example.org/mairie/openelec/",
        "https://forge.example.org/mairie/openelec.git/",
        "https://forge.example.org//mairie//openelec.git",
        "https://forge.example.org/mairie/openelec.git?ref=main",
        "https://forge.example.org/mairie/openelec#readme",
        "https://forge.example.org:443/mairie/openelec.git",
        "https://forge.example.org/mairie/openelec/.git",
        "https://forge.example.org/mairie/autre/../openelec.git",
        "https://forge.example.org./mairie/openelec.git",
        "HTTPS://FORGE.EXAMPLE.ORG/mairie/openelec.git",
    ]
    .into_iter()
    .enumerate()
    {
        let answer = app
            .post(
                "/api/v1/projects",
                &token,
                serde_json::json!({"repository_url": spelling, "slug": format!("copie-{n}")}),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::CONFLICT,
            "{spelling}: {}",
            answer.text
        );
        assert_eq!(
            answer.error_code(),
            "repository_already_registered",
            "{spelling}"
        );
        assert!(
            answer.body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("« openelec »")),
            "{spelling}: {}",
            answer.text
        );
    }
    // Another repository of the same group is another project.
    let other = app
        .post(
            "/api/v1/projects",
            &token,
            serde_json::json!({"repository_url": "https://forge.example.org/mairie/openelec-2.git"}),
        )
        .await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.text);
    let listed = app.get("/api/v1/projects").await;
    assert_eq!(listed.body["total"], 2);
}

mod repositories {
    use super::*;
    on_both_engines!(one_repository_is_registered_once);
}
