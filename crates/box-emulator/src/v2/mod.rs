//! The Box v2 API: routes under `/2.0`, uploads under `/api/2.0`, OAuth under
//! `/oauth2`, plus the extractors every handler uses (the calling user, JSON
//! bodies with Box error bodies, query parameters, conditional headers).

pub mod auth;
pub mod collaborations;
pub mod downloads;
pub mod errors;
pub mod events;
pub mod files;
pub mod folders;
pub mod items;
pub mod objects;
pub mod operations;
pub mod search;
pub mod shared_links;
pub mod uploads;
pub mod users;

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::routing::{get, post, put};
use axum::Router;
use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::server::Shared;
use crate::store::TokenKind;
use errors::{ApiError, ApiResult};
use items::{Files, Folders};

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
            .ok_or_else(|| ApiError::unauthorized("The access token is missing."))?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(|| ApiError::unauthorized("The access token is missing."))?
            .trim();
        let user = shared
            .store
            .read(|st| st.token(token, TokenKind::Access).map(|t| t.user))
            .ok_or_else(|| ApiError::unauthorized("The access token provided is invalid."))?;
        // `As-User`: a service account (an app's admin) may act as another user.
        let Some(as_user) = parts.headers.get("as-user").and_then(|v| v.to_str().ok()) else {
            return Ok(Caller { user });
        };
        let target: u64 = as_user
            .trim()
            .parse()
            .map_err(|_| ApiError::bad_request("bad_request", "As-User must be a user id"))?;
        shared.store.read(|st| {
            if !st.apps.values().any(|a| a.service_user == user) {
                return Err(ApiError::new(
                    http::StatusCode::FORBIDDEN,
                    "access_denied_insufficient_permissions",
                    "As-User needs a service account token",
                ));
            }
            if !st.users.contains_key(&target) {
                return Err(ApiError::bad_request(
                    "invalid_user",
                    "Unknown As-User user id",
                ));
            }
            Ok(Caller { user: target })
        })
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

/// Routes under `/2.0`, `/api/2.0`, `/oauth2` and the content/realtime URLs.
pub fn routes(shared: Arc<Shared>) -> Router<Arc<Shared>> {
    let limit = shared.config.json_body_limit;
    let api = Router::new()
        .route("/2.0/users/me", get(users::me))
        .route("/2.0/users/{id}", get(users::get_user))
        .route("/2.0/folders", post(folders::create))
        .route(
            "/2.0/folders/{id}",
            get(items::get::<Folders>)
                .put(items::update::<Folders>)
                .delete(items::delete::<Folders>)
                .post(items::restore::<Folders>),
        )
        .route("/2.0/folders/{id}/items", get(folders::items))
        .route("/2.0/folders/{id}/copy", post(items::copy::<Folders>))
        .route(
            "/2.0/folders/{id}/trash",
            get(items::get_trashed::<Folders>).delete(items::purge::<Folders>),
        )
        .route("/2.0/folders/trash/items", get(folders::trash_items))
        .route(
            "/2.0/folders/{id}/collaborations",
            get(collaborations::list_folder),
        )
        .route(
            "/2.0/files/{id}",
            get(items::get::<Files>)
                .put(items::update::<Files>)
                .delete(items::delete::<Files>)
                .post(items::restore::<Files>),
        )
        .route("/2.0/files/{id}/copy", post(items::copy::<Files>))
        .route(
            "/2.0/files/{id}/trash",
            get(items::get_trashed::<Files>).delete(items::purge::<Files>),
        )
        .route("/2.0/files/{id}/versions", get(files::versions))
        .route("/2.0/files/{id}/versions/current", post(files::promote))
        .route(
            "/2.0/files/{id}/versions/{version}",
            get(files::get_version).delete(files::delete_version),
        )
        .route(
            "/2.0/files/{id}/collaborations",
            get(collaborations::list_file),
        )
        .route(
            "/2.0/files/{id}/content",
            get(downloads::redirect).options(uploads::preflight_version),
        )
        .route(
            "/2.0/files/content",
            axum::routing::options(uploads::preflight),
        )
        .route("/2.0/collaborations", post(collaborations::create))
        .route(
            "/2.0/collaborations/{id}",
            get(collaborations::get_collab).delete(collaborations::delete),
        )
        .route("/2.0/shared_items", get(shared_links::shared_item))
        .route("/2.0/search", get(search::search))
        .route(
            "/2.0/events",
            get(events::list).options(events::realtime_info),
        )
        .route("/realtime", get(events::long_poll))
        .route("/oauth2/token", post(auth::token))
        .route("/oauth2/revoke", post(auth::revoke))
        .route("/oauth2/authorize", get(auth::authorize))
        .route("/api/oauth2/authorize", get(auth::authorize))
        .route("/content/{token}", get(downloads::content))
        .layer(DefaultBodyLimit::max(limit));
    let uploads = Router::new()
        .route("/api/2.0/files/content", post(uploads::upload_new))
        .route("/api/2.0/files/{id}/content", post(uploads::upload_version))
        .route(
            "/api/2.0/files/upload_sessions",
            post(uploads::create_session),
        )
        .route(
            "/api/2.0/files/{id}/upload_sessions",
            post(uploads::create_version_session),
        )
        .route(
            "/api/2.0/files/upload_sessions/{id}",
            put(uploads::upload_part)
                .get(uploads::session_status)
                .delete(uploads::abort),
        )
        .route(
            "/api/2.0/files/upload_sessions/{id}/parts",
            get(uploads::list_parts),
        )
        .route(
            "/api/2.0/files/upload_sessions/{id}/commit",
            post(uploads::commit),
        )
        .layer(DefaultBodyLimit::disable());
    api.merge(uploads)
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

use serde::Deserialize;
