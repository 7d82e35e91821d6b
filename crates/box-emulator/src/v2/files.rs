//! Endpoints only files have: versions (list, get, promote, delete). The
//! operations files share with folders are in [`super::items`].

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::objects::{ts, user_mini};
use crate::http::errors::{ApiError, ApiResult};
use crate::http::{if_match, write, Caller, IdRef, JsonBody, Params};
use crate::state::Shared;
use crate::store::{Item, Kind, State as St, Version};

fn version_json(st: &St, item: &Item, v: &Version) -> Value {
    json!({
        "type": "file_version", "id": v.id.to_string(), "sha1": v.sha1, "name": item.name,
        "size": v.size, "created_at": ts(&v.created_at), "modified_at": ts(&v.created_at),
        "modified_by": user_mini(st, v.modified_by), "trashed_at": null, "purged_at": null,
    })
}

/// `GET /2.0/files/{id}/versions`: previous versions, newest first.
pub async fn versions(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let limit = params.num("limit", 1000)?.clamp(1, 1000);
    let offset = params.num("offset", 0)?;
    shared.store.read(|st| {
        let (iid, _) = st.resolve(caller.user, &id, Kind::File)?;
        let item = st.item(iid).ok_or_else(ApiError::not_found)?;
        let old: Vec<&Version> = item.versions.iter().rev().skip(1).collect();
        let total = old.len();
        let entries: Vec<Value> = old
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(|v| version_json(st, item, v))
            .collect();
        Ok(Json(
            json!({"total_count": total, "entries": entries, "offset": offset, "limit": limit}),
        ))
    })
}

/// `GET /2.0/files/{id}/versions/{version}`.
pub async fn get_version(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path((id, version)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    shared.store.read(|st| {
        let (iid, _) = st.resolve(caller.user, &id, Kind::File)?;
        let item = st.item(iid).ok_or_else(ApiError::not_found)?;
        let v = item
            .versions
            .iter()
            .find(|v| v.id.to_string() == version)
            .ok_or_else(ApiError::not_found)?;
        Ok(Json(version_json(st, item, v)))
    })
}

/// Body of a version promotion.
#[derive(Debug, Deserialize)]
pub struct Promote {
    #[serde(flatten)]
    version: IdRef,
}

/// `POST /2.0/files/{id}/versions/current`.
pub async fn promote(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Promote>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let user = caller.user;
    let file = id.clone();
    let vid = write(&shared, move |tx| {
        tx.promote_version(user, &file, &body.version.id)
    })
    .await?;
    shared.store.read(|st| {
        let (iid, _) = st.resolve(user, &id, Kind::File)?;
        let item = st.item(iid).ok_or_else(ApiError::not_found)?;
        let v = item
            .versions
            .iter()
            .find(|v| v.id == vid)
            .ok_or_else(ApiError::not_found)?;
        Ok((StatusCode::CREATED, Json(version_json(st, item, v))))
    })
}

/// `DELETE /2.0/files/{id}/versions/{version}`.
pub async fn delete_version(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path((id, version)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let user = caller.user;
    let m = if_match(&headers);
    write(&shared, move |tx| {
        tx.delete_version(user, &id, &version, m.as_deref())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
