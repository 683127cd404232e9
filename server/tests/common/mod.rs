//! Test support: a fresh catalogue on a real SQLite file or a real PostgreSQL database for
//! each test, with reference data loaded once per test binary into a template, and the app
//! driven in-process.
#![allow(dead_code)]

pub mod browser;
pub mod html;
pub mod processes;
pub mod smtp;
pub mod uploads;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use civiforge::app::{AppState, app};
use civiforge::domain::accounts::NewAccount;
use civiforge::domain::{Actor, AppResult, Domain};
use civiforge::model::{Scope, User};
use civiforge::store::Store;
use civiforge_indexer::RepositoryUrlPolicy;
use serde_json::Value;
use sqlx::Connection;
use tower::ServiceExt;

/// The two database engines civiforge runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A database made for one test; dropped with it.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// The PostgreSQL server the test command started.
pub fn postgres_admin_url() -> String {
    std::env::var("CIVIFORGE_TEST_POSTGRES_URL").expect(
        "CIVIFORGE_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh, which starts \
         a throwaway PostgreSQL server",
    )
}

fn unique_name(prefix: &str) -> String {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).expect("random");
    format!("{prefix}_{}_{}", std::process::id(), hex::encode(bytes))
}

fn database_url(admin_url: &str, name: &str) -> String {
    let mut url = url::Url::parse(admin_url).expect("admin url");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// Runs an async block to completion on its own runtime and thread: for one-time set-up
/// reached from inside tests' runtimes.
fn block_on_own_thread<T: Send + 'static>(
    future: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(future)
    })
    .join()
    .expect("set-up thread")
}

async fn migrated_with_reference(url: &str) {
    let store = civiforge::store::connect(url).await.expect("connect");
    store.migrate().await.expect("migrate");
    civiforge::cli::ensure_reference_data(store.as_ref())
        .await
        .expect("reference data");
    store.close().await;
}

/// Removes the SQLite templates of test processes that have ended: a static is never
/// dropped, so each test binary's template would otherwise stay in the temporary folder.
fn sweep_finished_templates() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("civiforge_tpl_")
            .and_then(|rest| rest.split('_').next())
        else {
            continue;
        };
        if !std::path::Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A SQLite file with migrations and reference data, copied for each test.
fn sqlite_template() -> &'static PathBuf {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        sweep_finished_templates();
        let dir = std::env::temp_dir().join(unique_name("civiforge_tpl"));
        std::fs::create_dir_all(&dir).expect("template dir");
        let path = dir.join("template.db");
        let url = format!("sqlite://{}", path.display());
        block_on_own_thread(async move {
            migrated_with_reference(&url).await;
            // Fold the write-ahead log into the file so that a plain copy is complete.
            let mut conn = sqlx::SqliteConnection::connect(&url)
                .await
                .expect("connect");
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&mut conn)
                .await
                .expect("checkpoint");
            conn.close().await.expect("close");
        });
        path
    })
}

/// A PostgreSQL database with migrations and reference data, cloned for each test.
fn postgres_template() -> &'static String {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let name = unique_name("civiforge_tpl");
        let admin = postgres_admin_url();
        block_on_own_thread(async move {
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .expect("cannot reach the test PostgreSQL server (CIVIFORGE_TEST_POSTGRES_URL)");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create template");
            migrated_with_reference(&database_url(&admin, &name)).await;
            name
        })
    })
}

/// A value bound to a `$n` parameter of a statement run by [`TestDb::execute`] or
/// [`TestDb::fetch`].
#[derive(Debug, Clone)]
pub enum Bind {
    Int(i64),
    Text(String),
    Time(chrono::DateTime<chrono::Utc>),
}

/// Binds each value in order; the same code for both engines' query types.
macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for bind in $binds {
            query = match bind {
                Bind::Int(value) => query.bind(*value),
                Bind::Text(value) => query.bind(value.clone()),
                Bind::Time(value) => query.bind(*value),
            };
        }
        query
    }};
}

impl TestDb {
    /// An empty database (no migrations, no reference data), for upgrade tests.
    pub async fn empty(engine: Engine) -> TestDb {
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("tempdir");
                let path = dir.path().join("civiforge.db");
                TestDb {
                    url: format!("sqlite://{}", path.display()),
                    _dir: Some(dir),
                }
            }
            Engine::Postgres => {
                let admin = postgres_admin_url();
                let name = unique_name("civiforge_empty");
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .expect("admin connection");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("create empty database");
                TestDb {
                    url: database_url(&admin, &name),
                    _dir: None,
                }
            }
        }
    }

    /// The engine this database runs on.
    pub fn engine(&self) -> Engine {
        if self.url.starts_with("sqlite:") {
            Engine::Sqlite
        } else {
            Engine::Postgres
        }
    }

    /// Runs one statement outside the store (to age a session, a claim, a job…) and returns
    /// the number of rows it changed.
    pub async fn execute(&self, sql: &str, binds: &[Bind]) -> u64 {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match self.engine() {
            Engine::Sqlite => {
                let options: sqlx::sqlite::SqliteConnectOptions =
                    self.url.parse().expect("sqlite url");
                let mut conn = sqlx::SqliteConnection::connect_with(
                    &options.busy_timeout(std::time::Duration::from_secs(10)),
                )
                .await
                .expect("connect");
                bind_all!(sqlx::query(sql), binds)
                    .execute(&mut conn)
                    .await
                    .expect("statement")
                    .rows_affected()
            }
            Engine::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&self.url)
                    .await
                    .expect("connect");
                bind_all!(sqlx::query(sql), binds)
                    .execute(&mut conn)
                    .await
                    .expect("statement")
                    .rows_affected()
            }
        }
    }

    /// Reads rows outside the store, to see what the store does not show.
    pub async fn fetch<T>(&self, sql: &str, binds: &[Bind]) -> Vec<T>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + Send
            + Unpin,
    {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match self.engine() {
            Engine::Sqlite => {
                let options: sqlx::sqlite::SqliteConnectOptions =
                    self.url.parse().expect("sqlite url");
                let mut conn = sqlx::SqliteConnection::connect_with(
                    &options.busy_timeout(std::time::Duration::from_secs(10)),
                )
                .await
                .expect("connect");
                bind_all!(sqlx::query_as::<_, T>(sql), binds)
                    .fetch_all(&mut conn)
                    .await
                    .expect("query")
            }
            Engine::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&self.url)
                    .await
                    .expect("connect");
                bind_all!(sqlx::query_as::<_, T>(sql), binds)
                    .fetch_all(&mut conn)
                    .await
                    .expect("query")
            }
        }
    }

    /// A fresh, migrated database with reference data.
    pub async fn new(engine: Engine) -> TestDb {
        match engine {
            Engine::Sqlite => {
                let template = sqlite_template();
                let dir = tempfile::tempdir().expect("tempdir");
                let path = dir.path().join("civiforge.db");
                std::fs::copy(template, &path).expect("copy template");
                TestDb {
                    url: format!("sqlite://{}", path.display()),
                    _dir: Some(dir),
                }
            }
            Engine::Postgres => {
                let template = postgres_template();
                let admin = postgres_admin_url();
                let name = unique_name("civiforge_test");
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .expect("admin connection");
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "CREATE DATABASE {name} TEMPLATE {template}"
                )))
                .execute(&mut conn)
                .await
                .expect("create test database");
                TestDb {
                    url: database_url(&admin, &name),
                    _dir: None,
                }
            }
        }
    }

    /// The store on this database, migrated and with reference data.
    pub async fn store(&self) -> Arc<dyn Store> {
        let store = civiforge::store::connect(&self.url).await.expect("connect");
        store.migrate().await.expect("migrate");
        civiforge::cli::ensure_reference_data(store.as_ref())
            .await
            .expect("reference data");
        store
    }
}

/// A test catalogue: a store and the app over it.
pub struct TestApp {
    pub store: Arc<dyn Store>,
    pub db: TestDb,
    pub search: Arc<civiforge::search::SearchService>,
    pub data_dir: tempfile::TempDir,
    pub state: AppState,
}

/// An HTTP response, read whole.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
    pub text: String,
    /// The body as sent, for downloads.
    pub bytes: axum::body::Bytes,
}

impl TestResponse {
    /// The error code of an error envelope.
    pub fn error_code(&self) -> &str {
        self.body["error"]["code"]
            .as_str()
            .unwrap_or("<no error code>")
    }
}

impl TestApp {
    pub async fn new(engine: Engine) -> TestApp {
        Self::with_policy(engine, RepositoryUrlPolicy::default()).await
    }

    pub async fn with_policy(engine: Engine, policy: RepositoryUrlPolicy) -> TestApp {
        Self::on(TestDb::new(engine).await, policy).await
    }

    /// The app over a database made elsewhere (an upgraded one, say), migrated here.
    pub async fn on(db: TestDb, policy: RepositoryUrlPolicy) -> TestApp {
        let store = db.store().await;
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("random");
        let key = civiforge::secrets::ServerKey::from_hex(&hex::encode(key)).expect("key");
        let data_dir = tempfile::tempdir().expect("data dir");
        let search = civiforge::search::SearchService::new(data_dir.path(), store.clone());
        search.open_or_rebuild().await.expect("search index");
        let state = AppState::new(store.clone(), policy, key, search.clone(), data_dir.path());
        TestApp {
            store,
            db,
            search,
            data_dir,
            state,
        }
    }

    /// Creates a user and returns a token for it.
    pub async fn user_token(&self, email: &str, name: &str) -> String {
        create_user(&self.store, email, name, "mot-de-passe-long", false)
            .await
            .expect("create user");
        create_token(&self.store, email, "tests", None)
            .await
            .expect("create token")
    }

    /// Creates an administrator (who moderates) and returns a token for it.
    pub async fn moderator_token(&self, email: &str) -> String {
        create_user(&self.store, email, "Modération", "mot-de-passe-long", true)
            .await
            .expect("moderator");
        create_token(&self.store, email, "tests", None)
            .await
            .expect("token")
    }

    /// Sends a request; `body` is sent as JSON when given.
    pub async fn request(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = match body {
            Some(json) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json.to_string())),
            None => builder.body(Body::empty()),
        }
        .expect("request");
        self.send(request).await
    }

    /// Sends a raw request.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = app(self.state.clone())
            .oneshot(request)
            .await
            .expect("infallible router");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024)
            .await
            .expect("body");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        TestResponse {
            status,
            headers,
            body,
            text,
            bytes,
        }
    }

    /// Serves the app on a loopback port, as `civiforge serve` does, for clients that speak
    /// HTTP themselves (git); answers its address, such as `http://127.0.0.1:41234`.
    pub async fn serve_http(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let router =
            app(self.state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, router).await });
        format!("http://{address}")
    }

    /// Brings the search index up to date with the database, as the follower would.
    pub async fn sync_search(&self) {
        self.search.sync().await.expect("search sync");
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.request("GET", uri, None, None).await
    }

    pub async fn post(&self, uri: &str, token: &str, body: Value) -> TestResponse {
        self.request("POST", uri, Some(token), Some(body)).await
    }

    /// Posts `body` and asserts that it created something (201); answers the response.
    pub async fn create(&self, uri: &str, token: &str, body: Value) -> TestResponse {
        let answer = self.post(uri, token, body).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{uri}: {}", answer.text);
        answer
    }
}

/// Runs each named `async fn(Engine)` as one test on SQLite and one on PostgreSQL.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::common::Engine::Sqlite).await
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::common::Engine::Postgres).await
                }
            )+
        }
    };
}

/// Creates an account as `civiforge admin create-user` does.
pub async fn create_user_with_roles(
    store: &Arc<dyn Store>,
    email: &str,
    name: &str,
    password: &str,
    is_admin: bool,
    is_moderator: bool,
) -> AppResult<User> {
    let domain = Domain::new(store.clone(), RepositoryUrlPolicy::default());
    let account = NewAccount {
        email: email.to_string(),
        name: name.to_string(),
        password: password.to_string(),
        is_admin,
        is_moderator,
    };
    domain
        .create_account(&Actor::command_line(None), account)
        .await
}

/// Creates an account without roles (administrators are moderators too).
pub async fn create_user(
    store: &Arc<dyn Store>,
    email: &str,
    name: &str,
    password: &str,
    is_admin: bool,
) -> AppResult<User> {
    create_user_with_roles(store, email, name, password, is_admin, is_admin).await
}

/// A token with the usual write scopes, as `civiforge admin create-token` makes it.
pub async fn create_token(
    store: &Arc<dyn Store>,
    email: &str,
    label: &str,
    expires_in_days: Option<u32>,
) -> AppResult<String> {
    let domain = Domain::new(store.clone(), RepositoryUrlPolicy::default());
    let owner = domain.account(email).await?;
    let issued = domain
        .create_token(
            &Actor::command_line(None),
            &owner,
            label,
            expires_in_days,
            Scope::DEFAULT,
        )
        .await?;
    Ok(issued.token)
}

/// A token with these scopes (by name, as on the command line).
pub async fn create_token_with_scopes(
    store: &Arc<dyn Store>,
    email: &str,
    label: &str,
    expires_in_days: Option<u32>,
    scopes: &[String],
) -> AppResult<String> {
    let scopes = civiforge::domain::accounts::scopes_named(scopes)?;
    let domain = Domain::new(store.clone(), RepositoryUrlPolicy::default());
    let owner = domain.account(email).await?;
    let issued = domain
        .create_token(
            &Actor::command_line(None),
            &owner,
            label,
            expires_in_days,
            &scopes,
        )
        .await?;
    Ok(issued.token)
}

/// A feed as a reader gets it: Atom, parsed.
pub async fn feed(app: &TestApp, path: &str) -> atom_syndication::Feed {
    let answer = app.get(path).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.text);
    assert_eq!(
        answer.headers["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    answer
        .text
        .parse()
        .unwrap_or_else(|e| panic!("{path} is no Atom feed ({e}): {}", answer.text))
}

pub fn entry_titles(feed: &atom_syndication::Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| e.title.as_str().to_string())
        .collect()
}

/// A new account, made a verified agent of `organisation` through the API: its claim filed,
/// then verified by the moderator whose token is given. Returns the account's token.
pub async fn verified_agent(
    app: &TestApp,
    moderator: &str,
    email: &str,
    organisation: &str,
) -> String {
    let token = app.user_token(email, email).await;
    let claim = app
        .post(
            "/api/v1/claims",
            &token,
            serde_json::json!({"organisation": organisation}),
        )
        .await;
    assert_eq!(claim.status, StatusCode::CREATED, "{}", claim.text);
    verify_claim(app, moderator, &claim.body).await;
    token
}

/// A moderator verifies a claim (as the API returned it).
pub async fn verify_claim(app: &TestApp, moderator: &str, claim: &Value) {
    let id = claim["id"].as_i64().expect("claim id");
    let decided = app
        .post(
            &format!("/api/v1/claims/{id}/decision"),
            moderator,
            serde_json::json!({"verified": true}),
        )
        .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.text);
}

/// Fetches and indexes a project now, as the worker would, its mirror kept under the app's
/// data directory (local repositories allowed).
pub async fn index_now(app: &TestApp, slug: &str) {
    let indexer = civiforge::indexing::IndexContext::new(
        app.store.clone(),
        app.data_dir.path().to_path_buf(),
        RepositoryUrlPolicy {
            allow_local: true,
            allow_private_networks: false,
        },
        civiforge_indexer::fetch::FetchLimits::default(),
    );
    let id = app
        .store
        .project_ids(&[slug.to_string()])
        .await
        .expect("ids")[0]
        .0;
    indexer.index_project(id).await.expect("index");
}

/// Asserts that a table (as [`html::Page::rows`] reads it) has this row.
pub fn assert_has_row(rows: &[Vec<String>], expected: &[&str]) {
    assert!(
        rows.iter().any(|row| row == expected),
        "no row {expected:?} in {rows:?}"
    );
}

/// Posts `body` and asserts it is refused with a 4xx of `code` whose text says `message`.
pub async fn assert_refused(
    app: &TestApp,
    uri: &str,
    token: &str,
    body: &Value,
    code: &str,
    message: &str,
) {
    let answer = app.post(uri, token, body.clone()).await;
    assert!(answer.status.is_client_error(), "{body}: {}", answer.text);
    assert_eq!(answer.error_code(), code, "{body}: {}", answer.text);
    assert!(answer.text.contains(message), "{body}: {}", answer.text);
}
