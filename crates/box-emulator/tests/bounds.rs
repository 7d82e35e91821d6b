//! Bounds on what a client can make the emulator hold: the multipart
//! `attributes` part, the size of uploaded files, request bodies on every
//! upload route, blobs of refused uploads, form fields around the file,
//! upload sessions a viewer or a finished session must not take parts
//! for, and v1 search paging.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use box_emulator::{Emulator, EmulatorHandle};
use reqwest::Client;
use serde_json::{json, Value};
use sha1::{Digest, Sha1};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod support;
use support::{call, sha1_hex, tag, try_upload, upload_form, v1_rest};

/// Resident memory of this process (the in-process server included), in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// A 300 MB `attributes` part is refused with Box's error shape once it
/// passes the limit, long before it is all sent, and memory stays bounded.
#[tokio::test]
async fn a_huge_attributes_part_is_refused_early() {
    let emu = Emulator::builder().start().await.unwrap();
    let boundary = "XBOUNDARYX";
    let total: u64 = 300 * 1024 * 1024;
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"attributes\"\r\n\r\n{{\"name\": \""
    );
    let request = format!(
        "POST /api/2.0/files/content HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n{head}",
        emu.default_token(),
        total + head.len() as u64,
    );
    let before = rss_kib();
    let sock = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    let (mut rd, mut wr) = sock.into_split();
    let answered = Arc::new(AtomicBool::new(false));
    let done = answered.clone();
    let writer = tokio::spawn(async move {
        wr.write_all(request.as_bytes()).await.unwrap();
        let chunk = vec![b'a'; 64 * 1024];
        let mut sent = 0u64;
        while sent < total && !done.load(Ordering::Relaxed) {
            if wr.write_all(&chunk).await.is_err() {
                break;
            }
            sent += chunk.len() as u64;
        }
        sent
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(std::time::Duration::from_secs(60), rd.read(&mut buf))
            .await
            .expect("no answer within 60 s")
            .unwrap_or(0);
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
        answered.store(true, Ordering::Relaxed);
        if let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
            let text = String::from_utf8_lossy(&answer).to_string();
            let length: usize = text
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if answer.len() >= end + 4 + length {
                break;
            }
        }
    }
    answered.store(true, Ordering::Relaxed);
    let sent = writer.await.unwrap();
    let text = String::from_utf8_lossy(&answer).to_string();
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    let body: Value = serde_json::from_str(&text[text.find("\r\n\r\n").unwrap() + 4..]).unwrap();
    assert_eq!(body["type"], "error", "{body}");
    assert_eq!(body["code"], "bad_request", "{body}");
    assert!(
        sent < total / 2,
        "the server read {sent} bytes of the part before refusing it"
    );
    let grown = rss_kib().saturating_sub(before);
    assert!(grown < 64 * 1024, "RSS grew by {grown} KiB");
}

/// Files above the configured limit are refused with Box's
/// `413 file_size_limit_exceeded` on every upload route: a simple upload, a
/// new version, an upload session, a preflight check.
#[tokio::test]
async fn files_above_the_upload_limit_are_refused() {
    let emu = Emulator::builder()
        .max_file_size(1000)
        .chunked_upload_min_size(100)
        .chunked_part_size(100)
        .start()
        .await
        .unwrap();
    let t = emu.default_token().to_string();
    let http = Client::new();
    let (s, v) = try_upload(&emu, &t, "0", "big.bin", &[7u8; 1001]).await;
    assert_eq!(s, 413, "{v}");
    assert_eq!(v["code"], "file_size_limit_exceeded", "{v}");
    let (s, v) = try_upload(&emu, &t, "0", "fits.bin", &[7u8; 1000]).await;
    assert_eq!(s, 201, "{v}");
    let fid = v["entries"][0]["id"].as_str().unwrap().to_string();
    let (s, v) = call(
        http.post(format!("{}/files/{fid}/content", emu.upload_url()))
            .bearer_auth(&t)
            .multipart(upload_form("fits.bin", "0", &[8u8; 2000])),
    )
    .await;
    assert_eq!(s, 413, "{v}");
    assert_eq!(v["code"], "file_size_limit_exceeded", "{v}");
    let (s, v) = call(
        http.post(format!("{}/files/upload_sessions", emu.upload_url()))
            .bearer_auth(&t)
            .json(&json!({"folder_id": "0", "file_name": "s.bin", "file_size": 1001})),
    )
    .await;
    assert_eq!(s, 413, "{v}");
    assert_eq!(v["code"], "file_size_limit_exceeded", "{v}");
    let (s, v) = call(
        http.post(format!("{}/files/{fid}/upload_sessions", emu.upload_url()))
            .bearer_auth(&t)
            .json(&json!({"file_size": 5000})),
    )
    .await;
    assert_eq!(s, 413, "{v}");
    let (s, v) = call(
        http.request(
            reqwest::Method::OPTIONS,
            format!("{}/files/content", emu.api_url()),
        )
        .bearer_auth(&t)
        .json(&json!({"name": "p.bin", "parent": {"id": "0"}, "size": 1001})),
    )
    .await;
    assert_eq!(s, 413, "{v}");
    assert_eq!(v["code"], "file_size_limit_exceeded", "{v}");
}

/// The JSON routes under `/api/2.0` (sessions, commits) have the JSON body
/// limit; they read any body whole before.
#[tokio::test]
async fn upload_session_routes_bound_their_bodies() {
    let emu = Emulator::builder()
        .json_body_limit(64 * 1024)
        .start()
        .await
        .unwrap();
    let t = emu.default_token().to_string();
    let padding = "x".repeat(256 * 1024);
    let (s, v) = call(
        Client::new()
            .post(format!("{}/files/upload_sessions", emu.upload_url()))
            .bearer_auth(&t)
            .json(&json!({"folder_id": "0", "file_name": "s.bin",
                "file_size": 30_000_000, "padding": padding})),
    )
    .await;
    assert_eq!(s, 413, "{v}");
    assert_eq!(v["code"], "request_entity_too_large", "{v}");
    let (s, v) = call(
        Client::new()
            .post(format!(
                "{}/files/upload_sessions/ABC/commit",
                emu.upload_url()
            ))
            .bearer_auth(&t)
            .json(&json!({"parts": [], "padding": padding})),
    )
    .await;
    assert_eq!(s, 413, "{v}");
}

/// Every blob file under a data directory, by name.
fn blob_names(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.file_name().to_string_lossy().to_string());
            }
        }
    }
    out
}

/// Uploads the store refuses (a name in use, a missing parent, a wrong
/// `Content-MD5`, a v1 upload over an existing name, a version of a file
/// the caller cannot write) leave no blob on disk.
#[tokio::test]
async fn refused_uploads_leave_no_blob() {
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    let t = emu.default_token().to_string();
    let (s, v) = try_upload(&emu, &t, "0", "taken.txt", b"first").await;
    assert_eq!(s, 201, "{v}");
    let fid = v["entries"][0]["id"].as_str().unwrap().to_string();
    let refused: Vec<&[u8]> = vec![
        b"refused: name in use",
        b"refused: no such parent",
        b"refused: bad md5",
        b"refused: v1 name in use",
        b"refused: version by a stranger",
    ];
    let (s, v) = try_upload(&emu, &t, "0", "taken.txt", refused[0]).await;
    assert_eq!(s, 409, "{v}");
    let (s, v) = try_upload(&emu, &t, "987654321", "new.txt", refused[1]).await;
    assert_eq!(s, 404, "{v}");
    let (s, v) = call(
        Client::new()
            .post(format!("{}/files/content", emu.upload_url()))
            .bearer_auth(&t)
            .header("content-md5", "0000000000000000000000000000000000000000")
            .multipart(upload_form("md5.txt", "0", refused[2])),
    )
    .await;
    assert_eq!(s, 412, "{v}");
    let part = reqwest::multipart::Part::bytes(refused[3].to_vec()).file_name("taken.txt");
    let r = Client::new()
        .post(format!("{}/upload/{t}/0", emu.v1_url()))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(r.contains("e_filename_in_use"), "{r}");
    let (_, stranger) = emu.create_user("Stranger", "stranger@example.com").unwrap();
    let (s, v) = call(
        Client::new()
            .post(format!("{}/files/{fid}/content", emu.upload_url()))
            .bearer_auth(&stranger)
            .multipart(upload_form("taken.txt", "0", refused[4])),
    )
    .await;
    assert_eq!(s, 404, "{v}");
    let names = blob_names(dir.path());
    assert!(names.contains(&sha1_hex(b"first")), "{names:?}");
    for bytes in refused {
        let sha = sha1_hex(bytes);
        assert!(
            !names.iter().any(|n| n.contains(&sha)),
            "a blob of a refused upload ({}) is on disk: {names:?}",
            String::from_utf8_lossy(bytes)
        );
    }
}

/// A form field before the file (Box ignores it) does not make the upload
/// fail; the file is the part with a file name.
#[tokio::test]
async fn an_extra_form_field_before_the_file_is_ignored() {
    let emu = Emulator::builder().start().await.unwrap();
    let t = emu.default_token().to_string();
    let form = reqwest::multipart::Form::new()
        .text(
            "attributes",
            json!({"name": "extra.txt", "parent": {"id": "0"}}).to_string(),
        )
        .text("description", "sent by a form")
        .part(
            "content",
            reqwest::multipart::Part::bytes(b"the file".to_vec()).file_name("extra.txt"),
        );
    let (s, v) = call(
        Client::new()
            .post(format!("{}/files/content", emu.upload_url()))
            .bearer_auth(&t)
            .multipart(form),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["entries"][0]["size"], 8, "{v}");
    assert_eq!(v["entries"][0]["name"], "extra.txt", "{v}");
}

async fn collaborate(emu: &EmulatorHandle, owner: &str, folder: &str, login: &str, role: &str) {
    let (s, c) = call(
        Client::new()
            .post(format!("{}/collaborations", emu.api_url()))
            .bearer_auth(owner)
            .json(&json!({"item": {"type": "folder", "id": folder},
                "accessible_by": {"type": "user", "login": login}, "role": role})),
    )
    .await;
    assert_eq!(s, 201, "{c}");
}

fn digest(bytes: &[u8]) -> String {
    use base64::Engine;
    format!(
        "sha={}",
        base64::engine::general_purpose::STANDARD.encode(Sha1::digest(bytes))
    )
}

/// A viewer can make no upload session for a new version of a file it can
/// only read, and stores no part in one.
#[tokio::test]
async fn a_viewer_cannot_open_version_sessions() {
    let emu = Emulator::builder()
        .chunked_upload_min_size(10)
        .chunked_part_size(10)
        .start()
        .await
        .unwrap();
    let owner = emu.default_token().to_string();
    let http = Client::new();
    let (s, f) = call(
        http.post(format!("{}/folders", emu.api_url()))
            .bearer_auth(&owner)
            .json(&json!({"name": "shared", "parent": {"id": "0"}})),
    )
    .await;
    assert_eq!(s, 201, "{f}");
    let folder = f["id"].as_str().unwrap().to_string();
    let (s, v) = try_upload(&emu, &owner, &folder, "doc.txt", b"original").await;
    assert_eq!(s, 201, "{v}");
    let fid = v["entries"][0]["id"].as_str().unwrap().to_string();
    let (_, viewer) = emu.create_user("Viewer", "viewer@example.com").unwrap();
    collaborate(&emu, &owner, &folder, "viewer@example.com", "viewer").await;
    let (s, v) = call(
        http.post(format!("{}/files/{fid}/upload_sessions", emu.upload_url()))
            .bearer_auth(&viewer)
            .json(&json!({"file_size": 20})),
    )
    .await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = call(
        http.post(format!("{}/files/upload_sessions", emu.upload_url()))
            .bearer_auth(&viewer)
            .json(&json!({"folder_id": folder, "file_name": "new.bin", "file_size": 20})),
    )
    .await;
    assert_eq!(s, 403, "{v}");
}

/// Once a session is committed it takes no more parts (the committed file
/// is not changed by them either).
#[tokio::test]
async fn parts_after_commit_are_refused() {
    let emu = Emulator::builder()
        .chunked_upload_min_size(10)
        .chunked_part_size(10)
        .start()
        .await
        .unwrap();
    let t = emu.default_token().to_string();
    let http = Client::new();
    let (s, sess) = call(
        http.post(format!("{}/files/upload_sessions", emu.upload_url()))
            .bearer_auth(&t)
            .json(&json!({"folder_id": "0", "file_name": "chunked.bin", "file_size": 10})),
    )
    .await;
    assert_eq!(s, 201, "{sess}");
    let url = sess["session_endpoints"]["upload_part"]
        .as_str()
        .unwrap()
        .to_string();
    let put = |bytes: &'static [u8]| {
        http.put(&url)
            .bearer_auth(&t)
            .header("digest", digest(bytes))
            .header("content-range", "bytes 0-9/10")
            .body(bytes)
    };
    let (s, p) = call(put(b"0123456789")).await;
    assert_eq!(s, 200, "{p}");
    let (s, v) = call(
        http.post(format!("{url}/commit"))
            .bearer_auth(&t)
            .header("digest", digest(b"0123456789"))
            .json(&json!({"parts": [p["part"]]})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = call(put(b"abcdefghij")).await;
    assert_eq!(s, 409, "a part after the commit was taken: {v}");
}

/// v1 `search` with a page so large that `(page - 1) * per_page`
/// overflows answers an empty page instead of failing.
#[tokio::test]
async fn v1_search_with_a_huge_page_is_empty() {
    let emu = Emulator::builder().start().await.unwrap();
    let t = emu.default_token().to_string();
    let (s, v) = try_upload(&emu, &t, "0", "needle.txt", b"n").await;
    assert_eq!(s, 201, "{v}");
    let r = Client::new()
        .get(format!("{}/rest", emu.v1_url()))
        .query(&[
            ("action", "search"),
            ("api_key", "k"),
            ("auth_token", t.as_str()),
            ("query", "needle"),
            ("per_page", "1000"),
            ("page", &u64::MAX.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    assert!(body.contains("search_results_ok"), "{body}");
    assert!(!body.contains("needle.txt"), "{body}");
}

/// Reads from a raw socket until the server closes it; the time it took.
async fn closed_within(sock: &mut tokio::net::TcpStream, limit: std::time::Duration) -> bool {
    let mut buf = [0u8; 4096];
    let start = std::time::Instant::now();
    loop {
        let left = limit.saturating_sub(start.elapsed());
        match tokio::time::timeout(left, sock.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

/// Half-open connections are dropped: one that sends nothing, one that
/// stops inside its headers, one that stops inside its body. The server
/// stays responsive meanwhile.
#[tokio::test]
async fn half_open_connections_are_dropped() {
    let emu = Emulator::builder()
        .read_timeouts(
            std::time::Duration::from_millis(300),
            std::time::Duration::from_millis(300),
        )
        .start()
        .await
        .unwrap();
    let t = emu.default_token().to_string();
    let mut silent = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    let mut half_headers = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    half_headers
        .write_all(b"POST /2.0/folders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")
        .await
        .unwrap();
    let mut half_body = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    half_body
        .write_all(
            format!(
                "POST /2.0/folders HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {t}\r\n\
                 Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\": "
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut half_upload = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    half_upload
        .write_all(
            format!(
                "POST /api/2.0/files/content HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {t}\r\n\
                 Content-Type: multipart/form-data; boundary=B\r\nContent-Length: 100000\r\n\r\n\
                 --B\r\nContent-Disposition: form-data; name=\"attributes\"\r\n\r\n\
                 {{\"name\": \"h.txt\", \"parent\": {{\"id\": \"0\"}}}}\r\n--B\r\n\
                 Content-Disposition: form-data; name=\"file\"; filename=\"h.txt\"\r\n\r\nsome bytes"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let (s, v) = call(
        Client::new()
            .get(format!("{}/users/me", emu.api_url()))
            .bearer_auth(&t),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let limit = std::time::Duration::from_secs(5);
    assert!(
        closed_within(&mut silent, limit).await,
        "a silent connection stayed open"
    );
    assert!(
        closed_within(&mut half_headers, limit).await,
        "a connection inside its headers stayed open"
    );
    assert!(
        closed_within(&mut half_body, limit).await,
        "a connection inside its body stayed open"
    );
    assert!(
        closed_within(&mut half_upload, limit).await,
        "a connection inside an upload stayed open"
    );
}

/// v1 tickets expire, and a flood of `get_ticket` keeps a bounded number.
#[tokio::test]
async fn v1_tickets_expire_and_stay_bounded() {
    let emu = Emulator::builder()
        .v1_ticket_ttl(std::time::Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let r = v1_rest(&emu, &[("action", "get_ticket"), ("api_key", "k")]).await;
    let ticket = tag(&r, "ticket").unwrap().to_string();
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let page = Client::new()
        .get(format!("{}/auth/{ticket}", emu.v1_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404, "an expired ticket was approved");

    let emu = Emulator::builder().start().await.unwrap();
    let emu = Arc::new(emu);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let emu = emu.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..2_500 {
                let r = v1_rest(&emu, &[("action", "get_ticket"), ("api_key", "k")]).await;
                assert!(r.contains("get_ticket_ok"), "{r}");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let held = emu.counters()["pending_v1_tickets"].as_u64().unwrap();
    assert!(
        held <= 10_000,
        "{held} tickets held after 20,000 get_ticket"
    );
    // The newest still works.
    let r = v1_rest(&emu, &[("action", "get_ticket"), ("api_key", "k")]).await;
    let ticket = tag(&r, "ticket").unwrap().to_string();
    let page = Client::new()
        .get(format!("{}/auth/{ticket}", emu.v1_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
}
