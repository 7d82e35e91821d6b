//! Zip downloads (`POST /zip_downloads`): the archive a user asked for,
//! planned when it is asked for (the items checked readable, the paths
//! laid out, top-level name conflicts renamed as Box renames them) and
//! kept until its URLs expire. The bytes are made only while the archive
//! is downloaded ([`crate::v2::zip_downloads`]), from the current
//! contents, each file checked again: one the user can no longer read is
//! skipped and counted, as Box's status reports.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{random_token, Kind, State, Store, StoreError, StoreResult, Table, Tx};

/// Box's limit on the files in one archive.
pub const MAX_FILES: usize = 10_000;
/// How long the status URL answers after the download started (Box: 12 hours).
pub const STATUS_TTL_HOURS: i64 = 12;

/// Where a download stands (Box's `ZipDownloadStatus.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZipState {
    /// Created, or being streamed.
    InProgress,
    /// The stream broke off (the client went away, a read failed, the
    /// emulator restarted mid-download).
    Failed,
    /// Every entry was written.
    Succeeded,
}

/// One entry of the archive: a folder (`path` ends with `/`) or a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZipEntry {
    /// Path in the archive.
    pub path: String,
    /// The item it comes from.
    pub item: u64,
    /// Whether it is a folder.
    pub folder: bool,
}

/// A renamed top-level item (Box's `name_conflicts` entries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Renamed {
    /// The item.
    pub item: u64,
    /// Its kind (file or folder).
    pub kind: Kind,
    /// Its name in Box.
    pub original_name: String,
    /// Its name in the archive.
    pub download_name: String,
}

/// A zip download.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ZipDownload {
    /// The id in its URLs (random, unguessable: the content URL needs no token).
    pub id: String,
    /// Who asked for it.
    pub user: u64,
    /// The archive's file name (with `.zip`).
    pub name: String,
    /// When it was asked for.
    pub created_at: DateTime<Utc>,
    /// Until when the download may start (afterwards both URLs are gone).
    pub expires_at: DateTime<Utc>,
    /// When the download started (the content URL answers once).
    pub started_at: Option<DateTime<Utc>>,
    /// Entries in archive order.
    pub entries: Vec<ZipEntry>,
    /// Groups of top-level items that had the same name, all renamed.
    pub name_conflicts: Vec<Vec<Renamed>>,
    /// Where the download stands.
    pub state: ZipState,
    /// Files written so far.
    pub downloaded_file_count: u64,
    /// Files left out (no longer readable, gone).
    pub skipped_file_count: u64,
    /// Folders left out (no longer readable, gone).
    pub skipped_folder_count: u64,
}

impl ZipDownload {
    /// Files in the archive as planned.
    pub fn total_file_count(&self) -> u64 {
        self.entries.iter().filter(|e| !e.folder).count() as u64
    }

    /// Whether the record is of no more use at `now`: never started and
    /// past its expiry, or started more than [`STATUS_TTL_HOURS`] ago.
    pub fn is_dead(&self, now: DateTime<Utc>) -> bool {
        match self.started_at {
            None => self.expires_at <= now,
            Some(s) => s + Duration::hours(STATUS_TTL_HOURS) <= now,
        }
    }
}

/// A name for a renamed top-level item: six random hex digits and the
/// original extension (`Report.pdf` → `3aa6a7.pdf`), as Box renames them.
fn conflict_name(original: &str, kind: Kind, taken: &HashSet<String>) -> String {
    let ext = match kind {
        Kind::File => original
            .rsplit_once('.')
            .filter(|(stem, e)| !stem.is_empty() && !e.is_empty())
            .map(|(_, e)| format!(".{e}"))
            .unwrap_or_default(),
        _ => String::new(),
    };
    loop {
        let hex: String = random_token(32)
            .bytes()
            .map(|b| char::from_digit(u32::from(b) % 16, 16).unwrap_or('0'))
            .take(6)
            .collect();
        let name = format!("{hex}{ext}");
        if !taken.contains(&name.to_lowercase()) {
            return name;
        }
    }
}

impl State {
    /// A zip download of `user`'s that is still alive.
    pub fn zip_download(&self, user: Option<u64>, id: &str) -> StoreResult<&ZipDownload> {
        self.zip_downloads
            .get(id)
            .filter(|z| user.is_none_or(|u| z.user == u) && !z.is_dead(Utc::now()))
            .ok_or(StoreError::NotFound)
    }
}

impl Tx<'_> {
    /// Plans a zip download of `items` (wire ids of files and folders) for
    /// `user`: every item must be one the user can read (404 otherwise);
    /// folders bring their live files and subfolders (web links are not
    /// zipped). Top-level items with the same name (case-insensitively) are
    /// all renamed and reported. `bytes_limit` bounds the total size
    /// before compression; more than [`MAX_FILES`] files is refused too.
    pub fn create_zip_download(
        &mut self,
        user: u64,
        items: &[(Kind, String)],
        name: Option<&str>,
        ttl: std::time::Duration,
        bytes_limit: u64,
    ) -> StoreResult<String> {
        if items.is_empty() {
            return Err(StoreError::BadRequest(
                "bad_request",
                "items must list at least one file or folder".into(),
            ));
        }
        let mut top = Vec::new();
        let mut seen = HashSet::new();
        for (kind, wire) in items {
            if *kind == Kind::Folder
                && (wire == "0"
                    || self
                        .st
                        .root_of(user)
                        .is_some_and(|r| r.to_string() == *wire))
            {
                return Err(StoreError::BadRequest(
                    "bad_request",
                    "the root folder (0) cannot be put in a zip download".into(),
                ));
            }
            let (id, _) = self.st.resolve(user, wire, *kind)?;
            // The same item twice is one entry.
            if seen.insert(id) {
                top.push(id);
            }
        }
        // Top-level names: every member of a group of equal names is renamed.
        let mut by_name: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for &id in &top {
            let item = self.st.items.get(&id).ok_or(StoreError::NotFound)?;
            by_name
                .entry(item.name.to_lowercase())
                .or_default()
                .push(id);
        }
        let mut taken: HashSet<String> = by_name.keys().cloned().collect();
        let mut names: BTreeMap<u64, String> = BTreeMap::new();
        let mut conflicts = Vec::new();
        for ids in by_name.values() {
            if ids.len() < 2 {
                if let Some(item) = self.st.items.get(&ids[0]) {
                    names.insert(item.id, item.name.clone());
                }
                continue;
            }
            let mut group = Vec::new();
            for id in ids {
                let item = self.st.items.get(id).ok_or(StoreError::NotFound)?;
                let new = conflict_name(&item.name, item.kind, &taken);
                taken.insert(new.to_lowercase());
                names.insert(*id, new.clone());
                group.push(Renamed {
                    item: *id,
                    kind: item.kind,
                    original_name: item.name.clone(),
                    download_name: new,
                });
            }
            conflicts.push(group);
        }
        let mut entries = Vec::new();
        let mut files = 0usize;
        let mut bytes = 0u64;
        for &id in &top {
            let base = names.get(&id).cloned().unwrap_or_default();
            // Iterative, so a deep tree cannot overflow the stack.
            let mut stack = vec![(id, base)];
            while let Some((cur, path)) = stack.pop() {
                let Some(item) = self.st.items.get(&cur) else {
                    continue;
                };
                match item.kind {
                    Kind::File => {
                        files += 1;
                        bytes = bytes.saturating_add(item.file_size());
                        entries.push(ZipEntry {
                            path,
                            item: cur,
                            folder: false,
                        });
                    }
                    Kind::Folder => {
                        entries.push(ZipEntry {
                            path: format!("{path}/"),
                            item: cur,
                            folder: true,
                        });
                        let mut kids = self.st.children(cur);
                        kids.retain(|k| k.kind != Kind::WebLink);
                        // Reversed on the stack, so they come out by name.
                        kids.sort_by_key(|k| std::cmp::Reverse(k.name.to_lowercase()));
                        for k in kids {
                            stack.push((k.id, format!("{path}/{}", k.name)));
                        }
                    }
                    Kind::WebLink => {}
                }
                if files > MAX_FILES {
                    return Err(StoreError::BadRequest(
                        "zip_download_file_count_exceeded_limit",
                        format!("a zip download may hold at most {MAX_FILES} files"),
                    ));
                }
            }
        }
        if bytes > bytes_limit {
            return Err(StoreError::BadRequest(
                "zip_download_pre_compressed_bytes_exceeded_limit",
                format!(
                    "the items hold {bytes} bytes, more than the {bytes_limit} a zip download may"
                ),
            ));
        }
        let now = Utc::now();
        self.purge_dead_zip_downloads(now);
        let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) if n.to_lowercase().ends_with(".zip") => n.to_string(),
            Some(n) => format!("{n}.zip"),
            None => format!("box-download-{}.zip", now.format("%Y%m%d-%H%M%S")),
        };
        let id = random_token(48);
        let ttl = Duration::from_std(ttl).unwrap_or(Duration::seconds(30));
        let z = ZipDownload {
            id: id.clone(),
            user,
            name,
            created_at: now,
            expires_at: now + ttl,
            started_at: None,
            entries,
            name_conflicts: conflicts,
            state: ZipState::InProgress,
            downloaded_file_count: 0,
            skipped_file_count: 0,
            skipped_folder_count: 0,
        };
        self.touch(Table::ZipDownload, &id);
        self.st.zip_downloads.insert(id.clone(), z);
        Ok(id)
    }

    /// Removes zip downloads whose URLs have all expired.
    fn purge_dead_zip_downloads(&mut self, now: DateTime<Utc>) {
        let dead: Vec<String> = self
            .st
            .zip_downloads
            .values()
            .filter(|z| z.is_dead(now))
            .map(|z| z.id.clone())
            .collect();
        for id in dead {
            self.touch(Table::ZipDownload, &id);
            self.st.zip_downloads.remove(&id);
        }
    }

    /// Starts download `id` (its content URL answers once, before it
    /// expires); returns the record as it is now.
    pub fn start_zip_download(&mut self, id: &str) -> StoreResult<ZipDownload> {
        let now = Utc::now();
        self.st
            .zip_downloads
            .get(id)
            .filter(|z| z.started_at.is_none() && z.expires_at > now)
            .ok_or(StoreError::NotFound)?;
        self.touch(Table::ZipDownload, id);
        let z = self
            .st
            .zip_downloads
            .get_mut(id)
            .ok_or(StoreError::NotFound)?;
        z.started_at = Some(now);
        Ok(z.clone())
    }

    /// Records how download `id` ended.
    pub fn finish_zip_download(
        &mut self,
        id: &str,
        state: ZipState,
        downloaded: u64,
        skipped_files: u64,
        skipped_folders: u64,
    ) -> StoreResult<()> {
        if !self.st.zip_downloads.contains_key(id) {
            return Err(StoreError::NotFound);
        }
        self.touch(Table::ZipDownload, id);
        let z = self
            .st
            .zip_downloads
            .get_mut(id)
            .ok_or(StoreError::NotFound)?;
        z.state = state;
        z.downloaded_file_count = downloaded;
        z.skipped_file_count = skipped_files;
        z.skipped_folder_count = skipped_folders;
        Ok(())
    }
}

impl Store {
    /// Changes download `id`'s counts in memory only (its progress while it
    /// streams; the end is written by [`Tx::finish_zip_download`]).
    pub fn zip_progress(&self, id: &str, f: impl FnOnce(&mut ZipDownload)) {
        if let Some(z) = self.lock().zip_downloads.get_mut(id) {
            f(z);
        }
    }
}
