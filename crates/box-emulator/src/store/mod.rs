//! The one store both protocols share.
//!
//! Metadata (users, folders, files, versions, trash, tags, descriptions,
//! shared links, collaborations, events, tokens, apps, and for v1 comments
//! ([`comments`]), friend lists and password hashes ([`people`]), pending
//! private-share invitations ([`sharing`])) lives in an in-memory
//! [`State`] behind a mutex held only while memory changes; with a data
//! directory every mutation is written through to SQLite ([`sqlite`])
//! before it is acknowledged, and undone in memory if that write fails
//! ([`Store::write`]). File
//! contents live in the content-addressed [`blobs`] store.
//!
//! Operations check access for the calling user: items of other users that
//! are not shared with the caller are reported as not found.

pub mod blobs;
pub mod collaborations;
pub mod collections;
pub mod comments;
pub mod enterprise;
pub mod expiry;
pub mod groups;
pub mod metadata;
pub mod metadata_query;
pub mod model;
mod ordered;
pub mod people;
pub mod sessions;
pub mod sharing;
pub mod sqlite;
pub mod tasks;
pub mod tree;
mod undo;
pub mod web_links;
pub mod webhooks;
pub mod zip;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};
use rand::distributions::Alphanumeric;
use rand::Rng;

pub use blobs::{BlobInfo, BlobStore, BlobWriter, StagedBlob};
pub use model::*;
pub use sessions::{Claim, Part, PrefixDigest, Session, Target};
use sqlite::{row, Db, Table, Write};

/// The row of one version of `file`.
fn version_row(file: u64, v: &Version) -> Write {
    let r = VersionRow {
        file,
        version: v.clone(),
    };
    row(Table::Version, format!("{file}/{}", v.id), Some(&r))
}

/// Why a store operation failed. The v2 layer maps these to Box error bodies.
#[derive(Debug, Clone)]
pub enum StoreError {
    /// No such item, or not visible to the caller.
    NotFound,
    /// An item with the same name already exists in the target folder.
    NameInUse(Box<Item>),
    /// The request is invalid; `code` is a Box error code.
    BadRequest(&'static str, String),
    /// The caller may see the item but not change it.
    Forbidden(String),
    /// `If-Match` did not match.
    Precondition,
    /// A `409` other than a name in use; `code` is a Box error code.
    Conflict(&'static str, String),
    /// A `404` with a Box error code other than `not_found`.
    NotFoundCode(&'static str, String),
    /// Persistence failed.
    Internal(String),
}

/// Result of store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// Access level of a user on an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Read only.
    Viewer,
    /// Read and write.
    Editor,
    /// Owner of the tree.
    Owner,
}

/// The working copy of every record. Its `Debug` gives counts only: token
/// records are keyed by the tokens themselves.
#[derive(Default)]
pub struct State {
    next_id: u64,
    /// Bumped by every write that changes something (see [`State::generation`]).
    generation: u64,
    /// Users by id.
    pub users: BTreeMap<u64, User>,
    /// Files and folders by id. Changes of `parent` must go through the
    /// transaction methods, which keep the children index in step.
    pub items: BTreeMap<u64, Item>,
    /// Child ids (trashed or not) by parent id, so listing a folder does
    /// not scan every item: without it, filling a folder with n files costs
    /// n² name checks.
    children_index: HashMap<u64, BTreeSet<u64>>,
    /// Live children of each folder in name order ([`Sorted`]): a page of a
    /// listing costs the page, and a name check one lookup.
    sorted: HashMap<u64, Sorted>,
    /// Where each item sits in `sorted`, to move it when it changes.
    sorted_at: HashMap<u64, SortedAt>,
    /// Collaborations by id.
    pub collabs: BTreeMap<u64, Collaboration>,
    /// Events by stream position.
    pub events: BTreeMap<u64, Event>,
    tokens: HashMap<String, Token>,
    /// Registered apps by client id.
    pub apps: BTreeMap<String, App>,
    used_jti: expiry::UsedJti,
    /// Tokens held when expired ones are next purged ([`expiry`]).
    token_purge_at: usize,
    /// Chunked upload sessions by id ([`sessions`]).
    sessions: BTreeMap<String, Session>,
    /// Comments by id.
    pub comments: BTreeMap<u64, Comment>,
    /// Friend-list entries by id.
    pub friends: BTreeMap<u64, Friend>,
    /// Pending private shares for e-mails without a user, by id.
    pub invitations: BTreeMap<u64, Invitation>,
    /// Tasks on files by id ([`tasks`]).
    pub tasks: BTreeMap<u64, tasks::Task>,
    /// Task assignments by id ([`tasks`]).
    pub task_assignments: BTreeMap<u64, tasks::TaskAssignment>,
    /// Items in users' Favorites collections, by id ([`collections`]).
    pub favorites: BTreeMap<u64, collections::Favorite>,
    /// Webhooks by id ([`webhooks`]).
    pub webhooks: BTreeMap<u64, webhooks::Webhook>,
    /// The app's webhook signature keys ([`webhooks`]).
    pub signature_keys: webhooks::SignatureKeys,
    /// Metadata templates by `"<scope>/<key>"` ([`metadata`]).
    pub metadata_templates: BTreeMap<String, metadata::Template>,
    /// Metadata instances by `"<item>/<scope>/<key>"` ([`metadata`]).
    pub metadata_instances: BTreeMap<String, metadata::Instance>,
    /// Groups by id ([`groups`]).
    pub groups: BTreeMap<u64, groups::Group>,
    /// Group memberships by id ([`groups`]).
    pub memberships: BTreeMap<u64, groups::Membership>,
    /// Zip downloads by id ([`zip`]).
    pub zip_downloads: BTreeMap<String, zip::ZipDownload>,
    passwords: HashMap<u64, PasswordHash>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("generation", &self.generation)
            .field("users", &self.users.len())
            .field("items", &self.items.len())
            .field("collabs", &self.collabs.len())
            .field("events", &self.events.len())
            .field("tokens", &self.tokens.len())
            .field("apps", &self.apps.len())
            .field("sessions", &self.sessions.len())
            .finish_non_exhaustive()
    }
}

/// The live children of one folder in listing order by name: folders,
/// then files, then web links (Box's type order, [`Kind::rank`]), each by
/// case-folded name (folded once, when the item is indexed). Names are
/// unique per folder case-insensitively, so the id only keeps keys distinct.
/// Each set finds a position without walking the keys before it
/// ([`ordered::OrderedSet`]), so a page deep into a big folder costs the page.
#[derive(Debug, Default)]
struct Sorted {
    /// One set per [`Kind::rank`].
    by_rank: [ordered::OrderedSet<(String, u64)>; 3],
}

impl Sorted {
    fn set(&mut self, rank: u8) -> &mut ordered::OrderedSet<(String, u64)> {
        &mut self.by_rank[usize::from(rank).min(2)]
    }

    fn len(&self) -> usize {
        self.by_rank.iter().map(ordered::OrderedSet::len).sum()
    }
}

/// The key an item is indexed under in [`State::sorted`].
#[derive(Debug, PartialEq, Eq)]
struct SortedAt {
    parent: u64,
    rank: u8,
    name: String,
}

/// The shared store.
///
/// Two locks: the state's, held only while memory is read or changed, and
/// the database's, held by a writer for its whole write so rows reach
/// SQLite in the order their changes were made. Readers never wait for a
/// commit. A write whose commit fails is undone in memory (see
/// [`Store::write`]).
pub struct Store {
    state: Mutex<State>,
    db: Mutex<Option<Db>>,
    blobs: BlobStore,
    changes: tokio::sync::Notify,
    _tmp: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("blobs", &self.blobs)
            .finish_non_exhaustive()
    }
}

/// A mutation in progress: the state plus the rows to write when it ends,
/// and how to put back what it changed if it fails (the `undo` module).
///
/// Every change of a record goes with a `touch` of its row, made *before*
/// the record changes: the touch keeps the record's value for the undo log.
pub struct Tx<'a> {
    /// The state being changed.
    pub st: &'a mut State,
    dirty: BTreeSet<(Table, String)>,
    changed: bool,
    /// Rows whose values before this write are kept in `undo`.
    saved: BTreeSet<(Table, String)>,
    undo: Vec<undo::Undo>,
}

/// Random alphanumeric string.
pub fn random_token(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

fn lower(s: &str) -> String {
    s.to_lowercase()
}

impl Store {
    /// Opens a store. With `data_dir`, metadata is kept in `data_dir/box.sqlite3`
    /// and blobs in `data_dir/blobs`; without, everything lives in memory and a
    /// temporary directory (removed on drop).
    pub fn open(data_dir: Option<&Path>) -> std::io::Result<Arc<Self>> {
        let (blob_root, db, tmp) = match data_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                let db = Db::open(&dir.join("box.sqlite3")).map_err(|e| {
                    match e.sqlite_error_code() {
                        Some(
                            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked,
                        ) => std::io::Error::new(
                            std::io::ErrorKind::WouldBlock,
                            format!(
                                "data directory {} is in use by another box-emulator process",
                                dir.display()
                            ),
                        ),
                        _ => std::io::Error::other(e),
                    }
                })?;
                (dir.join("blobs"), Some(db), None)
            }
            None => {
                let tmp = tempfile::Builder::new().prefix("box-emulator-").tempdir()?;
                (tmp.path().join("blobs"), None, Some(tmp))
            }
        };
        let blobs = if db.is_some() {
            BlobStore::open(blob_root)?
        } else {
            BlobStore::open_unsynced(blob_root)?
        };
        let mut st = State {
            next_id: 1,
            ..State::default()
        };
        let mut db = db;
        if let Some(db) = &mut db {
            load(&mut st, db).map_err(std::io::Error::other)?;
        }
        Ok(Arc::new(Self {
            state: Mutex::new(st),
            db: Mutex::new(db),
            blobs,
            changes: tokio::sync::Notify::new(),
            _tmp: tmp,
        }))
    }

    /// The blob store.
    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    /// Resolves when the next change is committed.
    pub fn changed(&self) -> tokio::sync::futures::Notified<'_> {
        self.changes.notified()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_db(&self) -> MutexGuard<'_, Option<Db>> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads the state.
    pub fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.lock())
    }

    /// Changes what is kept in memory only about upload session `id` (who
    /// is committing it, which parts are being received): nothing is
    /// written, so this never waits for a database commit. `None` if there
    /// is no such session.
    pub fn session_memory<R>(&self, id: &str, f: impl FnOnce(&mut Session) -> R) -> Option<R> {
        self.lock().sessions.get_mut(id).map(f)
    }

    /// Records a JWT id as used until its assertion's `exp` (Unix
    /// seconds; kept in memory only, forgotten after it, see [`expiry`]);
    /// false if it was used before by an assertion still valid.
    pub fn use_jti(&self, jti: &str, exp: i64) -> bool {
        let now = Utc::now().timestamp();
        self.lock().used_jti.insert(jti, exp, now)
    }

    /// Runs a mutation; the touched records are persisted before returning.
    ///
    /// All or nothing: a closure that returns an error after changing
    /// records leaves no trace, in memory or in the database, in both modes
    /// (the records it touched are put back from the write's undo log, see
    /// the `undo` module, before the state lock is let go).
    ///
    /// Memory is changed under the state lock, which is let go before the
    /// records are committed to SQLite (the database lock keeps writers in
    /// order meanwhile). If the commit fails, the state is reloaded from
    /// the database, which still holds everything before this write: the
    /// failed change leaves no trace in memory, no change is announced, and
    /// the generation moves to a value never used before, so nothing read
    /// while the commit was in flight is reused from a cache.
    ///
    /// Isolation, while a commit is in flight: readers see the change
    /// already (they do not wait for SQLite), so for the time of one commit
    /// a read is "read uncommitted". If that commit then fails, what was
    /// read disappears again (a listing showed a folder whose creation is
    /// answered 500). Writers never build on an uncommitted change: a
    /// writer takes the database lock before it reads the state, so it sees
    /// each earlier write committed or undone. Chosen deliberately: a
    /// failed commit (a full or read-only disk) is rare and reported, while
    /// readers waiting on every fsync would slow every request.
    pub fn write<R>(&self, f: impl FnOnce(&mut Tx<'_>) -> StoreResult<R>) -> StoreResult<R> {
        let mut db = self.lock_db();
        let (out, writes, changed) = {
            let mut st = self.lock();
            let mut tx = Tx {
                st: &mut st,
                dirty: BTreeSet::new(),
                changed: false,
                saved: BTreeSet::new(),
                undo: Vec::new(),
            };
            let out = f(&mut tx);
            if out.is_err() {
                // All or nothing: what the closure changed before it failed
                // is put back before the state lock is let go, so no reader
                // sees it and nothing is written or announced.
                tx.undo_all();
                return out;
            }
            // Every changed item is re-checked in the name index, so a change
            // made through `item_mut` anywhere keeps listings right.
            let touched: Vec<u64> = tx
                .dirty
                .iter()
                .filter(|(t, _)| *t == Table::Item)
                .filter_map(|(_, k)| k.parse().ok())
                .collect();
            for id in touched {
                tx.st.reindex(id);
            }
            let changed = tx.changed;
            // Rows are serialized only when there is a database to write them to.
            let writes = if db.is_some() { tx.rows() } else { Vec::new() };
            if changed {
                st.generation += 1;
            }
            (out, writes, changed)
        };
        if let Some(d) = db.as_mut() {
            if let Err(e) = d.apply(&writes) {
                tracing::error!(error = %e, "database write failed; undoing it in memory");
                self.roll_back(d);
                return Err(StoreError::Internal(format!("database write failed: {e}")));
            }
        }
        drop(db);
        if changed {
            self.changes.notify_waiters();
        }
        out
    }

    /// Puts the state back to what the database holds, after a failed
    /// commit (called with the database lock held, so no other write is in
    /// between). What is kept in memory only survives: used JWT ids and the
    /// running state of upload sessions.
    fn roll_back(&self, db: &mut Db) {
        let mut fresh = State::default();
        if let Err(e) = load(&mut fresh, db) {
            // Nothing better to do: memory stays ahead of the database.
            tracing::error!(error = %e, "reloading the state after a failed write");
            return;
        }
        let mut st = self.lock();
        fresh.used_jti = std::mem::take(&mut st.used_jti);
        for (id, s) in &mut fresh.sessions {
            if let Some(old) = st.sessions.get(id) {
                s.committing = old.committing;
                s.receiving = old.receiving.clone();
                s.prefix = old.prefix.clone();
            }
        }
        fresh.generation = st.generation + 1;
        *st = fresh;
    }

    /// Creates a user with a root folder.
    pub fn create_user(&self, name: &str, login: &str) -> StoreResult<User> {
        self.write(|tx| tx.create_user(name, login))
    }

    /// Makes the database refuse (or accept again) writes, so commits fail
    /// as on a read-only or full disk.
    #[cfg(test)]
    pub(crate) fn set_read_only_for_test(&self, on: bool) {
        if let Some(db) = self.lock_db().as_ref() {
            db.set_query_only(on);
        }
    }

    /// Figures about the database (`None` without a data directory), for
    /// growth measurements.
    pub fn db_stats(&self) -> Option<DbStats> {
        let guard = self.lock_db();
        let db = guard.as_ref()?;
        let (stored_bytes, rows) = db.stored(None).ok()?;
        Some(DbStats {
            bytes_written: db.bytes_written(),
            stored_bytes,
            rows,
        })
    }
}

/// Figures about the database, from [`Store::db_stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbStats {
    /// Bytes of record JSON written since the store was opened.
    pub bytes_written: u64,
    /// Bytes of record JSON stored now.
    pub stored_bytes: u64,
    /// Records stored now.
    pub rows: u64,
}

fn load(st: &mut State, db: &mut Db) -> rusqlite::Result<()> {
    let mut max_id = 0;
    for (_, u) in db.load::<User>(Table::User)? {
        max_id = max_id.max(u.id);
        st.users.insert(u.id, u);
    }
    // Rows written before versions had rows of their own carry them inline:
    // they are rewritten in the current layout once, here.
    let mut migrate = Vec::new();
    for (_, i) in db.load::<Item>(Table::Item)? {
        max_id = max_id.max(i.id);
        for v in &i.versions {
            max_id = max_id.max(v.id);
            migrate.push(version_row(i.id, v));
        }
        if !i.versions.is_empty() {
            migrate.push(row(Table::Item, i.id, Some(&ItemRow::from(&i))));
        }
        st.link(i.parent, i.id);
        let id = i.id;
        st.items.insert(id, i);
        st.reindex(id);
    }
    let mut versions = db.load::<VersionRow>(Table::Version)?;
    // Version ids grow with time: id order is upload order, oldest first.
    versions.sort_by_key(|(_, r)| r.version.id);
    for (key, r) in versions {
        max_id = max_id.max(r.version.id);
        match st.items.get_mut(&r.file) {
            Some(item) if !item.versions.iter().any(|v| v.id == r.version.id) => {
                item.versions.push(r.version)
            }
            Some(_) => {}
            // A version of a file that is gone: drop the stray row.
            None => migrate.push((Table::Version, key, None)),
        }
    }
    db.apply(&migrate)?;
    for (_, c) in db.load::<Collaboration>(Table::Collab)? {
        max_id = max_id.max(c.id);
        st.collabs.insert(c.id, c);
    }
    for (_, e) in db.load::<Event>(Table::Event)? {
        max_id = max_id.max(e.seq);
        st.events.insert(e.seq, e);
    }
    for (k, t) in db.load::<Token>(Table::Token)? {
        st.tokens.insert(k, t);
    }
    for (k, a) in db.load::<App>(Table::App)? {
        st.apps.insert(k, a);
    }
    for (k, s) in db.load::<Session>(Table::Session)? {
        st.sessions.insert(k, s);
    }
    for (_, c) in db.load::<Comment>(Table::Comment)? {
        max_id = max_id.max(c.id);
        st.comments.insert(c.id, c);
    }
    for (_, f) in db.load::<Friend>(Table::Friend)? {
        max_id = max_id.max(f.id);
        st.friends.insert(f.id, f);
    }
    for (_, i) in db.load::<Invitation>(Table::Invitation)? {
        max_id = max_id.max(i.id);
        st.invitations.insert(i.id, i);
    }
    for (_, t) in db.load::<tasks::Task>(Table::Task)? {
        max_id = max_id.max(t.id);
        st.tasks.insert(t.id, t);
    }
    for (_, a) in db.load::<tasks::TaskAssignment>(Table::TaskAssignment)? {
        max_id = max_id.max(a.id);
        st.task_assignments.insert(a.id, a);
    }
    for (_, w) in db.load::<webhooks::Webhook>(Table::Webhook)? {
        max_id = max_id.max(w.id);
        st.webhooks.insert(w.id, w);
    }
    for (_, k) in db.load::<webhooks::SignatureKeys>(Table::SignatureKeys)? {
        st.signature_keys = k;
    }
    for (_, f) in db.load::<collections::Favorite>(Table::Favorite)? {
        max_id = max_id.max(f.id);
        st.favorites.insert(f.id, f);
    }
    for (k, t) in db.load::<metadata::Template>(Table::MetadataTemplate)? {
        st.metadata_templates.insert(k, t);
    }
    for (k, i) in db.load::<metadata::Instance>(Table::MetadataInstance)? {
        st.metadata_instances.insert(k, i);
    }
    for (_, g) in db.load::<groups::Group>(Table::Group)? {
        max_id = max_id.max(g.id);
        st.groups.insert(g.id, g);
    }
    for (_, m) in db.load::<groups::Membership>(Table::GroupMembership)? {
        max_id = max_id.max(m.id);
        st.memberships.insert(m.id, m);
    }
    enterprise::after_load(st);
    for (k, mut z) in db.load::<zip::ZipDownload>(Table::ZipDownload)? {
        // A download that was streaming when the emulator stopped broke off.
        if z.started_at.is_some() && z.state == zip::ZipState::InProgress {
            z.state = zip::ZipState::Failed;
        }
        st.zip_downloads.insert(k, z);
    }
    for (k, p) in db.load::<PasswordHash>(Table::Password)? {
        if let Ok(user) = k.parse() {
            st.passwords.insert(user, p);
        }
    }
    for (_, n) in db.load::<u64>(Table::Meta)? {
        max_id = max_id.max(n);
    }
    st.next_id = max_id + 1;
    Ok(())
}

impl State {
    /// An item by id.
    pub fn item(&self, id: u64) -> Option<&Item> {
        self.items.get(&id)
    }

    /// A user's root folder id.
    pub fn root_of(&self, user: u64) -> Option<u64> {
        self.users.get(&user).map(|u| u.root_id)
    }

    /// Whether the item is a root folder.
    pub fn is_root(&self, id: u64) -> bool {
        self.items.get(&id).is_some_and(|i| i.parent.is_none())
    }

    /// Resolves a wire id (`"0"` = the caller's root) to a live item of `kind`
    /// the caller can access.
    pub fn resolve(&self, user: u64, wire_id: &str, kind: Kind) -> StoreResult<(u64, Role)> {
        let id = if wire_id == "0" && kind == Kind::Folder {
            self.root_of(user).ok_or(StoreError::NotFound)?
        } else {
            let id: u64 = wire_id.parse().map_err(|_| StoreError::NotFound)?;
            if self.is_root(id) {
                return Err(StoreError::NotFound);
            }
            id
        };
        let item = self.items.get(&id).ok_or(StoreError::NotFound)?;
        if item.kind != kind || self.in_trash(id) {
            return Err(StoreError::NotFound);
        }
        let role = self.role(user, id).ok_or(StoreError::NotFound)?;
        Ok((id, role))
    }

    /// Resolves a trashed item (the item itself must be the trashed one).
    pub fn resolve_trashed(&self, user: u64, wire_id: &str, kind: Kind) -> StoreResult<u64> {
        let id: u64 = wire_id.parse().map_err(|_| StoreError::NotFound)?;
        let item = self.items.get(&id).ok_or(StoreError::NotFound)?;
        if item.kind != kind || item.trashed_at.is_none() || item.owner != user {
            return Err(StoreError::NotFound);
        }
        Ok(id)
    }

    fn link(&mut self, parent: Option<u64>, child: u64) {
        if let Some(p) = parent {
            self.children_index.entry(p).or_default().insert(child);
        }
    }

    fn unlink(&mut self, parent: Option<u64>, child: u64) {
        if let Some(set) = parent.and_then(|p| self.children_index.get_mut(&p)) {
            set.remove(&child);
        }
    }

    /// Brings item `id`'s entry in the name-ordered index up to date with
    /// the item (indexed when live and in a folder). Cheap when nothing
    /// that the order depends on changed.
    fn reindex(&mut self, id: u64) {
        let want = self
            .items
            .get(&id)
            .and_then(|i| match (i.parent, &i.trashed_at) {
                (Some(parent), None) => Some((parent, i.kind.rank(), &i.name)),
                _ => None,
            });
        let have = self.sorted_at.get(&id);
        let same = match (have, want) {
            (Some(h), Some((p, r, n))) => h.parent == p && h.rank == r && &h.name == n,
            (None, None) => true,
            _ => false,
        };
        if same {
            return;
        }
        let want = want.map(|(parent, rank, name)| SortedAt {
            parent,
            rank,
            name: name.clone(),
        });
        if let Some(old) = self.sorted_at.remove(&id) {
            if let Some(sorted) = self.sorted.get_mut(&old.parent) {
                sorted.set(old.rank).remove(&(lower(&old.name), id));
                if sorted.len() == 0 {
                    self.sorted.remove(&old.parent);
                }
            }
        }
        if let Some(new) = want {
            self.sorted
                .entry(new.parent)
                .or_default()
                .set(new.rank)
                .insert((lower(&new.name), id));
            self.sorted_at.insert(id, new);
        }
    }

    /// Live children of a folder sorted by name (folders first, then
    /// files, then web links; `desc` reverses the names within each), as
    /// the number of them and their ids from `offset` on. Costs the part
    /// that is read, not the folder: a 1000-item page does not sort or scan
    /// the rest.
    pub fn children_by_name(
        &self,
        folder: u64,
        desc: bool,
        offset: usize,
    ) -> (usize, Box<dyn Iterator<Item = u64> + '_>) {
        let Some(sorted) = self.sorted.get(&folder) else {
            return (0, Box::new(std::iter::empty()));
        };
        let mut skip = offset;
        let mut it: Box<dyn Iterator<Item = u64> + '_> = Box::new(std::iter::empty());
        for set in &sorted.by_rank {
            // Whole sets before the offset are passed over; within a set
            // the offset is found by position, not by walking to it.
            if skip >= set.len() {
                skip -= set.len();
                continue;
            }
            let part: Box<dyn Iterator<Item = u64> + '_> = if desc {
                Box::new(set.iter_rev_from(skip).map(|(_, id)| *id))
            } else {
                Box::new(set.iter_from(skip).map(|(_, id)| *id))
            };
            skip = 0;
            it = Box::new(it.chain(part));
        }
        (sorted.len(), it)
    }

    /// All children of a folder, trashed or not, in id order.
    fn all_children(&self, folder: u64) -> impl Iterator<Item = &Item> + '_ {
        self.children_index
            .get(&folder)
            .into_iter()
            .flatten()
            .filter_map(|c| self.items.get(c))
    }

    /// A number that changes whenever any record changes: what was derived
    /// from the state at one generation is still true at the same one.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Live (non-trashed) children of a folder, in id order.
    pub fn children(&self, folder: u64) -> Vec<&Item> {
        self.all_children(folder)
            .filter(|i| i.trashed_at.is_none())
            .collect()
    }

    /// A live child whose name equals `name` case-insensitively.
    pub fn conflict(&self, folder: u64, name: &str, except: Option<u64>) -> Option<&Item> {
        let sorted = self.sorted.get(&folder)?;
        let from = (lower(name), 0);
        sorted
            .by_rank
            .iter()
            .flat_map(|set| set.iter_at_least(&from).take_while(|(n, _)| *n == from.0))
            .map(|(_, id)| *id)
            .find(|id| Some(*id) != except)
            .and_then(|id| self.items.get(&id))
    }

    /// Looks up a token of `kind` that has not expired.
    pub fn token(&self, token: &str, kind: TokenKind) -> Option<&Token> {
        self.tokens
            .get(token)
            .filter(|t| t.kind == kind && t.expires_at > Utc::now())
    }

    /// The item carrying a shared link token.
    pub fn by_shared_link(&self, token: &str) -> Option<&Item> {
        self.items.values().find(|i| {
            i.shared_link.as_ref().is_some_and(|l| l.token == token) && !self.in_trash(i.id)
        })
    }

    /// Users that should see events about an item: its owner and collaborators.
    pub fn watchers(&self, id: u64) -> Vec<u64> {
        let Some(item) = self.items.get(&id) else {
            return Vec::new();
        };
        let chain: HashSet<u64> = self.up(id).map(|a| a.id).chain([id]).collect();
        let mut users: Vec<u64> = self
            .collabs
            .values()
            .filter(|c| chain.contains(&c.item) && c.status == CollabStatus::Accepted)
            .flat_map(|c| match c.group {
                // A group's collaboration: its members watch the item.
                Some(g) => self
                    .memberships
                    .values()
                    .filter(|m| m.group == g)
                    .map(|m| m.user)
                    .collect(),
                None => vec![c.user],
            })
            .collect();
        users.push(item.owner);
        users.sort_unstable();
        users.dedup();
        users
    }

    /// Events after stream position `pos`, in order (none after `u64::MAX`).
    pub fn events_after(&self, pos: u64) -> impl Iterator<Item = &Event> + '_ {
        use std::ops::Bound::{Excluded, Unbounded};
        self.events
            .range((Excluded(pos), Unbounded))
            .map(|(_, e)| e)
    }

    /// Highest event stream position (0 when empty).
    pub fn last_event(&self) -> u64 {
        self.events.keys().next_back().copied().unwrap_or(0)
    }
}

/// What an event keeps of its item: a snapshot with the current version
/// only, and for a file its number of versions.
fn event_item(item: &Item) -> (Item, Option<u64>) {
    let count = (item.kind == Kind::File).then_some(item.versions.len() as u64);
    (item.snapshot(), count)
}

fn check_name(name: &str) -> StoreResult<()> {
    let bad = name.is_empty()
        || name.chars().count() > 255
        || name.contains('/')
        || name.contains('\\')
        || name == "."
        || name == ".."
        || name.ends_with(' ')
        || name.chars().any(|c| c.is_control());
    if bad {
        Err(StoreError::BadRequest(
            "item_name_invalid",
            "Item name invalid".into(),
        ))
    } else {
        Ok(())
    }
}

fn check_etag(item: &Item, if_match: Option<&str>) -> StoreResult<()> {
    match if_match {
        Some(tag) if tag.trim_matches('"') != item.etag.to_string() => {
            Err(StoreError::Precondition)
        }
        _ => Ok(()),
    }
}

fn need_write(role: Role) -> StoreResult<()> {
    if role >= Role::Editor {
        Ok(())
    } else {
        Err(StoreError::Forbidden(
            "Access denied - insufficient permission".into(),
        ))
    }
}

/// Fields a client may change on an item.
#[derive(Debug, Default, Clone)]
pub struct ItemUpdate {
    /// New name.
    pub name: Option<String>,
    /// New parent (wire id).
    pub parent: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New tags.
    pub tags: Option<Vec<String>>,
    /// `Some(None)` removes the shared link; `Some(Some(..))` sets it.
    pub shared_link: Option<Option<SharedLinkUpdate>>,
}

/// Shared-link settings from a request.
#[derive(Debug, Default, Clone)]
pub struct SharedLinkUpdate {
    /// `open`, `company` or `collaborators` (default `open`).
    pub access: Option<String>,
    /// Password, `Some(None)` clears it.
    pub password: Option<Option<String>>,
    /// Download permission.
    pub can_download: Option<bool>,
    /// Expiry.
    pub unshared_at: Option<DateTime<Utc>>,
}

impl Tx<'_> {
    fn id(&mut self) -> u64 {
        self.save(Table::Meta, "next_id");
        let id = self.st.next_id;
        self.st.next_id += 1;
        self.dirty.insert((Table::Meta, "next_id".into()));
        id
    }

    /// Marks record `key` of `table` as changed by this write. Must come
    /// before the change: the record's value is kept so a failing write can
    /// be undone ([`undo`]).
    fn touch(&mut self, table: Table, key: impl ToString) {
        let key = key.to_string();
        self.save(table, &key);
        self.changed = true;
        self.dirty.insert((table, key));
    }

    fn rows(&self) -> Vec<Write> {
        let st = &*self.st;
        self.dirty
            .iter()
            .map(|(table, key)| {
                let t = *table;
                // Numeric keys; a key that does not parse writes a removal.
                let id = key.parse::<u64>().ok();
                match table {
                    Table::User => row(t, key, id.and_then(|k| st.users.get(&k))),
                    Table::Item => row(
                        t,
                        key,
                        id.and_then(|k| st.items.get(&k))
                            .map(ItemRow::from)
                            .as_ref(),
                    ),
                    Table::Version => {
                        let found = key.split_once('/').and_then(|(file, version)| {
                            let (file, version): (u64, u64) =
                                (file.parse().ok()?, version.parse().ok()?);
                            let item: &Item = st.items.get(&file)?;
                            // New versions are at the end: search from there.
                            let v = item.versions.iter().rev().find(|v| v.id == version)?;
                            Some(version_row(file, v))
                        });
                        found.unwrap_or((t, key.clone(), None))
                    }
                    Table::Collab => row(t, key, id.and_then(|k| st.collabs.get(&k))),
                    Table::Event => row(t, key, id.and_then(|k| st.events.get(&k))),
                    Table::Comment => row(t, key, id.and_then(|k| st.comments.get(&k))),
                    Table::Friend => row(t, key, id.and_then(|k| st.friends.get(&k))),
                    Table::Invitation => row(t, key, id.and_then(|k| st.invitations.get(&k))),
                    Table::Password => row(t, key, id.and_then(|k| st.passwords.get(&k))),
                    Table::Task => row(t, key, id.and_then(|k| st.tasks.get(&k))),
                    Table::TaskAssignment => {
                        row(t, key, id.and_then(|k| st.task_assignments.get(&k)))
                    }
                    Table::Favorite => row(t, key, id.and_then(|k| st.favorites.get(&k))),
                    Table::Webhook => row(t, key, id.and_then(|k| st.webhooks.get(&k))),
                    Table::SignatureKeys => row(t, key, Some(&st.signature_keys)),
                    Table::Token => row(t, key, st.tokens.get(key)),
                    Table::App => row(t, key, st.apps.get(key)),
                    Table::Session => row(t, key, st.sessions.get(key)),
                    Table::MetadataTemplate => row(t, key, st.metadata_templates.get(key)),
                    Table::MetadataInstance => row(t, key, st.metadata_instances.get(key)),
                    Table::ZipDownload => row(t, key, st.zip_downloads.get(key)),
                    Table::Meta => row(t, key, Some(&st.next_id)),
                    Table::Group => row(t, key, id.and_then(|k| st.groups.get(&k))),
                    Table::GroupMembership => row(t, key, id.and_then(|k| st.memberships.get(&k))),
                }
            })
            .collect()
    }

    /// Appends a version to a file (it becomes current) and marks its row.
    fn push_version(&mut self, file: u64, version: Version) -> StoreResult<()> {
        let vid = version.id;
        self.item_mut(file)?.versions.push(version);
        self.touch(Table::Version, format!("{file}/{vid}"));
        Ok(())
    }

    fn item_mut(&mut self, id: u64) -> StoreResult<&mut Item> {
        self.touch(Table::Item, id);
        self.st.items.get_mut(&id).ok_or(StoreError::NotFound)
    }

    /// Records an event for everyone watching the item.
    pub fn event(&mut self, event_type: &str, id: u64, by: u64) {
        self.event_from(event_type, id, by, None);
    }

    /// Records an event about `source` (a comment, a task…) on item `id`
    /// for everyone watching the item; `None` makes the item the source.
    pub fn event_from(&mut self, event_type: &str, id: u64, by: u64, source: Option<EventSource>) {
        let Some((item, version_number)) = self.st.items.get(&id).map(event_item) else {
            return;
        };
        for user in self.st.watchers(id) {
            let seq = self.id();
            self.touch(Table::Event, seq);
            self.st.events.insert(
                seq,
                Event {
                    seq,
                    user,
                    event_type: event_type.into(),
                    item: item.clone(),
                    version_number,
                    created_by: by,
                    created_at: Utc::now(),
                    source: source.clone(),
                },
            );
        }
    }

    /// Creates a user with a root folder.
    pub fn create_user(&mut self, name: &str, login: &str) -> StoreResult<User> {
        if self
            .st
            .users
            .values()
            .any(|u| lower(&u.login) == lower(login))
        {
            return Err(StoreError::BadRequest(
                "user_login_already_used",
                "User with the specified login already exists".into(),
            ));
        }
        let id = self.id();
        let root_id = self.id();
        let now = Utc::now();
        let user = User {
            id,
            name: name.into(),
            login: login.into(),
            root_id,
            created_at: now,
            account: enterprise::Account::first_or_member(self.st.users.is_empty()),
        };
        self.touch(Table::User, id);
        self.st.users.insert(id, user.clone());
        self.touch(Table::Item, root_id);
        self.st.items.insert(
            root_id,
            Item {
                id: root_id,
                kind: Kind::Folder,
                owner: id,
                name: "All Files".into(),
                parent: None,
                description: String::new(),
                tags: Vec::new(),
                created_at: now,
                modified_at: now,
                etag: 0,
                trashed_at: None,
                versions: Vec::new(),
                shared_link: None,
                created_by: id,
                modified_by: id,
                url: None,
            },
        );
        self.accept_invitations(&user);
        self.bind_invited_collabs(&user);
        Ok(user)
    }

    /// Issues a token of `kind` for `user`.
    pub fn issue(
        &mut self,
        kind: TokenKind,
        user: u64,
        client_id: &str,
        ttl: Duration,
        redirect_uri: Option<String>,
    ) -> String {
        self.purge_expired_tokens();
        let token = random_token(32);
        self.touch(Table::Token, &token);
        self.st.tokens.insert(
            token.clone(),
            Token {
                kind,
                user,
                client_id: client_id.into(),
                expires_at: Utc::now() + ttl,
                redirect_uri,
            },
        );
        token
    }

    /// Keeps `token`, a value a program saved, as an access token of `user`:
    /// stored (valid for `ttl` from now) unless it is stored already for
    /// `user` and unexpired, in which case it is left as it is. False,
    /// changing nothing, if the value is some other user's or another kind.
    pub fn keep_access_token(&mut self, token: &str, user: u64, ttl: Duration) -> bool {
        match self.st.tokens.get(token) {
            Some(t) if t.user != user || t.kind != TokenKind::Access => return false,
            Some(t) if t.expires_at > Utc::now() => return true,
            _ => {}
        }
        self.purge_expired_tokens();
        self.touch(Table::Token, token);
        self.st.tokens.insert(
            token.to_owned(),
            Token {
                kind: TokenKind::Access,
                user,
                client_id: String::new(),
                expires_at: Utc::now() + ttl,
                redirect_uri: None,
            },
        );
        true
    }

    /// Removes a token of `kind` and returns it if it was valid (single use).
    pub fn take_token(&mut self, token: &str, kind: TokenKind) -> Option<Token> {
        let t = self.st.token(token, kind)?.clone();
        self.touch(Table::Token, token);
        self.st.tokens.remove(token);
        Some(t)
    }

    /// Removes a token of any kind.
    pub fn revoke(&mut self, token: &str) {
        if self.st.tokens.contains_key(token) {
            self.touch(Table::Token, token);
            self.st.tokens.remove(token);
        }
    }

    /// Registers (or replaces) an app.
    pub fn put_app(&mut self, app: App) {
        let key = app.client_id.clone();
        self.touch(Table::App, &key);
        self.st.apps.insert(key, app);
    }

    fn new_item(&mut self, kind: Kind, parent: u64, name: &str, by: u64) -> StoreResult<u64> {
        let owner = self
            .st
            .items
            .get(&parent)
            .ok_or(StoreError::NotFound)?
            .owner;
        let id = self.id();
        let now = Utc::now();
        self.touch(Table::Item, id);
        self.st.items.insert(
            id,
            Item {
                id,
                kind,
                owner,
                name: name.into(),
                parent: Some(parent),
                description: String::new(),
                tags: Vec::new(),
                created_at: now,
                modified_at: now,
                etag: 0,
                trashed_at: None,
                versions: Vec::new(),
                shared_link: None,
                created_by: by,
                modified_by: by,
                url: None,
            },
        );
        self.st.link(Some(parent), id);
        self.st.reindex(id);
        Ok(id)
    }

    /// Creates a folder.
    pub fn create_folder(&mut self, user: u64, parent: &str, name: &str) -> StoreResult<u64> {
        check_name(name)?;
        let (parent, role) = self.st.resolve(user, parent, Kind::Folder)?;
        need_write(role)?;
        if let Some(c) = self.st.conflict(parent, name, None) {
            return Err(StoreError::NameInUse(Box::new(c.clone())));
        }
        let id = self.new_item(Kind::Folder, parent, name, user)?;
        self.event("ITEM_CREATE", id, user);
        Ok(id)
    }

    /// Adds a file (new item) with a first version.
    pub fn create_file(
        &mut self,
        user: u64,
        parent: &str,
        name: &str,
        blob: &BlobInfo,
    ) -> StoreResult<u64> {
        check_name(name)?;
        let (parent, role) = self.st.resolve(user, parent, Kind::Folder)?;
        need_write(role)?;
        if let Some(c) = self.st.conflict(parent, name, None) {
            return Err(StoreError::NameInUse(Box::new(c.clone())));
        }
        let id = self.new_item(Kind::File, parent, name, user)?;
        let vid = self.id();
        let created_at = self.item_mut(id)?.created_at;
        self.push_version(
            id,
            Version {
                id: vid,
                sha1: blob.sha1.clone(),
                size: blob.size,
                created_at,
                modified_by: user,
            },
        )?;
        self.event("ITEM_UPLOAD", id, user);
        Ok(id)
    }

    /// Adds a new version to a file (optionally renaming it).
    pub fn add_version(
        &mut self,
        user: u64,
        file: &str,
        blob: &BlobInfo,
        new_name: Option<&str>,
        if_match: Option<&str>,
    ) -> StoreResult<u64> {
        let (id, role) = self.st.resolve(user, file, Kind::File)?;
        need_write(role)?;
        let item = self.st.items.get(&id).ok_or(StoreError::NotFound)?;
        check_etag(item, if_match)?;
        if let Some(name) = new_name {
            check_name(name)?;
            if let Some(c) = item
                .parent
                .and_then(|p| self.st.conflict(p, name, Some(id)))
            {
                return Err(StoreError::NameInUse(Box::new(c.clone())));
            }
        }
        let vid = self.id();
        let now = Utc::now();
        self.push_version(
            id,
            Version {
                id: vid,
                sha1: blob.sha1.clone(),
                size: blob.size,
                created_at: now,
                modified_by: user,
            },
        )?;
        let item = self.item_mut(id)?;
        if let Some(name) = new_name {
            item.name = name.into();
        }
        item.etag += 1;
        item.modified_at = now;
        item.modified_by = user;
        self.st.reindex(id);
        self.event("ITEM_UPLOAD", id, user);
        Ok(id)
    }

    /// Applies an update (rename, move, description, tags, shared link).
    pub fn update(
        &mut self,
        user: u64,
        wire_id: &str,
        kind: Kind,
        upd: ItemUpdate,
        if_match: Option<&str>,
    ) -> StoreResult<u64> {
        let (id, role) = self.st.resolve(user, wire_id, kind)?;
        let item = self.st.items.get(&id).ok_or(StoreError::NotFound)?.clone();
        check_etag(&item, if_match)?;
        let changes_content = upd.name.is_some()
            || upd.parent.is_some()
            || upd.description.is_some()
            || upd.tags.is_some()
            || upd.shared_link.is_some();
        if changes_content {
            need_write(role)?;
        }
        if item.parent.is_none() && (upd.name.is_some() || upd.parent.is_some()) {
            return Err(StoreError::Forbidden(
                "The root folder cannot be renamed or moved".into(),
            ));
        }
        let new_name = upd.name.clone().unwrap_or_else(|| item.name.clone());
        web_links::check_name_of(kind, &new_name)?;
        let mut new_parent = item.parent;
        if let Some(p) = &upd.parent {
            let (pid, prole) = self.st.resolve(user, p, Kind::Folder)?;
            need_write(prole)?;
            if kind == Kind::Folder && self.st.is_within(pid, id) {
                return Err(StoreError::BadRequest(
                    "bad_request",
                    "Cannot move a folder into itself or one of its subfolders".into(),
                ));
            }
            new_parent = Some(pid);
        }
        if let Some(parent) = new_parent {
            if new_parent != item.parent || lower(&new_name) != lower(&item.name) {
                if let Some(c) = self.st.conflict(parent, &new_name, Some(id)) {
                    return Err(StoreError::NameInUse(Box::new(c.clone())));
                }
            }
        }
        let moved = new_parent != item.parent;
        let renamed = new_name != item.name;
        let link_token = random_token(32);
        let it = self.item_mut(id)?;
        it.name = new_name;
        it.parent = new_parent;
        if moved {
            self.st.unlink(item.parent, id);
            self.st.link(new_parent, id);
            self.follow_owner(id);
        }
        self.st.reindex(id);
        let it = self.item_mut(id)?;
        if let Some(d) = upd.description {
            it.description = d;
        }
        if let Some(t) = upd.tags {
            it.tags = t;
        }
        match upd.shared_link {
            Some(None) => it.shared_link = None,
            Some(Some(l)) => {
                let mut link = it.shared_link.clone().unwrap_or(SharedLink {
                    token: link_token,
                    access: "open".into(),
                    password: None,
                    can_download: true,
                    unshared_at: None,
                });
                if let Some(a) = l.access {
                    link.access = a;
                }
                if let Some(p) = l.password {
                    link.password = p;
                }
                if let Some(d) = l.can_download {
                    link.can_download = d;
                }
                if l.unshared_at.is_some() {
                    link.unshared_at = l.unshared_at;
                }
                it.shared_link = Some(link);
            }
            None => {}
        }
        if changes_content {
            it.etag += 1;
            it.modified_at = Utc::now();
            it.modified_by = user;
        }
        if moved {
            self.event("ITEM_MOVE", id, user);
        } else if renamed {
            self.event("ITEM_RENAME", id, user);
        } else if changes_content {
            self.event("ITEM_MODIFY", id, user);
        }
        Ok(id)
    }

    /// An item belongs to the owner of the folder it is in (as on Box): after
    /// a move or restore into another user's folder, the item and everything
    /// below it change owner.
    fn follow_owner(&mut self, id: u64) {
        let Some(owner) = self
            .st
            .items
            .get(&id)
            .and_then(|i| i.parent)
            .and_then(|p| self.st.items.get(&p))
            .map(|p| p.owner)
        else {
            return;
        };
        if self.st.items.get(&id).is_some_and(|i| i.owner == owner) {
            return;
        }
        let mut ids = self.st.descendants(id);
        ids.push(id);
        for i in ids {
            if let Ok(it) = self.item_mut(i) {
                it.owner = owner;
            }
        }
    }

    /// Copies an item (recursively for folders) into a folder.
    pub fn copy(
        &mut self,
        user: u64,
        wire_id: &str,
        kind: Kind,
        parent: &str,
        name: Option<&str>,
    ) -> StoreResult<u64> {
        let (id, _) = self.st.resolve(user, wire_id, kind)?;
        let (pid, prole) = self.st.resolve(user, parent, Kind::Folder)?;
        need_write(prole)?;
        if kind == Kind::Folder && self.st.is_within(pid, id) {
            return Err(StoreError::BadRequest(
                "bad_request",
                "Cannot copy a folder into itself or one of its subfolders".into(),
            ));
        }
        let src = self.st.items.get(&id).ok_or(StoreError::NotFound)?.clone();
        let name = name.map(str::to_string).unwrap_or_else(|| src.name.clone());
        check_name(&name)?;
        if let Some(c) = self.st.conflict(pid, &name, None) {
            return Err(StoreError::NameInUse(Box::new(c.clone())));
        }
        let new_id = self.copy_tree(id, pid, &name, user)?;
        self.event("ITEM_COPY", new_id, user);
        Ok(new_id)
    }

    /// Moves an item to the trash.
    pub fn trash(
        &mut self,
        user: u64,
        wire_id: &str,
        kind: Kind,
        recursive: bool,
        if_match: Option<&str>,
    ) -> StoreResult<()> {
        let (id, role) = self.st.resolve(user, wire_id, kind)?;
        need_write(role)?;
        let item = self.st.items.get(&id).ok_or(StoreError::NotFound)?;
        if item.parent.is_none() {
            return Err(StoreError::Forbidden(
                "The root folder cannot be deleted".into(),
            ));
        }
        check_etag(item, if_match)?;
        if kind == Kind::Folder && !recursive && !self.st.children(id).is_empty() {
            return Err(StoreError::BadRequest(
                "folder_not_empty",
                "Cannot delete – folder not empty".into(),
            ));
        }
        let it = self.item_mut(id)?;
        it.trashed_at = Some(Utc::now());
        it.etag += 1;
        self.st.reindex(id);
        self.event("ITEM_TRASH", id, user);
        Ok(())
    }

    /// Restores a trashed item, optionally to another parent / name.
    pub fn restore(
        &mut self,
        user: u64,
        wire_id: &str,
        kind: Kind,
        name: Option<&str>,
        parent: Option<&str>,
    ) -> StoreResult<u64> {
        let id = self.st.resolve_trashed(user, wire_id, kind)?;
        let item = self.st.items.get(&id).ok_or(StoreError::NotFound)?.clone();
        let pid = match parent {
            Some(p) => {
                let (pid, prole) = self.st.resolve(user, p, Kind::Folder)?;
                need_write(prole)?;
                pid
            }
            None => {
                let p = item.parent.ok_or(StoreError::NotFound)?;
                if self.st.in_trash(p) || !self.st.items.contains_key(&p) {
                    return Err(StoreError::BadRequest(
                        "bad_request",
                        "The parent folder is no longer available; give a parent".into(),
                    ));
                }
                need_write(self.st.role(user, p).ok_or(StoreError::NotFound)?)?;
                p
            }
        };
        let name = name.map(str::to_string).unwrap_or(item.name.clone());
        web_links::check_name_of(kind, &name)?;
        if let Some(c) = self.st.conflict(pid, &name, Some(id)) {
            return Err(StoreError::NameInUse(Box::new(c.clone())));
        }
        let it = self.item_mut(id)?;
        it.trashed_at = None;
        it.parent = Some(pid);
        it.name = name;
        it.etag += 1;
        self.st.unlink(item.parent, id);
        self.st.link(Some(pid), id);
        self.st.reindex(id);
        self.follow_owner(id);
        self.event("ITEM_UNDELETE_VIA_TRASH", id, user);
        Ok(id)
    }

    /// Permanently deletes a trashed item and everything below it.
    pub fn purge(&mut self, user: u64, wire_id: &str, kind: Kind) -> StoreResult<()> {
        let id = self.st.resolve_trashed(user, wire_id, kind)?;
        let mut ids = self.st.descendants(id);
        ids.push(id);
        for i in ids {
            self.remove_item_records(i);
        }
        Ok(())
    }

    /// Removes one item and everything recorded about it (its versions'
    /// rows, collaborations, comments, tasks, favorites, webhooks,
    /// metadata): purging from the trash, deleting a user.
    fn remove_item_records(&mut self, i: u64) {
        self.touch(Table::Item, i);
        if let Some(gone) = self.st.items.remove(&i) {
            self.st.unlink(gone.parent, i);
            for v in &gone.versions {
                self.touch(Table::Version, format!("{i}/{}", v.id));
            }
        }
        self.st.reindex(i);
        self.st.children_index.remove(&i);
        self.st.sorted.remove(&i);
        let collabs: Vec<u64> = self
            .st
            .collabs
            .values()
            .filter(|c| c.item == i)
            .map(|c| c.id)
            .collect();
        for c in collabs {
            self.touch(Table::Collab, c);
            self.st.collabs.remove(&c);
        }
        self.drop_comments_on(i);
        self.drop_tasks_on(i);
        self.drop_favorites_of(i);
        self.drop_webhooks_on(i);
        self.drop_metadata_of(i);
    }

    /// Makes an old version current again (as a new version).
    pub fn promote_version(&mut self, user: u64, file: &str, version: &str) -> StoreResult<u64> {
        let (id, role) = self.st.resolve(user, file, Kind::File)?;
        need_write(role)?;
        let vid: u64 = version.parse().map_err(|_| StoreError::NotFound)?;
        let item = self.st.items.get(&id).ok_or(StoreError::NotFound)?;
        let old = item
            .versions
            .iter()
            .find(|v| v.id == vid)
            .ok_or(StoreError::NotFound)?
            .clone();
        let new_id = self.id();
        let now = Utc::now();
        self.push_version(
            id,
            Version {
                id: new_id,
                created_at: now,
                modified_by: user,
                ..old
            },
        )?;
        let it = self.item_mut(id)?;
        it.etag += 1;
        it.modified_at = now;
        Ok(new_id)
    }

    /// Removes a non-current version.
    pub fn delete_version(
        &mut self,
        user: u64,
        file: &str,
        version: &str,
        if_match: Option<&str>,
    ) -> StoreResult<()> {
        let (id, role) = self.st.resolve(user, file, Kind::File)?;
        need_write(role)?;
        let vid: u64 = version.parse().map_err(|_| StoreError::NotFound)?;
        let item = self.st.items.get(&id).ok_or(StoreError::NotFound)?;
        check_etag(item, if_match)?;
        let pos = item
            .versions
            .iter()
            .position(|v| v.id == vid)
            .ok_or(StoreError::NotFound)?;
        if pos + 1 == item.versions.len() {
            return Err(StoreError::BadRequest(
                "bad_request",
                "The current version cannot be deleted".into(),
            ));
        }
        self.item_mut(id)?.versions.remove(pos);
        self.touch(Table::Version, format!("{id}/{vid}"));
        Ok(())
    }

    /// Shares an item with another user.
    pub fn collaborate(
        &mut self,
        user: u64,
        kind: Kind,
        wire_id: &str,
        with: u64,
        role_name: &str,
    ) -> StoreResult<u64> {
        let (item, role) = self.st.resolve(user, wire_id, kind)?;
        if role != Role::Owner {
            return Err(StoreError::Forbidden(
                "Only the owner can add collaborators".into(),
            ));
        }
        if !self.st.users.contains_key(&with) {
            return Err(StoreError::NotFound);
        }
        if self
            .st
            .collabs
            .values()
            .any(|c| c.item == item && c.user == with)
        {
            return Err(StoreError::BadRequest(
                "user_already_collaborator",
                "User is already a collaborator".into(),
            ));
        }
        let id = self.id();
        self.touch(Table::Collab, id);
        self.st.collabs.insert(
            id,
            Collaboration {
                id,
                item,
                user: with,
                role: role_name.into(),
                created_by: user,
                created_at: Utc::now(),
                status: CollabStatus::Accepted,
                modified_at: None,
                group: None,
                invite_email: None,
            },
        );
        self.event("COLLAB_ADD_COLLABORATOR", item, user);
        Ok(id)
    }

    /// Removes a collaboration (by the item owner or the collaborator).
    pub fn uncollaborate(&mut self, user: u64, collab: &str) -> StoreResult<()> {
        let id: u64 = collab.parse().map_err(|_| StoreError::NotFound)?;
        let c = self.st.collabs.get(&id).ok_or(StoreError::NotFound)?;
        let owner = self.st.items.get(&c.item).map(|i| i.owner);
        if c.user != user && owner != Some(user) {
            return Err(StoreError::NotFound);
        }
        self.touch(Table::Collab, id);
        self.st.collabs.remove(&id);
        Ok(())
    }
}

#[cfg(test)]
mod growth_tests;
#[cfg(test)]
mod rollback_tests;

#[cfg(test)]
mod index_tests {
    use super::*;

    fn blob() -> BlobInfo {
        BlobInfo {
            sha1: "da39a3ee5e6b4b0d3255bfef95601890afd80709".into(),
            size: 0,
        }
    }

    /// The state's Debug shows no token (tokens key their records).
    #[test]
    fn state_debug_shows_no_token() {
        let store = Store::open(None).unwrap();
        let user = store.create_user("U", "u@example.com").unwrap().id;
        let token = store
            .write(|tx| Ok(tx.issue(TokenKind::Access, user, "", Duration::hours(1), None)))
            .unwrap();
        let dbg = store.read(|st| format!("{st:?}"));
        assert!(dbg.contains("tokens: 1"), "{dbg}");
        assert!(!dbg.contains(&token), "{dbg}");
    }

    /// The children index matches a scan of every item after creates,
    /// moves, copies, trash, restore (to the old and a new parent) and
    /// purge, in memory and after reopening a persisted store.
    #[test]
    fn children_index_matches_a_full_scan() {
        fn check(st: &State) {
            let parents: BTreeSet<u64> = st.items.values().filter_map(|i| i.parent).collect();
            for p in parents.iter().chain(st.children_index.keys()) {
                let scanned: Vec<u64> = st
                    .items
                    .values()
                    .filter(|i| i.parent == Some(*p))
                    .map(|i| i.id)
                    .collect();
                let indexed: Vec<u64> = st.all_children(*p).map(|i| i.id).collect();
                assert_eq!(indexed, scanned, "children of {p}");
                // The name order kept by the store is the order a sort gives.
                for desc in [false, true] {
                    let mut kids = st.children(*p);
                    sort_items(&mut kids, "name", desc);
                    let sorted: Vec<u64> = kids.iter().map(|i| i.id).collect();
                    let (total, ids) = st.children_by_name(*p, desc, 0);
                    assert_eq!(ids.collect::<Vec<_>>(), sorted, "name order of {p}");
                    assert_eq!(total, sorted.len());
                    for offset in 0..=sorted.len() {
                        let (_, ids) = st.children_by_name(*p, desc, offset);
                        assert_eq!(
                            ids.collect::<Vec<_>>(),
                            sorted[offset..],
                            "{p} from {offset}"
                        );
                    }
                }
            }
            // Nothing is indexed under a folder it is not a live child of.
            for (id, at) in &st.sorted_at {
                let i = &st.items[id];
                assert_eq!((i.parent, i.trashed_at.is_none()), (Some(at.parent), true));
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let user = {
            let store = Store::open(Some(dir.path())).unwrap();
            let user = store.create_user("U", "u@example.com").unwrap().id;
            let u = &user;
            store
                .write(|tx| {
                    let a = tx.create_folder(*u, "0", "a")?.to_string();
                    let b = tx.create_folder(*u, "0", "b")?.to_string();
                    let f1 = tx.create_file(*u, &a, "1.txt", &blob())?.to_string();
                    let f2 = tx.create_file(*u, &a, "2.txt", &blob())?.to_string();
                    tx.create_file(*u, &b, "3.txt", &blob())?;
                    let moved = ItemUpdate {
                        parent: Some(b.clone()),
                        ..ItemUpdate::default()
                    };
                    tx.update(*u, &f1, Kind::File, moved, None)?;
                    tx.copy(*u, &a, Kind::Folder, &b, Some("a copy"))?;
                    tx.trash(*u, &f2, Kind::File, true, None)?;
                    tx.restore(*u, &f2, Kind::File, None, Some(&b))?;
                    tx.trash(*u, &a, Kind::Folder, true, None)?;
                    tx.restore(*u, &a, Kind::Folder, None, None)?;
                    let renamed = ItemUpdate {
                        name: Some("Zed.txt".into()),
                        ..ItemUpdate::default()
                    };
                    tx.update(*u, &f2, Kind::File, renamed, None)?;
                    // Within one transaction, a name just taken conflicts.
                    tx.create_file(*u, &a, "Case.txt", &blob())?;
                    let again = tx.create_file(*u, &a, "CASE.TXT", &blob());
                    assert!(matches!(again, Err(StoreError::NameInUse(_))), "{again:?}");
                    let gone = tx.create_file(*u, &a, "gone.txt", &blob())?.to_string();
                    tx.trash(*u, &gone, Kind::File, true, None)?;
                    tx.create_file(*u, &a, "GONE.txt", &blob())?;
                    tx.trash(*u, &b, Kind::Folder, true, None)?;
                    tx.purge(*u, &b, Kind::Folder)?;
                    Ok(())
                })
                .unwrap();
            store.read(check);
            store.read(|st| assert!(st.items.len() >= 2));
            user
        };
        let store = Store::open(Some(dir.path())).unwrap();
        store.read(check);
        store.read(|st| {
            let root = st.users[&user].root_id;
            let names: Vec<&str> = st.children(root).iter().map(|i| i.name.as_str()).collect();
            assert_eq!(names, vec!["a"], "b and what was moved into it are purged");
        });
    }
}
