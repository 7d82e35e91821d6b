//! The output audit: `--json` on the printing commands the other tests do
//! not cover, every documented exit code, Box's request id in errors (text
//! and `--json`), and `rm -r`'s confirmation on a terminal.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::Env;
use serde_json::Value;

/// Runs with `--json`, asserts `code`, parses stdout.
fn json_with(env: &Env, code: i32, args: &[&str]) -> Value {
    let mut a = vec!["--json"];
    a.extend_from_slice(args);
    let r = env.expect(code, &a);
    serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("boxctl {a:?} printed no JSON ({e}):\n{}", r.stdout))
}

#[test]
fn json_of_the_remaining_printing_commands() {
    let env = Env::new();
    let local = env.path("v.txt");
    std::fs::write(&local, b"one\n").unwrap();
    env.ok(&["mkdir", "/J"]);
    env.ok(&["put", local.to_str().unwrap(), "/J"]);
    std::fs::write(&local, b"two\n").unwrap();
    env.ok(&[
        "put",
        "--on-conflict",
        "version",
        local.to_str().unwrap(),
        "/J",
    ]);
    std::fs::write(&local, b"three\n").unwrap();
    env.ok(&[
        "put",
        "--on-conflict",
        "version",
        local.to_str().unwrap(),
        "/J",
    ]);

    // cp
    let copy = env.json(&["cp", "/J/v.txt", "/J/copy.txt"]);
    assert_eq!(copy["name"], "copy.txt", "{copy}");
    assert_eq!(env.ok(&["cat", "/J/copy.txt"]), "three\n");

    // versions promote / rm
    let versions = env.json(&["versions", "ls", "/J/v.txt"]);
    let previous = versions["previous_versions"].as_array().unwrap();
    assert_eq!(previous.len(), 2, "{versions}");
    let oldest = previous
        .iter()
        .find(|v| v["sha1"] == sha1_hex(b"one\n"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let promoted = env.json(&["versions", "promote", "/J/v.txt", &oldest]);
    assert_eq!(promoted["type"], "file_version", "{promoted}");
    assert_eq!(env.ok(&["cat", "/J/v.txt"]), "one\n");
    let versions = env.json(&["versions", "ls", "/J/v.txt"]);
    let victim = versions["previous_versions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let removed = env.json(&["versions", "rm", "/J/v.txt", &victim]);
    assert_eq!(removed["deleted_version"], victim.as_str());

    // tag rm, unshare
    env.ok(&["tag", "add", "/J/v.txt", "keep", "drop"]);
    let tagged = env.json(&["tag", "rm", "/J/v.txt", "drop"]);
    assert_eq!(tagged["tags"], serde_json::json!(["keep"]), "{tagged}");
    env.ok(&["share", "/J/v.txt"]);
    let unshared = env.json(&["unshare", "/J/v.txt"]);
    assert_eq!(unshared["shared"], false);
    assert_eq!(unshared["path"], "/J/v.txt");

    // rm, trash restore, trash purge
    let removed = env.json(&["rm", "/J/copy.txt"]);
    assert_eq!(removed[0]["path"], "/J/copy.txt");
    assert_eq!(removed[0]["permanent"], false);
    let id = removed[0]["id"].as_str().unwrap().to_owned();
    let restored = env.json(&["trash", "restore", &format!("file:{id}")]);
    assert_eq!(restored["name"], "copy.txt", "{restored}");
    env.ok(&["rm", "/J/copy.txt"]);
    let purged = env.json(&["trash", "purge", &format!("file:{id}")]);
    assert_eq!(purged["purged"], id.as_str());
    assert_eq!(purged["type"], "file");

    // profile add / rm, logout
    let added = env.json(&[
        "profile",
        "add",
        "other",
        "--kind",
        "v2",
        "--base-url",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(added["added"], "other");
    assert_eq!(env.json(&["profile", "rm", "other"])["removed"], "other");
    let out = env.json(&["logout"]);
    assert_eq!(out["profile"], "embedded");
    assert_eq!(out["deleted"], false);

    // raw prints the response's JSON with or without --json.
    let me: Value = serde_json::from_str(&env.ok(&["raw", "GET", "/users/me"])).unwrap();
    assert_eq!(me["type"], "user");
}

fn sha1_hex(bytes: &[u8]) -> String {
    use sha1::Digest;
    let d = sha1::Sha1::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Exit codes 0–5, each from a real failure, as text and as `--json`.
#[test]
fn every_documented_exit_code() {
    let env = Env::new();
    env.ok(&["mkdir", "/E"]);
    // 2: usage (bad flag; a folder where a file is needed).
    env.expect(2, &["ls", "--bogus"]);
    let doc = json_with(&env, 2, &["cat", "/E"]);
    assert_eq!(doc["error"]["exit_code"], 2);
    // 3: not found.
    let doc = json_with(&env, 3, &["stat", "/E/nothing"]);
    assert_eq!(doc["error"]["exit_code"], 3);
    assert!(doc["error"]["hint"].is_string(), "{doc}");
    // 4: conflict.
    let doc = json_with(&env, 4, &["mkdir", "/E"]);
    assert_eq!(doc["error"]["exit_code"], 4);
    // 5: auth (a v2 profile that is not signed in).
    env.write_config("[profiles.cold]\nkind = \"v2\"\nbase_url = \"http://127.0.0.1:9\"\n");
    let doc = json_with(&env, 5, &["--profile", "cold", "ls", "/"]);
    assert_eq!(doc["error"]["exit_code"], 5);
    assert!(
        doc["error"]["hint"].as_str().unwrap().contains("login"),
        "{doc}"
    );
    // 1: failure (a v2-only command on a v1 profile; a server that is not there).
    let doc = json_with(&env, 1, &["--profile", "embedded-v1", "trash", "ls"]);
    assert_eq!(doc["error"]["exit_code"], 1);
    std::fs::write(
        env.config_dir().join("tokens.json"),
        r#"{"cold":{"access_token":"t"}}"#,
    )
    .unwrap();
    let doc = json_with(&env, 1, &["--profile", "cold", "ls", "/"]);
    assert_eq!(doc["error"]["exit_code"], 1, "{doc}");
    // 0
    env.expect(0, &["ls", "/E"]);
}

/// An error the server answered carries Box's request id: in the text on
/// stderr and in the `--json` document.
#[test]
fn errors_name_the_box_request_id() {
    let env = Env::new();
    for args in [
        &["raw", "GET", "/folders/424242"][..],
        &["stat", "file:424242"][..],
        &["cat", "id:424242"][..],
        &["versions", "ls", "file:424242"][..],
    ] {
        let r = env.expect(3, args);
        assert!(
            r.stderr.contains("Box request id") || r.stderr.contains("request id"),
            "boxctl {args:?}: {}",
            r.stderr
        );
        let doc = json_with(&env, 3, args);
        let id = doc["error"]["request_id"].as_str().unwrap_or_else(|| {
            panic!("boxctl --json {args:?}: no request id in {doc}");
        });
        assert!(!id.is_empty());
    }
    // A conflict answered by the server, too.
    env.ok(&["mkdir", "/Taken"]);
    let doc = json_with(
        &env,
        4,
        &[
            "raw",
            "POST",
            "/folders",
            "--data",
            r#"{"name":"Taken","parent":{"id":"0"}}"#,
        ],
    );
    assert!(doc["error"]["request_id"].is_string(), "{doc}");
}

/// `rm -r` of a folder asks on a terminal: "n" keeps it (exit 1), "y"
/// trashes it; files alone are not asked about. (A pseudo-terminal from
/// util-linux `script`; without a terminal `rm -r` refuses unless --yes,
/// tested in commands.rs.)
#[test]
fn rm_r_asks_on_a_terminal() {
    let env = Env::new();
    env.ok(&["mkdir", "-p", "/Keep/inner"]);
    let bin = env!("CARGO_BIN_EXE_boxctl");
    let typescript = env.path("typescript");
    let in_pty = |args: &str, answer: &str| {
        // -f: the typescript is flushed as output arrives, so the question
        // can be seen before it is answered.
        let mut child = Command::new("script")
            .args(["-q", "-f", "-e", "-c", &format!("{bin} {args}")])
            .arg(&typescript)
            .env("BOXCTL_CONFIG_DIR", env.config_dir())
            .env("BOXCTL_DATA_DIR", env.path("data"))
            .env_remove("BOXCTL_PROFILE")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("util-linux `script` (Debian: bsdutils) provides the pseudo-terminal");
        // Answer once the question is on the terminal.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let seen = std::fs::read(&typescript).unwrap_or_default();
            if String::from_utf8_lossy(&seen).contains("[y/N]") {
                break;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "boxctl {args} ended ({status}) without asking:\n{}",
                    String::from_utf8_lossy(&seen)
                );
            }
            assert!(std::time::Instant::now() < deadline, "no question asked");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        child
            .stdin
            .as_mut()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        let status = child.wait_with_output().unwrap().status;
        let screen = String::from_utf8_lossy(&std::fs::read(&typescript).unwrap()).into_owned();
        (status.code().unwrap_or(-1), screen)
    };
    let (code, screen) = in_pty("rm -r /Keep", "n\n");
    assert_eq!(code, 1, "{screen}");
    assert!(
        screen.contains("move to the trash /Keep with everything in it? [y/N]"),
        "{screen}"
    );
    assert!(screen.contains("not deleted"), "{screen}");
    assert!(env.ok(&["ls", "/"]).contains("Keep/"));
    let (code, screen) = in_pty("rm -r --permanent /Keep", "y\n");
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("permanently delete /Keep"), "{screen}");
    assert!(!env.ok(&["ls", "/"]).contains("Keep/"));
    assert!(!env.ok(&["trash", "ls"]).contains("Keep"));
}

/// With every log target at `trace` (boxctl, the clients, the in-process
/// emulator, hyper, reqwest), no token reaches stderr.
#[test]
fn no_token_in_trace_logs() {
    let env = Env::new();
    env.ok(&["mkdir", "/Logged"]);
    let tokens: Value =
        serde_json::from_slice(&std::fs::read(env.config_dir().join("tokens.json")).unwrap())
            .unwrap();
    let token = tokens
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.starts_with("embedded@"))
        .unwrap()
        .1["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let local = env.path("f.txt");
    std::fs::write(&local, b"logged").unwrap();
    for args in [
        &["ls", "-l", "/"][..],
        &["put", local.to_str().unwrap(), "/Logged"][..],
        &["cat", "/Logged/f.txt"][..],
        &["share", "/Logged/f.txt"][..],
        &["stat", "/missing"][..],
    ] {
        let mut c = env.cmd(args);
        c.env("BOXCTL_LOG", "trace");
        let r = common::to_run(c.output().unwrap());
        assert!(r.code == 0 || r.code == 3, "{args:?}: {}", r.stderr);
        assert!(!r.stderr.is_empty(), "trace logging printed nothing");
        assert!(
            !r.stderr.contains(&token) && !r.stdout.contains(&token),
            "boxctl {args:?} logged the token"
        );
    }
}
