//! Comments on files and folders (served by v1's `get_comments`,
//! `add_comment` and `delete_comment`).
//!
//! Anyone who can see an item may read and add comments; a comment may be
//! deleted by its author or by the item's owner. Comments of an item in the
//! trash are hidden (they come back if it is restored) and purged with it.

use chrono::Utc;

use super::{Comment, Kind, State, StoreError, StoreResult, Table, Tx};

/// Longest comment accepted, in characters.
pub const MAX_COMMENT_CHARS: usize = 10_000;

impl State {
    /// The comments on a live item the caller can see, oldest first.
    pub fn comments_on(&self, user: u64, wire_id: &str, kind: Kind) -> StoreResult<Vec<&Comment>> {
        let (id, _) = self.resolve(user, wire_id, kind)?;
        Ok(self.comments.values().filter(|c| c.item == id).collect())
    }
}

impl Tx<'_> {
    /// Adds a comment to an item the caller can see.
    pub fn add_comment(
        &mut self,
        user: u64,
        wire_id: &str,
        kind: Kind,
        message: &str,
    ) -> StoreResult<u64> {
        let (item, _) = self.st.resolve(user, wire_id, kind)?;
        let message = message.trim();
        if message.is_empty() || message.chars().count() > MAX_COMMENT_CHARS {
            return Err(StoreError::BadRequest(
                "bad_request",
                format!("A comment must have 1 to {MAX_COMMENT_CHARS} characters"),
            ));
        }
        let id = self.id();
        self.st.comments.insert(
            id,
            Comment {
                id,
                item,
                author: user,
                message: message.to_string(),
                created_at: Utc::now(),
            },
        );
        self.touch(Table::Comment, id);
        Ok(id)
    }

    /// Deletes a comment: the caller must be its author or own the item.
    /// Comments of trashed items are not found.
    pub fn delete_comment(&mut self, user: u64, comment: &str) -> StoreResult<()> {
        let id: u64 = comment.trim().parse().map_err(|_| StoreError::NotFound)?;
        let c = self.st.comments.get(&id).ok_or(StoreError::NotFound)?;
        let item = self.st.item(c.item).ok_or(StoreError::NotFound)?;
        if self.st.in_trash(item.id) {
            return Err(StoreError::NotFound);
        }
        if c.author != user && item.owner != user {
            // Visible to the caller: not theirs to delete. Invisible: not found.
            return Err(match self.st.role(user, item.id) {
                Some(_) => StoreError::Forbidden(
                    "Only the author or the item's owner may delete a comment".into(),
                ),
                None => StoreError::NotFound,
            });
        }
        self.st.comments.remove(&id);
        self.touch(Table::Comment, id);
        Ok(())
    }

    /// Removes every comment on an item (when it is purged).
    pub(super) fn drop_comments_on(&mut self, item: u64) {
        let ids: Vec<u64> = self
            .st
            .comments
            .values()
            .filter(|c| c.item == item)
            .map(|c| c.id)
            .collect();
        for id in ids {
            self.st.comments.remove(&id);
            self.touch(Table::Comment, id);
        }
    }
}
