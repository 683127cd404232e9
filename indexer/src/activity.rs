//! Activity and health figures from the history of the default branch.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use git2::{Repository, Sort};
use serde::{Deserialize, Serialize};

use crate::tags::to_utc;

/// Most commits walked; older history only moves the first-commit date.
pub const MAX_COMMITS_WALKED: usize = 200_000;

/// How alive a project is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub last_commit_at: Option<DateTime<Utc>>,
    pub first_commit_at: Option<DateTime<Utc>>,
    pub commits_last_12_months: u64,
    pub authors_last_12_months: u64,
    /// Distinct authors over the whole history walked.
    pub contributors: u64,
    /// Share of the last 12 months' commits made by the most active author (0 to 1).
    pub top_author_share_12_months: f64,
    pub commits_walked: u64,
}

/// Walks the history from `head` (newest first).
pub fn read_activity(repo: &Repository, head: git2::Oid, now: DateTime<Utc>) -> Activity {
    let mut activity = Activity::default();
    let Ok(mut walk) = repo.revwalk() else {
        return activity;
    };
    if walk.set_sorting(Sort::TIME).is_err() || walk.push(head).is_err() {
        return activity;
    }
    let year_ago = now - Duration::days(365);
    let mut authors = HashSet::new();
    let mut recent: BTreeMap<String, u64> = BTreeMap::new();
    for oid in walk.flatten().take(MAX_COMMITS_WALKED) {
        let Ok(commit) = repo.find_commit(oid) else {
            continue;
        };
        let when = to_utc(commit.time());
        activity.commits_walked += 1;
        activity.last_commit_at = Some(activity.last_commit_at.map_or(when, |t| t.max(when)));
        activity.first_commit_at = Some(activity.first_commit_at.map_or(when, |t| t.min(when)));
        let author = commit.author();
        let who = author
            .email()
            .ok()
            .map(str::to_lowercase)
            .or_else(|| author.name().ok().map(str::to_string))
            .unwrap_or_default();
        if when >= year_ago {
            activity.commits_last_12_months += 1;
            *recent.entry(who.clone()).or_default() += 1;
        }
        authors.insert(who);
    }
    activity.contributors = authors.len() as u64;
    activity.authors_last_12_months = recent.len() as u64;
    if activity.commits_last_12_months > 0 {
        let top = recent.values().max().copied().unwrap_or(0);
        activity.top_author_share_12_months = top as f64 / activity.commits_last_12_months as f64;
    }
    activity
}

/// Language names by file extension, for the "main languages" figure.
pub fn language_of(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
    Some(match extension.as_str() {
        "py" => "Python",
        "php" | "phtml" => "PHP",
        "js" | "mjs" | "cjs" | "jsx" => "JavaScript",
        "ts" | "tsx" => "TypeScript",
        "java" => "Java",
        "kt" | "kts" => "Kotlin",
        "rs" => "Rust",
        "go" => "Go",
        "rb" => "Ruby",
        "c" | "h" => "C",
        "cc" | "cpp" | "cxx" | "hpp" | "hh" => "C++",
        "cs" => "C#",
        "vue" => "Vue",
        "svelte" => "Svelte",
        "html" | "htm" => "HTML",
        "css" | "scss" | "sass" | "less" => "CSS",
        "sql" => "SQL",
        "sh" | "bash" => "Shell",
        "pl" | "pm" => "Perl",
        "pt" | "zcml" => "Zope",
        "twig" => "Twig",
        "ex" | "exs" => "Elixir",
        "swift" => "Swift",
        "dart" => "Dart",
        "r" => "R",
        "scala" => "Scala",
        "groovy" => "Groovy",
        "lua" => "Lua",
        _ => return None,
    })
}

/// The main languages with their share of code bytes, largest first (at most 5).
pub fn main_languages(files: &[(String, usize)]) -> Vec<(String, f64)> {
    let mut bytes: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (path, size) in files {
        if let Some(language) = language_of(path) {
            *bytes.entry(language).or_default() += size;
        }
    }
    let total: usize = bytes.values().sum();
    if total == 0 {
        return Vec::new();
    }
    let mut shares: Vec<(String, f64)> = bytes
        .into_iter()
        .map(|(language, size)| (language.to_string(), size as f64 / total as f64))
        .collect();
    shares.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    shares.truncate(5);
    shares
}
