//! Health and metrics, for load balancers and Prometheus.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;

use crate::state::AppState;

/// 200 when the database takes a write, 503 otherwise (locked, disk full, read-only,
/// unreachable): an instance that can only read cannot serve sign-ins or declarations.
#[utoipa::path(get, path = "/healthz", tag = "système",
    responses((status = 200, description = "la base répond et accepte les écritures"), (status = 503, description = "la base ne répond pas ou refuse les écritures")))]
pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.check_writable().await {
        Ok(()) => (StatusCode::OK, Json(json!({"status": "ok"}))),
        Err(error) => {
            tracing::warn!(%error, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable"})),
            )
        }
    }
}

/// 200 when the database answers and the search index is on disk, followed without error
/// and caught up, else 503 saying which.
#[utoipa::path(get, path = "/readyz", tag = "système",
    responses((status = 200, description = "prêt"), (status = 503, description = "pas encore prêt")))]
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let database = state.store.ping().await.is_ok();
    let search = state.search.state();
    let status = if database && search == crate::search::SearchState::Ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if status == StatusCode::OK { "ready" } else { "not_ready" },
        "database": if database { "ok" } else { "unavailable" },
        "search": search.as_str(),
    });
    (status, Json(body))
}

/// One gauge in Prometheus text format, with its help line.
fn gauge(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    use std::fmt::Write;
    let _ = write!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n"
    );
}

/// What an operator watches beside the catalogue's figures: the job queue's age, the search
/// index's lag behind the database, the connection pool.
async fn operations(state: &AppState, out: &mut String) {
    use std::fmt::Write;
    let now = chrono::Utc::now();
    if let Ok(queue) = state.store.queue_status(now).await {
        let waited = queue
            .oldest_due_since
            .map_or(0.0, |since| (now - since).as_seconds_f64().max(0.0));
        gauge(
            out,
            "civiforge_jobs_running",
            "Indexing jobs a worker holds.",
            queue.running,
        );
        gauge(
            out,
            "civiforge_jobs_oldest_due_seconds",
            "How long the oldest job due has waited (0: none waits).",
            waited,
        );
    }
    if let Ok(last) = state.store.last_change_id().await {
        let lag = (last - state.search.applied_change()).max(0);
        gauge(
            out,
            "civiforge_search_lag_changes",
            "Changes of the database not yet in this instance's search index.",
            lag,
        );
    }
    let (open, idle, max) = state.store.pool_usage();
    let _ = write!(
        out,
        "# HELP civiforge_database_connections Connections of this process's pool, by state.\n# TYPE civiforge_database_connections gauge\nciviforge_database_connections{{state=\"in_use\"}} {}\nciviforge_database_connections{{state=\"idle\"}} {idle}\n",
        open.saturating_sub(idle)
    );
    gauge(
        out,
        "civiforge_database_connections_max",
        "Most connections the pool opens.",
        max,
    );
}

/// Prometheus text format: catalogue figures, job queue, HTTP requests.
#[utoipa::path(get, path = "/metrics", tag = "système",
    responses((status = 200, description = "format texte Prometheus", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    use std::fmt::Write;
    let mut out = String::new();
    match state.store.counts().await {
        Ok(counts) => {
            let gauges = [
                (
                    "civiforge_projects",
                    "Projects in the catalogue.",
                    counts.projects,
                ),
                (
                    "civiforge_organisations",
                    "Known organisations.",
                    counts.organisations,
                ),
                (
                    "civiforge_adoptions",
                    "Declared uses in progress.",
                    counts.adoptions,
                ),
                (
                    "civiforge_adopting_organisations",
                    "Organisations using at least one project.",
                    counts.adopting_organisations,
                ),
                ("civiforge_users", "User accounts.", counts.users),
                (
                    "civiforge_jobs_queued",
                    "Indexing jobs waiting.",
                    counts.jobs_queued,
                ),
                (
                    "civiforge_jobs_failed",
                    "Indexing jobs that failed.",
                    counts.jobs_failed,
                ),
            ];
            for (name, help, value) in gauges {
                gauge(&mut out, name, help, value);
            }
            out.push_str("# HELP civiforge_database_up Whether the database answers.\n# TYPE civiforge_database_up gauge\nciviforge_database_up 1\n");
        }
        Err(error) => {
            tracing::warn!(%error, "metrics: database unavailable");
            out.push_str("# HELP civiforge_database_up Whether the database answers.\n# TYPE civiforge_database_up gauge\nciviforge_database_up 0\n");
        }
    }
    let _ = write!(
        out,
        "# HELP civiforge_search_documents Projects in this instance's search index.\n# TYPE civiforge_search_documents gauge\nciviforge_search_documents {}\n# HELP civiforge_search_ready Whether the search index has caught up.\n# TYPE civiforge_search_ready gauge\nciviforge_search_ready {}\n",
        state.search.documents(),
        u8::from(state.search.is_ready())
    );
    let (repositories, bytes) = state.forge.usage().await;
    let _ = write!(
        out,
        "# HELP civiforge_repositories Repositories kept (mirrors and hosted), measured every 5 minutes.\n# TYPE civiforge_repositories gauge\nciviforge_repositories {repositories}\n# HELP civiforge_repositories_bytes Their size on disk.\n# TYPE civiforge_repositories_bytes gauge\nciviforge_repositories_bytes {bytes}\n"
    );
    operations(&state, &mut out).await;
    state.metrics.render(&mut out);
    state.fetches.render(&mut out);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
}
