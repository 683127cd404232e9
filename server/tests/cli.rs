//! The `civiforge` binary as an operator uses it: a fresh data folder, users and tokens from
//! the command line (created, listed, revoked), the server answering curl-like calls, the
//! search index rebuilt from the database, clear one-line errors. Repositories are local:
//! nothing leaves the machine.

mod common;

use common::processes::{free_port, make_repository};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_civiforge");

fn civiforge(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("CIVIFORGE_DATABASE_URL")
        .env_remove("CIVIFORGE_DATA_DIR")
        .env("CIVIFORGE_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn civiforge");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("civiforge output")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Stops a server with SIGTERM and checks that it exits cleanly.
fn stop_server(mut server: std::process::Child) {
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = server.wait().expect("wait");
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
}

/// Starts `civiforge serve` in `dir` on a free port and waits until it answers.
async fn start_server(dir: &Path, options: &[&str]) -> (std::process::Child, String) {
    let address = format!("127.0.0.1:{}", free_port());
    let mut server = Command::new(BIN)
        .args(["serve", "--listen", &address])
        .args(options)
        .current_dir(dir)
        .env("CIVIFORGE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn server");
    let base = format!("http://{address}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if let Ok(response) = client.get(format!("{base}/healthz")).send().await {
            assert_eq!(response.status(), 200);
            return (server, base);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = server.kill();
    let _ = server.wait();
    panic!("the server did not start within 30 s");
}

/// The README journey on the embedded default: data in ./data, all communes known.
#[tokio::test]
async fn fresh_install_registers_declares_and_reads_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let created = civiforge(
        dir.path(),
        &[
            "admin",
            "create-user",
            "--email",
            "julien@agglo.fr",
            "--name",
            "Julien",
            "--admin",
        ],
        Some("un mot de passe solide\n"),
    );
    assert!(created.status.success(), "{}", stderr(&created));
    assert!(
        dir.path().join("data/civiforge.db").exists(),
        "the database lives in ./data"
    );

    let token_output = civiforge(
        dir.path(),
        &["admin", "create-token", "--email", "julien@agglo.fr"],
        None,
    );
    assert!(token_output.status.success(), "{}", stderr(&token_output));
    let printed = stdout(&token_output);
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), 1, "the token alone on one line: {printed:?}");
    let token = lines[0].to_string();
    assert!(token.starts_with("cvf_"));

    // The repository is on this machine (a forge's URL would send the worker to the
    // Internet); its folder is named as the forge's repository is.
    let repository = dir.path().join("forge/openmairie/openelec.git");
    make_repository(&repository, "# openElec\n\nListes électorales.\n", "2.03");
    let (server, base) = start_server(dir.path(), &["--allow-local-repositories"]).await;
    let client = reqwest::Client::new();

    let registered = client
        .post(format!("{base}/api/v1/projects"))
        .bearer_auth(&token)
        .json(&json!({"repository_url": repository.display().to_string(), "categories": ["elections"]}))
        .send()
        .await
        .expect("register");
    assert_eq!(registered.status(), 201);
    let declared = client
        .post(format!("{base}/api/v1/adoptions"))
        .bearer_auth(&token)
        .json(&json!({"project": "openelec", "organisation": "commune-13047", "version": "2.03"}))
        .send()
        .await
        .expect("declare");
    assert_eq!(declared.status(), 201);
    let adoptions: Value = client
        .get(format!("{base}/api/v1/projects/openelec/adoptions"))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(adoptions["items"][0]["organisation_name"], "Istres");
    assert_eq!(adoptions["items"][0]["version"], "2.03");
    let istres: Value = client
        .get(format!("{base}/api/v1/organisations/commune-13047"))
        .send()
        .await
        .expect("istres")
        .json()
        .await
        .expect("json");
    assert_eq!(istres["adoptions"][0]["project"], "openelec");
    let communes: Value = client
        .get(format!(
            "{base}/api/v1/organisations?kind=commune&country=FR&limit=1"
        ))
        .send()
        .await
        .expect("communes")
        .json()
        .await
        .expect("json");
    assert_eq!(communes["total"], 34_969, "every French commune");

    // Every write is in the audit log, those made on the command line included.
    let log: Value = client
        .get(format!("{base}/api/v1/audit?limit=100"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("audit")
        .json()
        .await
        .expect("json");
    let entries: Vec<(&str, &str)> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().expect("action"),
                e["actor"].as_str().expect("actor"),
            )
        })
        .rev()
        .collect();
    assert_eq!(
        entries
            .iter()
            .map(|(action, _)| *action)
            .collect::<Vec<_>>(),
        [
            "user.create",
            "token.create",
            "project.register",
            "adoption.declare"
        ]
    );
    assert!(entries[0].1.starts_with("ligne de commande"), "{entries:?}");
    assert_eq!(entries[2].1, "julien@agglo.fr");

    // SIGTERM: the server finishes and exits cleanly.
    stop_server(server);
}

/// A local repository registered on a running server is indexed within seconds by its
/// worker; `civiforge index` then runs the same pipeline in the foreground.
#[tokio::test]
async fn the_server_indexes_a_registered_repository_and_index_runs_in_the_foreground() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("depot");
    make_repository(
        &repo,
        "# openResultat\n\nRésultats des élections.\n",
        "v2.0.0",
    );

    let created = civiforge(
        dir.path(),
        &["admin", "create-user", "--email", "a@b.fr", "--name", "A"],
        Some("un mot de passe solide\n"),
    );
    assert!(created.status.success(), "{}", stderr(&created));
    let token = stdout(&civiforge(
        dir.path(),
        &["admin", "create-token", "--email", "a@b.fr"],
        None,
    ))
    .trim()
    .to_string();
    let (server, base) = start_server(dir.path(), &["--allow-local-repositories"]).await;
    let client = reqwest::Client::new();
    let registered = client
        .post(format!("{base}/api/v1/projects"))
        .bearer_auth(&token)
        .json(&json!({"repository_url": repo.display().to_string(), "name": "openRésultat"}))
        .send()
        .await
        .expect("register");
    assert_eq!(registered.status(), 201);
    let started = Instant::now();
    let project = loop {
        let project: Value = client
            .get(format!("{base}/api/v1/projects/openresultat"))
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        if project["index_status"]["state"] == "ok" {
            break project;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "not indexed in time: {project}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(project["latest_version"]["name"], "v2.0.0");
    assert!(
        project["readme_html"]
            .as_str()
            .expect("readme")
            .contains("Résultats des élections")
    );
    stop_server(server);

    let index = civiforge(
        dir.path(),
        &["--allow-local-repositories", "index", "--all"],
        None,
    );
    assert!(index.status.success(), "{}", stderr(&index));
    assert!(
        stdout(&index).starts_with("openresultat : inchangé"),
        "{}",
        stdout(&index)
    );
    let unknown = civiforge(dir.path(), &["index", "inconnu"], None);
    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("projet(s) inconnu(s) : inconnu"));
    let nothing = civiforge(dir.path(), &["index"], None);
    assert!(stderr(&nothing).contains("--all"));
    // Without --allow-local-repositories the instance refuses to fetch the local path.
    let strict = civiforge(dir.path(), &["index", "openresultat"], None);
    assert!(!strict.status.success());
    assert!(stdout(&strict).contains("échec"), "{}", stdout(&strict));
}

/// Failures say what was wrong and what to do, on one line, with a non-zero status.
#[test]
fn failures_print_one_clear_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let one_line_error = |output: &Output, expected: &str| {
        assert!(!output.status.success(), "should fail: {}", stdout(output));
        let text = stderr(output);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1, "one line on stderr: {text:?}");
        assert!(lines[0].contains(expected), "{expected:?} not in {text:?}");
    };
    let nowhere = civiforge(
        dir.path(),
        &[
            "--database",
            "postgres://civiforge:secret@127.0.0.1:1/civiforge",
            "migrate",
        ],
        None,
    );
    one_line_error(&nowhere, "impossible de joindre la base PostgreSQL");
    assert!(
        !stderr(&nowhere).contains("secret"),
        "the password is never printed"
    );

    one_line_error(
        &civiforge(dir.path(), &["--database", "mysql://x", "migrate"], None),
        "sqlite://",
    );
    one_line_error(
        &civiforge(dir.path(), &["--listen", "nulle-part", "migrate"], None),
        "adresse d'écoute invalide",
    );

    let short = civiforge(
        dir.path(),
        &["admin", "create-user", "--email", "a@b.fr", "--name", "A"],
        Some("court\n"),
    );
    one_line_error(&short, "au moins 10 caractères");
    let empty = civiforge(
        dir.path(),
        &["admin", "create-user", "--email", "a@b.fr", "--name", "A"],
        Some(""),
    );
    one_line_error(&empty, "aucun mot de passe");
    let bad_email = civiforge(
        dir.path(),
        &[
            "admin",
            "create-user",
            "--email",
            "pas-un-email",
            "--name",
            "A",
        ],
        Some("un mot de passe solide\n"),
    );
    one_line_error(&bad_email, "adresse e-mail invalide");
    let unknown = civiforge(
        dir.path(),
        &["admin", "create-token", "--email", "inconnu@b.fr"],
        None,
    );
    one_line_error(&unknown, "aucun compte");
    assert!(stdout(&unknown).is_empty());
}

/// A new, empty PostgreSQL database on the test server, named after `prefix`.
fn new_postgres_database(prefix: &str) -> url::Url {
    let admin = std::env::var("CIVIFORGE_TEST_POSTGRES_URL")
        .expect("CIVIFORGE_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh");
    let name = format!("{prefix}_{}", std::process::id());
    let created = Command::new("psql")
        .args([admin.as_str(), "-qc", &format!("CREATE DATABASE {name}")])
        .output()
        .expect("psql");
    assert!(created.status.success(), "{}", stderr(&created));
    let mut url = url::Url::parse(&admin).expect("url");
    url.set_path(&format!("/{name}"));
    url
}

/// The binary migrates a PostgreSQL database too, and a second run changes nothing.
#[test]
fn migrates_postgres_from_the_command_line() {
    let url = new_postgres_database("civiforge_cli");
    let dir = tempfile::tempdir().expect("tempdir");
    for _ in 0..2 {
        let output = civiforge(dir.path(), &["--database", url.as_str(), "migrate"], None);
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let output = civiforge(
        dir.path(),
        &[
            "--database",
            url.as_str(),
            "admin",
            "create-user",
            "--email",
            "a@b.fr",
            "--name",
            "A",
        ],
        Some("un mot de passe solide\n"),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        !dir.path().join("data").exists(),
        "no SQLite file when PostgreSQL is chosen"
    );
}

/// `export --output` writes a private file that `import-dump` reads into an empty PostgreSQL
/// database; a second import, or a file that is not there, fails with one clear line.
#[test]
fn export_and_import_dump_move_the_catalogue_to_postgres() {
    let dir = tempfile::tempdir().expect("tempdir");
    civiforge_ok(
        dir.path(),
        &[
            "admin",
            "create-user",
            "--email",
            "alice@mairie.fr",
            "--name",
            "Alice",
        ],
        Some("un mot de passe solide\n"),
    );
    let exported = civiforge(dir.path(), &["export", "--output", "sauvegarde.json"], None);
    assert!(exported.status.success(), "{}", stderr(&exported));
    assert!(
        stderr(&exported).contains("catalogue exporté"),
        "{}",
        stderr(&exported)
    );
    let dump = dir.path().join("sauvegarde.json");
    let mode = std::fs::metadata(&dump).expect("dump").permissions().mode();
    assert_eq!(
        mode & 0o077,
        0,
        "the dump holds password hashes: owner only"
    );

    let url = new_postgres_database("civiforge_dump");
    let on_postgres = |args: &[&str]| {
        let mut all = vec!["--database", url.as_str()];
        all.extend_from_slice(args);
        civiforge(dir.path(), &all, None)
    };
    let imported = on_postgres(&["import-dump", "sauvegarde.json"]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    assert!(
        stdout(&imported).contains("users : 1"),
        "{}",
        stdout(&imported)
    );
    assert!(stdout(&imported).contains("catalogue importé"));

    let again = on_postgres(&["import-dump", "sauvegarde.json"]);
    assert!(!again.status.success());
    let message = stderr(&again);
    assert!(message.contains("n'est pas vide"), "{message}");
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    let missing = on_postgres(&["import-dump", "absent.json"]);
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("impossible de lire"),
        "{}",
        stderr(&missing)
    );

    let back = on_postgres(&["export"]);
    assert!(back.status.success(), "{}", stderr(&back));
    let back: Value = serde_json::from_slice(&back.stdout).expect("a JSON dump");
    let users = back["tables"]
        .as_array()
        .and_then(|tables| tables.iter().find(|t| t["name"] == "users"))
        .expect("users")
        .clone();
    assert_eq!(users["rows"][0][1], "alice@mairie.fr");
}

/// Runs `civiforge` and returns its standard output, failing the test if it fails.
fn civiforge_ok(dir: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let output = civiforge(dir, args, stdin);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    stdout(&output)
}

/// `civiforge admin list-tokens` shows each token of a user (never its secret) with its
/// label, scopes and state; `revoke-token` ends one, which the API then refuses, and is
/// written in the audit log; another user's token or an unknown one is refused.
#[tokio::test]
async fn tokens_are_listed_and_revoked_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let password = Some("un mot de passe solide\n");
    let create_user = [
        "admin",
        "create-user",
        "--email",
        "julien@agglo.fr",
        "--name",
        "Julien",
    ];
    civiforge_ok(
        dir.path(),
        &[&create_user[..], &["--admin"]].concat(),
        password,
    );
    civiforge_ok(
        dir.path(),
        &[
            "admin",
            "create-user",
            "--email",
            "claire@mairie.fr",
            "--name",
            "Claire",
        ],
        password,
    );
    let token = |args: &[&str]| {
        civiforge_ok(
            dir.path(),
            &[&["admin", "create-token"][..], args].concat(),
            None,
        )
        .trim()
        .to_string()
    };
    let everyday = token(&["--email", "julien@agglo.fr", "--scope", "admin"]);
    let import = token(&[
        "--email",
        "julien@agglo.fr",
        "--label",
        "import OPSN",
        "--scope",
        "adoptions:write",
        "--expires-in-days",
        "30",
    ]);
    let lapsed = token(&[
        "--email",
        "julien@agglo.fr",
        "--label",
        "essai",
        "--expires-in-days",
        "0",
    ]);
    let claire = token(&["--email", "claire@mairie.fr"]);

    let listed = civiforge_ok(
        dir.path(),
        &["admin", "list-tokens", "--email", "julien@agglo.fr"],
        None,
    );
    for secret in [&everyday, &import, &lapsed] {
        assert!(!listed.contains(secret.as_str()), "a secret was printed");
    }
    let rows: Vec<Vec<&str>> = listed.lines().map(|l| l.split('\t').collect()).collect();
    let in_30_days = (chrono::Utc::now() + chrono::Duration::days(30)).format("%Y-%m-%d");
    assert_eq!(rows.len(), 3, "{listed}");
    assert_eq!(
        rows.iter().map(|r| r[1..].to_vec()).collect::<Vec<_>>(),
        [
            vec!["essai", "projects:write adoptions:write", "expiré"],
            vec![
                "import OPSN",
                "adoptions:write",
                &format!("valide jusqu'au {in_30_days}")
            ],
            vec!["cli", "admin", "valide"],
        ],
        "newest first: {listed}"
    );
    let ids: Vec<i64> = rows
        .iter()
        .map(|r| r[0].parse().expect("token number"))
        .collect();
    let claire_id: i64 = civiforge_ok(
        dir.path(),
        &["admin", "list-tokens", "--email", "claire@mairie.fr"],
        None,
    )
    .split('\t')
    .next()
    .and_then(|id| id.parse().ok())
    .expect("Claire's token number");

    let (server, base) = start_server(dir.path(), &["--no-worker"]).await;
    let client = reqwest::Client::new();
    let claims = |token: String| {
        let client = client.clone();
        let base = base.clone();
        async move {
            client
                .get(format!("{base}/api/v1/claims"))
                .bearer_auth(token)
                .send()
                .await
                .expect("claims")
                .status()
        }
    };
    assert_eq!(claims(import.clone()).await, 200);
    assert_eq!(
        claims(lapsed.clone()).await,
        401,
        "an expired token is dead"
    );

    let revoked = civiforge_ok(
        dir.path(),
        &[
            "admin",
            "revoke-token",
            "--email",
            "julien@agglo.fr",
            "--id",
            &ids[1].to_string(),
        ],
        None,
    );
    assert_eq!(revoked.trim(), format!("jeton n° {} révoqué", ids[1]));
    assert_eq!(claims(import.clone()).await, 401, "a revoked token is dead");
    assert_eq!(claims(everyday.clone()).await, 200, "the others live on");
    let listed = civiforge_ok(
        dir.path(),
        &["admin", "list-tokens", "--email", "julien@agglo.fr"],
        None,
    );
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with(&format!("{}\timport OPSN\t", ids[1]))
                && l.ends_with("\trévoqué")),
        "{listed}"
    );

    // Revoking twice, someone else's token, or for an unknown account: one line, no change.
    for (email, id, expected) in [
        ("julien@agglo.fr", ids[1], "aucun jeton valide"),
        ("julien@agglo.fr", claire_id, "aucun jeton valide"),
        ("personne@nulle.part", ids[2], "aucun compte"),
    ] {
        let refused = civiforge(
            dir.path(),
            &[
                "admin",
                "revoke-token",
                "--email",
                email,
                "--id",
                &id.to_string(),
            ],
            None,
        );
        assert!(!refused.status.success(), "{email} {id}");
        let text = stderr(&refused);
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains(expected), "{text}");
    }
    assert_eq!(claims(claire).await, 200, "Claire's token was not touched");

    let audit: Value = client
        .get(format!("{base}/api/v1/audit?limit=100"))
        .bearer_auth(&everyday)
        .send()
        .await
        .expect("audit")
        .json()
        .await
        .expect("json");
    let revocations: Vec<&Value> = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["action"] == "token.revoke")
        .collect();
    assert_eq!(revocations.len(), 1, "{audit}");
    assert_eq!(revocations[0]["target"], "julien@agglo.fr");
    assert_eq!(revocations[0]["details"]["token"], ids[1]);
    stop_server(server);
}

/// `civiforge reindex-search` rebuilds the index from the database and says how many
/// projects it holds; while a server holds the index it refuses, in one line, and the
/// server goes on answering searches.
#[tokio::test]
async fn reindex_search_rebuilds_the_index_but_not_under_a_running_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    civiforge_ok(
        dir.path(),
        &["admin", "create-user", "--email", "a@b.fr", "--name", "A"],
        Some("un mot de passe solide\n"),
    );
    let token = civiforge_ok(
        dir.path(),
        &["admin", "create-token", "--email", "a@b.fr"],
        None,
    )
    .trim()
    .to_string();
    let (server, base) = start_server(dir.path(), &["--no-worker"]).await;
    let client = reqwest::Client::new();
    for (slug, summary) in [
        ("openelec", "Gestion des listes électorales."),
        (
            "opencimetiere",
            "Gestion des cimetières et des concessions.",
        ),
    ] {
        let registered = client
            .post(format!("{base}/api/v1/projects"))
            .bearer_auth(&token)
            .json(&json!({"repository_url": format!("https://forge.example.org/{slug}.git"), "summary": summary}))
            .send()
            .await
            .expect("register");
        assert_eq!(registered.status(), 201);
    }
    let search = |query: &'static str| {
        let client = client.clone();
        let base = base.clone();
        async move {
            let response = client
                .get(format!("{base}/api/v1/search?q={query}"))
                .send()
                .await
                .expect("search");
            (
                response.status(),
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let started = Instant::now();
    while search("concessions").await.1["total"] != 1 {
        assert!(started.elapsed() < Duration::from_secs(20), "never indexed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let busy = civiforge(dir.path(), &["reindex-search"], None);
    assert!(!busy.status.success(), "{}", stdout(&busy));
    let text = stderr(&busy);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.contains("déjà utilisé par un autre processus"),
        "{text}"
    );
    let (status, body) = search("concessions").await;
    assert_eq!((status.as_u16(), &body["total"]), (200, &json!(1)));
    stop_server(server);

    // Stopped: the index is rebuilt from the database, whatever state it was left in.
    std::fs::remove_dir_all(dir.path().join("data/search")).expect("remove the index");
    std::fs::create_dir_all(dir.path().join("data/search")).expect("empty index folder");
    std::fs::write(dir.path().join("data/search/meta.json"), "{ abîmé").expect("damage");
    let rebuilt = civiforge_ok(dir.path(), &["reindex-search"], None);
    assert_eq!(
        rebuilt.trim(),
        "index de recherche reconstruit : 2 projet(s)"
    );
    let meta = std::fs::read_to_string(dir.path().join("data/search/meta.json")).expect("meta");
    assert!(
        serde_json::from_str::<Value>(&meta).is_ok(),
        "a whole index in place of the damaged one"
    );
    let (server, base) = start_server(dir.path(), &["--no-worker"]).await;
    let started = Instant::now();
    loop {
        let ready = client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .expect("readyz");
        if ready.status() == 200 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "never ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let all: Value = client
        .get(format!("{base}/api/v1/search?q="))
        .send()
        .await
        .expect("search")
        .json()
        .await
        .expect("json");
    assert_eq!(all["total"], 2, "{all}");
    stop_server(server);
}
