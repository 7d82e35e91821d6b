//! `get` of a big file: fetched in parallel byte ranges, pinned to the
//! version it started with; a `get` killed midway continues from its partial
//! file on the next run, and starts over when the remote file changed.

#![cfg(unix)]

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use box_core::{Body, FileId, FolderId, Storage};
use box_emulator::faults::{Fault, FaultConfig, FaultRule};
use common::{to_run, Env};
use serde_json::Value;

const PART: u64 = 128 * 1024;

fn content(seed: u8, len: usize) -> Vec<u8> {
    // Not a repeating pattern: a range written at the wrong offset shows.
    let mut x = u32::from(seed).wrapping_mul(2_654_435_761) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// Every ranged request to the file waits `ms`.
fn slow_downloads(emu: &box_emulator::EmulatorHandle, id: &FileId, ms: u64) {
    emu.set_faults(FaultConfig {
        rules: vec![FaultRule {
            fault: Fault::Latency { ms },
            rate: Some(1.0),
            every: None,
            path_prefix: Some(format!("/2.0/files/{}/content", id.as_str())),
            method: None,
            include_exempt: false,
        }],
        ..FaultConfig::default()
    });
}

const GET: &[&str] = &[
    "--parallel-above",
    "1M",
    "--part-size",
    "128K",
    "--range-jobs",
    "2",
];

/// Starts `get /big.bin OUT`, waits until the state file records at least
/// `parts` ranges, and kills the process.
async fn get_and_kill(env: &Env, token: &str, out: &std::path::Path, parts: usize) -> Vec<u64> {
    let mut args = vec!["get", "/big.bin", out.to_str().unwrap()];
    args.extend_from_slice(GET);
    let mut c = env.cmd(&args);
    c.env("BOXCTL_TEST_TOKEN", token)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = c.spawn().unwrap();
    let state = out.with_file_name(".big.bin.boxctl-part.json");
    let deadline = Instant::now() + Duration::from_secs(60);
    let done = loop {
        assert!(Instant::now() < deadline, "no ranges recorded in time");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the download finished before it could be killed"
        );
        if let Some(s) = std::fs::read(&state)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        {
            let done: Vec<u64> = s["done"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect();
            if done.len() >= parts {
                break done;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!out.exists(), "a half file under the final name");
    assert!(out.with_file_name(".big.bin.boxctl-part").exists());
    done
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn big_get_is_ranged_parallel_resumable_and_version_pinned() {
    let emu = box_emulator::Emulator::builder().start().await.unwrap();
    let base = emu.base_url();
    let token = emu.default_token().to_owned();
    let env = Env::new();
    env.write_config(&format!(
        "default_profile = \"srv\"\n[profiles.srv]\nkind = \"v2\"\nbase_url = \"{base}\"\ntoken_env = \"BOXCTL_TEST_TOKEN\"\n"
    ));
    let v2 = box_v2::Client::builder()
        .base_url(&base)
        .auth(box_v2::auth::DeveloperToken::new(&token))
        .build()
        .unwrap();
    let first = content(1, 3 * 1024 * 1024 + 12_345);
    let file = Storage::upload(
        &v2.storage(),
        &FolderId::root(),
        "big.bin",
        Body::from(first.clone()),
    )
    .await
    .unwrap();
    let run = |args: Vec<String>| {
        let mut c = env.cmd(&args.iter().map(String::as_str).collect::<Vec<_>>());
        c.env("BOXCTL_TEST_TOKEN", &token);
        async move {
            tokio::task::spawn_blocking(move || to_run(c.output().unwrap()))
                .await
                .unwrap()
        }
    };
    let get_json = |out: &std::path::Path| {
        let mut a: Vec<String> = ["--json", "get", "/big.bin", out.to_str().unwrap()]
            .iter()
            .map(|s| s.to_string())
            .collect();
        a.extend(GET.iter().map(|s| s.to_string()));
        a
    };

    // 1. Killed after some ranges, then resumed: only the rest is fetched.
    let out = env.path("big.bin");
    slow_downloads(&emu, &file.id, 120);
    let done = get_and_kill(&env, &token, &out, 4).await;
    emu.set_faults(FaultConfig::default());
    let r = run(get_json(&out)).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let resumed = v["files"][0]["resumed_from"].as_u64().unwrap();
    assert!(
        resumed >= done.len() as u64 * PART,
        "resumed {resumed} bytes; {} ranges were recorded",
        done.len()
    );
    assert!(resumed < first.len() as u64, "nothing left to fetch?");
    assert_eq!(
        std::fs::read(&out).unwrap(),
        first,
        "resumed content differs"
    );
    assert!(!out.with_file_name(".big.bin.boxctl-part").exists());
    assert!(!out.with_file_name(".big.bin.boxctl-part.json").exists());

    // 2. Killed, then the remote file gets a new version: the partial (of
    // the old version) is dropped and the new content fetched whole.
    let out2 = env.path("again/big.bin");
    std::fs::create_dir_all(out2.parent().unwrap()).unwrap();
    slow_downloads(&emu, &file.id, 120);
    get_and_kill(&env, &token, &out2, 2).await;
    emu.set_faults(FaultConfig::default());
    let second = content(2, 2 * 1024 * 1024 + 777);
    Storage::upload_version(&v2.storage(), &file.id, Body::from(second.clone()))
        .await
        .unwrap();
    let r = run(get_json(&out2)).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["files"][0]["resumed_from"], 0, "{v}");
    assert_eq!(std::fs::read(&out2).unwrap(), second);

    // 3. A recorded range corrupted on disk: the SHA-1 check fails, the
    // partial is removed (never renamed into place), the next run is whole.
    let out3 = env.path("third/big.bin");
    std::fs::create_dir_all(out3.parent().unwrap()).unwrap();
    slow_downloads(&emu, &file.id, 120);
    let done = get_and_kill(&env, &token, &out3, 2).await;
    emu.set_faults(FaultConfig::default());
    let part = out3.with_file_name(".big.bin.boxctl-part");
    {
        use std::os::unix::fs::FileExt;
        let f = std::fs::OpenOptions::new().write(true).open(&part).unwrap();
        f.write_all_at(b"garbage", done[0] + 10).unwrap();
    }
    let r = run(get_json(&out3)).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("SHA-1"), "{}", r.stderr);
    assert!(!out3.exists());
    assert!(!part.exists());
    let r = run(get_json(&out3)).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read(&out3).unwrap(), second);

    // 4. A small file is one plain stream; nothing is left beside it.
    Storage::upload(
        &v2.storage(),
        &FolderId::root(),
        "small.txt",
        Body::from(b"hello".to_vec()),
    )
    .await
    .unwrap();
    let r = run(vec![
        "get".into(),
        "/small.txt".into(),
        env.path("small.txt").to_string_lossy().into_owned(),
    ])
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read(env.path("small.txt")).unwrap(), b"hello");
    assert!(!env.path(".small.txt.boxctl-part.json").exists());
    emu.stop().await;
}
