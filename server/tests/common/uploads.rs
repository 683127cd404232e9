//! Uploads as clients send them (`multipart/form-data`) and real documents to send: office
//! files written by a real zip writer with deflated entries, as office suites write them, a
//! zip bomb, a PDF, and what pretends to be one.

use std::io::Write;

use axum::body::Body;
use axum::http::{Request, header};

use super::browser::Browser;
use super::{TestApp, TestResponse};

/// A file field: (field name, file name, content).
pub type FilePart<'a> = (&'a str, &'a str, &'a [u8]);

const BOUNDARY: &str = "----civiforge-test-7d3c1e9a";

/// A body that arrives in 64 KiB pieces, as it does from the network (a body made whole in
/// memory would reach the server as one piece of any size).
fn streamed(body: Vec<u8>) -> Body {
    Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
        std::io::Cursor::new(body),
        64 * 1024,
    ))
}

/// A `multipart/form-data` body: its content type and its bytes.
pub fn multipart(fields: &[(&str, &str)], file: Option<FilePart<'_>>) -> (String, Vec<u8>) {
    let mut body = Vec::new();
    for (name, value) in fields {
        write!(
            body,
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
        .expect("write");
    }
    if let Some((name, filename, content)) = file {
        write!(
            body,
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; \
             filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .expect("write");
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{BOUNDARY}--\r\n").expect("write");
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

impl TestApp {
    /// Posts a multipart form with a bearer token.
    pub async fn upload(
        &self,
        uri: &str,
        token: &str,
        fields: &[(&str, &str)],
        file: Option<FilePart<'_>>,
    ) -> TestResponse {
        let (content_type, body) = multipart(fields, file);
        let request = Request::builder()
            .method("POST")
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(streamed(body))
            .expect("request");
        self.send(request).await
    }
}

impl Browser {
    /// Submits a page's multipart form (a file input) with this browser's cookies and
    /// anti-forgery token.
    pub async fn submit_file(
        &mut self,
        app: &TestApp,
        uri: &str,
        fields: &[(&str, &str)],
        file: Option<FilePart<'_>>,
    ) -> TestResponse {
        let csrf = self.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        let (content_type, body) = multipart(&all, file);
        self.send_post(app, uri, &content_type, streamed(body), "192.0.2.10", None)
            .await
    }
}

/// A zip of these (name, content) entries, deflated except those named `mimetype`, which
/// OpenDocument wants stored first.
pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in entries {
        let method = if *name == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        writer.start_file(*name, options).expect("entry");
        writer.write_all(content).expect("content");
    }
    writer.finish().expect("zip").into_inner()
}

/// A Word document, as Word lays it out.
pub fn docx(text: &str) -> Vec<u8> {
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.\
         openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:r><w:t>{text}</w:t>\
         </w:r></w:p></w:body></w:document>"
    );
    zip(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", b"<Relationships/>"),
        ("word/document.xml", document.as_bytes()),
    ])
}

/// An OpenDocument text.
pub fn odt(text: &str) -> Vec<u8> {
    let content =
        format!("<office:document-content><text:p>{text}</text:p></office:document-content>");
    zip(&[
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", content.as_bytes()),
        ("META-INF/manifest.xml", b"<manifest:manifest/>"),
    ])
}

/// What looks like a Word document and inflates to 100 MB of zeros: a zip bomb.
pub fn docx_bomb() -> Vec<u8> {
    let zeros = vec![0u8; 100 * 1024 * 1024];
    zip(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("word/document.xml", &zeros),
    ])
}

/// A small valid PDF.
pub fn pdf(text: &str) -> Vec<u8> {
    format!(
        "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages \
         /Kids [] /Count 0 >> endobj\n% {text}\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    .into_bytes()
}

const CONTENT_TYPES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://\
    schemas.openxmlformats.org/package/2006/content-types\"><Override PartName=\"/word/\
    document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.\
    wordprocessingml.document.main+xml\"/></Types>";
