//! The generated box-v2 surface end to end against the emulator, for the
//! areas it serves: shared links, collaborations, search (the typed stream
//! with filters), metadata templates, instances and the metadata-query
//! stream, web links, comments, tasks, collections, webhooks (a real signed
//! delivery checked with `webhooks::verify`) and the event stream.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
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
use box_v2::generated::models::{
    AssignTaskBody, AssignTaskBodyAssignTo, AssignTaskBodyTask, CreateCommentBody,
    CreateCommentBodyItem, CreateCommentBodyItemType, CreateMetadataTemplateBody,
    CreateMetadataTemplateBodyFieldsItem, CreateMetadataTemplateBodyFieldsItemType, CreateTaskBody,
    CreateTaskBodyItem, CreateWebLinkBody, CreateWebLinkBodyParent, CreateWebhookBody,
    CreateWebhookBodyTarget, CreateWebhookBodyTargetType, CreateWebhookBodyTriggersItem,
    MetadataInstanceValue, MetadataQuery, MetadataQueryResultItem, UpdateCommentBody,
    UpdateFileBody, UpdateFileBodyCollectionsItem, UpdateMetadataInstanceOnFileBodyItem,
    UpdateMetadataInstanceOnFileBodyItemOp, UpdateTaskAssignmentBody,
    UpdateTaskAssignmentBodyResolutionState, UpdateWebLinkBody, UpdateWebhookBody,
    UpdateWebhookBodyTriggersItem,
};
use box_v2::search::{SearchHit, SearchItemType};
use box_v2::shared_items::SharedItem;
use box_v2::Client;
use boxkit_tests::{developer_client, start};
use futures::{StreamExt, TryStreamExt};
use serde_json::json;

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

/// A folder `name` under root, its id.
async fn mkdir(c: &Client, parent: &str, name: &str) -> String {
    c.folders()
        .create(parent, name)
        .send()
        .await
        .unwrap()
        .id
        .to_string()
}

/// Uploads `name` (a few bytes) into `parent`, its id.
async fn put(c: &Client, parent: &str, name: &str) -> String {
    c.upload_file(parent, name, Body::from_bytes(name.as_bytes().to_vec()))
        .await
        .unwrap()
        .id
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_stream_pages_with_filters_through_the_emulator() {
    let emulator = start(Emulator::builder()).await;
    let (_, token) = emulator.create_user("Sam", "sam@example.com").unwrap();
    let c = developer_client(&emulator, &token);

    let inside = mkdir(&c, "0", "budget-inside").await;
    let outside = mkdir(&c, "0", "budget-outside").await;
    let mut expected = Vec::new();
    for i in 0..7 {
        expected.push(put(&c, &inside, &format!("budget-{i}.txt")).await);
    }
    put(&c, &outside, "budget-elsewhere.txt").await;
    mkdir(&c, &inside, "budget-subfolder").await;

    // Files only, below one folder, three per page: three requests.
    let hits: Vec<SearchHit> = c
        .search()
        .content("budget")
        .item_type(SearchItemType::File)
        .ancestor_folder_ids([inside.as_str()])
        .page_size(3)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let mut got: Vec<String> = hits
        .iter()
        .map(|h| match &h.item {
            SearchResultItem::FileFull(f) => f.id.to_string(),
            other => panic!("a file was asked for, got {other:?}"),
        })
        .collect();
    got.sort();
    expected.sort();
    assert_eq!(got, expected);

    // Folders only, anywhere.
    let folders: Vec<SearchHit> = c
        .search()
        .content("budget")
        .item_type(SearchItemType::Folder)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(folders.len(), 3, "{folders:?}");
    assert!(folders
        .iter()
        .all(|h| matches!(h.item, SearchResultItem::FolderFull(_))));

    // No query and no metadata filter: a typed error before any request.
    let err = c.search().content("").stream().next().await.unwrap();
    assert!(
        matches!(err, Err(box_core::Error::InvalidInput { .. })),
        "{err:?}"
    );
    emulator.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_templates_instances_and_the_query_stream_through_the_emulator() {
    let emulator = start(Emulator::builder()).await;
    // Enterprise templates are made by an admin: the default user is the
    // enterprise's admin.
    let c = developer_client(&emulator, emulator.default_token());

    // A template with a string and a float field.
    let mut body = CreateMetadataTemplateBody::new("Contract".to_owned(), "enterprise".to_owned());
    body.template_key = Some("contract".to_owned());
    body.fields = Some(vec![
        CreateMetadataTemplateBodyFieldsItem::new(
            "Client".to_owned(),
            "client".to_owned(),
            CreateMetadataTemplateBodyFieldsItemType::String,
        ),
        CreateMetadataTemplateBodyFieldsItem::new(
            "Amount".to_owned(),
            "amount".to_owned(),
            CreateMetadataTemplateBodyFieldsItemType::Float,
        ),
    ]);
    let template = c
        .metadata_templates()
        .create_metadata_template(body)
        .send()
        .await
        .unwrap();
    let scope = template.scope.clone().expect("a scope");
    assert!(scope.starts_with("enterprise"), "{scope}");
    let by_name = c
        .metadata_templates()
        .get_metadata_template_by_name(scope.clone(), "contract")
        .send()
        .await
        .unwrap();
    assert_eq!(by_name.id, template.id);

    // Seven files with an instance each (amount 0, 100, … 600), one without.
    let folder = mkdir(&c, "0", "Contracts").await;
    let mut files = Vec::new();
    for i in 0..7i64 {
        let id = put(&c, &folder, &format!("contract-{i}.pdf")).await;
        let values: BTreeMap<String, serde_json::Value> = [
            ("client".to_owned(), json!(format!("client-{i}"))),
            ("amount".to_owned(), json!(i * 100)),
        ]
        .into();
        let created = c
            .metadata_instances_files()
            .create_metadata_instance_on_file(id.as_str(), scope.clone(), "contract")
            .body(values)
            .send()
            .await
            .unwrap();
        assert_eq!(created.template.as_deref(), Some("contract"));
        files.push(id);
    }
    put(&c, &folder, "no-metadata.pdf").await;

    // A JSON-Patch replace, read back.
    let mut op = UpdateMetadataInstanceOnFileBodyItem::new();
    op.op = Some(UpdateMetadataInstanceOnFileBodyItemOp::Replace);
    op.path = Some("/client".to_owned());
    op.value = Some(MetadataInstanceValue::String("renamed".to_owned()));
    c.metadata_instances_files()
        .update_metadata_instance_on_file(files[0].as_str(), scope.clone(), "contract", vec![op])
        .send()
        .await
        .unwrap();
    let got = c
        .metadata_instances_files()
        .get_metadata_instance_on_file(files[0].as_str(), scope.clone(), "contract")
        .send()
        .await
        .unwrap();
    assert_eq!(got.extra["client"], "renamed");

    // amount >= 200 matches five files; two per page is three pages of markers.
    let mut query = MetadataQuery::new(folder.clone(), format!("{scope}.contract"));
    query.query = Some("amount >= :min".to_owned());
    query.query_params = Some([("min".to_owned(), json!(200))].into());
    let items: Vec<MetadataQueryResultItem> = c
        .search()
        .metadata(query.clone())
        .page_size(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let mut got: Vec<String> = items
        .iter()
        .map(|i| match i {
            MetadataQueryResultItem::FileFull(f) => f.id.to_string(),
            other => panic!("a file was expected, got {other:?}"),
        })
        .collect();
    got.sort();
    let mut want = files[2..].to_vec();
    want.sort();
    assert_eq!(got, want);

    // Removing an instance takes the file out of the results.
    c.metadata_instances_files()
        .remove_metadata_instance_from_file(files[6].as_str(), scope.clone(), "contract")
        .send()
        .await
        .unwrap();
    let after: Vec<MetadataQueryResultItem> = c
        .search()
        .metadata(query)
        .page_size(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(after.len(), 4);

    // A query on a template that does not exist is a typed API error.
    let missing = MetadataQuery::new(folder, format!("{scope}.nope"));
    let err = c.search().metadata(missing).stream().next().await.unwrap();
    assert!(
        matches!(&err, Err(box_core::Error::NotFound { .. })),
        "{err:?}"
    );
    emulator.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_links_comments_tasks_and_collections_through_generated_methods() {
    let emulator = start(Emulator::builder()).await;
    let (_, token_a) = emulator.create_user("Ann", "ann@example.com").unwrap();
    let (bob, token_b) = emulator.create_user("Ben", "ben@example.com").unwrap();
    let a = developer_client(&emulator, &token_a);
    let b = developer_client(&emulator, &token_b);
    let folder = mkdir(&a, "0", "Links").await;
    let file = put(&a, &folder, "spec.txt").await;

    // Web links: create, get, update, shared link, trash, restore, delete for good.
    let mut body = CreateWebLinkBody::new(
        CreateWebLinkBodyParent::new(folder.clone()),
        "https://example.com/a".to_owned(),
    );
    body.name = Some("Example".to_owned());
    let link = a.web_links().create_web_link(body).send().await.unwrap();
    assert_eq!(link.name.as_deref(), Some("Example"));
    let mut update = UpdateWebLinkBody::new();
    update.url = Some("https://example.com/b".to_owned());
    let updated = a
        .web_links()
        .update_web_link(link.id.clone())
        .body(update)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.url.as_deref(), Some("https://example.com/b"));
    let got = a
        .web_links()
        .get_web_link(link.id.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(got.url.as_deref(), Some("https://example.com/b"));
    a.web_links()
        .remove_web_link(link.id.clone())
        .send()
        .await
        .unwrap();
    let trashed = a
        .trashed_web_links()
        .get_trashed_web_link(link.id.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(trashed.id.as_deref(), Some(link.id.as_str()));
    a.trashed_web_links()
        .restore_web_link(link.id.clone())
        .send()
        .await
        .unwrap();
    a.web_links()
        .get_web_link(link.id.clone())
        .send()
        .await
        .unwrap();

    // Comments: create, reply, list, update, delete.
    let comment = a
        .comments()
        .create_comment(CreateCommentBody::new(
            CreateCommentBodyItem::new(file.clone(), CreateCommentBodyItemType::File),
            "first".to_owned(),
        ))
        .send()
        .await
        .unwrap();
    let comment_id = comment.id.clone().expect("a comment id");
    let reply = a
        .comments()
        .create_comment(CreateCommentBody::new(
            CreateCommentBodyItem::new(comment_id.to_string(), CreateCommentBodyItemType::Comment),
            "a reply".to_owned(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.is_reply_comment, Some(true));
    let listed = a
        .comments()
        .list_file_comments(file.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(listed.entries.unwrap_or_default().len(), 2);
    let mut edit = UpdateCommentBody::new();
    edit.message = Some("edited".to_owned());
    let edited = a
        .comments()
        .update_comment(comment_id.clone())
        .body(edit)
        .send()
        .await
        .unwrap();
    assert_eq!(edited.message.as_deref(), Some("edited"));
    a.comments()
        .remove_comment(comment_id.clone())
        .send()
        .await
        .unwrap();
    let gone = a.comments().get_comment(comment_id).send().await;
    assert!(
        matches!(gone, Err(box_core::Error::NotFound { .. })),
        "{gone:?}"
    );

    // Tasks: an assignee must reach the file, so first a collaboration for Ben;
    // then create on the file, assign to Ben (by login), Ben approves it (a review task),
    // list, unassign, delete.
    let mut on = CreateCollaborationBodyItem::new();
    on.id = Some(folder.clone());
    on.type_ = Some(CreateCollaborationBodyItemType::Folder);
    let mut who =
        CreateCollaborationBodyAccessibleBy::new(CreateCollaborationBodyAccessibleByType::User);
    who.id = Some(bob.id.to_string());
    a.collaborations()
        .create_collaboration(CreateCollaborationBody::new(
            who,
            on,
            CreateCollaborationBodyRole::Editor,
        ))
        .send()
        .await
        .unwrap();
    let mut item = CreateTaskBodyItem::new();
    item.id = Some(file.clone());
    item.type_ = Some("file".to_owned());
    let mut task_body = CreateTaskBody::new(item);
    task_body.message = Some("review".to_owned());
    let task = a.tasks().create_task(task_body).send().await.unwrap();
    let task_id = task.id.clone().expect("a task id");
    let mut to = AssignTaskBodyAssignTo::new();
    to.login = Some("ben@example.com".to_owned());
    let assignment = a
        .task_assignments()
        .assign_task(AssignTaskBody::new(
            to,
            AssignTaskBodyTask::new(task_id.to_string(), "task".to_owned()),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        assignment.assigned_to.map(|u| u.id.to_string()),
        Some(bob.id.to_string())
    );
    let assignment_id = assignment.id.clone().expect("an assignment id");
    let mut done = UpdateTaskAssignmentBody::new();
    done.resolution_state = Some(UpdateTaskAssignmentBodyResolutionState::Approved);
    let completed = b
        .task_assignments()
        .update_task_assignment(assignment_id.clone())
        .body(done)
        .send()
        .await
        .unwrap();
    assert_eq!(
        completed
            .resolution_state
            .map(|s| format!("{s:?}"))
            .as_deref(),
        Some("Approved")
    );
    let on_file = a
        .tasks()
        .list_tasks_on_file(file.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(on_file.entries.unwrap_or_default().len(), 1);
    let assignments = a
        .task_assignments()
        .list_task_assignments(task_id.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(assignments.entries.unwrap_or_default().len(), 1);
    a.task_assignments()
        .unassign_task(assignment_id)
        .send()
        .await
        .unwrap();
    a.tasks().remove_task(task_id.clone()).send().await.unwrap();
    assert!(a.tasks().get_task(task_id).send().await.is_err());

    // Collections: Favorites, joined through `collections` on a file update.
    let collections = a.collections().list_all_collections().send().await.unwrap();
    let favorites = collections
        .entries
        .unwrap_or_default()
        .into_iter()
        .find(|c| c.collection_type.as_deref() == Some("favorites"))
        .expect("a Favorites collection");
    let favorites_id = favorites.id.expect("a collection id");
    let mut member = UpdateFileBodyCollectionsItem::new();
    member.id = Some(favorites_id.to_string());
    let mut update = UpdateFileBody::new();
    update.collections = Some(vec![member]);
    a.files()
        .update_file(file.as_str())
        .body(update)
        .send()
        .await
        .unwrap();
    let items = a
        .collections()
        .list_collection_items(favorites_id.clone())
        .send()
        .await
        .unwrap();
    let ids: Vec<String> = serde_json::to_value(items.entries.unwrap_or_default())
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, vec![file.clone()]);
    let by_id = a
        .collections()
        .get_collection_by_id(favorites_id)
        .send()
        .await
        .unwrap();
    assert_eq!(by_id.name.as_deref(), Some("Favorites"));
    emulator.stop().await;
}

/// Deliveries a webhook receiver got: headers and raw body.
type Deliveries = Arc<Mutex<Vec<(axum::http::HeaderMap, Vec<u8>)>>>;

async fn receive(
    axum::extract::State(got): axum::extract::State<Deliveries>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> &'static str {
    got.lock().unwrap().push((headers, body.to_vec()));
    "ok"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_created_through_box_v2_delivers_a_notification_that_verifies() {
    let emulator = start(Emulator::builder()).await;
    let (_, token) = emulator.create_user("Wes", "wes@example.com").unwrap();
    let c = developer_client(&emulator, &token);

    // The app's signature keys, as set in the developer console.
    let (primary, secondary) = ("primary-key-1", "secondary-key-2");
    let status = reqwest::Client::new()
        .put(format!("{}/webhook_keys", emulator.admin_url()))
        .header("x-box-emulator-admin-secret", emulator.admin_secret())
        .json(&json!({"primary": primary, "secondary": secondary}))
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success(), "{status}");

    // A local receiver.
    let got: Deliveries = Arc::default();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(got.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}/hook", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let folder = mkdir(&c, "0", "Watched").await;
    let mut target = CreateWebhookBodyTarget::new();
    target.id = Some(folder.clone());
    target.type_ = Some(CreateWebhookBodyTargetType::Folder);
    let hook = c
        .webhooks()
        .create_webhook(CreateWebhookBody::new(
            address.clone(),
            target,
            vec![CreateWebhookBodyTriggersItem::FileUploaded],
        ))
        .send()
        .await
        .unwrap();
    let hook_id = hook.id.clone().expect("a webhook id");
    let listed = c.webhooks().list_all_webhooks().send().await.unwrap();
    assert!(listed
        .entries
        .unwrap_or_default()
        .iter()
        .any(|w| w.id.as_ref() == Some(&hook_id)));
    let fetched = c
        .webhooks()
        .get_webhook(hook_id.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.address.as_deref(), Some(address.as_str()));

    let file = put(&c, &folder, "watched.txt").await;
    let mut delivery = None;
    for _ in 0..200 {
        if let Some(d) = got.lock().unwrap().first().cloned() {
            delivery = Some(d);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (headers, body) = delivery.expect("a delivery within 10 s");
    let now = chrono::Utc::now();
    box_v2::webhooks::verify(&body, &headers, Some(primary), Some(secondary), now)
        .expect("the delivery verifies with both keys");
    box_v2::webhooks::verify(&body, &headers, None, Some(secondary), now)
        .expect("the delivery verifies with the secondary key alone");
    assert_eq!(
        box_v2::webhooks::verify(&body, &headers, Some("wrong"), None, now),
        Err(box_v2::webhooks::VerifyError::Mismatch)
    );
    let mut altered = body.clone();
    altered.push(b' ');
    assert_eq!(
        box_v2::webhooks::verify(&altered, &headers, Some(primary), None, now),
        Err(box_v2::webhooks::VerifyError::Mismatch)
    );
    let late = now + chrono::Duration::minutes(11);
    assert!(matches!(
        box_v2::webhooks::verify(&body, &headers, Some(primary), None, late),
        Err(box_v2::webhooks::VerifyError::Expired(_))
    ));
    let payload: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(payload["trigger"], "FILE.UPLOADED");
    assert_eq!(payload["source"]["id"], file.as_str());
    assert_eq!(payload["webhook"]["id"], hook_id.as_str());

    // Update the triggers, then delete.
    let mut update = UpdateWebhookBody::new();
    update.triggers = Some(vec![UpdateWebhookBodyTriggersItem::FileTrashed]);
    let updated = c
        .webhooks()
        .update_webhook(hook_id.clone())
        .body(update)
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated.triggers.map(|t| t.len()),
        Some(1),
        "the triggers are replaced"
    );
    c.webhooks()
        .remove_webhook(hook_id.clone())
        .send()
        .await
        .unwrap();
    assert!(c.webhooks().get_webhook(hook_id).send().await.is_err());
    server.abort();
    emulator.stop().await;
}
