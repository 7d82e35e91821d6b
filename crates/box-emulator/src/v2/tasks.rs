//! Tasks and task assignments: `POST /2.0/tasks`, `GET/PUT/DELETE
//! /2.0/tasks/{id}`, `GET /2.0/tasks/{id}/assignments`,
//! `GET /2.0/files/{id}/tasks`, `POST /2.0/task_assignments` and
//! `GET/PUT/DELETE /2.0/task_assignments/{id}`. The rules are in
//! [`crate::store::tasks`].

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::objects::{item_mini, ts, user_mini};
use crate::http::errors::{ApiError, ApiResult};
use crate::http::{id_of, write, Caller, JsonBody};
use crate::state::Shared;
use crate::store::tasks::{Task, TaskAction, TaskAssignment, TaskUpdate};
use crate::store::State as St;

fn file_mini(st: &St, item: u64) -> Value {
    st.item(item).map(item_mini).unwrap_or(Value::Null)
}

/// A task assignment object.
///
/// Unset times (`completed_at` before completion; `reminded_at`, as the
/// emulator sends no reminders) are left out rather than `null`: Box's
/// description types them as non-nullable date-times.
pub fn assignment_json(st: &St, a: &TaskAssignment) -> Value {
    let mut v = json!({
        "type": "task_assignment", "id": a.id.to_string(),
        "item": file_mini(st, a.item),
        "assigned_to": user_mini(st, a.user),
        "message": a.message,
        "assigned_at": ts(&a.assigned_at),
        "resolution_state": a.resolution_state,
        "assigned_by": user_mini(st, a.assigned_by),
    });
    if let Some(at) = &a.completed_at {
        v["completed_at"] = json!(ts(at));
    }
    v
}

fn assignments_json(st: &St, task: u64) -> Value {
    let entries: Vec<Value> = st
        .assignments_of(task)
        .into_iter()
        .map(|a| assignment_json(st, a))
        .collect();
    json!({"total_count": entries.len(), "entries": entries})
}

/// A task object with its assignments (`due_at` left out when unset: Box's
/// description types it as a non-nullable date-time).
pub fn task_json(st: &St, t: &Task) -> Value {
    let mut v = json!({
        "type": "task", "id": t.id.to_string(),
        "item": file_mini(st, t.item),
        "action": t.action.as_str(),
        "message": t.message,
        "task_assignment_collection": assignments_json(st, t.id),
        "is_completed": st.task_completed(t),
        "created_by": user_mini(st, t.created_by),
        "created_at": ts(&t.created_at),
        "completion_rule": if t.any_assignee { "any_assignee" } else { "all_assignees" },
    });
    if let Some(at) = &t.due_at {
        v["due_at"] = json!(ts(at));
    }
    v
}

fn render_task(shared: &Shared, id: u64) -> ApiResult<Value> {
    shared.store.read(|st| {
        st.tasks
            .get(&id)
            .map(|t| task_json(st, t))
            .ok_or_else(ApiError::not_found)
    })
}

fn render_assignment(shared: &Shared, id: u64) -> ApiResult<Value> {
    shared.store.read(|st| {
        st.task_assignments
            .get(&id)
            .map(|a| assignment_json(st, a))
            .ok_or_else(ApiError::not_found)
    })
}

fn action_of(v: &Value) -> ApiResult<Option<TaskAction>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => TaskAction::parse(s).map(Some).ok_or_else(|| {
            ApiError::bad_request("bad_request", "action must be review or complete")
        }),
        _ => Err(ApiError::bad_request(
            "bad_request",
            "action must be a string",
        )),
    }
}

fn rule_of(v: &Value) -> ApiResult<Option<bool>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s == "all_assignees" => Ok(Some(false)),
        Value::String(s) if s == "any_assignee" => Ok(Some(true)),
        _ => Err(ApiError::bad_request(
            "bad_request",
            "completion_rule must be all_assignees or any_assignee",
        )),
    }
}

fn due_of(v: &Value) -> ApiResult<Option<Option<DateTime<Utc>>>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => DateTime::parse_from_rfc3339(s)
            .map(|d| Some(Some(d.with_timezone(&Utc))))
            .map_err(|_| {
                ApiError::bad_request("bad_request", "due_at must be an RFC 3339 date-time")
            }),
        _ => Err(ApiError::bad_request(
            "bad_request",
            "due_at must be a string",
        )),
    }
}

fn message_of(v: &Value) -> ApiResult<Option<String>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(ApiError::bad_request(
            "bad_request",
            "message must be a string",
        )),
    }
}

/// `POST /2.0/tasks`.
pub async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    if body["item"]["type"].as_str().unwrap_or("file") != "file" {
        return Err(ApiError::bad_request(
            "bad_request",
            "item.type must be file",
        ));
    }
    let file = id_of(&body["item"]["id"])
        .ok_or_else(|| ApiError::bad_request("bad_request", "item.id is required"))?;
    let action = action_of(&body["action"])?.unwrap_or(TaskAction::Review);
    let message = message_of(&body["message"])?.unwrap_or_default();
    let due = due_of(&body["due_at"])?.flatten();
    let any = rule_of(&body["completion_rule"])?.unwrap_or(false);
    let user = caller.user;
    let id = write(&shared, move |tx| {
        tx.create_task(user, &file, action, &message, due, any)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(render_task(&shared, id)?)))
}

/// `GET /2.0/tasks/{id}`.
pub async fn get_task(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    shared.store.read(|st| {
        let t = st.visible_task(caller.user, &id)?;
        Ok(Json(task_json(st, t)))
    })
}

/// `PUT /2.0/tasks/{id}`.
pub async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<Value>> {
    let upd = TaskUpdate {
        action: action_of(&body["action"])?,
        message: message_of(&body["message"])?,
        due_at: due_of(&body["due_at"])?,
        any_assignee: rule_of(&body["completion_rule"])?,
    };
    let user = caller.user;
    let id = write(&shared, move |tx| tx.update_task(user, &id, upd)).await?;
    render_task(&shared, id).map(Json)
}

/// `DELETE /2.0/tasks/{id}`.
pub async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let user = caller.user;
    write(&shared, move |tx| tx.delete_task(user, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /2.0/tasks/{id}/assignments`.
pub async fn list_assignments(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    shared.store.read(|st| {
        let t = st.visible_task(caller.user, &id)?;
        Ok(Json(assignments_json(st, t.id)))
    })
}

/// `GET /2.0/files/{id}/tasks`.
pub async fn list_file(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    shared.store.read(|st| {
        let entries: Vec<Value> = st
            .tasks_on(caller.user, &id)?
            .into_iter()
            .map(|t| task_json(st, t))
            .collect();
        Ok(Json(
            json!({"total_count": entries.len(), "entries": entries}),
        ))
    })
}

/// `POST /2.0/task_assignments` (`assign_to.id` or `assign_to.login`).
pub async fn assign(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let task = id_of(&body["task"]["id"])
        .ok_or_else(|| ApiError::bad_request("bad_request", "task.id is required"))?;
    let to = &body["assign_to"];
    let assignee = shared.store.read(|st| {
        if let Some(id) = id_of(&to["id"]) {
            return id.parse::<u64>().ok().filter(|i| st.users.contains_key(i));
        }
        let login = to["login"].as_str()?.to_lowercase();
        st.users
            .values()
            .find(|u| u.login.to_lowercase() == login)
            .map(|u| u.id)
    });
    let assignee = assignee.ok_or_else(|| {
        ApiError::bad_request(
            "bad_request",
            "assign_to must name an existing user by id or login",
        )
    })?;
    let user = caller.user;
    let id = write(&shared, move |tx| tx.assign_task(user, &task, assignee)).await?;
    Ok((StatusCode::CREATED, Json(render_assignment(&shared, id)?)))
}

/// `GET /2.0/task_assignments/{id}`.
pub async fn get_assignment(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    shared.store.read(|st| {
        let a = st.visible_assignment(caller.user, &id)?;
        Ok(Json(assignment_json(st, a)))
    })
}

/// `PUT /2.0/task_assignments/{id}` (`resolution_state`, `message`).
pub async fn update_assignment(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<Value>> {
    let state = message_of(&body["resolution_state"])?;
    let message = message_of(&body["message"])?;
    let user = caller.user;
    let id = write(&shared, move |tx| {
        tx.resolve_assignment(user, &id, state.as_deref(), message.as_deref())
    })
    .await?;
    render_assignment(&shared, id).map(Json)
}

/// `DELETE /2.0/task_assignments/{id}`.
pub async fn delete_assignment(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let user = caller.user;
    write(&shared, move |tx| tx.unassign_task(user, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
