//! civiforge's indexer: turns a git repository of shared public software into a structured
//! snapshot (versions, README, publiccode.yml, activity). It knows no database: the server
//! stores what it returns.

pub mod activity;
pub mod fetch;
pub mod hosted;
pub mod licence;
pub mod preserve;
pub mod publiccode;
pub mod readme;
pub mod snapshot;
pub mod tags;
pub mod tree;
pub mod url_policy;
pub mod versions;

pub use readme::{LinkBase, ReadmeFormat, RenderedReadme, choose_readme, render_readme};
pub use url_policy::{RepositoryLocation, RepositoryUrlPolicy, UrlPolicyError};
pub use versions::{VersionName, compare_versions, parse_version_tag};
