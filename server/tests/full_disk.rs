//! A full disk (issue #16): writes answer 503 `database_unavailable`, never 500, `/healthz`
//! says so, nothing acknowledged is lost, and writes work again once space is freed.
//!
//! The disk is real: a small tmpfs mounted in a private user and mount namespace (nothing
//! else on the machine sees it), holding the database, the search index and — on
//! PostgreSQL — a whole throwaway cluster; a filler file then takes every free byte.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::{Engine, TestApp};

const INNER: &str = "CIVIFORGE_TEST_FULL_DISK";
const TMPFS_SIZE: &str = "size=160m";

/// Runs `inner` again inside a namespace where a fresh tmpfs is mounted over a folder of
/// ours and is the temporary folder, so that every file the test makes lands on it.
fn run_on_a_small_disk(engine: &str) {
    let mount_point = tempfile::tempdir().expect("mount point");
    // The cluster started inside (PostgreSQL only) listens on a port chosen here.
    let postgres = format!(
        "postgres://postgres@127.0.0.1:{}/postgres",
        common::processes::free_port()
    );
    let output = Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "--", "sh", "-c"])
        .arg("mount -t tmpfs -o \"$1\" civiforge-full \"$2\" && shift 2 && exec \"$@\"")
        .arg("sh")
        .arg(TMPFS_SIZE)
        .arg(mount_point.path())
        .arg(std::env::current_exe().expect("test binary"))
        .args(["--exact", "inner", "--include-ignored", "--nocapture"])
        .env(INNER, engine)
        .env("TMPDIR", mount_point.path())
        .env("CIVIFORGE_TEST_POSTGRES_URL", postgres)
        .output()
        .expect(
            "this test needs util-linux's `unshare` (a private mount namespace with a tmpfs of \
             its own)",
        );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "the check on a full disk failed (it needs user and mount namespaces):\n{stdout}\n{stderr}"
    );
}

#[test]
fn a_full_disk_is_unavailable_not_broken_on_sqlite() {
    run_on_a_small_disk("sqlite");
}

#[test]
fn a_full_disk_is_unavailable_not_broken_on_postgres() {
    run_on_a_small_disk("postgres");
}

/// Runs only inside the namespace made by the tests above.
#[test]
#[ignore = "run by a_full_disk_is_unavailable_not_broken_on_*"]
fn inner() {
    let engine = match std::env::var(INNER).as_deref() {
        Ok("sqlite") => Engine::Sqlite,
        Ok("postgres") => Engine::Postgres,
        _ => panic!("run through a_full_disk_is_unavailable_not_broken_on_*"),
    };
    let disk = std::env::temp_dir();
    let _cluster = (engine == Engine::Postgres).then(|| Cluster::start(&disk.join("pg")));
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(writes_on_a_full_disk(engine, &disk));
}

async fn writes_on_a_full_disk(engine: Engine, disk: &Path) {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let app = TestApp::new(engine).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    let register = |n: usize| serde_json::json!({"repository_url": format!("https://forge.example.org/plein-{n}.git")});
    let first = app.post("/api/v1/projects", &token, register(0)).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let mut acknowledged = vec![first.body["slug"].as_str().expect("slug").to_string()];

    let filler = fill(disk);
    // Space the engine set aside earlier (a write-ahead log, a half-empty page) takes a
    // few more writes; then each one needs a byte the disk no longer has.
    let mut refused = None;
    for n in 1..3000 {
        let answer = app.post("/api/v1/projects", &token, register(n)).await;
        match answer.status {
            StatusCode::CREATED => {
                acknowledged.push(answer.body["slug"].as_str().expect("slug").to_string())
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                refused = Some(answer);
                break;
            }
            other => panic!("a write on a full disk answered {other}: {}", answer.text),
        }
    }
    let refused = refused.expect("3000 registrations on a full disk all succeeded");
    assert_eq!(
        refused.error_code(),
        "database_unavailable",
        "{}",
        refused.text
    );
    let health = app.get("/healthz").await;
    assert_eq!(
        health.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        health.text
    );
    assert_eq!(health.body["status"], "unavailable");

    std::fs::remove_file(&filler).expect("free the disk");
    let answer = eventually(|| app.post("/api/v1/projects", &token, register(9999))).await;
    acknowledged.push(answer.body["slug"].as_str().expect("slug").to_string());
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    for slug in &acknowledged {
        let project = app.get(&format!("/api/v1/projects/{slug}")).await;
        assert_eq!(
            project.status,
            StatusCode::OK,
            "{slug} was acknowledged before the disk filled, and is gone: {}",
            project.text
        );
    }
}

/// Writes zeros until the disk refuses one more byte; returns the file to delete.
fn fill(disk: &Path) -> PathBuf {
    use std::io::Write;
    let path = disk.join("filler");
    let mut file = std::fs::File::create(&path).expect("filler");
    for chunk in [1 << 20, 4096, 1] {
        let zeros = vec![0u8; chunk];
        while file.write_all(&zeros).is_ok() {}
    }
    assert_eq!(
        free_bytes(disk),
        0,
        "the filler left free space on the disk"
    );
    path
}

/// Free bytes on the file system holding `path`, as `df` says.
fn free_bytes(path: &Path) -> u64 {
    let output = Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(path)
        .output()
        .expect("df");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .nth(1)
        .and_then(|line| line.trim().parse().ok())
        .expect("df output")
}

/// Retries a registration for up to 60 s (PostgreSQL may be recovering from a crash the
/// full disk caused) and returns the first success.
async fn eventually<F, Fut>(mut attempt: F) -> common::TestResponse
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = common::TestResponse>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let answer = attempt().await;
        if answer.status == StatusCode::CREATED {
            return answer;
        }
        assert_eq!(
            answer.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "after space was freed: {}",
            answer.text
        );
        assert!(
            Instant::now() < deadline,
            "writes did not come back within 60 s of freeing the disk: {}",
            answer.text
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A PostgreSQL 15 cluster of this test's own, on the small disk, at the address that
/// `CIVIFORGE_TEST_POSTGRES_URL` gives. initdb and postgres
/// refuse to run as root, which the namespace made us: they run in a nested namespace as
/// `nobody` (the owner, seen from there, of everything we create).
struct Cluster {
    data: PathBuf,
    dir: PathBuf,
}

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

impl Cluster {
    fn start(dir: &Path) -> Cluster {
        std::fs::create_dir_all(dir).expect("cluster dir");
        let as_nobody = |program: &str| nobody(PG_BIN, program);
        let data = dir.join("data");
        let status = as_nobody("initdb")
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
            .args(["--locale=C.UTF-8", "-D"])
            .arg(&data)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("initdb");
        assert!(status.success(), "initdb failed");
        let port = url::Url::parse(&common::postgres_admin_url())
            .ok()
            .and_then(|url| url.port())
            .expect("the port chosen outside")
            .to_string();
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100",
            dir.display()
        );
        let status = as_nobody("pg_ctl")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("log"))
            .args(["-w", "-o", &options, "start"])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("pg_ctl");
        assert!(status.success(), "postgres did not start");
        Cluster {
            data,
            dir: dir.to_path_buf(),
        }
    }
}

/// A command of PostgreSQL's run as `nobody` in a nested user namespace.
fn nobody(bin: &str, program: &str) -> Command {
    let mut command = Command::new("unshare");
    command
        .args(["--map-user=65534", "--map-group=65534", "--"])
        .arg(Path::new(bin).join(program));
    command
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = nobody(PG_BIN, "pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"])
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
