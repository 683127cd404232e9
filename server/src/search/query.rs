//! The query language people type in the search box: words (all must match), "phrases",
//! and -exclusions. Anything else (colons, brackets, stray quotes, tantivy operators) is
//! plain text: user input is never handed to a query parser as syntax.

/// Longest query considered; the rest is cut, not refused.
pub const MAX_QUERY_CHARS: usize = 500;
/// Most terms considered in one query.
pub const MAX_CLAUSES: usize = 24;

/// One part of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    Word(String),
    Phrase(Vec<String>),
    Exclude(String),
}

/// A parsed query; empty when there is nothing to search (list by rank).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserQuery {
    pub clauses: Vec<Clause>,
}

impl UserQuery {
    pub fn parse(input: &str) -> UserQuery {
        let input: String = input.chars().take(MAX_QUERY_CHARS).collect();
        let mut clauses = Vec::new();
        let mut rest = input.as_str();
        while !rest.is_empty() && clauses.len() < MAX_CLAUSES {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace());
            if let Some(after) = rest.strip_prefix(['"', '«', '“']) {
                let end = after.find(['"', '»', '”']).unwrap_or(after.len());
                let words = words_of(&after[..end]);
                match words.len() {
                    0 => {}
                    1 => clauses.push(Clause::Word(words[0].clone())),
                    _ => clauses.push(Clause::Phrase(words)),
                }
                rest = after
                    .get(end + after[end..].chars().next().map_or(0, char::len_utf8)..)
                    .unwrap_or("");
                continue;
            }
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let token = &rest[..end];
            rest = &rest[end..];
            if let Some(excluded) = token.strip_prefix('-') {
                for word in words_of(excluded) {
                    clauses.push(Clause::Exclude(word));
                }
            } else {
                for word in words_of(token) {
                    clauses.push(Clause::Word(word));
                }
            }
        }
        clauses.truncate(MAX_CLAUSES);
        UserQuery { clauses }
    }

    pub fn is_empty(&self) -> bool {
        !self
            .clauses
            .iter()
            .any(|c| !matches!(c, Clause::Exclude(_)))
    }

    /// The positive words and phrase words, for highlighting and suggestions.
    pub fn positive_words(&self) -> Vec<&str> {
        self.clauses
            .iter()
            .flat_map(|clause| match clause {
                Clause::Word(word) => vec![word.as_str()],
                Clause::Phrase(words) => words.iter().map(String::as_str).collect(),
                Clause::Exclude(_) => Vec::new(),
            })
            .collect()
    }
}

/// Splits text into words the way the index does: letters and digits, everything else a
/// separator (hyphens and apostrophes included: `l'état-civil` → `l`, `état`, `civil`).
fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn words_phrases_and_exclusions() {
        let query = UserQuery::parse(r#"état civil "listes électorales" -cimetière"#);
        assert_eq!(
            query.clauses,
            vec![
                Clause::Word("état".into()),
                Clause::Word("civil".into()),
                Clause::Phrase(words(&["listes", "électorales"])),
                Clause::Exclude("cimetière".into()),
            ]
        );
    }

    #[test]
    fn operators_and_stray_characters_are_plain_text() {
        for input in [
            "name:openelec",
            "a AND b OR c",
            "\"unterminated phrase",
            "(brackets] {braces} [x TO y]",
            "title:\"x\"^3 +must -",
            "*",
            "~2 fuzzy~ \\",
            "---",
        ] {
            let query = UserQuery::parse(input);
            for clause in &query.clauses {
                let text = match clause {
                    Clause::Word(w) | Clause::Exclude(w) => w.clone(),
                    Clause::Phrase(ws) => ws.join(" "),
                };
                assert!(
                    text.chars().all(|c| c.is_alphanumeric() || c == ' '),
                    "{input:?} gave {clause:?}"
                );
            }
        }
        assert_eq!(
            UserQuery::parse("name:openelec").clauses,
            vec![Clause::Word("name".into()), Clause::Word("openelec".into())]
        );
        assert_eq!(
            UserQuery::parse("\"unterminated phrase").clauses,
            vec![Clause::Phrase(words(&["unterminated", "phrase"]))]
        );
    }

    #[test]
    fn long_queries_are_cut_and_empty_ones_list_everything() {
        let long = "mot ".repeat(10_000);
        assert_eq!(UserQuery::parse(&long).clauses.len(), MAX_CLAUSES);
        assert!(UserQuery::parse("").is_empty());
        assert!(UserQuery::parse("  ").is_empty());
        assert!(UserQuery::parse("-seulement").is_empty());
        assert_eq!(
            UserQuery::parse("l'état-civil").positive_words(),
            ["l", "état", "civil"]
        );
    }
}
