//! # box-core
//!
//! The shared foundation of boxkit: domain types both Box APIs map onto, one
//! [`Error`] type, streaming [`Body`] values, and the object-safe [`Storage`]
//! trait that the v1 and v2 clients (and [`MemoryStorage`]) implement.
//!
//! ```
//! use std::sync::Arc;
//! use box_core::{Body, FolderId, MemoryStorage, Storage, StorageExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> box_core::Result<()> {
//! // Any backend: MemoryStorage here, a v1 or v2 client in production.
//! let storage: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
//!
//! let reports = storage.create_folder(&FolderId::root(), "Reports").await?;
//! let file = storage
//!     .upload(&reports.id, "q1.txt", Body::from_bytes("revenue: 42"))
//!     .await?;
//! assert_eq!(file.size, 11);
//!
//! let found = storage.resolve_path("/Reports/q1.txt").await?;
//! assert_eq!(found.name(), "q1.txt");
//!
//! let bytes = storage.download_bytes(&file.id, 1024).await?;
//! assert_eq!(&bytes[..], b"revenue: 42");
//! # Ok(())
//! # }
//! ```
//!
//! The conformance suite every implementation runs is in `box_core::testing`
//! (feature `testing`); the support of the workspace's bounded fuzz targets in
//! `box_core::fuzzing` (feature `fuzzing`).

pub mod body;
pub mod error;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod ids;
pub mod memory;
pub mod model;
pub mod retry;
pub mod storage;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;

pub use body::{Body, ByteRange, ByteStream};
pub use error::{Error, Result, Retried, ServerContext};
pub use ids::{
    CollaborationId, CommentId, EventId, FileId, FileVersionId, FolderId, GroupId, ItemId,
    ItemKind, UserId, WebLinkId,
};
pub use memory::MemoryStorage;
pub use model::*;
pub use retry::{parse_retry_after, RetryPolicy, Sleeper};
pub use storage::{
    validate_name, walk_by_listing, Capabilities, DeleteMode, Operation, Storage, StorageExt,
    WalkEntry,
};
pub use time::Timestamp;
