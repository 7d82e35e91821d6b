//! `/files` endpoints (content transfer is in [`crate::upload`] and [`crate::download`]).

use box_core::Result;
use bytes::Bytes;
use futures::stream::BoxStream;
use reqwest::Method;
use serde_json::json;

use super::{Call, CopyItem, EmptyCall, RestoreItem, UpdateItem};
use crate::models::{File, FileVersion};
use crate::pagination::{paginate, Page, Paging};
use crate::{seg, Client};

/// File endpoints: `client.files()`.
#[derive(Debug, Clone)]
pub struct Files {
    client: Client,
}

impl Files {
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    fn path(id: &str, rest: &str) -> String {
        format!("/files/{}{rest}", seg(id))
    }

    /// `GET /files/{file_id}`.
    pub fn get(&self, id: impl AsRef<str>) -> Call<File> {
        Call::new(
            self.client
                .request(Method::GET, &Self::path(id.as_ref(), ""))
                .describe("File"),
        )
    }

    /// `PUT /files/{file_id}`: rename, move, description, tags.
    pub fn update(&self, id: impl AsRef<str>) -> UpdateItem<File> {
        UpdateItem::new(
            self.client
                .request(Method::PUT, &Self::path(id.as_ref(), ""))
                .describe("File"),
        )
    }

    /// `POST /files/{file_id}/copy` into `parent`.
    pub fn copy(&self, id: impl AsRef<str>, parent: impl AsRef<str>) -> CopyItem<File> {
        CopyItem::new(
            self.client
                .request(Method::POST, &Self::path(id.as_ref(), "/copy"))
                .describe("File"),
            parent.as_ref(),
        )
    }

    /// `DELETE /files/{file_id}`: moves to the trash.
    pub fn delete(&self, id: impl AsRef<str>) -> EmptyCall {
        EmptyCall::new(
            self.client
                .request(Method::DELETE, &Self::path(id.as_ref(), "")),
        )
    }

    /// `GET /files/{file_id}/thumbnail.{extension}` (`png` or `jpg`), waiting
    /// while Box generates it (`202 + Retry-After`) and following its redirect
    /// to a placeholder.
    pub async fn thumbnail(
        &self,
        id: impl AsRef<str>,
        extension: &str,
        min_size: Option<u32>,
    ) -> Result<Bytes> {
        let mut rb = self
            .client
            .request(
                Method::GET,
                &Self::path(id.as_ref(), &format!("/thumbnail.{}", seg(extension))),
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
        id: impl AsRef<str>,
        fields: &[&str],
    ) -> BoxStream<'static, Result<FileVersion>> {
        let client = self.client.clone();
        let path = Self::path(id.as_ref(), "/versions");
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
        id: impl AsRef<str>,
        version_id: impl AsRef<str>,
    ) -> Call<FileVersion> {
        Call::with_body(
            self.client
                .request(Method::POST, &Self::path(id.as_ref(), "/versions/current"))
                .describe("FileVersion"),
        )
        .set("id", json!(version_id.as_ref()))
        .set("type", json!("file_version"))
    }

    /// `DELETE /files/{file_id}/versions/{file_version_id}`.
    pub fn delete_version(&self, id: impl AsRef<str>, version_id: impl AsRef<str>) -> EmptyCall {
        EmptyCall::new(self.client.request(
            Method::DELETE,
            &Self::path(
                id.as_ref(),
                &format!("/versions/{}", seg(version_id.as_ref())),
            ),
        ))
    }

    /// `GET /files/{file_id}/trash`: a trashed file.
    pub fn trashed(&self, id: impl AsRef<str>) -> Call<File> {
        Call::new(
            self.client
                .request(Method::GET, &Self::path(id.as_ref(), "/trash"))
                .describe("TrashFile"),
        )
    }

    /// `POST /files/{file_id}`: restores a trashed file.
    pub fn restore(&self, id: impl AsRef<str>) -> RestoreItem<File> {
        RestoreItem::new(
            self.client
                .request(Method::POST, &Self::path(id.as_ref(), ""))
                .describe("File"),
        )
    }

    /// `DELETE /files/{file_id}/trash`: deletes a trashed file for good.
    pub fn delete_permanently(&self, id: impl AsRef<str>) -> EmptyCall {
        EmptyCall::new(
            self.client
                .request(Method::DELETE, &Self::path(id.as_ref(), "/trash")),
        )
    }
}
