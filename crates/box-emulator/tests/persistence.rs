//! Persistence with a data directory: state survives a restart, and a
//! `kill -9` in the middle of an upload leaves nothing half-written visible.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use box_emulator::Emulator;
use reqwest::Client;
use serde_json::{json, Value};

mod support;
use support::{fetch, root_names};

async fn upload(
    client: &Client,
    upload_url: &str,
    token: &str,
    name: &str,
    body: reqwest::Body,
) -> reqwest::Result<reqwest::Response> {
    let form = reqwest::multipart::Form::new()
        .text(
            "attributes",
            json!({"name": name, "parent": {"id": "0"}}).to_string(),
        )
        .part(
            "file",
            reqwest::multipart::Part::stream(body).file_name(name.to_string()),
        );
    client
        .post(format!("{upload_url}/files/content"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
}

#[tokio::test]
async fn state_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new();
    let emu = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    let token = emu.default_token().to_string();
    let r = upload(&client, &emu.upload_url(), &token, "keep.txt", "v1".into())
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    let id = v["entries"][0]["id"].as_str().unwrap().to_string();
    let form = reqwest::multipart::Form::new()
        .text("attributes", "{}")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"version two".to_vec()).file_name("keep.txt"),
        );
    let r = client
        .post(format!("{}/files/{id}/content", emu.upload_url()))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = client
        .put(format!("{}/files/{id}", emu.api_url()))
        .bearer_auth(&token)
        .json(&json!({"description": "kept", "tags": ["a"]}))
        .send()
        .await
        .unwrap();
    let before: Value = r.json().await.unwrap();
    emu.stop().await;

    let emu = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    // The old token was persisted too.
    let after: Value = client
        .get(format!("{}/files/{id}", emu.api_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(after["etag"], before["etag"]);
    assert_eq!(after["description"], "kept");
    assert_eq!(fetch(&emu.api_url(), &token, &id).await, b"version two");
    let versions: Value = client
        .get(format!("{}/files/{id}/versions", emu.api_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(versions["total_count"], 1);
    // New ids do not collide with old ones.
    let r = client
        .post(format!("{}/folders", emu.api_url()))
        .bearer_auth(&token)
        .json(&json!({"name": "new", "parent": {"id": "0"}}))
        .send()
        .await
        .unwrap();
    let f: Value = r.json().await.unwrap();
    assert!(f["id"].as_str().unwrap().parse::<u64>().unwrap() > id.parse::<u64>().unwrap());
}

struct Proc {
    child: Child,
    api: String,
    upload: String,
    token: String,
}

fn spawn(dir: &std::path::Path) -> Proc {
    spawn_with(dir, &[])
}

fn spawn_with(dir: &std::path::Path, extra: &[&str]) -> Proc {
    let mut child = Command::new(env!("CARGO_BIN_EXE_box-emulator"))
        .args(["--port", "0", "--data-dir"])
        .arg(dir)
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let mut lines = BufReader::new(out).lines();
    let (mut api, mut upload) = (String::new(), String::new());
    let token;
    loop {
        let line = lines.next().expect("emulator exited early").unwrap();
        let line = line.trim().to_string();
        if let Some(v) = line.strip_prefix("api:") {
            api = v.trim().into();
        } else if let Some(v) = line.strip_prefix("upload:") {
            upload = v.trim().into();
        } else if let Some(v) = line.strip_prefix("token:") {
            token = v.trim().to_string();
            break;
        }
    }
    Proc {
        child,
        api,
        upload,
        token,
    }
}

#[tokio::test]
async fn kill_during_upload_leaves_nothing_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new();
    let mut p = spawn(dir.path());
    let done = b"acknowledged contents".to_vec();
    let r = upload(
        &client,
        &p.upload,
        &p.token,
        "done.txt",
        done.clone().into(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let done_id = r.json::<Value>().await.unwrap()["entries"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // A slow upload: 64 KiB every 50 ms for ~2 s; the process dies after ~300 ms.
    let chunks = futures::stream::unfold(0u32, |i| async move {
        if i >= 40 {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        Some((
            Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b'x'; 64 * 1024])),
            i + 1,
        ))
    });
    let slow = {
        let client = client.clone();
        let (up, token) = (p.upload.clone(), p.token.clone());
        tokio::spawn(async move {
            upload(
                &client,
                &up,
                &token,
                "partial.bin",
                reqwest::Body::wrap_stream(chunks),
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    p.child.kill().unwrap(); // SIGKILL
    p.child.wait().unwrap();
    let res = tokio::time::timeout(Duration::from_secs(10), slow)
        .await
        .unwrap()
        .unwrap();
    assert!(res.is_err() || !res.unwrap().status().is_success());

    let mut p2 = spawn(dir.path());
    assert_eq!(root_names(&p2.api, &p2.token).await, ["done.txt"]);
    assert_eq!(fetch(&p2.api, &p2.token, &done_id).await, done);
    // No temporary leftovers, and only the acknowledged blob on disk.
    let tmp = dir.path().join("blobs/tmp");
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
    let blobs: usize = std::fs::read_dir(dir.path().join("blobs"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() != "tmp")
        .map(|e| std::fs::read_dir(e.path()).unwrap().count())
        .sum();
    assert_eq!(blobs, 1);
    p2.child.kill().unwrap();
    p2.child.wait().unwrap();
}

#[tokio::test]
async fn upload_session_resumes_after_restart() {
    use base64::Engine;
    use sha1::Digest;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(sha1::Sha1::digest(b));
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new();
    let start = || {
        Emulator::builder()
            .data_dir(dir.path())
            .chunked_upload_min_size(1)
            .chunked_part_size(4)
            .start()
    };
    let emu = start().await.unwrap();
    let token = emu.default_token().to_string();
    let sess: Value = client
        .post(format!("{}/files/upload_sessions", emu.upload_url()))
        .bearer_auth(&token)
        .json(&json!({"folder_id": "0", "file_size": 6, "file_name": "resumed.bin"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = sess["id"].as_str().unwrap().to_string();
    let put = |base: String, range: &'static str, body: &'static [u8]| {
        let (client, token, id) = (client.clone(), token.clone(), id.clone());
        async move {
            client
                .put(format!("{base}/files/upload_sessions/{id}"))
                .bearer_auth(&token)
                .header("content-range", range)
                .header("digest", format!("sha={}", b64(body)))
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let r = put(emu.upload_url(), "bytes 0-3/6", b"abcd").await;
    assert_eq!(r.status(), 200);
    let p1: Value = r.json().await.unwrap();
    emu.stop().await;

    let emu = start().await.unwrap();
    let parts: Value = client
        .get(format!(
            "{}/files/upload_sessions/{id}/parts",
            emu.upload_url()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(parts["total_count"], 1, "{parts}");
    let r = put(emu.upload_url(), "bytes 4-5/6", b"ef").await;
    let p2: Value = r.json().await.unwrap();
    let done: Value = client
        .post(format!(
            "{}/files/upload_sessions/{id}/commit",
            emu.upload_url()
        ))
        .bearer_auth(&token)
        .header("digest", format!("sha={}", b64(b"abcdef")))
        .json(&json!({"parts": [p1["part"], p2["part"]]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let fid = done["entries"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(fetch(&emu.api_url(), &token, &fid).await, b"abcdef");
    assert!(!dir.path().join("blobs/sessions").join(&id).exists());
}

/// A process that dies right after a commit's transaction, before it can
/// answer, leaves the file and the session's end both durable: after a
/// restart the client's retried commit gets its own file (201, the same id
/// on every retry), not 409 on a name its own commit took. Before the file
/// and the session were written in one transaction, a crash between the
/// two writes left the file with an open session, and the retry got 409.
#[tokio::test]
async fn a_commit_killed_after_its_transaction_answers_the_retry_with_the_file() {
    use base64::Engine;
    use sha1::Digest;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(sha1::Sha1::digest(b));
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new();
    let sizes = ["--chunked-min-size", "1", "--part-size", "4"];
    let mut crash_args = sizes.to_vec();
    crash_args.push("--crash-after-commit");
    let mut p = spawn_with(dir.path(), &crash_args);
    let sess: Value = client
        .post(format!("{}/files/upload_sessions", p.upload))
        .bearer_auth(&p.token)
        .json(&json!({"folder_id": "0", "file_size": 6, "file_name": "crash.bin"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = sess["id"].as_str().unwrap().to_string();
    let mut parts = Vec::new();
    for (range, body) in [("bytes 0-3/6", &b"abcd"[..]), ("bytes 4-5/6", b"ef")] {
        let r = client
            .put(format!("{}/files/upload_sessions/{id}", p.upload))
            .bearer_auth(&p.token)
            .header("content-range", range)
            .header("digest", format!("sha={}", b64(body)))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        parts.push(r.json::<Value>().await.unwrap()["part"].clone());
    }
    let commit = |upload: String, token: String| {
        let client = client.clone();
        let body = json!({ "parts": parts });
        let url = format!("{upload}/files/upload_sessions/{id}/commit");
        async move {
            client
                .post(url)
                .bearer_auth(token)
                .header("digest", format!("sha={}", b64(b"abcdef")))
                .json(&body)
                .send()
                .await
        }
    };
    let died = commit(p.upload.clone(), p.token.clone()).await;
    assert!(died.is_err(), "the process aborts before answering");
    let status = p.child.wait().unwrap();
    assert!(!status.success(), "{status:?}");

    let mut p2 = spawn_with(dir.path(), &sizes);
    let mut ids = Vec::new();
    for _ in 0..2 {
        let r = commit(p2.upload.clone(), p2.token.clone()).await.unwrap();
        assert_eq!(r.status(), 201, "a retried commit answers the file");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["entries"][0]["name"], "crash.bin", "{v}");
        ids.push(v["entries"][0]["id"].as_str().unwrap().to_string());
    }
    assert_eq!(ids[0], ids[1]);
    assert_eq!(root_names(&p2.api, &p2.token).await, ["crash.bin"]);
    assert_eq!(fetch(&p2.api, &p2.token, &ids[0]).await, b"abcdef");
    p2.child.kill().unwrap();
    p2.child.wait().unwrap();
}

/// The binary refuses a fault configuration file with a rule it cannot
/// apply (here a zero schedule) with exit code 2 and a message, before
/// serving anything.
#[test]
fn binary_refuses_an_unusable_fault_config() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("faults.json");
    std::fs::write(
        &cfg,
        r#"{"seed": 1, "rules": [{"fault": {"kind": "status", "status": 503}, "every": 0}]}"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_box-emulator"))
        .args(["--port", "0", "--fault-config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("every must be at least 1"), "{err}");
    assert!(out.stdout.is_empty());
}

/// Makes every blob shard directory that does not exist yet a regular
/// file, so moving any new blob into place fails (as on a full or broken
/// disk); returns the files made, to remove them again.
fn block_blob_dirs(emu: &box_emulator::EmulatorHandle) -> Vec<std::path::PathBuf> {
    let some = emu.store().blobs().path(&"0".repeat(40));
    let root = some.parent().unwrap().parent().unwrap().to_path_buf();
    let mut made = Vec::new();
    for n in 0..=255u8 {
        let shard = root.join(format!("{n:02x}"));
        if !shard.exists() {
            std::fs::write(&shard, b"not a directory").unwrap();
            made.push(shard);
        }
    }
    made
}

/// An upload makes the file's record, then moves its blob into place; when
/// the move fails, the upload fails as a whole. Before writes were all or
/// nothing, the record stayed (in memory, and in the database with a data
/// directory, so after a restart too): a file listed whose contents did not
/// exist, and a retried upload refused with 409 on its own name. v2 and v1
/// uploads, without and with a data directory.
#[tokio::test]
async fn an_upload_whose_blob_cannot_be_stored_leaves_no_file() {
    let client = Client::new();
    for persisted in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let builder = Emulator::builder();
        let builder = if persisted {
            builder.data_dir(dir.path())
        } else {
            builder
        };
        let emu = builder.start().await.unwrap();
        let token = emu.default_token().to_string();
        let events_before = emu.store().read(|st| st.last_event());
        let blocked = block_blob_dirs(&emu);

        let r = upload(
            &client,
            &emu.upload_url(),
            &token,
            "lost.txt",
            "v2 bytes".into(),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 500, "persisted: {persisted}");
        let part = reqwest::multipart::Part::bytes(b"v1 bytes".to_vec()).file_name("lost-v1.txt");
        let v1 = client
            .post(format!("{}/upload/{token}/0", emu.v1_url()))
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(v1.contains("upload_failed"), "{v1}");
        assert_eq!(
            root_names(&emu.api_url(), &token).await,
            Vec::<String>::new(),
            "persisted: {persisted}"
        );
        assert_eq!(emu.store().read(|st| st.last_event()), events_before);

        for shard in blocked {
            std::fs::remove_file(shard).unwrap();
        }
        // The same names upload now (no 409 on a file that never was).
        let r = upload(
            &client,
            &emu.upload_url(),
            &token,
            "lost.txt",
            "v2 bytes".into(),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 201, "persisted: {persisted}");
        let id = r.json::<Value>().await.unwrap()["entries"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(fetch(&emu.api_url(), &token, &id).await, b"v2 bytes");
        if persisted {
            emu.stop().await;
            let emu = Emulator::builder()
                .data_dir(dir.path())
                .start()
                .await
                .unwrap();
            assert_eq!(root_names(&emu.api_url(), &token).await, ["lost.txt"]);
        }
    }
}

/// Zip downloads are kept across a restart: one asked for before it can be
/// downloaded after, and a finished one's status still answers.
#[tokio::test]
async fn zip_downloads_survive_restart() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new();
    let start = || {
        Emulator::builder()
            .data_dir(dir.path())
            .default_token("zip-token")
            .start()
    };
    let emu = start().await.unwrap();
    let token = "zip-token";
    let r = upload(&client, &emu.upload_url(), token, "z.txt", "zipped".into())
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    let id = v["entries"][0]["id"].as_str().unwrap().to_string();
    let create = |api: String| {
        client
            .post(format!("{api}/zip_downloads"))
            .bearer_auth(token)
            .json(&json!({"items": [{"type": "file", "id": id}], "download_file_name": "z"}))
            .send()
    };
    let first: Value = create(emu.api_url()).await.unwrap().json().await.unwrap();
    let second: Value = create(emu.api_url()).await.unwrap().json().await.unwrap();
    let r = client
        .get(first["download_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("z.zip"));
    let done = r.bytes().await.unwrap();
    emu.stop().await;

    let emu = start().await.unwrap();
    // The port is new: the URLs keep their paths.
    let moved = |url: &Value| {
        let url = url.as_str().unwrap();
        format!(
            "{}{}",
            emu.api_url(),
            &url[url.find("/zip_downloads/").unwrap()..]
        )
    };
    let status: Value = client
        .get(moved(&first["status_url"]))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["state"], "succeeded", "{status}");
    assert_eq!(status["downloaded_file_count"], 1, "{status}");
    let r = client
        .get(moved(&second["download_url"]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let again = r.bytes().await.unwrap();
    // Same entry, same bytes (names, times and contents are the file's).
    assert_eq!(again, done);
    emu.stop().await;
}
