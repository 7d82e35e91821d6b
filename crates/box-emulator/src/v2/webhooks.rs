//! Webhooks: `POST/GET /2.0/webhooks` and `GET/PUT/DELETE
//! /2.0/webhooks/{id}`. Records and rules are in
//! [`crate::store::webhooks`], delivery in [`crate::webhooks`].

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use super::objects::{ts, user_mini};
use crate::http::errors::{ApiError, ApiResult};
use crate::http::{id_of, write, Caller, JsonBody, Params};
use crate::state::Shared;
use crate::store::webhooks::{Webhook, WebhookUpdate};
use crate::store::{Kind, State as St};

/// The full webhook object.
pub fn webhook_json(st: &St, w: &Webhook) -> Value {
    json!({
        "type": "webhook", "id": w.id.to_string(),
        "target": {"type": w.target_kind.as_str(), "id": w.target.to_string()},
        "created_by": user_mini(st, w.created_by),
        "created_at": ts(&w.created_at),
        "address": w.address,
        "triggers": w.triggers,
    })
}

fn render(shared: &Shared, id: u64) -> ApiResult<Value> {
    shared.store.read(|st| {
        st.webhooks
            .get(&id)
            .map(|w| webhook_json(st, w))
            .ok_or_else(ApiError::not_found)
    })
}

fn target_of(v: &Value) -> ApiResult<(Kind, String)> {
    let kind = match v["type"].as_str() {
        Some("file") => Kind::File,
        Some("folder") => Kind::Folder,
        _ => {
            return Err(ApiError::bad_request(
                "bad_request",
                "target.type must be file or folder",
            ))
        }
    };
    let id = id_of(&v["id"])
        .ok_or_else(|| ApiError::bad_request("bad_request", "target.id is required"))?;
    Ok((kind, id))
}

fn address_of(shared: &Shared, v: &Value) -> ApiResult<String> {
    let a = v
        .as_str()
        .ok_or_else(|| ApiError::bad_request("bad_request", "address must be a string"))?;
    if !crate::webhooks::address_allowed(a, &shared.config.webhook_allow_hosts) {
        return Err(ApiError::bad_request(
            "bad_request",
            "address must be an http(s) URL on loopback or an allowed host (the emulator calls out nowhere else)",
        ));
    }
    Ok(a.to_string())
}

fn triggers_of(v: &Value) -> ApiResult<Vec<String>> {
    v.as_array()
        .and_then(|a| {
            a.iter()
                .map(|t| t.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
        })
        .ok_or_else(|| ApiError::bad_request("bad_request", "triggers must be an array of strings"))
}

/// `POST /2.0/webhooks`.
pub async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (kind, target) = target_of(&body["target"])?;
    let address = address_of(&shared, &body["address"])?;
    let triggers = triggers_of(&body["triggers"])?;
    let user = caller.user;
    let id = write(&shared, move |tx| {
        tx.create_webhook(user, kind, &target, &address, triggers)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(render(&shared, id)?)))
}

/// `GET /2.0/webhooks` (the caller's, marker paging).
pub async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<Value>> {
    let limit = params.num("limit", 100)?.clamp(1, 200) as usize;
    let after = params.num("marker", 0)?;
    shared.store.read(|st| {
        let mine: Vec<&Webhook> = st
            .webhooks
            .range(after + 1..)
            .map(|(_, w)| w)
            .filter(|w| w.created_by == caller.user)
            .take(limit + 1)
            .collect();
        let next = (mine.len() > limit).then(|| mine[limit - 1].id.to_string());
        let entries: Vec<Value> = mine
            .iter()
            .take(limit)
            .map(|w| {
                json!({"type": "webhook", "id": w.id.to_string(),
                       "target": {"type": w.target_kind.as_str(), "id": w.target.to_string()}})
            })
            .collect();
        Ok(Json(json!({
            "limit": limit, "next_marker": next, "prev_marker": null, "entries": entries,
        })))
    })
}

/// `GET /2.0/webhooks/{id}`.
pub async fn get_webhook(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    shared.store.read(|st| {
        let w = st.own_webhook(caller.user, &id)?;
        Ok(Json(webhook_json(st, w)))
    })
}

/// `PUT /2.0/webhooks/{id}`.
pub async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<Value>> {
    let upd = WebhookUpdate {
        target: match &body["target"] {
            Value::Null => None,
            t => Some(target_of(t)?),
        },
        address: match &body["address"] {
            Value::Null => None,
            a => Some(address_of(&shared, a)?),
        },
        triggers: match &body["triggers"] {
            Value::Null => None,
            t => Some(triggers_of(t)?),
        },
    };
    let user = caller.user;
    let id = write(&shared, move |tx| tx.update_webhook(user, &id, upd)).await?;
    render(&shared, id).map(Json)
}

/// `DELETE /2.0/webhooks/{id}`.
pub async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let user = caller.user;
    write(&shared, move |tx| tx.delete_webhook(user, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
