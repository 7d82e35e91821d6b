//! Concurrent uploads through the v2 client against the emulator: distinct
//! names all land once with the right bytes; the same name lands exactly once
//! and every other attempt is a typed conflict.

use std::collections::HashMap;

use box_core::{Body, Error};
use box_emulator::Emulator;
use boxkit_tests::{content, developer_client, download, list, sha1_hex, start};
use futures::future::join_all;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_uploads_distinct_and_same_name() {
    let emulator = start(Emulator::builder()).await;
    let client = developer_client(&emulator, emulator.default_token());
    let folder = client
        .folders()
        .create("0", "concurrency")
        .send()
        .await
        .expect("folder created");
    let folder_id = folder.id.to_string();

    // 100 distinct names at once.
    let mut expected = HashMap::new();
    let uploads = (0..100u64).map(|i| {
        let data = content(i, 1000 + (i as usize * 37) % 5000);
        let name = format!("file-{i:03}.bin");
        expected.insert(name.clone(), sha1_hex(&data));
        let client = client.clone();
        let folder_id = folder_id.clone();
        async move {
            client
                .upload_file(&folder_id, &name, Body::from_bytes(data))
                .await
        }
    });
    let results = join_all(uploads).await;
    let mut ids = HashMap::new();
    for r in results {
        let f = r.expect("every distinct upload succeeds");
        ids.insert(f.name.clone().expect("name"), f.id.to_string());
    }
    assert_eq!(ids.len(), 100);

    let listed = list(&client, &folder_id).await.expect("listing");
    assert_eq!(listed.len(), 100, "each file listed exactly once");
    let mut seen = HashMap::new();
    for (name, id, sha1) in &listed {
        assert!(
            seen.insert(name.clone(), id.clone()).is_none(),
            "{name} listed twice"
        );
        assert_eq!(Some(sha1), expected.get(name), "listed sha1 of {name}");
        assert_eq!(ids.get(name), Some(id), "listed id of {name}");
    }
    // Contents byte-identical, checked by downloading.
    let downloads = listed.iter().map(|(name, id, _)| {
        let client = client.clone();
        async move { (name.clone(), download(&client, id).await) }
    });
    for (name, got) in join_all(downloads).await {
        let got = got.expect("download succeeds");
        assert_eq!(&sha1_hex(&got), &expected[&name], "content of {name}");
    }

    // 20 uploads of the same name at once: one wins, 19 conflict.
    let same = (0..20u64).map(|i| {
        let client = client.clone();
        let folder_id = folder_id.clone();
        let data = content(1000 + i, 2048);
        async move {
            let r = client
                .upload_file(&folder_id, "same.bin", Body::from_bytes(data.clone()))
                .await;
            (sha1_hex(&data), r)
        }
    });
    let mut winners = Vec::new();
    let mut conflicts = 0;
    for (sha1, r) in join_all(same).await {
        match r {
            Ok(f) => winners.push((sha1, f)),
            Err(Error::Conflict { .. }) => conflicts += 1,
            Err(other) => panic!("unexpected error for a same-name upload: {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one same-name upload succeeds");
    assert_eq!(conflicts, 19);
    let (winner_sha1, winner) = &winners[0];
    assert_eq!(winner.sha1.as_deref(), Some(winner_sha1.as_str()));

    let listed = list(&client, &folder_id).await.expect("listing");
    assert_eq!(listed.len(), 101);
    let same: Vec<_> = listed.iter().filter(|(n, _, _)| n == "same.bin").collect();
    assert_eq!(same.len(), 1, "the folder lists exactly one same.bin");
    assert_eq!(same[0].1, winner.id.to_string());
    let got = download(&client, &same[0].1).await.expect("download");
    assert_eq!(&sha1_hex(&got), winner_sha1);

    emulator.stop().await;
}
