use serde::{Deserialize, Serialize};

use super::UserRef;
use crate::ids::{CommentId, ItemId};
use crate::time::Timestamp;

/// A comment on a file (or, in v1, a folder).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Comment {
    /// The comment's id.
    pub id: CommentId,
    /// The item commented on, when reported (Box leaves it out of the
    /// entries of `GET /files/{id}/comments`: the file is the one asked about).
    pub item: Option<ItemId>,
    /// The text.
    pub message: String,
    /// Who wrote it.
    pub created_by: Option<UserRef>,
    /// When.
    pub created_at: Option<Timestamp>,
}

impl Comment {
    /// A comment with the given id, item and message.
    pub fn new(id: impl Into<CommentId>, item: ItemId, message: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            item: Some(item),
            message: message.into(),
            created_by: None,
            created_at: None,
        }
    }

    /// A comment whose item is not reported (the entries of a file's comment
    /// list); set `item` when it is known.
    pub fn without_item(id: impl Into<CommentId>, message: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            item: None,
            message: message.into(),
            created_by: None,
            created_at: None,
        }
    }
}
