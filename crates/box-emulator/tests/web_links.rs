//! Web links and collaboration updates end to end through box-v2's
//! generated typed methods: an owner, an editor and a viewer collaborator
//! and a stranger; shared links on web links resolved by another user; the
//! trash; and persistence across a restart.

use box_emulator::Emulator;
use box_v2::generated::models::{
    AddSharedLinkToWebLinkBody, AddSharedLinkToWebLinkBodySharedLink,
    AddSharedLinkToWebLinkBodySharedLinkAccess, CreateCollaborationBody,
    CreateCollaborationBodyAccessibleBy, CreateCollaborationBodyAccessibleByType,
    CreateCollaborationBodyItem, CreateCollaborationBodyItemType, CreateCollaborationBodyRole,
    CreateWebLinkBody, CreateWebLinkBodyParent, RemoveSharedLinkFromWebLinkBody,
    UpdateCollaborationBody, UpdateCollaborationBodyRole, UpdateCollaborationBodyStatus,
    UpdateWebLinkBody,
};
use box_v2::Client;
use reqwest::Method;
use serde_json::{json, Value};

mod support;
use support::{raw, sdk, status};

async fn collaborate(owner: &Client, folder: &str, user: &str, role: CreateCollaborationBodyRole) {
    let mut item = CreateCollaborationBodyItem::new();
    item.id = Some(folder.to_string());
    item.type_ = Some(CreateCollaborationBodyItemType::Folder);
    let mut who =
        CreateCollaborationBodyAccessibleBy::new(CreateCollaborationBodyAccessibleByType::User);
    who.id = Some(user.to_string());
    owner
        .collaborations()
        .create_collaboration(CreateCollaborationBody::new(who, item, role))
        .send()
        .await
        .unwrap();
}

fn new_link(parent: &str, url: &str, name: Option<&str>) -> CreateWebLinkBody {
    let mut body = CreateWebLinkBody::new(
        CreateWebLinkBodyParent::new(parent.to_string()),
        url.to_string(),
    );
    body.name = name.map(str::to_string);
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_links_through_generated_methods_across_users() {
    let emu = Emulator::builder().start().await.unwrap();
    let (ed, ed_token) = emu
        .create_user("Eddie Editor", "eddie@example.com")
        .unwrap();
    let (vi, vi_token) = emu.create_user("Vera Viewer", "vera@example.com").unwrap();
    let (_, st_token) = emu
        .create_user("Stan Stranger", "stan@example.com")
        .unwrap();
    let owner = sdk(&emu, emu.default_token());
    let editor = sdk(&emu, &ed_token);
    let viewer = sdk(&emu, &vi_token);
    let stranger = sdk(&emu, &st_token);

    let folder = raw(
        &owner,
        Method::POST,
        "/folders",
        Some(json!({"name": "Links", "parent": {"id": "0"}})),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    raw(
        &owner,
        Method::POST,
        "/folders",
        Some(json!({"name": "zz-sub", "parent": {"id": folder}})),
    )
    .await;
    collaborate(
        &owner,
        &folder,
        &ed.id.to_string(),
        CreateCollaborationBodyRole::Editor,
    )
    .await;
    collaborate(
        &owner,
        &folder,
        &vi.id.to_string(),
        CreateCollaborationBodyRole::Viewer,
    )
    .await;

    // Create: the name defaults to the URL.
    let mut body = new_link(&folder, "https://example.com/docs", None);
    body.description = Some("the docs".into());
    let link = owner
        .web_links()
        .create_web_link(body)
        .send()
        .await
        .unwrap();
    assert_eq!(link.type_, "web_link");
    assert_eq!(link.url.as_deref(), Some("https://example.com/docs"));
    assert_eq!(link.name.as_deref(), Some("https://example.com/docs"));
    assert_eq!(link.description.as_deref(), Some("the docs"));
    assert_eq!(
        link.parent.as_ref().map(|p| p.id.to_string()),
        Some(folder.clone())
    );
    let id = link.id.to_string();

    // Bad input is a 400, a taken name a 409, a viewer's create a 403 and a
    // stranger's a 404.
    let bad = owner
        .web_links()
        .create_web_link(new_link(&folder, "ftp://example.com", None))
        .send()
        .await;
    assert_eq!(status(bad), 400);
    let taken = owner
        .web_links()
        .create_web_link(new_link(&folder, "https://x.example", Some("ZZ-SUB")))
        .send()
        .await;
    assert_eq!(status(taken), 409);
    let by_viewer = viewer
        .web_links()
        .create_web_link(new_link(&folder, "https://x.example", None))
        .send()
        .await;
    assert_eq!(status(by_viewer), 403);
    let by_stranger = stranger
        .web_links()
        .create_web_link(new_link(&folder, "https://x.example", None))
        .send()
        .await;
    assert_eq!(status(by_stranger), 404);

    // Everyone with access reads it; the stranger does not see it.
    let got = viewer
        .web_links()
        .get_web_link(id.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(got.url.as_deref(), Some("https://example.com/docs"));
    assert_eq!(
        status(stranger.web_links().get_web_link(id.as_str()).send().await),
        404
    );

    // The folder lists it after the subfolder (folders, files, web links).
    let listing = raw(
        &viewer,
        Method::GET,
        &format!("/folders/{folder}/items"),
        None,
    )
    .await;
    let types: Vec<&str> = listing["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["folder", "web_link"]);
    assert_eq!(listing["entries"][1]["url"], "https://example.com/docs");

    // The editor changes URL and name; the viewer may not.
    let mut upd = UpdateWebLinkBody::new();
    upd.url = Some("https://example.com/docs/v2".into());
    upd.name = Some("Docs".into());
    let changed = editor
        .web_links()
        .update_web_link(id.as_str())
        .body(upd.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(changed.url.as_deref(), Some("https://example.com/docs/v2"));
    assert_eq!(changed.name.as_deref(), Some("Docs"));
    assert_ne!(changed.etag, got.etag);
    let denied = viewer
        .web_links()
        .update_web_link(id.as_str())
        .body(upd)
        .send()
        .await;
    assert_eq!(status(denied), 403);

    // A shared link on the web link, found by the stranger through it.
    let mut sl = AddSharedLinkToWebLinkBodySharedLink::new();
    sl.access = Some(AddSharedLinkToWebLinkBodySharedLinkAccess::Open);
    let mut body = AddSharedLinkToWebLinkBody::new();
    body.shared_link = Some(sl);
    let shared = owner
        .shared_links_web_links()
        .add_shared_link_to_web_link(id.as_str(), "shared_link")
        .body(body)
        .send()
        .await
        .unwrap();
    let url = shared.shared_link.expect("a shared link").url;
    let found = stranger
        .shared_links_web_links()
        .find_web_link_for_shared_link(format!("shared_link={url}"))
        .send()
        .await
        .unwrap();
    assert_eq!(found.id.to_string(), id);
    assert_eq!(found.url.as_deref(), Some("https://example.com/docs/v2"));
    let read = owner
        .shared_links_web_links()
        .get_shared_link_for_web_link(id.as_str(), "shared_link")
        .send()
        .await
        .unwrap();
    assert_eq!(read.shared_link.map(|l| l.url), Some(url.clone()));
    let mut body = RemoveSharedLinkFromWebLinkBody::new();
    body.extra.insert("shared_link".into(), Value::Null);
    let removed = owner
        .shared_links_web_links()
        .remove_shared_link_from_web_link(id.as_str(), "shared_link")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(removed.shared_link.is_none());
    let gone = stranger
        .shared_links_web_links()
        .find_web_link_for_shared_link(format!("shared_link={url}"))
        .send()
        .await;
    assert_eq!(status(gone), 404);

    // Trash, the trashed web link, restore, trash again, purge.
    assert_eq!(
        status(viewer.web_links().remove_web_link(id.as_str()).send().await),
        403
    );
    owner
        .web_links()
        .remove_web_link(id.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(
        status(owner.web_links().get_web_link(id.as_str()).send().await),
        404
    );
    let trashed = owner
        .trashed_web_links()
        .get_trashed_web_link(id.as_str())
        .send()
        .await
        .unwrap();
    assert!(trashed.trashed_at.is_some());
    let restored = owner
        .trashed_web_links()
        .restore_web_link(id.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(restored.name.as_deref(), Some("Docs"));
    owner
        .web_links()
        .remove_web_link(id.as_str())
        .send()
        .await
        .unwrap();
    owner
        .trashed_web_links()
        .permanently_remove_web_link(id.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(
        status(
            owner
                .trashed_web_links()
                .get_trashed_web_link(id.as_str())
                .send()
                .await
        ),
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collaboration_updates_and_listings() {
    let emu = Emulator::builder().start().await.unwrap();
    let (vi, vi_token) = emu.create_user("Vera Viewer", "vera@example.com").unwrap();
    let (_, st_token) = emu
        .create_user("Stan Stranger", "stan@example.com")
        .unwrap();
    let owner = sdk(&emu, emu.default_token());
    let vera = sdk(&emu, &vi_token);
    let stranger = sdk(&emu, &st_token);
    let folder = raw(
        &owner,
        Method::POST,
        "/folders",
        Some(json!({"name": "Team", "parent": {"id": "0"}})),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    collaborate(
        &owner,
        &folder,
        &vi.id.to_string(),
        CreateCollaborationBodyRole::Viewer,
    )
    .await;
    let list = owner
        .collaborations_list()
        .list_folder_collaborations(folder.as_str())
        .send()
        .await
        .unwrap();
    let entries = list.entries.unwrap_or_default();
    assert_eq!(entries.len(), 1);
    let collab = entries[0].id.to_string();

    // Vera, a viewer, cannot add a web link; she cannot make herself an
    // editor either, and the stranger does not see the collaboration.
    let add = |c: Client| {
        let folder = folder.clone();
        async move {
            c.web_links()
                .create_web_link(new_link(&folder, "https://example.com", None))
                .send()
                .await
        }
    };
    assert_eq!(status(add(vera.clone()).await), 403);
    let mut up = UpdateCollaborationBody::new();
    up.role = Some(UpdateCollaborationBodyRole::Editor);
    assert_eq!(
        status(
            vera.collaborations()
                .update_collaboration(collab.as_str())
                .body(up.clone())
                .send()
                .await
        ),
        403
    );
    assert_eq!(
        status(
            stranger
                .collaborations()
                .update_collaboration(collab.as_str())
                .body(up.clone())
                .send()
                .await
        ),
        404
    );
    // Accepting an accepted collaboration is refused (nothing is pending).
    let mut accept = UpdateCollaborationBody::new();
    accept.status = Some(UpdateCollaborationBodyStatus::Rejected);
    assert_eq!(
        status(
            vera.collaborations()
                .update_collaboration(collab.as_str())
                .body(accept)
                .send()
                .await
        ),
        400
    );
    // The owner makes her an editor: now she can.
    let changed = owner
        .collaborations()
        .update_collaboration(collab.as_str())
        .body(up)
        .send()
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&changed.role).unwrap(),
        json!("editor")
    );
    add(vera.clone()).await.unwrap();
    // Ownership transfer is refused with a clear 400.
    let mut own = UpdateCollaborationBody::new();
    own.extra.insert("role".into(), json!("owner"));
    assert_eq!(
        status(
            owner
                .collaborations()
                .update_collaboration(collab.as_str())
                .body(own)
                .send()
                .await
        ),
        400
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_links_and_collaboration_roles_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    let token = emu.default_token().to_string();
    let (vi, vi_token) = emu.create_user("Vera", "vera@example.com").unwrap();
    let owner = sdk(&emu, &token);
    let folder = raw(
        &owner,
        Method::POST,
        "/folders",
        Some(json!({"name": "Kept", "parent": {"id": "0"}})),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    collaborate(
        &owner,
        &folder,
        &vi.id.to_string(),
        CreateCollaborationBodyRole::Viewer,
    )
    .await;
    let link = owner
        .web_links()
        .create_web_link(new_link(&folder, "https://example.com/kept", Some("kept")))
        .send()
        .await
        .unwrap();
    let collab = raw(
        &owner,
        Method::GET,
        &format!("/folders/{folder}/collaborations"),
        None,
    )
    .await["entries"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut up = UpdateCollaborationBody::new();
    up.role = Some(UpdateCollaborationBodyRole::Editor);
    owner
        .collaborations()
        .update_collaboration(collab.as_str())
        .body(up)
        .send()
        .await
        .unwrap();
    emu.stop().await;

    let emu = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    let owner = sdk(&emu, &token);
    let vera = sdk(&emu, &vi_token);
    let got = vera
        .web_links()
        .get_web_link(link.id.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(got.url.as_deref(), Some("https://example.com/kept"));
    assert_eq!(got.name.as_deref(), Some("kept"));
    let c = raw(
        &owner,
        Method::GET,
        &format!("/collaborations/{collab}"),
        None,
    )
    .await;
    assert_eq!(c["role"], "editor");
    // Vera is an editor after the restart too.
    let mut upd = UpdateWebLinkBody::new();
    upd.url = Some("https://example.com/changed".into());
    vera.web_links()
        .update_web_link(link.id.as_str())
        .body(upd)
        .send()
        .await
        .unwrap();
    emu.stop().await;
}
