//! What indexing concludes about a repository, kept as JSON columns and read back as these
//! types, so that the API's schema describes them: its health and the verdict on its
//! publiccode.yml.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Activity figures from the repository's history, and what puts its maintenance at risk.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Health {
    pub last_commit_at: Option<DateTime<Utc>>,
    pub first_commit_at: Option<DateTime<Utc>>,
    pub commits_last_12_months: u64,
    pub authors_last_12_months: u64,
    /// Distinct authors over the history walked.
    pub contributors: u64,
    /// Share of the last 12 months' commits made by the most active author (0 to 1).
    pub top_author_share_12_months: f64,
    /// Languages by share of the code, largest first.
    pub languages: Vec<LanguageShare>,
    pub maintenance_at_risk: bool,
    /// Why, in French.
    pub risk_reasons: Vec<String>,
}

/// One language's share of the code (0 to 1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LanguageShare {
    pub name: String,
    pub share: f64,
}

/// The verdict on a repository's publiccode.yml.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct PubliccodeValidation {
    /// No errors (warnings allowed).
    pub valid: bool,
    pub errors: Vec<PubliccodeDiagnostic>,
    pub warnings: Vec<PubliccodeDiagnostic>,
}

/// One error or warning about a publiccode.yml.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct PubliccodeDiagnostic {
    /// 1-based line in the file, when known.
    pub line: Option<usize>,
    /// Dotted path of the key (`legal.license`); empty for the file as a whole.
    pub key: String,
    /// What is wrong and how to fix it, in French.
    pub message: String,
}

impl From<&civiforge_indexer::publiccode::PublicCodeReport> for PubliccodeValidation {
    fn from(report: &civiforge_indexer::publiccode::PublicCodeReport) -> Self {
        Self {
            valid: report.is_valid(),
            errors: report.errors.iter().map(Into::into).collect(),
            warnings: report.warnings.iter().map(Into::into).collect(),
        }
    }
}

impl From<&civiforge_indexer::publiccode::Diagnostic> for PubliccodeDiagnostic {
    fn from(diagnostic: &civiforge_indexer::publiccode::Diagnostic) -> Self {
        Self {
            line: diagnostic.line,
            key: diagnostic.key.clone(),
            message: diagnostic.message.clone(),
        }
    }
}
