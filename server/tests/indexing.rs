//! The indexing pipeline end to end on both engines: a real git repository registered through
//! the API, indexed by the worker, shown by the API; refreshes, failures, and the job queue
//! shared by several workers.

mod common;
#[path = "../../indexer/tests/support/mod.rs"]
mod git_support;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use chrono::Utc;
use civiforge::indexing::{IndexContext, IndexSummary};
use civiforge_indexer::RepositoryUrlPolicy;
use civiforge_indexer::fetch::FetchLimits;
use common::{Engine, TestApp};
use git_support::TestRepo;
use serde_json::{Value, json};

const LOCAL: RepositoryUrlPolicy = RepositoryUrlPolicy {
    allow_local: true,
    allow_private_networks: false,
};

const README: &str = "# openCimetière\n\nGestion des **concessions** funéraires.\n\n\
[Installation](docs/INSTALL.md) · [Plan](#plan)\n\n## Plan\n\n<script>alert('x')</script>\n\
<img src=x onerror=alert(1)>\n[piège](javascript:alert(1))\n";

const PUBLICCODE: &str = r#"publiccodeYmlVersion: "0.4"
name: openCimetière
url: "https://gitlab.adullact.net/openmairie/opencimetiere"
softwareVersion: "4.1.0"
releaseDate: "2024-03-01"
platforms:
  - web
categories:
  - facility-management
developmentStatus: stable
softwareType: "standalone/web"
description:
  fr:
    shortDescription: Gestion des cimetières, des concessions et des défunts.
    longDescription: >
      openCimetière permet aux communes de gérer leurs cimetières : plans, emplacements,
      concessions, défunts, opérations funéraires et facturation. Il fait partie de la
      famille openMairie et est utilisé par de nombreuses communes françaises depuis 2007.
    features:
      - gestion des concessions
      - plans des cimetières
legal:
  license: AGPL-3.0-or-later
maintenance:
  type: community
  contacts:
    - name: Équipe openMairie
localisation:
  localisationReady: true
  availableLanguages:
    - fr
"#;

fn cimetiere_repository() -> TestRepo {
    let mut repo = TestRepo::new();
    repo.at(Utc::now().timestamp() - 400 * 86_400);
    repo.write("README.md", README);
    repo.write("publiccode.yml", PUBLICCODE);
    repo.write("app/concession.php", "<?php echo 'concession';\n");
    repo.commit("Import initial");
    repo.tag("v3.0.0");
    repo.at(Utc::now().timestamp() - 200 * 86_400);
    repo.write("app/defunt.php", "<?php echo 'défunt';\n");
    repo.commit_as("Défunts", "Bob Durand", "bob@agglo.fr");
    repo.annotated_tag("4.0.0");
    repo.tag("celery-probe-2");
    repo.at(Utc::now().timestamp() - 10 * 86_400);
    repo.write("app/plan.php", "<?php echo 'plan';\n");
    repo.commit("Plans");
    repo.annotated_tag("openelec-4.1.0");
    repo.tag("4.2.0rc1");
    repo
}

fn context(app: &TestApp, data_dir: &std::path::Path, policy: RepositoryUrlPolicy) -> IndexContext {
    IndexContext::new(
        app.store.clone(),
        data_dir.to_path_buf(),
        policy,
        FetchLimits::default(),
    )
}

async fn register(app: &TestApp, token: &str, url: &str) -> Value {
    let response = app
        .post(
            "/api/v1/projects",
            token,
            json!({"repository_url": url, "name": "openCimetière", "categories": ["cimetieres"]}),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    response.body
}

async fn project_id(app: &TestApp, slug: &str) -> i64 {
    app.store
        .project_ids(&[slug.to_string()])
        .await
        .expect("ids")[0]
        .0
}

/// Registering a local repository shows its versions, README, publiccode data and health;
/// a new tag appears after a refresh.
async fn a_registered_repository_is_indexed_and_refreshed(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    let mut repo = cimetiere_repository();
    let data = tempfile::tempdir().expect("data dir");
    let project = register(&app, &token, &repo.url()).await;
    assert_eq!(project["index_status"]["state"], "pending");
    let slug = project["slug"].as_str().expect("slug").to_string();

    let indexer = context(&app, data.path(), LOCAL);
    let summary = indexer
        .index_project(project_id(&app, &slug).await)
        .await
        .expect("index");
    assert!(
        matches!(
            summary,
            IndexSummary::Indexed {
                versions: 5,
                readme: true,
                ..
            }
        ),
        "{summary:?}"
    );

    let project = app.get(&format!("/api/v1/projects/{slug}")).await.body;
    assert_eq!(project["index_status"]["state"], "ok", "{project}");
    assert_eq!(project["latest_version"]["name"], "openelec-4.1.0");
    assert_eq!(project["versions_count"], 5);
    assert_eq!(project["license"], "AGPL-3.0-or-later");
    assert_eq!(project["publiccode"]["name"], "openCimetière");
    assert_eq!(
        project["publiccode_validation"]["valid"], true,
        "{}",
        project["publiccode_validation"]
    );
    let readme = project["readme_html"].as_str().expect("readme");
    assert!(readme.contains("concessions"));
    // Text that merely reads "javascript:" is harmless; a link or handler is not.
    for forbidden in ["<script", "onerror=", "href=\"javascript:", "src=\"x\""] {
        assert!(
            !readme.to_lowercase().contains(forbidden),
            "{forbidden} in {readme}"
        );
    }
    assert_eq!(project["health"]["contributors"], 2);
    assert_eq!(project["health"]["commits_last_12_months"], 2);
    assert_eq!(project["health"]["languages"][0]["name"], "PHP");

    let versions = app
        .get(&format!("/api/v1/projects/{slug}/versions"))
        .await
        .body;
    let names: Vec<&str> = versions["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|v| v["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names[..4],
        ["4.2.0rc1", "openelec-4.1.0", "4.0.0", "v3.0.0"],
        "newest first: {names:?}"
    );
    assert!(names.contains(&"celery-probe-2"));
    let first = &versions["items"][1];
    assert_eq!(first["semver"], "4.1.0");
    assert!(first["date"].is_string() && first["commit"].is_string());
    assert_eq!(
        versions["items"][0]["is_release"], false,
        "a release candidate is not the latest version"
    );

    // Unchanged: no extraction.
    let summary = indexer
        .index_project(project_id(&app, &slug).await)
        .await
        .expect("refresh");
    assert_eq!(summary, IndexSummary::Unchanged);

    // A new tag appears after a refresh asked through the API.
    repo.at(Utc::now().timestamp() - 86_400);
    repo.write("app/plan.php", "<?php echo 'plan v2';\n");
    repo.commit("Plans v2");
    repo.annotated_tag("4.2.0");
    let refresh = app
        .request(
            "POST",
            &format!("/api/v1/projects/{slug}/refresh"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(refresh.status, StatusCode::ACCEPTED);
    let job = app
        .store
        .claim_job("test-worker", Utc::now())
        .await
        .expect("claim")
        .expect("a queued job");
    indexer
        .index_project(job.project_id)
        .await
        .expect("index again");
    app.store.finish_job(&job).await.expect("finish");
    let project = app.get(&format!("/api/v1/projects/{slug}")).await.body;
    assert_eq!(project["latest_version"]["name"], "4.2.0");
    assert_eq!(project["versions_count"], 6);

    // A tag that disappears goes from the list.
    repo.git(&["tag", "-d", "celery-probe-2"]);
    indexer
        .index_project(project_id(&app, &slug).await)
        .await
        .expect("index");
    assert_eq!(
        app.get(&format!("/api/v1/projects/{slug}")).await.body["versions_count"],
        5
    );
}

/// An adoption's version is matched to the project's known versions.
async fn adoption_versions_are_matched(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    let repo = cimetiere_repository();
    let data = tempfile::tempdir().expect("data dir");
    let slug = register(&app, &token, &repo.url()).await["slug"]
        .as_str()
        .expect("slug")
        .to_string();
    context(&app, data.path(), LOCAL)
        .index_project(project_id(&app, &slug).await)
        .await
        .expect("index");
    for (organisation, version, known) in [
        ("commune-13047", "4.0.0", true),
        ("commune-13039", "9.9", false),
    ] {
        let declared = app
            .post(
                "/api/v1/adoptions",
                &token,
                json!({"project": slug, "organisation": organisation, "version": version}),
            )
            .await;
        assert_eq!(declared.status, StatusCode::CREATED, "{}", declared.text);
        assert_eq!(declared.body["version_known"], known, "{version}");
    }
}

/// A use asserted by both sides is confirmed: the project names its users (publiccode.yml
/// `usedBy`, or its maintainers' list) and the organisation declares the use.
async fn uses_asserted_by_both_sides_are_confirmed(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    let stranger = app.user_token("autre@exemple.fr", "Autre").await;
    let mut repo = cimetiere_repository();
    let used_by = "usedBy:\n  - \"Ville d'Istres\"\n  - commune-13039\n  - Saint-Denis\n  \
                   - Mairie de Nulle-Part-sur-Mer\n";
    repo.write("publiccode.yml", format!("{PUBLICCODE}{used_by}"));
    repo.commit("Utilisateurs connus");
    let data = tempfile::tempdir().expect("data dir");
    let slug = register(&app, &token, &repo.url()).await["slug"]
        .as_str()
        .expect("slug")
        .to_string();
    let indexer = context(&app, data.path(), LOCAL);
    let id = project_id(&app, &slug).await;
    indexer.index_project(id).await.expect("index");

    let known_uri = format!("/api/v1/projects/{slug}/known-users");
    let known = app.get(&known_uri).await.body;
    let cited: Vec<(&str, &str, bool)> = known["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|k| {
            (
                k["organisation"].as_str().expect("id"),
                k["source"].as_str().expect("source"),
                k["confirmed"].as_bool().expect("confirmed"),
            )
        })
        .collect();
    assert_eq!(
        cited,
        [
            ("commune-13039", "publiccode", false),
            ("commune-13047", "publiccode", false)
        ],
        "{known}"
    );
    // Several communes are called Saint-Denis: an ambiguous name designates none of them.
    assert_eq!(
        known["unresolved"],
        json!(["Saint-Denis", "Mairie de Nulle-Part-sur-Mer"])
    );

    // Istres declares the use: both sides assert it.
    let istres = app
        .post(
            "/api/v1/adoptions",
            &stranger,
            json!({"project": slug, "organisation": "commune-13047"}),
        )
        .await;
    assert_eq!(istres.status, StatusCode::CREATED, "{}", istres.text);
    assert_eq!(istres.body["confirmed"], true);
    let arles = app
        .post(
            "/api/v1/adoptions",
            &stranger,
            json!({"project": slug, "organisation": "commune-13004"}),
        )
        .await;
    assert_eq!(arles.body["confirmed"], false);
    let project = app.get(&format!("/api/v1/projects/{slug}")).await.body;
    assert_eq!(
        (
            &project["adopters_count"],
            &project["confirmed_adopters_count"]
        ),
        (&json!(2), &json!(1))
    );

    // Maintainers keep a list of their own; others may not touch it, unknown ids are refused,
    // and neither refusal changes anything.
    let arles_listed = json!({"organisations": ["commune-13004"]});
    let refused = app
        .request(
            "PUT",
            &known_uri,
            Some(&stranger),
            Some(arles_listed.clone()),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let unknown = app
        .request(
            "PUT",
            &known_uri,
            Some(&token),
            Some(json!({"organisations": ["commune-13004", "commune-99999"]})),
        )
        .await;
    assert_eq!(
        (unknown.status, unknown.error_code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "unknown_organisation")
    );
    assert!(unknown.text.contains("commune-99999"), "{}", unknown.text);
    assert_eq!(
        app.get(&known_uri).await.body["items"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let listed = app
        .request("PUT", &known_uri, Some(&token), Some(arles_listed))
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let adoptions = app
        .get(&format!("/api/v1/projects/{slug}/adoptions"))
        .await
        .body;
    let confirmed: Vec<(&str, bool)> = adoptions["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| {
            (
                a["organisation"].as_str().expect("organisation"),
                a["confirmed"].as_bool().expect("confirmed"),
            )
        })
        .collect();
    assert_eq!(
        confirmed,
        [("commune-13004", true), ("commune-13047", true)],
        "{adoptions}"
    );

    // The page says so: confirmed badges, and the users the project cites who have not
    // declared anything.
    let page = app.get(&format!("/projets/{slug}")).await.text;
    let html = common::html::Page::parse(&page);
    assert_eq!(
        html.texts("table .badge-confirmed"),
        ["confirmée", "confirmée"],
        "both adopters' rows say so"
    );
    assert!(page.contains("dont 2 confirmées par le projet"), "{page}");
    // Cited by the project without a declaration: Fos-sur-Mer (by its id), linked, and
    // the names that designate no organisation, said so.
    assert_eq!(
        html.texts("ul.cited li"),
        [
            "Fos-sur-Mer (« commune-13039 »)",
            "Saint-Denis (organisation non identifiée)",
            "Mairie de Nulle-Part-sur-Mer (organisation non identifiée)"
        ]
    );
    assert_eq!(
        html.text("ul.cited a[href=\"/organisations/commune-13039\"]"),
        "Fos-sur-Mer"
    );

    // The repository stops naming its users: its part goes, the maintainers' list stays.
    repo.write("publiccode.yml", PUBLICCODE);
    repo.commit("Sans usedBy");
    indexer.index_project(id).await.expect("reindex");
    let known = app.get(&known_uri).await.body;
    assert_eq!(known["items"].as_array().map(Vec::len), Some(1), "{known}");
    assert_eq!(known["items"][0]["source"], "maintainer");
    assert_eq!(known["unresolved"], json!([]));
}

/// Failures are recorded with their reason; the last good snapshot stays; the URL policy of
/// the instance is applied again at fetch time.
async fn failures_are_recorded_and_keep_the_last_snapshot(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    let repo = cimetiere_repository();
    let data = tempfile::tempdir().expect("data dir");
    let slug = register(&app, &token, &repo.url()).await["slug"]
        .as_str()
        .expect("slug")
        .to_string();
    let id = project_id(&app, &slug).await;
    context(&app, data.path(), LOCAL)
        .index_project(id)
        .await
        .expect("index");

    // The instance now refuses local repositories: the fetch is refused, not attempted.
    let strict = context(&app, data.path(), RepositoryUrlPolicy::default());
    let failure = strict.index_project(id).await.expect_err("refused");
    assert!(failure.is_permanent());
    let project = app.get(&format!("/api/v1/projects/{slug}")).await.body;
    assert_eq!(project["index_status"]["state"], "failed");
    assert!(
        project["index_status"]["error"]
            .as_str()
            .expect("error")
            .contains("locaux"),
        "{project}"
    );
    assert_eq!(project["versions_count"], 5, "versions stay available");

    // The repository disappears: a clear reason, versions and README kept.
    drop(repo);
    let failure = context(&app, data.path(), LOCAL)
        .index_project(id)
        .await
        .expect_err("gone");
    assert!(!failure.is_permanent(), "a vanished host may come back");
    let project = app.get(&format!("/api/v1/projects/{slug}")).await.body;
    assert_eq!(project["index_status"]["state"], "failed");
    assert!(
        project["index_status"]["error"]
            .as_str()
            .expect("error")
            .contains("n'existe pas")
    );
    assert!(project["readme_html"].is_string());
    assert_eq!(project["versions_count"], 5);
}

/// Several workers never take the same job; a dead worker's job comes back; refreshes are
/// queued for projects not fetched for a while.
async fn the_job_queue_is_shared_safely(engine: Engine) {
    let app = TestApp::new(engine).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    for n in 0..12 {
        let response = app
            .post(
                "/api/v1/projects",
                &token,
                json!({"repository_url": format!("https://example.org/p{n}.git")}),
            )
            .await;
        assert_eq!(response.status, StatusCode::CREATED);
    }
    let claimed = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut workers = Vec::new();
    for w in 0..4 {
        let store = app.store.clone();
        let claimed = claimed.clone();
        workers.push(tokio::spawn(async move {
            while let Some(job) = store
                .claim_job(&format!("w{w}"), Utc::now())
                .await
                .expect("claim")
            {
                claimed.lock().expect("lock").push(job.id);
            }
        }));
    }
    for worker in workers {
        worker.await.expect("worker");
    }
    let ids = claimed.lock().expect("lock").clone();
    assert_eq!(ids.len(), 12, "every job taken once: {ids:?}");
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        12,
        "no job taken twice"
    );
    assert!(
        app.store
            .claim_job("late", Utc::now())
            .await
            .expect("claim")
            .is_none()
    );

    // The workers "died": after the lease their jobs return to the queue.
    let reclaimed = app
        .store
        .reclaim_stale_jobs(Utc::now() + chrono::Duration::seconds(1))
        .await
        .expect("reclaim");
    assert_eq!(reclaimed, 12);
    let job = app
        .store
        .claim_job("survivor", Utc::now())
        .await
        .expect("claim")
        .expect("job back");
    assert_eq!(job.attempts, 2);
    app.store
        .retry_job(
            &job,
            "réseau indisponible",
            Utc::now() + chrono::Duration::hours(1),
        )
        .await
        .expect("retry");
    let counts = app.store.counts().await.expect("counts");
    assert_eq!(counts.jobs_queued, 12);

    // Nothing fetched yet: a refresh is queued only where no job waits already.
    let queued = app
        .store
        .enqueue_due_refreshes(Utc::now(), Utc::now())
        .await
        .expect("due");
    assert_eq!(queued, 0);
    while let Some(job) = app
        .store
        .claim_job("drain", Utc::now())
        .await
        .expect("claim")
    {
        app.store.finish_job(&job).await.expect("finish");
    }
    let queued = app
        .store
        .enqueue_due_refreshes(Utc::now(), Utc::now())
        .await
        .expect("due");
    assert_eq!(
        queued, 11,
        "the job retried in an hour still waits for its project"
    );
}

/// The background worker picks up a registration within seconds.
async fn the_background_worker_indexes_new_projects(engine: Engine) {
    let app = TestApp::with_policy(engine, LOCAL).await;
    let token = app.user_token("julien@agglo.fr", "Julien").await;
    let repo = cimetiere_repository();
    let data = tempfile::tempdir().expect("data dir");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut settings =
        civiforge::worker::WorkerSettings::new(Duration::from_secs(3600), Duration::from_secs(60));
    settings.idle_poll = Duration::from_millis(100);
    let worker = tokio::spawn(civiforge::worker::run(
        context(&app, data.path(), LOCAL),
        settings,
        stopped,
    ));
    let slug = register(&app, &token, &repo.url()).await["slug"]
        .as_str()
        .expect("slug")
        .to_string();
    let started = std::time::Instant::now();
    loop {
        let project = app.get(&format!("/api/v1/projects/{slug}")).await.body;
        if project["index_status"]["state"] == "ok" {
            assert_eq!(project["versions_count"], 5);
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "not indexed: {project}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.send(true).expect("stop");
    worker.await.expect("worker stops");
    assert_eq!(app.store.counts().await.expect("counts").jobs_queued, 0);
}

on_both_engines!(
    a_registered_repository_is_indexed_and_refreshed,
    adoption_versions_are_matched,
    uses_asserted_by_both_sides_are_confirmed,
    failures_are_recorded_and_keep_the_last_snapshot,
    the_job_queue_is_shared_safely,
    the_background_worker_indexes_new_projects,
);
