//! The search index across real `civiforge serve` processes: killed with SIGKILL while it
//! indexes, restarted, damaged; and two instances sharing one PostgreSQL database.

mod common;

use common::processes::free_port;
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_civiforge");
const KEY: &str = "7f3c1a9e5b2d4f6081a3c5e7092b4d6f8a1c3e5079b2d4f6a8c0e2d4f6a8b0c2";

fn civiforge(dir: &Path, database: &str, args: &[&str], stdin: &str) -> String {
    let mut child = Command::new(BIN)
        .args(["--database", database])
        .args(args)
        .current_dir(dir)
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

/// A `civiforge serve --no-worker` process, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(dir: &Path, database: &str) -> Server {
        let address = format!("127.0.0.1:{}", free_port());
        let child = Command::new(BIN)
            .args([
                "--database",
                database,
                "serve",
                "--no-worker",
                "--listen",
                &address,
            ])
            .current_dir(dir)
            .env("CIVIFORGE_LOG", "warn")
            .env("CIVIFORGE_SECRET_KEY", KEY)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve");
        Server {
            child,
            base: format!("http://{address}"),
        }
    }

    /// Waits until `path` answers 200.
    async fn wait_for(&self, client: &reqwest::Client, path: &str) {
        let started = Instant::now();
        loop {
            if let Ok(response) = client.get(format!("{}{path}", self.base)).send().await
                && response.status() == 200
            {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{}{path} never answered 200",
                self.base
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until `/readyz` says the index has caught up.
    async fn ready(&self, client: &reqwest::Client) {
        self.wait_for(client, "/readyz").await;
    }

    fn kill_hard(&mut self) {
        let status = Command::new("kill")
            .args(["-KILL", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let _ = self.child.wait();
    }

    async fn get(&self, client: &reqwest::Client, path: &str) -> Value {
        client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json")
    }
}

async fn register(client: &reqwest::Client, server: &Server, token: &str, n: usize, word: &str) {
    let response = client
        .post(format!("{}/api/v1/projects", server.base))
        .bearer_auth(token)
        .json(&json!({
            "repository_url": format!("https://forge.example.org/projet-{n}.git"),
            "name": format!("Logiciel {n}"),
            "summary": format!("Gestion des {word} de la commune, version {n}."),
        }))
        .send()
        .await
        .expect("register");
    assert_eq!(response.status(), 201);
}

/// SIGKILL while the index follows a burst of registrations: after a restart the index holds
/// exactly what the database holds. A damaged index is rebuilt at start.
#[tokio::test]
async fn the_index_survives_sigkill_and_damage() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = format!("sqlite://{}/civiforge.db", dir.path().display());
    civiforge(
        dir.path(),
        &database,
        &["admin", "create-user", "--email", "a@b.fr", "--name", "A"],
        "un mot de passe solide\n",
    );
    let token = civiforge(
        dir.path(),
        &database,
        &["admin", "create-token", "--email", "a@b.fr"],
        "",
    );
    let client = reqwest::Client::new();

    let mut server = Server::start(dir.path(), &database);
    server.ready(&client).await;
    let registrations: Vec<_> = (0..80)
        .map(|n| register(&client, &server, &token, n, "cimetières"))
        .collect();
    for registration in registrations {
        registration.await;
    }
    // Killed while the follower is still applying the burst (or just after).
    server.kill_hard();

    let server = Server::start(dir.path(), &database);
    server.ready(&client).await;
    let found = server
        .get(&client, "/api/v1/search?q=cimetiere&limit=1")
        .await;
    let listed = server.get(&client, "/api/v1/projects?limit=1").await;
    assert_eq!(listed["total"], 80);
    assert_eq!(
        found["total"], 80,
        "the index holds every project of the database"
    );
    drop(server);

    // A damaged index: its metadata overwritten.
    std::fs::write(dir.path().join("data/search/meta.json"), b"{not json").expect("damage");
    let server = Server::start(dir.path(), &database);
    server.wait_for(&client, "/healthz").await;
    let early = server.get(&client, "/api/v1/search?q=cimetiere").await;
    assert!(
        early["total"] == 80 || early["error"]["code"] == "search_unavailable",
        "never a wrong answer while rebuilding: {early}"
    );
    server.ready(&client).await;
    assert_eq!(
        server
            .get(&client, "/api/v1/search?q=cimetiere&limit=1")
            .await["total"],
        80
    );
}

/// Two instances on one PostgreSQL database, each with its own index: a project registered
/// through one is found through the other within seconds.
#[tokio::test]
async fn two_instances_share_one_catalogue() {
    let admin = std::env::var("CIVIFORGE_TEST_POSTGRES_URL")
        .expect("CIVIFORGE_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh");
    let name = format!("civiforge_two_{}", std::process::id());
    let created = Command::new("psql")
        .args([admin.as_str(), "-qc", &format!("CREATE DATABASE {name}")])
        .output()
        .expect("psql");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let mut url = url::Url::parse(&admin).expect("url");
    url.set_path(&format!("/{name}"));
    let database = url.to_string();
    let (a_dir, b_dir) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
    );
    civiforge(
        a_dir.path(),
        &database,
        &["admin", "create-user", "--email", "a@b.fr", "--name", "A"],
        "un mot de passe solide\n",
    );
    let token = civiforge(
        a_dir.path(),
        &database,
        &["admin", "create-token", "--email", "a@b.fr"],
        "",
    );
    let client = reqwest::Client::new();
    let a = Server::start(a_dir.path(), &database);
    let b = Server::start(b_dir.path(), &database);
    a.ready(&client).await;
    b.ready(&client).await;

    register(&client, &a, &token, 1, "délibérations").await;
    let started = Instant::now();
    loop {
        let found = b.get(&client, "/api/v1/search?q=deliberation").await;
        if found["total"] == 1 {
            assert_eq!(found["items"][0]["name"], "Logiciel 1");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "not found through the other instance: {found}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // And the other way round.
    register(&client, &b, &token, 2, "cimetières").await;
    let started = Instant::now();
    while a.get(&client, "/api/v1/search?q=cimetiere").await["total"] != 1 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "not found through the first instance"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
