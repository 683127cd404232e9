//! The map of metropolitan France by département, drawn as inline SVG from
//! `web/map/france.departments.svg` (Victor Cazanave, CC-BY-4.0) and shaded by counts.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::search::engine::escape_html as escape;

/// One département's outline.
#[derive(Debug, Clone)]
pub struct Departement {
    pub code: String,
    pub name: String,
    pub path: String,
}

/// Every département outline, in the file's order.
#[derive(Debug, Clone, Default)]
pub struct FranceMap {
    pub departements: Vec<Departement>,
}

/// Value of `name="..."` inside one SVG element's text; the name must start after white
/// space, so that `d` is not found inside `id`.
fn attribute<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let pattern = format!("{name}=\"");
    let mut from = 0;
    loop {
        let found = element[from..].find(&pattern)? + from;
        if found > 0 && element[..found].ends_with(char::is_whitespace) {
            let start = found + pattern.len();
            let end = element[start..].find('"')? + start;
            return Some(&element[start..end]);
        }
        from = found + pattern.len();
    }
}

/// Shades from few to many, all with enough contrast against white borders.
const SHADES: [(u64, &str); 5] = [
    (0, "#e3e3fd"),
    (1, "#b1b1f9"),
    (2, "#6a6af4"),
    (5, "#2323d1"),
    (10, "#000091"),
];

impl FranceMap {
    /// Reads the outlines from the SVG file (trusted: shipped with civiforge).
    pub fn parse(svg: &str) -> Self {
        let departements = svg
            .split("<path")
            .skip(1)
            .filter_map(|element| {
                let element = element.split("/>").next()?;
                Some(Departement {
                    code: attribute(element, "id")?.to_string(),
                    name: attribute(element, "aria-label")?.to_string(),
                    path: attribute(element, "d")?.to_string(),
                })
            })
            .collect();
        Self { departements }
    }

    /// The map with each département shaded by its count; `label` names what is counted.
    pub fn render(&self, counts: &BTreeMap<String, u64>, label: &str) -> String {
        let shown = counts.values().filter(|c| **c > 0).count();
        let mut svg = String::new();
        let _ = write!(
            svg,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 613 585\" role=\"img\" \
             aria-label=\"Carte de France : {} dans {shown} département{}\">",
            escape(label),
            if shown > 1 { "s" } else { "" }
        );
        for departement in &self.departements {
            let count = counts.get(&departement.code).copied().unwrap_or(0);
            let fill = SHADES
                .iter()
                .rev()
                .find(|(min, _)| count >= *min)
                .map_or(SHADES[0].1, |(_, c)| c);
            let _ = write!(
                svg,
                "<path d=\"{}\" fill=\"{fill}\"><title>{} ({}) : {count}</title></path>",
                escape(&departement.path),
                escape(&departement.name),
                escape(&departement.code),
            );
        }
        svg.push_str("</svg>");
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_map_has_every_metropolitan_departement() {
        let map = FranceMap::parse(include_str!("../../../web/map/france.departments.svg"));
        assert_eq!(map.departements.len(), 96);
        assert!(
            map.departements
                .iter()
                .any(|d| d.code == "2A" && d.name == "Corse-du-Sud")
        );
        let counts = BTreeMap::from([("13".to_string(), 12), ("2A".to_string(), 1)]);
        let svg = map.render(&counts, "organisations utilisatrices");
        assert!(svg.contains("dans 2 départements"));
        assert!(svg.contains("Bouches-du-Rhône (13) : 12</title>"));
        assert!(
            map.departements
                .iter()
                .all(|d| d.path.starts_with('m') || d.path.starts_with('M')),
            "outlines, not ids"
        );
        assert_eq!(
            svg.matches("#000091").count(),
            1,
            "only the 12 reaches the darkest shade"
        );
    }
}
