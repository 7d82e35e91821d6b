//! Isolation through v1: user A's auth token (from the ticket flow) cannot
//! read, list, change or download user B's items, and B's items are intact
//! afterwards.

use box_core::Error;
use box_emulator::Emulator;
use box_v1::actions::{
    Copy, CreateFolder, Delete, GetAccountTree, GetFileInfo, Move, Rename, SetDescription, Target,
};
use box_v1::transfer::{Upload, UploadFile, UploadResult};
use box_v1::RequestForm;
use boxkit_tests::support_v1::{v1_download, v1_signed_in, v1_tree, v1_upload};
use boxkit_tests::{content, start};

/// A refusal: not found / permission denied, or one of v1's generic
/// per-action failures (`e_rename_node`, `e_move_node`…), which carry no
/// reason. Anything else (success, auth or transport errors) fails the test;
/// B's items are checked unchanged at the end either way.
fn denied<T: std::fmt::Debug>(what: &str, r: Result<T, Error>) {
    match r {
        Ok(v) => panic!("{what}: A reached B's item: {v:?}"),
        Err(e) => assert!(
            e.is_not_found()
                || matches!(e, Error::PermissionDenied { .. })
                || (matches!(&e, Error::Api { .. })
                    && e.code().is_some_and(|c| c.starts_with("e_"))),
            "{what}: expected a refusal, got {e:?}"
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_a_cannot_touch_user_b_items_through_v1() {
    let emulator = start(Emulator::builder()).await;
    let (user_b, _) = emulator
        .create_user("User B", "b@example.com")
        .expect("user B created");
    let a = v1_signed_in(&emulator, RequestForm::Rest, None).await;
    let b = v1_signed_in(&emulator, RequestForm::Xml, Some(&user_b.id.to_string())).await;

    // B's items.
    let b_folder = b
        .send(&CreateFolder {
            parent_id: 0,
            name: "private".into(),
            share: false,
        })
        .await
        .expect("B creates a folder")
        .folder_id;
    let b_data = content(7, 10_000);
    let b_file = v1_upload(&b, b_folder, "secret.bin", b_data.clone())
        .await
        .expect("B uploads");
    // A's own item, to try moving into B's folder.
    let a_file = v1_upload(&a, 0, "mine.bin", content(8, 100))
        .await
        .expect("A uploads");

    // A's root tree does not show B's items.
    let a_tree = v1_tree(&a, 0).await.expect("A's tree");
    assert!(a_tree.root.folders.iter().all(|f| f.folder.id != b_folder));
    assert!(a_tree.root.files.iter().all(|f| f.id != b_file));

    // Read, list, download.
    denied("download", v1_download(&a, b_file).await);
    denied(
        "get_file_info",
        a.send(&GetFileInfo { file_id: b_file }).await,
    );
    denied(
        "get_account_tree",
        a.send(&GetAccountTree::new(b_folder))
            .await
            .and_then(|t| t.build()),
    );
    // Change.
    denied(
        "rename",
        a.send(&Rename {
            target: Target::File,
            target_id: b_file,
            new_name: "pwned.bin".into(),
        })
        .await,
    );
    denied(
        "set_description",
        a.send(&SetDescription {
            target: Target::File,
            target_id: b_file,
            description: "pwned".into(),
        })
        .await,
    );
    denied(
        "move B's file to A's root",
        a.send(&Move {
            target: Target::File,
            target_id: b_file,
            destination_id: 0,
        })
        .await,
    );
    denied(
        "move A's file into B's folder",
        a.send(&Move {
            target: Target::File,
            target_id: a_file,
            destination_id: b_folder,
        })
        .await,
    );
    denied(
        "copy B's file",
        a.send(&Copy {
            target: Target::File,
            target_id: b_file,
            destination_id: 0,
            new_name: None,
        })
        .await,
    );
    denied(
        "delete folder",
        a.send(&Delete {
            target: Target::Folder,
            target_id: b_folder,
        })
        .await,
    );
    denied(
        "delete file",
        a.send(&Delete {
            target: Target::File,
            target_id: b_file,
        })
        .await,
    );
    // Upload into B's folder: a per-file failure.
    let outcome = a
        .upload_files(Upload::new(
            b_folder,
            vec![UploadFile::new(
                "intruder.bin",
                box_core::Body::from_bytes(vec![1, 2, 3]),
            )],
        ))
        .await;
    match outcome {
        Ok(o) => {
            assert_eq!(o.files.len(), 1);
            assert!(
                matches!(&o.files[0], UploadResult::Failed { .. }),
                "upload into B's folder: {o:?}"
            );
        }
        Err(e) => assert!(
            e.is_not_found() || matches!(e, Error::PermissionDenied { .. }),
            "upload into B's folder: {e:?}"
        ),
    }
    // Overwrite of B's file.
    let r = a
        .overwrite(
            b_file,
            UploadFile::new("secret.bin", box_core::Body::from_bytes(vec![0; 10])),
        )
        .await
        .and_then(|o| {
            o.files
                .into_iter()
                .next()
                .map(|f| f.into_result())
                .unwrap_or(Err(Error::not_found("no file result")))
        });
    denied("overwrite", r);

    // B's items are untouched.
    let tree = v1_tree(&b, b_folder).await.expect("B's folder tree");
    assert_eq!(tree.root.folder.name, "private");
    let names: Vec<(&str, u64)> = tree
        .root
        .files
        .iter()
        .map(|f| (f.file_name.as_str(), f.id))
        .collect();
    assert_eq!(names, vec![("secret.bin", b_file)]);
    let info = b
        .send(&GetFileInfo { file_id: b_file })
        .await
        .expect("B reads its file");
    assert_eq!(info.description, "");
    assert_eq!(v1_download(&b, b_file).await.expect("B downloads"), b_data);
    let a_info = a
        .send(&GetFileInfo { file_id: a_file })
        .await
        .expect("A's file");
    assert_eq!(a_info.folder_id, a_tree.root.folder.id);

    emulator.stop().await;
}
