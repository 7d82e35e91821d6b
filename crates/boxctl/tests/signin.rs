//! Sign-in through the CLI against the emulator: the v1 ticket flow
//! (approved the way a user would, by opening the printed URL), client
//! credentials, JWT (Box's console config JSON, encrypted key, passphrase
//! from the environment) — each token stored 0600, minted once and reused
//! by later commands, never printed — and `boxctl serve` as a real process
//! that another boxctl profile then uses end to end.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use box_emulator::admin::AppSpec;
use box_emulator::EmulatorHandle;
use common::{to_run, Env, Run};
use serde_json::Value;

fn tokens(env: &Env) -> Value {
    serde_json::from_slice(&std::fs::read(env.config_dir().join("tokens.json")).unwrap()).unwrap()
}

fn assert_mode_0600(env: &Env) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.config_dir().join("tokens.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    #[cfg(not(unix))]
    let _ = env;
}

fn assert_no_secret(r: &Run, secrets: &[&str]) {
    for s in secrets {
        assert!(
            !r.stdout.contains(s) && !r.stderr.contains(s),
            "a secret was printed:\n{}\n{}",
            r.stdout,
            r.stderr
        );
    }
}

async fn run(mut c: Command) -> Run {
    tokio::task::spawn_blocking(move || to_run(c.output().unwrap()))
        .await
        .unwrap()
}

fn tokens_issued(emu: &EmulatorHandle) -> u64 {
    emu.counters()["tokens_issued"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_ticket_login_stores_the_token_and_logout_revokes_it() {
    let emu = box_emulator::Emulator::builder().start().await.unwrap();
    let env = Env::new();
    env.write_config(&format!(
        "default_profile = \"legacy\"\n[profiles.legacy]\nkind = \"v1\"\napi_key = \"my-api-key\"\nbase_url = \"{}\"\n",
        emu.base_url()
    ));
    let r = run(env.cmd(&["whoami"])).await;
    assert_eq!(r.code, 5, "not signed in yet: {}", r.stderr);

    let mut child = env
        .cmd(&["login"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let url = tokio::task::spawn_blocking(move || loop {
        let mut line = String::new();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "login ended without printing a URL"
        );
        if let Some(u) = line.split_whitespace().find(|w| w.starts_with("http://")) {
            break u.to_owned();
        }
    })
    .await
    .unwrap();
    assert!(url.contains("/api/1.0/auth/"), "{url}");
    // Not approved for a while: login keeps waiting.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(child.try_wait().unwrap().is_none(), "login gave up early");
    // The user opens the URL and approves.
    let page = reqwest::get(&url).await.unwrap();
    assert!(page.status().is_success(), "{}", page.status());
    let login = to_run(
        tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
            .await
            .unwrap(),
    );
    assert_eq!(login.code, 0, "{}", login.stderr);
    assert!(login.stdout.contains("signed in"), "{}", login.stdout);
    assert_mode_0600(&env);
    let token = tokens(&env)["legacy"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!token.is_empty());
    assert_no_secret(&login, &[&token]);

    // The stored token is used by later commands.
    let r = run(env.cmd(&["--json", "whoami"])).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let me: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(me["profile"], "legacy");
    assert_eq!(me["api"], "v1", "{me}");
    let r = run(env.cmd(&["mkdir", "/FromV1"])).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(env.cmd(&["--json", "ls", "/"])).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("FromV1"), "{}", r.stdout);
    assert_no_secret(&r, &[&token]);

    // logout revokes (the token stops working) and deletes it.
    let r = run(env.cmd(&["logout"])).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("revoked"), "{}", r.stdout);
    assert!(tokens(&env).get("legacy").is_none());
    let v1 = box_v1::Client::builder("my-api-key")
        .api_base(emu.base_url())
        .upload_base(emu.base_url())
        .web_base(emu.base_url())
        .auth_token(secrecy::SecretString::from(token))
        .build()
        .unwrap();
    use box_core::Storage;
    assert!(
        Storage::current_user(&v1).await.is_err(),
        "the token still works"
    );
    emu.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_profile_mints_one_token_and_reuses_it() {
    let emu = box_emulator::Emulator::builder().start().await.unwrap();
    let app = emu.register_app(AppSpec::default()).unwrap();
    let env = Env::new();
    env.write_config(&format!(
        "default_profile = \"ccg\"\n[profiles.ccg]\nkind = \"v2\"\nauth = \"client_credentials\"\nbase_url = \"{}\"\nclient_id = \"{}\"\nclient_secret_env = \"BOXCTL_TEST_SECRET\"\nsubject_type = \"enterprise\"\nsubject_id = \"900\"\n",
        emu.base_url(),
        app.client_id
    ));
    let secret = app.client_secret.clone();
    let cmd = |args: &[&str]| {
        let mut c = env.cmd(args);
        c.env("BOXCTL_TEST_SECRET", &secret);
        c
    };
    // A wrong secret: refused, exit code 5.
    let mut c = env.cmd(&["login"]);
    c.env("BOXCTL_TEST_SECRET", "wrong-secret");
    let r = run(c).await;
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert_no_secret(&r, &["wrong-secret", &secret]);

    let before = tokens_issued(&emu);
    let r = run(cmd(&["login"])).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_mode_0600(&env);
    let access = tokens(&env)["ccg"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    for args in [
        &["whoami"][..],
        &["mkdir", "/ccg"],
        &["--json", "ls", "/"],
        &["stat", "/ccg"],
    ] {
        let r = run(cmd(args)).await;
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert_no_secret(&r, &[&access, &secret]);
    }
    assert_eq!(
        tokens_issued(&emu) - before,
        1,
        "each command minted its own token instead of reusing the stored one"
    );
    emu.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_profile_with_an_encrypted_key_and_the_passphrase_from_env() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/v2");
    let public = std::fs::read_to_string(format!("{fixtures}/jwt_public_key.pem")).unwrap();
    let mut config: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{fixtures}/jwt_app_config.json")).unwrap(),
    )
    .unwrap();
    // As Box's console writes it, minus the passphrase, which comes from the environment.
    let passphrase = config["boxAppSettings"]["appAuth"]["passphrase"]
        .as_str()
        .unwrap()
        .to_owned();
    config["boxAppSettings"]["appAuth"]
        .as_object_mut()
        .unwrap()
        .remove("passphrase");
    let emu = box_emulator::Emulator::builder().start().await.unwrap();
    emu.register_app(AppSpec {
        client_id: Some(
            config["boxAppSettings"]["clientID"]
                .as_str()
                .unwrap()
                .into(),
        ),
        client_secret: Some(
            config["boxAppSettings"]["clientSecret"]
                .as_str()
                .unwrap()
                .into(),
        ),
        public_key_pem: Some(public),
        ..AppSpec::default()
    })
    .unwrap();
    let env = Env::new();
    let config_path = env.path("box_config.json");
    std::fs::write(&config_path, config.to_string()).unwrap();
    env.write_config(&format!(
        "default_profile = \"jwt\"\n[profiles.jwt]\nkind = \"v2\"\nauth = \"jwt\"\nbase_url = \"{}\"\njwt_config = {:?}\npassphrase_env = \"BOXCTL_TEST_PASSPHRASE\"\n",
        emu.base_url(),
        config_path.to_str().unwrap()
    ));
    // No passphrase: exit code 5 and a hint.
    let r = run(env.cmd(&["whoami"])).await;
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(r.stderr.contains("BOXCTL_TEST_PASSPHRASE"), "{}", r.stderr);
    // A wrong passphrase fails without printing it.
    let mut c = env.cmd(&["whoami"]);
    c.env("BOXCTL_TEST_PASSPHRASE", "Zq9-wrong-guess");
    let r = run(c).await;
    assert_ne!(r.code, 0);
    assert_no_secret(&r, &["Zq9-wrong-guess", &passphrase]);

    let cmd = |args: &[&str]| {
        let mut c = env.cmd(args);
        c.env("BOXCTL_TEST_PASSPHRASE", &passphrase);
        c
    };
    let before = tokens_issued(&emu);
    let r = run(cmd(&["--json", "login"])).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_mode_0600(&env);
    let access = tokens(&env)["jwt"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let src = env.path("hello.txt");
    std::fs::write(&src, b"signed with a key").unwrap();
    for args in [
        &["whoami"][..],
        &["mkdir", "/jwt"],
        &["put", src.to_str().unwrap(), "/jwt"],
        &["cat", "/jwt/hello.txt"],
    ] {
        let r = run(cmd(args)).await;
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert_no_secret(&r, &[&access, &passphrase, "PRIVATE KEY"]);
        if args[0] == "cat" {
            assert_eq!(r.stdout, "signed with a key");
        }
    }
    assert_eq!(
        tokens_issued(&emu) - before,
        1,
        "each command minted its own token instead of reusing the stored one"
    );
    emu.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_is_a_server_another_profile_uses_end_to_end() {
    let server_env = Env::new();
    let mut serve = server_env
        .cmd(&["--json", "serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = serve.stdout.take().unwrap();
    let banner: Value = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap()
    })
    .await
    .unwrap();
    let base = banner["base_url"].as_str().unwrap().to_owned();
    let token = banner["token"].as_str().unwrap().to_owned();

    // Another boxctl, configured like any v2 profile, with the served URL.
    let env = Env::new();
    let r = env.expect(
        0,
        &[
            "profile",
            "add",
            "local",
            "--kind",
            "v2",
            "--base-url",
            &base,
            "--default",
        ],
    );
    assert!(r.stdout.contains("saved"), "{}", r.stdout);
    let mut c = env.cmd(&["login", "--token-env", "BOXCTL_TEST_TOKEN"]);
    c.env("BOXCTL_TEST_TOKEN", &token);
    let r = run(c).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_mode_0600(&env);

    let dir = env.path("upload");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("a.txt"), b"alpha").unwrap();
    std::fs::write(dir.join("sub/b.txt"), b"beta").unwrap();
    let j = |args: &[&str]| {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        let c = env.cmd(&a);
        async move {
            let r = run(c).await;
            assert_eq!(r.code, 0, "{:?}: {}", r.stdout, r.stderr);
            serde_json::from_str::<Value>(&r.stdout).unwrap_or(Value::Null)
        }
    };
    j(&["mkdir", "-p", "/Served/In"]).await;
    j(&["put", dir.to_str().unwrap(), "/Served/In"]).await;
    let tree = j(&["ls", "-R", "/Served"]).await.to_string();
    for name in ["a.txt", "b.txt", "sub", "upload"] {
        assert!(tree.contains(name), "{name} missing: {tree}");
    }
    let out = env.path("down");
    std::fs::create_dir_all(&out).unwrap();
    j(&["get", "/Served/In/upload", out.to_str().unwrap()]).await;
    assert_eq!(
        std::fs::read(out.join("upload/sub/b.txt")).unwrap(),
        b"beta"
    );
    let link = j(&["share", "/Served/In/upload/a.txt", "--access", "open"]).await;
    assert!(link.to_string().contains("http"), "{link}");
    j(&["describe", "/Served/In/upload/a.txt", "first file"]).await;
    let st = j(&["stat", "/Served/In/upload/a.txt"]).await;
    assert!(st.to_string().contains("first file"), "{st}");
    let r = env.expect(0, &["rm", "-r", "--yes", "/Served"]);
    assert!(!r.stdout.is_empty() || r.stderr.is_empty());
    let r = env.expect(3, &["stat", "/Served"]);
    assert!(
        r.stderr.contains("not found") || r.stderr.contains("Not Found") || !r.stderr.is_empty()
    );

    // The server stops cleanly on SIGTERM; its data dir persists what was done.
    let pid = serve.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || serve.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "serve exited with {status}");
    emu_data_exists(&server_env);
}

fn emu_data_exists(env: &Env) {
    let data = env.path("data");
    assert!(
        std::fs::read_dir(&data).unwrap().next().is_some(),
        "serve left nothing in {}",
        data.display()
    );
}
