//! Highlights: the short extract of a hit's stored body where the words sought (and the
//! single words of their families) are marked. The body is analysed as at indexing, but a
//! word is only stemmed when it starts like one of the stems sought: stemming every word of
//! 4,000 characters for each of the 20 hits was most of what a rare word's search cost.

use std::collections::BTreeMap;
use std::sync::Arc;

use tantivy::schema::Field;
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};
use tantivy::{Searcher, Term};

/// The extract's length, in characters.
const EXTRACT_CHARS: usize = 200;
/// A stem's first letters a word must share to be stemmed. The French stemmer only cuts or
/// rewrites endings, so a word's stem starts with the word's first letters.
const GATE_LETTERS: usize = 3;

/// A generator of highlights in `field` for `stems`; `None` when none is in the index.
pub fn generator(
    searcher: &Searcher,
    field: Field,
    stems: Vec<String>,
) -> tantivy::Result<Option<SnippetGenerator>> {
    let mut weights = BTreeMap::new();
    for stem in stems {
        let doc_freq = searcher.doc_freq(&Term::from_field_text(field, &stem))?;
        if doc_freq > 0 {
            // As tantivy's own generator weighs terms: rarer words make better extracts.
            weights.insert(stem, 1.0 / (1.0 + doc_freq as f32));
        }
    }
    if weights.is_empty() {
        return Ok(None);
    }
    let gates = weights
        .keys()
        .map(|stem| stem.chars().take(GATE_LETTERS).collect())
        .collect();
    Ok(Some(SnippetGenerator::new(
        weights,
        gated_analyzer(gates),
        field,
        EXTRACT_CHARS,
    )))
}

/// The French analyser of indexing, with words that start like none of `gates` emptied
/// before the stemmer.
fn gated_analyzer(gates: Vec<String>) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StemGate {
            gates: Arc::new(gates),
        })
        .filter(Stemmer::new(Language::French))
        .build()
}

/// Empties the words that cannot stem to one of the stems sought, so that the stemmer after
/// it has nothing to do for them and they match nothing.
#[derive(Clone)]
struct StemGate {
    gates: Arc<Vec<String>>,
}

impl TokenFilter for StemGate {
    type Tokenizer<T: Tokenizer> = StemGateFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> StemGateFilter<T> {
        StemGateFilter { gate: self, inner }
    }
}

#[derive(Clone)]
struct StemGateFilter<T> {
    gate: StemGate,
    inner: T,
}

impl<T: Tokenizer> Tokenizer for StemGateFilter<T> {
    type TokenStream<'a> = StemGateStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        StemGateStream {
            gates: &self.gate.gates,
            tail: self.inner.token_stream(text),
        }
    }
}

struct StemGateStream<'a, T> {
    gates: &'a [String],
    tail: T,
}

impl<T: TokenStream> TokenStream for StemGateStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if !self.gates.iter().any(|gate| token.text.starts_with(gate)) {
            token.text.clear();
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::schema::{french_analyzer, tokens};

    /// The gate never hides a word the full analyser would have matched.
    #[test]
    fn gated_words_stem_as_at_indexing() {
        let text = "Les électeurs consultent les listes électorales ; l'élection municipale, \
                    les délibérations du conseil et les cimetières communaux. Fréquemment, \
                    les bureaux de vote ferment tard. Œuvres, eaux, travaux, agréments.";
        let all = tokens(&mut french_analyzer(), text);
        let stems: Vec<String> = all.iter().filter(|s| !s.is_empty()).cloned().collect();
        let gates = stems
            .iter()
            .map(|s| s.chars().take(GATE_LETTERS).collect())
            .collect();
        assert_eq!(tokens(&mut gated_analyzer(gates), text), all);
    }

    #[test]
    fn words_that_start_otherwise_are_left_unstemmed() {
        let mut gated = gated_analyzer(vec!["cim".to_string()]);
        assert_eq!(
            tokens(&mut gated, "Cimetières et élections"),
            ["cimetier", "", ""]
        );
    }
}
