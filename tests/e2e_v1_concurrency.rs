//! Concurrency through the v1 client: 100 concurrent uploads into one folder
//! all land exactly once with the right bytes; concurrent uploads of one name
//! never create a second file.

use std::collections::{HashMap, HashSet};

use box_emulator::Emulator;
use box_v1::actions::CreateFolder;
use box_v1::RequestForm;
use boxkit_tests::support_v1::{v1_download, v1_signed_in, v1_tree, v1_upload};
use boxkit_tests::{content, sha1_hex, start};
use futures::future::join_all;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundred_concurrent_v1_uploads_none_lost_or_duplicated() {
    let emulator = start(Emulator::builder()).await;
    let client = v1_signed_in(&emulator, RequestForm::Xml, None).await;
    let folder = client
        .send(&CreateFolder {
            parent_id: 0,
            name: "v1-concurrency".into(),
            share: false,
        })
        .await
        .expect("folder created")
        .folder_id;

    let mut expected = HashMap::new();
    let uploads = (0..100u64).map(|i| {
        let data = content(i, 500 + (i as usize * 53) % 6000);
        let name = format!("v1-{i:03}.bin");
        expected.insert(name.clone(), sha1_hex(&data));
        let client = client.clone();
        async move { (name.clone(), v1_upload(&client, folder, &name, data).await) }
    });
    let mut ids = HashMap::new();
    for (name, r) in join_all(uploads).await {
        let id = r.unwrap_or_else(|e| panic!("upload of {name} failed: {e}"));
        assert!(ids.insert(id, name).is_none(), "two uploads got one id");
    }
    assert_eq!(ids.len(), 100);

    let tree = v1_tree(&client, folder).await.expect("tree");
    assert_eq!(tree.root.files.len(), 100, "each file listed exactly once");
    let listed: HashSet<u64> = tree.root.files.iter().map(|f| f.id).collect();
    assert_eq!(listed.len(), 100, "no id listed twice");
    for f in &tree.root.files {
        assert_eq!(
            ids.get(&f.id),
            Some(&f.file_name),
            "listed id of {}",
            f.file_name
        );
    }
    let downloads = ids.iter().map(|(id, name)| {
        let client = client.clone();
        async move { (name.clone(), v1_download(&client, *id).await) }
    });
    for (name, got) in join_all(downloads).await {
        let got = got.expect("download succeeds");
        assert_eq!(sha1_hex(&got), expected[&name], "content of {name}");
    }
    emulator.stop().await;
}

/// v1 `upload` into a folder that already holds the name stores a new
/// version of that file (the emulator's reading of v1; the reference lists
/// no name-conflict error for uploads). Under a race, that must still give
/// exactly one file, every upload reporting its id, and the final content
/// being one of the uploaded ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_same_name_v1_uploads_make_one_file() {
    let emulator = start(Emulator::builder()).await;
    let client = v1_signed_in(&emulator, RequestForm::Rest, None).await;
    let folder = client
        .send(&CreateFolder {
            parent_id: 0,
            name: "same-name".into(),
            share: false,
        })
        .await
        .expect("folder created")
        .folder_id;
    let datas: Vec<Vec<u8>> = (0..20u64).map(|i| content(500 + i, 3000)).collect();
    let uploads = datas.iter().cloned().map(|data| {
        let client = client.clone();
        async move { v1_upload(&client, folder, "same.bin", data).await }
    });
    let results = join_all(uploads).await;
    let ids: HashSet<u64> = results
        .into_iter()
        .map(|r| r.expect("each same-name upload is accepted as a version"))
        .collect();
    assert_eq!(ids.len(), 1, "all uploads landed on one file: {ids:?}");
    let id = *ids.iter().next().expect("one id");

    let tree = v1_tree(&client, folder).await.expect("tree");
    let files: Vec<(&str, u64)> = tree
        .root
        .files
        .iter()
        .map(|f| (f.file_name.as_str(), f.id))
        .collect();
    assert_eq!(files, vec![("same.bin", id)], "exactly one file");
    let got = v1_download(&client, id).await.expect("download");
    let digests: HashSet<String> = datas.iter().map(|d| sha1_hex(d)).collect();
    assert!(
        digests.contains(&sha1_hex(&got)),
        "final content is one of the uploads"
    );
    emulator.stop().await;
}
