//! Real-world v1 response shapes (`fixtures/v1/real/`): each parses with
//! `Action::from_body` (snapshotted), and the `Storage` calls that met them
//! succeed against a local server answering with them.

mod common;

use box_core::{FileId, FolderId, ItemId, Storage};
use box_v1::actions::*;
use box_v1::transfer::UploadOutcome;
use box_v1::tree::{AccountTree, TreeEntry};
use box_v1::{RequestForm, Response};
use bytes::Bytes;
use common::*;
use futures::StreamExt;

fn real(name: &str) -> String {
    fixture(&format!("real/{name}.xml"))
}

#[test]
fn folder_tags_after_files_and_folders_attach_to_their_folder() {
    let tree = GetAccountTree::from_body(real("tree_tags_after_folders"))
        .unwrap()
        .build()
        .unwrap();
    let root = &tree.root;
    assert_eq!(root.folder.tags, vec![33]);
    let incoming = &root.folders[0];
    assert_eq!(
        (incoming.folder.id, &incoming.folder.tags),
        (4384, &vec![34, 35])
    );
    let deeper = &incoming.folders[0];
    assert_eq!((deeper.folder.id, &deeper.folder.tags), (4390, &vec![35]));
    assert_eq!(root.files[0].tags, vec![36]);
    insta::assert_yaml_snapshot!("tree_tags_after_folders", tree);

    // The stream says where the late tags belong.
    let entries: Vec<TreeEntry> = GetAccountTree::from_body(real("tree_tags_after_folders"))
        .unwrap()
        .entries()
        .unwrap()
        .collect::<box_core::Result<_>>()
        .unwrap();
    assert!(entries.contains(&TreeEntry::FolderTags {
        id: 0,
        tags: vec![33]
    }));
    // Same document through the generic builder.
    let doc = real("tree_tags_after_folders");
    let inner = doc
        .split("<tree>")
        .nth(1)
        .unwrap()
        .split("</tree>")
        .next()
        .unwrap();
    assert_eq!(AccountTree::build(inner.as_bytes()).unwrap(), tree);
}

#[test]
fn a_tag_outside_any_tags_element_is_still_an_error() {
    let doc = r#"<folder id="0" name=""><files></files><tag id="3"/></folder>"#;
    let e = AccountTree::build(doc.as_bytes()).unwrap_err();
    assert!(e.to_string().contains("outside a file"), "{e}");
}

#[test]
fn copy_without_new_file_id_succeeds_with_an_unknown_id() {
    let id = Copy::from_body(real("copy_without_new_file_id")).unwrap();
    assert_eq!(id, None);
    insta::assert_yaml_snapshot!("copy_without_new_file_id", id);
}

#[test]
fn search_answered_s_get_files_of_type_with_child_elements() {
    let found = Search::from_body(real("search_get_files_of_type")).unwrap();
    assert_eq!(found.files.len(), 2);
    assert_eq!(found.files[0].id, 68736);
    assert_eq!(found.files[0].folder_id, 4384);
    assert_eq!(found.files[1].updated, Some(1129537521));
    assert!(found.files[1].shared);
    assert_eq!(found.folders[0].name, "Incoming");
    assert_eq!(found.folders[0].parent_id, Some(0));
    insta::assert_yaml_snapshot!("search_get_files_of_type", found);
}

#[test]
fn max_upload_size_is_kept() {
    let user = GetAccountInfo::from_body(real("get_account_info_max_upload_size")).unwrap();
    assert_eq!(user.max_upload_size, Some(26_214_400));
    assert_eq!(user.to_core().max_upload_size, Some(26_214_400));
    insta::assert_yaml_snapshot!("get_account_info_max_upload_size", user);
    let session = GetAuthToken::from_body(real("get_auth_token_max_upload_size")).unwrap();
    assert_eq!(session.user.max_upload_size, Some(2_147_483_648));
    insta::assert_yaml_snapshot!("get_auth_token_max_upload_size", session);
}

#[test]
fn comments_keep_avatar_urls_and_nested_replies() {
    let comments = GetComments::from_body(real("get_comments_nested_replies")).unwrap();
    assert_eq!(comments.len(), 2);
    let first = &comments[0];
    assert_eq!(first.avatar_url, "https://www.box.net/api/avatar/large/453");
    assert_eq!(first.replies[0].comment_id, 902);
    assert_eq!(first.replies[0].replies[0].comment_id, 903);
    assert!(comments[1].replies.is_empty());
    insta::assert_yaml_snapshot!("get_comments_nested_replies", comments);
}

#[test]
fn upload_ok_without_files_parses_to_no_results() {
    let r = Response::parse(Bytes::from(real("upload_ok_without_files")), None).unwrap();
    let outcome = UploadOutcome::from_response(&r).unwrap();
    assert!(outcome.files.is_empty());
    insta::assert_yaml_snapshot!("upload_ok_without_files", outcome);
}

#[test]
fn from_body_checks_the_status() {
    let e = Logout::from_body(real("logout_not_logged_in")).unwrap_err();
    assert!(
        matches!(e, box_core::Error::Unauthenticated { .. }),
        "{e:?}"
    );
    assert_eq!(e.code(), Some("not_logged_in"));
    // A success status of another action is not this action's success.
    let e = Logout::from_body(real("copy_without_new_file_id")).unwrap_err();
    assert_eq!(e.code(), Some("s_copy_node"));
    assert!(Logout::from_body("<html>no</html>").is_err());
    // The recorded reference answers parse as Client::send reads them.
    assert_eq!(
        GetTicket::from_body(fixture("responses/get_ticket.xml")).unwrap(),
        "bxquuv025arztljze2n438md9zef95e8"
    );
}

fn listing(files: &str) -> String {
    format!(
        "<?xml version='1.0' encoding='UTF-8'?><response><status>listing_ok</status><tree>\
         <folder id=\"0\" name=\"\" shared=\"0\"><files>{files}</files><folders></folders>\
         <tags><tag id=\"34\"/></tags></folder></tree></response>"
    )
}

#[tokio::test]
async fn storage_lists_and_walks_trees_with_late_folder_tags() {
    let s = start().await;
    let client = s.client(RequestForm::Rest);
    s.set(
        "get_account_tree",
        "text/xml",
        real("tree_tags_after_folders"),
    );
    let listed: Vec<_> = client
        .list_folder(&FolderId::root())
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<box_core::Result<_>>()
        .unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    let walked: Vec<_> = client
        .walk(&FolderId::root())
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<box_core::Result<_>>()
        .unwrap();
    assert_eq!(walked.len(), 4, "{walked:?}");
    // get_folder reads on to the folder's late tags (names from export_tags).
    let root = client.get_folder(&FolderId::root()).await.unwrap();
    assert_eq!(root.tags.len(), 1, "{root:?}");
}

#[tokio::test]
async fn storage_upload_answered_upload_ok_without_files_finds_the_file() {
    let s = start().await;
    let client = s.client(RequestForm::Xml);
    s.set("upload", "text/xml", real("upload_ok_without_files"));
    s.sequence(
        "get_account_tree",
        vec![
            listing(""),
            listing(r#"<file id="5996" file_name="report.pdf" shared="0" size="5" created="1182159570" updated="1182159571"/>"#),
        ],
    );
    let f = client
        .upload(
            &FolderId::root(),
            "report.pdf",
            box_core::Body::from_bytes("hello"),
        )
        .await
        .unwrap();
    assert_eq!(
        (f.id.as_str(), f.name.as_str(), f.size),
        ("5996", "report.pdf", 5)
    );
}

#[tokio::test]
async fn storage_copy_answered_without_new_file_id_finds_the_copy() {
    let s = start().await;
    let client = s.client(RequestForm::Xml);
    let info = |id: u64, name: &str| {
        format!(
            "<response><status>s_get_file_info</status><info><file_id>{id}</file_id>\
             <file_name>{name}</file_name><folder_id>0</folder_id><shared>0</shared>\
             <size>22528</size><sha1>9a0bc49038c167151c544ac0b5fc9042335a41a3</sha1>\
             </info></response>"
        )
    };
    let original = r#"<file id="224" file_name="Box Press Release.doc" shared="0" size="22528"/>"#;
    let copy = r#"<file id="230" file_name="copy.doc" shared="0" size="22528"/>"#;
    s.set("copy", "text/xml", real("copy_without_new_file_id"));
    s.sequence(
        "get_account_tree",
        vec![
            listing(original),
            listing(original),
            format!("{}", listing(&format!("{original}{copy}"))),
        ],
    );
    s.sequence(
        "get_file_info",
        vec![
            info(224, "Box Press Release.doc"),
            info(224, "Box Press Release.doc"),
            info(230, "copy.doc"),
        ],
    );
    let copied = client
        .copy(
            &ItemId::File(FileId::new("224")),
            &FolderId::root(),
            Some("copy.doc"),
        )
        .await
        .unwrap();
    assert_eq!(copied.id(), ItemId::File(FileId::new("230")));
    assert_eq!(copied.name(), "copy.doc");
    let copies = s
        .take_requests()
        .iter()
        .filter(|r| String::from_utf8_lossy(&r.body).contains("<action>copy</action>"))
        .count();
    assert_eq!(copies, 1);
}
