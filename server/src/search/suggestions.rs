//! Categories suggested for a project registered without any: the domains whose words (the
//! families of the thesaurus) its README and publiccode.yml use most. Search and facets use
//! them until a maintainer chooses categories; the project page shows them as suggested.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use super::french::{Member, Thesaurus};
use super::schema::{french_analyzer, tokens};

/// Mentions of a domain's words needed before it is suggested: one passing mention (an
/// install guide that names « la mairie ») is not a domain.
const MIN_MENTIONS: usize = 3;
/// A second domain is suggested only if mentioned at least this share of the first.
const SECOND_SHARE: f64 = 0.5;
/// Most categories suggested.
const MAX_SUGGESTED: usize = 2;

type Starts = std::collections::HashMap<&'static str, Vec<(&'static str, &'static Member)>>;

/// The shipped thesaurus's members by first stem, made once.
static STARTS: LazyLock<Starts> = LazyLock::new(|| Thesaurus::shipped().by_first_stem());

/// The categories these texts speak of, the most mentioned first.
pub fn suggested_categories(texts: &[&str]) -> Vec<&'static str> {
    let mut analyzer = french_analyzer();
    let stems: Vec<String> = texts
        .iter()
        .flat_map(|text| tokens(&mut analyzer, text))
        .collect();
    // Each position is looked up by its stem, not compared with every word of the
    // thesaurus: a rebuild suggests for every project without categories.
    let starts = &*STARTS;
    let mut mentions: BTreeMap<&'static str, usize> = BTreeMap::new();
    for at in 0..stems.len() {
        for (category, member) in starts.get(stems[at].as_str()).into_iter().flatten() {
            if stems[at..].starts_with(&member.stems) {
                *mentions.entry(category).or_default() += 1;
            }
        }
    }
    let mut ranked: Vec<(&'static str, usize)> = mentions
        .into_iter()
        .filter(|(_, count)| *count >= MIN_MENTIONS)
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let Some(&(_, most)) = ranked.first() else {
        return Vec::new();
    };
    ranked
        .into_iter()
        .filter(|(_, count)| *count as f64 >= most as f64 * SECOND_SHARE)
        .take(MAX_SUGGESTED)
        .map(|(category, _)| category)
        .collect()
}

/// The categories suggested for a project as the catalogue shows it (its README as rendered,
/// its publiccode.yml), the same the index uses; none once it has categories.
pub fn for_project(project: &crate::model::Project) -> Vec<&'static str> {
    if !project.categories.is_empty() {
        return Vec::new();
    }
    let readme = project
        .readme_html
        .as_deref()
        .map(text_of_html)
        .unwrap_or_default();
    let publiccode = project
        .publiccode
        .as_ref()
        .map(|json| super::document::publiccode_text(&json.to_string()).0)
        .unwrap_or_default();
    suggested_categories(&[&project.summary, &readme, &publiccode])
}

/// The text of a README rendered to sanitised HTML, for suggestions: tags become spaces.
pub fn text_of_html(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_readme_suggests_the_domain_it_speaks_of() {
        let readme = "Registre tient les listes électorales de la commune : inscriptions, \
                      radiations, cartes d'électeur, bureaux de vote et commission de \
                      contrôle, en lien avec le répertoire électoral unique.";
        assert_eq!(suggested_categories(&[readme]), ["elections"]);
        let both = "Gestion du cimetière : concessions, défunts, inhumations. Les actes de \
                    décès de l'état civil sont repris ; concession funéraire et columbarium.";
        assert_eq!(suggested_categories(&[both]), ["cimetieres"]);
        assert!(suggested_categories(&["Installez le serveur puis lancez make."]).is_empty());
        assert!(
            suggested_categories(&["Un mot sur le vote."]).is_empty(),
            "one mention is not a domain"
        );
    }

    #[test]
    fn html_is_read_as_text() {
        assert_eq!(
            text_of_html("<h1>Cimetière</h1><p>l&#x27;inhumation &amp; la concession</p>"),
            " Cimetière  l'inhumation & la concession "
        );
    }
}
