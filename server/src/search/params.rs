//! One reading of search parameters, for `/api/v1/search` and `/recherche` alike: values
//! trimmed, empty ones dropped, département codes upper-cased (`2a` is `2A`), yes/no filters
//! normalised to `oui`/`non`.

use super::engine::Filters;

/// The filter parameters, in the order pages show them.
pub const FILTER_KEYS: &[&str] = &[
    "category",
    "active",
    "has_adopters",
    "departement",
    "kind",
    "license",
    "status",
];

/// A yes/no filter with another value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("le filtre « {0} » vaut oui ou non")]
pub struct InvalidFilter(pub &'static str);

/// The filters named by parameters, `get` giving each parameter's raw value.
pub fn filters(get: impl Fn(&str) -> Option<String>) -> Result<Filters, InvalidFilter> {
    let text = |key: &str| {
        get(key)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let yes_no = |key: &'static str| match text(key).as_deref() {
        None => Ok(None),
        Some("oui" | "true" | "1") => Ok(Some("oui".to_string())),
        Some("non" | "false" | "0") => Ok(Some("non".to_string())),
        Some(_) => Err(InvalidFilter(key)),
    };
    Ok(Filters {
        category: text("category"),
        license: text("license"),
        status: text("status"),
        departement: text("departement").map(|d| d.to_uppercase()),
        kind: text("kind"),
        has_adopters: yes_no("has_adopters")?,
        active: yes_no("active")?,
    })
}

impl Filters {
    /// The filters set, as (parameter, value) pairs in [`FILTER_KEYS`] order.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        FILTER_KEYS
            .iter()
            .filter_map(|key| self.get(key).map(|value| (*key, value)))
            .collect()
    }

    /// The value of one filter, by its parameter name.
    pub fn get(&self, key: &str) -> Option<&str> {
        match key {
            "category" => self.category.as_deref(),
            "license" => self.license.as_deref(),
            "status" => self.status.as_deref(),
            "departement" => self.departement.as_deref(),
            "kind" => self.kind.as_deref(),
            "has_adopters" => self.has_adopters.as_deref(),
            "active" => self.active.as_deref(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<Filters, InvalidFilter> {
        filters(|key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn values_are_normalised_the_same_for_the_api_and_the_page() {
        let filters = read(&[
            ("departement", " 2a "),
            ("has_adopters", "true"),
            ("active", "0"),
            ("category", ""),
        ])
        .expect("valid");
        assert_eq!(filters.departement.as_deref(), Some("2A"));
        assert_eq!(filters.has_adopters.as_deref(), Some("oui"));
        assert_eq!(filters.active.as_deref(), Some("non"));
        assert_eq!(filters.category, None, "an empty value filters nothing");
        assert_eq!(
            filters.pairs(),
            vec![
                ("active", "non"),
                ("has_adopters", "oui"),
                ("departement", "2A")
            ]
        );
        assert_eq!(
            read(&[("has_adopters", "peut-être")]),
            Err(InvalidFilter("has_adopters"))
        );
    }
}
