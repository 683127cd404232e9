//! The bodies that create and edit working groups and their actions, and their checks:
//! texts, dates, roles given twice, a lead that is not a member.

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{
    FieldError, MAX_ID_LEN, MAX_NAME_CHARS, MAX_VERSION_CHARS, checked_slug, checked_text,
};
use crate::model::{ActionDraft, ActionState, GroupDraft, GroupStatus, MemberRole};

pub const MAX_THEME_CHARS: usize = 200;
pub const MAX_ACTION_CHARS: usize = 500;
/// Organisations of one group, all roles together.
pub const MAX_GROUP_ORGANISATIONS: usize = 500;
pub const MAX_GROUP_PROJECTS: usize = 50;
pub const MAX_GROUP_ACTIONS: usize = 200;
/// Action dates later than this are typing mistakes (a year 10000, 20077 for 2007).
pub const LATEST_DUE_YEAR: i32 = 2100;

/// `POST /api/v1/groups`
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGroupRequest {
    pub name: String,
    pub theme: String,
    /// Defaults to a slug made from the name.
    pub slug: Option<String>,
    /// Project slugs.
    #[serde(default)]
    pub projects: Vec<String>,
    /// Organisation id of the lead, which must be among `members`.
    pub lead: String,
    /// Organisation ids of the members, the lead included.
    pub members: Vec<String>,
    /// Organisation ids of organisations following the group without taking part.
    #[serde(default)]
    pub observers: Vec<String>,
    /// Organisation ids of service providers (companies, public operators).
    #[serde(default)]
    pub providers: Vec<String>,
    /// Default `proposed`.
    pub status: Option<GroupStatus>,
    #[serde(default)]
    pub actions: Vec<ActionRequest>,
}

/// `PATCH /api/v1/groups/{slug}`: each field given replaces what the group had.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateGroupRequest {
    pub name: Option<String>,
    pub theme: Option<String>,
    pub projects: Option<Vec<String>>,
    pub lead: Option<String>,
    pub members: Option<Vec<String>>,
    pub observers: Option<Vec<String>>,
    pub providers: Option<Vec<String>>,
    pub status: Option<GroupStatus>,
    /// The whole list of actions, replacing the former one.
    pub actions: Option<Vec<ActionRequest>>,
}

/// One action of a group; `POST /api/v1/groups/{slug}/actions`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    pub text: String,
    pub target_version: Option<String>,
    /// `YYYY-MM-DD`.
    pub due: Option<String>,
    /// Default `planned`.
    pub state: Option<ActionState>,
}

/// Checks a new group.
pub fn create_group(request: CreateGroupRequest) -> Result<GroupDraft, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = checked_text("name", &request.name, 1, MAX_NAME_CHARS, &mut errors);
    let theme = checked_text("theme", &request.theme, 1, MAX_THEME_CHARS, &mut errors);
    let slug = checked_slug(request.slug, &name, "elections-13", &mut errors);
    let fields = GroupDraft {
        slug,
        name,
        theme,
        status: request.status.unwrap_or(GroupStatus::Proposed),
        lead: String::new(),
        organisations: Vec::new(),
        projects: Vec::new(),
        actions: None,
    };
    let edit = UpdateGroupRequest {
        projects: Some(request.projects),
        lead: Some(request.lead),
        members: Some(request.members),
        observers: Some(request.observers),
        providers: Some(request.providers),
        actions: Some(request.actions),
        ..Default::default()
    };
    finish(apply(fields, edit, &mut errors), errors)
}

/// Checks an edit of `current` and returns the group as it would be.
pub fn update_group(
    current: GroupDraft,
    request: UpdateGroupRequest,
) -> Result<GroupDraft, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut fields = current;
    if let Some(name) = &request.name {
        fields.name = checked_text("name", name, 1, MAX_NAME_CHARS, &mut errors);
    }
    if let Some(theme) = &request.theme {
        fields.theme = checked_text("theme", theme, 1, MAX_THEME_CHARS, &mut errors);
    }
    if let Some(status) = request.status {
        fields.status = status;
    }
    finish(apply(fields, request, &mut errors), errors)
}

fn finish(fields: GroupDraft, errors: Vec<FieldError>) -> Result<GroupDraft, Vec<FieldError>> {
    if errors.is_empty() {
        Ok(fields)
    } else {
        Err(errors)
    }
}

/// Applies the organisations, projects and actions an edit gives (those it leaves out stay).
fn apply(
    mut fields: GroupDraft,
    edit: UpdateGroupRequest,
    errors: &mut Vec<FieldError>,
) -> GroupDraft {
    let ids_with = |role: MemberRole| {
        fields
            .organisations
            .iter()
            .filter(|(_, r)| *r == role)
            .map(|(id, _)| id.clone())
            .collect::<Vec<_>>()
    };
    let lead = edit.lead.unwrap_or_else(|| fields.lead.clone());
    let members = edit.members.unwrap_or_else(|| {
        let mut members = ids_with(MemberRole::Lead);
        members.extend(ids_with(MemberRole::Member));
        members
    });
    let observers = edit
        .observers
        .unwrap_or_else(|| ids_with(MemberRole::Observer));
    let providers = edit
        .providers
        .unwrap_or_else(|| ids_with(MemberRole::Provider));
    fields.lead = checked_text("lead", &lead, 1, MAX_ID_LEN, errors);
    fields.organisations = organisations(&fields.lead, members, observers, providers, errors);
    if let Some(projects) = edit.projects {
        fields.projects = distinct("projects", projects, MAX_GROUP_PROJECTS, errors);
    }
    if let Some(actions) = edit.actions {
        if actions.len() > MAX_GROUP_ACTIONS {
            errors.push(FieldError::new(
                "actions",
                format!("{MAX_GROUP_ACTIONS} actions au plus"),
            ));
        }
        fields.actions = Some(
            actions
                .into_iter()
                .take(MAX_GROUP_ACTIONS)
                .filter_map(|a| action(a).map_err(|e| errors.extend(e)).ok())
                .collect(),
        );
    }
    fields
}

/// The group's organisations with their roles: the lead first, then members, observers and
/// providers. Refuses one named twice (in one list or in two) and a lead not among members.
fn organisations(
    lead: &str,
    members: Vec<String>,
    observers: Vec<String>,
    providers: Vec<String>,
    errors: &mut Vec<FieldError>,
) -> Vec<(String, MemberRole)> {
    let mut all: Vec<(String, MemberRole)> = vec![(lead.to_string(), MemberRole::Lead)];
    let mut lead_listed = false;
    let lists = [
        ("members", members, MemberRole::Member),
        ("observers", observers, MemberRole::Observer),
        ("providers", providers, MemberRole::Provider),
    ];
    for (field, ids, role) in lists {
        for id in ids {
            let id = checked_text(field, &id, 1, MAX_ID_LEN, errors);
            if id.is_empty() {
                continue;
            }
            if id == lead && role == MemberRole::Member && !lead_listed {
                lead_listed = true;
                continue;
            }
            if all.iter().any(|(seen, _)| *seen == id) {
                errors.push(FieldError::new(
                    field,
                    format!(
                        "« {} » figure deux fois : chaque organisation a un seul rôle dans le groupe",
                        crate::text::shorten(&id)
                    ),
                ));
                continue;
            }
            all.push((id, role));
        }
    }
    if !lead.is_empty() && !lead_listed {
        errors.push(FieldError::new(
            "lead",
            format!(
                "l'organisation pilote « {} » doit figurer parmi les membres (members)",
                crate::text::shorten(lead)
            ),
        ));
    }
    if all.len() > MAX_GROUP_ORGANISATIONS {
        errors.push(FieldError::new(
            "members",
            format!("{MAX_GROUP_ORGANISATIONS} organisations au plus par groupe"),
        ));
    }
    all
}

/// The values of a list, each once; a value given twice is refused.
fn distinct(
    field: &'static str,
    values: Vec<String>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for value in values {
        let value = checked_text(field, &value, 1, MAX_ID_LEN, errors);
        if seen.contains(&value) {
            errors.push(FieldError::new(
                field,
                format!("« {} » figure deux fois", crate::text::shorten(&value)),
            ));
        } else if !value.is_empty() {
            seen.push(value);
        }
    }
    if seen.len() > max {
        errors.push(FieldError::new(field, format!("{max} au plus")));
    }
    seen
}

/// Checks one action.
pub fn action(request: ActionRequest) -> Result<ActionDraft, Vec<FieldError>> {
    let mut errors = Vec::new();
    let text = checked_text("text", &request.text, 1, MAX_ACTION_CHARS, &mut errors);
    let target_version = request
        .target_version
        .filter(|v| !v.trim().is_empty())
        .map(|v| checked_text("target_version", &v, 1, MAX_VERSION_CHARS, &mut errors));
    let due = request
        .due
        .filter(|d| !d.trim().is_empty())
        .and_then(|d| due_date(&d).map_err(|e| errors.push(e)).ok());
    finish_action(
        ActionDraft {
            text,
            target_version,
            due,
            state: request.state.unwrap_or(ActionState::Planned),
        },
        errors,
    )
}

fn finish_action(
    draft: ActionDraft,
    errors: Vec<FieldError>,
) -> Result<ActionDraft, Vec<FieldError>> {
    if errors.is_empty() {
        Ok(draft)
    } else {
        Err(errors)
    }
}

/// An action's due date: `YYYY-MM-DD`, from 1970 to [`LATEST_DUE_YEAR`].
pub fn due_date(text: &str) -> Result<NaiveDate, FieldError> {
    match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        Ok(date) if (1970..=LATEST_DUE_YEAR).contains(&date.year()) => Ok(date),
        Ok(_) => Err(FieldError::new(
            "due",
            format!("l'échéance doit tomber entre 1970 et {LATEST_DUE_YEAR}"),
        )),
        Err(_) => Err(FieldError::new(
            "due",
            "l'échéance doit s'écrire AAAA-MM-JJ, par exemple 2007-09-30 (entre 1970 et 2100)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(lead: &str, members: &[&str]) -> CreateGroupRequest {
        CreateGroupRequest {
            name: "openElec".into(),
            theme: "Élections".into(),
            slug: None,
            projects: vec!["openelec".into()],
            lead: lead.into(),
            members: members.iter().map(|m| m.to_string()).collect(),
            observers: Vec::new(),
            providers: vec!["org-atreal".into()],
            status: None,
            actions: Vec::new(),
        }
    }

    #[test]
    fn the_lead_comes_first_and_each_organisation_has_one_role() {
        let fields = create_group(request(
            "commune-13004",
            &["commune-13047", "commune-13004"],
        ))
        .expect("ok");
        assert_eq!(fields.slug, "openelec");
        assert_eq!(fields.status, GroupStatus::Proposed);
        let roles: Vec<_> = fields
            .organisations
            .iter()
            .map(|(id, r)| (id.as_str(), *r))
            .collect();
        assert_eq!(
            roles,
            [
                ("commune-13004", MemberRole::Lead),
                ("commune-13047", MemberRole::Member),
                ("org-atreal", MemberRole::Provider)
            ]
        );
    }

    #[test]
    fn a_member_twice_and_a_lead_outside_the_members_are_refused() {
        let errors = create_group(request(
            "commune-13004",
            &["commune-13047", "commune-13047"],
        ))
        .expect_err("refused");
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["members", "lead"], "{errors:?}");
        assert!(errors[1].message.contains("membres"));
    }

    #[test]
    fn due_dates_are_real_dates_of_a_plausible_year() {
        assert!(due_date("2007-09-30").is_ok());
        assert!(due_date("10000-01-01").is_err());
        assert!(due_date("2007-02-30").is_err());
        assert!(due_date("30/09/2007").is_err());
    }
}
