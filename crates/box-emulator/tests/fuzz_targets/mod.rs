//! The request-level fuzz target: a whole HTTP request, as bytes, sent to a
//! running emulator (started once per process on 127.0.0.1, port 0). The
//! emulator must answer every request — no dropped connection (a handler
//! that panicked), no 500, no hang.
//!
//! Request format (what `tests/fuzz.rs` generates and mutates):
//!
//! ```text
//! METHOD /path?query
//! Header-Name: value
//! …
//!
//! body bytes
//! ```
//!
//! `{TOKEN}`, `{FILE}` and `{SESSION}` in the path, the query and the
//! headers stand for the default user's token, a file of theirs and an open
//! chunked upload session of theirs (part size 8 bytes, 20-byte file).

#![allow(dead_code)]

use std::sync::OnceLock;
use std::time::Duration;

use box_emulator::{Emulator, EmulatorHandle};

/// The emulator all cases go to, and what the placeholders stand for.
pub struct Target {
    runtime: tokio::runtime::Runtime,
    emulator: EmulatorHandle,
    http: reqwest::Client,
    token: String,
    file: String,
    session: String,
}

/// Part size of the fuzzed upload session.
pub const PART_SIZE: u64 = 8;
/// File size of the fuzzed upload session.
pub const SESSION_FILE_SIZE: u64 = 20;

pub fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let (emulator, file, session) = runtime.block_on(async {
            let emulator = Emulator::builder()
                .chunked_upload_min_size(1)
                .chunked_part_size(PART_SIZE)
                .start()
                .await
                .expect("start the emulator");
            let http = reqwest::Client::new();
            let token = emulator.default_token().to_owned();
            let form = reqwest::multipart::Form::new()
                .text("attributes", r#"{"name":"seed.txt","parent":{"id":"0"}}"#)
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(b"0123456789abcdef".to_vec())
                        .file_name("seed.txt"),
                );
            let file: serde_json::Value = http
                .post(format!("{}/files/content", emulator.upload_url()))
                .bearer_auth(&token)
                .multipart(form)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let file = file["entries"][0]["id"].as_str().unwrap().to_owned();
            let session: serde_json::Value = http
                .post(format!("{}/files/upload_sessions", emulator.upload_url()))
                .bearer_auth(&token)
                .json(&serde_json::json!({
                    "folder_id": "0", "file_size": SESSION_FILE_SIZE, "file_name": "session.bin"
                }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let session = session["id"]
                .as_str()
                .unwrap_or_else(|| panic!("no session id in {session}"))
                .to_owned();
            (emulator, file, session)
        });
        Target {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            token: emulator.default_token().to_owned(),
            runtime,
            emulator,
            file,
            session,
        }
    })
}

impl Target {
    fn fill(&self, s: &str) -> String {
        s.replace("{TOKEN}", &self.token)
            .replace("{FILE}", &self.file)
            .replace("{SESSION}", &self.session)
    }
}

/// A request taken apart: method, path and query, headers, body.
pub type Parts<'a> = (String, String, Vec<(String, Vec<u8>)>, &'a [u8]);

/// Splits a request into method, path and query, headers and body; `None`
/// when the head is not text or has no request line.
pub fn split(data: &[u8]) -> Option<Parts<'_>> {
    let head_end = data
        .windows(2)
        .position(|w| w == b"\n\n")
        .map_or(data.len(), |i| i + 1);
    let body = data.get(head_end + 1..).unwrap_or(&[]);
    let head = std::str::from_utf8(&data[..head_end]).ok()?;
    let mut lines = head.lines();
    let (method, path) = lines.next()?.split_once(' ')?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().as_bytes().to_vec()))
        .collect();
    Some((method.to_owned(), path.trim().to_owned(), headers, body))
}

/// Sends one request to the emulator and checks the answer.
pub fn request(data: &[u8]) {
    let t = target();
    let Some((method, path, headers, body)) = split(data) else {
        return;
    };
    let Ok(method) = reqwest::Method::from_bytes(method.as_bytes()) else {
        return;
    };
    let url = format!("{}{}", t.emulator.base_url(), t.fill(&path));
    let Ok(url) = reqwest::Url::parse(&url) else {
        return;
    };
    if url.host_str() != Some("127.0.0.1") {
        // A mutated path such as `@evil/`: requests go to the emulator only.
        return;
    }
    let mut req = t.http.request(method, url.clone());
    for (k, v) in headers {
        let v = t.fill(&String::from_utf8_lossy(&v)).into_bytes();
        let (Ok(k), Ok(v)) = (
            reqwest::header::HeaderName::from_bytes(k.as_bytes()),
            reqwest::header::HeaderValue::from_bytes(&v),
        ) else {
            continue;
        };
        if k == reqwest::header::HOST || k == reqwest::header::CONTENT_LENGTH {
            continue;
        }
        req = req.header(k, v);
    }
    let req = req.body(body.to_vec());
    let outcome = t.runtime.block_on(async move {
        let resp = req.send().await?;
        let status = resp.status();
        let body = resp.bytes().await?;
        Ok::<_, reqwest::Error>((status, body))
    });
    match outcome {
        Ok((status, body)) => assert!(
            status != reqwest::StatusCode::INTERNAL_SERVER_ERROR,
            "{url} answered 500: {}",
            String::from_utf8_lossy(&body)
        ),
        Err(e) if e.is_builder() => {}
        Err(e) => panic!("{url}: no answer (a handler panic drops the connection): {e:?}"),
    }
}
