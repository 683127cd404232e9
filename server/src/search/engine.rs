//! Running searches on an open index: the query built from what the user typed, filters,
//! facet counts, ranking by relevance, adoption and freshness, and highlights.

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, RegexQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, DocId, Index, Score, Searcher, SegmentReader, TantivyDocument, Term};

use super::facets::FacetsCollector;
use super::french::Thesaurus;
use super::query::UserQuery;
pub use super::request::{FacetCount, Filters, Hit, SearchRequest, SearchResults};
use super::schema::{Fields, folded_analyzer, french_analyzer, tokens};
use super::text_query::meaningful_words;

/// How much adoption and freshness weigh against text relevance. The final score is
/// `relevance × (1 + adoption × ln(1 + adopters)) × (1 + freshness × e^(−age/365 days))`.
#[derive(Debug, Clone, Copy)]
pub struct RankingWeights {
    pub adoption: f32,
    pub freshness: f32,
    /// Field boosts: a match in the name counts most.
    pub name: f32,
    pub categories: f32,
    pub summary: f32,
    pub publiccode: f32,
    pub adopters: f32,
    pub readme: f32,
    pub maintainers: f32,
    /// A typo-tolerant match scores this constant, well under an exact match.
    pub fuzzy: f32,
    /// A typo-tolerant match in the README alone, lower still.
    pub readme_fuzzy: f32,
    /// A word of the same family in the thesaurus counts this part of the word typed.
    pub thesaurus: f32,
}

impl Default for RankingWeights {
    fn default() -> Self {
        Self {
            adoption: 0.5,
            freshness: 0.3,
            name: 4.0,
            categories: 2.5,
            summary: 2.0,
            publiccode: 1.5,
            adopters: 1.0,
            readme: 0.7,
            maintainers: 0.7,
            fuzzy: 0.4,
            readme_fuzzy: 0.2,
            thesaurus: 0.5,
        }
    }
}

/// Builds and runs queries.
pub struct Engine<'a> {
    pub index: &'a Index,
    pub fields: &'a Fields,
    pub weights: RankingWeights,
}

impl Engine<'_> {
    pub(super) fn weighted_text_fields(&self) -> [(Field, f32); 7] {
        let (f, w) = (self.fields, &self.weights);
        [
            (f.name, w.name),
            (f.categories_text, w.categories),
            (f.summary, w.summary),
            (f.publiccode, w.publiccode),
            (f.adopters, w.adopters),
            (f.readme, w.readme),
            (f.maintainers, w.maintainers),
        ]
    }

    fn filtered(&self, text: Box<dyn Query>, filters: &Filters) -> Box<dyn Query> {
        let f = self.fields;
        let chosen = [
            (f.category, &filters.category),
            (f.license, &filters.license),
            (f.status, &filters.status),
            (f.departement, &filters.departement),
            (f.adopter_kind, &filters.kind),
            (f.has_adopters, &filters.has_adopters),
            (f.active, &filters.active),
        ];
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text)];
        for (field, value) in chosen {
            if let Some(value) = value {
                let term = TermQuery::new(
                    Term::from_field_text(field, value),
                    IndexRecordOption::Basic,
                );
                // Filters select; they do not change the order.
                clauses.push((
                    Occur::Must,
                    Box::new(ConstScoreQuery::new(Box::new(term), 0.0)),
                ));
            }
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// The query a search runs first: every word required, the filters applied. Public for
    /// callers that collect on their own (the search benchmark times its parts).
    pub fn query(&self, searcher: &Searcher, request: &SearchRequest) -> Box<dyn Query> {
        let user_query = UserQuery::parse(&request.text);
        self.filtered(
            self.text_query(searcher, &user_query, true),
            &request.filters,
        )
    }

    /// Runs a search on a searcher of this index.
    pub fn search(
        &self,
        searcher: &Searcher,
        request: &SearchRequest,
        now_unix: i64,
    ) -> tantivy::Result<SearchResults> {
        let user_query = UserQuery::parse(&request.text);
        // One pass collects the count, the page and the facets together; only a query of
        // several words that matches nothing is run again with the words made optional.
        let collect = |query: &dyn Query| {
            let ranked = self.ranking(request.limit.max(1), request.offset, now_unix);
            let (total, docs, facets) =
                searcher.search(query, &(Count, ranked, self.facets_collector()))?;
            tantivy::Result::Ok((total, docs, facets))
        };
        let strict = self.query(searcher, request);
        let (mut total, mut docs, mut facets) = collect(strict.as_ref())?;
        let mut relaxed = false;
        if total == 0 && meaningful_words(&user_query).len() > 1 {
            let loose = self.filtered(
                self.text_query(searcher, &user_query, false),
                &request.filters,
            );
            (total, docs, facets) = collect(loose.as_ref())?;
            relaxed = total > 0;
        }
        let fields = self.fields.clone();
        let highlighter = self.highlighter(searcher, &user_query)?;
        let mut items = Vec::with_capacity(docs.len());
        for ((score, _), address) in docs {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let summary = text(fields.summary);
            let highlight = highlighter
                .as_ref()
                .map(|generator| generator.snippet_from_doc(&doc).to_html())
                .filter(|html| !html.is_empty())
                .unwrap_or_else(|| escape_html(&summary.chars().take(200).collect::<String>()));
            items.push(Hit {
                slug: text(fields.slug),
                name: text(fields.name),
                summary,
                score,
                highlight,
                adopters_count: doc
                    .get_first(fields.adopters_count)
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0),
            });
        }
        Ok(SearchResults {
            total,
            items,
            facets,
            relaxed,
        })
    }

    /// The highlights' generator for what was typed; `None` when no word is sought.
    pub fn highlighter(
        &self,
        searcher: &Searcher,
        query: &UserQuery,
    ) -> tantivy::Result<Option<SnippetGenerator>> {
        let words = meaningful_words(query);
        if words.is_empty() {
            return Ok(None);
        }
        // The words typed and the single words of their families: a README that speaks of
        // « listes électorales » shows them for « élections ».
        let mut stems: Vec<String> = Vec::new();
        for stem in words
            .iter()
            .filter_map(|w| tokens(&mut french_analyzer(), w).into_iter().next())
        {
            let relatives = Thesaurus::shipped().relatives(std::slice::from_ref(&stem));
            stems.extend(
                relatives
                    .into_iter()
                    .filter(|m| m.stems.len() == 1)
                    .map(|m| m.stems[0].clone()),
            );
            stems.push(stem);
        }
        super::highlight::generator(searcher, self.fields.body, stems)
    }

    /// The collector of a page of results, ordered by relevance × adoption × freshness (see
    /// [`RankingWeights`]), equal scores by project id.
    pub fn ranking(
        &self,
        limit: usize,
        offset: usize,
        now_unix: i64,
    ) -> impl tantivy::collector::Collector<
        Fruit = Vec<((Score, std::cmp::Reverse<u64>), DocAddress)>,
    > + use<> {
        let weights = self.weights;
        TopDocs::with_limit(limit)
            .and_offset(offset)
            .tweak_score(move |segment: &SegmentReader| {
                let adopters = segment
                    .fast_fields()
                    .u64("adopters_count")
                    .map(|c| c.first_or_default_col(0))
                    .ok();
                let activity = segment
                    .fast_fields()
                    .i64("last_activity")
                    .map(|c| c.first_or_default_col(0))
                    .ok();
                let ids = segment
                    .fast_fields()
                    .u64("id")
                    .map(|c| c.first_or_default_col(0))
                    .ok();
                move |doc: DocId, relevance: Score| {
                    let adopters = adopters.as_ref().map_or(0, |c| c.get_val(doc)) as f32;
                    let last = activity.as_ref().map_or(0, |c| c.get_val(doc));
                    let freshness = if last > 0 {
                        (-((now_unix - last).max(0) as f32) / (365.0 * 86_400.0)).exp()
                    } else {
                        0.0
                    };
                    let id = ids.as_ref().map_or(0, |c| c.get_val(doc));
                    let score = relevance.max(f32::MIN_POSITIVE)
                        * (1.0 + weights.adoption * (1.0 + adopters).ln())
                        * (1.0 + weights.freshness * freshness);
                    // Equal scores keep one order from page to page: the older project first.
                    (score, std::cmp::Reverse(id))
                }
            })
    }

    /// The collector of the facet counts.
    pub fn facets_collector(&self) -> FacetsCollector {
        FacetsCollector
    }

    /// Project names with what was typed (the last word as a prefix, or inside a word).
    pub fn suggest_projects(
        &self,
        searcher: &Searcher,
        text: &str,
        limit: usize,
    ) -> tantivy::Result<Vec<(String, String)>> {
        let words = tokens(&mut folded_analyzer(), text);
        let Some((last, rest)) = words.split_last() else {
            return Ok(Vec::new());
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = rest
            .iter()
            .map(|w| {
                let term = Term::from_field_text(self.fields.name_folded, w);
                (
                    Occur::Must,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                )
            })
            .collect();
        // Names glue words together (openCimetière): from three letters, match inside words.
        let last_word: Box<dyn Query> = if last.chars().count() >= super::grams::GRAM {
            super::grams::containing(self.fields.name_grams, last)
        } else {
            Box::new(RegexQuery::from_pattern(
                &format!("{}.*", regex_escape(last)),
                self.fields.name_folded,
            )?)
        };
        clauses.push((Occur::Must, last_word));
        let ranked =
            TopDocs::with_limit(limit).order_by_u64_field("adopters_count", tantivy::Order::Desc);
        let docs = searcher.search(&BooleanQuery::new(clauses), &ranked)?;
        let mut out = Vec::new();
        for (_, address) in docs {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            out.push((text(self.fields.name), text(self.fields.slug)));
        }
        Ok(out)
    }
}

/// `text` matched literally by a regex: its metacharacters escaped, nothing else (the
/// parser refuses an escaped letter, and a word left after folding may hold ж, α or 中).
fn regex_escape(text: &str) -> String {
    const META: &str = "\\.+*?()|[]{}^$#&-~";
    let mut escaped = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if META.contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Escapes text for HTML.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::regex_escape;

    #[test]
    fn only_metacharacters_are_escaped() {
        assert_eq!(regex_escape("ж"), "ж");
        assert_eq!(regex_escape("a.b*"), "a\\.b\\*");
        for word in ["ж", "α", "中", "¼", "a+b", "(x)", "c#", "l'état"] {
            let pattern = format!("{}.*", regex_escape(word));
            assert!(
                tantivy::query::RegexQuery::from_pattern(
                    &pattern,
                    tantivy::schema::Field::from_field_id(0)
                )
                .is_ok(),
                "{word}: {pattern}"
            );
        }
    }
}
