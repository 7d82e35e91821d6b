use serde::{Deserialize, Serialize};

use crate::ids::UserId;
use crate::time::Timestamp;

/// A short reference to a user, as embedded in items (owner, modified by…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserRef {
    /// The user's id.
    pub id: UserId,
    /// Display name, when reported.
    pub name: Option<String>,
    /// Login (email), when reported.
    pub login: Option<String>,
}

impl UserRef {
    /// A reference with just an id.
    pub fn new(id: impl Into<UserId>) -> Self {
        Self {
            id: id.into(),
            name: None,
            login: None,
        }
    }
}

/// A Box user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// Display name.
    pub name: String,
    /// Login (email address).
    pub login: String,
    /// Storage quota in bytes, when reported.
    pub space_amount: Option<u64>,
    /// Storage used in bytes, when reported.
    pub space_used: Option<u64>,
    /// Largest file this user may upload, in bytes, when reported.
    pub max_upload_size: Option<u64>,
    /// When the account was created.
    pub created_at: Option<Timestamp>,
}

impl User {
    /// A user with the given id, name and login.
    pub fn new(id: impl Into<UserId>, name: impl Into<String>, login: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            login: login.into(),
            space_amount: None,
            space_used: None,
            max_upload_size: None,
            created_at: None,
        }
    }

    /// A short reference to this user.
    pub fn to_ref(&self) -> UserRef {
        UserRef {
            id: self.id.clone(),
            name: Some(self.name.clone()),
            login: Some(self.login.clone()),
        }
    }
}
