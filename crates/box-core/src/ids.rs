//! Newtype identifiers.
//!
//! Box ids are opaque strings on the boundary: v1 sends decimal integers, v2 sends
//! decimal strings, and nothing promises either will stay numeric. Each kind of
//! object gets its own type so a `FileId` can never be passed where a `FolderId`
//! is expected.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                string_or_number(d).map(Self)
            }
        }

        impl From<&String> for $name {
            fn from(s: &String) -> Self {
                Self(s.clone())
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        impl $name {
            /// Wraps a raw id as sent by the server.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The raw id, exactly as the server sent it.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Consumes the id, returning the raw string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

/// Decodes an id sent as a JSON string or as a JSON integer (some Box
/// endpoints, retention ones among them, send numbers); numbers keep their
/// decimal form.
pub fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an id (a string or an integer)")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_string<E: serde::de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    d.deserialize_any(V)
}

id_type!(
    /// The id of a file.
    FileId
);
id_type!(
    /// The id of a folder. The root folder of every user is `"0"` ([`FolderId::root`]).
    FolderId
);
id_type!(
    /// The id of a web link (a bookmark stored in a folder).
    WebLinkId
);
id_type!(
    /// The id of a user.
    UserId
);
id_type!(
    /// The id of one version of a file.
    FileVersionId
);
id_type!(
    /// The id of a comment.
    CommentId
);
id_type!(
    /// The id of a collaboration.
    CollaborationId
);
id_type!(
    /// The id of an event in the event stream.
    EventId
);
id_type!(
    /// The id of a group of users.
    GroupId
);

impl FolderId {
    /// The raw id of every user's root folder ("All Files").
    pub const ROOT: &'static str = "0";

    /// The root folder of the current user.
    pub fn root() -> Self {
        Self(Self::ROOT.to_owned())
    }

    /// Whether this is the root folder.
    pub fn is_root(&self) -> bool {
        self.0 == Self::ROOT
    }
}

/// The kind of an item in a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A file.
    File,
    /// A folder.
    Folder,
    /// A web link.
    WebLink,
}

impl fmt::Display for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ItemKind::File => "file",
            ItemKind::Folder => "folder",
            ItemKind::WebLink => "web_link",
        })
    }
}

/// A typed reference to any item: the id together with its kind.
///
/// Box ids are only unique per kind, so operations that accept "any item" take an
/// `ItemId` rather than a bare string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum ItemId {
    /// A file.
    File(FileId),
    /// A folder.
    Folder(FolderId),
    /// A web link.
    WebLink(WebLinkId),
}

impl ItemId {
    /// The kind of item referred to.
    pub fn kind(&self) -> ItemKind {
        match self {
            ItemId::File(_) => ItemKind::File,
            ItemId::Folder(_) => ItemKind::Folder,
            ItemId::WebLink(_) => ItemKind::WebLink,
        }
    }

    /// The raw id string.
    pub fn as_str(&self) -> &str {
        match self {
            ItemId::File(id) => id.as_str(),
            ItemId::Folder(id) => id.as_str(),
            ItemId::WebLink(id) => id.as_str(),
        }
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind(), self.as_str())
    }
}

impl From<FileId> for ItemId {
    fn from(id: FileId) -> Self {
        ItemId::File(id)
    }
}

impl From<FolderId> for ItemId {
    fn from(id: FolderId) -> Self {
        ItemId::Folder(id)
    }
}

impl From<WebLinkId> for ItemId {
    fn from(id: WebLinkId) -> Self {
        ItemId::WebLink(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_folder_is_zero() {
        assert!(FolderId::root().is_root());
        assert_eq!(FolderId::root().as_str(), "0");
        assert!(!FolderId::new("12").is_root());
    }

    #[test]
    fn item_id_carries_kind() {
        let id: ItemId = FileId::new("5").into();
        assert_eq!(id.kind(), ItemKind::File);
        assert_eq!(id.to_string(), "file 5");
        assert_eq!(format!("{:?}", FileId::new("5")), "FileId(\"5\")");
    }

    #[test]
    fn ids_decode_from_strings_and_numbers() {
        let id: FileId = serde_json::from_str("\"12345\"").unwrap();
        assert_eq!(id.as_str(), "12345");
        let id: FileId = serde_json::from_str("12345").unwrap();
        assert_eq!(id.as_str(), "12345");
        assert!(serde_json::from_str::<FileId>("1.5").is_err());
        assert!(serde_json::from_str::<FileId>("null").is_err());
        assert_eq!(serde_json::to_string(&FileId::new("7")).unwrap(), "\"7\"");
    }
}
