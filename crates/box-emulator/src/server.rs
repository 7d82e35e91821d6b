//! Starting and stopping the emulator: the builder, the running handle, the
//! shared state every handler sees, and the middleware that logs each
//! request, counts it and applies faults.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::{FutureExt, StreamExt};
use serde_json::{json, Value};

use crate::faults::{Fault, FaultConfig, Faults};
use crate::store::{App, Store, User};
use crate::v2::errors::ApiError;

/// Tunables of a running emulator.
#[derive(Debug, Clone)]
pub struct Config {
    /// Access-token lifetime.
    pub token_ttl: Duration,
    /// Smallest file size accepted by upload sessions (Box: 20,000,000).
    pub chunked_min_size: u64,
    /// Part size of upload sessions (Box: 8 MiB).
    pub part_size: u64,
    /// Largest non-upload request body.
    pub json_body_limit: usize,
    /// How long the realtime long-poll waits before answering `reconnect`.
    pub longpoll_timeout: Duration,
    /// Lifetime of download URLs.
    pub download_url_ttl: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            token_ttl: Duration::from_secs(3600),
            chunked_min_size: 20_000_000,
            part_size: 8 * 1024 * 1024,
            json_body_limit: 1024 * 1024,
            longpoll_timeout: Duration::from_secs(60),
            download_url_ttl: Duration::from_secs(900),
        }
    }
}

/// Request and event counters, readable through the admin API.
#[derive(Debug, Default)]
pub struct Counters {
    by_route: Mutex<BTreeMap<String, u64>>,
    /// Refresh-token grants served.
    pub token_refreshes: AtomicU64,
    /// Access tokens issued by the token endpoint.
    pub tokens_issued: AtomicU64,
    /// Faults injected.
    pub faults_injected: AtomicU64,
}

impl Counters {
    fn hit(&self, key: String) {
        *self
            .by_route
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key)
            .or_default() += 1;
    }

    /// All counters as JSON.
    pub fn to_json(&self) -> Value {
        let routes = self
            .by_route
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        json!({
            "requests_by_route": routes,
            "requests_total": routes.values().sum::<u64>(),
            "token_refreshes": self.token_refreshes.load(Ordering::Relaxed),
            "tokens_issued": self.tokens_issued.load(Ordering::Relaxed),
            "faults_injected": self.faults_injected.load(Ordering::Relaxed),
        })
    }
}

/// A short-lived download URL's target.
#[derive(Debug, Clone)]
pub struct DownloadTicket {
    /// Blob SHA-1.
    pub sha1: String,
    /// Size.
    pub size: u64,
    /// File name for `Content-Disposition`.
    pub name: String,
    /// Expiry.
    pub expires: Instant,
}

/// State shared by all handlers.
pub struct Shared {
    /// The store.
    pub store: Arc<Store>,
    /// Tunables.
    pub config: Config,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Fault injector.
    pub faults: Faults,
    /// Counters.
    pub counters: Counters,
    /// Download URL tokens.
    pub downloads: Mutex<HashMap<String, DownloadTicket>>,
    /// Chunked upload sessions.
    pub sessions: Mutex<HashMap<String, crate::v2::uploads::Session>>,
    /// v1 tickets: `None` until approved on the auth page, then the user.
    pub tickets: Mutex<HashMap<String, Option<u64>>>,
    /// Encoded v1 account trees, reused while the store is unchanged.
    pub v1_trees: crate::v1::TreeCache,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("base", &self.base)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

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

    /// How long realtime long-polls wait.
    pub fn longpoll_timeout(mut self, timeout: Duration) -> Self {
        self.config.longpoll_timeout = timeout;
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
        let sessions = crate::v2::uploads::load_sessions(&store);
        let shared = Arc::new(Shared {
            store,
            config: self.config,
            base: format!("http://{addr}"),
            faults: Faults::new(self.faults),
            counters: Counters::default(),
            downloads: Mutex::new(HashMap::new()),
            sessions: Mutex::new(sessions),
            tickets: Mutex::new(HashMap::new()),
            v1_trees: crate::v1::TreeCache::default(),
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
        let default_token = crate::admin::mint_token(&shared, default_user)
            .map_err(|e| std::io::Error::other(format!("{e:?}")))?;
        let app = crate::router(shared.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = rx.await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "emulator server stopped");
            }
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

/// Admin operations failed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct AdminError(pub String);

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
        self.shared.counters.to_json()
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

fn fault_code(status: u16) -> &'static str {
    match status {
        429 => "rate_limit_exceeded",
        500 => "internal_server_error",
        502 => "bad_gateway",
        503 => "unavailable",
        _ => "fault_injected",
    }
}

/// A request path fit for logs: capability tokens in URL paths (v1 transfer
/// URLs carry the auth token, download URLs a signed token) are redacted.
pub fn redact_path(path: &str) -> String {
    const SECRET_AT: &[(&str, usize)] = &[
        ("/api/1.0/upload/", 4),
        ("/api/1.0/overwrite/", 4),
        ("/api/1.0/new_copy/", 4),
        ("/api/1.0/download/", 4),
        ("/api/1.0/auth/", 4),
        ("/content/", 2),
    ];
    for (prefix, index) in SECRET_AT {
        if path.starts_with(prefix) {
            return path
                .split('/')
                .enumerate()
                .map(|(i, seg)| if i == *index { "[redacted]" } else { seg })
                .collect::<Vec<_>>()
                .join("/");
        }
    }
    path.to_string()
}

/// Middleware: tracing, counters, faults.
pub async fn observe(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let raw_path = req.uri().path().to_string();
    let path = redact_path(&raw_path);
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    shared.counters.hit(format!("{method} {route}"));
    let faults = shared.faults.decide(method.as_str(), &raw_path);
    let mut reset = false;
    let mut early: Option<Response> = None;
    for fault in &faults {
        shared
            .counters
            .faults_injected
            .fetch_add(1, Ordering::Relaxed);
        tracing::info!(?fault, %method, %path, "injecting fault");
        match fault {
            Fault::Latency { ms } => tokio::time::sleep(Duration::from_millis(*ms)).await,
            Fault::Reset => reset = true,
            Fault::Status {
                status,
                retry_after,
            } if early.is_none() => {
                let code = StatusCode::from_u16(*status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                let mut err = ApiError::new(code, fault_code(*status), "Injected fault");
                let retry = retry_after.or(matches!(status, 429 | 503).then_some(1));
                if let Some(s) = retry {
                    err = err.header(header::RETRY_AFTER, s.to_string());
                }
                early = Some(err.into_response());
            }
            Fault::CommitAccepted { retry_after } if early.is_none() => {
                let mut resp = StatusCode::ACCEPTED.into_response();
                if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                    resp.headers_mut().insert(header::RETRY_AFTER, v);
                }
                early = Some(resp);
            }
            _ => {}
        }
    }
    let mut resp = match early {
        Some(r) => r,
        // A bug in a handler answers 500 with a Box error body instead of dropping the connection.
        None => match std::panic::AssertUnwindSafe(next.run(req))
            .catch_unwind()
            .await
        {
            Ok(r) => r,
            Err(_) => {
                tracing::error!(%method, %path, "handler panicked");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_server_error",
                    "Internal Server Error",
                )
                .into_response()
            }
        },
    };
    if reset {
        let (parts, body) = resp.into_parts();
        let mut data = body.into_data_stream();
        let stream = async_stream_reset(async move { data.next().await });
        resp = Response::from_parts(parts, Body::from_stream(stream));
    }
    tracing::info!(
        %method,
        %path,
        status = resp.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    resp
}

/// A body that sends half of the first chunk, then fails (resetting the
/// connection). The failure waits a moment so the status line, headers and
/// half chunk reach the client first: without the pause hyper aborts before
/// flushing anything and the client sees a connection closed before any
/// response, not a response cut short.
fn async_stream_reset(
    first: impl std::future::Future<Output = Option<Result<bytes::Bytes, axum::Error>>> + Send + 'static,
) -> impl futures::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send {
    futures::stream::once(first).flat_map(|chunk| {
        let half = match chunk {
            Some(Ok(b)) => b.slice(..b.len() / 2),
            _ => bytes::Bytes::new(),
        };
        futures::stream::iter([Ok(half)]).chain(futures::stream::once(async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "injected connection reset",
            ))
        }))
    })
}

#[cfg(test)]
mod tests {
    use super::redact_path;

    #[test]
    fn tokens_in_paths_are_redacted() {
        assert_eq!(
            redact_path("/api/1.0/download/SECRET/42"),
            "/api/1.0/download/[redacted]/42"
        );
        assert_eq!(
            redact_path("/api/1.0/upload/SECRET/0"),
            "/api/1.0/upload/[redacted]/0"
        );
        assert_eq!(redact_path("/content/SECRET"), "/content/[redacted]");
        assert_eq!(redact_path("/2.0/files/7"), "/2.0/files/7");
    }
}
