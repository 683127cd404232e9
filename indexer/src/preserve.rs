//! What a fetch must not lose: a mirror keeps every commit its upstream ever published. The
//! mirror's branches and tags are read before a fetch; after it, a tag the upstream removed or
//! moved, and a branch it deleted or rewrote (a new head that does not descend from the old
//! one), keep their old target under civiforge's own refs, which no upstream writes:
//! `refs/civiforge/withdrawn-tags/<tag>`, `refs/civiforge/replaced-tags/<old id>/<tag>` and
//! `refs/civiforge/previous-heads/<old id>/<branch>`. Clones from civiforge get the upstream's
//! refs as usual; `git clone --mirror` gets these as well.

use git2::{Oid, Repository};

pub const WITHDRAWN_TAGS: &str = "refs/civiforge/withdrawn-tags/";
pub const REPLACED_TAGS: &str = "refs/civiforge/replaced-tags/";
pub const PREVIOUS_HEADS: &str = "refs/civiforge/previous-heads/";

/// One old target kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// The upstream's ref, such as `refs/tags/4.2.0`.
    pub published: String,
    /// Where its old target is kept.
    pub kept_as: String,
}

/// The mirror's branches and tags with their targets.
pub fn published_refs(repo: &Repository) -> Vec<(String, Oid)> {
    let Ok(references) = repo.references() else {
        return Vec::new();
    };
    references
        .flatten()
        .filter_map(|reference| Some((reference.name().ok()?.to_string(), reference.target()?)))
        .filter(|(name, _)| name.starts_with("refs/heads/") || name.starts_with("refs/tags/"))
        .collect()
}

/// Keeps the old target of every ref in `before` that the fetch removed or rewrote.
pub fn keep_what_went(
    repo: &Repository,
    before: &[(String, Oid)],
) -> Result<Vec<Kept>, git2::Error> {
    let mut kept = Vec::new();
    for (name, old) in before {
        let now = repo.refname_to_id(name).ok();
        if now == Some(*old) {
            continue;
        }
        let kept_as = if let Some(tag) = name.strip_prefix("refs/tags/") {
            match now {
                None => format!("{WITHDRAWN_TAGS}{tag}"),
                Some(_) => format!("{REPLACED_TAGS}{old}/{tag}"),
            }
        } else if let Some(branch) = name.strip_prefix("refs/heads/") {
            let fast_forward =
                now.is_some_and(|new| repo.graph_descendant_of(new, *old).unwrap_or(false));
            if fast_forward {
                continue;
            }
            format!("{PREVIOUS_HEADS}{old}/{branch}")
        } else {
            continue;
        };
        repo.reference(&kept_as, *old, true, "civiforge: kept from upstream")?;
        kept.push(Kept {
            published: name.clone(),
            kept_as,
        });
    }
    Ok(kept)
}

/// A branch head the upstream rewrote or deleted, kept under [`PREVIOUS_HEADS`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PreviousHead {
    /// The branch, such as `main`.
    pub branch: String,
    /// Its old head.
    pub commit: String,
    /// The civiforge ref to fetch it by.
    pub kept_as: String,
    /// When the old head was committed, in seconds since the epoch.
    pub committed_at: i64,
}

/// Most previous heads listed: a branch rewritten on every push would otherwise make the
/// list as long as its history.
pub const MAX_PREVIOUS_HEADS_LISTED: usize = 100;

/// The branch heads kept in `repo`, the most recently committed first.
pub fn previous_heads(repo: &Repository) -> Vec<PreviousHead> {
    let Ok(references) = repo.references_glob(&format!("{PREVIOUS_HEADS}*")) else {
        return Vec::new();
    };
    let mut heads: Vec<PreviousHead> = references
        .flatten()
        .filter_map(|reference| {
            let kept_as = reference.name().ok()?.to_string();
            let (commit, branch) = kept_as.strip_prefix(PREVIOUS_HEADS)?.split_once('/')?;
            let target = reference.target()?;
            let committed_at = repo.find_commit(target).ok()?.time().seconds();
            Some(PreviousHead {
                branch: branch.to_string(),
                commit: commit.to_string(),
                kept_as: kept_as.clone(),
                committed_at,
            })
        })
        .collect();
    heads.sort_by(|a, b| {
        b.committed_at
            .cmp(&a.committed_at)
            .then(a.branch.cmp(&b.branch))
    });
    heads.truncate(MAX_PREVIOUS_HEADS_LISTED);
    heads
}

/// [`previous_heads`] of the bare repository at `path`; none when it cannot be opened.
pub fn previous_heads_at(path: &std::path::Path) -> Vec<PreviousHead> {
    Repository::open_bare(path)
        .map(|repo| previous_heads(&repo))
        .unwrap_or_default()
}
