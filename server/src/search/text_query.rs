//! The text part of a search: each word typed looked for, stemmed, in every field; close to
//! it when long enough (typos); and through its family in the thesaurus, at a lower weight,
//! so that an exact match always comes first. French function words are left out unless
//! they are part of a phrase or of an expression of the thesaurus. A phrase in quotes is
//! looked for as written (stemmed), without its family or typos.

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, FuzzyTermQuery, Occur,
    PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};

use super::engine::Engine;
use super::french::{Member, Thesaurus, is_stop_word};
use super::query::{Clause, UserQuery};
use super::schema::{folded_analyzer, french_analyzer, tokens};

/// Typos are tolerated from five letters: shorter words have too many neighbours.
const FUZZY_FROM_LETTERS: usize = 5;
/// Two typos from eight letters.
const TWO_TYPOS_FROM_LETTERS: usize = 8;
/// A word found as typed in at least this many projects is taken as typed: its near
/// spellings would only add matches below the exact ones, and looking them up (a
/// Levenshtein automaton run over the term dictionary, then a union of what it finds) is
/// the dearest part of a query.
const TYPOS_ONLY_BELOW: u64 = 20;

type Clauses = Vec<(Occur, Box<dyn Query>)>;

fn stem(word: &str) -> Option<String> {
    tokens(&mut french_analyzer(), word).into_iter().next()
}

impl Engine<'_> {
    /// The text part of the query; `all` requires every word, else any word will do.
    pub fn text_query(&self, searcher: &Searcher, query: &UserQuery, all: bool) -> Box<dyn Query> {
        let occur = if all { Occur::Must } else { Occur::Should };
        let mut clauses: Clauses = Vec::new();
        let mut run: Vec<&str> = Vec::new();
        // The thesaurus families already brought by a word of this query.
        let mut taken = Vec::new();
        for clause in &query.clauses {
            match clause {
                Clause::Word(word) => run.push(word),
                Clause::Phrase(words) => {
                    let before = std::mem::take(&mut run);
                    self.words_query(searcher, &before, occur, &mut clauses, &mut taken);
                    // Quotes ask for these words exactly: no family, no typo.
                    let stems: Vec<String> = words.iter().filter_map(|w| stem(w)).collect();
                    if !stems.is_empty() {
                        let exact = self.exact(&stems, 1.0);
                        clauses.push((occur, Box::new(BooleanQuery::new(exact))));
                    }
                }
                Clause::Exclude(word) => {
                    if let Some(stem) = stem(word) {
                        clauses.push((Occur::MustNot, self.anywhere(&stem)));
                    }
                }
            }
        }
        self.words_query(searcher, &run, occur, &mut clauses, &mut taken);
        if !clauses.iter().any(|(occur, _)| *occur != Occur::MustNot) {
            if !query.is_empty() {
                // Only function words were typed: they are never enough to match.
                return Box::new(EmptyQuery);
            }
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// A run of words typed one after the other: an expression of the thesaurus among them
    /// is one unit (« permis de construire »), function words outside one are left out.
    fn words_query(
        &self,
        searcher: &Searcher,
        words: &[&str],
        occur: Occur,
        clauses: &mut Clauses,
        taken: &mut Vec<usize>,
    ) {
        let stems: Vec<String> = words.iter().map(|w| stem(w).unwrap_or_default()).collect();
        let thesaurus = Thesaurus::shipped();
        let mut at = 0;
        while at < words.len() {
            if let Some(length) = thesaurus.expression_at(&stems[at..]) {
                clauses.push((occur, self.expression_query(&stems[at..at + length], taken)));
                at += length;
                continue;
            }
            if !is_stop_word(words[at])
                && let Some(q) = self.word_query(searcher, words[at], &stems[at], taken)
            {
                clauses.push((occur, q));
            }
            at += 1;
        }
    }

    /// One word: its stem in any field, a near spelling when the word is rare as typed, its
    /// family.
    fn word_query(
        &self,
        searcher: &Searcher,
        word: &str,
        stem: &str,
        taken: &mut Vec<usize>,
    ) -> Option<Box<dyn Query>> {
        if stem.is_empty() {
            return None;
        }
        let stems = [stem.to_string()];
        let mut alternatives = self.exact(&stems, 1.0);
        let letters = word.chars().count();
        if letters >= FUZZY_FROM_LETTERS
            && let Some(folded) = tokens(&mut folded_analyzer(), word).first()
            && self.projects_with(searcher, folded) < TYPOS_ONLY_BELOW
        {
            let distance = if letters >= TWO_TYPOS_FROM_LETTERS {
                2
            } else {
                1
            };
            for (field, weight) in [
                (self.fields.folded, self.weights.fuzzy),
                (self.fields.readme_folded, self.weights.readme_fuzzy),
            ] {
                let term = Term::from_field_text(field, folded);
                let fuzzy = FuzzyTermQuery::new(term, distance, true);
                alternatives.push((
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(Box::new(fuzzy), weight)),
                ));
            }
        }
        alternatives.extend(self.family(&stems, taken));
        Some(Box::new(BooleanQuery::new(alternatives)))
    }

    /// How many projects have the folded word as typed, in the README or another field (a
    /// project with it in both counts twice: an estimate, read from the term dictionaries).
    fn projects_with(&self, searcher: &Searcher, folded: &str) -> u64 {
        [self.fields.folded, self.fields.readme_folded]
            .into_iter()
            .map(|field| {
                searcher
                    .doc_freq(&Term::from_field_text(field, folded))
                    .unwrap_or(0)
            })
            .sum()
    }

    /// An expression of the thesaurus: its words in order in one field, and its family.
    fn expression_query(&self, stems: &[String], taken: &mut Vec<usize>) -> Box<dyn Query> {
        let mut alternatives = self.exact(stems, 1.0);
        alternatives.extend(self.family(stems, taken));
        Box::new(BooleanQuery::new(alternatives))
    }

    /// The stems (a word, or a phrase of several) in each text field, boosted by field.
    fn exact(&self, stems: &[String], factor: f32) -> Clauses {
        self.weighted_text_fields()
            .into_iter()
            .map(|(field, boost)| {
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(in_field(field, stems), boost * factor))
                        as Box<dyn Query>,
                )
            })
            .collect()
    }

    /// The other words of the stems' families not taken by an earlier word of the query (see
    /// [`Thesaurus::relatives_untaken`]), each weighing a constant part of the word
    /// typed: in the name, the categories and the body (summary, publiccode.yml and the
    /// start of the README in one field), not scored by frequency. A family has up to twenty
    /// members; looked up in each of seven fields and scored there, they made a common
    /// word's search several times dearer than the word alone.
    fn family(&self, stems: &[String], taken: &mut Vec<usize>) -> Clauses {
        let (f, w) = (self.fields, &self.weights);
        let fields = [
            (f.name, w.name),
            (f.categories_text, w.categories),
            (f.body, w.summary),
        ];
        Thesaurus::shipped()
            .relatives_untaken(stems, taken)
            .into_iter()
            .flat_map(|Member { stems, .. }| {
                fields.map(|(field, boost)| {
                    let unscored =
                        ConstScoreQuery::new(matching(field, stems), boost * w.thesaurus);
                    (Occur::Should, Box::new(unscored) as Box<dyn Query>)
                })
            })
            .collect()
    }

    /// A stem in any text field, for exclusions.
    fn anywhere(&self, stem: &str) -> Box<dyn Query> {
        let any_field = self
            .weighted_text_fields()
            .into_iter()
            .map(|(field, _)| {
                let term = Term::from_field_text(field, stem);
                (
                    Occur::Should,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                )
            })
            .collect();
        Box::new(BooleanQuery::new(any_field))
    }
}

/// One stem as a term, several as a phrase, in one field.
fn in_field(field: Field, stems: &[String]) -> Box<dyn Query> {
    match stems {
        [one] => Box::new(TermQuery::new(
            Term::from_field_text(field, one),
            IndexRecordOption::WithFreqs,
        )),
        _ => Box::new(PhraseQuery::new(
            stems
                .iter()
                .map(|s| Term::from_field_text(field, s))
                .collect(),
        )),
    }
}

/// One stem as a term, several as a phrase, in one field, for matching only (no
/// frequencies read).
fn matching(field: Field, stems: &[String]) -> Box<dyn Query> {
    match stems {
        [one] => Box::new(TermQuery::new(
            Term::from_field_text(field, one),
            IndexRecordOption::Basic,
        )),
        _ => in_field(field, stems),
    }
}

/// The words of a query that count: positive ones that are not function words.
pub fn meaningful_words(query: &UserQuery) -> Vec<&str> {
    query
        .positive_words()
        .into_iter()
        .filter(|w| !is_stop_word(w))
        .collect()
}
