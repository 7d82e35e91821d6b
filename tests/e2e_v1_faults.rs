//! Faults through v1: a mixed workload (uploads, downloads, moves, listings
//! through `get_account_tree`) while the emulator injects 429 / 500 / 503
//! answers and connection resets (seeded, deterministic rates). The v1
//! client's retry layer (`box_v1::retry`) must carry it through: every call
//! succeeds, every file ends byte-identical (SHA-1) in the right folder,
//! nothing is duplicated, and the emulator's counters show faults injected.
//!
//! Resets are injected on API calls and uploads, where the v1 client
//! replays; not on downloads, whose body is handed to the caller as a
//! stream (a connection lost mid-body is the reader's error; v1 has no
//! ranged download to resume with).

use std::collections::{HashMap, HashSet};

use box_emulator::faults::{Fault, FaultConfig, FaultRule};
use box_emulator::Emulator;
use box_v1::actions::{CreateFolder, Move, Target};
use box_v1::RequestForm;
use boxkit_tests::support_v1::{v1_download, v1_signed_in, v1_tree, v1_upload};
use boxkit_tests::{content, sha1_hex, start};
use futures::{stream, StreamExt};

fn rule(fault: Fault, rate: f64, path_prefix: Option<&str>) -> FaultRule {
    FaultRule {
        fault,
        rate: Some(rate),
        every: None,
        path_prefix: path_prefix.map(str::to_string),
        method: None,
        include_exempt: false,
    }
}

fn status(status: u16) -> Fault {
    Fault::Status {
        status,
        retry_after: None,
    }
}

fn faults_injected(emulator: &box_emulator::EmulatorHandle) -> u64 {
    emulator.counters()["faults_injected"]
        .as_u64()
        .expect("faults_injected counter")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_v1_workload_survives_injected_faults() {
    let emulator = start(Emulator::builder()).await;
    let client = v1_signed_in(&emulator, RequestForm::Xml, None).await;
    let mk = |name: &'static str| {
        let client = client.clone();
        async move {
            client
                .send(&CreateFolder {
                    parent_id: 0,
                    name: name.into(),
                    share: false,
                })
                .await
                .expect("folder created")
                .folder_id
        }
    };
    let inbox = mk("inbox").await;
    let archive = mk("archive").await;
    let before = faults_injected(&emulator);

    emulator.set_faults(FaultConfig {
        seed: 0x5eed_0001,
        rules: vec![
            rule(status(429), 0.08, None),
            rule(status(500), 0.05, None),
            rule(status(503), 0.05, None),
            rule(Fault::Reset, 0.08, Some("/api/1.0/xml")),
            rule(Fault::Reset, 0.08, Some("/api/1.0/upload")),
        ],
        expire_tokens_after: None,
    });

    // 40 uploads, 4 at a time, with a listing after every 10th.
    let mut expected: HashMap<String, (u64, String)> = HashMap::new();
    let files: Vec<(String, Vec<u8>)> = (0..40u64)
        .map(|i| {
            (
                format!("f-{i:02}.bin"),
                content(i + 77, 100 + (i as usize * 997) % 40_000),
            )
        })
        .collect();
    let uploads = stream::iter(files.iter().cloned())
        .map(|(name, data)| {
            let client = client.clone();
            async move {
                let id = v1_upload(&client, inbox, &name, data.clone())
                    .await
                    .unwrap_or_else(|e| panic!("upload {name}: {e}"));
                (name, id, sha1_hex(&data))
            }
        })
        .buffer_unordered(4)
        .collect::<Vec<_>>()
        .await;
    for (i, (name, id, sha)) in uploads.into_iter().enumerate() {
        assert!(expected.insert(name, (id, sha)).is_none());
        if i % 10 == 9 {
            v1_tree(&client, 0).await.expect("listing under faults");
        }
    }
    let ids: HashSet<u64> = expected.values().map(|(id, _)| *id).collect();
    assert_eq!(ids.len(), 40, "one id per upload");

    // Move every 3rd file to the archive, 4 at a time.
    let to_move: Vec<u64> = (0..40)
        .step_by(3)
        .map(|i| expected[&format!("f-{i:02}.bin")].0)
        .collect();
    stream::iter(to_move.iter().copied())
        .map(|id| {
            let client = client.clone();
            async move {
                client
                    .send(&Move {
                        target: Target::File,
                        target_id: id,
                        destination_id: archive,
                    })
                    .await
                    .unwrap_or_else(|e| panic!("move {id}: {e}"));
            }
        })
        .buffer_unordered(4)
        .collect::<Vec<_>>()
        .await;

    // Downloads under faults.
    let downloads = stream::iter(expected.clone())
        .map(|(name, (id, sha))| {
            let client = client.clone();
            async move {
                let got = v1_download(&client, id)
                    .await
                    .unwrap_or_else(|e| panic!("download {name}: {e}"));
                assert_eq!(sha1_hex(&got), sha, "content of {name} under faults");
            }
        })
        .buffer_unordered(4)
        .collect::<Vec<_>>()
        .await;
    assert_eq!(downloads.len(), 40);
    let tree_under_faults = v1_tree(&client, 0).await.expect("tree under faults");

    let injected = faults_injected(&emulator) - before;
    emulator.set_faults(FaultConfig::default());
    assert!(injected >= 10, "only {injected} faults were injected");

    // Final state, without faults: each file once, in the right folder,
    // byte-identical.
    let tree = v1_tree(&client, 0).await.expect("final tree");
    assert_eq!(tree, tree_under_faults, "listing under faults was complete");
    assert!(tree.root.files.is_empty(), "nothing landed in the root");
    let folders: HashMap<&str, _> = tree
        .root
        .folders
        .iter()
        .map(|n| (n.folder.name.as_str(), n))
        .collect();
    assert_eq!(
        folders.len(),
        2,
        "no duplicated folder: {:?}",
        folders.keys()
    );
    let mut seen = HashSet::new();
    for (folder, id) in [("inbox", inbox), ("archive", archive)] {
        let node = folders[folder];
        assert_eq!(node.folder.id, id);
        assert!(node.folders.is_empty());
        for f in &node.files {
            assert!(seen.insert(f.id), "{} listed twice", f.file_name);
            let (want_id, sha) = &expected[&f.file_name];
            assert_eq!(&f.id, want_id, "id of {}", f.file_name);
            assert_eq!(
                to_move.contains(&f.id),
                folder == "archive",
                "{} in {folder}",
                f.file_name
            );
            let got = v1_download(&client, f.id).await.expect("final download");
            assert_eq!(&sha1_hex(&got), sha, "final content of {}", f.file_name);
        }
    }
    assert_eq!(seen.len(), 40, "all 40 files present, none duplicated");
    emulator.stop().await;
}

fn xml_calls(emulator: &box_emulator::EmulatorHandle) -> u64 {
    emulator.counters()["requests_by_route"]["POST /api/1.0/xml"]
        .as_u64()
        .unwrap_or(0)
}

/// Under a server answering every call with 500, an action that is not
/// idempotent (`create_folder`) is sent once and the 500 reported; an
/// idempotent one (`get_account_info`) is replayed up to the policy's limit
/// (10 retries in the tests), then reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_replays_only_idempotent_actions_after_a_500() {
    let emulator = start(Emulator::builder()).await;
    let client = v1_signed_in(&emulator, RequestForm::Xml, None).await;
    emulator.set_faults(FaultConfig {
        seed: 1,
        rules: vec![FaultRule {
            every: Some(1),
            rate: None,
            ..rule(status(500), 0.0, Some("/api/1.0/xml"))
        }],
        expire_tokens_after: None,
    });

    let before = xml_calls(&emulator);
    let created = client
        .send(&CreateFolder {
            parent_id: 0,
            name: "once".into(),
            share: false,
        })
        .await;
    assert!(
        matches!(&created, Err(e @ box_core::Error::Api { .. }) if e.status() == Some(500)),
        "{created:?}"
    );
    assert_eq!(xml_calls(&emulator) - before, 1, "create_folder sent once");

    let before = xml_calls(&emulator);
    let info = client.send(&box_v1::actions::GetAccountInfo).await;
    assert!(
        matches!(&info, Err(e @ box_core::Error::Api { .. }) if e.status() == Some(500)),
        "{info:?}"
    );
    assert_eq!(
        xml_calls(&emulator) - before,
        11,
        "get_account_info sent once and replayed 10 times"
    );

    emulator.set_faults(FaultConfig::default());
    let tree = v1_tree(&client, 0).await.expect("tree");
    assert!(
        tree.root.folders.is_empty(),
        "the refused create_folder left nothing"
    );
    emulator.stop().await;
}

/// v1 refuses an upload whose name the folder holds. When an upload's answer
/// is lost after the server stored the file (a reset mid-response), the
/// replay meets `e_filename_in_use` for the very file it sent: the client
/// must report the upload as done (the stored bytes are the ones sent), yet
/// still report a real conflict (other bytes under that name) as a conflict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_upload_answer_is_reconciled_but_a_real_conflict_stands() {
    let emulator = start(Emulator::builder()).await;
    let client = v1_signed_in(&emulator, RequestForm::Xml, None).await;
    let folder = client
        .send(&CreateFolder {
            parent_id: 0,
            name: "lost-answers".into(),
            share: false,
        })
        .await
        .expect("folder created")
        .folder_id;
    let taken = content(901, 2000);
    v1_upload(&client, folder, "taken.bin", taken.clone())
        .await
        .expect("plain upload");

    // Every 2nd upload request is cut after the server has acted on it.
    let every_second_upload_reset = || FaultConfig {
        seed: 1,
        rules: vec![FaultRule {
            fault: Fault::Reset,
            rate: None,
            every: Some(2),
            path_prefix: Some("/api/1.0/upload".into()),
            method: None,
            include_exempt: false,
        }],
        expire_tokens_after: None,
    };
    emulator.set_faults(every_second_upload_reset());
    let first = content(902, 3000);
    let first_id = v1_upload(&client, folder, "first.bin", first.clone())
        .await
        .expect("request 1 is not cut");
    let second = content(903, 3000);
    let second_id = v1_upload(&client, folder, "second.bin", second.clone())
        .await
        .expect("request 2 is cut after storing; its replay is reconciled");
    assert!(
        faults_injected(&emulator) >= 1,
        "the reset was injected: {}",
        emulator.counters()
    );

    // A real conflict whose first answer is lost: the server refused it
    // (other bytes are stored under that name), so it stays a conflict.
    emulator.set_faults(every_second_upload_reset());
    v1_upload(&client, folder, "spacer.bin", content(904, 10))
        .await
        .expect("request 1 is not cut");
    let clash = v1_upload(&client, folder, "taken.bin", content(905, 2000))
        .await
        .expect_err("other bytes under a taken name");
    assert!(clash.is_conflict(), "{clash:?}");
    emulator.set_faults(FaultConfig::default());

    let tree = v1_tree(&client, folder).await.expect("tree");
    let mut names: Vec<(String, u64)> = tree
        .root
        .files
        .iter()
        .map(|f| (f.file_name.clone(), f.id))
        .collect();
    names.sort();
    let ids: HashMap<&str, u64> = names.iter().map(|(n, id)| (n.as_str(), *id)).collect();
    assert_eq!(names.len(), 4, "no file stored twice: {names:?}");
    assert_eq!(ids["first.bin"], first_id);
    assert_eq!(ids["second.bin"], second_id);
    for (id, data) in [
        (first_id, &first),
        (second_id, &second),
        (ids["taken.bin"], &taken),
    ] {
        let got = v1_download(&client, id).await.expect("download");
        assert_eq!(sha1_hex(&got), sha1_hex(data), "content of {id}");
    }
    emulator.stop().await;
}
