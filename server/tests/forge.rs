//! The forge with the stock `git` client over real HTTP on loopback: a registered repository
//! is cloned from civiforge with the same tags (protocol v2 and v0, shallow, fetch of a new
//! tag), and every address that is not a repository's, or not a visible one's, is refused.
//! Release archives: a version's `.tar.gz` and `.zip`, the same bytes on every download (and
//! after the cache lost them), their SHA-256 on the project page and in the versions API.

mod common;
#[path = "../../indexer/tests/support/mod.rs"]
mod git_support;

use std::io::Read;
use std::path::Path;

use axum::http::StatusCode;
use civiforge::forge::archives::{ArchiveCache, ArchiveSpec};
use civiforge::model::ArchiveFormat;
use common::{Engine, TestApp};
use git_support::TestRepo;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const LOCAL: civiforge_indexer::RepositoryUrlPolicy = civiforge_indexer::RepositoryUrlPolicy {
    allow_local: true,
    allow_private_networks: false,
};

/// Runs the stock `git` off the test's runtime (the server answers on it meanwhile), with
/// no configuration of the machine's; answers (success, stdout, stderr).
async fn git(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let output = tokio::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_AUTHOR_NAME", "Alice")
        .env("GIT_AUTHOR_EMAIL", "alice@mairie.fr")
        .env("GIT_COMMITTER_NAME", "Alice")
        .env("GIT_COMMITTER_EMAIL", "alice@mairie.fr")
        .output()
        .await
        .expect("git runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

async fn git_ok(dir: &Path, args: &[&str]) -> String {
    let (ok, stdout, stderr) = git(dir, args).await;
    assert!(ok, "git {args:?}: {stderr}");
    stdout
}

/// Every tag with the commit it names, as `git show-ref` lists them.
async fn tags(dir: &Path) -> Vec<String> {
    let listed = git_ok(dir, &["show-ref", "--tags", "--dereference"]).await;
    let mut lines: Vec<String> = listed.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

fn electoral_repository() -> TestRepo {
    let mut repo = TestRepo::new();
    repo.write(
        "README.md",
        "# openElec 4.0\n\nGestion des listes électorales.\n",
    );
    repo.commit("Import initial");
    repo.annotated_tag("4.0.0");
    repo.write(
        "README.md",
        "# openElec 4.1\n\nGestion des listes électorales.\n",
    );
    repo.write("src/bureau.php", "<?php echo 'bureau de vote';\n");
    repo.commit("Bureaux de vote");
    repo.tag("4.1.0");
    repo.symlink("docs", "src");
    repo.commit("Lien vers les sources");
    repo.annotated_tag("4.2.0");
    repo
}

/// Registers and indexes the repository as `openelec`; answers the maintainer's token.
async fn registered(app: &TestApp, repo: &TestRepo) -> String {
    let token = app.user_token("alice@mairie.fr", "Alice").await;
    app.create(
        "/api/v1/projects",
        &token,
        json!({"repository_url": repo.url(), "name": "openElec"}),
    )
    .await;
    common::index_now(app, "openelec").await;
    token
}

/// A moderator hides the project.
async fn hide(app: &TestApp) {
    let moderator = app.moderator_token("moderation@civiforge.fr").await;
    let hidden = app
        .post(
            "/api/v1/projects/openelec/visibility",
            &moderator,
            json!({"hidden": true}),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::OK, "{}", hidden.text);
}

async fn a_clone_from_civiforge_has_every_tag(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let mut repo = electoral_repository();
    registered(&app, &repo).await;
    let base = app.serve_http().await;
    let work = tempfile::tempdir().expect("work dir");
    let url = format!("{base}/git/openelec.git");

    git_ok(work.path(), &["clone", "-q", &url, "v2"]).await;
    let clone = work.path().join("v2");
    assert_eq!(tags(&clone).await, tags(repo.path()).await);
    let readme = std::fs::read_to_string(clone.join("README.md")).expect("README checked out");
    assert!(readme.contains("listes électorales"), "{readme}");
    assert_eq!(
        git_ok(&clone, &["rev-parse", "HEAD"]).await,
        git_ok(repo.path(), &["rev-parse", "HEAD"]).await
    );

    // An older client's protocol, and a shallow clone without the `.git` suffix.
    git_ok(
        work.path(),
        &[
            "-c",
            "protocol.version=0",
            "clone",
            "-q",
            "--mirror",
            &url,
            "v0.git",
        ],
    )
    .await;
    assert_eq!(
        tags(&work.path().join("v0.git")).await,
        tags(repo.path()).await
    );
    let shallow_url = format!("{base}/git/openelec");
    git_ok(
        work.path(),
        &["clone", "-q", "--depth", "1", &shallow_url, "shallow"],
    )
    .await;
    let depth = git_ok(
        &work.path().join("shallow"),
        &["rev-list", "--count", "HEAD"],
    )
    .await;
    assert_eq!(depth.trim(), "1");

    // A new tag upstream reaches the clone once civiforge fetched it again.
    repo.write("src/carte.php", "<?php echo 'carte électorale';\n");
    repo.commit("Cartes d'électeur");
    repo.annotated_tag("4.3.0");
    common::index_now(&app, "openelec").await;
    git_ok(&clone, &["fetch", "-q", "--tags"]).await;
    assert!(
        tags(&clone)
            .await
            .iter()
            .any(|t| t.ends_with("refs/tags/4.3.0"))
    );

    // Several clients at once.
    let clones = (0..4).map(|n| {
        let (dir, url) = (work.path().to_path_buf(), url.clone());
        async move { git(&dir, &["clone", "-q", "--bare", &url, &format!("c{n}.git")]).await }
    });
    for (ok, _, stderr) in futures_util::future::join_all(clones).await {
        assert!(ok, "{stderr}");
    }

    // The page gives civiforge's own address to clone.
    let page = common::html::Page::parse(&app.get("/projets/openelec").await.text);
    assert_eq!(
        page.attr("#clone", "value"),
        "git clone http://127.0.0.1:8080/git/openelec.git"
    );
}

async fn only_visible_repositories_are_served(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let repo = electoral_repository();
    registered(&app, &repo).await;
    let base = app.serve_http().await;
    let work = tempfile::tempdir().expect("work dir");

    let (ok, _, stderr) = git(
        work.path(),
        &["clone", "-q", &format!("{base}/git/inconnu.git"), "x"],
    )
    .await;
    assert!(!ok && stderr.contains("not found"), "{stderr}");

    // A push to a mirror is refused with the reason, and nothing changes.
    let clone = work.path().join("clone");
    git_ok(
        work.path(),
        &["clone", "-q", &format!("{base}/git/openelec.git"), "clone"],
    )
    .await;
    git_ok(&clone, &["tag", "pirate"]).await;
    let (ok, _, stderr) = git(&clone, &["push", "-q", "origin", "pirate"]).await;
    assert!(!ok && stderr.contains("403"), "{stderr}");
    assert!(!tags(repo.path()).await.iter().any(|t| t.contains("pirate")));

    hide(&app).await;
    let refs = app
        .get("/git/openelec.git/info/refs?service=git-upload-pack")
        .await;
    assert_eq!(refs.status, StatusCode::NOT_FOUND, "{}", refs.text);
}

async fn addresses_outside_the_protocol_are_refused(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let repo = electoral_repository();
    registered(&app, &repo).await;
    // Packs are compressed already: never again on the way out.
    let advertised = app
        .send(
            axum::http::Request::get("/git/openelec.git/info/refs?service=git-upload-pack")
                .header("accept-encoding", "gzip")
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(advertised.status, StatusCode::OK, "{}", advertised.text);
    assert_eq!(
        advertised.headers["content-type"],
        "application/x-git-upload-pack-advertisement"
    );
    assert!(advertised.headers.get("content-encoding").is_none());
    assert!(
        advertised.text.contains("refs/tags/4.2.0"),
        "{}",
        advertised.text
    );
    for (uri, status) in [
        ("/git/openelec.git/info/refs", StatusCode::FORBIDDEN),
        ("/git/openelec.git/HEAD", StatusCode::NOT_FOUND),
        (
            "/git/openelec.git/objects/info/packs",
            StatusCode::NOT_FOUND,
        ),
        ("/git/openelec.git/config", StatusCode::NOT_FOUND),
        (
            "/git/..%2F..%2Fetc.git/info/refs?service=git-upload-pack",
            StatusCode::NOT_FOUND,
        ),
        (
            "/git/%252e%252e%252fmirrors%252f1.git/info/refs?service=git-upload-pack",
            StatusCode::NOT_FOUND,
        ),
        (
            "/git/..%00.git/info/refs?service=git-upload-pack",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/git/1.git/info/refs?service=git-upload-pack",
            StatusCode::NOT_FOUND,
        ),
        (
            "/git/openelec.git/info/refs?service=git-upload-archive",
            StatusCode::FORBIDDEN,
        ),
    ] {
        let answer = app.get(uri).await;
        assert_eq!(answer.status, status, "{uri}: {}", answer.text);
    }
    let other = app.user_token("bob@agglo.fr", "Bob").await;
    app.create(
        "/api/v1/projects",
        &other,
        json!({"repository_url": "https://git.example.org/agglo/webdelib.git", "name": "webdelib"}),
    )
    .await;
    let not_yet = app
        .get("/git/webdelib.git/info/refs?service=git-upload-pack")
        .await;
    assert_eq!(not_yet.status, StatusCode::NOT_FOUND);
    assert!(
        not_yet.text.contains("pas encore copié"),
        "{}",
        not_yet.text
    );
}

/// The process gets only the protocol's variables: none of the server's own (the test
/// command's `CIVIFORGE_TEST_POSTGRES_URL`, `HOME`, cargo's), whatever the server has.
async fn the_backend_sees_no_server_variable(engine: Engine) {
    let mut app = TestApp::with_policy(engine, LOCAL).await;
    let repo = electoral_repository();
    registered(&app, &repo).await;
    let spy = tempfile::tempdir().expect("spy dir");
    let seen = spy.path().join("environment");
    let script = spy.path().join("git");
    let real_git = app.state.forge.git.clone();
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nenv > '{}'\nexec '{}' \"$@\"\n",
            seen.display(),
            real_git.display()
        ),
    )
    .expect("spy script");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    app.state.forge.git = script;
    let base = app.serve_http().await;
    let work = tempfile::tempdir().expect("work dir");
    git_ok(
        work.path(),
        &["clone", "-q", &format!("{base}/git/openelec.git"), "clone"],
    )
    .await;
    let cloned = std::fs::read_to_string(&seen).expect("the spy ran");
    assert_only_protocol_variables(&cloned);
    assert!(cloned.contains("GIT_PROTOCOL=version=2"), "{cloned}");
    assert!(cloned.contains("REMOTE_ADDR=127.0.0.1"), "{cloned}");

    // A push: the hooks git runs then inherit this environment too.
    let token = app.user_token("bob@agglo.fr", "Bob").await;
    app.create(
        "/api/v1/hosted-projects",
        &token,
        json!({"name": "openCimetière"}),
    )
    .await;
    let local = work.path().join("local");
    working_copy(&local).await;
    let remote = with_token(&base, "opencimetiere", &token);
    git_ok(&local, &["push", "-q", &remote, "main"]).await;
    let pushed = std::fs::read_to_string(&seen).expect("the spy ran");
    assert_only_protocol_variables(&pushed);
    assert!(pushed.contains("REMOTE_USER=bob@agglo.fr"), "{pushed}");
    assert!(!pushed.contains(&token), "the token never reaches git");
}

fn assert_only_protocol_variables(environment: &str) {
    let allowed = [
        "PATH",
        "PWD",
        "GIT_PROJECT_ROOT",
        "GIT_HTTP_EXPORT_ALL",
        "GIT_CONFIG_NOSYSTEM",
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_COUNT",
        "REQUEST_METHOD",
        "PATH_INFO",
        "QUERY_STRING",
        "CONTENT_TYPE",
        "HTTP_CONTENT_ENCODING",
        "GIT_PROTOCOL",
        "REMOTE_ADDR",
        "REMOTE_USER",
        // Set by the shell that runs the spy script itself.
        "SHLVL",
        "OLDPWD",
        "_",
    ];
    for line in environment.lines() {
        let name = line.split('=').next().unwrap_or_default();
        let config = name.starts_with("GIT_CONFIG_KEY_") || name.starts_with("GIT_CONFIG_VALUE_");
        assert!(
            config || allowed.contains(&name),
            "{name} reached the backend: {environment}"
        );
    }
}

/// An upstream that withdraws a tag, then disappears: every version stays listed and
/// downloadable, the clone from civiforge still works, and past the grace delay the page says
/// since when the upstream is unavailable.
async fn an_upstream_that_goes_away_loses_nothing(engine: Engine) {
    let mut app = TestApp::with_policy(engine, LOCAL).await;
    let repo = electoral_repository();
    registered(&app, &repo).await;

    repo.git(&["tag", "-d", "4.0.0"]);
    common::index_now(&app, "openelec").await;
    let withdrawn = version(&app, "4.0.0").await;
    assert!(withdrawn["withdrawn_at"].is_string(), "{withdrawn}");
    assert!(version(&app, "4.2.0").await["withdrawn_at"].is_null());
    let zip = app.get("/projets/openelec/archive/4.0.0.zip").await;
    assert_eq!(zip.status, StatusCode::OK, "{}", zip.text);
    let page = app.get("/projets/openelec").await;
    assert!(
        page.text.contains("retirée du dépôt d'origine le"),
        "{}",
        page.text
    );
    let project = app.get("/api/v1/projects/openelec").await;
    assert_eq!(project.body["latest_version"]["name"], "4.2.0");

    std::fs::remove_dir_all(repo.path()).expect("upstream deleted");
    let id = app
        .store
        .project_ids(&["openelec".to_string()])
        .await
        .expect("ids")[0]
        .0;
    let indexer = civiforge::indexing::IndexContext::new(
        app.store.clone(),
        app.data_dir.path().to_path_buf(),
        LOCAL,
        civiforge_indexer::fetch::FetchLimits::default(),
    );
    let failure = indexer
        .index_project(id)
        .await
        .expect_err("the upstream is gone");
    assert!(failure.is_upstream_outage(), "{failure}");
    let project = app.get("/api/v1/projects/openelec").await;
    assert!(
        project.body["upstream_unavailable_since"].is_string(),
        "{}",
        project.text
    );
    assert_eq!(project.body["latest_version"]["name"], "4.2.0");
    // Within the grace delay, a host's maintenance is not an outage.
    let page = common::html::Page::parse(&app.get("/projets/openelec").await.text);
    assert!(!page.has("#depot-indisponible"));
    app.state.forge.upstream_grace = std::time::Duration::ZERO;
    let page = common::html::Page::parse(&app.get("/projets/openelec").await.text);
    assert!(
        page.text("#depot-indisponible")
            .contains("Dépôt d'origine indisponible depuis le"),
        "{}",
        page.text("#depot-indisponible")
    );

    let base = app.serve_http().await;
    let work = tempfile::tempdir().expect("work dir");
    let url = format!("{base}/git/openelec.git");
    git_ok(work.path(), &["clone", "-q", &url, "clone"]).await;
    let clone = work.path().join("clone");
    let names: Vec<String> = tags(&clone).await;
    assert!(
        names.iter().any(|t| t.ends_with("refs/tags/4.2.0")),
        "{names:?}"
    );
    let listed = git_ok(work.path(), &["ls-remote", &url]).await;
    assert!(
        listed.contains("refs/civiforge/withdrawn-tags/4.0.0"),
        "{listed}"
    );
    for version in ["4.0.0", "4.1.0", "4.2.0"] {
        let archive = app
            .get(&format!("/projets/openelec/archive/{version}.tar.gz"))
            .await;
        assert_eq!(
            archive.status,
            StatusCode::OK,
            "{version}: {}",
            archive.text
        );
    }
}

/// An upstream that force-pushes its branch: the page lists the old head it kept, and a
/// stock `git fetch` of the ref it names from civiforge brings that commit back.
async fn a_rewritten_branch_stays_fetchable(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let mut repo = electoral_repository();
    registered(&app, &repo).await;
    let page = common::html::Page::parse(&app.get("/projets/openelec").await.text);
    assert!(!page.has("#branches-conservees"), "nothing rewritten yet");
    let old_head = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.git(&["reset", "-q", "--hard", "4.1.0"]);
    repo.write("src/bureau.php", "<?php echo 'réécrit';\n");
    repo.commit("Histoire réécrite");
    common::index_now(&app, "openelec").await;

    let page = common::html::Page::parse(&app.get("/projets/openelec").await.text);
    let rows = page.rows("table.previous-heads");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][0], "main");
    assert_eq!(rows[0][1], old_head[..12]);
    let kept_as = format!("refs/civiforge/previous-heads/{old_head}/main");
    assert_eq!(rows[0][3], kept_as);

    let base = app.serve_http().await;
    let work = tempfile::tempdir().expect("work dir");
    git_ok(work.path(), &["init", "-q", "copie"]).await;
    let copy = work.path().join("copie");
    git_ok(
        &copy,
        &["fetch", "-q", &format!("{base}/git/openelec.git"), &kept_as],
    )
    .await;
    assert_eq!(
        git_ok(&copy, &["rev-parse", "FETCH_HEAD"]).await.trim(),
        old_head
    );
}

/// A working copy of a new application, one commit tagged `v1.0.0`, in `dir`.
async fn working_copy(dir: &Path) {
    std::fs::create_dir_all(dir).expect("dir");
    git_ok(dir, &["init", "-q", "-b", "main"]).await;
    std::fs::write(
        dir.join("README.md"),
        "# openCimetière\n\nConcessions funéraires.\n",
    )
    .expect("README");
    git_ok(dir, &["add", "-A"]).await;
    commit(dir, "Première version").await;
    git_ok(dir, &["tag", "-a", "v1.0.0", "-m", "Version 1.0.0"]).await;
}

async fn commit(dir: &Path, message: &str) {
    git_ok(dir, &["commit", "-q", "--allow-empty", "-m", message]).await;
}

/// The repository's address with a token as the password.
fn with_token(base: &str, slug: &str, token: &str) -> String {
    format!(
        "{}//git:{token}@{}/git/{slug}.git",
        "http:",
        base.trim_start_matches("http://")
    )
}

/// A hosted project takes its maintainers' pushes, each queuing its indexing: the pushed tag
/// is a version within seconds, and the repository clones back from civiforge.
async fn a_hosted_project_takes_its_maintainers_pushes(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let token = app.user_token("alice@mairie.fr", "Alice").await;
    let created = app
        .create(
            "/api/v1/hosted-projects",
            &token,
            json!({"name": "openCimetière", "summary": "Concessions funéraires"}),
        )
        .await;
    assert_eq!(created.body["slug"], "opencimetiere");
    assert_eq!(created.body["hosted"], true);
    assert_eq!(
        created.body["repository_url"],
        "http://127.0.0.1:8080/git/opencimetiere.git"
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let context = civiforge::indexing::IndexContext::new(
        app.store.clone(),
        app.data_dir.path().to_path_buf(),
        LOCAL,
        civiforge_indexer::fetch::FetchLimits::default(),
    );
    let mut settings = civiforge::worker::WorkerSettings::new(
        std::time::Duration::from_secs(3600),
        std::time::Duration::from_secs(60),
    );
    settings.idle_poll = std::time::Duration::from_millis(50);
    let worker = tokio::spawn(civiforge::worker::run(context, settings, stopped));

    let base = app.serve_http().await;
    let work = tempfile::tempdir().expect("work dir");
    let local = work.path().join("local");
    working_copy(&local).await;
    let remote = with_token(&base, "opencimetiere", &token);
    git_ok(&local, &["push", "-q", &remote, "main", "--tags"]).await;

    let mut seen = Value::Null;
    for _ in 0..100 {
        seen = app.get("/api/v1/projects/opencimetiere").await.body;
        if seen["latest_version"]["name"] == "v1.0.0" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(seen["latest_version"]["name"], "v1.0.0", "{seen}");
    assert!(
        seen["readme_html"]
            .as_str()
            .unwrap_or_default()
            .contains("Concessions"),
        "{seen}"
    );
    git_ok(
        work.path(),
        &[
            "clone",
            "-q",
            &format!("{base}/git/opencimetiere.git"),
            "back",
        ],
    )
    .await;
    assert_eq!(tags(&work.path().join("back")).await, tags(&local).await);
    let audit = app.db.fetch::<(String,)>(
        "SELECT action FROM audit_log WHERE target = 'opencimetiere' AND action = 'project.push'",
        &[],
    ).await;
    assert!(!audit.is_empty(), "the push is in the audit log");
    let _ = stop.send(true);
    let _ = worker.await;
}

/// Only a maintainer's valid token with `projects:write` pushes; what was published stays
/// (no deletion, no rewrite); a push over the size or refs limits writes nothing.
async fn pushes_are_refused_cleanly(engine: Engine) {
    let mut app = TestApp::with_policy(engine, LOCAL).await;
    let token = app.user_token("alice@mairie.fr", "Alice").await;
    app.create(
        "/api/v1/hosted-projects",
        &token,
        json!({"name": "openCimetière"}),
    )
    .await;
    // Bob maintains another project: that gives him no push here.
    let other = app.user_token("bob@agglo.fr", "Bob").await;
    app.create(
        "/api/v1/hosted-projects",
        &other,
        json!({"name": "webdelib"}),
    )
    .await;
    let read_only = common::create_token_with_scopes(
        &app.store,
        "alice@mairie.fr",
        "lecture",
        None,
        &["adoptions:write".to_string()],
    )
    .await
    .expect("read-only token");
    let expired = common::create_token(&app.store, "alice@mairie.fr", "ancien", Some(1))
        .await
        .expect("token");
    let aged = app
        .db
        .execute(
            "UPDATE api_tokens SET expires_at = $1 WHERE label = 'ancien'",
            &[common::Bind::Time(
                chrono::Utc::now() - chrono::Duration::days(1),
            )],
        )
        .await;
    assert_eq!(aged, 1);
    app.state.forge.push_limits = civiforge::forge::PushLimits {
        max_bytes: 1024 * 1024,
        max_refs: 50,
    };
    let base = app.serve_http().await;
    let work = tempfile::tempdir().expect("work dir");
    let local = work.path().join("local");
    working_copy(&local).await;
    let anonymous = format!("{base}/git/opencimetiere.git");
    for (remote, expected) in [
        // git asks for credentials on a 401, and cannot here.
        (anonymous.clone(), "could not read Username"),
        (
            with_token(&base, "opencimetiere", "civiforge_inconnu"),
            "401",
        ),
        (with_token(&base, "opencimetiere", &expired), "401"),
        (with_token(&base, "opencimetiere", &read_only), "403"),
        (with_token(&base, "opencimetiere", &other), "403"),
    ] {
        let (ok, _, stderr) = git(&local, &["push", "-q", &remote, "main"]).await;
        assert!(!ok, "{remote}");
        assert!(
            stderr.contains(expected) || stderr.contains("Authentication failed"),
            "{remote}: {stderr}"
        );
    }
    let (_, listed, stderr) = git(work.path(), &["ls-remote", &anonymous]).await;
    assert!(listed.trim().is_empty(), "nothing was written: {listed}");
    assert!(stderr.contains("encore vide"), "{stderr}");

    let remote = with_token(&base, "opencimetiere", &token);
    git_ok(&local, &["push", "-q", &remote, "main", "--tags"]).await;
    // No deletion and no rewrite of what was published.
    let (ok, _, stderr) = git(&local, &["push", "-q", &remote, ":refs/tags/v1.0.0"]).await;
    assert!(
        !ok && stderr.contains("ne peut pas être supprimée"),
        "{stderr}"
    );
    git_ok(
        &local,
        &["commit", "-q", "--amend", "-m", "Réécrite", "--allow-empty"],
    )
    .await;
    let (ok, _, stderr) = git(&local, &["push", "-q", "--force", &remote, "main"]).await;
    assert!(!ok, "{stderr}");
    git_ok(&local, &["tag", "-f", "-a", "v1.0.0", "-m", "Déplacée"]).await;
    let (ok, _, stderr) = git(&local, &["push", "-q", "--force", &remote, "v1.0.0"]).await;
    assert!(!ok && stderr.contains("déjà publiée"), "{stderr}");
    // Outside branches and tags.
    let (ok, _, stderr) = git(&local, &["push", "-q", &remote, "HEAD:refs/civiforge/x"]).await;
    assert!(!ok && stderr.contains("seules les branches"), "{stderr}");
    // Too many refs at once: refused whole.
    git_ok(&local, &["reset", "-q", "--hard", "v1.0.0"]).await;
    let mut refs = String::new();
    let head = git_ok(&local, &["rev-parse", "HEAD"]).await;
    for n in 0..51 {
        refs.push_str(&format!("{} refs/tags/masse-{n}\n", head.trim()));
    }
    std::fs::write(
        local.join(".git/packed-refs"),
        format!("# pack-refs with: peeled\n{refs}"),
    )
    .expect("many tags");
    let (ok, _, stderr) = git(&local, &["push", "-q", &remote, "--tags"]).await;
    assert!(!ok && stderr.contains("au plus 50 références"), "{stderr}");
    // A blob over the size limit.
    std::fs::write(
        local.join("gros.bin"),
        git_support::incompressible(3 * 1024 * 1024),
    )
    .expect("blob");
    git_ok(&local, &["add", "gros.bin"]).await;
    commit(&local, "Gros fichier").await;
    let (ok, _, stderr) = git(&local, &["push", "-q", &remote, "main:refs/heads/gros"]).await;
    assert!(!ok, "{stderr}");
    let listed = git_ok(work.path(), &["ls-remote", &anonymous]).await;
    assert!(
        !listed.contains("masse-") && !listed.contains("gros"),
        "{listed}"
    );
    assert!(listed.contains("refs/tags/v1.0.0"), "{listed}");
}

/// A mirrored project takes no push; its maintainer moves its home to civiforge in one
/// action, and it takes them from then on.
async fn a_projects_home_moves_to_civiforge(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let repo = electoral_repository();
    let token = registered(&app, &repo).await;
    let base = app.serve_http().await;
    let work = tempfile::tempdir().expect("work dir");
    let remote = with_token(&base, "openelec", &token);
    git_ok(work.path(), &["clone", "-q", &remote, "clone"]).await;
    let clone = work.path().join("clone");
    commit(&clone, "Nouveautés").await;
    git_ok(&clone, &["tag", "-a", "4.3.0", "-m", "4.3.0"]).await;
    let (ok, _, stderr) = git(&clone, &["push", "-q", &remote, "main", "4.3.0"]).await;
    assert!(!ok && stderr.contains("403"), "{stderr}");

    let stranger = app.user_token("bob@agglo.fr", "Bob").await;
    let refused = app
        .post("/api/v1/projects/openelec/host", &stranger, json!({}))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let moved = app
        .post("/api/v1/projects/openelec/host", &token, json!({}))
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    assert_eq!(moved.body["hosted"], true);
    assert_eq!(
        moved.body["repository_url"],
        "http://127.0.0.1:8080/git/openelec.git"
    );
    git_ok(&clone, &["push", "-q", &remote, "main", "4.3.0"]).await;
    // The upstream is no longer fetched: it may go, the versions stay and grow.
    std::fs::remove_dir_all(repo.path()).expect("upstream deleted");
    common::index_now(&app, "openelec").await;
    let names: Vec<String> = app.get("/api/v1/projects/openelec/versions").await.body["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        names.contains(&"4.3.0".to_string()) && names.contains(&"4.0.0".to_string()),
        "{names:?}"
    );
}

/// After each indexing that changed a repository, `git gc --auto` packs it past git's own
/// thresholds (set low here), keeping what civiforge preserves; `/metrics` counts the
/// repositories and their bytes.
async fn repositories_are_kept_in_shape_and_counted(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let mut repo = electoral_repository();
    registered(&app, &repo).await;
    let id = app
        .store
        .project_ids(&["openelec".to_string()])
        .await
        .expect("ids")[0]
        .0;
    let mirror = app.data_dir.path().join(format!("mirrors/{id}.git"));
    assert!(mirror.join("HEAD").is_file(), "the project's repository");
    git_ok(&mirror, &["config", "gc.autoPackLimit", "2"]).await;
    repo.git(&["tag", "-d", "4.0.0"]);
    let packs = |dir: &Path| {
        std::fs::read_dir(dir.join("objects/pack"))
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|e| e.path().extension().is_some_and(|x| x == "pack"))
                    .count()
            })
            .unwrap_or(0)
    };
    for round in 0..4 {
        repo.write("src/tour.php", format!("<?php echo {round};\n"));
        repo.commit(&format!("Tour {round}"));
        repo.annotated_tag(&format!("5.{round}.0"));
        common::index_now(&app, "openelec").await;
    }
    assert!(packs(&mirror) <= 2, "{} packs", packs(&mirror));
    let refs = git_ok(&mirror, &["show-ref"]).await;
    assert!(
        refs.contains("refs/civiforge/withdrawn-tags/4.0.0"),
        "{refs}"
    );
    git_ok(&mirror, &["fsck", "--no-progress"]).await;

    let metrics = app.get("/metrics").await;
    assert!(
        metrics.text.contains("civiforge_repositories 1\n"),
        "{}",
        metrics.text
    );
    let bytes: u64 = metrics
        .text
        .lines()
        .find_map(|l| l.strip_prefix("civiforge_repositories_bytes "))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(bytes > 1000, "{bytes}");
}

/// The same move from the project page, by its maintainer signed in; a stranger is refused.
async fn the_page_moves_a_projects_home(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let repo = electoral_repository();
    registered(&app, &repo).await;
    app.user_token("bob@agglo.fr", "Bob").await;
    let mut stranger = common::browser::Browser::default();
    stranger
        .sign_in(&app, "bob@agglo.fr", "mot-de-passe-long")
        .await;
    stranger.get(&app, "/projets/openelec").await;
    let refused = stranger
        .submit(&app, "/projets/openelec/heberger", &[])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);

    let mut maintainer = common::browser::Browser::default();
    maintainer
        .sign_in(&app, "alice@mairie.fr", "mot-de-passe-long")
        .await;
    let page = common::html::Page::parse(&maintainer.get(&app, "/projets/openelec").await.text);
    page.assert_form_token("/projets/openelec/heberger", &maintainer.csrf());
    let moved = maintainer
        .submit(&app, "/projets/openelec/heberger", &[])
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.text);
    assert_eq!(
        common::browser::location(&moved),
        "/projets/openelec#titre-code"
    );
    let page = common::html::Page::parse(&maintainer.get(&app, "/projets/openelec").await.text);
    assert!(
        page.text("#titre-code + p")
            .contains("Dépôt hébergé par civiforge")
    );
    assert!(page.forms("/projets/openelec/heberger").is_empty());
}

/// A maintainer creates a hosted project from the page, imported once from a repository:
/// bad fields are shown next to their input and keep what was typed; the new project's page
/// tells its maintainers how to push, and no one else.
async fn the_page_creates_a_hosted_project(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let repo = electoral_repository();
    app.user_token("alice@mairie.fr", "Alice").await;
    app.user_token("bob@agglo.fr", "Bob").await;
    let mut alice = common::browser::Browser::default();
    alice
        .sign_in(&app, "alice@mairie.fr", "mot-de-passe-long")
        .await;
    let plain = common::html::Page::parse(&alice.get(&app, "/projets/nouveau").await.text);
    assert_eq!(
        plain.attr("a[href=\"/projets/nouveau?depot=civiforge\"]", "href"),
        "/projets/nouveau?depot=civiforge",
        "the registration form leads to the hosted one"
    );
    let form = common::html::Page::parse(
        &alice
            .get(&app, "/projets/nouveau?depot=civiforge")
            .await
            .text,
    );
    form.assert_form_token("/projets/nouveau", &alice.csrf());
    assert_eq!(form.attr("input[name=depot]", "value"), "civiforge");
    assert!(!form.has("input[name=repository_url]"));

    let nameless = alice
        .submit(
            &app,
            "/projets/nouveau",
            &[("depot", "civiforge"), ("import_from", "ftp://x")],
        )
        .await;
    assert_eq!(nameless.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = common::html::Page::parse(&nameless.text);
    page.assert_field_error("name", "");
    page.assert_field_error("import_from", "ftp");
    assert_eq!(page.attr("input#champ-import_from", "value"), "ftp://x");
    assert_eq!(
        page.attr("input[name=depot]", "value"),
        "civiforge",
        "still the hosted form"
    );
    let reserved = alice
        .submit(
            &app,
            "/projets/nouveau",
            &[("depot", "civiforge"), ("name", "Nouveau")],
        )
        .await;
    assert_eq!(reserved.status, StatusCode::UNPROCESSABLE_ENTITY);
    common::html::Page::parse(&reserved.text).assert_field_error("name", "réservé");

    let created = alice
        .submit(
            &app,
            "/projets/nouveau",
            &[
                ("depot", "civiforge"),
                ("name", "openElec"),
                ("summary", "Listes électorales"),
                ("import_from", &repo.url()),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    assert_eq!(common::browser::location(&created), "/projets/openelec");
    let project = app.get("/api/v1/projects/openelec").await.body;
    assert_eq!(project["hosted"], true, "{project}");
    common::index_now(&app, "openelec").await;
    let versions = app.get("/api/v1/projects/openelec/versions").await.body;
    let mut names: Vec<&str> = versions["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|v| v["name"].as_str()).collect())
        .unwrap_or_default();
    names.sort_unstable();
    assert_eq!(
        names,
        ["4.0.0", "4.1.0", "4.2.0"],
        "the import brought every tag"
    );

    let page = common::html::Page::parse(&alice.get(&app, "/projets/openelec").await.text);
    assert!(
        page.text("pre.push-commands")
            .contains("git remote add civiforge http://127.0.0.1:8080/git/openelec.git"),
        "{}",
        page.text("#titre-code ~ *")
    );
    assert!(page.text("#titre-envoi + p").contains("jeton d'API"));
    let mut bob = common::browser::Browser::default();
    bob.sign_in(&app, "bob@agglo.fr", "mot-de-passe-long").await;
    let stranger = common::html::Page::parse(&bob.get(&app, "/projets/openelec").await.text);
    assert!(
        !stranger.has("pre.push-commands"),
        "only maintainers are told how to push"
    );
}

/// Pushes and clones at once on one repository, and a client of the protocol's version 0:
/// every push lands whole, every clone is consistent.
async fn concurrent_pushes_and_fetches_stay_consistent(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let token = app.user_token("alice@mairie.fr", "Alice").await;
    app.create(
        "/api/v1/hosted-projects",
        &token,
        json!({"name": "openCimetière"}),
    )
    .await;
    let base = app.serve_http().await;
    let work = tempfile::tempdir().expect("work dir");
    let local = work.path().join("local");
    working_copy(&local).await;
    let remote = with_token(&base, "opencimetiere", &token);
    git_ok(
        &local,
        &[
            "-c",
            "protocol.version=0",
            "push",
            "-q",
            &remote,
            "main",
            "--tags",
        ],
    )
    .await;
    for n in 0..4 {
        git_ok(&local, &["branch", &format!("equipe-{n}")]).await;
    }
    let url = format!("{base}/git/opencimetiere.git");
    let pushes = (0..4).map(|n| {
        let (local, remote) = (local.clone(), remote.clone());
        async move {
            let branch = format!("equipe-{n}");
            git(&local, &["push", "-q", &remote, &branch]).await
        }
    });
    let clones = (0..4).map(|n| {
        let (dir, url) = (work.path().to_path_buf(), url.clone());
        async move { git(&dir, &["clone", "-q", "--bare", &url, &format!("c{n}.git")]).await }
    });
    let (pushed, cloned) = futures_util::future::join(
        futures_util::future::join_all(pushes),
        futures_util::future::join_all(clones),
    )
    .await;
    for (ok, _, stderr) in pushed.into_iter().chain(cloned) {
        assert!(ok, "{stderr}");
    }
    for n in 0..4 {
        let clone = work.path().join(format!("c{n}.git"));
        git_ok(&clone, &["fsck", "--no-progress"]).await;
    }
    let listed = git_ok(work.path(), &["ls-remote", &url]).await;
    for n in 0..4 {
        assert!(
            listed.contains(&format!("refs/heads/equipe-{n}")),
            "{listed}"
        );
    }
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The versions API's entry for one version.
async fn version(app: &TestApp, name: &str) -> Value {
    let versions = app.get("/api/v1/projects/openelec/versions").await;
    assert_eq!(versions.status, StatusCode::OK, "{}", versions.text);
    versions.body["items"]
        .as_array()
        .and_then(|items| items.iter().find(|v| v["name"] == name).cloned())
        .unwrap_or_else(|| panic!("no version {name}: {}", versions.text))
}

/// A file of a `.tar.gz`, read with the stock `tar`.
fn file_in_tarball(bytes: &[u8], path: &str) -> String {
    let dir = tempfile::tempdir().expect("dir");
    let archive = dir.path().join("a.tar.gz");
    std::fs::write(&archive, bytes).expect("write");
    let output = std::process::Command::new("tar")
        .arg("-xzOf")
        .arg(&archive)
        .arg(path)
        .output()
        .expect("tar");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn a_versions_archive_is_the_same_on_every_download(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let repo = electoral_repository();
    registered(&app, &repo).await;

    // The latest release's archives were built with the snapshot: their digests show.
    let latest = version(&app, "4.2.0").await;
    let tarball_digest = latest["archives"][0]["sha256"].as_str().map(str::to_string);
    assert_eq!(latest["archives"][0]["format"], "tar.gz");
    assert!(tarball_digest.is_some(), "{latest}");
    assert_eq!(
        latest["archives"][1]["url"],
        "/projets/openelec/archive/4.2.0.zip"
    );

    let first = app.get("/projets/openelec/archive/4.2.0.tar.gz").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.headers["content-type"], "application/gzip");
    assert!(first.headers.get("content-encoding").is_none());
    let disposition = first.headers["content-disposition"]
        .to_str()
        .expect("ascii");
    assert!(
        disposition.contains("openelec-4.2.0.tar.gz"),
        "{disposition}"
    );
    let digest = sha256(&first.bytes);
    assert_eq!(Some(digest.clone()), tarball_digest);
    assert_eq!(first.headers["etag"], format!("\"{digest}\""));
    let readme = file_in_tarball(&first.bytes, "openelec-4.2.0/README.md");
    assert!(readme.contains("openElec 4.1"), "{readme}");

    // An older version, built on its first download, then recorded.
    assert!(version(&app, "4.0.0").await["archives"][1]["sha256"].is_null());
    let zip = app.get("/projets/openelec/archive/4.0.0.zip").await;
    assert_eq!(zip.status, StatusCode::OK, "{}", zip.text);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip.bytes.to_vec())).expect("zip");
    let mut text = String::new();
    archive
        .by_name("openelec-4.0.0/README.md")
        .expect("README in the zip")
        .read_to_string(&mut text)
        .expect("read");
    assert!(text.contains("openElec 4.0"), "{text}");
    assert!(archive.by_name("openelec-4.0.0/src/bureau.php").is_err());
    assert_eq!(
        version(&app, "4.0.0").await["archives"][1]["sha256"],
        sha256(&zip.bytes)
    );

    // The cache lost everything: the archives come back with the same bytes.
    std::fs::remove_dir_all(app.data_dir.path().join("archives")).expect("cache emptied");
    let again = app.get("/projets/openelec/archive/4.2.0.tar.gz").await;
    assert_eq!(sha256(&again.bytes), digest);
    let zip_again = app.get("/projets/openelec/archive/4.0.0.zip").await;
    assert_eq!(zip_again.bytes, zip.bytes);

    // A client that has it already.
    let cached = app
        .send(
            axum::http::Request::get("/projets/openelec/archive/4.2.0.tar.gz")
                .header("if-none-match", format!("\"{digest}\""))
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);

    // The page links both formats of every version, with the digests known.
    let page = common::html::Page::parse(&app.get("/projets/openelec").await.text);
    let links: Vec<String> = page
        .all("a[download]")
        .iter()
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    assert!(
        links.contains(&"/projets/openelec/archive/4.0.0.tar.gz".to_string()),
        "{links:?}"
    );
    assert!(
        page.texts("code.digest").contains(&digest),
        "{:?}",
        page.texts("code.digest")
    );
}

async fn bad_versions_and_paths_are_refused(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let repo = electoral_repository();
    registered(&app, &repo).await;
    for (uri, status) in [
        (
            "/projets/openelec/archive/9.9.9.tar.gz",
            StatusCode::NOT_FOUND,
        ),
        ("/projets/openelec/archive/4.1.0.tar", StatusCode::NOT_FOUND),
        ("/projets/openelec/archive/4.1.0.rar", StatusCode::NOT_FOUND),
        ("/projets/openelec/archive/.zip", StatusCode::NOT_FOUND),
        (
            "/projets/openelec/archive/..%2F..%2Fciviforge.db.zip",
            StatusCode::NOT_FOUND,
        ),
        (
            "/projets/openelec/archive/%252e%252e%252f4.2.0.zip",
            StatusCode::NOT_FOUND,
        ),
        (
            "/projets/openelec/archive/4.1.0%00.zip",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/projets/..%2Fopenelec/archive/4.2.0.zip",
            StatusCode::NOT_FOUND,
        ),
        ("/projets/inconnu/archive/4.2.0.zip", StatusCode::NOT_FOUND),
    ] {
        let answer = app.get(uri).await;
        assert_eq!(answer.status, status, "{uri}: {}", answer.text);
    }
    hide(&app).await;
    let answer = app.get("/projets/openelec/archive/4.2.0.zip").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
}

/// The cache keeps within its budget, dropping the least recently served archive first,
/// and never hands out a commit that is not a full object id.
#[tokio::test]
async fn the_cache_keeps_within_its_budget() {
    let repo = electoral_repository();
    let data = tempfile::tempdir().expect("data dir");
    let cache = ArchiveCache::in_data_dir(data.path(), 1);
    let spec = |commit: String, format| ArchiveSpec {
        git: civiforge::forge::git_program(),
        repository: repo.path().join(".git"),
        project_id: 7,
        commit,
        prefix: "openelec".into(),
        format,
    };
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    let first = cache
        .get_or_build(spec(head.clone(), ArchiveFormat::TarGz))
        .await
        .expect("first archive");
    assert!(first.built && first.path.is_file());
    let second = cache
        .get_or_build(spec(head.clone(), ArchiveFormat::Zip))
        .await
        .expect("second archive");
    assert!(second.path.is_file());
    assert!(!first.path.exists(), "the older archive was evicted");
    let again = cache
        .get_or_build(spec(head.clone(), ArchiveFormat::Zip))
        .await
        .expect("cached");
    assert!(!again.built && again.sha256 == second.sha256);

    for commit in ["HEAD", "--output=/tmp/x", &head[..12]] {
        assert!(
            cache
                .get_or_build(spec(commit.to_string(), ArchiveFormat::Zip))
                .await
                .is_err(),
            "{commit}"
        );
    }
}

/// Many first downloads of one archive at once: one `git archive` runs, all get its bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_downloads_build_once() {
    let repo = electoral_repository();
    let data = tempfile::tempdir().expect("data dir");
    let cache = ArchiveCache::in_data_dir(data.path(), 1 << 30);
    let spec = ArchiveSpec {
        git: civiforge::forge::git_program(),
        repository: repo.path().join(".git"),
        project_id: 7,
        commit: repo.git(&["rev-parse", "HEAD"]).trim().to_string(),
        prefix: "openelec".into(),
        format: ArchiveFormat::TarGz,
    };
    let downloads: Vec<_> = (0..8)
        .map(|_| {
            let (cache, spec) = (cache.clone(), spec.clone());
            tokio::spawn(async move { cache.get_or_build(spec).await })
        })
        .collect();
    let mut archives = Vec::new();
    for download in downloads {
        archives.push(download.await.expect("task").expect("archive"));
    }
    let builds = archives.iter().filter(|a| a.built).count();
    assert_eq!(builds, 1, "one build served every download");
    assert!(archives.iter().all(|a| a.sha256 == archives[0].sha256));
}

on_both_engines!(
    a_clone_from_civiforge_has_every_tag,
    only_visible_repositories_are_served,
    addresses_outside_the_protocol_are_refused,
    the_backend_sees_no_server_variable,
    a_versions_archive_is_the_same_on_every_download,
    bad_versions_and_paths_are_refused,
    an_upstream_that_goes_away_loses_nothing,
    a_rewritten_branch_stays_fetchable,
    a_hosted_project_takes_its_maintainers_pushes,
    pushes_are_refused_cleanly,
    a_projects_home_moves_to_civiforge,
    repositories_are_kept_in_shape_and_counted,
    the_page_moves_a_projects_home,
    the_page_creates_a_hosted_project,
    concurrent_pushes_and_fetches_stay_consistent,
);
