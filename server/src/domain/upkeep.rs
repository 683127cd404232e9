//! Upkeep run when the service starts, after the migrations: data that an older civiforge
//! stored and that today's rules would write otherwise.

use std::collections::HashMap;

use civiforge_indexer::RepositoryUrlPolicy;
use serde_json::json;

use super::{Actor, AppResult};
use crate::model::AuditAction;
use crate::store::Store;

/// What [`canonicalise_stored_repositories`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Canonicalised {
    /// (slug, old spelling, canonical spelling) of each project rewritten.
    pub rewritten: Vec<(String, String, String)>,
    /// Projects that hold one repository under several spellings, left for a moderator
    /// (which one to keep is theirs to decide), in French.
    pub duplicates: Vec<String>,
}

/// Rewrites the repository URLs stored before canonicalisation (`/x.git/`, `?tab=…`,
/// `:443`, `//`…) in the spelling registration stores today, so that the uniqueness check
/// sees them. Projects that turn out to hold the same repository are left as they are and
/// reported. Running it again changes nothing.
pub async fn canonicalise_stored_repositories(store: &dyn Store) -> AppResult<Canonicalised> {
    // Only the spelling changes: what the instance allows was checked when each URL was
    // registered (and is checked again at every fetch).
    let policy = RepositoryUrlPolicy {
        allow_local: true,
        allow_private_networks: true,
    };
    let projects = store.repository_urls().await?;
    let located: Vec<_> = projects
        .into_iter()
        .filter_map(|(slug, url)| {
            let location = policy.check(&url).ok()?;
            Some((slug, url, location))
        })
        .collect();
    let mut holder: HashMap<String, &str> = HashMap::new();
    let mut report = Canonicalised::default();
    let mut shared = Vec::new();
    for (slug, _, location) in &located {
        for spelling in location.spellings() {
            match holder.get(&spelling) {
                Some(first) if first != slug => shared.push((first.to_string(), slug.clone())),
                Some(_) => {}
                None => {
                    holder.insert(spelling, slug);
                }
            }
        }
    }
    shared.dedup();
    let involved: std::collections::HashSet<&str> = shared
        .iter()
        .flat_map(|(a, b)| [a.as_str(), b.as_str()])
        .collect();
    for (first, second) in &shared {
        report.duplicates.push(format!(
            "les projets « {first} » et « {second} » désignent le même dépôt : à fusionner"
        ));
    }
    let actor = Actor::command_line(None);
    for (slug, url, location) in &located {
        let canonical = location.as_string();
        if canonical == *url || involved.contains(slug.as_str()) {
            continue;
        }
        let audit = actor.audit(
            AuditAction::ProjectRepositoryCanonical,
            slug,
            Some(json!({"from": url, "to": canonical})),
        );
        if store.set_repository_url(slug, &canonical, &audit).await? {
            report
                .rewritten
                .push((slug.clone(), url.clone(), canonical));
        }
    }
    Ok(report)
}
