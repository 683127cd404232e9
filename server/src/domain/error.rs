//! One error for every operation, with two faces: the API renders it as the JSON envelope
//! (`http::error`), the pages as a French page or as the form again with the message beside
//! its field (`pages::web`). No adapter decides anything on the text of a message.

use crate::model::Entity;
use crate::store::{Conflict, StoreError};
use crate::validation::FieldError;

/// Why an operation did not happen. Nothing was written when it is returned.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// What the address names does not exist.
    #[error("{message}")]
    NotFound { entity: Entity, message: String },
    /// A field of the request names something that does not exist.
    #[error("{message}")]
    Unknown {
        entity: Entity,
        field: &'static str,
        message: String,
    },
    /// A unique value is already taken.
    #[error("{0}")]
    Conflict(Conflict),
    /// Fields were refused, each with its message.
    #[error("{}", summary(.0))]
    Invalid(Vec<FieldError>),
    /// One field was refused for a reason that has its own code.
    #[error("{message}")]
    Refused {
        code: &'static str,
        field: &'static str,
        message: String,
    },
    /// The actor may not do this.
    #[error("{message}")]
    Forbidden { reason: Forbidden, message: String },
    /// No credential, or one that is not (or no longer) valid.
    #[error("{message}")]
    Unauthorised { code: &'static str, message: String },
    /// Too many attempts from this address or on this account.
    #[error("trop de tentatives : attendez quelques minutes avant de réessayer")]
    TooManyAttempts,
    /// The database does not answer.
    #[error("la base de données ne répond pas")]
    Unavailable,
    /// A defect or a failure on our side; the detail is logged, never shown.
    #[error("erreur interne")]
    Internal,
}

/// Why an actor was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forbidden {
    /// The user lacks the role or the authority.
    NotAllowed,
    /// The user may, but the token used lacks the scope.
    InsufficientScope,
}

pub type AppResult<T> = Result<T, AppError>;

fn summary(fields: &[FieldError]) -> String {
    fields
        .iter()
        .map(|f| format!("{} : {}", f.field, f.message))
        .collect::<Vec<_>>()
        .join(" ; ")
}

impl AppError {
    pub fn not_found(entity: Entity, message: impl Into<String>) -> Self {
        AppError::NotFound {
            entity,
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden {
            reason: Forbidden::NotAllowed,
            message: message.into(),
        }
    }

    pub fn unknown(entity: Entity, field: &'static str, message: impl Into<String>) -> Self {
        AppError::Unknown {
            entity,
            field,
            message: message.into(),
        }
    }

    pub fn refused(code: &'static str, field: &'static str, message: impl Into<String>) -> Self {
        AppError::Refused {
            code,
            field,
            message: message.into(),
        }
    }

    /// One field refused with the general code.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldError {
            field,
            message: message.into(),
        }])
    }

    /// The field a form shows this error beside, if it is about one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            AppError::Unknown { field, .. } | AppError::Refused { field, .. } => Some(field),
            AppError::Invalid(fields) => fields.first().map(|f| f.field),
            _ => None,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(entity) => {
                AppError::not_found(entity, format!("{} introuvable", entity.label()))
            }
            StoreError::Conflict(conflict) => AppError::Conflict(conflict),
            StoreError::Database(ref e) if crate::store::is_unavailable(e) => {
                tracing::error!(error = %e, "database unavailable");
                AppError::Unavailable
            }
            other => {
                tracing::error!(error = %other, "store error");
                AppError::Internal
            }
        }
    }
}

pub use crate::text::shorten;

impl From<crate::search::SearchError> for AppError {
    fn from(error: crate::search::SearchError) -> Self {
        match error {
            crate::search::SearchError::Rebuilding => AppError::Unavailable,
            other => {
                tracing::error!(error = %other, "search failed");
                AppError::Internal
            }
        }
    }
}
