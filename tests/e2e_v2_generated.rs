//! The generated box-v2 surface end to end against the emulator, for the
//! areas it serves: shared links, collaborations, search and the event
//! stream.

use std::time::Duration;

use box_core::Body;
use box_emulator::Emulator;
use box_v2::events::StreamPosition;
use box_v2::generated::models::{
    AddSharedLinkToFileBody, AddSharedLinkToFileBodySharedLink,
    AddSharedLinkToFileBodySharedLinkAccess, CreateCollaborationBody,
    CreateCollaborationBodyAccessibleBy, CreateCollaborationBodyAccessibleByType,
    CreateCollaborationBodyItem, CreateCollaborationBodyItemType, CreateCollaborationBodyRole,
    SearchResultItem, SearchResultsResponse,
};
use box_v2::shared_items::SharedItem;
use boxkit_tests::{developer_client, start};
use futures::StreamExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_links_collaborations_and_search_through_generated_methods() {
    let emulator = start(Emulator::builder()).await;
    let (_, token_a) = emulator.create_user("Alice", "alice@example.com").unwrap();
    let (bob, token_b) = emulator.create_user("Bob", "bob@example.com").unwrap();
    let a = developer_client(&emulator, &token_a);
    let b = developer_client(&emulator, &token_b);

    let folder = a.folders().create("0", "Quarterly").send().await.unwrap();
    let file = a
        .upload_file(
            folder.id.as_str(),
            "report-q3.txt",
            Body::from_bytes(b"numbers".to_vec()),
        )
        .await
        .unwrap();

    // Shared link on a file, then resolved as another user.
    let mut link = AddSharedLinkToFileBodySharedLink::new();
    link.access = Some(AddSharedLinkToFileBodySharedLinkAccess::Open);
    let mut body = AddSharedLinkToFileBody::new();
    body.shared_link = Some(link);
    let shared = a
        .shared_links_files()
        .add_shared_link_to_file(file.id.as_str(), "shared_link")
        .body(body)
        .send()
        .await
        .unwrap();
    let url = shared.shared_link.expect("a shared link").url;
    assert!(url.contains("/s/"), "{url}");
    match b.shared_item(&url, None).await.unwrap() {
        SharedItem::File(f) => assert_eq!(f.id, file.id),
        other => panic!("expected the file, got {other:?}"),
    }
    let got = a
        .shared_links_files()
        .get_shared_link_for_file(file.id.as_str(), "shared_link")
        .send()
        .await
        .unwrap();
    assert_eq!(got.shared_link.map(|l| l.url), Some(url));

    // A collaboration for Bob on the folder.
    let mut item = CreateCollaborationBodyItem::new();
    item.id = Some(folder.id.to_string());
    item.type_ = Some(CreateCollaborationBodyItemType::Folder);
    let mut who =
        CreateCollaborationBodyAccessibleBy::new(CreateCollaborationBodyAccessibleByType::User);
    who.id = Some(bob.id.to_string());
    let collab = a
        .collaborations()
        .create_collaboration(CreateCollaborationBody::new(
            who,
            item,
            CreateCollaborationBodyRole::Editor,
        ))
        .send()
        .await
        .unwrap();
    let fetched = a
        .collaborations()
        .get_collaboration(collab.id.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.id, collab.id);
    let listed = a
        .collaborations_list()
        .list_folder_collaborations(folder.id.as_str())
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = listed
        .entries
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert!(ids.contains(&collab.id), "{ids:?}");
    // Bob now sees the folder.
    b.folders().get(folder.id.as_str()).send().await.unwrap();
    a.collaborations()
        .remove_collaboration(collab.id)
        .send()
        .await
        .unwrap();

    // Search finds the file by name.
    let found = a
        .search()
        .search_for_content()
        .query("report")
        .send()
        .await
        .unwrap();
    let entries = match found {
        SearchResultsResponse::SearchResults(r) => r.entries.unwrap_or_default(),
        other => panic!("unexpected search answer {other:?}"),
    };
    assert!(
        entries
            .iter()
            .any(|e| matches!(e, SearchResultItem::FileFull(f) if f.id == file.id)),
        "{entries:?}"
    );
    emulator.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_long_polls_the_emulator() {
    let emulator = start(Emulator::builder().longpoll_timeout(Duration::from_secs(2))).await;
    let (_, token) = emulator.create_user("Eve", "eve@example.com").unwrap();
    let c = developer_client(&emulator, &token);
    let mut events = c.events().stream(StreamPosition::Now);

    // The first poll of the stream waits on the realtime server; the upload wakes it.
    let uploader = c.clone();
    let upload = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        uploader
            .upload_file("0", "event.txt", Body::from_bytes(b"x".to_vec()))
            .await
            .unwrap()
    });
    let event = tokio::time::timeout(Duration::from_secs(20), events.next())
        .await
        .expect("an event before the timeout")
        .expect("the stream goes on")
        .unwrap();
    let file = upload.await.unwrap();
    assert_eq!(
        event.event_type.map(|t| format!("{t:?}")).as_deref(),
        Some("ItemUpload")
    );
    let source = serde_json::to_value(event.source.unwrap()).unwrap();
    assert_eq!(source["id"], file.id.as_str());
    assert!(event.event_id.is_some());
    emulator.stop().await;
}
