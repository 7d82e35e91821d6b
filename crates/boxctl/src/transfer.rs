//! `put`, `get` and `cat`: streaming transfers, parallel, with progress.
//!
//! Downloads never leave a half file under the final name: bytes go to
//! `.NAME.boxctl-part` beside it, are checked against the remote SHA-1, and
//! are renamed into place. An interrupted download resumes from the partial
//! file with a ranged request on the next `get`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use box_core::{
    Body, ByteRange, Error, File, Folder, FolderId, Item, ItemId, Operation, Sha1Hex, Storage,
    StorageExt,
};
use futures::{StreamExt, TryStreamExt};

use serde::Serialize;
use sha1::{Digest, Sha1};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::backend::Backend;
use crate::cli::OnConflict;
use crate::commands::{resolve, split_parent};
use crate::error::{code, CliError, CliResult};
use crate::localpath::local_path_under;
use crate::output::{human_size, Output};
use crate::progress::Progress;

/// One upload's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct PutResult {
    /// Local path.
    pub local: PathBuf,
    /// Remote path.
    pub remote: String,
    /// `uploaded`, `version`, `renamed` or `skipped`.
    pub action: &'static str,
    /// The remote file id.
    pub id: String,
    /// Bytes sent.
    pub size: u64,
}

struct PlannedFile {
    local: PathBuf,
    folder: FolderId,
    remote_dir: String,
    name: String,
    size: u64,
}

fn join_remote(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// A folder under `parent`, reusing one that exists.
pub async fn ensure_folder(
    s: &dyn Storage,
    parent: &FolderId,
    name: &str,
) -> Result<Folder, Error> {
    match s.create_folder(parent, name).await {
        Ok(f) => Ok(f),
        Err(Error::Conflict {
            conflicting: Some(ItemId::Folder(id)),
            ..
        }) => s.get_folder(&id).await,
        Err(e @ Error::Conflict { .. }) => match s.find_child(parent, name).await? {
            Some(Item::Folder(f)) => Ok(f),
            _ => Err(e),
        },
        Err(e) => Err(e),
    }
}

fn local_name(p: &Path) -> CliResult<String> {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| CliError::usage(format!("{} has no file name", p.display())))
}

/// Walks local directories into remote folders (created as needed) and a list of files.
async fn plan_dir(
    s: &dyn Storage,
    out: Output,
    local: &Path,
    folder: FolderId,
    remote_dir: String,
    files: &mut Vec<PlannedFile>,
) -> CliResult<()> {
    let mut stack = vec![(local.to_path_buf(), folder, remote_dir)];
    while let Some((dir, folder, remote_dir)) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|e| CliError::failure(format!("reading {}: {e}", dir.display())))?
            .collect::<Result<_, _>>()
            .map_err(|e| CliError::failure(format!("reading {}: {e}", dir.display())))?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let name = local_name(&path)?;
            let ft = entry.file_type()?;
            if ft.is_symlink() {
                out.note(&format!("skipping symbolic link {}", path.display()));
            } else if ft.is_dir() {
                let sub = ensure_folder(s, &folder, &name)
                    .await
                    .map_err(crate::ctx(join_remote(&remote_dir, &name)))?;
                stack.push((path, sub.id, join_remote(&remote_dir, &name)));
            } else if ft.is_file() {
                let size = entry.metadata()?.len();
                files.push(PlannedFile {
                    local: path,
                    folder: folder.clone(),
                    remote_dir: remote_dir.clone(),
                    name,
                    size,
                });
            }
        }
    }
    Ok(())
}

/// `put LOCAL... REMOTE`.
pub async fn put(
    b: &Backend,
    out: Output,
    mut paths: Vec<PathBuf>,
    on_conflict: OnConflict,
    jobs: usize,
) -> CliResult<()> {
    let s = &*b.storage;
    let remote = paths
        .pop()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    for p in &paths {
        if !p.exists() {
            return Err(CliError::with_code(
                code::NOT_FOUND,
                format!("{}: no such local file or directory", p.display()),
            ));
        }
    }
    let mut files = Vec::new();
    let single = paths.len() == 1;
    match resolve(s, &remote).await {
        Ok(Item::Folder(f)) => {
            for p in &paths {
                let name = local_name(p)?;
                if p.is_dir() {
                    let sub = ensure_folder(s, &f.id, &name)
                        .await
                        .map_err(crate::ctx(join_remote(&remote, &name)))?;
                    plan_dir(s, out, p, sub.id, join_remote(&remote, &name), &mut files).await?;
                } else {
                    let size = std::fs::metadata(p)?.len();
                    files.push(PlannedFile {
                        local: p.clone(),
                        folder: f.id.clone(),
                        remote_dir: remote.clone(),
                        name,
                        size,
                    });
                }
            }
        }
        Ok(Item::File(existing)) if single && paths[0].is_file() => {
            // `put a.txt /x/a.txt` onto an existing file: the conflict rule decides.
            let (dir, name) = split_parent(&remote)?;
            let folder = existing.parent.clone().unwrap_or_else(FolderId::root);
            let size = std::fs::metadata(&paths[0])?.len();
            files.push(PlannedFile {
                local: paths[0].clone(),
                folder,
                remote_dir: dir,
                name,
                size,
            });
        }
        Ok(_) => return Err(CliError::usage(format!("{remote} is not a folder"))),
        Err(e) if e.code == code::NOT_FOUND && single => {
            let (dir, name) = split_parent(&remote)?;
            let parent = crate::commands::resolve_folder(s, &dir).await?;
            if paths[0].is_dir() {
                let sub = ensure_folder(s, &parent.id, &name)
                    .await
                    .map_err(crate::ctx(&remote))?;
                plan_dir(s, out, &paths[0], sub.id, remote.clone(), &mut files).await?;
            } else {
                let size = std::fs::metadata(&paths[0])?.len();
                files.push(PlannedFile {
                    local: paths[0].clone(),
                    folder: parent.id,
                    remote_dir: dir,
                    name,
                    size,
                });
            }
        }
        Err(e) => return Err(e),
    }
    let total: u64 = files.iter().map(|f| f.size).sum();
    let progress = Progress::bytes(out, total, "upload");
    let storage = b.storage.clone();
    let results: Vec<CliResult<PutResult>> = futures::stream::iter(files)
        .map(|f| {
            let storage = storage.clone();
            let progress = progress.clone();
            async move { put_one(storage, &progress, f, on_conflict).await }
        })
        .buffer_unordered(jobs.max(1))
        .collect()
        .await;
    progress.finish();
    let mut done = Vec::new();
    let mut first_err = None;
    for r in results {
        match r {
            Ok(r) => done.push(r),
            Err(e) => match &first_err {
                // The first failure is returned (and printed by main); the others are printed here.
                Some(_) => eprintln!("boxctl: {e}"),
                None => first_err = Some(e),
            },
        }
    }
    done.sort_by(|a, b| a.remote.cmp(&b.remote));
    if out.json {
        let bytes: u64 = done
            .iter()
            .filter(|r| r.action != "skipped")
            .map(|r| r.size)
            .sum();
        out.json(&serde_json::json!({ "files": done, "bytes": bytes, "failed": first_err.as_ref().map(|e| e.message.clone()) }))?;
    } else {
        for r in &done {
            out.line(&format!(
                "{:<8} {} -> {} (file {}, {})",
                r.action,
                r.local.display(),
                r.remote,
                r.id,
                human_size(r.size)
            ))?;
        }
    }
    match first_err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

async fn put_one(
    storage: Arc<dyn Storage>,
    progress: &Progress,
    f: PlannedFile,
    on_conflict: OnConflict,
) -> CliResult<PutResult> {
    let remote = join_remote(&f.remote_dir, &f.name);
    let body = || async {
        let body = Body::from_path(&f.local).await.map_err(CliError::from)?;
        Ok::<_, CliError>(progress.track(body))
    };
    let result = |action, file: File| PutResult {
        local: f.local.clone(),
        remote: remote.clone(),
        action,
        id: file.id.to_string(),
        size: f.size,
    };
    match storage.upload(&f.folder, &f.name, body().await?).await {
        Ok(file) => Ok(result("uploaded", file)),
        Err(Error::Conflict {
            conflicting,
            message,
            ..
        }) => {
            let existing = match conflicting {
                Some(ItemId::File(id)) => Some(id),
                _ => match storage.find_child(&f.folder, &f.name).await? {
                    Some(Item::File(file)) => Some(file.id),
                    _ => None,
                },
            };
            match (on_conflict, existing) {
                (OnConflict::Skip, Some(id)) => {
                    progress.inc(f.size);
                    Ok(PutResult {
                        local: f.local.clone(),
                        remote: remote.clone(),
                        action: "skipped",
                        id: id.to_string(),
                        size: f.size,
                    })
                }
                (OnConflict::Version, Some(id)) => {
                    let file = storage
                        .upload_version(&id, body().await?)
                        .await
                        .map_err(crate::ctx(&remote))?;
                    Ok(result("version", file))
                }
                (OnConflict::Rename, _) => {
                    let (stem, ext) = match f.name.rsplit_once('.') {
                        Some((s, e)) if !s.is_empty() => (s.to_owned(), format!(".{e}")),
                        _ => (f.name.clone(), String::new()),
                    };
                    for n in 1..=999 {
                        let candidate = format!("{stem} ({n}){ext}");
                        match storage.upload(&f.folder, &candidate, body().await?).await {
                            Ok(file) => {
                                let mut r = result("renamed", file);
                                r.remote = join_remote(&f.remote_dir, &candidate);
                                return Ok(r);
                            }
                            Err(Error::Conflict { .. }) => continue,
                            Err(e) => return Err(CliError::from(e).context(&remote)),
                        }
                    }
                    Err(CliError::with_code(
                        code::CONFLICT,
                        format!("{remote}: no free name found"),
                    ))
                }
                _ => Err(CliError::with_code(
                    code::CONFLICT,
                    format!("{remote} exists ({message})"),
                )
                .hint("pass --on-conflict skip, version or rename")),
            }
        }
        Err(e) => Err(CliError::from(e).context(&remote)),
    }
}

/// A planned download.
struct PlannedGet {
    file: File,
    local: PathBuf,
}

/// `get REMOTE... LOCAL`.
pub async fn get(
    b: &Backend,
    out: Output,
    mut paths: Vec<String>,
    jobs: usize,
    ranged_opts: RangedOptions,
) -> CliResult<()> {
    let s = &*b.storage;
    let local = PathBuf::from(paths.pop().unwrap_or_default());
    let local_is_dir = local.is_dir();
    if paths.len() > 1 && !local_is_dir {
        return Err(
            CliError::usage(format!("{} is not a directory", local.display()))
                .hint("with several remote items the last argument must be an existing directory"),
        );
    }
    let mut plan = Vec::new();
    let mut dirs = Vec::new();
    for spec in &paths {
        match resolve(s, spec).await? {
            Item::File(file) => {
                let target = if local_is_dir {
                    local_path_under(&local, &[&file.name])?
                } else {
                    local.clone()
                };
                plan.push(PlannedGet {
                    file,
                    local: target,
                });
            }
            Item::Folder(folder) => {
                let base = if local_is_dir {
                    if folder.id.as_str() == "0" {
                        local.clone()
                    } else {
                        local_path_under(&local, &[&folder.name])?
                    }
                } else {
                    local.clone()
                };
                dirs.push(base.clone());
                // Local directories by walk path. Walk paths join names with
                // `/`, and a hostile name may contain `/`: the parent's path is
                // the entry's path minus `/` + its own name, and each local
                // path is the parent's local directory plus one safe
                // component, so nothing lands outside `base`.
                let mut local_dirs: HashMap<String, PathBuf> = HashMap::new();
                local_dirs.insert(String::new(), base.clone());
                for entry in s.walk_all(&folder.id).await.map_err(crate::ctx(spec))? {
                    let name = entry.item.name();
                    let parent_path = entry
                        .path
                        .strip_suffix(name)
                        .map(|p| p.strip_suffix('/').unwrap_or(p))
                        .unwrap_or_default();
                    let parent = local_dirs.get(parent_path).cloned().ok_or_else(|| {
                        CliError::failure(format!("{spec}: {} came before its folder", entry.path))
                    })?;
                    let target = local_path_under(&parent, &[name])?;
                    match entry.item {
                        Item::Folder(_) => {
                            local_dirs.insert(entry.path.clone(), target.clone());
                            dirs.push(target);
                        }
                        Item::File(file) => plan.push(PlannedGet {
                            file,
                            local: target,
                        }),
                        _ => {}
                    }
                }
            }
            _ => return Err(CliError::usage(format!("{spec} cannot be downloaded"))),
        }
    }
    for d in &dirs {
        std::fs::create_dir_all(d)
            .map_err(|e| CliError::failure(format!("creating {}: {e}", d.display())))?;
    }
    let total: u64 = plan.iter().map(|p| p.file.size).sum();
    let progress = Progress::bytes(out, total, "download");
    let src = Source::of(b);
    let results: Vec<CliResult<serde_json::Value>> = futures::stream::iter(plan)
        .map(|p| {
            let src = src.clone();
            let progress = progress.clone();
            async move {
                let (n, resumed) = download_file(&src, &p.file, &p.local, ranged_opts, &progress).await?;
                Ok(serde_json::json!({ "id": p.file.id.as_str(), "local": p.local, "size": n, "resumed_from": resumed }))
            }
        })
        .buffer_unordered(jobs.max(1))
        .collect()
        .await;
    progress.finish();
    let mut ok = Vec::new();
    let mut first_err = None;
    for r in results {
        match r {
            Ok(v) => ok.push(v),
            Err(e) => match &first_err {
                // The first failure is returned (and printed by main); the others are printed here.
                Some(_) => eprintln!("boxctl: {e}"),
                None => first_err = Some(e),
            },
        }
    }
    if out.json {
        out.json(&serde_json::json!({ "files": ok, "failed": first_err.as_ref().map(|e| e.message.clone()) }))?;
    } else {
        for v in &ok {
            let size = v["size"].as_u64().unwrap_or(0);
            out.line(&format!(
                "{} ({})",
                v["local"].as_str().unwrap_or(""),
                human_size(size)
            ))?;
        }
    }
    match first_err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The partial file of a download to `target`.
pub fn partial_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.boxctl-part"))
}

/// The resume record beside a partial file: which remote content the
/// partial holds, and (for a ranged download) which parts are written.
pub fn state_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.boxctl-part.json"))
}

/// How big files are fetched: in byte ranges, several at a time, each
/// written at its offset of the partial file.
#[derive(Debug, Clone, Copy)]
pub struct RangedOptions {
    /// Files larger than this are fetched in ranges (when the API serves ranges).
    pub above: u64,
    /// The size of one range.
    pub part_size: u64,
    /// Ranges of one file at a time.
    pub jobs: usize,
}

impl Default for RangedOptions {
    fn default() -> Self {
        Self {
            above: 16 * 1024 * 1024,
            part_size: 8 * 1024 * 1024,
            jobs: 4,
        }
    }
}

/// The content a partial file holds: a re-run continues it only when the
/// remote file is still this version, and the ranges it fetches are pinned
/// to it (v2's `version=`), so bytes of two versions never mix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
struct PartState {
    file_id: String,
    version_id: Option<String>,
    etag: Option<String>,
    sha1: Option<String>,
    size: u64,
    /// For a ranged download: the range size.
    part_size: Option<u64>,
    /// For a ranged download: the starts of the ranges written and synced.
    #[serde(default)]
    done: std::collections::BTreeSet<u64>,
}

impl PartState {
    fn of(file: &File, part_size: Option<u64>) -> Self {
        Self {
            file_id: file.id.as_str().to_owned(),
            version_id: file.version_id.as_ref().map(|v| v.as_str().to_owned()),
            etag: file.etag.clone(),
            sha1: file.sha1.as_ref().map(|s| s.as_str().to_owned()),
            size: file.size,
            part_size,
            done: Default::default(),
        }
    }

    /// The same remote content (and, when ranged, the same range size).
    fn same_content(&self, other: &Self) -> bool {
        self.file_id == other.file_id
            && self.version_id == other.version_id
            && self.etag == other.etag
            && self.sha1 == other.sha1
            && self.size == other.size
            && self.part_size == other.part_size
    }

    fn load(path: &Path) -> Option<Self> {
        serde_json::from_slice(&std::fs::read(path).ok()?).ok()
    }

    fn save(&self, path: &Path) -> CliResult<()> {
        let bytes = serde_json::to_vec(self)
            .map_err(|e| CliError::failure(format!("encoding {}: {e}", path.display())))?;
        crate::config::write_atomic(path, &bytes, 0o644)
    }
}

/// Where downloads come from: the profile's storage, and its v2 client
/// (when it has one) for downloads pinned to a file version.
#[derive(Clone)]
pub struct Source {
    storage: Arc<dyn Storage>,
    v2: Option<box_v2::Client>,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("v2", &self.v2.is_some())
            .finish_non_exhaustive()
    }
}

impl Source {
    /// Downloads through `storage`, pinned to versions through `v2` when given.
    pub fn new(storage: Arc<dyn Storage>, v2: Option<box_v2::Client>) -> Self {
        Self { storage, v2 }
    }

    /// The profile's source.
    pub fn of(b: &Backend) -> Self {
        Self::new(b.storage.clone(), b.v2.clone())
    }

    fn ranged(&self) -> bool {
        self.storage
            .capabilities()
            .supports(Operation::RangeDownload)
    }

    /// `file`'s content (or `range` of it), of the version `file` describes
    /// when the API can name versions.
    async fn fetch(&self, file: &File, range: Option<ByteRange>) -> Result<Body, Error> {
        match (&self.v2, &file.version_id) {
            (Some(c), Some(v)) => {
                let mut d = c.download(file.id.as_str()).version(v.as_str());
                if let Some(r) = range {
                    d = d.range(r);
                }
                d.send().await
            }
            _ => self.storage.download(&file.id, range).await,
        }
    }
}

/// Downloads `file` to `target` through its partial file, continuing what a
/// previous attempt left there when that was the same remote content; files
/// above `opts.above` in parallel byte ranges. Checks the SHA-1, renames into
/// place. Returns the size and the bytes resumed (not fetched again).
pub async fn download_file(
    src: &Source,
    file: &File,
    target: &Path,
    opts: RangedOptions,
    progress: &Progress,
) -> CliResult<(u64, u64)> {
    let part = partial_path(target);
    let state_file = state_path(target);
    let ranged = src.ranged();
    let parallel = ranged && file.size > opts.above && opts.part_size > 0;
    let want = PartState::of(file, parallel.then_some(opts.part_size));
    // Small files are fetched again whole: a resume record is not worth its write.
    let resumable = parallel || (ranged && file.size >= RESUME_MIN);
    let previous = PartState::load(&state_file).filter(|s| s.same_content(&want));
    let part_len = tokio::fs::metadata(&part).await.map(|m| m.len()).ok();
    let (state, resumed) = match (previous, part_len) {
        (Some(prev), Some(_)) if parallel => (prev, true),
        (Some(prev), Some(len)) if resumable && len <= file.size => (prev, true),
        _ => (want, false),
    };
    if !resumed {
        let _ = tokio::fs::remove_file(&part).await;
    }
    if resumable {
        state.save(&state_file)?;
    } else {
        let _ = tokio::fs::remove_file(&state_file).await;
    }
    let result = if parallel {
        download_ranges(src, file, &part, &state_file, state, opts, progress).await
    } else {
        download_sequential(src, file, &part, resumed, progress).await
    };
    let have = match result {
        Ok(have) => have,
        Err(e) => return Err(e),
    };
    tokio::fs::rename(&part, target)
        .await
        .map_err(|e| CliError::failure(format!("renaming into {}: {e}", target.display())))?;
    let _ = tokio::fs::remove_file(&state_file).await;
    Ok((file.size, have))
}

/// Removes a partial download that turned out wrong, and its record.
async fn discard(part: &Path) {
    let _ = tokio::fs::remove_file(part).await;
    if let Some(name) = part.file_name() {
        let state = part.with_file_name(format!("{}.json", name.to_string_lossy()));
        let _ = tokio::fs::remove_file(state).await;
    }
}

fn check_sha1(file: &File, got: Sha1Hex) -> CliResult<()> {
    match &file.sha1 {
        Some(want) if &got != want => Err(CliError::failure(format!(
            "{}: the download's SHA-1 {} differs from Box's {}; the partial file was removed",
            file.name,
            got.as_str(),
            want.as_str()
        ))
        .hint("run the command again")),
        _ => Ok(()),
    }
}

/// One stream, appended to the partial file (continuing it when `resume`).
/// Returns the bytes that were already there.
async fn download_sequential(
    src: &Source,
    file: &File,
    part: &Path,
    resume: bool,
    progress: &Progress,
) -> CliResult<u64> {
    let mut hasher = Sha1::new();
    let mut have = 0;
    if resume {
        // Hash what is already there, then fetch the rest.
        let mut f = tokio::fs::File::open(part).await?;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = f.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            have += n as u64;
        }
    }
    let mut out = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(part)
        .await
        .map_err(|e| CliError::failure(format!("creating {}: {e}", part.display())))?;
    progress.inc(have);
    let mut stream = if have > 0 && have >= file.size {
        // Everything arrived before the interruption; only the check and the rename are left.
        futures::stream::empty().boxed()
    } else {
        let range = (have > 0).then(|| ByteRange::from_offset(have));
        src.fetch(file, range)
            .await
            .map_err(crate::ctx(&file.name))?
            .into_stream()
            .boxed()
    };
    while let Some(chunk) = stream.try_next().await.map_err(crate::ctx(&file.name))? {
        hasher.update(&chunk);
        out.write_all(&chunk)
            .await
            .map_err(|e| CliError::failure(format!("writing {}: {e}", part.display())))?;
        progress.inc(chunk.len() as u64);
    }
    out.flush().await?;
    out.sync_all().await?;
    drop(out);
    if let Err(e) = check_sha1(file, Sha1Hex::from_digest(hasher.finalize().into())) {
        discard(part).await;
        return Err(e);
    }
    Ok(have)
}

/// Files below this size are not resumed: they are fetched again whole.
const RESUME_MIN: u64 = 1024 * 1024;

/// Most bytes of one range held before they are written out.
const WRITE_BUFFER: usize = 1024 * 1024;

/// Byte ranges of `opts.part_size`, `opts.jobs` at a time, each written at
/// its offset of the partial file and recorded in the state file once
/// synced; ranges recorded by an earlier run are not fetched again. Then
/// the whole file's SHA-1 is checked. Returns the bytes resumed.
async fn download_ranges(
    src: &Source,
    file: &File,
    part: &Path,
    state_file: &Path,
    state: PartState,
    opts: RangedOptions,
    progress: &Progress,
) -> CliResult<u64> {
    let size = file.size;
    let part_size = opts.part_size;
    let out = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .read(true)
        .open(part)
        .map_err(|e| CliError::failure(format!("creating {}: {e}", part.display())))?;
    out.set_len(size)
        .map_err(|e| CliError::failure(format!("sizing {}: {e}", part.display())))?;
    let out = Arc::new(out);
    let len_of = |start: u64| part_size.min(size - start);
    let have: u64 = state.done.iter().map(|&s| len_of(s)).sum();
    progress.inc(have);
    let todo: Vec<u64> = (0..size)
        .step_by(usize::try_from(part_size).unwrap_or(usize::MAX))
        .filter(|s| !state.done.contains(s))
        .collect();
    let state = Arc::new(tokio::sync::Mutex::new(state));
    futures::stream::iter(todo)
        .map(|start| {
            let out = out.clone();
            let state = state.clone();
            async move {
                let end = start + len_of(start) - 1;
                fetch_range(src, file, &out, start, end, progress).await?;
                let o = out.clone();
                tokio::task::spawn_blocking(move || o.sync_data())
                    .await
                    .map_err(|e| CliError::failure(format!("syncing: {e}")))?
                    .map_err(|e| CliError::failure(format!("syncing {}: {e}", part.display())))?;
                let mut st = state.lock().await;
                st.done.insert(start);
                st.save(state_file)
            }
        })
        .buffer_unordered(opts.jobs.max(1))
        .try_for_each(|()| async { Ok(()) })
        .await?;
    drop(out);
    let path = part.to_path_buf();
    let got = tokio::task::spawn_blocking(move || -> std::io::Result<Sha1Hex> {
        use std::io::Read;
        let mut f = std::fs::File::open(&path)?;
        let mut hasher = Sha1::new();
        let mut buf = vec![0u8; WRITE_BUFFER];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(Sha1Hex::from_digest(hasher.finalize().into()))
    })
    .await
    .map_err(|e| CliError::failure(format!("hashing: {e}")))?
    .map_err(|e| CliError::failure(format!("reading {}: {e}", part.display())))?;
    if let Err(e) = check_sha1(file, got) {
        discard(part).await;
        return Err(e);
    }
    Ok(have)
}

/// Fetches `start..=end` of `file` and writes it at `start` of `out`.
async fn fetch_range(
    src: &Source,
    file: &File,
    out: &Arc<std::fs::File>,
    start: u64,
    end: u64,
    progress: &Progress,
) -> CliResult<()> {
    let want = end - start + 1;
    let range = ByteRange::new(start, end).map_err(crate::ctx(&file.name))?;
    let mut stream = src
        .fetch(file, Some(range))
        .await
        .map_err(crate::ctx(&file.name))?
        .into_stream();
    let mut buf: Vec<u8> = Vec::with_capacity(WRITE_BUFFER.min(want as usize));
    let mut at = start;
    let mut got = 0u64;
    loop {
        let chunk = stream.try_next().await.map_err(crate::ctx(&file.name))?;
        let last = chunk.is_none();
        if let Some(chunk) = &chunk {
            got += chunk.len() as u64;
            if got > want {
                break;
            }
            buf.extend_from_slice(chunk);
            progress.inc(chunk.len() as u64);
        }
        if !buf.is_empty() && (last || buf.len() >= WRITE_BUFFER) {
            let n = buf.len() as u64;
            let o = out.clone();
            buf = tokio::task::spawn_blocking(move || write_at(&o, &buf, at).map(|()| buf))
                .await
                .map_err(|e| CliError::failure(format!("writing: {e}")))?
                .map_err(|e| CliError::failure(format!("writing {}: {e}", file.name)))?;
            buf.clear();
            at += n;
        }
        if last {
            break;
        }
    }
    if got != want {
        return Err(CliError::failure(format!(
            "{}: bytes {start}-{end} came back as {got} bytes",
            file.name
        ))
        .hint("run the command again; it continues where it stopped"));
    }
    Ok(())
}

#[cfg(unix)]
fn write_at(file: &std::fs::File, bytes: &[u8], offset: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.write_all_at(bytes, offset)
}

#[cfg(windows)]
fn write_at(file: &std::fs::File, mut bytes: &[u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !bytes.is_empty() {
        let n = file.seek_write(bytes, offset)?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        bytes = &bytes[n..];
        offset += n as u64;
    }
    Ok(())
}

/// `cat FILE`: streams the content to stdout.
pub async fn cat(b: &Backend, spec: &str) -> CliResult<()> {
    let s = &*b.storage;
    let file = match resolve(s, spec).await? {
        Item::File(f) => f,
        _ => return Err(CliError::usage(format!("{spec} is not a file"))),
    };
    let mut stream = s
        .download(&file.id, None)
        .await
        .map_err(crate::ctx(spec))?
        .into_stream();
    let mut stdout = tokio::io::stdout();
    while let Some(chunk) = stream.try_next().await.map_err(crate::ctx(spec))? {
        match stdout.write_all(&chunk).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => return Err(CliError::failure(format!("writing to stdout: {e}"))),
        }
    }
    stdout.flush().await?;
    Ok(())
}
