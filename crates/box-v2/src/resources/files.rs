//! `/files` endpoints (content transfer is in [`crate::upload`] and [`crate::download`]).

use box_core::Result;
use bytes::Bytes;
use futures::stream::BoxStream;
use reqwest::Method;
use serde_json::json;

use super::{Call, CopyItem, EmptyCall, RestoreItem, UpdateItem};
use crate::generated::Files;
use crate::models::{File, FileVersion};
use crate::pagination::{paginate, Page, Paging};
use crate::seg;
use box_core::{FileId, FileVersionId, FolderId};

/// The hand-written calls of `client.files()` (kept for their shapes; the
/// generated ones of the same handler are in [`crate::generated`]).
impl Files {
    fn path(id: impl Into<FileId>, rest: &str) -> String {
        let id: FileId = id.into();
        let id = id.as_str();
        format!("/files/{}{rest}", seg(id))
    }

    /// `GET /files/{file_id}`.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// let file = client.files().get("12345").fields(["name", "size", "sha1"]).send().await?;
    /// println!("{:?} is {:?} bytes", file.name, file.size);
    /// # Ok(()) }
    /// ```
    pub fn get(&self, id: impl Into<FileId>) -> Call<File> {
        Call::new(
            self.client
                .request(Method::GET, &Self::path(id, ""))
                .describe("File"),
        )
    }

    /// `PUT /files/{file_id}`: rename, move, description, tags.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// // Rename and move in one call, only if nobody changed the file meanwhile.
    /// let file = client
    ///     .files()
    ///     .update("12345")
    ///     .name("report-final.pdf")
    ///     .parent("67890")
    ///     .if_match("3")
    ///     .send()
    ///     .await?;
    /// println!("now {:?} (etag {:?})", file.name, file.etag);
    /// # Ok(()) }
    /// ```
    pub fn update(&self, id: impl Into<FileId>) -> UpdateItem<File> {
        UpdateItem::new(
            self.client
                .request(Method::PUT, &Self::path(id, ""))
                .describe("File"),
        )
    }

    /// `POST /files/{file_id}/copy` into `parent`.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// let copy = client.files().copy("12345", "67890").name("copy.pdf").send().await?;
    /// println!("copied as {}", copy.id);
    /// # Ok(()) }
    /// ```
    pub fn copy(&self, id: impl Into<FileId>, parent: impl Into<FolderId>) -> CopyItem<File> {
        CopyItem::new(
            self.client
                .request(Method::POST, &Self::path(id, "/copy"))
                .describe("File"),
            Into::<FolderId>::into(parent).as_str(),
        )
    }

    /// `DELETE /files/{file_id}`: moves to the trash.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// client.files().delete("12345").send().await?;
    /// // Still in the trash; restore it, or delete it for good:
    /// client.files().restore("12345").send().await?;
    /// # Ok(()) }
    /// ```
    pub fn delete(&self, id: impl Into<FileId>) -> EmptyCall {
        EmptyCall::new(self.client.request(Method::DELETE, &Self::path(id, "")))
    }

    /// `GET /files/{file_id}/thumbnail.{extension}` (`png` or `jpg`), waiting
    /// while Box generates it (`202 + Retry-After`) and following its redirect
    /// to a placeholder. `min_size` must be within Box's documented 32–320
    /// pixels ([`box_core::Error::InvalidInput`] otherwise, nothing sent).
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// let png = client.files().thumbnail("12345", "png", Some(128)).await?;
    /// std::fs::write("thumb.png", &png).map_err(box_core::Error::from)?;
    /// # Ok(()) }
    /// ```
    pub async fn thumbnail(
        &self,
        id: impl Into<FileId>,
        extension: &str,
        min_size: Option<u32>,
    ) -> Result<Bytes> {
        if !matches!(extension, "png" | "jpg") {
            return Err(box_core::Error::invalid_input(format!(
                "thumbnail extension must be png or jpg, not {extension:?}"
            )));
        }
        if let Some(s) = min_size.filter(|s| !(32..=320).contains(s)) {
            return Err(box_core::Error::invalid_input(format!(
                "thumbnail size must be between 32 and 320 pixels (Box's documented limit), not {s}"
            )));
        }
        let mut rb = self
            .client
            .request(
                Method::GET,
                &Self::path(id, &format!("/thumbnail.{}", seg(extension))),
            )
            .follow_redirects(true)
            .retry_accepted(true);
        if let Some(s) = min_size {
            let s = s.to_string();
            rb = rb.query([("min_height", s.as_str()), ("min_width", s.as_str())]);
        }
        rb.send_bytes().await
    }

    /// `GET /files/{file_id}/versions` as a stream (offset paging).
    pub fn versions(
        &self,
        id: impl Into<FileId>,
        fields: &[&str],
    ) -> BoxStream<'static, Result<FileVersion>> {
        let client = self.client.clone();
        let path = Self::path(id, "/versions");
        let fields: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
        paginate(Paging::Offset, move |page| {
            let rb = client
                .request(Method::GET, &path)
                .query(page.query(1000))
                .fields(&fields)
                .describe("file versions");
            async move { rb.send::<Page<FileVersion>>().await }
        })
    }

    /// `POST /files/{file_id}/versions/current`: makes an old version current
    /// (as a new version).
    pub fn promote_version(
        &self,
        id: impl Into<FileId>,
        version_id: impl Into<FileVersionId>,
    ) -> Call<FileVersion> {
        Call::with_body(
            self.client
                .request(Method::POST, &Self::path(id, "/versions/current"))
                .describe("FileVersion"),
        )
        .set(
            "id",
            json!(Into::<FileVersionId>::into(version_id).as_str()),
        )
        .set("type", json!("file_version"))
    }

    /// `DELETE /files/{file_id}/versions/{file_version_id}`.
    pub fn delete_version(
        &self,
        id: impl Into<FileId>,
        version_id: impl Into<FileVersionId>,
    ) -> EmptyCall {
        EmptyCall::new(self.client.request(
            Method::DELETE,
            &Self::path(
                id,
                &format!(
                    "/versions/{}",
                    seg(Into::<FileVersionId>::into(version_id).as_str())
                ),
            ),
        ))
    }

    /// `GET /files/{file_id}/trash`: a trashed file.
    pub fn trashed(&self, id: impl Into<FileId>) -> Call<File> {
        Call::new(
            self.client
                .request(Method::GET, &Self::path(id, "/trash"))
                .describe("TrashFile"),
        )
    }

    /// `POST /files/{file_id}`: restores a trashed file.
    pub fn restore(&self, id: impl Into<FileId>) -> RestoreItem<File> {
        RestoreItem::new(
            self.client
                .request(Method::POST, &Self::path(id, ""))
                .describe("File"),
        )
    }

    /// `DELETE /files/{file_id}/trash`: deletes a trashed file for good.
    pub fn delete_permanently(&self, id: impl Into<FileId>) -> EmptyCall {
        EmptyCall::new(
            self.client
                .request(Method::DELETE, &Self::path(id, "/trash")),
        )
    }
}
