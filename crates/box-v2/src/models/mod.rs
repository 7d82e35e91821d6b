//! Serde types for the v2 API's JSON, written from the OpenAPI schemas.
//!
//! Tolerant by design: unknown fields are ignored, unknown enum values are
//! kept in an `Other(String)` variant, and fields that the `fields` query
//! parameter can leave out are `Option`. `id` and `type` are always present.
//! Each type converts into its `box_core` counterpart.

mod file;
mod folder;
mod item;
mod upload;
mod user;

pub use file::{File, FileVersion, FileVersionMini};
pub use folder::{Folder, FolderMini, PathCollection};
pub use item::{Item, ItemStatus, Permissions, SharedLink, WebLink};
pub use upload::{PreflightCheck, UploadPart, UploadSession, UploadSessionEndpoints, UploadedPart};
pub use user::{User, UserMini, UserStatus};

use serde::Deserialize;

/// A non-paged list (`{"total_count":1,"entries":[…]}`), as uploads return.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
pub struct Collection<T> {
    /// Number of entries.
    #[serde(default)]
    pub total_count: Option<u64>,
    /// The entries.
    #[serde(default = "Vec::new")]
    pub entries: Vec<T>,
}
