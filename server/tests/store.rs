//! Store behaviour that the API does not show directly, on both engines.

mod common;

use std::collections::BTreeSet;

use civiforge::reference::ReferenceData;
use common::{Engine, TestDb};
use sqlx::Connection;

/// Loading the same reference edition again changes nothing; a fresh database has every
/// division.
async fn reference_data_loads_idempotently(engine: Engine) {
    let db = TestDb::new(engine).await;
    let store = db.store().await;
    let before = store.counts().await.expect("counts");
    assert_eq!(before.organisations, 34_969 + 1_255 + 26 + 109);
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

on_both_engines!(
    reference_data_loads_idempotently,
    tokens_are_found_by_digest_and_expire
);

async fn columns(engine: Engine) -> BTreeSet<(String, String)> {
    let db = TestDb::new(engine).await;
    let sql = match engine {
        Engine::Sqlite => {
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'"
        }
        Engine::Postgres => {
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'"
        }
    };
    let rows: Vec<(String, String)> = match engine {
        Engine::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&db.url)
                .await
                .expect("connect");
            sqlx::query_as(sql)
                .fetch_all(&mut conn)
                .await
                .expect("columns")
        }
        Engine::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.expect("connect");
            sqlx::query_as(sql)
                .fetch_all(&mut conn)
                .await
                .expect("columns")
        }
    };
    rows.into_iter().collect()
}

/// The two migration trees describe the same tables and columns.
#[tokio::test]
async fn both_schemas_have_the_same_tables_and_columns() {
    let sqlite = columns(Engine::Sqlite).await;
    let postgres = columns(Engine::Postgres).await;
    assert!(sqlite.contains(&("adoptions".into(), "since".into())));
    assert!(sqlite.len() > 50);
    let only_sqlite: Vec<_> = sqlite.difference(&postgres).collect();
    let only_postgres: Vec<_> = postgres.difference(&sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "only in SQLite: {only_sqlite:?}; only in PostgreSQL: {only_postgres:?}"
    );
}
