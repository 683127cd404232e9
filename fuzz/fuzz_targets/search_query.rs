//! Fuzz target: the search box's query language (`civiforge::search::query::UserQuery::parse`).
//!
//! Invariants checked:
//! - parsing is deterministic and keeps at most `MAX_CLAUSES` clauses;
//! - every word (of a word, a phrase or an exclusion) is non-empty and made of letters and
//!   digits only (so no whitespace, quote, operator or tantivy syntax); a phrase has at least
//!   two words; every word is a substring of the first `MAX_QUERY_CHARS` characters of the
//!   input, and all words together are at most that long;
//! - `is_empty` and `positive_words` agree with the clauses;
//! - the query written back in canonical form (`word "phrase words" -excluded`) parses to the
//!   same clauses, whenever that form fits in `MAX_QUERY_CHARS`.

#![no_main]

use civiforge::search::query::{Clause, MAX_CLAUSES, MAX_QUERY_CHARS, UserQuery};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let query = UserQuery::parse(input);
    assert_eq!(UserQuery::parse(input), query, "not deterministic");
    assert!(query.clauses.len() <= MAX_CLAUSES, "{query:?}");

    let considered: String = input.chars().take(MAX_QUERY_CHARS).collect();
    let mut total_chars = 0;
    let mut positive = Vec::new();
    for clause in &query.clauses {
        let words: Vec<&str> = match clause {
            Clause::Word(word) | Clause::Exclude(word) => vec![word.as_str()],
            Clause::Phrase(words) => {
                assert!(
                    words.len() >= 2,
                    "phrase of fewer than two words: {clause:?}"
                );
                words.iter().map(String::as_str).collect()
            }
        };
        for word in &words {
            assert!(!word.is_empty(), "empty word in {clause:?} from {input:?}");
            assert!(
                word.chars().all(char::is_alphanumeric),
                "word {word:?} holds other than letters and digits, from {input:?}"
            );
            assert!(
                considered.contains(word),
                "word {word:?} not in the input {input:?}"
            );
            total_chars += word.chars().count();
        }
        if !matches!(clause, Clause::Exclude(_)) {
            positive.extend(words);
        }
    }
    assert!(total_chars <= MAX_QUERY_CHARS, "{query:?}");
    assert_eq!(query.positive_words(), positive);
    assert_eq!(query.is_empty(), positive.is_empty());

    let canonical = canonical_form(&query);
    if canonical.chars().count() <= MAX_QUERY_CHARS {
        assert_eq!(
            UserQuery::parse(&canonical),
            query,
            "{input:?} written back as {canonical:?} parses differently"
        );
    }
});

/// The query as someone would type it: words, "phrases" and -exclusions, separated by spaces.
fn canonical_form(query: &UserQuery) -> String {
    query
        .clauses
        .iter()
        .map(|clause| match clause {
            Clause::Word(word) => word.clone(),
            Clause::Phrase(words) => format!("\"{}\"", words.join(" ")),
            Clause::Exclude(word) => format!("-{word}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}
