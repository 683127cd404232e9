//! The defects of issue #16 that only a real `civiforge serve` process shows: what the HTTP
//! layer answers on its own, the files it creates, a `kill -9` during writes, and search
//! broken under a running server.

mod common;

use common::processes::{free_port, make_repository};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_civiforge");
const KEY: &str = "7f3c1a9e5b2d4f6081a3c5e7092b4d6f8a1c3e5079b2d4f6a8c0e2d4f6a8b0c2";

/// A `civiforge serve --no-worker` process on a SQLite file, killed when dropped.
struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts in `dir` (the data folder is `dir/data`) and waits for `/healthz`.
    fn start(dir: &Path, args: &[&str]) -> Server {
        Self::start_with(dir, args, &["--no-worker"], true)
    }

    /// The same with `serve` options and, unless `key`, the key file made by the server.
    fn start_with(dir: &Path, args: &[&str], options: &[&str], key: bool) -> Server {
        let address = format!("127.0.0.1:{}", free_port());
        let mut command = Command::new(BIN);
        command
            .args(args)
            .args(["serve", "--listen", &address])
            .args(options)
            .current_dir(dir)
            .env_remove("CIVIFORGE_DATABASE_URL")
            .env_remove("CIVIFORGE_DATA_DIR")
            .env_remove("CIVIFORGE_SECRET_KEY")
            .env("CIVIFORGE_LOG", "warn");
        if key {
            command.env("CIVIFORGE_SECRET_KEY", KEY);
        }
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve");
        let server = Server { child, address };
        let started = Instant::now();
        while raw(
            &server.address,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .map_or(true, |answer| answer.status != 200)
        {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server never answered"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }
}

/// An answer read from a raw connection.
#[derive(Debug)]
struct Raw {
    status: u16,
    head: String,
    body: String,
}

impl Raw {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    }
}

/// Sends `requests` on one connection and reads the answers until the server closes it;
/// returns the last one.
fn raw_all(address: &str, requests: &[&[u8]]) -> std::io::Result<Vec<Raw>> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut answers = Vec::new();
    for request in requests {
        // The server may answer and close before reading everything.
        let _ = stream.write_all(request);
        answers.push(read_answer(&mut stream)?);
    }
    Ok(answers)
}

fn raw(address: &str, request: &[u8]) -> std::io::Result<Raw> {
    raw_all(address, &[request]).map(|mut answers| answers.remove(0))
}

/// Reads one answer: its head, then `content-length` bytes.
fn read_answer(stream: &mut TcpStream) -> std::io::Result<Raw> {
    let mut bytes = Vec::new();
    let mut byte = [0u8; 1];
    while !bytes.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte)? == 0 {
            return Err(std::io::Error::other(format!(
                "closed after {:?}",
                String::from_utf8_lossy(&bytes)
            )));
        }
        bytes.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&bytes).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_default();
    let mut answer = Raw {
        status,
        head,
        body: String::new(),
    };
    let length: usize = answer
        .header("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or_default();
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body)?;
    answer.body = String::from_utf8_lossy(&body).into_owned();
    Ok(answer)
}

fn json_error_code(answer: &Raw) -> String {
    let body: serde_json::Value =
        serde_json::from_str(&answer.body).unwrap_or_else(|_| panic!("not JSON: {answer:?}"));
    body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn assert_french_page(answer: &Raw, words: &str) {
    assert!(
        answer
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "{answer:?}"
    );
    assert!(answer.body.contains("<html lang=\"fr\""), "{answer:?}");
    assert!(answer.body.contains(words), "{words}: {}", answer.body);
}

/// What hyper answers on its own, before any route runs (an address too long, a head too
/// large, a request line it cannot read), comes with the project's envelope under `/api/`
/// and the French page elsewhere, even on a connection that served a request before.
#[test]
fn the_http_layer_answers_in_the_projects_own_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = format!("sqlite://{}/civiforge.db", dir.path().display());
    let server = Server::start(dir.path(), &["--database", &database]);
    let long = "a".repeat(70_000);

    let api = format!("GET /api/v1/search?q={long} HTTP/1.1\r\nHost: x\r\n\r\n");
    let answer = raw(&server.address, api.as_bytes()).expect("answer");
    assert_eq!(answer.status, 414, "{answer:?}");
    assert_eq!(json_error_code(&answer), "uri_too_long");

    let page = format!("GET /recherche?q={long} HTTP/1.1\r\nHost: x\r\n\r\n");
    let answer = raw(&server.address, page.as_bytes()).expect("answer");
    assert_eq!(answer.status, 414, "{answer:?}");
    assert_french_page(&answer, "Adresse trop longue");

    // After a first request on the same connection.
    let first = b"GET /api/v1/categories HTTP/1.1\r\nHost: x\r\n\r\n";
    let answers = raw_all(&server.address, &[first, api.as_bytes()]).expect("answers");
    assert_eq!(answers[0].status, 200);
    assert_eq!(answers[1].status, 414);
    assert_eq!(json_error_code(&answers[1]), "uri_too_long");

    let many: String = (0..150).map(|n| format!("X-En-Tete-{n}: a\r\n")).collect();
    let api = format!("GET /api/v1/projects HTTP/1.1\r\nHost: x\r\n{many}\r\n");
    let answer = raw(&server.address, api.as_bytes()).expect("answer");
    assert_eq!(answer.status, 431, "{answer:?}");
    assert_eq!(json_error_code(&answer), "headers_too_large");
    let huge: String = (0..60)
        .map(|n| format!("X-En-Tete-{n}: {}\r\n", "b".repeat(8000)))
        .collect();
    let page = format!("GET / HTTP/1.1\r\nHost: x\r\n{huge}\r\n");
    let answer = raw(&server.address, page.as_bytes()).expect("answer");
    assert_eq!(answer.status, 431, "{answer:?}");
    assert_french_page(&answer, "En-têtes trop volumineux");

    let garbled = b"GET /api/v1/projects HTTP/1.1\r\nHost: x\r\nX-Mal\x01forme: a\r\n\r\n";
    let answer = raw(&server.address, garbled).expect("answer");
    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(json_error_code(&answer), "bad_request");

    // A form too large, through the real stack.
    let body = format!("email={}", "c".repeat(100_000));
    let form = format!(
        "POST /connexion HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let answer = raw(&server.address, form.as_bytes()).expect("answer");
    assert_eq!(answer.status, 413, "{answer:?}");
    assert_french_page(&answer, "trop volumineu");

    // The connection-level answers carry the security headers too.
    let answer = raw(
        &server.address,
        format!("GET /{long} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
    )
    .expect("answer");
    assert_eq!(
        answer.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert!(answer.header("content-security-policy").is_some());

    // Cleartext HTTP/2 is not spoken, so the answers above cover every request: its
    // preface and a first SETTINGS frame get no HTTP/2 frame back.
    let mut stream = TcpStream::connect(&server.address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let _ = stream.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0");
    let mut received = Vec::new();
    let _ = stream.read_to_end(&mut received);
    assert!(
        received.is_empty() || received.starts_with(b"HTTP/1.1 "),
        "an HTTP/2 preface was answered: {:?}",
        String::from_utf8_lossy(&received)
    );
}

/// Runs a `civiforge` command in `dir` and returns its standard output.
fn civiforge(dir: &Path, args: &[&str], stdin: &str) -> String {
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
        .expect("civiforge");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin");
    let output = child.wait_with_output().expect("output");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// A fresh instance keeps what it writes to itself: the data folder, the search and mirrors
/// folders 0700, the database (which holds password hashes), its journal files and the key
/// 0600, whatever the umask; an older database readable by all is made private at start.
#[test]
fn the_data_is_the_services_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    make_repository(&dir.path().join("depot"), "# Outil\n", "v1.0.0");
    let data = dir.path().join("data");
    civiforge(
        dir.path(),
        &["admin", "create-user", "--email", "a@b.fr", "--name", "A"],
        "un mot de passe solide\n",
    );
    let token = civiforge(
        dir.path(),
        &["admin", "create-token", "--email", "a@b.fr"],
        "",
    );
    let server = Server::start_with(dir.path(), &[], &["--allow-local-repositories"], false);
    let body = serde_json::json!({
        "repository_url": dir.path().join("depot").display().to_string(),
        "slug": "outil",
    })
    .to_string();
    let register = format!(
        "POST /api/v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let answer = raw(&server.address, register.as_bytes()).expect("register");
    assert_eq!(answer.status, 201, "{answer:?}");
    let started = Instant::now();
    loop {
        let answer = raw(
            &server.address,
            b"GET /api/v1/projects/outil HTTP/1.1\r\nHost: x\r\n\r\n",
        )
        .expect("project");
        if answer.body.contains("\"state\":\"ok\"") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "not indexed: {answer:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    for folder in ["", "search", "mirrors"] {
        assert_eq!(mode(&data.join(folder)), 0o700, "data/{folder}");
    }
    for file in [
        "civiforge.db",
        "civiforge.db-wal",
        "civiforge.db-shm",
        "secret.key",
    ] {
        assert_eq!(mode(&data.join(file)), 0o600, "data/{file}");
    }
    drop(server);

    // An instance made before: its database readable by all.
    use std::os::unix::fs::PermissionsExt;
    for file in [
        "civiforge.db",
        "civiforge.db-wal",
        "civiforge.db-shm",
        "secret.key",
    ] {
        let path = data.join(file);
        if path.exists() {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        }
    }
    let server = Server::start_with(dir.path(), &[], &["--no-worker"], false);
    for file in ["civiforge.db", "secret.key"] {
        assert_eq!(mode(&data.join(file)), 0o600, "data/{file} made private");
    }
    drop(server);
}

/// A fresh database for a `serve` process: a SQLite file in `dir`, or a new PostgreSQL
/// database on the test server.
async fn fresh_database(dir: &Path, postgres: bool) -> String {
    if !postgres {
        return format!("sqlite://{}/civiforge.db", dir.display());
    }
    use sqlx::Connection;
    let admin = std::env::var("CIVIFORGE_TEST_POSTGRES_URL")
        .expect("CIVIFORGE_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh");
    let mut suffix = [0u8; 6];
    getrandom::fill(&mut suffix).expect("random");
    let name = format!(
        "civiforge_kill_{}_{}",
        std::process::id(),
        hex::encode(suffix)
    );
    let mut conn = sqlx::PgConnection::connect(&admin).await.expect("admin");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create database");
    let mut url = url::Url::parse(&admin).expect("url");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// Rows read outside the server, on either engine.
async fn read_rows(database: &str, sql: &str) -> Vec<(String, String)> {
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    if database.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(database)
            .await
            .expect("connect");
        sqlx::query_as(sql)
            .fetch_all(&mut conn)
            .await
            .expect("query")
    } else {
        let mut conn = sqlx::PgConnection::connect(database)
            .await
            .expect("connect");
        sqlx::query_as(sql)
            .fetch_all(&mut conn)
            .await
            .expect("query")
    }
}

/// `kill -9` during a burst of concurrent declarations: every adoption the database holds
/// afterwards has its audit entry (both are written in one transaction), and every one
/// the server acknowledged is there.
async fn no_adoption_without_its_audit_entry_after_kill_9(postgres: bool) {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = fresh_database(dir.path(), postgres).await;
    let with_db = |args: &[&str]| {
        let mut all = vec!["--database", database.as_str()];
        all.extend_from_slice(args);
        all.iter().map(|a| a.to_string()).collect::<Vec<_>>()
    };
    let args = with_db(&["admin", "create-user", "--email", "a@b.fr", "--name", "A"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    civiforge(dir.path(), &args, "un mot de passe solide\n");
    let args = with_db(&["admin", "create-token", "--email", "a@b.fr"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let token = civiforge(dir.path(), &args, "");
    let communes: Vec<String> = read_rows(
        &database,
        "SELECT id, name FROM organisations WHERE kind = 'commune' ORDER BY id LIMIT 500",
    )
    .await
    .into_iter()
    .map(|(id, _)| id)
    .collect();
    assert_eq!(communes.len(), 500);

    let mut server = Server::start(dir.path(), &["--database", &database]);
    let base = format!("http://{}", server.address);
    let client = reqwest::Client::new();
    let registered = client
        .post(format!("{base}/api/v1/projects"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"repository_url": "https://forge.example.org/cible.git", "slug": "cible"}))
        .send()
        .await
        .expect("register");
    assert_eq!(registered.status(), 201);

    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for commune in communes {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        let acknowledged = acknowledged.clone();
        tasks.push(tokio::spawn(async move {
            let answer = client
                .post(format!("{base}/api/v1/adoptions"))
                .bearer_auth(&token)
                .json(&serde_json::json!({"project": "cible", "organisation": commune, "version": "1.0"}))
                .send()
                .await;
            if answer.is_ok_and(|a| a.status().is_success()) {
                acknowledged.lock().expect("lock").push(commune);
            }
        }));
    }
    // Killed in the middle of the burst.
    let started = Instant::now();
    while acknowledged.lock().expect("lock").len() < 10 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no declaration answered"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.child.kill().expect("kill -9");
    let _ = server.child.wait();
    for task in tasks {
        let _ = task.await;
    }
    let acknowledged = acknowledged.lock().expect("lock").clone();

    let stored: Vec<String> =
        read_rows(&database, "SELECT organisation_id, version FROM adoptions")
            .await
            .into_iter()
            .map(|(id, _)| id)
            .collect();
    let audited: Vec<String> = read_rows(
        &database,
        "SELECT action, details FROM audit_log WHERE action = 'adoption.declare'",
    )
    .await
    .into_iter()
    .filter_map(|(_, details)| {
        serde_json::from_str::<serde_json::Value>(&details).ok()?["organisation"]
            .as_str()
            .map(str::to_string)
    })
    .collect();
    for commune in &acknowledged {
        assert!(stored.contains(commune), "acknowledged but lost: {commune}");
    }
    for commune in &stored {
        assert!(
            audited.contains(commune),
            "{commune}: adoption committed without its audit entry"
        );
    }
    assert_eq!(
        audited.len(),
        stored.len(),
        "no audit entry without its adoption"
    );
    drop(server);
}

#[tokio::test]
async fn no_adoption_without_its_audit_entry_after_kill_9_on_sqlite() {
    no_adoption_without_its_audit_entry_after_kill_9(false).await;
}

#[tokio::test]
async fn no_adoption_without_its_audit_entry_after_kill_9_on_postgres() {
    no_adoption_without_its_audit_entry_after_kill_9(true).await;
}

/// A GET through a raw connection, its body as JSON (or text in `"text"`).
fn get_json(address: &str, path: &str) -> (u16, serde_json::Value) {
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let answer = raw(address, request.as_bytes()).expect("answer");
    let body = serde_json::from_str(&answer.body)
        .unwrap_or_else(|_| serde_json::json!({"text": answer.body}));
    (answer.status, body)
}

fn register_project(address: &str, token: &str, slug: &str, summary: &str) {
    let body = serde_json::json!({
        "repository_url": format!("https://forge.example.org/{slug}.git"),
        "slug": slug,
        "summary": summary,
    })
    .to_string();
    let request = format!(
        "POST /api/v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let answer = raw(address, request.as_bytes()).expect("register");
    assert_eq!(answer.status, 201, "{answer:?}");
}

/// Polls `check` every 100 ms for `seconds`.
fn eventually(seconds: u64, what: &str, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(
            started.elapsed() < Duration::from_secs(seconds),
            "not within {seconds} s: {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The search folder deleted under a running server: readiness and the metric say so (not
/// « ok » while results go stale), the follower rebuilds the index as soon as it can, and
/// edits become searchable again without a restart.
#[test]
fn readiness_tells_a_broken_search_index_and_the_follower_rebuilds_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    civiforge(
        dir.path(),
        &["admin", "create-user", "--email", "a@b.fr", "--name", "A"],
        "un mot de passe solide\n",
    );
    let token = civiforge(
        dir.path(),
        &["admin", "create-token", "--email", "a@b.fr"],
        "",
    );
    let server = Server::start(dir.path(), &[]);
    let address = server.address.clone();
    register_project(&address, &token, "cimetieres", "Gestion des cimetières.");
    eventually(20, "ready", || get_json(&address, "/readyz").0 == 200);
    eventually(10, "first project found", || {
        get_json(&address, "/api/v1/search?q=cimetiere").1["total"] == 1
    });

    // The folder deleted, and something in its place that keeps it from being rebuilt.
    std::fs::remove_dir_all(data.join("search")).expect("delete the index");
    std::fs::write(data.join("search"), "pas un index").expect("block it");
    eventually(10, "readiness says search is broken", || {
        let (status, body) = get_json(&address, "/readyz");
        status == 503 && body["search"] != "ok" && body["database"] == "ok"
    });
    let (_, metrics) = get_json(&address, "/metrics");
    let metrics = metrics["text"].as_str().unwrap_or_default().to_string();
    assert!(metrics.contains("civiforge_search_ready 0"), "{metrics}");

    // Once the way is clear, the follower rebuilds it, and new edits are found.
    std::fs::remove_file(data.join("search")).expect("unblock");
    register_project(
        &address,
        &token,
        "elections",
        "Listes électorales de la commune.",
    );
    eventually(20, "the new project is searchable", || {
        get_json(&address, "/api/v1/search?q=electorale").1["total"] == 1
    });
    assert_eq!(
        get_json(&address, "/api/v1/search?q=cimetiere").1["total"],
        1
    );
    eventually(10, "ready again", || get_json(&address, "/readyz").0 == 200);
    assert!(data.join("search/meta.json").is_file());

    // Deleted again, with nothing in the way: rebuilt at once.
    std::fs::remove_dir_all(data.join("search")).expect("delete the index");
    register_project(&address, &token, "etat-civil", "Actes d'état civil.");
    eventually(20, "searchable after a plain deletion", || {
        get_json(&address, "/api/v1/search?q=actes").1["total"] == 1
    });
    eventually(10, "ready after a plain deletion", || {
        get_json(&address, "/readyz").0 == 200
    });
    drop(server);
}
