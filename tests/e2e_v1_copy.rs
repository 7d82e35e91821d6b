//! v1 `copy` against the emulator through the typed action: `new_name` is
//! honoured, a taken `new_name` is a conflict, and without one a taken name
//! is numbered. Content and the original are unchanged; v2 sees the copy.

use box_emulator::Emulator;
use box_v1::actions::{Copy, CreateFolder, GetFileInfo, Target};
use box_v1::RequestForm;
use boxkit_tests::support_v1::{v1_download, v1_signed_in, v1_upload};
use boxkit_tests::{content, developer_client, download, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_copy_honours_new_name() {
    let emulator = start(Emulator::builder()).await;
    let v1 = v1_signed_in(&emulator, RequestForm::Rest, None).await;
    let v2 = developer_client(&emulator, emulator.default_token());
    let folder = v1
        .send(&CreateFolder {
            parent_id: 0,
            name: "copies".into(),
            share: false,
        })
        .await
        .expect("folder")
        .folder_id;
    let data = content(42, 5000);
    let orig = v1_upload(&v1, folder, "orig.bin", data.clone())
        .await
        .expect("upload");
    let copy = |new_name: Option<&str>| Copy {
        target: Target::File,
        target_id: orig,
        destination_id: folder,
        new_name: new_name.map(str::to_string),
    };

    let named = v1
        .send(&copy(Some("named.bin")))
        .await
        .expect("copy")
        .expect("the emulator reports new_file_id");
    assert_ne!(named, orig);
    let info = v1
        .send(&GetFileInfo { file_id: named })
        .await
        .expect("info");
    assert_eq!(info.file_name, "named.bin", "new_name honoured");
    assert_eq!(info.folder_id, folder);
    assert_eq!(v1_download(&v1, named).await.expect("download"), data);
    let seen = v2.files().get(named.to_string()).send().await.expect("v2");
    assert_eq!(seen.name.as_deref(), Some("named.bin"));
    assert_eq!(download(&v2, &named.to_string()).await.expect("v2"), data);

    let taken = v1.send(&copy(Some("named.bin"))).await;
    assert!(
        taken.as_ref().is_err_and(|e| e.is_conflict()),
        "a taken new_name is a conflict: {taken:?}"
    );

    let numbered = v1
        .send(&copy(None))
        .await
        .expect("copy without new_name")
        .expect("the emulator reports new_file_id");
    let info = v1
        .send(&GetFileInfo { file_id: numbered })
        .await
        .expect("info");
    assert_ne!(info.file_name, "orig.bin");
    assert!(info.file_name.starts_with("orig"), "{}", info.file_name);
    let orig_info = v1.send(&GetFileInfo { file_id: orig }).await.expect("info");
    assert_eq!(orig_info.file_name, "orig.bin", "original unchanged");
    emulator.stop().await;
}
