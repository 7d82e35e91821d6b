use box_core::{SharedLinkAccess, Timestamp, WebLinkId};
use serde::{Deserialize, Serialize};

use super::{File, Folder, FolderMini};

/// Whether an item is live, in the trash, or gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ItemStatus {
    /// Live.
    Active,
    /// In the trash.
    Trashed,
    /// Deleted for good.
    Deleted,
    /// A value this version does not know.
    #[serde(untagged)]
    Other(String),
}

/// What the current user may do with an item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Permissions {
    /// May delete.
    #[serde(default)]
    pub can_delete: Option<bool>,
    /// May download.
    #[serde(default)]
    pub can_download: Option<bool>,
    /// May invite collaborators.
    #[serde(default)]
    pub can_invite_collaborator: Option<bool>,
    /// May rename.
    #[serde(default)]
    pub can_rename: Option<bool>,
    /// May change the shared link access.
    #[serde(default)]
    pub can_set_share_access: Option<bool>,
    /// May share.
    #[serde(default)]
    pub can_share: Option<bool>,
    /// May upload (folders) or upload a new version (files).
    #[serde(default)]
    pub can_upload: Option<bool>,
    /// May preview.
    #[serde(default)]
    pub can_preview: Option<bool>,
    /// May comment.
    #[serde(default)]
    pub can_comment: Option<bool>,
}

impl From<Permissions> for box_core::Permissions {
    fn from(p: Permissions) -> Self {
        let mut out = box_core::Permissions::default();
        out.can_delete = p.can_delete;
        out.can_download = p.can_download;
        out.can_invite_collaborator = p.can_invite_collaborator;
        out.can_rename = p.can_rename;
        out.can_set_share_access = p.can_set_share_access;
        out.can_share = p.can_share;
        out.can_upload = p.can_upload;
        out.can_preview = p.can_preview;
        out.can_comment = p.can_comment;
        out
    }
}

/// Shared link permissions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SharedLinkPermissions {
    /// May download.
    #[serde(default)]
    pub can_download: Option<bool>,
    /// May preview.
    #[serde(default)]
    pub can_preview: Option<bool>,
    /// May edit.
    #[serde(default)]
    pub can_edit: Option<bool>,
}

/// A shared link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SharedLink {
    /// The URL that can be used to access the item on Box.
    pub url: String,
    /// A URL that can be used to download the file. This URL can be used in a browser to
    /// download the file. This URL includes the file extension so that the file will be saved
    /// with the right file type.
    #[serde(default)]
    pub download_url: Option<String>,
    /// The "Custom URL" that can also be used to preview the item on Box.  Custom URLs can only
    /// be created or modified in the Box Web application.
    #[serde(default)]
    pub vanity_url: Option<String>,
    /// Access level (`open`, `company`, `collaborators`, or a new value).
    #[serde(default)]
    pub access: Option<String>,
    /// The effective access level for the shared link. This can be a more restrictive access
    /// level than the value in the `access` field when the enterprise settings restrict the
    /// allowed access levels.
    #[serde(default)]
    pub effective_access: Option<String>,
    /// The date and time when this link will be unshared. This field can only be set by users
    /// with paid accounts.
    #[serde(default)]
    pub unshared_at: Option<Timestamp>,
    /// Defines if the shared link requires a password to access the item.
    #[serde(default)]
    pub is_password_enabled: Option<bool>,
    /// Defines if this link allows a user to preview, edit, and download an item. These
    /// permissions refer to the shared link only and do not supersede permissions applied to
    /// the item itself.
    #[serde(default)]
    pub permissions: Option<SharedLinkPermissions>,
    /// The number of times this item has been downloaded.
    #[serde(default)]
    pub download_count: Option<u64>,
    /// The number of times this item has been previewed.
    #[serde(default)]
    pub preview_count: Option<u64>,
}

impl From<SharedLink> for box_core::SharedLink {
    fn from(s: SharedLink) -> Self {
        let access = SharedLinkAccess::parse(s.access.as_deref().unwrap_or("open"));
        let mut out = box_core::SharedLink::new(s.url, access);
        out.download_url = s.download_url;
        out.vanity_url = s.vanity_url;
        out.is_password_enabled = s.is_password_enabled.unwrap_or(false);
        out.unshared_at = s.unshared_at;
        if let Some(p) = s.permissions {
            let d = box_core::SharedLinkPermissions::default();
            out.permissions.can_download = p.can_download.unwrap_or(d.can_download);
            out.permissions.can_preview = p.can_preview.unwrap_or(d.can_preview);
            out.permissions.can_edit = p.can_edit.unwrap_or(d.can_edit);
        }
        out.download_count = s.download_count;
        out.preview_count = s.preview_count;
        out
    }
}

/// A web link (`WebLink`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebLink {
    /// The unique identifier for this web link.
    pub id: WebLinkId,
    /// The entity tag of this web link. Used with `If-Match` headers.
    #[serde(default)]
    pub etag: Option<String>,
    /// The name of the web link.
    #[serde(default)]
    pub name: Option<String>,
    /// The URL this web link points to.
    #[serde(default)]
    pub url: Option<String>,
    /// The parent object the web link belongs to.
    #[serde(default)]
    pub parent: Option<FolderMini>,
    /// The description accompanying the web link. This is visible within the Box web
    /// application.
    #[serde(default)]
    pub description: Option<String>,
    /// When this web link was created on Box's servers.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// When this web link was last updated on Box's servers.
    #[serde(default)]
    pub modified_at: Option<Timestamp>,
}

impl From<WebLink> for box_core::WebLink {
    fn from(w: WebLink) -> Self {
        let mut out =
            box_core::WebLink::new(w.id, w.name.unwrap_or_default(), w.url.unwrap_or_default());
        out.parent = w.parent.map(|p| p.id);
        out.etag = w.etag;
        out.description = w.description.unwrap_or_default();
        out.created_at = w.created_at;
        out.modified_at = w.modified_at;
        out
    }
}

/// An entry of a folder listing or the trash, by its `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Item {
    /// A file.
    File(File),
    /// A folder.
    Folder(Folder),
    /// A web link.
    WebLink(WebLink),
    /// A type this version does not know.
    #[serde(other)]
    Other,
}

impl Item {
    /// Into the `box_core` item; `None` for unknown types.
    pub fn into_core(self) -> Option<box_core::Item> {
        match self {
            Item::File(f) => Some(box_core::Item::File(f.into())),
            Item::Folder(f) => Some(box_core::Item::Folder(f.into())),
            Item::WebLink(w) => Some(box_core::Item::WebLink(w.into())),
            Item::Other => None,
        }
    }
}
