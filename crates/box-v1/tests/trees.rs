//! Account-tree decoding from fixtures: zipped, stored, inline, corrupt,
//! truncated, bad base64, a zip bomb, and a large generated tree.

mod common;

use box_core::Error;
use box_v1::actions::{Action, GetAccountTree};
use box_v1::tree::generate::{base64_wrapped, tree_response, tree_xml};
use box_v1::tree::zip::write_zip;
use box_v1::tree::{PayloadEncoding, TreeEntry};
use box_v1::Response;
use bytes::Bytes;
use common::fixture;

fn response(raw: impl Into<Bytes>) -> box_v1::actions::AccountTreeResponse {
    let r = Response::parse(raw.into(), GetAccountTree::PAYLOAD).unwrap();
    GetAccountTree::parse(r).unwrap()
}

fn tree_fixture(name: &str) -> box_v1::actions::AccountTreeResponse {
    response(fixture(&format!("trees/{name}.xml")))
}

#[test]
fn small_deflated_stored_and_nozip_agree() {
    let deflated = tree_fixture("small_deflated");
    assert_eq!(deflated.encoding(), Some(PayloadEncoding::Base64Zip));
    let tree = deflated.build().unwrap();
    insta::assert_yaml_snapshot!("tree_small", tree);
    let stored = tree_fixture("small_stored");
    assert_eq!(stored.build().unwrap(), tree);
    let inline = tree_fixture("small_nozip");
    assert_eq!(inline.encoding(), Some(PayloadEncoding::Inline));
    assert_eq!(inline.build().unwrap(), tree);
}

#[test]
fn medium_tree_streams_in_order() {
    let t = tree_fixture("medium_deflated");
    let mut folders = 0;
    let mut files = 0;
    let mut depth_stack = Vec::new();
    for e in t.entries().unwrap() {
        match e.unwrap() {
            TreeEntry::Folder {
                folder,
                parent,
                depth,
            } => {
                assert_eq!(parent, depth_stack.last().copied());
                assert_eq!(depth, depth_stack.len());
                depth_stack.push(folder.id);
                folders += 1;
            }
            TreeEntry::File { folder_id, .. } => {
                assert_eq!(Some(&folder_id), depth_stack.last());
                files += 1;
            }
            TreeEntry::EndFolder { id } => assert_eq!(depth_stack.pop(), Some(id)),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((folders, files), (101, 2001));
    let built = t.build().unwrap();
    assert_eq!(built.file_count(), 2001);
    assert_eq!(built.root.files[0].file_name, "top & level.txt");
    insta::assert_yaml_snapshot!("tree_medium_first_folder", built.root.folders[0]);
}

fn decode_err(name: &str) -> Error {
    let t = tree_fixture(name);
    let r: Result<Vec<_>, _> = match t.entries() {
        Ok(e) => e.collect(),
        Err(e) => Err(e),
    };
    r.unwrap_err()
}

#[test]
fn corrupt_inputs_are_decode_errors_naming_where() {
    let mut seen = Vec::new();
    for name in ["corrupt_deflate", "truncated", "bad_base64", "not_a_zip"] {
        let e = decode_err(name);
        assert!(matches!(e, Error::Decode { .. }), "{name}: {e:?}");
        seen.push(format!("{name}: {e}"));
    }
    insta::assert_yaml_snapshot!("tree_decode_errors", seen);
}

#[test]
fn zip_bomb_is_rejected_in_bounded_memory() {
    // A well-formed start followed by 64 MiB of blanks deflates to ~64 KiB,
    // so only the size limit can stop it; the header declares the real size.
    let mut big = b"<folder id=\"0\" name=\"\">".to_vec();
    big.resize(64 << 20, b' ');
    let zip = write_zip("tree.xml", &big, true);
    drop(big);
    assert!(zip.len() < 200 * 1024, "{}", zip.len());
    let raw = tree_response(&base64_wrapped(&zip));
    let r = Response::parse(Bytes::from(raw.clone()), Some("tree"))
        .unwrap()
        .with_max_decompressed(1 << 20);
    let e = GetAccountTree::parse(r)
        .unwrap()
        .entries()
        .err()
        .expect("rejected up front");
    assert!(e.to_string().contains("limit"), "{e}");

    // A lying header (declared size 100) is caught while inflating.
    let mut lying = zip.clone();
    lying[22..26].copy_from_slice(&100u32.to_le_bytes());
    let raw = tree_response(&base64_wrapped(&lying));
    let r = Response::parse(Bytes::from(raw), Some("tree"))
        .unwrap()
        .with_max_decompressed(1 << 20);
    let t = GetAccountTree::parse(r).unwrap();
    let res: Result<Vec<_>, _> = t.entries().unwrap().collect();
    let e = res.unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    assert!(e.to_string().contains("limit"), "{e}");
}

#[test]
fn large_generated_tree_streams() {
    let xml = tree_xml(200, 250);
    let zip = write_zip("tree.xml", xml.as_bytes(), true);
    let t = response(tree_response(&base64_wrapped(&zip)));
    let mut files = 0usize;
    let mut tagged = 0usize;
    for e in t.entries().unwrap() {
        if let TreeEntry::File { file, .. } = e.unwrap() {
            files += 1;
            tagged += usize::from(!file.tags.is_empty());
        }
    }
    assert_eq!((files, tagged), (50_000, 5_000));
}

#[test]
fn error_status_has_no_tree() {
    let raw = fixture("errors/e_folder_id.xml");
    let r = Response::parse(Bytes::from(raw), Some("tree")).unwrap();
    assert_eq!(r.status(), "e_folder_id");
    assert!(r.payload_bytes().is_none());
}

#[test]
fn friends_and_updates_use_the_same_zip_decoding() {
    use box_v1::actions::{GetFriends, GetUpdates};
    let friends = "<friends><friend><name>Ann</name><email>ann@example.com</email><accepted>1</accepted>\
        <avatar_url>http://box.net/a?x=1&amp;y=2</avatar_url><boxes><box><id>15</id><url>http://box.net/p/ann</url>\
        <status>0</status></box></boxes><subscriptions></subscriptions></friend></friends>";
    let zip = write_zip("friends.xml", friends.as_bytes(), true);
    let raw = format!(
        "<response><status>s_get_friends</status><friends>\n{}\n</friends></response>",
        base64_wrapped(&zip)
    );
    let r = Response::parse(Bytes::from(raw), GetFriends::PAYLOAD).unwrap();
    let out = GetFriends::parse(r).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].avatar_url, "http://box.net/a?x=1&y=2");
    assert_eq!(out[0].boxes[0].id, 15);

    let updates = "<updates><update><name>n</name><message>m</message><updated>1180341648</updated>\
        <user_name>u</user_name><public_url>http://box.net/p/u</public_url><files></files></update></updates>";
    let zip = write_zip("updates.xml", updates.as_bytes(), false);
    let raw = format!(
        "<response><status>s_get_updates</status><updates>{}</updates></response>",
        base64_wrapped(&zip)
    );
    let r = Response::parse(Bytes::from(raw), GetUpdates::PAYLOAD).unwrap();
    let out = GetUpdates::parse(r).unwrap();
    assert_eq!(out[0].updated, Some(1180341648));

    // Corrupt base64 in a friends payload is a decode error too.
    let raw = "<response><status>s_get_friends</status><friends>UEsDB$$$</friends></response>";
    let r = Response::parse(Bytes::from(raw), GetFriends::PAYLOAD).unwrap();
    assert!(matches!(GetFriends::parse(r), Err(Error::Decode { .. })));
}
