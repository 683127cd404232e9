//! The API's face of [`AppError`]: rendered as `{"error": {"code", "message"}}` with a fitting
//! status. Internal details are logged, never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{AppError, Forbidden};
use crate::model::Entity;
use crate::store::{Conflict, StoreError};
use crate::validation::FieldError;

/// An API error, as the client receives it.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<FieldError>,
}

/// The error envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, snake_case.
    pub code: String,
    /// For people, in French.
    pub message: String,
    /// The fields that were refused, when the request had several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 422 for a body whose fields were refused; the message sums them up.
    pub fn invalid_fields(fields: Vec<FieldError>) -> Self {
        let message = fields
            .iter()
            .map(|f| format!("{} : {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join(" ; ");
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            message,
            fields,
        }
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "erreur interne du serveur ; elle a été enregistrée, réessayez plus tard",
        )
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        let message = error.to_string();
        match error {
            AppError::NotFound { .. } => ApiError::not_found(message),
            AppError::Unknown { entity, .. } => {
                let code = match entity {
                    Entity::Project => "unknown_project",
                    Entity::Organisation => "unknown_organisation",
                    Entity::User => "unknown_user",
                    Entity::Claim => "unknown_claim",
                    Entity::Token => "unknown_token",
                    Entity::Group => "unknown_group",
                    Entity::Document => "unknown_document",
                    Entity::Version => "unknown_version",
                };
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
            }
            AppError::Conflict(conflict) => {
                let code = match conflict {
                    Conflict::Slug => "slug_taken",
                    Conflict::RepositoryUrl(_) => "repository_already_registered",
                    Conflict::Email => "email_taken",
                    Conflict::GroupSlug => "group_slug_taken",
                    Conflict::OrganisationId(_) => "organisation_id_taken",
                };
                ApiError::new(StatusCode::CONFLICT, code, message)
            }
            AppError::Invalid(fields) => ApiError::invalid_fields(fields),
            AppError::Refused { code, .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
            }
            AppError::Forbidden { reason, .. } => {
                let code = match reason {
                    Forbidden::NotAllowed => "forbidden",
                    Forbidden::InsufficientScope => "insufficient_scope",
                };
                ApiError::new(StatusCode::FORBIDDEN, code, message)
            }
            AppError::Unauthorised { code, .. } => {
                ApiError::new(StatusCode::UNAUTHORIZED, code, message)
            }
            AppError::TooManyAttempts => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", message)
            }
            AppError::Unavailable => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "la base de données ne répond pas ; réessayez dans un instant",
            ),
            AppError::Internal => ApiError::internal(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        AppError::from(error).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let unauthorized = self.status == StatusCode::UNAUTHORIZED;
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                fields: self.fields,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if unauthorized {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
