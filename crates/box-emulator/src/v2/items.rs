//! Handlers files and folders share: get, update (rename, move,
//! description, tags, shared link), copy, delete to trash, restore, the
//! trashed item and purge. Routes under `/2.0/files` take them as
//! `items::get::<Files>`, routes under `/2.0/folders` as
//! `items::get::<Folders>`; `files.rs` and `folders.rs` hold what only one
//! kind has.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::objects::item_json;
use crate::http::errors::{ApiError, ApiResult};
use crate::http::{id_of, if_match, not_modified, write, Caller, JsonBody, Params};
use crate::state::Shared;
use crate::store::{ItemUpdate, Kind, SharedLinkUpdate};

/// The kind of item a route serves.
pub trait RouteKind: Send + Sync + 'static {
    /// File or folder.
    const KIND: Kind;
}

/// Routes under `/2.0/files`.
#[derive(Debug)]
pub struct Files;

impl RouteKind for Files {
    const KIND: Kind = Kind::File;
}

/// Routes under `/2.0/folders`.
#[derive(Debug)]
pub struct Folders;

impl RouteKind for Folders {
    const KIND: Kind = Kind::Folder;
}

/// Routes under `/2.0/web_links`.
#[derive(Debug)]
pub struct WebLinks;

impl RouteKind for WebLinks {
    const KIND: Kind = Kind::WebLink;
}

/// Renders an item by internal id for the caller.
pub fn render(shared: &Shared, id: u64, fields: Option<&str>) -> ApiResult<Value> {
    shared
        .store
        .read(|st| st.item(id).map(|i| item_json(st, &shared.base, i, fields)))
        .ok_or_else(ApiError::not_found)
}

/// `GET /2.0/{files,folders}/{id}` with `If-None-Match`.
pub async fn get<K: RouteKind>(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (iid, _) = shared
        .store
        .read(|st| st.resolve(caller.user, &id, K::KIND))?;
    let v = render(&shared, iid, params.fields())?;
    if not_modified(&headers, &v["etag"]) {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    Ok(Json(v).into_response())
}

pub(crate) fn parse_update(body: &Value) -> ApiResult<ItemUpdate> {
    let obj = body
        .as_object()
        .ok_or_else(|| ApiError::bad_request("bad_request", "The body must be a JSON object"))?;
    let str_field = |k: &str| -> ApiResult<Option<String>> {
        match obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::bad_request(
                "bad_request",
                format!("{k} must be a string"),
            )),
        }
    };
    let parent = match obj.get("parent") {
        None | Some(Value::Null) => None,
        Some(p) => Some(
            p.get("id")
                .and_then(id_of)
                .ok_or_else(|| ApiError::bad_request("bad_request", "parent.id is required"))?,
        ),
    };
    let tags = match obj.get("tags") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => Some(
            a.iter()
                .map(|t| t.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| ApiError::bad_request("bad_request", "tags must be strings"))?,
        ),
        Some(_) => {
            return Err(ApiError::bad_request(
                "bad_request",
                "tags must be an array",
            ))
        }
    };
    let shared_link = match obj.get("shared_link") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::Object(l)) => {
            let access = l.get("access").and_then(Value::as_str).map(str::to_string);
            if let Some(a) = &access {
                if !["open", "company", "collaborators"].contains(&a.as_str()) {
                    return Err(ApiError::bad_request(
                        "bad_request",
                        "shared_link.access must be open, company or collaborators",
                    ));
                }
            }
            let password = match l.get("password") {
                None => None,
                Some(Value::Null) => Some(None),
                Some(Value::String(p)) => Some(Some(p.clone())),
                Some(_) => {
                    return Err(ApiError::bad_request(
                        "bad_request",
                        "password must be a string",
                    ))
                }
            };
            let unshared_at = match l.get("unshared_at").and_then(Value::as_str) {
                Some(s) => Some(
                    DateTime::parse_from_rfc3339(s)
                        .map_err(|_| ApiError::bad_request("bad_request", "bad unshared_at"))?
                        .with_timezone(&Utc),
                ),
                None => None,
            };
            let can_download = l
                .get("permissions")
                .and_then(|p| p.get("can_download"))
                .and_then(Value::as_bool);
            Some(Some(SharedLinkUpdate {
                access,
                password,
                can_download,
                unshared_at,
            }))
        }
        Some(_) => {
            return Err(ApiError::bad_request(
                "bad_request",
                "shared_link must be an object",
            ))
        }
    };
    Ok(ItemUpdate {
        name: str_field("name")?,
        parent,
        description: str_field("description")?,
        tags,
        shared_link,
    })
}

/// `collections: [{"id": ..}]` of an update (`None` when absent).
pub(crate) fn parse_collections(body: &Value) -> ApiResult<Option<Vec<String>>> {
    match body.get("collections") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|c| c.get("id").and_then(id_of))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| ApiError::bad_request("bad_request", "collections[].id is required")),
        Some(_) => Err(ApiError::bad_request(
            "bad_request",
            "collections must be an array",
        )),
    }
}

/// `PUT /2.0/{files,folders}/{id}`.
pub async fn update<K: RouteKind>(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<Value>> {
    let upd = parse_update(&body)?;
    let collections = parse_collections(&body)?;
    let m = if_match(&headers);
    let user = caller.user;
    let iid = write(&shared, move |tx| {
        let iid = tx.update(user, &id, K::KIND, upd, m.as_deref())?;
        if let Some(c) = collections {
            tx.set_collections(user, &id, K::KIND, &c)?;
        }
        Ok(iid)
    })
    .await?;
    render(&shared, iid, params.fields()).map(Json)
}

/// `POST /2.0/{files,folders}/{id}/copy`.
pub async fn copy<K: RouteKind>(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let user = caller.user;
    let parent = body
        .get("parent")
        .and_then(|p| p.get("id"))
        .and_then(id_of)
        .ok_or_else(|| ApiError::bad_request("bad_request", "parent.id is required"))?;
    let name = body.get("name").and_then(Value::as_str).map(str::to_string);
    let new_id = write(&shared, move |tx| {
        tx.copy(user, &id, K::KIND, &parent, name.as_deref())
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(render(&shared, new_id, params.fields())?),
    ))
}

/// `DELETE /2.0/{files,folders}/{id}` (folders: `?recursive=true`): to the trash.
pub async fn delete<K: RouteKind>(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let recursive = params.flag("recursive");
    let m = if_match(&headers);
    let user = caller.user;
    write(&shared, move |tx| {
        tx.trash(user, &id, K::KIND, recursive, m.as_deref())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /2.0/{files,folders}/{id}`: restore from the trash.
pub async fn restore<K: RouteKind>(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let user = caller.user;
    let name = body.get("name").and_then(Value::as_str).map(str::to_string);
    let parent = body.get("parent").and_then(|p| p.get("id")).and_then(id_of);
    let iid = write(&shared, move |tx| {
        tx.restore(user, &id, K::KIND, name.as_deref(), parent.as_deref())
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(render(&shared, iid, params.fields())?),
    ))
}

/// `GET /2.0/{files,folders}/{id}/trash`.
pub async fn get_trashed<K: RouteKind>(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let iid = shared
        .store
        .read(|st| st.resolve_trashed(caller.user, &id, K::KIND))?;
    render(&shared, iid, params.fields()).map(Json)
}

/// `DELETE /2.0/{files,folders}/{id}/trash`.
pub async fn purge<K: RouteKind>(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let user = caller.user;
    write(&shared, move |tx| tx.purge(user, &id, K::KIND)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Offset-paginated collection body.
pub fn page(entries: Vec<Value>, total: usize, offset: u64, limit: u64) -> Value {
    json!({
        "total_count": total, "entries": entries, "offset": offset, "limit": limit,
        "order": [{"by": "type", "direction": "ASC"}, {"by": "name", "direction": "ASC"}],
    })
}
