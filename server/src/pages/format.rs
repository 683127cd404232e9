//! Small formatting helpers for pages: HTML escaping, French dates and labels.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

/// Escapes text for HTML text and attribute values.
pub fn escape(text: &str) -> String {
    crate::search::engine::escape_html(text)
}

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// `12 mars 2024`.
pub fn french_date(date: NaiveDate) -> String {
    let month = MONTHS[date.month0() as usize];
    format!("{} {month} {}", date.day(), date.year())
}

pub fn french_datetime(date: Option<DateTime<Utc>>) -> Option<String> {
    date.map(|d| french_date(d.date_naive()))
}

/// `12 mars 2024 à 14 h 05 UTC`: when the hour matters (the audit log).
pub fn french_timestamp(at: DateTime<Utc>) -> String {
    format!(
        "{} à {} h {:02} UTC",
        french_date(at.date_naive()),
        at.hour(),
        at.minute()
    )
}

/// How far a version in use is behind the latest release, in French: « à jour »,
/// « 2 versions de retard (14 mois) », « version inconnue du dépôt ».
pub fn lag_label(releases_behind: Option<i64>, months_behind: Option<i64>) -> String {
    match (releases_behind, months_behind) {
        (None, _) => "version inconnue du dépôt".to_string(),
        (Some(0), _) => "à jour".to_string(),
        (Some(n), months) => {
            let releases = if n == 1 {
                "1 version de retard".to_string()
            } else {
                format!("{n} versions de retard")
            };
            match months {
                Some(m) if m > 0 => format!("{releases} ({m} mois)"),
                _ => releases,
            }
        }
    }
}

/// The French label of an adoption status.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "in_use" => "en service",
        "evaluating" => "en évaluation",
        "stopped" => "abandonné",
        _ => "inconnu",
    }
}

/// The French label of an organisation kind.
pub fn kind_label(kind: &str, subkind: Option<&str>) -> &'static str {
    match (kind, subkind) {
        ("commune", _) => "Commune",
        ("departement", _) => "Département",
        ("region", _) => "Région",
        ("province", _) => "Province",
        ("cpas", _) => "Centre public d’action sociale (CPAS)",
        ("epci", Some("CC")) => "Communauté de communes",
        ("epci", Some("CA")) => "Communauté d'agglomération",
        ("epci", Some("CU")) => "Communauté urbaine",
        ("epci", Some("METRO" | "MET69")) => "Métropole",
        ("epci", _) => "Intercommunalité (EPCI)",
        (other, _) => match crate::model::CreatedKind::parse(other) {
            Some(kind) => capital_label(kind),
            None => "Organisation",
        },
    }
}

/// The name of a created organisation's kind, with its capital.
fn capital_label(kind: crate::model::CreatedKind) -> &'static str {
    use crate::model::CreatedKind::*;
    match kind {
        Opsn => "Opérateur public de services numériques",
        Association => "Association",
        Intercommunale => "Intercommunale",
        Syndicat => "Syndicat",
        CentreDeGestion => "Centre de gestion",
        Company => "Entreprise",
        Public => "Organisme public",
    }
}

/// A working group's status, in French.
pub fn group_status_label(status: crate::model::GroupStatus) -> &'static str {
    match status {
        crate::model::GroupStatus::Proposed => "proposé",
        crate::model::GroupStatus::Active => "actif",
        crate::model::GroupStatus::Closed => "clos",
    }
}

/// A role in a working group, in French.
pub fn role_label(role: crate::model::MemberRole) -> &'static str {
    match role {
        crate::model::MemberRole::Lead => "pilote",
        crate::model::MemberRole::Member => "membre",
        crate::model::MemberRole::Observer => "observateur",
        crate::model::MemberRole::Provider => "prestataire",
    }
}

/// A provider's service, in French.
pub fn service_label(service: crate::model::ServiceKind) -> &'static str {
    match service {
        crate::model::ServiceKind::Support => "assistance",
        crate::model::ServiceKind::Hosting => "hébergement",
        crate::model::ServiceKind::Training => "formation",
        crate::model::ServiceKind::Development => "développement",
    }
}

/// An action's state, in French.
pub fn action_state_label(state: crate::model::ActionState) -> &'static str {
    match state {
        crate::model::ActionState::Planned => "prévue",
        crate::model::ActionState::Done => "faite",
        crate::model::ActionState::Dropped => "abandonnée",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_labels_are_french() {
        let date = NaiveDate::from_ymd_opt(2007, 6, 11).expect("date");
        assert_eq!(french_date(date), "11 juin 2007");
        let at = date.and_hms_opt(9, 5, 0).expect("time").and_utc();
        assert_eq!(french_timestamp(at), "11 juin 2007 à 9 h 05 UTC");
        assert_eq!(status_label("evaluating"), "en évaluation");
        assert_eq!(lag_label(Some(0), Some(0)), "à jour");
        assert_eq!(lag_label(Some(1), Some(0)), "1 version de retard");
        assert_eq!(
            lag_label(Some(3), Some(14)),
            "3 versions de retard (14 mois)"
        );
        assert_eq!(lag_label(None, None), "version inconnue du dépôt");
        assert_eq!(kind_label("epci", Some("CA")), "Communauté d'agglomération");
        assert_eq!(escape("<a href=\"x\">"), "&lt;a href=&quot;x&quot;&gt;");
    }
}
