//! Names cut in overlapping three-letter pieces, each at its position, so that "inside a
//! word" is a phrase of pieces: « metie » finds openCimetière through `met`, `eti`, `tie`
//! in a row, from the term dictionary, where a `.*metie.*` pattern had to walk all of it.

use tantivy::Term;
use tantivy::query::{PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The pieces' length, in characters.
pub const GRAM: usize = 3;

/// The tokenizer of the pieces, registered under [`super::schema::GRAMS`]. Its text is the
/// name already folded (lower case, no accents), words separated by a space.
#[derive(Clone, Default)]
pub struct GramTokenizer;

pub struct GramStream<'a> {
    text: &'a str,
    /// The byte offsets of the characters, and the text's length at the end.
    starts: Vec<usize>,
    next: usize,
    token: Token,
}

impl Tokenizer for GramTokenizer {
    type TokenStream<'a> = GramStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> GramStream<'a> {
        let mut starts: Vec<usize> = text.char_indices().map(|(at, _)| at).collect();
        starts.push(text.len());
        GramStream {
            text,
            starts,
            next: 0,
            token: Token::default(),
        }
    }
}

impl TokenStream for GramStream<'_> {
    fn advance(&mut self) -> bool {
        // The pieces of each word; none crosses the space between two words.
        while self.next + GRAM < self.starts.len() {
            let (from, to) = (self.starts[self.next], self.starts[self.next + GRAM]);
            let piece = &self.text[from..to];
            let position = self.next;
            self.next += 1;
            if piece.contains(' ') {
                continue;
            }
            self.token.offset_from = from;
            self.token.offset_to = to;
            self.token.position = position;
            self.token.position_length = 1;
            self.token.text.clear();
            self.token.text.push_str(piece);
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// The query of the names that contain `folded` (at least [`GRAM`] letters, folded).
pub fn containing(field: Field, folded: &str) -> Box<dyn Query> {
    let mut terms = Vec::new();
    let mut tokenizer = GramTokenizer;
    let mut stream = tokenizer.token_stream(folded);
    while stream.advance() {
        terms.push(Term::from_field_text(field, &stream.token().text));
    }
    match terms.len() {
        0 => Box::new(tantivy::query::EmptyQuery),
        1 => Box::new(TermQuery::new(terms.remove(0), IndexRecordOption::Basic)),
        _ => Box::new(PhraseQuery::new(terms)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str) -> Vec<(String, usize)> {
        let mut tokenizer = GramTokenizer;
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push((stream.token().text.clone(), stream.token().position));
        }
        out
    }

    #[test]
    fn pieces_follow_each_other_within_words() {
        assert_eq!(
            pieces("open elec"),
            [
                ("ope".to_string(), 0),
                ("pen".to_string(), 1),
                ("ele".to_string(), 5),
                ("lec".to_string(), 6)
            ]
        );
        assert!(pieces("ab").is_empty());
        assert_eq!(pieces("été").len(), 1);
    }
}
