//! User isolation through the v2 client against the emulator: user A cannot
//! read, list, change or download user B's items, and B's items are unchanged.

use box_core::{Body, Error};
use box_emulator::Emulator;
use boxkit_tests::{content, developer_client, download, list, sha1_hex, start};

fn assert_not_found<T: std::fmt::Debug>(what: &str, r: Result<T, Error>) {
    match r {
        Err(Error::NotFound { .. }) => {}
        other => panic!("{what}: expected NotFound, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_a_cannot_touch_user_b_items() {
    let emulator = start(Emulator::builder()).await;
    let (_, token_a) = emulator
        .create_user("Alice", "alice@example.com")
        .expect("user A");
    let (_, token_b) = emulator
        .create_user("Bob", "bob@example.com")
        .expect("user B");
    let a = developer_client(&emulator, &token_a);
    let b = developer_client(&emulator, &token_b);

    let folder = b
        .folders()
        .create("0", "private")
        .send()
        .await
        .expect("B creates a folder");
    let folder_id = folder.id.to_string();
    let data = content(42, 4096);
    let file = b
        .upload_file(&folder_id, "secret.bin", Body::from_bytes(data.clone()))
        .await
        .expect("B uploads");
    let file_id = file.id.to_string();
    let b_before = list(&b, &folder_id).await.expect("B lists");
    let a_folder = a
        .folders()
        .create("0", "mine")
        .send()
        .await
        .expect("A creates a folder");
    let a_folder_id = a_folder.id.to_string();

    // Read.
    assert_not_found("A gets B's file", a.files().get(&file_id).send().await);
    assert_not_found(
        "A gets B's folder",
        a.folders().get(&folder_id).send().await,
    );
    // List.
    assert_not_found("A lists B's folder", list(&a, &folder_id).await);
    // Download.
    assert_not_found("A downloads B's file", download(&a, &file_id).await);
    // Change: rename, move into A's folder, describe, copy, upload into, new version, delete.
    assert_not_found(
        "A renames B's file",
        a.files().update(&file_id).name("stolen.bin").send().await,
    );
    assert_not_found(
        "A moves B's file",
        a.files().update(&file_id).parent(&a_folder_id).send().await,
    );
    assert_not_found(
        "A renames B's folder",
        a.folders().update(&folder_id).name("stolen").send().await,
    );
    assert_not_found(
        "A copies B's file",
        a.files().copy(&file_id, &a_folder_id).send().await,
    );
    assert_not_found(
        "A uploads into B's folder",
        a.upload_file(&folder_id, "planted.bin", Body::from_bytes(vec![1u8; 10]))
            .await,
    );
    assert_not_found(
        "A uploads a version of B's file",
        a.upload_file_version(&file_id, Body::from_bytes(vec![2u8; 10]))
            .await,
    );
    assert_not_found(
        "A deletes B's file",
        a.files().delete(&file_id).send().await,
    );
    assert_not_found(
        "A deletes B's folder",
        a.folders().delete(&folder_id, true).send().await,
    );
    // A's own root does not show B's items.
    let a_root = list(&a, "0").await.expect("A lists its root");
    assert_eq!(
        a_root
            .iter()
            .map(|(n, _, _)| n.as_str())
            .collect::<Vec<_>>(),
        vec!["mine"]
    );
    assert!(list(&a, &a_folder_id).await.expect("A lists").is_empty());

    // B's items are unchanged.
    let after = b.files().get(&file_id).send().await.expect("B reads");
    assert_eq!(after.name.as_deref(), Some("secret.bin"));
    assert_eq!(after.sha1.as_deref(), Some(sha1_hex(&data).as_str()));
    assert_eq!(after.etag, file.etag, "the file's etag did not change");
    assert_eq!(list(&b, &folder_id).await.expect("B lists"), b_before);
    let got = download(&b, &file_id).await.expect("B downloads");
    assert_eq!(got, data);
    let b_root = list(&b, "0").await.expect("B lists its root");
    assert_eq!(
        b_root
            .iter()
            .map(|(n, _, _)| n.as_str())
            .collect::<Vec<_>>(),
        vec!["private"]
    );

    emulator.stop().await;
}
