//! The forge's rules: whose repository a git client may read.

use super::{AppError, AppResult, Domain, shorten};
use crate::model::Entity;

impl Domain {
    /// The id of the project whose repository a client asks for by `slug`: every visible
    /// project's repository is public, like its page; a hidden one is unknown.
    pub async fn readable_repository(&self, slug: &str) -> AppResult<i64> {
        if !crate::text::is_slug(slug) {
            return Err(super::projects::unknown_project(slug));
        }
        self.store
            .visible_project_id(slug)
            .await?
            .ok_or_else(|| super::projects::unknown_project(slug))
    }

    /// The project's id and the commit of its version `version`, for its release archive:
    /// a visible project's known version, whose commit is known.
    pub async fn archive_target(&self, slug: &str, version: &str) -> AppResult<(i64, String)> {
        if !crate::text::is_slug(slug) {
            return Err(super::projects::unknown_project(slug));
        }
        match self.store.version_commit(slug, version).await? {
            Some((project_id, Some(commit))) => Ok((project_id, commit)),
            _ => Err(AppError::not_found(
                Entity::Version,
                format!(
                    "aucune version « {} » du projet « {} »",
                    shorten(version),
                    shorten(slug)
                ),
            )),
        }
    }
}
