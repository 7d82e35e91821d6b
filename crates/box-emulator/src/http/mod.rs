//! HTTP helpers both protocols (and the admin API) use: Box error bodies
//! ([`errors`]), the request extractors (the calling user, JSON bodies,
//! query parameters, conditional headers), running blocking work off the
//! async workers, and the observing middleware ([`observe`]). Sits above
//! [`crate::state`] and [`crate::store`]; nothing here imports a protocol
//! module or the router.

pub mod errors;
pub mod guard;
pub mod observe;
pub mod throttle;
pub mod timeouts;

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::state::Shared;
use crate::store::TokenKind;
use errors::{ApiError, ApiResult};

/// The authenticated caller.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    /// User id.
    pub user: u64,
}

impl FromRequestParts<Arc<Shared>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, shared: &Arc<Shared>) -> ApiResult<Self> {
        let header = parts
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(ApiError::no_credentials)?;
        // The scheme is case-insensitive (RFC 7235 §2.1).
        let token = header
            .trim_start()
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|token| !token.is_empty())
            .ok_or_else(ApiError::no_credentials)?;
        let user = shared
            .store
            .read(|st| st.token(token, TokenKind::Access).map(|t| t.user))
            .ok_or_else(|| ApiError::unauthorized("The access token provided is invalid."))?;
        // `As-User`: an enterprise admin or a service account may act as a
        // user they manage ([`crate::store::State::check_as_user`]).
        let Some(as_user) = parts.headers.get("as-user").and_then(|v| v.to_str().ok()) else {
            return Ok(Caller { user });
        };
        let target: u64 = as_user
            .trim()
            .parse()
            .map_err(|_| ApiError::bad_request("bad_request", "As-User must be a user id"))?;
        shared
            .store
            .read(|st| st.check_as_user(user, target))
            .map_err(ApiError::from)?;
        Ok(Caller { user: target })
    }
}

/// A JSON body; malformed JSON gives a Box `400 bad_request`, an empty body is `{}`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Arc<Shared>> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, shared: &Arc<Shared>) -> ApiResult<Self> {
        let bytes = Bytes::from_request(req, shared).await?;
        let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        };
        let de = &mut serde_json::Deserializer::from_slice(bytes);
        serde_path_to_error::deserialize(de)
            .map(JsonBody)
            .map_err(|e| {
                ApiError::bad_request("bad_request", "Invalid value in the request body").context(
                    serde_json::json!({"errors": [{"reason": "invalid_parameter",
                        "name": e.path().to_string(), "message": e.inner().to_string()}]}),
                )
            })
    }
}

/// Query parameters as a map (never rejects).
#[derive(Debug, Default)]
pub struct Params(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> ApiResult<Self> {
        let q = parts.uri.query().unwrap_or("");
        Ok(Params(
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect(),
        ))
    }
}

impl Params {
    /// A parameter.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// `fields`, if given.
    pub fn fields(&self) -> Option<&str> {
        self.get("fields")
    }

    /// A boolean flag: `true` in any case (Box's official Python SDK sends
    /// `True`) or `1`; anything else, or absent, is false.
    pub fn flag(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
    }

    /// A numeric parameter with a default; a non-number is a 400.
    pub fn num(&self, key: &str, default: u64) -> ApiResult<u64> {
        match self.get(key) {
            None | Some("") => Ok(default),
            Some(v) => v.parse().map_err(|_| {
                ApiError::bad_request("bad_request", format!("Invalid value for {key}: {v:?}"))
            }),
        }
    }
}

/// `If-Match` header value.
pub fn if_match(headers: &HeaderMap) -> Option<String> {
    headers
        .get(http::header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// True if `If-None-Match` matches the etag (the GET should answer 304).
pub fn not_modified(headers: &HeaderMap, etag: &serde_json::Value) -> bool {
    let Some(tag) = etag.as_str() else {
        return false;
    };
    headers
        .get(http::header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_matches('"') == tag)
}

/// Runs blocking work (store writes hitting SQLite, file I/O) off the async threads.
pub async fn blocking<R: Send + 'static>(
    f: impl FnOnce() -> ApiResult<R> + Send + 'static,
) -> ApiResult<R> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        tracing::error!(error = %e, "blocking task failed");
        ApiError::new(
            http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal_server_error",
            "Internal Server Error",
        )
    })?
}

/// Runs a store mutation off the async threads.
pub async fn write<R: Send + 'static>(
    shared: &Arc<Shared>,
    f: impl FnOnce(&mut crate::store::Tx<'_>) -> crate::store::StoreResult<R> + Send + 'static,
) -> ApiResult<R> {
    let store = shared.store.clone();
    blocking(move || store.write(f).map_err(ApiError::from)).await
}

/// Reads an id that may be a JSON string or number.
pub fn id_of(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Deserializes `{"id": ...}` references leniently.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct IdRef {
    /// The id.
    #[serde(deserialize_with = "de_id")]
    pub id: String,
}

fn de_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    id_of(&v).ok_or_else(|| serde::de::Error::custom("id must be a string or a number"))
}
