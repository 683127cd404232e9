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
    let Ok(references) = repo.references_glob("refs/tags/*") else {
        return Vec::new();
    };
    references
        .flatten()
        .take(MAX_TAGS)
        .filter_map(|reference| {
            let name = reference.shorthand().ok()?.to_string();
            let object = reference.peel(ObjectType::Any).ok();
            let tagger_date = reference
                .peel(ObjectType::Tag)
                .ok()
                .and_then(|o| o.into_tag().ok())
                .and_then(|tag| tag.tagger().map(|s| to_utc(s.when())));
            let commit = object.and_then(|_| reference.peel_to_commit().ok());
            Some(RawTag {
                name,
                commit: commit.as_ref().map(|c| c.id().to_string()),
                commit_date: commit.as_ref().map(|c| to_utc(c.time())),
                tagger_date,
            })
        })
        .collect()
}

/// A git timestamp as UTC.
pub fn to_utc(time: git2::Time) -> DateTime<Utc> {
    Utc.timestamp_opt(time.seconds(), 0)
        .single()
        .unwrap_or_default()
}
