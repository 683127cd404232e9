//! The Belgian local authorities: the 565 communes and 10 provinces of Statbel's REFNIS
//! codes (1 January 2025; `scripts/derive-belgian-data.py`, CC BY 4.0, credited in
//! `server/data/LICENSE-belgique-statbel.txt`), and the CPAS of each commune, which have no
//! code of their own and take their commune's. Ids carry the country (`commune-be-92094`),
//! so that no Belgian code can be read as a French one.

use super::{ReferenceData, ReferenceError, ReferenceOrganisation};
use crate::text::fold;

pub(super) static REFERENCE_GZ: &[u8] = include_bytes!("../../data/reference-be.tsv.gz");

/// Parses the tab-separated format described in `scripts/derive-belgian-data.py`.
pub(super) fn parse(text: &str) -> Result<ReferenceData, ReferenceError> {
    let mut data = ReferenceData::default();
    for (index, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["V", edition] => data.edition = edition.to_string(),
            ["P", nis, name_fr, name_nl, region] => {
                data.organisations.push(organisation(
                    "province",
                    nis,
                    name_fr,
                    name_nl,
                    &[],
                    region,
                ));
            }
            ["B", nis, name_fr, name_nl, province, region, postal_codes] => {
                let mut commune = organisation("commune", nis, name_fr, name_nl, &[], region);
                commune.postal_codes = Some(postal_codes.to_string()).filter(|c| !c.is_empty());
                let cpas = organisation(
                    "cpas",
                    nis,
                    &cpas_name(name_fr),
                    &format!("OCMW {name_nl}"),
                    // Typed without the article too: « CPAS La Louvière ».
                    &[&format!("CPAS {name_fr}")],
                    region,
                );
                if !province.is_empty() {
                    data.memberships.push((
                        commune.id.clone(),
                        format!("province-be-{province}"),
                        "province",
                    ));
                }
                data.memberships
                    .push((cpas.id.clone(), commune.id.clone(), "cpas"));
                data.organisations.push(commune);
                data.organisations.push(cpas);
            }
            _ => {
                return Err(ReferenceError {
                    line: index + 1,
                    reason: "format de ligne belge inconnu".into(),
                });
            }
        }
    }
    if data.edition.is_empty() {
        return Err(ReferenceError {
            line: 0,
            reason: "édition belge absente".into(),
        });
    }
    Ok(data)
}

/// A Belgian organisation, found by its French name, its Dutch name and any other way it
/// is written.
fn organisation(
    kind: &'static str,
    nis: &str,
    name_fr: &str,
    name_nl: &str,
    other_names: &[&str],
    region: &str,
) -> ReferenceOrganisation {
    let mut keys: Vec<String> = Vec::new();
    for name in [name_fr, name_nl].iter().chain(other_names) {
        let key = fold(name);
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let search_key = keys.join(" ");
    ReferenceOrganisation {
        id: format!("{kind}-be-{nis}"),
        kind,
        code: nis.to_string(),
        name: name_fr.to_string(),
        search_key,
        subkind: None,
        siren: None,
        departement: None,
        // Belgian regions by name (`be-wallonie`), apart from INSEE's numeric codes.
        region: Some(format!("be-{region}")),
        population: None,
        postal_codes: None,
        country: "BE",
        name_nl: Some(name_nl.to_string()).filter(|nl| nl != name_fr),
    }
}

/// « CPAS de Namur », « CPAS d’Anvers », « CPAS du Rœulx », « CPAS des Bons Villers ».
fn cpas_name(commune: &str) -> String {
    if let Some(rest) = commune.strip_prefix("Le ") {
        return format!("CPAS du {rest}");
    }
    if let Some(rest) = commune.strip_prefix("Les ") {
        return format!("CPAS des {rest}");
    }
    let elided = commune
        .chars()
        .next()
        .is_some_and(|c| "AEIOUYÂÉÈÊÎÔ".contains(c));
    if elided {
        format!("CPAS d’{commune}")
    } else {
        format!("CPAS de {commune}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_belgian_commune_and_province_is_there_with_its_cpas() {
        let data = super::super::ReferenceData::embedded().expect("embedded data");
        let count = |kind: &str| {
            data.organisations
                .iter()
                .filter(|o| o.kind == kind && o.country == "BE")
                .count()
        };
        assert_eq!(count("commune"), 565);
        assert_eq!(count("province"), 10);
        assert_eq!(count("cpas"), 565);
        let find = |id: &str| {
            data.organisations
                .iter()
                .find(|o| o.id == id)
                .unwrap_or_else(|| panic!("{id}"))
        };
        let namur = find("commune-be-92094");
        assert_eq!(namur.name, "Namur");
        assert_eq!(namur.name_nl.as_deref(), Some("Namen"));
        assert_eq!(namur.search_key, "namur namen");
        assert_eq!(find("commune-be-58001").name, "La Louvière");
        assert_eq!(find("cpas-be-58001").name, "CPAS de La Louvière");
        assert_eq!(find("cpas-be-11002").name, "CPAS d’Anvers");
        assert_eq!(find("province-be-90000").name, "Province de Namur");
        assert!(data.memberships.contains(&(
            "commune-be-92094".to_string(),
            "province-be-90000".to_string(),
            "province"
        )));
        assert!(data.memberships.contains(&(
            "cpas-be-58001".to_string(),
            "commune-be-58001".to_string(),
            "cpas"
        )));
        // Brussels' communes belong to no province.
        assert!(
            !data
                .memberships
                .iter()
                .any(|(m, _, r)| m == "commune-be-21004" && *r == "province")
        );
        assert!(data.edition.ends_with("+statbel-refnis-2025-01-01"));
    }

    #[test]
    fn cpas_names_follow_french_usage() {
        assert_eq!(cpas_name("Le Rœulx"), "CPAS du Rœulx");
        assert_eq!(cpas_name("Les Bons Villers"), "CPAS des Bons Villers");
        assert_eq!(cpas_name("Ixelles"), "CPAS d’Ixelles");
        assert_eq!(cpas_name("Huy"), "CPAS de Huy");
    }
}
