//! `migrate` carries folder and file descriptions and turns v1 public
//! shares into v2 shared links; a v1 share's password cannot be read back
//! from v1, and the report says so for each share (text and `--json`).

mod common;

use box_core::{Item, SharedLinkAccess, SharedLinkOptions, Storage, StorageExt};
use common::{to_run, Env};
use secrecy::SecretString;
use serde_json::Value;

async fn item(s: &dyn Storage, path: &str) -> Item {
    s.resolve_path(path)
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn descriptions_and_public_shares_cross_to_v2() {
    let emu = box_emulator::Emulator::builder().start().await.unwrap();
    let base = emu.base_url();
    let (_, old_token) = emu.create_user("Legacy", "legacy@example.com").unwrap();
    let (_, new_token) = emu.create_user("New", "new@example.com").unwrap();

    // The v1 account, built through v1 only.
    let v1 = box_v1::Client::builder("meta-test")
        .api_base(&base)
        .upload_base(&base)
        .web_base(&base)
        .auth_token(SecretString::from(old_token.clone()))
        .build()
        .unwrap();
    let reports = v1.create_folder_all("/Legacy/Reports").await.unwrap();
    let year = v1.create_folder_all("/Legacy/Reports/2009").await.unwrap();
    let plain = v1.create_folder_all("/Legacy/Plain").await.unwrap();
    v1.set_description(&reports.id.clone().into(), "Quarterly reports")
        .await
        .unwrap();
    v1.set_description(&year.id.clone().into(), "The year <2009> & \"after\"")
        .await
        .unwrap();
    let a = v1
        .upload_bytes(
            &reports.id,
            "a.txt",
            bytes::Bytes::from_static(b"described file"),
        )
        .await
        .unwrap();
    let b = v1
        .upload_bytes(
            &reports.id,
            "b.txt",
            bytes::Bytes::from_static(b"shared with a password"),
        )
        .await
        .unwrap();
    v1.upload_bytes(
        &plain.id,
        "c.txt",
        bytes::Bytes::from_static(b"nothing special"),
    )
    .await
    .unwrap();
    v1.set_description(&a.id.clone().into(), "About a")
        .await
        .unwrap();
    // A public share with a password (v1 public_share's `password`), and
    // one without on a folder.
    v1.send(&box_v1::actions::PublicShare {
        target: box_v1::actions::Target::File,
        target_id: b.id.as_str().parse().unwrap(),
        password: Some(SecretString::from("v1-share-secret")),
        message: String::new(),
        emails: Vec::new(),
    })
    .await
    .unwrap();
    v1.create_shared_link(&year.id.clone().into(), SharedLinkOptions::new())
        .await
        .unwrap();
    // What v1 reads back: descriptions of folders (in the account tree) and
    // the shares, but not the password.
    let legacy = item(&v1, "/Legacy").await;
    let listed = v1.walk_all(&legacy.as_folder().unwrap().id).await.unwrap();
    let year_entry = listed.iter().find(|e| e.path == "Reports/2009").unwrap();
    assert_eq!(year_entry.item.description(), "The year <2009> & \"after\"");
    assert!(year_entry.item.shared_link().is_some());

    let env = Env::new();
    env.write_config(&format!(
        r#"
[profiles.old]
kind = "v1"
api_key = "meta-test"
base_url = "{base}"

[profiles.new]
kind = "v2"
base_url = "{base}"
token_env = "BOXCTL_TEST_NEW_TOKEN"
"#
    ));
    std::fs::write(
        env.config_dir().join("tokens.json"),
        serde_json::json!({ "old": { "access_token": old_token } }).to_string(),
    )
    .unwrap();
    let migrate = |json: bool, to: &str| {
        let mut args = vec![
            "migrate",
            "--from",
            "old",
            "--to",
            "new",
            "--from-path",
            "/Legacy",
            "--to-path",
            to,
        ];
        if json {
            args.insert(0, "--json");
        }
        let mut c = env.cmd(&args);
        c.env("BOXCTL_TEST_NEW_TOKEN", &new_token);
        c
    };

    let run = run_cmd(migrate(true, "/Moved")).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("v1-share-secret"));
    assert!(!run.stderr.contains("v1-share-secret"));
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let r = &doc["report"];
    assert_eq!(r["files_copied"], 3, "{r}");
    assert_eq!(r["descriptions"], 3, "two folders and a file: {r}");
    assert_eq!(r["shared_links"], 2, "{r}");
    assert_eq!(r["failed"].as_array().unwrap().len(), 0, "{r}");
    let skipped = r["skipped"].as_array().unwrap();
    let mut password_notes: Vec<&str> = skipped
        .iter()
        .filter(|s| s["reason"].as_str().unwrap().starts_with("share password:"))
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    password_notes.sort();
    assert_eq!(password_notes, ["Reports/2009", "Reports/b.txt"], "{r}");
    assert_eq!(skipped.len(), 2, "nothing else left behind: {r}");
    let note = skipped
        .iter()
        .find(|s| s["path"] == "Reports/b.txt")
        .unwrap()["reason"]
        .as_str()
        .unwrap();
    assert!(note.contains("cannot read back"), "{note}");
    assert!(note.contains("--password-env"), "{note}");

    // On v2: the descriptions, and open shared links without passwords.
    let v2 = box_v2::Client::builder()
        .base_url(&base)
        .auth(box_v2::auth::DeveloperToken::new(&new_token))
        .build()
        .unwrap();
    let moved_reports = item(&v2.storage(), "/Moved/Reports").await;
    assert_eq!(moved_reports.description(), "Quarterly reports");
    assert!(moved_reports.shared_link().is_none());
    let moved_year = item(&v2.storage(), "/Moved/Reports/2009").await;
    assert_eq!(moved_year.description(), "The year <2009> & \"after\"");
    let year_link = moved_year
        .shared_link()
        .expect("the folder's share became a link");
    assert_eq!(year_link.access, SharedLinkAccess::Open);
    assert!(!year_link.is_password_enabled);
    assert!(note.contains(&v2_link(&v2, "/Moved/Reports/b.txt").await));
    let moved_a = item(&v2.storage(), "/Moved/Reports/a.txt").await;
    assert_eq!(moved_a.description(), "About a");
    assert!(moved_a.shared_link().is_none());
    let moved_c = item(&v2.storage(), "/Moved/Plain/c.txt").await;
    assert!(moved_c.shared_link().is_none());
    assert_eq!(item(&v2.storage(), "/Moved/Plain").await.description(), "");

    // The text report lists the same notes.
    let text = run_cmd(migrate(false, "/MovedAgain")).await;
    assert_eq!(text.code, 0, "{}\n{}", text.stdout, text.stderr);
    assert!(
        text.stdout
            .contains("skipped Reports/b.txt: share password:"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("skipped Reports/2009: share password:"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("3 descriptions"), "{}", text.stdout);
    assert!(text.stdout.contains("2 shared links"), "{}", text.stdout);
    emu.stop().await;
}

async fn run_cmd(mut c: std::process::Command) -> common::Run {
    tokio::task::spawn_blocking(move || to_run(c.output().unwrap()))
        .await
        .unwrap()
}

async fn v2_link(v2: &box_v2::Client, path: &str) -> String {
    let it = item(&v2.storage(), path).await;
    let link = it.shared_link().expect("the file's share became a link");
    assert_eq!(link.access, SharedLinkAccess::Open);
    assert!(!link.is_password_enabled, "v1's password is not carried");
    link.url.clone()
}
