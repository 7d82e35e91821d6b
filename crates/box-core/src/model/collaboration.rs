use serde::{Deserialize, Serialize};

use super::UserRef;
use crate::ids::{CollaborationId, ItemId};
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

/// A user's access to an item owned by someone else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Collaboration {
    /// The collaboration's id.
    pub id: CollaborationId,
    /// The item shared.
    pub item: ItemId,
    /// Who it is shared with.
    pub accessible_by: UserRef,
    /// Their role.
    pub role: CollaborationRole,
    /// Invitation status.
    pub status: CollaborationStatus,
    /// When it was created.
    pub created_at: Option<Timestamp>,
}

impl Collaboration {
    /// A collaboration with the given fields, accepted.
    pub fn new(
        id: impl Into<CollaborationId>,
        item: ItemId,
        accessible_by: UserRef,
        role: CollaborationRole,
    ) -> Self {
        Self {
            id: id.into(),
            item,
            accessible_by,
            role,
            status: CollaborationStatus::Accepted,
            created_at: None,
        }
    }
}
