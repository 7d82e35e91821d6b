//! `GET /2.0/users/me`, `GET /2.0/users/{id}`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde_json::Value;

use super::objects::user_full;
use crate::http::errors::{ApiError, ApiResult};
use crate::http::{Caller, Params};
use crate::state::Shared;

fn render(shared: &Shared, id: u64, params: &Params) -> ApiResult<Value> {
    let v = shared
        .store
        .read(|st| st.users.get(&id).map(|u| user_full(st, u)))
        .ok_or_else(ApiError::not_found)?;
    Ok(match params.fields() {
        None => v,
        Some(f) => {
            let keep: Vec<&str> = f.split(',').map(str::trim).chain(["type", "id"]).collect();
            match v {
                Value::Object(m) => Value::Object(
                    m.into_iter()
                        .filter(|(k, _)| keep.contains(&k.as_str()))
                        .collect(),
                ),
                other => other,
            }
        }
    })
}

/// The caller.
pub async fn me(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<Value>> {
    render(&shared, caller.user, &params).map(Json)
}

/// A user by id: the caller itself, or anyone for an app's service
/// account (the emulator's enterprise admin). Another user is refused as
/// Box refuses a user outside the caller's enterprise: `403
/// access_denied_insufficient_permissions`, without the profile or the
/// space used.
pub async fn get_user(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let id: u64 = id.parse().map_err(|_| ApiError::not_found())?;
    let admin = shared
        .store
        .read(|st| st.apps.values().any(|a| a.service_user == caller.user));
    if id != caller.user && !admin {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "access_denied_insufficient_permissions",
            "Access denied - insufficient permission",
        ));
    }
    render(&shared, id, &params).map(Json)
}
