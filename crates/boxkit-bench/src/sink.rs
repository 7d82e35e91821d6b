//! The null sink: a server that speaks just enough of Box's upload-session
//! API for a chunked upload to run, reads every part and throws it away. It
//! measures the client alone (no storage, no hashing on the server side).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Body as AxBody;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{post, put};
use axum::{Json, Router};
use futures::StreamExt;
use serde_json::{json, Value};

#[derive(Debug)]
struct Sink {
    base: String,
    part_size: u64,
    next: AtomicU64,
}

/// A running sink: its base URL (what `Client::base_url` takes).
#[derive(Debug)]
pub struct NullSink {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    _rt: tokio::runtime::Runtime,
}

/// Starts the sink on a loopback port, on its own two-thread runtime.
pub fn start(part_size: u64) -> Result<NullSink, String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(SocketAddr::from((
            [127, 0, 0, 1],
            0,
        ))))
        .map_err(|e| format!("sink: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let base = format!("http://{addr}");
    let state = Arc::new(Sink {
        base: base.clone(),
        part_size,
        next: AtomicU64::new(1),
    });
    let app = Router::new()
        .route("/api/2.0/files/upload_sessions", post(create))
        .route("/api/2.0/files/upload_sessions/{id}", put(part))
        .route("/api/2.0/files/upload_sessions/{id}/commit", post(commit))
        .with_state(state);
    rt.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(NullSink { base, _rt: rt })
}

async fn create(State(s): State<Arc<Sink>>, Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
    let size = body["file_size"].as_u64().unwrap_or(0);
    let id = format!("S{}", s.next.fetch_add(1, Ordering::Relaxed));
    let url = format!("{}/api/2.0/files/upload_sessions/{id}", s.base);
    (
        StatusCode::CREATED,
        Json(json!({
            "id": id, "type": "upload_session", "part_size": s.part_size,
            "total_parts": size.div_ceil(s.part_size.max(1)), "num_parts_processed": 0,
            "session_endpoints": {
                "upload_part": url, "commit": format!("{url}/commit"), "abort": url,
                "list_parts": format!("{url}/parts"), "status": url,
            }
        })),
    )
}

async fn part(headers: HeaderMap, body: AxBody) -> Result<Json<Value>, StatusCode> {
    let range = headers
        .get("content-range")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bytes "))
        .and_then(|v| v.split_once('/'))
        .and_then(|(r, _)| r.split_once('-'))
        .and_then(|(a, b)| Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?)))
        .ok_or(StatusCode::BAD_REQUEST)?;
    let mut stream = body.into_data_stream();
    let mut n = 0u64;
    while let Some(chunk) = stream.next().await {
        n += chunk.map_err(|_| StatusCode::BAD_REQUEST)?.len() as u64;
    }
    if n != range.1 - range.0 + 1 {
        return Err(StatusCode::RANGE_NOT_SATISFIABLE);
    }
    Ok(Json(json!({"part": {
        "part_id": format!("{:08X}", range.0 / 1024), "offset": range.0, "size": n
    }})))
}

async fn commit(Path(id): Path<String>, Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
    let size: u64 = body["parts"]
        .as_array()
        .map(|ps| ps.iter().filter_map(|p| p["size"].as_u64()).sum())
        .unwrap_or(0);
    (
        StatusCode::CREATED,
        Json(json!({"total_count": 1, "entries": [
            {"type": "file", "id": id.trim_start_matches('S'), "name": "sink.bin", "size": size}
        ]})),
    )
}
