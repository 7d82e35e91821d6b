//! whoami, login, logout, profiles and serve.

use std::io::{BufRead, IsTerminal};
use std::time::Duration;

use box_core::Storage;
use box_emulator::{Emulator, FaultConfig};
use box_v2::auth::OAuth2;
use secrecy::ExposeSecret;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::backend::{Backend, Session, REDIRECT_PATH};
use crate::cli::ProfileCmd;
use crate::config::{Api, AuthKind, Kind, Profile, StoredTokens};
use crate::error::{code, CliError, CliResult};
use crate::output::Output;

/// How long `login` waits for the user to approve in the browser.
const LOGIN_WAIT: Duration = Duration::from_secs(300);

pub(super) async fn whoami(b: &Backend, out: Output) -> CliResult<()> {
    let me = b.storage.current_user().await?;
    if out.json {
        return out.json(&json!({ "profile": b.profile, "api": b.api(), "user": me }));
    }
    out.line(&format!(
        "{} <{}> (user {}) via {} profile {:?}",
        me.name,
        me.login,
        me.id,
        b.api(),
        b.profile
    ))
}

pub(super) async fn serve(
    session: &Session,
    out: Output,
    port: u16,
    faults: &[String],
    seed: u64,
) -> CliResult<()> {
    let mut cfg = FaultConfig {
        seed,
        ..FaultConfig::default()
    };
    for spec in faults {
        cfg.rules.push(
            FaultConfig::parse_rule(spec)
                .map_err(|e| CliError::usage(format!("--fault {spec}: {e}")))?,
        );
    }
    cfg.validate().map_err(CliError::usage)?;
    let dir = &session.dirs.data_dir;
    // The same token as the embedded profile's, every start.
    let token = session.embedded_token(dir)?;
    let stop = shutdown_signal();
    let emu = Emulator::builder()
        .port(port)
        .data_dir(dir)
        .faults(cfg)
        .default_token(token)
        .start()
        .await
        .map_err(|e| {
            CliError::failure(format!("cannot start the emulator: {e}"))
                .hint("is the port or the data dir in use?")
        })?;
    // Embedded-profile commands on this data dir reach this server over loopback;
    // announced before the addresses are printed, so a program that reads
    // them can run such commands at once.
    let announce = crate::backend::ServerFile {
        pid: std::process::id(),
        base_url: emu.base_url(),
        admin_secret: emu.admin_secret().to_owned(),
        token: emu.default_token().to_owned(),
    };
    let file = dir.join(crate::backend::SERVER_FILE);
    let bytes = serde_json::to_vec(&announce)
        .map_err(|e| CliError::failure(format!("encoding {}: {e}", file.display())))?;
    crate::config::write_atomic(&file, &bytes, 0o600)?;
    if out.json {
        out.json_line(&json!({
            "base_url": emu.base_url(), "api_url": emu.api_url(), "upload_url": emu.upload_url(),
            "oauth_url": emu.oauth_url(), "v1_url": emu.v1_url(), "admin_url": emu.admin_url(),
            "data_dir": dir, "user": emu.default_user(), "token": emu.default_token(),
        }))?;
    } else {
        out.line(&format!(
            "boxctl serve: the emulator is listening (Ctrl-C stops it)\n  base:     {}\n  api:      {}\n  upload:   {}\n  oauth:    {}\n  v1:       {}\n  admin:    {}\n  data dir: {}\n  user:     {}\n  token:    {}  (this data dir's developer token, the same after restarts)\n\nUse it from boxctl:  boxctl profile add local --kind v2 --base-url {} && BOXCTL_TOKEN=... boxctl --profile local login --token-env BOXCTL_TOKEN",
            emu.base_url(), emu.api_url(), emu.upload_url(), emu.oauth_url(), emu.v1_url(), emu.admin_url(),
            dir.display(), emu.default_user(), emu.default_token(), emu.base_url()
        ))?;
    }
    stop.await;
    let _ = std::fs::remove_file(&file);
    emu.stop().await;
    Ok(())
}

/// Ctrl-C or SIGTERM. The handlers are installed when this is called, not
/// when the future is first polled: `serve` calls it before it prints its
/// addresses, so a program that stops it as soon as it has read them does
/// not kill it before it withdraws its announcement.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let handlers = signal(SignalKind::terminate())
            .and_then(|term| Ok((term, signal(SignalKind::interrupt())?)));
        async move {
            match handlers {
                Ok((mut term, mut int)) => {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

pub(super) fn profile(session: &Session, out: Output, cmd: ProfileCmd) -> CliResult<()> {
    let path = session.dirs.config_file();
    let mut config = session.config.clone();
    match cmd {
        ProfileCmd::Ls => {
            let default = config
                .default_profile
                .clone()
                .unwrap_or_else(|| "embedded".into());
            let mut rows = Vec::new();
            for builtin in ["embedded", "embedded-v1"] {
                if !config.profiles.contains_key(builtin) {
                    let (_, p) = config.profile(Some(builtin))?;
                    rows.push((builtin.to_owned(), p, true));
                }
            }
            for (name, p) in &config.profiles {
                rows.push((name.clone(), p.clone(), false));
            }
            if out.json {
                let docs: Vec<_> = rows
                    .iter()
                    .map(|(n, p, builtin)| {
                        let signed_in = session.tokens.get(n).ok().flatten().is_some();
                        json!({ "name": n, "default": *n == default, "builtin": builtin, "profile": p, "signed_in": signed_in })
                    })
                    .collect();
                return out.json(&docs);
            }
            for (n, p, builtin) in rows {
                let what = match p.kind {
                    Kind::Embedded => format!(
                        "embedded emulator via {}",
                        if p.api == Api::V1 { "v1" } else { "v2" }
                    ),
                    Kind::V2 => format!(
                        "v2 ({:?}){}",
                        p.auth,
                        p.base_url
                            .as_deref()
                            .map(|u| format!(" at {u}"))
                            .unwrap_or_default()
                    ),
                    Kind::V1 => format!(
                        "v1{}",
                        p.base_url
                            .as_deref()
                            .map(|u| format!(" at {u}"))
                            .unwrap_or_default()
                    ),
                };
                let mark = if n == default { "*" } else { " " };
                let extra = if builtin { " (built in)" } else { "" };
                out.line(&format!("{mark} {n:<16} {what}{extra}"))?;
            }
            Ok(())
        }
        ProfileCmd::Add {
            name,
            kind,
            auth,
            base_url,
            api,
            client_id,
            client_secret_env,
            api_key,
            redirect_port,
            subject_type,
            subject_id,
            jwt_config,
            passphrase_env,
            default,
        } => {
            let p = Profile {
                kind: match kind.as_str() {
                    "v2" => Kind::V2,
                    "v1" => Kind::V1,
                    _ => Kind::Embedded,
                },
                api: if api.as_deref() == Some("v1") {
                    Api::V1
                } else {
                    Api::V2
                },
                data_dir: None,
                base_url,
                auth: match auth.as_deref() {
                    Some("oauth") => AuthKind::Oauth,
                    Some("client_credentials") => AuthKind::ClientCredentials,
                    Some("jwt") => AuthKind::Jwt,
                    _ => AuthKind::DeveloperToken,
                },
                client_id,
                client_secret_env,
                token_env: None,
                redirect_port,
                subject_type,
                subject_id,
                jwt_config,
                passphrase_env,
                api_key,
            };
            crate::config::check_profile_name(&name)?;
            if p.kind == Kind::V1 && p.api_key.is_none() {
                return Err(CliError::usage("a v1 profile needs --api-key"));
            }
            config.profiles.insert(name.clone(), p);
            if default {
                config.default_profile = Some(name.clone());
            }
            config.save(&path)?;
            if out.json {
                return out.json(&json!({ "added": name, "config": path }));
            }
            out.line(&format!("profile {name:?} saved in {}", path.display()))
        }
        ProfileCmd::Rm { name } => {
            if config.profiles.remove(&name).is_none() {
                return Err(CliError::with_code(
                    code::NOT_FOUND,
                    format!("no profile named {name:?}"),
                ));
            }
            if config.default_profile.as_deref() == Some(name.as_str()) {
                config.default_profile = None;
            }
            config.save(&path)?;
            session.tokens.set(&name, None)?;
            if out.json {
                return out.json(&json!({ "removed": name }));
            }
            out.line(&format!("profile {name:?} removed"))
        }
    }
}

pub(super) async fn login(
    session: &Session,
    out: Output,
    profile: Option<&str>,
    token_env: Option<String>,
    _no_browser: bool,
) -> CliResult<()> {
    let (name, p) = session.profile(profile)?;
    let user = match p.kind {
        Kind::Embedded => {
            let b = session.open(Some(&name)).await?;
            b.storage.current_user().await?
        }
        Kind::V1 => login_v1(session, out, &name, &p).await?,
        Kind::V2 => match p.auth {
            AuthKind::DeveloperToken => {
                let token = match token_env {
                    Some(var) => std::env::var(&var)
                        .ok()
                        .filter(|t| !t.is_empty())
                        .ok_or_else(|| CliError::usage(format!("{var} is not set")))?,
                    None => read_token_from_stdin()?,
                };
                let client = session.v2_builder_with_token(&p, &token).build()?;
                let me = client
                    .storage()
                    .current_user()
                    .await
                    .map_err(crate::ctx("checking the token"))?;
                session.tokens.set(
                    &name,
                    Some(StoredTokens {
                        access_token: token,
                        ..StoredTokens::default()
                    }),
                )?;
                me
            }
            AuthKind::Oauth => login_oauth(session, out, &name, &p).await?,
            AuthKind::ClientCredentials | AuthKind::Jwt => {
                // The grant needs no user: obtaining a token is the check.
                let client = session.v2_builder(&name, &p)?.build()?;
                client.storage().current_user().await?
            }
        },
    };
    if out.json {
        return out.json(&json!({ "profile": name, "user": user }));
    }
    out.line(&format!(
        "signed in to profile {name:?} as {} <{}> (user {})",
        user.name, user.login, user.id
    ))
}

fn read_token_from_stdin() -> CliResult<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("developer token (input is not echoed to logs; paste and press Enter): ");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    let t = line.trim().to_owned();
    if t.is_empty() {
        return Err(CliError::usage("no token given")
            .hint("paste the developer token on stdin, or pass --token-env VAR"));
    }
    Ok(t)
}

async fn login_v1(
    session: &Session,
    out: Output,
    name: &str,
    p: &Profile,
) -> CliResult<box_core::User> {
    let client = session.v1_builder(name, p)?.build()?;
    let ticket = client.get_ticket().await?;
    let url = client.auth_url(&ticket);
    // The URL carries only the ticket, which is not a secret credential.
    eprintln!("Approve boxctl in your browser: {url}");
    if out.json {
        out.json_line(&json!({ "approve_url": url.as_str() }))?;
    }
    let deadline = tokio::time::Instant::now() + LOGIN_WAIT;
    let session_v1 = loop {
        match client.get_auth_token(&ticket).await {
            Ok(s) => break s,
            Err(e @ box_core::Error::Unauthenticated { .. })
            | Err(e @ box_core::Error::PermissionDenied { .. }) => {
                if tokio::time::Instant::now() > deadline {
                    return Err(CliError::from(e).context("the ticket was not approved in time"));
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return Err(e.into()),
        }
    };
    session.tokens.set(
        name,
        Some(StoredTokens {
            access_token: session_v1.auth_token.expose_secret().to_owned(),
            ..StoredTokens::default()
        }),
    )?;
    Ok(session_v1.user.to_core())
}

async fn login_oauth(
    session: &Session,
    out: Output,
    name: &str,
    p: &Profile,
) -> CliResult<box_core::User> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", p.redirect_port.unwrap_or(0)))
        .await
        .map_err(|e| {
            CliError::failure(format!("cannot listen on the redirect port: {e}"))
                .hint("set another redirect_port in the profile")
        })?;
    let port = listener.local_addr()?.port();
    let mut p = p.clone();
    p.redirect_port = Some(port);
    let client = session.v2_builder(name, &p)?.build()?;
    let id = p.client_id.clone().unwrap_or_default();
    let secret =
        std::env::var(p.client_secret_env.as_deref().unwrap_or_default()).unwrap_or_default();
    let app =
        OAuth2::new(id, secret).redirect_uri(format!("http://127.0.0.1:{port}{REDIRECT_PATH}"));
    let authorization = client.authorize(&app, &["root_readwrite"]);
    eprintln!(
        "Open this page to sign in to Box:\n  {}",
        authorization.url()
    );
    if out.json {
        out.json_line(&json!({ "authorize_url": authorization.url().as_str() }))?;
    }
    let (code, state) = tokio::time::timeout(LOGIN_WAIT, receive_callback(&listener))
        .await
        .map_err(|_| {
            CliError::with_code(code::AUTH, "no answer from the browser in 5 minutes")
        })??;
    client
        .exchange_code(&app, &authorization, &code, &state)
        .await
        .map_err(crate::ctx("signing in"))?;
    let me = client.storage().current_user().await?;
    Ok(me)
}

/// Accepts loopback connections until one is `GET /callback?code=..&state=..`
/// (or an `error=`), answers it with a short page, and returns code and state.
///
/// Hand-written: one request line on a socket we own is all there is to parse,
/// and a web framework here would add a second server stack to the binary path.
async fn receive_callback(listener: &tokio::net::TcpListener) -> CliResult<(String, String)> {
    loop {
        let (mut sock, _) = listener.accept().await?;
        let mut buf = Vec::with_capacity(1024);
        let mut chunk = [0u8; 1024];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
            let n = match tokio::time::timeout(Duration::from_secs(10), sock.read(&mut chunk)).await
            {
                Ok(Ok(n)) => n,
                _ => 0,
            };
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let head = String::from_utf8_lossy(&buf);
        let target = head
            .lines()
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("");
        let Ok(url) = url::Url::parse(&format!("http://127.0.0.1{target}")) else {
            continue;
        };
        if url.path() != REDIRECT_PATH {
            let _ = sock
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await;
            continue;
        }
        let get = |k: &str| {
            url.query_pairs()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.into_owned())
        };
        let (status, body, result) = match (get("code"), get("state"), get("error")) {
            (_, _, Some(err)) => (
                "400 Bad Request",
                "Sign-in was refused. You can close this tab.",
                Err(CliError::with_code(
                    code::AUTH,
                    format!("Box refused the sign-in: {err}"),
                )),
            ),
            (Some(c), Some(s), None) => (
                "200 OK",
                "boxctl is signed in. You can close this tab.",
                Ok((c, s)),
            ),
            _ => (
                "400 Bad Request",
                "The callback carried no code.",
                Err(CliError::with_code(
                    code::AUTH,
                    "the callback carried no code or state",
                )),
            ),
        };
        let resp = format!(
            "HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = sock.write_all(resp.as_bytes()).await;
        let _ = sock.shutdown().await;
        return result;
    }
}

pub(super) async fn logout(session: &Session, out: Output, profile: Option<&str>) -> CliResult<()> {
    let (name, p) = session.profile(profile)?;
    let stored = session.tokens.get(&name)?;
    let mut revoked = false;
    match p.kind {
        Kind::Embedded => {}
        Kind::V1 => {
            if stored.is_some() {
                if let Ok(b) = session.open(Some(&name)).await {
                    if let Some(v1) = &b.v1 {
                        revoked = v1.logout().await.is_ok();
                    }
                }
            }
        }
        Kind::V2 => {
            if stored.is_some() && p.auth != AuthKind::DeveloperToken {
                let client = session.v2_builder(&name, &p)?.build()?;
                match client.revoke().await {
                    Ok(()) => revoked = true,
                    Err(e) => {
                        eprintln!("boxctl: could not revoke the token ({e}); deleting it anyway")
                    }
                }
            }
        }
    }
    session.tokens.set(&name, None)?;
    if out.json {
        return out
            .json(&json!({ "profile": name, "revoked": revoked, "deleted": stored.is_some() }));
    }
    out.line(&match (stored.is_some(), revoked) {
        (false, _) => format!("profile {name:?} had no stored tokens"),
        (true, true) => format!("revoked and deleted the tokens of profile {name:?}"),
        (true, false) => format!("deleted the tokens of profile {name:?}"),
    })
}
