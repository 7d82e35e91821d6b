use std::fmt;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// Who can open a shared link.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SharedLinkAccess {
    /// Anyone with the link.
    Open,
    /// Anyone in the owner's company.
    Company,
    /// Only collaborators on the item.
    Collaborators,
    /// A value this version of boxkit does not know.
    #[serde(untagged)]
    Other(String),
}

impl SharedLinkAccess {
    /// The wire string (`open`, `company`, `collaborators`…).
    pub fn as_str(&self) -> &str {
        match self {
            SharedLinkAccess::Open => "open",
            SharedLinkAccess::Company => "company",
            SharedLinkAccess::Collaborators => "collaborators",
            SharedLinkAccess::Other(s) => s,
        }
    }

    /// Parses a wire string; unknown values are kept as [`SharedLinkAccess::Other`].
    pub fn parse(s: &str) -> Self {
        match s {
            "open" => SharedLinkAccess::Open,
            "company" => SharedLinkAccess::Company,
            "collaborators" => SharedLinkAccess::Collaborators,
            other => SharedLinkAccess::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for SharedLinkAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What people who open a shared link may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SharedLinkPermissions {
    /// May download.
    pub can_download: bool,
    /// May preview.
    pub can_preview: bool,
    /// May edit (files, where the enterprise allows it).
    pub can_edit: bool,
}

impl Default for SharedLinkPermissions {
    fn default() -> Self {
        Self {
            can_download: true,
            can_preview: true,
            can_edit: false,
        }
    }
}

/// A shared link on a file or folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SharedLink {
    /// The link to the item's page.
    pub url: String,
    /// A direct download URL, when the API gives one.
    pub download_url: Option<String>,
    /// Custom vanity URL, when set.
    pub vanity_url: Option<String>,
    /// Who can open it.
    pub access: SharedLinkAccess,
    /// Whether a password is required. The password itself is never reported.
    pub is_password_enabled: bool,
    /// When the link stops working, if ever.
    pub unshared_at: Option<Timestamp>,
    /// What openers may do.
    pub permissions: SharedLinkPermissions,
    /// How many times it was downloaded, when reported.
    pub download_count: Option<u64>,
    /// How many times it was previewed, when reported.
    pub preview_count: Option<u64>,
}

impl SharedLink {
    /// A link with the given URL and access, default permissions.
    pub fn new(url: impl Into<String>, access: SharedLinkAccess) -> Self {
        Self {
            url: url.into(),
            download_url: None,
            vanity_url: None,
            access,
            is_password_enabled: false,
            unshared_at: None,
            permissions: SharedLinkPermissions::default(),
            download_count: None,
            preview_count: None,
        }
    }
}

/// What to ask for when creating a shared link.
///
/// The password is a secret: `Debug` never prints it.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SharedLinkOptions {
    /// Who can open it; `None` lets the server choose its default.
    pub access: Option<SharedLinkAccess>,
    /// A password to require.
    pub password: Option<String>,
    /// When the link should stop working.
    pub unshared_at: Option<Timestamp>,
    /// Whether openers may download (`None`: server default).
    pub can_download: Option<bool>,
}

impl SharedLinkOptions {
    /// Server defaults for everything.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the access level.
    pub fn access(mut self, access: SharedLinkAccess) -> Self {
        self.access = Some(access);
        self
    }

    /// Requires a password.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// Sets an expiry.
    pub fn unshared_at(mut self, at: Timestamp) -> Self {
        self.unshared_at = Some(at);
        self
    }

    /// Allows or forbids downloads.
    pub fn can_download(mut self, allowed: bool) -> Self {
        self.can_download = Some(allowed);
        self
    }
}

impl fmt::Debug for SharedLinkOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedLinkOptions")
            .field("access", &self.access)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("unshared_at", &self.unshared_at)
            .field("can_download", &self.can_download)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_is_redacted_in_debug() {
        let o = SharedLinkOptions::new().password("hunter2");
        let dbg = format!("{o:?}");
        assert!(!dbg.contains("hunter2"), "{dbg}");
        assert!(dbg.contains("[redacted]"));
    }

    #[test]
    fn unknown_access_is_kept() {
        assert_eq!(SharedLinkAccess::parse("open"), SharedLinkAccess::Open);
        assert_eq!(
            SharedLinkAccess::parse("enterprise_only").as_str(),
            "enterprise_only"
        );
    }
}
