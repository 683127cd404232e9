//! A repository's structured snapshot: versions, README, publiccode.yml, licence, activity.
//! Extraction reads git objects only and never aborts on one bad object: what cannot be read
//! is reported in `problems` and the rest is kept.

use std::path::Path;

use chrono::{DateTime, Utc};
use git2::Repository;
use serde::Serialize;

use crate::activity::{self, Activity};
use crate::fetch::{FetchError, FetchLimits, fetch_mirror};
use crate::licence::{detect_licence, is_licence_file, is_spdx_expression};
use crate::publiccode::{MAX_PUBLICCODE_BYTES, PublicCodeReport, parse_publiccode};
use crate::readme::{LinkBase, MAX_README_BYTES, RenderedReadme, choose_readme, render_readme};
use crate::tags::{RawTag, read_tags_reporting};
use crate::tree::{FileRead, file_sizes, read_root_file, root_entries};
use crate::url_policy::RepositoryUrlPolicy;
use crate::versions::{compare_versions, parse_version_tag};

/// Largest licence file read.
const MAX_LICENCE_BYTES: usize = 256 * 1024;
/// Most files counted for the languages figure.
const MAX_TREE_ENTRIES: usize = 200_000;

/// One version, from a tag.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotVersion {
    pub name: String,
    /// Normalised semantic version, or None for tags that are not versions.
    pub semver: Option<String>,
    /// A release that may be shown as the latest version.
    pub is_release: bool,
    /// The release date: the tagger date of an annotated tag, else the commit date.
    pub date: Option<DateTime<Utc>>,
    pub commit_date: Option<DateTime<Utc>>,
    pub tagger_date: Option<DateTime<Utc>>,
    pub commit: Option<String>,
}

/// Everything civiforge keeps from one repository.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepositorySnapshot {
    pub refs_digest: String,
    pub default_branch: Option<String>,
    pub head_commit: Option<String>,
    /// Newest first.
    pub versions: Vec<SnapshotVersion>,
    pub readme: Option<RenderedReadme>,
    pub publiccode: Option<PublicCodeReport>,
    /// SPDX expression, from publiccode.yml when valid there, else detected from a licence file.
    pub licence: Option<String>,
    pub activity: Activity,
    /// Main languages and their share of code bytes.
    pub languages: Vec<(String, f64)>,
    /// What could not be read, for maintainers, in French.
    pub problems: Vec<String>,
}

/// What indexing a repository gave.
#[derive(Debug, Clone, PartialEq)]
pub enum IndexOutcome {
    /// The refs did not change since `previous_digest`: nothing extracted.
    Unchanged {
        refs_digest: String,
    },
    Indexed(Box<RepositorySnapshot>),
}

/// Fetches the repository into its mirror and extracts a snapshot unless its refs are
/// unchanged. Blocking: run it off the async executor.
pub fn index_repository(
    repository_url: &str,
    mirror: &Path,
    policy: &RepositoryUrlPolicy,
    limits: &FetchLimits,
    previous_digest: Option<&str>,
    now: DateTime<Utc>,
) -> Result<IndexOutcome, FetchError> {
    let fetched = fetch_mirror(repository_url, mirror, policy, limits, previous_digest)?;
    if !fetched.changed {
        return Ok(IndexOutcome::Unchanged {
            refs_digest: fetched.refs_digest,
        });
    }
    let repo =
        Repository::open_bare(mirror).map_err(|e| FetchError::Git(e.message().to_string()))?;
    let mut snapshot = extract_snapshot(
        &repo,
        repository_url,
        fetched.default_branch.as_deref(),
        now,
    );
    snapshot.refs_digest = fetched.refs_digest;
    Ok(IndexOutcome::Indexed(Box::new(snapshot)))
}

/// Extracts a snapshot from a mirror (pure with respect to the network).
pub fn extract_snapshot(
    repo: &Repository,
    repository_url: &str,
    default_branch: Option<&str>,
    now: DateTime<Utc>,
) -> RepositorySnapshot {
    let mut problems = Vec::new();
    let (tags, tag_problems) = read_tags_reporting(repo);
    problems.extend(tag_problems);
    let versions = versions_from_tags(tags);
    let head = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let branch = default_branch.map(str::to_string).or_else(|| {
        repo.head()
            .ok()
            .and_then(|h| h.shorthand().ok().map(str::to_string))
    });
    let mut snapshot = RepositorySnapshot {
        refs_digest: String::new(),
        default_branch: branch.clone(),
        head_commit: head.as_ref().map(|c| c.id().to_string()),
        versions,
        readme: None,
        publiccode: None,
        licence: None,
        activity: Activity::default(),
        languages: Vec::new(),
        problems: Vec::new(),
    };
    let Some(head) = head else {
        problems.push("le dépôt n'a pas de branche par défaut lisible (dépôt vide ?)".to_string());
        snapshot.problems = problems;
        return snapshot;
    };
    snapshot.activity = activity::read_activity(repo, head.id(), now);
    let Ok(tree) = head.tree() else {
        problems.push("l'arborescence du dernier commit est illisible".to_string());
        snapshot.problems = problems;
        return snapshot;
    };
    let entries = root_entries(&tree);
    let names: Vec<&str> = entries.iter().map(|(name, _)| name.as_str()).collect();

    if let Some(name) = choose_readme(&names) {
        // Read a little more than the renderer keeps, so that it can say it cut the text.
        match read_root_file(repo, &tree, name, MAX_README_BYTES * 4) {
            FileRead::Content(bytes) => {
                let links = branch
                    .as_deref()
                    .and_then(|b| LinkBase::for_repository(repository_url, b));
                snapshot.readme = Some(render_readme(name, &bytes, links.as_ref()));
            }
            other => problems.push(unreadable(name, &other)),
        }
    }

    let publiccode_name = ["publiccode.yml", "publiccode.yaml"]
        .into_iter()
        .find(|candidate| names.contains(candidate));
    if let Some(name) = publiccode_name {
        match read_root_file(repo, &tree, name, MAX_PUBLICCODE_BYTES + 1) {
            FileRead::Content(bytes) => snapshot.publiccode = Some(parse_publiccode(&bytes)),
            other => problems.push(unreadable(name, &other)),
        }
    }

    snapshot.licence = licence_from_publiccode(snapshot.publiccode.as_ref()).or_else(|| {
        entries
            .iter()
            .filter(|(name, is_file)| *is_file && is_licence_file(name))
            .find_map(
                |(name, _)| match read_root_file(repo, &tree, name, MAX_LICENCE_BYTES) {
                    FileRead::Content(bytes) => {
                        detect_licence(&String::from_utf8_lossy(&bytes)).map(str::to_string)
                    }
                    _ => None,
                },
            )
    });

    snapshot.languages = activity::main_languages(&file_sizes(repo, &tree, MAX_TREE_ENTRIES));
    snapshot.problems = problems;
    snapshot
}

fn licence_from_publiccode(report: Option<&PublicCodeReport>) -> Option<String> {
    let licence = report?
        .publiccode
        .as_ref()?
        .legal
        .as_ref()?
        .license
        .clone()?;
    is_spdx_expression(&licence).then_some(licence)
}

fn unreadable(name: &str, read: &FileRead) -> String {
    match read {
        FileRead::Symlink => format!("{name} est un lien symbolique : il n'est pas suivi"),
        FileRead::TooLarge { size } => format!("{name} est trop gros ({size} octets) : ignoré"),
        FileRead::Missing => format!("{name} est absent du miroir (objet git manquant)"),
        FileRead::NotAFile | FileRead::Content(_) => format!("{name} n'est pas un fichier"),
    }
}

/// Tags become versions, newest first.
fn versions_from_tags(tags: Vec<RawTag>) -> Vec<SnapshotVersion> {
    let mut versions: Vec<(crate::versions::VersionName, SnapshotVersion)> = tags
        .into_iter()
        .map(|tag| {
            let date = tag.tagger_date.or(tag.commit_date);
            let parsed = parse_version_tag(&tag.name);
            let parsed = match date {
                Some(date) => parsed.with_date(date),
                None => parsed,
            };
            let version = SnapshotVersion {
                name: tag.name,
                semver: parsed.semver.clone(),
                is_release: parsed.is_release,
                date,
                commit_date: tag.commit_date,
                tagger_date: tag.tagger_date,
                commit: tag.commit,
            };
            (parsed, version)
        })
        .collect();
    versions.sort_by(|(a, va), (b, vb)| {
        compare_versions(a, b)
            .then_with(|| vb.date.cmp(&va.date))
            .then_with(|| va.name.cmp(&vb.name))
    });
    versions.into_iter().map(|(_, v)| v).collect()
}
