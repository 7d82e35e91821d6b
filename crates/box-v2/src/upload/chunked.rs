//! Chunked upload sessions for large files.
//!
//! 1. Create a session (`POST <upload base>/files/upload_sessions` with
//!    `folder_id`, `file_size`, `file_name`; or `/files/{id}/upload_sessions`
//!    for a new version). The server picks `part_size`.
//! 2. Read the body once, in order, cutting it into parts and feeding the
//!    whole-file SHA-1 as bytes are read (so a retried part is never counted
//!    twice). Up to `concurrency` parts are in flight; the reader waits for a
//!    free slot, so memory stays at about `(concurrency + 1) × part_size`
//!    whatever the file size.
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

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use box_core::{Body, Error, Result};
use bytes::{Bytes, BytesMut};
use futures::stream::{self, StreamExt, TryStreamExt};
use http::header::CONTENT_TYPE;
use http::HeaderName;
use reqwest::Method;
use serde_json::json;
use sha1::{Digest, Sha1};

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
        if data.is_empty() {
            return Err(Error::invalid_input("an upload part cannot be empty"));
        }
        let end = offset + data.len() as u64 - 1;
        let digest = STANDARD.encode(Sha1::digest(&data));
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

        // The reader: yields (offset, bytes) parts in order, hashing as it reads.
        struct Reader {
            stream: box_core::ByteStream,
            pending: BytesMut,
            offset: u64,
            hasher: Sha1,
            finished: bool,
        }
        let reader = Reader {
            stream: body.checked().into_stream(),
            pending: BytesMut::new(),
            offset: 0,
            hasher: Sha1::new(),
            finished: false,
        };
        let hasher_out = std::sync::Arc::new(std::sync::Mutex::new(None::<[u8; 20]>));
        let hasher_slot = hasher_out.clone();
        let parts = stream::try_unfold(reader, move |mut r| {
            let slot = hasher_slot.clone();
            async move {
                if r.finished {
                    return Ok(None);
                }
                let want = part_size.min(size - r.offset.min(size)) as usize;
                while r.pending.len() < want {
                    match r.stream.next().await {
                        Some(chunk) => {
                            let chunk = chunk?;
                            r.hasher.update(&chunk);
                            r.pending.extend_from_slice(&chunk);
                        }
                        None => break,
                    }
                }
                if r.pending.len() < want {
                    return Err(Error::invalid_input(format!(
                        "the body ended at byte {} of {size}",
                        r.offset + r.pending.len() as u64
                    )));
                }
                let data = r.pending.split_to(want).freeze();
                let offset = r.offset;
                r.offset += want as u64;
                if r.offset >= size {
                    // Check nothing follows (neither left over from the last
                    // chunk read nor still in the stream) and finish the hash.
                    if !r.pending.is_empty() {
                        return Err(Error::invalid_input("the body is longer than declared"));
                    }
                    while let Some(chunk) = r.stream.next().await {
                        let chunk = chunk?;
                        if !chunk.is_empty() {
                            return Err(Error::invalid_input("the body is longer than declared"));
                        }
                    }
                    r.finished = true;
                    let digest: [u8; 20] = r.hasher.clone().finalize().into();
                    *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(digest);
                }
                if data.is_empty() {
                    return Ok(None);
                }
                Ok(Some(((offset, data), r)))
            }
        });

        // Keep only parts that match our slicing; anything else is re-sent.
        known.retain(|offset, p| {
            offset % part_size == 0 && *offset < size && p.size == part_size.min(size - offset)
        });
        let skip: std::collections::HashSet<u64> = known.keys().copied().collect();
        let uploaded: Vec<UploadPart> = parts
            .map_ok(|(offset, data)| {
                let this = self.clone();
                let session = session.clone();
                let skip = skip.contains(&offset);
                async move {
                    if skip {
                        return Ok(None);
                    }
                    let part = this.upload_part(&session, offset, size, data).await?;
                    tracing::debug!(offset, size = part.size, "uploaded part");
                    Ok(Some(part))
                }
            })
            .try_buffer_unordered(self.concurrency)
            .try_filter_map(|p| async move { Ok(p) })
            .try_collect()
            .await?;
        for p in uploaded {
            known.insert(p.offset, p);
        }
        let digest = hasher_out
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .ok_or_else(|| Error::invalid_input("the body was not read to its end"))?;
        let parts: Vec<UploadPart> = known.into_values().collect();
        self.commit(session, &parts, &digest).await
    }
}

fn known_size(body: &Body) -> Result<u64> {
    body.len()
        .ok_or_else(|| Error::invalid_input("a chunked upload needs a body of known length"))
}
