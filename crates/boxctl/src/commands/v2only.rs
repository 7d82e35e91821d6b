//! Commands the `Storage` trait does not cover, through the v2 client's raw
//! requests: trash, versions, collaborations, events, raw.
//!
//! These print Box's JSON as it comes (with `--json`) so nothing the server
//! sends is lost, and a short text form otherwise.

use std::collections::HashSet;
use std::time::Duration;

use box_core::Item;
use reqwest::Method;
use serde_json::{json, Value};

use super::{resolve, resolve_file};
use crate::backend::Backend;
use crate::cli::{CollabCmd, TrashCmd, VersionsCmd};
use crate::error::{code, CliError, CliResult};
use crate::output::{human_size, Output};

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

/// `id:1` / `file:1` / `folder:1` → (`files`|`folders`, id); `id:` asks the
/// trash which kind it is.
async fn trashed_target(client: &box_v2::Client, spec: &str) -> CliResult<(&'static str, String)> {
    if let Some(id) = spec.strip_prefix("file:") {
        return Ok(("files", id.to_owned()));
    }
    if let Some(id) = spec.strip_prefix("folder:") {
        return Ok(("folders", id.to_owned()));
    }
    let id = spec.strip_prefix("id:").unwrap_or(spec);
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        return Err(CliError::usage(format!(
            "{spec:?}: give a trashed item as id:N, file:N or folder:N"
        ))
        .hint("`boxctl trash ls` shows the ids"));
    }
    for kind in ["files", "folders"] {
        match client
            .request(Method::GET, &format!("/{kind}/{id}/trash"))
            .send::<Value>()
            .await
        {
            Ok(_) => return Ok((kind, id.to_owned())),
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(CliError::with_code(
        code::NOT_FOUND,
        format!("no trashed item with id {id}"),
    ))
}

pub(super) async fn trash(b: &Backend, out: Output, cmd: TrashCmd) -> CliResult<()> {
    let client = b.v2("the trash")?;
    match cmd {
        TrashCmd::Ls => {
            let mut entries = Vec::new();
            let mut offset = 0usize;
            loop {
                let page: Value = client
                    .request(Method::GET, "/folders/trash/items")
                    .query([
                        ("limit", "1000"),
                        ("offset", &offset.to_string()),
                        ("fields", "type,id,name,size,trashed_at,path_collection"),
                    ])
                    .send()
                    .await?;
                let items = page
                    .get("entries")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let n = items.len();
                entries.extend(items);
                let total = page.get("total_count").and_then(Value::as_u64).unwrap_or(0) as usize;
                offset += n;
                if n == 0 || offset >= total {
                    break;
                }
            }
            if out.json {
                return out.json(&entries);
            }
            for e in &entries {
                let size = e
                    .get("size")
                    .and_then(Value::as_u64)
                    .map(human_size)
                    .unwrap_or_else(|| "-".into());
                out.line(&format!(
                    "{:<6} {:>9}  {}:{:<10}  {}",
                    s(e, "type"),
                    size,
                    s(e, "type"),
                    s(e, "id"),
                    s(e, "name")
                ))?;
            }
            if entries.is_empty() {
                out.note("the trash is empty");
            }
            Ok(())
        }
        TrashCmd::Restore { id } => {
            let (kind, id) = trashed_target(client, &id).await?;
            let v: Value = client
                .request(Method::POST, &format!("/{kind}/{id}"))
                .json(&json!({}))
                .send()
                .await?;
            if out.json {
                return out.json(&v);
            }
            out.line(&format!(
                "restored {} {} ({})",
                &kind[..kind.len() - 1],
                s(&v, "id"),
                s(&v, "name")
            ))
        }
        TrashCmd::Purge { id } => {
            let (kind, id) = trashed_target(client, &id).await?;
            client
                .request(Method::DELETE, &format!("/{kind}/{id}/trash"))
                .send_empty()
                .await?;
            if out.json {
                return out.json(&json!({ "purged": id, "type": &kind[..kind.len() - 1] }));
            }
            out.line(&format!("purged {} {id}", &kind[..kind.len() - 1]))
        }
    }
}

pub(super) async fn versions(b: &Backend, out: Output, cmd: VersionsCmd) -> CliResult<()> {
    let client = b.v2("file versions")?;
    match cmd {
        VersionsCmd::Ls { path } => {
            let file = resolve_file(&*b.storage, &path).await?;
            let v: Value = client
                .request(Method::GET, &format!("/files/{}/versions", file.id))
                .query([(
                    "fields",
                    "id,name,size,sha1,created_at,modified_at,modified_by,trashed_at",
                )])
                .send()
                .await?;
            let entries = v
                .get("entries")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if out.json {
                return out.json(&json!({ "file": file, "previous_versions": entries }));
            }
            out.line(&format!(
                "current  {:<12} {:>9}  {}",
                file.version_id.as_ref().map(|v| v.as_str()).unwrap_or("-"),
                human_size(file.size),
                file.sha1.as_ref().map(|s| s.as_str()).unwrap_or("")
            ))?;
            for e in &entries {
                let size = e
                    .get("size")
                    .and_then(Value::as_u64)
                    .map(human_size)
                    .unwrap_or_else(|| "-".into());
                out.line(&format!(
                    "previous {:<12} {:>9}  {}  {}",
                    s(e, "id"),
                    size,
                    s(e, "sha1"),
                    s(e, "created_at")
                ))?;
            }
            Ok(())
        }
        VersionsCmd::Promote { path, version } => {
            let file = resolve_file(&*b.storage, &path).await?;
            let v: Value = client
                .request(
                    Method::POST,
                    &format!("/files/{}/versions/current", file.id),
                )
                .json(&json!({ "type": "file_version", "id": version }))
                .send()
                .await?;
            if out.json {
                return out.json(&v);
            }
            out.line(&format!(
                "promoted version {version} of {path}; the new current version is {}",
                s(&v, "id")
            ))
        }
        VersionsCmd::Rm { path, version } => {
            let file = resolve_file(&*b.storage, &path).await?;
            client
                .request(
                    Method::DELETE,
                    &format!("/files/{}/versions/{}", file.id, version),
                )
                .send_empty()
                .await?;
            if out.json {
                return out.json(&json!({ "file": file.id.as_str(), "deleted_version": version }));
            }
            out.line(&format!("deleted version {version} of {path}"))
        }
    }
}

pub(super) async fn collab(b: &Backend, out: Output, cmd: CollabCmd) -> CliResult<()> {
    let client = b.v2("collaborations")?;
    match cmd {
        CollabCmd::Add { path, who, role } => {
            let item = resolve(&*b.storage, &path).await?;
            let accessible_by = match who.strip_prefix("user:") {
                Some(id) => json!({ "type": "user", "id": id }),
                None => json!({ "type": "user", "login": who }),
            };
            let body = json!({
                "item": { "type": item_type(&item), "id": item.id().as_str() },
                "accessible_by": accessible_by,
                "role": role,
            });
            let v: Value = client
                .request(Method::POST, "/collaborations")
                .json(&body)
                .send()
                .await?;
            if out.json {
                return out.json(&v);
            }
            out.line(&format!(
                "collaboration {}: {who} is {role} on {path}",
                s(&v, "id")
            ))
        }
        CollabCmd::Ls { path } => {
            let item = resolve(&*b.storage, &path).await?;
            let v: Value = client
                .request(
                    Method::GET,
                    &format!(
                        "/{}s/{}/collaborations",
                        item_type(&item),
                        item.id().as_str()
                    ),
                )
                .send()
                .await?;
            let entries = v
                .get("entries")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if out.json {
                return out.json(&entries);
            }
            for e in &entries {
                let by = e.get("accessible_by").cloned().unwrap_or(Value::Null);
                let who = if s(&by, "login").is_empty() {
                    s(&by, "id").to_owned()
                } else {
                    s(&by, "login").to_owned()
                };
                out.line(&format!(
                    "{:<12} {:<12} {:<10} {who}",
                    s(e, "id"),
                    s(e, "role"),
                    s(e, "status")
                ))?;
            }
            if entries.is_empty() {
                out.note("no collaborations");
            }
            Ok(())
        }
        CollabCmd::Rm { id } => {
            client
                .request(Method::DELETE, &format!("/collaborations/{id}"))
                .send_empty()
                .await?;
            if out.json {
                return out.json(&json!({ "deleted": id }));
            }
            out.line(&format!("removed collaboration {id}"))
        }
    }
}

fn item_type(item: &Item) -> &'static str {
    match item {
        Item::Folder(_) => "folder",
        _ => "file",
    }
}

fn print_event(out: Output, e: &Value) -> CliResult<()> {
    if out.json {
        return out.json_line(e);
    }
    let src = e.get("source").cloned().unwrap_or(Value::Null);
    let by = e.get("created_by").cloned().unwrap_or(Value::Null);
    out.line(&format!(
        "{}  {:<24} {} {} {}  by {}",
        s(e, "created_at"),
        s(e, "event_type"),
        s(&src, "type"),
        s(&src, "id"),
        s(&src, "name"),
        if s(&by, "login").is_empty() {
            s(&by, "id")
        } else {
            s(&by, "login")
        }
    ))
}

pub(super) async fn events(
    b: &Backend,
    out: Output,
    follow: bool,
    from: &str,
    max: Option<usize>,
) -> CliResult<()> {
    let client = b.v2("events")?;
    let mut position = from.to_owned();
    let mut seen: HashSet<String> = HashSet::new();
    let mut printed = 0usize;
    let done = |n: usize| max.is_some_and(|m| n >= m);
    loop {
        // Drain everything after `position`.
        loop {
            let page: Value = client
                .request(Method::GET, "/events")
                .query([
                    ("stream_position", position.as_str()),
                    ("limit", "500"),
                    ("stream_type", "all"),
                ])
                .send()
                .await?;
            let entries = page
                .get("entries")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if let Some(next) = page.get("next_stream_position") {
                position = match next {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
            }
            for e in &entries {
                // Box may deliver an event twice: deduplicate on its id.
                if seen.insert(s(e, "event_id").to_owned()) {
                    print_event(out, e)?;
                    printed += 1;
                    if done(printed) {
                        return Ok(());
                    }
                }
            }
            if entries.is_empty() {
                break;
            }
        }
        if !follow {
            if !out.json && printed == 0 {
                out.note("no events");
            }
            return Ok(());
        }
        // Long-poll until something changes.
        let info: Value = client.request(Method::OPTIONS, "/events").send().await?;
        let server = info
            .get("entries")
            .and_then(|e| e.get(0))
            .cloned()
            .ok_or_else(|| CliError::failure("the events endpoint named no realtime server"))?;
        let url = s(&server, "url").to_owned();
        let retry_timeout = server
            .get("retry_timeout")
            .and_then(Value::as_u64)
            .unwrap_or(610);
        loop {
            let sep = if url.contains('?') { '&' } else { '?' };
            let poll_url = format!("{url}{sep}stream_position={position}");
            let answer = tokio::time::timeout(
                Duration::from_secs(retry_timeout + 5),
                client.request(Method::GET, &poll_url).send::<Value>(),
            )
            .await;
            match answer {
                Ok(Ok(v)) if s(&v, "message") == "new_change" => break,
                Ok(Ok(_)) | Err(_) => continue, // reconnect / timeout: poll again
                Ok(Err(e)) if e.is_retryable() => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
                Ok(Err(e)) => return Err(e.into()),
            }
        }
    }
}

pub(super) async fn raw(
    b: &Backend,
    out: Output,
    method: &str,
    path: &str,
    data: Option<&str>,
) -> CliResult<()> {
    let client = b.v2("raw requests")?;
    let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes())
        .map_err(|_| CliError::usage(format!("{method:?} is not an HTTP method")))?;
    let mut req = client.request(method, path);
    if let Some(d) = data {
        let body: Value = serde_json::from_str(d)
            .map_err(|e| CliError::usage(format!("--data is not JSON: {e}")))?;
        req = req.json(&body);
    }
    let resp = req.send_raw().await?;
    let status = resp.status().as_u16();
    let text = resp
        .text()
        .await
        .map_err(|e| CliError::failure(format!("reading the answer: {e}")))?;
    let value: Value = if text.trim().is_empty() {
        json!({ "status": status })
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    // Raw output is JSON either way.
    let _ = out;
    Output {
        json: true,
        quiet: true,
    }
    .json(&value)
}
