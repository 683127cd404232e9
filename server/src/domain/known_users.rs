//! Known users: the organisations a project says use it. Its repository's publiccode.yml
//! `usedBy` feeds the list at each indexing; maintainers keep a list of their own. An
//! organisation that also declares the use makes it confirmed.

use serde_json::json;

use super::{Actor, AppError, AppResult, Domain, shorten};
use crate::model::{AuditAction, Entity, KnownUser, Project, Scope};

/// Most organisations a maintainers' list may hold.
pub const MAX_KNOWN_USERS: usize = 500;

impl Domain {
    /// Replaces the maintainers' list of a project's known users, for its maintainers and
    /// moderators; unknown ids refuse the whole list.
    pub async fn set_known_users(
        &self,
        actor: &Actor,
        slug: &str,
        organisations: &[String],
    ) -> AppResult<()> {
        actor.require(Scope::ProjectsWrite)?;
        self.require_maintainer(actor, slug).await?;
        if organisations.len() > MAX_KNOWN_USERS {
            return Err(AppError::refused(
                "too_many",
                "organisations",
                format!("au plus {MAX_KNOWN_USERS} organisations"),
            ));
        }
        let mut resolved: Vec<(String, String)> = Vec::new();
        let mut unknown = Vec::new();
        for id in organisations {
            match self.store.organisation(id.trim()).await? {
                Some(organisation) => {
                    if !resolved.iter().any(|(known, _)| *known == organisation.id) {
                        resolved.push((organisation.id, organisation.name));
                    }
                }
                None => unknown.push(shorten(id)),
            }
        }
        if !unknown.is_empty() {
            return Err(AppError::unknown(
                Entity::Organisation,
                "organisations",
                format!(
                    "organisations inconnues : {} ; les identifiants sont de la forme commune-13047",
                    unknown.join(", ")
                ),
            ));
        }
        let ids: Vec<&str> = resolved.iter().map(|(id, _)| id.as_str()).collect();
        let audit = actor.audit(
            AuditAction::ProjectKnownUsers,
            slug,
            Some(json!({"organisations": ids})),
        );
        self.store
            .set_known_users(slug, &resolved, chrono::Utc::now(), &audit)
            .await?;
        Ok(())
    }
}

/// The `usedBy` names that did not resolve to an organisation.
pub fn unresolved_names(project: &Project, items: &[KnownUser]) -> Vec<String> {
    let Some(names) = project
        .publiccode
        .as_ref()
        .and_then(|publiccode| publiccode.get("usedBy"))
        .and_then(|names| names.as_array())
    else {
        return Vec::new();
    };
    names
        .iter()
        .filter_map(|name| name.as_str())
        .filter(|name| {
            !items
                .iter()
                .any(|known| known.source == "publiccode" && known.label == *name)
        })
        .map(str::to_string)
        .collect()
}
