//! The configuration as an operator writes it: boolean environment variables spelt `1`,
//! `yes` or `on` work with every command, and a wrong value is one clear line.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_civiforge");

/// A command of the binary in `dir`, with none of the caller's `CIVIFORGE_*` settings.
fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .current_dir(dir)
        .env_remove("CIVIFORGE_DATABASE_URL")
        .env_remove("CIVIFORGE_DATA_DIR")
        .env_remove("CIVIFORGE_ALLOW_LOCAL_REPOSITORIES")
        .env_remove("CIVIFORGE_ALLOW_PRIVATE_NETWORKS")
        .env_remove("CIVIFORGE_CONFIG")
        .env("CIVIFORGE_LOG", "warn")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    command(dir, args, env).output().expect("run civiforge")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn free_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").to_string()
}

/// Stops a server started by a test, even when the test fails.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_server(dir: &Path, env: &[(&str, &str)]) -> (Server, String) {
    let address = free_address();
    let mut command = command(dir, &["serve", "--no-worker", "--listen", &address], env);
    command.stdout(Stdio::null()).stderr(Stdio::null());
    let server = Server(command.spawn().expect("spawn server"));
    let base = format!("http://{address}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            return (server, base);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not start within 30 s");
}

/// `CIVIFORGE_ALLOW_LOCAL_REPOSITORIES=1`, as the README writes it, lets every command start,
/// and the server then takes a local path as a repository.
#[tokio::test]
async fn boolean_variables_set_to_1_work_with_every_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let allow = [
        ("CIVIFORGE_ALLOW_LOCAL_REPOSITORIES", "1"),
        ("CIVIFORGE_ALLOW_PRIVATE_NETWORKS", "1"),
    ];
    let migrated = run(dir.path(), &["migrate"], &allow);
    assert!(migrated.status.success(), "{}", stderr(&migrated));
    let mut create_user = command(
        dir.path(),
        &["admin", "create-user", "--email", "a@b.fr", "--name", "A"],
        &allow,
    );
    let mut child = create_user
        .stdin(Stdio::piped())
        .spawn()
        .expect("spawn create-user");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(b"un mot de passe solide\n")
            .expect("write password");
    }
    let created = child.wait_with_output().expect("create-user");
    assert!(created.status.success(), "{}", stderr(&created));
    let token_output = run(
        dir.path(),
        &["admin", "create-token", "--email", "a@b.fr"],
        &allow,
    );
    assert!(token_output.status.success(), "{}", stderr(&token_output));
    let token = String::from_utf8_lossy(&token_output.stdout)
        .trim()
        .to_string();

    let repository = dir.path().join("depot");
    std::fs::create_dir_all(&repository).expect("repository folder");
    let register = |base: String, token: String, repository: String| async move {
        reqwest::Client::new()
            .post(format!("{base}/api/v1/projects"))
            .bearer_auth(token)
            .json(&json!({"repository_url": repository, "name": "Dépôt local"}))
            .send()
            .await
            .expect("register")
            .status()
    };

    // Spelt 0, the same variable keeps local paths refused.
    let (server, base) =
        start_server(dir.path(), &[("CIVIFORGE_ALLOW_LOCAL_REPOSITORIES", "0")]).await;
    let refused = register(base, token.clone(), repository.display().to_string()).await;
    assert_eq!(refused, 422, "a local path is refused by default");
    drop(server);

    let (server, base) = start_server(dir.path(), &allow).await;
    let accepted = register(base, token, repository.display().to_string()).await;
    assert_eq!(
        accepted, 201,
        "CIVIFORGE_ALLOW_LOCAL_REPOSITORIES=1 allows it"
    );
    drop(server);

    for spelling in ["true", "YES", "On", "0", "false", "no", "OFF"] {
        let output = run(
            dir.path(),
            &["migrate"],
            &[("CIVIFORGE_ALLOW_PRIVATE_NETWORKS", spelling)],
        );
        assert!(output.status.success(), "{spelling}: {}", stderr(&output));
    }
}

/// A value that is neither yes nor no: one French line naming the variable and what it may
/// be, whichever command was asked for.
#[test]
fn a_wrong_boolean_is_one_line_naming_the_variable() {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [&["migrate"][..], &["serve", "--no-worker"][..]] {
        let output = run(
            dir.path(),
            args,
            &[("CIVIFORGE_ALLOW_LOCAL_REPOSITORIES", "peut-être")],
        );
        assert!(!output.status.success(), "{args:?} should fail");
        let text = stderr(&output);
        assert_eq!(
            text,
            "civiforge : erreur : la variable d'environnement CIVIFORGE_ALLOW_LOCAL_REPOSITORIES \
             vaut « peut-être » : valeurs acceptées 1 ou 0, true ou false, yes ou no, on ou off\n"
        );
    }

    std::fs::write(
        dir.path().join("civiforge.toml"),
        "allow_private_networks = \"oui\"\n",
    )
    .expect("write file");
    let output = run(dir.path(), &["migrate"], &[]);
    assert!(!output.status.success());
    assert_eq!(
        stderr(&output),
        "civiforge : erreur : fichier de configuration civiforge.toml : allow_private_networks \
         vaut « oui » : valeurs acceptées 1 ou 0, true ou false, yes ou no, on ou off\n"
    );
    std::fs::write(
        dir.path().join("civiforge.toml"),
        "allow_private_networks = \"on\"\n",
    )
    .expect("write file");
    let output = run(dir.path(), &["migrate"], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
}
