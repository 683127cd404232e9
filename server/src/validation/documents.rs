//! What an uploaded shared document is, judged by its content and never by its name or the
//! type its sender claims: a PDF, an OpenDocument text or spreadsheet, or an Office Open XML
//! document or workbook, within 20 MB. The zip containers of the last four are read from
//! their central directory without inflating anything, so that a zip bomb disguised as a
//! DOCX is refused on its declared sizes.

use super::FieldError;

/// The largest document accepted.
pub const MAX_DOCUMENT_BYTES: usize = 20 * 1024 * 1024;
/// Entries of a document's zip container; real documents have tens.
pub const MAX_ZIP_ENTRIES: usize = 5_000;
/// What a document's entries may expand to, in all.
pub const MAX_EXPANDED_BYTES: u64 = 200 * 1024 * 1024;
/// How much one entry may expand compared with its compressed size: text compresses about
/// tenfold, bombs a thousandfold and more.
pub const MAX_EXPANSION_RATIO: u64 = 200;
/// The longest file name kept.
pub const MAX_FILENAME_CHARS: usize = 120;

/// The formats accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentFormat {
    Pdf,
    Odt,
    Ods,
    Docx,
    Xlsx,
}

impl DocumentFormat {
    /// The media type it is served with.
    pub fn media_type(self) -> &'static str {
        match self {
            DocumentFormat::Pdf => "application/pdf",
            DocumentFormat::Odt => "application/vnd.oasis.opendocument.text",
            DocumentFormat::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            DocumentFormat::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            DocumentFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            DocumentFormat::Pdf => "pdf",
            DocumentFormat::Odt => "odt",
            DocumentFormat::Ods => "ods",
            DocumentFormat::Docx => "docx",
            DocumentFormat::Xlsx => "xlsx",
        }
    }
}

/// What an upload is, or why it is refused (field `file`).
pub fn document_format(bytes: &[u8]) -> Result<DocumentFormat, FieldError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(refusal(format!(
            "le fichier dépasse 20 Mo ({} octets)",
            bytes.len()
        )));
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(DocumentFormat::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return zip_document(bytes);
    }
    Err(refusal(
        "ce fichier n'est ni un PDF, ni un document OpenDocument (ODT, ODS), ni un document \
         Office (DOCX, XLSX) : son contenu en dit un autre type, quel que soit son nom",
    ))
}

fn refusal(message: impl Into<String>) -> FieldError {
    FieldError::new("file", message)
}

/// One entry of a zip's central directory.
struct ZipEntry {
    name: String,
    compressed: u64,
    expanded: u64,
    local_header: usize,
}

fn zip_document(bytes: &[u8]) -> Result<DocumentFormat, FieldError> {
    let broken = || refusal("ce document est une archive zip illisible ou tronquée");
    let entries = central_directory(bytes).ok_or_else(broken)?;
    if entries.len() > MAX_ZIP_ENTRIES {
        return Err(refusal(
            "ce document contient trop de fichiers pour en être un",
        ));
    }
    let mut expanded: u64 = 0;
    for entry in &entries {
        expanded = expanded.saturating_add(entry.expanded);
        let bomb = entry.expanded > MAX_EXPANSION_RATIO.saturating_mul(entry.compressed.max(1))
            && entry.expanded > 1024 * 1024;
        if bomb || expanded > MAX_EXPANDED_BYTES {
            return Err(refusal(
                "ce document se décompresserait en bien plus que son poids (bombe de \
                 décompression) : il est refusé",
            ));
        }
        if entry.name.split(['/', '\\']).any(|part| part == "..") || entry.name.starts_with('/') {
            return Err(refusal("ce document contient un chemin hors de l'archive"));
        }
    }
    let has = |name: &str| entries.iter().any(|e| e.name == name);
    // OpenDocument: a first entry `mimetype`, stored, holding the media type.
    if let Some(first) = entries.iter().min_by_key(|e| e.local_header)
        && first.name == "mimetype"
    {
        let content = stored_content(bytes, first).ok_or_else(broken)?;
        return match content {
            b"application/vnd.oasis.opendocument.text" => Ok(DocumentFormat::Odt),
            b"application/vnd.oasis.opendocument.spreadsheet" => Ok(DocumentFormat::Ods),
            _ => Err(refusal(
                "seuls les textes (ODT) et les classeurs (ODS) OpenDocument sont acceptés",
            )),
        };
    }
    if has("[Content_Types].xml") && has("word/document.xml") {
        return Ok(DocumentFormat::Docx);
    }
    if has("[Content_Types].xml") && has("xl/workbook.xml") {
        return Ok(DocumentFormat::Xlsx);
    }
    Err(refusal(
        "cette archive zip n'est pas un document OpenDocument ou Office accepté",
    ))
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// The entries the end-of-central-directory record points to; none for a broken or ZIP64
/// archive (no document of 20 MB needs ZIP64).
fn central_directory(bytes: &[u8]) -> Option<Vec<ZipEntry>> {
    // The record is 22 bytes, followed by a comment of at most 65,535.
    let from = bytes.len().saturating_sub(22 + 65_535);
    let end = (from..=bytes.len().checked_sub(22)?)
        .rev()
        .find(|&at| u32_at(bytes, at) == Some(0x0605_4b50))?;
    let count = usize::from(u16_at(bytes, end + 10)?);
    let mut at = usize::try_from(u32_at(bytes, end + 16)?).ok()?;
    if count == 0xffff || at == 0xffff_ffff {
        return None;
    }
    let mut entries = Vec::with_capacity(count.min(MAX_ZIP_ENTRIES + 1));
    for _ in 0..count.min(MAX_ZIP_ENTRIES + 1) {
        if u32_at(bytes, at)? != 0x0201_4b50 {
            return None;
        }
        let compressed = u64::from(u32_at(bytes, at + 20)?);
        let expanded = u64::from(u32_at(bytes, at + 24)?);
        let name_len = usize::from(u16_at(bytes, at + 28)?);
        let extra_len = usize::from(u16_at(bytes, at + 30)?);
        let comment_len = usize::from(u16_at(bytes, at + 32)?);
        let local_header = usize::try_from(u32_at(bytes, at + 42)?).ok()?;
        let name = String::from_utf8_lossy(bytes.get(at + 46..at + 46 + name_len)?).into_owned();
        entries.push(ZipEntry {
            name,
            compressed,
            expanded,
            local_header,
        });
        at += 46 + name_len + extra_len + comment_len;
    }
    Some(entries)
}

/// The bytes of an entry stored without compression, read from its local header.
fn stored_content<'a>(bytes: &'a [u8], entry: &ZipEntry) -> Option<&'a [u8]> {
    let at = entry.local_header;
    if u32_at(bytes, at)? != 0x0403_4b50 || u16_at(bytes, at + 8)? != 0 {
        return None;
    }
    let name_len = usize::from(u16_at(bytes, at + 26)?);
    let extra_len = usize::from(u16_at(bytes, at + 28)?);
    let start = at + 30 + name_len + extra_len;
    bytes.get(start..start + usize::try_from(entry.compressed).ok()?)
}

/// A document's file name as it is kept and offered for download: its last path segment,
/// without control or invisible characters, at most [`MAX_FILENAME_CHARS`]; `../` and the
/// like are refused rather than cleaned, so that the sender sees what was wrong.
pub fn document_filename(written: &str) -> Result<String, FieldError> {
    let name = written.trim();
    let bad = name.is_empty()
        || name.contains(['/', '\\'])
        || name == "."
        || name == ".."
        || name.starts_with('.')
        || name
            .chars()
            .any(|c| c.is_control() || crate::text::is_invisible(c));
    if bad {
        return Err(FieldError::new(
            "file",
            "nom de fichier refusé : ni chemin (/, \\, ..), ni caractère de contrôle ou \
             invisible, ni point en tête",
        ));
    }
    if name.chars().count() > MAX_FILENAME_CHARS {
        return Err(FieldError::new(
            "file",
            format!("nom de fichier trop long ({MAX_FILENAME_CHARS} caractères au plus)"),
        ));
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zip with these (name, stored content, declared expanded size) entries, each
    /// stored without compression.
    fn zip(entries: &[(&str, &[u8], Option<u32>)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, content, declared) in entries {
            let offset = out.len() as u32;
            let size = content.len() as u32;
            let expanded = declared.unwrap_or(size);
            out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&expanded.to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(content);
            central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&size.to_le_bytes());
            central.extend_from_slice(&expanded.to_le_bytes());
            central.extend_from_slice(&(name.len() as u16).to_le_bytes());
            central.extend_from_slice(&[0; 12]);
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let start = out.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&start.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    #[test]
    fn documents_are_known_by_their_content() {
        assert_eq!(document_format(b"%PDF-1.7\n..."), Ok(DocumentFormat::Pdf));
        let odt = zip(&[
            ("mimetype", b"application/vnd.oasis.opendocument.text", None),
            ("content.xml", b"<office:document-content/>", None),
        ]);
        assert_eq!(document_format(&odt), Ok(DocumentFormat::Odt));
        let docx = zip(&[
            ("[Content_Types].xml", b"<Types/>", None),
            ("word/document.xml", b"<w:document/>", None),
        ]);
        assert_eq!(document_format(&docx), Ok(DocumentFormat::Docx));
        let xlsx = zip(&[
            ("[Content_Types].xml", b"<Types/>", None),
            ("xl/workbook.xml", b"<workbook/>", None),
        ]);
        assert_eq!(
            document_format(&xlsx).map(DocumentFormat::extension),
            Ok("xlsx")
        );
    }

    #[test]
    fn html_executables_bombs_and_escapes_are_refused() {
        for disguised in [
            &b"<!doctype html><script>alert(1)</script>"[..],
            b"MZ\x90\x00\x03",
            b"\x7fELF\x02\x01",
            b"PK\x03\x04 truncated",
        ] {
            assert!(document_format(disguised).is_err(), "{disguised:?}");
        }
        let bomb = zip(&[
            ("[Content_Types].xml", b"<Types/>", None),
            ("word/document.xml", b"tiny", Some(4_000_000_000)),
        ]);
        let refused = document_format(&bomb).expect_err("bomb");
        assert!(refused.message.contains("bombe"), "{}", refused.message);
        let escape = zip(&[
            ("[Content_Types].xml", b"<Types/>", None),
            ("../../etc/cron.d/x", b"x", None),
            ("word/document.xml", b"<w:document/>", None),
        ]);
        assert!(document_format(&escape).is_err());
        let other_zip = zip(&[("photo.jpg", b"\xff\xd8", None)]);
        assert!(document_format(&other_zip).is_err());
        assert!(document_format(&vec![b'%'; MAX_DOCUMENT_BYTES + 1]).is_err());
    }

    #[test]
    fn file_names_are_kept_only_when_harmless() {
        assert_eq!(
            document_filename(" Cahier des charges openElec.pdf ").as_deref(),
            Ok("Cahier des charges openElec.pdf")
        );
        for bad in [
            "../../etc/passwd",
            "a/b.pdf",
            "..",
            ".htaccess",
            "a\u{7}.pdf",
            "x\u{202e}fdp.exe",
            "",
        ] {
            assert!(document_filename(bad).is_err(), "{bad:?}");
        }
    }
}
