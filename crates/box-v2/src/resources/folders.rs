//! `/folders` endpoints.

use box_core::Result;
use futures::stream::BoxStream;
use reqwest::Method;
use serde_json::json;

use super::{id_ref, Call, CopyItem, EmptyCall, RestoreItem, UpdateItem};
use crate::generated::Folders;
use crate::models::{Folder, Item};
use crate::pagination::{paginate, Page, Paging, MAX_PAGE_SIZE};
use crate::{seg, Client};
use box_core::FolderId;

/// The hand-written calls of `client.folders()` (kept for their shapes; the
/// generated ones of the same handler are in [`crate::generated`]).
impl Folders {
    fn path(id: impl Into<FolderId>, rest: &str) -> String {
        let id: FolderId = id.into();
        let id = id.as_str();
        format!("/folders/{}{rest}", seg(id))
    }

    /// `GET /folders/{folder_id}`.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// let root = client.folders().get("0").send().await?;
    /// println!("{:?} (etag {:?})", root.name, root.etag);
    /// # Ok(()) }
    /// ```
    pub fn get(&self, id: impl Into<FolderId>) -> Call<Folder> {
        Call::new(
            self.client
                .request(Method::GET, &Self::path(id, ""))
                .describe("Folder"),
        )
    }

    /// `POST /folders`: creates `name` in `parent`.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// let folder = client.folders().create("0", "Reports").send().await?;
    /// println!("created {}", folder.id);
    /// # Ok(()) }
    /// ```
    pub fn create(&self, parent: impl Into<FolderId>, name: impl AsRef<str>) -> Call<Folder> {
        Call::with_body(
            self.client
                .request(Method::POST, "/folders")
                .describe("Folder"),
        )
        .set("name", json!(name.as_ref()))
        .set("parent", id_ref(Into::<FolderId>::into(parent).as_str()))
    }

    /// `PUT /folders/{folder_id}`.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// client
    ///     .folders()
    ///     .update("67890")
    ///     .description("Quarterly reports")
    ///     .tags(["finance", "2024"])
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn update(&self, id: impl Into<FolderId>) -> UpdateItem<Folder> {
        UpdateItem::new(
            self.client
                .request(Method::PUT, &Self::path(id, ""))
                .describe("Folder"),
        )
    }

    /// `POST /folders/{folder_id}/copy` into `parent`.
    pub fn copy(&self, id: impl Into<FolderId>, parent: impl Into<FolderId>) -> CopyItem<Folder> {
        CopyItem::new(
            self.client
                .request(Method::POST, &Self::path(id, "/copy"))
                .describe("Folder"),
            Into::<FolderId>::into(parent).as_str(),
        )
    }

    /// `DELETE /folders/{folder_id}?recursive=…`: moves to the trash. Box
    /// refuses a non-empty folder unless `recursive` is true.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// // `recursive: true` also trashes what the folder holds.
    /// client.folders().delete("67890", true).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn delete(&self, id: impl Into<FolderId>, recursive: bool) -> EmptyCall {
        EmptyCall::new(self.client.request(Method::DELETE, &Self::path(id, "")))
            .query("recursive", if recursive { "true" } else { "false" })
    }

    /// `GET /folders/{folder_id}/items` as a stream; see [`ItemsRequest`].
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use futures::TryStreamExt;
    ///
    /// let mut items = client.folders().items("0").fields(["name", "size"]).stream();
    /// while let Some(item) = items.try_next().await? {
    ///     println!("{item:?}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn items(&self, id: impl Into<FolderId>) -> ItemsRequest {
        ItemsRequest {
            client: self.client.clone(),
            path: Self::path(id, "/items"),
            fields: Vec::new(),
            page_size: MAX_PAGE_SIZE,
            paging: Paging::Marker,
        }
    }

    /// `GET /folders/trash/items`: everything in the trash, as a stream.
    pub fn trash_items(&self) -> ItemsRequest {
        ItemsRequest {
            client: self.client.clone(),
            path: "/folders/trash/items".into(),
            fields: Vec::new(),
            page_size: MAX_PAGE_SIZE,
            paging: Paging::Marker,
        }
    }

    /// `GET /folders/{folder_id}/trash`: a trashed folder.
    pub fn trashed(&self, id: impl Into<FolderId>) -> Call<Folder> {
        Call::new(
            self.client
                .request(Method::GET, &Self::path(id, "/trash"))
                .describe("TrashFolder"),
        )
    }

    /// `POST /folders/{folder_id}`: restores a trashed folder.
    pub fn restore(&self, id: impl Into<FolderId>) -> RestoreItem<Folder> {
        RestoreItem::new(
            self.client
                .request(Method::POST, &Self::path(id, ""))
                .describe("Folder"),
        )
    }

    /// `DELETE /folders/{folder_id}/trash`: deletes a trashed folder for good.
    pub fn delete_permanently(&self, id: impl Into<FolderId>) -> EmptyCall {
        EmptyCall::new(
            self.client
                .request(Method::DELETE, &Self::path(id, "/trash")),
        )
    }
}

/// A folder listing. Defaults: marker paging, 1000 entries per page, the
/// server's default fields.
#[derive(Debug, Clone)]
#[must_use = "a listing does nothing until .stream() is polled"]
pub struct ItemsRequest {
    client: Client,
    path: String,
    fields: Vec<String>,
    page_size: u32,
    paging: Paging,
}

impl ItemsRequest {
    /// Fields to return for each entry.
    pub fn fields<I: IntoIterator<Item = S>, S: Into<String>>(mut self, fields: I) -> Self {
        self.fields.extend(fields.into_iter().map(Into::into));
        self
    }

    /// Entries per page, 1 to 1000. Default: 1000.
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n.clamp(1, MAX_PAGE_SIZE);
        self
    }

    /// Offset paging instead of marker paging (for sorted listings).
    pub fn offset_paging(mut self) -> Self {
        self.paging = Paging::Offset;
        self
    }

    /// Every entry, fetching pages as the stream is polled.
    pub fn stream(self) -> BoxStream<'static, Result<Item>> {
        let ItemsRequest {
            client,
            path,
            fields,
            page_size,
            paging,
        } = self;
        paginate(paging, move |page| {
            let rb = client
                .request(Method::GET, &path)
                .query(page.query(page_size))
                .fields(&fields)
                .describe("Items");
            async move { rb.send::<Page<Item>>().await }
        })
    }
}
