//! The undo log that makes every [`Store::write`](super::Store::write)
//! all or nothing.
//!
//! [`Tx::touch`](super::Tx) marks a record as changed *before* it changes;
//! the first time a record is touched in a write, its value at that moment
//! (or its absence) is kept here. When the write's closure returns an
//! error, the kept values are put back, newest first, under the same state
//! lock: no reader ever sees the half-done change, nothing reaches the
//! database, and no change is announced. The log holds only the records
//! the write touched (a new record costs a key, a changed one its clone),
//! so a write stays as cheap as the rows it serializes anyway; nothing
//! clones the whole state.
//!
//! Indexes derived from items (the children index and the name order) are
//! brought back with the items they index.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use super::sqlite::Table;
use super::{State, Tx};

/// Puts one record back as it was.
pub(super) type Undo = Box<dyn FnOnce(&mut State)>;

/// A map of records, keyed one way or another.
trait Records<K, V> {
    fn get_record(&self, key: &K) -> Option<&V>;
    fn put_record(&mut self, key: K, value: Option<V>);
}

impl<K: Ord, V> Records<K, V> for BTreeMap<K, V> {
    fn get_record(&self, key: &K) -> Option<&V> {
        self.get(key)
    }
    fn put_record(&mut self, key: K, value: Option<V>) {
        match value {
            Some(v) => {
                self.insert(key, v);
            }
            None => {
                self.remove(&key);
            }
        }
    }
}

impl<K: Eq + Hash, V> Records<K, V> for HashMap<K, V> {
    fn get_record(&self, key: &K) -> Option<&V> {
        self.get(key)
    }
    fn put_record(&mut self, key: K, value: Option<V>) {
        match value {
            Some(v) => {
                self.insert(key, v);
            }
            None => {
                self.remove(&key);
            }
        }
    }
}

/// The undo entry for record `key` of the map `field` selects.
fn keep<K, V, M>(st: &mut State, key: K, field: fn(&mut State) -> &mut M) -> Undo
where
    K: 'static,
    V: Clone + 'static,
    M: Records<K, V> + 'static,
{
    let prev = field(st).get_record(&key).cloned();
    Box::new(move |st: &mut State| field(st).put_record(key, prev))
}

impl Tx<'_> {
    /// Keeps the current value of record `key` of `table` in the undo log,
    /// unless this write kept it already. Called by `touch`, before the
    /// record changes.
    pub(super) fn save(&mut self, table: Table, key: &str) {
        if !self.saved.insert((table, key.to_string())) {
            return;
        }
        let id = key.parse::<u64>().ok();
        let st = &mut *self.st;
        let undo: Undo = match (table, id) {
            (Table::Item, Some(id)) => keep_item(st, id),
            // A version lives in its file's record: keeping the file keeps
            // its versions.
            (Table::Version, _) => {
                if let Some(file) = key.split_once('/').and_then(|(f, _)| f.parse::<u64>().ok()) {
                    // Through `save` so the file is kept once only.
                    self.save(Table::Item, &file.to_string());
                }
                return;
            }
            (Table::User, Some(id)) => keep(st, id, |st| &mut st.users),
            (Table::Collab, Some(id)) => keep(st, id, |st| &mut st.collabs),
            (Table::Event, Some(id)) => keep(st, id, |st| &mut st.events),
            (Table::Comment, Some(id)) => keep(st, id, |st| &mut st.comments),
            (Table::Friend, Some(id)) => keep(st, id, |st| &mut st.friends),
            (Table::Invitation, Some(id)) => keep(st, id, |st| &mut st.invitations),
            (Table::Password, Some(id)) => keep(st, id, |st| &mut st.passwords),
            (Table::Task, Some(id)) => keep(st, id, |st| &mut st.tasks),
            (Table::TaskAssignment, Some(id)) => keep(st, id, |st| &mut st.task_assignments),
            (Table::Favorite, Some(id)) => keep(st, id, |st| &mut st.favorites),
            (Table::Webhook, Some(id)) => keep(st, id, |st| &mut st.webhooks),
            (Table::Group, Some(id)) => keep(st, id, |st| &mut st.groups),
            (Table::GroupMembership, Some(id)) => keep(st, id, |st| &mut st.memberships),
            (Table::Token, _) => keep(st, key.to_string(), |st| &mut st.tokens),
            (Table::App, _) => keep(st, key.to_string(), |st| &mut st.apps),
            (Table::Session, _) => keep(st, key.to_string(), |st| &mut st.sessions),
            (Table::MetadataTemplate, _) => {
                keep(st, key.to_string(), |st| &mut st.metadata_templates)
            }
            (Table::MetadataInstance, _) => {
                keep(st, key.to_string(), |st| &mut st.metadata_instances)
            }
            (Table::ZipDownload, _) => keep(st, key.to_string(), |st| &mut st.zip_downloads),
            (Table::SignatureKeys, _) => {
                let prev = st.signature_keys.clone();
                Box::new(move |st: &mut State| st.signature_keys = prev)
            }
            (Table::Meta, _) => {
                let prev = st.next_id;
                Box::new(move |st: &mut State| st.next_id = prev)
            }
            // A numeric table with a key that is not a number names no
            // record: there is nothing to keep.
            (
                Table::User
                | Table::Item
                | Table::Collab
                | Table::Event
                | Table::Comment
                | Table::Friend
                | Table::Invitation
                | Table::Password
                | Table::Task
                | Table::TaskAssignment
                | Table::Favorite
                | Table::Webhook
                | Table::Group
                | Table::GroupMembership,
                None,
            ) => return,
        };
        self.undo.push(undo);
    }

    /// Puts back every record this write kept, newest first.
    pub(super) fn undo_all(&mut self) {
        while let Some(undo) = self.undo.pop() {
            undo(self.st);
        }
    }
}

/// The undo entry for an item: the record, where it hangs in the children
/// index, and its place in the name order.
fn keep_item(st: &mut State, id: u64) -> Undo {
    let prev = st.items.get(&id).cloned();
    Box::new(move |st: &mut State| {
        let now_parent = st.items.get(&id).and_then(|i| i.parent);
        st.unlink(now_parent, id);
        // A folder that had no children before this write has no entry.
        for folder in now_parent.into_iter().chain([id]) {
            if st.children_index.get(&folder).is_some_and(|c| c.is_empty()) {
                st.children_index.remove(&folder);
            }
        }
        match prev {
            Some(item) => {
                st.link(item.parent, id);
                st.items.insert(id, item);
            }
            None => {
                st.items.remove(&id);
            }
        }
        st.reindex(id);
    })
}
