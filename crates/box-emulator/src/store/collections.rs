//! Each user's Favorites collection (v2 `/collections`; items join and
//! leave it through `collections` on `PUT /files/{id}` and
//! `PUT /folders/{id}`).
//!
//! Box has one collection per user, Favorites. The emulator gives it the
//! user's id as its id (collection ids are their own namespace), so it needs
//! no record of its own; each membership is a [`Favorite`]. An item in the
//! trash is left out of the listing (and back when restored); a purged item
//! leaves the collection.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Item, Kind, State, StoreError, StoreResult, Table, Tx};

/// An item in a user's Favorites.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Favorite {
    /// Store-wide numeric id.
    pub id: u64,
    /// Whose Favorites.
    pub user: u64,
    /// The item.
    pub item: u64,
    /// When it was added.
    pub added_at: DateTime<Utc>,
}

impl State {
    /// The Favorites collection id of a user (the user's id).
    pub fn favorites_id(&self, user: u64) -> u64 {
        user
    }

    /// The live items of a user's Favorites the user can still access,
    /// oldest addition first; `NotFound` for another user's collection.
    pub fn favorite_items(&self, user: u64, collection: &str) -> StoreResult<Vec<&Item>> {
        let id: u64 = collection
            .trim()
            .parse()
            .map_err(|_| StoreError::NotFound)?;
        if id != self.favorites_id(user) {
            return Err(StoreError::NotFound);
        }
        Ok(self
            .favorites
            .values()
            .filter(|f| f.user == user)
            .filter_map(|f| self.items.get(&f.item))
            .filter(|i| !self.in_trash(i.id) && self.role(user, i.id).is_some())
            .collect())
    }

    /// Whether an item is in the user's Favorites.
    pub fn is_favorite(&self, user: u64, item: u64) -> bool {
        self.favorites
            .values()
            .any(|f| f.user == user && f.item == item)
    }
}

impl Tx<'_> {
    /// Sets the collections an item the caller can see is in: `ids` empty
    /// removes it from Favorites, `[favorites id]` adds it; any other id is
    /// a 400. Records `COLLECTION_ITEM_CREATE` / `COLLECTION_ITEM_DELETE`
    /// for the caller when membership changes.
    pub fn set_collections(
        &mut self,
        user: u64,
        wire_id: &str,
        kind: Kind,
        ids: &[String],
    ) -> StoreResult<()> {
        let (item, _) = self.st.resolve(user, wire_id, kind)?;
        let fav = self.st.favorites_id(user);
        let mut want = false;
        for id in ids {
            if id.trim().parse::<u64>().ok() != Some(fav) {
                return Err(StoreError::BadRequest(
                    "bad_request",
                    format!("Unknown collection {id:?}: the only collection is Favorites ({fav})"),
                ));
            }
            want = true;
        }
        let existing: Vec<u64> = self
            .st
            .favorites
            .values()
            .filter(|f| f.user == user && f.item == item)
            .map(|f| f.id)
            .collect();
        match (want, existing.is_empty()) {
            (true, true) => {
                let id = self.id();
                self.touch(Table::Favorite, id);
                self.st.favorites.insert(
                    id,
                    Favorite {
                        id,
                        user,
                        item,
                        added_at: Utc::now(),
                    },
                );
                self.user_event("COLLECTION_ITEM_CREATE", item, user);
            }
            (false, false) => {
                for id in existing {
                    self.touch(Table::Favorite, id);
                    self.st.favorites.remove(&id);
                }
                self.user_event("COLLECTION_ITEM_DELETE", item, user);
            }
            _ => {}
        }
        Ok(())
    }

    /// Records an event about an item for one user only.
    fn user_event(&mut self, event_type: &str, item: u64, user: u64) {
        let Some((snapshot, version_number)) = self.st.items.get(&item).map(super::event_item)
        else {
            return;
        };
        let seq = self.id();
        self.touch(Table::Event, seq);
        self.st.events.insert(
            seq,
            super::Event {
                seq,
                user,
                event_type: event_type.into(),
                item: snapshot,
                version_number,
                created_by: user,
                created_at: Utc::now(),
                source: None,
            },
        );
    }

    /// Removes an item from every Favorites (when it is purged).
    pub(super) fn drop_favorites_of(&mut self, item: u64) {
        let ids: Vec<u64> = self
            .st
            .favorites
            .values()
            .filter(|f| f.item == item)
            .map(|f| f.id)
            .collect();
        for id in ids {
            self.touch(Table::Favorite, id);
            self.st.favorites.remove(&id);
        }
    }
}
