//! Starting and stopping the emulator: the builder and the running handle.
//! The top of the crate: it opens the store, builds [`crate::state::Shared`]
//! and serves [`crate::router::router`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::admin::AdminError;
use crate::faults::{FaultConfig, Faults};
use crate::state::{Config, Counters, Shared};
use crate::store::{App, Store, User};

/// The emulator; see [`Emulator::builder`].
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// A builder with defaults: in memory, a random free port.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}

/// Configures and starts an emulator.
#[derive(Debug, Default)]
pub struct EmulatorBuilder {
    data_dir: Option<PathBuf>,
    port: u16,
    config: Config,
    faults: FaultConfig,
    default_token: Option<String>,
}

impl EmulatorBuilder {
    /// Persist metadata and blobs in this directory.
    pub fn data_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.data_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Port on 127.0.0.1 (0 = any free port, the default).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Access-token lifetime (default one hour).
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.config.token_ttl = ttl;
        self
    }

    /// Smallest file size upload sessions accept.
    pub fn chunked_upload_min_size(mut self, size: u64) -> Self {
        self.config.chunked_min_size = size;
        self
    }

    /// Part size of upload sessions.
    pub fn chunked_part_size(mut self, size: u64) -> Self {
        self.config.part_size = size.max(1);
        self
    }

    /// Largest non-upload request body.
    pub fn json_body_limit(mut self, bytes: usize) -> Self {
        self.config.json_body_limit = bytes;
        self
    }

    /// Largest file an upload may carry (default 5 GiB); larger uploads,
    /// upload sessions and preflight checks get Box's
    /// `413 file_size_limit_exceeded`.
    pub fn max_file_size(mut self, bytes: u64) -> Self {
        self.config.max_file_size = bytes;
        self
    }

    /// How long a client may take to send a request's headers (default
    /// 30 s) and how long a request body may stall without a byte arriving
    /// (default 60 s); half-open connections are closed after these.
    pub fn read_timeouts(mut self, headers: Duration, body_idle: Duration) -> Self {
        self.config.header_read_timeout = headers;
        self.config.body_read_timeout = body_idle;
        self
    }

    /// How long a v1 ticket waits for approval and exchange (default ten
    /// minutes); at most 10,000 are kept at once, the oldest dropped first.
    pub fn v1_ticket_ttl(mut self, ttl: Duration) -> Self {
        self.config.ticket_ttl = ttl;
        self
    }

    /// How long after it is created a zip download may start (default 30 s).
    pub fn zip_download_ttl(mut self, ttl: Duration) -> Self {
        self.config.zip_download_ttl = ttl;
        self
    }

    /// How long realtime long-polls wait.
    pub fn longpoll_timeout(mut self, timeout: Duration) -> Self {
        self.config.longpoll_timeout = timeout;
        self
    }

    /// Retries of an undelivered webhook notification (default 5) and the
    /// wait before the first (default 1 s, doubled for each further one).
    pub fn webhook_retries(mut self, retries: u32, first_wait: Duration) -> Self {
        self.config.webhook_retries = retries;
        self.config.webhook_retry_base = first_wait;
        self
    }

    /// Hosts besides loopback that webhook notifications may be sent to
    /// (default none).
    pub fn webhook_allow_hosts(mut self, hosts: impl IntoIterator<Item = String>) -> Self {
        self.config.webhook_allow_hosts = hosts.into_iter().collect();
        self
    }

    /// The admin API's secret (default: random per run).
    pub fn admin_secret(mut self, secret: impl Into<String>) -> Self {
        self.config.admin_secret = crate::state::AdminSecret::new(secret);
        self
    }

    /// Also answer requests naming this `Host` (besides loopback).
    pub fn allow_host(mut self, host: impl Into<String>) -> Self {
        self.config.allowed_hosts.push(host.into());
        self
    }

    /// Let the admin API seed users' files from this directory (and below).
    pub fn seed_root(mut self, dir: impl AsRef<Path>) -> Self {
        self.config.seed_roots.push(dir.as_ref().to_path_buf());
        self
    }

    /// The default user's developer token: instead of minting a new one at
    /// each start (valid for the token lifetime), the emulator keeps this
    /// value, valid for ten years ([`crate::admin::KEPT_TOKEN_TTL`]) and
    /// persisted with the data directory, so a program that saved it (as
    /// boxctl's embedded profile does) signs in with the same token across
    /// restarts. [`start`](Self::start) fails if the value is empty, not
    /// printable ASCII, or another user's token.
    pub fn default_token(mut self, token: impl Into<String>) -> Self {
        self.default_token = Some(token.into());
        self
    }

    /// Test hook: abort the process right after an upload-session commit is
    /// durable, before answering it (see [`crate::Config::crash_after_commit`]).
    pub fn crash_after_commit(mut self, on: bool) -> Self {
        self.config.crash_after_commit = on;
        self
    }

    /// Fault injection at start.
    pub fn faults(mut self, faults: FaultConfig) -> Self {
        self.faults = faults;
        self
    }

    /// Opens the store, binds the port and serves in the background.
    pub async fn start(self) -> std::io::Result<EmulatorHandle> {
        let store = Store::open(self.data_dir.as_deref())?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await?;
        let addr = listener.local_addr()?;
        let ticket_ttl = self.config.ticket_ttl;
        let shared = Arc::new(Shared {
            store,
            config: self.config,
            base: format!("http://{addr}"),
            faults: Faults::new(self.faults),
            counters: Counters::default(),
            downloads: Mutex::new(HashMap::new()),
            tickets: crate::state::Expiring::new(ticket_ttl, crate::state::PENDING_CAP),
            auth_codes: crate::state::Expiring::new(
                crate::state::AUTH_CODE_TTL,
                crate::state::PENDING_CAP,
            ),
            v1_trees: crate::state::TreeCache::default(),
            listings: crate::state::ListingCache::default(),
            webhook_log: crate::store::webhooks::DeliveryLog::default(),
            channel_key: crate::store::random_token(32),
        });
        let default_user = match shared.store.read(|st| st.users.keys().next().copied()) {
            Some(id) => id,
            None => {
                shared
                    .store
                    .create_user("Default User", "user@example.com")
                    .map_err(|e| std::io::Error::other(format!("{e:?}")))?
                    .id
            }
        };
        let default_token = match self.default_token {
            Some(token) => crate::admin::keep_token(&shared, default_user, &token)
                .map(|()| token)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.0))?,
            None => crate::admin::mint_token(&shared, default_user)
                .map_err(|e| std::io::Error::other(format!("{e:?}")))?,
        };
        let app = crate::router::router(shared.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let hooks = tokio::spawn(crate::webhooks::run(shared.clone()));
        let header_timeout = shared.config.header_read_timeout;
        let task = tokio::spawn(async move {
            let _stop_delivery = AbortOnDrop(hooks);
            serve(listener, app, header_timeout, rx).await;
        });
        tracing::info!(base = %shared.base, "box emulator listening");
        Ok(EmulatorHandle {
            shared,
            addr,
            default_user,
            default_token,
            shutdown: Some(tx),
            task: Some(task),
        })
    }
}

/// Serves `app` on `listener` until `stop` fires, then lets open
/// connections finish. `axum::serve` sets no header read timeout (it gives
/// hyper no timer), so connections are served here with hyper's own
/// builder: a client that has not sent a request's headers within
/// `header_timeout` is disconnected, and half-open connections are not
/// held forever.
async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    header_timeout: Duration,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    // HTTP/1 only (as Box's API is served to clients): the version sniffing
    // of an HTTP/2-capable builder waits for a first byte with no timeout,
    // which would let silent connections stay open.
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    loop {
        let sock = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((sock, _)) => sock,
                Err(e) => {
                    // Out of file descriptors and the like: wait, then go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone().map_request(
            |req: http::Request<hyper::body::Incoming>| req.map(axum::body::Body::new),
        ));
        let conn = builder.serve_connection(TokioIo::new(sock), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection closed with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// A running emulator; stops when dropped.
pub struct EmulatorHandle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    default_user: u64,
    default_token: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("addr", &self.addr)
            .field("default_user", &self.default_user)
            .finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.shared.base.clone()
    }
    /// `http://127.0.0.1:PORT/2.0`.
    pub fn api_url(&self) -> String {
        format!("{}/2.0", self.shared.base)
    }
    /// `http://127.0.0.1:PORT/api/2.0`.
    pub fn upload_url(&self) -> String {
        format!("{}/api/2.0", self.shared.base)
    }
    /// `http://127.0.0.1:PORT/oauth2`.
    pub fn oauth_url(&self) -> String {
        format!("{}/oauth2", self.shared.base)
    }
    /// `http://127.0.0.1:PORT/api/1.0` (REST at `/rest`, XML at `/xml`).
    pub fn v1_url(&self) -> String {
        format!("{}/api/1.0", self.shared.base)
    }
    /// `http://127.0.0.1:PORT/_emulator`.
    pub fn admin_url(&self) -> String {
        format!("{}/_emulator", self.shared.base)
    }
    /// The admin API's secret, to send in the
    /// [`x-box-emulator-admin-secret`](crate::state::ADMIN_SECRET_HEADER)
    /// header. The handle's own methods need no secret.
    pub fn admin_secret(&self) -> &str {
        self.shared.config.admin_secret.expose()
    }
    /// The default user's id.
    pub fn default_user(&self) -> String {
        self.default_user.to_string()
    }
    /// A developer access token of the default user.
    pub fn default_token(&self) -> &str {
        &self.default_token
    }
    /// The store (for assertions in tests).
    pub fn store(&self) -> Arc<Store> {
        self.shared.store.clone()
    }
    /// Creates a user; returns it with a developer token.
    pub fn create_user(&self, name: &str, login: &str) -> Result<(User, String), AdminError> {
        crate::admin::create_user(&self.shared, name, login)
    }
    /// Mints a developer access token for a user id.
    pub fn developer_token(&self, user: &str) -> Result<String, AdminError> {
        let id = user.parse().map_err(|_| AdminError("bad user id".into()))?;
        crate::admin::mint_token(&self.shared, id)
    }
    /// Registers an OAuth app.
    pub fn register_app(&self, spec: crate::admin::AppSpec) -> Result<App, AdminError> {
        crate::admin::register_app(&self.shared, spec)
    }
    /// Copies a local directory tree into a user's root folder.
    pub fn seed_from_dir(&self, user: &str, dir: &Path) -> Result<u64, AdminError> {
        let id = user.parse().map_err(|_| AdminError("bad user id".into()))?;
        crate::admin::seed_dir(&self.shared, id, dir)
    }
    /// Counters as JSON.
    pub fn counters(&self) -> Value {
        self.shared.counters_json()
    }
    /// Replaces the fault configuration at run time.
    pub fn set_faults(&self, faults: FaultConfig) {
        self.shared.faults.set(faults);
    }
    /// Stops serving and waits for the server task.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Aborts the webhook delivery task when the server task ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
