//! `GET /2.0/search?query=…`: name and description matches among the items the caller can read.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde_json::Value;

use super::items;
use super::objects::item_json;
use crate::http::errors::{ApiError, ApiResult};
use crate::http::{Caller, Params};
use crate::state::Shared;
use crate::store::Kind;

/// Searches by substring (case-insensitive) of name or description; `type`,
/// `ancestor_folder_ids`, `limit` (max 200) and `offset` are honoured.
pub async fn search(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<Value>> {
    let query = params
        .get("query")
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("bad_request", "query is required"))?
        .trim_matches('"')
        .to_lowercase();
    let limit = params.num("limit", 30)?.clamp(1, 200);
    let offset = params.num("offset", 0)?;
    let kind = match params.get("type") {
        Some("file") => Some(Kind::File),
        Some("folder") => Some(Kind::Folder),
        Some("web_link") => Some(Kind::WebLink),
        _ => None,
    };
    Ok(Json(shared.store.read(|st| {
        // `None`: anywhere; `Some(ids)`: below one of the folders the caller
        // can read (none readable: no hits, not the whole account).
        let ancestors: Option<Vec<u64>> = params.get("ancestor_folder_ids").map(|s| {
            s.split(',')
                .filter_map(|id| st.resolve(caller.user, id.trim(), Kind::Folder).ok())
                .map(|(id, _)| id)
                .collect()
        });
        let hits: Vec<_> = st
            .items
            .values()
            .filter(|i| i.parent.is_some())
            .filter(|i| kind.is_none_or(|k| k == i.kind))
            .filter(|i| {
                i.name.to_lowercase().contains(&query)
                    || i.description.to_lowercase().contains(&query)
            })
            .filter(|i| !st.in_trash(i.id) && st.role(caller.user, i.id).is_some())
            .filter(|i| {
                ancestors
                    .as_ref()
                    .is_none_or(|a| a.iter().any(|a| st.is_within(i.id, *a) && i.id != *a))
            })
            .collect();
        let total = hits.len();
        let entries = hits
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(|i| item_json(st, &shared.base, i, params.fields()))
            .collect();
        let mut page = items::page(entries, total, offset, limit);
        if let Some(m) = page.as_object_mut() {
            m.remove("order");
            m.insert("type".into(), Value::from("search_results_items"));
        }
        page
    })))
}
