//! Concurrency through the v1 client: 100 concurrent uploads into one folder
//! all land exactly once with the right bytes; concurrent uploads of one name
//! make one file, the losers reporting conflicts.

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

/// v1 `upload` into a folder that already holds the name fails for that
/// file (Box's v1 upload page: "Uploading a file to this URL will fail if a
/// file by the same name already exists"). Under a race of 20 uploads of one
/// name, exactly one wins, the other 19 are conflicts, and the folder holds
/// one file with the winner's bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_same_name_v1_uploads_one_wins_the_rest_conflict() {
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
        async move {
            (
                sha1_hex(&data),
                v1_upload(&client, folder, "same.bin", data).await,
            )
        }
    });
    let mut winners = Vec::new();
    let mut conflicts = 0;
    for (digest, r) in join_all(uploads).await {
        match r {
            Ok(id) => winners.push((id, digest)),
            Err(e) if e.is_conflict() => conflicts += 1,
            Err(e) => panic!("neither stored nor a conflict: {e:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one upload wins: {winners:?}");
    assert_eq!(conflicts, 19);
    let (id, digest) = winners.pop().expect("one winner");

    let tree = v1_tree(&client, folder).await.expect("tree");
    let files: Vec<(&str, u64)> = tree
        .root
        .files
        .iter()
        .map(|f| (f.file_name.as_str(), f.id))
        .collect();
    assert_eq!(files, vec![("same.bin", id)], "exactly one file");
    let got = v1_download(&client, id).await.expect("download");
    assert_eq!(sha1_hex(&got), digest, "the winner's bytes are stored");
    emulator.stop().await;
}
