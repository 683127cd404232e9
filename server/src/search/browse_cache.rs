//! The answers of searches without words — the catalogue listed by rank, filtered or not,
//! as the home page and the search page's first visit ask for it — kept for one searcher
//! generation and at most a minute. They depend only on the index, and on the date through
//! freshness, which a minute does not move; yet they are the most expensive answers, since
//! every project matches and every facet is counted over the whole catalogue.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::request::{Filters, SearchRequest, SearchResults};

/// How long an answer is served again.
const TIME_TO_LIVE: Duration = Duration::from_secs(60);
/// Pages kept at most; past that the cache starts afresh (filters × pages are few in use).
const CAPACITY: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    filters: Filters,
    limit: usize,
    offset: usize,
}

/// The searcher an answer was computed on: the index's opening in this process and the
/// searcher's generation on it.
pub type Generation = (u64, u64);

#[derive(Default)]
struct Entries {
    generation: Generation,
    answers: HashMap<Key, (Instant, SearchResults)>,
}

/// The cache of answers to searches without words.
#[derive(Default)]
pub struct BrowseCache {
    entries: Mutex<Entries>,
}

/// Whether a request's answer may be cached: nothing typed.
fn cacheable(request: &SearchRequest) -> bool {
    request.text.trim().is_empty()
}

fn key(request: &SearchRequest) -> Key {
    Key {
        filters: request.filters.clone(),
        limit: request.limit,
        offset: request.offset,
    }
}

impl BrowseCache {
    /// The answer kept for this request on the searcher of `generation`, if fresh.
    pub fn get(&self, generation: Generation, request: &SearchRequest) -> Option<SearchResults> {
        if !cacheable(request) {
            return None;
        }
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.generation != generation {
            return None;
        }
        let (at, answer) = entries.answers.get(&key(request))?;
        (at.elapsed() < TIME_TO_LIVE).then(|| answer.clone())
    }

    /// Keeps the answer to this request, computed on the searcher of `generation`.
    pub fn put(&self, generation: Generation, request: &SearchRequest, answer: &SearchResults) {
        if !cacheable(request) {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.generation != generation || entries.answers.len() >= CAPACITY {
            entries.answers.clear();
            entries.generation = generation;
        }
        entries
            .answers
            .insert(key(request), (Instant::now(), answer.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(category: Option<&str>) -> SearchRequest {
        SearchRequest {
            filters: Filters {
                category: category.map(str::to_string),
                ..Filters::default()
            },
            limit: 20,
            ..SearchRequest::default()
        }
    }

    fn answer(total: usize) -> SearchResults {
        SearchResults {
            total,
            items: Vec::new(),
            facets: Default::default(),
            relaxed: false,
        }
    }

    #[test]
    fn answers_are_served_again_only_for_the_same_searcher_and_request() {
        let cache = BrowseCache::default();
        cache.put((1, 4), &listing(None), &answer(100));
        cache.put((1, 4), &listing(Some("cimetieres")), &answer(7));
        assert_eq!(
            cache.get((1, 4), &listing(None)).map(|a| a.total),
            Some(100)
        );
        assert_eq!(
            cache
                .get((1, 4), &listing(Some("cimetieres")))
                .map(|a| a.total),
            Some(7)
        );
        assert!(cache.get((1, 4), &listing(Some("urbanisme"))).is_none());
        let mut next_page = listing(None);
        next_page.offset = 20;
        assert!(cache.get((1, 4), &next_page).is_none());
        // A new commit, or a rebuilt index whose generations start again.
        assert!(cache.get((1, 5), &listing(None)).is_none());
        assert!(cache.get((2, 4), &listing(None)).is_none());
    }

    #[test]
    fn searches_with_words_are_never_kept() {
        let cache = BrowseCache::default();
        let mut typed = listing(None);
        typed.text = "cimetière".into();
        cache.put((1, 1), &typed, &answer(3));
        assert!(cache.get((1, 1), &typed).is_none());
        typed.text = "   ".into();
        cache.put((1, 1), &typed, &answer(9));
        assert_eq!(cache.get((1, 1), &typed).map(|a| a.total), Some(9));
    }
}
