//! Sign-in: OAuth 2 through the loopback redirect with the state check,
//! tokens saved in a 0600 token file, rotated refresh tokens saved, nothing
//! secret printed, logout revokes and deletes; a developer token against
//! `boxctl serve`-style server profiles.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use box_emulator::admin::AppSpec;
use common::{to_run, Env, Run};
use serde_json::Value;

fn tokens(env: &Env) -> Value {
    serde_json::from_slice(&std::fs::read(env.config_dir().join("tokens.json")).unwrap()).unwrap()
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_login_rotation_and_logout() {
    // Access tokens live 30 s, inside the client's 60 s refresh margin: every
    // command refreshes, so the refresh token rotates on each run.
    let emu = box_emulator::Emulator::builder()
        .token_ttl(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    let base = emu.base_url();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = emu
        .register_app(AppSpec {
            redirect_uris: vec![format!("http://127.0.0.1:{port}/callback")],
            ..AppSpec::default()
        })
        .unwrap();
    let env = Env::new();
    env.write_config(&format!(
        "[profiles.box]\nkind = \"v2\"\nauth = \"oauth\"\nbase_url = \"{base}\"\nclient_id = \"{}\"\nclient_secret_env = \"BOXCTL_TEST_SECRET\"\nredirect_port = {port}\n",
        app.client_id
    ));
    let secret = app.client_secret.clone();
    let cmd = |args: &[&str]| {
        let mut c = env.cmd(args);
        c.env("BOXCTL_TEST_SECRET", &secret);
        c
    };

    // Not signed in yet: exit code 5.
    let r = to_run(cmd(&["--profile", "box", "whoami"]).output().unwrap());
    assert_eq!(r.code, 5, "{}", r.stderr);

    // login prints the authorize URL and waits on the loopback redirect.
    let mut child = cmd(&["--profile", "box", "login"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let url = loop {
        let mut line = String::new();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "login ended without printing a URL"
        );
        if let Some(u) = line.split_whitespace().find(|w| w.starts_with("http://")) {
            break u.to_owned();
        }
    };
    assert!(url.contains("state="), "{url}");
    // A forged callback with the wrong state is refused; the browser's is accepted.
    let forged = reqwest::get(format!(
        "http://127.0.0.1:{port}/callback?code=x&state=forged"
    ))
    .await
    .unwrap();
    assert_eq!(forged.status(), 200);
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(5),
        "a wrong state must fail the login"
    );
    assert!(!env.config_dir().join("tokens.json").exists() || tokens(&env).get("box").is_none());

    let mut child = cmd(&["--profile", "box", "login"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let url = loop {
        let mut line = String::new();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "login ended without printing a URL"
        );
        if let Some(u) = line.split_whitespace().find(|w| w.starts_with("http://")) {
            break u.to_owned();
        }
    };
    // The browser: the emulator's authorize page approves and redirects to the loopback port.
    let page = reqwest::get(&url).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("signed in"));
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let login = to_run(out);
    assert_eq!(login.code, 0, "{}", login.stderr);
    assert!(login.stdout.contains("signed in"), "{}", login.stdout);

    // The token file: mode 0600, the tokens of the profile.
    let path = env.config_dir().join("tokens.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let t1 = tokens(&env);
    let access1 = t1["box"]["access_token"].as_str().unwrap().to_owned();
    let refresh1 = t1["box"]["refresh_token"].as_str().unwrap().to_owned();
    assert_no_secret(&login, &[&access1, &refresh1, &secret]);

    // A command refreshes; the rotated refresh token is saved.
    let who = to_run(cmd(&["--profile", "box", "whoami"]).output().unwrap());
    assert_eq!(who.code, 0, "{}", who.stderr);
    let refresh2 = tokens(&env)["box"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(
        refresh1, refresh2,
        "the rotated refresh token was not saved"
    );
    // The old one is spent; the saved one works again.
    let who = to_run(
        cmd(&["--profile", "box", "--json", "ls", "/"])
            .output()
            .unwrap(),
    );
    assert_eq!(who.code, 0, "{}", who.stderr);
    let refresh3 = tokens(&env)["box"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_no_secret(&who, &[&access1, &refresh1, &refresh2, &refresh3, &secret]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    // logout revokes and deletes.
    let r = to_run(cmd(&["--profile", "box", "logout"]).output().unwrap());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("revoked"), "{}", r.stdout);
    assert!(tokens(&env).get("box").is_none());
    let r = to_run(cmd(&["--profile", "box", "whoami"]).output().unwrap());
    assert_eq!(r.code, 5);
    emu.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn developer_token_profile_against_a_served_emulator() {
    let emu = box_emulator::Emulator::builder().start().await.unwrap();
    let token = emu.default_token().to_owned();
    let env = Env::new();
    let r = env.expect(
        0,
        &[
            "profile",
            "add",
            "srv",
            "--kind",
            "v2",
            "--base-url",
            &emu.base_url(),
            "--default",
        ],
    );
    assert!(r.stdout.contains("saved"));
    let r = env.expect(5, &["whoami"]);
    assert!(r.stderr.contains("login"), "{}", r.stderr);
    // The token from a variable; checked before it is saved.
    let mut c = env.cmd(&["login", "--token-env", "BOXCTL_TEST_DEV_TOKEN"]);
    c.env("BOXCTL_TEST_DEV_TOKEN", "not-a-valid-token");
    let r = to_run(
        tokio::task::spawn_blocking(move || c.output().unwrap())
            .await
            .unwrap(),
    );
    assert_eq!(r.code, 5, "{}", r.stderr);
    let mut c = env.cmd(&["login", "--token-env", "BOXCTL_TEST_DEV_TOKEN"]);
    c.env("BOXCTL_TEST_DEV_TOKEN", &token);
    let r = to_run(
        tokio::task::spawn_blocking(move || c.output().unwrap())
            .await
            .unwrap(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_no_secret(&r, &[&token]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.config_dir().join("tokens.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let r = tokio::task::spawn_blocking({
        let c = env.cmd(&["--json", "whoami"]);
        move || {
            let mut c = c;
            to_run(c.output().unwrap())
        }
    })
    .await
    .unwrap();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let me: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(me["profile"], "srv");
    assert_no_secret(&r, &[&token]);
    let r = tokio::task::spawn_blocking({
        let c = env.cmd(&["mkdir", "/FromCli"]);
        move || {
            let mut c = c;
            to_run(c.output().unwrap())
        }
    })
    .await
    .unwrap();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = tokio::task::spawn_blocking({
        let c = env.cmd(&["logout"]);
        move || {
            let mut c = c;
            to_run(c.output().unwrap())
        }
    })
    .await
    .unwrap();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(tokens(&env).get("srv").is_none());
    emu.stop().await;
}
