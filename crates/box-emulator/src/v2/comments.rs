//! Comments: `POST /2.0/comments` (on a file, or a reply to a comment),
//! `GET/PUT/DELETE /2.0/comments/{id}` and `GET /2.0/files/{id}/comments`.
//! The rules are in [`crate::store::comments`].

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use super::objects::{select_fields, ts, user_mini};
use crate::http::errors::{ApiError, ApiResult};
use crate::http::{id_of, write, Caller, JsonBody, Params};
use crate::state::Shared;
use crate::store::comments::CommentTarget;
use crate::store::{Comment, State as St};

/// The full comment object (`tagged_message` included).
pub fn comment_json(st: &St, c: &Comment) -> Value {
    let item = match c.reply_to {
        Some(parent) => json!({"type": "comment", "id": parent.to_string()}),
        None => json!({"type": st.item(c.item).map_or("file", |i| i.kind.as_str()),
                       "id": c.item.to_string()}),
    };
    json!({
        "type": "comment", "id": c.id.to_string(),
        "is_reply_comment": c.reply_to.is_some(),
        "message": c.message,
        "tagged_message": c.tagged_message.clone().unwrap_or_else(|| c.message.clone()),
        "created_by": user_mini(st, c.author),
        "created_at": ts(&c.created_at),
        "modified_at": ts(c.modified_at.as_ref().unwrap_or(&c.created_at)),
        "item": item,
    })
}

/// Keys of the standard representation (lists and default answers).
const STANDARD: &[&str] = &[
    "type",
    "id",
    "is_reply_comment",
    "message",
    "created_by",
    "created_at",
    "modified_at",
    "item",
];

fn render(st: &St, c: &Comment, params: &Params) -> Value {
    select_fields(comment_json(st, c), params.fields(), STANDARD)
}

fn answer(shared: &Shared, id: u64, params: &Params) -> ApiResult<Value> {
    shared.store.read(|st| {
        st.comments
            .get(&id)
            .map(|c| render(st, c, params))
            .ok_or_else(ApiError::not_found)
    })
}

/// `POST /2.0/comments`.
pub async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let target_id = id_of(&body["item"]["id"])
        .ok_or_else(|| ApiError::bad_request("bad_request", "item.id is required"))?;
    let kind = body["item"]["type"].as_str().unwrap_or("").to_string();
    if kind != "file" && kind != "comment" {
        return Err(ApiError::bad_request(
            "bad_request",
            "item.type must be file or comment",
        ));
    }
    let tagged = body["tagged_message"].as_str().map(str::to_string);
    let message = match (body["message"].as_str(), &tagged) {
        (Some(m), _) => m.to_string(),
        (None, Some(_)) => String::new(),
        (None, None) => {
            return Err(ApiError::bad_request(
                "bad_request",
                "message or tagged_message is required",
            ))
        }
    };
    let user = caller.user;
    let id = write(&shared, move |tx| {
        let target = if kind == "file" {
            CommentTarget::File(&target_id)
        } else {
            CommentTarget::Comment(&target_id)
        };
        tx.add_v2_comment(user, target, &message, tagged.as_deref())
    })
    .await?;
    Ok((StatusCode::CREATED, Json(answer(&shared, id, &params)?)))
}

/// `GET /2.0/comments/{id}` (full representation unless `fields`).
pub async fn get_comment(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    shared.store.read(|st| {
        let c = st.visible_comment(caller.user, &id)?;
        Ok(Json(select_fields(
            comment_json(st, c),
            params.fields(),
            &[STANDARD, &["tagged_message"]].concat(),
        )))
    })
}

/// `PUT /2.0/comments/{id}` (`message`).
pub async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<Value>> {
    let message = body["message"]
        .as_str()
        .ok_or_else(|| ApiError::bad_request("bad_request", "message is required"))?
        .to_string();
    let user = caller.user;
    let wire = id.clone();
    write(&shared, move |tx| tx.edit_comment(user, &wire, &message)).await?;
    let id: u64 = id.trim().parse().map_err(|_| ApiError::not_found())?;
    answer(&shared, id, &params).map(Json)
}

/// `DELETE /2.0/comments/{id}`.
pub async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let user = caller.user;
    write(&shared, move |tx| tx.delete_v2_comment(user, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /2.0/files/{id}/comments` (offset paging, oldest first).
pub async fn list_file(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let offset = params.num("offset", 0)? as usize;
    let limit = params.num("limit", 100)?.clamp(1, 1000) as usize;
    shared.store.read(|st| {
        let all = st.comments_on(caller.user, &id, crate::store::Kind::File)?;
        let entries: Vec<Value> = all
            .iter()
            .skip(offset)
            .take(limit)
            .map(|c| render(st, c, &params))
            .collect();
        Ok(Json(json!({
            "total_count": all.len(), "offset": offset, "limit": limit,
            "order": [{"by": "created_at", "direction": "ASC"}],
            "entries": entries,
        })))
    })
}
