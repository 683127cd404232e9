//! The fixed list of domains in which communes think of their software. Slugs are stable
//! identifiers used in the API and URLs; labels are what people read.

use serde::Serialize;

/// One domain of municipal activity.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Category {
    pub slug: &'static str,
    pub label: &'static str,
}

/// Every category, in display order; `autre` is last.
pub const CATEGORIES: &[Category] = &[
    Category {
        slug: "elections",
        label: "Élections",
    },
    Category {
        slug: "etat-civil",
        label: "État civil",
    },
    Category {
        slug: "urbanisme",
        label: "Urbanisme et droit des sols",
    },
    Category {
        slug: "deliberations",
        label: "Délibérations et actes",
    },
    Category {
        slug: "courrier",
        label: "Courrier et gestion documentaire",
    },
    Category {
        slug: "finances",
        label: "Finances et comptabilité",
    },
    Category {
        slug: "ressources-humaines",
        label: "Ressources humaines",
    },
    Category {
        slug: "cimetieres",
        label: "Cimetières",
    },
    Category {
        slug: "police-municipale",
        label: "Police municipale",
    },
    Category {
        slug: "enfance",
        label: "Enfance, écoles et périscolaire",
    },
    Category {
        slug: "action-sociale",
        label: "Action sociale",
    },
    Category {
        slug: "marches-publics",
        label: "Marchés publics",
    },
    Category {
        slug: "sig",
        label: "SIG et cartographie",
    },
    Category {
        slug: "site-web",
        label: "Site web et démarches en ligne",
    },
    Category {
        slug: "services-techniques",
        label: "Services techniques et patrimoine",
    },
    Category {
        slug: "culture",
        label: "Culture, sports et associations",
    },
    Category {
        slug: "relation-usagers",
        label: "Relation aux usagers",
    },
    Category {
        slug: "infrastructure",
        label: "Infrastructure et exploitation",
    },
    Category {
        slug: "bureautique",
        label: "Bureautique et travail collaboratif",
    },
    Category {
        slug: "autre",
        label: "Autre",
    },
];

/// The category with this slug.
pub fn by_slug(slug: &str) -> Option<&'static Category> {
    CATEGORIES.iter().find(|c| c.slug == slug)
}

/// The slugs, comma-separated, for error messages.
pub fn slugs_list() -> String {
    CATEGORIES
        .iter()
        .map(|c| c.slug)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for c in CATEGORIES {
            assert!(crate::text::is_slug(c.slug), "{}", c.slug);
            assert!(seen.insert(c.slug), "duplicate {}", c.slug);
        }
        assert_eq!(by_slug("etat-civil").map(|c| c.label), Some("État civil"));
        assert!(by_slug("État civil").is_none());
    }
}
