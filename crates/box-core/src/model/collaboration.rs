use serde::{Deserialize, Serialize};

use super::UserRef;
use crate::ids::{CollaborationId, GroupId, ItemId};
use crate::time::Timestamp;

/// The role a collaborator has on an item.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CollaborationRole {
    /// Full control.
    Editor,
    /// Read only.
    Viewer,
    /// Preview only.
    Previewer,
    /// Upload only.
    Uploader,
    /// Preview and upload.
    PreviewerUploader,
    /// View and upload.
    ViewerUploader,
    /// Co-owner.
    CoOwner,
    /// Owner.
    Owner,
    /// A role this version of boxkit does not know.
    #[serde(untagged)]
    Other(String),
}

/// Whether a collaboration invitation was accepted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CollaborationStatus {
    /// Active.
    Accepted,
    /// Not yet answered.
    Pending,
    /// Declined.
    Rejected,
    /// A status this version of boxkit does not know.
    #[serde(untagged)]
    Other(String),
}

/// A short reference to a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupRef {
    /// The group's id.
    pub id: GroupId,
    /// The group's name, when reported.
    pub name: Option<String>,
}

impl GroupRef {
    /// A reference with just an id.
    pub fn new(id: impl Into<GroupId>) -> Self {
        Self {
            id: id.into(),
            name: None,
        }
    }
}

/// Who a collaboration grants access to: a user or a whole group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Collaborator {
    /// One user.
    User(UserRef),
    /// Every member of a group.
    Group(GroupRef),
}

impl From<UserRef> for Collaborator {
    fn from(u: UserRef) -> Self {
        Collaborator::User(u)
    }
}

impl From<GroupRef> for Collaborator {
    fn from(g: GroupRef) -> Self {
        Collaborator::Group(g)
    }
}

/// Access to an item owned by someone else, for a user or a group.
///
/// Only `id` is always known: a pending invitation has no `item` and no
/// `accessible_by` yet (Box sends `null` for both until it is accepted), and a
/// collaboration read with a `fields` list carries only the fields asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Collaboration {
    /// The collaboration's id.
    pub id: CollaborationId,
    /// The item shared (`None` while an invitation is pending, or not asked for).
    pub item: Option<ItemId>,
    /// Who it is shared with (`None` while an invitation is pending, or not asked for).
    pub accessible_by: Option<Collaborator>,
    /// Their role, when reported.
    pub role: Option<CollaborationRole>,
    /// Invitation status, when reported.
    pub status: Option<CollaborationStatus>,
    /// When it was created.
    pub created_at: Option<Timestamp>,
}

impl Collaboration {
    /// An accepted collaboration on `item` for `accessible_by` (a [`UserRef`]
    /// or a [`GroupRef`]).
    pub fn new(
        id: impl Into<CollaborationId>,
        item: ItemId,
        accessible_by: impl Into<Collaborator>,
        role: CollaborationRole,
    ) -> Self {
        Self {
            id: id.into(),
            item: Some(item),
            accessible_by: Some(accessible_by.into()),
            role: Some(role),
            status: Some(CollaborationStatus::Accepted),
            created_at: None,
        }
    }

    /// A collaboration of which only the id is known yet (set the public
    /// fields that are).
    pub fn with_id(id: impl Into<CollaborationId>) -> Self {
        Self {
            id: id.into(),
            item: None,
            accessible_by: None,
            role: None,
            status: None,
            created_at: None,
        }
    }
}
