//! Simple multipart uploads to `<upload base>/files/content` and
//! `<upload base>/files/{id}/content`.
//!
//! The `attributes` part comes before the `file` part, as Box requires. A
//! body held in memory is replayable (and retried); a streaming body is sent
//! once.

use box_core::{Body, Error, Result, Timestamp};
use futures::TryStreamExt;
use http::header::{HeaderName, IF_MATCH};
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Map, Value};
use std::sync::Arc;

use crate::models::{Collection, File};
use crate::transport::Payload;
use crate::{seg, Client};

/// Largest simple-upload body buffered in memory so that it can be retried
/// (16 MiB). Larger bodies stream through once; use
/// [`Client::upload_file`] to send big files through a chunked session,
/// whose parts are retried one by one.
pub const REPLAYABLE_LIMIT: u64 = 16 * 1024 * 1024;

/// An upload being set up: `client.upload(parent, name, body)` or
/// `client.upload_version(file_id, body)`.
#[derive(Debug)]
#[must_use = "an upload does nothing until .send() is awaited"]
pub struct UploadRequest {
    client: Client,
    target: Target,
    body: Body,
    attributes: Map<String, Value>,
    sha1_hex: Option<String>,
    if_match: Option<String>,
    fields: Vec<String>,
}

#[derive(Debug)]
enum Target {
    New,
    Version(String),
}

impl Client {
    /// A simple upload of a new file named `name` into folder `parent_id`.
    pub fn upload(&self, parent_id: &str, name: &str, body: Body) -> UploadRequest {
        let mut attributes = Map::new();
        attributes.insert("name".into(), json!(name));
        attributes.insert("parent".into(), json!({ "id": parent_id }));
        UploadRequest {
            client: self.clone(),
            target: Target::New,
            body,
            attributes,
            sha1_hex: None,
            if_match: None,
            fields: Vec::new(),
        }
    }

    /// A simple upload of a new version of `file_id`.
    pub fn upload_version(&self, file_id: &str, body: Body) -> UploadRequest {
        UploadRequest {
            client: self.clone(),
            target: Target::Version(file_id.to_owned()),
            body,
            attributes: Map::new(),
            sha1_hex: None,
            if_match: None,
            fields: Vec::new(),
        }
    }
}

impl UploadRequest {
    /// The SHA-1 of the content (hex), sent as `content-md5` so Box rejects a
    /// corrupted upload. Computed automatically for in-memory bodies.
    pub fn sha1(mut self, hex: impl Into<String>) -> Self {
        self.sha1_hex = Some(hex.into());
        self
    }

    /// `content_modified_at` attribute.
    pub fn content_modified_at(mut self, t: Timestamp) -> Self {
        self.attributes
            .insert("content_modified_at".into(), json!(t.to_rfc3339()));
        self
    }

    /// `content_created_at` attribute (new files).
    pub fn content_created_at(mut self, t: Timestamp) -> Self {
        self.attributes
            .insert("content_created_at".into(), json!(t.to_rfc3339()));
        self
    }

    /// A new name for the file (new versions).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.attributes.insert("name".into(), json!(name.into()));
        self
    }

    /// Only if the file's etag still matches (new versions).
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.if_match = Some(etag.into());
        self
    }

    /// Fields to return.
    pub fn fields<I: IntoIterator<Item = S>, S: Into<String>>(mut self, fields: I) -> Self {
        self.fields.extend(fields.into_iter().map(Into::into));
        self
    }

    /// Sends the upload and returns the new file.
    pub async fn send(self) -> Result<File> {
        let path = match &self.target {
            Target::New => "/files/content".to_owned(),
            Target::Version(id) => format!("/files/{}/content", seg(id)),
        };
        let file_name = self
            .attributes
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("file")
            .to_owned();
        let attributes = Value::Object(self.attributes).to_string();
        let len = self.body.len();
        // Bodies of known length up to REPLAYABLE_LIMIT are buffered so the
        // request can be retried; larger ones stream and are sent once.
        let (payload, sha1) = if len.is_some_and(|l| l <= REPLAYABLE_LIMIT) {
            let bytes = self.body.checked().collect(len.unwrap_or(0)).await?;
            let sha1 = self
                .sha1_hex
                .unwrap_or_else(|| box_core::Sha1Hex::of(&bytes).to_string());
            let attrs = attributes.clone();
            let make = move || {
                form(
                    &attrs,
                    octet_stream(Part::stream(bytes.clone()).file_name(file_name.clone())),
                )
            };
            (Payload::Form(Arc::new(make)), Some(sha1))
        } else {
            let stream = self
                .body
                .checked()
                .into_stream()
                .map_err(std::io::Error::other);
            let body = reqwest::Body::wrap_stream(stream);
            let part = match len {
                Some(l) => Part::stream_with_length(body, l),
                None => Part::stream(body),
            }
            .file_name(file_name);
            let part = octet_stream(part);
            (
                Payload::OnceForm(Some(form(&attributes, part))),
                self.sha1_hex,
            )
        };
        let new_file = matches!(self.target, Target::New);
        let if_match_set = self.if_match.is_some();
        let rb = self
            .client
            .upload_request(Method::POST, &path)
            .fields(&self.fields)
            .header_opt(HeaderName::from_static("content-md5"), sha1)
            .header_opt(IF_MATCH, self.if_match)
            .payload(payload)
            // A new file's replay cannot make a second file: Box refuses the
            // name (409). A new version's replay would add a second version
            // unless guarded by If-Match.
            .replay_safe(new_file || if_match_set)
            .describe("Files");
        let files: Collection<File> = rb.send().await?;
        files
            .entries
            .into_iter()
            .next()
            .ok_or_else(|| Error::decode("Files", "entries", "the upload response lists no file"))
    }
}

/// `attributes` first, then `file`: Box reads them in that order.
fn form(attributes: &str, file: Part) -> Form {
    Form::new()
        .text("attributes", attributes.to_owned())
        .part("file", file)
}

/// The file part's `Content-Type`: the spec documents
/// `application/octet-stream` (reqwest would send none).
fn octet_stream(part: Part) -> Part {
    part.mime_str("application/octet-stream")
        .expect("application/octet-stream is a valid MIME type")
}
