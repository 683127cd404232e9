//! The catalogue's closed vocabularies as types: adoption status and verification, claim
//! status and method, token scopes, job kinds and audit actions. Each is stored and sent as
//! the same snake_case text it always was; nothing decides on a string any more.

/// Declares an enum of text values with its one spelling per variant: `as_str` for SQL and
/// messages, `parse` for what comes back, serde and the OpenAPI schema using the same text.
macro_rules! text_values {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        // By hand: utoipa's derive does not see a `rename` that comes through a macro, and
        // would describe the variants' Rust names.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        impl ::utoipa::ToSchema for $name {}

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_values! {
    /// Whether an organisation uses a project.
    AdoptionStatus {
        InUse = "in_use",
        Evaluating = "evaluating",
        Stopped = "stopped",
    }
}

text_values! {
    /// Who vouches for a declaration: nobody yet, a verified agent of the organisation, a
    /// moderator, or a verified agent of a pooling structure the organisation is a member of.
    Verification {
        Unverified = "unverified",
        Agent = "agent",
        Moderator = "moderator",
        Structure = "structure",
    }
}

text_values! {
    /// Where a claim to act for an organisation stands.
    ClaimStatus {
        Pending = "pending",
        Verified = "verified",
        Rejected = "rejected",
    }
}

text_values! {
    /// How a claim was verified.
    ClaimMethod {
        /// The account's e-mail domain is one the organisation's record lists.
        EmailDomain = "email_domain",
        Moderator = "moderator",
    }
}

text_values! {
    /// What an API token may do.
    Scope {
        ProjectsWrite = "projects:write",
        AdoptionsWrite = "adoptions:write",
        /// Everything.
        Admin = "admin",
    }
}

impl Scope {
    /// What a token gets when its creator names no scope.
    pub const DEFAULT: &'static [Scope] = &[Scope::ProjectsWrite, Scope::AdoptionsWrite];
}

text_values! {
    /// What an account may do beyond its own projects and organisations.
    Role {
        Member = "member",
        /// Verifies claims, hides projects, keeps e-mail domains, reads the audit log.
        Moderator = "moderator",
        /// Everything a moderator may, and tokens with the `admin` scope.
        Administrator = "administrator",
    }
}

impl Role {
    /// Whether the role moderates (administrators do).
    pub fn moderates(self) -> bool {
        matches!(self, Role::Moderator | Role::Administrator)
    }
}

text_values! {
    /// What a link sent by e-mail is for.
    EmailPurpose {
        /// Proving an address: the account's at sign-up, or a new one.
        ConfirmEmail = "confirm_email",
        ResetPassword = "reset_password",
    }
}

text_values! {
    /// What the worker does with a job.
    JobKind {
        /// Fetch the repository and index what changed.
        Index = "index_project",
    }
}

text_values! {
    /// What a write did, as the audit log names it.
    AuditAction {
        ProjectRegister = "project.register",
        ProjectUpdate = "project.update",
        ProjectRefresh = "project.refresh",
        ProjectMaintainerAdd = "project.maintainer_add",
        ProjectKnownUsers = "project.known_users",
        ProjectVisibility = "project.visibility",
        ProjectWebhookRotate = "project.webhook_rotate",
        ProjectWebhook = "project.webhook",
        /// A maintainer's push to a hosted project's repository.
        ProjectPush = "project.push",
        /// A project's home moved to civiforge: it became hosted.
        ProjectHost = "project.host",
        /// A provider's offer of services for the project.
        ProjectProvider = "project.provider",
        /// A repository URL stored before canonicalisation, rewritten in its canonical form.
        ProjectRepositoryCanonical = "project.repository_canonical",
        AdoptionDeclare = "adoption.declare",
        /// A batch of a bulk import (`ImportStore`).
        ProjectImport = "project.import",
        AdoptionImport = "adoption.import",
        ClaimFile = "claim.file",
        ClaimDecide = "claim.decide",
        OrganisationEmailDomains = "organisation.email_domains",
        OrganisationCreate = "organisation.create",
        OrganisationMembers = "organisation.members",
        /// A structure's declaration of use for some of its members.
        AdoptionDeclareForMembers = "adoption.declare_for_members",
        GroupCreate = "group.create",
        GroupUpdate = "group.update",
        GroupAction = "group.action",
        /// A shared document attached to a project or a group, or removed.
        DocumentAttach = "document.attach",
        DocumentRemove = "document.remove",
        UserCreate = "user.create",
        UserSignup = "user.signup",
        UserSignin = "user.signin",
        UserSignout = "user.signout",
        UserPassword = "user.password",
        UserEmailConfirm = "user.email_confirm",
        UserPasswordReset = "user.password_reset",
        TokenCreate = "token.create",
        TokenRevoke = "token.revoke",
    }
}

/// What a request may name that does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Project,
    Organisation,
    User,
    Claim,
    Token,
    Group,
    Document,
    Version,
}

impl Entity {
    /// The entity's name in messages: « projet introuvable ».
    pub fn label(self) -> &'static str {
        match self {
            Entity::Project => "projet",
            Entity::Organisation => "organisation",
            Entity::User => "compte",
            Entity::Claim => "demande",
            Entity::Token => "jeton",
            Entity::Group => "groupe de travail",
            Entity::Document => "document",
            Entity::Version => "version",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_reads_back_from_its_text_and_serialises_as_it() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(*action));
            let json = serde_json::to_string(action).expect("json");
            assert_eq!(json, format!("\"{}\"", action.as_str()));
        }
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(*scope));
        }
        assert_eq!(Verification::parse("agent"), Some(Verification::Agent));
        assert_eq!(ClaimStatus::parse("Verified"), None, "spellings are exact");
        assert_eq!(AdoptionStatus::InUse.to_string(), "in_use");
        assert!(Role::Administrator.moderates() && Role::Moderator.moderates());
        assert!(!Role::Member.moderates());
    }
}
