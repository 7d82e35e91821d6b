//! `boxctl demo`: the project's point in one offline command.
//!
//! Starts the emulator in-process, signs in through the legacy v1 ticket
//! flow and seeds a small account through the v1 client (descriptions, tags,
//! a public share); then, through the v2 client, lists, downloads (checked
//! by SHA-1) and shares; migrates the v1 folder to a v2 folder with the same
//! code `boxctl migrate` runs; checks every migrated file; prints the report.

use std::path::PathBuf;
use std::sync::Arc;

use box_core::{Body, FolderId, Item, SharedLinkAccess, SharedLinkOptions, Storage, StorageExt};
use box_emulator::Emulator;
use box_v2::auth::DeveloperToken;

use crate::error::{CliError, CliResult};
use crate::output::{human_size, long_line, Output};
use crate::progress::Progress;

const TREE: &[(&str, &str)] = &[
    (
        "Legacy/README.txt",
        "Uploaded through Box's legacy v1 API by boxctl demo.\n",
    ),
    (
        "Legacy/reports/2024/q1.csv",
        "month,revenue\njan,10\nfeb,12\nmar,20\n",
    ),
    (
        "Legacy/reports/2024/q2.csv",
        "month,revenue\napr,21\nmay,25\njun,30\n",
    ),
    (
        "Legacy/reports/summary.md",
        "# Summary\n\nRevenue doubled in the first half.\n",
    ),
    (
        "Legacy/photos/logo.svg",
        "<svg xmlns='http://www.w3.org/2000/svg'/>\n",
    ),
];

fn step(out: Output, text: &str) -> CliResult<()> {
    if out.json {
        return Ok(());
    }
    out.line(&format!("\n== {text}"))
}

/// Runs the demo.
pub async fn run(out: Output, keep: Option<PathBuf>) -> CliResult<()> {
    let tmp = tempfile::tempdir()
        .map_err(|e| CliError::failure(format!("creating a temporary directory: {e}")))?;
    let data_dir = keep.clone().unwrap_or_else(|| tmp.path().join("emulator"));
    std::fs::create_dir_all(&data_dir)?;
    let emu = Emulator::builder()
        .data_dir(&data_dir)
        .start()
        .await
        .map_err(|e| CliError::failure(format!("starting the emulator: {e}")))?;
    let base = emu.base_url();
    let say = |s: String| if out.json { Ok(()) } else { out.line(&s) };
    say(format!(
        "boxctl demo: an embedded Box emulator at {base} (data in {}); no account, no network",
        data_dir.display()
    ))?;

    step(out, "v1: sign in through the ticket flow")?;
    let v1 = box_v1::Client::builder("boxctl-demo")
        .api_base(&base)
        .upload_base(&base)
        .web_base(&base)
        .build()?;
    let ticket = v1.get_ticket().await?;
    let approve = v1.auth_url(&ticket);
    say(format!("got a ticket; the user approves it at {approve}"))?;
    // The emulator's approval page approves for its default user, as a browser visit would.
    let page = reqwest::get(approve.as_str())
        .await
        .map_err(|e| CliError::failure(format!("opening the approval page: {e}")))?;
    if !page.status().is_success() {
        return Err(CliError::failure(format!(
            "the approval page answered {}",
            page.status()
        )));
    }
    let signed = v1.get_auth_token(&ticket).await?;
    say(format!(
        "signed in as {} (user {})",
        signed.user.login, signed.user.user_id
    ))?;
    let v1s: Arc<dyn Storage> = Arc::new(v1.clone());

    step(
        out,
        "v1: seed /Legacy (files, a description, tags, a public share)",
    )?;
    let mut seeded = Vec::new();
    for (path, text) in TREE {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let folder = v1s.create_folder_all(dir).await?;
        let file = match v1s.upload(&folder.id, name, Body::from_bytes(*text)).await {
            Ok(f) => f,
            Err(box_core::Error::Conflict { .. }) => {
                match v1s.find_child(&folder.id, name).await? {
                    Some(Item::File(f)) => f,
                    _ => {
                        return Err(CliError::failure(format!(
                            "/{path} exists and is not a file"
                        )))
                    }
                }
            }
            Err(e) => return Err(e.into()),
        };
        say(format!("uploaded /{path} ({})", human_size(file.size)))?;
        seeded.push((path.to_string(), file));
    }
    let q1 = seeded[1].1.clone();
    v1s.set_description(
        &q1.id.clone().into(),
        "First quarter, from the old finance export",
    )
    .await?;
    v1s.add_tags(&q1.id.clone().into(), &["finance".into(), "2024".into()])
        .await?;
    let readme = seeded[0].1.clone();
    let v1_link = v1s
        .create_shared_link(&readme.id.clone().into(), SharedLinkOptions::new())
        .await?;
    say(format!(
        "described and tagged q1.csv; shared README.txt publicly through v1: {}",
        v1_link.url
    ))?;

    step(out, "v2: the same account through the v2 client")?;
    let v2 = box_v2::Client::builder()
        .base_url(&base)
        .auth(DeveloperToken::new(emu.default_token()))
        .build()?;
    let v2s: Arc<dyn Storage> = Arc::new(v2.storage());
    let me = v2s.current_user().await?;
    say(format!("signed in as {} (user {})", me.login, me.id))?;
    let legacy = match v2s.resolve_path("/Legacy").await? {
        Item::Folder(f) => f,
        _ => return Err(CliError::failure("/Legacy is not a folder")),
    };
    say("boxctl ls -l -R /Legacy".into())?;
    for e in v2s.walk_all(&legacy.id).await? {
        say(format!("  {}", long_line(&e.item, &e.path)))?;
    }
    let downloads = tmp.path().join("downloads");
    std::fs::create_dir_all(&downloads)?;
    let q1_v2 = match v2s.resolve_path("/Legacy/reports/2024/q1.csv").await? {
        Item::File(f) => f,
        _ => return Err(CliError::failure("q1.csv is not a file")),
    };
    let target = downloads.join("q1.csv");
    let quiet = Output {
        json: out.json,
        quiet: true,
    };
    let (n, _) = crate::transfer::download_file(
        &crate::transfer::Source::new(v2s.clone(), Some(v2.clone())),
        &q1_v2,
        &target,
        crate::transfer::RangedOptions::default(),
        &Progress::bytes(quiet, q1_v2.size, "get"),
    )
    .await?;
    say(format!(
        "downloaded q1.csv ({n} bytes, SHA-1 {} checked) — v1 id {} is v2 id {}; description {:?}, tags {:?}",
        q1_v2.sha1.as_ref().map(|s| s.as_str()).unwrap_or("?"),
        q1.id,
        q1_v2.id,
        q1_v2.description,
        q1_v2.tags
    ))?;
    let link = v2s
        .create_shared_link(
            &q1_v2.id.clone().into(),
            SharedLinkOptions::new().access(SharedLinkAccess::Open),
        )
        .await?;
    say(format!("shared q1.csv through v2: {}", link.url))?;

    step(out, "migrate: v1 /Legacy -> v2 /Migrated (boxctl migrate --from-path /Legacy --to-path /Migrated)")?;
    let opts = crate::migrate::Options {
        from_path: "/Legacy".into(),
        to_path: "/Migrated".into(),
        dry_run: false,
        jobs: 4,
        journal: tmp.path().join("migrate.jsonl"),
        label: "demo-v1:/Legacy -> demo-v2:/Migrated".into(),
    };
    let report =
        crate::migrate::run(v1s.clone(), Some(v1.clone()), v2s.clone(), &opts, quiet).await?;
    if !out.json {
        crate::migrate::print_report(out, &opts, &report)?;
    }

    // Check: every migrated file has its source's SHA-1, description and tags.
    let migrated = match v2s.resolve_path("/Migrated").await? {
        Item::Folder(f) => f,
        _ => return Err(CliError::failure("/Migrated is not a folder")),
    };
    let after = v2s.walk_all(&migrated.id).await?;
    let mut checked = 0;
    for (path, src) in &seeded {
        let rel = path.trim_start_matches("Legacy/");
        let copy = after
            .iter()
            .find(|e| e.path == rel)
            .and_then(|e| e.item.as_file())
            .ok_or_else(|| CliError::failure(format!("/Migrated/{rel} is missing")))?;
        if copy.sha1 != src.sha1 || copy.id == src.id {
            return Err(CliError::failure(format!(
                "/Migrated/{rel} differs from /{path}"
            )));
        }
        checked += 1;
    }
    let q1_copy = v2s.resolve_path("/Migrated/reports/2024/q1.csv").await?;
    if q1_copy.description() != "First quarter, from the old finance export"
        || q1_copy.tags().len() != 2
    {
        return Err(CliError::failure(
            "the migrated q1.csv lost its description or tags",
        ));
    }
    if !report.failed.is_empty() {
        return Err(CliError::failure("the migration reported failures"));
    }
    say(format!(
        "\nchecked: the {checked} migrated files ({}) have their sources' SHA-1s, description and tags; the root now holds {} items",
        human_size(report.bytes_copied),
        v2s.list_all(&FolderId::root()).await?.len()
    ))?;
    if out.json {
        out.json(&serde_json::json!({
            "emulator": base, "v1_user": signed.user.login, "v2_user": me.login,
            "downloaded": { "path": target, "bytes": n }, "shared_link": link.url,
            "migration": report, "verified_files": checked,
        }))?;
    }
    emu.stop().await;
    Ok(())
}
