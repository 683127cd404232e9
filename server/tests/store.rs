//! Store behaviour that the API does not show directly, on both engines: reference data,
//! tokens, the upgrade of an older schema holding data, and the parity of the two schemas
//! (tables, columns, types, nullability, defaults, keys and indexes).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use axum::http::StatusCode;
use chrono::Utc;
use civiforge::reference::ReferenceData;
use civiforge_indexer::RepositoryUrlPolicy;
use common::browser::Browser;
use common::{Bind, Engine, TestApp, TestDb};
use serde_json::json;
use sqlx::Connection;
use sqlx::migrate::Migrator;

/// Loading the same reference edition again changes nothing; a fresh database has every
/// division.
async fn reference_data_loads_idempotently(engine: Engine) {
    let db = TestDb::new(engine).await;
    let store = db.store().await;
    let before = store.counts().await.expect("counts");
    // France: communes, EPCI, régions, départements; Belgium: communes, CPAS, provinces.
    assert_eq!(
        before.organisations,
        34_969 + 1_255 + 26 + 109 + 565 + 565 + 10
    );
    let data = ReferenceData::embedded().expect("reference");
    store.load_reference(&data).await.expect("second load");
    let after = store.counts().await.expect("counts");
    assert_eq!(before.organisations, after.organisations);
    assert_eq!(
        store.reference_edition().await.expect("edition").as_deref(),
        Some(data.edition.as_str())
    );
    let detail = store
        .organisation_detail("commune-13047")
        .await
        .expect("query")
        .expect("Istres");
    assert_eq!(detail.memberships.len(), 1, "one EPCI, not duplicated");
    let namur = store
        .organisation_detail("commune-be-92094")
        .await
        .expect("query")
        .expect("Namur");
    assert_eq!(namur.memberships.len(), 1, "one province, not duplicated");
}

/// Tokens are found by digest only, and not once expired.
async fn tokens_are_found_by_digest_and_expire(engine: Engine) {
    let db = TestDb::new(engine).await;
    let store = db.store().await;
    let user = common::create_user(
        &store,
        "Claire@Mairie.fr",
        "Claire",
        "un mot de passe sûr",
        false,
    )
    .await
    .expect("user");
    assert_eq!(user.email, "claire@mairie.fr");
    let token = common::create_token(&store, "claire@mairie.fr", "test", None)
        .await
        .expect("token");
    let digest = civiforge::auth::token_digest(&token);
    let owner = store
        .token_owner(&digest)
        .await
        .expect("query")
        .expect("owner");
    assert_eq!(owner.user.id, user.id);
    assert!(
        store.token_owner(&token).await.expect("query").is_none(),
        "the raw token is not stored"
    );

    let expired = civiforge::auth::new_token().expect("token");
    let yesterday = chrono::Utc::now() - chrono::Duration::days(1);
    store
        .create_token(
            user.id,
            &civiforge::auth::token_digest(&expired),
            "old",
            &[],
            Some(yesterday),
            &civiforge::domain::Actor::command_line(None).audit(
                civiforge::model::AuditAction::TokenCreate,
                "claire@mairie.fr",
                None,
            ),
        )
        .await
        .expect("create");
    assert!(
        store
            .token_owner(&civiforge::auth::token_digest(&expired))
            .await
            .expect("query")
            .is_none()
    );

    let again = common::create_user(
        &store,
        "claire@mairie.fr",
        "Claire",
        "un mot de passe sûr",
        false,
    )
    .await;
    assert!(format!("{:#}", again.expect_err("duplicate")).contains("existe déjà"));
}

/// The last migration of the schema that the upgrade test starts from: before claims,
/// known users and the project list indexes.
const OLDER_SCHEMA: i64 = 5;

fn migrations_dir(engine: Engine) -> PathBuf {
    let engine = match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    };
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../migrations")
        .join(engine)
}

/// Applies the migrations up to `last` only, as an instance of that time did.
async fn migrate_up_to(db: &TestDb, engine: Engine, last: i64) {
    let all = Migrator::new(migrations_dir(engine))
        .await
        .expect("migrations");
    let older: Vec<_> = all
        .migrations
        .iter()
        .filter(|m| m.version <= last)
        .cloned()
        .collect();
    assert!(
        !older.is_empty() && older.len() < all.migrations.len(),
        "{last} must leave newer migrations to apply"
    );
    let older = Migrator::with_migrations(older);
    match engine {
        Engine::Sqlite => {
            let options: sqlx::sqlite::SqliteConnectOptions = db.url.parse().expect("sqlite url");
            let mut conn = sqlx::SqliteConnection::connect_with(&options.create_if_missing(true))
                .await
                .expect("connect");
            older.run(&mut conn).await.expect("older migrations");
            conn.close().await.expect("close");
        }
        Engine::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.expect("connect");
            older.run(&mut conn).await.expect("older migrations");
            conn.close().await.expect("close");
        }
    }
}

/// A catalogue written by an instance at migration 5 (SQL of that time: no claims, no
/// known users), then upgraded by today's `migrate`: everything is still there and reads
/// back through the API, the token and the session still work, queued work is still
/// queued, and the new tables take writes.
async fn an_older_schema_holding_data_is_upgraded(engine: Engine) {
    let db = TestDb::empty(engine).await;
    migrate_up_to(&db, engine, OLDER_SCHEMA).await;
    let then = Utc::now() - chrono::Duration::days(200);
    let at = || Bind::Time(then);
    let token = civiforge::auth::new_token().expect("token");
    let session = civiforge::auth::new_token().expect("session");
    let password_hash = civiforge::auth::hash_password("mot-de-passe-long").expect("hash");
    let statements: Vec<(&str, Vec<Bind>)> = vec![
        (
            "INSERT INTO organisations (id, kind, code, name, search_key, departement, \
             is_reference, created_at, updated_at) VALUES ('commune-13047', 'commune', \
             '13047', 'Istres', 'istres', '13', TRUE, $1, $1)",
            vec![at()],
        ),
        (
            "INSERT INTO organisations (id, kind, name, search_key, is_reference, created_at, \
             updated_at) VALUES ('org-opsn-sud', 'organisation', 'OPSN du Sud', \
             'opsn du sud', FALSE, $1, $1)",
            vec![at()],
        ),
        (
            "INSERT INTO users (email, name, password_hash, is_admin, is_moderator, created_at) \
             VALUES ('julien@agglo.fr', 'Julien', $1, FALSE, FALSE, $2)",
            vec![Bind::Text(password_hash), at()],
        ),
        (
            "INSERT INTO api_tokens (user_id, token_hash, label, scopes, created_at) \
             SELECT id, $1, 'import', 'projects:write adoptions:write', $2 FROM users",
            vec![Bind::Text(civiforge::auth::token_digest(&token)), at()],
        ),
        (
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) \
             SELECT $1, id, $2, $3 FROM users",
            vec![
                Bind::Text(civiforge::auth::token_digest(&session)),
                at(),
                Bind::Time(Utc::now() + chrono::Duration::days(10)),
            ],
        ),
        (
            "INSERT INTO projects (slug, name, summary, repository_url, license, index_state, \
             last_indexed_at, readme_html, readme_text, refs_digest, registered_by, created_at, \
             updated_at, default_branch, last_fetch_at) SELECT 'openelec', 'openElec', \
             'Gestion des listes électorales', 'https://forge.example.org/openelec.git', \
             'AGPL-3.0-or-later', 'ok', $1, '<h1>openElec</h1>', 'openElec', 'abc', id, $1, $1, \
             'main', $1 FROM users",
            vec![at()],
        ),
        (
            "INSERT INTO project_categories (project_id, category) \
             SELECT id, 'elections' FROM projects",
            vec![],
        ),
        (
            "INSERT INTO project_maintainers (project_id, user_id, role, created_at) \
             SELECT p.id, u.id, 'owner', $1 FROM projects p, users u",
            vec![at()],
        ),
        (
            "INSERT INTO versions (project_id, name, semver, is_release, date, commit_id, \
             position) SELECT id, '2.03', '2.3.0', TRUE, $1, 'c203', 0 FROM projects",
            vec![at()],
        ),
        (
            "INSERT INTO versions (project_id, name, semver, is_release, date, commit_id, \
             position) SELECT id, '2.02', '2.2.0', TRUE, $1, 'c202', 1 FROM projects",
            vec![Bind::Time(then - chrono::Duration::days(90))],
        ),
        (
            "INSERT INTO adoptions (project_id, organisation_id, version, status, since, \
             declared_by, verification, declared_at, updated_at) SELECT p.id, 'commune-13047', \
             '2.03', 'in_use', '2007-06-11', u.id, 'unverified', $1, $1 \
             FROM projects p, users u",
            vec![at()],
        ),
        (
            "INSERT INTO adoption_events (adoption_id, version, status, since, declared_by, \
             verification, at) SELECT a.id, '2.03', 'in_use', '2007-06-11', a.declared_by, \
             'unverified', $1 FROM adoptions a",
            vec![at()],
        ),
        (
            "INSERT INTO change_log (entity, entity_id, at) SELECT 'project', id, $1 FROM projects",
            vec![at()],
        ),
        (
            "INSERT INTO jobs (kind, project_id, state, attempts, run_after, created_at, \
             updated_at) SELECT 'index_project', id, 'queued', 0, $1, $1, $1 FROM projects",
            vec![at()],
        ),
        (
            "INSERT INTO audit_log (at, user_id, actor, ip, action, target) \
             SELECT $1, id, email, '192.0.2.1', 'project.register', 'openelec' FROM users",
            vec![at()],
        ),
    ];
    for (sql, binds) in &statements {
        assert_eq!(db.execute(sql, binds).await, 1, "{sql}");
    }

    // Today's binary upgrades it (and loads the reference data over the old rows).
    let app = TestApp::on(db, RepositoryUrlPolicy::default()).await;
    let applied: Vec<(i64,)> = app
        .db
        .fetch(
            "SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version",
            &[],
        )
        .await;
    let expected: Vec<(i64,)> = Migrator::new(migrations_dir(engine))
        .await
        .expect("migrations")
        .migrations
        .iter()
        .map(|m| (m.version,))
        .collect();
    assert_eq!(applied, expected);
    app.store
        .migrate()
        .await
        .expect("a second migrate is a no-op");

    let project = app.get("/api/v1/projects/openelec").await;
    assert_eq!(project.status, StatusCode::OK, "{}", project.text);
    let project = project.body;
    assert_eq!(project["name"], "openElec");
    assert_eq!(project["categories"], json!(["elections"]));
    assert_eq!(project["latest_version"]["name"], "2.03");
    assert_eq!(project["versions_count"], 2);
    assert_eq!(project["adopters_count"], 1);
    assert_eq!(project["index_status"]["state"], "ok");
    assert_eq!(project["readme_html"], "<h1>openElec</h1>");
    let adoptions = app.get("/api/v1/projects/openelec/adoptions").await.body;
    assert_eq!(adoptions["total"], 1, "{adoptions}");
    // The adopters' tallies were counted from the adoptions already there.
    assert_tallies_follow(&app.db, "the upgrade").await;
    assert!(!tallies_kept(&app.db).await.0.is_empty());
    assert_eq!(adoptions["items"][0]["organisation_name"], "Istres");
    assert_eq!(adoptions["items"][0]["since"], "2007-06-11");
    assert_eq!(adoptions["items"][0]["declared_by"], "Julien");
    let history = app
        .get("/api/v1/projects/openelec/adoptions/commune-13047/history")
        .await
        .body;
    assert_eq!(history["total"], 1, "{history}");
    let istres = app.get("/api/v1/organisations/commune-13047").await.body;
    assert_eq!(
        istres["memberships"][0]["kind"], "epci",
        "the reference data completed the old row: {istres}"
    );
    let opsn = app.get("/api/v1/organisations/org-opsn-sud").await;
    assert_eq!(
        opsn.status,
        StatusCode::OK,
        "a non-reference organisation stays"
    );

    // The search index is built from the upgraded database.
    assert_eq!(
        app.get("/api/v1/search?q=electorales").await.body["items"][0]["slug"],
        "openelec"
    );
    // The old session and token still sign in; queued work is still queued.
    let mut browser = Browser::default();
    browser.cookies.push(("civiforge_session".into(), session));
    assert_eq!(
        browser.get(&app, "/compte/jetons").await.status,
        StatusCode::OK
    );
    let job = app
        .store
        .claim_job("after-upgrade", Utc::now())
        .await
        .expect("claim")
        .expect("the queued job survived");
    assert_eq!(job.attempts, 1);
    // The tables the upgrade added take writes.
    let known = app
        .request(
            "PUT",
            "/api/v1/projects/openelec/known-users",
            Some(&token),
            Some(json!({"organisations": ["commune-13047"]})),
        )
        .await;
    assert_eq!(known.status, StatusCode::OK, "{}", known.text);
    let claim = app
        .post(
            "/api/v1/claims",
            &token,
            json!({"organisation": "commune-13047"}),
        )
        .await;
    assert_eq!(claim.status, StatusCode::CREATED, "{}", claim.text);
    let declared = app
        .post(
            "/api/v1/adoptions",
            &token,
            json!({"project": "openelec", "organisation": "commune-13039", "version": "2.02"}),
        )
        .await;
    assert_eq!(declared.status, StatusCode::CREATED, "{}", declared.text);
    assert_eq!(declared.body["version_known"], true);
    let audit: Vec<(String,)> = app
        .db
        .fetch("SELECT action FROM audit_log ORDER BY id", &[])
        .await;
    assert_eq!(audit.first(), Some(&("project.register".to_string(),)));
}

/// What the tallies of migration 0014 must hold: adopters per project, département and
/// status, and per project, population band and status, counted from the adoptions
/// themselves (bands as the model defines them).
async fn tallies_from_adoptions(
    db: &TestDb,
) -> (
    Vec<(i64, String, String, i64)>,
    Vec<(i64, i64, String, i64)>,
) {
    type Row = (i64, Option<String>, String, Option<i64>, String);
    let rows: Vec<Row> = db
        .fetch(
            "SELECT a.project_id, o.departement, o.kind, o.population, a.status \
             FROM adoptions a JOIN organisations o ON o.id = a.organisation_id",
            &[],
        )
        .await;
    let mut by_departement: BTreeMap<(i64, String, String), i64> = BTreeMap::new();
    let mut by_band: BTreeMap<(i64, i64, String), i64> = BTreeMap::new();
    for (project, departement, kind, population, status) in rows {
        if let Some(departement) = departement {
            *by_departement
                .entry((project, departement, status.clone()))
                .or_default() += 1;
        }
        if let Some(population) = population.filter(|_| kind == "commune") {
            let band = civiforge::model::PopulationBand::of(population).low;
            *by_band.entry((project, band, status)).or_default() += 1;
        }
    }
    (
        by_departement
            .into_iter()
            .map(|((p, d, s), n)| (p, d, s, n))
            .collect(),
        by_band
            .into_iter()
            .map(|((p, b, s), n)| (p, b, s, n))
            .collect(),
    )
}

/// The tallies as the triggers kept them (rows at zero are as good as absent).
async fn tallies_kept(
    db: &TestDb,
) -> (
    Vec<(i64, String, String, i64)>,
    Vec<(i64, i64, String, i64)>,
) {
    let by_departement = db
        .fetch(
            "SELECT project_id, departement, status, CAST(adopters AS BIGINT) \
             FROM adoption_tallies_departement WHERE adopters <> 0 \
             ORDER BY project_id, departement, status",
            &[],
        )
        .await;
    let by_band = db
        .fetch(
            "SELECT project_id, CAST(band AS BIGINT), status, CAST(adopters AS BIGINT) \
             FROM adoption_tallies_band WHERE adopters <> 0 ORDER BY project_id, band, status",
            &[],
        )
        .await;
    (by_departement, by_band)
}

async fn assert_tallies_follow(db: &TestDb, after: &str) {
    assert_eq!(
        tallies_kept(db).await,
        tallies_from_adoptions(db).await,
        "after {after}"
    );
}

/// The adopters' tallies follow every kind of write: adoptions declared one by one and in
/// bulk, upserted, changing status, withdrawn; organisations moving to another département
/// or population band, changing kind, deleted; projects deleted.
async fn adoption_tallies_follow_every_write(engine: Engine) {
    let db = TestDb::new(engine).await;
    let now = Utc::now();
    db.execute(
        "INSERT INTO users (email, name, password_hash, is_admin, is_moderator, created_at) \
         VALUES ('julien@agglo.fr', 'Julien', 'x', FALSE, FALSE, $1)",
        &[Bind::Time(now)],
    )
    .await;
    for slug in ["openelec", "opencimetiere"] {
        db.execute(
            "INSERT INTO projects (slug, name, summary, repository_url, license, index_state, \
             registered_by, created_at, updated_at) SELECT $1, $1, 'Résumé', \
             'https://forge.example.org/' || $1 || '.git', 'AGPL-3.0-or-later', 'ok', id, $2, $2 \
             FROM users",
            &[Bind::Text(slug.into()), Bind::Time(now)],
        )
        .await;
    }
    let adopt = |slug: &'static str, organisation: &'static str, status: &'static str| {
        (
            "INSERT INTO adoptions (project_id, organisation_id, status, verification, \
             declared_at, updated_at) SELECT p.id, $2, $3, 'unverified', $4, $4 \
             FROM projects p WHERE p.slug = $1",
            vec![
                Bind::Text(slug.into()),
                Bind::Text(organisation.into()),
                Bind::Text(status.into()),
                Bind::Time(now),
            ],
        )
    };
    // Istres and Marseille (13), Bordeaux (33), Paris (75, in its own band), the EPCI of
    // Istres (no population band), the département of the Bouches-du-Rhône.
    for (slug, organisation, status) in [
        ("openelec", "commune-13047", "in_use"),
        ("openelec", "commune-13055", "in_use"),
        ("openelec", "commune-33063", "evaluating"),
        ("openelec", "commune-75056", "in_use"),
        ("opencimetiere", "commune-13047", "stopped"),
        ("opencimetiere", "departement-13", "in_use"),
    ] {
        let (sql, binds) = adopt(slug, organisation, status);
        assert_eq!(db.execute(sql, &binds).await, 1, "{organisation}");
    }
    assert_tallies_follow(&db, "single declarations").await;
    let counted: Vec<(i64,)> = db
        .fetch(
            "SELECT CAST(SUM(adopters) AS BIGINT) FROM adoption_tallies_departement t \
             JOIN projects p ON p.id = t.project_id \
             WHERE p.slug = 'openelec' AND t.departement = '13' AND t.status = 'in_use'",
            &[],
        )
        .await;
    assert_eq!(counted, [(2,)], "Istres and Marseille");

    // Every commune of Corse-du-Sud at once, as an import does.
    let bulk = db
        .execute(
            "INSERT INTO adoptions (project_id, organisation_id, status, verification, \
             declared_at, updated_at) SELECT p.id, o.id, 'in_use', 'unverified', $1, $1 \
             FROM projects p, organisations o \
             WHERE p.slug = 'opencimetiere' AND o.kind = 'commune' AND o.departement = '2A'",
            &[Bind::Time(now)],
        )
        .await;
    assert!(bulk > 100, "{bulk} communes in Corse-du-Sud");
    assert_tallies_follow(&db, "a bulk declaration").await;

    db.execute(
        "INSERT INTO adoptions (project_id, organisation_id, status, verification, \
         declared_at, updated_at) SELECT p.id, 'commune-13047', 'in_use', 'unverified', $1, $1 \
         FROM projects p WHERE p.slug = 'opencimetiere' \
         ON CONFLICT (project_id, organisation_id) DO UPDATE SET status = excluded.status",
        &[Bind::Time(now)],
    )
    .await;
    assert_tallies_follow(&db, "an upsert that resumes a stopped use").await;

    db.execute(
        "UPDATE adoptions SET status = 'stopped' WHERE organisation_id = 'commune-13055'",
        &[],
    )
    .await;
    db.execute(
        "UPDATE adoptions SET version = '4.2', verification = 'agent' \
         WHERE organisation_id = 'commune-33063'",
        &[],
    )
    .await;
    assert_tallies_follow(&db, "status and version changes").await;

    // A new census: Istres passes 50,000; a commune of Corse-du-Sud moves to Haute-Corse.
    db.execute(
        "UPDATE organisations SET population = 50100 WHERE id = 'commune-13047'",
        &[],
    )
    .await;
    db.execute(
        "UPDATE organisations SET departement = '2B' WHERE id = 'commune-2A004'",
        &[],
    )
    .await;
    db.execute(
        "UPDATE organisations SET departement = NULL, population = NULL \
         WHERE id = 'commune-2A006'",
        &[],
    )
    .await;
    db.execute(
        "UPDATE organisations SET kind = 'commune_deleguee' WHERE id = 'commune-2A008'",
        &[],
    )
    .await;
    assert_tallies_follow(&db, "organisations moving").await;

    db.execute(
        "DELETE FROM adoptions WHERE organisation_id = 'commune-75056'",
        &[],
    )
    .await;
    db.execute("DELETE FROM organisations WHERE id = 'commune-2A011'", &[])
        .await;
    assert_tallies_follow(&db, "an adoption withdrawn and an organisation deleted").await;

    db.execute("DELETE FROM projects WHERE slug = 'openelec'", &[])
        .await;
    assert_tallies_follow(&db, "a project deleted").await;
    let left: Vec<(i64,)> = db
        .fetch(
            "SELECT COUNT(*) FROM adoption_tallies_departement t \
             WHERE NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = t.project_id)",
            &[],
        )
        .await;
    assert_eq!(left, [(0,)], "no tally outlives its project");
}

on_both_engines!(
    reference_data_loads_idempotently,
    tokens_are_found_by_digest_and_expire,
    an_older_schema_holding_data_is_upgraded,
    adoption_tallies_follow_every_write,
);

/// One column as both engines can describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ColumnShape {
    /// Normalised: integer (64 bits), integer32, text, boolean, timestamp, date, real.
    kind: String,
    not_null: bool,
    /// Lower-case, without PostgreSQL's casts (`'pending'::text` is `'pending'`).
    default: Option<String>,
    primary_key: bool,
}

/// Keys and indexes of one table: `primary key (a, b)`, `unique (a)`, and each index by
/// name with its keys and predicate: `index projects_name (hidden, lower(name))`.
type Schema = (
    BTreeMap<(String, String), ColumnShape>,
    BTreeSet<(String, String)>,
);

/// Differences between the two schemas that are meant. Each says why; one that no longer
/// occurs makes the test fail, so that the list stays true.
///
/// Column types, as (PostgreSQL, SQLite) pairs of normalised types:
const ACCEPTED_TYPES: &[(&str, &str, &str)] = &[
    (
        "timestamp",
        "text",
        "SQLite has no time type: sqlx writes UTC times as text in one format, which sorts \
         and compares in time order",
    ),
    (
        "date",
        "text",
        "SQLite has no date type: dates are ISO 8601 text (YYYY-MM-DD)",
    ),
];

/// Index keys, as (table, index, PostgreSQL keys, SQLite keys):
const ACCEPTED_INDEX_KEYS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "projects",
        "projects_name",
        "(hidden, lower(name), id)",
        "(hidden, lower(name))",
        "every SQLite index ends with the rowid, which is the id",
    ),
    (
        "projects",
        "projects_updated",
        "(hidden, updated_at, id)",
        "(hidden, updated_at)",
        "every SQLite index ends with the rowid, which is the id",
    ),
];

/// Nullability of primary key columns: SQLite reports a key column nullable unless it says
/// NOT NULL (an `INTEGER PRIMARY KEY` is the rowid and never NULL; other keys, such as
/// `meta.key`, would take NULL, a quirk SQLite keeps for compatibility), PostgreSQL makes
/// every key column NOT NULL. Accepted: the store never writes NULL into a key.
const SQLITE_NULLABLE_KEYS: &str = "SQLite primary key columns are not implicitly NOT NULL";

fn sqlite_type(declared: &str) -> String {
    match declared.to_ascii_uppercase().as_str() {
        "INTEGER" | "BIGINT" => "integer".into(),
        "TEXT" => "text".into(),
        "BOOLEAN" => "boolean".into(),
        "REAL" => "real".into(),
        other => format!("sqlite {other}"),
    }
}

fn postgres_type(data_type: &str) -> String {
    match data_type {
        "bigint" => "integer".into(),
        "integer" | "smallint" => "integer32".into(),
        "text" => "text".into(),
        "boolean" => "boolean".into(),
        "timestamp with time zone" => "timestamp".into(),
        "date" => "date".into(),
        "double precision" => "real".into(),
        other => format!("postgres {other}"),
    }
}

/// Lower case, single spaces, no PostgreSQL casts or quoted names (`"position"`), no
/// parentheses around the whole.
fn normalise_sql(text: &str) -> String {
    let mut text = text.to_lowercase().replace('"', "");
    for cast in ["::text", "::bigint", "::integer", "::boolean"] {
        text = text.replace(cast, "");
    }
    let mut text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    while text.starts_with('(') && closing_paren(&text, 0) == Some(text.len() - 1) {
        text = text[1..text.len() - 1].trim().to_string();
    }
    text
}

/// Where the parenthesis opened at `open` closes.
fn closing_paren(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in text.char_indices().skip_while(|(i, _)| *i < open) {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// `CREATE [UNIQUE] INDEX name ON table [USING btree] (keys) [WHERE predicate]` as
/// `[unique ]index name (keys)[ where predicate]`, the same text on both engines.
fn describe_index(name: &str, sql: &str) -> String {
    let lower = sql.to_lowercase();
    let unique = lower.starts_with("create unique index");
    let on = lower.find(" on ").expect("ON in an index definition");
    let open = on + lower[on..].find('(').expect("index keys");
    let close = closing_paren(&lower, open).expect("end of the index keys");
    let keys = normalise_sql(&lower[open + 1..close]);
    let predicate = lower[close + 1..]
        .trim()
        .strip_prefix("where")
        .map(|p| format!(" where {}", normalise_sql(p)))
        .unwrap_or_default();
    format!(
        "{}index {name} ({keys}){predicate}",
        if unique { "unique " } else { "" }
    )
}

async fn schema(engine: Engine) -> Schema {
    let db = TestDb::new(engine).await;
    let mut columns = BTreeMap::new();
    let mut keys = BTreeSet::new();
    match engine {
        Engine::Sqlite => {
            type Row = (String, String, String, i64, Option<String>, i64);
            let rows: Vec<Row> = db
                .fetch(
                    "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk \
                     FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                       AND m.name NOT LIKE '_sqlx%'",
                    &[],
                )
                .await;
            let mut primary: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
            for (table, column, declared, not_null, default, pk) in rows {
                if pk > 0 {
                    primary
                        .entry(table.clone())
                        .or_default()
                        .push((pk, column.clone()));
                }
                columns.insert(
                    (table, column),
                    ColumnShape {
                        kind: sqlite_type(&declared),
                        not_null: not_null == 1,
                        default: default.map(|d| normalise_sql(&d)),
                        primary_key: pk > 0,
                    },
                );
            }
            for (table, mut key) in primary {
                key.sort();
                let names: Vec<String> = key.into_iter().map(|(_, c)| c).collect();
                keys.insert((table, format!("primary key ({})", names.join(", "))));
            }
            let uniques: Vec<(String, String)> = db
                .fetch(
                    "SELECT m.name, l.name FROM sqlite_master m JOIN pragma_index_list(m.name) l \
                     WHERE m.type = 'table' AND l.origin = 'u' AND m.name NOT LIKE '_sqlx%'",
                    &[],
                )
                .await;
            for (table, index) in uniques {
                let key: Vec<(String,)> = db
                    .fetch(
                        "SELECT name FROM pragma_index_info($1) ORDER BY seqno",
                        &[Bind::Text(index)],
                    )
                    .await;
                let names: Vec<String> = key.into_iter().map(|(c,)| c).collect();
                keys.insert((table, format!("unique ({})", names.join(", "))));
            }
            let indexes: Vec<(String, String, String)> = db
                .fetch(
                    "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index' \
                     AND sql IS NOT NULL AND tbl_name NOT LIKE '_sqlx%'",
                    &[],
                )
                .await;
            for (table, name, sql) in indexes {
                keys.insert((table, describe_index(&name, &sql)));
            }
        }
        Engine::Postgres => {
            type Row = (String, String, String, String, Option<String>);
            let rows: Vec<Row> = db
                .fetch(
                    "SELECT table_name::text, column_name::text, data_type::text, \
                     is_nullable::text, column_default::text FROM information_schema.columns \
                     WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
                    &[],
                )
                .await;
            let constraints: Vec<(String, String, String, String)> = db
                .fetch(
                    "SELECT tc.table_name::text, tc.constraint_name::text, \
                     tc.constraint_type::text, kcu.column_name::text \
                     FROM information_schema.table_constraints tc \
                     JOIN information_schema.key_column_usage kcu \
                       ON kcu.constraint_name = tc.constraint_name \
                      AND kcu.table_schema = tc.table_schema \
                     WHERE tc.table_schema = 'public' \
                       AND tc.constraint_type IN ('PRIMARY KEY', 'UNIQUE') \
                       AND tc.table_name NOT LIKE '_sqlx%' \
                     ORDER BY tc.constraint_name, kcu.ordinal_position",
                    &[],
                )
                .await;
            let mut grouped: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
            for (table, name, kind, column) in constraints {
                grouped.entry((table, name, kind)).or_default().push(column);
            }
            let mut primary_columns = BTreeSet::new();
            for ((table, _, kind), names) in grouped {
                if kind == "PRIMARY KEY" {
                    for name in &names {
                        primary_columns.insert((table.clone(), name.clone()));
                    }
                }
                let kind = if kind == "PRIMARY KEY" {
                    "primary key"
                } else {
                    "unique"
                };
                keys.insert((table, format!("{kind} ({})", names.join(", "))));
            }
            for (table, column, data_type, nullable, default) in rows {
                let primary_key = primary_columns.contains(&(table.clone(), column.clone()));
                columns.insert(
                    (table, column),
                    ColumnShape {
                        kind: postgres_type(&data_type),
                        not_null: nullable == "NO",
                        default: default.map(|d| normalise_sql(&d)),
                        primary_key,
                    },
                );
            }
            let indexes: Vec<(String, String, String)> = db
                .fetch(
                    "SELECT i.tablename::text, i.indexname::text, i.indexdef::text \
                     FROM pg_indexes i WHERE i.schemaname = 'public' \
                       AND i.tablename NOT LIKE '_sqlx%' \
                       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                    &[],
                )
                .await;
            for (table, name, sql) in indexes {
                keys.insert((table, describe_index(&name, &sql)));
            }
        }
    }
    (columns, keys)
}

/// The two migration trees describe the same tables and columns, with the same types (up
/// to the accepted differences), nullability and defaults, and the same keys and indexes.
#[tokio::test]
async fn both_schemas_match_in_columns_types_defaults_keys_and_indexes() {
    let (sqlite_columns, sqlite_keys) = schema(Engine::Sqlite).await;
    let (postgres_columns, postgres_keys) = schema(Engine::Postgres).await;
    // The descriptions hold what they should, so that an empty one cannot pass.
    assert!(sqlite_columns.len() > 100, "{}", sqlite_columns.len());
    assert_eq!(
        sqlite_columns.get(&("jobs".into(), "attempts".into())),
        Some(&ColumnShape {
            kind: "integer".into(),
            not_null: true,
            default: Some("0".into()),
            primary_key: false,
        })
    );
    assert!(postgres_keys.contains(&(
        "jobs".into(),
        "unique index jobs_one_queued (kind, project_id) where state = 'queued'".into()
    )));
    assert!(sqlite_keys.contains(&("claims".into(), "unique (user_id, organisation_id)".into())));

    let mut differences = Vec::new();
    let mut used_types = BTreeSet::new();
    let mut nullable_keys = 0;
    let names: BTreeSet<_> = sqlite_columns
        .keys()
        .chain(postgres_columns.keys())
        .collect();
    for name in names {
        let (table, column) = name;
        let (Some(sqlite), Some(postgres)) = (sqlite_columns.get(name), postgres_columns.get(name))
        else {
            differences.push(format!(
                "{table}.{column} only in {}",
                if sqlite_columns.contains_key(name) {
                    "SQLite"
                } else {
                    "PostgreSQL"
                }
            ));
            continue;
        };
        if sqlite.kind != postgres.kind {
            match ACCEPTED_TYPES
                .iter()
                .position(|(pg, lite, _)| *pg == postgres.kind && *lite == sqlite.kind)
            {
                Some(accepted) => {
                    used_types.insert(accepted);
                }
                None => differences.push(format!(
                    "{table}.{column}: {} in PostgreSQL, {} in SQLite",
                    postgres.kind, sqlite.kind
                )),
            }
        }
        let nullable_key = sqlite.primary_key && postgres.primary_key && !sqlite.not_null;
        nullable_keys += usize::from(nullable_key && postgres.not_null);
        if sqlite.not_null != postgres.not_null && !nullable_key {
            differences.push(format!(
                "{table}.{column}: NOT NULL in {} only",
                if sqlite.not_null {
                    "SQLite"
                } else {
                    "PostgreSQL"
                }
            ));
        }
        if sqlite.default != postgres.default {
            differences.push(format!(
                "{table}.{column}: default {:?} in PostgreSQL, {:?} in SQLite",
                postgres.default, sqlite.default
            ));
        }
        if sqlite.primary_key != postgres.primary_key {
            differences.push(format!(
                "{table}.{column}: part of the primary key in one only"
            ));
        }
    }
    for (n, (_, _, why)) in ACCEPTED_TYPES.iter().enumerate() {
        assert!(used_types.contains(&n), "accepted but unused: {why}");
    }
    assert!(
        nullable_keys > 0,
        "accepted but unused: {SQLITE_NULLABLE_KEYS}"
    );

    let mut sqlite_only: BTreeSet<_> = sqlite_keys.difference(&postgres_keys).cloned().collect();
    let mut postgres_only: BTreeSet<_> = postgres_keys.difference(&sqlite_keys).cloned().collect();
    for (table, index, postgres, sqlite, _why) in ACCEPTED_INDEX_KEYS {
        let in_postgres = (table.to_string(), format!("index {index} {postgres}"));
        let in_sqlite = (table.to_string(), format!("index {index} {sqlite}"));
        assert!(
            postgres_only.remove(&in_postgres) && sqlite_only.remove(&in_sqlite),
            "accepted difference no longer there: {index}"
        );
    }
    for (table, key) in &sqlite_only {
        differences.push(format!("{table}: {key} in SQLite only"));
    }
    for (table, key) in &postgres_only {
        differences.push(format!("{table}: {key} in PostgreSQL only"));
    }
    assert!(
        differences.is_empty(),
        "the schemas differ:\n{}",
        differences.join("\n")
    );
}
