//! The forge's rules: whose repository a git client may read.

use super::{AppResult, Domain};

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
}
