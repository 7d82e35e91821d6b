//! Two embedded-profile commands at once, as two real processes: the first
//! (`events --follow`) runs the emulator on the data dir and announces it in
//! a 0600 file; the second (`mkdir`, `put`) finds the data dir locked and
//! talks to the first over loopback instead of failing.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{to_run, Env};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_embedded_command_uses_the_first_ones_emulator() {
    let env = Env::new();
    let server_file = env.path("data").join("boxctl-server.json");
    let mut follow = env
        .cmd(&[
            "--json", "events", "--follow", "--from", "now", "--max", "2",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !server_file.exists() {
        assert!(
            Instant::now() < deadline,
            "the first boxctl announced nothing"
        );
        assert!(
            follow.try_wait().unwrap().is_none(),
            "events --follow ended"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&server_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the server file holds secrets");
    }
    // Let the follower reach its long poll.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let local = env.path("note.txt");
    std::fs::write(&local, b"written by the second process").unwrap();
    let second = {
        let mkdir = env.cmd(&["mkdir", "/Second"]);
        let put = env.cmd(&["--json", "put", local.to_str().unwrap(), "/Second"]);
        tokio::task::spawn_blocking(move || {
            let (mut mkdir, mut put) = (mkdir, put);
            (
                to_run(mkdir.output().unwrap()),
                to_run(put.output().unwrap()),
            )
        })
        .await
        .unwrap()
    };
    assert_eq!(second.0.code, 0, "mkdir: {}", second.0.stderr);
    assert_eq!(second.1.code, 0, "put: {}", second.1.stderr);

    // The follower printed both changes as they happened, and ended (--max 2).
    let stdout = follow.stdout.take().unwrap();
    let lines = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::task::spawn_blocking(move || {
            BufReader::new(stdout)
                .lines()
                .map(|l| l.unwrap())
                .collect::<Vec<_>>()
        }),
    )
    .await
    .expect("events --follow did not see the second process's changes")
    .unwrap();
    let status = follow.wait().unwrap();
    assert!(status.success(), "events --follow: {status}");
    let events: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 2, "{lines:?}");
    let all = lines.join("\n");
    assert!(all.contains("Second"), "{all}");
    assert!(all.contains("note.txt"), "{all}");
    // The announcement is withdrawn when its process ends; the next command
    // starts its own emulator on the same data and sees what the second wrote.
    assert!(!server_file.exists());
    let r = env.run(&["cat", "/Second/note.txt"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "written by the second process");
}
