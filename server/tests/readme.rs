//! The shell examples of README.md, run as written: the fenced `sh` blocks are read from the
//! README itself, so that the documentation cannot drift from the binary. Only the build
//! command (`cargo run … --`, replaced by the binary under test) and the address
//! (`127.0.0.1:8080`, replaced by a free loopback port) change; servers run with
//! `--no-worker`, so that nothing is fetched from the Internet.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_civiforge");
const README: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"));

/// What the README runs the binary with; `-q` for the commands whose output is read.
const BUILD_COMMANDS: [&str; 2] = [
    "cargo run -q --release -p civiforge --",
    "cargo run --release -p civiforge --",
];
const README_ADDRESS: &str = "127.0.0.1:8080";
/// The database URL of the README's PostgreSQL example.
const README_POSTGRES_URL: &str = "postgres://civiforge:secret@db.example/civiforge";

/// The contents of the README's fenced `sh` blocks, in order.
fn shell_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match current.as_mut() {
            None if line.trim_end() == "```sh" => current = Some(String::new()),
            None => {}
            Some(_) if line.trim_end() == "```" => blocks.extend(current.take()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    assert!(
        current.is_none(),
        "a ```sh block of README.md is not closed"
    );
    blocks
}

/// The shell commands of a block, as written: lines ending in `\` continue on the next one.
fn commands(block: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut current = String::new();
    for line in block.lines() {
        if line.ends_with('\\') {
            current.push_str(line);
            current.push('\n');
        } else {
            current.push_str(line);
            if !current.trim().is_empty() {
                commands.push(std::mem::take(&mut current));
            }
            current.clear();
        }
    }
    commands
}

/// A README command as the test runs it: the binary under test instead of `cargo run`, the
/// test's address instead of the README's.
fn adapt(command: &str, address: &str) -> String {
    let mut adapted = command.to_string();
    for build in BUILD_COMMANDS {
        adapted = adapted.replace(build, &format!("'{BIN}'"));
    }
    assert!(
        !adapted.contains("cargo "),
        "a README command runs cargo in a way this test does not know: {command}"
    );
    adapted.replace(README_ADDRESS, address)
}

fn free_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").to_string()
}

/// `sh -c SCRIPT` in `dir`, with none of the caller's `CIVIFORGE_*` settings, as a new user
/// would have it.
fn shell(dir: &Path, script: &str) -> Command {
    let mut command = Command::new("sh");
    command
        .args(["-eu", "-c", script])
        .current_dir(dir)
        .stdin(Stdio::null());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("CIVIFORGE_") {
            command.env_remove(name);
        }
    }
    command
}

fn run(dir: &Path, script: &str) -> Output {
    let output = shell(dir, script)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run sh");
    assert!(
        output.status.success(),
        "README commands failed:\n{script}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A `serve` started from a README command, in a process group of its own; the whole group
/// (the shell and the `civiforge` it started) is stopped with SIGKILL when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a README `… serve` command (with `--no-worker` and the test's address) and waits
/// until it answers `/healthz`.
async fn start_server(dir: &Path, prelude: &str, command: &str, address: &str) -> Server {
    assert!(
        command.trim_end().ends_with(" serve"),
        "not a serve command: {command}"
    );
    let script = format!(
        "{prelude}{} --no-worker --listen {address}",
        adapt(command.trim_end(), address)
    );
    let child = shell(dir, &script)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("spawn sh");
    let server = Server {
        child,
        base: format!("http://{address}"),
    };
    let client = reqwest::Client::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if let Ok(response) = client.get(format!("{}/healthz", server.base)).send().await {
            assert_eq!(response.status(), 200);
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("`{command}` did not answer within 60 s");
}

/// The JSON documents printed one after the other (curl prints bodies without newlines).
fn json_documents(text: &str) -> Vec<Value> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|error| panic!("not JSON ({error}): {text}"))
}

#[tokio::test]
async fn the_readme_shell_examples_work_as_written() {
    let blocks = shell_blocks(README);
    let dir = tempfile::tempdir().expect("tempdir");
    let address = free_address();
    // Function definitions stay defined for the next blocks, as in the reader's shell.
    let mut prelude = String::new();
    let mut server: Option<Server> = None;
    let mut journey_done = false;
    let mut postgres_done = false;

    for block in &blocks {
        let commands = commands(block);
        if commands.iter().any(|c| c.trim() == "scripts/test.sh") {
            // The whole test run, PostgreSQL and browsers included: what this test is part of.
            assert_eq!(commands.len(), 1, "{block}");
        } else if block.contains(README_POSTGRES_URL) {
            postgres_block(&prelude, &commands).await;
            postgres_done = true;
        } else if let [command] = commands.as_slice()
            && command.trim_end().ends_with(" serve")
        {
            // "Démarrer": the first start of the server, data under ./data.
            server = Some(start_server(dir.path(), &prelude, command, &address).await);
            assert!(
                dir.path().join("data/civiforge.db").exists(),
                "the SQLite database is under ./data"
            );
        } else if block.contains("/api/v1/") {
            let base = &server.as_ref().expect("the server block comes first").base;
            let script = commands
                .iter()
                .map(|c| adapt(c, &address))
                .collect::<Vec<_>>()
                .join("\n");
            let output = run(dir.path(), &script);
            check_api_journey(&String::from_utf8_lossy(&output.stdout), base).await;
            journey_done = true;
        } else {
            panic!("README.md has a sh block this test does not know how to run:\n{block}");
        }
        for command in commands {
            if command.contains("() {") {
                prelude.push_str(&adapt(&command, &address));
                prelude.push('\n');
            }
        }
    }
    assert!(server.is_some(), "the README starts a server");
    assert!(journey_done, "the README shows the API");
    assert!(postgres_done, "the README shows PostgreSQL");
}

/// What a reader checks in the printed answers: the project registered, the use declared,
/// and the organisation's record listing it.
async fn check_api_journey(stdout: &str, base: &str) {
    let (created, answers) = stdout.split_once('\n').unwrap_or_default();
    assert!(
        created.starts_with("compte créé : julien@agglo.fr"),
        "create-user says what it did: {stdout}"
    );
    let documents = json_documents(answers);
    let [project, adoption, organisation] = documents.as_slice() else {
        panic!("expected three JSON answers, got: {stdout}");
    };
    for document in &documents {
        assert!(document.get("error").is_none(), "an error: {document}");
    }
    assert_eq!(project["slug"], "openelec", "{project}");
    assert_eq!(
        project["repository_url"],
        "https://gitlab.adullact.net/openmairie/openelec.git"
    );
    assert_eq!(project["categories"], serde_json::json!(["elections"]));
    assert_eq!(adoption["project"], "openelec", "{adoption}");
    assert_eq!(adoption["organisation_name"], "Istres", "{adoption}");
    assert_eq!(adoption["version"], "2.03", "{adoption}");
    assert_eq!(organisation["name"], "Istres", "{organisation}");
    assert_eq!(organisation["adoptions"][0]["project"], "openelec");
    assert_eq!(organisation["adoptions"][0]["version"], "2.03");

    // The registration answered 201: the project is there, and its adoption.
    let client = reqwest::Client::new();
    let response = client
        .get(format!("{base}/api/v1/projects/openelec/adoptions"))
        .send()
        .await
        .expect("adoptions");
    assert_eq!(response.status(), 200);
    let adoptions: Value = response.json().await.expect("json");
    assert_eq!(adoptions["total"], 1, "{adoptions}");
    assert_eq!(adoptions["items"][0]["organisation_name"], "Istres");
}

/// The PostgreSQL example, on a fresh database of the test server when there is one
/// (`CIVIFORGE_TEST_POSTGRES_URL`, set by scripts/test.sh); skipped otherwise.
async fn postgres_block(prelude: &str, commands: &[String]) {
    let Ok(admin) = std::env::var("CIVIFORGE_TEST_POSTGRES_URL") else {
        eprintln!("CIVIFORGE_TEST_POSTGRES_URL is not set: README's PostgreSQL example skipped");
        return;
    };
    let name = format!("civiforge_readme_{}", std::process::id());
    let psql = |sql: String| {
        let output = Command::new("psql")
            .args([admin.as_str(), "-qc", &sql])
            .output()
            .expect("psql");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    psql(format!("CREATE DATABASE {name}"));
    let (server_url, _) = admin.rsplit_once('/').expect("a database URL");
    let url = format!("{server_url}/{name}");
    let dir = tempfile::tempdir().expect("tempdir");
    let address = free_address();
    let mut served = false;
    for command in commands {
        let command = command.replace(README_POSTGRES_URL, &url);
        if command.trim_end().ends_with(" serve") {
            let server = start_server(dir.path(), prelude, &command, &address).await;
            let health: Value = reqwest::get(format!("{}/healthz", server.base))
                .await
                .expect("healthz")
                .json()
                .await
                .expect("json");
            assert_eq!(health["status"], "ok", "{health}");
            served = true;
        } else {
            run(
                dir.path(),
                &format!("{prelude}{}", adapt(&command, &address)),
            );
        }
    }
    assert!(served, "the PostgreSQL example serves");
    assert!(
        !dir.path().join("data/civiforge.db").exists(),
        "the catalogue is in PostgreSQL, not in SQLite"
    );
    let counted = Command::new("psql")
        .args([url.as_str(), "-tAc", "SELECT count(*) FROM organisations"])
        .output()
        .expect("psql");
    let organisations = String::from_utf8_lossy(&counted.stdout).trim().to_string();
    assert!(
        organisations.parse::<u64>().is_ok_and(|n| n > 30_000),
        "reference data loaded into PostgreSQL: {organisations:?} {}",
        String::from_utf8_lossy(&counted.stderr)
    );
    psql(format!("DROP DATABASE {name} WITH (FORCE)"));
}
