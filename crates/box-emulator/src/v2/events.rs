//! The event stream: `GET /2.0/events` (stream_position, `now`, limit),
//! `OPTIONS /2.0/events` (realtime server info) and the long-poll URL that
//! answers `new_change` or `reconnect`.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::objects::{item_json, ts, user_mini};
use crate::http::errors::{ApiError, ApiResult};
use crate::http::{Caller, Params};
use crate::state::Shared;
use crate::store::random_token;

fn position(params: &Params, last: u64) -> ApiResult<u64> {
    match params.get("stream_position") {
        None | Some("0") | Some("") => Ok(0),
        Some("now") => Ok(last),
        Some(p) => p
            .parse()
            .map_err(|_| ApiError::bad_request("bad_request", "Invalid stream_position")),
    }
}

/// The event's source: the comment, task or assignment it is about, else
/// the item.
pub fn source_json(st: &crate::store::State, base: &str, e: &crate::store::Event) -> Value {
    use crate::store::EventSource;
    match &e.source {
        Some(EventSource::Comment(c)) => super::comments::comment_json(st, c),
        Some(EventSource::Task(t)) => super::tasks::task_json(st, t),
        Some(EventSource::TaskAssignment(a)) => super::tasks::assignment_json(st, a),
        None => {
            let mut item = item_json(st, base, &e.item, None);
            // The snapshot keeps only the current version: its number is
            // kept with the event.
            if let (Some(n), Some(m)) = (e.version_number, item.as_object_mut()) {
                if m.contains_key("version_number") {
                    m.insert("version_number".into(), json!(n.to_string()));
                }
            }
            item
        }
    }
}

/// `GET /2.0/events`.
pub async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<Value>> {
    let limit = params.num("limit", 100)?.clamp(1, 500) as usize;
    shared.store.read(|st| {
        let pos = position(&params, st.last_event())?;
        let events: Vec<_> = st
            .events_after(pos)
            .filter(|e| e.user == caller.user)
            .take(limit)
            .collect();
        // `pos` already resolves `now` to the latest position.
        let next = events.last().map_or(pos, |e| e.seq);
        let entries: Vec<Value> = events
            .iter()
            .map(|e| {
                json!({
                    "type": "event", "event_id": format!("evt-{}", e.seq),
                    "created_by": user_mini(st, e.created_by),
                    "created_at": ts(&e.created_at), "recorded_at": ts(&e.created_at),
                    "event_type": e.event_type,
                    "source": source_json(st, &shared.base, e),
                })
            })
            .collect();
        Ok(Json(json!({
            "chunk_size": entries.len(), "next_stream_position": next.to_string(), "entries": entries,
        })))
    })
}

/// `OPTIONS /2.0/events`: where to long-poll.
pub async fn realtime_info(State(shared): State<Arc<Shared>>, caller: Caller) -> Json<Value> {
    let channel = format!("u{}-{}", caller.user, random_token(8));
    let retry = shared.config.longpoll_timeout.as_secs() + 10;
    Json(json!({
        "chunk_size": 1,
        "entries": [{
            "type": "realtime_server",
            "url": format!("{}/realtime?channel={channel}&stream_type=all", shared.base),
            "ttl": "10", "max_retries": "10", "retry_timeout": retry,
        }],
    }))
}

/// `GET /realtime?channel=…&stream_position=…`: waits for an event of the
/// channel's user after `stream_position` (default: the latest position
/// when the poll starts); answers `new_change` when one is recorded, or
/// `reconnect` after the long-poll timeout. Changes that make no event for
/// the user (another user's uploads, token grants) do not wake it.
pub async fn long_poll(
    State(shared): State<Arc<Shared>>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let user: u64 = params
        .get("channel")
        .and_then(|c| c.strip_prefix('u'))
        .and_then(|c| c.split('-').next())
        .and_then(|u| u.parse().ok())
        .ok_or_else(|| ApiError::bad_request("bad_request", "Invalid channel"))?;
    let deadline = tokio::time::Instant::now() + shared.config.longpoll_timeout;
    let since = params.get("stream_position").and_then(|p| p.parse().ok());
    let since = since.unwrap_or_else(|| shared.store.read(|st| st.last_event()));
    loop {
        // Armed before the check, so a change between the two is not missed.
        let notified = shared.store.changed();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let pending = shared
            .store
            .read(|st| st.events_after(since).any(|e| e.user == user));
        if pending {
            return Ok(Json(json!({"message": "new_change"})));
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return Ok(Json(json!({"message": "reconnect"})));
        }
    }
}
