//! Maps the YAML tree to [`PublicCode`], tolerantly: a value of the wrong type is reported
//! and, where the intent is plain (a string where a list is expected), still mapped.
//! Unknown keys are errors, as in the reference parser, which decodes with known fields only.

use std::collections::HashMap;

use super::Diagnostics;
use super::model::*;
use super::yaml::{Node, Value};

/// Line of every key read, by dotted path (`legal.license`, `categories[0]`).
pub(crate) type Lines = HashMap<String, usize>;

/// Which major version of the standard the file declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Major {
    V0,
    V1,
}

/// The major version named by `publiccodeYmlVersion`, if it is a supported one.
pub(crate) fn major(version: &str) -> Option<Major> {
    match version {
        "0" | "0.2" | "0.2.0" | "0.2.1" | "0.2.2" | "0.3" | "0.3.0" | "0.4" | "0.4.0" | "0.5"
        | "0.5.0" | "0.7" | "0.7.0" => Some(Major::V0),
        "1" => Some(Major::V1),
        _ => None,
    }
}

const TOP_KEYS: &[&str] = &[
    "publiccodeYmlVersion",
    "name",
    "applicationSuite",
    "url",
    "landingURL",
    "isBasedOn",
    "softwareVersion",
    "releaseDate",
    "logo",
    "monochromeLogo",
    "organisation",
    "inputTypes",
    "outputTypes",
    "platforms",
    "categories",
    "usedBy",
    "fundedBy",
    "supports",
    "roadmap",
    "developmentStatus",
    "softwareType",
    "intendedAudience",
    "description",
    "legal",
    "maintenance",
    "localisation",
    "dependsOn",
];

/// Keys of version 0 that version 1 of the standard (still a release candidate) drops. The
/// reference parser's v1 schema removes the deprecated keys; `features` and `categories` are
/// added because the reference fixtures accept a v1 file without them and reject every v1
/// file that has either (see the fixture test).
const REMOVED_IN_V1: &[&str] = &[
    "categories",
    "monochromeLogo",
    "inputTypes",
    "outputTypes",
    "supports",
    "genericName",
    "features",
    "repoOwner",
    "authorsFile",
];

const DESCRIPTION_KEYS: &[&str] = &[
    "localisedName",
    "genericName",
    "shortDescription",
    "longDescription",
    "documentation",
    "apiDocumentation",
    "features",
    "screenshots",
    "videos",
    "awards",
];

/// Reads the root mapping into a [`PublicCode`], reporting type errors and unknown keys.
pub(crate) fn read(root: &Node, diags: &mut Diagnostics) -> (PublicCode, Lines) {
    let v1 = root
        .get("publiccodeYmlVersion")
        .and_then(|(_, n)| scalar_text(n))
        .and_then(|v| major(&v))
        == Some(Major::V1);
    let mut reader = Reader {
        diags,
        lines: Lines::new(),
        v1,
    };
    let publiccode = reader.publiccode(root);
    (publiccode, reader.lines)
}

/// The text of a scalar node (strings, numbers and booleans all read as text, as the
/// reference parser does for string fields).
pub(crate) fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::String(s) | Value::Number(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Seq(_) | Value::Map(_) => None,
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

struct Reader<'a> {
    diags: &'a mut Diagnostics,
    lines: Lines,
    v1: bool,
}

impl Reader<'_> {
    /// The entries of a mapping at `path`, after reporting unknown keys; None (and a type
    /// error unless the node is null) when it is not a mapping.
    fn entries<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        allowed: &[&str],
    ) -> Option<&'n [(String, usize, Node)]> {
        match &node.value {
            Value::Null => None,
            Value::Map(entries) => {
                for (key, line, _) in entries {
                    let full = join(path, key);
                    self.lines.entry(full.clone()).or_insert(*line);
                    if self.v1 && REMOVED_IN_V1.contains(&key.as_str()) {
                        self.diags.error(
                            Some(*line),
                            &full,
                            format!(
                                "La clé « {key} » n'existe plus dans la version 1 du standard : \
                                 supprimez-la."
                            ),
                        );
                    } else if !allowed.contains(&key.as_str()) {
                        self.diags.error(
                            Some(*line),
                            &full,
                            format!(
                                "Clé inconnue « {key} » : vérifiez son orthographe (la casse \
                                 compte) ou supprimez-la."
                            ),
                        );
                    }
                }
                Some(entries)
            }
            _ => {
                self.type_error(node, path, "un dictionnaire (clé: valeur)");
                None
            }
        }
    }

    fn type_error(&mut self, node: &Node, path: &str, expected: &str) {
        let line = self.lines.get(path).copied().unwrap_or(node.line);
        self.diags.error(
            Some(line),
            path,
            format!("Type incorrect : « {path} » doit être {expected}."),
        );
    }

    fn string(&mut self, node: Option<&Node>, path: &str) -> Option<String> {
        let node = node?;
        match &node.value {
            Value::Null => None,
            Value::Seq(_) | Value::Map(_) => {
                self.type_error(node, path, "une chaîne de caractères");
                None
            }
            _ => scalar_text(node),
        }
    }

    fn boolean(&mut self, node: Option<&Node>, path: &str) -> Option<bool> {
        let node = node?;
        match &node.value {
            Value::Null => None,
            Value::Bool(b) => Some(*b),
            _ => {
                self.type_error(
                    node,
                    path,
                    "un booléen, true ou false (yes, no, on et off ne sont pas acceptés)",
                );
                None
            }
        }
    }

    /// A list of strings; a lone string is reported but mapped as a one-item list.
    fn strings(&mut self, node: Option<&Node>, path: &str) -> Option<Vec<String>> {
        let node = node?;
        match &node.value {
            Value::Null => None,
            Value::Seq(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| {
                        let item_path = format!("{path}[{i}]");
                        self.lines.insert(item_path.clone(), item.line);
                        self.string(Some(item), &item_path)
                    })
                    .collect(),
            ),
            Value::Map(_) => {
                self.type_error(node, path, "une liste");
                None
            }
            _ => {
                self.type_error(
                    node,
                    path,
                    "une liste (mettez chaque valeur après un « - »)",
                );
                scalar_text(node).map(|s| vec![s])
            }
        }
    }

    /// A list of mappings read by `item`.
    fn objects<T>(
        &mut self,
        node: Option<&Node>,
        path: &str,
        mut item: impl FnMut(&mut Self, &Node, &str) -> T,
    ) -> Option<Vec<T>> {
        let node = node?;
        match &node.value {
            Value::Null => None,
            Value::Seq(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, node)| {
                        let item_path = format!("{path}[{i}]");
                        self.lines.insert(item_path.clone(), node.line);
                        item(self, node, &item_path)
                    })
                    .collect(),
            ),
            _ => {
                self.type_error(node, path, "une liste");
                None
            }
        }
    }

    fn publiccode(&mut self, root: &Node) -> PublicCode {
        let mut pc = PublicCode::default();
        let Value::Map(entries) = &root.value else {
            return pc;
        };
        let get = |key: &str| root.get(key).map(|(_, n)| n);
        for (key, line, node) in entries {
            self.lines.entry(key.clone()).or_insert(*line);
            if key.len() == 2 && key.chars().all(|c| c.is_ascii_alphabetic()) {
                // Country-specific sections are kept raw; validate checks the Italian one.
                pc.country_sections.insert(key.clone(), node.to_json());
                if self.v1 || (key != "IT" && key != "it") {
                    self.diags.error(
                        Some(*line),
                        key,
                        if self.v1 {
                            format!(
                                "La section de pays « {key} » n'existe plus dans la version 1 du \
                                 standard : supprimez-la."
                            )
                        } else {
                            format!(
                                "Section de pays inconnue « {key} » : seule la section « IT » est \
                                 définie par le standard."
                            )
                        },
                    );
                }
            } else if self.v1 && REMOVED_IN_V1.contains(&key.as_str()) {
                self.diags.error(
                    Some(*line),
                    key,
                    format!(
                        "La clé « {key} » n'existe plus dans la version 1 du standard : \
                         supprimez-la."
                    ),
                );
            } else if !TOP_KEYS.contains(&key.as_str()) {
                self.diags.error(
                    Some(*line),
                    key,
                    format!(
                        "Clé inconnue « {key} » : vérifiez son orthographe (la casse compte) ou \
                         supprimez-la."
                    ),
                );
            }
        }
        pc.publiccode_yml_version =
            self.string(get("publiccodeYmlVersion"), "publiccodeYmlVersion");
        pc.name = self.string(get("name"), "name");
        pc.application_suite = self.string(get("applicationSuite"), "applicationSuite");
        pc.url = self.string(get("url"), "url");
        pc.landing_url = self.string(get("landingURL"), "landingURL");
        pc.is_based_on = get("isBasedOn").and_then(|node| match &node.value {
            Value::String(_) | Value::Number(_) => scalar_text(node).map(|s| vec![s]),
            _ => self.strings(Some(node), "isBasedOn"),
        });
        pc.software_version = self.string(get("softwareVersion"), "softwareVersion");
        pc.release_date = self.string(get("releaseDate"), "releaseDate");
        pc.logo = self.string(get("logo"), "logo");
        pc.monochrome_logo = self.string(get("monochromeLogo"), "monochromeLogo");
        pc.organisation = get("organisation").and_then(|n| self.organisation(n, "organisation"));
        pc.funded_by = self.objects(get("fundedBy"), "fundedBy", |r, n, p| {
            r.organisation(n, p).unwrap_or_default()
        });
        pc.input_types = self.strings(get("inputTypes"), "inputTypes");
        pc.output_types = self.strings(get("outputTypes"), "outputTypes");
        pc.platforms = self.strings(get("platforms"), "platforms");
        pc.categories = self.strings(get("categories"), "categories");
        pc.used_by = self.strings(get("usedBy"), "usedBy");
        pc.supports = self.objects(get("supports"), "supports", |r, n, p| {
            let mut support = Support::default();
            if let Some(entries) = r.entries(n, p, &["id"]) {
                let get = |k: &str| entries.iter().find(|(key, _, _)| key == k).map(|e| &e.2);
                support.id = r.string(get("id"), &join(p, "id"));
            }
            support
        });
        pc.roadmap = self.string(get("roadmap"), "roadmap");
        pc.development_status = self.string(get("developmentStatus"), "developmentStatus");
        pc.software_type = self.string(get("softwareType"), "softwareType");
        pc.intended_audience = get("intendedAudience").and_then(|n| self.intended_audience(n));
        if let Some(node) = get("description") {
            self.description(node, &mut pc);
        }
        pc.legal = get("legal").and_then(|n| self.legal(n));
        pc.maintenance = get("maintenance").and_then(|n| self.maintenance(n));
        pc.localisation = get("localisation").and_then(|n| self.localisation(n));
        pc.depends_on = get("dependsOn").and_then(|n| self.depends_on(n));
        pc
    }

    fn organisation(&mut self, node: &Node, path: &str) -> Option<Organisation> {
        let entries = self.entries(node, path, &["name", "uri"])?;
        let get = |k: &str| entries.iter().find(|(key, _, _)| key == k).map(|e| &e.2);
        Some(Organisation {
            name: self.string(get("name"), &join(path, "name")),
            uri: self.string(get("uri"), &join(path, "uri")),
        })
    }

    fn intended_audience(&mut self, node: &Node) -> Option<IntendedAudience> {
        let path = "intendedAudience";
        let entries = self.entries(node, path, &["countries", "unsupportedCountries", "scope"])?;
        let get = |k: &str| entries.iter().find(|(key, _, _)| key == k).map(|e| &e.2);
        Some(IntendedAudience {
            countries: self.strings(get("countries"), "intendedAudience.countries"),
            unsupported_countries: self.strings(
                get("unsupportedCountries"),
                "intendedAudience.unsupportedCountries",
            ),
            scope: self.strings(get("scope"), "intendedAudience.scope"),
        })
    }

    fn description(&mut self, node: &Node, pc: &mut PublicCode) {
        let Value::Map(languages) = &node.value else {
            if node.value != Value::Null {
                self.type_error(node, "description", "un dictionnaire langue → description");
            }
            return;
        };
        for (lang, line, desc) in languages {
            let path = format!("description.{lang}");
            self.lines.insert(path.clone(), *line);
            let Some(entries) = self.entries(desc, &path, DESCRIPTION_KEYS) else {
                continue;
            };
            let get = |k: &str| entries.iter().find(|(key, _, _)| key == k).map(|e| &e.2);
            let description = Description {
                localised_name: self.string(get("localisedName"), &join(&path, "localisedName")),
                generic_name: self.string(get("genericName"), &join(&path, "genericName")),
                short_description: self
                    .string(get("shortDescription"), &join(&path, "shortDescription")),
                long_description: self
                    .string(get("longDescription"), &join(&path, "longDescription")),
                documentation: self.string(get("documentation"), &join(&path, "documentation")),
                api_documentation: self
                    .string(get("apiDocumentation"), &join(&path, "apiDocumentation")),
                features: self.strings(get("features"), &join(&path, "features")),
                screenshots: self.strings(get("screenshots"), &join(&path, "screenshots")),
                videos: self.strings(get("videos"), &join(&path, "videos")),
                awards: self.strings(get("awards"), &join(&path, "awards")),
            };
            pc.description.insert(lang.clone(), description);
        }
    }

    fn legal(&mut self, node: &Node) -> Option<Legal> {
        let keys = ["license", "mainCopyrightOwner", "repoOwner", "authorsFile"];
        let entries = self.entries(node, "legal", &keys)?;
        let get = |k: &str| entries.iter().find(|(key, _, _)| key == k).map(|e| &e.2);
        Some(Legal {
            license: self.string(get("license"), "legal.license"),
            main_copyright_owner: self
                .string(get("mainCopyrightOwner"), "legal.mainCopyrightOwner"),
            repo_owner: self.string(get("repoOwner"), "legal.repoOwner"),
            authors_file: self.string(get("authorsFile"), "legal.authorsFile"),
        })
    }

    fn maintenance(&mut self, node: &Node) -> Option<Maintenance> {
        let entries = self.entries(node, "maintenance", &["type", "contractors", "contacts"])?;
        let get = |k: &str| entries.iter().find(|(key, _, _)| key == k).map(|e| &e.2);
        let kind = self.string(get("type"), "maintenance.type");
        let contractors = self.objects(get("contractors"), "maintenance.contractors", |r, n, p| {
            let mut c = Contractor::default();
            if let Some(entries) = r.entries(n, p, &["name", "until", "email", "website"]) {
                let get = |k: &str| entries.iter().find(|(key, _, _)| key == k).map(|e| &e.2);
                c.name = r.string(get("name"), &join(p, "name"));
                c.until = r.string(get("until"), &join(p, "until"));
                c.email = r.string(get("email"), &join(p, "email"));
                c.website = r.string(get("website"), &join(p, "website"));
            }
            c
        });
        let contacts = self.objects(get("contacts"), "maintenance.contacts", |r, n, p| {
            let mut c = Contact::default();
            if let Some(entries) = r.entries(n, p, &["name", "email", "phone", "affiliation"]) {
                let get = |k: &str| entries.iter().find(|(key, _, _)| key == k).map(|e| &e.2);
                c.name = r.string(get("name"), &join(p, "name"));
                c.email = r.string(get("email"), &join(p, "email"));
                c.phone = r.string(get("phone"), &join(p, "phone"));
                c.affiliation = r.string(get("affiliation"), &join(p, "affiliation"));
            }
            c
        });
        Some(Maintenance {
            kind,
            contractors,
            contacts,
        })
    }

    fn localisation(&mut self, node: &Node) -> Option<Localisation> {
        let keys = ["localisationReady", "availableLanguages"];
        let entries = self.entries(node, "localisation", &keys)?;
        let get = |k: &str| entries.iter().find(|(key, _, _)| key == k).map(|e| &e.2);
        Some(Localisation {
            localisation_ready: self
                .boolean(get("localisationReady"), "localisation.localisationReady"),
            available_languages: self
                .strings(get("availableLanguages"), "localisation.availableLanguages"),
        })
    }

    fn depends_on(&mut self, node: &Node) -> Option<DependsOn> {
        let entries = self.entries(node, "dependsOn", &["open", "proprietary", "hardware"])?;
        let get = |k: &str| entries.iter().find(|(key, _, _)| key == k).map(|e| &e.2);
        let dependency = |r: &mut Self, n: &Node, p: &str| {
            let mut d = Dependency::default();
            let keys = ["name", "versionMin", "versionMax", "version", "optional"];
            if let Some(entries) = r.entries(n, p, &keys) {
                let get = |k: &str| entries.iter().find(|(key, _, _)| key == k).map(|e| &e.2);
                d.name = r.string(get("name"), &join(p, "name"));
                d.version_min = r.string(get("versionMin"), &join(p, "versionMin"));
                d.version_max = r.string(get("versionMax"), &join(p, "versionMax"));
                d.version = r.string(get("version"), &join(p, "version"));
                d.optional = r.boolean(get("optional"), &join(p, "optional"));
            }
            d
        };
        Some(DependsOn {
            open: self.objects(get("open"), "dependsOn.open", dependency),
            proprietary: self.objects(get("proprietary"), "dependsOn.proprietary", dependency),
            hardware: self.objects(get("hardware"), "dependsOn.hardware", dependency),
        })
    }
}
