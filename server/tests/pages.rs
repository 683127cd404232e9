//! The HTML pages as a browser receives them: French, escaped, with the right statuses,
//! cache headers and links; on both engines.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::html::Page;
use common::{Engine, TestApp};
use serde_json::json;

async fn catalogue(engine: Engine) -> TestApp {
    let app = TestApp::new(engine).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    for (slug, name, summary, category) in [
        (
            "opencimetiere",
            "openCimetière",
            "Gestion des cimetières et des concessions funéraires.",
            "cimetieres",
        ),
        (
            "openelec",
            "openElec",
            "Gestion des listes électorales.",
            "elections",
        ),
        (
            "piege",
            "<script>alert('nom')</script>",
            "<img src=x onerror=alert(1)> résumé",
            "autre",
        ),
    ] {
        let response = app
            .post("/api/v1/projects", &token, json!({"repository_url": format!("https://forge.example.org/{slug}.git"), "slug": slug, "name": name, "summary": summary, "categories": [category]}))
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    }
    for organisation in ["commune-13047", "commune-13039", "commune-2A004"] {
        let response = app
            .post("/api/v1/adoptions", &token, json!({"project": "opencimetiere", "organisation": organisation, "version": "4.1.0", "since": "2019-03-01"}))
            .await;
        assert_eq!(response.status, StatusCode::CREATED);
    }
    app.sync_search().await;
    app
}

async fn page(app: &TestApp, uri: &str) -> (StatusCode, String) {
    let response = app.get(uri).await;
    (response.status, response.text)
}

/// A French page: its language, its title, a description, and a skip link to the main
/// content that exists.
fn assert_french_page(html: &str, title: &str) -> Page {
    assert!(
        html.starts_with("<!doctype html>"),
        "{}",
        &html[..html.len().min(200)]
    );
    let page = Page::parse(html);
    assert_eq!(page.attr("html", "lang"), "fr");
    assert_eq!(page.text("head title"), format!("{title} — civiforge"));
    assert!(page.attr("meta[name=description]", "content").len() > 20);
    assert_eq!(
        page.text("a.skip-link[href=\"#contenu\"]"),
        "Aller au contenu"
    );
    assert_eq!(
        page.one("#contenu").value().name(),
        "main",
        "the skip link leads to the main content"
    );
    page
}

async fn every_page_type_renders_in_french(engine: Engine) {
    let app = catalogue(engine).await;
    let (status, home) = page(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    let html = assert_french_page(&home, "Accueil");
    let cemeteries = "a[href=\"/categories/cimetieres\"]";
    assert_eq!(html.text(cemeteries), "Cimetières 1");
    assert_eq!(html.text(&format!("{cemeteries} span.count")), "1");
    assert!(home.contains("<strong>3</strong> organisations utilisatrices"));

    let (status, project) = page(&app, "/projets/opencimetiere").await;
    assert_eq!(status, StatusCode::OK);
    let html = assert_french_page(&project, "openCimetière");
    assert_eq!(
        html.attr("link[rel=canonical]", "href"),
        "/projets/opencimetiere"
    );
    assert!(
        html.has("[role=img][aria-label=\"Carte de France : organisations utilisatrices dans 2 départements\"]")
    );
    assert!(html.has("[aria-label=\"Versions en service : 4.1.0 : 3\"]"));
    // The adopters' table: one row per organisation, linked to its page.
    let adopters: Vec<String> = html
        .all("table a[href^=\"/organisations/\"]")
        .into_iter()
        .map(|a| a.attr("href").expect("href").to_string())
        .collect();
    assert_eq!(
        adopters,
        [
            "/organisations/commune-2A004",
            "/organisations/commune-13039",
            "/organisations/commune-13047"
        ],
        "Ajaccio, Fos-sur-Mer, Istres"
    );
    assert_eq!(
        html.text("table a[href=\"/organisations/commune-13047\"]"),
        "Istres"
    );
    assert!(project.contains("en service"));

    let (status, search) = page(&app, "/recherche?q=cimetieres&category=cimetieres").await;
    assert_eq!(status, StatusCode::OK);
    let html = assert_french_page(&search, "« cimetieres » — Recherche");
    assert!(search.contains("1 résultat"));
    assert!(
        html.texts("b").contains(&"cimetières".to_string()),
        "highlight"
    );
    assert!(
        search.contains("Domaine : Cimetières"),
        "active filter shown"
    );
    assert!(
        search.contains("Bouches-du-Rhône (13)"),
        "département facet named"
    );

    let (status, none) = page(&app, "/recherche?q=cimetierre%20zzzzzz&category=elections").await;
    assert_eq!(status, StatusCode::OK);
    assert!(none.contains("Aucun logiciel ne correspond"));
    assert!(none.contains("sans filtre"), "offers a broader search");

    let (status, organisation) = page(&app, "/organisations/commune-13047").await;
    assert_eq!(status, StatusCode::OK);
    let html = assert_french_page(&organisation, "Istres");
    assert!(organisation.contains("Bouches-du-Rhône (13)"));
    assert_eq!(
        html.text("a[href=\"/organisations/epci-200054807\"]"),
        "Métropole d'Aix-Marseille-Provence",
        "its intercommunality, linked"
    );
    // Fos-sur-Mer, in the same département, is offered what Istres uses.
    let (_, fos) = page(&app, "/organisations/commune-13048").await;
    let html = Page::parse(&fos);
    let suggestions: Vec<String> = html.texts(".card");
    assert_eq!(suggestions.len(), 1, "{suggestions:?}");
    assert_eq!(
        html.text(".card a[href=\"/projets/opencimetiere\"]"),
        "openCimetière"
    );
    assert!(suggestions[0].contains("du département"), "{suggestions:?}");

    let (status, category) = page(&app, "/categories/cimetieres").await;
    assert_eq!(status, StatusCode::OK);
    assert_french_page(&category, "Cimetières");
}

async fn user_text_is_escaped_everywhere(engine: Engine) {
    let app = catalogue(engine).await;
    for uri in [
        "/projets/piege",
        "/recherche?q=r%C3%A9sum%C3%A9",
        "/categories/autre",
        "/",
    ] {
        let (status, html) = page(&app, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(!html.contains("<script>alert"), "{uri}");
        assert!(!html.contains("<img src=x"), "{uri}");
    }
    let (_, project) = page(&app, "/projets/piege").await;
    assert!(project.contains("&lt;script&gt;alert("), "{project}");
    let (_, search) = page(&app, "/recherche?q=%3Cscript%3Ealert(2)%3C/script%3E").await;
    assert!(!search.contains("<script>alert(2)"));
}

async fn http_is_done_well(engine: Engine) {
    let app = catalogue(engine).await;
    let (status, missing) = page(&app, "/projets/inexistant").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_french_page(&missing, "Page introuvable");
    let (status, _) = page(&app, "/nulle/part").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        page(&app, "/categories/inconnue").await.0,
        StatusCode::NOT_FOUND
    );

    // Old codes lead to the current commune.
    let redirect = app.get("/organisations/commune-13201").await;
    assert_eq!(redirect.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        redirect.headers.get(header::LOCATION).map(|v| v.as_bytes()),
        Some(&b"/organisations/commune-13055"[..])
    );

    // The stylesheet: hashed name, cached for a year, revalidated by ETag.
    let (_, home) = page(&app, "/").await;
    let css_path = Page::parse(&home).attr("link[rel=stylesheet]", "href");
    assert!(css_path.starts_with("/static/civiforge."), "{css_path}");
    let css_path = css_path.as_str();
    let css = app.get(css_path).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(
        css.headers[header::CONTENT_TYPE]
            .to_str()
            .expect("type")
            .starts_with("text/css")
    );
    assert_eq!(
        css.headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    let etag = css.headers[header::ETAG].clone();
    let revalidated = app
        .send(
            Request::builder()
                .uri(css_path)
                .header(header::IF_NONE_MATCH, etag)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(revalidated.status, StatusCode::NOT_MODIFIED);
    assert_eq!(
        app.get("/static/civiforge.000000000000.css").await.status,
        StatusCode::NOT_FOUND
    );

    let compressed = app
        .send(
            Request::builder()
                .uri("/")
                .header(header::ACCEPT_ENCODING, "gzip")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(
        compressed
            .headers
            .get(header::CONTENT_ENCODING)
            .map(|v| v.as_bytes()),
        Some(&b"gzip"[..])
    );

    // Security headers on pages and API alike.
    for uri in ["/", "/api/v1/projects"] {
        let response = app.get(uri).await;
        let csp = response.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("csp");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(response.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(
            response.headers[header::REFERRER_POLICY],
            "strict-origin-when-cross-origin"
        );
    }

    let (status, robots) = page(&app, "/robots.txt").await;
    assert_eq!(status, StatusCode::OK);
    assert!(robots.contains("Disallow: /api/"));
    let (_, sitemap) = page(&app, "/plan-du-site.xml").await;
    assert!(sitemap.contains("<loc>/projets/opencimetiere</loc>"));
    assert!(sitemap.contains("<loc>/categories/etat-civil</loc>"));
}

on_both_engines!(
    every_page_type_renders_in_french,
    user_text_is_escaped_everywhere,
    http_is_done_well
);
