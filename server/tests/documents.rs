//! Shared documents (issue #11): the members of the openElec working group share the minutes
//! of their meeting, a specification and a link to a study; a town outside the group and
//! the project's maintainers share documents about openElec. Files are judged by their
//! content, kept under `<data-dir>/documents/` by their SHA-256 and only ever downloaded as
//! attachments. Every bad upload — HTML or an executable named `.pdf`, a zip bomb named
//! `.docx`, 21 MB, a `../` name — is refused with nothing written, on both engines, through
//! the API and the page's form.

mod common;

use std::path::Path;

use axum::http::{StatusCode, header};
use common::browser::Browser;
use common::html::Page;
use common::uploads::{docx, docx_bomb, odt, pdf};
use common::{Engine, TestApp, assert_has_row, verified_agent};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const GROUP_DOCUMENTS: &str = "/api/v1/groups/openelec/documents";
const PROJECT_DOCUMENTS: &str = "/api/v1/projects/openelec/documents";

/// Every file kept under the data directory's `documents/`.
fn kept_files(data_dir: &Path) -> Vec<String> {
    let root = data_dir.join("documents");
    let mut files = Vec::new();
    for folder in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        for file in std::fs::read_dir(folder.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            files.push(file.file_name().to_string_lossy().into_owned());
        }
    }
    files.sort();
    files
}

fn titles(list: &Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|d| d["title"].as_str().expect("title"))
        .collect()
}

async fn the_openelec_group_shares_its_documents(engine: Engine) {
    let app = TestApp::new(engine).await;
    let moderator = app.moderator_token("moderation@civiforge.fr").await;
    let maintainer = app
        .user_token("equipe@openmairie.org", "Équipe openMairie")
        .await;
    app.create(
        "/api/v1/projects",
        &maintainer,
        json!({"repository_url": "https://gitlab.adullact.net/openmairie/openelec.git", "name": "openElec", "slug": "openelec"}),
    )
    .await;
    let arles = verified_agent(&app, &moderator, "dsi@ville-arles.fr", "commune-13004").await;
    let istres = verified_agent(&app, &moderator, "dsi@istres.fr", "commune-13047").await;
    let vitrolles = verified_agent(&app, &moderator, "dsi@vitrolles.fr", "commune-13117").await;
    app.create(
        "/api/v1/groups",
        &arles,
        json!({"name": "openElec", "theme": "Élections", "projects": ["openelec"],
               "lead": "commune-13004", "members": ["commune-13004", "commune-13047", "commune-13039"]}),
    )
    .await;

    // Istres shares the minutes of the meeting, Arles a specification and a study's link.
    let minutes = pdf("Réunion des DSI du 14 juin 2007");
    let shared = app
        .upload(
            GROUP_DOCUMENTS,
            &istres,
            &[
                (
                    "title",
                    "Compte rendu de la réunion des DSI du 14 juin 2007",
                ),
                ("kind", "minutes"),
                ("date", "2007-06-14"),
            ],
            Some(("file", "compte-rendu-2007-06-14.pdf", &minutes)),
        )
        .await;
    assert_eq!(shared.status, StatusCode::CREATED, "{}", shared.text);
    let minutes_id = shared.body["id"].as_i64().expect("id");
    assert_eq!(shared.body["organisation"], "commune-13047");
    assert_eq!(shared.body["organisation_name"], "Istres");
    assert_eq!(shared.body["group"], "openelec");
    let sha256 = hex::encode(Sha256::digest(&minutes));
    assert_eq!(shared.body["file"]["sha256"], sha256.as_str());
    assert_eq!(shared.body["file"]["media_type"], "application/pdf");
    assert_eq!(shared.body["file"]["size_bytes"], minutes.len());
    let on_disk = app
        .data_dir
        .path()
        .join("documents")
        .join(&sha256[..2])
        .join(&sha256);
    assert_eq!(
        std::fs::read(&on_disk).expect("kept by its digest"),
        minutes
    );

    let specification = docx("Cahier des charges openElec 2.03");
    let shared = app
        .upload(
            GROUP_DOCUMENTS,
            &arles,
            &[
                ("title", "Cahier des charges de la version 2.03"),
                ("kind", "specification"),
                ("date", "2007-09-01"),
            ],
            Some(("file", "cahier des charges 2.03", &specification)),
        )
        .await;
    assert_eq!(shared.status, StatusCode::CREATED, "{}", shared.text);
    assert_eq!(
        shared.body["file"]["filename"],
        "cahier des charges 2.03.docx"
    );
    let link = app
        .create(
            GROUP_DOCUMENTS,
            &arles,
            json!({"title": "Étude comparative des logiciels d'élections", "kind": "study",
                   "date": "2007-05-02", "url": "https://adullact.org/etudes/elections.pdf"}),
        )
        .await;
    assert!(link.body["file"].is_null());

    let listed = app.get(GROUP_DOCUMENTS).await;
    assert_eq!(
        titles(&listed.body),
        [
            "Cahier des charges de la version 2.03",
            "Compte rendu de la réunion des DSI du 14 juin 2007",
            "Étude comparative des logiciels d'élections",
        ]
    );
    assert_eq!(listed.body["items"][1]["kind"], "minutes");
    assert_eq!(listed.body["items"][1]["date"], "2007-06-14");

    // The download is an attachment under the name given, never rendered here.
    let download = app.get(&format!("/documents/{minutes_id}")).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.text.as_bytes(), minutes.as_slice());
    let header_of =
        |name: header::HeaderName| download.headers[name].to_str().expect("header").to_string();
    assert_eq!(header_of(header::CONTENT_TYPE), "application/pdf");
    assert_eq!(
        header_of(header::CONTENT_DISPOSITION),
        "attachment; filename=\"compte-rendu-2007-06-14.pdf\"; \
         filename*=UTF-8''compte-rendu-2007-06-14.pdf"
    );
    assert_eq!(header_of(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(
        header_of(header::CONTENT_SECURITY_POLICY),
        "default-src 'none'; sandbox"
    );

    // The group page lists them with their kind, date and organisation.
    let page = Page::parse(&app.get("/groupes/openelec").await.text);
    let rows = page.rows("table.documents");
    assert_has_row(
        &rows,
        &[
            "Compte rendu de la réunion des DSI du 14 juin 2007 (fichier PDF, 1 Ko)",
            "Compte rendu",
            "14 juin 2007",
            "Istres",
        ],
    );
    assert_has_row(
        &rows,
        &[
            "Étude comparative des logiciels d'élections (lien vers adullact.org)",
            "Étude comparative",
            "2 mai 2007",
            "Arles",
        ],
    );
    assert_eq!(
        page.attr(&format!("a[href='/documents/{minutes_id}']"), "download"),
        ""
    );

    // About the project: a town outside the group shares its study in its own name, the
    // maintainers theirs in no organisation's name.
    let study = odt("Étude de Vitrolles");
    let shared = app
        .upload(
            PROJECT_DOCUMENTS,
            &vitrolles,
            &[
                ("title", "Retour d'expérience de Vitrolles"),
                ("kind", "study"),
            ],
            Some(("file", "retour-vitrolles.odt", &study)),
        )
        .await;
    assert_eq!(shared.status, StatusCode::CREATED, "{}", shared.text);
    assert_eq!(shared.body["organisation_name"], "Vitrolles");
    assert_eq!(
        shared.body["file"]["media_type"],
        "application/vnd.oasis.opendocument.text"
    );
    let guide = pdf("Guide d'installation");
    let shared = app
        .upload(
            PROJECT_DOCUMENTS,
            &maintainer,
            &[("title", "Guide d'installation"), ("kind", "other")],
            Some(("file", "guide.pdf", &guide)),
        )
        .await;
    assert_eq!(shared.status, StatusCode::CREATED, "{}", shared.text);
    assert!(shared.body["organisation"].is_null());
    let project_page = Page::parse(&app.get("/projets/openelec").await.text);
    let rows = project_page.rows("table.documents");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows.iter().filter(|r| r[3] == "les mainteneurs").count(), 1);
    assert_eq!(rows.iter().filter(|r| r[3] == "Vitrolles").count(), 1);

    bad_uploads_are_refused_with_nothing_written(&app, &istres, &vitrolles).await;
    removal(&app, &istres, &vitrolles, minutes_id, &on_disk).await;
    the_page_form_works_without_javascript(&app).await;
}

/// A refused file: its name, what it is, its content, and the status, code and words of its
/// refusal.
type BadUpload<'a> = (&'a str, &'a str, &'a [u8], StatusCode, &'a str, &'a str);

/// Each bad upload gets a clear refusal; afterwards the lists and the folder are as before.
async fn bad_uploads_are_refused_with_nothing_written(app: &TestApp, istres: &str, outsider: &str) {
    let files_before = kept_files(app.data_dir.path());
    let group_before = app.get(GROUP_DOCUMENTS).await.body["total"].clone();
    let minutes = [("title", "Compte rendu"), ("kind", "minutes")];
    let html = b"<!DOCTYPE html><html><script>document.location='https://evil.example'</script>";
    let elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00";
    let windows = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00PE\x00\x00";
    let bomb = docx_bomb();
    let valid = pdf("valide");
    let too_large = {
        let mut bytes = pdf("gros");
        bytes.resize(21 * 1024 * 1024, b' ');
        bytes
    };
    let cases: [BadUpload<'_>; 7] = [
        (
            "compte-rendu.pdf",
            "HTML as a PDF",
            html,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "ni un PDF",
        ),
        (
            "compte-rendu.pdf",
            "a Linux executable",
            elf,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "ni un PDF",
        ),
        (
            "setup.pdf",
            "a Windows executable",
            windows,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "ni un PDF",
        ),
        (
            "cahier.docx",
            "a zip bomb",
            &bomb,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "bombe de décompression",
        ),
        (
            "gros.pdf",
            "21 MB",
            &too_large,
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "20 Mo",
        ),
        (
            "../../etc/cron.d/cr.pdf",
            "a path",
            &valid,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "nom de fichier refusé",
        ),
        (
            "cr\u{202e}fdp.exe",
            "an invisible reversal",
            &valid,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "nom de fichier refusé",
        ),
    ];
    for (filename, what, content, status, code, message) in cases {
        let answer = app
            .upload(
                GROUP_DOCUMENTS,
                istres,
                &minutes,
                Some(("file", filename, content)),
            )
            .await;
        assert_eq!(answer.status, status, "{what}: {}", answer.text);
        assert_eq!(answer.error_code(), code, "{what}: {}", answer.text);
        assert!(answer.text.contains(message), "{what}: {}", answer.text);
    }
    let file = Some(("file", "cr.pdf", valid.as_slice()));
    let refusals = [
        (
            istres,
            vec![("title", "CR"), ("kind", "memo")],
            file,
            StatusCode::UNPROCESSABLE_ENTITY,
            "specification",
        ),
        (
            istres,
            vec![("title", ""), ("kind", "minutes")],
            file,
            StatusCode::UNPROCESSABLE_ENTITY,
            "obligatoire",
        ),
        (
            istres,
            vec![
                ("title", "CR"),
                ("kind", "minutes"),
                ("date", "10000-01-01"),
            ],
            file,
            StatusCode::UNPROCESSABLE_ENTITY,
            "AAAA-MM-JJ",
        ),
        (
            istres,
            vec![
                ("title", "CR"),
                ("kind", "minutes"),
                ("url", "https://exemple.fr/cr.pdf"),
            ],
            file,
            StatusCode::UNPROCESSABLE_ENTITY,
            "pas les deux",
        ),
        (
            istres,
            vec![
                ("title", "CR"),
                ("kind", "minutes"),
                ("url", "javascript:alert(1)"),
            ],
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "http",
        ),
        (
            istres,
            vec![("title", "CR"), ("kind", "minutes")],
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "joignez un fichier",
        ),
        (
            istres,
            vec![("title", "CR"), ("kind", "minutes"), ("auteur", "x")],
            file,
            StatusCode::BAD_REQUEST,
            "champ inconnu",
        ),
        (
            istres,
            vec![
                ("title", "CR"),
                ("kind", "minutes"),
                ("organisation", "commune-13117"),
            ],
            file,
            StatusCode::UNPROCESSABLE_ENTITY,
            "ne fait pas partie",
        ),
        (
            istres,
            vec![
                ("title", "CR"),
                ("kind", "minutes"),
                ("organisation", "commune-13004"),
            ],
            file,
            StatusCode::FORBIDDEN,
            "pas agent vérifié",
        ),
        (
            outsider,
            vec![("title", "CR"), ("kind", "minutes")],
            file,
            StatusCode::FORBIDDEN,
            "organisations du groupe",
        ),
    ];
    for (token, fields, file, status, message) in refusals {
        let answer = app.upload(GROUP_DOCUMENTS, token, &fields, file).await;
        assert_eq!(answer.status, status, "{fields:?}: {}", answer.text);
        assert!(answer.text.contains(message), "{fields:?}: {}", answer.text);
    }
    let long_title = "É".repeat(40_000);
    let oversized = app
        .post(
            GROUP_DOCUMENTS,
            istres,
            json!({"title": long_title, "kind": "study", "url": "https://adullact.org/e.pdf"}),
        )
        .await;
    assert_eq!(
        oversized.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        oversized.text
    );
    let unknown = app
        .upload("/api/v1/groups/inconnu/documents", istres, &minutes, file)
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
    let anonymous = app
        .send(
            axum::http::Request::builder()
                .method("POST")
                .uri(GROUP_DOCUMENTS)
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get(GROUP_DOCUMENTS).await.body["total"], group_before);
    assert_eq!(kept_files(app.data_dir.path()), files_before);
}

/// Only who may removes a document; its file goes with it.
async fn removal(app: &TestApp, istres: &str, outsider: &str, id: i64, on_disk: &Path) {
    let uri = format!("/api/v1/documents/{id}");
    let refused = app.request("DELETE", &uri, Some(outsider), None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let removed = app.request("DELETE", &uri, Some(istres), None).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    assert_eq!(
        app.get(&format!("/documents/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        !on_disk.exists(),
        "the file is deleted with its last document"
    );
    let again = app.request("DELETE", &uri, Some(istres), None).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

/// Arles's agent shares from the group page: a refused file is said beside its field, an
/// accepted one is listed; visitors see no form.
async fn the_page_form_works_without_javascript(app: &TestApp) {
    let visitor = Page::parse(&app.get("/groupes/openelec").await.text);
    assert!(visitor.forms("/groupes/openelec/documents").is_empty());
    let mut browser = Browser::default();
    browser
        .sign_in(app, "dsi@ville-arles.fr", "mot-de-passe-long")
        .await;
    let page = Page::parse(&browser.get(app, "/groupes/openelec").await.text);
    page.assert_form_token("/groupes/openelec/documents", &browser.csrf());
    assert_eq!(
        page.attr("form[action='/groupes/openelec/documents']", "enctype"),
        "multipart/form-data"
    );
    let fields = [
        ("title", "Compte rendu du 20 septembre 2007"),
        ("kind", "minutes"),
        ("date", "2007-09-20"),
    ];
    let html = b"<html><body>pas un pdf</body></html>";
    let bad = browser
        .submit_file(
            app,
            "/groupes/openelec/documents",
            &fields,
            Some(("file", "cr.pdf", html)),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    let again = Page::parse(&bad.text);
    again.assert_field_error("file", "ni un PDF");
    assert_eq!(
        again.attr("#champ-title", "value"),
        "Compte rendu du 20 septembre 2007"
    );
    let mut too_large = pdf("gros");
    too_large.resize(21 * 1024 * 1024, b' ');
    let refused = browser
        .submit_file(
            app,
            "/groupes/openelec/documents",
            &fields,
            Some(("file", "gros.pdf", &too_large)),
        )
        .await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    let again = Page::parse(&refused.text);
    again.assert_field_error("file", "dépasse 20 Mo");
    assert_eq!(again.attr("#champ-date", "value"), "2007-09-20");
    let minutes = pdf("20 septembre");
    let good = browser
        .submit_file(
            app,
            "/groupes/openelec/documents",
            &fields,
            Some(("file", "cr-2007-09-20.pdf", &minutes)),
        )
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.text);
    assert_eq!(
        common::browser::location(&good),
        "/groupes/openelec#documents"
    );
    let listed = app.get(GROUP_DOCUMENTS).await;
    assert_eq!(titles(&listed.body)[0], "Compte rendu du 20 septembre 2007");
    assert_eq!(listed.body["items"][0]["organisation_name"], "Arles");
}

on_both_engines!(the_openelec_group_shares_its_documents);
