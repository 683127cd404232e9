//! `export` and `import-dump` between the engines: a catalogue with every kind of row (an
//! indexed project with a withdrawn version, a hosted one, verified agents, adoptions and
//! their history, a working group with its actions and a document, a provider, the audit
//! log) goes from one engine to the other and back, and the dumps are the same text; the
//! catalogue answers the same on the API, its passwords and tokens still open it, and new
//! rows get new ids. A dump that is wrong in any way is refused and writes nothing.

mod common;
#[path = "../../indexer/tests/support/mod.rs"]
mod git_support;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use civiforge::store::dump::{LEFT_OUT, TABLES};
use common::{Engine, TestApp, TestDb};
use git_support::TestRepo;
use serde_json::{Value, json};

const LOCAL: civiforge_indexer::RepositoryUrlPolicy = civiforge_indexer::RepositoryUrlPolicy {
    allow_local: true,
    allow_private_networks: false,
};

/// A catalogue holding a row of every table a dump carries; answers the maintainer's token.
async fn populated(app: &TestApp, repo: &TestRepo) -> String {
    let moderator = app.moderator_token("moderation@civiforge.fr").await;
    let maintainer = app.user_token("alice@mairie.fr", "Alice").await;
    let registered = app
        .create(
            "/api/v1/projects",
            &maintainer,
            json!({"repository_url": repo.url(), "name": "openElec", "summary": "Listes électorales", "categories": ["elections"]}),
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.text
    );
    common::index_now(app, "openelec").await;
    repo.git(&["tag", "-d", "4.0.0"]);
    common::index_now(app, "openelec").await;
    let archive = app.get("/projets/openelec/archive/4.2.0.tar.gz").await;
    assert_eq!(archive.status, StatusCode::OK);
    app.create(
        "/api/v1/hosted-projects",
        &maintainer,
        json!({"name": "openCimetière"}),
    )
    .await;

    let arles =
        common::verified_agent(app, &moderator, "dsi@ville-arles.fr", "commune-13004").await;
    // Declared, then moved to the next version: an adoption with its history.
    for version in ["4.1.0", "4.2.0"] {
        let declared = app
            .post(
                "/api/v1/adoptions",
                &arles,
                json!({"project": "openelec", "organisation": "commune-13004", "version": version, "since": "2007-06-11"}),
            )
            .await;
        assert!(declared.status.is_success(), "{}", declared.text);
    }
    let company = app
        .create(
            "/api/v1/organisations",
            &moderator,
            json!({"name": "Atreal", "kind": "company", "departement": "13"}),
        )
        .await;
    assert_eq!(company.body["id"], "org-atreal");
    app.create(
        "/api/v1/projects/openelec/providers",
        &maintainer,
        json!({"organisation": "org-atreal", "services": ["support"], "departements": ["13"]}),
    )
    .await;
    app.create(
        "/api/v1/groups",
        &arles,
        json!({"name": "openElec", "theme": "Élections", "projects": ["openelec"],
               "lead": "commune-13004", "members": ["commune-13004", "commune-13047"],
               "actions": [{"text": "Recetter la 4.2", "target_version": "4.2.0", "due": "2027-03-01"}]}),
    )
    .await;
    let shared = app
        .upload(
            "/api/v1/groups/openelec/documents",
            &arles,
            &[
                ("title", "Cahier des charges"),
                ("kind", "specification"),
                ("url", "https://adullact.org/cahier-openelec"),
            ],
            None,
        )
        .await;
    assert_eq!(shared.status, StatusCode::CREATED, "{}", shared.text);
    maintainer
}

fn electoral_repository() -> TestRepo {
    let mut repo = TestRepo::new();
    repo.write(
        "README.md",
        "# openElec\n\nGestion des listes électorales.\n",
    );
    repo.commit("Import initial");
    repo.annotated_tag("4.0.0");
    repo.write("src/bureau.php", "<?php echo 'bureau';\n");
    repo.commit("Bureaux de vote");
    repo.tag("4.1.0");
    repo.write("src/liste.php", "<?php echo 'liste';\n");
    repo.commit("Listes");
    repo.annotated_tag("4.2.0");
    repo
}

async fn exported(store: &dyn civiforge::store::Store) -> String {
    let mut out: Vec<u8> = Vec::new();
    civiforge::dump::export(store, &mut out)
        .await
        .expect("export");
    String::from_utf8(out).expect("UTF-8")
}

/// The rows of a dump, without its header (the engine and the moment it was taken).
fn rows_of(dump: &str) -> &str {
    let start = dump.find("\"tables\":").expect("tables");
    &dump[start..]
}

/// How many rows the dump holds for `table`: each is a line of its own.
fn rows_in(dump: &str, table: &str) -> usize {
    let start = dump
        .find(&format!("{{\"name\":\"{table}\""))
        .unwrap_or_else(|| panic!("no table {table}"));
    dump[start..]
        .lines()
        .skip(1)
        .take_while(|line| line.starts_with('['))
        .count()
}

/// Rows of the tables an import empties first, then fills.
async fn counts(app: &TestApp) -> Vec<(i64, i64, i64)> {
    app.db
        .fetch::<(i64, i64, i64)>(
            "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM organisations), \
             (SELECT COUNT(*) FROM organisation_memberships)",
            &[],
        )
        .await
}

/// `value` with every moment to the microsecond: SQLite keeps the nanoseconds it was
/// given, PostgreSQL microseconds, and a dump carries what both keep.
fn to_microseconds(value: Value) -> Value {
    match value {
        Value::String(text) => match chrono::DateTime::parse_from_rfc3339(&text) {
            Ok(moment) => Value::from(
                moment
                    .with_timezone(&chrono::Utc)
                    .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            ),
            Err(_) => Value::String(text),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(to_microseconds).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(key, value)| (key, to_microseconds(value)))
                .collect(),
        ),
        other => other,
    }
}

async fn imported(store: &dyn civiforge::store::Store, dump: &str) -> anyhow::Result<()> {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("dump.json");
    std::fs::write(&path, dump).expect("write dump");
    civiforge::dump::import(store, &path).await.map(|_| ())
}

fn other(engine: Engine) -> Engine {
    match engine {
        Engine::Sqlite => Engine::Postgres,
        Engine::Postgres => Engine::Sqlite,
    }
}

/// What a visitor reads of the catalogue: the same before and after the move.
async fn seen(app: &TestApp) -> Vec<Value> {
    let mut seen = Vec::new();
    for uri in [
        "/api/v1/projects/openelec",
        "/api/v1/projects/openelec/versions",
        "/api/v1/projects/openelec/adoptions",
        "/api/v1/projects/openelec/providers",
        "/api/v1/projects/opencimetiere",
        "/api/v1/organisations/commune-13004",
        "/api/v1/organisations/org-atreal",
        "/api/v1/groups/openelec",
        "/api/v1/groups/openelec/documents",
    ] {
        let answer = app.get(uri).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.text);
        seen.push(to_microseconds(answer.body));
    }
    seen
}

async fn a_dump_moves_the_catalogue_to_the_other_engine_and_back(engine: Engine) {
    let source = TestApp::with_policy(engine, LOCAL).await;
    let repo = electoral_repository();
    let token = populated(&source, &repo).await;
    let first = exported(source.store.as_ref()).await;
    for table in [
        "users",
        "api_tokens",
        "claims",
        "projects",
        "withdrawn_versions",
        "version_archives",
        "adoption_events",
        "project_providers",
        "working_group_actions",
        "documents",
        "audit_log",
    ] {
        assert!(rows_in(&first, table) > 0, "{table} has rows to carry");
    }

    let target = TestApp::on(TestDb::new(other(engine)).await, LOCAL).await;
    imported(target.store.as_ref(), &first)
        .await
        .expect("import");
    let second = exported(target.store.as_ref()).await;
    assert_eq!(
        rows_of(&second),
        rows_of(&first),
        "the other engine gives back every row"
    );
    target.search.rebuild().await.expect("search index");
    assert_eq!(seen(&target).await, seen(&source).await);

    // Its accounts still open it; new rows take new ids.
    let edited = target
        .request(
            "PATCH",
            "/api/v1/projects/openelec",
            Some(&token),
            Some(json!({"summary": "Gestion des listes électorales"})),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    let mut browser = common::browser::Browser::default();
    browser
        .sign_in(&target, "alice@mairie.fr", "mot-de-passe-long")
        .await;
    assert!(
        browser.cookie("civiforge_session").is_some(),
        "the password still signs in"
    );
    let created = target
        .create(
            "/api/v1/hosted-projects",
            &token,
            json!({"name": "openRésultat"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);

    let back = TestApp::on(TestDb::new(engine).await, LOCAL).await;
    imported(back.store.as_ref(), &second)
        .await
        .expect("import back");
    assert_eq!(
        rows_of(&exported(back.store.as_ref()).await),
        rows_of(&first)
    );
}

/// What a dump must not be: each refused with a message saying why, nothing written.
async fn a_wrong_dump_writes_nothing(engine: Engine) {
    let source = TestApp::with_policy(engine, LOCAL).await;
    let repo = electoral_repository();
    populated(&source, &repo).await;
    let dump = exported(source.store.as_ref()).await;
    let target = TestApp::new(engine).await;
    let before = counts(&target).await;

    let cut = &dump[..dump.len() * 2 / 3];
    let wrong_date = dump.replacen("\"2007-06-11\"", "\"11/06/2007\"", 1);
    let unknown_table = dump.replacen("{\"name\":\"outbox\"", "{\"name\":\"boite\"", 1);
    let unknown_column = dump.replacen("\"password_hash\"", "\"mot_de_passe\"", 1);
    let short_row = dump.replacen("[\"reference_edition\",", "[", 1);
    for (text, expected) in [
        (cut, "s'arrête avant la fin"),
        ("{\"tables\": []}", "pas un export de civiforge"),
        ("[1, 2]", "export de civiforge"),
        (
            "{\"format\": \"civiforge-dump\", \"version\": 9, \"tables\": []}",
            "mettez civiforge à jour",
        ),
        (&wrong_date, "colonne since : une date AAAA-MM-JJ attendu"),
        (&unknown_table, "table « boite » inconnue"),
        (&unknown_column, "colonne « mot_de_passe » inconnue"),
        (
            &short_row,
            "table meta, ligne 1 : 1 valeurs pour 2 colonnes",
        ),
    ] {
        let error = imported(target.store.as_ref(), text)
            .await
            .expect_err(expected);
        let message = format!("{error:#}");
        assert!(message.contains(expected), "{expected}: {message}");
        assert_eq!(
            counts(&target).await,
            before,
            "{expected}: nothing written, the reference data still there"
        );
    }

    // A catalogue already in use is not overwritten.
    let error = imported(source.store.as_ref(), &dump)
        .await
        .expect_err("not empty");
    assert!(format!("{error:#}").contains("n'est pas vide"), "{error:#}");
    assert_eq!(
        rows_of(&exported(source.store.as_ref()).await),
        rows_of(&dump)
    );
}

/// `civiforge backup` while the instance runs: the copied database holds the same rows (a
/// SQLite file, or a `pg_dump` restored with `pg_restore`), the repositories clone with every
/// tag and civiforge's own refs, the documents are the same bytes, and the manifest says where
/// the search index stood. A folder in use is refused.
async fn a_backup_copies_a_running_instance(engine: Engine) {
    let source = TestApp::with_policy(engine, LOCAL).await;
    let repo = electoral_repository();
    let token = populated(&source, &repo).await;
    let minutes = common::uploads::pdf("Réunion du 14 juin 2007");
    let shared = source
        .upload(
            "/api/v1/projects/openelec/documents",
            &token,
            &[("title", "Compte rendu"), ("kind", "minutes")],
            Some(("file", "compte-rendu.pdf", &minutes)),
        )
        .await;
    assert_eq!(shared.status, StatusCode::CREATED, "{}", shared.text);
    let dump = exported(source.store.as_ref()).await;

    let folder = tempfile::tempdir().expect("dir");
    let target = folder.path().join("sauvegarde");
    let backup = civiforge::backup::BackupSource {
        store: source.store.as_ref(),
        data_dir: source.data_dir.path(),
        database_url: &source.db.url,
    };
    let manifest = civiforge::backup::run(&backup, &target)
        .await
        .expect("backup");
    // The hosted project's repository is made at its first push.
    assert_eq!(manifest.repositories, 1, "the mirror: {manifest:?}");
    assert_eq!(manifest.documents, 1);
    assert_eq!(
        manifest.search_position,
        source.store.last_change_id().await.expect("position")
    );
    let written: civiforge::backup::Manifest = serde_json::from_str(
        &std::fs::read_to_string(target.join("manifest.json")).expect("manifest"),
    )
    .expect("manifest JSON");
    assert_eq!(written, manifest);

    let restored = TestDb::empty(engine).await;
    match engine {
        Engine::Sqlite => {
            let file = restored.url.trim_start_matches("sqlite://").to_string();
            std::fs::copy(target.join("civiforge.db"), &file).expect("restore the file");
        }
        Engine::Postgres => {
            let done = std::process::Command::new("pg_restore")
                .args(["--no-owner", "--dbname", &restored.url])
                .arg(target.join("civiforge.pgdump"))
                .output()
                .expect("pg_restore");
            assert!(
                done.status.success(),
                "{}",
                String::from_utf8_lossy(&done.stderr)
            );
        }
    }
    let store = restored.store().await;
    assert_eq!(rows_of(&exported(store.as_ref()).await), rows_of(&dump));

    let sha256 = shared.body["file"]["sha256"].as_str().expect("digest");
    let copy = target.join("documents").join(&sha256[..2]).join(sha256);
    assert_eq!(std::fs::read(copy).expect("document copied"), minutes);
    let clone = folder.path().join("clone");
    let mirror = std::fs::read_dir(target.join("mirrors"))
        .expect("mirrors")
        .flatten()
        .map(|entry| entry.path())
        .find(|path| {
            let refs = std::process::Command::new("git")
                .arg("--git-dir")
                .arg(path)
                .args(["tag", "--list"])
                .output()
                .expect("git");
            String::from_utf8_lossy(&refs.stdout).contains("4.2.0")
        })
        .expect("the mirror of openelec");
    let cloned = std::process::Command::new("git")
        .args(["clone", "--quiet", "--mirror"])
        .arg(&mirror)
        .arg(&clone)
        .output()
        .expect("git clone");
    assert!(cloned.status.success());
    let refs = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(&clone)
        .args(["for-each-ref", "--format=%(refname)"])
        .output()
        .expect("refs");
    let refs = String::from_utf8_lossy(&refs.stdout);
    for kept in [
        "refs/tags/4.1.0",
        "refs/tags/4.2.0",
        "refs/civiforge/withdrawn-tags/4.0.0",
    ] {
        assert!(refs.contains(kept), "{kept} in {refs}");
    }

    let again = civiforge::backup::run(&backup, &target)
        .await
        .expect_err("in use");
    assert!(format!("{again:#}").contains("n'est pas vide"), "{again:#}");
}

/// The dump's list of tables and columns is the schema's, table for table: a migration that
/// adds a column without the dump fails here.
async fn the_dump_knows_every_column_of_the_schema(engine: Engine) {
    let db = TestDb::new(engine).await;
    db.store().await;
    let sql = match engine {
        Engine::Sqlite => {
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
        }
        Engine::Postgres => {
            "SELECT table_name::TEXT, column_name::TEXT FROM information_schema.columns \
             WHERE table_schema = 'public'"
        }
    };
    let schema: BTreeSet<(String, String)> = db
        .fetch::<(String, String)>(sql, &[])
        .await
        .into_iter()
        .filter(|(table, _)| !LEFT_OUT.iter().any(|(left, _)| left == table))
        .collect();
    let dumped: BTreeSet<(String, String)> = TABLES
        .iter()
        .flat_map(|t| {
            t.columns()
                .into_iter()
                .map(|c| (t.name.to_string(), c.name.to_string()))
        })
        .collect();
    assert_eq!(dumped, schema);
}

on_both_engines!(
    a_dump_moves_the_catalogue_to_the_other_engine_and_back,
    a_wrong_dump_writes_nothing,
    a_backup_copies_a_running_instance,
    the_dump_knows_every_column_of_the_schema,
);
