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

/// What an event happened to.
///
/// Encoded as the item (tagged by `type`) or the user with `"type": "user"`.
// An item is larger than a user reference; boxing it would make every match
// on a source deref for no gain (events come a page at a time).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EventSource {
    /// A file, folder or web link, as it was after the event.
    Item(Item),
    /// A user (user events: `NEW_USER`, `EDIT_USER`…).
    User(UserRef),
}

impl EventSource {
    /// The item, for an item event.
    pub fn item(&self) -> Option<&Item> {
        match self {
            EventSource::Item(i) => Some(i),
            EventSource::User(_) => None,
        }
    }
}

impl From<Item> for EventSource {
    fn from(i: Item) -> Self {
        EventSource::Item(i)
    }
}

impl From<UserRef> for EventSource {
    fn from(u: UserRef) -> Self {
        EventSource::User(u)
    }
}

impl Serialize for EventSource {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(tag = "type", rename_all = "snake_case")]
        enum Tagged<'a> {
            User(&'a UserRef),
        }
        match self {
            EventSource::Item(i) => i.serialize(s),
            EventSource::User(u) => Tagged::User(u).serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for EventSource {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum UserTag {
            User,
        }
        #[derive(Deserialize)]
        struct TaggedUser {
            #[serde(rename = "type")]
            _type: UserTag,
            #[serde(flatten)]
            user: UserRef,
        }
        #[allow(clippy::large_enum_variant)]
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            User(TaggedUser),
            Item(Item),
        }
        Ok(match Raw::deserialize(d)? {
            Raw::User(u) => EventSource::User(u.user),
            Raw::Item(i) => EventSource::Item(i),
        })
    }
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
    /// What it happened to (an item as it was after the event, or a user for
    /// user events), when reported.
    pub source: Option<EventSource>,
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
