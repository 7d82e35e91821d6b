//! Uploads: [`simple`] multipart uploads, the [`preflight`] check, and
//! [`chunked`] upload sessions for large files. [`Client::upload_file`] picks
//! simple or chunked by size.

pub mod chunked;
pub mod preflight;
pub mod simple;

use box_core::{Body, Result};

use crate::models::File;
use crate::Client;

pub use chunked::{ChunkedUpload, ChunkedUploadOptions};
pub use simple::UploadRequest;

impl Client {
    /// Uploads a new file, choosing a simple upload or an upload session by
    /// size (sessions from the configured threshold, 50 MiB by default; a
    /// body of unknown length goes through a simple upload).
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::Body;
    ///
    /// // Small bodies go in one request, large ones (the client's chunked
    /// // threshold) through an upload session with per-part SHA-1s.
    /// let file = client
    ///     .upload_file("0", "notes.txt", Body::from_bytes(b"hello".to_vec()))
    ///     .await?;
    /// println!("uploaded {} ({:?})", file.id, file.sha1);
    /// # Ok(()) }
    /// ```
    pub async fn upload_file(&self, parent_id: &str, name: &str, body: Body) -> Result<File> {
        match body.len() {
            Some(len) if len >= self.inner.chunked_threshold => {
                ChunkedUpload::new(self.clone(), ChunkedUploadOptions::default())
                    .upload_new(parent_id, name, body)
                    .await
            }
            _ => self.upload(parent_id, name, body).send().await,
        }
    }

    /// Uploads a new version of a file, choosing simple or chunked by size.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::Body;
    ///
    /// let file = client
    ///     .upload_file_version("12345", Body::from_bytes(b"hello again".to_vec()))
    ///     .await?;
    /// println!("version {:?}", file.file_version);
    /// # Ok(()) }
    /// ```
    pub async fn upload_file_version(&self, file_id: &str, body: Body) -> Result<File> {
        match body.len() {
            Some(len) if len >= self.inner.chunked_threshold => {
                ChunkedUpload::new(self.clone(), ChunkedUploadOptions::default())
                    .upload_version(file_id, body)
                    .await
            }
            _ => self.upload_version(file_id, body).send().await,
        }
    }
}
