//! Checking a publiccode.yml that someone pastes or sends, as the indexer checks a
//! repository's: the same parser, errors and warnings with their line and key, in French.

use super::Domain;
use crate::model::PubliccodeValidation;

impl Domain {
    /// The verdict on `bytes` as a publiccode.yml (parsed off the async executor: a file near
    /// the size limit takes milliseconds).
    pub async fn validate_publiccode(&self, bytes: Vec<u8>) -> PubliccodeValidation {
        tokio::task::spawn_blocking(move || {
            PubliccodeValidation::from(&civiforge_indexer::publiccode::parse_publiccode(&bytes))
        })
        .await
        .unwrap_or_else(|_| PubliccodeValidation {
            valid: false,
            errors: vec![crate::model::PubliccodeDiagnostic {
                line: None,
                key: String::new(),
                message: "Le fichier n'a pas pu être lu.".into(),
            }],
            warnings: Vec::new(),
        })
    }
}
