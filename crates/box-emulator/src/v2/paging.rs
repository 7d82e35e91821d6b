//! Offset and marker paging of a whole, already ordered list of entries,
//! as the people endpoints (users, groups, memberships, collaborations)
//! page: `offset`/`limit` with `total_count`, or `usemarker`/`marker` with
//! `next_marker`.

use serde_json::{json, Value};

use crate::http::errors::{ApiError, ApiResult};
use crate::http::Params;

/// The largest `limit`; Box's people endpoints allow 1000.
pub const MAX_LIMIT: u64 = 1000;

fn encode_marker(offset: usize) -> String {
    format!("p{offset:x}")
}

fn decode_marker(m: &str) -> ApiResult<usize> {
    m.strip_prefix('p')
        .and_then(|h| usize::from_str_radix(h, 16).ok())
        .ok_or_else(|| ApiError::bad_request("invalid_parameter", "The marker is not valid"))
}

/// One page of `entries`: offset paging (`total_count`, `offset`,
/// `limit`), or marker paging when `markers` is allowed and `usemarker`
/// or `marker` is given (`limit`, `next_marker`, `prev_marker`).
pub fn page(entries: Vec<Value>, params: &Params, markers: bool) -> ApiResult<Value> {
    let limit = params.num("limit", 100)?.clamp(1, MAX_LIMIT) as usize;
    let usemarker = markers && (params.flag("usemarker") || params.get("marker").is_some());
    let start = match (usemarker, params.get("marker")) {
        (true, Some(m)) if !m.is_empty() => decode_marker(m)?,
        (true, _) => 0,
        (false, _) => params.num("offset", 0)? as usize,
    };
    let total = entries.len();
    let shown: Vec<Value> = entries.into_iter().skip(start).take(limit).collect();
    let end = start + shown.len();
    Ok(if usemarker {
        let next = (end < total).then(|| encode_marker(end));
        json!({"entries": shown, "limit": limit, "next_marker": next, "prev_marker": null})
    } else {
        json!({"total_count": total, "entries": shown, "offset": start, "limit": limit})
    })
}
