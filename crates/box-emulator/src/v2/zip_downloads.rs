//! Zip downloads: `POST /2.0/zip_downloads` plans the archive
//! ([`crate::store::zip`]) and answers its URLs; `GET
//! /2.0/zip_downloads/{id}/content` (no token, once, before `expires_at`)
//! streams it, made entry by entry as it is sent ([`crate::zipfile`]), so
//! memory holds one buffer whatever the archive's size; `GET
//! /2.0/zip_downloads/{id}/status` (the creator's token, for 12 hours after
//! the download started) reports the counts.

use std::io::{self, Write};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Json;
use bytes::Bytes;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::downloads::content_disposition;
use super::objects::ts;
use crate::http::errors::{ApiError, ApiResult};
use crate::http::{id_of, write, Caller, JsonBody};
use crate::state::Shared;
use crate::store::zip::{ZipDownload, ZipState};
use crate::store::{Kind, StoreError};
use crate::zipfile::{Method, ZipWriter};

/// Bytes gathered before a chunk goes out.
const CHUNK: usize = 256 * 1024;
/// Chunks in flight between the writer and the connection.
const CHUNKS_IN_FLIGHT: usize = 4;

/// `POST /2.0/zip_downloads`: `items` (`{type, id}` of files and folders),
/// `download_file_name` optional. Answers `202` with the URLs, their
/// expiry and the renamed top-level name conflicts.
pub async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let bad = |m: &str| ApiError::bad_request("bad_request", m.to_string());
    let list = body
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("items must be a list of files and folders"))?;
    let mut items = Vec::with_capacity(list.len());
    for it in list {
        let kind = match it.get("type").and_then(Value::as_str) {
            Some("file") => Kind::File,
            Some("folder") => Kind::Folder,
            _ => return Err(bad("every item's type must be file or folder")),
        };
        let id = it
            .get("id")
            .and_then(id_of)
            .ok_or_else(|| bad("every item needs an id"))?;
        items.push((kind, id));
    }
    let name = match body.get("download_file_name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(bad("download_file_name must be a string")),
    };
    let user = caller.user;
    let ttl = shared.config.zip_download_ttl;
    let limit = shared.config.max_file_size;
    let id = write(&shared, move |tx| {
        tx.create_zip_download(user, &items, name.as_deref(), ttl, limit)
    })
    .await?;
    let z = shared
        .store
        .read(|st| st.zip_download(Some(user), &id).cloned())?;
    Ok((StatusCode::ACCEPTED, Json(render(&shared.base, &z))))
}

fn render(base: &str, z: &ZipDownload) -> Value {
    let conflicts: Vec<Value> = z
        .name_conflicts
        .iter()
        .map(|group| {
            group
                .iter()
                .map(|r| {
                    json!({
                        "id": r.item.to_string(),
                        "type": r.kind.as_str(),
                        "original_name": r.original_name,
                        "download_name": r.download_name,
                    })
                })
                .collect()
        })
        .collect();
    json!({
        "download_url": format!("{base}/2.0/zip_downloads/{}/content", z.id),
        "status_url": format!("{base}/2.0/zip_downloads/{}/status", z.id),
        "expires_at": ts(&z.expires_at),
        "name_conflicts": conflicts,
    })
}

/// `GET /2.0/zip_downloads/{id}/status`: the creator's, once the download
/// has started.
pub async fn status(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let z = shared
        .store
        .read(|st| st.zip_download(None, &id).cloned())?;
    if z.user != caller.user {
        return Err(StoreError::Forbidden(
            "Access denied - this zip download is another user's".into(),
        )
        .into());
    }
    if z.started_at.is_none() {
        return Err(ApiError::not_found());
    }
    let state = match z.state {
        ZipState::InProgress => "in_progress",
        ZipState::Failed => "failed",
        ZipState::Succeeded => "succeeded",
    };
    Ok(Json(json!({
        "total_file_count": z.total_file_count(),
        "downloaded_file_count": z.downloaded_file_count,
        "skipped_file_count": z.skipped_file_count,
        "skipped_folder_count": z.skipped_folder_count,
        "state": state,
    })))
}

/// Sends what is written to the response, a chunk at a time; fails with
/// `BrokenPipe` once the connection is gone.
struct ChannelWriter {
    tx: mpsc::Sender<io::Result<Bytes>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// Counts of a download as it goes.
#[derive(Default)]
struct Counts {
    downloaded: u64,
    skipped_files: u64,
    skipped_folders: u64,
}

/// Writes the archive of `z` to `out`, checking each entry again.
fn stream(
    shared: &Shared,
    z: &ZipDownload,
    out: ChannelWriter,
    counts: &mut Counts,
) -> io::Result<()> {
    let mut w = ZipWriter::new(out);
    for e in &z.entries {
        // What the entry is now, if the user can still read it.
        let now = shared.store.read(|st| {
            let kind = if e.folder { Kind::Folder } else { Kind::File };
            let (id, _) = st.resolve(z.user, &e.item.to_string(), kind).ok()?;
            let item = st.item(id)?;
            let v = item.current();
            Some((item.modified_at, v.map(|v| (v.sha1.clone(), v.size))))
        });
        match (e.folder, now) {
            (true, Some((modified, _))) => w.add_dir(&e.path, modified)?,
            (true, None) => counts.skipped_folders += 1,
            (false, Some((modified, Some((sha1, size))))) => {
                let path = shared.store.blobs().path(&sha1);
                if std::fs::metadata(&path).is_err() {
                    tracing::error!(%sha1, "blob missing: zip entry skipped");
                    counts.skipped_files += 1;
                    continue;
                }
                let method = Method::for_name(&e.path);
                w.add_file(&e.path, modified, method, size, || {
                    std::fs::File::open(&path)
                })?;
                counts.downloaded += 1;
                let done = counts.downloaded;
                shared
                    .store
                    .zip_progress(&z.id, |r| r.downloaded_file_count = done);
            }
            (false, _) => counts.skipped_files += 1,
        }
        let (f, d) = (counts.skipped_files, counts.skipped_folders);
        shared.store.zip_progress(&z.id, |r| {
            r.skipped_file_count = f;
            r.skipped_folder_count = d;
        });
    }
    w.finish()?.flush()
}

/// `GET /2.0/zip_downloads/{id}/content`: the archive (no token needed;
/// answers once, before `expires_at`).
pub async fn content(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let zid = id.clone();
    let z = write(&shared, move |tx| tx.start_zip_download(&zid)).await?;
    let (tx, mut rx) = mpsc::channel::<io::Result<Bytes>>(CHUNKS_IN_FLIGHT);
    let worker = shared.clone();
    let name = z.name.clone();
    tokio::task::spawn_blocking(move || {
        let out = ChannelWriter {
            tx: tx.clone(),
            buf: Vec::with_capacity(CHUNK),
        };
        let mut counts = Counts::default();
        let result = stream(&worker, &z, out, &mut counts);
        let state = match &result {
            Ok(()) => ZipState::Succeeded,
            Err(e) => {
                tracing::warn!(error = %e, "zip download broke off");
                // Ends the response with an error, so the client sees a
                // broken transfer rather than a short archive.
                let _ = tx.blocking_send(Err(io::Error::new(e.kind(), e.to_string())));
                ZipState::Failed
            }
        };
        let id = z.id.clone();
        if let Err(e) = worker.store.write(|t| {
            t.finish_zip_download(
                &id,
                state,
                counts.downloaded,
                counts.skipped_files,
                counts.skipped_folders,
            )
        }) {
            tracing::error!(error = ?e, "recording the end of a zip download");
        }
    });
    let body = Body::from_stream(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)));
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
