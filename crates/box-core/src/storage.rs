//! The [`Storage`] trait both backends implement, and its conveniences.
//!
//! The core trait is small and object-safe (used as `Arc<dyn Storage>`);
//! everything that can be built from it lives in [`StorageExt`], the way
//! `object_store` splits `ObjectStore` and `ObjectStoreExt`.
//!
//! # Semantics every implementation follows
//!
//! These are defined by [`crate::MemoryStorage`] and checked by the
//! conformance suite (`box_core::testing`, feature `testing`):
//!
//! - A name is unique among a folder's children, compared case-insensitively.
//!   Creating, uploading, renaming, moving or copying onto a name in use fails
//!   with [`Error::Conflict`], naming the item holding it when known.
//! - Names are 1–255 characters, contain no `/` or `\`, are not `.` or `..`,
//!   and do not end in a space: otherwise [`Error::InvalidInput`].
//! - A folder cannot be moved or copied into its own subtree: [`Error::InvalidInput`].
//! - Deleting a folder deletes its subtree. Deleted items are not found.
//! - Ids are per kind: a folder id passed as a file id is not found.
//! - An item's etag (when reported) changes on every change to it.
//! - An operation a backend lacks fails with [`Error::Unsupported`], and
//!   [`Storage::capabilities`] says so beforehand.

use std::fmt;

use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use crate::body::{Body, ByteRange};
use crate::ids::{FileId, FolderId, ItemId};
use crate::model::{File, Folder, Item, SharedLink, SharedLinkOptions, User};
use crate::{Error, Result};

/// An operation of the [`Storage`] trait, for [`Capabilities`] and
/// [`Error::Unsupported`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Operation {
    /// [`Storage::upload_version`].
    UploadVersion,
    /// [`Storage::download`] with a byte range.
    RangeDownload,
    /// [`Storage::copy`] of a file.
    CopyFile,
    /// [`Storage::copy`] of a folder.
    CopyFolder,
    /// [`Storage::delete`] with [`DeleteMode::Trash`].
    Trash,
    /// [`Storage::delete`] with [`DeleteMode::Permanent`].
    PermanentDelete,
    /// [`Storage::set_description`].
    SetDescription,
    /// [`Storage::add_tags`].
    AddTags,
    /// [`Storage::remove_tags`].
    RemoveTags,
    /// [`Storage::create_shared_link`].
    CreateSharedLink,
    /// [`Storage::create_shared_link`] with a password, expiry or download setting.
    SharedLinkOptions,
    /// [`Storage::remove_shared_link`].
    RemoveSharedLink,
    /// [`Storage::search`].
    Search,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 13] = [
        Operation::UploadVersion,
        Operation::RangeDownload,
        Operation::CopyFile,
        Operation::CopyFolder,
        Operation::Trash,
        Operation::PermanentDelete,
        Operation::SetDescription,
        Operation::AddTags,
        Operation::RemoveTags,
        Operation::CreateSharedLink,
        Operation::SharedLinkOptions,
        Operation::RemoveSharedLink,
        Operation::Search,
    ];

    /// A stable snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Operation::UploadVersion => "upload_version",
            Operation::RangeDownload => "range_download",
            Operation::CopyFile => "copy_file",
            Operation::CopyFolder => "copy_folder",
            Operation::Trash => "trash",
            Operation::PermanentDelete => "permanent_delete",
            Operation::SetDescription => "set_description",
            Operation::AddTags => "add_tags",
            Operation::RemoveTags => "remove_tags",
            Operation::CreateSharedLink => "create_shared_link",
            Operation::SharedLinkOptions => "shared_link_options",
            Operation::RemoveSharedLink => "remove_shared_link",
            Operation::Search => "search",
        }
    }

    /// The [`Error::Unsupported`] for this operation on `backend`.
    pub fn unsupported(self, backend: &str) -> Error {
        Error::unsupported(self.as_str(), backend)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which optional operations a backend supports, and how it behaves.
///
/// The operations not listed in [`Operation`] (stat, list, walk, create
/// folder, upload, download, rename, move, current user) every backend has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    supported: Vec<Operation>,
    walk_in_one_call: bool,
}

impl Capabilities {
    /// Every operation supported.
    pub fn all() -> Self {
        Self {
            supported: Operation::ALL.to_vec(),
            walk_in_one_call: false,
        }
    }

    /// Only the operations every backend has.
    pub fn none() -> Self {
        Self {
            supported: Vec::new(),
            walk_in_one_call: false,
        }
    }

    /// Adds an operation.
    pub fn with(mut self, op: Operation) -> Self {
        if !self.supported.contains(&op) {
            self.supported.push(op);
        }
        self
    }

    /// Removes an operation.
    pub fn without(mut self, op: Operation) -> Self {
        self.supported.retain(|o| *o != op);
        self
    }

    /// Says whether [`Storage::walk`] fetches the whole subtree in one request.
    pub fn with_walk_in_one_call(mut self, yes: bool) -> Self {
        self.walk_in_one_call = yes;
        self
    }

    /// Whether `op` is supported.
    pub fn supports(&self, op: Operation) -> bool {
        self.supported.contains(&op)
    }

    /// Whether [`Storage::walk`] fetches the whole subtree in one request.
    pub fn walk_in_one_call(&self) -> bool {
        self.walk_in_one_call
    }

    /// The supported optional operations.
    pub fn operations(&self) -> impl Iterator<Item = Operation> + '_ {
        self.supported.iter().copied()
    }
}

/// How [`Storage::delete`] deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeleteMode {
    /// Move to the trash, where it can be restored.
    #[default]
    Trash,
    /// Delete for good.
    Permanent,
}

/// One entry of [`Storage::walk`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WalkEntry {
    /// Path of the item relative to the walked folder, `/`-separated, without
    /// a leading slash (`Reports/2024/q1.pdf`).
    pub path: String,
    /// 1 for the walked folder's children, 2 for their children, and so on.
    pub depth: usize,
    /// The item.
    pub item: Item,
}

impl WalkEntry {
    /// An entry.
    pub fn new(path: impl Into<String>, depth: usize, item: Item) -> Self {
        Self {
            path: path.into(),
            depth,
            item,
        }
    }
}

/// The storage operations both Box APIs share.
///
/// Object-safe: hold it as `Arc<dyn Storage>` so an integration moves from v1
/// to v2 by changing one constructor. Conveniences built on top of these
/// methods are in [`StorageExt`], implemented for every `Storage`.
#[async_trait]
pub trait Storage: Send + Sync + fmt::Debug {
    /// A short name for the backend (`memory`, `v1`, `v2`), used in errors.
    fn backend(&self) -> &'static str;

    /// Which optional operations this backend supports.
    fn capabilities(&self) -> Capabilities;

    /// The signed-in user.
    async fn current_user(&self) -> Result<User>;

    /// A file's metadata.
    async fn get_file(&self, id: &FileId) -> Result<File>;

    /// A folder's metadata.
    async fn get_folder(&self, id: &FolderId) -> Result<Folder>;

    /// A folder's direct children. Pagination is hidden: the stream yields
    /// every child once. Order is backend-defined.
    fn list_folder(&self, id: &FolderId) -> BoxStream<'_, Result<Item>>;

    /// Every item below `root`, parents before their children.
    ///
    /// The default implementation lists folder by folder; a backend that can
    /// fetch a subtree in one request (v1's account tree) overrides it.
    fn walk(&self, root: &FolderId) -> BoxStream<'_, Result<WalkEntry>> {
        walk_by_listing(self, root.clone())
    }

    /// Creates a folder.
    async fn create_folder(&self, parent: &FolderId, name: &str) -> Result<Folder>;

    /// Uploads a new file into `parent`. The body streams; its length may be
    /// unknown.
    async fn upload(&self, parent: &FolderId, name: &str, body: Body) -> Result<File>;

    /// Uploads a new version of an existing file.
    async fn upload_version(&self, id: &FileId, body: Body) -> Result<File>;

    /// Downloads a file's current content, or a byte range of it.
    async fn download(&self, id: &FileId, range: Option<ByteRange>) -> Result<Body>;

    /// Renames an item.
    async fn rename(&self, item: &ItemId, new_name: &str) -> Result<Item>;

    /// Moves an item into another folder, keeping its name.
    async fn move_item(&self, item: &ItemId, new_parent: &FolderId) -> Result<Item>;

    /// Copies an item into a folder, optionally under a new name.
    async fn copy(&self, item: &ItemId, parent: &FolderId, new_name: Option<&str>) -> Result<Item>;

    /// Deletes an item (a folder with its subtree).
    async fn delete(&self, item: &ItemId, mode: DeleteMode) -> Result<()>;

    /// Sets an item's description.
    async fn set_description(&self, item: &ItemId, description: &str) -> Result<Item>;

    /// Adds tags to an item; tags it already has are left alone.
    async fn add_tags(&self, item: &ItemId, tags: &[String]) -> Result<Item>;

    /// Removes tags from an item; tags it does not have are ignored.
    async fn remove_tags(&self, item: &ItemId, tags: &[String]) -> Result<Item>;

    /// Creates (or replaces) the shared link of a file or folder.
    async fn create_shared_link(
        &self,
        item: &ItemId,
        options: SharedLinkOptions,
    ) -> Result<SharedLink>;

    /// Removes the shared link of a file or folder.
    async fn remove_shared_link(&self, item: &ItemId) -> Result<()>;

    /// Items whose name (or content, where the backend indexes it) matches `query`.
    fn search(&self, query: &str) -> BoxStream<'_, Result<Item>>;
}

/// Walks a subtree folder by folder through [`Storage::list_folder`]: the
/// default [`Storage::walk`]. Depth-first; parents come before children. The
/// stream ends after the first error.
pub fn walk_by_listing<S: Storage + ?Sized>(
    storage: &S,
    root: FolderId,
) -> BoxStream<'_, Result<WalkEntry>> {
    struct State<'a, S: ?Sized> {
        storage: &'a S,
        pending: Vec<(FolderId, String, usize)>,
        current: Option<(BoxStream<'a, Result<Item>>, String, usize)>,
        failed: bool,
    }
    let state = State {
        storage,
        pending: vec![(root, String::new(), 1)],
        current: None,
        failed: false,
    };
    stream::unfold(state, |mut st| async move {
        if st.failed {
            return None;
        }
        loop {
            if let Some((listing, prefix, depth)) = st.current.as_mut() {
                match listing.next().await {
                    Some(Ok(item)) => {
                        let path = if prefix.is_empty() {
                            item.name().to_owned()
                        } else {
                            format!("{prefix}/{}", item.name())
                        };
                        let depth = *depth;
                        if let Item::Folder(f) = &item {
                            st.pending.push((f.id.clone(), path.clone(), depth + 1));
                        }
                        return Some((Ok(WalkEntry::new(path, depth, item)), st));
                    }
                    Some(Err(e)) => {
                        st.failed = true;
                        return Some((Err(e), st));
                    }
                    None => st.current = None,
                }
            } else if let Some((id, prefix, depth)) = st.pending.pop() {
                let listing = st.storage.list_folder(&id);
                st.current = Some((listing, prefix, depth));
            } else {
                return None;
            }
        }
    })
    .boxed()
}

/// Conveniences built from [`Storage`]'s methods; implemented for every
/// `Storage`, including `dyn Storage`.
#[async_trait]
pub trait StorageExt: Storage {
    /// Any item's metadata by typed id.
    async fn get_item(&self, id: &ItemId) -> Result<Item> {
        match id {
            ItemId::File(f) => self.get_file(f).await.map(Item::File),
            ItemId::Folder(f) => self.get_folder(f).await.map(Item::Folder),
            ItemId::WebLink(_) => Err(Error::unsupported("get web link", self.backend())),
        }
    }

    /// Collects a folder's children into a `Vec`.
    async fn list_all(&self, id: &FolderId) -> Result<Vec<Item>> {
        self.list_folder(id).try_collect().await
    }

    /// The child of `parent` named `name`: an exact match first, else a
    /// case-insensitive one (Box names are unique case-insensitively).
    async fn find_child(&self, parent: &FolderId, name: &str) -> Result<Option<Item>> {
        let lower = name.to_lowercase();
        let mut fallback = None;
        let mut children = self.list_folder(parent);
        while let Some(item) = children.next().await {
            let item = item?;
            if item.name() == name {
                return Ok(Some(item));
            }
            if fallback.is_none() && item.name().to_lowercase() == lower {
                fallback = Some(item);
            }
        }
        Ok(fallback)
    }

    /// Resolves a `/`-separated path from the root (`/Reports/2024/q1.pdf`)
    /// to an item. `/` is the root folder. Empty segments are ignored.
    async fn resolve_path(&self, path: &str) -> Result<Item> {
        let mut current = Item::Folder(self.get_folder(&FolderId::root()).await?);
        let mut walked = String::new();
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            let folder = match &current {
                Item::Folder(f) => f.id.clone(),
                _ => {
                    return Err(Error::not_found(format!(
                        "{walked} is not a folder, so {path} does not exist"
                    )))
                }
            };
            walked.push('/');
            walked.push_str(segment);
            current = self
                .find_child(&folder, segment)
                .await?
                .ok_or_else(|| Error::not_found(format!("no item at {walked}")))?;
        }
        Ok(current)
    }

    /// Creates every missing folder along `path` (like `mkdir -p`) and returns
    /// the last one.
    async fn create_folder_all(&self, path: &str) -> Result<Folder> {
        let mut current = self.get_folder(&FolderId::root()).await?;
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            current = match self.find_child(&current.id, segment).await? {
                Some(Item::Folder(f)) => f,
                Some(other) => {
                    return Err(Error::conflict(
                        format!("{segment} exists and is not a folder"),
                        Some(other.id()),
                    ))
                }
                None => match self.create_folder(&current.id, segment).await {
                    Ok(f) => f,
                    // Someone else created it in between: use theirs.
                    Err(Error::Conflict {
                        conflicting: Some(ItemId::Folder(id)),
                        ..
                    }) => self.get_folder(&id).await?,
                    Err(e) => return Err(e),
                },
            };
        }
        Ok(current)
    }

    /// Uploads bytes already in memory.
    async fn upload_bytes(
        &self,
        parent: &FolderId,
        name: &str,
        bytes: bytes::Bytes,
    ) -> Result<File> {
        self.upload(parent, name, Body::from_bytes(bytes)).await
    }

    /// Uploads a local file, streaming it.
    async fn upload_path(
        &self,
        parent: &FolderId,
        name: &str,
        path: &std::path::Path,
    ) -> Result<File> {
        let body = Body::from_path(path).await?;
        self.upload(parent, name, body).await
    }

    /// Downloads a whole file into memory, refusing files larger than `limit`.
    async fn download_bytes(&self, id: &FileId, limit: u64) -> Result<bytes::Bytes> {
        self.download(id, None).await?.collect(limit).await
    }

    /// Downloads a file to a local path, atomically (see [`Body::write_to_path`]).
    async fn download_to_path(&self, id: &FileId, path: &std::path::Path) -> Result<u64> {
        self.download(id, None).await?.write_to_path(path).await
    }

    /// Adds one tag.
    async fn add_tag(&self, item: &ItemId, tag: &str) -> Result<Item> {
        self.add_tags(item, &[tag.to_owned()]).await
    }

    /// Removes one tag.
    async fn remove_tag(&self, item: &ItemId, tag: &str) -> Result<Item> {
        self.remove_tags(item, &[tag.to_owned()]).await
    }

    /// Collects a subtree walk into a `Vec`.
    async fn walk_all(&self, root: &FolderId) -> Result<Vec<WalkEntry>> {
        self.walk(root).try_collect().await
    }
}

impl<S: Storage + ?Sized> StorageExt for S {}

/// Checks a name against the rules Box applies to file and folder names.
pub fn validate_name(name: &str) -> Result<()> {
    let problem = if name.is_empty() {
        Some("a name cannot be empty")
    } else if name.chars().count() > 255 {
        Some("a name cannot be longer than 255 characters")
    } else if name.contains('/') || name.contains('\\') {
        Some("a name cannot contain / or \\")
    } else if name == "." || name == ".." {
        Some("a name cannot be . or ..")
    } else if name.ends_with(' ') {
        Some("a name cannot end with a space")
    } else if name.chars().any(|c| c.is_control()) {
        Some("a name cannot contain control characters")
    } else {
        None
    };
    match problem {
        Some(p) => Err(Error::invalid_input(format!("{p}: {name:?}"))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_set_operations() {
        let c = Capabilities::all().without(Operation::RemoveTags);
        assert!(!c.supports(Operation::RemoveTags));
        assert!(c.supports(Operation::AddTags));
        let c = Capabilities::none()
            .with(Operation::Search)
            .with(Operation::Search);
        assert_eq!(c.operations().count(), 1);
    }

    #[test]
    fn name_rules() {
        for bad in ["", "a/b", "a\\b", ".", "..", "trailing ", "tab\there"] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
        assert!(validate_name(&"x".repeat(256)).is_err());
        for good in ["a", "report.pdf", " leading", "ünïcødé", "..hidden"] {
            assert!(validate_name(good).is_ok(), "{good:?}");
        }
    }
}
