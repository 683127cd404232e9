//! The administrative divisions shipped inside the binary, so that every local authority
//! is known from the first start with nothing to download: the French ones (derived from
//! `@etalab/decoupage-administratif` by `scripts/derive-reference-data.py`: communes,
//! départements, régions, EPCI) and the Belgian ones (`belgium`).

mod belgium;

use std::io::Read;

use crate::text::fold;

static REFERENCE_GZ: &[u8] = include_bytes!("../../data/reference.tsv.gz");

/// One organisation from the reference data, ready to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceOrganisation {
    pub id: String,
    pub kind: &'static str,
    pub code: String,
    pub name: String,
    pub search_key: String,
    pub subkind: Option<String>,
    pub siren: Option<String>,
    pub departement: Option<String>,
    pub region: Option<String>,
    pub population: Option<i64>,
    pub postal_codes: Option<String>,
    /// `FR` or `BE`.
    pub country: &'static str,
    /// The Dutch name, where it differs (Belgium).
    pub name_nl: Option<String>,
}

/// The whole reference set.
#[derive(Debug, Default)]
pub struct ReferenceData {
    /// Identifies the edition, so that an unchanged edition is not loaded twice.
    pub edition: String,
    pub organisations: Vec<ReferenceOrganisation>,
    /// (member id, parent id, relation): commune in its EPCI (`epci`), Belgian commune in
    /// its province (`province`), CPAS of its commune (`cpas`).
    pub memberships: Vec<(String, String, &'static str)>,
    /// (alias id, current organisation id)
    pub aliases: Vec<(String, String)>,
}

/// Error in the embedded file: a build problem, never a user's.
#[derive(Debug, thiserror::Error)]
#[error("données de référence illisibles, ligne {line} : {reason}")]
pub struct ReferenceError {
    line: usize,
    reason: String,
}

impl ReferenceData {
    /// Decodes the data embedded in the binary: France, then Belgium.
    pub fn embedded() -> Result<Self, ReferenceError> {
        let mut data = Self::parse(&gunzip(REFERENCE_GZ)?)?;
        let belgium = belgium::parse(&gunzip(belgium::REFERENCE_GZ)?)?;
        data.edition = format!("{}+{}", data.edition, belgium.edition);
        data.organisations.extend(belgium.organisations);
        data.memberships.extend(belgium.memberships);
        Ok(data)
    }

    /// Parses the tab-separated format described in `scripts/derive-reference-data.py`.
    pub fn parse(text: &str) -> Result<Self, ReferenceError> {
        let mut data = ReferenceData::default();
        for (index, line) in text.lines().enumerate() {
            let fields: Vec<&str> = line.split('\t').collect();
            let error = |reason: &str| ReferenceError {
                line: index + 1,
                reason: reason.into(),
            };
            let opt = |i: usize| {
                fields
                    .get(i)
                    .filter(|v| !v.is_empty())
                    .map(|v| v.to_string())
            };
            let population = |i: usize| -> Result<Option<i64>, ReferenceError> {
                opt(i)
                    .map(|v| v.parse().map_err(|_| error("population")))
                    .transpose()
            };
            let organisation = |kind: &'static str, code: &str, name: &str| ReferenceOrganisation {
                id: format!("{kind}-{code}"),
                kind,
                code: code.to_string(),
                name: name.to_string(),
                search_key: fold(name),
                subkind: None,
                siren: None,
                departement: None,
                region: None,
                population: None,
                postal_codes: None,
                country: "FR",
                name_nl: None,
            };
            match fields.as_slice() {
                ["V", edition] => data.edition = edition.to_string(),
                ["R", code, name] => {
                    let mut region = organisation("region", code, name);
                    region.region = Some(code.to_string());
                    data.organisations.push(region);
                }
                ["D", code, name, region] => {
                    let mut dep = organisation("departement", code, name);
                    dep.departement = Some(code.to_string());
                    dep.region = Some(region.to_string());
                    data.organisations.push(dep);
                }
                ["E", siren, name, kind, _] => {
                    let mut epci = organisation("epci", siren, name);
                    epci.subkind = Some(kind.to_string());
                    epci.siren = Some(siren.to_string());
                    epci.population = population(4)?;
                    data.organisations.push(epci);
                }
                ["C", code, name, _, _, _, _, _, epci] => {
                    let mut commune = organisation("commune", code, name);
                    commune.departement = opt(3);
                    commune.region = opt(4);
                    commune.siren = opt(5);
                    commune.population = population(6)?;
                    commune.postal_codes = opt(7);
                    if !epci.is_empty() {
                        data.memberships
                            .push((commune.id.clone(), format!("epci-{epci}"), "epci"));
                    }
                    data.organisations.push(commune);
                }
                ["A", old, current] => data
                    .aliases
                    .push((format!("commune-{old}"), format!("commune-{current}"))),
                _ => return Err(error("format de ligne inconnu")),
            }
        }
        if data.edition.is_empty() {
            return Err(ReferenceError {
                line: 0,
                reason: "édition absente".into(),
            });
        }
        Ok(data)
    }
}

fn gunzip(bytes: &[u8]) -> Result<String, ReferenceError> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .map_err(|e| ReferenceError {
            line: 0,
            reason: e.to_string(),
        })?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_data_has_every_current_division() {
        let data = ReferenceData::embedded().expect("embedded reference data");
        let count = |kind: &str| {
            data.organisations
                .iter()
                .filter(|o| o.kind == kind && o.country == "FR")
                .count()
        };
        assert_eq!(count("commune"), 34_969);
        assert_eq!(count("epci"), 1_255);
        assert_eq!(count("region"), 26);
        assert!(count("departement") >= 101);
        let istres = data
            .organisations
            .iter()
            .find(|o| o.id == "commune-13047")
            .expect("Istres");
        assert_eq!(istres.name, "Istres");
        assert_eq!(istres.departement.as_deref(), Some("13"));
        assert_eq!(istres.siren.as_deref(), Some("211300470"));
        // Marseille's 1st arrondissement resolves to Marseille.
        assert!(
            data.aliases
                .contains(&("commune-13201".to_string(), "commune-13055".to_string()))
        );
        assert!(
            data.memberships
                .iter()
                .any(|(c, _, relation)| c == "commune-13047" && *relation == "epci")
        );
    }
}
