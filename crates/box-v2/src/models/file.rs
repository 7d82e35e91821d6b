use box_core::{FileId, FileVersionId, Sha1Hex, Timestamp};
use serde::{Deserialize, Serialize};

use super::folder::{path_refs, FolderMini, PathCollection};
use super::item::{ItemStatus, Permissions, SharedLink};
use super::UserMini;

/// The current version of a file (`FileVersion--Mini`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FileVersionMini {
    /// The version's id.
    pub id: FileVersionId,
    /// SHA-1 of the version.
    #[serde(default)]
    pub sha1: Option<String>,
}

/// A file (`File`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct File {
    /// The file's id.
    pub id: FileId,
    /// Etag.
    #[serde(default)]
    pub etag: Option<String>,
    /// Sequence id.
    #[serde(default)]
    pub sequence_id: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// SHA-1 of the content.
    #[serde(default)]
    pub sha1: Option<String>,
    /// The current version.
    #[serde(default)]
    pub file_version: Option<FileVersionMini>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Size in bytes.
    #[serde(default)]
    pub size: Option<u64>,
    /// Path from the root.
    #[serde(default)]
    pub path_collection: Option<PathCollection>,
    /// Created.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// Modified.
    #[serde(default)]
    pub modified_at: Option<Timestamp>,
    /// When trashed.
    #[serde(default)]
    pub trashed_at: Option<Timestamp>,
    /// When purged.
    #[serde(default)]
    pub purged_at: Option<Timestamp>,
    /// When the content was created (client-reported).
    #[serde(default)]
    pub content_created_at: Option<Timestamp>,
    /// When the content was modified (client-reported).
    #[serde(default)]
    pub content_modified_at: Option<Timestamp>,
    /// Creator.
    #[serde(default)]
    pub created_by: Option<UserMini>,
    /// Last modifier.
    #[serde(default)]
    pub modified_by: Option<UserMini>,
    /// Owner.
    #[serde(default)]
    pub owned_by: Option<UserMini>,
    /// Shared link.
    #[serde(default)]
    pub shared_link: Option<SharedLink>,
    /// Parent folder.
    #[serde(default)]
    pub parent: Option<FolderMini>,
    /// Status.
    #[serde(default)]
    pub item_status: Option<ItemStatus>,
    /// Tags.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Extension.
    #[serde(default)]
    pub extension: Option<String>,
    /// Version number.
    #[serde(default)]
    pub version_number: Option<String>,
    /// Permissions of the current user.
    #[serde(default)]
    pub permissions: Option<Permissions>,
}

impl From<File> for box_core::File {
    fn from(f: File) -> Self {
        let mut out = box_core::File::new(f.id, f.name.unwrap_or_default());
        out.parent = f.parent.map(|p| p.id);
        out.size = f.size.unwrap_or(0);
        out.sha1 = f.sha1.as_deref().and_then(|s| Sha1Hex::parse(s).ok());
        out.etag = f.etag;
        out.version_id = f.file_version.map(|v| v.id);
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

/// A past version of a file (`FileVersion`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FileVersion {
    /// The version's id.
    pub id: FileVersionId,
    /// SHA-1.
    #[serde(default)]
    pub sha1: Option<String>,
    /// Name at that version.
    #[serde(default)]
    pub name: Option<String>,
    /// Size in bytes.
    #[serde(default)]
    pub size: Option<u64>,
    /// Created.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// Modified.
    #[serde(default)]
    pub modified_at: Option<Timestamp>,
    /// Uploader.
    #[serde(default)]
    pub modified_by: Option<UserMini>,
    /// When trashed.
    #[serde(default)]
    pub trashed_at: Option<Timestamp>,
    /// When restored.
    #[serde(default)]
    pub restored_at: Option<Timestamp>,
    /// When purged.
    #[serde(default)]
    pub purged_at: Option<Timestamp>,
    /// Version number.
    #[serde(default)]
    pub version_number: Option<String>,
}

impl From<FileVersion> for box_core::FileVersion {
    fn from(v: FileVersion) -> Self {
        let mut out =
            box_core::FileVersion::new(v.id, v.name.unwrap_or_default(), v.size.unwrap_or(0));
        out.sha1 = v.sha1.as_deref().and_then(|s| Sha1Hex::parse(s).ok());
        out.created_at = v.created_at;
        out.modified_by = v.modified_by.map(Into::into);
        out
    }
}
