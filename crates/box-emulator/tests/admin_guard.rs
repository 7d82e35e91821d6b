//! The admin API and the server's reach: the admin secret, foreign `Host`
//! and `Origin`, non-JSON admin bodies, seeding only from directories named
//! at start, and one process per data directory (two real processes).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use box_emulator::Emulator;
use reqwest::Client;
use serde_json::json;

const SECRET: &str = "x-box-emulator-admin-secret";

#[tokio::test]
async fn the_admin_api_needs_the_secret_a_local_host_and_origin_and_json() {
    let seedable = tempfile::tempdir().unwrap();
    let emu = Emulator::builder()
        .admin_secret("s3cret-for-test")
        .seed_root(seedable.path())
        .start()
        .await
        .unwrap();
    assert_eq!(emu.admin_secret(), "s3cret-for-test");
    let http = Client::new();
    let users = format!("{}/users", emu.admin_url());
    let body = json!({"name": "Eve", "login": "eve@example.com"});
    let status = |r: reqwest::Response| r.status().as_u16();

    // No secret, a wrong one: refused.
    let r = http.post(&users).json(&body).send().await.unwrap();
    assert_eq!(status(r), 401);
    let r = http
        .post(&users)
        .header(SECRET, "guess")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(status(r), 401);
    // The secret, but from another site or a rebound DNS name.
    let r = http
        .post(&users)
        .header(SECRET, emu.admin_secret())
        .header("origin", "http://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(status(r), 403);
    let r = http
        .post(&users)
        .header(SECRET, emu.admin_secret())
        .header("host", "evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(status(r), 421);
    // A form post (what a page can send without a preflight).
    let r = http
        .post(&users)
        .header(SECRET, emu.admin_secret())
        .header("content-type", "text/plain")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(status(r), 415);
    // Box's API under a rebound name is refused too.
    let r = http
        .get(format!("{}/users/me", emu.api_url()))
        .bearer_auth(emu.default_token())
        .header("host", "rebound.example:80")
        .send()
        .await
        .unwrap();
    assert_eq!(status(r), 421);
    // Done right: accepted, with no CORS header.
    let r = http
        .post(&users)
        .header(SECRET, emu.admin_secret())
        .header("origin", emu.base_url())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    assert_eq!(status(r), 201);
    let r = http
        .get(format!("{}/users/me", emu.api_url()))
        .bearer_auth(emu.default_token())
        .header("host", "localhost")
        .send()
        .await
        .unwrap();
    assert_eq!(status(r), 200);

    // Seeding over HTTP: only below a root named at start.
    let seed = format!("{}/users/{}/seed", emu.admin_url(), emu.default_user());
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("secret.txt"), b"private").unwrap();
    let r = http
        .post(&seed)
        .header(SECRET, emu.admin_secret())
        .json(&json!({"path": elsewhere.path()}))
        .send()
        .await
        .unwrap();
    assert_eq!(status(r), 403);
    std::fs::create_dir(seedable.path().join("docs")).unwrap();
    std::fs::write(seedable.path().join("docs/a.txt"), b"a").unwrap();
    let r = http
        .post(&seed)
        .header(SECRET, emu.admin_secret())
        .json(&json!({"path": seedable.path().join("docs")}))
        .send()
        .await
        .unwrap();
    assert_eq!(status(r), 200);
    // The in-process handle seeds from anywhere, without a secret.
    assert_eq!(
        emu.seed_from_dir(&emu.default_user(), elsewhere.path())
            .unwrap(),
        1
    );
}

/// Reads the child's stdout until the banner's admin-secret line (or 60 s).
fn wait_for_banner(child: &mut std::process::Child) -> bool {
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if line.contains("admin secret") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60)).is_ok()
}

#[test]
fn a_second_emulator_on_one_data_dir_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_box-emulator");
    let mut first = Command::new(bin)
        .args(["--port", "0", "--data-dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(
        wait_for_banner(&mut first),
        "the first emulator did not start"
    );
    let mut second = Command::new(bin)
        .args(["--port", "0", "--data-dir"])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(s) = second.try_wait().unwrap() {
            break Some(s);
        }
        if started.elapsed() > Duration::from_secs(30) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let still_running = first.try_wait().unwrap().is_none();
    let _ = first.kill();
    let _ = first.wait();
    let Some(status) = status else {
        let _ = second.kill();
        let _ = second.wait();
        panic!("the second emulator kept running on the same data dir");
    };
    assert!(!status.success());
    let mut err = String::new();
    std::io::Read::read_to_string(&mut second.stderr.take().unwrap(), &mut err).unwrap();
    assert!(err.contains("in use by another box-emulator"), "{err}");
    assert!(still_running, "the first emulator must keep running");
}
