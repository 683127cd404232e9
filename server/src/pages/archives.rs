//! `/projets/{slug}/archive/{version}.tar.gz` (and `.zip`): a version's release archive,
//! built from civiforge's copy of the repository on first request, then served from the cache
//! with the same bytes, its SHA-256 as its `ETag`.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::documents::Download;
use super::session::PagePath;
use crate::forge::releases::{Release, archive_prefix};
use crate::model::ArchiveFormat;
use crate::state::AppState;

pub async fn archive(
    State(state): State<AppState>,
    PagePath((slug, file)): PagePath<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some((version, format)) = ArchiveFormat::split_file_name(&file) else {
        return state.web.error(StatusCode::NOT_FOUND);
    };
    let (project_id, commit) = match state.domain.archive_target(&slug, version).await {
        Ok(target) => target,
        Err(error) => return state.web.refusal(&error),
    };
    let forge = &state.forge;
    if !forge.repositories.exists(project_id) {
        return state.web.error(StatusCode::NOT_FOUND);
    }
    let release = Release {
        project_id,
        slug: &slug,
        version,
        commit: &commit,
        format,
    };
    let archive = match forge.releases.obtain(state.store.as_ref(), &release).await {
        Ok(archive) => archive,
        Err(error) => {
            tracing::error!(project = %slug, version, %error, "release archive failed");
            return state.web.error(StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    let etag = format!("\"{}\"", archive.sha256);
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|seen| seen.as_bytes() == etag.as_bytes())
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let opened = match tokio::fs::File::open(&archive.path).await {
        Ok(opened) => opened,
        // Evicted between the build and now: the next request builds it again.
        Err(_) => return state.web.error(StatusCode::SERVICE_UNAVAILABLE),
    };
    Download {
        media_type: HeaderValue::from_static(format.media_type()),
        size: archive.size,
        filename: &format!("{}.{}", archive_prefix(&slug, version), format.extension()),
        sha256: &archive.sha256,
        cache_control: "public, max-age=3600",
    }
    .response(opened)
}
