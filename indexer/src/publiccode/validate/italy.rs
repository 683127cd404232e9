//! The Italian section of publiccode.yml (`IT`, formerly `it`) and the flag maps it holds.

use super::*;

/// The Italian section (`IT`, formerly `it`), the only country section of version 0.
pub(super) fn check_italy(c: &mut Checker, root: &Node) {
    let upper = root.get("IT");
    let lower = root.get("it");
    if lower.is_some() {
        if upper.is_some() {
            c.error(
                "it",
                "Les sections « IT » et « it » sont toutes deux présentes : supprimez « it ».",
            );
        }
        c.deprecated("it", "écrivez le code pays en majuscules, « IT »");
    }
    for (key, (_, node)) in [("IT", upper), ("it", lower)]
        .into_iter()
        .filter_map(|(k, n)| n.map(|n| (k, n)))
    {
        check_italy_section(c, key, node);
    }
}

fn check_italy_section(c: &mut Checker, key: &str, node: &Node) {
    let Some(entries) = node.as_map() else {
        if node.value != Value::Null {
            c.error(
                key,
                format!("Type incorrect : « {key} » doit être un dictionnaire (clé: valeur)."),
            );
        }
        return;
    };
    for (name, line, value) in entries {
        let path = format!("{key}.{name}");
        let at = Some(*line);
        match name.as_str() {
            "countryExtensionVersion" => {
                let v = scalar_text(value).unwrap_or_default();
                if v != "0.2" && v != "1.0" {
                    c.diags.error(at, &path, format!("Version d'extension italienne « {v} » inconnue : utilisez \"0.2\" ou \"1.0\"."));
                }
            }
            "conforme" => {
                c.diags.warning(at, &path, format!("La clé « {path} » est obsolète et sera retirée du standard : vous pouvez la supprimer sans risque."));
                check_flags(
                    c,
                    &path,
                    value,
                    &[
                        "lineeGuidaDesign",
                        "modelloInteroperabilita",
                        "misureMinimeSicurezza",
                        "gdpr",
                    ],
                );
            }
            "piattaforme" => check_flags(c, &path, value, &["spid", "pagopa", "cie", "anpr", "io"]),
            "riuso" => {
                let Some(fields) = value.as_map() else {
                    continue;
                };
                for (field, line, v) in fields {
                    let path = format!("{path}.{field}");
                    if field != "codiceIPA" {
                        c.diags.error(Some(*line), &path, format!("Clé inconnue « {field} » : vérifiez son orthographe ou supprimez-la."));
                        continue;
                    }
                    let code = scalar_text(v).unwrap_or_default();
                    if !vocab::is_ipa_code_form(&code) {
                        c.diags.error(Some(*line), &path, format!("« {code} » n'est pas un code iPA valide (administration publique italienne)."));
                    }
                    c.diags.warning(Some(*line), &path, format!("La clé « {path} » est obsolète : utilisez « organisation.uri » avec la valeur urn:x-italian-pa:{code}."));
                }
            }
            _ => c.diags.error(
                at,
                &path,
                format!("Clé inconnue « {name} » : vérifiez son orthographe ou supprimez-la."),
            ),
        }
    }
}

fn check_flags(c: &mut Checker, path: &str, node: &Node, allowed: &[&str]) {
    let Some(entries) = node.as_map() else {
        return;
    };
    for (name, line, value) in entries {
        let key = format!("{path}.{name}");
        if !allowed.contains(&name.as_str()) {
            c.diags.error(
                Some(*line),
                &key,
                format!("Clé inconnue « {name} » : vérifiez son orthographe ou supprimez-la."),
            );
        } else if !matches!(value.value, Value::Bool(_) | Value::Null) {
            c.diags.error(
                Some(*line),
                &key,
                format!("Type incorrect : « {key} » doit valoir true ou false."),
            );
        }
    }
}
