//! Shared documents: specifications, comparative studies and minutes attached to a project or
//! a working group, as a file kept by civiforge or as a link.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

text_values! {
    /// What a shared document is.
    DocumentKind {
        Specification = "specification",
        Study = "study",
        Minutes = "minutes",
        Other = "other",
    }
}

impl DocumentKind {
    /// Its name on the pages.
    pub fn label(self) -> &'static str {
        match self {
            DocumentKind::Specification => "Cahier des charges",
            DocumentKind::Study => "Étude comparative",
            DocumentKind::Minutes => "Compte rendu",
            DocumentKind::Other => "Autre document",
        }
    }
}

/// What a document is attached to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentTarget {
    /// A project, by slug.
    Project(String),
    /// A working group, by slug.
    Group(String),
}

/// A shared document, as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Document {
    pub id: i64,
    pub title: String,
    pub kind: DocumentKind,
    /// The document's own date (a meeting's, a study's); the day it was shared unless given.
    pub date: NaiveDate,
    /// Slug of the project it is attached to.
    pub project: Option<String>,
    /// Slug of the working group it is attached to.
    pub group: Option<String>,
    /// Id of the organisation that wrote or shares it; none for a project's maintainers.
    pub organisation: Option<String>,
    pub organisation_name: Option<String>,
    /// The address of a linked document.
    pub url: Option<String>,
    /// The file of an uploaded document.
    pub file: Option<DocumentFile>,
    pub created_at: DateTime<Utc>,
}

/// An uploaded document's file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentFile {
    /// The name it is downloaded under.
    pub filename: String,
    pub media_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the content, in hexadecimal.
    pub sha256: String,
    /// Where it is downloaded (always as an attachment).
    pub download_url: String,
}

/// What a document holds, as it is to be written.
#[derive(Debug, Clone)]
pub enum DocumentContent {
    Link(String),
    /// A file already kept under its digest.
    File {
        sha256: String,
        filename: String,
        media_type: String,
        size_bytes: i64,
    },
}

/// A document as it is to be written: checked, its file already stored.
#[derive(Debug, Clone)]
pub struct NewDocument {
    pub target: DocumentTarget,
    pub title: String,
    pub kind: DocumentKind,
    pub date: NaiveDate,
    pub organisation: Option<String>,
    pub content: DocumentContent,
    pub uploaded_by: i64,
}

/// A document with who shared it, for the rules that decide who may remove it.
#[derive(Debug, Clone)]
pub struct StoredDocument {
    pub document: Document,
    pub uploaded_by: Option<i64>,
}
