//! The domain: every operation that changes the catalogue, written once with its rules and
//! its audit entry (stored in the same transaction as the change). The API (`http/`), the
//! pages (`pages/`) and the command line (`cli.rs`) are adapters around it: they read a
//! request, make an [`Actor`], call one operation and render what it returns, a typed value
//! or an [`AppError`].

pub mod accounts;
mod actor;
pub mod addresses;
pub mod adoptions;
pub mod claims;
mod dashboards;
pub mod documents;
mod error;
pub mod forge;
pub mod groups;
pub mod known_users;
mod lag;
mod moderation;
pub mod projects;
pub mod providers;
mod publiccode;
pub mod structures;
pub mod upkeep;
pub mod webhooks;

use std::sync::Arc;

use civiforge_indexer::RepositoryUrlPolicy;

pub use actor::{Actor, Channel};
pub use error::{AppError, AppResult, Forbidden, shorten};

use crate::store::Store;

/// What the operations work with: the catalogue's store and the policy every repository
/// address must pass.
#[derive(Clone)]
pub struct Domain {
    pub store: Arc<dyn Store>,
    pub url_policy: RepositoryUrlPolicy,
    /// The instance's address as users reach it, for the links sent by e-mail.
    pub public_url: String,
    /// Where shared documents' files are kept; none for the command line, which shares none.
    pub documents: Option<crate::document_files::DocumentFiles>,
}

impl Domain {
    pub fn new(store: Arc<dyn Store>, url_policy: RepositoryUrlPolicy) -> Self {
        Self {
            store,
            url_policy,
            public_url: "http://127.0.0.1:8080".into(),
            documents: None,
        }
    }

    /// The same domain, keeping shared documents' files in `files`.
    pub fn with_documents(mut self, files: crate::document_files::DocumentFiles) -> Self {
        self.documents = Some(files);
        self
    }

    /// The same domain, its e-mail links pointing at `public_url`.
    pub fn with_public_url(mut self, public_url: impl Into<String>) -> Self {
        self.public_url = public_url.into().trim_end_matches('/').to_string();
        self
    }
}
