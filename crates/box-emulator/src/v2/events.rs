//! The event stream: `GET /2.0/events` (stream_position, `now`, limit),
//! `OPTIONS /2.0/events` (realtime server info) and the long-poll URL that
//! answers `new_change` or `reconnect`.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

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

/// The MAC binding a realtime channel to its user, keyed by a per-run
/// secret: `u<user>-<nonce>-<hex HMAC-SHA256 of "u<user>-<nonce>">`.
fn channel_mac(shared: &Shared, user_and_nonce: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(shared.channel_key.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(user_and_nonce.as_bytes());
    mac
}

/// A new realtime channel for `user`: only the server can make one, so
/// only a caller who asked with its token (`OPTIONS /events`) has it.
fn new_channel(shared: &Shared, user: u64) -> String {
    let head = format!("u{user}-{}", random_token(16));
    let tag = crate::store::blobs::hex(&channel_mac(shared, &head).finalize().into_bytes());
    format!("{head}-{tag}")
}

/// The user of a channel made by [`new_channel`]; `None` for anything else
/// (a guessed or altered channel).
fn channel_user(shared: &Shared, channel: &str) -> Option<u64> {
    let (head, tag) = channel.rsplit_once('-')?;
    let tag = (0..tag.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(tag.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    channel_mac(shared, head).verify_slice(&tag).ok()?;
    head.strip_prefix('u')?.split('-').next()?.parse().ok()
}

/// `OPTIONS /2.0/events`: where to long-poll.
pub async fn realtime_info(State(shared): State<Arc<Shared>>, caller: Caller) -> Json<Value> {
    let channel = new_channel(&shared, caller.user);
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
///
/// The channel is the credential, as on Box's realtime servers: it carries
/// a MAC only the emulator can make (see `new_channel`), so nobody can
/// watch another user's activity by naming their id. A request that also
/// sends a token must send the channel user's.
pub async fn long_poll(
    State(shared): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
    params: Params,
) -> ApiResult<Json<Value>> {
    let user = params
        .get("channel")
        .and_then(|c| channel_user(&shared, c))
        .ok_or_else(|| ApiError::unauthorized("The realtime channel is invalid."))?;
    if let Some(auth) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let token = auth
            .trim_start()
            .split_once(' ')
            .map_or("", |(_, t)| t.trim());
        let owner = shared.store.read(|st| {
            st.token(token, crate::store::TokenKind::Access)
                .map(|t| t.user)
        });
        if owner != Some(user) {
            return Err(ApiError::unauthorized(
                "The access token is not valid for this realtime channel.",
            ));
        }
    }
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
