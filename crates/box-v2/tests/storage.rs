//! `V2Storage` (`client.storage()`): Box semantics mapped onto the shared trait.

mod common;

use box_core::{
    Body, DeleteMode, Error, FileId, FolderId, ItemId, SharedLinkAccess, SharedLinkOptions,
    Storage, StorageExt,
};
use common::{box_error, client, fixture, json, raw, MockServer};
use futures::TryStreamExt;
use serde_json::json as j;

#[tokio::test]
async fn get_and_list_map_to_core_types() {
    let s = MockServer::start(|r| match r.path.as_str() {
        "/2.0/files/12345" => json(200, fixture("file.json")),
        "/2.0/folders/0/items" => match r.query_value("marker") {
            None => json(200, fixture("items_page1.json")),
            Some(_) => json(200, fixture("items_page2.json")),
        },
        "/2.0/users/me" => json(200, fixture("user.json")),
        _ => box_error(404, "not_found"),
    })
    .await;
    let c = client(&s.url).storage();
    let f = c.get_file(&FileId::new("12345")).await.unwrap();
    assert_eq!(f.tags, vec!["approved".to_string()]);
    let fields = s.last().query_value("fields").unwrap();
    assert!(fields.contains("tags") && fields.contains("sha1") && fields.contains("parent"));
    let items: Vec<_> = c
        .list_folder(&FolderId::root())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 3, "the unknown item type is skipped");
    assert_eq!(c.current_user().await.unwrap().login, "ceo@example.com");
    assert!(c
        .get_folder(&FolderId::new("404"))
        .await
        .unwrap_err()
        .is_not_found());
    assert_eq!(c.backend(), "v2");
}

#[tokio::test]
async fn name_conflicts_name_the_conflicting_item() {
    let s = MockServer::start(|r| match r.path.as_str() {
        "/2.0/folders" => json(409, fixture("error_conflict_object.json")),
        "/api/2.0/files/content" => json(409, fixture("error_conflict_array.json")),
        _ => box_error(404, "not_found"),
    })
    .await;
    let c = client(&s.url).storage();
    let e = c
        .create_folder(&FolderId::root(), "Contracts")
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Conflict { conflicting: Some(ItemId::Folder(ref f)), .. } if f.as_str() == "11446498")
    );
    let e = Storage::upload(&c, &FolderId::root(), "Contract.pdf", Body::from_bytes("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Conflict { conflicting: Some(ItemId::File(ref f)), .. } if f.as_str() == "12345")
    );
    assert_eq!(e.request_id(), Some("abcdef123456"));
    let before = s.count();
    assert!(matches!(
        c.create_folder(&FolderId::root(), "a/b").await,
        Err(Error::InvalidInput { .. })
    ));
    assert_eq!(s.count(), before, "invalid names are refused locally");
}

#[tokio::test]
async fn delete_modes() {
    let s = MockServer::start(|_| raw(204, &[], "")).await;
    let c = client(&s.url).storage();
    c.delete(&ItemId::File(FileId::new("1")), DeleteMode::Permanent)
        .await
        .unwrap();
    let reqs = s.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path.as_str()),
        ("DELETE", "/2.0/files/1")
    );
    assert_eq!(
        (reqs[1].method.as_str(), reqs[1].path.as_str()),
        ("DELETE", "/2.0/files/1/trash")
    );
    c.delete(&ItemId::Folder(FolderId::new("2")), DeleteMode::Trash)
        .await
        .unwrap();
    let r = s.last();
    assert_eq!(r.path, "/2.0/folders/2");
    assert_eq!(r.query_value("recursive").as_deref(), Some("true"));
    assert_eq!(s.count(), 3);
}

#[tokio::test]
async fn moves_into_own_subtree_are_invalid_input() {
    let s = MockServer::start(|_| {
        json(400, j!({"type": "error", "status": 400, "code": "bad_request", "message": "Cannot move a folder into its own subfolder"}))
    })
    .await;
    let c = client(&s.url).storage();
    let folder = ItemId::Folder(FolderId::new("5"));
    assert!(matches!(
        c.move_item(&folder, &FolderId::new("5")).await,
        Err(Error::InvalidInput { .. })
    ));
    assert_eq!(s.count(), 0);
    let e = c.move_item(&folder, &FolderId::new("6")).await.unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }));
    assert_eq!(s.last().json(), j!({"parent": {"id": "6"}}));
}

#[tokio::test]
async fn tags_are_read_modify_written_with_if_match() {
    let s = MockServer::start(|r| match r.method.as_str() {
        "GET" => json(200, fixture("file.json")),
        _ => {
            let mut f = fixture("file.json");
            f["tags"] = r.json()["tags"].clone();
            json(200, f)
        }
    })
    .await;
    let c = client(&s.url).storage();
    let id = ItemId::File(FileId::new("12345"));
    let item = c
        .add_tags(&id, &["urgent".into(), "approved".into()])
        .await
        .unwrap();
    assert_eq!(item.tags(), ["approved", "urgent"]);
    let r = s.last();
    assert_eq!(r.method, "PUT");
    assert_eq!(r.header("if-match").as_deref(), Some("1"));
    assert_eq!(r.json(), j!({"tags": ["approved", "urgent"]}));
    let n = s.count();
    c.add_tag(&id, "approved").await.unwrap();
    assert_eq!(s.count(), n + 1, "no PUT when nothing changes");
    c.remove_tags(&id, &["approved".into()]).await.unwrap();
    assert_eq!(s.last().json(), j!({"tags": []}));
}

/// Box takes at most 100 tags per item: a 101st is refused before any PUT.
#[tokio::test]
async fn more_than_100_tags_is_refused_without_a_put() {
    let s = MockServer::start(|r| match r.method.as_str() {
        "GET" => {
            let mut f = fixture("file.json");
            f["tags"] = j!((0..100).map(|i| format!("t{i}")).collect::<Vec<_>>());
            json(200, f)
        }
        _ => json(200, fixture("file.json")),
    })
    .await;
    let c = client(&s.url).storage();
    let id = ItemId::File(FileId::new("12345"));
    let e = c.add_tags(&id, &["one-too-many".into()]).await.unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
    assert!(s.requests().iter().all(|r| r.method == "GET"), "no PUT");
    // Replacing one of the 100 stays within the limit.
    c.remove_tags(&id, &["t0".into()]).await.unwrap();
    assert_eq!(s.last().method, "PUT");
}

#[tokio::test]
async fn shared_links_descriptions_copies_and_search() {
    let s = MockServer::start(|r| match r.path.as_str() {
        "/2.0/search" => json(
            200,
            j!({"total_count": 1, "offset": 0, "limit": 200, "entries": [fixture("file.json")]}),
        ),
        "/2.0/files/12345/copy" => json(201, fixture("file.json")),
        _ => json(200, fixture("file.json")),
    })
    .await;
    let c = client(&s.url).storage();
    let id = ItemId::File(FileId::new("12345"));
    let link = c
        .create_shared_link(
            &id,
            SharedLinkOptions::new().access(SharedLinkAccess::Company),
        )
        .await
        .unwrap();
    assert_eq!(link.url, "https://www.box.com/s/vspke7y05sb214wjokpk");
    assert_eq!(s.last().json(), j!({"shared_link": {"access": "company"}}));
    c.remove_shared_link(&id).await.unwrap();
    assert_eq!(s.last().json(), j!({"shared_link": null}));
    c.set_description(&id, "new").await.unwrap();
    assert_eq!(s.last().json(), j!({"description": "new"}));
    c.rename(&id, "New.pdf").await.unwrap();
    assert_eq!(s.last().json(), j!({"name": "New.pdf"}));
    c.copy(&id, &FolderId::root(), Some("Copy.pdf"))
        .await
        .unwrap();
    assert_eq!(
        s.last().json(),
        j!({"parent": {"id": "0"}, "name": "Copy.pdf"})
    );
    let found: Vec<_> = Storage::search(&c, "contract").try_collect().await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(s.last().query_value("query").as_deref(), Some("contract"));
}

#[tokio::test]
async fn web_link_copies_and_tags_are_unsupported_without_a_request() {
    let s = MockServer::start(|_| {
        json(
            200,
            j!({"type": "web_link", "id": "77", "etag": "1", "name": "Box", "url": "https://box.com"}),
        )
    })
    .await;
    let c = client(&s.url).storage();
    let link = ItemId::WebLink("77".into());
    let e = c.copy(&link, &FolderId::root(), None).await.unwrap_err();
    assert!(e.is_unsupported(), "{e:?}");
    let e = c.add_tags(&link, &["x".into()]).await.unwrap_err();
    assert!(e.is_unsupported(), "{e:?}");
    let e = c.remove_tags(&link, &["x".into()]).await.unwrap_err();
    assert!(e.is_unsupported(), "{e:?}");
    assert_eq!(s.count(), 0, "refused before any request");
    // What web links do support still goes through.
    c.rename(&link, "Box home").await.unwrap();
    let r = s.last();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("PUT", "/2.0/web_links/77")
    );
}

/// Fails before: the answer to the shared-link `PUT` was decoded as a whole
/// item, so an answer with only `shared_link` (no `id`), or a web link (whose
/// model had no `shared_link`), failed with Decode after the link was made.
#[tokio::test]
async fn shared_links_from_answers_with_only_the_link_and_on_web_links() {
    let link = j!({"url": "https://app.box.com/s/abc", "access": "open", "effective_access": "open", "effective_permission": "can_download", "is_password_enabled": false, "download_count": 0, "preview_count": 0});
    let l2 = link.clone();
    let s = MockServer::start(move |r| match r.path.as_str() {
        "/2.0/files/1" => json(200, j!({"shared_link": l2})),
        _ => json(200, j!({"type": "web_link", "id": "77", "etag": "1", "name": "Box", "url": "https://box.com", "shared_link": l2})),
    })
    .await;
    let c = client(&s.url).storage();
    let got = c
        .create_shared_link(&ItemId::File(FileId::new("1")), SharedLinkOptions::new())
        .await
        .unwrap();
    assert_eq!(got.url, "https://app.box.com/s/abc");
    assert_eq!(
        s.last().query_value("fields").as_deref(),
        Some("shared_link")
    );
    let got = c
        .create_shared_link(&ItemId::WebLink("77".into()), SharedLinkOptions::new())
        .await
        .unwrap();
    assert_eq!(got.url, "https://app.box.com/s/abc");
    assert_eq!(s.last().path, "/2.0/web_links/77");
}

/// Fails before: `search_result` entries (searches with shared links) were
/// dropped as unknown items.
#[tokio::test]
async fn search_result_entries_are_unwrapped_not_dropped() {
    let s = MockServer::start(|_| {
        json(
            200,
            j!({"total_count": 2, "offset": 0, "limit": 200, "entries": [
                {"type": "search_result", "accessible_via_shared_link": "https://app.box.com/s/x", "item": fixture("file.json")},
                fixture("file.json"),
            ]}),
        )
    })
    .await;
    let c = client(&s.url).storage();
    let found: Vec<_> = Storage::search(&c, "contract").try_collect().await.unwrap();
    assert_eq!(found.len(), 2, "{found:?}");
}

/// Removing the last tag, against the vendored spec: the `tags` of the
/// `PUT /files/{id}` body are "retrieve the item's current tags, modify
/// them, and then update this field", with `maxItems: 100` and
/// `minItems: 1`, not nullable. The spec documents no other way to clear
/// tags, so the modified list, `[]`, is what goes out, knowingly below the
/// schema's `minItems`. Both facts are pinned here: if the spec changes
/// either, this test says so.
#[tokio::test]
async fn removing_the_last_tag_sends_an_empty_list_as_the_spec_describes() {
    let spec: serde_json::Value = serde_json::from_slice(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/spec/box-openapi.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let tags = &spec["paths"]["/files/{file_id}"]["put"]["requestBody"]["content"]
        ["application/json"]["schema"]["properties"]["tags"];
    assert_eq!(tags["minItems"], 1);
    assert_eq!(tags["maxItems"], 100);
    assert!(tags.get("nullable").is_none());
    assert!(tags["description"]
        .as_str()
        .unwrap()
        .contains("retrieve the item's current tags"));

    let s = MockServer::start(|r| match r.method.as_str() {
        "GET" => {
            let mut f = fixture("file.json");
            f["tags"] = j!(["last"]);
            json(200, f)
        }
        _ => {
            let mut f = fixture("file.json");
            f["tags"] = r.json()["tags"].clone();
            json(200, f)
        }
    })
    .await;
    let c = client(&s.url).storage();
    let id = ItemId::File(FileId::new("12345"));
    let item = c.remove_tags(&id, &["last".into()]).await.unwrap();
    assert!(item.tags().is_empty());
    let put = s.last();
    assert_eq!(put.method, "PUT");
    assert_eq!(put.json(), j!({"tags": []}));
}
