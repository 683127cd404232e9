//! Git tags to versions: which tags name a version, its normalised SemVer text, whether it may
//! be shown as the latest release, and the newest-first order of a project's versions.
//!
//! Decisions on ambiguous tags (the table in the tests shows each one):
//! - A prefix is accepted before the number: `v`/`V`, `version`, `release`, `rel` (each with or
//!   without `-`, `_`, `/`), `r` (`r2.1`), or a project name ending in `-`, `_`, `/` or `@`
//!   (`openelec-4.1.0`, `server/v1.2.0`, `@scope/pkg@1.2.3`).
//! - A lone number (`5`, `v5`, `release-5`) is a version (5.0.0) only without a project-name or
//!   `r` prefix and up to 999: `celery-probe-2`, `r1234` (SVN revisions) and `backup-2019` are
//!   not versions.
//! - Dates written with dashes (`2019-01-15`) are not versions (they mark backups and
//!   deployments); dotted calendar versions (`2024.1.0`) are.
//! - Components beyond the third become SemVer build metadata: `4.2.28.19` is `4.2.28+19`,
//!   a release, ordered after 4.2.28 and before 4.2.29 (the semver crate compares numeric build
//!   identifiers as numbers). A `-N` revision (`1.2-3`) and `.postN` go there too.
//! - Pre-release markers in any spelling become SemVer pre-releases: `4.2.29rc12` →
//!   `4.2.29-rc.12`, `1.0a1` → `1.0.0-alpha.1`, `1.0-SNAPSHOT` → `1.0.0-snapshot`.
//! - `final`, `release`, `ga`, `stable` suffixes mean the release itself; edition suffixes `ee`,
//!   `ce`, `lts` are build metadata (`v16.0.0-ee` → `16.0.0+ee`, a release).
//! - Any other word after the number makes the tag branch-like (`1363-speedup`, `2.1.x`),
//!   except after a full `x.y.z`, where a valid SemVer pre-release is taken as written.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use semver::{BuildMetadata, Prerelease, Version};

/// Longest tag considered; longer ones are not versions.
const MAX_TAG_LENGTH: usize = 128;

/// Largest lone number taken as a major version: larger ones are issue numbers, years, builds.
const MAX_LONE_NUMBER: u64 = 999;

/// What a git tag says about a version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VersionName {
    pub tag: String,
    /// Normalised SemVer text, e.g. "2.3.0", "4.2.29-rc.12", "4.2.28+19"; None for
    /// branch-like tags.
    pub semver: Option<String>,
    /// True when it is a release that may be shown as the latest (a SemVer that is not a
    /// pre-release).
    pub is_release: bool,
    /// When the tag (or its commit) was made, set by the caller that reads git: orders tags
    /// that are not versions, and versions that are equal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<DateTime<Utc>>,
}

impl VersionName {
    /// The same version, dated.
    pub fn with_date(mut self, date: DateTime<Utc>) -> Self {
        self.date = Some(date);
        self
    }
}

/// Classifies one tag name.
pub fn parse_version_tag(tag: &str) -> VersionName {
    let version = parse(tag);
    VersionName {
        tag: tag.to_owned(),
        is_release: version.as_ref().is_some_and(|v| v.pre.is_empty()),
        semver: version.map(|v| v.to_string()),
        date: None,
    }
}

/// Orders versions newest first (use with `sort_by`): SemVer versions first, in SemVer order
/// (pre-releases before their release, build metadata such as a fourth component after it),
/// then the others by date, newest first, undated last. Ties fall to the date, then the tag.
pub fn compare_versions(a: &VersionName, b: &VersionName) -> Ordering {
    let key = |v: &VersionName| v.semver.as_deref().and_then(|s| Version::parse(s).ok());
    let by_date_then_tag = || b.date.cmp(&a.date).then_with(|| b.tag.cmp(&a.tag));
    match (key(a), key(b)) {
        (Some(va), Some(vb)) => vb.cmp(&va).then_with(by_date_then_tag),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => by_date_then_tag(),
    }
}

/// What stands before the number, which decides how much of a version it must look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prefix {
    /// Nothing, or a word that only says "version": a lone number is enough.
    Plain,
    /// `r` or a project name: at least `x.y` is needed.
    Named,
}

fn parse(tag: &str) -> Option<Version> {
    let tag = tag.trim();
    let tag = tag.strip_prefix("refs/tags/").unwrap_or(tag);
    if tag.is_empty() || tag.len() > MAX_TAG_LENGTH {
        return None;
    }
    // Try every place where a number starts after something that is not a digit: the first
    // one whose prefix and rest both make sense wins (`python3-1.2.0` skips the `3`).
    tag.char_indices()
        .filter(|&(index, c)| {
            c.is_ascii_digit() && !tag[..index].ends_with(|p: char| p.is_ascii_digit() || p == '.')
        })
        .find_map(|(index, _)| {
            let prefix = classify_prefix(&tag[..index])?;
            parse_number(&tag[index..], prefix)
        })
}

fn classify_prefix(prefix: &str) -> Option<Prefix> {
    let lower = prefix.to_ascii_lowercase();
    // `release-v`, `version_`, `v`, `rel/`: a word that only says "version", then a `v`.
    let mut word = lower.as_str();
    word = word.strip_suffix(['-', '_', '/']).unwrap_or(word);
    word = word.strip_suffix('v').unwrap_or(word);
    word = word.strip_suffix(['-', '_', '/']).unwrap_or(word);
    if matches!(word, "" | "version" | "release" | "rel") {
        return Some(Prefix::Plain);
    }
    if lower == "r" {
        return Some(Prefix::Named);
    }
    let name = lower.strip_suffix('v').unwrap_or(&lower);
    let is_name = name.ends_with(['-', '_', '/', '@'])
        && name.bytes().any(|b| b.is_ascii_alphabetic())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/' | b'@'));
    is_name.then_some(Prefix::Named)
}

/// Parses `x[.y[.z[.more]]]` and what follows it.
fn parse_number(text: &str, prefix: Prefix) -> Option<Version> {
    let mut components: Vec<u64> = Vec::new();
    let mut rest = text;
    loop {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        // u64 parsing fails on overflow: such a tag is not a version, and nothing panics.
        components.push(rest[..digits].parse().ok()?);
        rest = &rest[digits..];
        match rest.strip_prefix('.') {
            Some(after) if after.starts_with(|c: char| c.is_ascii_digit()) => rest = after,
            _ => break,
        }
    }
    let enough = match prefix {
        Prefix::Plain => components.len() > 1 || components[0] <= MAX_LONE_NUMBER,
        Prefix::Named => components.len() > 1,
    };
    if !enough {
        return None;
    }
    let (pre, mut build) = parse_suffix(rest, components.len() == 3)?;
    if components.len() > 3 {
        let extra: Vec<String> = components[3..].iter().map(u64::to_string).collect();
        build.insert(0, extra.join("."));
    }
    let component = |i: usize| components.get(i).copied().unwrap_or(0);
    Some(Version {
        major: component(0),
        minor: component(1),
        patch: component(2),
        pre: Prerelease::new(&pre).ok()?,
        build: BuildMetadata::new(&build.join(".")).ok()?,
    })
}

/// Words after the number that mean "this is the release itself".
const RELEASE_WORDS: &[&str] = &["final", "release", "ga", "stable"];

/// Words after the number that name an edition of the same release.
const EDITIONS: &[&str] = &["ee", "ce", "lts"];

/// Pre-release markers in their usual spellings, and the SemVer label each becomes.
const PRE_RELEASE_LABELS: &[(&str, &str)] = &[
    ("alpha", "alpha"),
    ("a", "alpha"),
    ("beta", "beta"),
    ("b", "beta"),
    ("rc", "rc"),
    ("c", "rc"),
    ("cr", "rc"),
    ("pre", "pre"),
    ("preview", "preview"),
    ("dev", "dev"),
    ("snapshot", "snapshot"),
    ("m", "m"),
    ("milestone", "m"),
    ("nightly", "nightly"),
];

/// Reads what follows the number: a pre-release and build metadata identifiers, or None when
/// the tag is branch-like. `full` says whether the number was exactly `x.y.z`.
fn parse_suffix(suffix: &str, full: bool) -> Option<(String, Vec<String>)> {
    let (main, build) = match suffix.split_once('+') {
        Some((main, build)) => (main, Some(build)),
        None => (suffix, None),
    };
    let mut build_ids: Vec<String> = build.map(|b| vec![b.to_owned()]).unwrap_or_default();
    let lower = main.to_ascii_lowercase();
    let word = lower.strip_prefix(['-', '.', '_']).unwrap_or(&lower);
    let separated = word.len() < lower.len();
    if word.is_empty() && !separated {
        return Some((String::new(), build_ids));
    }
    if RELEASE_WORDS.contains(&word) {
        return Some((String::new(), build_ids));
    }
    if EDITIONS.contains(&word) {
        build_ids.insert(0, word.to_owned());
        return Some((String::new(), build_ids));
    }
    if separated && !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()) {
        // A packaging revision (`1.2-3`): the release, rebuilt.
        build_ids.insert(0, trim_zeros(word).to_owned());
        return Some((String::new(), build_ids));
    }
    if let Some(number) = word.strip_prefix("post").and_then(labelled_number) {
        build_ids.insert(0, format!("post{number}"));
        return Some((String::new(), build_ids));
    }
    let letters = word.bytes().take_while(u8::is_ascii_alphabetic).count();
    let known = PRE_RELEASE_LABELS
        .iter()
        .find(|(spelling, _)| *spelling == &word[..letters])
        .map(|(_, label)| *label);
    if let Some(label) = known
        && let Some(number) = labelled_number(&word[letters..])
    {
        return Some((format!("{label}{number}"), build_ids));
    }
    // A well-formed SemVer pre-release after a full x.y.z is taken as written.
    let pre = main.strip_prefix('-')?;
    (full && Prerelease::new(pre).is_ok()).then(|| (pre.to_owned(), build_ids))
}

/// The number after a pre-release label, as `.N` (or nothing when there is none).
fn labelled_number(rest: &str) -> Option<String> {
    let digits = rest.strip_prefix(['-', '.', '_']).unwrap_or(rest);
    if rest.is_empty() {
        Some(String::new())
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        Some(format!(".{}", trim_zeros(digits)))
    } else {
        None
    }
}

/// `007` → `7`, `000` → `0`: SemVer forbids leading zeros in numeric identifiers.
fn trim_zeros(digits: &str) -> &str {
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() { "0" } else { trimmed }
}

#[cfg(test)]
mod tests;
