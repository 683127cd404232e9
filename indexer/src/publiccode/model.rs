//! The publiccode.yml fields, as far as a file could be read. Every field is optional so
//! that a file breaking the standard still yields whatever it does say; serialised with the
//! standard's camelCase names, so the JSON looks like the file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A publiccode.yml file mapped to the standard's fields (versions 0.2 to 0.5, "0" and "1").
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PublicCode {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publiccode_yml_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_suite: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(rename = "landingURL", skip_serializing_if = "Option::is_none")]
    pub landing_url: Option<String>,
    /// A single URL or a list in the file; always a list here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_based_on: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// Deprecated since 0.4 (use `logo`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monochrome_logo: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<Organisation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub funded_by: Option<Vec<Organisation>>,
    /// Deprecated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_types: Option<Vec<String>>,
    /// Deprecated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platforms: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_by: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supports: Option<Vec<Support>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roadmap: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub development_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intended_audience: Option<IntendedAudience>,
    /// Language tag (BCP 47) → description in that language.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub description: BTreeMap<String, Description>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal: Option<Legal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maintenance: Option<Maintenance>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub localisation: Option<Localisation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<DependsOn>,
    /// Country-specific sections (`IT`, `it`, ...) kept as they are in the file.
    #[serde(flatten)]
    pub country_sections: BTreeMap<String, serde_json::Value>,
}

/// An organisation (`organisation`, `fundedBy` items).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Organisation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

/// A `supports` item: a standard or law the software supports.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Support {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// `intendedAudience`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IntendedAudience {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub countries: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsupported_countries: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<Vec<String>>,
}

/// The description of the software in one language.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Description {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub localised_name: Option<String>,
    /// Deprecated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generic_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documentation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_documentation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub features: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screenshots: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub videos: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub awards: Option<Vec<String>>,
}

/// `legal`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Legal {
    /// An SPDX licence expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub main_copyright_owner: Option<String>,
    /// Deprecated (use `organisation.name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo_owner: Option<String>,
    /// Deprecated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authors_file: Option<String>,
}

/// `maintenance`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Maintenance {
    /// internal, contract, community or none.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contractors: Option<Vec<Contractor>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Vec<Contact>>,
}

/// A company contracted to maintain the software.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Contractor {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Date (YYYY-MM-DD) the contract ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
}

/// A person to contact about the software.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Contact {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affiliation: Option<String>,
}

/// `localisation`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Localisation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub localisation_ready: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_languages: Option<Vec<String>>,
}

/// `dependsOn`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DependsOn {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open: Option<Vec<Dependency>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proprietary: Option<Vec<Dependency>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hardware: Option<Vec<Dependency>>,
}

/// A system-level dependency.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Dependency {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_min: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_max: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
}
