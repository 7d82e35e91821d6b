//! Box error bodies: `{"type":"error","status":..,"code":..,"message":..,
//! "context_info":..,"help_url":..,"request_id":..}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::store::{Item, StoreError};

/// An error answered in Box's JSON shape.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Box error code (`not_found`, `item_name_in_use`, ...).
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// Optional `context_info`.
    pub context_info: Option<Value>,
    /// Extra headers (`Retry-After`, `WWW-Authenticate`).
    pub headers: Vec<(header::HeaderName, String)>,
}

/// Result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with status, code and message.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            context_info: None,
            headers: Vec::new(),
        }
    }

    /// 400 `bad_request` (or another code).
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404 `not_found`.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Not Found")
    }

    /// 401 for a request without credentials: per RFC 6750 §3 the
    /// `WWW-Authenticate` challenge carries no `error`.
    pub fn no_credentials() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized").header(
            header::WWW_AUTHENTICATE,
            "Bearer realm=\"Service\"".to_string(),
        )
    }

    /// 401 with `WWW-Authenticate` naming an invalid token.
    pub fn unauthorized(description: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized").header(
            header::WWW_AUTHENTICATE,
            format!(
                "Bearer realm=\"Service\", error=\"invalid_token\", error_description=\"{description}\""
            ),
        )
    }

    /// Adds a header.
    pub fn header(mut self, name: header::HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Sets `context_info`.
    pub fn context(mut self, info: Value) -> Self {
        self.context_info = Some(info);
        self
    }
}

/// Mini object of a conflicting item, as `context_info.conflicts` shows it.
pub fn conflict_mini(item: &Item) -> Value {
    match item.current() {
        Some(v) => json!({
            "type": "file", "id": item.id.to_string(),
            "file_version": {"type": "file_version", "id": v.id.to_string(), "sha1": v.sha1},
            "sequence_id": item.etag.to_string(), "etag": item.etag.to_string(),
            "sha1": v.sha1, "name": item.name,
        }),
        None => json!({
            "type": item.kind.as_str(), "id": item.id.to_string(),
            "sequence_id": item.etag.to_string(), "etag": item.etag.to_string(),
            "name": item.name,
        }),
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::NameInUse(item) => ApiError::new(
                StatusCode::CONFLICT,
                "item_name_in_use",
                "Item with the same name already exists",
            )
            .context(json!({ "conflicts": [conflict_mini(&item)] })),
            StoreError::BadRequest(code, message) => ApiError::bad_request(code, message),
            StoreError::Forbidden(message) => ApiError::new(
                StatusCode::FORBIDDEN,
                "access_denied_insufficient_permissions",
                message,
            ),
            StoreError::Precondition => ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "precondition_failed",
                "The resource has been modified. Please retrieve the resource again and retry",
            ),
            StoreError::Conflict(code, message) => {
                ApiError::new(StatusCode::CONFLICT, code, message)
            }
            StoreError::NotFoundCode(code, message) => {
                ApiError::new(StatusCode::NOT_FOUND, code, message)
            }
            StoreError::Internal(message) => {
                tracing::error!(%message, "store failure");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_server_error",
                    "Internal Server Error",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let request_id = crate::store::random_token(12).to_lowercase();
        let mut body = json!({
            "type": "error",
            "status": self.status.as_u16(),
            "code": self.code,
            "message": self.message,
            "help_url": "http://developers.box.com/docs/#errors",
            "request_id": request_id,
        });
        if let Some(info) = self.context_info {
            body["context_info"] = info;
        }
        let mut resp = (self.status, axum::Json(body)).into_response();
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                resp.headers_mut().insert(name, v);
            }
        }
        resp
    }
}

impl From<axum::extract::rejection::BytesRejection> for ApiError {
    fn from(e: axum::extract::rejection::BytesRejection) -> Self {
        let status = e.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(status, "request_entity_too_large", "Request body too large")
        } else {
            ApiError::bad_request("bad_request", "Could not read the request body")
        }
    }
}
