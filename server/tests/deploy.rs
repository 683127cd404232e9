//! What can be checked here of `deploy/` without a container engine: the systemd unit passes
//! `systemd-analyze verify` and rates 2.0 or less on `systemd-analyze security`; the compose
//! file runs PostgreSQL 15, two web instances without worker behind the proxy and one worker,
//! each on the database with the shared key and its own search index; the nginx example is
//! accepted by `nginx -t`; the container file builds the binary as CI does and runs it as an
//! unprivileged user with `git`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_civiforge");

fn deploy(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../deploy")
        .join(file)
}

fn read(file: &str) -> String {
    std::fs::read_to_string(deploy(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The unit as installed, its program the binary under test (`verify` checks it exists).
fn installed_unit(dir: &Path) -> PathBuf {
    let unit = read("civiforge.service").replace("/usr/local/bin/civiforge", BIN);
    let path = dir.join("civiforge.service");
    std::fs::write(&path, unit).expect("unit");
    path
}

#[test]
fn the_systemd_unit_verifies_and_is_hardened() {
    let unit = read("civiforge.service");
    for setting in [
        "DynamicUser=yes",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/civiforge",
        "NoNewPrivileges=yes",
        "Restart=on-failure",
    ] {
        assert!(
            unit.lines().any(|line| line == setting),
            "{setting} missing"
        );
    }
    let dir = tempfile::tempdir().expect("dir");
    let path = installed_unit(dir.path());
    let verified = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .current_dir(dir.path())
        .output()
        .expect("systemd-analyze (package systemd) is needed by this test");
    let said = String::from_utf8_lossy(&verified.stderr);
    assert!(verified.status.success(), "{said}");
    assert!(
        !said.contains("civiforge.service"),
        "no warning about the unit: {said}"
    );

    let security = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--no-pager"])
        .arg(&path)
        .output()
        .expect("systemd-analyze security");
    let report = String::from_utf8_lossy(&security.stdout);
    let exposure: f64 = report
        .lines()
        .find_map(|line| {
            let rest = line
                .split("Overall exposure level for civiforge.service:")
                .nth(1)?;
            rest.split_whitespace().next()?.parse().ok()
        })
        .unwrap_or_else(|| panic!("no overall exposure in:\n{report}"));
    assert!(exposure <= 2.0, "exposure {exposure}:\n{report}");
}

fn compose() -> Value {
    serde_saphyr::from_str(&read("compose.yaml")).expect("compose.yaml is YAML")
}

fn command_of(service: &Value) -> Vec<&str> {
    service["command"]
        .as_array()
        .map(|words| words.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn the_compose_file_runs_postgres_two_web_instances_and_a_worker() {
    let compose = compose();
    let services = compose["services"].as_object().expect("services");
    let db = &services["db"];
    assert!(
        db["image"]
            .as_str()
            .unwrap_or_default()
            .starts_with("postgres:15"),
        "{db}"
    );
    assert!(
        db["healthcheck"]["test"].is_array(),
        "the database says when it is ready"
    );

    let web: Vec<(&String, &Value)> = services
        .iter()
        .filter(|(_, s)| command_of(s) == ["serve", "--no-worker"])
        .collect();
    assert_eq!(web.len(), 2, "two web instances");
    let workers: Vec<&Value> = services
        .values()
        .filter(|s| command_of(s) == ["worker"])
        .collect();
    assert_eq!(workers.len(), 1, "one worker");
    let mut indexes = Vec::new();
    for service in web.iter().map(|(_, s)| *s).chain(workers.iter().copied()) {
        let environment = &service["environment"];
        let database = environment["CIVIFORGE_DATABASE_URL"]
            .as_str()
            .unwrap_or_default();
        assert!(
            database.starts_with("postgres://") && database.contains("@db:"),
            "{service}"
        );
        assert!(
            environment["CIVIFORGE_SECRET_KEY"].is_string(),
            "one key for all: {service}"
        );
        assert_eq!(service["image"], "civiforge:latest");
        assert_eq!(
            service["build"]["dockerfile"], "deploy/Containerfile",
            "{service}"
        );
        let volumes: Vec<&str> = service["volumes"]
            .as_array()
            .map(|v| v.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert!(
            volumes.contains(&"mirrors:/var/lib/civiforge/mirrors"),
            "{service}"
        );
        let own = volumes
            .iter()
            .find(|v| v.ends_with(":/var/lib/civiforge"))
            .expect("a data volume of its own");
        indexes.push(own.to_string());
        assert_eq!(
            service["depends_on"]["migrate"]["condition"],
            "service_completed_successfully"
        );
    }
    indexes.sort();
    indexes.dedup();
    assert_eq!(indexes.len(), 3, "each process keeps its own search index");
    assert_eq!(command_of(&services["migrate"]), ["migrate"]);

    let proxy = &services["proxy"];
    let address = proxy["networks"]["civiforge"]["ipv4_address"]
        .as_str()
        .expect("the proxy's fixed address");
    for (name, service) in &web {
        assert_eq!(
            service["environment"]["CIVIFORGE_TRUSTED_PROXIES"], address,
            "the web instances believe the proxy's X-Forwarded-For only"
        );
        assert_eq!(
            proxy["depends_on"][name.as_str()]["condition"],
            "service_healthy",
            "the proxy waits for {name}"
        );
    }
    let mounted = proxy["volumes"][0].as_str().unwrap_or_default();
    let config = mounted.split(':').next().unwrap_or_default();
    assert!(deploy(config).is_file(), "{config} is in deploy/");
    // Every named volume a service mounts is declared.
    let declared = compose["volumes"].as_object().expect("volumes");
    for service in services.values() {
        for volume in service["volumes"].as_array().into_iter().flatten() {
            let source = volume
                .as_str()
                .unwrap_or_default()
                .split(':')
                .next()
                .unwrap_or_default();
            let named =
                !source.starts_with('.') && !source.starts_with('/') && !source.starts_with('$');
            assert!(
                !named || declared.contains_key(source),
                "volume {source} is not declared"
            );
        }
    }
}

#[test]
fn the_nginx_example_is_accepted_by_nginx() {
    let Ok(nginx) = which("nginx") else {
        panic!("nginx is needed by this test (scripts/test.sh installs nginx-light)");
    };
    let dir = tempfile::tempdir().expect("dir");
    let prefix = dir.path();
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
        ])
        .arg("/CN=catalogue.example.fr")
        .arg("-keyout")
        .arg(prefix.join("privkey.pem"))
        .arg("-out")
        .arg(prefix.join("fullchain.pem"))
        .output()
        .expect("openssl");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    // The compose hosts do not resolve here: the instances are on loopback instead.
    let site = read("nginx/civiforge.conf")
        .replace("web-1:8080", "127.0.0.1:8081")
        .replace("web-2:8080", "127.0.0.1:8082")
        .replace("/etc/nginx/tls", &prefix.display().to_string());
    std::fs::write(prefix.join("civiforge.conf"), site).expect("site");
    let main = format!(
        "pid {p}/nginx.pid;\nerror_log {p}/error.log;\nevents {{}}\nhttp {{\n  access_log off;\n  include {p}/civiforge.conf;\n}}\n",
        p = prefix.display()
    );
    std::fs::write(prefix.join("nginx.conf"), main).expect("main");
    let tested = Command::new(nginx)
        .arg("-t")
        .arg("-p")
        .arg(prefix)
        .arg("-c")
        .arg(prefix.join("nginx.conf"))
        .output()
        .expect("nginx -t");
    let said = String::from_utf8_lossy(&tested.stderr);
    assert!(tested.status.success(), "{said}");
    assert!(said.contains("syntax is ok"), "{said}");
}

fn which(program: &str) -> Result<PathBuf, ()> {
    ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"]
        .iter()
        .map(|dir| Path::new(dir).join(program))
        .find(|path| path.is_file())
        .ok_or(())
}

#[test]
fn the_container_builds_as_ci_does_and_runs_unprivileged() {
    let file = read("Containerfile");
    let build = ".ci/run";
    assert!(
        file.contains("cargo build --release --locked -p civiforge"),
        "the container builds what {build} checks"
    );
    let test_script =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/test.sh"))
            .expect("scripts/test.sh");
    assert!(test_script.contains("cargo build --release --locked -p civiforge"));
    let runtime = file.rsplit("\nFROM ").next().expect("a runtime stage");
    for needed in ["git", "USER civiforge", "VOLUME", "HEALTHCHECK", "/healthz"] {
        assert!(runtime.contains(needed), "the runtime stage has {needed}");
    }
    assert!(
        !runtime.contains("USER root"),
        "the service never runs as root"
    );
}
