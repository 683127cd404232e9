//! The request that attaches a shared document to a project or a group: its fields checked
//! into a [`DocumentDraft`], the file by its content (`documents.rs`), a link by its address.

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use utoipa::ToSchema;

use super::groups::LATEST_DUE_YEAR;
use super::{FieldError, MAX_ID_LEN, checked_text, document_filename, document_format};
use crate::model::DocumentKind;
use crate::validation::DocumentFormat;

pub const MAX_DOCUMENT_TITLE_CHARS: usize = 200;
pub const MAX_DOCUMENT_URL_CHARS: usize = 2_000;

/// `POST /api/v1/projects/{slug}/documents`, `POST /api/v1/groups/{slug}/documents`: the
/// fields of the multipart form beside its `file`, or a JSON body for a link.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachDocumentRequest {
    pub title: String,
    /// `specification`, `study`, `minutes` or `other`.
    pub kind: String,
    /// The document's own date, `YYYY-MM-DD`; the day it is shared by default.
    pub date: Option<String>,
    /// Id of the organisation that shares it (one the sender is a verified agent of);
    /// guessed when the sender acts for one organisation only.
    pub organisation: Option<String>,
    /// A link to the document, instead of a file.
    pub url: Option<String>,
}

/// A file as it was sent: the name its sender gave it and its bytes.
#[derive(Debug, Clone)]
pub struct Upload {
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// A document request, checked.
#[derive(Debug, Clone)]
pub struct DocumentDraft {
    pub title: String,
    pub kind: DocumentKind,
    pub date: NaiveDate,
    pub organisation: Option<String>,
    pub content: DraftContent,
}

/// What the document is: a link, or a file known by its content.
#[derive(Debug, Clone)]
pub enum DraftContent {
    Link(String),
    File {
        /// The name it is downloaded under, ending with the extension of its real format.
        filename: String,
        format: DocumentFormat,
        bytes: Vec<u8>,
    },
}

/// Checks a document request and its file, if any: one of `file` and `url`, never both.
pub fn attach_document(
    request: AttachDocumentRequest,
    upload: Option<Upload>,
    today: NaiveDate,
) -> Result<DocumentDraft, Vec<FieldError>> {
    let mut errors = Vec::new();
    let title = checked_text(
        "title",
        &request.title,
        1,
        MAX_DOCUMENT_TITLE_CHARS,
        &mut errors,
    );
    let kind = DocumentKind::parse(request.kind.trim());
    if kind.is_none() {
        errors.push(FieldError::new(
            "kind",
            "type de document attendu : specification (cahier des charges), study (étude \
             comparative), minutes (compte rendu) ou other",
        ));
    }
    let date = match request.date.as_deref().map(str::trim) {
        None | Some("") => Some(today),
        Some(text) => match document_date(text) {
            Ok(date) => Some(date),
            Err(error) => {
                errors.push(error);
                None
            }
        },
    };
    let organisation = request
        .organisation
        .filter(|o| !o.trim().is_empty())
        .map(|o| checked_text("organisation", &o, 1, MAX_ID_LEN, &mut errors));
    let url = request.url.filter(|u| !u.trim().is_empty());
    let content = match (url, upload) {
        (Some(_), Some(_)) => {
            errors.push(FieldError::new(
                "url",
                "joignez un fichier ou donnez un lien, pas les deux",
            ));
            None
        }
        (None, None) => {
            errors.push(FieldError::new(
                "file",
                "joignez un fichier (PDF, ODT, ODS, DOCX ou XLSX, 20 Mo au plus) ou donnez \
                 un lien (url)",
            ));
            None
        }
        (Some(url), None) => document_link(&url)
            .map_err(|error| errors.push(error))
            .ok()
            .map(DraftContent::Link),
        (None, Some(upload)) => uploaded_file(upload)
            .map_err(|error| errors.push(error))
            .ok(),
    };
    match (kind, date, content) {
        (Some(kind), Some(date), Some(content)) if errors.is_empty() => Ok(DocumentDraft {
            title,
            kind,
            date,
            organisation,
            content,
        }),
        _ => Err(errors),
    }
}

/// A file checked by its content first (the name a sender gives proves nothing), then its
/// name, which is made to end with the real format's extension: `notes.exe` holding a PDF is
/// offered as `notes.exe.pdf`.
fn uploaded_file(upload: Upload) -> Result<DraftContent, FieldError> {
    let format = document_format(&upload.bytes)?;
    let mut filename = document_filename(&upload.filename)?;
    let suffix = format!(".{}", format.extension());
    if !filename.to_lowercase().ends_with(&suffix) {
        filename.push_str(&suffix);
    }
    Ok(DraftContent::File {
        filename,
        format,
        bytes: upload.bytes,
    })
}

/// A link to a document: an `http(s)` address with a host and no credentials.
pub fn document_link(written: &str) -> Result<String, FieldError> {
    let refused = |message: &str| FieldError::new("url", message);
    let written = written.trim();
    if written.chars().count() > MAX_DOCUMENT_URL_CHARS {
        return Err(refused("adresse trop longue (2 000 caractères au plus)"));
    }
    let Ok(url) = url::Url::parse(written) else {
        return Err(refused(
            "adresse du document attendue, par exemple https://exemple.fr/etude.pdf",
        ));
    };
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(refused(
            "seules les adresses http:// et https:// sont acceptées",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refused(
            "l'adresse ne doit pas contenir d'identifiant ni de mot de passe",
        ));
    }
    Ok(url.to_string())
}

/// A document's own date: `YYYY-MM-DD`, from 1970 to [`LATEST_DUE_YEAR`].
fn document_date(text: &str) -> Result<NaiveDate, FieldError> {
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(date) if (1970..=LATEST_DUE_YEAR).contains(&date.year()) => Ok(date),
        _ => Err(FieldError::new(
            "date",
            format!(
                "la date du document s'écrit AAAA-MM-JJ, par exemple 2007-06-14 (entre 1970 et \
                 {LATEST_DUE_YEAR})"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).expect("date")
    }

    fn request(title: &str, kind: &str) -> AttachDocumentRequest {
        AttachDocumentRequest {
            title: title.into(),
            kind: kind.into(),
            ..Default::default()
        }
    }

    fn pdf(name: &str) -> Upload {
        Upload {
            filename: name.into(),
            bytes: b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n".to_vec(),
        }
    }

    #[test]
    fn a_file_is_named_after_its_real_format_and_dated_today_by_default() {
        let draft = attach_document(
            request("Compte rendu du 14 juin", "minutes"),
            Some(pdf("notes.exe")),
            today(),
        )
        .expect("accepted");
        assert_eq!(draft.date, today());
        assert_eq!(draft.kind, DocumentKind::Minutes);
        match draft.content {
            DraftContent::File {
                filename, format, ..
            } => {
                assert_eq!(filename, "notes.exe.pdf");
                assert_eq!(format, DocumentFormat::Pdf);
            }
            DraftContent::Link(_) => panic!("a file was sent"),
        }
        let kept = attach_document(request("CR", "minutes"), Some(pdf("CR.PDF")), today())
            .expect("accepted");
        assert!(
            matches!(kept.content, DraftContent::File { filename, .. } if filename == "CR.PDF")
        );
    }

    #[test]
    fn every_field_is_checked_at_once() {
        let mut bad = request("", "memo");
        bad.date = Some("10000-01-01".into());
        let errors = attach_document(bad, None, today()).expect_err("refused");
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["title", "kind", "date", "file"]);
        let mut both = request("Étude", "study");
        both.url = Some("https://exemple.fr/etude.pdf".into());
        let errors = attach_document(both, Some(pdf("etude.pdf")), today()).expect_err("both");
        assert_eq!(errors[0].field, "url");
    }

    #[test]
    fn links_are_web_addresses_without_credentials() {
        assert_eq!(
            document_link(" https://adullact.org/etude.pdf ").expect("link"),
            "https://adullact.org/etude.pdf"
        );
        for refused in [
            "javascript:alert(1)",
            "data:text/html,<script>",
            "file:///etc/passwd",
            "https://agent:secret@exemple.fr/doc.pdf",
            "pas une adresse",
        ] {
            assert_eq!(document_link(refused).expect_err(refused).field, "url");
        }
    }
}
