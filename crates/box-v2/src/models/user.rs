use box_core::{Timestamp, UserId};
use serde::{Deserialize, Serialize};

/// A user reference embedded in items (`User--Mini`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserMini {
    /// The user's id.
    pub id: UserId,
    /// The display name of this user.
    #[serde(default)]
    pub name: Option<String>,
    /// The primary email address of this user.
    #[serde(default)]
    pub login: Option<String>,
}

impl From<UserMini> for box_core::UserRef {
    fn from(u: UserMini) -> Self {
        let mut r = box_core::UserRef::new(u.id);
        r.name = u.name;
        r.login = u.login;
        r
    }
}

/// A user's account status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum UserStatus {
    /// Active.
    Active,
    /// Inactive.
    Inactive,
    /// Cannot delete or edit.
    CannotDeleteEdit,
    /// Cannot delete, edit or upload.
    CannotDeleteEditUpload,
    /// A value this version does not know.
    #[serde(untagged)]
    Other(String),
}

/// A user (`User`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// The display name of this user.
    #[serde(default)]
    pub name: Option<String>,
    /// The primary email address of this user.
    #[serde(default)]
    pub login: Option<String>,
    /// When the user object was created.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// When the user object was last modified.
    #[serde(default)]
    pub modified_at: Option<Timestamp>,
    /// Language (ISO 639-1).
    #[serde(default)]
    pub language: Option<String>,
    /// The user's timezone.
    #[serde(default)]
    pub timezone: Option<String>,
    /// Quota in bytes (-1 unlimited is reported as a huge number by Box).
    #[serde(default)]
    pub space_amount: Option<i64>,
    /// The amount of space in use by the user.
    #[serde(default)]
    pub space_used: Option<i64>,
    /// The maximum individual file size in bytes the user can have.
    #[serde(default)]
    pub max_upload_size: Option<i64>,
    /// The user's account status.
    #[serde(default)]
    pub status: Option<UserStatus>,
    /// The user’s job title.
    #[serde(default)]
    pub job_title: Option<String>,
    /// The user’s phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// The user’s address.
    #[serde(default)]
    pub address: Option<String>,
    /// URL of the user’s avatar image.
    #[serde(default)]
    pub avatar_url: Option<String>,
}

impl From<User> for box_core::User {
    fn from(u: User) -> Self {
        let mut out = box_core::User::new(
            u.id,
            u.name.unwrap_or_default(),
            u.login.unwrap_or_default(),
        );
        out.space_amount = u.space_amount.and_then(|v| u64::try_from(v).ok());
        out.space_used = u.space_used.and_then(|v| u64::try_from(v).ok());
        out.max_upload_size = u.max_upload_size.and_then(|v| u64::try_from(v).ok());
        out.created_at = u.created_at;
        out
    }
}
