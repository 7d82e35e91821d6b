//! The conformance suite every [`Storage`] implementation runs.
//!
//! ```no_run
//! # async fn example() {
//! let storage = box_core::MemoryStorage::new();
//! box_core::testing::run_conformance(&storage).await;
//! # }
//! ```
//!
//! Each check works in its own folder below a fresh run folder in the root,
//! so the suite can run against a shared account; the run folder is deleted
//! at the end. Operations the backend does not list in
//! [`Storage::capabilities`] must fail with [`Error::Unsupported`]; the suite
//! checks that too. All checks run; failures are collected and reported
//! together in one panic.

use std::future::Future;
use std::pin::Pin;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures::stream::{self, TryStreamExt};

use crate::body::{Body, ByteRange};
use crate::ids::{FileId, FolderId, ItemId};
use crate::model::{Item, Sha1Hex, SharedLinkAccess, SharedLinkOptions};
use crate::storage::{Capabilities, DeleteMode, Operation, Storage, StorageExt};
use crate::Error;

/// What one check returns: `Err` with a description of what went wrong.
pub type CheckResult = Result<(), String>;

type CheckFuture<'a> = Pin<Box<dyn Future<Output = CheckResult> + Send + 'a>>;

/// A named conformance check.
pub struct Check {
    /// A short name, shown in failures.
    pub name: &'static str,
    run: for<'a> fn(&'a Ctx<'a>) -> CheckFuture<'a>,
}

/// What a check gets: the storage under test and its own empty folder.
pub struct Ctx<'a> {
    /// The storage under test.
    pub storage: &'a dyn Storage,
    /// A fresh folder this check may use freely.
    pub folder: FolderId,
    /// The full path of that folder from the root (`/boxkit-conformance-…/check`).
    pub path: String,
    /// The backend's capabilities.
    pub caps: Capabilities,
}

/// The outcome of a whole run.
#[derive(Debug, Default)]
pub struct Report {
    /// Names of the checks that passed.
    pub passed: Vec<&'static str>,
    /// Names and failure descriptions of the checks that failed.
    pub failed: Vec<(&'static str, String)>,
}

macro_rules! checks {
    ($($name:ident),* $(,)?) => {
        /// Every check in the suite, in order.
        pub fn all_checks() -> Vec<Check> {
            vec![$(Check { name: stringify!($name), run: |ctx| Box::pin($name(ctx)) }),*]
        }
    };
}

checks!(
    current_user,
    root_folder,
    create_folder,
    create_folder_conflict,
    create_folder_missing_parent,
    invalid_names,
    upload_known_length,
    upload_unknown_length,
    upload_empty_file,
    upload_conflict,
    upload_into_missing_folder,
    upload_version,
    range_download,
    list_many_items,
    walk_subtree,
    resolve_path,
    rename_items,
    move_items,
    move_folder_into_own_subtree,
    copy_file,
    copy_folder,
    delete_file,
    delete_folder_subtree,
    permanent_delete,
    describe_items,
    tag_items,
    shared_links,
    search_items,
    wrong_ids,
    ids_are_per_kind,
);

/// Runs every check and panics, listing every failure, if any failed.
pub async fn run_conformance(storage: &dyn Storage) {
    let report = run_checks(storage, &all_checks()).await;
    if !report.failed.is_empty() {
        let lines: Vec<String> = report
            .failed
            .iter()
            .map(|(n, e)| format!("  - {n}: {e}"))
            .collect();
        panic!(
            "{} of {} conformance checks failed on the {} backend:\n{}",
            report.failed.len(),
            report.failed.len() + report.passed.len(),
            storage.backend(),
            lines.join("\n")
        );
    }
}

/// Runs the given checks and reports which passed and which failed.
pub async fn run_checks(storage: &dyn Storage, checks: &[Check]) -> Report {
    let nonce = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let run_name = format!("boxkit-conformance-{nonce}");
    let mut report = Report::default();
    let run_folder = match storage.create_folder(&FolderId::root(), &run_name).await {
        Ok(f) => f,
        Err(e) => {
            report
                .failed
                .push(("setup", format!("creating the run folder: {e}")));
            return report;
        }
    };
    let caps = storage.capabilities();
    for check in checks {
        let outcome = match storage.create_folder(&run_folder.id, check.name).await {
            Ok(folder) => {
                let ctx = Ctx {
                    storage,
                    folder: folder.id,
                    path: format!("/{run_name}/{}", check.name),
                    caps: caps.clone(),
                };
                (check.run)(&ctx).await
            }
            Err(e) => Err(format!("creating the check's folder: {e}")),
        };
        match outcome {
            Ok(()) => report.passed.push(check.name),
            Err(e) => report.failed.push((check.name, e)),
        }
    }
    let cleanup = ItemId::Folder(run_folder.id);
    if let Err(e) = storage.delete(&cleanup, DeleteMode::Trash).await {
        report
            .failed
            .push(("cleanup", format!("deleting the run folder: {e}")));
    }
    report
}

// ---------------------------------------------------------------- helpers

fn ok<T>(r: Result<T, Error>, what: &str) -> Result<T, String> {
    r.map_err(|e| format!("{what}: unexpected error: {e}"))
}

fn ensure(cond: bool, msg: impl FnOnce() -> String) -> CheckResult {
    if cond {
        Ok(())
    } else {
        Err(msg())
    }
}

fn expect_err<T: std::fmt::Debug>(
    r: Result<T, Error>,
    what: &str,
    pred: impl FnOnce(&Error) -> bool,
    expected: &str,
) -> CheckResult {
    match r {
        Ok(v) => Err(format!("{what}: expected {expected}, got success: {v:?}")),
        Err(e) if pred(&e) => Ok(()),
        Err(e) => Err(format!("{what}: expected {expected}, got: {e:?}")),
    }
}

fn is_unsupported(e: &Error) -> bool {
    matches!(e, Error::Unsupported { .. })
}

/// For an operation the backend lacks, checks it fails as Unsupported and
/// returns `Ok(false)`; returns `Ok(true)` when the check should go on.
fn supported<T: std::fmt::Debug>(
    caps: &Capabilities,
    op: Operation,
    attempt: &Result<T, Error>,
) -> Result<bool, String> {
    if caps.supports(op) {
        return Ok(true);
    }
    match attempt {
        Err(e) if is_unsupported(e) => Ok(false),
        other => Err(format!(
            "{op} is not in capabilities(), so it must fail with Unsupported; got {other:?}"
        )),
    }
}

fn content(n: usize, seed: u8) -> Bytes {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect::<Vec<u8>>()
        .into()
}

async fn download_all(s: &dyn Storage, id: &FileId) -> Result<Bytes, String> {
    let body = ok(s.download(id, None).await, "download")?;
    ok(body.collect(64 << 20).await, "reading download")
}

async fn upload(
    s: &dyn Storage,
    parent: &FolderId,
    name: &str,
    data: &Bytes,
) -> Result<FileId, String> {
    let f = ok(
        s.upload(parent, name, Body::from_bytes(data.clone())).await,
        &format!("uploading {name}"),
    )?;
    Ok(f.id)
}

async fn names_in(s: &dyn Storage, folder: &FolderId) -> Result<Vec<String>, String> {
    let items = ok(s.list_all(folder).await, "listing")?;
    let mut names: Vec<String> = items.iter().map(|i| i.name().to_owned()).collect();
    names.sort();
    Ok(names)
}

fn conflict_names(e: &Error, expected: Option<&ItemId>) -> bool {
    match e {
        Error::Conflict { conflicting, .. } => match (conflicting, expected) {
            (Some(got), Some(want)) => got == want,
            _ => true,
        },
        _ => false,
    }
}

// ---------------------------------------------------------------- checks

async fn current_user(ctx: &Ctx<'_>) -> CheckResult {
    let u = ok(ctx.storage.current_user().await, "current_user")?;
    ensure(!u.id.as_str().is_empty(), || "user id is empty".into())
}

async fn root_folder(ctx: &Ctx<'_>) -> CheckResult {
    let root = ok(ctx.storage.get_folder(&FolderId::root()).await, "get root")?;
    ensure(root.id.is_root(), || format!("root id is {}", root.id))?;
    ensure(root.parent.is_none(), || "root has a parent".into())
}

async fn create_folder(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let f = ok(s.create_folder(&ctx.folder, "Reports 2024").await, "create")?;
    ensure(f.name == "Reports 2024", || format!("name is {:?}", f.name))?;
    ensure(f.parent.as_ref() == Some(&ctx.folder), || {
        format!("parent is {:?}", f.parent)
    })?;
    let got = ok(s.get_folder(&f.id).await, "get_folder")?;
    ensure(got.name == "Reports 2024", || {
        format!("stat name {:?}", got.name)
    })?;
    let nested = ok(s.create_folder(&f.id, "q1").await, "create nested")?;
    ensure(nested.parent.as_ref() == Some(&f.id), || {
        "nested parent".into()
    })?;
    ensure(
        names_in(s, &ctx.folder).await? == vec!["Reports 2024"],
        || "listing does not show exactly the new folder".into(),
    )
}

async fn create_folder_conflict(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let f = ok(s.create_folder(&ctx.folder, "Taken").await, "create")?;
    let want = ItemId::Folder(f.id.clone());
    expect_err(
        s.create_folder(&ctx.folder, "Taken").await,
        "same name",
        |e| conflict_names(e, Some(&want)),
        "Conflict naming the existing folder",
    )?;
    expect_err(
        s.create_folder(&ctx.folder, "tAKEN").await,
        "same name in other case",
        |e| conflict_names(e, Some(&want)),
        "Conflict (names are case-insensitive)",
    )?;
    ensure(names_in(s, &ctx.folder).await?.len() == 1, || {
        "a conflicting create left an item behind".into()
    })
}

async fn create_folder_missing_parent(ctx: &Ctx<'_>) -> CheckResult {
    expect_err(
        ctx.storage
            .create_folder(&FolderId::new("987654321987"), "x")
            .await,
        "create in missing parent",
        Error::is_not_found,
        "NotFound",
    )
}

async fn invalid_names(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    for bad in ["", "a/b", "..", "trailing "] {
        expect_err(
            s.create_folder(&ctx.folder, bad).await,
            &format!("create_folder {bad:?}"),
            |e| matches!(e, Error::InvalidInput { .. }),
            "InvalidInput",
        )?;
        expect_err(
            s.upload(&ctx.folder, bad, Body::from_bytes("x")).await,
            &format!("upload {bad:?}"),
            |e| matches!(e, Error::InvalidInput { .. }),
            "InvalidInput",
        )?;
    }
    ensure(names_in(s, &ctx.folder).await?.is_empty(), || {
        "an invalid name created an item".into()
    })
}

async fn upload_known_length(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let data = content(100_000, 1);
    let f = ok(
        s.upload(&ctx.folder, "data.bin", Body::from_bytes(data.clone()))
            .await,
        "upload",
    )?;
    ensure(f.size == data.len() as u64, || format!("size {}", f.size))?;
    ensure(f.name == "data.bin", || format!("name {:?}", f.name))?;
    let want = Sha1Hex::of(&data);
    if let Some(sha) = &f.sha1 {
        ensure(*sha == want, || format!("sha1 {sha} != {want}"))?;
    }
    let stat = ok(s.get_file(&f.id).await, "get_file")?;
    ensure(stat.size == data.len() as u64, || "stat size".into())?;
    ensure(stat.parent.as_ref() == Some(&ctx.folder), || {
        format!("stat parent {:?}", stat.parent)
    })?;
    let back = download_all(s, &f.id).await?;
    ensure(back == data, || "downloaded bytes differ".into())
}

async fn upload_unknown_length(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let chunks: Vec<Bytes> = (0..10).map(|i| content(7_777, i)).collect();
    let all: Bytes = chunks.concat().into();
    let body = Body::from_stream(stream::iter(chunks.into_iter().map(Ok)), None);
    let f = ok(s.upload(&ctx.folder, "streamed.bin", body).await, "upload")?;
    ensure(f.size == all.len() as u64, || format!("size {}", f.size))?;
    ensure(download_all(s, &f.id).await? == all, || {
        "bytes differ".into()
    })
}

async fn upload_empty_file(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let f = ok(
        s.upload(&ctx.folder, "empty.txt", Body::empty()).await,
        "upload",
    )?;
    ensure(f.size == 0, || format!("size {}", f.size))?;
    ensure(download_all(s, &f.id).await?.is_empty(), || {
        "not empty".into()
    })
}

async fn upload_conflict(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let data = content(10, 2);
    let id = upload(s, &ctx.folder, "Same.txt", &data).await?;
    let want = ItemId::File(id.clone());
    expect_err(
        s.upload(&ctx.folder, "same.TXT", Body::from_bytes("other"))
            .await,
        "upload onto a used name",
        |e| conflict_names(e, Some(&want)),
        "Conflict naming the existing file",
    )?;
    ensure(download_all(s, &id).await? == data, || {
        "a rejected upload changed the existing file".into()
    })
}

async fn upload_into_missing_folder(ctx: &Ctx<'_>) -> CheckResult {
    expect_err(
        ctx.storage
            .upload(
                &FolderId::new("987654321987"),
                "x.txt",
                Body::from_bytes("x"),
            )
            .await,
        "upload into a missing folder",
        Error::is_not_found,
        "NotFound",
    )
}

async fn upload_version(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let v1 = content(1000, 3);
    let f = ok(
        s.upload(&ctx.folder, "doc.txt", Body::from_bytes(v1)).await,
        "upload",
    )?;
    let v2 = content(1500, 4);
    let attempt = s.upload_version(&f.id, Body::from_bytes(v2.clone())).await;
    if !supported(&ctx.caps, Operation::UploadVersion, &attempt)? {
        return Ok(());
    }
    let updated = ok(attempt, "upload_version")?;
    ensure(updated.id == f.id, || "new version changed the id".into())?;
    ensure(updated.size == 1500, || format!("size {}", updated.size))?;
    if let (Some(a), Some(b)) = (&f.etag, &updated.etag) {
        ensure(a != b, || "etag unchanged by a new version".into())?;
    }
    ensure(download_all(s, &f.id).await? == v2, || {
        "download is not the new version".into()
    })?;
    expect_err(
        s.upload_version(&FileId::new("987654321987"), Body::from_bytes("x"))
            .await,
        "new version of a missing file",
        Error::is_not_found,
        "NotFound",
    )
}

async fn range_download(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let data = content(5000, 5);
    let id = upload(s, &ctx.folder, "ranged.bin", &data).await?;
    let range = ByteRange::new(100, 1099).map_err(|e| e.to_string())?;
    let attempt = s.download(&id, Some(range)).await;
    if !supported(&ctx.caps, Operation::RangeDownload, &attempt)? {
        return Ok(());
    }
    let part = ok(
        ok(attempt, "ranged download")?.collect(1 << 20).await,
        "read",
    )?;
    ensure(part == data.slice(100..1100), || {
        format!("range 100-1099 gave {} wrong bytes", part.len())
    })?;
    let tail = ok(
        ok(
            s.download(&id, Some(ByteRange::from_offset(4990))).await,
            "open-ended range",
        )?
        .collect(1 << 20)
        .await,
        "read",
    )?;
    ensure(tail == data.slice(4990..), || {
        "open-ended range differs".into()
    })
}

async fn list_many_items(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let mut want = Vec::new();
    for i in 0..12 {
        let name = format!("file-{i:02}.txt");
        upload(s, &ctx.folder, &name, &Bytes::from(name.clone())).await?;
        want.push(name);
    }
    for i in 0..3 {
        let name = format!("dir-{i}");
        ok(s.create_folder(&ctx.folder, &name).await, "create")?;
        want.push(name);
    }
    want.sort();
    let got = names_in(s, &ctx.folder).await?;
    ensure(got == want, || format!("listing {got:?}, want {want:?}"))?;
    let empty = ok(s.create_folder(&ctx.folder, "dir-empty").await, "create")?;
    ensure(names_in(s, &empty.id).await?.is_empty(), || {
        "empty folder lists items".into()
    })?;
    let missing: Result<Vec<Item>, Error> = s
        .list_folder(&FolderId::new("987654321987"))
        .try_collect()
        .await;
    expect_err(
        missing,
        "listing a missing folder",
        Error::is_not_found,
        "NotFound",
    )
}

async fn walk_subtree(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let a = ok(s.create_folder(&ctx.folder, "a").await, "create a")?;
    let b = ok(s.create_folder(&a.id, "b").await, "create b")?;
    upload(s, &a.id, "one.txt", &Bytes::from("1")).await?;
    upload(s, &b.id, "two.txt", &Bytes::from("22")).await?;
    upload(s, &ctx.folder, "top.txt", &Bytes::from("3")).await?;
    let entries = ok(s.walk_all(&ctx.folder).await, "walk")?;
    let mut paths: Vec<(String, usize)> =
        entries.iter().map(|e| (e.path.clone(), e.depth)).collect();
    paths.sort();
    let want = vec![
        ("a".to_owned(), 1),
        ("a/b".to_owned(), 2),
        ("a/b/two.txt".to_owned(), 3),
        ("a/one.txt".to_owned(), 2),
        ("top.txt".to_owned(), 1),
    ];
    ensure(paths == want, || {
        format!("walk gave {paths:?}, want {want:?}")
    })?;
    let pos = |p: &str| entries.iter().position(|e| e.path == p);
    ensure(
        pos("a") < pos("a/b") && pos("a/b") < pos("a/b/two.txt"),
        || "walk yielded a child before its parent".into(),
    )?;
    if let Some(e) = entries.iter().find(|e| e.path == "a/b/two.txt") {
        ensure(e.item.as_file().map(|f| f.size) == Some(2), || {
            "walked file size".into()
        })?;
    }
    Ok(())
}

async fn resolve_path(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let sub = ok(s.create_folder(&ctx.folder, "sub").await, "create")?;
    let id = upload(s, &sub.id, "q1.pdf", &Bytes::from("pdf")).await?;
    let item = ok(
        s.resolve_path(&format!("{}/sub/q1.pdf", ctx.path)).await,
        "resolve",
    )?;
    ensure(item.id() == ItemId::File(id), || {
        format!("resolved to {}", item.id())
    })?;
    let folder = ok(
        s.resolve_path(&format!("{}/sub/", ctx.path)).await,
        "resolve folder",
    )?;
    ensure(folder.id() == ItemId::Folder(sub.id.clone()), || {
        "resolved folder".into()
    })?;
    let root = ok(s.resolve_path("/").await, "resolve /")?;
    ensure(root.id() == ItemId::Folder(FolderId::root()), || {
        "/ is not the root".into()
    })?;
    expect_err(
        s.resolve_path(&format!("{}/sub/nope.pdf", ctx.path)).await,
        "missing path",
        Error::is_not_found,
        "NotFound",
    )?;
    expect_err(
        s.resolve_path(&format!("{}/sub/q1.pdf/deeper", ctx.path))
            .await,
        "path through a file",
        Error::is_not_found,
        "NotFound",
    )?;
    let made = ok(
        s.create_folder_all(&format!("{}/x/y/z", ctx.path)).await,
        "create_folder_all",
    )?;
    let again = ok(
        s.create_folder_all(&format!("{}/x/y/z", ctx.path)).await,
        "create_folder_all twice",
    )?;
    ensure(made.id == again.id, || {
        "create_folder_all is not idempotent".into()
    })
}

async fn rename_items(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let id = upload(s, &ctx.folder, "old.txt", &Bytes::from("x")).await?;
    let before = ok(s.get_file(&id).await, "stat")?;
    let file = ItemId::File(id.clone());
    let renamed = ok(s.rename(&file, "new.txt").await, "rename file")?;
    ensure(renamed.name() == "new.txt", || {
        format!("name {}", renamed.name())
    })?;
    let after = ok(s.get_file(&id).await, "stat")?;
    ensure(after.name == "new.txt", || "rename not visible".into())?;
    if let (Some(a), Some(b)) = (&before.etag, &after.etag) {
        ensure(a != b, || "etag unchanged by rename".into())?;
    }
    let folder = ok(s.create_folder(&ctx.folder, "dir").await, "create")?;
    let renamed = ok(
        s.rename(&ItemId::Folder(folder.id.clone()), "Dir2").await,
        "rename folder",
    )?;
    ensure(renamed.name() == "Dir2", || "folder rename".into())?;
    expect_err(
        s.rename(&file, "DIR2").await,
        "rename onto a used name",
        |e| conflict_names(e, Some(&ItemId::Folder(folder.id.clone()))),
        "Conflict",
    )?;
    // Changing only the case of one's own name is allowed.
    ok(s.rename(&file, "NEW.txt").await, "case-only rename")?;
    expect_err(
        s.rename(&file, "a/b").await,
        "rename to an invalid name",
        |e| matches!(e, Error::InvalidInput { .. }),
        "InvalidInput",
    )?;
    expect_err(
        s.rename(&ItemId::File(FileId::new("987654321987")), "x")
            .await,
        "rename a missing file",
        Error::is_not_found,
        "NotFound",
    )
}

async fn move_items(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let src = ok(s.create_folder(&ctx.folder, "src").await, "create")?;
    let dst = ok(s.create_folder(&ctx.folder, "dst").await, "create")?;
    let id = upload(s, &src.id, "m.txt", &Bytes::from("move me")).await?;
    let moved = ok(
        s.move_item(&ItemId::File(id.clone()), &dst.id).await,
        "move file",
    )?;
    ensure(moved.parent() == Some(&dst.id), || "moved parent".into())?;
    ensure(names_in(s, &src.id).await?.is_empty(), || {
        "file still in source".into()
    })?;
    ensure(names_in(s, &dst.id).await? == vec!["m.txt"], || {
        "file not in destination".into()
    })?;
    ensure(download_all(s, &id).await? == "move me", || {
        "content changed".into()
    })?;
    let other = upload(s, &src.id, "M.TXT", &Bytes::from("other")).await?;
    expect_err(
        s.move_item(&ItemId::File(other), &dst.id).await,
        "move onto a used name",
        |e| conflict_names(e, Some(&ItemId::File(id.clone()))),
        "Conflict",
    )?;
    let moved = ok(
        s.move_item(&ItemId::Folder(src.id.clone()), &dst.id).await,
        "move folder",
    )?;
    ensure(moved.parent() == Some(&dst.id), || {
        "moved folder parent".into()
    })?;
    expect_err(
        s.move_item(&ItemId::File(id), &FolderId::new("987654321987"))
            .await,
        "move into a missing folder",
        Error::is_not_found,
        "NotFound",
    )
}

async fn move_folder_into_own_subtree(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let a = ok(s.create_folder(&ctx.folder, "a").await, "create")?;
    let b = ok(s.create_folder(&a.id, "b").await, "create")?;
    let a_id = ItemId::Folder(a.id.clone());
    expect_err(
        s.move_item(&a_id, &b.id).await,
        "move into own child",
        |e| matches!(e, Error::InvalidInput { .. }),
        "InvalidInput",
    )?;
    expect_err(
        s.move_item(&a_id, &a.id).await,
        "move into itself",
        |e| matches!(e, Error::InvalidInput { .. }),
        "InvalidInput",
    )?;
    let still = ok(s.get_folder(&a.id).await, "stat")?;
    ensure(still.parent.as_ref() == Some(&ctx.folder), || {
        "a failed move moved it".into()
    })
}

async fn copy_file(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let data = content(3000, 6);
    let id = upload(s, &ctx.folder, "orig.bin", &data).await?;
    let item = ItemId::File(id.clone());
    let attempt = s.copy(&item, &ctx.folder, Some("copy.bin")).await;
    if !supported(&ctx.caps, Operation::CopyFile, &attempt)? {
        return Ok(());
    }
    let copy = ok(attempt, "copy")?;
    let copy_id = match &copy {
        Item::File(f) => f.id.clone(),
        other => return Err(format!("copy returned {other:?}")),
    };
    ensure(copy_id != id, || "copy has the original's id".into())?;
    ensure(copy.name() == "copy.bin", || {
        format!("copy name {}", copy.name())
    })?;
    ensure(download_all(s, &copy_id).await? == data, || {
        "copy content differs".into()
    })?;
    expect_err(
        s.copy(&item, &ctx.folder, None).await,
        "copy onto own name in same folder",
        |e| conflict_names(e, Some(&item)),
        "Conflict",
    )?;
    let other = ok(s.create_folder(&ctx.folder, "other").await, "create")?;
    let copy2 = ok(s.copy(&item, &other.id, None).await, "copy keeping name")?;
    ensure(copy2.name() == "orig.bin", || {
        "copy did not keep the name".into()
    })
}

async fn copy_folder(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let src = ok(s.create_folder(&ctx.folder, "tree").await, "create")?;
    let sub = ok(s.create_folder(&src.id, "sub").await, "create")?;
    upload(s, &sub.id, "leaf.txt", &Bytes::from("leaf")).await?;
    let item = ItemId::Folder(src.id.clone());
    let attempt = s.copy(&item, &ctx.folder, Some("tree-copy")).await;
    if !supported(&ctx.caps, Operation::CopyFolder, &attempt)? {
        return Ok(());
    }
    let copy = ok(attempt, "copy folder")?;
    let copy_id = match copy {
        Item::Folder(f) => f.id,
        other => return Err(format!("copy returned {other:?}")),
    };
    let leaf = ok(
        s.resolve_path(&format!("{}/tree-copy/sub/leaf.txt", ctx.path))
            .await,
        "resolve copied leaf",
    )?;
    let leaf_id = leaf
        .as_file()
        .map(|f| f.id.clone())
        .ok_or("leaf is not a file")?;
    ensure(download_all(s, &leaf_id).await? == "leaf", || {
        "leaf differs".into()
    })?;
    expect_err(
        s.copy(&item, &sub.id, None).await,
        "copy into own subtree",
        |e| matches!(e, Error::InvalidInput { .. }),
        "InvalidInput",
    )?;
    ensure(copy_id != src.id, || "copy has the original id".into())
}

async fn delete_file(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let id = upload(s, &ctx.folder, "gone.txt", &Bytes::from("x")).await?;
    let item = ItemId::File(id.clone());
    let attempt = s.delete(&item, DeleteMode::Trash).await;
    if !supported(&ctx.caps, Operation::Trash, &attempt)? {
        return Ok(());
    }
    ok(attempt, "delete")?;
    expect_err(
        s.get_file(&id).await,
        "stat deleted",
        Error::is_not_found,
        "NotFound",
    )?;
    expect_err(
        s.download(&id, None).await,
        "download deleted",
        Error::is_not_found,
        "NotFound",
    )?;
    ensure(names_in(s, &ctx.folder).await?.is_empty(), || {
        "deleted file still listed".into()
    })?;
    expect_err(
        s.delete(&item, DeleteMode::Trash).await,
        "delete twice",
        Error::is_not_found,
        "NotFound",
    )?;
    // The name is free again.
    upload(s, &ctx.folder, "gone.txt", &Bytes::from("y")).await?;
    Ok(())
}

async fn delete_folder_subtree(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let top = ok(s.create_folder(&ctx.folder, "top").await, "create")?;
    let sub = ok(s.create_folder(&top.id, "sub").await, "create")?;
    let leaf = upload(s, &sub.id, "leaf.txt", &Bytes::from("x")).await?;
    let attempt = s
        .delete(&ItemId::Folder(top.id.clone()), DeleteMode::Trash)
        .await;
    if !supported(&ctx.caps, Operation::Trash, &attempt)? {
        return Ok(());
    }
    ok(attempt, "delete folder")?;
    expect_err(
        s.get_folder(&top.id).await,
        "stat top",
        Error::is_not_found,
        "NotFound",
    )?;
    expect_err(
        s.get_folder(&sub.id).await,
        "stat sub",
        Error::is_not_found,
        "NotFound",
    )?;
    expect_err(
        s.get_file(&leaf).await,
        "stat leaf",
        Error::is_not_found,
        "NotFound",
    )
}

async fn permanent_delete(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let id = upload(s, &ctx.folder, "purge.txt", &Bytes::from("x")).await?;
    let attempt = s
        .delete(&ItemId::File(id.clone()), DeleteMode::Permanent)
        .await;
    if !supported(&ctx.caps, Operation::PermanentDelete, &attempt)? {
        return Ok(());
    }
    ok(attempt, "permanent delete")?;
    expect_err(
        s.get_file(&id).await,
        "stat purged",
        Error::is_not_found,
        "NotFound",
    )
}

async fn describe_items(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let id = upload(s, &ctx.folder, "d.txt", &Bytes::from("x")).await?;
    let item = ItemId::File(id.clone());
    let attempt = s.set_description(&item, "Quarterly numbers").await;
    if !supported(&ctx.caps, Operation::SetDescription, &attempt)? {
        return Ok(());
    }
    let updated = ok(attempt, "set_description")?;
    ensure(updated.description() == "Quarterly numbers", || {
        "returned description".into()
    })?;
    let stat = ok(s.get_file(&id).await, "stat")?;
    ensure(stat.description == "Quarterly numbers", || {
        format!("stored description {:?}", stat.description)
    })?;
    let folder = ok(s.create_folder(&ctx.folder, "f").await, "create")?;
    ok(
        s.set_description(&ItemId::Folder(folder.id.clone()), "A folder")
            .await,
        "describe folder",
    )?;
    let stat = ok(s.get_folder(&folder.id).await, "stat")?;
    ensure(stat.description == "A folder", || {
        "folder description".into()
    })
}

async fn tag_items(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let id = upload(s, &ctx.folder, "t.txt", &Bytes::from("x")).await?;
    let item = ItemId::File(id.clone());
    let tags = vec!["alpha".to_owned(), "beta".to_owned()];
    let attempt = s.add_tags(&item, &tags).await;
    if !supported(&ctx.caps, Operation::AddTags, &attempt)? {
        return Ok(());
    }
    ok(attempt, "add_tags")?;
    ok(s.add_tag(&item, "alpha").await, "add an existing tag")?;
    let mut got = ok(s.get_file(&id).await, "stat")?.tags;
    got.sort();
    ensure(got == tags, || format!("tags {got:?}"))?;
    let attempt = s
        .remove_tags(&item, &["alpha".to_owned(), "absent".to_owned()])
        .await;
    if !supported(&ctx.caps, Operation::RemoveTags, &attempt)? {
        return Ok(());
    }
    ok(attempt, "remove_tags")?;
    let got = ok(s.get_file(&id).await, "stat")?.tags;
    ensure(got == vec!["beta".to_owned()], || {
        format!("tags after removal {got:?}")
    })
}

async fn shared_links(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let id = upload(s, &ctx.folder, "share.txt", &Bytes::from("x")).await?;
    let item = ItemId::File(id.clone());
    let attempt = s
        .create_shared_link(
            &item,
            SharedLinkOptions::new().access(SharedLinkAccess::Open),
        )
        .await;
    if !supported(&ctx.caps, Operation::CreateSharedLink, &attempt)? {
        return Ok(());
    }
    let link = ok(attempt, "create_shared_link")?;
    ensure(!link.url.is_empty(), || "empty shared link url".into())?;
    ensure(link.access == SharedLinkAccess::Open, || {
        format!("access {}", link.access)
    })?;
    let stat = ok(s.get_file(&id).await, "stat")?;
    ensure(
        stat.shared_link.as_ref().map(|l| &l.url) == Some(&link.url),
        || "stat does not show the shared link".into(),
    )?;
    let with_password = s
        .create_shared_link(&item, SharedLinkOptions::new().password("s3cret-Pass"))
        .await;
    if supported(&ctx.caps, Operation::SharedLinkOptions, &with_password)? {
        let l = ok(with_password, "shared link with password")?;
        ensure(l.is_password_enabled, || "password not enabled".into())?;
        ensure(!format!("{l:?}").contains("s3cret-Pass"), || {
            "password leaked".into()
        })?;
    }
    let attempt = s.remove_shared_link(&item).await;
    if !supported(&ctx.caps, Operation::RemoveSharedLink, &attempt)? {
        return Ok(());
    }
    ok(attempt, "remove_shared_link")?;
    let stat = ok(s.get_file(&id).await, "stat")?;
    ensure(stat.shared_link.is_none(), || {
        "shared link still present".into()
    })
}

async fn search_items(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let token = format!(
        "zqx{}",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros() % 1_000_000_000)
            .unwrap_or(7)
    );
    let name = format!("{token}.txt");
    let id = upload(s, &ctx.folder, &name, &Bytes::from("x")).await?;
    let results: Result<Vec<Item>, Error> = s.search(&token).try_collect().await;
    if !supported(&ctx.caps, Operation::Search, &results)? {
        return Ok(());
    }
    let results = ok(results, "search")?;
    ensure(
        results.iter().any(|i| i.id() == ItemId::File(id.clone())),
        || format!("search for {token} did not find {name}"),
    )?;
    let none: Vec<Item> = ok(
        s.search("nothing-should-match-this-qqqzzz")
            .try_collect()
            .await,
        "search with no match",
    )?;
    ensure(none.is_empty(), || format!("unexpected matches {none:?}"))
}

async fn wrong_ids(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let missing = FileId::new("987654321987");
    expect_err(
        s.get_file(&missing).await,
        "get_file",
        Error::is_not_found,
        "NotFound",
    )?;
    expect_err(
        s.get_folder(&FolderId::new("987654321987")).await,
        "get_folder",
        Error::is_not_found,
        "NotFound",
    )?;
    expect_err(
        s.download(&missing, None).await,
        "download",
        Error::is_not_found,
        "NotFound",
    )?;
    expect_err(
        s.get_file(&FileId::new("not-a-number")).await,
        "garbage id",
        Error::is_not_found,
        "NotFound",
    )?;
    let missing_item = ItemId::File(missing);
    expect_err(
        s.move_item(&missing_item, &ctx.folder).await,
        "move",
        Error::is_not_found,
        "NotFound",
    )?;
    if ctx.caps.supports(Operation::Trash) {
        expect_err(
            s.delete(&missing_item, DeleteMode::Trash).await,
            "delete",
            Error::is_not_found,
            "NotFound",
        )?;
    }
    Ok(())
}

async fn ids_are_per_kind(ctx: &Ctx<'_>) -> CheckResult {
    let s = ctx.storage;
    let folder = ok(s.create_folder(&ctx.folder, "kind").await, "create")?;
    expect_err(
        s.get_file(&FileId::new(folder.id.as_str())).await,
        "a folder id used as a file id",
        Error::is_not_found,
        "NotFound",
    )?;
    let file = upload(s, &ctx.folder, "kind.txt", &Bytes::from("x")).await?;
    expect_err(
        s.get_folder(&FolderId::new(file.as_str())).await,
        "a file id used as a folder id",
        Error::is_not_found,
        "NotFound",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_storage_passes_every_check() {
        let storage = crate::MemoryStorage::new();
        let report = run_checks(&storage, &all_checks()).await;
        assert!(report.failed.is_empty(), "{:#?}", report.failed);
        assert_eq!(report.passed.len(), all_checks().len());
    }

    /// The suite must be able to fail: a backend that truncates downloads is caught.
    #[tokio::test]
    async fn suite_detects_a_broken_backend() {
        let storage = Wrapped::new(Mode::TruncateDownloads);
        let report = run_checks(&storage, &all_checks()).await;
        let failed: Vec<&str> = report.failed.iter().map(|(n, _)| *n).collect();
        assert!(failed.contains(&"upload_known_length"), "{failed:?}");
        assert!(failed.contains(&"range_download"), "{failed:?}");
    }

    /// A backend that says it lacks operations must fail them as Unsupported;
    /// one that claims to lack them but performs them anyway is caught.
    #[tokio::test]
    async fn capabilities_are_checked_both_ways() {
        let honest = Wrapped::new(Mode::Refuse);
        let report = run_checks(&honest, &all_checks()).await;
        assert!(report.failed.is_empty(), "{:#?}", report.failed);

        let liar = Wrapped::new(Mode::ClaimButPerform);
        let report = run_checks(&liar, &all_checks()).await;
        let failed: Vec<&str> = report.failed.iter().map(|(n, _)| *n).collect();
        assert!(failed.contains(&"tag_items"), "{failed:?}");
        assert!(failed.contains(&"copy_folder"), "{failed:?}");
    }

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Mode {
        /// Cuts the last byte off every download.
        TruncateDownloads,
        /// Lacks tag removal and folder copy, and refuses them.
        Refuse,
        /// Claims to lack tag removal and folder copy, but performs them.
        ClaimButPerform,
    }

    /// MemoryStorage with a deliberate defect.
    #[derive(Debug)]
    struct Wrapped {
        inner: crate::MemoryStorage,
        mode: Mode,
    }

    impl Wrapped {
        fn new(mode: Mode) -> Self {
            Self {
                inner: crate::MemoryStorage::new(),
                mode,
            }
        }
    }

    #[async_trait::async_trait]
    impl Storage for Wrapped {
        fn backend(&self) -> &'static str {
            "wrapped"
        }
        fn capabilities(&self) -> Capabilities {
            match self.mode {
                Mode::TruncateDownloads => Capabilities::all(),
                _ => Capabilities::all()
                    .without(Operation::RemoveTags)
                    .without(Operation::CopyFolder),
            }
        }
        async fn current_user(&self) -> crate::Result<crate::User> {
            self.inner.current_user().await
        }
        async fn get_file(&self, id: &FileId) -> crate::Result<crate::File> {
            self.inner.get_file(id).await
        }
        async fn get_folder(&self, id: &FolderId) -> crate::Result<crate::Folder> {
            self.inner.get_folder(id).await
        }
        fn list_folder(
            &self,
            id: &FolderId,
        ) -> futures::stream::BoxStream<'_, crate::Result<Item>> {
            self.inner.list_folder(id)
        }
        async fn create_folder(&self, p: &FolderId, n: &str) -> crate::Result<crate::Folder> {
            self.inner.create_folder(p, n).await
        }
        async fn upload(&self, p: &FolderId, n: &str, b: Body) -> crate::Result<crate::File> {
            self.inner.upload(p, n, b).await
        }
        async fn upload_version(&self, id: &FileId, b: Body) -> crate::Result<crate::File> {
            self.inner.upload_version(id, b).await
        }
        async fn download(&self, id: &FileId, r: Option<ByteRange>) -> crate::Result<Body> {
            let body = self.inner.download(id, r).await?;
            if self.mode != Mode::TruncateDownloads {
                return Ok(body);
            }
            let full = body.collect(u64::MAX).await?;
            Ok(Body::from_bytes(full.slice(..full.len().saturating_sub(1))))
        }
        async fn rename(&self, i: &ItemId, n: &str) -> crate::Result<Item> {
            self.inner.rename(i, n).await
        }
        async fn move_item(&self, i: &ItemId, p: &FolderId) -> crate::Result<Item> {
            self.inner.move_item(i, p).await
        }
        async fn copy(&self, i: &ItemId, p: &FolderId, n: Option<&str>) -> crate::Result<Item> {
            if self.mode == Mode::Refuse && matches!(i, ItemId::Folder(_)) {
                return Err(Operation::CopyFolder.unsupported("wrapped"));
            }
            self.inner.copy(i, p, n).await
        }
        async fn delete(&self, i: &ItemId, m: DeleteMode) -> crate::Result<()> {
            self.inner.delete(i, m).await
        }
        async fn set_description(&self, i: &ItemId, d: &str) -> crate::Result<Item> {
            self.inner.set_description(i, d).await
        }
        async fn add_tags(&self, i: &ItemId, t: &[String]) -> crate::Result<Item> {
            self.inner.add_tags(i, t).await
        }
        async fn remove_tags(&self, i: &ItemId, t: &[String]) -> crate::Result<Item> {
            if self.mode == Mode::Refuse {
                return Err(Operation::RemoveTags.unsupported("wrapped"));
            }
            self.inner.remove_tags(i, t).await
        }
        async fn create_shared_link(
            &self,
            i: &ItemId,
            o: SharedLinkOptions,
        ) -> crate::Result<crate::SharedLink> {
            self.inner.create_shared_link(i, o).await
        }
        async fn remove_shared_link(&self, i: &ItemId) -> crate::Result<()> {
            self.inner.remove_shared_link(i).await
        }
        fn search(&self, q: &str) -> futures::stream::BoxStream<'_, crate::Result<Item>> {
            self.inner.search(q)
        }
    }
}
