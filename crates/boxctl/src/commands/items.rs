//! Item commands, all through `Storage`: ls, tree, stat, mkdir, mv, cp, rm,
//! share, unshare, search, tag, describe.

use std::io::IsTerminal;

use box_core::{
    DeleteMode, Item, SharedLinkAccess, SharedLinkOptions, Storage, StorageExt, Timestamp,
};
use futures::StreamExt;
use serde_json::json;

use super::{resolve, resolve_folder, split_parent};
use crate::backend::Backend;
use crate::cli::{Access, TagCmd};
use crate::error::{code, CliError, CliResult};
use crate::output::{display_name, human_size, human_time, kind, long_line, modified, Output};

pub(super) async fn ls(
    b: &Backend,
    out: Output,
    path: &str,
    long: bool,
    recursive: bool,
) -> CliResult<()> {
    let s = &*b.storage;
    let item = resolve(s, path).await?;
    let folder = match item {
        Item::Folder(f) => f,
        other => {
            // `ls FILE` shows the file, like ls(1).
            if out.json {
                return out.json(&vec![other]);
            }
            let line = if long {
                long_line(&other, other.name())
            } else {
                other.name().to_owned()
            };
            return out.line(&line);
        }
    };
    if recursive {
        let entries = s.walk_all(&folder.id).await.map_err(crate::ctx(path))?;
        if out.json {
            let docs: Vec<_> = entries
                .iter()
                .map(|e| json!({ "path": e.path, "depth": e.depth, "item": e.item }))
                .collect();
            return out.json(&docs);
        }
        for e in &entries {
            let name = if matches!(e.item, Item::Folder(_)) {
                format!("{}/", e.path)
            } else {
                e.path.clone()
            };
            out.line(&if long {
                long_line(&e.item, &name)
            } else {
                name
            })?;
        }
        return Ok(());
    }
    let mut children = s.list_all(&folder.id).await.map_err(crate::ctx(path))?;
    children.sort_by(|a, b| {
        (!matches!(a, Item::Folder(_)), a.name().to_lowercase())
            .cmp(&(!matches!(b, Item::Folder(_)), b.name().to_lowercase()))
    });
    if out.json {
        return out.json(&children);
    }
    for c in &children {
        let name = display_name(c);
        out.line(&if long { long_line(c, &name) } else { name })?;
    }
    Ok(())
}

pub(super) async fn tree(b: &Backend, out: Output, path: &str) -> CliResult<()> {
    let s = &*b.storage;
    let folder = resolve_folder(s, path).await?;
    let entries = s.walk_all(&folder.id).await.map_err(crate::ctx(path))?;
    if out.json {
        let docs: Vec<_> = entries
            .iter()
            .map(|e| json!({ "path": e.path, "depth": e.depth, "item": e.item }))
            .collect();
        return out.json(&json!({ "root": folder, "entries": docs }));
    }
    // Walk order is parents before children; sort by path so siblings line up.
    let mut entries = entries;
    entries.sort_by_key(|e| e.path.to_lowercase());
    out.line(&if folder.name.is_empty() || folder.id.as_str() == "0" {
        "/".to_owned()
    } else {
        format!("{}/", folder.name)
    })?;
    let (mut files, mut folders, mut bytes) = (0u64, 0u64, 0u64);
    for e in &entries {
        let indent = "│   ".repeat(e.depth.saturating_sub(1));
        let extra = match &e.item {
            Item::File(f) => {
                files += 1;
                bytes += f.size;
                format!("  ({})", human_size(f.size))
            }
            Item::Folder(_) => {
                folders += 1;
                String::new()
            }
            _ => String::new(),
        };
        out.line(&format!("{indent}├── {}{extra}", display_name(&e.item)))?;
    }
    out.line(&format!(
        "{folders} folders, {files} files, {}",
        human_size(bytes)
    ))
}

pub(super) async fn stat(b: &Backend, out: Output, path: &str) -> CliResult<()> {
    let item = resolve(&*b.storage, path).await?;
    if out.json {
        return out.json(&item);
    }
    let mut lines = vec![
        format!("name:        {}", item.name()),
        format!("kind:        {}", kind(&item)),
        format!("id:          {}", item.id().as_str()),
    ];
    if let Some(p) = item.parent() {
        lines.push(format!("parent:      {p}"));
    }
    match &item {
        Item::File(f) => {
            lines.push(format!(
                "size:        {} ({} bytes)",
                human_size(f.size),
                f.size
            ));
            if let Some(sha) = &f.sha1 {
                lines.push(format!("sha1:        {}", sha.as_str()));
            }
            if let Some(v) = &f.version_id {
                lines.push(format!("version:     {v}"));
            }
            lines.push(format!(
                "created:     {}",
                human_time(f.created_at.as_ref())
            ));
        }
        Item::Folder(f) => {
            if let Some(size) = f.size {
                lines.push(format!("size:        {}", human_size(size)));
            }
            lines.push(format!(
                "created:     {}",
                human_time(f.created_at.as_ref())
            ));
        }
        _ => {}
    }
    lines.push(format!("modified:    {}", human_time(modified(&item))));
    if let Some(e) = item.etag() {
        lines.push(format!("etag:        {e}"));
    }
    if !item.description().is_empty() {
        lines.push(format!("description: {}", item.description()));
    }
    if !item.tags().is_empty() {
        lines.push(format!("tags:        {}", item.tags().join(", ")));
    }
    if let Some(link) = item.shared_link() {
        lines.push(format!(
            "shared:      {} ({})",
            link.url,
            link.access.as_str()
        ));
    }
    out.line(&lines.join("\n"))
}

pub(super) async fn mkdir(b: &Backend, out: Output, path: &str, parents: bool) -> CliResult<()> {
    let s = &*b.storage;
    let folder = if parents {
        s.create_folder_all(path).await.map_err(crate::ctx(path))?
    } else {
        let (parent, name) = split_parent(path)?;
        let parent = resolve_folder(s, &parent).await?;
        s.create_folder(&parent.id, &name)
            .await
            .map_err(crate::ctx(path))?
    };
    if out.json {
        return out.json(&folder);
    }
    out.line(&format!("{} (folder {})", path, folder.id))
}

pub(super) async fn mv_cp(
    b: &Backend,
    out: Output,
    src: &str,
    dst: &str,
    copy: bool,
) -> CliResult<()> {
    let s = &*b.storage;
    let item = resolve(s, src).await?;
    // DST is an existing folder: into it, keeping the name. Otherwise DST's
    // parent must exist and DST's last segment is the new name.
    let (folder, new_name) = match resolve(s, dst).await {
        Ok(Item::Folder(f)) => (f, None),
        Ok(other) => {
            return Err(CliError::with_code(
                code::CONFLICT,
                format!("{dst} exists (a {})", kind(&other)),
            )
            .hint("remove it first, or give another name"))
        }
        Err(e) if e.code == code::NOT_FOUND => {
            let (parent, name) = split_parent(dst)?;
            (resolve_folder(s, &parent).await?, Some(name))
        }
        Err(e) => return Err(e),
    };
    let id = item.id();
    let result = if copy {
        s.copy(&id, &folder.id, new_name.as_deref())
            .await
            .map_err(crate::ctx(src))?
    } else {
        let mut moved = item.clone();
        if item.parent() != Some(&folder.id) {
            moved = s
                .move_item(&id, &folder.id)
                .await
                .map_err(crate::ctx(src))?;
        }
        if let Some(name) = new_name.as_deref().filter(|n| *n != moved.name()) {
            moved = s.rename(&id, name).await.map_err(crate::ctx(src))?;
        }
        moved
    };
    if out.json {
        return out.json(&result);
    }
    let verb = if copy { "copied" } else { "moved" };
    out.line(&format!(
        "{verb} {src} -> {dst} ({} {})",
        kind(&result),
        result.id().as_str()
    ))
}

pub(super) async fn rm(
    b: &Backend,
    out: Output,
    paths: &[String],
    recursive: bool,
    permanent: bool,
    yes: bool,
) -> CliResult<()> {
    let s = &*b.storage;
    let mode = if permanent {
        DeleteMode::Permanent
    } else {
        DeleteMode::Trash
    };
    let mut removed = Vec::new();
    // Resolve everything first, so a typo in the last path deletes nothing.
    let mut items = Vec::new();
    for p in paths {
        let item = resolve(s, p).await?;
        if let Item::Folder(f) = &item {
            if f.id.as_str() == "0" {
                return Err(CliError::usage("refusing to delete the root folder"));
            }
            if !recursive {
                return Err(CliError::usage(format!("{p} is a folder"))
                    .hint("pass -r to delete it with its contents"));
            }
        }
        items.push((p.clone(), item));
    }
    let folders: Vec<&str> = items
        .iter()
        .filter(|(_, i)| matches!(i, Item::Folder(_)))
        .map(|(p, _)| p.as_str())
        .collect();
    if !folders.is_empty() && !yes {
        if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
            return Err(CliError::usage(format!(
                "refusing to delete folder {} with its contents without a terminal to confirm",
                folders.join(", ")
            ))
            .hint("pass --yes"));
        }
        let how = if permanent {
            "permanently delete"
        } else {
            "move to the trash"
        };
        eprint!("{how} {} with everything in it? [y/N] ", folders.join(", "));
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES") {
            return Err(CliError::failure("not deleted"));
        }
    }
    for (p, item) in items {
        s.delete(&item.id(), mode).await.map_err(crate::ctx(&p))?;
        if !out.json {
            let what = if permanent { "deleted" } else { "trashed" };
            out.line(&format!("{what} {p}"))?;
        }
        removed.push(json!({ "path": p, "id": item.id().as_str(), "kind": kind(&item), "permanent": permanent }));
    }
    if out.json {
        out.json(&removed)?;
    }
    Ok(())
}

/// `7d` → now + 7 days; otherwise RFC 3339.
fn parse_expiry(s: &str) -> CliResult<Timestamp> {
    if let Some(days) = s.strip_suffix('d').and_then(|d| d.parse::<i64>().ok()) {
        let at = chrono::Utc::now() + chrono::Duration::days(days);
        return Timestamp::parse_rfc3339(&at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .map_err(CliError::from);
    }
    Timestamp::parse_rfc3339(s).map_err(|_| {
        CliError::usage(format!(
            "--expires {s:?}: give RFC 3339 (2030-01-31T00:00:00Z) or days (7d)"
        ))
    })
}

pub(super) async fn share(
    b: &Backend,
    out: Output,
    path: &str,
    access: Option<Access>,
    password_env: Option<String>,
    expires: Option<String>,
) -> CliResult<()> {
    let s = &*b.storage;
    let item = resolve(s, path).await?;
    let mut opts = SharedLinkOptions::new();
    if let Some(a) = access {
        opts = opts.access(match a {
            Access::Open => SharedLinkAccess::Open,
            Access::Company => SharedLinkAccess::Company,
            Access::Collaborators => SharedLinkAccess::Collaborators,
        });
    }
    if let Some(var) = password_env {
        let pw = std::env::var(&var)
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                CliError::usage(format!("{var} is not set"))
                    .hint("export the link's password in that variable")
            })?;
        opts = opts.password(pw);
    }
    if let Some(e) = expires {
        opts = opts.unshared_at(parse_expiry(&e)?);
    }
    let link = s
        .create_shared_link(&item.id(), opts)
        .await
        .map_err(crate::ctx(path))?;
    if out.json {
        return out.json(&link);
    }
    out.line(&link.url)?;
    let mut details = vec![format!("access {}", link.access.as_str())];
    if link.is_password_enabled {
        details.push("password protected".into());
    }
    if let Some(at) = &link.unshared_at {
        details.push(format!("expires {}", human_time(Some(at))));
    }
    out.note(&details.join(", "));
    Ok(())
}

pub(super) async fn unshare(b: &Backend, out: Output, path: &str) -> CliResult<()> {
    let s = &*b.storage;
    let item = resolve(s, path).await?;
    s.remove_shared_link(&item.id())
        .await
        .map_err(crate::ctx(path))?;
    if out.json {
        return out.json(&json!({ "path": path, "id": item.id().as_str(), "shared": false }));
    }
    out.line(&format!("unshared {path}"))
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn search(
    b: &Backend,
    out: Output,
    query: &str,
    kind_filter: Option<String>,
    under: Option<String>,
    ext: Option<String>,
    limit: usize,
) -> CliResult<()> {
    let s = &*b.storage;
    let under = match under {
        Some(p) => Some(resolve_folder(s, &p).await?.id),
        None => None,
    };
    let exts: Vec<String> = ext
        .map(|e| {
            e.split(',')
                .map(|x| x.trim().trim_start_matches('.').to_lowercase())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let mut hits = Vec::new();
    let mut stream = s.search(query);
    while let Some(item) = stream.next().await {
        let item = item.map_err(crate::ctx(format!("search {query:?}")))?;
        if let Some(k) = &kind_filter {
            if kind(&item) != k {
                continue;
            }
        }
        if !exts.is_empty() {
            let e = item
                .name()
                .rsplit_once('.')
                .map(|(_, e)| e.to_lowercase())
                .unwrap_or_default();
            if matches!(item, Item::Folder(_)) || !exts.contains(&e) {
                continue;
            }
        }
        if let Some(root) = &under {
            if !is_under(s, &item, root).await? {
                continue;
            }
        }
        hits.push(item);
        if hits.len() >= limit {
            break;
        }
    }
    if out.json {
        return out.json(&hits);
    }
    for h in &hits {
        out.line(&long_line(h, &path_of(h)))?;
    }
    if hits.is_empty() {
        out.note("no matches");
    }
    Ok(())
}

/// `/a/b/name` from the item's path collection, when the backend reports it.
fn path_of(item: &Item) -> String {
    let path = match item {
        Item::File(f) => &f.path,
        Item::Folder(f) => &f.path,
        _ => return item.name().to_owned(),
    };
    let mut s = String::new();
    for p in path.iter().filter(|p| p.id.as_str() != "0") {
        s.push('/');
        s.push_str(&p.name);
    }
    s.push('/');
    s.push_str(&display_name(item));
    s
}

async fn is_under(s: &dyn Storage, item: &Item, root: &box_core::FolderId) -> CliResult<bool> {
    let path = match item {
        Item::File(f) => &f.path,
        Item::Folder(f) => &f.path,
        _ => return Ok(false),
    };
    if !path.is_empty() {
        return Ok(path.iter().any(|p| &p.id == root));
    }
    // No path collection (v1): climb the parents.
    let mut parent = item.parent().cloned();
    let mut hops = 0;
    while let Some(p) = parent {
        if &p == root {
            return Ok(true);
        }
        if p.as_str() == "0" || hops > 256 {
            return Ok(false);
        }
        parent = s.get_folder(&p).await.map_err(CliError::from)?.parent;
        hops += 1;
    }
    Ok(false)
}

pub(super) async fn tag(b: &Backend, out: Output, cmd: TagCmd) -> CliResult<()> {
    let s = &*b.storage;
    let (path, item) = match &cmd {
        TagCmd::Add { path, tags } => {
            let item = resolve(s, path).await?;
            (
                path,
                s.add_tags(&item.id(), tags)
                    .await
                    .map_err(crate::ctx(path))?,
            )
        }
        TagCmd::Rm { path, tags } => {
            let item = resolve(s, path).await?;
            (
                path,
                s.remove_tags(&item.id(), tags)
                    .await
                    .map_err(crate::ctx(path))?,
            )
        }
    };
    if out.json {
        return out.json(&item);
    }
    let tags = item.tags();
    out.line(&format!(
        "{path}: {}",
        if tags.is_empty() {
            "(no tags)".to_owned()
        } else {
            tags.join(", ")
        }
    ))
}

pub(super) async fn describe(b: &Backend, out: Output, path: &str, text: &str) -> CliResult<()> {
    let s = &*b.storage;
    let item = resolve(s, path).await?;
    let item = s
        .set_description(&item.id(), text)
        .await
        .map_err(crate::ctx(path))?;
    if out.json {
        return out.json(&item);
    }
    out.line(&format!("{path}: {}", item.description()))
}
