//! The search index's fields and its French analyser.

use tantivy::Index;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer,
};

/// Bumped whenever fields or analysers change: an index of another version is rebuilt.
pub const SCHEMA_VERSION: u32 = 3;

/// Lower-case, accent-folded, stemmed French words.
pub const FRENCH: &str = "civiforge_fr";
/// Lower-case, accent-folded words, not stemmed: for typo tolerance and prefixes.
pub const FOLDED: &str = "civiforge_folded";
/// Three-letter pieces of a folded name, for autocomplete inside words.
pub const GRAMS: &str = "civiforge_grams";

/// Every field, by role.
#[derive(Debug, Clone)]
pub struct Fields {
    pub id: Field,
    pub slug: Field,
    pub name: Field,
    pub summary: Field,
    pub categories_text: Field,
    pub publiccode: Field,
    pub readme: Field,
    pub adopters: Field,
    pub maintainers: Field,
    /// Unstemmed words of the name, summary, categories, publiccode text, adopters and
    /// maintainers.
    pub folded: Field,
    /// Unstemmed words of the README, for typos in what only the README says.
    pub readme_folded: Field,
    /// Unstemmed words of the name alone, for autocomplete.
    pub name_folded: Field,
    /// The folded name in three-letter pieces, for autocomplete inside words.
    pub name_grams: Field,
    /// Stored text the highlights are cut from.
    pub body: Field,
    pub category: Field,
    pub license: Field,
    pub status: Field,
    pub departement: Field,
    pub adopter_kind: Field,
    pub has_adopters: Field,
    pub active: Field,
    pub adopters_count: Field,
    pub last_activity: Field,
}

fn text(tokenizer: &str, stored: bool) -> TextOptions {
    let options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    if stored {
        options.set_stored()
    } else {
        options
    }
}

/// The schema and its fields.
pub fn build() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let facet = STRING | FAST;
    let fields = Fields {
        id: builder.add_u64_field("id", INDEXED | STORED | FAST),
        slug: builder.add_text_field("slug", STRING | STORED),
        name: builder.add_text_field("name", text(FRENCH, true)),
        summary: builder.add_text_field("summary", text(FRENCH, true)),
        categories_text: builder.add_text_field("categories_text", text(FRENCH, false)),
        publiccode: builder.add_text_field("publiccode", text(FRENCH, false)),
        readme: builder.add_text_field("readme", text(FRENCH, false)),
        adopters: builder.add_text_field("adopters", text(FRENCH, false)),
        maintainers: builder.add_text_field("maintainers", text(FRENCH, false)),
        folded: builder.add_text_field("folded", text(FOLDED, false)),
        // Typos are matched on terms alone: no frequencies or positions for a long text.
        readme_folded: builder.add_text_field(
            "readme_folded",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(FOLDED)
                    .set_index_option(IndexRecordOption::Basic),
            ),
        ),
        name_folded: builder.add_text_field("name_folded", text(FOLDED, false)),
        name_grams: builder.add_text_field("name_grams", text(GRAMS, false)),
        body: builder.add_text_field("body", text(FRENCH, true)),
        category: builder.add_text_field("category", facet.clone()),
        license: builder.add_text_field("license", facet.clone()),
        status: builder.add_text_field("status", facet.clone()),
        departement: builder.add_text_field("departement", facet.clone()),
        adopter_kind: builder.add_text_field("adopter_kind", facet.clone()),
        has_adopters: builder.add_text_field("has_adopters", facet.clone()),
        active: builder.add_text_field("active", facet),
        adopters_count: builder.add_u64_field("adopters_count", FAST | STORED),
        last_activity: builder.add_i64_field("last_activity", FAST),
    };
    (builder.build(), fields)
}

/// The analysers; registered on every index opened or created.
pub fn register_tokenizers(index: &Index) {
    index.tokenizers().register(FRENCH, french_analyzer());
    index.tokenizers().register(FOLDED, folded_analyzer());
    index
        .tokenizers()
        .register(GRAMS, TextAnalyzer::from(super::grams::GramTokenizer));
}

/// élections, Élection, elections → `elect`; l'état-civil → `l`, `etat`, `civil`.
pub fn french_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::French))
        .build()
}

/// Délibérations → `deliberations`.
pub fn folded_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The tokens an analyser makes of a text.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_words_meet_their_variants() {
        let mut french = french_analyzer();
        let stem = |analyzer: &mut TextAnalyzer, text: &str| tokens(analyzer, text).join(" ");
        assert_eq!(
            stem(&mut french, "élections"),
            stem(&mut french, "Élection")
        );
        assert_eq!(
            stem(&mut french, "délibérations"),
            stem(&mut french, "deliberation")
        );
        assert_eq!(
            stem(&mut french, "cimetières"),
            stem(&mut french, "cimetiere")
        );
        assert_eq!(
            stem(&mut french, "municipales"),
            stem(&mut french, "municipaux")
        );
        assert_eq!(tokens(&mut french, "l'état-civil").len(), 3);
        let mut folded = folded_analyzer();
        assert_eq!(
            tokens(&mut folded, "Œuvre Délibérations"),
            ["oeuvre", "deliberations"]
        );
    }
}
