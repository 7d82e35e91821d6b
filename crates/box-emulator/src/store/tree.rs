//! Every algorithm that walks the folder tree, in one place: ancestors,
//! containment, trash visibility, access through collaborations,
//! descendants, folder sizes, the pre-order walk the v1 tree writer uses,
//! and copying a subtree.
//!
//! None of them recurses: a tree of any depth (a chain of 100,000 nested
//! folders is tested) is walked with an explicit stack on the heap, never
//! the thread's call stack. Each walk is bounded by the number of items the
//! store holds — a walk upwards that takes more steps than there are items
//! has met a cycle, and a walk downwards visits each item at most once — so
//! a cycle (refused by every operation, but possible in a database written
//! by an older version) ends a walk instead of looping or overflowing.

use std::collections::HashSet;

use super::{CollabStatus, Item, Kind, Role, State, StoreResult, Tx, Version};

/// One step of [`State::walk`]: a folder is entered, its files are
/// visited, then its subfolders (each a walk of its own), then it is left.
#[derive(Debug)]
pub enum Step<'a> {
    /// A folder starts; `depth` is 0 for the walk's start.
    Enter(&'a Item, usize),
    /// A file in the folder entered last.
    File(&'a Item),
    /// The files of the folder entered last are done; its subfolders follow.
    Folders(&'a Item),
    /// The folder ends.
    Leave(&'a Item),
}

/// Iterator over an item's ancestors, nearest first (see [`State::up`]).
#[derive(Debug)]
pub struct Up<'a> {
    st: &'a State,
    next: Option<u64>,
    steps_left: usize,
    /// Set when the walk was cut: a missing parent or a cycle.
    broken: bool,
}

impl<'a> Iterator for Up<'a> {
    type Item = &'a Item;

    fn next(&mut self) -> Option<&'a Item> {
        let id = self.next?;
        if self.steps_left == 0 {
            self.broken = true;
            self.next = None;
            return None;
        }
        self.steps_left -= 1;
        match self.st.items.get(&id) {
            Some(item) => {
                self.next = item.parent;
                Some(item)
            }
            None => {
                self.broken = true;
                self.next = None;
                None
            }
        }
    }
}

/// A collaboration role name's access level.
pub fn role_of(name: &str) -> Role {
    match name {
        "viewer" | "previewer" | "uploader" | "viewer uploader" | "previewer uploader" => {
            Role::Viewer
        }
        _ => Role::Editor,
    }
}

impl State {
    /// The ancestors of an item, nearest first, excluding the item. The walk
    /// stops after as many steps as there are items (a cycle) or at a
    /// missing parent.
    pub fn up(&self, id: u64) -> Up<'_> {
        Up {
            st: self,
            next: self.items.get(&id).and_then(|i| i.parent),
            steps_left: self.items.len(),
            broken: false,
        }
    }

    /// Ancestors of an item, root first (excluding the item).
    pub fn ancestors(&self, id: u64) -> Vec<&Item> {
        let mut out: Vec<&Item> = self.up(id).collect();
        out.reverse();
        out
    }

    /// Whether the item's parent chain ends at a root folder (no cycle, no
    /// missing parent).
    pub fn is_rooted(&self, id: u64) -> bool {
        let Some(item) = self.items.get(&id) else {
            return false;
        };
        if item.parent.is_none() {
            return true;
        }
        let mut up = self.up(id);
        let top = up.by_ref().last();
        !up.broken && top.is_some_and(|t| t.parent.is_none())
    }

    /// Whether the item or one of its ancestors is in the trash. An item
    /// whose chain does not reach a root (a cycle) counts as trashed: it is
    /// hidden from every listing and every access.
    pub fn in_trash(&self, id: u64) -> bool {
        let Some(item) = self.items.get(&id) else {
            return false;
        };
        if item.trashed_at.is_some() {
            return true;
        }
        let mut up = self.up(id);
        let mut top = item;
        for a in up.by_ref() {
            if a.trashed_at.is_some() {
                return true;
            }
            top = a;
        }
        up.broken || top.parent.is_some()
    }

    /// Whether `id` is `ancestor` or below it (at any depth).
    pub fn is_within(&self, id: u64, ancestor: u64) -> bool {
        id == ancestor || self.up(id).any(|a| a.id == ancestor)
    }

    /// The caller's access to an item: owner of the item, or the best role
    /// of the caller's collaborations on the item or an ancestor.
    pub fn role(&self, user: u64, id: u64) -> Option<Role> {
        let item = self.items.get(&id)?;
        if item.owner == user {
            return Some(Role::Owner);
        }
        // Collaborations given to the user, or to a group they are in.
        let groups = self.groups_of(user);
        let mine: Vec<(u64, Role)> = self
            .collabs
            .values()
            .filter(|c| {
                c.status == CollabStatus::Accepted
                    && (c.user == user || c.group.is_some_and(|g| groups.contains(&g)))
            })
            .map(|c| (c.item, role_of(&c.role)))
            .collect();
        if mine.is_empty() {
            return None;
        }
        std::iter::once(item)
            .chain(self.up(id))
            .flat_map(|a| mine.iter().filter(move |(i, _)| *i == a.id))
            .map(|(_, r)| *r)
            .max()
    }

    /// Every descendant of an item (excluding it), trashed or not, each once.
    pub fn descendants(&self, id: u64) -> Vec<u64> {
        let mut out = Vec::new();
        let mut seen = HashSet::from([id]);
        let mut stack = vec![id];
        while let Some(cur) = stack.pop() {
            for i in self.all_children(cur) {
                if seen.insert(i.id) {
                    out.push(i.id);
                    stack.push(i.id);
                }
            }
        }
        out
    }

    /// Total size of the live files below a folder (or a file's size).
    pub fn size_of(&self, id: u64) -> u64 {
        match self.items.get(&id) {
            Some(i) if i.kind == Kind::File => i.file_size(),
            Some(_) => {
                let mut total = 0u64;
                let mut seen = HashSet::from([id]);
                let mut stack = vec![id];
                while let Some(cur) = stack.pop() {
                    for c in self.all_children(cur).filter(|c| c.trashed_at.is_none()) {
                        if !seen.insert(c.id) {
                            continue;
                        }
                        match c.kind {
                            Kind::File => total = total.saturating_add(c.file_size()),
                            Kind::Folder => stack.push(c.id),
                            Kind::WebLink => {}
                        }
                    }
                }
                total
            }
            None => 0,
        }
    }

    /// A pre-order walk of the live tree below a folder: `visit` sees the
    /// folder entered, its files, its subfolders (each entered and left),
    /// then the folder left. Children come in `order` (see
    /// [`super::sort_items`]); `max_depth` stops descending below that
    /// depth (subfolders at it are entered and left at once).
    pub fn walk<'a>(
        &'a self,
        start: &'a Item,
        order: &str,
        max_depth: usize,
        mut visit: impl FnMut(Step<'a>),
    ) {
        enum Todo<'a> {
            Enter(&'a Item, usize),
            Leave(&'a Item),
        }
        let mut seen = HashSet::from([start.id]);
        let mut stack = vec![Todo::Enter(start, 0)];
        while let Some(todo) = stack.pop() {
            let (folder, depth) = match todo {
                Todo::Leave(f) => {
                    visit(Step::Leave(f));
                    continue;
                }
                Todo::Enter(f, d) => (f, d),
            };
            visit(Step::Enter(folder, depth));
            stack.push(Todo::Leave(folder));
            if depth > 0 && depth >= max_depth {
                visit(Step::Folders(folder));
                continue;
            }
            let mut kids = self.children(folder.id);
            super::sort_items(&mut kids, order, false);
            // Web links are not part of the walked tree (v1 has none).
            let (files, folders): (Vec<&Item>, Vec<&Item>) = kids
                .into_iter()
                .filter(|k| k.kind != Kind::WebLink)
                .partition(|k| k.kind == Kind::File);
            for f in files {
                visit(Step::File(f));
            }
            visit(Step::Folders(folder));
            // Reversed onto the stack so they come off in order.
            for sub in folders.into_iter().rev() {
                if seen.insert(sub.id) {
                    stack.push(Todo::Enter(sub, depth + 1));
                }
            }
        }
    }
}

impl Tx<'_> {
    /// Copies `src` (with its live subtree) into `parent` as `name`, by
    /// `user`; returns the copy's id. Each copied file gets its current
    /// version only, under a new version id.
    pub(super) fn copy_tree(
        &mut self,
        src: u64,
        parent: u64,
        name: &str,
        user: u64,
    ) -> StoreResult<u64> {
        let mut top = None;
        let mut seen = HashSet::from([src]);
        let mut stack = vec![(src, parent, Some(name.to_string()))];
        while let Some((from, into, rename)) = stack.pop() {
            let item = self
                .st
                .items
                .get(&from)
                .ok_or(super::StoreError::NotFound)?
                .clone();
            let name = rename.unwrap_or_else(|| item.name.clone());
            let id = self.new_item(item.kind, into, &name, user)?;
            top.get_or_insert(id);
            if let Some(v) = item.current() {
                let version = Version {
                    id: self.id(),
                    ..v.clone()
                };
                self.push_version(id, version)?;
            }
            let it = self.item_mut(id)?;
            it.description = item.description;
            it.tags = item.tags;
            it.url = item.url;
            if item.kind == Kind::Folder {
                let kids: Vec<u64> = self.st.children(from).iter().map(|k| k.id).collect();
                for kid in kids.into_iter().rev() {
                    if seen.insert(kid) {
                        stack.push((kid, id, None));
                    }
                }
            }
        }
        top.ok_or(super::StoreError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{BlobInfo, ItemUpdate, Store, StoreError};

    const DEPTH: usize = 100_000;

    /// Runs `f` on a thread with a small stack: a walk that recursed per
    /// level would overflow it within a few thousand levels.
    fn on_small_stack(f: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(f)
            .unwrap()
            .join()
            .unwrap();
    }

    /// A chain of `depth` folders below the user's root, with a 5-byte file
    /// at the bottom; returns (user, top folder, bottom folder, file).
    fn chain(store: &Store, depth: usize) -> (u64, u64, u64, u64) {
        let user = store.create_user("Deep", "deep@example.com").unwrap();
        store
            .write(|tx| {
                // Linked directly: building through `create_folder` resolves
                // the parent each time, O(depth²) for the whole chain.
                let mut parent = user.root_id;
                let mut top = 0;
                for level in 0..depth {
                    parent = tx.new_item(Kind::Folder, parent, &format!("d{level}"), user.id)?;
                    if level == 0 {
                        top = parent;
                    }
                }
                let file = tx.create_file(
                    user.id,
                    &parent.to_string(),
                    "leaf.txt",
                    &BlobInfo {
                        sha1: "0".repeat(40),
                        size: 5,
                    },
                )?;
                Ok((user.id, top, parent, file))
            })
            .unwrap()
    }

    #[test]
    fn a_chain_of_100_000_folders_is_walked_without_recursion() {
        on_small_stack(|| {
            let store = Store::open(None).unwrap();
            let (user, top, bottom, file) = chain(&store, DEPTH);
            store.read(|st| {
                assert_eq!(st.ancestors(file).len(), DEPTH + 1);
                assert!(st.is_rooted(file));
                assert!(!st.in_trash(file));
                assert!(st.is_within(file, top));
                assert_eq!(st.role(user, file), Some(Role::Owner));
                assert_eq!(st.size_of(top), 5);
                assert_eq!(st.descendants(top).len(), DEPTH);
                let (mut entered, mut left, mut files) = (0, 0, 0);
                let root = st.item(st.root_of(user).unwrap()).unwrap();
                st.walk(root, "name", usize::MAX, |step| match step {
                    Step::Enter(..) => entered += 1,
                    Step::Leave(_) => left += 1,
                    Step::File(_) => files += 1,
                    Step::Folders(_) => {}
                });
                assert_eq!((entered, left, files), (DEPTH + 1, DEPTH + 1, 1));
            });
            // Moving the top into its own bottom is refused at any depth.
            let moved = store.write(|tx| {
                tx.update(
                    user,
                    &top.to_string(),
                    Kind::Folder,
                    ItemUpdate {
                        parent: Some(bottom.to_string()),
                        ..ItemUpdate::default()
                    },
                    None,
                )
            });
            assert!(
                matches!(moved, Err(StoreError::BadRequest(..))),
                "{moved:?}"
            );
            // A copy of the whole chain next to it.
            let copy = store
                .write(|tx| tx.copy(user, &top.to_string(), Kind::Folder, "0", Some("copy")))
                .unwrap();
            store.read(|st| {
                assert_eq!(st.descendants(copy).len(), DEPTH);
                assert_eq!(st.size_of(copy), 5);
            });
            // Trash hides everything below, however deep.
            store
                .write(|tx| tx.trash(user, &top.to_string(), Kind::Folder, true, None))
                .unwrap();
            store.read(|st| {
                assert!(st.in_trash(file));
                assert!(matches!(
                    st.resolve(user, &bottom.to_string(), Kind::Folder),
                    Err(StoreError::NotFound)
                ));
            });
            let upload = store.write(|tx| {
                tx.create_file(
                    user,
                    &bottom.to_string(),
                    "late.txt",
                    &BlobInfo {
                        sha1: "1".repeat(40),
                        size: 1,
                    },
                )
            });
            assert!(matches!(upload, Err(StoreError::NotFound)), "{upload:?}");
            // Purging ends and removes the whole chain.
            store
                .write(|tx| tx.purge(user, &top.to_string(), Kind::Folder))
                .unwrap();
            store.read(|st| {
                assert!(st.item(bottom).is_none());
                assert!(st.item(file).is_none());
                assert_eq!(st.descendants(copy).len(), DEPTH);
            });
        });
    }

    /// A cycle written by an older version (two folders each the other's
    /// parent) ends every walk; the items count as trashed.
    #[test]
    fn a_cycle_ends_every_walk() {
        on_small_stack(|| {
            let store = Store::open(None).unwrap();
            let (user, top, bottom, file) = chain(&store, 50);
            store
                .write(|tx| {
                    let root = tx.st.root_of(user).unwrap();
                    tx.st.unlink(Some(root), top);
                    tx.st.link(Some(bottom), top);
                    tx.item_mut(top)?.parent = Some(bottom);
                    Ok(())
                })
                .unwrap();
            store.read(|st| {
                assert!(!st.is_rooted(file));
                assert!(st.in_trash(file));
                assert!(st.in_trash(top));
                assert!(st.is_within(bottom, top));
                assert_eq!(st.descendants(top).len(), 50);
                assert_eq!(st.size_of(top), 5);
                assert!(st.ancestors(file).len() <= st.items.len());
                assert!(st.role(user + 1000, file).is_none());
            });
        });
    }
}

#[cfg(test)]
mod access_tests {
    use crate::store::{ItemUpdate, Kind, Role, Store, StoreError};

    /// Two users; `owner` has a folder `shared` where `other` collaborates
    /// with `role`. Returns (owner, other, shared, collaboration).
    fn shared_folder(store: &Store, role: &str) -> (u64, u64, u64, u64) {
        let owner = store.create_user("Owner", "owner@example.com").unwrap().id;
        let other = store.create_user("Other", "other@example.com").unwrap().id;
        store
            .write(|tx| {
                let shared = tx.create_folder(owner, "0", "shared")?;
                let c = tx.collaborate(owner, Kind::Folder, &shared.to_string(), other, role)?;
                Ok((owner, other, shared, c))
            })
            .unwrap()
    }

    fn move_to(parent: u64) -> ItemUpdate {
        ItemUpdate {
            parent: Some(parent.to_string()),
            ..ItemUpdate::default()
        }
    }

    /// On Box an item in a folder belongs to that folder's owner: a folder an
    /// editor moves into the owner's folder is the owner's, and the former
    /// collaborator loses it with the collaboration.
    #[test]
    fn ownership_follows_an_item_moved_into_another_users_folder() {
        let store = Store::open(None).unwrap();
        let (owner, other, shared, collab) = shared_folder(&store, "editor");
        let (mine, inner) = store
            .write(|tx| {
                let mine = tx.create_folder(other, "0", "mine")?;
                let inner = tx.create_folder(other, &mine.to_string(), "inner")?;
                tx.update(
                    other,
                    &mine.to_string(),
                    Kind::Folder,
                    move_to(shared),
                    None,
                )?;
                Ok((mine, inner))
            })
            .unwrap();
        store.read(|st| {
            assert_eq!(st.item(mine).unwrap().owner, owner);
            assert_eq!(st.item(inner).unwrap().owner, owner);
            assert_eq!(st.role(owner, inner), Some(Role::Owner));
            assert_eq!(st.role(other, inner), Some(Role::Editor));
        });
        store
            .write(|tx| tx.uncollaborate(owner, &collab.to_string()))
            .unwrap();
        store.read(|st| {
            assert!(matches!(
                st.resolve(other, &mine.to_string(), Kind::Folder),
                Err(StoreError::NotFound)
            ));
            assert!(st.resolve(owner, &inner.to_string(), Kind::Folder).is_ok());
        });
        let upload = store.write(|tx| tx.create_folder(other, &inner.to_string(), "sneaky"));
        assert!(matches!(upload, Err(StoreError::NotFound)), "{upload:?}");
    }

    /// Restoring into a folder needs write access to it.
    #[test]
    fn restore_needs_write_access_on_the_new_parent() {
        let store = Store::open(None).unwrap();
        let (_, other, shared, _) = shared_folder(&store, "viewer");
        let mine = store
            .write(|tx| {
                let mine = tx.create_folder(other, "0", "mine")?;
                tx.trash(other, &mine.to_string(), Kind::Folder, true, None)?;
                Ok(mine)
            })
            .unwrap();
        let restored = store.write(|tx| {
            tx.restore(
                other,
                &mine.to_string(),
                Kind::Folder,
                None,
                Some(&shared.to_string()),
            )
        });
        assert!(
            matches!(restored, Err(StoreError::Forbidden(_))),
            "{restored:?}"
        );
        store
            .write(|tx| tx.restore(other, &mine.to_string(), Kind::Folder, None, None))
            .unwrap();
    }
}
