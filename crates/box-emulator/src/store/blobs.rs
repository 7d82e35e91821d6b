//! Content-addressed file contents on disk, keyed by SHA-1.
//!
//! Writes are crash-safe: bytes go to a temporary file under `tmp/`, which is
//! fsynced and then renamed to `xx/<sha1>`; the directory is fsynced too. A
//! blob is therefore either absent or complete, and the metadata that names
//! it is committed only after the rename. Leftover temporary files from a
//! killed process are removed on open.
//!
//! Without a data directory (in-memory mode) nothing outlives the process,
//! so nothing is fsynced: [`BlobStore::open_unsynced`].

use std::io::Write;
use std::path::{Path, PathBuf};

use sha1::{Digest, Sha1};

/// The blob directory.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
    durable: bool,
}

/// A blob being written: bytes stream in, SHA-1 is computed on the way.
#[derive(Debug)]
pub struct BlobWriter {
    root: PathBuf,
    durable: bool,
    file: tempfile::NamedTempFile,
    hasher: Sha1,
    size: u64,
}

/// A finished blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobInfo {
    /// Lower-case hex SHA-1.
    pub sha1: String,
    /// Size in bytes.
    pub size: u64,
}

impl BlobStore {
    /// Opens (creating) a blob directory and removes leftover temporary files.
    pub fn open(root: impl Into<PathBuf>) -> std::io::Result<Self> {
        Self::open_with(root.into(), true)
    }

    /// Opens a blob directory whose contents need not survive a crash (a
    /// temporary directory of the in-memory mode): blobs and upload parts
    /// are written without fsync.
    pub fn open_unsynced(root: impl Into<PathBuf>) -> std::io::Result<Self> {
        Self::open_with(root.into(), false)
    }

    fn open_with(root: PathBuf, durable: bool) -> std::io::Result<Self> {
        let tmp = root.join("tmp");
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp)?;
        }
        std::fs::create_dir_all(&tmp)?;
        Ok(Self { root, durable })
    }

    /// Whether writes are fsynced (a data directory) or not (in memory).
    pub fn durable(&self) -> bool {
        self.durable
    }

    /// Directory for temporary files (upload parts, blobs in progress).
    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Directory holding the parts of an upload session.
    pub fn session_dir(&self, id: &str) -> PathBuf {
        self.root.join("sessions").join(id)
    }

    /// The file the parts of an upload session are written into, each at
    /// its offset.
    pub fn session_data(&self, id: &str) -> PathBuf {
        self.session_dir(id).join("data")
    }

    /// Makes `file` (whose SHA-1 and size the caller has computed) a blob
    /// without copying it: a hard link under the blob's name, so `file`
    /// itself stays until its owner removes it. Where links are not
    /// possible, the bytes are copied (in the kernel where it can).
    pub fn adopt(&self, file: &Path, sha1: &str, size: u64) -> std::io::Result<BlobInfo> {
        let info = BlobInfo {
            sha1: sha1.to_string(),
            size,
        };
        let dest = self.path(sha1);
        if dest.is_file() {
            return Ok(info);
        }
        let dir = dest.parent().map(Path::to_path_buf).unwrap_or_default();
        std::fs::create_dir_all(&dir)?;
        if self.durable {
            std::fs::File::open(file)?.sync_all()?;
        }
        if let Err(e) = std::fs::hard_link(file, &dest) {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                return Ok(info);
            }
            // Copy to a temporary name, then rename: a blob is never seen
            // half written.
            let tmp = tempfile::NamedTempFile::new_in(self.tmp_dir())?;
            std::io::copy(&mut std::fs::File::open(file)?, &mut tmp.as_file())?;
            if self.durable {
                tmp.as_file().sync_all()?;
            }
            tmp.persist(&dest).map_err(|e| e.error)?;
        }
        if self.durable {
            sync_dir(&dir)?;
        }
        Ok(info)
    }

    /// Starts a new blob.
    pub fn writer(&self) -> std::io::Result<BlobWriter> {
        Ok(BlobWriter {
            root: self.root.clone(),
            durable: self.durable,
            file: tempfile::NamedTempFile::new_in(self.tmp_dir())?,
            hasher: Sha1::new(),
            size: 0,
        })
    }

    /// Path of a blob by its SHA-1 (it may not exist).
    pub fn path(&self, sha1: &str) -> PathBuf {
        let prefix = sha1.get(..2).unwrap_or("xx");
        self.root.join(prefix).join(sha1)
    }

    /// Whether a blob exists.
    pub fn contains(&self, sha1: &str) -> bool {
        self.path(sha1).is_file()
    }
}

impl BlobWriter {
    /// Appends bytes.
    pub fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.hasher.update(bytes);
        self.size += bytes.len() as u64;
        self.file.write_all(bytes)
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Flushes, fsyncs (when durable) and moves the blob into place;
    /// returns its SHA-1 and size.
    pub fn finish(self) -> std::io::Result<BlobInfo> {
        self.stage()?.persist()
    }

    /// Flushes and fsyncs (when durable) the bytes, but leaves them in the
    /// temporary file: the blob is moved into place by
    /// [`StagedBlob::persist`], once the upload is accepted. A staged blob
    /// dropped without being persisted (a refused upload) leaves nothing
    /// on disk.
    pub fn stage(mut self) -> std::io::Result<StagedBlob> {
        self.file.flush()?;
        if self.durable {
            self.file.as_file().sync_all()?;
        }
        let sha1 = hex(&self.hasher.finalize());
        Ok(StagedBlob {
            info: BlobInfo {
                sha1,
                size: self.size,
            },
            root: self.root,
            durable: self.durable,
            file: self.file,
        })
    }
}

/// A blob whose bytes are complete and durable in a temporary file, not yet
/// in place; see [`BlobWriter::stage`]. Dropping it removes the file.
#[derive(Debug)]
pub struct StagedBlob {
    info: BlobInfo,
    root: PathBuf,
    durable: bool,
    file: tempfile::NamedTempFile,
}

impl StagedBlob {
    /// The SHA-1 and size of the contents.
    pub fn info(&self) -> &BlobInfo {
        &self.info
    }

    /// Moves the blob into place (renaming the temporary file, then
    /// fsyncing the directory when durable); returns its SHA-1 and size.
    pub fn persist(self) -> std::io::Result<BlobInfo> {
        let sha1 = self.info.sha1;
        let dir = self.root.join(&sha1[..2]);
        std::fs::create_dir_all(&dir)?;
        let dest = dir.join(&sha1);
        if dest.is_file() {
            // Same contents already stored: drop the temp file.
            drop(self.file);
        } else {
            self.file.persist(&dest).map_err(|e| e.error)?;
            if self.durable {
                sync_dir(&dir)?;
            }
        }
        Ok(BlobInfo {
            sha1,
            size: self.info.size,
        })
    }
}

/// Fsyncs a directory (after a rename into it).
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
