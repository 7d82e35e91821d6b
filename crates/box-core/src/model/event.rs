use serde::{Deserialize, Serialize};

use super::{Item, UserRef};
use crate::ids::EventId;
use crate::time::Timestamp;

/// What happened, for the event types both APIs report.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum EventType {
    /// An item was created (folder) or uploaded (file).
    ItemCreate,
    /// A file was uploaded.
    ItemUpload,
    /// An item was moved.
    ItemMove,
    /// An item was renamed.
    ItemRename,
    /// An item was copied.
    ItemCopy,
    /// An item was trashed.
    ItemTrash,
    /// An item was restored from the trash.
    ItemUndeleteViaTrash,
    /// A file was downloaded.
    ItemDownload,
    /// A file was previewed.
    ItemPreview,
    /// A shared link was created or changed.
    ItemShared,
    /// A shared link was removed.
    ItemUnshared,
    /// A comment was added.
    CommentCreate,
    /// A collaborator was invited.
    CollabInvite,
    /// Tags or description changed.
    ItemModify,
    /// A type this version of boxkit does not know.
    #[serde(untagged)]
    Other(String),
}

/// One entry of an account's event stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Event {
    /// The event's id (Box may deliver an event twice: deduplicate on it).
    pub id: EventId,
    /// What happened.
    pub event_type: EventType,
    /// When.
    pub created_at: Option<Timestamp>,
    /// Who did it.
    pub created_by: Option<UserRef>,
    /// The item it happened to, as it was after the event, when reported.
    pub source: Option<Item>,
}

impl Event {
    /// An event with the given id and type.
    pub fn new(id: impl Into<EventId>, event_type: EventType) -> Self {
        Self {
            id: id.into(),
            event_type,
            created_at: None,
            created_by: None,
            source: None,
        }
    }
}
