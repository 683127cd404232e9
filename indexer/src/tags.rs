//! Tags of a mirror, annotated or lightweight, with the commit they name and its dates.

use chrono::{DateTime, TimeZone, Utc};
use git2::{ObjectType, Repository};

/// One tag as git has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawTag {
    pub name: String,
    /// The commit the tag points to (through any chain of annotated tags).
    pub commit: Option<String>,
    pub commit_date: Option<DateTime<Utc>>,
    /// When the tag itself was made, for annotated tags.
    pub tagger_date: Option<DateTime<Utc>>,
}

/// Most tags read from one repository.
pub const MAX_TAGS: usize = 20_000;

/// Every tag of the repository; a tag whose objects are missing is kept without dates.
pub fn read_tags(repo: &Repository) -> Vec<RawTag> {
    read_tags_reporting(repo).0
}

/// Every tag of the repository, and in French each tag left out: one whose reference
/// cannot be read, or whose name is not UTF-8 (git takes any bytes, libgit2's binding reads
/// only text). One such tag never fails the rest.
pub fn read_tags_reporting(repo: &Repository) -> (Vec<RawTag>, Vec<String>) {
    let mut problems = Vec::new();
    let references = match repo.references_glob("refs/tags/*") {
        Ok(references) => references,
        Err(error) => {
            problems.push(format!("les tags sont illisibles : {}", error.message()));
            return (Vec::new(), problems);
        }
    };
    let mut tags = Vec::new();
    for reference in references.take(MAX_TAGS) {
        let reference = match reference {
            Ok(reference) => reference,
            Err(error) => {
                problems.push(format!("un tag illisible est ignoré : {}", error.message()));
                continue;
            }
        };
        let Ok(name) = reference.shorthand() else {
            let shown = String::from_utf8_lossy(reference.shorthand_bytes());
            problems.push(format!(
                "le tag « {shown} » est ignoré : son nom n'est pas en UTF-8"
            ));
            continue;
        };
        let name = name.to_string();
        let object = reference.peel(ObjectType::Any).ok();
        let tagger_date = reference
            .peel(ObjectType::Tag)
            .ok()
            .and_then(|o| o.into_tag().ok())
            .and_then(|tag| tag.tagger().map(|s| to_utc(s.when())));
        let commit = object.and_then(|_| reference.peel_to_commit().ok());
        tags.push(RawTag {
            name,
            commit: commit.as_ref().map(|c| c.id().to_string()),
            commit_date: commit.as_ref().map(|c| to_utc(c.time())),
            tagger_date,
        });
    }
    (tags, problems)
}

/// A git timestamp as UTC.
pub fn to_utc(time: git2::Time) -> DateTime<Utc> {
    Utc.timestamp_opt(time.seconds(), 0)
        .single()
        .unwrap_or_default()
}
