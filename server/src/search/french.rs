//! French words the search treats apart: function words (« de », « la », « pour »), which never
//! match on their own nor raise a score, and the thesaurus of municipal domains
//! (`thesaurus.txt`), whose families let a word find the projects that use another word of
//! its family.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::schema::{french_analyzer, tokens};
use crate::categories;

/// Function words, as the folded analyser writes them (lower case, no accents).
const STOP_WORDS: &[&str] = &[
    "a", "au", "aux", "avec", "c", "ce", "ces", "cet", "cette", "d", "dans", "de", "des", "du",
    "elle", "en", "est", "et", "il", "j", "l", "la", "le", "les", "leur", "leurs", "m", "ma",
    "mes", "mon", "n", "ne", "nos", "notre", "on", "ou", "par", "pas", "pour", "qu", "que", "qui",
    "s", "sa", "se", "ses", "son", "sont", "sur", "t", "un", "une", "vos", "votre", "y",
];

/// Whether a word, as typed, is a French function word.
pub fn is_stop_word(word: &str) -> bool {
    let folded = deunicode::deunicode(&word.to_lowercase());
    STOP_WORDS.binary_search(&folded.as_str()).is_ok()
}

/// A word or expression of a family, with the stems the index holds for it (function words
/// kept, for the positions of a phrase).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub written: String,
    pub stems: Vec<String>,
}

/// Words of one municipal domain.
#[derive(Debug, Clone)]
pub struct Family {
    /// The category it stands for.
    pub category: &'static str,
    pub members: Vec<Member>,
}

/// Every family.
#[derive(Debug, Clone, Default)]
pub struct Thesaurus {
    pub families: Vec<Family>,
}

static SHIPPED: LazyLock<Thesaurus> = LazyLock::new(|| {
    // The file is compiled in and checked by a test: an error here is a build defect.
    Thesaurus::parse(include_str!("thesaurus.txt")).expect("the shipped thesaurus parses")
});

impl Thesaurus {
    /// The thesaurus shipped in `thesaurus.txt`.
    pub fn shipped() -> &'static Thesaurus {
        &SHIPPED
    }

    /// Reads `category: word, expression, …` lines; `#` starts a comment.
    pub fn parse(text: &str) -> Result<Thesaurus, String> {
        let mut analyzer = french_analyzer();
        let mut families = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let Some((slug, words)) = line.split_once(':') else {
                return Err(format!(
                    "ligne {} : « catégorie: mots » attendu",
                    number + 1
                ));
            };
            let category = categories::by_slug(slug.trim())
                .ok_or_else(|| format!("ligne {} : catégorie inconnue « {slug} »", number + 1))?
                .slug;
            let members: Vec<Member> = words
                .split(',')
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(|written| Member {
                    written: written.to_string(),
                    stems: tokens(&mut analyzer, written),
                })
                .filter(|m| !m.stems.is_empty())
                .collect();
            if members.len() < 2 {
                return Err(format!(
                    "ligne {} : une famille a deux mots au moins",
                    number + 1
                ));
            }
            families.push(Family { category, members });
        }
        Ok(Thesaurus { families })
    }

    /// The families one of whose members is exactly these stems.
    pub fn families_of<'a>(&'a self, stems: &[String]) -> impl Iterator<Item = &'a Family> {
        let stems = stems.to_vec();
        self.families
            .iter()
            .filter(move |f| f.members.iter().any(|m| m.stems == stems))
    }

    /// How many of these stems, from the first, make the longest expression of several
    /// words that the thesaurus knows; none when no expression starts here.
    pub fn expression_at(&self, stems: &[String]) -> Option<usize> {
        self.families
            .iter()
            .flat_map(|f| &f.members)
            .filter(|m| m.stems.len() > 1 && stems.starts_with(&m.stems))
            .map(|m| m.stems.len())
            .max()
    }

    /// Every member with its family's category, by the first stem of the member.
    pub fn by_first_stem(&self) -> HashMap<&str, Vec<(&'static str, &Member)>> {
        let mut starts: HashMap<&str, Vec<(&'static str, &Member)>> = HashMap::new();
        for family in &self.families {
            for member in &family.members {
                starts
                    .entry(member.stems[0].as_str())
                    .or_default()
                    .push((family.category, member));
            }
        }
        starts
    }

    /// The other members of the families of these stems, each once.
    /// The relatives of these stems in the families not `taken` yet, which they then take:
    /// two words of one query that belong to the same family must not both be satisfied by
    /// one word of it (« délibérations conseil municipal » would match any project that says
    /// « séance »), so only the first of them brings the family.
    pub fn relatives_untaken<'a>(
        &'a self,
        stems: &[String],
        taken: &mut Vec<usize>,
    ) -> Vec<&'a Member> {
        let mut out: Vec<&'a Member> = Vec::new();
        let mut newly = Vec::new();
        for (index, family) in self.families.iter().enumerate() {
            if taken.contains(&index) || !family.members.iter().any(|m| m.stems == stems) {
                continue;
            }
            newly.push(index);
            for member in &family.members {
                if member.stems != stems && !out.iter().any(|m| m.stems == member.stems) {
                    out.push(member);
                }
            }
        }
        taken.extend(newly);
        out
    }

    pub fn relatives<'a>(&'a self, stems: &[String]) -> Vec<&'a Member> {
        let mut out: Vec<&'a Member> = Vec::new();
        for family in self.families_of(stems) {
            for member in &family.members {
                if member.stems != stems && !out.iter().any(|m| m.stems == member.stems) {
                    out.push(member);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(text: &str) -> Vec<String> {
        tokens(&mut french_analyzer(), text)
    }

    #[test]
    fn a_family_is_brought_by_the_first_of_its_words_only() {
        let thesaurus = Thesaurus::shipped();
        let mut taken = Vec::new();
        let first = thesaurus.relatives_untaken(&stems("délibérations"), &mut taken);
        assert!(first.iter().any(|m| m.written == "séance"));
        let second = thesaurus.relatives_untaken(&stems("conseil municipal"), &mut taken);
        assert!(
            second.is_empty(),
            "the deliberations family is taken already"
        );
        let other = thesaurus.relatives_untaken(&stems("cimetière"), &mut taken);
        assert!(other.iter().any(|m| m.written == "concession"));
    }

    #[test]
    fn the_shipped_thesaurus_joins_the_words_of_a_domain() {
        let thesaurus = Thesaurus::shipped();
        assert!(thesaurus.families.len() >= 20);
        let relatives: Vec<&str> = thesaurus
            .relatives(&stems("élections"))
            .iter()
            .map(|m| m.written.as_str())
            .collect();
        for expected in ["électoral", "scrutin", "bureau de vote", "liste électorale"] {
            assert!(relatives.contains(&expected), "{expected} in {relatives:?}");
        }
        assert_eq!(
            thesaurus.expression_at(&stems("permis de construire neuf")),
            Some(3)
        );
        assert_eq!(thesaurus.expression_at(&stems("permis")), None);
        assert_eq!(
            thesaurus
                .families_of(&stems("funéraires"))
                .next()
                .map(|f| f.category),
            Some("cimetieres")
        );
    }

    #[test]
    fn a_bad_line_is_named() {
        assert_eq!(
            Thesaurus::parse("# commentaire\ninconnue: a, b").expect_err("refused"),
            "ligne 2 : catégorie inconnue « inconnue »"
        );
        assert!(Thesaurus::parse("cimetieres: seul").is_err());
        assert!(Thesaurus::parse("pas de deux-points").is_err());
    }

    #[test]
    fn function_words_are_known_with_or_without_accents() {
        let mut sorted = STOP_WORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, STOP_WORDS, "kept sorted for the binary search");
        for word in ["de", "Des", "pour", "la", "L", "et"] {
            assert!(is_stop_word(word), "{word}");
        }
        for word in ["livres", "état", "vote"] {
            assert!(!is_stop_word(word), "{word}");
        }
    }
}
