//! A resumed download pins the version it started with: the connection
//! drops mid-body, a new version is uploaded meanwhile, and the resumed
//! download still delivers the first version's bytes (or a clear error),
//! never the start of one version spliced to the end of another.
//! Also for parallel range downloads: every range comes from one version.

use box_core::Body;
use box_emulator::{Emulator, Fault, FaultConfig, FaultRule};
use boxkit_tests::{content, developer_client, sha1_hex, start};
use futures::StreamExt;

const SIZE: usize = 3 << 20;

fn reset_downloads() -> FaultConfig {
    FaultConfig {
        rules: vec![FaultRule {
            fault: Fault::Reset,
            rate: None,
            every: Some(1),
            path_prefix: Some("/content/".into()),
            method: Some("GET".into()),
            include_exempt: false,
        }],
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_download_never_splices_two_versions() {
    let emulator = start(Emulator::builder()).await;
    let client = developer_client(&emulator, emulator.default_token());
    let v1 = content(1, SIZE);
    let v2 = content(2, SIZE);
    let file = client
        .upload("0", "pinned.bin", Body::from_bytes(v1.clone()))
        .send()
        .await
        .expect("upload v1");

    // Every body from the download host is cut short: the first read gets
    // part of version 1, then the connection resets.
    emulator.set_faults(reset_downloads());
    let mut body = client
        .download(file.id.as_str())
        .send()
        .await
        .expect("download starts");
    let first = body
        .next()
        .await
        .expect("a first chunk")
        .expect("the first chunk arrives");
    assert!(
        !first.is_empty() && first.len() < SIZE,
        "{} bytes",
        first.len()
    );

    // Meanwhile the file changes, and the network heals.
    emulator.set_faults(FaultConfig::default());
    client
        .upload_version(file.id.as_str(), Body::from_bytes(v2.clone()))
        .send()
        .await
        .expect("upload v2");

    let mut got = first.to_vec();
    let mut failed = None;
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(c) => got.extend_from_slice(&c),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    match failed {
        None => assert_eq!(
            sha1_hex(&got),
            sha1_hex(&v1),
            "the resumed download delivered the first version whole ({} bytes)",
            got.len()
        ),
        Some(e) => {
            assert!(
                matches!(e, box_core::Error::PreconditionFailed { .. }),
                "a clear error, not a splice: {e:?}"
            );
            assert_eq!(got[..], v1[..got.len()], "what arrived is version 1's");
        }
    }

    // A fresh download sees version 2.
    let now = boxkit_tests::download(&client, file.id.as_str())
        .await
        .expect("download v2");
    assert_eq!(sha1_hex(&now), sha1_hex(&v2));
    emulator.stop().await;
}
