//! `boxctl migrate`: moves a legacy v1 account (or one folder of it) to v2.
//!
//! 1. Reads the source tree with one `Storage::walk` (on v1, one
//!    `get_account_tree` call).
//! 2. Recreates the folders, parents first, reusing folders that exist.
//! 3. Streams every file across — download stream to upload body, never the
//!    whole file in memory; the v2 client switches to a chunked upload
//!    session above its threshold — hashing the bytes on the way, and checks
//!    the SHA-1 against the source's and the destination's.
//! 4. Carries descriptions, tags and the shared (public) state; reports what
//!    it could not carry.
//! 5. Appends each finished item to a journal (source id → destination id), so
//!    a re-run after any interruption skips what is done. An upload that
//!    finished on the server but not in the journal (killed in between) is
//!    found by name on the re-run, checked by SHA-1 and adopted: no duplicates.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use box_core::{
    Body, DeleteMode, Error, File, FolderId, Item, ItemId, Operation, Sha1Hex, SharedLinkAccess,
    SharedLinkOptions, Storage, StorageExt, WalkEntry,
};
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

use crate::backend::Session;
use crate::cli::MigrateArgs;
use crate::error::{code, CliError, CliResult};
use crate::output::{human_size, Output};
use crate::progress::Progress;
use crate::transfer::ensure_folder;

/// What to migrate and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// Source folder path.
    pub from_path: String,
    /// Destination folder path (created if missing).
    pub to_path: String,
    /// Plan only.
    pub dry_run: bool,
    /// Files at a time.
    pub jobs: usize,
    /// The journal file.
    pub journal: PathBuf,
    /// Names the migration in the journal header (profiles and paths).
    pub label: String,
}

/// An item left behind, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// Source path.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// The final report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Only planned.
    pub dry_run: bool,
    /// Folders in the source subtree.
    pub source_folders: u64,
    /// Files in the source subtree.
    pub source_files: u64,
    /// Bytes in the source subtree.
    pub source_bytes: u64,
    /// Folders created on the destination.
    pub folders_created: u64,
    /// Folders that existed (or were done in an earlier run).
    pub folders_existing: u64,
    /// Files copied in this run.
    pub files_copied: u64,
    /// Files found complete on the destination (killed after upload, before the journal).
    pub files_adopted: u64,
    /// Files done in an earlier run (journal).
    pub files_already_done: u64,
    /// Bytes copied in this run.
    pub bytes_copied: u64,
    /// Files whose SHA-1 was checked and matched.
    pub sha1_verified: u64,
    /// Descriptions carried.
    pub descriptions: u64,
    /// Items whose tags were carried.
    pub tagged_items: u64,
    /// Shared links carried.
    pub shared_links: u64,
    /// Items (or parts of items) not carried.
    pub skipped: Vec<Skipped>,
    /// Items that failed; a re-run retries them.
    pub failed: Vec<Skipped>,
}

#[derive(Debug, Serialize, Deserialize)]
struct JournalLine {
    src: String,
    dst: String,
    path: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct JournalHeader {
    journal: String,
    label: String,
}

/// The append-only journal: one JSON line per finished item.
#[derive(Debug)]
struct Journal {
    file: Mutex<std::fs::File>,
    done: HashMap<String, String>,
}

impl Journal {
    fn open(path: &Path, label: &str) -> CliResult<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| CliError::failure(format!("creating {}: {e}", dir.display())))?;
        }
        let mut done = HashMap::new();
        let existing = match std::fs::read_to_string(path) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(CliError::failure(format!(
                    "reading {}: {e}",
                    path.display()
                )))
            }
        };
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| CliError::failure(format!("opening {}: {e}", path.display())))?;
        match existing.as_deref() {
            Some(text) if !text.is_empty() => {
                let mut lines = text.lines();
                let header: Option<JournalHeader> =
                    lines.next().and_then(|l| serde_json::from_str(l).ok());
                match header {
                    Some(h) if h.label == label => {}
                    Some(h) => {
                        return Err(CliError::usage(format!(
                            "the journal {} belongs to another migration ({})",
                            path.display(),
                            h.label
                        ))
                        .hint("pass another --journal"))
                    }
                    None => {
                        return Err(CliError::failure(format!(
                            "{} is not a migrate journal",
                            path.display()
                        )))
                    }
                }
                // A line cut short by a kill is ignored: its item is redone (and adopted).
                for line in lines {
                    if let Ok(l) = serde_json::from_str::<JournalLine>(line) {
                        done.insert(l.src, l.dst);
                    }
                }
                if !text.ends_with('\n') {
                    file.write_all(b"\n").map_err(|e| {
                        CliError::failure(format!("writing {}: {e}", path.display()))
                    })?;
                }
            }
            _ => {
                let header = serde_json::to_string(&JournalHeader {
                    journal: "boxctl-migrate/1".into(),
                    label: label.into(),
                })
                .map_err(|e| CliError::failure(e.to_string()))?;
                writeln!(file, "{header}")
                    .map_err(|e| CliError::failure(format!("writing {}: {e}", path.display())))?;
            }
        }
        Ok(Self {
            file: Mutex::new(file),
            done,
        })
    }

    fn record(&self, src: &str, dst: &str, path: &str) -> CliResult<()> {
        let line = serde_json::to_string(&JournalLine {
            src: src.into(),
            dst: dst.into(),
            path: path.into(),
        })
        .map_err(|e| CliError::failure(e.to_string()))?;
        let mut f = self.file.lock().unwrap_or_else(|p| p.into_inner());
        // One write per line, so a kill leaves at most one cut line.
        f.write_all(format!("{line}\n").as_bytes())
            .map_err(|e| CliError::failure(format!("writing the journal: {e}")))
    }

    fn sync(&self) {
        let f = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let _ = f.sync_data();
    }
}

fn key(item: &Item) -> String {
    match item {
        Item::File(f) => format!("file:{}", f.id),
        Item::Folder(f) => format!("folder:{}", f.id),
        other => format!("other:{}", other.id().as_str()),
    }
}

/// `boxctl migrate` from the command line.
pub async fn command(session: &Session, out: Output, args: MigrateArgs) -> CliResult<()> {
    let source = session.open(Some(&args.from)).await?;
    let dest = session.open(Some(&args.to)).await?;
    if source.api() != "v1" {
        out.note(&format!(
            "note: the source profile {:?} talks {}; migrating anyway",
            args.from,
            source.api()
        ));
    }
    let label = format!(
        "{}:{} -> {}:{}",
        args.from, args.from_path, args.to, args.to_path
    );
    let journal = match args.journal {
        Some(j) => j,
        None => {
            let mut h = Sha1::new();
            h.update(label.as_bytes());
            let digest = Sha1Hex::from_digest(h.finalize().into());
            session
                .dirs
                .config_dir
                .join("migrate")
                .join(format!("{}.jsonl", &digest.as_str()[..16]))
        }
    };
    if args.resume && !journal.exists() {
        return Err(CliError::with_code(
            code::NOT_FOUND,
            format!("no journal at {} to resume from", journal.display()),
        )
        .hint("run without --resume to start"));
    }
    let opts = Options {
        from_path: args.from_path,
        to_path: args.to_path,
        dry_run: args.dry_run,
        jobs: args.jobs,
        journal,
        label,
    };
    let report = run(
        source.storage.clone(),
        source.v1.clone(),
        dest.storage.clone(),
        &opts,
        out,
    )
    .await?;
    print_report(out, &opts, &report)?;
    if !report.failed.is_empty() {
        return Err(
            CliError::failure(format!("{} item(s) failed", report.failed.len()))
                .hint("run the same command again: the journal skips what is done"),
        );
    }
    Ok(())
}

/// Prints the report (text or JSON).
pub fn print_report(out: Output, opts: &Options, r: &Report) -> CliResult<()> {
    if out.json {
        return out.json(
            &serde_json::json!({ "migration": opts.label, "journal": opts.journal, "report": r }),
        );
    }
    let mut lines = vec![format!(
        "migrate {}{}",
        opts.label,
        if r.dry_run {
            " (dry run: nothing changed)"
        } else {
            ""
        }
    )];
    lines.push(format!(
        "  source:       {} folders, {} files, {}",
        r.source_folders,
        r.source_files,
        human_size(r.source_bytes)
    ));
    if !r.dry_run {
        lines.push(format!(
            "  folders:      {} created, {} already there",
            r.folders_created, r.folders_existing
        ));
        lines.push(format!(
            "  files:        {} copied ({}), {} adopted, {} done before, {} skipped, {} failed",
            r.files_copied,
            human_size(r.bytes_copied),
            r.files_adopted,
            r.files_already_done,
            r.skipped
                .iter()
                .filter(|s| !s.reason.starts_with("metadata"))
                .count(),
            r.failed.len()
        ));
        lines.push(format!(
            "  SHA-1 checked: {} files, all matching",
            r.sha1_verified
        ));
        lines.push(format!(
            "  carried:      {} descriptions, tags on {} items, {} shared links",
            r.descriptions, r.tagged_items, r.shared_links
        ));
        lines.push(format!("  journal:      {}", opts.journal.display()));
    }
    for s in &r.skipped {
        lines.push(format!("  skipped {}: {}", s.path, s.reason));
    }
    for s in &r.failed {
        lines.push(format!("  FAILED {}: {}", s.path, s.reason));
    }
    out.line(&lines.join("\n"))
}

/// Runs a migration from `source` to `dest`.
///
/// With `source_v1` (the source's v1 client), each file's description and
/// public-share state is read with `get_file_info`: the v1 account tree does
/// not carry them.
pub async fn run(
    source: Arc<dyn Storage>,
    source_v1: Option<box_v1::Client>,
    dest: Arc<dyn Storage>,
    opts: &Options,
    out: Output,
) -> CliResult<Report> {
    let src_root = match crate::commands::resolve(&*source, &opts.from_path).await? {
        Item::Folder(f) => f,
        _ => {
            return Err(CliError::usage(format!(
                "--from-path {} is not a folder",
                opts.from_path
            )))
        }
    };
    let entries: Vec<WalkEntry> = source
        .walk(&src_root.id)
        .try_collect()
        .await
        .map_err(crate::ctx("reading the source tree"))?;
    let mut report = Report {
        dry_run: opts.dry_run,
        ..Report::default()
    };
    for e in &entries {
        match &e.item {
            Item::Folder(_) => report.source_folders += 1,
            Item::File(f) => {
                report.source_files += 1;
                report.source_bytes += f.size;
            }
            _ => {}
        }
    }
    if opts.dry_run {
        for e in &entries {
            let what = match &e.item {
                Item::Folder(_) => "mkdir".to_owned(),
                Item::File(f) => format!("copy  {:>9}", human_size(f.size)),
                _ => "skip (not a file or folder)".to_owned(),
            };
            let mut extras = Vec::new();
            if !e.item.description().is_empty() {
                extras.push("description");
            }
            if !e.item.tags().is_empty() {
                extras.push("tags");
            }
            if e.item.shared_link().is_some() {
                extras.push("shared link");
            }
            if !out.json {
                out.line(&format!(
                    "{what}  {}/{}{}",
                    opts.to_path.trim_end_matches('/'),
                    e.path,
                    if extras.is_empty() {
                        String::new()
                    } else {
                        format!("  (+{})", extras.join(", "))
                    }
                ))?;
            }
        }
        return Ok(report);
    }

    let journal = Arc::new(Journal::open(&opts.journal, &opts.label)?);
    let dst_root = dest
        .create_folder_all(&opts.to_path)
        .await
        .map_err(crate::ctx(&opts.to_path))?;
    let caps = dest.capabilities();
    let mut folder_map: HashMap<FolderId, FolderId> = HashMap::new();
    folder_map.insert(src_root.id.clone(), dst_root.id.clone());
    let report = Arc::new(Mutex::new(report));
    let note = |r: &Arc<Mutex<Report>>, f: &dyn Fn(&mut Report)| {
        f(&mut r.lock().unwrap_or_else(|p| p.into_inner()))
    };

    // Folders, parents first (walk order).
    let mut files = Vec::new();
    for e in entries {
        match &e.item {
            Item::Folder(f) => {
                let k = key(&e.item);
                if let Some(done) = journal.done.get(&k) {
                    folder_map.insert(f.id.clone(), FolderId::from(done.as_str()));
                    note(&report, &|r| r.folders_existing += 1);
                    continue;
                }
                let parent = f
                    .parent
                    .as_ref()
                    .and_then(|p| folder_map.get(p))
                    .cloned()
                    .unwrap_or_else(|| dst_root.id.clone());
                let created = match dest.create_folder(&parent, &f.name).await {
                    Ok(d) => {
                        note(&report, &|r| r.folders_created += 1);
                        d
                    }
                    Err(Error::Conflict { .. }) => {
                        let d = ensure_folder(&*dest, &parent, &f.name)
                            .await
                            .map_err(crate::ctx(&e.path))?;
                        note(&report, &|r| r.folders_existing += 1);
                        d
                    }
                    Err(err) => return Err(CliError::from(err).context(&e.path)),
                };
                carry_metadata(
                    &*dest,
                    &caps,
                    &e.item,
                    &ItemId::Folder(created.id.clone()),
                    &e.path,
                    &report,
                    source_v1.is_some(),
                )
                .await;
                folder_map.insert(f.id.clone(), created.id.clone());
                journal.record(&k, created.id.as_str(), &e.path)?;
            }
            Item::File(_) => files.push(e),
            _ => note(&report, &|r| {
                r.skipped.push(Skipped {
                    path: e.path.clone(),
                    reason: "not a file or folder (web links are not migrated)".into(),
                })
            }),
        }
    }
    journal.sync();

    let total: u64 = files
        .iter()
        .filter_map(|e| e.item.as_file())
        .map(|f| f.size)
        .sum();
    let progress = Progress::bytes(out, total, "migrate");
    let folder_map = Arc::new(folder_map);
    let results: Vec<()> = futures::stream::iter(files)
        .map(|e| {
            let (source, dest, journal, report, progress, folder_map, caps, v1) = (
                source.clone(),
                dest.clone(),
                journal.clone(),
                report.clone(),
                progress.clone(),
                folder_map.clone(),
                caps.clone(),
                source_v1.clone(),
            );
            let root = dst_root.id.clone();
            async move {
                let Item::File(f) = &e.item else { return };
                let k = key(&e.item);
                if journal.done.contains_key(&k) {
                    progress.inc(f.size);
                    note(&report, &|r| r.files_already_done += 1);
                    return;
                }
                let parent = f
                    .parent
                    .as_ref()
                    .and_then(|p| folder_map.get(p))
                    .cloned()
                    .unwrap_or(root);
                match copy_file(&*source, &*dest, f, &parent, &progress).await {
                    Ok((copied, adopted)) => {
                        let item = match &v1 {
                            Some(v1) => enrich_from_v1(v1, f.clone(), &e.path, &report).await,
                            None => e.item.clone(),
                        };
                        carry_metadata(
                            &*dest,
                            &caps,
                            &item,
                            &ItemId::File(copied.id.clone()),
                            &e.path,
                            &report,
                            v1.is_some(),
                        )
                        .await;
                        if let Err(err) = journal.record(&k, copied.id.as_str(), &e.path) {
                            note(&report, &|r| {
                                r.failed.push(Skipped {
                                    path: e.path.clone(),
                                    reason: err.message.clone(),
                                })
                            });
                            return;
                        }
                        note(&report, &|r| {
                            r.sha1_verified += 1;
                            if adopted {
                                r.files_adopted += 1;
                            } else {
                                r.files_copied += 1;
                                r.bytes_copied += f.size;
                            }
                        });
                    }
                    Err(CopyError::Skip(reason)) => note(&report, &|r| {
                        r.skipped.push(Skipped {
                            path: e.path.clone(),
                            reason: reason.clone(),
                        })
                    }),
                    Err(CopyError::Fail(reason)) => note(&report, &|r| {
                        r.failed.push(Skipped {
                            path: e.path.clone(),
                            reason: reason.clone(),
                        })
                    }),
                }
            }
        })
        .buffer_unordered(opts.jobs.max(1))
        .collect()
        .await;
    drop(results);
    progress.finish();
    journal.sync();
    let r = report.lock().unwrap_or_else(|p| p.into_inner()).clone();
    Ok(r)
}

enum CopyError {
    Skip(String),
    Fail(String),
}

/// Streams one file across, hashing on the way. Returns the destination
/// file and whether it was adopted (already there with the same SHA-1).
async fn copy_file(
    source: &dyn Storage,
    dest: &dyn Storage,
    f: &File,
    parent: &FolderId,
    progress: &Progress,
) -> Result<(File, bool), CopyError> {
    let fail = |what: &str, e: Error| CopyError::Fail(format!("{what}: {e}"));
    let body = source
        .download(&f.id, None)
        .await
        .map_err(|e| fail("download", e))?;
    let hasher = Arc::new(Mutex::new(Sha1::new()));
    let h = hasher.clone();
    let bar = progress.clone();
    let stream = body.into_stream().inspect_ok(move |chunk| {
        h.lock().unwrap_or_else(|p| p.into_inner()).update(chunk);
        bar.inc(chunk.len() as u64);
    });
    let body = Body::from_stream(stream, Some(f.size)).checked();
    match dest.upload(parent, &f.name, body).await {
        Ok(uploaded) => {
            let got = Sha1Hex::from_digest(
                hasher
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clone()
                    .finalize()
                    .into(),
            );
            let mismatch = f.sha1.as_ref().is_some_and(|s| s != &got)
                || uploaded.sha1.as_ref().is_some_and(|s| s != &got);
            if mismatch {
                // Never leave a corrupt copy behind: the re-run copies it again.
                let _ = dest
                    .delete(&ItemId::File(uploaded.id.clone()), DeleteMode::Permanent)
                    .await;
                return Err(CopyError::Fail(format!(
                    "SHA-1 mismatch (source {}, streamed {}, destination {}); the copy was removed",
                    f.sha1.as_ref().map(|s| s.as_str()).unwrap_or("?"),
                    got.as_str(),
                    uploaded.sha1.as_ref().map(|s| s.as_str()).unwrap_or("?")
                )));
            }
            Ok((uploaded, false))
        }
        Err(Error::Conflict { conflicting, .. }) => {
            // Killed after the upload and before the journal line, or a file
            // of that name was there already: adopt it only if it is the same.
            let existing = match conflicting {
                Some(ItemId::File(id)) => dest.get_file(&id).await.ok(),
                _ => match dest.find_child(parent, &f.name).await {
                    Ok(Some(Item::File(file))) => Some(file),
                    _ => None,
                },
            };
            match existing {
                Some(e) if e.sha1.is_some() && e.sha1 == f.sha1 => {
                    progress.inc(f.size);
                    Ok((e, true))
                }
                Some(_) => Err(CopyError::Skip(
                    "a different file of that name exists on the destination".into(),
                )),
                None => Err(CopyError::Skip(
                    "the name is taken on the destination by a folder".into(),
                )),
            }
        }
        Err(e) => Err(fail("upload", e)),
    }
}

/// Adds what `get_file_info` knows and the account tree does not:
/// description and public-share state.
async fn enrich_from_v1(
    v1: &box_v1::Client,
    mut f: File,
    path: &str,
    report: &Arc<Mutex<Report>>,
) -> Item {
    let Ok(id) = f.id.as_str().parse::<u64>() else {
        return Item::File(f);
    };
    match v1.send(&box_v1::actions::GetFileInfo { file_id: id }).await {
        Ok(info) => {
            if f.description.is_empty() {
                f.description = info.description;
            }
            if info.shared && f.shared_link.is_none() {
                f.shared_link = Some(box_core::SharedLink::new(
                    format!("shared/{}", info.shared_name),
                    SharedLinkAccess::Open,
                ));
            }
        }
        Err(e) => report
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .skipped
            .push(Skipped {
                path: path.to_owned(),
                reason: format!(
                    "metadata: description and shared state unknown (get_file_info failed: {e})"
                ),
            }),
    }
    Item::File(f)
}

/// Description, tags and shared state; what fails is reported, not fatal.
async fn carry_metadata(
    dest: &dyn Storage,
    caps: &box_core::Capabilities,
    src: &Item,
    dst: &ItemId,
    path: &str,
    report: &Arc<Mutex<Report>>,
    from_v1: bool,
) {
    let skip = |reason: String| {
        report
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .skipped
            .push(Skipped {
                path: path.to_owned(),
                reason,
            });
    };
    if !src.description().is_empty() {
        if caps.supports(Operation::SetDescription) {
            match dest.set_description(dst, src.description()).await {
                Ok(_) => {
                    report
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .descriptions += 1
                }
                Err(e) => skip(format!("metadata: description not carried: {e}")),
            }
        } else {
            skip("metadata: the destination cannot store descriptions".into());
        }
    }
    if !src.tags().is_empty() {
        match dest.add_tags(dst, src.tags()).await {
            Ok(_) => {
                report
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .tagged_items += 1
            }
            Err(e) => skip(format!("metadata: tags not carried: {e}")),
        }
    }
    if let Some(link) = src.shared_link() {
        // v1 public shares are open links; the URL itself cannot be kept (v2 makes a new one).
        let access = match link.access {
            SharedLinkAccess::Open
            | SharedLinkAccess::Company
            | SharedLinkAccess::Collaborators => link.access.clone(),
            _ => SharedLinkAccess::Open,
        };
        match dest
            .create_shared_link(dst, SharedLinkOptions::new().access(access))
            .await
        {
            Ok(new) => {
                report
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .shared_links += 1;
                if link.is_password_enabled {
                    skip(format!(
                        "share password: a password cannot be read back; the new link {} has none (set one with `boxctl share --password-env VAR`)",
                        new.url
                    ));
                } else if from_v1 {
                    // v1 answers neither whether a public share has a
                    // password nor what it is: say so for every share.
                    skip(format!(
                        "share password: v1 cannot read back a public share's password (nor tell whether it has one); the new link {} has none (set one with `boxctl share --password-env VAR` if it needs one)",
                        new.url
                    ));
                }
            }
            Err(e) => skip(format!("metadata: shared link not carried: {e}")),
        }
    }
}
