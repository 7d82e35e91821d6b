//! [`V2Storage`]: `box_core::Storage` over a v2 [`Client`], Box v2 semantics
//! mapped onto the shared trait.
//!
//! The trait is implemented on a thin wrapper ([`Client::storage`]) rather
//! than on [`Client`] itself, so that the client's own methods (one handler
//! per tag of Box's API, `client.search()` among them, plus `download`)
//! never hide a trait method of the same name, and a spec update adding a
//! tag cannot start hiding one.
//!
//! ```no_run
//! # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
//! use std::sync::Arc;
//! use box_core::{FolderId, Storage};
//!
//! let storage: Arc<dyn Storage> = Arc::new(client.storage());
//! let me = storage.current_user().await?;
//! let docs = storage.create_folder(&FolderId::root(), "Docs").await?;
//! println!("{} owns {}", me.name, docs.name);
//! # Ok(()) }
//! ```
//!
//! - `409 item_name_in_use` → [`Error::Conflict`] naming the item from
//!   `context_info.conflicts` (done by the error mapper).
//! - Moving a folder into its own subtree → [`Error::InvalidInput`] (Box answers 400).
//! - Deleting a folder passes `recursive=true`.
//! - [`DeleteMode::Permanent`] deletes, then deletes from the trash.
//! - Tags are read-modify-written with `If-Match`, so concurrent edits are not lost silently.
//! - Web links have no copy endpoint and no tags in v2: [`Storage::copy`],
//!   [`Storage::add_tags`] and [`Storage::remove_tags`] on a web link are
//!   [`Error::Unsupported`], refused before any request.

use async_trait::async_trait;
use box_core::{
    validate_name, Body, ByteRange, Capabilities, DeleteMode, Error, FileId, FolderId, Item,
    ItemId, Result, SharedLink, SharedLinkOptions, Storage, User,
};
use futures::stream::{BoxStream, StreamExt};
use reqwest::Method;
use serde_json::{json, Value};

use crate::models;
use crate::pagination::{paginate, Page, Paging};
use crate::{seg, Client};

/// The name [`Storage::backend`] reports.
const BACKEND: &str = "v2";

/// Fields asked for whenever a full item is needed.
pub const ITEM_FIELDS: &[&str] = &[
    "type",
    "id",
    "etag",
    "name",
    "size",
    "sha1",
    "file_version",
    "description",
    "tags",
    "parent",
    "path_collection",
    "created_at",
    "modified_at",
    "owned_by",
    "shared_link",
    "item_status",
    "trashed_at",
    "permissions",
    "url",
];

fn fields() -> Vec<String> {
    ITEM_FIELDS.iter().map(|s| s.to_string()).collect()
}

/// `box_core::Storage` over a v2 [`Client`]: see the [module docs](self).
/// Cheap to clone (it is a [`Client`]).
#[derive(Debug, Clone)]
pub struct V2Storage {
    client: Client,
}

impl Client {
    /// This client as a [`box_core::Storage`] (the same connection pool and
    /// token manager).
    pub fn storage(&self) -> V2Storage {
        V2Storage {
            client: self.clone(),
        }
    }
}

impl From<Client> for V2Storage {
    fn from(client: Client) -> Self {
        V2Storage { client }
    }
}

impl V2Storage {
    /// The v2 client underneath, for everything the trait does not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// A raw request through the underlying client.
    fn request(&self, method: Method, path: &str) -> crate::raw::RequestBuilder {
        self.client.request(method, path)
    }

    fn item_path(item: &ItemId) -> String {
        match item {
            ItemId::File(f) => format!("/files/{}", seg(f.as_str())),
            ItemId::Folder(f) => format!("/folders/{}", seg(f.as_str())),
            ItemId::WebLink(w) => format!("/web_links/{}", seg(w.as_str())),
        }
    }

    /// `PUT` on any item with a JSON body, returning the updated item.
    async fn update_item(
        &self,
        item: &ItemId,
        body: Value,
        if_match: Option<&str>,
    ) -> Result<Item> {
        let rb = self
            .request(Method::PUT, &Self::item_path(item))
            .fields(&fields())
            .header_opt(http::header::IF_MATCH, if_match)
            .json(&body);
        into_item(item, rb.describe("Item").send::<Value>().await?)
    }

    async fn get_any(&self, item: &ItemId) -> Result<Item> {
        let v: Value = self
            .request(Method::GET, &Self::item_path(item))
            .fields(&fields())
            .describe("Item")
            .send()
            .await?;
        into_item(item, v)
    }

    async fn edit_tags(&self, item: &ItemId, f: impl Fn(&mut Vec<String>)) -> Result<Item> {
        no_web_link(item, "tags")?;
        let current = self.get_any(item).await?;
        let mut tags = current.tags().to_vec();
        f(&mut tags);
        if tags == current.tags() {
            return Ok(current);
        }
        // Box takes 1 to 100 tags on update (`maxItems: 100`): more is
        // refused here, before a request. Removing the last tag sends `[]`,
        // the only way Box clears tags (`null` and `""` are ignored).
        if tags.len() > MAX_TAGS {
            return Err(Error::invalid_input(format!(
                "an item has at most {MAX_TAGS} tags; this would give it {}",
                tags.len()
            )));
        }
        self.update_item(item, json!({ "tags": tags }), current.etag())
            .await
    }
}

/// Box's limit of tags per item.
const MAX_TAGS: usize = 100;

/// Refuses `op` on a web link: `PUT /web_links/{id}` takes no `tags` (Box
/// would drop them and answer 200) and there is no `/web_links/{id}/copy`.
fn no_web_link(item: &ItemId, op: &str) -> Result<()> {
    match item {
        ItemId::WebLink(_) => Err(Error::unsupported(format!("{op} on a web link"), BACKEND)),
        _ => Ok(()),
    }
}

/// The entries of a listing as `box_core` items; entries of a type this
/// version does not know are skipped.
fn known_items(
    entries: BoxStream<'static, Result<models::Item>>,
) -> BoxStream<'static, Result<Item>> {
    entries
        .filter_map(|r| async move { r.map(models::Item::into_core).transpose() })
        .boxed()
}

fn into_item(id: &ItemId, v: Value) -> Result<Item> {
    let decode = |what: &str, v: Value| -> Result<Item> {
        let item: models::Item =
            crate::transport::error::decode_json(what, v.to_string().as_bytes())?;
        item.into_core()
            .ok_or_else(|| Error::decode(what, "type", "unknown item type"))
    };
    let mut v = v;
    if v.get("type").is_none() {
        let t = match id {
            ItemId::File(_) => "file",
            ItemId::Folder(_) => "folder",
            ItemId::WebLink(_) => "web_link",
        };
        v["type"] = json!(t);
    }
    decode("Item", v)
}

#[async_trait]
impl Storage for V2Storage {
    /// The backend name: `"v2"`.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::*;
    /// let s = client.storage();
    /// assert_eq!(s.backend(), "v2");
    /// # Ok(()) }
    /// ```
    fn backend(&self) -> &'static str {
        BACKEND
    }

    /// Every operation of the trait: v2 supports them all.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::*;
    /// let s = client.storage();
    /// assert!(s.capabilities().supports(Operation::Search));
    /// # Ok(()) }
    /// ```
    fn capabilities(&self) -> Capabilities {
        Capabilities::all()
    }

    /// The signed-in user (`GET /users/me`).
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::*;
    /// let s = client.storage();
    /// let me = s.current_user().await?;
    /// println!("{} <{}>", me.name, me.login);
    /// # Ok(()) }
    /// ```
    async fn current_user(&self) -> Result<User> {
        self.client.users().me().send().await.map(Into::into)
    }

    /// A file with the fields box-core needs (`GET /files/{id}`).
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::*;
    /// let s = client.storage();
    /// let f = s.get_file(&FileId::from("12345")).await?;
    /// println!("{} ({} bytes)", f.name, f.size);
    /// # Ok(()) }
    /// ```
    async fn get_file(&self, id: &FileId) -> Result<box_core::File> {
        self.client
            .files()
            .get(id)
            .fields(ITEM_FIELDS.iter().copied())
            .send()
            .await
            .map(Into::into)
    }

    /// A folder (`GET /folders/{id}`).
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::*;
    /// let s = client.storage();
    /// let root = s.get_folder(&FolderId::root()).await?;
    /// println!("{}", root.name);
    /// # Ok(()) }
    /// ```
    async fn get_folder(&self, id: &FolderId) -> Result<box_core::Folder> {
        self.client
            .folders()
            .get(id)
            .fields(ITEM_FIELDS.iter().copied())
            .send()
            .await
            .map(Into::into)
    }

    /// Every item of a folder, marker-paged (`GET /folders/{id}/items`).
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::*;
    /// let s = client.storage();
    /// use futures::TryStreamExt;
    /// let items: Vec<Item> = s.list_folder(&FolderId::root()).try_collect().await?;
    /// println!("{} items", items.len());
    /// # Ok(()) }
    /// ```
    fn list_folder(&self, id: &FolderId) -> BoxStream<'_, Result<Item>> {
        let items = self
            .client
            .folders()
            .items(id)
            .fields(ITEM_FIELDS.iter().copied())
            .stream();
        known_items(items)
    }

    /// Creates a folder (`POST /folders`); a taken name is [`Error::Conflict`] naming the existing item.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::*;
    /// let s = client.storage();
    /// let f = s.create_folder(&FolderId::root(), "Reports").await?;
    /// println!("created {}", f.id);
    /// # Ok(()) }
    /// ```
    async fn create_folder(&self, parent: &FolderId, name: &str) -> Result<box_core::Folder> {
        validate_name(name)?;
        self.client
            .folders()
            .create(parent, name)
            .fields(ITEM_FIELDS.iter().copied())
            .send()
            .await
            .map(Into::into)
    }

    /// Uploads a new file: one multipart request, or an upload session at the client's chunked threshold.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::*;
    /// let s = client.storage();
    /// let f = s.upload(&FolderId::root(), "notes.txt", Body::from_bytes("hello")).await?;
    /// println!("{} sha1 {:?}", f.id, f.sha1);
    /// # Ok(()) }
    /// ```
    async fn upload(&self, parent: &FolderId, name: &str, body: Body) -> Result<box_core::File> {
        validate_name(name)?;
        self.client
            .upload_file(parent.as_str(), name, body)
            .await
            .map(Into::into)
    }

    /// Uploads a new version of a file.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::*;
    /// let s = client.storage();
    /// let f = s.upload_version(&FileId::from("12345"), Body::from_bytes("v2")).await?;
    /// println!("now version {:?}", f.version_id);
    /// # Ok(()) }
    /// ```
    async fn upload_version(&self, id: &FileId, body: Body) -> Result<box_core::File> {
        self.client
            .upload_file_version(id.as_str(), body)
            .await
            .map(Into::into)
    }

    /// Streams a file's content, all of it or a byte range, resuming a dropped connection with a range.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::*;
    /// let s = client.storage();
    /// let body = s.download(&FileId::from("12345"), Some(ByteRange::new(0, 99)?)).await?;
    /// let first_100 = body.collect(100).await?;
    /// println!("{} bytes", first_100.len());
    /// # Ok(()) }
    /// ```
    async fn download(&self, id: &FileId, range: Option<ByteRange>) -> Result<Body> {
        let mut d = self.client.download(id);
        if let Some(r) = range {
            d = d.range(r);
        }
        d.send().await
    }

    /// Renames a file, folder or web link (`PUT` with `name`).
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::*;
    /// let s = client.storage();
    /// let item = s.rename(&FileId::from("12345").into(), "final.pdf").await?;
    /// println!("{}", item.name());
    /// # Ok(()) }
    /// ```
    async fn rename(&self, item: &ItemId, new_name: &str) -> Result<Item> {
        validate_name(new_name)?;
        self.update_item(item, json!({ "name": new_name }), None)
            .await
    }

    /// Moves an item into another folder (`PUT` with `parent`).
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::*;
    /// let s = client.storage();
    /// s.move_item(&FileId::from("12345").into(), &FolderId::from("678")).await?;
    /// # Ok(()) }
    /// ```
    async fn move_item(&self, item: &ItemId, new_parent: &FolderId) -> Result<Item> {
        if let ItemId::Folder(f) = item {
            if f == new_parent {
                return Err(Error::invalid_input("a folder cannot be moved into itself"));
            }
        }
        self.update_item(
            item,
            json!({ "parent": { "id": new_parent.as_str() } }),
            None,
        )
        .await
    }

    /// Copies a file or folder (`POST /…/copy`), optionally renamed; web links are [`Error::Unsupported`].
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::*;
    /// let s = client.storage();
    /// let copy = s.copy(&FileId::from("12345").into(), &FolderId::root(), Some("copy.pdf")).await?;
    /// println!("{}", copy.id());
    /// # Ok(()) }
    /// ```
    async fn copy(&self, item: &ItemId, parent: &FolderId, new_name: Option<&str>) -> Result<Item> {
        no_web_link(item, "copy")?;
        if let Some(n) = new_name {
            validate_name(n)?;
        }
        let mut body = json!({ "parent": { "id": parent.as_str() } });
        if let Some(n) = new_name {
            body["name"] = json!(n);
        }
        let v: Value = self
            .request(Method::POST, &format!("{}/copy", Self::item_path(item)))
            .fields(&fields())
            .json(&body)
            .describe("Item")
            .send()
            .await?;
        into_item(item, v)
    }

    /// Deletes an item: to the trash, or permanently (then also from the trash). Folders are deleted recursively.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::*;
    /// let s = client.storage();
    /// s.delete(&FolderId::from("678").into(), DeleteMode::Trash).await?;
    /// # Ok(()) }
    /// ```
    async fn delete(&self, item: &ItemId, mode: DeleteMode) -> Result<()> {
        let path = Self::item_path(item);
        let mut rb = self.request(Method::DELETE, &path);
        if matches!(item, ItemId::Folder(_)) {
            rb = rb.query([("recursive", "true")]);
        }
        rb.send_empty().await?;
        if mode == DeleteMode::Permanent {
            self.request(Method::DELETE, &format!("{path}/trash"))
                .send_empty()
                .await?;
        }
        Ok(())
    }

    /// Sets an item's description.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::*;
    /// let s = client.storage();
    /// s.set_description(&FileId::from("12345").into(), "Signed copy").await?;
    /// # Ok(()) }
    /// ```
    async fn set_description(&self, item: &ItemId, description: &str) -> Result<Item> {
        self.update_item(item, json!({ "description": description }), None)
            .await
    }

    /// Adds tags (read-modify-write with `If-Match`, at most 100 per item).
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::*;
    /// let s = client.storage();
    /// let item = s.add_tags(&FileId::from("12345").into(), &["approved".into()]).await?;
    /// println!("{:?}", item.tags());
    /// # Ok(()) }
    /// ```
    async fn add_tags(&self, item: &ItemId, tags: &[String]) -> Result<Item> {
        self.edit_tags(item, |current| {
            for t in tags {
                if !current.contains(t) {
                    current.push(t.clone());
                }
            }
        })
        .await
    }

    /// Removes tags; removing the last one sends `"tags": []`.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::*;
    /// let s = client.storage();
    /// s.remove_tags(&FileId::from("12345").into(), &["draft".into()]).await?;
    /// # Ok(()) }
    /// ```
    async fn remove_tags(&self, item: &ItemId, tags: &[String]) -> Result<Item> {
        self.edit_tags(item, |current| current.retain(|t| !tags.contains(t)))
            .await
    }

    /// Creates (or replaces) an item's shared link.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::*;
    /// let s = client.storage();
    /// let options = SharedLinkOptions::new().access(SharedLinkAccess::Company);
    /// let link = s.create_shared_link(&FileId::from("12345").into(), options).await?;
    /// println!("{}", link.url);
    /// # Ok(()) }
    /// ```
    async fn create_shared_link(
        &self,
        item: &ItemId,
        options: SharedLinkOptions,
    ) -> Result<SharedLink> {
        let mut link = json!({});
        if let Some(a) = &options.access {
            link["access"] = json!(a.as_str());
        }
        if let Some(p) = &options.password {
            link["password"] = json!(p);
        }
        if let Some(t) = &options.unshared_at {
            link["unshared_at"] = json!(t.to_rfc3339());
        }
        if let Some(d) = options.can_download {
            link["permissions"] = json!({ "can_download": d });
        }
        // The link is read from the answer's `shared_link` alone: Box may
        // answer with only that field (no `id`), and web links carry it too.
        let v: Value = self
            .request(Method::PUT, &Self::item_path(item))
            .fields(&["shared_link".to_owned()])
            .json(&json!({ "shared_link": link }))
            .describe("Item")
            .send()
            .await?;
        let link = v
            .get("shared_link")
            .filter(|l| !l.is_null())
            .cloned()
            .ok_or_else(|| {
                Error::decode("Item", "shared_link", "no shared link in the response")
            })?;
        let link: models::SharedLink =
            crate::transport::error::decode_json("SharedLink", link.to_string().as_bytes())?;
        Ok(link.into())
    }

    /// Removes an item's shared link (`"shared_link": null`).
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::*;
    /// let s = client.storage();
    /// s.remove_shared_link(&FileId::from("12345").into()).await?;
    /// # Ok(()) }
    /// ```
    async fn remove_shared_link(&self, item: &ItemId) -> Result<()> {
        self.update_item(item, json!({ "shared_link": null }), None)
            .await
            .map(drop)
    }

    /// Searches by name and content, offset-paged; `search_result` entries are unwrapped. For filters and Box's 10,000-offset ceiling, see [`crate::search`].
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::*;
    /// let s = client.storage();
    /// use futures::TryStreamExt;
    /// let hits: Vec<Item> = s.search("contract").try_collect().await?;
    /// println!("{} hits", hits.len());
    /// # Ok(()) }
    /// ```
    fn search(&self, query: &str) -> BoxStream<'_, Result<Item>> {
        let client = self.client.clone();
        let query = query.to_owned();
        known_items(paginate(Paging::Offset, move |page| {
            let rb = client
                .request(Method::GET, "/search")
                .query([("query", query.as_str())])
                .query(page.query(200))
                .fields(&fields())
                .describe("SearchResults");
            async move {
                let page = rb.send::<Page<Value>>().await?;
                // Entries of searches with shared links are `search_result`s
                // wrapping the item: unwrap them rather than drop them.
                let entries = page
                    .entries
                    .into_iter()
                    .map(|e| {
                        let e = match e.get("type").and_then(Value::as_str) {
                            Some("search_result") => e.get("item").cloned().unwrap_or(Value::Null),
                            _ => e,
                        };
                        crate::transport::error::decode_json::<models::Item>(
                            "SearchResult",
                            e.to_string().as_bytes(),
                        )
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(Page {
                    entries,
                    next_marker: page.next_marker,
                    total_count: page.total_count,
                })
            }
        }))
    }
}
