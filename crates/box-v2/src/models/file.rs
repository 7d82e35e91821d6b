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
    /// The HTTP `etag` of this file. This can be used within some API endpoints in the
    /// `If-Match` and `If-None-Match` headers to only perform changes on the file if (no)
    /// changes have happened.
    #[serde(default)]
    pub etag: Option<String>,
    /// A numeric identifier that represents the most recent user event that has been applied to
    /// this item.
    #[serde(default)]
    pub sequence_id: Option<String>,
    /// The name of the file.
    #[serde(default)]
    pub name: Option<String>,
    /// SHA-1 of the content.
    #[serde(default)]
    pub sha1: Option<String>,
    /// The information about the current version of the file.
    #[serde(default)]
    pub file_version: Option<FileVersionMini>,
    /// The optional description of this file. If the description exceeds 255 characters, the
    /// first 255 characters are set as a file description and the rest of it is ignored.
    #[serde(default)]
    pub description: Option<String>,
    /// The file size in bytes. Be careful parsing this integer as it can get very large and
    /// cause an integer overflow.
    #[serde(default)]
    pub size: Option<u64>,
    /// A list of parent folders for an item.
    #[serde(default)]
    pub path_collection: Option<PathCollection>,
    /// The date and time when the file was created on Box.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// The date and time when the file was last updated on Box.
    #[serde(default)]
    pub modified_at: Option<Timestamp>,
    /// The time at which this file was put in the trash.
    #[serde(default)]
    pub trashed_at: Option<Timestamp>,
    /// The time at which this file is expected to be purged from the trash.
    #[serde(default)]
    pub purged_at: Option<Timestamp>,
    /// When the content was created (client-reported).
    #[serde(default)]
    pub content_created_at: Option<Timestamp>,
    /// When the content was modified (client-reported).
    #[serde(default)]
    pub content_modified_at: Option<Timestamp>,
    /// The user who created this file.
    #[serde(default)]
    pub created_by: Option<UserMini>,
    /// The user who last modified this file.
    #[serde(default)]
    pub modified_by: Option<UserMini>,
    /// The user who owns this file.
    #[serde(default)]
    pub owned_by: Option<UserMini>,
    /// Shared links provide direct, read-only access to files or folder on Box.
    #[serde(default)]
    pub shared_link: Option<SharedLink>,
    /// The folder that this file is located within. This value may be `null` for some folders
    /// such as the root folder or the trash folder.
    #[serde(default)]
    pub parent: Option<FolderMini>,
    /// Defines if this item has been deleted or not.
    #[serde(default)]
    pub item_status: Option<ItemStatus>,
    /// The tags for this item. These tags are shown in the Box web app and mobile apps next to
    /// an item.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Indicates the (optional) file extension for this file. By default, this is set to an
    /// empty string.
    #[serde(default)]
    pub extension: Option<String>,
    /// The version number of this file.
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
    /// The name of the file version.
    #[serde(default)]
    pub name: Option<String>,
    /// Size of the file version in bytes.
    #[serde(default)]
    pub size: Option<u64>,
    /// When the file version object was created.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// When the file version object was last updated.
    #[serde(default)]
    pub modified_at: Option<Timestamp>,
    /// The user who last updated the file version.
    #[serde(default)]
    pub modified_by: Option<UserMini>,
    /// When the file version object was trashed.
    #[serde(default)]
    pub trashed_at: Option<Timestamp>,
    /// When the file version was restored from the trash.
    #[serde(default)]
    pub restored_at: Option<Timestamp>,
    /// When the file version object will be permanently deleted.
    #[serde(default)]
    pub purged_at: Option<Timestamp>,
    /// The version number of this file version.
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
