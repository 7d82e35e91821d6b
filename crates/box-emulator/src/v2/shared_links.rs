//! `GET /2.0/shared_items` with the `BoxApi: shared_link=<url>[&shared_link_password=…]` header.
//! Shared links themselves are set through `PUT /files/{id}` / `PUT /folders/{id}` (see `items.rs`).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::Utc;
use serde_json::Value;

use super::objects::item_json;
use crate::http::errors::{ApiError, ApiResult};
use crate::http::{Caller, Params};
use crate::state::Shared;

/// Splits the `BoxApi` header into (link URL, password).
pub fn parse_boxapi(value: &str) -> Option<(String, Option<String>)> {
    let rest = value.trim().strip_prefix("shared_link=")?;
    let (url, password) = match rest.split_once("&shared_link_password=") {
        Some((u, p)) => (
            u,
            Some(
                percent_encoding::percent_decode_str(p)
                    .decode_utf8_lossy()
                    .into_owned(),
            ),
        ),
        None => (rest, None),
    };
    let url = percent_encoding::percent_decode_str(url)
        .decode_utf8_lossy()
        .into_owned();
    Some((url, password))
}

/// `GET /2.0/shared_items`.
pub async fn shared_item(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let header = headers
        .get("boxapi")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::bad_request("bad_request", "The BoxApi header is required"))?;
    let (url, password) = parse_boxapi(header)
        .ok_or_else(|| ApiError::bad_request("bad_request", "BoxApi must be shared_link=<url>"))?;
    let token = url
        .trim_end_matches('/')
        .rsplit_once("/s/")
        .map(|(_, t)| t.to_string())
        .ok_or_else(ApiError::not_found)?;
    shared.store.read(|st| {
        let item = st.by_shared_link(&token).ok_or_else(ApiError::not_found)?;
        let link = item.shared_link.as_ref().ok_or_else(ApiError::not_found)?;
        if link.unshared_at.is_some_and(|t| t < Utc::now()) {
            return Err(ApiError::not_found());
        }
        if link.access == "collaborators" && st.role(caller.user, item.id).is_none() {
            return Err(ApiError::not_found());
        }
        if let Some(want) = &link.password {
            if password.as_deref() != Some(want.as_str()) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "incorrect_shared_item_password",
                    "Incorrect shared item password",
                ));
            }
        }
        Ok(Json(item_json(st, &shared.base, item, params.fields())))
    })
}
