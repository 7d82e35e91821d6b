//! Maps Box error responses into [`box_core::Error`].
//!
//! Two body shapes exist: API errors
//! `{"type":"error","status":404,"code":"not_found","message":"…","context_info":{…},"request_id":"…"}`
//! and OAuth errors from the token endpoint `{"error":"invalid_grant","error_description":"…"}`.
//! The request id comes from the body, else from the `box-request-id` header.
//! Decoding a success body names the failing JSON path (`serde_path_to_error`).

use std::time::Duration;

use box_core::{Error, FileId, FolderId, ItemId, ServerContext};
use http::HeaderMap;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

/// A Box API error body (`ClientError` in the spec).
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct ApiErrorBody {
    /// The HTTP status repeated.
    pub status: Option<u16>,
    /// Machine-readable code (`item_name_in_use`…).
    pub code: Option<String>,
    /// Human message.
    pub message: Option<String>,
    /// Extra details; for conflicts, `conflicts` (an object or an array).
    pub context_info: Option<Value>,
    /// The request id for support.
    pub request_id: Option<String>,
    /// OAuth error code (`invalid_grant`…).
    pub error: Option<String>,
    /// OAuth error description.
    pub error_description: Option<String>,
}

/// The item named in `context_info.conflicts`, which Box sends as an object
/// (folders) or an array (files, preflight).
pub fn conflicting_item(context_info: Option<&Value>) -> Option<ItemId> {
    let conflicts = context_info?.get("conflicts")?;
    let first = match conflicts {
        Value::Array(a) => a.first()?,
        obj @ Value::Object(_) => obj,
        _ => return None,
    };
    let id = match first.get("id")? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    match first.get("type").and_then(Value::as_str) {
        Some("folder") => Some(ItemId::Folder(FolderId::new(id))),
        Some("web_link") => Some(ItemId::WebLink(id.into())),
        _ => Some(ItemId::File(FileId::new(id))),
    }
}

/// Builds the error for a non-success response.
pub fn map_error(status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
    let parsed: ApiErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let request_id = parsed.request_id.clone().or_else(|| {
        headers
            .get("box-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    let code = parsed.code.clone().or_else(|| parsed.error.clone());
    let message = parsed
        .message
        .clone()
        .or_else(|| parsed.error_description.clone())
        .unwrap_or_else(|| {
            http::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("error response")
                .to_owned()
        });
    let mut ctx = ServerContext::new().with_status(status);
    if let Some(c) = &code {
        ctx = ctx.with_code(c.clone());
    }
    if let Some(r) = &request_id {
        ctx = ctx.with_request_id(r.clone());
    }
    let err = match (status, code.as_deref()) {
        (_, Some("invalid_grant" | "invalid_client" | "unauthorized_client")) => {
            Error::unauthenticated(message)
        }
        (401, _) => Error::unauthenticated(message),
        (403, _) => Error::permission_denied(message),
        (404, _) => Error::not_found(message),
        (409, _) => Error::conflict(message, conflicting_item(parsed.context_info.as_ref())),
        (412, _) => Error::precondition_failed(message),
        (429, _) => Error::RateLimited {
            retry_after: super::retry::retry_after(headers),
            context: ServerContext::new(),
        },
        (400 | 405 | 411 | 413 | 415 | 416, _) => Error::invalid_input(message),
        _ => Error::api(status, message),
    };
    err.with_context(ctx)
}

/// Decodes a JSON body, naming the JSON path on failure.
pub fn decode_json<T: DeserializeOwned>(what: &str, body: &[u8]) -> Result<T, Error> {
    // The happy path decodes directly; tracking the path costs about a sixth
    // of a small GET, so it is paid only to explain a failure.
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        Error::decode(what, path, e.into_inner().to_string())
    })
}

/// A transport error from reqwest, stripped of its URL.
pub(crate) fn from_reqwest(e: reqwest::Error) -> Error {
    let e = e.without_url();
    let maybe_sent = !e.is_connect() && !e.is_builder();
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "reading the response body failed"
    } else {
        "request failed"
    };
    let message = format!("{kind}: {e}");
    Error::transport(message, maybe_sent, Some(Box::new(e)))
}

/// The `Retry-After` of a rate-limit error, for callers that want it.
pub fn retry_after_of(e: &Error) -> Option<Duration> {
    match e {
        Error::RateLimited { retry_after, .. } => *retry_after,
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicts_as_object_or_array() {
        let obj: Value = serde_json::json!({"conflicts": {"type": "folder", "id": "12"}});
        assert_eq!(
            conflicting_item(Some(&obj)),
            Some(ItemId::Folder(FolderId::new("12")))
        );
        let arr: Value = serde_json::json!({"conflicts": [{"type": "file", "id": "34"}]});
        assert_eq!(
            conflicting_item(Some(&arr)),
            Some(ItemId::File(FileId::new("34")))
        );
        assert_eq!(conflicting_item(Some(&serde_json::json!({}))), None);
    }

    #[test]
    fn maps_kinds_with_request_id() {
        let body = br#"{"type":"error","status":409,"code":"item_name_in_use","message":"Item with the same name already exists","context_info":{"conflicts":[{"type":"file","id":"9"}]},"request_id":"abc"}"#;
        let e = map_error(409, &HeaderMap::new(), body);
        assert!(
            matches!(&e, Error::Conflict { conflicting: Some(ItemId::File(f)), .. } if f.as_str() == "9")
        );
        assert_eq!(e.request_id(), Some("abc"));
        assert_eq!(e.code(), Some("item_name_in_use"));

        let mut h = HeaderMap::new();
        h.insert("box-request-id", "hdr".parse().unwrap());
        let e = map_error(503, &h, b"<html>oops</html>");
        assert!(matches!(e, Error::Api { .. }));
        assert_eq!(e.status(), Some(503));
        assert_eq!(e.request_id(), Some("hdr"));

        let e = map_error(
            400,
            &HeaderMap::new(),
            br#"{"error":"invalid_grant","error_description":"Refresh token has expired"}"#,
        );
        assert!(matches!(e, Error::Unauthenticated { .. }));
        assert_eq!(e.code(), Some("invalid_grant"));
    }

    #[test]
    fn decode_names_path() {
        #[derive(Debug, Deserialize)]
        struct T {
            #[allow(dead_code)]
            a: Vec<u32>,
        }
        let e = decode_json::<T>("T", br#"{"a":[1,"x"]}"#).unwrap_err();
        assert!(
            matches!(&e, Error::Decode { location, .. } if location == "a[1]"),
            "{e}"
        );
    }
}
