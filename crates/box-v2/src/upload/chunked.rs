//! Chunked upload sessions for large files.
//!
//! 1. Create a session (`POST <upload base>/files/upload_sessions` with
//!    `folder_id`, `file_size`, `file_name`; or `/files/{id}/upload_sessions`
//!    for a new version). The server picks `part_size`.
//! 2. Read the body once, in order, on a task of its own (a blocking thread
//!    reading straight into part buffers for a [`Body::from_path`] file),
//!    cutting it into parts and feeding both the part's and the whole file's
//!    SHA-1 from each piece as it lands, while it is still in cache (so a
//!    retried part is never counted twice, and the data is hashed in one
//!    pass). Each part is sent by a task of its own, up to `concurrency` at
//!    once; the reader waits for a free slot, so at most `concurrency + 1`
//!    part buffers are alive, whatever the file size.
//! 3. Each part is `PUT` to the session's `upload_part` URL with
//!    `Content-Range: bytes a-b/total` and `Digest: sha=<base64 SHA-1>`; it
//!    is retried on its own by the transport's retry policy.
//! 4. Commit (`POST …/commit` with the sorted parts and
//!    `Digest: sha=<base64 whole-file SHA-1>`), waiting on `202 + Retry-After`.
//!
//! On an unrecoverable failure (the server rejected something: a 4xx) the
//! session is aborted (`DELETE`). On an interruption (network down after all
//! retries, the source failing) it is kept, so [`ChunkedUpload::resume`] can
//! continue it from `GET …/parts`.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use box_core::{Body, Error, Result};
use bytes::{Bytes, BytesMut};
use futures::stream::{StreamExt, TryStreamExt};
use http::header::CONTENT_TYPE;
use http::HeaderName;
use reqwest::Method;
use serde_json::json;
use sha1::{Digest, Sha1};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

use crate::models::{Collection, File, UploadPart, UploadSession, UploadedPart};
use crate::pagination::{paginate, Page, Paging};
use crate::transport::Payload;
use crate::{seg, Client};

/// Smallest file Box accepts for an upload session (20 MB).
pub const MIN_SESSION_SIZE: u64 = 20_000_000;

/// Options of a chunked upload.
#[derive(Debug, Clone, Default)]
pub struct ChunkedUploadOptions {
    concurrency: Option<usize>,
    keep_session_on_failure: bool,
}

impl ChunkedUploadOptions {
    /// Parts in flight at once. Default: the client's
    /// [`crate::ClientBuilder::upload_concurrency`] (4 unless changed).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = Some(n.max(1));
        self
    }

    /// Never abort the session, even after a rejection. Default: false.
    pub fn keep_session_on_failure(mut self, yes: bool) -> Self {
        self.keep_session_on_failure = yes;
        self
    }
}

/// Runs upload sessions.
#[derive(Debug, Clone)]
pub struct ChunkedUpload {
    client: Client,
    concurrency: usize,
    keep_session: bool,
}

fn digest_header() -> HeaderName {
    HeaderName::from_static("digest")
}

impl ChunkedUpload {
    /// A runner for `client` with `options`.
    pub fn new(client: Client, options: ChunkedUploadOptions) -> Self {
        let concurrency = options
            .concurrency
            .unwrap_or(client.inner.upload_concurrency)
            .max(1);
        Self {
            client,
            concurrency,
            keep_session: options.keep_session_on_failure,
        }
    }

    /// Creates a session for a new file.
    pub async fn create_session(
        &self,
        folder_id: &str,
        file_name: &str,
        file_size: u64,
    ) -> Result<UploadSession> {
        self.client
            .upload_request(Method::POST, "/files/upload_sessions")
            .json(
                &json!({ "folder_id": folder_id, "file_size": file_size, "file_name": file_name }),
            )
            .describe("UploadSession")
            .send()
            .await
    }

    /// Creates a session for a new version of `file_id`.
    pub async fn create_version_session(
        &self,
        file_id: &str,
        file_size: u64,
    ) -> Result<UploadSession> {
        self.client
            .upload_request(
                Method::POST,
                &format!("/files/{}/upload_sessions", seg(file_id)),
            )
            .json(&json!({ "file_size": file_size }))
            .describe("UploadSession")
            .send()
            .await
    }

    /// The session's current state (`GET` its status URL).
    pub async fn session(&self, session: &UploadSession) -> Result<UploadSession> {
        self.client
            .request(Method::GET, &session.session_endpoints.status)
            .describe("UploadSession")
            .send()
            .await
    }

    /// The parts uploaded so far (`GET` its `list_parts` URL, offset paged).
    pub async fn list_parts(&self, session: &UploadSession) -> Result<Vec<UploadPart>> {
        let client = self.client.clone();
        let url = session.session_endpoints.list_parts.clone();
        paginate(Paging::Offset, move |page| {
            let rb = client
                .request(Method::GET, &url)
                .query(page.query(1000))
                .describe("UploadParts");
            async move { rb.send::<Page<UploadPart>>().await }
        })
        .try_collect()
        .await
    }

    /// Uploads one part at `offset` of a `total`-byte file.
    pub async fn upload_part(
        &self,
        session: &UploadSession,
        offset: u64,
        total: u64,
        data: Bytes,
    ) -> Result<UploadPart> {
        let digest: [u8; 20] = Sha1::digest(&data).into();
        self.send_part(session, offset, total, data, &digest).await
    }

    /// Uploads one part whose SHA-1 is already known.
    async fn send_part(
        &self,
        session: &UploadSession,
        offset: u64,
        total: u64,
        data: Bytes,
        sha1: &[u8; 20],
    ) -> Result<UploadPart> {
        if data.is_empty() {
            return Err(Error::invalid_input("an upload part cannot be empty"));
        }
        let end = offset + data.len() as u64 - 1;
        let digest = STANDARD.encode(sha1);
        let uploaded: UploadedPart = self
            .client
            .request(Method::PUT, &session.session_endpoints.upload_part)
            .header(CONTENT_TYPE, "application/octet-stream")
            .header(
                http::header::CONTENT_RANGE,
                format!("bytes {offset}-{end}/{total}"),
            )
            .header(digest_header(), format!("sha={digest}"))
            .payload(Payload::Bytes(data))
            .describe("UploadedPart")
            .send()
            .await?;
        Ok(uploaded.part)
    }

    /// Commits the session with its parts and the whole-file SHA-1 (raw digest).
    pub async fn commit(
        &self,
        session: &UploadSession,
        parts: &[UploadPart],
        sha1: &[u8; 20],
    ) -> Result<File> {
        let mut parts = parts.to_vec();
        parts.sort_by_key(|p| p.offset);
        let files: Collection<File> = self
            .client
            .request(Method::POST, &session.session_endpoints.commit)
            .header(digest_header(), format!("sha={}", STANDARD.encode(sha1)))
            .json(&json!({ "parts": parts, "attributes": {} }))
            .retry_accepted(true)
            .describe("Files")
            .send()
            .await?;
        files
            .entries
            .into_iter()
            .next()
            .ok_or_else(|| Error::decode("Files", "entries", "the commit response lists no file"))
    }

    /// Aborts the session (`DELETE` its abort URL).
    pub async fn abort(&self, session: &UploadSession) -> Result<()> {
        self.client
            .request(Method::DELETE, &session.session_endpoints.abort)
            .send_empty()
            .await
    }

    /// Uploads a new file through a session.
    pub async fn upload_new(&self, folder_id: &str, name: &str, body: Body) -> Result<File> {
        let size = known_size(&body)?;
        let session = self.create_session(folder_id, name, size).await?;
        self.run(&session, size, body, Vec::new()).await
    }

    /// Uploads a new version through a session.
    pub async fn upload_version(&self, file_id: &str, body: Body) -> Result<File> {
        let size = known_size(&body)?;
        let session = self.create_version_session(file_id, size).await?;
        self.run(&session, size, body, Vec::new()).await
    }

    /// Continues an interrupted session: asks which parts the server has,
    /// reads `body` (the same content from the start) and uploads only the
    /// missing parts, then commits.
    pub async fn resume(&self, session: &UploadSession, body: Body) -> Result<File> {
        let size = known_size(&body)?;
        let done = self.list_parts(session).await?;
        self.run(session, size, body, done).await
    }

    /// Uploads every part not in `done`, then commits. Aborts the session
    /// when the server rejects a request (see the module docs).
    pub async fn run(
        &self,
        session: &UploadSession,
        size: u64,
        body: Body,
        done: Vec<UploadPart>,
    ) -> Result<File> {
        match self.upload_parts(session, size, body, done).await {
            Ok(file) => Ok(file),
            Err(e) => {
                let interrupted = e.is_retryable() || matches!(e, Error::Io { .. });
                if !interrupted && !self.keep_session {
                    tracing::warn!(session = %session.id, error = %e, "aborting the upload session");
                    if let Err(abort_err) = self.abort(session).await {
                        tracing::warn!(error = %abort_err, "aborting the upload session failed");
                    }
                }
                Err(e)
            }
        }
    }

    async fn upload_parts(
        &self,
        session: &UploadSession,
        size: u64,
        body: Body,
        done: Vec<UploadPart>,
    ) -> Result<File> {
        let part_size = session.part_size;
        if part_size == 0 {
            return Err(Error::decode(
                "UploadSession",
                "part_size",
                "part size is 0",
            ));
        }
        let mut known: BTreeMap<u64, UploadPart> =
            done.into_iter().map(|p| (p.offset, p)).collect();
        // Keep only parts that match our slicing; anything else is re-sent.
        known.retain(|offset, p| {
            offset % part_size == 0 && *offset < size && p.size == part_size.min(size - offset)
        });
        let skip: HashSet<u64> = known.keys().copied().collect();

        // The reader runs on its own task (a blocking thread for a file),
        // so reading and hashing never wait on the task that drives the
        // part uploads, and each part upload is a task of its own.
        let slots = Arc::new(Semaphore::new(self.concurrency + 1));
        let _close = CloseOnDrop(slots.clone());
        let (tx, mut rx) = mpsc::channel::<ReadPart>(1);
        let reader = match body.try_into_file() {
            Ok((file, len)) if len == size => {
                let slots = slots.clone();
                tokio::task::spawn_blocking(move || read_file(file, size, part_size, &slots, &tx))
            }
            Ok(_) => {
                return Err(Error::invalid_input(
                    "the file's length differs from the declared size",
                ))
            }
            Err(body) => tokio::spawn(read_stream(
                body.checked().into_stream(),
                size,
                part_size,
                slots.clone(),
                tx,
            )),
        };

        let mut uploads: JoinSet<Result<UploadPart>> = JoinSet::new();
        loop {
            tokio::select! {
                part = rx.recv(), if uploads.len() < self.concurrency => {
                    let Some(part) = part else { break };
                    if skip.contains(&part.offset) {
                        continue;
                    }
                    let this = self.clone();
                    let session = session.clone();
                    uploads.spawn(async move {
                        let ReadPart { offset, data, sha1, slot } = part;
                        let uploaded = this.send_part(&session, offset, size, data, &sha1).await;
                        drop(slot);
                        let uploaded = uploaded?;
                        tracing::debug!(offset, size = uploaded.size, "uploaded part");
                        Ok(uploaded)
                    });
                }
                Some(done) = uploads.join_next(), if !uploads.is_empty() => {
                    let p = done.map_err(task_failed)??;
                    known.insert(p.offset, p);
                }
            }
        }
        // The reader is done (it dropped its sender): its error, if any,
        // comes first; the part uploads still running are aborted with it.
        let digest = reader.await.map_err(task_failed)??;
        while let Some(done) = uploads.join_next().await {
            let p = done.map_err(task_failed)??;
            known.insert(p.offset, p);
        }
        let parts: Vec<UploadPart> = known.into_values().collect();
        self.commit(session, &parts, &digest).await
    }
}

/// A part read from the body with its SHA-1, holding one of the
/// `concurrency + 1` slots that bound the part buffers alive at once.
struct ReadPart {
    offset: u64,
    data: Bytes,
    sha1: [u8; 20],
    slot: OwnedSemaphorePermit,
}

/// Bytes hashed at a time: both digests are fed each piece right after it
/// lands in the part buffer, while it is still in cache (one pass for both).
const PIECE: usize = 256 * 1024;

/// Closes the slot semaphore when the upload ends, so a reader waiting for a
/// slot stops instead of waiting for parts that will never be sent.
struct CloseOnDrop(Arc<Semaphore>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.close();
    }
}

fn task_failed(e: tokio::task::JoinError) -> Error {
    Error::io(
        "an upload task failed",
        std::io::Error::other(e.to_string()),
    )
}

fn stopped() -> Error {
    Error::io(
        "the upload stopped",
        std::io::Error::other("the part uploads ended before the body was read"),
    )
}

fn ended_early(at: u64, size: u64) -> Error {
    Error::invalid_input(format!("the body ended at byte {at} of {size}"))
}

fn too_long() -> Error {
    Error::invalid_input("the body is longer than declared")
}

/// Reads a file straight into part buffers (no intermediate chunk), hashing
/// each piece into the part's and the whole file's digest as it lands.
/// Runs on a blocking thread; returns the whole file's SHA-1.
fn read_file(
    mut file: std::fs::File,
    size: u64,
    part_size: u64,
    slots: &Arc<Semaphore>,
    tx: &mpsc::Sender<ReadPart>,
) -> Result<[u8; 20]> {
    let io = |e| Error::io("reading the upload source", e);
    let mut whole = Sha1::new();
    let mut offset = 0u64;
    while offset < size {
        let want = part_size.min(size - offset) as usize;
        let slot =
            futures::executor::block_on(slots.clone().acquire_owned()).map_err(|_| stopped())?;
        let mut buf = BytesMut::zeroed(want);
        let mut part = Sha1::new();
        let mut filled = 0;
        while filled < want {
            let end = (filled + PIECE).min(want);
            let n = file.read(&mut buf[filled..end]).map_err(io)?;
            if n == 0 {
                return Err(ended_early(offset + filled as u64, size));
            }
            let piece = &buf[filled..filled + n];
            whole.update(piece);
            part.update(piece);
            filled += n;
        }
        let read = ReadPart {
            offset,
            data: buf.freeze(),
            sha1: part.finalize().into(),
            slot,
        };
        tx.blocking_send(read).map_err(|_| stopped())?;
        offset += want as u64;
    }
    let mut probe = [0u8; 1];
    if file.read(&mut probe).map_err(io)? != 0 {
        return Err(too_long());
    }
    Ok(whole.finalize().into())
}

/// Cuts a chunk stream into part buffers, hashing as [`read_file`] does. A
/// chunk that already holds a whole part is passed on without a copy.
async fn read_stream(
    mut stream: box_core::ByteStream,
    size: u64,
    part_size: u64,
    slots: Arc<Semaphore>,
    tx: mpsc::Sender<ReadPart>,
) -> Result<[u8; 20]> {
    let mut whole = Sha1::new();
    let mut carry: Option<Bytes> = None;
    let mut offset = 0u64;
    while offset < size {
        let want = part_size.min(size - offset) as usize;
        let slot = slots.clone().acquire_owned().await.map_err(|_| stopped())?;
        let mut part = Sha1::new();
        let mut buf = BytesMut::new();
        let mut data = None;
        while data.is_none() && buf.len() < want {
            let mut chunk = match carry.take() {
                Some(c) => c,
                None => match stream.next().await {
                    Some(c) => c?,
                    None => return Err(ended_early(offset + buf.len() as u64, size)),
                },
            };
            let room = want - buf.len();
            if chunk.len() > room {
                carry = Some(chunk.split_off(room));
            }
            if buf.is_empty() && chunk.len() == want {
                for piece in chunk.chunks(PIECE) {
                    whole.update(piece);
                    part.update(piece);
                }
                data = Some(chunk);
            } else {
                if buf.capacity() == 0 {
                    buf.reserve(want);
                }
                for piece in chunk.chunks(PIECE) {
                    buf.extend_from_slice(piece);
                    let landed = &buf[buf.len() - piece.len()..];
                    whole.update(landed);
                    part.update(landed);
                }
            }
        }
        let read = ReadPart {
            offset,
            data: data.unwrap_or_else(|| buf.freeze()),
            sha1: part.finalize().into(),
            slot,
        };
        tx.send(read).await.map_err(|_| stopped())?;
        offset += want as u64;
    }
    if carry.is_some_and(|c| !c.is_empty()) {
        return Err(too_long());
    }
    while let Some(chunk) = stream.next().await {
        if !chunk?.is_empty() {
            return Err(too_long());
        }
    }
    Ok(whole.finalize().into())
}

fn known_size(body: &Body) -> Result<u64> {
    body.len()
        .ok_or_else(|| Error::invalid_input("a chunked upload needs a body of known length"))
}
