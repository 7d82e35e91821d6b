//! Groups (`GET/POST /groups`, `GET/PUT/DELETE /groups/{id}`), their
//! members (`GET /groups/{id}/memberships`, `POST /group_memberships`,
//! `GET/PUT/DELETE /group_memberships/{id}`) and the collaborations given
//! to them (`GET /groups/{id}/collaborations`). Who may do what is in
//! [`crate::store::groups`].

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use super::collaborations::collab_json;
use super::objects::{group_mini, ts, user_mini};
use super::paging::page;
use crate::http::errors::{ApiError, ApiResult};
use crate::http::{id_of, write, Caller, JsonBody, Params};
use crate::state::Shared;
use crate::store::groups::{visible_membership, Group, GroupSpec, Membership};
use crate::store::{State as St, StoreError};

/// A group with every field (`Group--Full`), `permissions` as seen by `user`.
fn group_full(st: &St, g: &Group, user: u64) -> Value {
    json!({
        "type": "group", "id": g.id.to_string(), "name": g.name, "group_type": "managed_group",
        "created_at": ts(&g.created_at), "modified_at": ts(&g.modified_at),
        "provenance": g.provenance, "external_sync_identifier": g.external_sync_identifier,
        "description": g.description, "invitability_level": g.invitability_level,
        "member_viewability_level": g.member_viewability_level,
        "permissions": {"can_invite_as_collaborator": st.may_invite(g.id, user)},
    })
}

/// A group with Box's default fields, or the asked-for ones.
fn group_json(st: &St, g: &Group, user: u64, fields: Option<&str>, full: bool) -> Value {
    let all = group_full(st, g, user);
    let keep: Vec<&str> = match fields {
        Some(f) => f.split(',').map(str::trim).collect(),
        None if full => return all,
        None => vec!["name", "group_type", "created_at", "modified_at"],
    };
    match all {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(k, _)| k == "type" || k == "id" || keep.contains(&k.as_str()))
                .collect(),
        ),
        other => other,
    }
}

/// A membership (`GroupMembership`).
pub fn membership_json(st: &St, m: &Membership) -> Value {
    json!({
        "type": "group_membership", "id": m.id.to_string(),
        "user": user_mini(st, m.user), "group": group_mini(st, m.group), "role": m.role,
        "created_at": ts(&m.created_at), "modified_at": ts(&m.modified_at),
    })
}

fn text(body: &Value, key: &str) -> ApiResult<Option<String>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= 255 => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::bad_request(
            "bad_request",
            format!("{key} must be a string of at most 255 characters"),
        )),
    }
}

fn spec(body: &Value) -> ApiResult<GroupSpec> {
    if !body.is_object() {
        return Err(ApiError::bad_request(
            "bad_request",
            "The body must be a JSON object",
        ));
    }
    Ok(GroupSpec {
        name: text(body, "name")?,
        description: text(body, "description")?,
        provenance: text(body, "provenance")?,
        external_sync_identifier: text(body, "external_sync_identifier")?,
        invitability_level: text(body, "invitability_level")?,
        member_viewability_level: text(body, "member_viewability_level")?,
    })
}

fn render(shared: &Shared, id: u64, user: u64, params: &Params) -> ApiResult<Value> {
    shared.store.read(|st| {
        st.groups
            .get(&id)
            .map(|g| group_json(st, g, user, params.fields(), true))
            .ok_or_else(ApiError::not_found)
    })
}

/// `GET /2.0/groups`: the enterprise's groups, for its admins
/// (`filter_term`: a name prefix; `offset`/`limit`).
pub async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<Value>> {
    let filter = params.get("filter_term").map(str::to_lowercase);
    let entries = shared.store.read(|st| {
        if !st.is_admin(caller.user) {
            return Err(ApiError::from(StoreError::Forbidden(
                "Only enterprise admins can list the enterprise's groups".into(),
            )));
        }
        Ok(st
            .groups
            .values()
            .filter(|g| {
                filter
                    .as_deref()
                    .is_none_or(|f| g.name.to_lowercase().starts_with(f))
            })
            .map(|g| group_json(st, g, caller.user, params.fields(), false))
            .collect::<Vec<_>>())
    })?;
    page(entries, &params, false).map(Json)
}

/// `POST /2.0/groups`, by an enterprise admin.
pub async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let spec = spec(&body)?;
    let by = caller.user;
    let id = write(&shared, move |tx| tx.create_group(by, spec)).await?;
    Ok((
        StatusCode::CREATED,
        Json(render(&shared, id, caller.user, &params)?),
    ))
}

/// `GET /2.0/groups/{id}`: for its members and admins (and whoever may
/// list its members).
pub async fn get_group(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    shared.store.read(|st| {
        let g = st.visible_group(caller.user, &id)?;
        Ok(Json(group_json(st, g, caller.user, params.fields(), true)))
    })
}

/// `PUT /2.0/groups/{id}`, by an enterprise admin or a group admin.
pub async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<Value>> {
    let spec = spec(&body)?;
    let by = caller.user;
    let gid = write(&shared, move |tx| tx.update_group(by, &id, spec)).await?;
    render(&shared, gid, caller.user, &params).map(Json)
}

/// `DELETE /2.0/groups/{id}`, by an enterprise admin: its memberships and
/// collaborations go with it.
pub async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let by = caller.user;
    write(&shared, move |tx| tx.delete_group(by, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /2.0/groups/{id}/memberships`, as the group's member viewability
/// level allows.
pub async fn members(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let entries = shared.store.read(|st| {
        let g = st.visible_group(caller.user, &id)?;
        if !st.may_view_members(g.id, caller.user) {
            return Err(ApiError::from(StoreError::Forbidden(
                "The group's member viewability level hides its members".into(),
            )));
        }
        Ok(st
            .memberships
            .values()
            .filter(|m| m.group == g.id)
            .map(|m| membership_json(st, m))
            .collect::<Vec<_>>())
    })?;
    page(entries, &params, false).map(Json)
}

/// `GET /2.0/groups/{id}/collaborations`: what the group was given, for
/// its members and admins.
pub async fn collaborations(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let entries = shared.store.read(|st| {
        let g = st.visible_group(caller.user, &id)?;
        if !st.is_admin(caller.user) && st.membership(g.id, caller.user).is_none() {
            return Err(ApiError::from(StoreError::Forbidden(
                "Only the group's members and admins can list its collaborations".into(),
            )));
        }
        Ok(st
            .collabs
            .values()
            .filter(|c| c.group == Some(g.id) && !st.in_trash(c.item))
            .map(|c| collab_json(st, c))
            .collect::<Vec<_>>())
    })?;
    page(entries, &params, false).map(Json)
}

/// `POST /2.0/group_memberships`: `user.id`, `group.id`, `role`
/// (`member` or `admin`), as the group's invitability level allows.
pub async fn add_member(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let user: u64 = id_of(&body["user"]["id"])
        .and_then(|i| i.parse().ok())
        .ok_or_else(|| ApiError::bad_request("bad_request", "user.id is required"))?;
    let group = id_of(&body["group"]["id"])
        .ok_or_else(|| ApiError::bad_request("bad_request", "group.id is required"))?;
    let role = text(&body, "role")?;
    let by = caller.user;
    let id = write(&shared, move |tx| {
        tx.add_member(by, &group, user, role.as_deref())
    })
    .await?;
    shared.store.read(|st| {
        let m = st.memberships.get(&id).ok_or_else(ApiError::not_found)?;
        Ok((StatusCode::CREATED, Json(membership_json(st, m))))
    })
}

/// `GET /2.0/group_memberships/{id}`: for the member and whoever may list
/// the group's members.
pub async fn get_membership(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    shared.store.read(|st| {
        let m = visible_membership(st, caller.user, &id)?;
        Ok(Json(membership_json(st, &m)))
    })
}

/// `PUT /2.0/group_memberships/{id}`: `role`, by an admin.
pub async fn update_membership(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<Value>> {
    let role = text(&body, "role")?
        .ok_or_else(|| ApiError::bad_request("bad_request", "role is required"))?;
    let by = caller.user;
    let mid = write(&shared, move |tx| tx.update_membership(by, &id, &role)).await?;
    shared.store.read(|st| {
        let m = st.memberships.get(&mid).ok_or_else(ApiError::not_found)?;
        Ok(Json(membership_json(st, m)))
    })
}

/// `DELETE /2.0/group_memberships/{id}`, by an admin: the user loses what
/// the group was given.
pub async fn remove_membership(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let by = caller.user;
    write(&shared, move |tx| tx.remove_membership(by, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
