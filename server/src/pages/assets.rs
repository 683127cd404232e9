//! Static files under content-hashed names, `robots.txt` and the sitemap.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// The stylesheet and the script, cached for a year (its name changes with its content), with an ETag.
pub async fn static_file(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/static/{file}");
    let Some(css) = [&state.web.css, &state.web.js]
        .into_iter()
        .find(|asset| asset.path == path)
    else {
        return state.web.error(StatusCode::NOT_FOUND);
    };
    let cache = [
        (
            header::CACHE_CONTROL,
            "public, max-age=31536000, immutable".to_string(),
        ),
        (header::ETAG, css.etag.clone()),
    ];
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(css.etag.as_str())
    {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (cache, [(header::CONTENT_TYPE, css.content_type)], css.body).into_response()
}

pub async fn robots() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "User-agent: *\nDisallow: /api/\nDisallow: /connexion\nDisallow: /inscription\nSitemap: /plan-du-site.xml\n",
    )
}

/// Every public page worth indexing by search engines.
pub async fn sitemap(State(state): State<AppState>) -> Response {
    let Ok(ids) = state.store.project_ids(&[]).await else {
        return state.web.error(StatusCode::SERVICE_UNAVAILABLE);
    };
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n<url><loc>/</loc></url>\n",
    );
    for category in crate::categories::CATEGORIES {
        xml.push_str(&format!(
            "<url><loc>/categories/{}</loc></url>\n",
            category.slug
        ));
    }
    for (_, slug) in ids {
        xml.push_str(&format!("<url><loc>/projets/{slug}</loc></url>\n"));
    }
    xml.push_str("</urlset>\n");
    (
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        xml,
    )
        .into_response()
}
