//! A `multipart/form-data` submission of a shared document, read with limits for the API and
//! for the pages alike: a few short text fields and at most one file, `file`, whose reading
//! stops as soon as it passes 20 MB. The body is cut short past [`MAX_FORM_BODY_BYTES`] rather
//! than failed, so that the fields read before the file are kept and shown again. At most [`MAX_UPLOADS_AT_ONCE`] uploads are held in
//! memory at a time, so that many large uploads cannot exhaust the server's memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request};
use futures_util::StreamExt;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::validation::{AttachDocumentRequest, MAX_DOCUMENT_BYTES, Upload};

/// The largest body of a document submission: the file and its few fields.
pub const MAX_FORM_BODY_BYTES: usize = MAX_DOCUMENT_BYTES + 256 * 1024;
/// Uploads read at the same time; more are refused with a request to retry.
pub const MAX_UPLOADS_AT_ONCE: usize = 8;
const MAX_TEXT_FIELD_BYTES: usize = 16 * 1024;
const MAX_FIELDS: usize = 32;

static UPLOADS: Semaphore = Semaphore::const_new(MAX_UPLOADS_AT_ONCE);

/// A form as it was sent. It holds one of the upload places until it is dropped, the file
/// in memory with it.
#[derive(Debug, Default)]
pub struct SubmittedForm {
    pub fields: Vec<(String, String)>,
    pub file: Option<Upload>,
    _place: Option<SemaphorePermit<'static>>,
}

/// A submission refused while it was read, with the text fields read before, so that a
/// page can show them again.
#[derive(Debug)]
pub struct Unreadable {
    pub error: FormError,
    pub fields: SubmittedForm,
}

/// Why a submission could not be read.
#[derive(Debug, PartialEq, Eq)]
pub enum FormError {
    /// The file passes 20 MB, or the body its limit.
    TooLarge,
    /// Too many uploads are being read.
    Busy,
    /// Not a readable form; the message says what is wrong.
    Malformed(String),
}

impl FormError {
    pub fn message(&self) -> String {
        match self {
            FormError::TooLarge => format!(
                "le fichier dépasse {} Mo : réduisez-le ou partagez un lien",
                MAX_DOCUMENT_BYTES / (1024 * 1024)
            ),
            FormError::Busy => {
                "trop d'envois de fichiers sont en cours : réessayez dans un instant".into()
            }
            FormError::Malformed(message) => message.clone(),
        }
    }
}

impl SubmittedForm {
    /// Reads a submission; a file field left empty by a browser counts as no file.
    pub async fn read(request: Request) -> Result<Self, Unreadable> {
        let mut form = SubmittedForm::default();
        match form.read_into(request).await {
            Ok(()) => Ok(form),
            Err(error) => {
                form.file = None;
                Err(Unreadable {
                    error,
                    fields: form,
                })
            }
        }
    }

    async fn read_into(&mut self, request: Request) -> Result<(), FormError> {
        let form = self;
        form._place = Some(UPLOADS.try_acquire().map_err(|_| FormError::Busy)?);
        let cut = Arc::new(AtomicBool::new(false));
        let (parts, body) = request.into_parts();
        let request = Request::from_parts(parts, capped(body, cut.clone()));
        let read = form.read_fields(request).await;
        if cut.load(Ordering::Relaxed) {
            return Err(FormError::TooLarge);
        }
        read
    }

    async fn read_fields(&mut self, request: Request) -> Result<(), FormError> {
        let form = self;
        let mut multipart = Multipart::from_request(request, &()).await.map_err(|_| {
            FormError::Malformed(
                "envoyez un formulaire multipart/form-data (champ file pour le fichier)".into(),
            )
        })?;
        let mut count = 0;
        while let Some(mut field) = multipart.next_field().await.map_err(read_error)? {
            count += 1;
            if count > MAX_FIELDS {
                return Err(FormError::Malformed(
                    "trop de champs dans le formulaire".into(),
                ));
            }
            let name = field.name().unwrap_or_default().to_string();
            if let Some(filename) = field.file_name().map(str::to_string) {
                if name != "file" {
                    return Err(FormError::Malformed(format!(
                        "le fichier doit être envoyé dans le champ file, pas « {} »",
                        crate::text::shorten(&name)
                    )));
                }
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(read_error)? {
                    if bytes.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                        return Err(FormError::TooLarge);
                    }
                    bytes.extend_from_slice(&chunk);
                }
                if filename.is_empty() && bytes.is_empty() {
                    continue;
                }
                if form.file.is_some() {
                    return Err(FormError::Malformed("un seul fichier par envoi".into()));
                }
                form.file = Some(Upload { filename, bytes });
            } else {
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(read_error)? {
                    if bytes.len() + chunk.len() > MAX_TEXT_FIELD_BYTES {
                        return Err(FormError::Malformed(format!(
                            "le champ « {} » est trop long",
                            crate::text::shorten(&name)
                        )));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                let text = String::from_utf8(bytes).map_err(|_| {
                    FormError::Malformed(format!("le champ « {name} » n'est pas du texte UTF-8"))
                })?;
                if text.contains('\0') || name.contains('\0') {
                    return Err(FormError::Malformed(
                        "le caractère nul (U+0000) n'est accepté dans aucun champ".into(),
                    ));
                }
                form.fields.push((name, text));
            }
        }
        Ok(())
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The document request the fields make; a field outside it and `allowed` is refused,
    /// as an unknown JSON field would be.
    pub fn document_request(&self, allowed: &[&str]) -> Result<AttachDocumentRequest, FormError> {
        const FIELDS: [&str; 5] = ["title", "kind", "date", "organisation", "url"];
        if let Some((unknown, _)) = self
            .fields
            .iter()
            .find(|(k, _)| !FIELDS.contains(&k.as_str()) && !allowed.contains(&k.as_str()))
        {
            return Err(FormError::Malformed(format!(
                "champ inconnu « {} » ; champs attendus : file, {}",
                crate::text::shorten(unknown),
                FIELDS.join(", ")
            )));
        }
        let text = |key: &str| self.get(key).map(str::to_string);
        Ok(AttachDocumentRequest {
            title: text("title").unwrap_or_default(),
            kind: text("kind").unwrap_or_default(),
            date: text("date"),
            organisation: text("organisation"),
            url: text("url"),
        })
    }
}

/// The body, ended after [`MAX_FORM_BODY_BYTES`], with `cut` set when it was.
fn capped(body: Body, cut: Arc<AtomicBool>) -> Body {
    let mut seen = 0usize;
    let stream = body.into_data_stream().take_while(move |chunk| {
        let within = match chunk {
            Ok(bytes) => {
                seen = seen.saturating_add(bytes.len());
                seen <= MAX_FORM_BODY_BYTES
            }
            Err(_) => true,
        };
        if !within {
            cut.store(true, Ordering::Relaxed);
        }
        std::future::ready(within)
    });
    Body::from_stream(stream)
}

fn read_error(error: axum::extract::multipart::MultipartError) -> FormError {
    if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        FormError::TooLarge
    } else {
        // multer's own words are English and technical: the sender learns enough here.
        FormError::Malformed("formulaire multipart illisible ou interrompu".into())
    }
}
