use std::fmt;

use serde::{Deserialize, Serialize};

use super::{SharedLink, UserRef};
use crate::ids::{FileId, FileVersionId, FolderId, ItemId, ItemKind, WebLinkId};
use crate::time::Timestamp;
use crate::Error;

/// A SHA-1 digest as 40 lowercase hex characters (how both APIs report it).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sha1Hex(String);

impl Sha1Hex {
    /// Validates and normalises (to lowercase) a hex SHA-1.
    pub fn parse(s: &str) -> Result<Self, Error> {
        if s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(s.to_ascii_lowercase()))
        } else {
            Err(Error::decode("SHA-1", s, "expected 40 hex characters"))
        }
    }

    /// From the 20 raw digest bytes.
    pub fn from_digest(bytes: [u8; 20]) -> Self {
        let mut s = String::with_capacity(40);
        for b in bytes {
            s.push_str(&format!("{b:02x}"));
        }
        Self(s)
    }

    /// The SHA-1 of a byte slice.
    pub fn of(data: &[u8]) -> Self {
        use sha1::Digest;
        Self::from_digest(sha1::Sha1::digest(data).into())
    }

    /// The hex string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Sha1Hex {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        Self::parse(&s)
    }
}

impl From<Sha1Hex> for String {
    fn from(s: Sha1Hex) -> String {
        s.0
    }
}

impl fmt::Debug for Sha1Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha1Hex({})", self.0)
    }
}

impl fmt::Display for Sha1Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A folder in an item's path: its id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderRef {
    /// The folder's id.
    pub id: FolderId,
    /// The folder's name ("All Files" for the root).
    pub name: String,
}

/// What the current user may do with an item. `None` fields were not reported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Permissions {
    /// May download the file / folder contents.
    pub can_download: Option<bool>,
    /// May upload into (folders) or a new version of (files).
    pub can_upload: Option<bool>,
    /// May rename.
    pub can_rename: Option<bool>,
    /// May delete.
    pub can_delete: Option<bool>,
    /// May create or change a shared link.
    pub can_share: Option<bool>,
    /// May change the shared link's access level.
    pub can_set_share_access: Option<bool>,
    /// May preview.
    pub can_preview: Option<bool>,
    /// May comment.
    pub can_comment: Option<bool>,
    /// May invite collaborators (folders).
    pub can_invite_collaborator: Option<bool>,
}

/// A file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct File {
    /// The file's id.
    pub id: FileId,
    /// The file's name, unique (case-insensitively) in its folder.
    pub name: String,
    /// The folder holding the file, when known.
    pub parent: Option<FolderId>,
    /// Size in bytes.
    pub size: u64,
    /// SHA-1 of the current version's content, when reported.
    pub sha1: Option<Sha1Hex>,
    /// Changes on every change to the file; used for `If-Match`.
    pub etag: Option<String>,
    /// The current version's id, when reported.
    pub version_id: Option<FileVersionId>,
    /// The description (empty when none).
    pub description: String,
    /// Tags.
    pub tags: Vec<String>,
    /// When the file was created.
    pub created_at: Option<Timestamp>,
    /// When the file was last changed.
    pub modified_at: Option<Timestamp>,
    /// The owner, when reported.
    pub owner: Option<UserRef>,
    /// The shared link, when one exists and was reported.
    pub shared_link: Option<SharedLink>,
    /// The folders from the root down to the parent, when reported.
    pub path: Vec<FolderRef>,
    /// What the current user may do with it, when reported.
    pub permissions: Option<Permissions>,
    /// Whether the file is in the trash.
    pub trashed: bool,
}

impl File {
    /// A file with the given id and name; every other field empty.
    pub fn new(id: impl Into<FileId>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            parent: None,
            size: 0,
            sha1: None,
            etag: None,
            version_id: None,
            description: String::new(),
            tags: Vec::new(),
            created_at: None,
            modified_at: None,
            owner: None,
            shared_link: None,
            path: Vec::new(),
            permissions: None,
            trashed: false,
        }
    }
}

/// A folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Folder {
    /// The folder's id (`"0"` for the root).
    pub id: FolderId,
    /// The folder's name.
    pub name: String,
    /// The parent folder; `None` for the root.
    pub parent: Option<FolderId>,
    /// Total size of the folder's contents in bytes, when reported.
    pub size: Option<u64>,
    /// Changes on every change to the folder itself.
    pub etag: Option<String>,
    /// The description (empty when none).
    pub description: String,
    /// Tags.
    pub tags: Vec<String>,
    /// When the folder was created.
    pub created_at: Option<Timestamp>,
    /// When the folder was last changed.
    pub modified_at: Option<Timestamp>,
    /// The owner, when reported.
    pub owner: Option<UserRef>,
    /// The shared link, when one exists and was reported.
    pub shared_link: Option<SharedLink>,
    /// The folders from the root down to the parent, when reported.
    pub path: Vec<FolderRef>,
    /// What the current user may do with it, when reported.
    pub permissions: Option<Permissions>,
    /// Whether the folder is in the trash.
    pub trashed: bool,
}

impl Folder {
    /// A folder with the given id and name; every other field empty.
    pub fn new(id: impl Into<FolderId>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            parent: None,
            size: None,
            etag: None,
            description: String::new(),
            tags: Vec::new(),
            created_at: None,
            modified_at: None,
            owner: None,
            shared_link: None,
            path: Vec::new(),
            permissions: None,
            trashed: false,
        }
    }
}

/// A web link: a URL stored as an item in a folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebLink {
    /// The link's id.
    pub id: WebLinkId,
    /// Its name.
    pub name: String,
    /// The URL it points to.
    pub url: String,
    /// The folder holding it, when known.
    pub parent: Option<FolderId>,
    /// Changes on every change.
    pub etag: Option<String>,
    /// The description.
    pub description: String,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// When it was last changed.
    pub modified_at: Option<Timestamp>,
}

impl WebLink {
    /// A web link with the given id, name and URL.
    pub fn new(id: impl Into<WebLinkId>, name: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            url: url.into(),
            parent: None,
            etag: None,
            description: String::new(),
            created_at: None,
            modified_at: None,
        }
    }
}

/// Anything that can sit in a folder.
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
}

impl Item {
    /// The item's typed id.
    pub fn id(&self) -> ItemId {
        match self {
            Item::File(f) => ItemId::File(f.id.clone()),
            Item::Folder(f) => ItemId::Folder(f.id.clone()),
            Item::WebLink(w) => ItemId::WebLink(w.id.clone()),
        }
    }

    /// The item's kind.
    pub fn kind(&self) -> ItemKind {
        match self {
            Item::File(_) => ItemKind::File,
            Item::Folder(_) => ItemKind::Folder,
            Item::WebLink(_) => ItemKind::WebLink,
        }
    }

    /// The item's name.
    pub fn name(&self) -> &str {
        match self {
            Item::File(f) => &f.name,
            Item::Folder(f) => &f.name,
            Item::WebLink(w) => &w.name,
        }
    }

    /// The item's parent folder, when known.
    pub fn parent(&self) -> Option<&FolderId> {
        match self {
            Item::File(f) => f.parent.as_ref(),
            Item::Folder(f) => f.parent.as_ref(),
            Item::WebLink(w) => w.parent.as_ref(),
        }
    }

    /// The item's etag, when known.
    pub fn etag(&self) -> Option<&str> {
        match self {
            Item::File(f) => f.etag.as_deref(),
            Item::Folder(f) => f.etag.as_deref(),
            Item::WebLink(w) => w.etag.as_deref(),
        }
    }

    /// The item's description.
    pub fn description(&self) -> &str {
        match self {
            Item::File(f) => &f.description,
            Item::Folder(f) => &f.description,
            Item::WebLink(w) => &w.description,
        }
    }

    /// The item's tags (web links have none).
    pub fn tags(&self) -> &[String] {
        match self {
            Item::File(f) => &f.tags,
            Item::Folder(f) => &f.tags,
            Item::WebLink(_) => &[],
        }
    }

    /// The item's shared link, when it has one and it was reported.
    pub fn shared_link(&self) -> Option<&SharedLink> {
        match self {
            Item::File(f) => f.shared_link.as_ref(),
            Item::Folder(f) => f.shared_link.as_ref(),
            Item::WebLink(_) => None,
        }
    }

    /// The file, if this is one.
    pub fn as_file(&self) -> Option<&File> {
        match self {
            Item::File(f) => Some(f),
            _ => None,
        }
    }

    /// The folder, if this is one.
    pub fn as_folder(&self) -> Option<&Folder> {
        match self {
            Item::Folder(f) => Some(f),
            _ => None,
        }
    }

    /// The file, if this is one.
    pub fn into_file(self) -> Option<File> {
        match self {
            Item::File(f) => Some(f),
            _ => None,
        }
    }

    /// The folder, if this is one.
    pub fn into_folder(self) -> Option<Folder> {
        match self {
            Item::Folder(f) => Some(f),
            _ => None,
        }
    }
}

impl From<File> for Item {
    fn from(f: File) -> Self {
        Item::File(f)
    }
}

impl From<Folder> for Item {
    fn from(f: Folder) -> Self {
        Item::Folder(f)
    }
}

impl From<WebLink> for Item {
    fn from(w: WebLink) -> Self {
        Item::WebLink(w)
    }
}

/// One version of a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FileVersion {
    /// The version's id.
    pub id: FileVersionId,
    /// The file name at that version.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-1 of the content.
    pub sha1: Option<Sha1Hex>,
    /// When the version was created.
    pub created_at: Option<Timestamp>,
    /// Who uploaded it.
    pub modified_by: Option<UserRef>,
}

impl FileVersion {
    /// A version with the given id, name and size.
    pub fn new(id: impl Into<FileVersionId>, name: impl Into<String>, size: u64) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            size,
            sha1: None,
            created_at: None,
            modified_by: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_hex_of_known_value() {
        assert_eq!(
            Sha1Hex::of(b"abc").as_str(),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert!(Sha1Hex::parse("A9993E364706816ABA3E25717850C26C9CD0D89D").is_ok());
        assert!(Sha1Hex::parse("xyz").is_err());
    }

    #[test]
    fn item_accessors() {
        let mut f = File::new("1", "a.txt");
        f.parent = Some(FolderId::root());
        let item = Item::from(f);
        assert_eq!(item.name(), "a.txt");
        assert_eq!(item.kind(), ItemKind::File);
        assert_eq!(item.parent(), Some(&FolderId::root()));
        assert!(item.as_folder().is_none());
    }
}
