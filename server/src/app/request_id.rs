//! Every request gets an id, in `X-Request-Id` both ways: the proxy's when it sent a
//! well-formed one (nginx's `$request_id`), else a new one. The request's tracing span carries
//! it, so that every log line of the request names it, and the response gives it back for a
//! user to quote when something went wrong.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// An id from outside is kept when it is short and plain: it goes into every log line.
fn acceptable(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    (1..=64).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(b))
}

fn new_id() -> HeaderValue {
    let mut bytes = [0u8; 8];
    // Without randomness the id is only less unique: the request goes on.
    let _ = getrandom::fill(&mut bytes);
    HeaderValue::from_str(&hex::encode(bytes)).unwrap_or_else(|_| HeaderValue::from_static("0"))
}

/// Middleware, outside the tracing layer: sets the id before the span is made.
pub async fn assign(mut request: Request, next: Next) -> Response {
    let id = match request.headers().get(&REQUEST_ID) {
        Some(given) if acceptable(given) => given.clone(),
        _ => new_id(),
    };
    request.headers_mut().insert(REQUEST_ID, id.clone());
    let mut response = next.run(request).await;
    response.headers_mut().insert(REQUEST_ID, id);
    response
}

/// The request's span: its id, method and path (never the query, which may hold a token).
pub fn span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        path = %request.uri().path(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_short_ids_are_kept() {
        for kept in ["a1b2c3", "3f9e-21_x.y", &"a".repeat(64)] {
            assert!(
                acceptable(&HeaderValue::from_str(kept).expect("value")),
                "{kept}"
            );
        }
        for refused in ["", "a b", "x\"y", "é", &"a".repeat(65)] {
            let value = HeaderValue::from_bytes(refused.as_bytes());
            assert!(value.map(|v| !acceptable(&v)).unwrap_or(true), "{refused}");
        }
        assert_eq!(new_id().len(), 16);
    }
}
