//! Boolean settings as people write them, in an environment variable or `civiforge.toml`.

use std::path::Path;

use anyhow::bail;

/// The spellings of a boolean setting, as error messages list them.
pub const BOOLEAN_SPELLINGS: &str = "1 ou 0, true ou false, yes ou no, on ou off";

/// Reads a boolean setting as people write it in an environment variable or a file: `1`/`0`,
/// `true`/`false`, `yes`/`no`, `on`/`off`, in any case, spaces around ignored; `None` for
/// anything else.
pub fn parse_boolean(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// A boolean environment variable: `None` when unset or empty, an error naming the variable
/// and the accepted values when it says neither yes nor no.
pub(super) fn boolean_variable(
    name: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<Option<bool>> {
    match env(name) {
        None => Ok(None),
        Some(text) if text.trim().is_empty() => Ok(None),
        Some(text) => match parse_boolean(&text) {
            Some(value) => Ok(Some(value)),
            None => bail!(
                "la variable d'environnement {name} vaut « {text} » : valeurs acceptées {BOOLEAN_SPELLINGS}"
            ),
        },
    }
}

/// A boolean setting of `civiforge.toml`: a TOML boolean, 1 or 0, or a string
/// [`parse_boolean`] reads.
pub(super) fn boolean_setting(
    path: &Path,
    key: &str,
    value: Option<&toml::Value>,
) -> anyhow::Result<Option<bool>> {
    let parsed = match value {
        None => return Ok(None),
        Some(toml::Value::Boolean(value)) => Some(*value),
        Some(toml::Value::Integer(1)) => Some(true),
        Some(toml::Value::Integer(0)) => Some(false),
        Some(toml::Value::String(text)) => parse_boolean(text),
        Some(_) => None,
    };
    match (parsed, value) {
        (Some(parsed), _) => Ok(Some(parsed)),
        (None, Some(toml::Value::String(text))) => bail!(
            "fichier de configuration {} : {key} vaut « {text} » : valeurs acceptées {BOOLEAN_SPELLINGS}",
            path.display()
        ),
        (None, value) => bail!(
            "fichier de configuration {} : {key} vaut {} : valeurs acceptées {BOOLEAN_SPELLINGS}",
            path.display(),
            value.map(ToString::to_string).unwrap_or_default()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_are_read_as_people_write_them() {
        for text in ["1", "true", "TRUE", "True", "yes", "Yes", "on", "ON", " 1 "] {
            assert_eq!(parse_boolean(text), Some(true), "{text:?}");
        }
        for text in ["0", "false", "FALSE", "no", "NO", "off", "Off", "0\n"] {
            assert_eq!(parse_boolean(text), Some(false), "{text:?}");
        }
        for text in [
            "", "2", "-1", "oui", "vrai", "y", "n", "enabled", "truee", "1.0",
        ] {
            assert_eq!(parse_boolean(text), None, "{text:?}");
        }
    }
}
