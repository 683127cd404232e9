//! Request counters and latencies for `/metrics`, by route template (and status for the
//! counters). A latency is the time to the response's headers: a clone or an archive streams
//! on after it.

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;

/// Requests served since start, by (method, route, status).
#[derive(Debug, Default)]
pub struct HttpMetrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    durations: crate::telemetry::HistogramFamily,
}

impl HttpMetrics {
    fn record(&self, method: &str, route: &str, status: u16, took: std::time::Duration) {
        self.durations
            .observe(format!("method=\"{method}\",route=\"{route}\""), took);
        // A poisoned lock only means a panic elsewhere mid-increment; counting goes on.
        let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        *requests
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
    }

    /// The counters in Prometheus text format.
    pub fn render(&self, out: &mut String) {
        use std::fmt::Write;
        out.push_str("# HELP civiforge_http_requests_total HTTP requests served.\n");
        out.push_str("# TYPE civiforge_http_requests_total counter\n");
        let requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        for ((method, route, status), count) in requests.iter() {
            let _ = writeln!(
                out,
                "civiforge_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {count}"
            );
        }
        drop(requests);
        self.durations.render(
            out,
            "civiforge_http_request_duration_seconds",
            "Time to the response's headers, by route.",
        );
    }
}

/// Middleware: counts each request under its route template (never the raw path, whose
/// values are unbounded).
pub async fn count_requests(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().as_str().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    state.metrics.record(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}
