use box_core::{FolderId, Timestamp};
use serde::{Deserialize, Serialize};

use super::item::{ItemStatus, Permissions, SharedLink};
use super::UserMini;

/// A folder reference (`Folder--Mini`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FolderMini {
    /// The folder's id.
    pub id: FolderId,
    /// The name of the folder.
    #[serde(default)]
    pub name: Option<String>,
    /// The HTTP `etag` of this folder. This can be used within some API endpoints in the
    /// `If-Match` and `If-None-Match` headers to only perform changes on the folder if (no)
    /// changes have happened.
    #[serde(default)]
    pub etag: Option<String>,
    /// A numeric identifier that represents the most recent user event that has been applied to
    /// this item.
    #[serde(default)]
    pub sequence_id: Option<String>,
}

/// The folders from the root to an item's parent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathCollection {
    /// Number of entries.
    #[serde(default)]
    pub total_count: Option<u64>,
    /// The folders, root first.
    #[serde(default)]
    pub entries: Vec<FolderMini>,
}

/// A folder (`Folder`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Folder {
    /// The folder's id.
    pub id: FolderId,
    /// Etag (null for the root).
    #[serde(default)]
    pub etag: Option<String>,
    /// A numeric identifier that represents the most recent user event that has been applied to
    /// this item.
    #[serde(default)]
    pub sequence_id: Option<String>,
    /// The name of the folder.
    #[serde(default)]
    pub name: Option<String>,
    /// The date and time when the folder was created. This value may be `null` for some folders
    /// such as the root folder or the trash folder.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// The date and time when the folder was last updated. This value may be `null` for some
    /// folders such as the root folder or the trash folder.
    #[serde(default)]
    pub modified_at: Option<Timestamp>,
    /// The optional description of this folder.
    #[serde(default)]
    pub description: Option<String>,
    /// Total size of the contents in bytes.
    #[serde(default)]
    pub size: Option<u64>,
    /// A list of parent folders for an item.
    #[serde(default)]
    pub path_collection: Option<PathCollection>,
    /// The user who created this folder.
    #[serde(default)]
    pub created_by: Option<UserMini>,
    /// The user who last modified this folder.
    #[serde(default)]
    pub modified_by: Option<UserMini>,
    /// The user who owns this folder.
    #[serde(default)]
    pub owned_by: Option<UserMini>,
    /// The time at which this folder was put in the trash.
    #[serde(default)]
    pub trashed_at: Option<Timestamp>,
    /// The time at which this folder is expected to be purged from the trash.
    #[serde(default)]
    pub purged_at: Option<Timestamp>,
    /// Shared links provide direct, read-only access to files or folder on Box.
    #[serde(default)]
    pub shared_link: Option<SharedLink>,
    /// Parent folder (null for the root).
    #[serde(default)]
    pub parent: Option<FolderMini>,
    /// Defines if this item has been deleted or not.
    #[serde(default)]
    pub item_status: Option<ItemStatus>,
    /// The tags for this item. These tags are shown in the Box web app and mobile apps next to
    /// an item.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Permissions of the current user.
    #[serde(default)]
    pub permissions: Option<Permissions>,
}

impl From<Folder> for box_core::Folder {
    fn from(f: Folder) -> Self {
        let mut out = box_core::Folder::new(f.id, f.name.unwrap_or_default());
        out.parent = f.parent.map(|p| p.id);
        out.size = f.size;
        out.etag = f.etag;
        out.description = f.description.unwrap_or_default();
        out.tags = f.tags.unwrap_or_default();
        out.created_at = f.created_at;
        out.modified_at = f.modified_at;
        out.owner = f.owned_by.map(Into::into);
        out.shared_link = f.shared_link.map(Into::into);
        out.path = path_refs(f.path_collection);
        out.permissions = f.permissions.map(Into::into);
        out.trashed = matches!(f.item_status, Some(ItemStatus::Trashed)) || f.trashed_at.is_some();
        out
    }
}

pub(crate) fn path_refs(p: Option<PathCollection>) -> Vec<box_core::FolderRef> {
    p.map(|p| {
        p.entries
            .into_iter()
            .map(|e| box_core::FolderRef {
                id: e.id,
                name: e.name.unwrap_or_default(),
            })
            .collect()
    })
    .unwrap_or_default()
}
