//! The standard's rules, checked on the mapped [`PublicCode`]: required keys, vocabularies,
//! lengths, dates, URL forms, deprecated keys. No network and no file access: URLs are checked
//! for form only and files named by the file are not opened.

use super::Diagnostics;
use super::model::*;
use super::read::{Lines, Major, major, scalar_text};
use super::vocab;
use super::yaml::{Node, Value};
use crate::licence::is_spdx_expression;

mod italy;
mod sections;
use italy::check_italy;
use sections::{check_legal, check_localisation, check_maintenance};

struct Checker<'a> {
    lines: &'a Lines,
    diags: &'a mut Diagnostics,
    major: Major,
}

impl Checker<'_> {
    /// The line of `key`, or of its closest parent that has one.
    fn line(&self, key: &str) -> Option<usize> {
        let mut path = key;
        loop {
            if let Some(line) = self.lines.get(path) {
                return Some(*line);
            }
            let cut = path.rfind(['.', '['])?;
            path = &path[..cut];
        }
    }

    fn error(&mut self, key: &str, message: impl Into<String>) {
        let line = self.line(key);
        self.diags.error(line, key, message);
    }

    fn warning(&mut self, key: &str, message: impl Into<String>) {
        let line = self.line(key);
        self.diags.warning(line, key, message);
    }

    fn deprecated(&mut self, key: &str, instead: &str) {
        self.warning(
            key,
            format!("La clé « {key} » est obsolète et sera retirée du standard : {instead}."),
        );
    }

    /// A required string: present and not empty.
    fn required<'v>(&mut self, key: &str, value: Option<&'v String>) -> Option<&'v str> {
        match value.map(|v| v.trim()).filter(|v| !v.is_empty()) {
            Some(v) => Some(v),
            None => {
                self.error(
                    key,
                    format!("La clé « {key} » est obligatoire : renseignez-la."),
                );
                None
            }
        }
    }

    fn one_of(&mut self, key: &str, value: &str, allowed: &[&str]) {
        if !allowed.contains(&value) {
            self.error(
                key,
                format!(
                    "Valeur « {value} » non reconnue pour « {key} » : choisissez parmi {}.",
                    allowed.join(", ")
                ),
            );
        }
    }

    fn http_url(&mut self, key: &str, value: &str) {
        if !is_http_url(value) {
            self.error(
                key,
                format!(
                    "« {value} » n'est pas une adresse web valide pour « {key} » : indiquez une \
                     URL complète commençant par https://."
                ),
            );
        }
    }

    fn any_url(&mut self, key: &str, value: &str) {
        if !is_url(value) {
            self.error(
                key,
                format!(
                    "« {value} » n'est pas une URL valide pour « {key} » : indiquez une URL \
                     complète, par exemple https://forge.example/projet.git."
                ),
            );
        }
    }

    fn date(&mut self, key: &str, value: &str) {
        if !is_date(value) {
            self.error(
                key,
                format!(
                    "« {value} » n'est pas une date au format AAAA-MM-JJ pour « {key} » \
                     (exemple : 2024-03-31)."
                ),
            );
        }
    }

    fn email(&mut self, key: &str, value: &str) {
        if !is_email(value) {
            self.error(
                key,
                format!("« {value} » n'est pas une adresse électronique valide pour « {key} »."),
            );
        }
    }

    fn max_chars(&mut self, key: &str, value: &str, max: usize) {
        let n = value.chars().count();
        if n > max {
            self.error(
                key,
                format!("« {key} » fait {n} caractères : raccourcissez-le à {max} au plus."),
            );
        }
    }
}

/// Checks the standard's rules and adds errors and warnings.
pub(crate) fn validate(pc: &PublicCode, root: &Node, lines: &Lines, diags: &mut Diagnostics) {
    let version = pc.publiccode_yml_version.as_deref().map(str::trim);
    let mut c = Checker {
        lines,
        diags,
        major: version.and_then(major).unwrap_or(Major::V0),
    };
    match version {
        None | Some("") => c.error(
            "publiccodeYmlVersion",
            "La clé « publiccodeYmlVersion » est obligatoire : indiquez la version du standard, \
             par exemple \"0\" (entre guillemets).",
        ),
        Some(v) => match major(v) {
            None => c.error(
                "publiccodeYmlVersion",
                format!(
                    "Version « {v} » non prise en charge : utilisez \"0\" (ou 0.2, 0.3, 0.4, 0.5), \
                     ou \"1\"."
                ),
            ),
            Some(Major::V0) if v != "0" => c.warning(
                "publiccodeYmlVersion",
                format!(
                    "La version {v} n'est pas la dernière : indiquez \"0\", qui couvre toutes \
                     les versions 0.x (le fichier est lu comme tel)."
                ),
            ),
            Some(_) => {}
        },
    }
    let v0 = c.major == Major::V0;

    c.required("name", pc.name.as_ref());
    if let Some(url) = c.required("url", pc.url.as_ref()) {
        c.any_url("url", url);
    }
    if let Some(url) = &pc.landing_url {
        c.http_url("landingURL", url);
    }
    for (i, url) in pc.is_based_on.iter().flatten().enumerate() {
        c.any_url(&format!("isBasedOn[{i}]"), url);
    }
    if let Some(date) = &pc.release_date {
        c.date("releaseDate", date);
    }
    if let Some(logo) = &pc.logo {
        check_logo(&mut c, "logo", logo);
    }
    if let Some(logo) = &pc.monochrome_logo {
        c.deprecated("monochromeLogo", "utilisez « logo » à la place");
        check_logo(&mut c, "monochromeLogo", logo);
    }
    if let Some(org) = &pc.organisation {
        check_organisation(&mut c, "organisation", org);
    }
    for (i, org) in pc.funded_by.iter().flatten().enumerate() {
        check_organisation(&mut c, &format!("fundedBy[{i}]"), org);
    }
    for (key, types) in [
        ("inputTypes", &pc.input_types),
        ("outputTypes", &pc.output_types),
    ] {
        if let Some(types) = types {
            c.deprecated(key, "vous pouvez la supprimer sans risque");
            for (i, t) in types.iter().enumerate() {
                if !vocab::is_mime_type(t) {
                    c.error(
                        &format!("{key}[{i}]"),
                        format!("« {t} » n'est pas un type MIME (exemple : application/json)."),
                    );
                }
            }
        }
    }
    if pc.platforms.as_ref().is_none_or(Vec::is_empty) {
        c.error(
            "platforms",
            "La clé « platforms » est obligatoire : listez au moins une plateforme (web, \
             windows, linux, mac, android, ios…).",
        );
    }
    for (i, category) in pc.categories.iter().flatten().enumerate() {
        if !vocab::CATEGORIES.contains(&category.as_str()) {
            c.error(
                &format!("categories[{i}]"),
                format!(
                    "Catégorie « {category} » inconnue : choisissez-la dans la liste du standard \
                     (https://yml.publiccode.tools/categories-list.html)."
                ),
            );
        }
    }
    for (i, support) in pc.supports.iter().flatten().enumerate() {
        let key = format!("supports[{i}].id");
        match support.id.as_deref() {
            None | Some("") => c.error(
                &key,
                "La clé « id » est obligatoire pour chaque élément de « supports ».",
            ),
            Some(id) if id.starts_with("alias:") => {
                if !vocab::SUPPORT_ALIASES.contains(&id) {
                    c.error(&key, format!("Alias « {id} » inconnu : utilisez un alias de la liste du standard ou une URI."));
                }
            }
            Some(id) => c.any_url(&key, id),
        }
    }
    if let Some(roadmap) = &pc.roadmap {
        c.http_url("roadmap", roadmap);
    }
    if let Some(status) = c.required("developmentStatus", pc.development_status.as_ref()) {
        c.one_of("developmentStatus", status, vocab::DEVELOPMENT_STATUSES);
    }
    if let Some(kind) = c.required("softwareType", pc.software_type.as_ref()) {
        c.one_of("softwareType", kind, vocab::SOFTWARE_TYPES);
    }
    if let Some(audience) = &pc.intended_audience {
        check_audience(&mut c, audience);
    }
    check_descriptions(&mut c, pc, root);
    check_legal(&mut c, pc.legal.as_ref());
    check_maintenance(&mut c, pc.maintenance.as_ref());
    check_localisation(&mut c, pc.localisation.as_ref());
    if let Some(depends_on) = &pc.depends_on {
        for (kind, list) in [
            ("open", &depends_on.open),
            ("proprietary", &depends_on.proprietary),
            ("hardware", &depends_on.hardware),
        ] {
            for (i, dep) in list.iter().flatten().enumerate() {
                c.required(&format!("dependsOn.{kind}[{i}].name"), dep.name.as_ref());
            }
        }
    }
    if v0 {
        check_italy(&mut c, root);
    }
}

fn check_logo(c: &mut Checker, key: &str, logo: &str) {
    let lower = logo.to_ascii_lowercase();
    if lower.starts_with("file:") {
        c.error(key, format!("« {logo} » est une URL file:// : indiquez un chemin relatif au dépôt ou une URL https://."));
    } else if logo.starts_with('/') {
        c.error(key, format!("« {logo} » est un chemin absolu : indiquez un chemin relatif au dépôt ou une URL https://."));
    } else {
        let path = url::Url::parse(logo)
            .map(|u| u.path().to_ascii_lowercase())
            .unwrap_or(lower);
        if ![".svg", ".svgz", ".png"]
            .iter()
            .any(|ext| path.ends_with(ext))
        {
            c.error(key, format!("« {logo} » n'a pas une extension d'image acceptée : utilisez un fichier .svg, .svgz ou .png."));
        }
    }
}

fn check_organisation(c: &mut Checker, key: &str, org: &Organisation) {
    let uri_key = format!("{key}.uri");
    let Some(uri) = c.required(&uri_key, org.uri.as_ref()) else {
        return;
    };
    if !is_url(uri) {
        c.error(&uri_key, format!("« {uri} » n'est pas une URI valide : indiquez par exemple https://www.ville.example ou urn:x-italian-pa:code."));
    } else if let Some(code) = uri.strip_prefix("urn:x-italian-pa:")
        && !vocab::is_ipa_code_form(code)
    {
        c.error(&uri_key, format!("« {code} » n'est pas un code iPA valide (administration publique italienne) : utilisez le format urn:x-italian-pa:[codiceIPA]."));
    }
}

fn check_audience(c: &mut Checker, audience: &IntendedAudience) {
    for (name, list) in [
        ("countries", &audience.countries),
        ("unsupportedCountries", &audience.unsupported_countries),
    ] {
        for (i, code) in list.iter().flatten().enumerate() {
            let key = format!("intendedAudience.{name}[{i}]");
            let upper = code.to_ascii_uppercase();
            if vocab::is_country(code) {
                continue;
            }
            if code == &code.to_ascii_lowercase() && vocab::is_country(&upper) {
                c.warning(
                    &key,
                    format!("Les codes pays en minuscules sont obsolètes : écrivez « {upper} »."),
                );
            } else {
                c.error(
                    &key,
                    format!("« {code} » n'est pas un code pays ISO 3166-1 alpha-2 (exemple : FR)."),
                );
            }
        }
    }
    for (i, scope) in audience.scope.iter().flatten().enumerate() {
        let known = vocab::SCOPES.contains(&scope.as_str())
            && !(c.major == Major::V1 && scope == "government");
        if !known {
            c.error(
                &format!("intendedAudience.scope[{i}]"),
                format!("Domaine « {scope} » inconnu : choisissez-le dans la liste du standard (https://yml.publiccode.tools/scope-list.html)."),
            );
        }
    }
}

fn check_descriptions(c: &mut Checker, pc: &PublicCode, root: &Node) {
    let declared = root
        .get("description")
        .and_then(|(_, n)| n.as_map())
        .is_some_and(|m| !m.is_empty());
    if !declared {
        c.error("description", "La clé « description » est obligatoire : ajoutez au moins une langue (par exemple « fr ») avec shortDescription et longDescription.");
    }
    let v0 = c.major == Major::V0;
    for (lang, desc) in &pc.description {
        let base = format!("description.{lang}");
        if !vocab::is_bcp47(lang) {
            c.error(&base, format!("« {lang} » n'est pas une étiquette de langue BCP 47 (exemples : fr, en, en-GB ; pas de « _ »)."));
        }
        let key = format!("{base}.shortDescription");
        if let Some(short) = c.required(&key, desc.short_description.as_ref()) {
            c.max_chars(&key, short, 150);
        }
        let key = format!("{base}.longDescription");
        if let Some(long) = desc.long_description.as_deref().filter(|s| !s.is_empty()) {
            let n = long.chars().count();
            if n < 150 {
                c.error(&key, format!("« longDescription » fait {n} caractères : il en faut au moins 150 ; décrivez le logiciel plus en détail."));
            }
            c.max_chars(&key, long, 10_000);
        } else {
            c.error(&key, format!("La clé « {key} » est obligatoire : décrivez le logiciel en 150 à 10 000 caractères."));
        }
        if let Some(generic) = &desc.generic_name {
            let key = format!("{base}.genericName");
            c.max_chars(&key, generic, 35);
            c.deprecated(&key, "vous pouvez la supprimer sans risque");
        }
        if v0 && desc.features.as_ref().is_none_or(Vec::is_empty) {
            c.error(
                &format!("{base}.features"),
                "La clé « features » est obligatoire : listez au moins une fonctionnalité.",
            );
        }
        for (name, value) in [
            ("documentation", &desc.documentation),
            ("apiDocumentation", &desc.api_documentation),
        ] {
            if let Some(url) = value {
                c.http_url(&format!("{base}.{name}"), url);
            }
        }
        for (i, shot) in desc.screenshots.iter().flatten().enumerate() {
            let path = url::Url::parse(shot)
                .map(|u| u.path().to_ascii_lowercase())
                .unwrap_or_else(|_| shot.to_ascii_lowercase());
            if ![".png", ".jpg"].iter().any(|ext| path.ends_with(ext)) {
                c.error(&format!("{base}.screenshots[{i}]"), format!("« {shot} » n'est pas une image acceptée : utilisez un fichier .png ou .jpg."));
            }
        }
        for (i, video) in desc.videos.iter().flatten().enumerate() {
            let key = format!("{base}.videos[{i}]");
            if !is_http_url(video) {
                c.http_url(&key, video);
            } else if !vocab::is_oembed_video(video) {
                c.error(&key, format!("« {video} » n'est pas une vidéo d'un hébergeur compatible oEmbed (YouTube, Vimeo, PeerTube, Dailymotion…)."));
            }
        }
    }
}

/// An absolute URL with a scheme (any scheme, as for `url`, which may be a git or ssh URL).
fn is_url(value: &str) -> bool {
    url::Url::parse(value).is_ok_and(|u| !u.scheme().is_empty())
}

/// An http(s) URL with a host.
fn is_http_url(value: &str) -> bool {
    url::Url::parse(value).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
    })
}

/// A calendar date written YYYY-MM-DD.
fn is_date(value: &str) -> bool {
    value.len() == 10 && chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok()
}

/// A plausible e-mail address: one `@`, a local part, a dotted domain, no spaces.
fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.chars().any(char::is_whitespace)
}
