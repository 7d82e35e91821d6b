use box_core::{Timestamp, UserId};
use serde::{Deserialize, Serialize};

/// A user reference embedded in items (`User--Mini`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserMini {
    /// The user's id.
    pub id: UserId,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Login email.
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
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Login email.
    #[serde(default)]
    pub login: Option<String>,
    /// Created.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// Last modified.
    #[serde(default)]
    pub modified_at: Option<Timestamp>,
    /// Language (ISO 639-1).
    #[serde(default)]
    pub language: Option<String>,
    /// Time zone.
    #[serde(default)]
    pub timezone: Option<String>,
    /// Quota in bytes (-1 unlimited is reported as a huge number by Box).
    #[serde(default)]
    pub space_amount: Option<i64>,
    /// Used bytes.
    #[serde(default)]
    pub space_used: Option<i64>,
    /// Largest upload in bytes.
    #[serde(default)]
    pub max_upload_size: Option<i64>,
    /// Account status.
    #[serde(default)]
    pub status: Option<UserStatus>,
    /// Job title.
    #[serde(default)]
    pub job_title: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Address.
    #[serde(default)]
    pub address: Option<String>,
    /// Avatar URL.
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
