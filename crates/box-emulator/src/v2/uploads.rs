//! Uploads: simple multipart uploads (new file, new version), preflight
//! checks, and chunked upload sessions (create, parts with `Content-Range`
//! and `Digest` checks, list parts, commit, abort).
//!
//! Bytes stream to disk while their SHA-1 is computed; nothing is buffered
//! whole in memory, and metadata is committed only after the blob is durable.

use std::collections::{BTreeMap, HashMap};
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
use crate::store::{random_token, BlobInfo, BlobWriter, Kind, Part, Session, StoreError, Target};

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

/// Reads a multipart upload: the `attributes` part and the file part (streamed to a blob).
async fn receive(shared: &Arc<Shared>, req: Request) -> ApiResult<(Value, BlobInfo)> {
    let mut mp = Multipart::from_request(req, shared)
        .await
        .map_err(multipart_error)?;
    let mut attributes: Option<Value> = None;
    let mut blob: Option<BlobInfo> = None;
    while let Some(mut field) = mp.next_field().await.map_err(multipart_error)? {
        let is_attributes = field.name() == Some("attributes") && field.file_name().is_none();
        if is_attributes {
            if blob.is_some() {
                return Err(ApiError::bad_request(
                    "metadata_after_file_contents",
                    "Metadata must be sent before the file contents",
                ));
            }
            let text = field.text().await.map_err(multipart_error)?;
            let v: Value = serde_json::from_str(&text).map_err(|e| {
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
        let mut writer = blocking(move || {
            store
                .blobs()
                .writer()
                .map_err(|e| io_error("creating an upload file", e))
        })
        .await?;
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            writer
                .write(&chunk)
                .map_err(|e| io_error("writing an upload", e))?;
        }
        blob = Some(finish(writer).await?);
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

async fn finish(writer: BlobWriter) -> ApiResult<BlobInfo> {
    blocking(move || writer.finish().map_err(|e| io_error("storing a blob", e))).await
}

fn check_md5_header(headers: &HeaderMap, blob: &BlobInfo) -> ApiResult<()> {
    match headers.get("content-md5").and_then(|v| v.to_str().ok()) {
        Some(want) if !want.trim().eq_ignore_ascii_case(&blob.sha1) => Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "sha1_mismatch",
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
        tx.create_file(user, &parent, &name, &blob)
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
        tx.add_version(user, &id, &blob, name.as_deref(), m.as_deref())
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
    preflight_check(&shared, caller.user, &parent, &name, Some(fid))?;
    Ok(Json(json!({
        "upload_url": format!("{}/api/2.0/files/{fid}/content", shared.base),
    })))
}

/// Sessions persisted in the store (for a restart with a data directory).
pub fn load_sessions(store: &crate::store::Store) -> HashMap<String, Session> {
    store.read(|st| {
        st.sessions
            .iter()
            .filter_map(|(k, v)| {
                serde_json::from_value::<Session>(v.clone())
                    .ok()
                    .map(|s| (k.clone(), s))
            })
            .collect()
    })
}

/// Writes the current record of session `id` (or its removal) to the store.
/// Called with the sessions lock held so records are written in order.
fn persist_session(
    shared: &Shared,
    sessions: &HashMap<String, Session>,
    id: &str,
) -> ApiResult<()> {
    let value = sessions
        .get(id)
        .map(|s| serde_json::to_value(s).unwrap_or(Value::Null));
    let id = id.to_string();
    shared
        .store
        .write(|tx| {
            tx.put_session(&id, value);
            Ok(())
        })
        .map_err(ApiError::from)
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
        .sessions
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(id)
        .filter(|s| s.user == user && s.expires_at > Utc::now())
        .cloned()
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

fn new_session(shared: &Shared, user: u64, target: Target, file_size: u64) -> ApiResult<Value> {
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
    };
    let body = session_json(shared, &s);
    let id = s.id.clone();
    let mut sessions = shared.sessions.lock().unwrap_or_else(|p| p.into_inner());
    sessions.insert(id.clone(), s);
    persist_session(shared, &sessions, &id)?;
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
        Json(new_session(&shared, caller.user, target, size)?),
    ))
}

/// `POST /api/2.0/files/{id}/upload_sessions`: a session for a new version.
pub async fn create_version_session(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    shared
        .store
        .read(|st| st.resolve(caller.user, &id, Kind::File))?;
    let size = file_size_of(&body["file_size"])?;
    let target = Target::Version {
        file: id,
        name: body["file_name"].as_str().map(str::to_string),
    };
    Ok((
        StatusCode::CREATED,
        Json(new_session(&shared, caller.user, target, size)?),
    ))
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

fn parse_range(v: &str) -> Option<(u64, u64, u64)> {
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
    ApiError::new(
        StatusCode::RANGE_NOT_SATISFIABLE,
        "range_not_satisfiable",
        msg,
    )
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
        "sha1_mismatch",
        format!("The SHA-1 digest of the {what} does not match the Digest header"),
    )
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
    if s.parts.get(&start).is_some_and(|p| p.sha1 != want_sha1) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "range_overlaps_existing_part",
            "A different part was already uploaded at this offset",
        ));
    }
    let dir = shared.store.blobs().tmp_dir();
    let mut file = tempfile::NamedTempFile::new_in(&dir).map_err(|e| io_error("part file", e))?;
    let mut hasher = Sha1::new();
    let mut got = 0u64;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|_| ApiError::bad_request("bad_request", "Broken request body"))?;
        got += chunk.len() as u64;
        if got > size {
            return Err(range_error("The body is longer than the Content-Range"));
        }
        hasher.update(&chunk);
        std::io::Write::write_all(&mut file, &chunk).map_err(|e| io_error("part write", e))?;
    }
    if got != size {
        return Err(range_error(
            "The body length does not match the Content-Range",
        ));
    }
    let sha1 = hex(&hasher.finalize());
    if sha1 != want_sha1 {
        return Err(digest_mismatch("part"));
    }
    let dir = shared.store.blobs().session_dir(&id);
    std::fs::create_dir_all(&dir).map_err(|e| io_error("session dir", e))?;
    let durable = shared.store.blobs().durable();
    if durable {
        file.as_file()
            .sync_all()
            .map_err(|e| io_error("part sync", e))?;
    }
    let path = dir.join(format!("{start:020}-{sha1}"));
    file.persist(&path)
        .map_err(|e| io_error("part persist", e.error))?;
    if durable {
        crate::store::blobs::sync_dir(&dir).map_err(|e| io_error("session dir sync", e))?;
    }
    let part = Part {
        part_id: format!("{:08X}", start / s.part_size),
        offset: start,
        size,
        sha1: sha1.clone(),
        path,
    };
    let out =
        json!({"part": {"part_id": part.part_id, "offset": start, "size": size, "sha1": sha1}});
    let mut sessions = shared.sessions.lock().unwrap_or_else(|p| p.into_inner());
    let s = sessions.get_mut(&id).ok_or_else(missing_session)?;
    if let Some(old) = s.parts.insert(start, part) {
        if old.path != s.parts[&start].path {
            let _ = std::fs::remove_file(old.path);
        }
    }
    persist_session(&shared, &sessions, &id)?;
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
        let mut sessions = self
            .shared
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(s) = sessions.get_mut(self.id) {
            s.committing = false;
        }
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
            "invalid_parts",
            "The parts list does not match the uploaded parts",
        ));
    }
    let covered: u64 = uploaded.iter().map(|p| p.size).sum();
    if covered != s.file_size || uploaded.len() as u64 != s.total_parts() {
        return Err(ApiError::bad_request(
            "invalid_parts",
            "The uploaded parts do not cover the whole file",
        ));
    }
    let _claim = {
        let mut sessions = shared.sessions.lock().unwrap_or_else(|p| p.into_inner());
        let current = sessions.get_mut(&id).ok_or_else(missing_session)?;
        if let Some(fid) = current.committed {
            drop(sessions);
            return committed_file(&shared, fid, &params);
        }
        if current.committing {
            let body = session_json(&shared, current);
            return Ok((
                StatusCode::ACCEPTED,
                [(axum::http::header::RETRY_AFTER, "1")],
                Json(body),
            )
                .into_response());
        }
        current.committing = true;
        CommitClaim {
            shared: &shared,
            id: &id,
        }
    };
    let store = shared.store.clone();
    let paths: Vec<PathBuf> = uploaded.iter().map(|p| p.path.clone()).collect();
    let blob = blocking(move || {
        let mut w = store.blobs().writer().map_err(|e| io_error("commit", e))?;
        let mut buf = vec![0u8; 64 * 1024];
        for p in &paths {
            let mut f = std::fs::File::open(p).map_err(|e| io_error("commit read", e))?;
            loop {
                let n = std::io::Read::read(&mut f, &mut buf)
                    .map_err(|e| io_error("commit read", e))?;
                if n == 0 {
                    break;
                }
                w.write(&buf[..n])
                    .map_err(|e| io_error("commit write", e))?;
            }
        }
        w.finish().map_err(|e| io_error("commit finish", e))
    })
    .await?;
    if blob.sha1 != want_sha1 {
        return Err(digest_mismatch("file"));
    }
    let user = caller.user;
    let attrs = body.attributes.unwrap_or(Value::Null);
    let m = if_match(&headers);
    let b = blob.clone();
    let fid = match s.target.clone() {
        Target::New { parent, name } => {
            let name = attrs["name"].as_str().map(str::to_string).unwrap_or(name);
            write_upload(&shared, move |tx| tx.create_file(user, &parent, &name, &b)).await?
        }
        Target::Version { file, name } => {
            let name = attrs["name"].as_str().map(str::to_string).or(name);
            write_upload(&shared, move |tx| {
                tx.add_version(user, &file, &b, name.as_deref(), m.as_deref())
            })
            .await?
        }
    };
    {
        let mut sessions = shared.sessions.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = sessions.get_mut(&id) {
            s.committed = Some(fid);
            s.parts.clear();
        }
        persist_session(&shared, &sessions, &id)?;
        let _ = std::fs::remove_dir_all(shared.store.blobs().session_dir(&id));
    }
    committed_file(&shared, fid, &params)
}

/// `DELETE /api/2.0/files/upload_sessions/{id}`.
pub async fn abort(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    get_session(&shared, caller.user, &id)?;
    let mut sessions = shared.sessions.lock().unwrap_or_else(|p| p.into_inner());
    sessions.remove(&id);
    persist_session(&shared, &sessions, &id)?;
    drop(sessions);
    let _ = std::fs::remove_dir_all(shared.store.blobs().session_dir(&id));
    Ok(StatusCode::NO_CONTENT)
}
