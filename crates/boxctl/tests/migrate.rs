//! `boxctl migrate`: a v1 account of 1,000 files in nested folders, with tags
//! and descriptions, moved to two other users over v2 — once straight
//! through, once killed midway (SIGKILL) and resumed: nothing lost, nothing
//! duplicated, every SHA-1 the same.

mod common;

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use box_core::{FolderId, Item, Storage, StorageExt};
use common::{to_run, Env};
use futures::StreamExt;
use secrecy::SecretString;
use serde_json::Value;

const TOP: usize = 10;
const SUB: usize = 4;
const PER: usize = 25; // 10 × 4 × 25 = 1,000 files

/// path → (sha1, description, tags) of every file below `root` (a path).
async fn files_of(s: &dyn Storage, root: &str) -> BTreeMap<String, (String, String, Vec<String>)> {
    let root = match s.resolve_path(root).await.unwrap() {
        Item::Folder(f) => f,
        other => panic!("{root} is {other:?}"),
    };
    let mut out = BTreeMap::new();
    for e in s.walk_all(&root.id).await.unwrap() {
        if let Item::File(f) = e.item {
            let mut tags = f.tags.clone();
            tags.sort();
            let prev = out.insert(
                e.path.clone(),
                (
                    f.sha1.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                    f.description,
                    tags,
                ),
            );
            assert!(prev.is_none(), "{} listed twice", e.path);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_1000_files_then_kill_and_resume() {
    let t0 = Instant::now();
    let env = Env::new();
    let emu = box_emulator::Emulator::builder().start().await.unwrap();
    let base = emu.base_url();
    let (_a, a_token) = emu
        .create_user("Legacy Owner", "legacy@example.com")
        .unwrap();
    let (_b, b_token) = emu.create_user("New Owner", "new@example.com").unwrap();
    let (_c, c_token) = emu
        .create_user("Resumed Owner", "resumed@example.com")
        .unwrap();

    // Seed the v1 account through v1: 1,000 files in nested folders, one
    // multi-file upload request per folder.
    let v1 = box_v1::Client::builder("migrate-test")
        .api_base(&base)
        .upload_base(&base)
        .web_base(&base)
        .auth_token(SecretString::from(a_token.clone()))
        .build()
        .unwrap();
    let v1r = &v1;
    let mut folders = Vec::new();
    for t in 0..TOP {
        for s in 0..SUB {
            let folder = v1
                .create_folder_all(&format!("/Archive/team-{t}/project-{s}"))
                .await
                .unwrap();
            folders.push((t, s, folder));
        }
    }
    futures::stream::iter(folders)
        .for_each_concurrent(4, |(t, s, folder)| async move {
            let files = (0..PER)
                .map(|f| {
                    let text = format!("team {t} project {s} doc {f}\n").repeat(f + 1);
                    box_v1::transfer::UploadFile::from_bytes(format!("doc-{f}.txt"), text)
                })
                .collect();
            let id: u64 = folder.id.as_str().parse().unwrap();
            v1r.upload_files(box_v1::transfer::Upload::new(id, files))
                .await
                .unwrap();
        })
        .await;
    let source = files_of(&v1, "/Archive").await;
    assert_eq!(source.len(), TOP * SUB * PER);
    // Tags and descriptions on the account (set through v2: the same store,
    // and 250 calls faster than v1's add_tags, which re-reads the tree).
    let v2_old = box_v2::Client::builder()
        .base_url(&base)
        .auth(box_v2::auth::DeveloperToken::new(&a_token))
        .build()
        .unwrap();
    let archive = v1.resolve_path("/Archive").await.unwrap();
    let entries = v1.walk_all(&archive.as_folder().unwrap().id).await.unwrap();
    let mut jobs = Vec::new();
    let (mut described, mut tagged) = (0, 0);
    for (i, e) in entries.into_iter().enumerate() {
        if let Item::File(f) = e.item {
            let id: box_core::ItemId = f.id.into();
            let describe = (i % 10 == 0).then(|| format!("about {}", e.path));
            let tags = (i % 7 == 0).then(|| vec!["legacy".to_owned(), format!("t{}", i % 3)]);
            described += describe.is_some() as usize;
            tagged += tags.is_some() as usize;
            jobs.push((id, describe, tags));
        }
    }
    let v2 = &v2_old.storage();
    futures::stream::iter(jobs)
        .for_each_concurrent(8, |(id, describe, tags)| async move {
            if let Some(d) = describe {
                v2.set_description(&id, &d).await.unwrap();
            }
            if let Some(t) = tags {
                v2.add_tags(&id, &t).await.unwrap();
            }
        })
        .await;
    // The v1 account tree carries no descriptions: read the truth through v2 as the same user.
    let source = files_of(&v2_old.storage(), "/Archive").await;
    assert_eq!(source.len(), TOP * SUB * PER);
    assert_eq!(
        source.values().filter(|(_, d, _)| !d.is_empty()).count(),
        described
    );
    assert_eq!(
        source.values().filter(|(_, _, t)| !t.is_empty()).count(),
        tagged
    );

    env.write_config(&format!(
        r#"
[profiles.old]
kind = "v1"
api_key = "migrate-test"
base_url = "{base}"

[profiles.new]
kind = "v2"
base_url = "{base}"
token_env = "BOXCTL_TEST_NEW_TOKEN"

[profiles.resumed]
kind = "v2"
base_url = "{base}"
token_env = "BOXCTL_TEST_RESUMED_TOKEN"
"#
    ));
    std::fs::write(
        env.config_dir().join("tokens.json"),
        serde_json::json!({ "old": { "access_token": a_token } }).to_string(),
    )
    .unwrap();
    let cmd = |args: &[&str]| {
        let mut c = env.cmd(args);
        c.env("BOXCTL_TEST_NEW_TOKEN", &b_token)
            .env("BOXCTL_TEST_RESUMED_TOKEN", &c_token);
        c
    };

    // Dry run: the plan and its totals, nothing changed.
    let dry = to_run(
        tokio::task::spawn_blocking({
            let mut c = cmd(&[
                "--json",
                "migrate",
                "--from",
                "old",
                "--to",
                "new",
                "--from-path",
                "/Archive",
                "--to-path",
                "/Migrated",
                "--dry-run",
            ]);
            move || c.output().unwrap()
        })
        .await
        .unwrap(),
    );
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    let dry: Value = serde_json::from_str(&dry.stdout).unwrap();
    assert_eq!(dry["report"]["source_files"], 1000);
    assert_eq!(dry["report"]["source_folders"], (TOP + TOP * SUB) as u64);

    // Straight through.
    let started = Instant::now();
    eprintln!("seeded in {:.1}s", t0.elapsed().as_secs_f64());
    let run = to_run(
        tokio::task::spawn_blocking({
            let mut c = cmd(&[
                "--json",
                "migrate",
                "--from",
                "old",
                "--to",
                "new",
                "--from-path",
                "/Archive",
                "--to-path",
                "/Migrated",
                "-j",
                "8",
            ]);
            move || c.output().unwrap()
        })
        .await
        .unwrap(),
    );
    let straight = started.elapsed();
    assert_eq!(run.code, 0, "stdout {}\nstderr {}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let r = &report["report"];
    assert_eq!(r["files_copied"], 1000, "{r}");
    assert_eq!(r["sha1_verified"], 1000);
    assert_eq!(r["descriptions"], described as u64);
    assert_eq!(r["tagged_items"], tagged as u64);
    assert_eq!(r["failed"].as_array().unwrap().len(), 0);
    let v2_new = box_v2::Client::builder()
        .base_url(&base)
        .auth(box_v2::auth::DeveloperToken::new(&b_token))
        .build()
        .unwrap();
    assert_eq!(files_of(&v2_new.storage(), "/Migrated").await, source);

    // Killed midway, then resumed.
    let journal = env.path("resumed.jsonl");
    let args = [
        "--json",
        "migrate",
        "--from",
        "old",
        "--to",
        "resumed",
        "--from-path",
        "/Archive",
        "--to-path",
        "/Migrated",
        "--journal",
        journal.to_str().unwrap(),
        "-j",
        "8",
    ];
    let t1 = Instant::now();
    let mut child = cmd(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let lines = std::fs::read_to_string(&journal)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        // Header + 50 folders + some files.
        if lines > 1 + 50 + 300 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the migration ended before it could be killed"
        );
        assert!(Instant::now() < deadline, "the migration made no progress");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap(); // SIGKILL: no clean-up, possibly mid-upload and mid-journal-line
    let status = child.wait().unwrap();
    assert!(!status.success());
    let v2_resumed = box_v2::Client::builder()
        .base_url(&base)
        .auth(box_v2::auth::DeveloperToken::new(&c_token))
        .build()
        .unwrap()
        .storage();
    let partial = files_of(&v2_resumed, "/Migrated").await;
    assert!(
        partial.len() > 300 && partial.len() < 1000,
        "{} files after the kill",
        partial.len()
    );

    // As if the kill came after an upload finished and before its journal
    // line: a file already in place with the right content is adopted.
    let (missing, _) = source
        .iter()
        .find(|(p, _)| !partial.contains_key(*p))
        .unwrap();
    let (dir, name) = missing.rsplit_once('/').unwrap();
    let folder = v2_resumed
        .create_folder_all(&format!("/Migrated/{dir}"))
        .await
        .unwrap();
    let src_file = v1
        .resolve_path(&format!("/Archive/{missing}"))
        .await
        .unwrap();
    let bytes = v1
        .download_bytes(&src_file.as_file().unwrap().id, 1 << 20)
        .await
        .unwrap();
    v2_resumed
        .upload_bytes(&folder.id, name, bytes)
        .await
        .unwrap();

    let mut resume_args = args.to_vec();
    resume_args.push("--resume");
    let resumed = to_run(
        tokio::task::spawn_blocking({
            let mut c = cmd(&resume_args);
            move || c.output().unwrap()
        })
        .await
        .unwrap(),
    );
    assert_eq!(
        resumed.code, 0,
        "stdout {}\nstderr {}",
        resumed.stdout, resumed.stderr
    );
    let report: Value = serde_json::from_str(&resumed.stdout).unwrap();
    let r = &report["report"];
    let done_before = r["files_already_done"].as_u64().unwrap();
    let copied = r["files_copied"].as_u64().unwrap();
    let adopted = r["files_adopted"].as_u64().unwrap();
    assert!(done_before >= 300, "{r}");
    assert!(adopted >= 1, "{r}");
    assert_eq!(done_before + copied + adopted, 1000, "{r}");
    assert_eq!(r["failed"].as_array().unwrap().len(), 0);
    // Nothing lost, nothing duplicated, same content and metadata.
    let after = files_of(&v2_resumed, "/Migrated").await;
    assert_eq!(after.len(), 1000);
    assert_eq!(after, source);
    let all = v2_resumed.walk_all(&FolderId::root()).await.unwrap();
    assert_eq!(
        all.iter()
            .filter(|e| matches!(e.item, Item::File(_)))
            .count(),
        1000,
        "no file outside /Migrated either"
    );
    eprintln!("killed and resumed in {:.1}s", t1.elapsed().as_secs_f64());
    eprintln!(
        "migrate: 1000 files straight through in {:.1}s; killed after >300, resumed: {done_before} from the journal, {adopted} adopted, {copied} copied; 0 lost, 0 duplicated",
        straight.as_secs_f64()
    );
    emu.stop().await;
}
