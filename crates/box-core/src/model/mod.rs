//! Domain types both Box APIs map onto.
//!
//! Structs that will grow are `#[non_exhaustive]`: build them with their `new`
//! constructor and set the public fields, so adding a field is not a breaking
//! change.

mod collaboration;
mod comment;
mod event;
mod item;
mod shared_link;
mod user;

pub use collaboration::{
    Collaboration, CollaborationRole, CollaborationStatus, Collaborator, GroupRef,
};
pub use comment::Comment;
pub use event::{Event, EventSource, EventType};
pub use item::{File, FileVersion, Folder, FolderRef, Item, Permissions, Sha1Hex, WebLink};
pub use shared_link::{SharedLink, SharedLinkAccess, SharedLinkOptions, SharedLinkPermissions};
pub use user::{User, UserRef};
