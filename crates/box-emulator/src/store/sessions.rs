//! Chunked upload sessions: the typed record of a session (its target, its
//! parts on disk) kept by the store and persisted with it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a committed session's file goes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Target {
    /// A new file in a folder (wire id).
    New {
        /// Parent folder wire id.
        parent: String,
        /// File name.
        name: String,
    },
    /// A new version of a file (wire id).
    Version {
        /// File wire id.
        file: String,
        /// Optional new name.
        name: Option<String>,
    },
}

/// One uploaded part.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Part {
    /// Part id (8 hex digits).
    pub part_id: String,
    /// Offset in the file.
    pub offset: u64,
    /// Size.
    pub size: u64,
    /// Hex SHA-1 of the part.
    pub sha1: String,
    /// Where its bytes are.
    pub path: PathBuf,
}

/// A chunked upload session. Sessions and their parts are durable: parts are
/// fsynced into `blobs/sessions/<id>/` and the session record is written to
/// the store before a part is acknowledged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    /// Session id.
    pub id: String,
    /// Owner.
    pub user: u64,
    /// Destination.
    pub target: Target,
    /// Declared file size.
    pub file_size: u64,
    /// Part size.
    pub part_size: u64,
    /// Parts by offset.
    pub parts: BTreeMap<u64, Part>,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// File id once committed (commits are idempotent).
    pub committed: Option<u64>,
    /// A commit is assembling the file: another commit meanwhile answers
    /// `202 Accepted` instead of racing it. Not persisted.
    #[serde(skip)]
    pub committing: bool,
}

impl Session {
    /// Number of parts the declared size needs.
    pub fn total_parts(&self) -> u64 {
        self.file_size.div_ceil(self.part_size).max(1)
    }
}
