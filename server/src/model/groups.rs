//! Working groups: organisations that meet around some projects, with a lead, members,
//! observers, service providers and dated actions.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

text_values! {
    /// Where a working group stands.
    GroupStatus {
        /// Proposed by a town that offers to start it.
        Proposed = "proposed",
        Active = "active",
        Closed = "closed",
    }
}

text_values! {
    /// What an organisation is in a working group.
    MemberRole {
        /// Runs the group: its verified agents manage members and actions.
        Lead = "lead",
        Member = "member",
        /// Follows the group without taking part in its decisions.
        Observer = "observer",
        /// A company or public operator offering its services to the group.
        Provider = "provider",
    }
}

text_values! {
    /// Where a group's action stands.
    ActionState {
        Planned = "planned",
        Done = "done",
        Dropped = "dropped",
    }
}

/// A working group as the API shows it. `members` holds the lead and the members (not the
/// observers or providers), as the body that creates a group names them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Group {
    pub slug: String,
    pub name: String,
    pub theme: String,
    pub status: GroupStatus,
    /// Organisation id of the lead.
    pub lead: String,
    pub lead_name: String,
    /// Organisation ids of the lead and the members.
    pub members: Vec<String>,
    /// Organisation ids of the observers.
    pub observers: Vec<String>,
    /// Organisation ids of the service providers.
    pub providers: Vec<String>,
    /// Every organisation of the group with its name and role, the lead first.
    pub organisations: Vec<GroupOrganisation>,
    /// Project slugs.
    pub projects: Vec<String>,
    pub project_names: Vec<String>,
    pub actions: Vec<GroupAction>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Group {
    /// Whether the organisation takes part in the group in any role.
    pub fn includes(&self, organisation: &str) -> bool {
        self.organisations.iter().any(|o| o.id == organisation)
    }
}

/// An organisation of a working group.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupOrganisation {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub role: MemberRole,
}

/// A dated action of a working group: "version 2.03 in September".
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupAction {
    pub id: i64,
    pub text: String,
    pub target_version: Option<String>,
    pub due: Option<NaiveDate>,
    pub state: ActionState,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A working group as it is to be written: checked, every organisation and project
/// resolved to its current id. The lead is among `organisations` with the role `lead`.
#[derive(Debug, Clone)]
pub struct GroupDraft {
    pub slug: String,
    pub name: String,
    pub theme: String,
    pub status: GroupStatus,
    pub lead: String,
    /// Each organisation once, in the order shown.
    pub organisations: Vec<(String, MemberRole)>,
    /// Project slugs, each once.
    pub projects: Vec<String>,
    /// The whole list of actions; `None` leaves a group's actions as they are.
    pub actions: Option<Vec<ActionDraft>>,
}

/// An action as it is to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionDraft {
    pub text: String,
    pub target_version: Option<String>,
    pub due: Option<NaiveDate>,
    pub state: ActionState,
}

/// A short reference to a working group, for the pages of its members and projects.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupRef {
    pub slug: String,
    pub name: String,
    pub status: GroupStatus,
}
