//! [`MemoryStorage`]: a complete in-memory [`Storage`] that defines the
//! reference semantics every backend is checked against.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use futures::stream::{self, BoxStream, StreamExt};

use crate::body::{Body, ByteRange};
use crate::ids::{FileId, FileVersionId, FolderId, ItemId, ItemKind};
use crate::model::{
    File, Folder, FolderRef, Item, Sha1Hex, SharedLink, SharedLinkAccess, SharedLinkOptions,
    SharedLinkPermissions, User,
};
use crate::storage::{validate_name, Capabilities, DeleteMode, Storage};
use crate::time::Timestamp;
use crate::{Error, Result};

const BACKEND: &str = "memory";

#[derive(Debug, Clone)]
struct Node {
    kind: ItemKind,
    name: String,
    parent: Option<u64>,
    trashed: bool,
    content: Bytes,
    sha1: Option<Sha1Hex>,
    version: u64,
    etag: u64,
    description: String,
    tags: Vec<String>,
    shared_link: Option<SharedLink>,
    created_at: Timestamp,
    modified_at: Timestamp,
}

impl Node {
    /// A new item, created now: no content, description, tags or link.
    fn new(kind: ItemKind, name: &str, parent: Option<u64>) -> Self {
        let now = Timestamp::now();
        Self {
            kind,
            name: name.to_owned(),
            parent,
            trashed: false,
            content: Bytes::new(),
            sha1: None,
            version: 0,
            etag: 0,
            description: String::new(),
            tags: Vec::new(),
            shared_link: None,
            created_at: now,
            modified_at: now,
        }
    }
}

#[derive(Debug)]
struct State {
    next_id: u64,
    nodes: HashMap<u64, Node>,
    user: User,
}

/// An in-memory Box account for one user.
///
/// Every [`Storage`] operation is supported. It is the reference the
/// conformance suite is written against, and handy in tests of code that takes
/// an `Arc<dyn Storage>`. Contents live in memory: it is not meant for large
/// files.
#[derive(Debug)]
pub struct MemoryStorage {
    state: Mutex<State>,
}

impl Default for MemoryStorage {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStorage {
    /// An empty account owned by a default user.
    pub fn new() -> Self {
        Self::with_user(User::new("1", "Memory User", "memory@example.com"))
    }

    /// An empty account owned by `user`.
    pub fn with_user(user: User) -> Self {
        let mut nodes = HashMap::new();
        nodes.insert(0, Node::new(ItemKind::Folder, "All Files", None));
        Self {
            state: Mutex::new(State {
                next_id: 1,
                nodes,
                user,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-applied change:
        // every mutation below is computed first and applied in one step.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn parse_id(raw: &str, kind: ItemKind) -> Result<u64> {
    raw.parse::<u64>()
        .map_err(|_| Error::not_found(format!("{kind} {raw}")))
}

impl State {
    fn node(&self, id: u64, kind: ItemKind) -> Result<&Node> {
        match self.nodes.get(&id) {
            Some(n) if n.kind == kind && !n.trashed => Ok(n),
            _ => Err(Error::not_found(format!("{kind} {id}"))),
        }
    }

    fn node_mut(&mut self, id: u64, kind: ItemKind) -> Result<&mut Node> {
        self.node(id, kind)?;
        Ok(self.nodes.get_mut(&id).expect("checked above"))
    }

    fn resolve(&self, item: &ItemId) -> Result<u64> {
        let id = parse_id(item.as_str(), item.kind())?;
        self.node(id, item.kind())?;
        Ok(id)
    }

    fn folder(&self, id: &FolderId) -> Result<u64> {
        let n = parse_id(id.as_str(), ItemKind::Folder)?;
        self.node(n, ItemKind::Folder)?;
        Ok(n)
    }

    fn children(&self, parent: u64) -> Vec<u64> {
        let mut ids: Vec<u64> = self
            .nodes
            .iter()
            .filter(|(_, n)| n.parent == Some(parent) && !n.trashed)
            .map(|(id, _)| *id)
            .collect();
        ids.sort_by(|a, b| {
            let (na, nb) = (&self.nodes[a], &self.nodes[b]);
            (na.kind != ItemKind::Folder, na.name.to_lowercase(), *a).cmp(&(
                nb.kind != ItemKind::Folder,
                nb.name.to_lowercase(),
                *b,
            ))
        });
        ids
    }

    fn name_taken(&self, parent: u64, name: &str, except: Option<u64>) -> Option<u64> {
        let lower = name.to_lowercase();
        self.children(parent)
            .into_iter()
            .find(|id| Some(*id) != except && self.nodes[id].name.to_lowercase() == lower)
    }

    fn conflict(&self, parent: u64, name: &str, except: Option<u64>) -> Result<()> {
        match self.name_taken(parent, name, except) {
            Some(id) => Err(Error::conflict(
                format!("an item named {name:?} already exists in folder {parent}"),
                Some(item_id(id, self.nodes[&id].kind)),
            )),
            None => Ok(()),
        }
    }

    fn is_in_subtree(&self, candidate: u64, root: u64) -> bool {
        let mut cur = Some(candidate);
        while let Some(c) = cur {
            if c == root {
                return true;
            }
            cur = self.nodes.get(&c).and_then(|n| n.parent);
        }
        false
    }

    fn subtree(&self, root: u64) -> Vec<u64> {
        let mut out = vec![root];
        let mut i = 0;
        while i < out.len() {
            let id = out[i];
            out.extend(
                self.nodes
                    .iter()
                    .filter(|(_, n)| n.parent == Some(id))
                    .map(|(c, _)| *c),
            );
            i += 1;
        }
        out
    }

    fn alloc(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn path(&self, id: u64) -> Vec<FolderRef> {
        let mut path = Vec::new();
        let mut cur = self.nodes[&id].parent;
        while let Some(p) = cur {
            path.push(FolderRef {
                id: FolderId::new(p.to_string()),
                name: self.nodes[&p].name.clone(),
            });
            cur = self.nodes[&p].parent;
        }
        path.reverse();
        path
    }

    fn to_item(&self, id: u64) -> Item {
        let n = &self.nodes[&id];
        match n.kind {
            ItemKind::File => Item::File(self.to_file(id)),
            _ => Item::Folder(self.to_folder(id)),
        }
    }

    fn to_file(&self, id: u64) -> File {
        let n = &self.nodes[&id];
        let mut f = File::new(id.to_string(), n.name.clone());
        f.parent = n.parent.map(|p| FolderId::new(p.to_string()));
        f.size = n.content.len() as u64;
        f.sha1 = n.sha1.clone();
        f.etag = Some(n.etag.to_string());
        f.version_id = Some(FileVersionId::new(format!("{id}-{}", n.version)));
        f.description = n.description.clone();
        f.tags = n.tags.clone();
        f.created_at = Some(n.created_at);
        f.modified_at = Some(n.modified_at);
        f.owner = Some(self.user.to_ref());
        f.shared_link = n.shared_link.clone();
        f.path = self.path(id);
        f
    }

    fn to_folder(&self, id: u64) -> Folder {
        let n = &self.nodes[&id];
        let mut f = Folder::new(id.to_string(), n.name.clone());
        f.parent = n.parent.map(|p| FolderId::new(p.to_string()));
        f.size = Some(
            self.subtree(id)
                .iter()
                .filter(|c| !self.nodes[c].trashed)
                .map(|c| self.nodes[c].content.len() as u64)
                .sum(),
        );
        f.etag = Some(n.etag.to_string());
        f.description = n.description.clone();
        f.tags = n.tags.clone();
        f.created_at = Some(n.created_at);
        f.modified_at = Some(n.modified_at);
        f.owner = Some(self.user.to_ref());
        f.shared_link = n.shared_link.clone();
        f.path = self.path(id);
        f
    }

    fn touch(&mut self, id: u64) {
        let n = self.nodes.get_mut(&id).expect("caller checked the id");
        n.etag += 1;
        n.modified_at = Timestamp::now();
    }

    fn copy_subtree(&mut self, src: u64, dest_parent: u64, name: String) -> u64 {
        let id = self.alloc();
        let now = Timestamp::now();
        let mut node = self.nodes[&src].clone();
        node.name = name;
        node.parent = Some(dest_parent);
        node.etag = 0;
        node.version = 0;
        node.shared_link = None;
        node.created_at = now;
        node.modified_at = now;
        self.nodes.insert(id, node);
        for child in self.children(src) {
            let child_name = self.nodes[&child].name.clone();
            self.copy_subtree(child, id, child_name);
        }
        id
    }
}

fn item_id(id: u64, kind: ItemKind) -> ItemId {
    match kind {
        ItemKind::File => ItemId::File(FileId::new(id.to_string())),
        _ => ItemId::Folder(FolderId::new(id.to_string())),
    }
}

async fn read_body(body: Body) -> Result<(Bytes, Sha1Hex)> {
    use sha1::Digest;
    let mut hasher = sha1::Sha1::new();
    let mut buf = BytesMut::new();
    let mut stream = body.checked().into_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        hasher.update(&chunk);
        buf.extend_from_slice(&chunk);
    }
    Ok((buf.freeze(), Sha1Hex::from_digest(hasher.finalize().into())))
}

fn only_files_and_folders(item: &ItemId, op: &str) -> Result<()> {
    match item {
        ItemId::WebLink(_) => Err(Error::unsupported(format!("{op} on a web link"), BACKEND)),
        _ => Ok(()),
    }
}

#[async_trait]
impl Storage for MemoryStorage {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::all()
    }

    async fn current_user(&self) -> Result<User> {
        let st = self.lock();
        let mut user = st.user.clone();
        user.space_used = Some(
            st.nodes
                .values()
                .filter(|n| !n.trashed)
                .map(|n| n.content.len() as u64)
                .sum(),
        );
        Ok(user)
    }

    async fn get_file(&self, id: &FileId) -> Result<File> {
        let st = self.lock();
        let n = parse_id(id.as_str(), ItemKind::File)?;
        st.node(n, ItemKind::File)?;
        Ok(st.to_file(n))
    }

    async fn get_folder(&self, id: &FolderId) -> Result<Folder> {
        let st = self.lock();
        let n = st.folder(id)?;
        Ok(st.to_folder(n))
    }

    fn list_folder(&self, id: &FolderId) -> BoxStream<'_, Result<Item>> {
        let st = self.lock();
        let items: Vec<Result<Item>> = match st.folder(id) {
            Ok(n) => st
                .children(n)
                .into_iter()
                .map(|c| Ok(st.to_item(c)))
                .collect(),
            Err(e) => vec![Err(e)],
        };
        stream::iter(items).boxed()
    }

    async fn create_folder(&self, parent: &FolderId, name: &str) -> Result<Folder> {
        validate_name(name)?;
        let mut st = self.lock();
        let p = st.folder(parent)?;
        st.conflict(p, name, None)?;
        let id = st.alloc();
        st.nodes
            .insert(id, Node::new(ItemKind::Folder, name, Some(p)));
        Ok(st.to_folder(id))
    }

    async fn upload(&self, parent: &FolderId, name: &str, body: Body) -> Result<File> {
        validate_name(name)?;
        {
            // Fail fast, before reading the body.
            let st = self.lock();
            let p = st.folder(parent)?;
            st.conflict(p, name, None)?;
        }
        let (content, sha1) = read_body(body).await?;
        let mut st = self.lock();
        // Check again: the folder may have changed while the body streamed.
        let p = st.folder(parent)?;
        st.conflict(p, name, None)?;
        let id = st.alloc();
        st.nodes.insert(
            id,
            Node {
                content,
                sha1: Some(sha1),
                version: 1,
                ..Node::new(ItemKind::File, name, Some(p))
            },
        );
        Ok(st.to_file(id))
    }

    async fn upload_version(&self, id: &FileId, body: Body) -> Result<File> {
        let n = parse_id(id.as_str(), ItemKind::File)?;
        self.lock().node(n, ItemKind::File)?;
        let (content, sha1) = read_body(body).await?;
        let mut st = self.lock();
        let node = st.node_mut(n, ItemKind::File)?;
        node.content = content;
        node.sha1 = Some(sha1);
        node.version += 1;
        st.touch(n);
        Ok(st.to_file(n))
    }

    async fn download(&self, id: &FileId, range: Option<ByteRange>) -> Result<Body> {
        let st = self.lock();
        let n = parse_id(id.as_str(), ItemKind::File)?;
        let content = st.node(n, ItemKind::File)?.content.clone();
        let content = match range {
            Some(r) => {
                let span = r.resolve(content.len() as u64)?;
                content.slice(span.start as usize..span.end as usize)
            }
            None => content,
        };
        Ok(Body::from_bytes(content))
    }

    async fn rename(&self, item: &ItemId, new_name: &str) -> Result<Item> {
        only_files_and_folders(item, "rename")?;
        validate_name(new_name)?;
        let mut st = self.lock();
        let id = st.resolve(item)?;
        let parent = st.nodes[&id]
            .parent
            .ok_or_else(|| Error::invalid_input("the root folder cannot be renamed"))?;
        st.conflict(parent, new_name, Some(id))?;
        st.nodes.get_mut(&id).expect("resolved").name = new_name.to_owned();
        st.touch(id);
        Ok(st.to_item(id))
    }

    async fn move_item(&self, item: &ItemId, new_parent: &FolderId) -> Result<Item> {
        only_files_and_folders(item, "move")?;
        let mut st = self.lock();
        let id = st.resolve(item)?;
        let dest = st.folder(new_parent)?;
        if st.nodes[&id].parent.is_none() {
            return Err(Error::invalid_input("the root folder cannot be moved"));
        }
        if st.is_in_subtree(dest, id) {
            return Err(Error::invalid_input(format!(
                "folder {id} cannot be moved into its own subtree"
            )));
        }
        let name = st.nodes[&id].name.clone();
        st.conflict(dest, &name, Some(id))?;
        st.nodes.get_mut(&id).expect("resolved").parent = Some(dest);
        st.touch(id);
        Ok(st.to_item(id))
    }

    async fn copy(&self, item: &ItemId, parent: &FolderId, new_name: Option<&str>) -> Result<Item> {
        only_files_and_folders(item, "copy")?;
        if let Some(n) = new_name {
            validate_name(n)?;
        }
        let mut st = self.lock();
        let id = st.resolve(item)?;
        let dest = st.folder(parent)?;
        if st.nodes[&id].parent.is_none() {
            return Err(Error::invalid_input("the root folder cannot be copied"));
        }
        if st.is_in_subtree(dest, id) {
            return Err(Error::invalid_input(format!(
                "folder {id} cannot be copied into its own subtree"
            )));
        }
        let name = new_name
            .map(str::to_owned)
            .unwrap_or_else(|| st.nodes[&id].name.clone());
        st.conflict(dest, &name, None)?;
        let copy = st.copy_subtree(id, dest, name);
        Ok(st.to_item(copy))
    }

    async fn delete(&self, item: &ItemId, mode: DeleteMode) -> Result<()> {
        only_files_and_folders(item, "delete")?;
        let mut st = self.lock();
        let id = st.resolve(item)?;
        if id == 0 {
            return Err(Error::invalid_input("the root folder cannot be deleted"));
        }
        let subtree = st.subtree(id);
        match mode {
            DeleteMode::Trash => {
                for n in subtree {
                    st.nodes.get_mut(&n).expect("in subtree").trashed = true;
                }
            }
            DeleteMode::Permanent => {
                for n in subtree {
                    st.nodes.remove(&n);
                }
            }
        }
        Ok(())
    }

    async fn set_description(&self, item: &ItemId, description: &str) -> Result<Item> {
        only_files_and_folders(item, "set_description")?;
        let mut st = self.lock();
        let id = st.resolve(item)?;
        st.nodes.get_mut(&id).expect("resolved").description = description.to_owned();
        st.touch(id);
        Ok(st.to_item(id))
    }

    async fn add_tags(&self, item: &ItemId, tags: &[String]) -> Result<Item> {
        only_files_and_folders(item, "add_tags")?;
        if let Some(bad) = tags.iter().find(|t| t.trim().is_empty()) {
            return Err(Error::invalid_input(format!("invalid tag {bad:?}")));
        }
        let mut st = self.lock();
        let id = st.resolve(item)?;
        let node = st.nodes.get_mut(&id).expect("resolved");
        for t in tags {
            if !node.tags.contains(t) {
                node.tags.push(t.clone());
            }
        }
        st.touch(id);
        Ok(st.to_item(id))
    }

    async fn remove_tags(&self, item: &ItemId, tags: &[String]) -> Result<Item> {
        only_files_and_folders(item, "remove_tags")?;
        let mut st = self.lock();
        let id = st.resolve(item)?;
        st.nodes
            .get_mut(&id)
            .expect("resolved")
            .tags
            .retain(|t| !tags.contains(t));
        st.touch(id);
        Ok(st.to_item(id))
    }

    async fn create_shared_link(
        &self,
        item: &ItemId,
        options: SharedLinkOptions,
    ) -> Result<SharedLink> {
        only_files_and_folders(item, "create_shared_link")?;
        let mut st = self.lock();
        let id = st.resolve(item)?;
        let etag = st.nodes[&id].etag;
        let mut link = SharedLink::new(
            format!("https://memory.invalid/s/{id}x{etag}"),
            options.access.unwrap_or(SharedLinkAccess::Open),
        );
        if st.nodes[&id].kind == ItemKind::File {
            link.download_url = Some(format!("https://memory.invalid/d/{id}x{etag}"));
        }
        link.is_password_enabled = options.password.is_some();
        link.unshared_at = options.unshared_at;
        link.permissions = SharedLinkPermissions {
            can_download: options.can_download.unwrap_or(true),
            ..SharedLinkPermissions::default()
        };
        link.download_count = Some(0);
        link.preview_count = Some(0);
        st.nodes.get_mut(&id).expect("resolved").shared_link = Some(link.clone());
        st.touch(id);
        Ok(link)
    }

    async fn remove_shared_link(&self, item: &ItemId) -> Result<()> {
        only_files_and_folders(item, "remove_shared_link")?;
        let mut st = self.lock();
        let id = st.resolve(item)?;
        st.nodes.get_mut(&id).expect("resolved").shared_link = None;
        st.touch(id);
        Ok(())
    }

    fn search(&self, query: &str) -> BoxStream<'_, Result<Item>> {
        if query.trim().is_empty() {
            return stream::iter([Err(Error::invalid_input("the search query is empty"))]).boxed();
        }
        let q = query.to_lowercase();
        let st = self.lock();
        let mut ids: Vec<u64> = st
            .nodes
            .iter()
            .filter(|(id, n)| {
                **id != 0
                    && !n.trashed
                    && (n.name.to_lowercase().contains(&q)
                        || n.description.to_lowercase().contains(&q))
            })
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable();
        let items: Vec<Result<Item>> = ids.into_iter().map(|id| Ok(st.to_item(id))).collect();
        stream::iter(items).boxed()
    }
}
