//! Collections and recent items: `GET /2.0/collections`,
//! `GET /2.0/collections/{id}`, `GET /2.0/collections/{id}/items` (the
//! caller's Favorites, see [`crate::store::collections`]) and
//! `GET /2.0/recent_items`.
//!
//! Recent items are read from the caller's own event stream: the newest
//! interaction per item the caller made and can still see — uploads
//! (`item_upload`), changes, renames and moves (`item_modify`) and comments
//! (`item_comment`). Downloads and previews record no event, so
//! `item_open` and `item_preview` never appear.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use super::objects::{item_json, ts};
use crate::http::errors::{ApiError, ApiResult};
use crate::http::{Caller, Params};
use crate::state::Shared;

fn collection_json(id: u64) -> Value {
    json!({"type": "collection", "id": id.to_string(), "name": "Favorites",
           "collection_type": "favorites"})
}

/// `GET /2.0/collections`: the caller's Favorites.
pub async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<Value>> {
    let offset = params.num("offset", 0)?;
    let limit = params.num("limit", 100)?.clamp(1, 1000);
    let id = shared.store.read(|st| st.favorites_id(caller.user));
    let entries: Vec<Value> = [collection_json(id)]
        .into_iter()
        .skip(offset as usize)
        .collect();
    Ok(Json(json!({
        "total_count": 1, "offset": offset, "limit": limit, "entries": entries,
    })))
}

/// `GET /2.0/collections/{id}`.
pub async fn get_collection(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let fav = shared.store.read(|st| st.favorites_id(caller.user));
    if id.trim().parse::<u64>().ok() != Some(fav) {
        return Err(ApiError::not_found());
    }
    Ok(Json(collection_json(fav)))
}

/// `GET /2.0/collections/{id}/items` (offset paging).
pub async fn items(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let offset = params.num("offset", 0)? as usize;
    let limit = params.num("limit", 100)?.clamp(1, 1000) as usize;
    shared.store.read(|st| {
        let all = st.favorite_items(caller.user, &id)?;
        let entries: Vec<Value> = all
            .iter()
            .skip(offset)
            .take(limit)
            .map(|i| item_json(st, &shared.base, i, params.fields()))
            .collect();
        Ok(Json(json!({
            "total_count": all.len(), "offset": offset, "limit": limit, "entries": entries,
        })))
    })
}

fn interaction(event_type: &str) -> Option<&'static str> {
    match event_type {
        "ITEM_UPLOAD" | "ITEM_CREATE" | "ITEM_COPY" => Some("item_upload"),
        "ITEM_MODIFY" | "ITEM_RENAME" | "ITEM_MOVE" | "ITEM_UNDELETE_VIA_TRASH" => {
            Some("item_modify")
        }
        "COMMENT_CREATE" => Some("item_comment"),
        _ => None,
    }
}

/// `GET /2.0/recent_items` (`limit`, `marker`, `fields`), newest first.
pub async fn recent(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<Value>> {
    let limit = params.num("limit", 100)?.clamp(1, 1000) as usize;
    let start: usize = match params.get("marker") {
        None | Some("") => 0,
        Some(m) => m
            .parse()
            .map_err(|_| ApiError::bad_request("bad_request", "Invalid marker"))?,
    };
    shared.store.read(|st| {
        let mut seen = HashSet::new();
        let recent: Vec<(u64, &'static str, String)> = st
            .events
            .values()
            .rev()
            .filter(|e| e.user == caller.user && e.created_by == caller.user)
            .filter_map(|e| Some((e.item.id, interaction(&e.event_type)?, ts(&e.created_at))))
            .filter(|(item, _, _)| {
                st.item(*item).is_some_and(|i| i.parent.is_some())
                    && !st.in_trash(*item)
                    && st.role(caller.user, *item).is_some()
                    && seen.insert(*item)
            })
            .collect();
        let entries: Vec<Value> = recent
            .iter()
            .skip(start)
            .take(limit)
            .filter_map(|(id, kind, at)| {
                let item = st.item(*id)?;
                Some(json!({
                    "type": "recent_item",
                    "item": item_json(st, &shared.base, item, params.fields()),
                    "interaction_type": kind, "interacted_at": at,
                    // No interaction through a shared link is recorded; Box's
                    // description types the URL as a non-nullable string.
                }))
            })
            .collect();
        let next = (start + limit < recent.len()).then(|| (start + limit).to_string());
        Ok(Json(json!({
            "limit": limit, "next_marker": next, "prev_marker": null, "entries": entries,
        })))
    })
}
