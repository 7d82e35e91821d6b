//! Every core command end to end, in text and `--json`, with the documented
//! exit codes: against the embedded emulator, and through a configured v2
//! profile against the emulator `boxctl serve` runs.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::{files_under, Env};
use serde_json::Value;

#[test]
fn items_transfers_and_metadata() {
    every_command(&Env::new(), "embedded");
}

/// The same commands through a configured v2 profile (developer token)
/// against the emulator run by `boxctl serve` in another process.
#[test]
fn items_transfers_and_metadata_against_boxctl_serve() {
    let server = Env::new();
    let mut serve = server
        .cmd(&["--json", "serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(serve.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let banner: Value = serde_json::from_str(&line).unwrap();
    let env = Env::new();
    env.ok(&[
        "profile",
        "add",
        "served",
        "--kind",
        "v2",
        "--base-url",
        banner["base_url"].as_str().unwrap(),
        "--default",
    ]);
    let mut login = env.cmd(&["login", "--token-env", "BOXCTL_TEST_SERVED_TOKEN"]);
    login.env(
        "BOXCTL_TEST_SERVED_TOKEN",
        banner["token"].as_str().unwrap(),
    );
    let r = common::to_run(login.output().unwrap());
    assert_eq!(r.code, 0, "{}", r.stderr);
    every_command(&env, "served");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &serve.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(serve.wait().unwrap().success());
}

/// Every core command in text and `--json` with its exit codes, through the
/// default profile of `env` (named `profile`).
fn every_command(env: &Env, profile: &str) {
    let src = env.path("src");
    std::fs::create_dir_all(src.join("sub/deeper")).unwrap();
    std::fs::write(src.join("a.txt"), b"hello\n").unwrap();
    std::fs::write(src.join("sub/b.csv"), b"x,y\n1,2\n").unwrap();
    std::fs::write(src.join("sub/deeper/c.bin"), vec![7u8; 300_000]).unwrap();

    // whoami, on a fresh machine: the embedded profile.
    let me = env.json(&["whoami"]);
    assert_eq!(me["profile"], profile);
    assert_eq!(me["api"], "v2");
    assert!(env.ok(&["whoami"]).contains("user@example.com"));

    // mkdir: plain, -p, and the exit codes of a missing parent and a taken name.
    let made = env.json(&["mkdir", "-p", "/Work/2024"]);
    assert_eq!(made["name"], "2024");
    env.expect(3, &["mkdir", "/Nope/x"]);
    env.expect(4, &["mkdir", "/Work"]);
    env.ok(&["mkdir", "-p", "/Work"]);

    // put: a directory, recursively.
    let put = env.json(&["put", src.to_str().unwrap(), "/Work"]);
    assert_eq!(put["files"].as_array().unwrap().len(), 3);
    assert_eq!(put["bytes"], 6 + 8 + 300_000);

    // ls in text, long, recursive and JSON.
    let ls = env.ok(&["ls", "/Work/src"]);
    assert_eq!(ls, "sub/\na.txt\n");
    let long = env.ok(&["ls", "-l", "/Work/src"]);
    assert!(
        long.contains("file") && long.contains("6 B") && long.contains("a.txt"),
        "{long}"
    );
    let rec = env.ok(&["ls", "-R", "/Work/src"]);
    assert!(rec.contains("sub/deeper/c.bin"), "{rec}");
    let js = env.json(&["ls", "/Work/src"]);
    assert_eq!(js.as_array().unwrap().len(), 2);
    let rec_js = env.json(&["ls", "-R", "/Work/src"]);
    assert_eq!(rec_js.as_array().unwrap().len(), 5);
    env.expect(3, &["ls", "/Work/missing"]);

    // tree.
    let tree = env.ok(&["tree", "/Work"]);
    assert!(
        tree.contains("c.bin  (293 KiB)") && tree.contains("4 folders, 3 files"),
        "{tree}"
    );
    assert_eq!(
        env.json(&["tree", "/Work"])["entries"]
            .as_array()
            .unwrap()
            .len(),
        7
    );

    // put conflicts: fail (4), skip, version, rename.
    let a = src.join("a.txt");
    let a = a.to_str().unwrap();
    let r = env.expect(4, &["put", a, "/Work/src"]);
    assert!(r.stderr.contains("--on-conflict"), "{}", r.stderr);
    assert_eq!(
        env.json(&["put", "--on-conflict", "skip", a, "/Work/src"])["files"][0]["action"],
        "skipped"
    );
    std::fs::write(src.join("a.txt"), b"hello again\n").unwrap();
    assert_eq!(
        env.json(&["put", "--on-conflict", "version", a, "/Work/src"])["files"][0]["action"],
        "version"
    );
    let renamed = env.json(&["put", "--on-conflict", "rename", a, "/Work/src"]);
    assert_eq!(renamed["files"][0]["remote"], "/Work/src/a (1).txt");
    // put to a new name.
    env.ok(&["put", a, "/Work/copy-of-a.txt"]);

    // cat and stat.
    assert_eq!(env.ok(&["cat", "/Work/src/a.txt"]), "hello again\n");
    let st = env.json(&["stat", "/Work/src/a.txt"]);
    assert_eq!(st["type"], "file");
    assert_eq!(st["size"], 12);
    let id = st["id"].as_str().unwrap().to_owned();
    assert_eq!(env.ok(&["cat", &format!("id:{id}")]), "hello again\n");
    assert_eq!(env.ok(&["cat", &format!("file:{id}")]), "hello again\n");
    assert!(env.ok(&["stat", "/Work/src/a.txt"]).contains("sha1:"));
    env.expect(2, &["cat", "/Work/src"]);
    env.expect(3, &["stat", "id:99999999"]);

    // versions: ls, promote, rm.
    let v = env.json(&["versions", "ls", "/Work/src/a.txt"]);
    let prev = v["previous_versions"].as_array().unwrap();
    assert_eq!(prev.len(), 1);
    let old = prev[0]["id"].as_str().unwrap().to_owned();
    assert!(env
        .ok(&["versions", "ls", "/Work/src/a.txt"])
        .contains(&old));
    env.ok(&["versions", "promote", "/Work/src/a.txt", &old]);
    assert_eq!(env.ok(&["cat", "/Work/src/a.txt"]), "hello\n");
    let v = env.json(&["versions", "ls", "/Work/src/a.txt"]);
    let to_rm = v["previous_versions"][0]["id"].as_str().unwrap().to_owned();
    env.ok(&["versions", "rm", "/Work/src/a.txt", &to_rm]);

    // get: a folder recursively, a file to a new name; temp-then-rename leaves no partials.
    let out = env.path("out");
    std::fs::create_dir_all(&out).unwrap();
    let got = env.json(&["get", "/Work/src", out.to_str().unwrap()]);
    assert_eq!(got["files"].as_array().unwrap().len(), 4);
    assert_eq!(
        files_under(&out),
        vec![
            "src/a (1).txt",
            "src/a.txt",
            "src/sub/b.csv",
            "src/sub/deeper/c.bin"
        ]
    );
    assert_eq!(
        std::fs::read(out.join("src/sub/deeper/c.bin")).unwrap(),
        vec![7u8; 300_000]
    );
    let single = env.path("single.txt");
    env.ok(&["get", "/Work/src/sub/b.csv", single.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&single).unwrap(), "x,y\n1,2\n");
    env.expect(3, &["get", "/Work/none", out.to_str().unwrap()]);

    // A partial file with no record of which remote content it holds is
    // not trusted: it is replaced, never continued (resuming is tested in
    // get_resume.rs, with the record a killed `get` leaves).
    let target = env.path("resume.bin");
    let part = env.path(".resume.bin.boxctl-part");
    std::fs::write(&part, vec![1u8; 100_000]).unwrap();
    let fresh = env.json(&[
        "get",
        "/Work/src/sub/deeper/c.bin",
        target.to_str().unwrap(),
    ]);
    assert_eq!(fresh["files"][0]["resumed_from"], 0);
    assert_eq!(std::fs::read(&target).unwrap(), vec![7u8; 300_000]);
    assert!(!part.exists());

    // tag, describe, share, unshare.
    let tagged = env.json(&["tag", "add", "/Work/src/sub/b.csv", "finance", "q1"]);
    assert_eq!(tagged["tags"], serde_json::json!(["finance", "q1"]));
    assert!(env
        .ok(&["tag", "rm", "/Work/src/sub/b.csv", "q1"])
        .contains("finance"));
    assert_eq!(
        env.json(&["describe", "/Work/src/sub/b.csv", "numbers"])["description"],
        "numbers"
    );
    let url = env.ok(&[
        "share",
        "/Work/src/sub/b.csv",
        "--access",
        "open",
        "--expires",
        "7d",
    ]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    std::env::set_var("BOXCTL_TEST_LINK_PW", "s3cret-pass");
    let link = env.json(&[
        "share",
        "/Work/src/sub/b.csv",
        "--password-env",
        "BOXCTL_TEST_LINK_PW",
    ]);
    assert_eq!(link["is_password_enabled"], true);
    assert!(!link.to_string().contains("s3cret-pass"));
    env.expect(
        2,
        &[
            "share",
            "/Work/src/sub/b.csv",
            "--password-env",
            "BOXCTL_TEST_UNSET_VAR",
        ],
    );
    env.expect(2, &["share", "/Work/src", "--expires", "tomorrow"]);
    env.ok(&["unshare", "/Work/src/sub/b.csv"]);
    assert!(env.json(&["stat", "/Work/src/sub/b.csv"])["shared_link"].is_null());

    // search, with filters.
    let hits = env.json(&["search", "b.csv"]);
    assert_eq!(hits.as_array().unwrap().len(), 1);
    assert!(env
        .json(&["search", "b", "--type", "folder"])
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["type"] == "folder"));
    assert_eq!(
        env.json(&["search", "c", "--ext", "bin", "--under", "/Work/src/sub"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(env
        .ok(&["search", "c.bin"])
        .contains("/Work/src/sub/deeper/c.bin"));

    // mv (into a folder; rename), cp.
    env.ok(&["mkdir", "/Archive"]);
    let moved = env.json(&["mv", "/Work/copy-of-a.txt", "/Archive"]);
    assert_eq!(moved["name"], "copy-of-a.txt");
    let renamed = env.json(&["mv", "/Archive/copy-of-a.txt", "/Archive/renamed.txt"]);
    assert_eq!(renamed["name"], "renamed.txt");
    env.ok(&["cp", "/Work/src/sub", "/Archive/sub-copy"]);
    assert_eq!(env.ok(&["ls", "/Archive"]), "sub-copy/\nrenamed.txt\n");
    env.expect(4, &["cp", "/Archive/renamed.txt", "/Archive/renamed.txt"]);
    env.expect(4, &["mv", "/Archive/sub-copy", "/Archive/renamed.txt"]);

    // rm: a file to the trash; a folder needs -r, and --yes without a terminal.
    env.ok(&["rm", "/Archive/renamed.txt"]);
    let r = env.expect(2, &["rm", "/Archive/sub-copy"]);
    assert!(r.stderr.contains("-r"));
    let r = env.expect(2, &["rm", "-r", "/Archive/sub-copy"]);
    assert!(r.stderr.contains("--yes"), "{}", r.stderr);
    assert_eq!(env.json(&["ls", "/Archive"]).as_array().unwrap().len(), 1);
    env.ok(&["rm", "-r", "--yes", "/Archive/sub-copy"]);
    env.expect(2, &["rm", "-r", "--yes", "/"]);

    // trash: ls, restore, purge.
    let trash = env.json(&["trash", "ls"]);
    let names: Vec<&str> = trash
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"renamed.txt") && names.contains(&"sub-copy"),
        "{names:?}"
    );
    let file_id = trash
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "renamed.txt")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let folder_id = trash
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "sub-copy")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    env.ok(&["trash", "restore", &format!("id:{file_id}")]);
    assert_eq!(env.ok(&["cat", "/Archive/renamed.txt"]), "hello again\n");
    env.ok(&["trash", "purge", &format!("folder:{folder_id}")]);
    env.expect(3, &["trash", "restore", &format!("folder:{folder_id}")]);
    env.expect(2, &["trash", "restore", "bogus"]);

    // rm --permanent skips the trash.
    env.ok(&["rm", "--permanent", "/Archive/renamed.txt"]);
    assert!(!env.ok(&["trash", "ls"]).contains("renamed.txt"));

    // events: the history as text and JSON lines.
    let events = env.ok(&["events"]);
    assert!(
        events.contains("ITEM_UPLOAD") && events.contains("ITEM_TRASH"),
        "{events}"
    );
    let lines = env.ok(&["--json", "events"]);
    for l in lines.lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["type"], "event");
    }

    // raw: the escape hatch.
    let raw: Value = serde_json::from_str(&env.ok(&["raw", "GET", "/folders/0"])).unwrap();
    assert_eq!(raw["id"], "0");
    let created: Value = serde_json::from_str(&env.ok(&[
        "raw",
        "post",
        "/folders",
        "--data",
        r#"{"name":"ByRaw","parent":{"id":"0"}}"#,
    ]))
    .unwrap();
    assert_eq!(created["name"], "ByRaw");
    env.expect(2, &["raw", "GET", "/folders/0", "--data", "{not json"]);
    env.expect(3, &["raw", "GET", "/folders/424242"]);

    // Errors with --json are a JSON document with the exit code.
    let r = env.expect(3, &["--json", "stat", "/missing"]);
    let err: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(err["error"]["exit_code"], 3);

    // Usage errors exit 2.
    env.expect(2, &["ls", "--no-such-flag"]);
    env.expect(2, &["put", "only-one-arg"]);
}

#[test]
fn unknown_profile_and_v1_profile_limits() {
    let env = Env::new();
    let r = env.expect(3, &["--profile", "nope", "ls"]);
    assert!(r.stderr.contains("no profile named"), "{}", r.stderr);
    // The embedded emulator through v1: Storage commands work, v2-only ones say why not.
    env.ok(&["--profile", "embedded-v1", "mkdir", "/ViaV1"]);
    assert!(env.ok(&["ls", "/"]).contains("ViaV1/"));
    let r = env.expect(1, &["--profile", "embedded-v1", "trash", "ls"]);
    assert!(r.stderr.contains("needs the v2 API"), "{}", r.stderr);
    assert_eq!(
        env.json(&["--profile", "embedded-v1", "whoami"])["api"],
        "v1"
    );
    // profile ls shows the built-ins.
    let p = env.json(&["profile", "ls"]);
    assert_eq!(p[0]["name"], "embedded");
    assert_eq!(p[0]["default"], true);
}

#[test]
fn demo_runs_offline_and_checks_the_migration() {
    let env = Env::new();
    let text = env.ok(&["demo"]);
    assert!(
        text.contains("v1: sign in through the ticket flow"),
        "{text}"
    );
    assert!(text.contains("5 copied"), "{text}");
    let v = env.json(&["demo"]);
    assert_eq!(v["verified_files"], 5);
    assert_eq!(v["migration"]["files_copied"], 5);
    assert_eq!(v["migration"]["descriptions"], 1);
    assert_eq!(v["migration"]["tagged_items"], 1);
    assert!(v["migration"]["shared_links"].as_u64().unwrap() >= 1);
    assert!(v["migration"]["failed"].as_array().unwrap().is_empty());
}
