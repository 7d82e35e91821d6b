//! Users: `GET /users/me`, the enterprise's users for its admins
//! (`GET/POST /users`, `GET/PUT/DELETE /users/{id}`) and a user's group
//! memberships (`GET /users/{id}/memberships`). The store's rules are in
//! [`crate::store::enterprise`].

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;

use super::groups::membership_json;
use super::objects::user_with_fields;
use super::paging::page;
use crate::http::errors::{ApiError, ApiResult};
use crate::http::{write, Caller, JsonBody, Params};
use crate::state::Shared;
use crate::store::enterprise::{Account, EnterpriseRole, NewUser, UserType, UserUpdate};
use crate::store::StoreError;

fn render(shared: &Shared, id: u64, params: &Params) -> ApiResult<Value> {
    shared
        .store
        .read(|st| {
            st.users
                .get(&id)
                .map(|u| user_with_fields(st, u, params.fields()))
        })
        .ok_or_else(ApiError::not_found)
}

fn user_id(id: &str) -> ApiResult<u64> {
    id.trim().parse().map_err(|_| ApiError::not_found())
}

/// The caller. `role` and `enterprise` (and the rest of Box's full user)
/// come when asked for with `fields`, as from Box.
pub async fn me(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<Value>> {
    render(&shared, caller.user, &params).map(Json)
}

/// A user by id: the caller itself, or for an enterprise admin (or an
/// app's service account) a user they manage. Anyone else is refused as
/// Box refuses a user outside the caller's reach: `403
/// access_denied_insufficient_permissions`.
pub async fn get_user(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let id = user_id(&id)?;
    shared.store.read(|st| {
        if !st.users.contains_key(&id) {
            return Err(ApiError::not_found());
        }
        if id != caller.user && !st.is_admin(caller.user) {
            return Err(
                StoreError::Forbidden("Access denied - insufficient permission".into()).into(),
            );
        }
        Ok(())
    })?;
    render(&shared, id, &params).map(Json)
}

/// `GET /2.0/users`: the enterprise's users, for its admins: `filter_term`
/// (name or login prefix; an external user's exact login),
/// `user_type` (`all`, `managed`, `external`), `external_app_user_id`,
/// `fields`, `offset`/`limit` or `usemarker`/`marker`.
pub async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<Value>> {
    let user_type = match params.get("user_type") {
        None | Some("") | Some("all") => UserType::All,
        Some("managed") => UserType::Managed,
        Some("external") => UserType::External,
        Some(_) => {
            return Err(ApiError::bad_request(
                "bad_request",
                "user_type must be all, managed or external",
            ))
        }
    };
    let entries = shared.store.read(|st| {
        if !st.is_admin(caller.user) {
            return Err(ApiError::from(StoreError::Forbidden(
                "Only enterprise admins can list users".into(),
            )));
        }
        Ok(st
            .list_users(
                params.get("filter_term"),
                user_type,
                params.get("external_app_user_id"),
            )
            .into_iter()
            .map(|u| user_with_fields(st, u, params.fields()))
            .collect::<Vec<_>>())
    })?;
    page(entries, &params, true).map(Json)
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

fn role_of(body: &Value) -> ApiResult<Option<EnterpriseRole>> {
    Ok(match text(body, "role")?.as_deref() {
        None => None,
        Some("user") => Some(EnterpriseRole::User),
        Some("coadmin") => Some(EnterpriseRole::Coadmin),
        Some(_) => {
            return Err(ApiError::bad_request(
                "bad_request",
                "role must be user or coadmin",
            ))
        }
    })
}

fn space_of(body: &Value) -> ApiResult<Option<i64>> {
    match body.get("space_amount") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            v.as_i64().filter(|n| *n >= -1).map(Some).ok_or_else(|| {
                ApiError::bad_request("bad_request", "space_amount must be a number")
            })
        }
    }
}

fn object(body: &Value) -> ApiResult<()> {
    if body.is_object() {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "bad_request",
            "The body must be a JSON object",
        ))
    }
}

/// `POST /2.0/users`: a managed user (`name`, `login`) or an app user
/// (`is_platform_access_only: true`, no login), by an admin.
pub async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    object(&body)?;
    let name = text(&body, "name")?
        .ok_or_else(|| ApiError::bad_request("bad_request", "name is required"))?;
    let app_user = match body.get("is_platform_access_only") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(ApiError::bad_request(
                "bad_request",
                "is_platform_access_only must be a boolean",
            ))
        }
    };
    let new = NewUser {
        name,
        login: text(&body, "login")?,
        account: Account {
            role: role_of(&body)?.unwrap_or_default(),
            app_user,
            status: text(&body, "status")?.unwrap_or_default(),
            job_title: text(&body, "job_title")?.unwrap_or_default(),
            phone: text(&body, "phone")?.unwrap_or_default(),
            address: text(&body, "address")?.unwrap_or_default(),
            language: text(&body, "language")?.unwrap_or_default(),
            timezone: text(&body, "timezone")?.unwrap_or_default(),
            space_amount: space_of(&body)?.filter(|n| *n >= 0),
            external_app_user_id: text(&body, "external_app_user_id")?,
            ..Account::default()
        },
    };
    if !new.account.status.is_empty()
        && ![
            "active",
            "inactive",
            "cannot_delete_edit",
            "cannot_delete_edit_upload",
        ]
        .contains(&new.account.status.as_str())
    {
        return Err(ApiError::bad_request(
            "bad_request",
            "status is not one of Box's user statuses",
        ));
    }
    let by = caller.user;
    let user = write(&shared, move |tx| tx.create_enterprise_user(by, new)).await?;
    Ok((
        StatusCode::CREATED,
        Json(render(&shared, user.id, &params)?),
    ))
}

/// `PUT /2.0/users/{id}`: the caller's own name and profile, or for an
/// admin a managed user's too, with `role`, `status`, `login`,
/// `space_amount`, and `enterprise: null` to roll the user out of the
/// enterprise.
pub async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<Value>> {
    object(&body)?;
    let id = user_id(&id)?;
    let roll_out = match body.get("enterprise") {
        None => false,
        Some(Value::Null) => true,
        Some(_) => {
            return Err(ApiError::bad_request(
                "bad_request",
                "enterprise can only be set to null (to roll the user out)",
            ))
        }
    };
    let upd = UserUpdate {
        name: text(&body, "name")?,
        login: text(&body, "login")?,
        role: role_of(&body)?,
        roll_out,
        status: text(&body, "status")?,
        job_title: text(&body, "job_title")?,
        phone: text(&body, "phone")?,
        address: text(&body, "address")?,
        language: text(&body, "language")?,
        timezone: text(&body, "timezone")?,
        space_amount: space_of(&body)?,
        external_app_user_id: text(&body, "external_app_user_id")?,
    };
    let by = caller.user;
    write(&shared, move |tx| tx.update_user(by, id, upd)).await?;
    render(&shared, id, &params).map(Json)
}

/// `DELETE /2.0/users/{id}?force=`: by an admin; a user who still owns
/// anything is deleted only with `force=true` (their items go too).
pub async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<StatusCode> {
    let id = user_id(&id)?;
    let force = params.flag("force");
    let by = caller.user;
    write(&shared, move |tx| tx.delete_user(by, id, force)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /2.0/users/{id}/memberships`: the groups a user is in, for the
/// user and the admins who manage them.
pub async fn memberships(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let id = user_id(&id)?;
    let entries = shared.store.read(|st| {
        if !st.users.contains_key(&id) {
            return Err(ApiError::not_found());
        }
        if !st.may_manage(caller.user, id) {
            return Err(ApiError::from(StoreError::Forbidden(
                "Only the user and enterprise admins can list a user's groups".into(),
            )));
        }
        Ok(st
            .memberships
            .values()
            .filter(|m| m.user == id)
            .map(|m| membership_json(st, m))
            .collect::<Vec<_>>())
    })?;
    page(entries, &params, false).map(Json)
}
