//! Proven addresses and outgoing mail: a sign-up's address vouches for nothing until its
//! link is followed; forgotten passwords are reset by a link, with the same answer for
//! unknown addresses; messages go through a real SMTP server on loopback, are retried when
//! it refuses, and land as .eml files in the outbox without one.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use civiforge::mail::{Mailer, deliver_due};
use common::browser::Browser;
use common::html::{Page, hidden};
use common::smtp::SmtpServer;
use common::{Engine, TestApp, create_token, create_user_with_roles};
use serde_json::json;

const PASSWORD: &str = "un mot de passe solide";

async fn smtp_mailer(server: &SmtpServer) -> Mailer {
    Mailer::new(
        Some(&server.url()),
        "civiforge@agglo.test",
        std::path::Path::new("/nonexistent"),
    )
    .expect("mailer")
}

/// Signs up through the form, as a visitor would.
async fn sign_up(app: &TestApp, browser: &mut Browser, email: &str) {
    browser.get(app, "/inscription").await;
    let signed_up = browser
        .submit(
            app,
            "/inscription",
            &[
                ("name", "Quelqu'un"),
                ("email", email),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        signed_up.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_up.text
    );
}

/// Follows a link from a message: opens its page, presses its button.
async fn follow(
    app: &TestApp,
    browser: &mut Browser,
    link: &str,
    extra: &[(&str, &str)],
) -> String {
    let path = link
        .strip_prefix("http://127.0.0.1:8080")
        .expect("a link to this instance");
    let opened = browser.get(app, path).await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.text);
    let page = Page::parse(&opened.text);
    let form = page.one("main form");
    let action = form.value().attr("action").expect("action").to_string();
    let token = hidden(form, "jeton").expect("the link's token in the form");
    let mut fields = vec![("jeton", token.as_str())];
    fields.extend_from_slice(extra);
    let done = browser.submit(app, &action, &fields).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    done.text
}

async fn an_address_vouches_only_once_proven(engine: Engine) {
    let app = TestApp::new(engine).await;
    let smtp = SmtpServer::start(false).await;
    let mailer = smtp_mailer(&smtp).await;
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
    let moderator = create_token(&app.store, "moderation@civiforge.fr", "t", None)
        .await
        .expect("token");
    let listed = app
        .request(
            "PUT",
            "/api/v1/organisations/commune-13047/email-domains",
            Some(&moderator),
            Some(json!({"domains": ["istres.fr"]})),
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);

    // Anyone can sign up as anything@istres.fr: until the link is followed, the address
    // vouches for nothing.
    let mut visitor = Browser::default();
    sign_up(&app, &mut visitor, "nimporte.qui@istres.fr").await;
    let account = visitor.get(&app, "/compte").await;
    assert!(
        account.text.contains("Adresse non confirmée"),
        "{}",
        account.text
    );
    visitor
        .submit(&app, "/organisations/commune-13047/demande", &[])
        .await;
    let claims = app.store.claims(None, None).await.expect("claims");
    assert_eq!(claims.len(), 1);
    assert_eq!(
        claims[0].status.as_str(),
        "pending",
        "an unproven address verified nothing"
    );

    // The link arrives by mail; following it proves the address.
    assert_eq!(
        deliver_due(app.store.as_ref(), &mailer)
            .await
            .expect("deliver"),
        1
    );
    let received = smtp.received();
    assert_eq!(received.len(), 1);
    assert!(
        received[0].to[0].contains("nimporte.qui@istres.fr"),
        "{:?}",
        received[0].to
    );
    assert!(
        received[0].decoded().contains("Confirmez votre adresse"),
        "{}",
        received[0].decoded()
    );
    assert!(
        received[0].data.contains("text/html"),
        "plain text and HTML"
    );
    let link = received[0]
        .link("http://127.0.0.1:8080/confirmer-adresse")
        .expect("link");
    let confirmed = follow(&app, &mut visitor, &link, &[]).await;
    assert!(confirmed.contains("est confirmée"), "{confirmed}");
    let user = app
        .store
        .user_by_email("nimporte.qui@istres.fr")
        .await
        .expect("query")
        .expect("user");
    assert!(user.email_confirmed_at.is_some());
    visitor
        .submit(&app, "/organisations/commune-13047/demande", &[])
        .await;
    let claims = app.store.claims(None, None).await.expect("claims");
    assert_eq!(
        claims[0].status.as_str(),
        "verified",
        "a proven address vouches"
    );

    // The link served once.
    let again = visitor
        .submit(
            &app,
            "/confirmer-adresse",
            &[("jeton", link.rsplit('=').next().unwrap_or_default())],
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.text
    );
    assert!(again.text.contains("déjà servi"), "{}", again.text);
    let log = app
        .store
        .audit_log(civiforge::model::Window {
            limit: 50,
            offset: 0,
        })
        .await
        .expect("log");
    assert!(
        log.items
            .iter()
            .any(|e| e.action.as_str() == "user.email_confirm")
    );
}

async fn a_forgotten_password_is_reset_by_a_link(engine: Engine) {
    let app = TestApp::new(engine).await;
    let smtp = SmtpServer::start(false).await;
    let mailer = smtp_mailer(&smtp).await;
    create_user_with_roles(
        &app.store,
        "agent@mairie-fos.fr",
        "Agent",
        PASSWORD,
        false,
        false,
    )
    .await
    .expect("user");
    let mut old_session = Browser::default();
    old_session
        .sign_in(&app, "agent@mairie-fos.fr", PASSWORD)
        .await;

    // The same answer whether the address has an account or not.
    let mut visitor = Browser::default();
    visitor.get(&app, "/mot-de-passe-oublie").await;
    let known = visitor
        .submit(
            &app,
            "/mot-de-passe-oublie",
            &[("email", "Agent@Mairie-Fos.fr")],
        )
        .await;
    let unknown = visitor
        .submit(
            &app,
            "/mot-de-passe-oublie",
            &[("email", "personne@mairie-fos.fr")],
        )
        .await;
    assert_eq!(
        (known.status, unknown.status),
        (StatusCode::OK, StatusCode::OK)
    );
    let notice = |text: &str| Page::parse(text).text("[role=status]");
    assert_eq!(
        notice(&known.text),
        notice(&unknown.text),
        "nothing tells who has an account"
    );
    assert_eq!(
        deliver_due(app.store.as_ref(), &mailer)
            .await
            .expect("deliver"),
        1
    );
    let received = smtp.received();
    assert_eq!(received.len(), 1, "one message, to the real account");
    let link = received[0]
        .link("http://127.0.0.1:8080/reinitialiser-mot-de-passe")
        .expect("link");

    // A password that breaks the rules is refused beside its field, the link still works.
    let path = link.strip_prefix("http://127.0.0.1:8080").expect("path");
    visitor.get(&app, path).await;
    let token = link.rsplit('=').next().unwrap_or_default().to_string();
    let short = visitor
        .submit(
            &app,
            "/reinitialiser-mot-de-passe",
            &[("jeton", &token), ("password", "court")],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        Page::parse(&short.text)
            .text("#erreur-password")
            .contains("10 caractères")
    );
    let done = follow(
        &app,
        &mut visitor,
        &link,
        &[("password", "un nouveau mot de passe")],
    )
    .await;
    assert!(done.contains("Mot de passe changé"), "{done}");

    // The new password signs in, the old session is over, the link is spent.
    let mut fresh = Browser::default();
    fresh
        .sign_in(&app, "agent@mairie-fos.fr", "un nouveau mot de passe")
        .await;
    let ended = old_session.get(&app, "/compte").await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER, "the old session ended");
    let spent = visitor.get(&app, path).await;
    assert_eq!(spent.status, StatusCode::NOT_FOUND);
}

async fn a_refusing_mail_server_gets_the_message_again_later(engine: Engine) {
    let app = TestApp::new(engine).await;
    let smtp = SmtpServer::start(true).await;
    let mailer = smtp_mailer(&smtp).await;
    let mut visitor = Browser::default();
    sign_up(&app, &mut visitor, "claire@mairie-istres.fr").await;
    assert_eq!(
        deliver_due(app.store.as_ref(), &mailer)
            .await
            .expect("attempt"),
        0
    );
    assert_eq!(
        deliver_due(app.store.as_ref(), &mailer)
            .await
            .expect("too soon"),
        0,
        "not tried again at once"
    );
    let rows: Vec<(i64, Option<String>)> = app
        .db
        .fetch("SELECT attempts, last_error FROM outbox", &[])
        .await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, 1, "{rows:?}");
    assert!(
        rows[0].1.as_deref().unwrap_or_default().contains("451"),
        "the server's answer is kept: {rows:?}"
    );
    assert!(smtp.received().is_empty());
}

on_both_engines!(
    an_address_vouches_only_once_proven,
    a_forgotten_password_is_reset_by_a_link,
    a_refusing_mail_server_gets_the_message_again_later,
);

/// A fresh `civiforge serve` without SMTP writes its messages to `<data-dir>/outbox/`.
#[tokio::test]
async fn without_a_mail_server_messages_land_in_the_outbox() {
    let dir = tempfile::tempdir().expect("dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_civiforge"))
        .args(["--data-dir"])
        .arg(dir.path())
        .args(["--listen", &format!("127.0.0.1:{port}"), "serve"])
        .env("CIVIFORGE_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .expect("serve");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    // Ready when the form answers with its anti-forgery cookie (migrations run first).
    let cookie = loop {
        if let Ok(response) = client
            .get(format!("{base}/mot-de-passe-oublie"))
            .send()
            .await
            && response.status() == reqwest::StatusCode::OK
            && let Some(cookie) = response
                .headers()
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find(|c| c.starts_with("civiforge_csrf="))
                .and_then(|c| c.split(';').next())
        {
            break cookie.to_string();
        }
        assert!(std::time::Instant::now() < deadline, "server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let csrf = cookie.trim_start_matches("civiforge_csrf=").to_string();
    // A real account: an administrator makes it (its address is then proven), and the
    // visitor asks for a reset link.
    let created = std::process::Command::new(env!("CARGO_BIN_EXE_civiforge"))
        .args(["--data-dir"])
        .arg(dir.path())
        .args([
            "admin",
            "create-user",
            "--email",
            "agent@agglo.fr",
            "--name",
            "Agent",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(b"un mot de passe solide\n")?;
            child.wait_with_output()
        })
        .expect("create-user");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let asked = client
        .post(format!("{base}/mot-de-passe-oublie"))
        .header("cookie", &cookie)
        .header("origin", &base)
        .form(&[("csrf", csrf.as_str()), ("email", "agent@agglo.fr")])
        .send()
        .await
        .expect("post");
    assert_eq!(asked.status(), reqwest::StatusCode::OK);
    let outbox = dir.path().join("outbox");
    let message = loop {
        let found = std::fs::read_dir(&outbox)
            .ok()
            .and_then(|mut entries| entries.next())
            .and_then(Result::ok)
            .map(|entry| entry.path());
        if let Some(path) = found {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &std::path::Path| {
                std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
            };
            assert_eq!(mode(&path), 0o600, "a message holds a single-use link");
            assert_eq!(mode(&outbox), 0o700);
            break std::fs::read_to_string(path).expect("eml");
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no message in {}",
            outbox.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(message.contains("To: agent@agglo.fr"), "{message}");
    assert!(message.contains("From: civiforge@localhost"), "{message}");
    assert!(message.contains("reinitialiser-mot-de-passe"), "{message}");
    server.kill().await.expect("kill");
}
