//! publiccode.yml parsing and validation (https://yml.publiccode.tools), following the rules
//! of the reference parser (italia/publiccode-parser-go) without its network and file checks:
//! civiforge never fetches anything while parsing, so URLs are checked for form only and
//! files named by `logo`, `screenshots` or `authorsFile` are not opened.
//!
//! Parsing is tolerant: whatever can be mapped to the standard's fields is, and everything
//! else becomes an error or a warning with its line and key, in French.

mod model;
mod read;
mod validate;
mod vocab;
mod yaml;

use serde::Serialize;

pub use model::{
    Contact, Contractor, Dependency, DependsOn, Description, IntendedAudience, Legal, Localisation,
    Maintenance, Organisation, PublicCode, Support,
};

/// Largest publiccode.yml accepted (1 MiB); real files are a few kilobytes.
pub const MAX_PUBLICCODE_BYTES: usize = 1024 * 1024;

/// The result of parsing a publiccode.yml file.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PublicCodeReport {
    /// The file mapped to the standard's fields, as far as it could be read (present even with
    /// errors whenever the YAML itself could be read as a mapping).
    pub publiccode: Option<PublicCode>,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

impl PublicCodeReport {
    /// Whether the file has no errors (warnings allowed).
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// One problem found in a file.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Diagnostic {
    /// 1-based line in the file, when known.
    pub line: Option<usize>,
    /// Dotted path of the key, like `description.fr.shortDescription`, `legal.license` or
    /// `maintenance.contacts[0].email`; empty for the file as a whole.
    pub key: String,
    /// What is wrong and how to fix it, in French.
    pub message: String,
}

/// Errors and warnings collected while reading and validating a file.
#[derive(Debug, Default)]
pub(crate) struct Diagnostics {
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

impl Diagnostics {
    pub(crate) fn error(&mut self, line: Option<usize>, key: &str, message: impl Into<String>) {
        self.errors.push(Diagnostic {
            line: line.filter(|l| *l > 0),
            key: key.to_owned(),
            message: message.into(),
        });
    }

    pub(crate) fn warning(&mut self, line: Option<usize>, key: &str, message: impl Into<String>) {
        self.warnings.push(Diagnostic {
            line: line.filter(|l| *l > 0),
            key: key.to_owned(),
            message: message.into(),
        });
    }
}

/// Parses and validates a publiccode.yml file; never panics, whatever the input.
pub fn parse_publiccode(bytes: &[u8]) -> PublicCodeReport {
    let mut diags = Diagnostics::default();
    let publiccode = parse_into(bytes, &mut diags);
    PublicCodeReport {
        publiccode,
        errors: diags.errors,
        warnings: diags.warnings,
    }
}

fn parse_into(bytes: &[u8], diags: &mut Diagnostics) -> Option<PublicCode> {
    if bytes.len() > MAX_PUBLICCODE_BYTES {
        diags.error(
            None,
            "",
            format!(
                "Le fichier fait {} octets, au-delà de la limite de {} octets : un publiccode.yml \
                 ne fait normalement que quelques kilo-octets.",
                bytes.len(),
                MAX_PUBLICCODE_BYTES
            ),
        );
        return None;
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            diags.error(
                None,
                "",
                format!(
                    "Le fichier n'est pas encodé en UTF-8 (octet invalide à la position {}) : \
                     enregistrez-le en UTF-8.",
                    error.valid_up_to()
                ),
            );
            return None;
        }
    };
    // A byte order mark is legal in YAML but trips some tools; the parser ignores it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let root = match yaml::parse(text) {
        Ok(root) => root,
        Err(error) if error.budget => {
            diags.error(
                error.line,
                "",
                format!(
                    "Le YAML dépasse les limites de sécurité (alias, imbrication ou taille) : \
                     supprimez les ancres et alias (&, *) en excès. Détail : {}",
                    error.message
                ),
            );
            return None;
        }
        Err(error) => {
            diags.error(
                error.line,
                "",
                format!(
                    "Le fichier n'est pas un YAML valide : corrigez la syntaxe. Détail : {}",
                    error.message
                ),
            );
            return None;
        }
    };
    if root.as_map().is_none() {
        diags.error(
            Some(root.line),
            "",
            "Le fichier doit être un dictionnaire de clés YAML (publiccodeYmlVersion, name, url…).",
        );
        return None;
    }
    let (publiccode, lines) = read::read(&root, diags);
    validate::validate(&publiccode, &root, &lines, diags);
    Some(publiccode)
}
