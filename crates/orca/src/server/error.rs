//! The one error shape of the HTTP API: `{"error": {"code", "message"}}` with the right status,
//! and `Retry-After` on 429 and 503.
//!
//! Invariant: every error response of the API, including axum's own rejections (bad JSON, body
//! too large, unknown route, wrong method), leaves through `ApiError`.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

use crate::service::AskError;

/// An API error: a status, a stable machine-readable code and one sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds, for 429 and 503.
    pub retry_after: Option<u64>,
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code: bad_request, not_permitted, unauthorized, forbidden, not_found,
    /// method_not_allowed, payload_too_large, unsupported_media_type, headers_too_large,
    /// rate_limited, overloaded, internal.
    pub code: String,
    /// One sentence for a person.
    pub message: String,
}

/// The errors the auth and limit layers may answer on any guarded route before its handler runs;
/// each such route lists them in its OpenAPI `responses(...)` by this one type.
#[derive(Debug, IntoResponses)]
pub enum GuardErrors {
    #[response(status = 401, description = "Missing or unknown bearer token")]
    Unauthorized(ErrorBody),
    #[response(status = 429, description = "Rate limited (see Retry-After)",
        headers(("Retry-After" = u64, description = "Seconds to wait")))]
    RateLimited(ErrorBody),
    #[response(status = 503, description = "Overloaded (see Retry-After)",
        headers(("Retry-After" = u64, description = "Seconds to wait")))]
    Overloaded(ErrorBody),
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
    }

    pub fn method_not_allowed() -> ApiError {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this route does not accept that method",
        )
    }

    pub fn rate_limited(retry_after: u64) -> ApiError {
        ApiError {
            retry_after: Some(retry_after.max(1)),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many requests for this token; retry after the Retry-After delay",
            )
        }
    }

    pub fn overloaded(retry_after: u64) -> ApiError {
        ApiError {
            retry_after: Some(retry_after.max(1)),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                "the server is at its concurrency limit; retry after the Retry-After delay",
            )
        }
    }

    pub fn headers_too_large(max_headers: usize, max_bytes: usize) -> ApiError {
        ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!(
                "the request headers are too large: at most {max_headers} headers and {} KiB in all",
                max_bytes / 1024
            ),
        )
    }

    /// The error a plain (non-JSON) error response stands for: its status, the stable code of
    /// that status, and its text as the message (the status's reason when it has none).
    pub fn from_plain(status: StatusCode, text: &str) -> ApiError {
        let code = match status {
            StatusCode::UNAUTHORIZED => "unauthorized",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "headers_too_large",
            StatusCode::TOO_MANY_REQUESTS => "rate_limited",
            StatusCode::SERVICE_UNAVAILABLE => "overloaded",
            s if s.is_server_error() => "internal",
            _ => "bad_request",
        };
        let text = text.trim();
        let message = if text.is_empty() {
            status.canonical_reason().unwrap_or("error").to_lowercase()
        } else {
            text.to_string()
        };
        ApiError::new(status, code, message)
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl From<AskError> for ApiError {
    fn from(e: AskError) -> Self {
        match e {
            AskError::NotPermitted(message) => {
                ApiError::new(StatusCode::FORBIDDEN, "not_permitted", message)
            }
            AskError::BadRequest(e) => ApiError::from(e),
            other => ApiError::bad_request(other.to_string()),
        }
    }
}

impl From<orca_core::AnalyzeError> for ApiError {
    fn from(e: orca_core::AnalyzeError) -> Self {
        match e {
            // Well-formed, but outside what Orca does (DESIGN section 9): 422.
            orca_core::AnalyzeError::CannotAnswer(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "cannot_answer",
                e.to_string(),
            ),
            e => ApiError::bad_request(e.to_string()),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is too large",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the request body must be JSON (Content-Type: application/json)",
            ),
            _ => ApiError::bad_request(format!(
                "the request body is not valid: {}",
                rejection.body_text()
            )),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request(format!(
            "the query string is not valid: {}",
            rejection.body_text()
        ))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"orca\""),
            );
        }
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
