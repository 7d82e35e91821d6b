//! Cross-protocol: what one user does through v1 (signed in through the
//! ticket flow) is what the same user sees through v2 (developer token), and
//! the other way round: same ids, same names, byte-identical content, and
//! renames/moves on one side visible on the other.

use box_core::Body;
use box_emulator::Emulator;
use box_v1::actions::{CreateFolder, GetFileInfo, Move, Rename, Target};
use box_v1::RequestForm;
use boxkit_tests::support_v1::{v1_download, v1_signed_in, v1_tree, v1_upload};
use boxkit_tests::{content, developer_client, download, list, sha1_hex, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_and_v2_see_the_same_items() {
    let emulator = start(Emulator::builder()).await;
    let v1 = v1_signed_in(&emulator, RequestForm::Xml, None).await;
    let v2 = developer_client(&emulator, emulator.default_token());

    let folder = v1
        .send(&CreateFolder {
            parent_id: 0,
            name: "xproto".into(),
            share: false,
        })
        .await
        .expect("v1 create_folder");
    let folder_id = folder.folder_id;

    // Upload through v1, read through v2.
    let mut v1_files = Vec::new();
    for (i, len) in [0usize, 1, 4096, 300_000].into_iter().enumerate() {
        let data = content(i as u64 + 1, len);
        let name = format!("from-v1-{i}.bin");
        let id = v1_upload(&v1, folder_id, &name, data.clone())
            .await
            .expect("v1 upload");
        v1_files.push((name, id, data));
    }
    let listed = list(&v2, &folder_id.to_string())
        .await
        .expect("v2 lists the v1 folder");
    assert_eq!(listed.len(), v1_files.len(), "v2 listing: {listed:?}");
    for (name, id, data) in &v1_files {
        let (_, v2_id, v2_sha1) = listed
            .iter()
            .find(|(n, _, _)| n == name)
            .unwrap_or_else(|| panic!("{name} missing from the v2 listing"));
        assert_eq!(v2_id, &id.to_string(), "same id for {name}");
        assert_eq!(v2_sha1, &sha1_hex(data), "v2 sha1 of {name}");
        let file = v2.files().get(id.to_string()).send().await.expect("v2 get");
        assert_eq!(file.name.as_deref(), Some(name.as_str()));
        assert_eq!(file.size, Some(data.len() as u64), "v2 size of {name}");
        let got = download(&v2, &id.to_string()).await.expect("v2 download");
        assert_eq!(&got, data, "v2 download of {name} byte-identical");
    }

    // Upload through v2, read through v1 (download, file info, account tree).
    let v2_data = content(99, 123_457);
    let v2_file = v2
        .upload_file(
            &folder_id.to_string(),
            "from-v2.bin",
            Body::from_bytes(v2_data.clone()),
        )
        .await
        .expect("v2 upload");
    let v2_id: u64 = v2_file.id.to_string().parse().expect("numeric id");
    let got = v1_download(&v1, v2_id).await.expect("v1 download");
    assert_eq!(
        sha1_hex(&got),
        sha1_hex(&v2_data),
        "v1 download byte-identical"
    );
    let info = v1
        .send(&GetFileInfo { file_id: v2_id })
        .await
        .expect("v1 get_file_info");
    assert_eq!(info.file_name, "from-v2.bin");
    assert_eq!(info.size, v2_data.len() as u64);
    assert_eq!(info.folder_id, folder_id);
    let tree = v1_tree(&v1, folder_id).await.expect("v1 tree");
    assert_eq!(tree.root.folder.id, folder_id);
    let mut tree_files: Vec<(String, u64, u64)> = tree
        .root
        .files
        .iter()
        .map(|f| (f.file_name.clone(), f.id, f.size))
        .collect();
    tree_files.sort();
    let mut expected: Vec<(String, u64, u64)> = v1_files
        .iter()
        .map(|(n, id, d)| (n.clone(), *id, d.len() as u64))
        .chain([("from-v2.bin".to_string(), v2_id, v2_data.len() as u64)])
        .collect();
    expected.sort();
    assert_eq!(tree_files, expected, "v1 tree of the folder");

    // Rename through v1, visible through v2.
    v1.send(&Rename {
        target: Target::File,
        target_id: v2_id,
        new_name: "renamed-by-v1.bin".into(),
    })
    .await
    .expect("v1 rename");
    let file = v2
        .files()
        .get(v2_id.to_string())
        .send()
        .await
        .expect("v2 get");
    assert_eq!(file.name.as_deref(), Some("renamed-by-v1.bin"));

    // A subfolder created through v2; a v1 file moved into it through v2 and
    // another through v1: both visible on both sides.
    let sub = v2
        .folders()
        .create(folder_id.to_string(), "sub")
        .send()
        .await
        .expect("v2 create folder");
    let sub_id: u64 = sub.id.to_string().parse().expect("numeric id");
    let (moved_v2_name, moved_v2_id, moved_v2_data) = &v1_files[2];
    v2.files()
        .update(moved_v2_id.to_string())
        .parent(sub_id.to_string())
        .send()
        .await
        .expect("v2 move");
    let (moved_v1_name, moved_v1_id, _) = &v1_files[3];
    v1.send(&Move {
        target: Target::File,
        target_id: *moved_v1_id,
        destination_id: sub_id,
    })
    .await
    .expect("v1 move");
    v2.folders()
        .update(sub_id.to_string())
        .name("sub-renamed")
        .send()
        .await
        .expect("v2 folder rename");

    let tree = v1_tree(&v1, folder_id).await.expect("v1 tree after moves");
    assert_eq!(tree.root.folders.len(), 1);
    let sub_node = &tree.root.folders[0];
    assert_eq!(sub_node.folder.id, sub_id);
    assert_eq!(sub_node.folder.name, "sub-renamed", "v2 rename seen by v1");
    let mut in_sub: Vec<u64> = sub_node.files.iter().map(|f| f.id).collect();
    in_sub.sort();
    let mut want = vec![*moved_v1_id, *moved_v2_id];
    want.sort();
    assert_eq!(in_sub, want, "both moves seen by v1");
    assert!(
        !tree.root.files.iter().any(|f| want.contains(&f.id)),
        "moved files left the parent"
    );
    let listed_sub = list(&v2, &sub_id.to_string()).await.expect("v2 list sub");
    let mut names: Vec<&str> = listed_sub.iter().map(|(n, _, _)| n.as_str()).collect();
    names.sort();
    let mut want_names = vec![moved_v1_name.as_str(), moved_v2_name.as_str()];
    want_names.sort();
    assert_eq!(names, want_names, "both moves seen by v2");
    let got = v1_download(&v1, *moved_v2_id)
        .await
        .expect("v1 download moved");
    assert_eq!(&got, moved_v2_data, "content survives the move");

    emulator.stop().await;
}
