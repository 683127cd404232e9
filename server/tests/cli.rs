//! The `civiforge` binary as an operator uses it: a fresh data folder, users and tokens from
//! the command line, the server answering curl-like calls, clear one-line errors.

use std::io::Write;
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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
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

    // Without the worker: the project registered below is on the Internet.
    let (mut server, base) = start_server(dir.path(), &["--no-worker"]).await;
    let client = reqwest::Client::new();

    let registered = client
        .post(format!("{base}/api/v1/projects"))
        .bearer_auth(&token)
        .json(&json!({"repository_url": "https://gitlab.adullact.net/openmairie/openelec.git", "categories": ["elections"]}))
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
        .get(format!("{base}/api/v1/organisations?kind=commune&limit=1"))
        .send()
        .await
        .expect("communes")
        .json()
        .await
        .expect("json");
    assert_eq!(communes["total"], 34_969);

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
    let pid = server.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = server.wait().expect("wait");
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
}

/// A local repository registered on a running server is indexed within seconds by its
/// worker; `civiforge index` then runs the same pipeline in the foreground.
#[tokio::test]
async fn the_server_indexes_a_registered_repository_and_index_runs_in_the_foreground() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("depot");
    std::fs::create_dir_all(&repo).expect("repo dir");
    let git = |args: &[&str]| {
        let output = Command::new("git")
            .args(args)
            .current_dir(&repo)
            .env("GIT_AUTHOR_NAME", "Alice")
            .env("GIT_AUTHOR_EMAIL", "alice@mairie.fr")
            .env("GIT_COMMITTER_NAME", "Alice")
            .env("GIT_COMMITTER_EMAIL", "alice@mairie.fr")
            .output()
            .expect("git");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    git(&["init", "-q", "-b", "main"]);
    std::fs::write(
        repo.join("README.md"),
        "# openResultat\n\nRésultats des élections.\n",
    )
    .expect("readme");
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "Initial"]);
    git(&["tag", "-a", "v2.0.0", "-m", "2.0.0"]);

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
    let (mut server, base) = start_server(dir.path(), &["--allow-local-repositories"]).await;
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
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    assert!(server.wait().expect("wait").success());

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

/// The binary migrates a PostgreSQL database too, and a second run changes nothing.
#[test]
fn migrates_postgres_from_the_command_line() {
    let admin = std::env::var("CIVIFORGE_TEST_POSTGRES_URL")
        .expect("CIVIFORGE_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh");
    let name = format!("civiforge_cli_{}", std::process::id());
    let created = Command::new("psql")
        .args([admin.as_str(), "-qc", &format!("CREATE DATABASE {name}")])
        .output()
        .expect("psql");
    assert!(created.status.success(), "{}", stderr(&created));
    let mut url = url::Url::parse(&admin).expect("url");
    url.set_path(&format!("/{name}"));
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
