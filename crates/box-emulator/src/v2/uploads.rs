//! Uploads: simple multipart uploads (new file, new version), preflight
//! checks, and chunked upload sessions (create, parts with `Content-Range`
//! and `Digest` checks, list parts, commit, abort).
//!
//! Bytes stream to disk while their SHA-1 is computed; nothing is buffered
//! whole in memory, and metadata is committed only after the blob is durable.
//! Hashing and file writes run on blocking threads (`Sink`), fed chunk by
//! chunk from the request body, so the async workers only move bytes.
//!
//! Chunked uploads write each part at its offset into one file per session
//! and keep a running SHA-1 over the in-order prefix of that file
//! ([`PrefixDigest`]): a part that arrives in order is hashed for the whole
//! file as it streams; parts that arrive early are hashed, once the gap
//! before them is filled, by a background catch-up. The commit hashes only
//! what is left (nothing, usually) and links the file into the blob store.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::Utc;
use futures::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};
use sha1::{Digest, Sha1};

use super::items;
use super::objects::ts;
use crate::http::errors::{ApiError, ApiResult};
use crate::http::{blocking, id_of, if_match, Caller, JsonBody, Params};
use crate::state::Shared;
use crate::store::blobs::hex;
use crate::store::{
    random_token, BlobInfo, BlobWriter, Claim, Kind, Part, PrefixDigest, Session, StagedBlob,
    StoreError, Target,
};

/// Upload conflicts carry one conflicting item as an object, as Box sends it.
fn upload_error(e: StoreError) -> ApiError {
    let mut err = ApiError::from(e);
    if let Some(first) = err
        .context_info
        .as_ref()
        .and_then(|c| c["conflicts"].as_array())
        .and_then(|a| a.first())
        .cloned()
    {
        err.context_info = Some(json!({ "conflicts": first }));
    }
    err
}

async fn write_upload<R: Send + 'static>(
    shared: &Arc<Shared>,
    f: impl FnOnce(&mut crate::store::Tx<'_>) -> crate::store::StoreResult<R> + Send + 'static,
) -> ApiResult<R> {
    let store = shared.store.clone();
    blocking(move || store.write(f).map_err(upload_error)).await
}

fn multipart_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request("bad_request", format!("Malformed multipart body: {e}"))
}

/// Largest `attributes` part (and any other form field without a file name)
/// of a multipart upload. Attributes are a short JSON object; a larger part
/// is refused as soon as it crosses the limit, before it is all read.
pub const ATTRIBUTES_LIMIT: usize = 64 * 1024;

/// The `413 file_size_limit_exceeded` Box answers for a file above the
/// account's upload limit.
pub fn file_too_large(max: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "file_size_limit_exceeded",
        format!("File size exceeds the upload limit of {max} bytes"),
    )
}

/// Reads a form field that is not the file, refusing it once it passes
/// [`ATTRIBUTES_LIMIT`].
async fn small_field(
    field: &mut axum::extract::multipart::Field<'_>,
    what: &str,
) -> ApiResult<Vec<u8>> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if buf.len() + chunk.len() > ATTRIBUTES_LIMIT {
            return Err(ApiError::bad_request(
                "bad_request",
                format!("The {what} part is larger than {ATTRIBUTES_LIMIT} bytes"),
            ));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

/// Reads a multipart upload: the `attributes` part and the file part
/// (streamed to a staged blob, at most `max_file_size` bytes). The file
/// part is the one with a file name, as on Box (or one named `file`);
/// other form fields are read (bounded) and ignored. The blob is only staged: it goes into place
/// when the store accepts the upload, so a refused upload leaves nothing.
async fn receive(shared: &Arc<Shared>, req: Request) -> ApiResult<(Value, StagedBlob)> {
    let max = shared.config.max_file_size;
    let mut mp = Multipart::from_request(req, shared)
        .await
        .map_err(multipart_error)?;
    let mut attributes: Option<Value> = None;
    let mut blob: Option<StagedBlob> = None;
    while let Some(mut field) = mp.next_field().await.map_err(multipart_error)? {
        // A part named `file` without a file name is taken as the file too
        // (lenient, as clients built by hand send it so).
        let is_file = field.file_name().is_some() || field.name() == Some("file");
        if !is_file {
            if field.name() != Some("attributes") {
                // Another form field (Box ignores it): read within the bound.
                small_field(&mut field, "form field").await?;
                continue;
            }
            if blob.is_some() {
                return Err(ApiError::bad_request(
                    "metadata_after_file_contents",
                    "Metadata must be sent before the file contents",
                ));
            }
            let bytes = small_field(&mut field, "attributes").await?;
            let v: Value = serde_json::from_slice(&bytes).map_err(|e| {
                ApiError::bad_request("bad_request", format!("attributes is not valid JSON: {e}"))
            })?;
            attributes = Some(v);
            continue;
        }
        if blob.is_some() {
            return Err(ApiError::bad_request(
                "bad_request",
                "Only one file per upload",
            ));
        }
        let store = shared.store.clone();
        let writer = blocking(move || {
            store
                .blobs()
                .writer()
                .map_err(|e| io_error("creating an upload file", e))
        })
        .await?;
        let mut sink = Sink::start(writer);
        let mut sent = 0u64;
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            sent += chunk.len() as u64;
            if sent > max {
                return Err(file_too_large(max));
            }
            if !sink.send(chunk).await {
                break;
            }
        }
        let writer = sink
            .finish()
            .await
            .map_err(|e| io_error("writing an upload", e))?;
        blob = Some(stage(writer).await?);
    }
    let attributes = attributes
        .ok_or_else(|| ApiError::bad_request("bad_request", "Missing the attributes part"))?;
    let blob = blob.ok_or_else(|| ApiError::bad_request("bad_request", "Missing the file part"))?;
    Ok((attributes, blob))
}

fn io_error(what: &str, e: std::io::Error) -> ApiError {
    tracing::error!(error = %e, "{what}");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_server_error",
        "Internal Server Error",
    )
}

/// Something bytes are written into on a blocking thread.
trait Consume: Send + 'static {
    fn consume(&mut self, bytes: &[u8]) -> std::io::Result<()>;
}

impl Consume for BlobWriter {
    fn consume(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.write(bytes)
    }
}

/// Feeds request-body chunks to a [`Consume`] on a blocking thread, so the
/// hashing and file writes do not run on (and stall) the async workers; a
/// few chunks are queued so receiving and hashing overlap.
struct Sink<C> {
    tx: tokio::sync::mpsc::Sender<bytes::Bytes>,
    task: tokio::task::JoinHandle<std::io::Result<C>>,
}

impl<C: Consume> Sink<C> {
    fn start(mut consumer: C) -> Self {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<bytes::Bytes>(16);
        let task = tokio::task::spawn_blocking(move || {
            while let Some(chunk) = rx.blocking_recv() {
                consumer.consume(&chunk)?;
            }
            Ok(consumer)
        });
        Self { tx, task }
    }

    /// Queues a chunk; `false` when the consumer has stopped on an error
    /// (which [`Sink::finish`] returns).
    async fn send(&mut self, chunk: bytes::Bytes) -> bool {
        self.tx.send(chunk).await.is_ok()
    }

    /// Waits for every queued chunk to be consumed.
    async fn finish(self) -> std::io::Result<C> {
        drop(self.tx);
        self.task
            .await
            .map_err(|e| std::io::Error::other(format!("upload writer failed: {e}")))?
    }
}

async fn stage(writer: BlobWriter) -> ApiResult<StagedBlob> {
    blocking(move || writer.stage().map_err(|e| io_error("storing a blob", e))).await
}

/// Moves a staged blob into place inside a store write, after the write's
/// checks passed and before its metadata is committed.
fn persist(blob: StagedBlob) -> crate::store::StoreResult<BlobInfo> {
    blob.persist().map_err(|e| {
        tracing::error!(error = %e, "storing a blob");
        StoreError::Internal(format!("storing a blob: {e}"))
    })
}

fn check_md5_header(headers: &HeaderMap, blob: &StagedBlob) -> ApiResult<()> {
    let blob = blob.info();
    match headers.get("content-md5").and_then(|v| v.to_str().ok()) {
        Some(want) if !want.trim().eq_ignore_ascii_case(&blob.sha1) => Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "bad_digest",
            "The SHA-1 in the Content-MD5 header does not match the uploaded contents",
        )),
        _ => Ok(()),
    }
}

fn files_list(shared: &Shared, id: u64, fields: Option<&str>) -> ApiResult<Value> {
    let file = items::render(shared, id, fields)?;
    Ok(json!({"total_count": 1, "entries": [file]}))
}

/// `POST /api/2.0/files/content`: a new file.
pub async fn upload_new(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
    headers: HeaderMap,
    req: Request,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (attrs, blob) = receive(&shared, req).await?;
    check_md5_header(&headers, &blob)?;
    let name = attrs["name"]
        .as_str()
        .ok_or_else(|| ApiError::bad_request("bad_request", "attributes.name is required"))?
        .to_string();
    let parent = id_of(&attrs["parent"]["id"])
        .ok_or_else(|| ApiError::bad_request("bad_request", "attributes.parent.id is required"))?;
    let user = caller.user;
    let id = write_upload(&shared, move |tx| {
        let id = tx.create_file(user, &parent, &name, blob.info())?;
        persist(blob)?;
        Ok(id)
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(files_list(&shared, id, params.fields())?),
    ))
}

/// `POST /api/2.0/files/{id}/content`: a new version.
pub async fn upload_version(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
    headers: HeaderMap,
    req: Request,
) -> ApiResult<(StatusCode, Json<Value>)> {
    // Fail fast on a wrong id before reading the body.
    shared
        .store
        .read(|st| st.resolve(caller.user, &id, Kind::File))?;
    let (attrs, blob) = receive(&shared, req).await?;
    check_md5_header(&headers, &blob)?;
    let name = attrs["name"].as_str().map(str::to_string);
    let user = caller.user;
    let m = if_match(&headers);
    let fid = write_upload(&shared, move |tx| {
        let fid = tx.add_version(user, &id, blob.info(), name.as_deref(), m.as_deref())?;
        persist(blob)?;
        Ok(fid)
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(files_list(&shared, fid, params.fields())?),
    ))
}

fn preflight_check(
    shared: &Shared,
    user: u64,
    parent: &str,
    name: &str,
    except: Option<u64>,
) -> ApiResult<u64> {
    shared
        .store
        .read(|st| -> Result<u64, StoreError> {
            let (pid, role) = st.resolve(user, parent, Kind::Folder)?;
            if role < crate::store::Role::Editor {
                return Err(StoreError::Forbidden(
                    "Access denied - insufficient permission".into(),
                ));
            }
            if let Some(c) = st.conflict(pid, name, except) {
                return Err(StoreError::NameInUse(Box::new(c.clone())));
            }
            Ok(pid)
        })
        .map_err(upload_error)
}

/// A preflight's `size` above the upload limit is Box's `413`.
fn check_size(shared: &Shared, body: &Value) -> ApiResult<()> {
    match body["size"].as_u64() {
        Some(size) if size > shared.config.max_file_size => {
            Err(file_too_large(shared.config.max_file_size))
        }
        _ => Ok(()),
    }
}

/// `OPTIONS /2.0/files/content`: may this file be uploaded?
pub async fn preflight(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<Value>> {
    let name = body["name"]
        .as_str()
        .ok_or_else(|| ApiError::bad_request("bad_request", "name is required"))?;
    let parent = id_of(&body["parent"]["id"])
        .ok_or_else(|| ApiError::bad_request("bad_request", "parent.id is required"))?;
    check_size(&shared, &body)?;
    preflight_check(&shared, caller.user, &parent, name, None)?;
    Ok(Json(json!({
        "upload_url": format!("{}/api/2.0/files/content", shared.base),
    })))
}

/// `OPTIONS /2.0/files/{id}/content`: may a new version be uploaded?
pub async fn preflight_version(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<Value>> {
    let (fid, parent, name) = shared.store.read(|st| -> ApiResult<_> {
        let (fid, _) = st.resolve(caller.user, &id, Kind::File)?;
        let item = st.item(fid).ok_or_else(ApiError::not_found)?;
        let parent = item
            .parent
            .and_then(|p| st.item(p))
            .map(crate::store::wire_id);
        Ok((fid, parent.unwrap_or_default(), item.name.clone()))
    })?;
    let name = body["name"].as_str().map(str::to_string).unwrap_or(name);
    check_size(&shared, &body)?;
    preflight_check(&shared, caller.user, &parent, &name, Some(fid))?;
    Ok(Json(json!({
        "upload_url": format!("{}/api/2.0/files/{fid}/content", shared.base),
    })))
}

fn session_json(shared: &Shared, s: &Session) -> Value {
    let url = format!("{}/api/2.0/files/upload_sessions/{}", shared.base, s.id);
    json!({
        "type": "upload_session", "id": s.id,
        "session_expires_at": ts(&s.expires_at),
        "part_size": s.part_size, "total_parts": s.total_parts(),
        "num_parts_processed": s.parts.len(),
        "session_endpoints": {
            "upload_part": url, "commit": format!("{url}/commit"), "abort": url,
            "list_parts": format!("{url}/parts"), "status": url,
            "log_event": format!("{url}/log"),
        },
    })
}

fn missing_session() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "The upload session was not found",
    )
}

fn get_session(shared: &Shared, user: u64, id: &str) -> ApiResult<Session> {
    shared
        .store
        .read(|st| {
            st.session(id)
                .filter(|s| s.user == user && s.expires_at > Utc::now())
                .cloned()
        })
        .ok_or_else(missing_session)
}

fn file_size_of(v: &Value) -> ApiResult<u64> {
    match v {
        Value::Null => Err(ApiError::bad_request(
            "missing_file_size",
            "file_size is required",
        )),
        v => v
            .as_u64()
            .ok_or_else(|| ApiError::bad_request("invalid_file_size", "file_size is not valid")),
    }
}

async fn new_session(
    shared: &Arc<Shared>,
    user: u64,
    target: Target,
    file_size: u64,
) -> ApiResult<Value> {
    if file_size > shared.config.max_file_size {
        return Err(file_too_large(shared.config.max_file_size));
    }
    if file_size < shared.config.chunked_min_size {
        return Err(ApiError::bad_request(
            "file_size_too_small",
            format!(
                "file_size is below the minimum of {} bytes for chunked uploads",
                shared.config.chunked_min_size
            ),
        ));
    }
    let s = Session {
        id: random_token(32).to_uppercase(),
        user,
        target,
        file_size,
        part_size: shared.config.part_size,
        parts: BTreeMap::new(),
        expires_at: Utc::now() + chrono::Duration::days(7),
        committed: None,
        committing: false,
        receiving: Default::default(),
        prefix: Default::default(),
    };
    let body = session_json(shared, &s);
    crate::http::write(shared, move |tx| {
        tx.put_session(s);
        Ok(())
    })
    .await?;
    Ok(body)
}

/// `POST /api/2.0/files/upload_sessions`.
pub async fn create_session(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let folder = id_of(&body["folder_id"])
        .ok_or_else(|| ApiError::bad_request("missing_destination", "folder_id is required"))?;
    let name = body["file_name"]
        .as_str()
        .ok_or_else(|| ApiError::bad_request("missing_file_name", "file_name is required"))?
        .to_string();
    let size = file_size_of(&body["file_size"])?;
    preflight_check(&shared, caller.user, &folder, &name, None)?;
    let target = Target::New {
        parent: folder,
        name,
    };
    Ok((
        StatusCode::CREATED,
        Json(new_session(&shared, caller.user, target, size).await?),
    ))
}

/// `POST /api/2.0/files/{id}/upload_sessions`: a session for a new version.
pub async fn create_version_session(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let size = file_size_of(&body["file_size"])?;
    let target = Target::Version {
        file: id,
        name: body["file_name"].as_str().map(str::to_string),
    };
    check_target_write(&shared, caller.user, &target)?;
    Ok((
        StatusCode::CREATED,
        Json(new_session(&shared, caller.user, target, size).await?),
    ))
}

/// The caller may write where the session's file goes: an editor of the
/// parent folder (a new file) or of the file (a new version). Checked when
/// the session is made and again for every part, so a viewer (or a caller
/// who lost access since) stores nothing.
fn check_target_write(shared: &Shared, user: u64, target: &Target) -> ApiResult<()> {
    let (id, kind) = match target {
        Target::New { parent, .. } => (parent, Kind::Folder),
        Target::Version { file, .. } => (file, Kind::File),
    };
    shared
        .store
        .read(|st| -> Result<(), StoreError> {
            let (_, role) = st.resolve(user, id, kind)?;
            if role < crate::store::Role::Editor {
                return Err(StoreError::Forbidden(
                    "Access denied - insufficient permission".into(),
                ));
            }
            Ok(())
        })
        .map_err(ApiError::from)
}

/// `GET /api/2.0/files/upload_sessions/{id}`.
pub async fn session_status(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let s = get_session(&shared, caller.user, &id)?;
    Ok(Json(session_json(&shared, &s)))
}

pub(crate) fn parse_range(v: &str) -> Option<(u64, u64, u64)> {
    let rest = v.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    Some((
        a.trim().parse().ok()?,
        b.trim().parse().ok()?,
        total.trim().parse().ok()?,
    ))
}

fn range_error(msg: &str) -> ApiError {
    ApiError::new(StatusCode::RANGE_NOT_SATISFIABLE, "bad_request", msg)
}

/// Parses `Digest: sha=<base64>` into hex.
pub fn parse_digest(headers: &HeaderMap) -> ApiResult<String> {
    let v = headers
        .get("digest")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::bad_request("bad_request", "The Digest header is required"))?;
    let b64 = v
        .split(',')
        .find_map(|p| {
            let (alg, val) = p.trim().split_once('=')?;
            alg.eq_ignore_ascii_case("sha").then_some(val)
        })
        .ok_or_else(|| ApiError::bad_request("bad_request", "Digest must be sha=<base64>"))?;
    let bytes = STANDARD
        .decode(b64.trim())
        .ok()
        .filter(|b| b.len() == 20)
        .ok_or_else(|| ApiError::bad_request("bad_request", "Digest must be sha=<base64 SHA-1>"))?;
    Ok(hex(&bytes))
}

fn digest_mismatch(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::PRECONDITION_FAILED,
        "bad_digest",
        format!("The SHA-1 digest of the {what} does not match the Digest header"),
    )
}

/// Receives one part: writes it at its offset into the session's data file
/// (or nowhere, when the part is a repeat of one already stored), hashing
/// it for its `Digest` and, when it is next in order, for the whole file.
struct PartWriter {
    file: Option<std::fs::File>,
    pos: u64,
    part: Sha1,
    prefix: Option<tokio::sync::OwnedMutexGuard<PrefixDigest>>,
    /// The prefix digest before this part, restored unless the part is
    /// accepted (also when the request is dropped half way).
    before: Option<PrefixDigest>,
    accepted: bool,
}

impl Drop for PartWriter {
    fn drop(&mut self) {
        if !self.accepted {
            if let (Some(p), Some(before)) = (self.prefix.as_mut(), self.before.take()) {
                **p = before;
            }
        }
    }
}

impl Consume for PartWriter {
    fn consume(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.part.update(bytes);
        if let Some(p) = self.prefix.as_mut() {
            p.hasher.update(bytes);
            p.end += bytes.len() as u64;
        }
        if let Some(f) = &self.file {
            std::os::unix::fs::FileExt::write_all_at(f, bytes, self.pos)?;
        }
        self.pos += bytes.len() as u64;
        Ok(())
    }
}

/// Releases a part's offset when its upload ends, however it ends.
struct Receiving<'a> {
    shared: &'a Shared,
    id: &'a str,
    offset: u64,
}

impl Drop for Receiving<'_> {
    fn drop(&mut self) {
        self.shared.store.session_memory(self.id, |s| {
            s.receiving.remove(&self.offset);
        });
    }
}

/// Opens (creating) a session's data file; a new file's directory entry
/// is made durable with a data directory.
fn open_session_data(shared: &Shared, id: &str) -> std::io::Result<std::fs::File> {
    let blobs = shared.store.blobs();
    let path = blobs.session_data(id);
    if let Ok(f) = std::fs::OpenOptions::new().write(true).open(&path) {
        return Ok(f);
    }
    let dir = blobs.session_dir(id);
    std::fs::create_dir_all(&dir)?;
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)?;
    if blobs.durable() {
        crate::store::blobs::sync_dir(&dir)?;
    }
    Ok(f)
}

/// Hashes recorded parts that directly follow the prefix digest into it,
/// from the session's data file, until a gap (or the end) is reached.
fn catch_up(shared: &Shared, id: &str, prefix: &mut PrefixDigest) -> std::io::Result<()> {
    let data = shared.store.blobs().session_data(id);
    let mut file: Option<std::fs::File> = None;
    let mut buf = vec![0u8; 1024 * 1024];
    loop {
        let next = shared.store.read(|st| {
            st.session(id)
                .and_then(|s| s.parts.get(&prefix.end))
                .map(|p| (p.size, p.path.clone()))
        });
        let Some((size, path)) = next else {
            return Ok(());
        };
        // Parts of sessions persisted by older versions are files of their own.
        let (src, mut at) = if path == data {
            (&data, prefix.end)
        } else {
            (&path, 0)
        };
        if file.is_none() || src != &data {
            file = Some(std::fs::File::open(src)?);
        }
        let f = file.as_ref().expect("opened above");
        let mut left = size;
        while left > 0 {
            let n = buf.len().min(left as usize);
            std::os::unix::fs::FileExt::read_exact_at(f, &mut buf[..n], at)?;
            prefix.hasher.update(&buf[..n]);
            at += n as u64;
            left -= n as u64;
        }
        prefix.end += size;
        if src != &data {
            file = None;
        }
    }
}

/// Advances a session's prefix digest over parts that arrived ahead of it,
/// in the background (the part's answer does not wait). Skips when someone
/// else holds the digest: they catch up when they are done.
fn spawn_catch_up(shared: &Arc<Shared>, id: &str, prefix: Arc<tokio::sync::Mutex<PrefixDigest>>) {
    let Ok(mut guard) = prefix.try_lock_owned() else {
        return;
    };
    let shared = shared.clone();
    let id = id.to_string();
    tokio::task::spawn_blocking(move || {
        if let Err(e) = catch_up(&shared, &id, &mut guard) {
            tracing::warn!(error = %e, "hashing upload parts ahead of the commit");
        }
    });
}

fn part_error(e: std::io::Error) -> ApiError {
    io_error("part write", e)
}

/// Claims offset `start` of a session for a part being received: whether
/// the part repeats one already stored, and the session's prefix digest.
fn claim_part(
    s: &mut Session,
    start: u64,
    size: u64,
    want_sha1: &str,
) -> ApiResult<(bool, Arc<tokio::sync::Mutex<PrefixDigest>>)> {
    if s.committed.is_some() || s.committing {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "session_committed",
            "The upload session is being or has been committed",
        ));
    }
    let repeat = match s.parts.get(&start) {
        Some(p) if p.sha1 != want_sha1 || p.size != size => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                "A different part was already uploaded at this offset",
            ))
        }
        Some(_) => true,
        None => false,
    };
    if !s.receiving.insert(start) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "This part is being uploaded by another request",
        ));
    }
    Ok((repeat, s.prefix.clone()))
}

/// `PUT /api/2.0/files/upload_sessions/{id}`: one part.
pub async fn upload_part(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let s = get_session(&shared, caller.user, &id)?;
    check_target_write(&shared, caller.user, &s.target)?;
    let want_sha1 = parse_digest(&headers)?;
    let range = headers
        .get("content-range")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| range_error("Content-Range is required"))?;
    let (start, end, total) =
        parse_range(range).ok_or_else(|| range_error("Content-Range must be bytes a-b/total"))?;
    if total != s.file_size || end < start || end >= total {
        return Err(range_error(
            "The range does not fit the file size of the session",
        ));
    }
    let size = end - start + 1;
    let last = end + 1 == total;
    if start % s.part_size != 0 || (size != s.part_size && !last) || size > s.part_size {
        return Err(range_error(
            "Parts must start at a multiple of the part size and be exactly one part long",
        ));
    }
    // Claim the offset; a repeat of a stored part is checked, not rewritten.
    let (repeat, prefix) = shared
        .store
        .session_memory(&id, |s| claim_part(s, start, size, &want_sha1))
        .ok_or_else(missing_session)??;
    let _receiving = Receiving {
        shared: &shared,
        id: &id,
        offset: start,
    };
    // Hash for the whole file while streaming when this part is next in order.
    let (prefix_guard, before) = match prefix.clone().try_lock_owned() {
        Ok(g) if !repeat && g.end == start => {
            let before = (*g).clone();
            (Some(g), Some(before))
        }
        _ => (None, None),
    };
    let file = if repeat {
        None
    } else {
        let (shared2, id2) = (shared.clone(), id.clone());
        Some(blocking(move || open_session_data(&shared2, &id2).map_err(part_error)).await?)
    };
    let mut sink = Sink::start(PartWriter {
        file,
        pos: start,
        part: Sha1::new(),
        prefix: prefix_guard,
        before,
        accepted: false,
    });
    let mut got = 0u64;
    let mut stream = body.into_data_stream();
    let mut failure = None;
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(_) => {
                failure = Some(ApiError::bad_request("bad_request", "Broken request body"));
                break;
            }
        };
        got += chunk.len() as u64;
        if got > size {
            failure = Some(range_error("The body is longer than the Content-Range"));
            break;
        }
        if !sink.send(chunk).await {
            break;
        }
    }
    let mut w = sink.finish().await.map_err(part_error)?;
    if failure.is_none() && got != size {
        failure = Some(range_error(
            "The body length does not match the Content-Range",
        ));
    }
    let sha1 = hex(&std::mem::take(&mut w.part).finalize());
    if failure.is_none() && sha1 != want_sha1 {
        failure = Some(digest_mismatch("part"));
    }
    if let Some(e) = failure {
        return Err(e);
    }
    let path = shared.store.blobs().session_data(&id);
    if let Some(f) = w.file.take() {
        if shared.store.blobs().durable() {
            blocking(move || f.sync_data().map_err(part_error)).await?;
        }
    }
    let part = Part {
        part_id: format!("{:08X}", start / s.part_size),
        offset: start,
        size,
        sha1: sha1.clone(),
        path,
    };
    let out = json!({"part": part_json(&part)});
    if !repeat {
        // Recorded before the prefix digest that covers it is let go.
        let sid = id.clone();
        crate::http::write(&shared, move |tx| {
            if tx.st.session(&sid).is_none_or(|s| s.committed.is_some()) {
                return Err(StoreError::NotFound);
            }
            if let Some(s) = tx.session_mut(&sid) {
                s.parts.insert(start, part);
            }
            Ok(())
        })
        .await
        .map_err(|e| match e.status {
            StatusCode::NOT_FOUND => missing_session(),
            _ => e,
        })?;
    }
    w.accepted = true;
    drop(w);
    spawn_catch_up(&shared, &id, prefix);
    Ok(Json(out))
}

fn part_json(p: &Part) -> Value {
    json!({"part_id": p.part_id, "offset": p.offset, "size": p.size, "sha1": p.sha1})
}

/// `GET /api/2.0/files/upload_sessions/{id}/parts`.
pub async fn list_parts(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let s = get_session(&shared, caller.user, &id)?;
    let limit = params.num("limit", 1000)?.clamp(1, 1000);
    let offset = params.num("offset", 0)?;
    let entries: Vec<Value> = s
        .parts
        .values()
        .skip(offset as usize)
        .take(limit as usize)
        .map(part_json)
        .collect();
    Ok(Json(
        json!({"total_count": s.parts.len(), "entries": entries,
        "offset": offset, "limit": limit}),
    ))
}

/// Body of a commit.
#[derive(Debug, Deserialize)]
pub struct CommitBody {
    parts: Vec<CommitPart>,
    #[serde(default)]
    attributes: Option<Value>,
}

/// One part in a commit body.
#[derive(Debug, Deserialize)]
pub struct CommitPart {
    part_id: String,
    offset: u64,
    size: u64,
    #[serde(default)]
    sha1: Option<String>,
}

/// The answer to a commit: `201` with the file in a list.
fn committed_file(shared: &Shared, fid: u64, params: &Params) -> ApiResult<Response> {
    Ok((
        StatusCode::CREATED,
        Json(files_list(shared, fid, params.fields())?),
    )
        .into_response())
}

/// Marks a session as being committed until dropped (also when the
/// request is cancelled), so one commit assembles the file at a time.
struct CommitClaim<'a> {
    shared: &'a Shared,
    id: &'a str,
}

impl Drop for CommitClaim<'_> {
    fn drop(&mut self) {
        self.shared
            .store
            .session_memory(self.id, |s| s.committing = false);
    }
}

/// `POST /api/2.0/files/upload_sessions/{id}/commit`. A commit that
/// arrives while another one for the same session is still assembling the
/// file answers `202 Accepted` with `Retry-After`, as Box documents for
/// parts not yet processed; once done, commits answer the file again.
pub async fn commit(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
    headers: HeaderMap,
    JsonBody(body): JsonBody<CommitBody>,
) -> ApiResult<Response> {
    let s = get_session(&shared, caller.user, &id)?;
    if let Some(fid) = s.committed {
        return committed_file(&shared, fid, &params);
    }
    let want_sha1 = parse_digest(&headers)?;
    let uploaded: Vec<&Part> = s.parts.values().collect();
    let listed_ok = body.parts.len() == uploaded.len()
        && body.parts.iter().zip(&uploaded).all(|(c, p)| {
            c.part_id == p.part_id
                && c.offset == p.offset
                && c.size == p.size
                && c.sha1.as_deref().is_none_or(|h| h == p.sha1)
        });
    if !listed_ok {
        return Err(ApiError::bad_request(
            "bad_request",
            "The parts list does not match the uploaded parts",
        ));
    }
    let covered: u64 = uploaded.iter().map(|p| p.size).sum();
    if covered != s.file_size || uploaded.len() as u64 != s.total_parts() {
        return Err(ApiError::bad_request(
            "bad_request",
            "The uploaded parts do not cover the whole file",
        ));
    }
    let claim = shared.store.session_memory(&id, Session::claim_commit);
    let _claim = match claim.ok_or_else(missing_session)? {
        Claim::Committed(fid) => return committed_file(&shared, fid, &params),
        Claim::Busy(current) => {
            let body = session_json(&shared, &current);
            return Ok((
                StatusCode::ACCEPTED,
                [(axum::http::header::RETRY_AFTER, "1")],
                Json(body),
            )
                .into_response());
        }
        Claim::Claimed => CommitClaim {
            shared: &shared,
            id: &id,
        },
    };
    // Wait for whoever is hashing the prefix, hash what is left, and link
    // the session's file into the blob store: no second copy, no re-read of
    // what the parts already hashed.
    let mut prefix = s.prefix.clone().lock_owned().await;
    let (shared2, id2) = (shared.clone(), id.clone());
    let file_size = s.file_size;
    let blob = blocking(move || {
        catch_up(&shared2, &id2, &mut prefix).map_err(|e| io_error("commit read", e))?;
        if prefix.end != file_size {
            return Err(ApiError::bad_request(
                "bad_request",
                "The uploaded parts do not cover the whole file",
            ));
        }
        let sha1 = hex(&prefix.hasher.clone().finalize());
        if sha1 != want_sha1 {
            return Err(digest_mismatch("file"));
        }
        let blobs = shared2.store.blobs();
        let data = blobs.session_data(&id2);
        let parts: Vec<PathBuf> = shared2
            .store
            .read(|st| {
                st.session(&id2)
                    .map(|s| s.parts.values().map(|p| p.path.clone()).collect())
            })
            .ok_or_else(missing_session)?;
        if parts.iter().all(|p| p == &data) {
            blobs
                .adopt(&data, &sha1, file_size)
                .map_err(|e| io_error("commit", e))
        } else {
            assemble_legacy(blobs, &parts)
        }
    })
    .await?;
    let user = caller.user;
    let attrs = body.attributes.unwrap_or(Value::Null);
    let m = if_match(&headers);
    let b = blob.clone();
    // The file (or version) and the session's committed record are one
    // transaction: a crash leaves either neither (a retry commits again) or
    // both (a retry answers the same file), never a file whose retried
    // commit gets 409 on the name the client's own commit took.
    let sid = id.clone();
    let fid = write_upload(&shared, move |tx| {
        if let Some(fid) = tx.st.session(&sid).and_then(|s| s.committed) {
            return Ok(fid);
        }
        let fid = match s.target {
            Target::New { parent, name } => {
                let name = attrs["name"].as_str().map(str::to_string).unwrap_or(name);
                tx.create_file(user, &parent, &name, &b)?
            }
            Target::Version { file, name } => {
                let name = attrs["name"].as_str().map(str::to_string).or(name);
                tx.add_version(user, &file, &b, name.as_deref(), m.as_deref())?
            }
        };
        tx.finish_session(&sid, fid);
        Ok(fid)
    })
    .await?;
    if shared.config.crash_after_commit {
        tracing::error!("crash_after_commit: aborting after a durable commit, as configured");
        std::process::abort();
    }
    let dir = shared.store.blobs().session_dir(&id);
    let _ = blocking(move || Ok(std::fs::remove_dir_all(dir))).await;
    committed_file(&shared, fid, &params)
}

/// Copies the parts of a session persisted by an older version (a file per
/// part) into a new blob.
fn assemble_legacy(blobs: &crate::store::BlobStore, parts: &[PathBuf]) -> ApiResult<BlobInfo> {
    let mut w = blobs.writer().map_err(|e| io_error("commit", e))?;
    let mut buf = vec![0u8; 1024 * 1024];
    for p in parts {
        let mut f = std::fs::File::open(p).map_err(|e| io_error("commit read", e))?;
        loop {
            let n =
                std::io::Read::read(&mut f, &mut buf).map_err(|e| io_error("commit read", e))?;
            if n == 0 {
                break;
            }
            w.write(&buf[..n])
                .map_err(|e| io_error("commit write", e))?;
        }
    }
    w.finish().map_err(|e| io_error("commit finish", e))
}

/// `DELETE /api/2.0/files/upload_sessions/{id}`.
pub async fn abort(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    get_session(&shared, caller.user, &id)?;
    let sid = id.clone();
    crate::http::write(&shared, move |tx| Ok(tx.remove_session(&sid))).await?;
    let dir = shared.store.blobs().session_dir(&id);
    let _ = blocking(move || Ok(std::fs::remove_dir_all(dir))).await;
    Ok(StatusCode::NO_CONTENT)
}
