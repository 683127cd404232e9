//! One indexing run of one project, shared by the background worker and `civiforge index`:
//! fetch and extract off the async executor, then store the snapshot or the failure.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use civiforge_indexer::RepositoryUrlPolicy;
use civiforge_indexer::fetch::{FetchError, FetchLimits};
use civiforge_indexer::hosted::{Import, index_hosted};
use civiforge_indexer::snapshot::{IndexOutcome, RepositorySnapshot, index_repository};
use serde_json::json;

use crate::model::{Health, LanguageShare, PubliccodeValidation, SnapshotRecord, VersionRecord};
use crate::store::{Store, StoreError};

/// What indexing needs besides the project.
#[derive(Clone)]
pub struct IndexContext {
    pub store: Arc<dyn Store>,
    /// Bare mirrors live in `<data-dir>/mirrors/<project id>.git`.
    pub data_dir: PathBuf,
    pub policy: RepositoryUrlPolicy,
    pub limits: FetchLimits,
    /// The latest release's archives are built ahead, after each new snapshot.
    pub releases: crate::forge::releases::Releases,
    /// How long each fetch took, for `/metrics` when the worker runs inside `serve`.
    pub fetches: Arc<crate::telemetry::FetchMetrics>,
}

/// How a run ended well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexSummary {
    Unchanged,
    Indexed {
        versions: usize,
        readme: bool,
        publiccode_valid: Option<bool>,
    },
}

/// How a run failed.
#[derive(Debug, thiserror::Error)]
pub enum IndexFailure {
    #[error("projet introuvable")]
    UnknownProject,
    #[error("{0}")]
    Fetch(#[from] FetchError),
    #[error("l'indexation s'est interrompue : {0}")]
    Crashed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IndexFailure {
    /// The upstream repository does not answer, or is gone: the project lives on from its
    /// mirror, and the page says since when past a delay.
    pub fn is_upstream_outage(&self) -> bool {
        matches!(
            self,
            IndexFailure::Fetch(
                FetchError::Unreachable(_)
                    | FetchError::Unresolvable(_)
                    | FetchError::DeadlineExceeded(_)
            )
        )
    }

    /// Failures that trying again cannot fix.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            IndexFailure::UnknownProject
                | IndexFailure::Fetch(
                    FetchError::Policy(_)
                        | FetchError::PrivateAddress { .. }
                        | FetchError::TooLarge { .. }
                )
        )
    }
}

impl IndexContext {
    /// A context whose archive cache has the default budget.
    pub fn new(
        store: Arc<dyn Store>,
        data_dir: PathBuf,
        policy: RepositoryUrlPolicy,
        limits: FetchLimits,
    ) -> Self {
        let releases = crate::forge::releases::Releases::in_data_dir(
            &data_dir,
            crate::forge::archives::DEFAULT_BUDGET_BYTES,
        );
        Self {
            store,
            data_dir,
            policy,
            limits,
            releases,
            fetches: Arc::default(),
        }
    }

    /// After a change: a bitmap once, then `git gc --auto` (`forge::maintenance`).
    async fn keep_in_shape(&self, project_id: i64) {
        let (git, repository) = (self.releases.git.clone(), self.mirror_path(project_id));
        let ran = tokio::task::spawn_blocking(move || {
            crate::forge::maintenance::keep_in_shape(&git, &repository)
        })
        .await;
        if let Ok(Err(error)) = ran {
            tracing::warn!(project_id, %error, "git gc failed");
        }
    }

    fn mirror_path(&self, project_id: i64) -> PathBuf {
        crate::forge::Repositories::in_data_dir(&self.data_dir).path(project_id)
    }

    /// Fetches and indexes one project, and records the outcome on the project.
    pub async fn index_project(&self, project_id: i64) -> Result<IndexSummary, IndexFailure> {
        let target = self
            .store
            .index_target(project_id)
            .await?
            .ok_or(IndexFailure::UnknownProject)?;
        let started = Instant::now();
        let mirror = self.mirror_path(project_id);
        let (url, policy, limits, digest) = (
            target.repository_url.clone(),
            self.policy,
            self.limits,
            target.refs_digest.clone(),
        );
        let (hosted, imported_from) = (target.hosted, target.imported_from.clone());
        let outcome = tokio::task::spawn_blocking(move || {
            if hosted {
                // Its home is here: read where it is (imported once when still empty).
                let import = imported_from.as_deref().map(|url| Import {
                    url,
                    policy: &policy,
                    limits: &limits,
                });
                return index_hosted(&mirror, &url, import, digest.as_deref(), Utc::now());
            }
            index_repository(
                &url,
                &mirror,
                &policy,
                &limits,
                digest.as_deref(),
                Utc::now(),
            )
        })
        .await
        .map_err(|e| IndexFailure::Crashed(e.to_string()));
        let now = Utc::now();
        let outcome = match outcome {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(error)) => Err(IndexFailure::Fetch(error)),
            Err(failure) => Err(failure),
        };
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(failure) => {
                let outage = failure.is_upstream_outage();
                self.store
                    .record_index_failure(project_id, &failure.to_string(), outage, now)
                    .await?;
                return Err(failure);
            }
        };
        let summary = match outcome {
            IndexOutcome::Unchanged { .. } => {
                self.store.record_unchanged(project_id, now).await?;
                IndexSummary::Unchanged
            }
            IndexOutcome::Indexed(snapshot) => {
                let summary = IndexSummary::Indexed {
                    versions: snapshot.versions.len(),
                    readme: snapshot.readme.is_some(),
                    publiccode_valid: snapshot.publiccode.as_ref().map(|r| r.is_valid()),
                };
                self.store
                    .save_snapshot(project_id, snapshot_record(*snapshot, now), now)
                    .await?;
                self.releases
                    .prepare_latest(self.store.as_ref(), project_id, &target.slug)
                    .await;
                self.keep_in_shape(project_id).await;
                summary
            }
        };
        tracing::info!(
            project = %target.slug,
            elapsed_ms = started.elapsed().as_millis() as u64,
            outcome = ?summary,
            "indexed"
        );
        Ok(summary)
    }
}

/// Whether a project's maintenance looks at risk, and why (in French).
fn maintenance_risks(
    snapshot: &RepositorySnapshot,
    now: chrono::DateTime<Utc>,
) -> Vec<&'static str> {
    let activity = &snapshot.activity;
    let mut reasons = Vec::new();
    match activity.last_commit_at {
        Some(last) if now - last > chrono::Duration::days(365) => {
            reasons.push("aucune modification depuis plus d'un an")
        }
        None => reasons.push("aucun commit lisible"),
        _ => {}
    }
    if activity.commits_last_12_months >= 5 && activity.top_author_share_12_months >= 0.9 {
        reasons.push("une seule personne fait presque tout le travail")
    }
    reasons
}

/// The snapshot as the store keeps it.
pub fn snapshot_record(snapshot: RepositorySnapshot, now: chrono::DateTime<Utc>) -> SnapshotRecord {
    let risks = maintenance_risks(&snapshot, now);
    let activity = &snapshot.activity;
    let health = Health {
        last_commit_at: activity.last_commit_at,
        first_commit_at: activity.first_commit_at,
        commits_last_12_months: activity.commits_last_12_months,
        authors_last_12_months: activity.authors_last_12_months,
        contributors: activity.contributors,
        top_author_share_12_months: activity.top_author_share_12_months,
        languages: snapshot
            .languages
            .iter()
            .map(|(name, share)| LanguageShare {
                name: name.clone(),
                share: *share,
            })
            .collect(),
        maintenance_at_risk: !risks.is_empty(),
        risk_reasons: risks.iter().map(|r| r.to_string()).collect(),
    };
    let publiccode_licence = snapshot
        .publiccode
        .as_ref()
        .and_then(|r| r.publiccode.as_ref())
        .and_then(|p| p.legal.as_ref())
        .and_then(|legal| legal.license.clone());
    let license_source = snapshot.licence.as_ref().map(|licence| {
        if publiccode_licence.as_ref() == Some(licence) {
            "publiccode"
        } else {
            "file"
        }
        .to_string()
    });
    SnapshotRecord {
        refs_digest: snapshot.refs_digest,
        default_branch: snapshot.default_branch,
        head_commit: snapshot.head_commit,
        versions: snapshot
            .versions
            .into_iter()
            .map(|v| VersionRecord {
                name: v.name,
                semver: v.semver,
                is_release: v.is_release,
                date: v.date,
                commit_date: v.commit_date,
                tagger_date: v.tagger_date,
                commit: v.commit,
            })
            .collect(),
        // A project names at most a few hundred users; more is noise, not information.
        used_by: snapshot
            .publiccode
            .as_ref()
            .and_then(|r| r.publiccode.as_ref())
            .and_then(|p| p.used_by.clone())
            .unwrap_or_default()
            .into_iter()
            .take(MAX_USED_BY)
            .collect(),
        readme_html: snapshot.readme.as_ref().map(|r| r.html.clone()),
        readme_text: snapshot.readme.map(|r| r.text),
        publiccode_json: snapshot
            .publiccode
            .as_ref()
            .and_then(|r| r.publiccode.as_ref())
            .and_then(|p| serde_json::to_string(p).ok()),
        publiccode_report_json: snapshot
            .publiccode
            .as_ref()
            .and_then(|r| serde_json::to_string(&PubliccodeValidation::from(r)).ok()),
        health_json: serde_json::to_string(&health).ok(),
        license: snapshot.licence,
        license_source,
        problems_json: Some(json!(snapshot.problems).to_string()),
    }
}

/// Most publiccode.yml `usedBy` names resolved to organisations per project.
const MAX_USED_BY: usize = 500;

/// Delay before retrying a failed job: 30 s, then doubling, at most an hour.
pub fn retry_delay(attempts: i64) -> Duration {
    let exponent = u32::try_from(attempts.clamp(1, 8) - 1).unwrap_or(0);
    Duration::from_secs((30 * 2u64.pow(exponent)).min(3600))
}
