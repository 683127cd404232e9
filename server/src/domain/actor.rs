//! Who asks for an operation: a user (or nobody), what their credential allows, from which
//! address and through which door. Every rule about who may do what reads it, and every
//! audit entry is made from it.

use std::net::IpAddr;

use serde_json::Value;

use super::error::{AppError, AppResult, Forbidden};
use crate::model::{Audit, AuditAction, AuditEntry, Scope, User};

/// The door a request came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Api,
    Web,
    CommandLine,
}

/// The one behind a request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: Option<User>,
    /// What the request's credential allows: an API token's scopes. None for a browser session
    /// or the command line, which may do whatever the user may.
    pub scopes: Option<Vec<Scope>>,
    pub ip: Option<IpAddr>,
    pub channel: Channel,
    /// The name the audit log gives a caller without an account (a forge's webhook).
    service: Option<String>,
}

impl Actor {
    /// A user authenticated by an API token with these scopes.
    pub fn token(user: User, scopes: Vec<Scope>, ip: Option<IpAddr>) -> Self {
        Self {
            user: Some(user),
            scopes: Some(scopes),
            ip,
            channel: Channel::Api,
            service: None,
        }
    }

    /// A visitor of the pages, signed in or not.
    pub fn visitor(user: Option<User>, ip: Option<IpAddr>) -> Self {
        Self {
            user,
            scopes: None,
            ip,
            channel: Channel::Web,
            service: None,
        }
    }

    /// Nobody in particular, through the API.
    pub fn anonymous(ip: Option<IpAddr>) -> Self {
        Self {
            user: None,
            scopes: None,
            ip,
            channel: Channel::Api,
            service: None,
        }
    }

    /// A service without an account, named in the audit log (`webhook:github`).
    pub fn service(name: impl Into<String>, ip: Option<IpAddr>) -> Self {
        Self {
            service: Some(name.into()),
            ..Self::anonymous(ip)
        }
    }

    /// The administrator at the command line, acting on an account (or on none yet).
    pub fn command_line(user: Option<User>) -> Self {
        Self {
            user,
            scopes: None,
            ip: None,
            channel: Channel::CommandLine,
            service: None,
        }
    }

    /// The same caller, now known as `user` (just signed in).
    pub fn signed_in_as(self, user: User) -> Self {
        Self {
            user: Some(user),
            ..self
        }
    }

    /// The signed-in user, or 401.
    pub fn user(&self) -> AppResult<&User> {
        self.user.as_ref().ok_or_else(|| AppError::Unauthorised {
            code: "missing_token",
            message: "cette opération demande un jeton : en-tête Authorization: Bearer <jeton>"
                .into(),
        })
    }

    /// The user, when the credential carries `scope` (an `admin` token may do everything).
    pub fn require(&self, scope: Scope) -> AppResult<&User> {
        let user = self.user()?;
        match &self.scopes {
            Some(scopes) if !scopes.iter().any(|s| *s == scope || *s == Scope::Admin) => {
                Err(AppError::Forbidden {
                    reason: Forbidden::InsufficientScope,
                    message: format!(
                        "ce jeton n'a pas la portée « {scope} » ; créez-en un qui l'a"
                    ),
                })
            }
            _ => Ok(user),
        }
    }

    /// Whether the user moderates (administrators do).
    pub fn moderates(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role().moderates())
    }

    /// The user, when they moderate.
    pub fn require_moderator(&self) -> AppResult<&User> {
        let user = self.user()?;
        if user.role().moderates() {
            Ok(user)
        } else {
            Err(AppError::forbidden("réservé aux modérateurs"))
        }
    }

    /// The audit entry of a write this actor makes.
    pub fn audit(&self, action: AuditAction, target: &str, details: Option<Value>) -> Audit {
        let actor = match (self.channel, &self.service, &self.user) {
            (Channel::CommandLine, _, _) => command_line_actor(),
            (_, Some(service), _) => service.clone(),
            (_, None, Some(user)) => user.email.clone(),
            (_, None, None) => "anonyme".into(),
        };
        Audit {
            user_id: match self.channel {
                // Writes at the command line are the system account's, not the user's.
                Channel::CommandLine => None,
                _ => self.user.as_ref().map(|u| u.id),
            },
            entry: AuditEntry {
                at: chrono::Utc::now(),
                actor,
                ip: self.ip.map(|ip| ip.to_string()),
                action,
                target: target.to_string(),
                details,
            },
        }
    }
}

/// The audit log's name for the administrator at the command line: the system account.
fn command_line_actor() -> String {
    match std::env::var("USER").or_else(|_| std::env::var("LOGNAME")) {
        Ok(system_user) => format!("ligne de commande ({system_user})"),
        Err(_) => "ligne de commande".to_string(),
    }
}
