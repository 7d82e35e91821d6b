//! Generated methods on the wire, against a local server: paths with typed
//! ids, query setters, `As-User` per call, typed JSON bodies, `204`s,
//! JSON Patch bodies and `304`s; and the hand-built event stream and shared
//! item calls built on them.

mod common;

use box_v2::generated::models::{
    CreateCommentBody, CreateCommentBodyItem, CreateCommentBodyItemType,
};
use common::{client, json, raw, MockServer};
use futures::StreamExt;
use serde_json::json;

#[tokio::test]
async fn a_generated_get_sends_typed_path_fields_and_as_user_for_that_call_only() {
    let server = MockServer::start(|_| {
        json(
            200,
            json!({"id": "123", "type": "file", "name": "a.txt", "size": 5, "etag": "1"}),
        )
    })
    .await;
    let c = client(&server.url);
    let file = c
        .files()
        .get_file_information("123")
        .fields(["name", "size"])
        .as_user("42")
        .send()
        .await
        .unwrap();
    assert_eq!(file.id.as_str(), "123");
    assert_eq!(file.name.as_deref(), Some("a.txt"));
    assert_eq!(file.size, Some(5));
    let r = server.last();
    assert_eq!(r.method, "GET");
    assert_eq!(r.path, "/2.0/files/123");
    assert_eq!(r.query_value("fields").as_deref(), Some("name,size"));
    assert_eq!(r.header("as-user").as_deref(), Some("42"));
    assert_eq!(
        r.header("authorization").as_deref(),
        Some("Bearer dev-token")
    );

    // The next call on the same client does not act as that user.
    c.files().get_file_information("124").send().await.unwrap();
    assert_eq!(server.last().header("as-user"), None);
}

#[tokio::test]
async fn ids_are_escaped_into_one_path_segment() {
    let server = MockServer::start(|_| json(200, json!({"id": "1", "type": "file"}))).await;
    let c = client(&server.url);
    c.files()
        .get_file_information("a/b c")
        .send()
        .await
        .unwrap();
    assert_eq!(server.last().path, "/2.0/files/a%2Fb%20c");
    // A dot-segment id is refused before anything is sent.
    let err = c
        .files()
        .get_file_information("..")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, box_core::Error::InvalidInput { .. }),
        "{err:?}"
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn typed_bodies_leave_unset_fields_out_and_keep_extra_fields() {
    let server = MockServer::start(|_| {
        json(
            201,
            json!({"id": "9", "type": "comment", "message": "hi", "is_reply_comment": false}),
        )
    })
    .await;
    let c = client(&server.url);
    let mut body = CreateCommentBody::new(
        CreateCommentBodyItem::new("55".into(), CreateCommentBodyItemType::File),
        "hi".into(),
    );
    body.extra.insert("x_future_field".into(), json!(true));
    let comment = c.comments().create_comment(body).send().await.unwrap();
    assert_eq!(comment.id.unwrap().as_str(), "9");
    let r = server.last();
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/2.0/comments");
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        r.json(),
        json!({"item": {"id": "55", "type": "file"}, "message": "hi", "x_future_field": true})
    );
}

#[tokio::test]
async fn no_content_answers_and_json_patch_bodies() {
    let server = MockServer::start(|r| {
        if r.method == "DELETE" {
            raw(204, &[], "")
        } else {
            json(200, json!({"$id": "x", "$type": "properties-1", "$parent": "file_5", "$template": "properties", "$scope": "global", "$version": 1, "$typeVersion": 2, "$canEdit": true, "a": "b"}))
        }
    })
    .await;
    let c = client(&server.url);
    c.comments().remove_comment("9").send().await.unwrap();
    assert_eq!(server.last().path, "/2.0/comments/9");

    let op = serde_json::from_value(json!({"op": "replace", "path": "/a", "value": "b"})).unwrap();
    let out = c
        .metadata_instances_files()
        .update_metadata_instance_on_file("5", "global", "properties", vec![op])
        .send()
        .await
        .unwrap();
    assert_eq!(out.extra.get("a"), Some(&json!("b")));
    let r = server.last();
    assert_eq!(r.method, "PUT");
    assert_eq!(r.path, "/2.0/files/5/metadata/global/properties");
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json-patch+json")
    );
    assert_eq!(
        r.json(),
        json!([{"op": "replace", "path": "/a", "value": "b"}])
    );
}

#[tokio::test]
async fn not_modified_is_none() {
    let server = MockServer::start(|r| {
        if r.header("if-none-match").as_deref() == Some("7") {
            raw(304, &[], "")
        } else {
            json(200, json!({"id": "1", "type": "file", "etag": "8"}))
        }
    })
    .await;
    let c = client(&server.url);
    let same = c
        .files()
        .get_file_information("1")
        .if_none_match("7")
        .send_if_modified()
        .await
        .unwrap();
    assert!(same.is_none());
    let changed = c
        .files()
        .get_file_information("1")
        .if_none_match("6")
        .send_if_modified()
        .await
        .unwrap();
    assert_eq!(changed.unwrap().etag.as_deref(), Some("8"));
}

#[tokio::test]
async fn shared_item_sends_the_box_api_header_and_picks_the_kind() {
    let server =
        MockServer::start(|_| json(200, json!({"id": "77", "type": "folder", "name": "Shared"})))
            .await;
    let c = client(&server.url);
    let item = c
        .shared_item("https://app.box.com/s/abc", Some("pw"))
        .await
        .unwrap();
    match item {
        box_v2::shared_items::SharedItem::Folder(f) => assert_eq!(f.id.as_str(), "77"),
        other => panic!("expected a folder, got {other:?}"),
    }
    let r = server.last();
    assert_eq!(r.path, "/2.0/shared_items");
    assert_eq!(
        r.header("boxapi").as_deref(),
        Some("shared_link=https://app.box.com/s/abc&shared_link_password=pw")
    );
}

/// The event stream: pages, duplicates, long-poll with `reconnect` and
/// `new_change`, and the position it resumes from.
#[tokio::test]
async fn the_event_stream_long_polls_reconnects_and_drops_duplicates() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let polls = Arc::new(AtomicUsize::new(0));
    let p = polls.clone();
    // Box answers with an absolute realtime URL on another host; here, this server.
    let base = Arc::new(std::sync::OnceLock::<String>::new());
    let b = base.clone();
    let server = MockServer::start(move |r| {
        let ev = |id: &str| json!({"type": "event", "event_id": id, "event_type": "ITEM_UPLOAD", "source": {"id": "1", "type": "file"}});
        match (r.method.as_str(), r.path.as_str()) {
            ("OPTIONS", "/2.0/events") => json(200, json!({"chunk_size": 1, "entries": [{"type": "realtime_server", "url": format!("{}/realtime?channel=c1", b.get().unwrap()), "ttl": "10", "max_retries": "3", "retry_timeout": 610}]})),
            ("GET", "/realtime") => {
                // First poll: reconnect; second: a change.
                let n = p.fetch_add(1, Ordering::SeqCst);
                json(200, json!({"message": if n == 0 { "reconnect" } else { "new_change" }}))
            }
            ("GET", "/2.0/events") => match r.query_value("stream_position").as_deref() {
                Some("now") => json(200, json!({"chunk_size": 0, "next_stream_position": 10, "entries": []})),
                Some("10") if p.load(Ordering::SeqCst) < 2 => json(200, json!({"chunk_size": 0, "next_stream_position": "10", "entries": []})),
                Some("10") => json(200, json!({"chunk_size": 3, "next_stream_position": "13", "entries": [ev("a"), ev("b"), ev("a")]})),
                // Box re-delivers `b` on the next page.
                Some("13") => json(200, json!({"chunk_size": 2, "next_stream_position": "15", "entries": [ev("b"), ev("c")]})),
                _ => json(200, json!({"chunk_size": 0, "next_stream_position": "15", "entries": []})),
            },
            _ => raw(404, &[], ""),
        }
    })
    .await;
    base.set(server.url.clone()).unwrap();
    let c = client(&server.url);
    let mut s = c.events().stream(box_v2::events::StreamPosition::Now);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let e = tokio::time::timeout(std::time::Duration::from_secs(10), s.next())
            .await
            .expect("an event in time")
            .expect("the stream goes on")
            .unwrap();
        ids.push(e.event_id.unwrap());
    }
    assert_eq!(ids, ["a", "b", "c"]);
    assert_eq!(s.position(), "15");
    assert_eq!(polls.load(Ordering::SeqCst), 2, "one reconnect, one change");
    let reqs = server.requests();
    let opts = reqs.iter().filter(|r| r.method == "OPTIONS").count();
    assert_eq!(opts, 2, "a fresh realtime server after `reconnect`");
    let poll = reqs.iter().find(|r| r.path == "/realtime").unwrap();
    assert_eq!(poll.query_value("channel").as_deref(), Some("c1"));
    assert_eq!(poll.query_value("stream_position").as_deref(), Some("10"));
}

#[tokio::test]
async fn the_event_stream_ends_with_the_error_of_a_failed_page() {
    let server =
        MockServer::start(|_| common::box_error(403, "access_denied_insufficient_permissions"))
            .await;
    let c = client(&server.url);
    let mut s = c.events().stream("0");
    let first = s.next().await.expect("an item");
    assert!(
        matches!(first, Err(box_core::Error::PermissionDenied { .. })),
        "{first:?}"
    );
    assert!(s.next().await.is_none());
}

#[tokio::test]
async fn documented_limits_are_checked_before_sending() {
    let server = MockServer::start(|_| raw(200, &[("content-type", "image/png")], "png")).await;
    let c = client(&server.url);
    // Thumbnails: 32–320 pixels, in the generated call and the hand-built one.
    for bad in [10, 321] {
        let err = c
            .files()
            .get_file_thumbnail("1", "png")
            .min_height(bad)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(err, box_core::Error::InvalidInput { .. }),
            "{err:?}"
        );
        let err = c
            .files()
            .thumbnail("1", "png", Some(bad as u32))
            .await
            .unwrap_err();
        assert!(
            matches!(err, box_core::Error::InvalidInput { .. }),
            "{err:?}"
        );
    }
    assert_eq!(server.count(), 0, "nothing was sent");
    let ok = c
        .files()
        .get_file_thumbnail("1", "png")
        .min_height(32)
        .max_width(320)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.bytes().await.unwrap().as_ref(), b"png");
    let r = server.last();
    assert_eq!(r.path, "/2.0/files/1/thumbnail.png");
    assert_eq!(r.query_value("min_height").as_deref(), Some("32"));
    assert_eq!(r.query_value("max_width").as_deref(), Some("320"));
}
