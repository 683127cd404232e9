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
