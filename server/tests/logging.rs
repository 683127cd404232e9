//! Logs as an operator reads them: plain text when standard error is not a terminal, and a
//! slow statement warned about by its first words, not by its whole text.

use std::io::Write;
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use civiforge::logging::{self, DEFAULT_FILTER};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::util::SubscriberInitExt;

const BIN: &str = env!("CARGO_BIN_EXE_civiforge");

/// `civiforge migrate` on a fresh data folder logs at info (the reference data loaded) to a
/// pipe: no ANSI escape sequence in it.
#[test]
fn logs_to_a_pipe_carry_no_colour_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = Command::new(BIN)
        .arg("migrate")
        .current_dir(dir.path())
        .env_remove("CIVIFORGE_DATABASE_URL")
        .env_remove("CIVIFORGE_DATA_DIR")
        .env("CIVIFORGE_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run civiforge");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("reference data loaded"),
        "expected an info line: {stderr:?}"
    );
    assert!(
        stderr.contains("organisations="),
        "fields are printed: {stderr:?}"
    );
    assert!(!stderr.contains("\x1b["), "ANSI escape in {stderr:?}");
}

/// A `MakeWriter` that keeps what is written.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// With a threshold of zero every statement is slow: a 500-parameter statement gives one
/// short warning with its summary and duration. With the real threshold a fast statement
/// gives nothing. (sqlx's SQLite driver runs statements on a thread of its own, so the
/// subscriber is the process's global one: this is the only test of this file that logs.)
#[tokio::test]
async fn a_slow_statement_is_one_short_warning() {
    let captured = Captured::default();
    logging::subscriber(EnvFilter::new(DEFAULT_FILTER), captured.clone(), false).init();

    let values = vec!["?"; 500].join(", ");
    let sql = format!("SELECT count(*) FROM (SELECT 1) WHERE 1 NOT IN ({values})");

    let options = SqliteConnectOptions::from_str("sqlite::memory:").expect("options");
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(logging::statement_logging_above(
            options.clone(),
            Duration::ZERO,
        ))
        .await
        .expect("pool");
    let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
    for n in 0..500i64 {
        query = query.bind(n + 2);
    }
    assert_eq!(query.fetch_one(&pool).await.expect("query"), 1);
    pool.close().await;

    let text = captured.text();
    let warnings: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("slow statement"))
        .collect();
    assert!(
        !warnings.is_empty(),
        "no slow-statement warning in {text:?}"
    );
    let warning = warnings
        .iter()
        .find(|line| line.contains("SELECT count(*) FROM"))
        .unwrap_or_else(|| panic!("no warning names the statement: {text}"));
    assert!(warning.contains("WARN"), "{warning}");
    assert!(warning.contains("summary="), "{warning}");
    assert!(warning.contains("elapsed="), "{warning}");
    assert!(!warning.contains("db.statement"), "{warning}");
    assert!(
        !text.contains("?, ?, ?, ?, ?"),
        "the statement's text is printed: {text}"
    );
    assert!(
        text.lines().all(|line| line.len() < 400),
        "a line is too long: {text}"
    );

    // The real threshold: a fast statement says nothing.
    let before = captured.text().len();
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(logging::statement_logging(options))
        .await
        .expect("pool");
    let one: i64 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&pool)
        .await
        .expect("query");
    assert_eq!(one, 1);
    pool.close().await;
    assert_eq!(
        &captured.text()[before..],
        "",
        "a fast statement is not logged"
    );
}

/// `civiforge` with the settings of a test: no database or data folder of the caller's.
fn civiforge(dir: &std::path::Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .current_dir(dir)
        .env_remove("CIVIFORGE_DATABASE_URL")
        .env_remove("CIVIFORGE_DATA_DIR")
        .env_remove("CIVIFORGE_LOG_FORMAT");
    command
}

/// `CIVIFORGE_LOG_FORMAT=json`: every line the server writes is a JSON object, and the line a
/// request logs carries the id its response gave back; an unknown format stops the binary
/// with one clear line.
#[tokio::test]
async fn json_logs_name_the_request_of_each_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut create = civiforge(dir.path())
        .args([
            "admin",
            "create-user",
            "--email",
            "alice@mairie.fr",
            "--name",
            "Alice",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("create-user");
    create
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"un mot de passe solide\n")
        .expect("password");
    assert!(create.wait().expect("create-user").success());
    let token = civiforge(dir.path())
        .args(["admin", "create-token", "--email", "alice@mairie.fr"])
        .output()
        .expect("create-token");
    let token = String::from_utf8_lossy(&token.stdout).trim().to_string();

    let wrong = civiforge(dir.path())
        .arg("migrate")
        .env("CIVIFORGE_LOG_FORMAT", "xml")
        .output()
        .expect("run");
    assert!(!wrong.status.success());
    let said = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        said.contains("CIVIFORGE_LOG_FORMAT") && said.contains("json"),
        "{said}"
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let log = dir.path().join("serve.log");
    let mut server = civiforge(dir.path())
        .args([
            "serve",
            "--no-worker",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("CIVIFORGE_LOG_FORMAT", "json")
        .env("CIVIFORGE_LOG", "info")
        .stderr(std::fs::File::create(&log).expect("log file"))
        .stdout(Stdio::null())
        .spawn()
        .expect("serve");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the server did not start");
    let created = client
        .post(format!("{base}/api/v1/hosted-projects"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "openCimetière"}))
        .send()
        .await
        .expect("request");
    assert_eq!(created.status(), 201);
    let id = created.headers()["x-request-id"]
        .to_str()
        .expect("id")
        .to_string();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _ = server.kill();
    let _ = server.wait();

    let text = std::fs::read_to_string(&log).expect("log");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    assert!(
        lines
            .iter()
            .all(|l| l["timestamp"].is_string() && l["level"].is_string())
    );
    let registered = lines
        .iter()
        .find(|l| l["message"] == "hosted project registered")
        .unwrap_or_else(|| panic!("no line of the request in:\n{text}"));
    assert_eq!(registered["request_id"], id.as_str(), "{registered}");
    assert_eq!(registered["span"]["path"], "/api/v1/hosted-projects");
    assert_eq!(registered["fields"]["project"], "opencimetiere");
}
