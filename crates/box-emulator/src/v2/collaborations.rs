//! Collaborations: create (with a user, a group, or an e-mail not yet a
//! user), get, update, delete, list per file or folder, and the caller's
//! pending invitations. A collaborator can then read (viewer) or change
//! (editor) the item and everything below it; a group's members each can.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use super::objects::{group_mini, item_mini, ts, user_mini};
use super::paging::page;
use crate::http::errors::{ApiError, ApiResult};
use crate::http::{id_of, write, Caller, JsonBody, Params};
use crate::state::Shared;
use crate::store::collaborations::{CollabUpdate, Invitee};
use crate::store::{CollabStatus, Collaboration, Kind, State as St};

const ROLES: &[&str] = &[
    "editor",
    "viewer",
    "previewer",
    "uploader",
    "previewer uploader",
    "viewer uploader",
    "co-owner",
];

/// A collaboration (`Collaboration`): `accessible_by` is the user or the
/// group; a pending invitation of a login that is no user yet has
/// `invite_email` and no `accessible_by`.
pub fn collab_json(st: &St, c: &Collaboration) -> Value {
    let accessible_by = match c.group {
        Some(g) => group_mini(st, g),
        None => user_mini(st, c.user),
    };
    let mut v = json!({
        "type": "collaboration", "id": c.id.to_string(),
        "created_by": user_mini(st, c.created_by), "created_at": ts(&c.created_at),
        "modified_at": ts(c.modified_at.as_ref().unwrap_or(&c.created_at)), "expires_at": null,
        "status": c.status.as_str(),
        "accessible_by": accessible_by, "invite_email": c.invite_email, "role": c.role,
        "item": st.item(c.item).map(item_mini).unwrap_or(Value::Null),
    });
    if let Value::Object(m) = &mut v {
        // Box's description has neither as nullable: a pending invitation
        // has no acknowledgement, an invited e-mail no user yet; the keys
        // are left out rather than null.
        if c.status != CollabStatus::Pending {
            m.insert(
                "acknowledged_at".into(),
                json!(ts(c.modified_at.as_ref().unwrap_or(&c.created_at))),
            );
        }
        if m.get("accessible_by").is_some_and(Value::is_null) {
            m.remove("accessible_by");
        }
    }
    v
}

/// `POST /2.0/collaborations`.
pub async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let kind = match body["item"]["type"].as_str() {
        Some("file") => Kind::File,
        Some("folder") => Kind::Folder,
        _ => {
            return Err(ApiError::bad_request(
                "bad_request",
                "item.type must be file or folder",
            ))
        }
    };
    let item = id_of(&body["item"]["id"])
        .ok_or_else(|| ApiError::bad_request("bad_request", "item.id is required"))?;
    let role = body["role"]
        .as_str()
        .filter(|r| ROLES.contains(r))
        .ok_or_else(|| ApiError::bad_request("bad_request", "role is missing or invalid"))?
        .to_string();
    let who = &body["accessible_by"];
    let wanted_id = id_of(&who["id"]).and_then(|i| i.parse::<u64>().ok());
    let invitee = match who["type"].as_str().unwrap_or("user") {
        "group" => Invitee::Group(wanted_id.ok_or_else(|| {
            ApiError::bad_request("bad_request", "accessible_by.id must name a group")
        })?),
        "user" => match (wanted_id, who["login"].as_str()) {
            (Some(id), _) => Invitee::User(id),
            (None, Some(login)) => Invitee::Email(login.to_string()),
            (None, None) => {
                return Err(ApiError::bad_request(
                    "bad_request",
                    "accessible_by needs an id or a login",
                ))
            }
        },
        _ => {
            return Err(ApiError::bad_request(
                "bad_request",
                "accessible_by.type must be user or group",
            ))
        }
    };
    let exists = shared.store.read(|st| match &invitee {
        Invitee::User(u) => st.users.contains_key(u),
        Invitee::Group(g) => st.groups.contains_key(g),
        Invitee::Email(_) => true,
    });
    if !exists {
        return Err(ApiError::bad_request(
            "bad_request",
            "accessible_by must name an existing user or group",
        ));
    }
    let user = caller.user;
    let id = write(&shared, move |tx| {
        tx.add_collaboration(user, kind, &item, invitee, &role)
    })
    .await?;
    shared.store.read(|st| {
        let c = st.collabs.get(&id).ok_or_else(ApiError::not_found)?;
        Ok((StatusCode::CREATED, Json(collab_json(st, c))))
    })
}

/// `GET /2.0/collaborations/{id}`.
pub async fn get_collab(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    shared.store.read(|st| {
        let c = id
            .parse::<u64>()
            .ok()
            .and_then(|i| st.collabs.get(&i))
            .filter(|c| c.user == caller.user || st.role(caller.user, c.item).is_some())
            .ok_or_else(ApiError::not_found)?;
        Ok(Json(collab_json(st, c)))
    })
}

/// `PUT /2.0/collaborations/{id}`: `role` (by the item's owner) and
/// `status` `accepted`/`rejected` (by the collaborator, while pending).
/// Handing ownership over (`role: owner`) is not emulated: it is refused
/// with a `400` that says so.
pub async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<Value>> {
    if !body.is_object() {
        return Err(ApiError::bad_request(
            "bad_request",
            "The body must be a JSON object",
        ));
    }
    let role = match body.get("role") {
        None | Some(Value::Null) => None,
        Some(Value::String(r)) if r == "owner" => {
            return Err(ApiError::bad_request(
                "bad_request",
                "Transferring ownership (role owner) is not emulated",
            ))
        }
        Some(Value::String(r)) if ROLES.contains(&r.as_str()) => Some(r.clone()),
        Some(_) => return Err(ApiError::bad_request("bad_request", "role is invalid")),
    };
    let status = match body.get("status") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(match s.as_str() {
            "accepted" => CollabStatus::Accepted,
            "rejected" => CollabStatus::Rejected,
            "pending" => CollabStatus::Pending,
            _ => {
                return Err(ApiError::bad_request(
                    "bad_request",
                    "status must be accepted or rejected",
                ))
            }
        }),
        Some(_) => return Err(ApiError::bad_request("bad_request", "status is invalid")),
    };
    let user = caller.user;
    let cid = write(&shared, move |tx| {
        tx.update_collaboration(user, &id, CollabUpdate { role, status })
    })
    .await?;
    shared.store.read(|st| {
        let c = st.collabs.get(&cid).ok_or_else(ApiError::not_found)?;
        Ok(Json(collab_json(st, c)))
    })
}

/// `DELETE /2.0/collaborations/{id}`.
pub async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let user = caller.user;
    write(&shared, move |tx| tx.uncollaborate(user, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn list(shared: &Shared, user: u64, kind: Kind, id: &str) -> ApiResult<Json<Value>> {
    shared.store.read(|st| {
        let (iid, _) = st.resolve(user, id, kind)?;
        let entries: Vec<Value> = st
            .collabs
            .values()
            .filter(|c| c.item == iid)
            .map(|c| collab_json(st, c))
            .collect();
        Ok(Json(
            json!({"total_count": entries.len(), "entries": entries}),
        ))
    })
}

/// `GET /2.0/folders/{id}/collaborations`.
pub async fn list_folder(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    list(&shared, caller.user, Kind::Folder, &id)
}

/// `GET /2.0/files/{id}/collaborations`.
pub async fn list_file(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    list(&shared, caller.user, Kind::File, &id)
}

/// `GET /2.0/collaborations?status=pending`: the caller's pending
/// invitations (the only listing Box offers here), `offset`/`limit`.
pub async fn list_pending(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<Value>> {
    if params.get("status") != Some("pending") {
        return Err(ApiError::bad_request(
            "bad_request",
            "status=pending is required",
        ));
    }
    let entries = shared.store.read(|st| {
        st.collabs
            .values()
            .filter(|c| c.user == caller.user && c.status == CollabStatus::Pending)
            .filter(|c| !st.in_trash(c.item))
            .map(|c| collab_json(st, c))
            .collect::<Vec<_>>()
    });
    page(entries, &params, false).map(Json)
}
