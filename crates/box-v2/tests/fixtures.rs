//! Every fixture parses into its typed model; snapshots show the parsed values.

mod common;

use box_v2::models::{
    Collection, File, FileVersion, Folder, Item, PreflightCheck, UploadPart, UploadSession,
    UploadedPart, User,
};
use box_v2::pagination::Page;
use common::fixture;

fn parse<T: serde::de::DeserializeOwned>(name: &str) -> T {
    serde_json::from_value(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn file() {
    let f: File = parse("file.json");
    insta::assert_yaml_snapshot!(f);
    let core: box_core::File = f.into();
    assert_eq!(
        core.sha1.as_ref().unwrap().as_str(),
        "85136c79cbf9fe36bb9d05d0639c70c265c18d37"
    );
    assert_eq!(core.parent.as_ref().unwrap().as_str(), "0");
    insta::assert_yaml_snapshot!("file_core", core);
}

#[test]
fn folder() {
    let f: Folder = parse("folder.json");
    insta::assert_yaml_snapshot!(f);
    insta::assert_yaml_snapshot!("folder_core", box_core::Folder::from(f));
}

#[test]
fn user() {
    let u: User = parse("user.json");
    insta::assert_yaml_snapshot!(u);
    insta::assert_yaml_snapshot!("user_core", box_core::User::from(u));
}

#[test]
fn items_pages_keep_unknown_types() {
    let p1: Page<Item> = parse("items_page1.json");
    let p2: Page<Item> = parse("items_page2.json");
    assert_eq!(p1.entries.len(), 2);
    assert!(matches!(p2.entries[1], Item::Other));
    insta::assert_yaml_snapshot!("items_page1", p1.entries);
    insta::assert_yaml_snapshot!("items_page2", p2.entries);
}

#[test]
fn file_versions() {
    let p: Page<FileVersion> = parse("file_versions.json");
    assert_eq!(p.total_count, Some(2));
    insta::assert_yaml_snapshot!(p.entries);
    let v: FileVersion = parse("file_version.json");
    insta::assert_yaml_snapshot!("file_version", v);
}

#[test]
fn upload_types() {
    let s: UploadSession = parse("upload_session.json");
    insta::assert_yaml_snapshot!("upload_session", s);
    let p: UploadedPart = parse("uploaded_part.json");
    insta::assert_yaml_snapshot!("uploaded_part", p);
    let parts: Page<UploadPart> = parse("upload_parts.json");
    insta::assert_yaml_snapshot!("upload_parts", parts.entries);
    let files: Collection<File> = parse("files_collection.json");
    insta::assert_yaml_snapshot!("files_collection", files);
    let pf: PreflightCheck = parse("preflight.json");
    insta::assert_yaml_snapshot!("preflight", pf);
}

#[test]
fn conflict_errors_map_both_shapes() {
    use box_core::{Error, ItemId};
    let h = http::HeaderMap::new();
    for (name, want) in [
        ("error_conflict_array.json", ItemId::File("12345".into())),
        (
            "error_conflict_object.json",
            ItemId::Folder("11446498".into()),
        ),
    ] {
        let body = fixture(name).to_string();
        let e = box_v2::transport::error::map_error(409, &h, body.as_bytes());
        match &e {
            Error::Conflict { conflicting, .. } => assert_eq!(conflicting.as_ref(), Some(&want)),
            other => panic!("{other:?}"),
        }
        assert!(e.request_id().is_some());
    }
}

#[test]
fn wrong_types_name_the_json_path() {
    let mut v = fixture("file.json");
    v["path_collection"]["entries"][0]["id"] = serde_json::json!(["not", "an", "id"]);
    let e = box_v2::transport::error::decode_json::<File>("File", v.to_string().as_bytes())
        .unwrap_err();
    assert!(
        e.to_string().contains("path_collection.entries[0].id"),
        "{e}"
    );
}

#[test]
fn unknown_enum_values_are_kept() {
    use box_v2::models::{ItemStatus, UserStatus};
    let mut v = fixture("file.json");
    v["item_status"] = serde_json::json!("quarantined");
    let f: File = serde_json::from_value(v).unwrap();
    assert_eq!(f.item_status, Some(ItemStatus::Other("quarantined".into())));
    let mut v = fixture("user.json");
    v["status"] = serde_json::json!("on_vacation");
    let u: User = serde_json::from_value(v).unwrap();
    assert_eq!(u.status, Some(UserStatus::Other("on_vacation".into())));
    let mut v = fixture("user.json");
    v["status"] = serde_json::json!("cannot_delete_edit_upload");
    let u: User = serde_json::from_value(v).unwrap();
    assert_eq!(u.status, Some(UserStatus::CannotDeleteEditUpload));
}
