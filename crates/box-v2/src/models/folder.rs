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
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Etag.
    #[serde(default)]
    pub etag: Option<String>,
    /// Sequence id.
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
    /// Sequence id.
    #[serde(default)]
    pub sequence_id: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Created.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// Modified.
    #[serde(default)]
    pub modified_at: Option<Timestamp>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Total size of the contents in bytes.
    #[serde(default)]
    pub size: Option<u64>,
    /// Path from the root.
    #[serde(default)]
    pub path_collection: Option<PathCollection>,
    /// Creator.
    #[serde(default)]
    pub created_by: Option<UserMini>,
    /// Last modifier.
    #[serde(default)]
    pub modified_by: Option<UserMini>,
    /// Owner.
    #[serde(default)]
    pub owned_by: Option<UserMini>,
    /// When trashed.
    #[serde(default)]
    pub trashed_at: Option<Timestamp>,
    /// When purged from the trash.
    #[serde(default)]
    pub purged_at: Option<Timestamp>,
    /// Shared link.
    #[serde(default)]
    pub shared_link: Option<SharedLink>,
    /// Parent folder (null for the root).
    #[serde(default)]
    pub parent: Option<FolderMini>,
    /// Status.
    #[serde(default)]
    pub item_status: Option<ItemStatus>,
    /// Tags.
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
