//! The `legal`, `maintenance` and `localisation` sections of publiccode.yml.

use super::*;

pub(super) fn check_legal(c: &mut Checker, legal: Option<&Legal>) {
    let license = legal.and_then(|l| l.license.as_ref());
    if let Some(license) = c.required("legal.license", license)
        && !is_spdx_expression(license)
    {
        c.error("legal.license", format!("« {license} » n'est pas une expression de licence SPDX valide : utilisez un identifiant de https://spdx.org/licenses (par exemple EUPL-1.2 ou AGPL-3.0-or-later)."));
    }
    let Some(legal) = legal else {
        return;
    };
    if legal.repo_owner.is_some() {
        c.deprecated(
            "legal.repoOwner",
            "utilisez « organisation.name » à la place",
        );
    }
    if legal.authors_file.is_some() {
        c.deprecated("legal.authorsFile", "vous pouvez la supprimer sans risque");
    }
}

pub(super) fn check_maintenance(c: &mut Checker, maintenance: Option<&Maintenance>) {
    let kind = maintenance.and_then(|m| m.kind.as_ref());
    let Some(kind) = c.required("maintenance.type", kind) else {
        return;
    };
    c.one_of("maintenance.type", kind, vocab::MAINTENANCE_TYPES);
    let Some(m) = maintenance else {
        return;
    };
    let has_contractors = m.contractors.as_ref().is_some_and(|v| !v.is_empty());
    if kind == "contract" && !has_contractors {
        c.error("maintenance.contractors", "La clé « maintenance.contractors » est obligatoire quand « type » vaut « contract » : indiquez le prestataire.");
    }
    if kind != "contract" && m.contractors.is_some() {
        c.error("maintenance.contractors", format!("« maintenance.contractors » n'est permis que si « type » vaut « contract » (ici « {kind} ») : supprimez-le ou changez le type."));
    }
    if (kind == "internal" || kind == "community") && m.contacts.as_ref().is_none_or(Vec::is_empty)
    {
        c.error("maintenance.contacts", format!("La clé « maintenance.contacts » est obligatoire quand « type » vaut « {kind} » : indiquez au moins un contact."));
    }
    for (i, contractor) in m.contractors.iter().flatten().enumerate() {
        let base = format!("maintenance.contractors[{i}]");
        c.required(&format!("{base}.name"), contractor.name.as_ref());
        if let Some(until) = c.required(&format!("{base}.until"), contractor.until.as_ref()) {
            c.date(&format!("{base}.until"), until);
        }
        if let Some(email) = &contractor.email {
            c.email(&format!("{base}.email"), email);
        }
        if let Some(website) = &contractor.website {
            c.http_url(&format!("{base}.website"), website);
        }
    }
    for (i, contact) in m.contacts.iter().flatten().enumerate() {
        let base = format!("maintenance.contacts[{i}]");
        c.required(&format!("{base}.name"), contact.name.as_ref());
        if let Some(email) = &contact.email {
            c.email(&format!("{base}.email"), email);
        }
    }
}

pub(super) fn check_localisation(c: &mut Checker, localisation: Option<&Localisation>) {
    if localisation.and_then(|l| l.localisation_ready).is_none() {
        c.error(
            "localisation.localisationReady",
            "La clé « localisation.localisationReady » est obligatoire : indiquez true ou false.",
        );
    }
    match localisation.and_then(|l| l.available_languages.as_ref()) {
        None => c.error("localisation.availableLanguages", "La clé « localisation.availableLanguages » est obligatoire : listez les langues disponibles (fr, en…)."),
        Some(langs) if langs.is_empty() => c.error("localisation.availableLanguages", "« localisation.availableLanguages » est vide : listez au moins une langue (fr, en…)."),
        Some(langs) => {
            for (i, lang) in langs.iter().enumerate() {
                if !vocab::is_bcp47(lang) {
                    c.error(&format!("localisation.availableLanguages[{i}]"), format!("« {lang} » n'est pas une étiquette de langue BCP 47 (exemples : fr, en, en-GB ; pas de « _ »)."));
                }
            }
        }
    }
}
