//! Uploads (`upload`, `overwrite`, `new_copy`) and downloads, streamed both
//! ways.
//!
//! - upload: `POST <upload base>/api/1.0/upload/<auth_token>/<folder_id>`,
//!   multipart with one part per file (`new_file1`, `new_file2`…) plus
//!   `share`, `message`, `emails[]`. The answer lists each file with either
//!   its new id or an `error` code, reported per file.
//! - overwrite / new_copy: `POST <upload base>/api/1.0/{overwrite,new_copy}/<auth_token>/<file_id>`.
//! - download: `GET <api base>/api/1.0/download/<auth_token>/<file_id>[/<version>]`.
//!
//! Bodies are streamed (`reqwest::Body::wrap_stream` / `bytes_stream`); no
//! whole file is held in memory. A v1 download failure arrives as HTTP 200
//! with a short `text/plain` body such as `wrong auth token`: the first bytes
//! are peeked and compared with the known error strings before any byte is
//! handed out. These URLs carry the auth token, so they never appear in an
//! error or a log: reqwest errors are stripped with `without_url`.

use std::sync::atomic::{AtomicBool, Ordering};

use box_core::{Body, Error, Result, ServerContext};
use bytes::{Bytes, BytesMut};
use futures::{stream, StreamExt};
use serde::Serialize;

use crate::actions::{flag, num_attr, opt_num_attr};
use crate::client::{read_limited, transport_error, Client};
use crate::response::Response;
use crate::retry::{self, Replay};
use crate::status;

/// One file to upload.
#[derive(Debug)]
pub struct UploadFile {
    /// The file name to store.
    pub name: String,
    /// The content (streamed).
    pub body: Body,
    /// The content again, when it is in memory: makes the upload replayable
    /// (see [`crate::retry`]).
    replay: Option<Bytes>,
}

impl UploadFile {
    /// A file with a name and a streamed body (sent once: not replayed).
    pub fn new(name: impl Into<String>, body: Body) -> Self {
        Self {
            name: name.into(),
            body,
            replay: None,
        }
    }

    /// A file whose content is in memory; such uploads are replayed after
    /// transient failures.
    pub fn from_bytes(name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        Self {
            name: name.into(),
            body: Body::from_bytes(bytes.clone()),
            replay: Some(bytes),
        }
    }

    /// The name and in-memory content, when the upload can be replayed.
    fn replayable(&self) -> Option<(String, Bytes)> {
        self.replay.as_ref().map(|b| (self.name.clone(), b.clone()))
    }
}

/// An upload request: several files into one folder.
#[derive(Debug)]
pub struct Upload {
    /// The destination folder.
    pub folder_id: u64,
    /// The files.
    pub files: Vec<UploadFile>,
    /// Share the files publicly.
    pub share: bool,
    /// Message for the notified addresses.
    pub message: Option<String>,
    /// Addresses to notify of the share.
    pub emails: Vec<String>,
}

impl Upload {
    /// Uploads `files` into `folder_id`, unshared.
    pub fn new(folder_id: u64, files: Vec<UploadFile>) -> Self {
        Self {
            folder_id,
            files,
            share: false,
            message: None,
            emails: Vec::new(),
        }
    }
}

/// What happened to one uploaded file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum UploadResult {
    /// Stored.
    Uploaded {
        /// The name it was stored under.
        file_name: String,
        /// Its id.
        id: u64,
        /// Its folder.
        folder_id: Option<u64>,
        /// Whether it is shared.
        shared: bool,
        /// Public name when shared.
        public_name: String,
    },
    /// Rejected (`not_enough_free_space`, `filesize_limit_exceeded`, `access_denied`…).
    Failed {
        /// The file's name.
        file_name: String,
        /// The error code.
        error: String,
    },
}

impl UploadResult {
    /// The file's id, or the per-file error mapped like a status string.
    pub fn into_result(self) -> Result<u64> {
        match self {
            UploadResult::Uploaded { id, .. } => Ok(id),
            UploadResult::Failed { file_name, error } => {
                let e = status::error_for("upload", &error);
                Err(match e {
                    Error::Api { message, context } => Error::Api {
                        message: format!("{message} for {file_name:?}"),
                        context,
                    },
                    other => other,
                })
            }
        }
    }
}

/// The answer to an upload: the status and one result per file, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UploadOutcome {
    /// `upload_ok` or `upload_some_files_failed`.
    pub status: String,
    /// Per-file results.
    pub files: Vec<UploadResult>,
}

impl UploadOutcome {
    /// Parses an upload response.
    pub fn from_response(r: &Response) -> Result<Self> {
        if !matches!(r.status(), "upload_ok" | "upload_some_files_failed") {
            return Err(status::error_for("upload", r.status()));
        }
        let mut files = Vec::new();
        if let Some(fs) = r.root().child("files") {
            for f in fs.children_named("file") {
                let at = "response/files/file";
                let file_name = f.attr("file_name").unwrap_or("").to_owned();
                match f.attr("error") {
                    Some(err) if !err.is_empty() => files.push(UploadResult::Failed {
                        file_name,
                        error: err.to_owned(),
                    }),
                    _ => files.push(UploadResult::Uploaded {
                        file_name,
                        id: num_attr(f, "id", at)?,
                        folder_id: opt_num_attr(f, "folder_id", at)?,
                        shared: flag(f.attr("shared").unwrap_or("0")),
                        public_name: f.attr("public_name").unwrap_or("").to_owned(),
                    }),
                }
            }
        }
        Ok(Self {
            status: r.status().to_owned(),
            files,
        })
    }
}

fn part(file: UploadFile) -> reqwest::multipart::Part {
    let len = file.body.len();
    let body = reqwest::Body::wrap_stream(file.body.into_stream());
    let part = match len {
        Some(len) => reqwest::multipart::Part::stream_with_length(body, len),
        None => reqwest::multipart::Part::stream(body),
    };
    part.file_name(file.name)
        .mime_str("application/octet-stream")
        .expect("a valid MIME type")
}

/// A multipart form with one part per file: `new_file1`, `new_file2`…
fn files_form(files: Vec<UploadFile>) -> reqwest::multipart::Form {
    files
        .into_iter()
        .enumerate()
        .fold(reqwest::multipart::Form::new(), |form, (i, f)| {
            form.part(format!("new_file{}", i + 1), part(f))
        })
}

/// The plain-text bodies v1 sends (with HTTP 200) instead of a file.
const DOWNLOAD_ERRORS: &[(&str, &str)] = &[
    ("wrong auth token", "wrong_auth_token"),
    ("wrong_auth_token", "wrong_auth_token"),
    ("not logged in", "not_logged_in"),
    ("not_logged_in", "not_logged_in"),
    ("wrong file id", "e_file_id"),
    ("wrong_file_id", "e_file_id"),
    ("file not found", "e_file_id"),
    ("wrong version", "e_file_id"),
    ("access denied", "access_denied"),
    ("access_denied", "access_denied"),
    ("application_restricted", "application_restricted"),
];

/// Longest body considered as a possible error string.
const PEEK: usize = 64;

/// The error a short plain-text download body stands for, if it is one.
pub fn download_error(body: &[u8]) -> Option<Error> {
    if body.len() > PEEK {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?.trim().to_ascii_lowercase();
    let (_, code) = DOWNLOAD_ERRORS.iter().find(|(s, _)| *s == text)?;
    Some(status::error_for("download", code))
}

impl Client {
    /// Sends the multipart request built by `form`, replaying it (with a
    /// fresh form) as [`crate::retry`] allows when `files` are all in memory.
    ///
    /// Also returns whether an earlier attempt failed after it may have
    /// reached the server (so the server may have acted on it).
    async fn post_multipart(
        &self,
        segments: &[&str],
        files: Vec<UploadFile>,
        replay: Replay,
        form: impl Fn(Vec<UploadFile>) -> reqwest::multipart::Form,
    ) -> Result<(Response, bool)> {
        let copies: Option<Vec<(String, Bytes)>> =
            files.iter().map(UploadFile::replayable).collect();
        let Some(copies) = copies else {
            let r = self.post_multipart_once(segments, form(files)).await?;
            return Ok((r, false));
        };
        drop(files);
        let maybe_acted = AtomicBool::new(false);
        let r = retry::run(
            self.retry_policy(),
            self.sleeper(),
            replay,
            segments[0],
            || {
                let files = copies
                    .iter()
                    .map(|(name, bytes)| UploadFile::from_bytes(name.clone(), bytes.clone()))
                    .collect();
                let attempt = self.post_multipart_once(segments, form(files));
                let maybe_acted = &maybe_acted;
                async move {
                    let r = attempt.await;
                    if r.as_ref().is_err_and(retry::may_have_acted) {
                        maybe_acted.store(true, Ordering::Relaxed);
                    }
                    r
                }
            },
        )
        .await?;
        Ok((r, maybe_acted.load(Ordering::Relaxed)))
    }

    /// After a replayed upload, a file reported `e_filename_in_use` may be
    /// this very upload, stored by an attempt whose answer was lost. It is
    /// taken as uploaded when the folder's file of that name has exactly the
    /// bytes sent (SHA-1 and size); otherwise the conflict stands.
    async fn reconcile(
        &self,
        folder_id: u64,
        sent: &[(String, Bytes)],
        outcome: &mut UploadOutcome,
    ) {
        for result in &mut outcome.files {
            let UploadResult::Failed { file_name, error } = result else {
                continue;
            };
            if error != "e_filename_in_use" {
                continue;
            }
            let Some((_, bytes)) = sent.iter().find(|(n, _)| n == file_name) else {
                continue;
            };
            match self.stored_copy(folder_id, file_name, bytes).await {
                Ok(Some(uploaded)) => {
                    tracing::debug!("v1 upload: a replay's conflict is the upload itself");
                    *result = uploaded;
                }
                Ok(None) => {}
                // The conflict stands, as the server reported it; the other
                // files' results are kept.
                Err(e) => {
                    tracing::warn!(error = %e, "v1 upload: could not check a conflict after a replay")
                }
            }
        }
        if outcome
            .files
            .iter()
            .all(|f| matches!(f, UploadResult::Uploaded { .. }))
        {
            outcome.status = "upload_ok".to_owned();
        }
    }

    /// The folder's file called `name`, as an upload result, if it holds
    /// exactly `bytes` (same size and SHA-1).
    async fn stored_copy(
        &self,
        folder_id: u64,
        name: &str,
        bytes: &Bytes,
    ) -> Result<Option<UploadResult>> {
        use box_core::{Item, Sha1Hex, StorageExt};
        let parent = box_core::FolderId::new(folder_id.to_string());
        let Some(Item::File(existing)) = self.find_child(&parent, name).await? else {
            return Ok(None);
        };
        let Ok(id) = existing.id.as_str().parse::<u64>() else {
            return Ok(None);
        };
        let info = self
            .send(&crate::actions::GetFileInfo { file_id: id })
            .await?;
        let same = info.size == bytes.len() as u64
            && info.sha1.eq_ignore_ascii_case(Sha1Hex::of(bytes).as_str());
        Ok(same.then_some(UploadResult::Uploaded {
            file_name: info.file_name,
            id,
            folder_id: Some(info.folder_id),
            shared: info.shared,
            public_name: info.shared_name,
        }))
    }

    async fn post_multipart_once(
        &self,
        segments: &[&str],
        form: reqwest::multipart::Form,
    ) -> Result<Response> {
        let token = self.auth_token()?;
        let mut segs = vec![
            "api",
            "1.0",
            segments[0],
            secrecy::ExposeSecret::expose_secret(&token),
        ];
        segs.extend_from_slice(&segments[1..]);
        let url = Client::url(self.upload_base(), &segs);
        tracing::debug!(action = segments[0], "v1 upload");
        let resp = self
            .http()
            .post(url)
            .multipart(form)
            .send()
            .await
            .map_err(|e| transport_error(e, true))?;
        if !resp.status().is_success() {
            return Err(retry::http_status_error(&resp, segments[0]));
        }
        let body = read_limited(resp, self.max_response()).await?;
        Response::parse(body, None)
    }

    /// Uploads several files into a folder in one request; per-file failures
    /// are reported in the outcome, not as an error.
    ///
    /// Files made with [`UploadFile::from_bytes`] are replayed after
    /// transient failures. v1 refuses an upload whose name the folder holds,
    /// so a replay never makes a second file; when a replay followed a
    /// failure after which the server may have stored the file, a per-file
    /// `e_filename_in_use` is checked against the folder's file of that name
    /// and reported as uploaded if its SHA-1 and size match the bytes sent.
    pub async fn upload_files(&self, upload: Upload) -> Result<UploadOutcome> {
        let Upload {
            folder_id,
            files,
            share,
            message,
            emails,
        } = upload;
        let build = |files: Vec<UploadFile>| {
            let mut form = files_form(files);
            if share {
                form = form.text("share", "1");
            }
            if let Some(m) = &message {
                form = form.text("message", m.clone());
            }
            for e in &emails {
                form = form.text("emails[]", e.clone());
            }
            form
        };
        let folder = folder_id.to_string();
        let sent: Option<Vec<(String, Bytes)>> = files.iter().map(UploadFile::replayable).collect();
        let (r, maybe_acted) = self
            .post_multipart(&["upload", &folder], files, Replay::Idempotent, build)
            .await?;
        let mut outcome = UploadOutcome::from_response(&r)?;
        if let (true, Some(sent)) = (maybe_acted, sent) {
            self.reconcile(folder_id, &sent, &mut outcome).await;
        }
        Ok(outcome)
    }

    /// Replaces a file's content (`overwrite`).
    pub async fn overwrite(&self, file_id: u64, file: UploadFile) -> Result<UploadOutcome> {
        let id = file_id.to_string();
        let r = self
            .post_multipart(
                &["overwrite", &id],
                vec![file],
                Replay::Idempotent,
                files_form,
            )
            .await?;
        UploadOutcome::from_response(&r.0)
    }

    /// Uploads a new copy next to an existing file (`new_copy`).
    pub async fn new_copy(&self, file_id: u64, file: UploadFile) -> Result<UploadOutcome> {
        let id = file_id.to_string();
        let r = self
            .post_multipart(
                &["new_copy", &id],
                vec![file],
                Replay::NotProcessedOnly,
                files_form,
            )
            .await?;
        UploadOutcome::from_response(&r.0)
    }

    async fn download_head(&self, url: url::Url, file_id: u64) -> Result<reqwest::Response> {
        let resp = self
            .http()
            .get(url)
            .send()
            .await
            .map_err(|e| transport_error(e, true))?;
        let st = resp.status();
        if st.is_success() {
            return Ok(resp);
        }
        let ctx = ServerContext::new().with_status(st.as_u16());
        Err(match st.as_u16() {
            404 => Error::not_found(format!("file {file_id}")).with_context(ctx),
            401 => Error::unauthenticated("download rejected").with_context(ctx),
            403 => Error::permission_denied("download rejected").with_context(ctx),
            _ => retry::http_status_error(&resp, "download"),
        })
    }

    /// Downloads a file (or one of its versions) as a stream.
    pub async fn download_file(&self, file_id: u64, version: Option<u64>) -> Result<Body> {
        let token = self.auth_token()?;
        let id = file_id.to_string();
        let ver = version.map(|v| v.to_string());
        let mut segs = vec![
            "api",
            "1.0",
            "download",
            secrecy::ExposeSecret::expose_secret(&token),
            &id,
        ];
        if let Some(v) = &ver {
            segs.push(v);
        }
        let url = Client::url(self.api_base(), &segs);
        tracing::debug!(file_id, "v1 download");
        // Replayed until the response headers arrive; a connection lost
        // while the body streams is the reader's error.
        let resp = retry::run(
            self.retry_policy(),
            self.sleeper(),
            Replay::Idempotent,
            "download",
            || self.download_head(url.clone(), file_id),
        )
        .await?;
        let len = resp.content_length();
        let plain = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain"));
        let mut chunks = resp.bytes_stream();
        let mut head = BytesMut::new();
        let mut ended = false;
        if plain || len.is_none_or(|l| l <= PEEK as u64) {
            while head.len() <= PEEK {
                match chunks.next().await {
                    Some(Ok(c)) => head.extend_from_slice(&c),
                    Some(Err(e)) => return Err(transport_error(e, true)),
                    None => {
                        ended = true;
                        break;
                    }
                }
            }
            if ended {
                if let Some(e) = download_error(&head) {
                    return Err(e);
                }
            }
        }
        let head: Bytes = head.freeze();
        let first = (!head.is_empty()).then_some(Ok(head));
        let rest = chunks.map(|c| c.map_err(|e| transport_error(e, true)));
        Ok(Body::from_stream(stream::iter(first).chain(rest), len).checked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_download_errors() {
        assert!(matches!(
            download_error(b"wrong auth token"),
            Some(Error::Unauthenticated { .. })
        ));
        assert!(download_error(b" wrong file id\n").unwrap().is_not_found());
        assert!(download_error(b"hello").is_none());
    }
}
