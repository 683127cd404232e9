//! Bulk imports through the store (`ImportStore`), on both engines: what a batch writes reads
//! back through the ordinary reads and the API, search finds it (followed and rebuilt), and a
//! batch that clashes with a unique key is refused whole.

mod common;

use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use civiforge::model::{
    AdoptionStatus, Audit, AuditAction, AuditEntry, NewProject, Verification, VersionRecord, Window,
};
use civiforge::store::{ImportRefusal, ImportedAdoption, ImportedProject, StoreError};
use common::{Engine, TestApp};
use serde_json::json;

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, day, 9, 30, 0)
        .single()
        .expect("a valid date")
}

fn audit(action: AuditAction, target: &str) -> Audit {
    Audit {
        user_id: None,
        entry: AuditEntry {
            at: Utc::now(),
            actor: "import:sill".to_string(),
            ip: None,
            action,
            target: target.to_string(),
            details: Some(json!({"source": "tests"})),
        },
    }
}

/// A project as a SILL or publiccode.yml import would bring it, indexed elsewhere when
/// `indexed` is set.
fn project(slug: &str, name: &str, summary: &str, indexed: bool) -> ImportedProject {
    ImportedProject {
        project: NewProject::new(
            slug.to_string(),
            name.to_string(),
            summary.to_string(),
            &repository(&format!("https://forge.example.org/communs/{slug}.git")),
            vec!["cimetieres".to_string(), "etat-civil".to_string()],
        ),
        license: Some("AGPL-3.0-or-later".to_string()),
        readme_html: Some(format!("<h1>{name}</h1><p>{summary}</p>")),
        readme_text: Some(format!("{name}\n\n{summary} Gestion des ossuaires.")),
        publiccode_json: None,
        health_json: Some(json!({"last_commit_at": at(1)}).to_string()),
        versions: vec![
            VersionRecord {
                name: "v2.1.0".to_string(),
                semver: Some("2.1.0".to_string()),
                is_release: true,
                date: Some(at(2)),
                commit_date: Some(at(2)),
                tagger_date: None,
                commit: Some("b".repeat(40)),
            },
            VersionRecord {
                name: "v2.0.0".to_string(),
                semver: Some("2.0.0".to_string()),
                is_release: true,
                date: Some(at(1)),
                commit_date: Some(at(1)),
                tagger_date: None,
                commit: Some("a".repeat(40)),
            },
        ],
        created_at: at(1),
        updated_at: at(3),
        indexed_at: indexed.then(|| at(3)),
    }
}

/// The repository a URL names, as registration checks it.
fn repository(url: &str) -> civiforge_indexer::RepositoryLocation {
    civiforge_indexer::RepositoryUrlPolicy::default()
        .check(url)
        .expect("an accepted URL")
}

/// The same project brought in with another repository.
fn with_repository(mut imported: ImportedProject, url: &str) -> ImportedProject {
    let p = imported.project;
    imported.project = NewProject::new(p.slug, p.name, p.summary, &repository(url), p.categories);
    imported
}

/// The canonical spelling a URL is stored under.
fn twin_url(url: &str) -> String {
    repository(url).as_string()
}

fn adoption(project_id: i64, organisation_id: &str) -> ImportedAdoption {
    ImportedAdoption {
        project_id,
        organisation_id: organisation_id.to_string(),
        version: Some("v2.1.0".to_string()),
        status: AdoptionStatus::InUse,
        since: NaiveDate::from_ymd_opt(2021, 6, 1),
        verification: Verification::Agent,
        declared_at: at(4),
    }
}

/// What a refused batch was refused for.
fn refusal<T>(result: Result<T, StoreError>) -> ImportRefusal {
    match result {
        Err(StoreError::ImportRefused(refusal)) => refusal,
        Err(other) => panic!("refused for another reason: {other}"),
        Ok(_) => panic!("a clashing batch was written"),
    }
}

const ALL: Window = Window {
    limit: 100,
    offset: 0,
};

/// Imported projects and adoptions read back through the store and the API, with their
/// history, audit entries and first indexing jobs, and search finds them.
async fn imported_projects_and_adoptions_read_back_and_are_found(engine: Engine) {
    let app = TestApp::new(engine).await;
    let store = &app.store;
    let before = store.counts().await.expect("counts");
    let batch = [
        project(
            "necropolis",
            "Nécropolis",
            "Gestion des concessions funéraires et des columbariums.",
            true,
        ),
        project(
            "registre-civil",
            "Registre civil",
            "Tenue des registres de l'état civil.",
            false,
        ),
    ];
    let ids = store
        .import_projects(&batch, &audit(AuditAction::ProjectImport, "sill"))
        .await
        .expect("import projects");
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1]);

    let necropolis = store
        .project("necropolis")
        .await
        .expect("read")
        .expect("imported project");
    assert_eq!(necropolis.id, ids[0]);
    assert_eq!(necropolis.name, "Nécropolis");
    assert_eq!(necropolis.license.as_deref(), Some("AGPL-3.0-or-later"));
    assert_eq!(necropolis.categories, ["cimetieres", "etat-civil"]);
    assert_eq!(
        necropolis.readme_html.as_deref(),
        Some("<h1>Nécropolis</h1><p>Gestion des concessions funéraires et des columbariums.</p>")
    );
    assert_eq!(necropolis.index_status.state, "ok");
    assert_eq!(necropolis.index_status.last_indexed_at, Some(at(3)));
    assert_eq!(necropolis.versions_count, 2);
    assert_eq!(
        necropolis.latest_version.as_ref().map(|v| v.name.as_str()),
        Some("v2.1.0")
    );
    assert_eq!(
        necropolis.health.and_then(|h| h.last_commit_at),
        Some(at(1))
    );
    assert_eq!(necropolis.created_at, at(1));
    assert_eq!(necropolis.updated_at, at(3));
    let versions = store.versions("necropolis").await.expect("versions");
    let names: Vec<&str> = versions.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["v2.1.0", "v2.0.0"], "newest first, as given");
    let pending = store
        .project("registre-civil")
        .await
        .expect("read")
        .expect("imported project");
    assert_eq!(pending.id, ids[1]);
    assert_eq!(pending.index_status.state, "pending");
    let after = store.counts().await.expect("counts");
    assert_eq!(after.projects, before.projects + 2);
    assert_eq!(
        after.jobs_queued,
        before.jobs_queued + 1,
        "only the project without a snapshot waits for its first indexing"
    );

    let adoptions = [
        adoption(ids[0], "commune-13047"),
        ImportedAdoption {
            status: AdoptionStatus::Evaluating,
            verification: Verification::Unverified,
            version: None,
            since: None,
            ..adoption(ids[0], "commune-13055")
        },
        adoption(ids[1], "commune-13047"),
    ];
    store
        .import_adoptions(&adoptions, &audit(AuditAction::AdoptionImport, "sill"))
        .await
        .expect("import adoptions");
    let page = store
        .project_adoptions("necropolis", ALL)
        .await
        .expect("adoptions");
    assert_eq!(page.total, 2);
    let istres = page
        .items
        .iter()
        .find(|a| a.organisation == "commune-13047")
        .expect("Istres");
    assert_eq!(istres.organisation_name, "Istres");
    assert_eq!(istres.status, AdoptionStatus::InUse);
    assert_eq!(istres.verification, Verification::Agent);
    assert_eq!(istres.version.as_deref(), Some("v2.1.0"));
    assert!(istres.version_known, "v2.1.0 is an imported version");
    assert_eq!(istres.since, NaiveDate::from_ymd_opt(2021, 6, 1));
    assert_eq!(istres.declared_at, at(4));
    let history = store
        .adoption_history("necropolis", "commune-13047")
        .await
        .expect("history");
    assert_eq!(
        history.len(),
        1,
        "the imported declaration is in the history"
    );
    assert_eq!(history[0].at, at(4));
    assert_eq!(history[0].verification, Verification::Agent);
    let istres_uses = store
        .organisation_adoptions("commune-13047", ALL)
        .await
        .expect("organisation adoptions");
    assert_eq!(istres_uses.total, 2);

    let log = store.audit_log(ALL).await.expect("audit log");
    let actions: Vec<AuditAction> = log.items.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [AuditAction::AdoptionImport, AuditAction::ProjectImport],
        "one entry per batch, newest first"
    );
    assert_eq!(log.items[0].actor, "import:sill");

    let shown = app.get("/api/v1/projects/necropolis").await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
    assert_eq!(shown.body["name"], "Nécropolis");
    assert_eq!(shown.body["license"], "AGPL-3.0-or-later");
    assert_eq!(
        shown.body["adopters_count"], 1,
        "one in use, one evaluating"
    );
    assert_eq!(shown.body["latest_version"]["name"], "v2.1.0");
    let listed = app.get("/api/v1/projects/necropolis/adoptions").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert_eq!(listed.body["total"], 2);

    // The follower sees the change-log rows…
    app.sync_search().await;
    let slugs_found = |body: &serde_json::Value| -> Vec<String> {
        body["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i["slug"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let found = app.get("/api/v1/search?q=ossuaires").await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(slugs_found(&found.body), ["necropolis", "registre-civil"]);
    assert_eq!(found.body["items"][0]["adopters_count"], 1);
    // …and a rebuild from the store finds the same.
    app.search.rebuild().await.expect("rebuild");
    let rebuilt = app.get("/api/v1/search?q=columbarium").await;
    assert_eq!(rebuilt.status, StatusCode::OK, "{}", rebuilt.text);
    // The columbarium's own project first, then the one that speaks of ossuaries, a word of
    // the same family in the thesaurus.
    assert_eq!(slugs_found(&rebuilt.body), ["necropolis", "registre-civil"]);
    let by_adopter = app.get("/api/v1/search?q=Istres&has_adopters=oui").await;
    assert_eq!(
        slugs_found(&by_adopter.body).len(),
        2,
        "adopters are indexed"
    );
}

/// A batch that clashes with a unique key, or names something unknown, is refused whole:
/// nothing of it is written, not even its audit entry.
async fn a_clashing_batch_is_refused_whole(engine: Engine) {
    let app = TestApp::new(engine).await;
    let store = &app.store;
    let ids = store
        .import_projects(
            &[project("necropolis", "Nécropolis", "Cimetières.", true)],
            &audit(AuditAction::ProjectImport, "first"),
        )
        .await
        .expect("first batch");
    store
        .import_adoptions(
            &[adoption(ids[0], "commune-13047")],
            &audit(AuditAction::AdoptionImport, "first"),
        )
        .await
        .expect("first adoptions");
    let before = store.counts().await.expect("counts");
    let audit_before = store.audit_log(ALL).await.expect("audit").total;
    let fresh = || project("columbarium", "Columbarium", "Urnes et cavurnes.", false);

    let refused_projects = async |batch: &[ImportedProject]| {
        refusal(
            store
                .import_projects(batch, &audit(AuditAction::ProjectImport, "second"))
                .await,
        )
    };
    let refused_adoptions = async |batch: &[ImportedAdoption]| {
        refusal(
            store
                .import_adoptions(batch, &audit(AuditAction::AdoptionImport, "second"))
                .await,
        )
    };
    let taken_slug = with_repository(
        project("necropolis", "Autre", "Autre.", true),
        "https://forge.example.org/ailleurs.git",
    );
    assert_eq!(
        refused_projects(&[fresh(), taken_slug]).await,
        ImportRefusal::Slug("necropolis".to_string())
    );
    let mut taken_url = project("necropolis", "Autre", "Autre.", true);
    taken_url.project.slug = "necropolis-2".to_string();
    assert_eq!(
        refused_projects(&[fresh(), taken_url]).await,
        ImportRefusal::RepositoryUrl("https://forge.example.org/communs/necropolis.git".into())
    );
    // The registered repository under its other spelling (`/x` for `/x.git`), and under
    // spellings that the policy brings back to it (a trailing slash, a query).
    for spelling in [
        "https://forge.example.org/communs/necropolis",
        "https://forge.example.org/communs//necropolis.git/?tab=readme#top",
    ] {
        let twin = with_repository(project("necropolis-2", "Autre", "Autre.", true), spelling);
        assert_eq!(
            refused_projects(&[fresh(), twin]).await,
            ImportRefusal::RepositoryUrl(twin_url(spelling)),
            "{spelling}"
        );
    }
    assert_eq!(
        refused_projects(&[fresh(), fresh()]).await,
        ImportRefusal::Slug("columbarium".to_string()),
        "a slug named twice in one batch"
    );
    let twice = with_repository(
        project("columbarium-bis", "Columbarium", "Urnes.", false),
        "https://forge.example.org/communs/columbarium",
    );
    assert_eq!(
        refused_projects(&[fresh(), twice]).await,
        ImportRefusal::RepositoryUrl("https://forge.example.org/communs/columbarium".into()),
        "one repository named twice in one batch, under its two spellings"
    );
    assert!(
        store.project("columbarium").await.expect("read").is_none(),
        "the batch's other project is not written"
    );

    let marseille = || adoption(ids[0], "commune-13055");
    let clash = |project_id, organisation_id: &str| ImportRefusal::Adoption {
        project_id,
        organisation_id: organisation_id.to_string(),
    };
    assert_eq!(
        refused_adoptions(&[marseille(), adoption(ids[0], "commune-13047")]).await,
        clash(ids[0], "commune-13047")
    );
    assert_eq!(
        refused_adoptions(&[marseille(), marseille()]).await,
        clash(ids[0], "commune-13055"),
        "an adoption named twice in one batch"
    );
    assert_eq!(
        refused_adoptions(&[marseille(), adoption(ids[0], "commune-99999")]).await,
        ImportRefusal::UnknownOrganisation("commune-99999".to_string())
    );
    assert_eq!(
        refused_adoptions(&[marseille(), adoption(ids[0] + 1_000, "commune-13055")]).await,
        ImportRefusal::UnknownProject(ids[0] + 1_000)
    );

    let after = store.counts().await.expect("counts");
    assert_eq!(after.projects, before.projects);
    assert_eq!(after.adoptions, before.adoptions);
    assert_eq!(after.jobs_queued, before.jobs_queued);
    assert_eq!(
        store.audit_log(ALL).await.expect("audit").total,
        audit_before,
        "no audit entry for a refused batch"
    );
    let page = store
        .project_adoptions("necropolis", ALL)
        .await
        .expect("adoptions");
    assert_eq!(page.total, 1, "Marseille's adoption was not written");
    assert_eq!(
        store
            .adoption_history("necropolis", "commune-13047")
            .await
            .expect("history")
            .len(),
        1
    );
}

/// Batches larger than one statement's rows are written whole, ids in the order given.
async fn a_large_batch_spans_several_statements(engine: Engine) {
    let app = TestApp::new(engine).await;
    let batch: Vec<ImportedProject> = (0..1_203)
        .map(|i| ImportedProject {
            versions: Vec::new(),
            ..project(
                &format!("projet-{i}"),
                &format!("Projet {i}"),
                "Essai.",
                true,
            )
        })
        .collect();
    let ids = app
        .store
        .import_projects(&batch, &audit(AuditAction::ProjectImport, "large"))
        .await
        .expect("import");
    assert_eq!(ids.len(), batch.len());
    for i in [0, 499, 500, 1_202] {
        let read = app
            .store
            .project(&format!("projet-{i}"))
            .await
            .expect("read")
            .expect("project");
        assert_eq!(read.id, ids[i], "the id of project {i} is its own");
    }
    let communes: Vec<(String,)> = app
        .db
        .fetch(
            "SELECT id FROM organisations WHERE kind = 'commune' ORDER BY id LIMIT 2500",
            &[],
        )
        .await;
    let adoptions: Vec<ImportedAdoption> = communes
        .iter()
        .map(|(commune,)| adoption(ids[1_202], commune))
        .collect();
    let before = app.store.counts().await.expect("counts");
    app.store
        .import_adoptions(&adoptions, &audit(AuditAction::AdoptionImport, "large"))
        .await
        .expect("import adoptions");
    let after = app.store.counts().await.expect("counts");
    assert_eq!(after.adoptions, before.adoptions + 2_500);
    let last = &communes[2_499].0;
    let history = app
        .store
        .adoption_history("projet-1202", last)
        .await
        .expect("history");
    assert_eq!(
        history.len(),
        1,
        "the last statement's adoptions have their history"
    );
    let events: Vec<(i64,)> = app
        .db
        .fetch("SELECT COUNT(*) FROM adoption_events", &[])
        .await;
    assert_eq!(events[0].0, 2_500);
}

on_both_engines!(
    imported_projects_and_adoptions_read_back_and_are_found,
    a_clashing_batch_is_refused_whole,
    a_large_batch_spans_several_statements,
);
