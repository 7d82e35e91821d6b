//! A mixed workload through the v2 client (OAuth with short-lived access
//! tokens) while the emulator injects 429s with Retry-After, 500/502/503,
//! connection resets mid-response and forced token expiry. Seeded and run
//! sequentially, so the same faults hit the same requests on every run. It
//! must end with every file byte-identical and nothing duplicated.
//!
//! Connection resets hit GET and PUT only: the emulator resets after doing
//! the work, and a POST whose response is lost cannot be replayed safely
//! (a replayed upload answers 409 `item_name_in_use` for the file the first
//! attempt created).

use std::collections::BTreeMap;
use std::time::Duration;

use box_core::Body;
use box_emulator::{Emulator, Fault, FaultConfig, FaultRule};
use boxkit_tests::{
    client_builder, content, download, fast_retries, list, oauth_app, oauth_login, sha1_hex, start,
};

const SEED: u64 = 0x5eed_2026;

fn rule(fault: Fault, rate: f64, method: Option<&str>) -> FaultRule {
    FaultRule {
        fault,
        rate: Some(rate),
        every: None,
        path_prefix: None,
        method: method.map(str::to_string),
        include_exempt: false,
    }
}

fn faults() -> FaultConfig {
    let status = |status, retry_after| Fault::Status {
        status,
        retry_after,
    };
    FaultConfig {
        seed: SEED,
        rules: vec![
            rule(status(429, Some(1)), 0.06, None),
            // 500 and 502 may come after the work was done, so the client
            // replays them for idempotent methods only; 429 and 503 mean the
            // work was not done and are replayed for POSTs too.
            rule(status(500, None), 0.03, Some("GET")),
            rule(status(500, None), 0.03, Some("PUT")),
            rule(status(502, None), 0.03, Some("GET")),
            rule(status(502, None), 0.03, Some("PUT")),
            rule(status(503, Some(1)), 0.03, None),
            // Resets come after the emulator has done the work. Only
            // idempotent methods get them: a POST whose response is lost is
            // not replayed by the client (it may have taken effect).
            rule(Fault::Reset, 0.06, Some("GET")),
            rule(Fault::Reset, 0.06, Some("PUT")),
        ],
        expire_tokens_after: Some(1),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_workload_survives_injected_faults() {
    let emulator = start(
        Emulator::builder()
            .chunked_upload_min_size(8 * 1024)
            .chunked_part_size(4 * 1024),
    )
    .await;
    let app = oauth_app(&emulator);
    let client = client_builder(&emulator)
        .auth(app.clone())
        .refresh_margin(Duration::ZERO)
        .retry_policy(fast_retries())
        .chunked_upload_threshold(16 * 1024)
        .build()
        .expect("client builds");
    // Faults (and one-second access tokens) from the first token on.
    emulator.set_faults(faults());
    let started = std::time::Instant::now();
    oauth_login(&client, &app)
        .await
        .expect("authorization code flow");
    let src = client
        .folders()
        .create("0", "src")
        .send()
        .await
        .expect("src")
        .id
        .to_string();
    let dst = client
        .folders()
        .create("0", "dst")
        .send()
        .await
        .expect("dst")
        .id
        .to_string();

    // Uploads: 20 simple, 4 chunked (16..40 KiB in 4 KiB parts).
    let mut files: BTreeMap<String, (String, String)> = BTreeMap::new(); // name -> (id, sha1)
    for i in 0..24u64 {
        let len = if i % 6 == 5 {
            16 * 1024 + (i as usize * 1013) % (24 * 1024)
        } else {
            100 + (i as usize * 379) % 8000
        };
        let data = content(SEED + i, len);
        let name = format!("f{i:02}.bin");
        let f = client
            .upload_file(&src, &name, Body::from_bytes(data.clone()))
            .await
            .unwrap_or_else(|e| panic!("upload {name} ({len} bytes): {e:?}"));
        assert_eq!(f.sha1.as_deref(), Some(sha1_hex(&data).as_str()), "{name}");
        files.insert(name, (f.id.to_string(), sha1_hex(&data)));
        if i % 4 == 3 {
            let listed = list(&client, &src).await.expect("listing under faults");
            assert_eq!(
                listed.len() as u64,
                i + 1,
                "listing after {} uploads",
                i + 1
            );
        }
    }

    // Downloads, then move every other file to dst, then download again.
    for (name, (id, sha1)) in &files {
        let got = download(&client, id)
            .await
            .unwrap_or_else(|e| panic!("download {name}: {e:?}"));
        assert_eq!(&sha1_hex(&got), sha1, "{name}");
    }
    let mut moved = Vec::new();
    for (k, (name, (id, _))) in files.iter().enumerate() {
        if k % 2 == 0 {
            let f = client
                .files()
                .update(id)
                .parent(&dst)
                .send()
                .await
                .unwrap_or_else(|e| panic!("move {name}: {e:?}"));
            assert_eq!(f.id.to_string(), *id);
            moved.push(name.clone());
        }
    }
    assert_eq!(
        list(&client, &dst).await.expect("listing dst").len(),
        moved.len()
    );
    for (name, (id, sha1)) in &files {
        let got = download(&client, id)
            .await
            .unwrap_or_else(|e| panic!("download {name}: {e:?}"));
        assert_eq!(&sha1_hex(&got), sha1, "{name} after the moves");
    }
    let elapsed = started.elapsed();

    // Faults off: check the final state.
    emulator.set_faults(FaultConfig::default());
    let counters = emulator.counters();
    let injected = counters["faults_injected"].as_u64().unwrap_or(0);
    let refreshes = counters["token_refreshes"].as_u64().unwrap_or(0);
    assert!(injected > 0, "faults were injected: {counters}");
    assert!(refreshes > 0, "tokens were refreshed: {counters}");
    let routes = &counters["requests_by_route"];
    let sessions = routes["POST /api/2.0/files/upload_sessions"]
        .as_u64()
        .unwrap_or(0);
    assert!(
        sessions >= 4,
        "the large files went through upload sessions: {counters}"
    );
    assert!(
        routes["PUT /api/2.0/files/upload_sessions/{id}"]
            .as_u64()
            .unwrap_or(0)
            >= 16,
        "several parts per session: {counters}"
    );

    let src_items = list(&client, &src).await.expect("listing src");
    let dst_items = list(&client, &dst).await.expect("listing dst");
    assert_eq!(
        src_items.len() + dst_items.len(),
        files.len(),
        "nothing duplicated"
    );
    for (items, folder) in [(&src_items, "src"), (&dst_items, "dst")] {
        for (name, id, sha1) in items.iter() {
            let (want_id, want_sha1) = &files[name];
            assert_eq!(id, want_id, "{name} in {folder}");
            assert_eq!(sha1, want_sha1, "{name} in {folder}");
            assert_eq!(moved.contains(name), folder == "dst", "{name} in {folder}");
            let got = download(&client, id).await.expect("final download");
            assert_eq!(&sha1_hex(&got), want_sha1, "final content of {name}");
        }
    }
    assert_eq!(list(&client, "0").await.expect("root").len(), 2);
    eprintln!(
        "faults workload: {injected} faults injected, {refreshes} token refreshes, {} requests, {:?}",
        counters["requests_total"], elapsed
    );
    emulator.stop().await;
}
