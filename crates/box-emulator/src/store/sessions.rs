//! Chunked upload sessions: the typed record of a session (its target, its
//! parts on disk) kept by the store and persisted with it.
//!
//! Parts are written at their offsets into one file per session
//! (`blobs/sessions/<id>/data`), so a commit links that file into the blob
//! store instead of copying every part into a new one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha1::Sha1;

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
    /// The file its bytes are in: the session's data file, where they sit
    /// at `offset` (sessions persisted by older versions have a file per
    /// part, holding just the part).
    pub path: PathBuf,
}

/// A chunked upload session. Sessions and their parts are durable: parts are
/// fsynced into `blobs/sessions/<id>/data` and the session record is written
/// to the store before a part is acknowledged.
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
    /// Offsets whose part is being received: a second upload of the same
    /// part meanwhile is refused rather than writing the same bytes twice.
    /// Not persisted.
    #[serde(skip)]
    pub receiving: BTreeSet<u64>,
    /// The SHA-1 of the file's in-order prefix, advanced as parts arrive so
    /// a commit hashes only what is left. Not persisted: after a restart the
    /// commit hashes the whole file.
    #[serde(skip)]
    pub prefix: Arc<tokio::sync::Mutex<PrefixDigest>>,
}

/// A running SHA-1 over the bytes `0..end` of a session's file.
#[derive(Debug, Clone, Default)]
pub struct PrefixDigest {
    /// The digest state after `end` bytes.
    pub hasher: Sha1,
    /// How many leading bytes are hashed.
    pub end: u64,
}

impl Session {
    /// Number of parts the declared size needs.
    pub fn total_parts(&self) -> u64 {
        self.file_size.div_ceil(self.part_size).max(1)
    }
}

/// What [`Session::claim_commit`] found.
#[derive(Debug, Clone)]
pub enum Claim {
    /// Already committed: the file it made.
    Committed(u64),
    /// Another commit is assembling the file.
    Busy(Session),
    /// This commit may assemble the file; it clears `committing` when done.
    Claimed,
}

impl Session {
    /// Marks the session as being committed (in memory only: after a
    /// crash no commit is running), unless it is committed or being
    /// committed.
    pub fn claim_commit(&mut self) -> Claim {
        match self.committed {
            Some(fid) => Claim::Committed(fid),
            None if self.committing => Claim::Busy(self.clone()),
            None => {
                self.committing = true;
                Claim::Claimed
            }
        }
    }
}

impl super::State {
    /// An upload session by id.
    pub fn session(&self, id: &str) -> Option<&Session> {
        self.sessions.get(id)
    }
}

impl super::Tx<'_> {
    /// Stores a new or changed upload session.
    pub fn put_session(&mut self, session: Session) {
        let id = session.id.clone();
        self.touch(super::Table::Session, &id);
        self.st.sessions.insert(id, session);
    }

    /// Removes an upload session; returns it if there was one.
    pub fn remove_session(&mut self, id: &str) -> Option<Session> {
        if self.st.sessions.contains_key(id) {
            self.touch(super::Table::Session, id);
        }
        self.st.sessions.remove(id)
    }

    /// A session to change; its record is written with the transaction.
    pub fn session_mut(&mut self, id: &str) -> Option<&mut Session> {
        if !self.st.sessions.contains_key(id) {
            return None;
        }
        self.touch(super::Table::Session, id);
        self.st.sessions.get_mut(id)
    }

    /// Records, in the transaction that made file `fid`, that session `id`
    /// is committed: a retried commit answers that file, even after a crash
    /// right after this transaction. Its parts are forgotten.
    pub fn finish_session(&mut self, id: &str, fid: u64) {
        if let Some(s) = self.session_mut(id) {
            s.committed = Some(fid);
            s.parts.clear();
        }
    }
}
