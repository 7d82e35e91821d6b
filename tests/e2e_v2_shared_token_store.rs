//! One token shared by many processes: 8 worker processes × 50 concurrent
//! calls on an expired token, against the emulator, make exactly one refresh
//! per expiry (counted by the emulator) and no `invalid_grant` — with the
//! token in a file ([`FileTokenStore`], an advisory lock) and in a real
//! `redis-server` ([`RedisTokenStore`], a lock key with an expiry).
//!
//! Two expiries per store: the first is real (the emulator issued a
//! one-second token), the second is the stored expiry moved into the past.
//!
//! `redis-server` must be installed (`.ci/run` installs Debian's package).
//! In CI (`CI` set) its absence fails the test; elsewhere it is skipped with
//! a printed reason.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use box_emulator::{EmulatorHandle, FaultConfig};
use box_v2::auth::{AccessToken, FileTokenStore, OAuth2, RedisTokenStore, TokenStore};
use boxkit_tests::{client_builder, oauth_login, start};
use secrecy::ExposeSecret;
use serde_json::Value;

const PROCESSES: usize = 8;
const CALLS: usize = 50;
const TOKEN_ROUTE: &str = "POST /oauth2/token";

/// Where the workers find the token.
enum StoreArg {
    File(String),
    Redis { url: String, key: String },
}

impl StoreArg {
    fn args(&self) -> Vec<String> {
        match self {
            StoreArg::File(p) => vec!["file".into(), p.clone()],
            StoreArg::Redis { url, key } => vec!["redis".into(), url.clone(), key.clone()],
        }
    }
}

struct App {
    oauth: OAuth2,
    id: String,
    secret: String,
}

fn register(emulator: &EmulatorHandle) -> App {
    let app = emulator
        .register_app(box_emulator::admin::AppSpec {
            redirect_uris: vec!["http://127.0.0.1/callback".into()],
            ..Default::default()
        })
        .expect("app registers");
    App {
        oauth: OAuth2::new(app.client_id.clone(), app.client_secret.clone())
            .redirect_uri("http://127.0.0.1/callback"),
        id: app.client_id.clone(),
        secret: app.client_secret.clone(),
    }
}

fn counter(emulator: &EmulatorHandle, route: Option<&str>) -> u64 {
    let c = emulator.counters();
    match route {
        None => c["token_refreshes"].as_u64().unwrap_or(0),
        Some(r) => c["requests_by_route"][r].as_u64().unwrap_or(0),
    }
}

/// Runs the 8 workers at once and returns their reports.
fn run_workers(emulator: &EmulatorHandle, app: &App, store: &StoreArg) -> Vec<Value> {
    let start_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_millis()
        + 1500;
    let children: Vec<Child> = (0..PROCESSES)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_shared-token-worker"))
                .arg(emulator.base_url())
                .arg(CALLS.to_string())
                .arg(start_at.to_string())
                .args(store.args())
                .env("BOXKIT_CLIENT_ID", &app.id)
                .env("BOXKIT_CLIENT_SECRET", &app.secret)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("worker starts")
        })
        .collect();
    children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().expect("worker runs");
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "worker failed ({}): {stdout}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            serde_json::from_str(stdout.trim()).expect("worker prints one JSON line")
        })
        .collect()
}

/// One expiry: every call of every worker succeeds, the emulator served
/// exactly one refresh and no other token request (so no `invalid_grant`).
fn one_expiry(emulator: &EmulatorHandle, app: &App, store: &StoreArg, label: &str) -> u64 {
    let refreshes = counter(emulator, None);
    let token_calls = counter(emulator, Some(TOKEN_ROUTE));
    let reports = run_workers(emulator, app, store);
    let ok: u64 = reports.iter().map(|r| r["ok"].as_u64().unwrap_or(0)).sum();
    let invalid_grant: u64 = reports
        .iter()
        .map(|r| r["invalid_grant"].as_u64().unwrap_or(0))
        .sum();
    let by_workers: u64 = reports
        .iter()
        .map(|r| r["refreshes"].as_u64().unwrap_or(0))
        .sum();
    let served = counter(emulator, None) - refreshes;
    let token_requests = counter(emulator, Some(TOKEN_ROUTE)) - token_calls;
    println!(
        "{label}: {PROCESSES} processes x {CALLS} calls: {ok} ok, refreshes served by the emulator: \
         {served}, token requests: {token_requests}, invalid_grant: {invalid_grant}"
    );
    assert_eq!(ok, (PROCESSES * CALLS) as u64, "{label}: {reports:?}");
    assert_eq!(invalid_grant, 0, "{label}: {reports:?}");
    assert_eq!(
        served, 1,
        "{label}: exactly one refresh per expiry: {reports:?}"
    );
    assert_eq!(
        token_requests, 1,
        "{label}: no other token request: {reports:?}"
    );
    assert_eq!(by_workers, 1, "{label}: one worker refreshed: {reports:?}");
    served
}

/// Logs in with a token the emulator expires after one second, saves it in
/// `store`, and waits until it expired.
async fn login_with_short_token(
    emulator: &EmulatorHandle,
    app: &App,
    store: Arc<dyn TokenStore>,
) -> AccessToken {
    let client = client_builder(emulator)
        .auth(app.oauth.clone())
        .shared_token_store(store)
        .build()
        .expect("client builds");
    emulator.set_faults(FaultConfig {
        expire_tokens_after: Some(1),
        ..Default::default()
    });
    let first = oauth_login(&client, &app.oauth).await.expect("login");
    emulator.set_faults(FaultConfig::default());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    first
}

/// Moves the stored token's expiry into the past (the next expiry).
async fn expire_stored(store: &dyn TokenStore, before: &AccessToken) {
    let t = store.load().await.expect("load").expect("a stored token");
    assert!(!t.same_access(before), "the workers saved a new token");
    let expired = AccessToken::new(
        t.access_token().expose_secret(),
        t.refresh_token().map(|r| r.expose_secret().to_owned()),
        Some(chrono_past()),
    );
    store.save(&expired).await.expect("save");
}

fn chrono_past() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::Duration::seconds(60)
}

async fn two_expiries(
    emulator: &EmulatorHandle,
    app: &App,
    store: Arc<dyn TokenStore>,
    arg: StoreArg,
    label: &str,
) {
    let first = login_with_short_token(emulator, app, store.clone()).await;
    one_expiry(emulator, app, &arg, &format!("{label}, expiry 1"));
    expire_stored(&*store, &first).await;
    let second = store.load().await.expect("load").expect("token");
    one_expiry(emulator, app, &arg, &format!("{label}, expiry 2"));
    let third = store.load().await.expect("load").expect("token");
    assert!(
        !third.same_access(&second),
        "the second refresh saved a new token"
    );
    assert_eq!(counter(emulator, None), 2, "two expiries, two refreshes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_store_shared_by_8_processes_refreshes_once_per_expiry() {
    let emulator = start(box_emulator::Emulator::builder()).await;
    let app = register(&emulator);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("token.json");
    let store: Arc<dyn TokenStore> = Arc::new(FileTokenStore::new(&path));
    let arg = StoreArg::File(path.display().to_string());
    two_expiries(&emulator, &app, store, arg, "file store").await;
    emulator.stop().await;
}

/// A `redis-server` on a free loopback port, stopped on drop.
struct RedisServer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn redis_server() -> Option<RedisServer> {
    let found = Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        if std::env::var_os("CI").is_some() {
            panic!("redis-server is not installed (CI installs Debian's redis-server package)");
        }
        eprintln!("SKIPPED: redis-server is not installed (apt-get install redis-server); set CI to make this an error");
        return None;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new("redis-server")
        .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
        .args([
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "yes",
        ])
        .arg("--dir")
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server starts");
    let server = RedisServer {
        child,
        port,
        _dir: dir,
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "redis-server did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_shared_by_8_processes_refreshes_once_per_expiry() {
    let Some(redis) = redis_server() else { return };
    let url = format!("redis://127.0.0.1:{}/", redis.port);
    let key = "boxkit:test:token".to_string();
    let store = RedisTokenStore::connect(&url, key.clone())
        .await
        .expect("connects to redis");
    assert!(!format!("{store:?}").contains("redis://"));
    let emulator = start(box_emulator::Emulator::builder()).await;
    let app = register(&emulator);
    let store: Arc<dyn TokenStore> = Arc::new(store);
    two_expiries(
        &emulator,
        &app,
        store,
        StoreArg::Redis { url, key },
        "redis store",
    )
    .await;
    emulator.stop().await;
}

/// The lock itself: while one holder has it, another waits (and gives up
/// after its wait), and gets it once released.
#[tokio::test]
async fn file_lock_excludes_a_second_holder_until_released() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("token.json");
    let a = FileTokenStore::new(&path);
    let b = FileTokenStore::new(&path).lock_wait(Duration::from_millis(300));
    let held = a.lock_refresh().await.expect("first lock");
    assert!(held.is_held());
    let t = Instant::now();
    let err = b
        .lock_refresh()
        .await
        .expect_err("second holder waits, then fails");
    assert!(t.elapsed() >= Duration::from_millis(300), "it waited");
    assert!(err.to_string().contains("token lock"), "{err}");
    held.release().await.expect("release");
    b.lock_refresh()
        .await
        .expect("free again")
        .release()
        .await
        .expect("release");
    assert_lock_file_private(&a.lock_path());
}

fn assert_lock_file_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .expect("lock file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let _ = path;
}

#[tokio::test]
async fn redis_lock_expires_when_its_holder_never_releases_it() {
    let Some(redis) = redis_server() else { return };
    let url = format!("redis://127.0.0.1:{}/", redis.port);
    let a = RedisTokenStore::connect(&url, "boxkit:test:crash")
        .await
        .expect("connects")
        .lock_ttl(Duration::from_millis(400));
    let b = RedisTokenStore::connect(&url, "boxkit:test:crash")
        .await
        .expect("connects")
        .lock_wait(Duration::from_millis(100));
    // A holder that stalls past its ttl (or crashed): the lock expires.
    let stale = a.lock_refresh().await.expect("first lock");
    b.lock_refresh().await.expect_err("held for its ttl");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let fresh = b.lock_refresh().await.expect("expired, free again");
    // Released by its owner only: the stalled holder's late release must
    // not free the lock the other one holds now.
    stale.release().await.expect("late release is harmless");
    b.lock_refresh()
        .await
        .expect_err("still held by its new owner");
    fresh.release().await.expect("release");
    b.lock_refresh()
        .await
        .expect("free after its owner released it")
        .release()
        .await
        .expect("release");
}
