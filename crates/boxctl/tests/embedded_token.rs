//! The embedded user's token is one token: kept in the 0600 token file,
//! given to the emulator at every start (which keeps it in its store), the
//! same across separate boxctl processes and `serve` restarts — and the
//! emulator's store does not gain a token per start.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use common::Env;
use serde_json::Value;

/// The `embedded@…` entries of the token file.
fn embedded_tokens(env: &Env) -> Vec<String> {
    let path = env.config_dir().join("tokens.json");
    let all: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    all.as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with("embedded@"))
        .map(|(_, v)| v["access_token"].as_str().unwrap().to_owned())
        .collect()
}

/// Runs `boxctl --json serve` until it prints its addresses; returns the
/// child and the document.
fn serve(env: &Env) -> (std::process::Child, Value) {
    let mut child = env
        .cmd(&["--json", "serve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let doc: Value = serde_json::from_str(&line)
        .unwrap_or_else(|e| panic!("serve printed no JSON ({e}): {line:?}"));
    (child, doc)
}

fn stop(mut child: std::process::Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "serve ended with {status}");
}

async fn whoami_with(base: &str, token: &str) -> reqwest::StatusCode {
    reqwest::Client::new()
        .get(format!("{base}/2.0/users/me"))
        .bearer_auth(token)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_embedded_token_across_processes_and_restarts() {
    let env = Env::new();
    // Two separate embedded commands, each starting the emulator itself.
    env.ok(&["mkdir", "/First"]);
    let first = embedded_tokens(&env);
    assert_eq!(first.len(), 1, "one embedded token is stored");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.config_dir().join("tokens.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let listing = env.ok(&["ls", "/"]);
    assert!(listing.contains("First"), "{listing}");
    assert_eq!(embedded_tokens(&env), first, "the second run reused it");
    let token = first[0].clone();
    // The token never appears in a command's output.
    assert!(!listing.contains(&token));

    // `serve` starts the same emulator with the same token, twice; a
    // program given the token by the first run keeps working after the
    // restart.
    let (child, doc) = serve(&env);
    assert_eq!(doc["token"].as_str(), Some(token.as_str()));
    let base = doc["base_url"].as_str().unwrap().to_owned();
    assert_eq!(whoami_with(&base, &token).await, 200);
    assert_eq!(whoami_with(&base, "some-other-token").await, 401);
    stop(child);
    let (child, doc) = serve(&env);
    assert_eq!(doc["token"].as_str(), Some(token.as_str()));
    let base = doc["base_url"].as_str().unwrap().to_owned();
    assert_eq!(whoami_with(&base, &token).await, 200);
    // An embedded command while `serve` runs reaches it over loopback.
    let r = env.ok(&["mkdir", "/Second"]);
    assert!(!r.contains(&token));
    stop(child);
    assert_eq!(embedded_tokens(&env), first);

    // Five starts (two commands, two serves, one more command now) left one
    // access token in the emulator's store, not one per start.
    env.ok(&["stat", "/Second"]);
    let emu = box_emulator::Emulator::builder()
        .data_dir(env.path("data"))
        .default_token(token.clone())
        .start()
        .await
        .unwrap();
    let state = emu.store().read(|st| format!("{st:?}"));
    assert!(state.contains("tokens: 1,"), "{state}");
    assert_eq!(emu.default_token(), token);
    emu.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_token_is_refused_when_it_is_another_users() {
    let dir = tempfile::tempdir().unwrap();
    let emu = box_emulator::Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    let (_, other) = emu.create_user("Other", "other@example.com").unwrap();
    emu.stop().await;
    let err = box_emulator::Emulator::builder()
        .data_dir(dir.path())
        .default_token(other)
        .start()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
    let err = box_emulator::Emulator::builder()
        .data_dir(dir.path())
        .default_token("has space")
        .start()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
}

#[test]
fn profile_names_are_checked() {
    let env = Env::new();
    let r = env.expect(
        2,
        &[
            "profile",
            "add",
            "embedded@x",
            "--kind",
            "v2",
            "--base-url",
            "http://127.0.0.1:1",
        ],
    );
    assert!(
        r.stderr.contains("not a valid profile name"),
        "{}",
        r.stderr
    );
    let r = env.expect(2, &["--profile", "../x", "ls"]);
    assert!(
        r.stderr.contains("not a valid profile name"),
        "{}",
        r.stderr
    );
}
