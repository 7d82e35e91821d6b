//! Chunked upload sessions against a local server that checks every header,
//! injects failures, and reassembles the file.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use box_core::{Body, Error};
use box_v2::upload::{ChunkedUpload, ChunkedUploadOptions};
use bytes::Bytes;
use common::{box_error, fast_retry, json, raw, MockServer, Recorded};
use serde_json::json as j;
use sha1::{Digest, Sha1};

const PART: u64 = 1000;

#[derive(Default)]
struct State {
    parts: BTreeMap<u64, Bytes>,
    part_attempts: BTreeMap<u64, usize>,
    commits: usize,
    aborted: bool,
    assembled: Option<Bytes>,
    bad_headers: Vec<String>,
    /// Offsets whose first attempt fails with this status.
    fail_first: BTreeMap<u64, u16>,
    /// Offsets that always fail with 400.
    reject: Vec<u64>,
}

fn session_json(base: &str, size: u64) -> serde_json::Value {
    let s = format!("{base}/api/2.0/files/upload_sessions/S1");
    j!({
        "id": "S1", "type": "upload_session", "part_size": PART,
        "total_parts": size.div_ceil(PART), "num_parts_processed": 0,
        "session_endpoints": {"upload_part": s, "commit": format!("{s}/commit"), "abort": s,
                              "list_parts": format!("{s}/parts"), "status": s, "log_event": format!("{s}/log")}
    })
}

fn handler(
    base: Arc<OnceLock<String>>,
    st: Arc<Mutex<State>>,
) -> impl Fn(&Recorded) -> axum::http::Response<axum::body::Body> + Send + Sync + 'static {
    move |r| {
        let base = base.get().unwrap();
        let mut st = st.lock().unwrap();
        match (r.method.as_str(), r.path.as_str()) {
            ("POST", "/api/2.0/files/upload_sessions") => {
                let b = r.json();
                if b["folder_id"] != "0" || b["file_name"] != "big.bin" {
                    st.bad_headers.push(format!("create body {b}"));
                }
                json(201, session_json(base, b["file_size"].as_u64().unwrap()))
            }
            ("PUT", "/api/2.0/files/upload_sessions/S1") => {
                let range = r.header("content-range").unwrap_or_default();
                let (span, total) = range.trim_start_matches("bytes ").split_once('/').unwrap();
                let (a, b) = span.split_once('-').unwrap();
                let (a, b): (u64, u64) = (a.parse().unwrap(), b.parse().unwrap());
                let _total: u64 = total.parse().unwrap();
                let attempts = st.part_attempts.entry(a).or_default();
                *attempts += 1;
                let first = *attempts == 1;
                if st.reject.contains(&a) {
                    return box_error(400, "bad_request");
                }
                if first {
                    if let Some(code) = st.fail_first.get(&a).copied() {
                        return if code == 429 {
                            raw(429, &[("retry-after", "0")], "")
                        } else {
                            box_error(code, "internal_server_error")
                        };
                    }
                }
                let want = format!("sha={}", STANDARD.encode(Sha1::digest(&r.body)));
                if r.header("digest").as_deref() != Some(want.as_str()) {
                    st.bad_headers.push(format!("digest of part {a}"));
                }
                if b - a + 1 != r.body.len() as u64 || a % PART != 0 {
                    st.bad_headers
                        .push(format!("range {range} for {} bytes", r.body.len()));
                }
                st.parts.insert(a, r.body.clone());
                json(
                    200,
                    j!({"part": {"part_id": format!("P{a}"), "offset": a, "size": r.body.len(), "sha1": hex(&Sha1::digest(&r.body))}}),
                )
            }
            ("GET", "/api/2.0/files/upload_sessions/S1/parts") => {
                let entries: Vec<_> = st
                    .parts
                    .iter()
                    .map(|(o, b)| j!({"part_id": format!("P{o}"), "offset": o, "size": b.len()}))
                    .collect();
                json(
                    200,
                    j!({"total_count": entries.len(), "offset": 0, "limit": 1000, "entries": entries}),
                )
            }
            ("POST", "/api/2.0/files/upload_sessions/S1/commit") => {
                st.commits += 1;
                if st.commits == 1 {
                    return raw(202, &[("retry-after", "0")], "");
                }
                let body = r.json();
                let listed: Vec<u64> = body["parts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["offset"].as_u64().unwrap())
                    .collect();
                let mut whole = Vec::new();
                for (o, b) in &st.parts {
                    whole.extend_from_slice(b);
                    let _ = o;
                }
                if listed != st.parts.keys().copied().collect::<Vec<_>>() {
                    st.bad_headers.push(format!("commit lists {listed:?}"));
                }
                let want = format!("sha={}", STANDARD.encode(Sha1::digest(&whole)));
                if r.header("digest").as_deref() != Some(want.as_str()) {
                    st.bad_headers.push("whole-file digest".into());
                }
                let sha = hex(&Sha1::digest(&whole));
                let size = whole.len();
                st.assembled = Some(Bytes::from(whole));
                json(
                    201,
                    j!({"total_count": 1, "entries": [{"type": "file", "id": "777", "name": "big.bin", "size": size, "sha1": sha}]}),
                )
            }
            ("DELETE", "/api/2.0/files/upload_sessions/S1") => {
                st.aborted = true;
                raw(204, &[], "")
            }
            ("POST", "/api/2.0/files/content") => {
                json(201, common::fixture("files_collection.json"))
            }
            _ => box_error(404, "not_found"),
        }
    }
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

async fn setup(st: State) -> (MockServer, Arc<Mutex<State>>, box_v2::Client) {
    let base = Arc::new(OnceLock::new());
    let st = Arc::new(Mutex::new(st));
    let s = MockServer::start(handler(base.clone(), st.clone())).await;
    base.set(s.url.clone()).unwrap();
    let c = box_v2::Client::builder()
        .base_url(&s.url)
        .auth(box_v2::auth::DeveloperToken::new("t"))
        .retry_policy(fast_retry())
        .chunked_upload_threshold(4000)
        .upload_concurrency(3)
        .build()
        .unwrap();
    (s, st, c)
}

fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 % 251) as u8).collect()
}

/// A body that yields odd-sized chunks, as a network or file source would.
fn chunky(bytes: Vec<u8>, fail_after: Option<usize>) -> Body {
    let len = bytes.len() as u64;
    let mut chunks: Vec<box_core::Result<Bytes>> = bytes
        .chunks(333)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    if let Some(n) = fail_after {
        chunks.truncate(n);
        chunks.push(Err(Error::io(
            "reading the source",
            std::io::Error::other("disk unplugged"),
        )));
    }
    Body::from_stream(futures::stream::iter(chunks), Some(len))
}

#[tokio::test]
async fn injected_part_failures_end_with_a_byte_identical_file() {
    let mut st = State::default();
    st.fail_first.insert(1000, 500);
    st.fail_first.insert(3000, 503);
    st.fail_first.insert(5000, 429);
    let (_s, st, c) = setup(st).await;
    let original = data(5500);
    let f = c
        .upload_file("0", "big.bin", chunky(original.clone(), None))
        .await
        .unwrap();
    assert_eq!(f.id.as_str(), "777");
    let st = st.lock().unwrap();
    assert!(st.bad_headers.is_empty(), "{:?}", st.bad_headers);
    assert_eq!(st.assembled.as_deref(), Some(&original[..]));
    assert_eq!(
        f.sha1.as_deref(),
        Some(hex(&Sha1::digest(&original)).as_str())
    );
    assert_eq!(st.parts.len(), 6);
    assert_eq!(st.part_attempts[&1000], 2);
    assert_eq!(st.part_attempts[&3000], 2);
    assert_eq!(st.part_attempts[&5000], 2);
    assert_eq!(st.part_attempts[&0], 1);
    assert_eq!(st.commits, 2, "202 then 201");
    assert!(!st.aborted);
}

#[tokio::test]
async fn resume_after_interruption_uploads_only_missing_parts() {
    let (_s, st, c) = setup(State::default()).await;
    let original = data(5500);
    let up = ChunkedUpload::new(c.clone(), ChunkedUploadOptions::default().concurrency(1));
    let session = up.create_session("0", "big.bin", 5500).await.unwrap();
    // The source fails after 8 × 333 = 2664 bytes: parts 0 and 1 are complete.
    let e = up
        .run(
            &session,
            5500,
            chunky(original.clone(), Some(8)),
            Vec::new(),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e:?}");
    {
        let st = st.lock().unwrap();
        assert!(!st.aborted, "an interruption keeps the session");
        assert_eq!(st.parts.keys().copied().collect::<Vec<_>>(), vec![0, 1000]);
    }
    let f = up
        .resume(&session, chunky(original.clone(), None))
        .await
        .unwrap();
    assert_eq!(f.size, Some(5500));
    let st = st.lock().unwrap();
    assert_eq!(st.part_attempts[&0], 1, "part 0 was not sent again");
    assert_eq!(st.part_attempts[&1000], 1);
    assert_eq!(st.part_attempts[&2000], 1, "the stale part is replaced");
    assert_eq!(st.assembled.as_deref(), Some(&original[..]));
    assert!(st.bad_headers.is_empty(), "{:?}", st.bad_headers);
}

#[tokio::test]
async fn a_rejected_part_aborts_the_session() {
    let st = State {
        reject: vec![2000],
        ..State::default()
    };
    let (_s, st, c) = setup(st).await;
    let e = c
        .upload_file("0", "big.bin", chunky(data(5500), None))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
    let st = st.lock().unwrap();
    assert!(st.aborted);
    assert_eq!(st.commits, 0);
}

#[tokio::test]
async fn small_files_use_a_simple_upload_and_wrong_lengths_fail() {
    let (s, st, c) = setup(State::default()).await;
    c.upload_file("0", "small.bin", Body::from_bytes(data(100)))
        .await
        .unwrap();
    assert_eq!(s.last().path, "/api/2.0/files/content");
    assert!(st.lock().unwrap().parts.is_empty());

    // Declared 5500 bytes but only 4000 arrive: a typed error, no commit.
    let short = Body::from_stream(
        futures::stream::iter(vec![Ok(Bytes::from(data(4000)))]),
        Some(5500),
    );
    let e = c.upload_file("0", "big.bin", short).await.unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
    assert_eq!(st.lock().unwrap().commits, 0);
}

/// Memory stays bounded: the reader never runs more than
/// `(concurrency + 1) × part_size` (plus one source chunk) ahead of the
/// parts the server has finished, and at most `concurrency` parts are in flight.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parts_in_flight_and_read_ahead_are_bounded() {
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    let read = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let max_in_flight = Arc::new(AtomicUsize::new(0));
    let max_ahead = Arc::new(AtomicU64::new(0));

    let base = Arc::new(OnceLock::new());
    let st = Arc::new(Mutex::new(State::default()));
    let inner = handler(base.clone(), st.clone());
    let (d, f, mf, ma, rd) = (
        done.clone(),
        in_flight.clone(),
        max_in_flight.clone(),
        max_ahead.clone(),
        read.clone(),
    );
    let s = MockServer::start(move |r| {
        if r.method == "PUT" {
            let now = f.fetch_add(1, Ordering::SeqCst) + 1;
            mf.fetch_max(now, Ordering::SeqCst);
            ma.fetch_max(
                rd.load(Ordering::SeqCst) - d.load(Ordering::SeqCst),
                Ordering::SeqCst,
            );
            std::thread::sleep(std::time::Duration::from_millis(15));
            let resp = inner(r);
            d.fetch_add(r.body.len() as u64, Ordering::SeqCst);
            f.fetch_sub(1, Ordering::SeqCst);
            resp
        } else {
            inner(r)
        }
    })
    .await;
    base.set(s.url.clone()).unwrap();
    let c = box_v2::Client::builder()
        .base_url(&s.url)
        .auth(box_v2::auth::DeveloperToken::new("t"))
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    let original = data(30_000);
    let rd = read.clone();
    let chunks: Vec<box_core::Result<Bytes>> = original
        .chunks(333)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let counted = futures::StreamExt::map(
        futures::stream::iter(chunks),
        move |c: box_core::Result<Bytes>| {
            if let Ok(b) = &c {
                rd.fetch_add(b.len() as u64, Ordering::SeqCst);
            }
            c
        },
    );
    let body = Body::from_stream(counted, Some(30_000));
    let up = ChunkedUpload::new(c, ChunkedUploadOptions::default().concurrency(3));
    up.upload_new("0", "big.bin", body).await.unwrap();
    assert_eq!(st.lock().unwrap().assembled.as_deref(), Some(&original[..]));
    let mf = max_in_flight.load(Ordering::SeqCst);
    assert!((2..=3).contains(&mf), "max parts in flight {mf}");
    let ahead = max_ahead.load(Ordering::SeqCst);
    assert!(
        ahead <= 4 * PART + 333,
        "read {ahead} bytes ahead of the server"
    );
}

#[tokio::test]
async fn a_body_longer_than_the_session_is_refused_before_commit() {
    let (_s, st, c) = setup(State::default()).await;
    let up = ChunkedUpload::new(c, ChunkedUploadOptions::default());
    let session = up.create_session("0", "big.bin", 5500).await.unwrap();
    // 5 bytes more than the session's size, arriving in one chunk with the
    // last part's bytes.
    let e = up
        .run(&session, 5500, Body::from_bytes(data(5505)), Vec::new())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
    let st = st.lock().unwrap();
    assert_eq!(st.commits, 0, "nothing committed");
    assert!(st.aborted, "the session is aborted");
}

/// A `Body::from_path` file is read straight into part buffers on a blocking
/// thread (not through the chunk stream); the parts, their digests (checked
/// by the server's `Digest` check) and the whole-file digest are the same.
#[tokio::test]
async fn a_file_body_is_read_into_parts_with_both_digests() {
    let (_s, st, c) = setup(State::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.bin");
    let original = data(5500);
    std::fs::write(&path, &original).unwrap();
    let body = Body::from_path(&path).await.unwrap();
    let f = c.upload_file("0", "big.bin", body).await.unwrap();
    let st = st.lock().unwrap();
    assert!(st.bad_headers.is_empty(), "{:?}", st.bad_headers);
    assert_eq!(st.assembled.as_deref(), Some(&original[..]));
    assert_eq!(st.parts.len(), 6);
    assert_eq!(
        f.sha1.as_deref(),
        Some(hex(&Sha1::digest(&original)).as_str())
    );
}

/// A file that shrinks after its length was taken is refused (a typed
/// error, the session aborted), never committed short.
#[tokio::test]
async fn a_file_that_shrinks_while_read_is_refused() {
    let (_s, st, c) = setup(State::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.bin");
    std::fs::write(&path, data(5500)).unwrap();
    let body = Body::from_path(&path).await.unwrap();
    std::fs::write(&path, data(4200)).unwrap();
    let e = c.upload_file("0", "big.bin", body).await.unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
    let st = st.lock().unwrap();
    assert_eq!(st.commits, 0, "nothing committed");
    assert!(st.aborted, "the session is aborted");
}

/// A file that grows after its length was taken is refused too.
#[tokio::test]
async fn a_file_that_grows_while_read_is_refused() {
    let (_s, st, c) = setup(State::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.bin");
    std::fs::write(&path, data(5500)).unwrap();
    let body = Body::from_path(&path).await.unwrap();
    std::fs::write(&path, data(5600)).unwrap();
    let e = c.upload_file("0", "big.bin", body).await.unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
    assert_eq!(st.lock().unwrap().commits, 0, "nothing committed");
}

/// Chunks that are whole parts (an in-memory body cut at part boundaries)
/// are sent as they are; the result is the same file.
#[tokio::test]
async fn part_sized_chunks_make_the_same_file() {
    let (_s, st, c) = setup(State::default()).await;
    let original = data(5500);
    let chunks: Vec<box_core::Result<Bytes>> = original
        .chunks(PART as usize)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let body = Body::from_stream(futures::stream::iter(chunks), Some(5500));
    c.upload_file("0", "big.bin", body).await.unwrap();
    let st = st.lock().unwrap();
    assert!(st.bad_headers.is_empty(), "{:?}", st.bad_headers);
    assert_eq!(st.assembled.as_deref(), Some(&original[..]));
}
