//! What a search asks and what it answers: the request with its filters, the hits, the facet
//! counts. The engine (`engine.rs`) runs it; the API and the page read it.

use std::collections::BTreeMap;

use serde::Serialize;

/// Filters of a search; each is an exact value of its facet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Filters {
    pub category: Option<String>,
    pub license: Option<String>,
    pub status: Option<String>,
    pub departement: Option<String>,
    pub kind: Option<String>,
    /// `oui` or `non`.
    pub has_adopters: Option<String>,
    /// `oui` or `non`.
    pub active: Option<String>,
}

/// One search to run.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub text: String,
    pub filters: Filters,
    pub limit: usize,
    pub offset: usize,
}

/// A project found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Hit {
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub score: f32,
    /// A short extract with the matched words in `<b>`, HTML-escaped otherwise.
    pub highlight: String,
    pub adopters_count: u64,
}

/// A facet value and how many results have it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// Results of a search.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    pub total: usize,
    pub items: Vec<Hit>,
    pub facets: BTreeMap<String, Vec<FacetCount>>,
    /// True when no project had every word, and the results have some of them.
    pub relaxed: bool,
}
