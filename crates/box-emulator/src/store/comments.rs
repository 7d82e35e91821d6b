//! Comments on files and folders (served by v1's `get_comments`,
//! `add_comment` and `delete_comment`, and v2's `/comments`).
//!
//! Anyone who can see an item may read and add comments (and replies); a
//! comment may be edited by its author only and deleted by its author or by
//! the item's owner (deleting a comment deletes its replies). Comments of an
//! item in the trash are hidden (they come back if it is restored) and
//! purged with it. v2 changes record `COMMENT_CREATE`, `COMMENT_EDIT` and
//! `COMMENT_DELETE` events for the item's watchers.

use chrono::Utc;

use super::{Comment, EventSource, Kind, State, StoreError, StoreResult, Table, Tx};

/// Longest comment accepted, in characters.
pub const MAX_COMMENT_CHARS: usize = 10_000;

/// What a v2 comment is placed on.
#[derive(Debug, Clone, Copy)]
pub enum CommentTarget<'a> {
    /// A file, by wire id.
    File(&'a str),
    /// A comment (a reply), by id.
    Comment(&'a str),
}

fn check_message(message: &str) -> StoreResult<()> {
    if message.is_empty() || message.chars().count() > MAX_COMMENT_CHARS {
        return Err(StoreError::BadRequest(
            "bad_request",
            format!("A comment must have 1 to {MAX_COMMENT_CHARS} characters"),
        ));
    }
    Ok(())
}

/// The plain text of a tagged message: `@[123:Ann]` becomes `@Ann`.
pub fn untag(tagged: &str) -> String {
    let mut out = String::new();
    let mut rest = tagged;
    while let Some(start) = rest.find("@[") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find(']') {
            Some(end) if after[..end].contains(':') => {
                let (_, name) = after[..end].split_once(':').unwrap_or(("", ""));
                out.push('@');
                out.push_str(name);
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str("@[");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.trim().to_string()
}

impl State {
    /// A comment on a live file or folder the caller can see.
    pub fn visible_comment(&self, user: u64, wire_id: &str) -> StoreResult<&Comment> {
        let id: u64 = wire_id.trim().parse().map_err(|_| StoreError::NotFound)?;
        let c = self.comments.get(&id).ok_or(StoreError::NotFound)?;
        if self.in_trash(c.item) || self.role(user, c.item).is_none() {
            return Err(StoreError::NotFound);
        }
        Ok(c)
    }

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
        self.touch(Table::Comment, id);
        self.st.comments.insert(
            id,
            Comment {
                id,
                item,
                author: user,
                message: message.to_string(),
                created_at: Utc::now(),
                reply_to: None,
                tagged_message: None,
                modified_at: None,
            },
        );
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
        // An item the caller can no longer see (a collaboration removed):
        // its comments are out of reach, the caller's own included.
        if self.st.role(user, item.id).is_none() {
            return Err(StoreError::NotFound);
        }
        if c.author != user && item.owner != user {
            return Err(StoreError::Forbidden(
                "Only the author or the item's owner may delete a comment".into(),
            ));
        }
        self.touch(Table::Comment, id);
        self.st.comments.remove(&id);
        Ok(())
    }

    /// v2 `POST /comments`: a comment on a file, or (with `reply_to`) a
    /// reply to a comment, which is attached to that comment's top-level
    /// comment. `tagged_message` (with `@[id:name]` mentions) wins over
    /// `message`. Records `COMMENT_CREATE`.
    pub fn add_v2_comment(
        &mut self,
        user: u64,
        target: CommentTarget<'_>,
        message: &str,
        tagged_message: Option<&str>,
    ) -> StoreResult<u64> {
        let (item, reply_to) = match target {
            CommentTarget::File(wire_id) => (self.st.resolve(user, wire_id, Kind::File)?.0, None),
            CommentTarget::Comment(wire_id) => {
                let parent = self.st.visible_comment(user, wire_id)?;
                (parent.item, Some(parent.reply_to.unwrap_or(parent.id)))
            }
        };
        let text = match tagged_message {
            Some(t) => untag(t),
            None => message.trim().to_string(),
        };
        check_message(&text)?;
        let id = self.id();
        let comment = Comment {
            id,
            item,
            author: user,
            message: text,
            created_at: Utc::now(),
            reply_to,
            tagged_message: tagged_message.map(str::to_string),
            modified_at: None,
        };
        self.touch(Table::Comment, id);
        self.st.comments.insert(id, comment.clone());
        self.event_from(
            "COMMENT_CREATE",
            item,
            user,
            Some(EventSource::Comment(comment)),
        );
        Ok(id)
    }

    /// v2 `PUT /comments/{id}`: only the author may edit. Records
    /// `COMMENT_EDIT`.
    pub fn edit_comment(&mut self, user: u64, wire_id: &str, message: &str) -> StoreResult<()> {
        let c = self.st.visible_comment(user, wire_id)?;
        if c.author != user {
            return Err(StoreError::Forbidden(
                "Only the author may edit a comment".into(),
            ));
        }
        let message = message.trim();
        check_message(message)?;
        let id = c.id;
        let item = c.item;
        self.touch(Table::Comment, id);
        let c = self.st.comments.get_mut(&id).ok_or(StoreError::NotFound)?;
        c.message = message.to_string();
        c.tagged_message = None;
        c.modified_at = Some(Utc::now());
        let snapshot = c.clone();
        self.event_from(
            "COMMENT_EDIT",
            item,
            user,
            Some(EventSource::Comment(snapshot)),
        );
        Ok(())
    }

    /// v2 `DELETE /comments/{id}`: [`Tx::delete_comment`] plus the
    /// comment's replies and a `COMMENT_DELETE` event.
    pub fn delete_v2_comment(&mut self, user: u64, wire_id: &str) -> StoreResult<()> {
        let c = self.st.visible_comment(user, wire_id)?.clone();
        self.delete_comment(user, wire_id)?;
        let replies: Vec<u64> = self
            .st
            .comments
            .values()
            .filter(|r| r.reply_to == Some(c.id))
            .map(|r| r.id)
            .collect();
        for r in replies {
            self.touch(Table::Comment, r);
            self.st.comments.remove(&r);
        }
        let item = c.item;
        self.event_from("COMMENT_DELETE", item, user, Some(EventSource::Comment(c)));
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
            self.touch(Table::Comment, id);
            self.st.comments.remove(&id);
        }
    }
}
