//! Endpoints only folders have: create, items (offset and marker
//! pagination) and the trash listing. The operations folders share with
//! files are in [`super::items`].

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::items;
use super::objects::{item_json, wanted_keys, ItemFields, MiniItem};
use crate::http::errors::{ApiError, ApiResult};
use crate::http::{write, Caller, IdRef, JsonBody, Params};
use crate::state::{ListingKey, Shared};
use crate::store::{sort_items, Kind};

/// Body of `POST /folders`.
#[derive(Debug, Deserialize)]
pub struct CreateFolder {
    name: String,
    parent: IdRef,
}

/// `POST /2.0/folders`.
pub async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
    JsonBody(body): JsonBody<CreateFolder>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let user = caller.user;
    let id = write(&shared, move |tx| {
        tx.create_folder(user, &body.parent.id, &body.name)
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(items::render(&shared, id, params.fields())?),
    ))
}

fn encode_marker(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

fn decode_marker(marker: &str) -> ApiResult<usize> {
    URL_SAFE_NO_PAD
        .decode(marker)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("offset:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| ApiError::bad_request("invalid_parameter", "Invalid marker"))
}

/// One entry of a listing page: the mini representation written straight
/// from the item, or the fields a request asked for.
enum Entry<'a> {
    Mini(MiniItem<'a>),
    Fields(ItemFields<'a>),
}

impl Serialize for Entry<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Entry::Mini(m) => m.serialize(s),
            Entry::Fields(v) => v.serialize(s),
        }
    }
}

/// A page with `offset` (keys in the order a JSON object value keeps).
#[derive(Serialize)]
struct OffsetPage<'a> {
    entries: &'a [Entry<'a>],
    limit: u64,
    offset: usize,
    order: &'a Value,
    total_count: usize,
}

/// A page with markers.
#[derive(Serialize)]
struct MarkerPage<'a> {
    entries: &'a [Entry<'a>],
    limit: u64,
    next_marker: Option<String>,
    order: &'a Value,
    prev_marker: Option<()>,
}

/// `GET /2.0/folders/{id}/items` with `fields`, `limit`, `offset` or `usemarker`/`marker`, `sort`, `direction`.
///
/// The page is serialized straight from the store (no JSON value tree for
/// mini entries) and costs the page, not the folder: the name order comes
/// from the store's index, found by position.
pub async fn items(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    let limit = params.num("limit", 100)?.clamp(1, 1000);
    let usemarker = params.flag("usemarker") || params.get("marker").is_some();
    let start = match (usemarker, params.get("marker")) {
        (true, Some(m)) if !m.is_empty() => decode_marker(m)?,
        (true, _) => 0,
        (false, _) => params.num("offset", 0)? as usize,
    };
    let sort = params.get("sort").unwrap_or("name").to_string();
    let desc = params.get("direction") == Some("DESC");
    let fields = params.fields().map(str::to_string);
    let body = shared.store.read(|st| {
        let (folder, _) = st.resolve(caller.user, &id, Kind::Folder)?;
        // With `fields`, the keys are the same for every kind.
        let keys = fields.as_deref().map(|f| wanted_keys(Kind::File, Some(f)));
        let render = |item| match keys {
            Some(keys) => Entry::Fields(ItemFields {
                st,
                base: &shared.base,
                item,
                keys,
            }),
            None => Entry::Mini(MiniItem(item)),
        };
        let (total, entries): (usize, Vec<Entry<'_>>) =
            if matches!(sort.as_str(), "id" | "date" | "size") {
                let key = ListingKey {
                    folder,
                    sort: sort.clone(),
                    desc,
                };
                let generation = st.generation();
                let ids = match shared.listings.get(&key, generation) {
                    Some(ids) => ids,
                    None => {
                        let mut kids = st.children(folder);
                        sort_items(&mut kids, &sort, desc);
                        let ids = kids.iter().map(|i| i.id).collect();
                        shared.listings.put(key, generation, ids)
                    }
                };
                let entries = ids
                    .iter()
                    .skip(start)
                    .take(limit as usize)
                    .filter_map(|id| st.item(*id))
                    .map(render)
                    .collect();
                (ids.len(), entries)
            } else {
                // By name: the store keeps children in this order.
                let (total, ids) = st.children_by_name(folder, desc, start);
                let entries = ids
                    .take(limit as usize)
                    .filter_map(|id| st.item(id))
                    .map(render)
                    .collect();
                (total, entries)
            };
        let end = start + entries.len();
        let order = json!([{"by": "type", "direction": "ASC"},
            {"by": sort, "direction": if desc { "DESC" } else { "ASC" }}]);
        let body = if usemarker {
            serde_json::to_vec(&MarkerPage {
                entries: &entries,
                limit,
                next_marker: (end < total).then(|| encode_marker(end)),
                order: &order,
                prev_marker: None,
            })
        } else {
            serde_json::to_vec(&OffsetPage {
                entries: &entries,
                limit,
                offset: start,
                order: &order,
                total_count: total,
            })
        };
        body.map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_server_error",
                format!("listing: {e}"),
            )
        })
    })?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// `GET /2.0/folders/trash/items`: the caller's trashed items (top level
/// of each deletion), with `limit` and `offset` or `usemarker`/`marker`,
/// `sort` (`name`, the default, `date`, `size`, or `id`) and `direction`.
/// Folders come before files, as in folder listings, and `order` says so.
pub async fn trash_items(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<Value>> {
    let limit = params.num("limit", 100)?.clamp(1, 1000);
    let usemarker = params.flag("usemarker") || params.get("marker").is_some();
    let start = match (usemarker, params.get("marker")) {
        (true, Some(m)) if !m.is_empty() => decode_marker(m)?,
        (true, _) => 0,
        (false, _) => params.num("offset", 0)? as usize,
    };
    let sort = match params.get("sort") {
        Some(s @ ("id" | "date" | "size" | "name")) => s.to_string(),
        _ => "name".to_string(),
    };
    let desc = params
        .get("direction")
        .is_some_and(|d| d.eq_ignore_ascii_case("DESC"));
    let fields = params.fields().map(str::to_string);
    Ok(Json(shared.store.read(|st| {
        let mut trashed: Vec<_> = st
            .items
            .values()
            .filter(|i| i.owner == caller.user && i.trashed_at.is_some())
            .collect();
        crate::store::sort_items(&mut trashed, &sort, desc);
        let total = trashed.len();
        let entries: Vec<Value> = trashed
            .into_iter()
            .skip(start)
            .take(limit as usize)
            .map(|i| item_json(st, &shared.base, i, fields.as_deref()))
            .collect();
        let end = start + entries.len();
        let order = json!([{"by": "type", "direction": "ASC"},
            {"by": sort, "direction": if desc { "DESC" } else { "ASC" }}]);
        if usemarker {
            let next = (end < total).then(|| encode_marker(end));
            json!({"entries": entries, "limit": limit, "next_marker": next,
                "prev_marker": null, "order": order})
        } else {
            json!({"total_count": total, "entries": entries, "offset": start,
                "limit": limit, "order": order})
        }
    })))
}
