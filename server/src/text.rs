//! Text normalisation shared by storage and search: folded search keys and URL slugs, and
//! the invisible characters that make look-alikes.

/// Whether `c` is a zero-width or bidirectional-control character: invisible, it makes a
/// name look like another (`mairie\u{200B}.fr`) or shows text in another order than it is
/// stored (`\u{202E}`).
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Folds a name for accent-, case-, hyphen- and apostrophe-insensitive matching:
/// `Berre-l'Étang` → `berre l etang`, `Œuf-en-Ternois` → `oeuf en ternois`.
pub fn fold(text: &str) -> String {
    let ascii = deunicode::deunicode(text).to_ascii_lowercase();
    let mut folded = String::with_capacity(ascii.len());
    for word in ascii.split(|c: char| !c.is_ascii_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        if !folded.is_empty() {
            folded.push(' ');
        }
        folded.push_str(word);
    }
    folded
}

/// Folds a search query like [`fold`], and expands the abbreviations people type for
/// commune names (`st` → `saint`, `ste` → `sainte`).
pub fn fold_query(query: &str) -> String {
    fold(query)
        .split(' ')
        .map(|word| match word {
            "st" => "saint",
            "ste" => "sainte",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A URL slug: folded words joined by hyphens, at most `max_len` bytes, cut on a word.
pub fn slugify(text: &str, max_len: usize) -> String {
    let mut slug = String::new();
    for word in fold(text).split(' ').filter(|w| !w.is_empty()) {
        let extra = word.len() + usize::from(!slug.is_empty());
        if slug.len() + extra > max_len {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(word);
    }
    slug
}

/// Whether a string is a well-formed slug: lower-case ASCII letters and digits in words
/// separated by single hyphens.
pub fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// The folded forms under which a name written by a project (publiccode.yml `usedBy`:
/// "Ville de Marseille", "Commune d'Arles", "Mairie du Mans") may match an organisation's
/// search key: the name itself, then without the word for the institution in front.
pub fn organisation_name_keys(name: &str) -> Vec<String> {
    const INSTITUTIONS: [&str; 6] = [
        "commune",
        "ville",
        "mairie",
        "departement",
        "conseil departemental",
        "region",
    ];
    const LINKS: [&str; 6] = ["de la ", "de l ", "des ", "du ", "de ", "d "];
    let folded = fold(name);
    let mut keys = vec![folded.clone()];
    for institution in INSTITUTIONS {
        let Some(rest) = folded
            .strip_prefix(institution)
            .and_then(|r| r.strip_prefix(' '))
        else {
            continue;
        };
        for link in LINKS {
            if let Some(bare) = rest.strip_prefix(link) {
                keys.push(bare.to_string());
                // "Mairie du Mans" is Le Mans, "Commune des Mureaux" is Les Mureaux.
                match link {
                    "du " => keys.push(format!("le {bare}")),
                    "des " => keys.push(format!("les {bare}")),
                    "de la " => keys.push(format!("la {bare}")),
                    "de l " => keys.push(format!("l {bare}")),
                    _ => {}
                }
                break;
            }
        }
        keys.push(rest.to_string());
    }
    keys.retain(|key| !key.is_empty());
    keys.dedup();
    keys
}

/// User text echoed in a message, cut to a sane length.
pub fn shorten(text: &str) -> String {
    let mut short: String = text.chars().take(80).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_case_hyphens_apostrophes_and_ligatures() {
        assert_eq!(fold("Berre-l'Étang"), "berre l etang");
        assert_eq!(fold("Œuf-en-Ternois"), "oeuf en ternois");
        assert_eq!(fold("  Saint-Martin-de-Crau "), "saint martin de crau");
        assert_eq!(fold("L’Haÿ-les-Roses"), "l hay les roses");
        assert_eq!(fold_query("St Martin de Crau"), "saint martin de crau");
    }

    #[test]
    fn names_written_by_projects_give_the_keys_of_the_place() {
        assert_eq!(organisation_name_keys("Marseille"), ["marseille"]);
        assert!(organisation_name_keys("Ville de Marseille").contains(&"marseille".to_string()));
        assert!(organisation_name_keys("Commune d'Arles").contains(&"arles".to_string()));
        assert!(organisation_name_keys("Mairie du Mans").contains(&"le mans".to_string()));
        assert!(organisation_name_keys("Commune des Mureaux").contains(&"les mureaux".to_string()));
        assert!(
            organisation_name_keys("Département de la Gironde").contains(&"gironde".to_string())
        );
        assert!(
            organisation_name_keys("Villeneuve")
                .iter()
                .all(|k| k == "villeneuve")
        );
        assert!(organisation_name_keys("  ").is_empty());
    }

    #[test]
    fn slugs_are_short_and_clean() {
        assert_eq!(
            slugify("openElec — listes électorales", 64),
            "openelec-listes-electorales"
        );
        assert_eq!(slugify("iA.Delib", 64), "ia-delib");
        assert_eq!(slugify("un deux trois", 9), "un-deux");
        assert!(is_slug("openelec-4"));
        assert!(!is_slug("OpenElec"));
        assert!(!is_slug("a--b"));
        assert!(!is_slug(""));
    }
}
