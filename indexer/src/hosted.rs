//! Repositories that live on civiforge: pushed to by their maintainers, never fetched. A new
//! one is made empty (its `HEAD` on `main`), or imported once from another address with every
//! check and limit of a fetch; it is then read where it is, its refs' digest telling whether
//! anything changed since the last snapshot.

use std::path::Path;

use chrono::{DateTime, Utc};
use git2::Repository;

use crate::fetch::{FetchError, FetchLimits, fetch_mirror};
use crate::snapshot::{IndexOutcome, extract_snapshot};
use crate::url_policy::RepositoryUrlPolicy;

/// Where a new hosted repository's content comes from, once.
#[derive(Debug, Clone, Copy)]
pub struct Import<'a> {
    pub url: &'a str,
    pub policy: &'a RepositoryUrlPolicy,
    pub limits: &'a FetchLimits,
}

/// Reads the hosted repository at `repository`, made first when missing. `home` is its
/// address on civiforge, for the README's links.
pub fn index_hosted(
    repository: &Path,
    home: &str,
    import: Option<Import<'_>>,
    previous_digest: Option<&str>,
    now: DateTime<Utc>,
) -> Result<IndexOutcome, FetchError> {
    if !repository.join("HEAD").is_file() {
        match import {
            Some(import) => {
                // Into a folder beside it first: a failed import leaves no repository that
                // would count as imported.
                let staging = repository.with_extension("importing");
                let _ = std::fs::remove_dir_all(&staging);
                let fetched =
                    fetch_mirror(import.url, &staging, import.policy, import.limits, None);
                if let Err(error) = fetched {
                    let _ = std::fs::remove_dir_all(&staging);
                    return Err(error);
                }
                std::fs::rename(&staging, repository)?;
            }
            None => create_empty(repository)?,
        }
    }
    let repo = Repository::open_bare(repository).map_err(git_error)?;
    point_head_at_a_branch(&repo)?;
    let digest = crate::fetch::local_refs_digest(&repo);
    if previous_digest == Some(digest.as_str()) {
        return Ok(IndexOutcome::Unchanged {
            refs_digest: digest,
        });
    }
    let mut snapshot = extract_snapshot(&repo, home, None, now);
    snapshot.refs_digest = digest;
    Ok(IndexOutcome::Indexed(Box::new(snapshot)))
}

/// Makes an empty hosted repository, its `HEAD` on `main`, unless one is there already. It is
/// made beside its place and renamed into it, so that two processes making it at once (the
/// worker and a first push) leave one whole repository.
pub fn create_empty(repository: &Path) -> Result<(), FetchError> {
    if repository.join("HEAD").is_file() {
        return Ok(());
    }
    static MADE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let attempt = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let staging = repository.with_extension(format!("new-{}-{attempt}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let repo = crate::fetch::open_or_init_mirror(&staging)?;
    repo.set_head("refs/heads/main").map_err(git_error)?;
    drop(repo);
    if std::fs::rename(&staging, repository).is_err() {
        // Made meanwhile by the other: keep theirs.
        let _ = std::fs::remove_dir_all(&staging);
        if !repository.join("HEAD").is_file() {
            return Err(FetchError::Git(format!(
                "le dépôt {} n'a pas pu être créé",
                repository.display()
            )));
        }
    }
    Ok(())
}

/// A first push of `master` (or any one branch) to a repository made on `main`: `HEAD`
/// follows it, so that clones check it out.
fn point_head_at_a_branch(repo: &Repository) -> Result<(), FetchError> {
    if repo.head().is_ok() {
        return Ok(());
    }
    let branches: Vec<String> = repo
        .references_glob("refs/heads/*")
        .map_err(git_error)?
        .flatten()
        .filter_map(|r| r.name().ok().map(str::to_string))
        .collect();
    let preferred = ["refs/heads/main", "refs/heads/master"]
        .into_iter()
        .find(|name| branches.iter().any(|b| b == name))
        .map(str::to_string)
        .or_else(|| branches.first().cloned());
    if let Some(branch) = preferred {
        repo.set_head(&branch).map_err(git_error)?;
    }
    Ok(())
}

fn git_error(error: git2::Error) -> FetchError {
    FetchError::Git(error.message().to_string())
}
