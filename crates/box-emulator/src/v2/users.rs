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

/// A user by id.
pub async fn get_user(
    State(shared): State<Arc<Shared>>,
    _caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let id: u64 = id.parse().map_err(|_| ApiError::not_found())?;
    render(&shared, id, &params).map(Json)
}
