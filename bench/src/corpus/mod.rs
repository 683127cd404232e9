//! The benchmark's catalogue: generated deterministically (`generate`, in the words of
//! `vocabulary`) and written through the store's bulk imports (`ImportStore`), as any import
//! would be, on SQLite or PostgreSQL.

pub mod generate;
pub mod vocabulary;

use std::time::{Duration, Instant};

use chrono::Utc;
use civiforge::model::{Audit, AuditAction, AuditEntry};
use civiforge::store::Store;

/// Projects in the catalogue (overridden by `CIVIFORGE_BENCH_PROJECTS`).
pub const PROJECTS: usize = 100_000;
/// Adoptions per project on average.
pub const ADOPTIONS_PER_PROJECT: usize = 10;
/// The most adopted project is used by this many communes at most.
const MAX_ADOPTERS: usize = 30_000;
/// Projects per import call (one transaction, one audit entry).
const PROJECT_BATCH: usize = 1_000;
/// Adoptions per import call.
const ADOPTION_BATCH: usize = 100_000;

/// What was written, and how long it took.
#[derive(Debug)]
pub struct Corpus {
    pub projects: usize,
    pub adoptions: usize,
    pub communes: usize,
    pub max_adopters: usize,
    pub median_adopters: usize,
    pub unadopted: usize,
    /// Name, summary and README bytes.
    pub text_bytes: usize,
    pub readme_words: usize,
    /// Migrations, reference data and the catalogue.
    pub elapsed: Duration,
    pub reference_elapsed: Duration,
}

/// Every category has its vocabulary, and every vocabulary a category.
pub fn check_vocabulary() -> anyhow::Result<()> {
    for category in civiforge::categories::CATEGORIES {
        anyhow::ensure!(
            vocabulary::DOMAINS.iter().any(|d| d.slug == category.slug),
            "no vocabulary for category {}",
            category.slug
        );
    }
    for domain in vocabulary::DOMAINS {
        anyhow::ensure!(
            civiforge::categories::by_slug(domain.slug).is_some(),
            "unknown category {}",
            domain.slug
        );
    }
    Ok(())
}

/// The communes of the reference data, by id.
fn communes() -> anyhow::Result<Vec<String>> {
    let data = civiforge::reference::ReferenceData::embedded()?;
    let mut communes: Vec<String> = data
        .organisations
        .into_iter()
        .filter(|o| o.kind == "commune")
        .map(|o| o.id)
        .collect();
    communes.sort_unstable();
    anyhow::ensure!(!communes.is_empty(), "no communes in the reference data");
    Ok(communes)
}

/// The audit entry of one import batch.
fn audit(action: AuditAction, rows: usize) -> Audit {
    Audit {
        user_id: None,
        entry: AuditEntry {
            at: Utc::now(),
            actor: "civiforge-bench".to_string(),
            ip: None,
            action,
            target: "corpus".to_string(),
            details: Some(serde_json::json!({ "rows": rows })),
        },
    }
}

/// Migrates a fresh store, loads the reference data and writes the catalogue of `projects`
/// projects and about ten times as many adoptions.
pub async fn write(store: &dyn Store, projects: usize) -> anyhow::Result<Corpus> {
    let started = Instant::now();
    store.migrate().await?;
    let reference_started = Instant::now();
    civiforge::cli::ensure_reference_data(store).await?;
    let reference_elapsed = reference_started.elapsed();
    let communes = communes()?;
    let now = Utc::now();

    let mut text_bytes = 0;
    let mut readme_words = 0;
    let mut ids = Vec::with_capacity(projects);
    let mut batch = Vec::with_capacity(PROJECT_BATCH);
    for number in 1..=projects {
        let project = generate::project(number, now);
        let readme = project.readme_text.as_deref().unwrap_or_default();
        text_bytes += project.project.name.len() + project.project.summary.len() + readme.len();
        readme_words += readme.split_whitespace().count();
        batch.push(project);
        if batch.len() == PROJECT_BATCH || number == projects {
            let audit = audit(AuditAction::ProjectImport, batch.len());
            ids.extend(store.import_projects(&batch, &audit).await?);
            batch.clear();
        }
        if number % 20_000 == 0 {
            eprintln!("  {number} projects written");
        }
    }

    let counts = generate::adopter_counts(
        projects,
        projects * ADOPTIONS_PER_PROJECT,
        MAX_ADOPTERS.min(communes.len()),
    );
    let mut rows = Vec::with_capacity(ADOPTION_BATCH);
    let mut adoptions = 0;
    for (index, (&count, &id)) in counts.iter().zip(&ids).enumerate() {
        rows.extend(generate::adoptions(index + 1, id, count, &communes, now));
        if rows.len() >= ADOPTION_BATCH || index + 1 == counts.len() {
            let audit = audit(AuditAction::AdoptionImport, rows.len());
            // A batch is written whole or refused: what it holds is what was written.
            store.import_adoptions(&rows, &audit).await?;
            adoptions += rows.len();
            rows.clear();
        }
    }

    let mut sorted = counts.clone();
    sorted.sort_unstable();
    Ok(Corpus {
        projects,
        adoptions,
        communes: communes.len(),
        max_adopters: sorted.last().copied().unwrap_or(0),
        median_adopters: sorted.get(sorted.len() / 2).copied().unwrap_or(0),
        unadopted: counts.iter().filter(|&&c| c == 0).count(),
        text_bytes,
        readme_words,
        elapsed: started.elapsed(),
        reference_elapsed,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_category_has_its_vocabulary() {
        check_vocabulary().expect("vocabulary");
    }

    #[test]
    fn projects_are_the_same_in_every_run_and_valid() {
        let now = Utc::now();
        let mut slugs = HashSet::new();
        for number in 1..=500 {
            let project = generate::project(number, now);
            let again = generate::project(number, now);
            assert_eq!(project.project.name, again.project.name);
            assert_eq!(project.readme_text, again.readme_text);
            assert!(slugs.insert(project.project.slug.clone()), "slugs differ");
            assert!(project.project.slug.ends_with(&format!("-{number}")));
            assert!(!project.project.categories.is_empty());
            for category in &project.project.categories {
                assert!(civiforge::categories::by_slug(category).is_some());
            }
            let words = project
                .readme_text
                .as_deref()
                .map_or(0, |r| r.split_whitespace().count());
            assert!((150..520).contains(&words), "{words} README words");
        }
        let rare = generate::project(vocabulary::RARE_EVERY, now);
        assert!(
            rare.readme_text
                .as_deref()
                .is_some_and(|r| r.contains("ostréiculture") || r.contains("ostreiculture"))
        );
    }

    #[test]
    fn adopters_follow_a_capped_zipf_law() {
        let counts = generate::adopter_counts(2_000, 20_000, 500);
        let total: usize = counts.iter().sum();
        assert!((20_000..20_500).contains(&total), "{total} adoptions");
        assert!(counts.iter().all(|&c| c <= 500));
        assert_eq!(counts.iter().max(), Some(&500));
        let none = counts.iter().filter(|&&c| c == 0).count();
        assert!(
            (100..400).contains(&none),
            "{none} projects without adopters"
        );
        let communes: Vec<String> = (0..1_000).map(|i| format!("commune-{i:05}")).collect();
        let adoptions = generate::adoptions(3, 42, 600, &communes, Utc::now());
        let distinct: HashSet<&str> = adoptions
            .iter()
            .map(|a| a.organisation_id.as_str())
            .collect();
        assert_eq!(distinct.len(), 600, "one adoption per commune");
    }

    #[tokio::test]
    async fn a_small_corpus_is_written_through_the_store() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("corpus.db").display());
        let store = civiforge::store::connect(&url).await.expect("store");
        let corpus = write(store.as_ref(), 40).await.expect("corpus");
        assert_eq!(store.counts().await.expect("counts").projects, 40);
        assert!(corpus.adoptions >= 400, "{} adoptions", corpus.adoptions);
        let ids = store.all_project_ids().await.expect("ids");
        let sources = store.search_sources(&ids).await.expect("sources");
        assert_eq!(sources.len(), 40);
        assert!(sources.iter().all(|s| s.readme_text.is_some()));
        let mut stored = 0;
        for source in &sources {
            let window = civiforge::model::Window {
                limit: 1,
                offset: 0,
            };
            stored += store
                .project_adoptions(&source.slug, window)
                .await
                .expect("adoptions")
                .total;
        }
        assert_eq!(
            stored as usize, corpus.adoptions,
            "every adoption is stored"
        );
        let audit = store
            .audit_log(civiforge::model::Window {
                limit: 10,
                offset: 0,
            })
            .await
            .expect("audit");
        assert_eq!(audit.total, 2, "one project batch, one adoption batch");
        store.close().await;
    }
}
