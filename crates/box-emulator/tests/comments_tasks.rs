//! Comments, tasks and task assignments, Favorites and recent items, end to
//! end through box-v2's raw request hatch (auth and Box error mapping
//! included), across an owner, a viewer collaborator and a stranger, and
//! across a restart.

use box_emulator::{Emulator, EmulatorHandle};
use box_v2::Client;
use reqwest::Method;
use serde_json::{json, Value};

mod support;
use support::{sdk, upload};

async fn send(
    c: &Client,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> box_core::Result<Value> {
    let empty = method == Method::DELETE;
    let mut req = c.request(method, path);
    if let Some(b) = body {
        req = req.json(&b);
    }
    if empty {
        req.send_empty().await.map(|()| Value::Null)
    } else {
        req.send().await
    }
}

async fn ok(c: &Client, method: Method, path: &str, body: Option<Value>) -> Value {
    send(c, method.clone(), path, body)
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

async fn status_of(c: &Client, method: Method, path: &str, body: Option<Value>) -> u16 {
    match send(c, method, path, body).await {
        Ok(_) => 200,
        Err(e) => e.status().unwrap_or(0),
    }
}

struct People {
    owner: Client,
    viewer: Client,
    stranger: Client,
    viewer_id: String,
    viewer_login: String,
    stranger_id: String,
}

async fn people(emu: &EmulatorHandle, file: &str) -> People {
    let (v, vt) = emu.create_user("Vera Viewer", "vera@example.com").unwrap();
    let (s, st) = emu
        .create_user("Stan Stranger", "stan@example.com")
        .unwrap();
    let owner = sdk(emu, emu.default_token());
    ok(
        &owner,
        Method::POST,
        "/collaborations",
        Some(json!({"item": {"type": "file", "id": file},
                    "accessible_by": {"type": "user", "id": v.id.to_string()}, "role": "viewer"})),
    )
    .await;
    People {
        owner,
        viewer: sdk(emu, &vt),
        stranger: sdk(emu, &st),
        viewer_id: v.id.to_string(),
        viewer_login: v.login,
        stranger_id: s.id.to_string(),
    }
}

async fn event_types(c: &Client) -> Vec<(String, String)> {
    let v = ok(c, Method::GET, "/events?stream_position=0&limit=500", None).await;
    v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["event_type"].as_str().unwrap().to_string(),
                e["source"]["type"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn comments_replies_edits_and_permissions() {
    let emu = Emulator::builder().start().await.unwrap();
    let file = upload(&emu, emu.default_token(), "0", "plan.txt", b"hello").await;
    let p = people(&emu, &file).await;

    let top = ok(
        &p.owner,
        Method::POST,
        "/comments",
        Some(json!({"item": {"type": "file", "id": file}, "message": "First draft"})),
    )
    .await;
    assert_eq!(top["type"], "comment");
    assert_eq!(top["is_reply_comment"], false);
    assert_eq!(top["item"], json!({"type": "file", "id": file}));
    let top_id = top["id"].as_str().unwrap().to_string();

    // A viewer may reply; a reply to a reply hangs off the top comment.
    let tagged = format!("@[{}:Vera] looks good", p.viewer_id);
    let reply = ok(
        &p.viewer,
        Method::POST,
        "/comments?fields=tagged_message,message,item,is_reply_comment",
        Some(json!({"item": {"type": "comment", "id": top_id}, "tagged_message": tagged})),
    )
    .await;
    assert_eq!(reply["is_reply_comment"], true);
    assert_eq!(reply["message"], "@Vera looks good");
    assert_eq!(reply["tagged_message"], tagged.as_str());
    let reply_id = reply["id"].as_str().unwrap().to_string();
    let nested = ok(
        &p.owner,
        Method::POST,
        "/comments",
        Some(json!({"item": {"type": "comment", "id": reply_id}, "message": "thanks"})),
    )
    .await;
    assert_eq!(nested["item"], json!({"type": "comment", "id": top_id}));

    let list = ok(
        &p.viewer,
        Method::GET,
        &format!("/files/{file}/comments"),
        None,
    )
    .await;
    assert_eq!(list["total_count"], 3);
    let page = ok(
        &p.viewer,
        Method::GET,
        &format!("/files/{file}/comments?offset=1&limit=1"),
        None,
    )
    .await;
    assert_eq!(page["entries"].as_array().unwrap().len(), 1);
    assert_eq!(page["entries"][0]["id"], reply_id.as_str());

    // Only the author edits; a stranger sees nothing.
    let put = |m: &str| Some(json!({"message": m}));
    assert_eq!(
        status_of(
            &p.owner,
            Method::PUT,
            &format!("/comments/{reply_id}"),
            put("x")
        )
        .await,
        403
    );
    let edited = ok(
        &p.viewer,
        Method::PUT,
        &format!("/comments/{reply_id}"),
        put("edited"),
    )
    .await;
    assert_eq!(edited["message"], "edited");
    assert_eq!(
        status_of(
            &p.stranger,
            Method::GET,
            &format!("/comments/{top_id}"),
            None
        )
        .await,
        404
    );
    assert_eq!(
        status_of(
            &p.stranger,
            Method::POST,
            "/comments",
            Some(json!({"item": {"type": "file", "id": file}, "message": "hi"}))
        )
        .await,
        404
    );
    assert_eq!(
        status_of(
            &p.owner,
            Method::POST,
            "/comments",
            Some(json!({"item": {"type": "file", "id": file}, "message": "   "}))
        )
        .await,
        400
    );
    // The viewer may not delete the owner's comment; the owner deletes it
    // with its replies.
    assert_eq!(
        status_of(
            &p.viewer,
            Method::DELETE,
            &format!("/comments/{top_id}"),
            None
        )
        .await,
        403
    );
    ok(
        &p.owner,
        Method::DELETE,
        &format!("/comments/{top_id}"),
        None,
    )
    .await;
    let list = ok(
        &p.owner,
        Method::GET,
        &format!("/files/{file}/comments"),
        None,
    )
    .await;
    assert_eq!(list["total_count"], 0, "{list}");
    assert_eq!(
        status_of(
            &p.viewer,
            Method::GET,
            &format!("/comments/{reply_id}"),
            None
        )
        .await,
        404
    );

    // The owner's stream shows the comment events with comments as sources.
    let events = event_types(&p.owner).await;
    for t in ["COMMENT_CREATE", "COMMENT_EDIT", "COMMENT_DELETE"] {
        assert!(
            events.contains(&(t.to_string(), "comment".to_string())),
            "{t}: {events:?}"
        );
    }
    // The stranger's stream has none of it.
    assert!(event_types(&p.stranger).await.is_empty());
    emu.stop().await;
}

#[tokio::test]
async fn tasks_assignments_and_completion_rules() {
    let emu = Emulator::builder().start().await.unwrap();
    let file = upload(&emu, emu.default_token(), "0", "contract.pdf", b"hello").await;
    let p = people(&emu, &file).await;

    // A viewer cannot create tasks; the owner can.
    let body = json!({"item": {"type": "file", "id": file}, "action": "review",
                      "message": "Legal review", "due_at": "2030-01-02T03:04:05Z",
                      "completion_rule": "any_assignee"});
    assert_eq!(
        status_of(&p.viewer, Method::POST, "/tasks", Some(body.clone())).await,
        403
    );
    let task = ok(&p.owner, Method::POST, "/tasks", Some(body)).await;
    assert_eq!(task["type"], "task");
    assert_eq!(task["action"], "review");
    assert_eq!(task["is_completed"], false);
    assert_eq!(task["completion_rule"], "any_assignee");
    assert_eq!(task["due_at"], "2030-01-02T03:04:05+00:00");
    let task_id = task["id"].as_str().unwrap().to_string();
    let undated = ok(
        &p.owner,
        Method::POST,
        "/tasks",
        Some(json!({"item": {"type": "file", "id": file}, "action": "complete"})),
    )
    .await;
    assert!(undated.get("due_at").is_none(), "{undated}");
    ok(
        &p.owner,
        Method::DELETE,
        &format!("/tasks/{}", undated["id"].as_str().unwrap()),
        None,
    )
    .await;

    // Assign by login; a user who cannot see the file cannot be assigned.
    let a = ok(
        &p.owner,
        Method::POST,
        "/task_assignments",
        Some(json!({"task": {"type": "task", "id": task_id}, "assign_to": {"login": p.viewer_login}})),
    )
    .await;
    assert_eq!(a["resolution_state"], "incomplete");
    assert_eq!(a["assigned_to"]["id"], p.viewer_id.as_str());
    // Unset times are left out, not null: Box's description types them as
    // non-nullable date-times (found by the schemathesis conformance step).
    assert!(
        a.get("completed_at").is_none() && a.get("reminded_at").is_none(),
        "{a}"
    );
    let a_id = a["id"].as_str().unwrap().to_string();
    assert_eq!(
        status_of(
            &p.owner,
            Method::POST,
            "/task_assignments",
            Some(
                json!({"task": {"type": "task", "id": task_id}, "assign_to": {"id": p.stranger_id}})
            )
        )
        .await,
        403
    );
    let me = ok(&p.owner, Method::GET, "/users/me", None).await;
    let me_id = me["id"].as_str().unwrap().to_string();
    let own = ok(
        &p.owner,
        Method::POST,
        "/task_assignments",
        Some(json!({"task": {"type": "task", "id": task_id}, "assign_to": {"id": me_id}})),
    )
    .await;

    // Only the assignee resolves; a review task takes approved/rejected.
    let path = format!("/task_assignments/{a_id}");
    let done = Some(json!({"resolution_state": "completed"}));
    assert_eq!(
        status_of(&p.owner, Method::PUT, &path, done.clone()).await,
        403
    );
    assert_eq!(status_of(&p.viewer, Method::PUT, &path, done).await, 400);
    let approved = ok(
        &p.viewer,
        Method::PUT,
        &path,
        Some(json!({"resolution_state": "approved", "message": "LGTM"})),
    )
    .await;
    assert_eq!(approved["resolution_state"], "approved");
    assert!(approved["completed_at"].is_string());

    // any_assignee: one approval completes it; all_assignees: not yet.
    let t = ok(&p.viewer, Method::GET, &format!("/tasks/{task_id}"), None).await;
    assert_eq!(t["is_completed"], true);
    assert_eq!(t["task_assignment_collection"]["total_count"], 2);
    let t = ok(
        &p.owner,
        Method::PUT,
        &format!("/tasks/{task_id}"),
        Some(json!({"completion_rule": "all_assignees", "message": "Legal review v2"})),
    )
    .await;
    assert_eq!(t["is_completed"], false);
    assert_eq!(t["message"], "Legal review v2");
    // A viewer may not change the task.
    assert_eq!(
        status_of(
            &p.viewer,
            Method::PUT,
            &format!("/tasks/{task_id}"),
            Some(json!({"message": "x"}))
        )
        .await,
        403
    );

    let listed = ok(
        &p.viewer,
        Method::GET,
        &format!("/files/{file}/tasks"),
        None,
    )
    .await;
    assert_eq!(listed["total_count"], 1);
    let assignments = ok(
        &p.owner,
        Method::GET,
        &format!("/tasks/{task_id}/assignments"),
        None,
    )
    .await;
    assert_eq!(assignments["total_count"], 2);
    assert_eq!(
        status_of(&p.stranger, Method::GET, &format!("/tasks/{task_id}"), None).await,
        404
    );

    // Removing the open assignment completes the all_assignees task.
    let own_id = own["id"].as_str().unwrap();
    ok(
        &p.owner,
        Method::DELETE,
        &format!("/task_assignments/{own_id}"),
        None,
    )
    .await;
    let t = ok(&p.owner, Method::GET, &format!("/tasks/{task_id}"), None).await;
    assert_eq!(t["is_completed"], true);

    let events = event_types(&p.viewer).await;
    for (t, src) in [
        ("TASK_CREATE", "task"),
        ("TASK_UPDATE", "task"),
        ("TASK_ASSIGNMENT_CREATE", "task_assignment"),
        ("TASK_ASSIGNMENT_UPDATE", "task_assignment"),
        ("TASK_ASSIGNMENT_DELETE", "task_assignment"),
    ] {
        assert!(
            events.contains(&(t.to_string(), src.to_string())),
            "{t}: {events:?}"
        );
    }

    ok(&p.owner, Method::DELETE, &format!("/tasks/{task_id}"), None).await;
    assert_eq!(status_of(&p.viewer, Method::GET, &path, None).await, 404);
    emu.stop().await;
}

#[tokio::test]
async fn favorites_and_recent_items() {
    let emu = Emulator::builder().start().await.unwrap();
    let a = upload(&emu, emu.default_token(), "0", "a.txt", b"hello").await;
    let b = upload(&emu, emu.default_token(), "0", "b.txt", b"hello").await;
    let p = people(&emu, &a).await;

    let cols = ok(&p.owner, Method::GET, "/collections", None).await;
    assert_eq!(cols["entries"][0]["collection_type"], "favorites");
    let fav = cols["entries"][0]["id"].as_str().unwrap().to_string();
    let add = Some(json!({"collections": [{"id": fav}]}));
    ok(&p.owner, Method::PUT, &format!("/files/{a}"), add.clone()).await;
    ok(&p.owner, Method::PUT, &format!("/files/{b}"), add.clone()).await;
    let items = ok(
        &p.owner,
        Method::GET,
        &format!("/collections/{fav}/items"),
        None,
    )
    .await;
    assert_eq!(items["total_count"], 2, "{items}");
    // Someone else's Favorites is not found; an unknown collection is a 400.
    assert_eq!(
        status_of(
            &p.viewer,
            Method::GET,
            &format!("/collections/{fav}/items"),
            None
        )
        .await,
        404
    );
    assert_eq!(
        status_of(&p.viewer, Method::PUT, &format!("/files/{a}"), add.clone()).await,
        400,
        "the viewer's own favorites id differs"
    );
    // A viewer may favorite what it can see, in its own collection.
    let vfav = ok(&p.viewer, Method::GET, "/collections", None).await["entries"][0]["id"].clone();
    assert_ne!(vfav.as_str(), Some(fav.as_str()));
    ok(
        &p.viewer,
        Method::PUT,
        &format!("/files/{a}"),
        Some(json!({"collections": [{"id": vfav}]})),
    )
    .await;
    let vitems = ok(
        &p.viewer,
        Method::GET,
        &format!("/collections/{}/items", vfav.as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(vitems["total_count"], 1);

    // Trashed items leave the listing and come back when restored.
    ok(&p.owner, Method::DELETE, &format!("/files/{b}"), None).await;
    let items = ok(
        &p.owner,
        Method::GET,
        &format!("/collections/{fav}/items"),
        None,
    )
    .await;
    assert_eq!(items["total_count"], 1);
    ok(
        &p.owner,
        Method::POST,
        &format!("/files/{b}"),
        Some(json!({})),
    )
    .await;
    ok(
        &p.owner,
        Method::PUT,
        &format!("/files/{a}"),
        Some(json!({"collections": []})),
    )
    .await;
    let items = ok(
        &p.owner,
        Method::GET,
        &format!("/collections/{fav}/items"),
        None,
    )
    .await;
    assert_eq!(items["total_count"], 1);
    assert_eq!(items["entries"][0]["id"], b.as_str());

    // Recent items: newest interaction first, one entry per item, paged.
    ok(
        &p.viewer,
        Method::POST,
        "/comments",
        Some(json!({"item": {"type": "file", "id": a}, "message": "seen"})),
    )
    .await;
    let recent = ok(&p.viewer, Method::GET, "/recent_items", None).await;
    let entries = recent["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{recent}");
    assert_eq!(entries[0]["interaction_type"], "item_comment");
    let recent = ok(&p.owner, Method::GET, "/recent_items?limit=1", None).await;
    assert_eq!(recent["entries"][0]["item"]["id"], b.as_str());
    assert_eq!(recent["entries"][0]["interaction_type"], "item_modify");
    let marker = recent["next_marker"].as_str().unwrap().to_string();
    let next = ok(
        &p.owner,
        Method::GET,
        &format!("/recent_items?limit=1&marker={marker}"),
        None,
    )
    .await;
    assert_eq!(next["entries"][0]["item"]["id"], a.as_str());
    assert_eq!(next["next_marker"], Value::Null);
    emu.stop().await;
}

#[tokio::test]
async fn comments_tasks_and_favorites_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    let token = emu.default_token().to_string();
    let file = upload(&emu, &token, "0", "kept.txt", b"hello").await;
    let c = sdk(&emu, &token);
    let comment = ok(
        &c,
        Method::POST,
        "/comments",
        Some(json!({"item": {"type": "file", "id": file}, "message": "persisted"})),
    )
    .await;
    let reply = ok(
        &c,
        Method::POST,
        "/comments",
        Some(json!({"item": {"type": "comment", "id": comment["id"]}, "message": "me too"})),
    )
    .await;
    let task = ok(
        &c,
        Method::POST,
        "/tasks",
        Some(json!({"item": {"type": "file", "id": file}, "action": "complete"})),
    )
    .await;
    let me = ok(&c, Method::GET, "/users/me", None).await;
    let a = ok(
        &c,
        Method::POST,
        "/task_assignments",
        Some(json!({"task": {"id": task["id"]}, "assign_to": {"id": me["id"]}})),
    )
    .await;
    ok(
        &c,
        Method::PUT,
        &format!("/task_assignments/{}", a["id"].as_str().unwrap()),
        Some(json!({"resolution_state": "completed"})),
    )
    .await;
    let fav = ok(&c, Method::GET, "/collections", None).await["entries"][0]["id"].clone();
    ok(
        &c,
        Method::PUT,
        &format!("/files/{file}"),
        Some(json!({"collections": [{"id": fav}]})),
    )
    .await;
    emu.stop().await;

    let emu = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    let c = sdk(&emu, &token);
    let got = ok(
        &c,
        Method::GET,
        &format!("/comments/{}", reply["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(got["message"], "me too");
    assert_eq!(got["item"]["id"], comment["id"]);
    let t = ok(
        &c,
        Method::GET,
        &format!("/tasks/{}", task["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(t["is_completed"], true);
    assert_eq!(
        t["task_assignment_collection"]["entries"][0]["resolution_state"],
        "completed"
    );
    let items = ok(
        &c,
        Method::GET,
        &format!("/collections/{}/items", fav.as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(items["entries"][0]["id"], file.as_str());
    // New records after the restart do not reuse ids.
    let again = ok(
        &c,
        Method::POST,
        "/comments",
        Some(json!({"item": {"type": "file", "id": file}, "message": "after"})),
    )
    .await;
    let ids: Vec<u64> = [&comment, &reply, &again]
        .iter()
        .map(|v| v["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(ids[2] > ids[1] && ids[1] > ids[0], "{ids:?}");
    // Purging the file removes its comments, tasks and favorite.
    ok(&c, Method::DELETE, &format!("/files/{file}"), None).await;
    ok(&c, Method::DELETE, &format!("/files/{file}/trash"), None).await;
    emu.stop().await;
    let emu = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    emu.store().read(|st| {
        assert!(st.comments.is_empty());
        assert!(st.tasks.is_empty() && st.task_assignments.is_empty());
        assert!(st.favorites.is_empty());
    });
    emu.stop().await;
}
