//! `events --follow` (long-poll, prints events as they arrive) and `collab`,
//! against a v2 profile on an in-process emulator.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use box_core::{FolderId, Storage};
use common::{to_run, Env};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_follow_and_collaborations() {
    let emu = box_emulator::Emulator::builder()
        .longpoll_timeout(Duration::from_secs(2))
        .start()
        .await
        .unwrap();
    let base = emu.base_url();
    let token = emu.default_token().to_owned();
    let (friend, _) = emu.create_user("Friend", "friend@example.com").unwrap();
    let env = Env::new();
    env.write_config(&format!(
        "default_profile = \"srv\"\n[profiles.srv]\nkind = \"v2\"\nbase_url = \"{base}\"\ntoken_env = \"BOXCTL_TEST_TOKEN\"\n"
    ));
    let run = |args: &[&str]| {
        let mut c = env.cmd(args);
        c.env("BOXCTL_TEST_TOKEN", &token);
        async move {
            tokio::task::spawn_blocking(move || to_run(c.output().unwrap()))
                .await
                .unwrap()
        }
    };

    // --follow from now: nothing old is printed; new events arrive as they happen.
    let mut c = env.cmd(&[
        "--json", "events", "--follow", "--from", "now", "--max", "2",
    ]);
    c.env("BOXCTL_TEST_TOKEN", &token)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map(|l| l.unwrap())
            .collect::<Vec<_>>()
    });
    // Let it reach the long poll (one reconnect at least), then make changes.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let v2 = box_v2::Client::builder()
        .base_url(&base)
        .auth(box_v2::auth::DeveloperToken::new(&token))
        .build()
        .unwrap();
    let shared = v2
        .storage()
        .create_folder(&FolderId::root(), "Shared")
        .await
        .unwrap();
    v2.storage()
        .create_folder(&shared.id, "Inside")
        .await
        .unwrap();
    let lines = tokio::time::timeout(Duration::from_secs(30), lines)
        .await
        .expect("events --follow did not print")
        .unwrap();
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success());
    assert_eq!(lines.len(), 2, "{lines:?}");
    let names: Vec<String> = lines
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["source"]["name"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(names, ["Shared", "Inside"]);

    // collab add / ls / rm.
    let r = run(&[
        "--json",
        "collab",
        "add",
        "/Shared",
        "friend@example.com",
        "--role",
        "viewer",
    ])
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let collab: Value = serde_json::from_str(&r.stdout).unwrap();
    let id = collab["id"].as_str().unwrap().to_owned();
    let r = run(&["collab", "ls", "/Shared"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("friend@example.com") && r.stdout.contains("viewer"),
        "{}",
        r.stdout
    );
    let r = run(&[
        "collab",
        "add",
        "/Shared",
        &format!("user:{}", friend.id),
        "--role",
        "editor",
    ])
    .await;
    assert_ne!(
        r.code, 0,
        "a second collaboration of the same user: {}",
        r.stdout
    );
    let r = run(&["collab", "rm", &id]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&["--json", "collab", "ls", "/Shared"]).await;
    assert_eq!(
        serde_json::from_str::<Value>(&r.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let r = run(&["collab", "rm", &id]).await;
    assert_eq!(r.code, 3, "{}", r.stderr);
    emu.stop().await;
}
