//! Web links: `POST /2.0/web_links` and the update of a web link (its URL
//! besides what every item has). Get, delete to the trash, restore, the
//! trashed web link and purge are the handlers every item kind shares
//! ([`super::items`], as `items::get::<WebLinks>`…); shared links on a web
//! link are the `shared_link` field of its update, as for files and folders.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::Value;

use super::items::{parse_collections, parse_update, render};
use crate::http::errors::{ApiError, ApiResult};
use crate::http::{id_of, if_match, write, Caller, JsonBody, Params};
use crate::state::Shared;
use crate::store::Kind;

fn opt_str(body: &Value, key: &str) -> ApiResult<Option<String>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::bad_request(
            "bad_request",
            format!("{key} must be a string"),
        )),
    }
}

/// `POST /2.0/web_links`: `url` and `parent.id` required, `name` (defaults
/// to the URL) and `description` optional.
pub async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    if !body.is_object() {
        return Err(ApiError::bad_request(
            "bad_request",
            "The body must be a JSON object",
        ));
    }
    let url = opt_str(&body, "url")?
        .ok_or_else(|| ApiError::bad_request("bad_request", "url is required"))?;
    let parent = body
        .get("parent")
        .and_then(|p| p.get("id"))
        .and_then(id_of)
        .ok_or_else(|| ApiError::bad_request("bad_request", "parent.id is required"))?;
    let name = opt_str(&body, "name")?;
    let description = opt_str(&body, "description")?;
    let user = caller.user;
    let id = write(&shared, move |tx| {
        tx.create_web_link(user, &parent, &url, name.as_deref(), description.as_deref())
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(render(&shared, id, params.fields())?),
    ))
}

/// `PUT /2.0/web_links/{id}`: `url`, `name`, `description`, `parent`,
/// `shared_link` (set, change or `null` to remove), `collections`, with
/// `If-Match`.
pub async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<Value>> {
    let upd = parse_update(&body)?;
    let url = opt_str(&body, "url")?;
    let collections = parse_collections(&body)?;
    let m = if_match(&headers);
    let user = caller.user;
    let iid = write(&shared, move |tx| {
        let iid = tx.update_web_link(user, &id, url.as_deref(), upd, m.as_deref())?;
        if let Some(c) = collections {
            tx.set_collections(user, &id, Kind::WebLink, &c)?;
        }
        Ok(iid)
    })
    .await?;
    render(&shared, iid, params.fields()).map(Json)
}
