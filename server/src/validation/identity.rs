//! Who a person says they are: an e-mail address that is one (no look-alike, nothing a
//! mail client or a page would read otherwise) and a name shown as it is stored.

use super::{FieldError, MAX_NAME_CHARS};
use crate::text::is_invisible;

/// Longest address a mail server takes (RFC 5321: 64 before the `@`, 254 in all).
const MAX_EMAIL_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;

/// An e-mail address, trimmed and lower-cased: one `@`; before it letters, digits and
/// `. _ % + - '` (no dot first, last or doubled); after it a domain name of at least two
/// labels of letters, digits and hyphens (`xn--` for accented ones), not ending in a
/// number.
pub fn email_address(raw: &str) -> Result<String, FieldError> {
    let email = raw.trim().to_lowercase();
    let refuse = |why: &str| {
        FieldError::new(
            "email",
            format!("adresse e-mail invalide « {} » : {why}", shown(&email)),
        )
    };
    if let Some(c) = email.chars().find(|&c| is_invisible(c) || c.is_control()) {
        return Err(refuse(&format!(
            "elle contient un caractère invisible ({})",
            code_point(c)
        )));
    }
    if email.len() > MAX_EMAIL_LEN {
        return Err(refuse(&format!("{MAX_EMAIL_LEN} caractères au plus")));
    }
    let mut parts = email.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(refuse("elle doit contenir une seule fois @"));
    };
    let local_ok = !local.is_empty()
        && local.len() <= MAX_LOCAL_LEN
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._%+-'".contains(c));
    if !local_ok {
        return Err(refuse(
            "avant @, seuls des lettres sans accent, des chiffres et . _ % + - ' sont acceptés",
        ));
    }
    if !is_domain_name(domain) {
        return Err(refuse(
            "après @, un nom de domaine est attendu, comme mairie-istres.fr",
        ));
    }
    Ok(email)
}

/// A domain name: at least two labels of 1 to 63 letters, digits or inner hyphens, the last
/// not all digits (an address is not a domain).
pub fn is_domain_name(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        && labels
            .last()
            .is_some_and(|tld| !tld.bytes().all(|b| b.is_ascii_digit()))
}

/// A person's name, trimmed: 1 to 120 characters, no control or invisible character.
pub fn account_name(raw: &str) -> Result<String, FieldError> {
    let name = raw.trim();
    let refuse = |message: String| FieldError::new("name", message);
    if name.is_empty() {
        return Err(refuse("indiquez votre nom".into()));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(refuse(format!(
            "le nom doit faire de 1 à {MAX_NAME_CHARS} caractères"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(refuse("le nom contient des caractères de contrôle".into()));
    }
    if let Some(c) = name.chars().find(|&c| is_invisible(c)) {
        return Err(refuse(format!(
            "le nom contient des caractères invisibles ({}) qui le feraient passer pour un autre : retirez-les",
            code_point(c)
        )));
    }
    Ok(name.to_string())
}

/// `U+200B`: how an invisible character is named in a message.
pub fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// User text echoed in a message: cut short, invisible and control characters named.
fn shown(text: &str) -> String {
    let named: String = text
        .chars()
        .map(|c| {
            if is_invisible(c) || c.is_control() {
                format!("<{}>", code_point(c))
            } else {
                c.to_string()
            }
        })
        .collect();
    let mut short: String = named.chars().take(80).collect();
    if short.len() < named.len() {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked() {
        assert_eq!(
            email_address(" Julien.Martin@Agglo.FR ").as_deref(),
            Ok("julien.martin@agglo.fr")
        );
        for bad in [
            "a@@b.org",
            "<script>@x.org",
            "a\u{200B}b@x.org",
            "a@b",
            "a@b.12",
            "a@b-.org",
            "@b.org",
            "a.@b.org",
        ] {
            assert!(email_address(bad).is_err(), "{bad:?}");
        }
        let message = email_address("a\u{200B}b@x.org")
            .expect_err("invisible")
            .message;
        assert!(
            message.contains("<U+200B>") && message.contains("invisible"),
            "{message}"
        );
    }

    #[test]
    fn names_are_checked() {
        assert_eq!(
            account_name("  Élodie Dupré ").as_deref(),
            Ok("Élodie Dupré")
        );
        assert!(account_name("Élo\u{202E}die").is_err());
        assert!(account_name("a\u{7}").is_err());
        assert!(account_name(" ").is_err());
    }
}
