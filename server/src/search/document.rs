//! A project as an index document: what is searched, filtered, ranked and shown.

use chrono::{DateTime, Utc};
use serde_json::Value;
use tantivy::TantivyDocument;

use super::schema::{Fields, folded_analyzer, tokens};
use super::suggestions::suggested_categories;
use crate::categories;
use crate::model::SearchSource;

/// Longest README text indexed; the start of a README says what the software is.
const MAX_README_CHARS: usize = 50_000;
/// Longest stored text highlights are cut from.
const MAX_BODY_CHARS: usize = 4_000;
/// A project is "active" when something happened in the last year.
const ACTIVE_DAYS: i64 = 365;

/// Texts of a publiccode.yml worth searching: descriptions and features of every language.
pub fn publiccode_text(json: &str) -> (String, Option<String>) {
    let Ok(value) = serde_json::from_str::<Value>(json) else {
        return (String::new(), None);
    };
    let mut parts = Vec::new();
    if let Some(descriptions) = value.get("description").and_then(Value::as_object) {
        for description in descriptions.values() {
            for key in [
                "localisedName",
                "genericName",
                "shortDescription",
                "longDescription",
            ] {
                if let Some(text) = description.get(key).and_then(Value::as_str) {
                    parts.push(text.to_string());
                }
            }
            if let Some(features) = description.get("features").and_then(Value::as_array) {
                parts.extend(
                    features
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string),
                );
            }
        }
    }
    let status = value
        .get("developmentStatus")
        .and_then(Value::as_str)
        .map(str::to_string);
    (parts.join("\n"), status)
}

/// When the project last showed life: its last commit, else its latest release.
pub fn last_activity(source: &SearchSource) -> Option<DateTime<Utc>> {
    let last_commit = source
        .health_json
        .as_deref()
        .and_then(|json| serde_json::from_str::<Value>(json).ok())
        .and_then(|health| {
            health
                .get("last_commit_at")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .and_then(|text| DateTime::parse_from_rfc3339(&text).ok())
        .map(|date| date.with_timezone(&Utc));
    last_commit.max(source.latest_release_at)
}

fn cut(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// The index document for a project.
pub fn to_document(fields: &Fields, source: &SearchSource, now: DateTime<Utc>) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_u64(fields.id, u64::try_from(source.id).unwrap_or_default());
    doc.add_text(fields.slug, &source.slug);
    doc.add_text(fields.name, &source.name);
    doc.add_text(fields.summary, &source.summary);
    let (publiccode, status) = source
        .publiccode_json
        .as_deref()
        .map(publiccode_text)
        .unwrap_or_default();
    doc.add_text(fields.publiccode, &publiccode);
    let readme = cut(
        source.readme_text.as_deref().unwrap_or_default(),
        MAX_README_CHARS,
    );
    // Until a maintainer chooses, the categories its texts suggest stand for them.
    let categories: Vec<String> = if source.categories.is_empty() {
        suggested_categories(&[&source.summary, &readme, &publiccode])
            .into_iter()
            .map(str::to_string)
            .collect()
    } else {
        source.categories.clone()
    };
    let labels: Vec<&str> = categories
        .iter()
        .filter_map(|slug| categories::by_slug(slug).map(|c| c.label))
        .collect();
    doc.add_text(fields.categories_text, labels.join(" "));
    for slug in &categories {
        doc.add_text(fields.category, slug);
    }
    doc.add_text(fields.readme, &readme);
    let adopter_names: Vec<&str> = source.adopters.iter().map(|a| a.name.as_str()).collect();
    doc.add_text(fields.adopters, adopter_names.join("\n"));
    doc.add_text(fields.maintainers, source.maintainers.join("\n"));
    let folded = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        source.name,
        source.summary,
        labels.join(" "),
        publiccode,
        adopter_names.join("\n"),
        source.maintainers.join("\n")
    );
    doc.add_text(fields.folded, &folded);
    doc.add_text(fields.readme_folded, &readme);
    doc.add_text(fields.name_folded, &source.name);
    doc.add_text(
        fields.name_grams,
        tokens(&mut folded_analyzer(), &source.name).join(" "),
    );
    let body = format!("{}\n{}\n{}", source.summary, publiccode, readme);
    doc.add_text(fields.body, cut(body.trim(), MAX_BODY_CHARS));
    doc.add_text(
        fields.license,
        source.license.as_deref().unwrap_or("inconnue"),
    );
    doc.add_text(fields.status, status.as_deref().unwrap_or("inconnu"));
    let mut departements: Vec<&str> = source
        .adopters
        .iter()
        .filter_map(|a| a.departement.as_deref())
        .collect();
    departements.sort_unstable();
    departements.dedup();
    for departement in departements {
        doc.add_text(fields.departement, departement);
    }
    let mut kinds: Vec<&str> = source.adopters.iter().map(|a| a.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    for kind in kinds {
        doc.add_text(fields.adopter_kind, kind);
    }
    doc.add_text(
        fields.has_adopters,
        if source.adopters_count > 0 {
            "oui"
        } else {
            "non"
        },
    );
    let activity = last_activity(source);
    let active = activity.is_some_and(|t| now - t <= chrono::Duration::days(ACTIVE_DAYS));
    doc.add_text(fields.active, if active { "oui" } else { "non" });
    doc.add_u64(
        fields.adopters_count,
        u64::try_from(source.adopters_count).unwrap_or_default(),
    );
    doc.add_i64(fields.last_activity, activity.map_or(0, |t| t.timestamp()));
    doc
}
