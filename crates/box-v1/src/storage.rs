//! `impl box_core::Storage for Client`: the v1 API behind the shared trait.
//!
//! Wire ids are decimal integers; an id that is not one cannot exist and is
//! reported as not found. Timestamps are UNIX seconds. `walk` fetches the
//! whole subtree with one `get_account_tree` call and decodes it as a stream;
//! `list_folder` is `get_account_tree` with `onelevel`. Tag ids from the tree
//! are turned into names with one `export_tags` call, made only when an
//! entry has tags.
//!
//! The tree does not say where the requested folder itself sits, so
//! `get_folder` finds a folder's parent with the (designed) `search` action;
//! `get_file_info` carries no tags, so `get_file` reads them from the parent
//! folder's listing.
//!
//! What v1 cannot do fails with [`Error::Unsupported`] and is absent from
//! [`Storage::capabilities`]: byte-range downloads, copying folders,
//! permanent deletion (v1's `delete` moves to the trash), removing tags, and
//! shared-link options (password, expiry, access level, download switch).
//!
//! Name conflicts are checked before a change where the destination folder
//! is known (create, upload, copy, move, file rename) and also mapped from
//! the server's `s_folder_exists` / `e_filename_in_use`; moving a folder
//! into its own subtree is refused locally with [`Error::InvalidInput`].

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use box_core::{
    validate_name, Body, ByteRange, Capabilities, DeleteMode, Error, File, FileId, Folder,
    FolderId, Item, ItemId, ItemKind, Operation, Result, Sha1Hex, SharedLink, SharedLinkAccess,
    SharedLinkOptions, Storage, StorageExt, Timestamp, User, WalkEntry,
};
use futures::stream::{self, BoxStream, StreamExt};

use crate::actions::{
    AddToTag, Copy, CreateFolder, Delete, ExportTags, GetAccountInfo, GetAccountTree, GetFileInfo,
    Move, PublicShare, PublicUnshare, Rename, Search, SetDescription, Target, TreeParams,
};
use crate::client::Client;
use crate::transfer::{Upload, UploadFile};
use crate::tree::{TreeEntry, TreeFile, TreeFolder};

const BACKEND: &str = "v1";
const SEARCH_PAGE: u32 = 100;

/// A wire id from a typed id; non-numeric ids cannot exist.
fn wire_id(id: &str, what: &str) -> Result<u64> {
    id.parse()
        .map_err(|_| Error::not_found(format!("{what} {id:?} (v1 ids are decimal integers)")))
}

fn ts(secs: Option<i64>) -> Option<Timestamp> {
    secs.and_then(Timestamp::from_unix)
}

type TagNames = HashMap<u64, String>;

fn tag_names(ids: &[u64], names: &TagNames) -> Vec<String> {
    ids.iter()
        .map(|i| names.get(i).cloned().unwrap_or_else(|| i.to_string()))
        .collect()
}

fn folder_item(f: TreeFolder, parent: Option<u64>, names: &TagNames, web: &str) -> Folder {
    let mut out = Folder::new(
        f.id.to_string(),
        if f.id == 0 && f.name.is_empty() {
            "All Files".to_owned()
        } else {
            f.name
        },
    );
    out.parent = parent.map(|p| FolderId::new(p.to_string()));
    out.tags = tag_names(&f.tags, names);
    if let Some((_, d)) = f.extra.iter().find(|(k, _)| k == "description") {
        out.description = d.clone();
    }
    if f.shared {
        if let Some((_, public)) = f.extra.iter().find(|(k, _)| k == "public_name") {
            out.shared_link = Some(SharedLink::new(
                format!("{web}/shared/{public}"),
                SharedLinkAccess::Open,
            ));
        }
    }
    out
}

fn file_item(f: TreeFile, folder: u64, names: &TagNames) -> File {
    let mut out = File::new(f.id.to_string(), f.file_name);
    out.parent = Some(FolderId::new(folder.to_string()));
    out.size = f.size;
    out.tags = tag_names(&f.tags, names);
    out.created_at = ts(f.created);
    out.modified_at = ts(f.updated.or(f.created));
    if let Some((_, sha)) = f.extra.iter().find(|(k, _)| k == "sha1") {
        out.sha1 = Sha1Hex::parse(sha).ok();
    }
    out
}

fn has_tags(e: &TreeEntry) -> bool {
    match e {
        TreeEntry::Folder { folder, .. } => !folder.tags.is_empty(),
        TreeEntry::File { file, .. } => !file.tags.is_empty(),
        TreeEntry::FolderTags { tags, .. } => !tags.is_empty(),
        _ => false,
    }
}

impl Client {
    fn web(&self) -> String {
        self.web_base().as_str().trim_end_matches('/').to_owned()
    }

    async fn tag_map(&self) -> Result<TagNames> {
        Ok(self
            .send(&ExportTags)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect())
    }

    /// Streams a subtree as `(entry, tag names)` with lazily fetched tag names.
    fn tree_stream(
        &self,
        folder: u64,
        params: TreeParams,
    ) -> BoxStream<'_, Result<(TreeEntry, std::sync::Arc<TagNames>)>> {
        struct St<'a> {
            client: &'a Client,
            folder: u64,
            params: TreeParams,
            entries: Option<crate::tree::BackgroundEntries>,
            names: Option<std::sync::Arc<TagNames>>,
            done: bool,
        }
        let st = St {
            client: self,
            folder,
            params,
            entries: None,
            names: None,
            done: false,
        };
        stream::unfold(st, |mut st| async move {
            if st.done {
                return None;
            }
            if st.entries.is_none() {
                let r = st
                    .client
                    .send(&GetAccountTree::new(st.folder).with_params(st.params))
                    .await
                    .and_then(|t| t.entries());
                match r.map(crate::tree::BackgroundEntries::spawn) {
                    Ok(e) => st.entries = Some(e),
                    Err(e) => {
                        st.done = true;
                        return Some((Err(e), st));
                    }
                }
            }
            let next = match st.entries.as_mut() {
                Some(e) => e.next().await,
                None => None,
            };
            match next {
                None => None,
                Some(Err(e)) => {
                    st.done = true;
                    Some((Err(e), st))
                }
                Some(Ok(entry)) => {
                    if st.names.is_none() && has_tags(&entry) {
                        match st.client.tag_map().await {
                            Ok(m) => st.names = Some(std::sync::Arc::new(m)),
                            Err(e) => {
                                st.done = true;
                                return Some((Err(e), st));
                            }
                        }
                    }
                    let names = st.names.clone().unwrap_or_default();
                    Some((Ok((entry, names)), st))
                }
            }
        })
        .boxed()
    }

    /// The account tree does not say where the requested folder sits; the
    /// (designed) `search` action does, so look the folder up by name. `None`
    /// when search is unavailable or does not list it.
    async fn parent_by_search(&self, id: u64, name: &str) -> Option<FolderId> {
        let mut page = 1;
        loop {
            let res = self
                .send(&Search {
                    query: name.to_owned(),
                    page,
                    per_page: SEARCH_PAGE,
                })
                .await
                .ok()?;
            if let Some(f) = res.folders.iter().find(|f| f.id == id) {
                return f.parent_id.map(|p| FolderId::new(p.to_string()));
            }
            if ((res.files.len() + res.folders.len()) as u32) < SEARCH_PAGE || page >= 50 {
                return None;
            }
            page += 1;
        }
    }

    async fn item_of(&self, id: &ItemId) -> Result<Item> {
        match id {
            ItemId::File(f) => self.get_file(f).await.map(Item::File),
            ItemId::Folder(f) => self.get_folder(f).await.map(Item::Folder),
            ItemId::WebLink(_) => Err(Error::unsupported("web links", BACKEND)),
        }
    }

    fn target(id: &ItemId) -> Result<(Target, u64)> {
        match id {
            ItemId::File(f) => Ok((Target::File, wire_id(f.as_str(), "file")?)),
            ItemId::Folder(f) => Ok((Target::Folder, wire_id(f.as_str(), "folder")?)),
            ItemId::WebLink(_) => Err(Error::unsupported("web links", BACKEND)),
        }
    }

    /// The id of a copy the server made without reporting it: the file named
    /// as asked (or as the original, for servers that ignore `new_name`) in
    /// the destination, else the newest file there of the original's size.
    async fn find_copy(
        &self,
        parent: &FolderId,
        original: u64,
        name: &str,
        original_name: &str,
    ) -> Result<u64> {
        let mut by_name = None;
        let mut newest_same_size: Option<u64> = None;
        let size = self
            .send(&GetFileInfo { file_id: original })
            .await
            .map(|i| i.size)
            .ok();
        let mut listing = self.list_folder(parent);
        while let Some(item) = listing.next().await {
            let Item::File(f) = item? else { continue };
            let Ok(id) = f.id.as_str().parse::<u64>() else {
                continue;
            };
            if id == original {
                continue;
            }
            // The asked-for name wins over the original's (servers ignoring
            // `new_name`).
            if f.name == name || (f.name == original_name && by_name.is_none()) {
                by_name = Some(id);
            } else if Some(f.size) == size && newest_same_size.is_none_or(|n| id > n) {
                newest_same_size = Some(id);
            }
        }
        by_name.or(newest_same_size).ok_or_else(|| {
            Error::decode(
                "v1 copy",
                "response/new_file_id",
                format!(
                    "the server reported a copy of file {original} without its id, and folder {parent} holds no file named {name:?}"
                ),
            )
        })
    }

    async fn ensure_free(
        &self,
        parent: &FolderId,
        name: &str,
        except: Option<&ItemId>,
    ) -> Result<()> {
        if let Some(existing) = self.find_child(parent, name).await? {
            if Some(&existing.id()) != except
                && existing.name().to_lowercase() == name.to_lowercase()
            {
                return Err(Error::conflict(
                    format!("{name:?} is already used in folder {parent}"),
                    Some(existing.id()),
                ));
            }
        }
        Ok(())
    }
}

#[async_trait]
impl Storage for Client {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::none()
            .with(Operation::UploadVersion)
            .with(Operation::CopyFile)
            .with(Operation::Trash)
            .with(Operation::SetDescription)
            .with(Operation::AddTags)
            .with(Operation::CreateSharedLink)
            .with(Operation::RemoveSharedLink)
            .with(Operation::Search)
            .with_walk_in_one_call(true)
    }

    async fn current_user(&self) -> Result<User> {
        Ok(self.send(&GetAccountInfo).await?.to_core())
    }

    async fn get_file(&self, id: &FileId) -> Result<File> {
        let info = self
            .send(&GetFileInfo {
                file_id: wire_id(id.as_str(), "file")?,
            })
            .await?;
        let mut f = File::new(info.file_id.to_string(), info.file_name);
        f.parent = Some(FolderId::new(info.folder_id.to_string()));
        f.size = info.size;
        f.sha1 = Sha1Hex::parse(&info.sha1).ok();
        f.description = info.description;
        f.created_at = ts(info.created);
        f.modified_at = ts(info.updated.or(info.created));
        if info.shared && !info.shared_name.is_empty() {
            f.shared_link = Some(SharedLink::new(
                format!("{}/shared/{}", self.web(), info.shared_name),
                SharedLinkAccess::Open,
            ));
        }
        // get_file_info carries no tags: read them from the parent's listing.
        let parent = FolderId::new(info.folder_id.to_string());
        let mut siblings = self.list_folder(&parent);
        while let Some(item) = siblings.next().await {
            if let Item::File(listed) = item? {
                if listed.id == f.id {
                    f.tags = listed.tags;
                    if f.sha1.is_none() {
                        f.sha1 = listed.sha1;
                    }
                    break;
                }
            }
        }
        Ok(f)
    }

    async fn get_folder(&self, id: &FolderId) -> Result<Folder> {
        let wire = wire_id(id.as_str(), "folder")?;
        let params = TreeParams {
            onelevel: true,
            nofiles: true,
            ..TreeParams::default()
        };
        // The folder's entry, completed by tags listed after its subfolders.
        let mut found: Option<(TreeFolder, Option<u64>)> = None;
        let mut names = std::sync::Arc::new(TagNames::new());
        {
            let mut s = self.tree_stream(wire, params);
            while let Some(e) = s.next().await {
                let (entry, n) = e?;
                names = n;
                match (entry, found.as_mut()) {
                    (TreeEntry::Folder { folder, parent, .. }, None) => {
                        found = Some((folder, parent));
                    }
                    (TreeEntry::FolderTags { id, tags }, Some((f, _))) if id == f.id => {
                        f.tags.extend(tags);
                    }
                    (TreeEntry::EndFolder { id }, Some((f, _))) if id == f.id => break,
                    _ => {}
                }
            }
        }
        let mut folder = found
            .map(|(f, parent)| folder_item(f, parent, &names, &self.web()))
            .ok_or_else(|| Error::decode("account tree", "root", "no folder in the answer"))?;
        if wire != 0 && folder.parent.is_none() {
            folder.parent = self.parent_by_search(wire, &folder.name).await;
        }
        Ok(folder)
    }

    fn list_folder(&self, id: &FolderId) -> BoxStream<'_, Result<Item>> {
        let wire = match wire_id(id.as_str(), "folder") {
            Ok(w) => w,
            Err(e) => return stream::iter([Err(e)]).boxed(),
        };
        let web = self.web();
        let params = TreeParams {
            onelevel: true,
            ..TreeParams::default()
        };
        self.tree_stream(wire, params)
            .filter_map(move |e| {
                let out = match e {
                    Err(e) => Some(Err(e)),
                    Ok((
                        TreeEntry::Folder {
                            folder,
                            parent,
                            depth: 1,
                        },
                        names,
                    )) => Some(Ok(Item::Folder(folder_item(folder, parent, &names, &web)))),
                    Ok((
                        TreeEntry::File {
                            file,
                            folder_id,
                            depth: 1,
                        },
                        names,
                    )) => Some(Ok(Item::File(file_item(file, folder_id, &names)))),
                    Ok(_) => None,
                };
                futures::future::ready(out)
            })
            .boxed()
    }

    fn walk(&self, root: &FolderId) -> BoxStream<'_, Result<WalkEntry>> {
        let wire = match wire_id(root.as_str(), "folder") {
            Ok(w) => w,
            Err(e) => return stream::iter([Err(e)]).boxed(),
        };
        let web = self.web();
        let mut path: Vec<String> = Vec::new();
        self.tree_stream(wire, TreeParams::default())
            .filter_map(move |e| {
                let join = |path: &[String], name: &str| {
                    let mut p = path.iter().skip(1).cloned().collect::<Vec<_>>();
                    p.push(name.to_owned());
                    p.join("/")
                };
                let out = match e {
                    Err(e) => Some(Err(e)),
                    Ok((
                        TreeEntry::Folder {
                            folder,
                            parent,
                            depth,
                        },
                        names,
                    )) => {
                        let name = folder.name.clone();
                        let entry = (depth > 0).then(|| {
                            let item = Item::Folder(folder_item(folder, parent, &names, &web));
                            Ok(WalkEntry::new(join(&path, &name), depth, item))
                        });
                        path.push(name);
                        entry
                    }
                    Ok((
                        TreeEntry::File {
                            file,
                            folder_id,
                            depth,
                        },
                        names,
                    )) => {
                        let p = join(&path, &file.file_name);
                        Some(Ok(WalkEntry::new(
                            p,
                            depth,
                            Item::File(file_item(file, folder_id, &names)),
                        )))
                    }
                    Ok((TreeEntry::EndFolder { .. }, _)) => {
                        path.pop();
                        None
                    }
                    // Late folder tags: the folder's item is already out
                    // (walk streams; AccountTree::build applies them).
                    Ok(_) => None,
                };
                futures::future::ready(out)
            })
            .boxed()
    }

    async fn create_folder(&self, parent: &FolderId, name: &str) -> Result<Folder> {
        validate_name(name)?;
        let parent_id = wire_id(parent.as_str(), "folder")?;
        self.ensure_free(parent, name, None).await?;
        let created = self
            .send(&CreateFolder {
                parent_id,
                name: name.to_owned(),
                share: false,
            })
            .await?;
        let mut f = Folder::new(created.folder_id.to_string(), created.folder_name);
        f.parent = Some(parent.clone());
        Ok(f)
    }

    async fn upload(&self, parent: &FolderId, name: &str, body: Body) -> Result<File> {
        validate_name(name)?;
        let folder_id = wire_id(parent.as_str(), "folder")?;
        self.ensure_free(parent, name, None).await?;
        let outcome = self
            .upload_files(Upload::new(folder_id, vec![UploadFile::new(name, body)]))
            .await?;
        match outcome.files.into_iter().next() {
            Some(first) => {
                let id = first.into_result()?;
                self.get_file(&FileId::new(id.to_string())).await
            }
            // Real servers answer `upload_ok` without `<files>`: the file is
            // there, under the name it was sent with.
            None => match self.find_child(parent, name).await? {
                Some(Item::File(f)) => Ok(f),
                _ => Err(Error::decode(
                    "upload response",
                    "response/files",
                    format!(
                        "{} reported no file, and folder {parent} holds no file named {name:?}",
                        outcome.status
                    ),
                )),
            },
        }
    }

    async fn upload_version(&self, id: &FileId, body: Body) -> Result<File> {
        let current = self.get_file(id).await?;
        let wire = wire_id(id.as_str(), "file")?;
        let outcome = self
            .overwrite(wire, UploadFile::new(current.name, body))
            .await?;
        if let Some(first) = outcome.files.into_iter().next() {
            first.into_result()?;
        }
        self.get_file(id).await
    }

    async fn download(&self, id: &FileId, range: Option<ByteRange>) -> Result<Body> {
        if range.is_some() {
            return Err(Operation::RangeDownload.unsupported(BACKEND));
        }
        self.download_file(wire_id(id.as_str(), "file")?, None)
            .await
    }

    async fn rename(&self, item: &ItemId, new_name: &str) -> Result<Item> {
        validate_name(new_name)?;
        let (target, target_id) = Self::target(item)?;
        let current = self.item_of(item).await?;
        if let Some(parent) = current.parent() {
            self.ensure_free(parent, new_name, Some(item)).await?;
        }
        self.send(&Rename {
            target,
            target_id,
            new_name: new_name.to_owned(),
        })
        .await?;
        self.item_of(item).await
    }

    async fn move_item(&self, item: &ItemId, new_parent: &FolderId) -> Result<Item> {
        let (target, target_id) = Self::target(item)?;
        let destination_id = wire_id(new_parent.as_str(), "folder")?;
        let current = self.item_of(item).await?;
        if target == Target::Folder {
            let params = TreeParams {
                nofiles: true,
                ..TreeParams::default()
            };
            let mut sub = self.tree_stream(target_id, params);
            while let Some(e) = sub.next().await {
                if let (TreeEntry::Folder { folder, .. }, _) = e? {
                    if folder.id == destination_id {
                        return Err(Error::invalid_input(format!(
                            "cannot move folder {target_id} into its own subtree ({destination_id})"
                        )));
                    }
                }
            }
        }
        self.ensure_free(new_parent, current.name(), Some(item))
            .await?;
        self.send(&Move {
            target,
            target_id,
            destination_id,
        })
        .await?;
        self.item_of(item).await
    }

    async fn copy(&self, item: &ItemId, parent: &FolderId, new_name: Option<&str>) -> Result<Item> {
        let (target, target_id) = Self::target(item)?;
        if target == Target::Folder {
            return Err(Operation::CopyFolder.unsupported(BACKEND));
        }
        let destination_id = wire_id(parent.as_str(), "folder")?;
        let current = self.item_of(item).await?;
        let name = new_name.unwrap_or(current.name()).to_owned();
        validate_name(&name)?;
        self.ensure_free(parent, &name, None).await?;
        let reported = self
            .send(&Copy {
                target,
                target_id,
                destination_id,
                new_name: (name != current.name()).then(|| name.clone()),
            })
            .await?;
        let new_id = match reported {
            Some(id) => id,
            None => {
                self.find_copy(parent, target_id, &name, current.name())
                    .await?
            }
        };
        let new_item = ItemId::File(FileId::new(new_id.to_string()));
        let copied = self.item_of(&new_item).await?;
        if copied.name() != name {
            self.send(&Rename {
                target,
                target_id: new_id,
                new_name: name,
            })
            .await?;
        }
        self.item_of(&new_item).await
    }

    async fn delete(&self, item: &ItemId, mode: DeleteMode) -> Result<()> {
        if mode == DeleteMode::Permanent {
            return Err(Operation::PermanentDelete.unsupported(BACKEND));
        }
        let (target, target_id) = Self::target(item)?;
        match self.send(&Delete { target, target_id }).await {
            // v1 answers e_delete_node for a missing item too: say which.
            Err(e) if e.code() == Some("e_delete_node") => match self.item_of(item).await {
                Err(missing) if missing.is_not_found() => Err(missing),
                _ => Err(e),
            },
            other => other,
        }
    }

    async fn set_description(&self, item: &ItemId, description: &str) -> Result<Item> {
        let (target, target_id) = Self::target(item)?;
        self.send(&SetDescription {
            target,
            target_id,
            description: description.to_owned(),
        })
        .await?;
        let mut out = self.item_of(item).await?;
        if let Item::Folder(f) = &mut out {
            // Not every server puts folder descriptions in the account tree.
            f.description = description.to_owned();
        }
        Ok(out)
    }

    async fn add_tags(&self, item: &ItemId, tags: &[String]) -> Result<Item> {
        let (target, target_id) = Self::target(item)?;
        if !tags.is_empty() {
            self.send(&AddToTag {
                tags: tags.to_vec(),
                target,
                target_id,
            })
            .await?;
        }
        self.item_of(item).await
    }

    async fn remove_tags(&self, _item: &ItemId, _tags: &[String]) -> Result<Item> {
        Err(Operation::RemoveTags.unsupported(BACKEND))
    }

    async fn create_shared_link(
        &self,
        item: &ItemId,
        options: SharedLinkOptions,
    ) -> Result<SharedLink> {
        let plain = options.password.is_none()
            && options.unshared_at.is_none()
            && options.can_download.is_none()
            && options
                .access
                .as_ref()
                .is_none_or(|a| *a == SharedLinkAccess::Open);
        if !plain {
            return Err(Operation::SharedLinkOptions.unsupported(BACKEND));
        }
        let (target, target_id) = Self::target(item)?;
        let public_name = self
            .send(&PublicShare {
                target,
                target_id,
                password: None,
                message: String::new(),
                emails: Vec::new(),
            })
            .await?;
        Ok(SharedLink::new(
            format!("{}/shared/{public_name}", self.web()),
            SharedLinkAccess::Open,
        ))
    }

    async fn remove_shared_link(&self, item: &ItemId) -> Result<()> {
        let (target, target_id) = Self::target(item)?;
        self.send(&PublicUnshare { target, target_id }).await
    }

    fn search(&self, query: &str) -> BoxStream<'_, Result<Item>> {
        let query = query.to_owned();
        // Items already yielded, by kind and id: a page that brings nothing
        // new (a server ignoring `page`) ends the stream instead of
        // repeating forever.
        let seen: HashSet<(ItemKind, u64)> = HashSet::new();
        stream::unfold((Some(1u32), seen), move |(page, mut seen)| {
            let query = query.clone();
            async move {
                let page = page?;
                let r = self
                    .send(&Search {
                        query,
                        page,
                        per_page: SEARCH_PAGE,
                    })
                    .await;
                match r {
                    Err(e) => Some((vec![Err(e)], (None, seen))),
                    Ok(res) => {
                        let n = res.files.len() + res.folders.len();
                        let mut items: Vec<Result<Item>> = Vec::with_capacity(n);
                        for f in res.folders {
                            if !seen.insert((ItemKind::Folder, f.id)) {
                                continue;
                            }
                            let mut folder = Folder::new(f.id.to_string(), f.name);
                            folder.parent = f.parent_id.map(|p| FolderId::new(p.to_string()));
                            items.push(Ok(Item::Folder(folder)));
                        }
                        for f in res.files {
                            if !seen.insert((ItemKind::File, f.id)) {
                                continue;
                            }
                            let mut file = File::new(f.id.to_string(), f.file_name);
                            file.parent = Some(FolderId::new(f.folder_id.to_string()));
                            file.size = f.size;
                            file.created_at = ts(f.created);
                            file.modified_at = ts(f.updated.or(f.created));
                            items.push(Ok(Item::File(file)));
                        }
                        let full = n as u32 >= SEARCH_PAGE;
                        let next = (full && !items.is_empty()).then_some(page.saturating_add(1));
                        Some((items, (next, seen)))
                    }
                }
            }
        })
        .flat_map(stream::iter)
        .boxed()
    }
}
