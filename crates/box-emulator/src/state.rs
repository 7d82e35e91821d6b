//! The state every handler sees ([`Shared`]): the store, the tunables, the
//! fault injector, counters, and the short-lived things kept in memory only
//! (download URLs, v1 tickets, encoded v1 trees). Sits just above
//! [`crate::store`] and [`crate::faults`]; the HTTP helpers, both protocols,
//! the admin API and the router are built on it.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::faults::Faults;
use crate::store::Store;

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
    /// Largest file an upload may carry (Box: the account's upload limit,
    /// 5 GiB on Business plans); larger uploads get Box's
    /// `413 file_size_limit_exceeded`.
    pub max_file_size: u64,
    /// How long a client may take to send a request's headers; a connection
    /// that has not sent them all by then is closed.
    pub header_read_timeout: Duration,
    /// How long a request body may stall (no bytes arriving) before the
    /// request is dropped.
    pub body_read_timeout: Duration,
    /// How long a v1 ticket is kept (default [`TICKET_TTL`]).
    pub ticket_ttl: Duration,
    /// How long the realtime long-poll waits before answering `reconnect`.
    pub longpoll_timeout: Duration,
    /// Lifetime of download URLs.
    pub download_url_ttl: Duration,
    /// How long after it is created a zip download may start (Box: "a
    /// few seconds"; default 30 s). Once started, its status answers for
    /// 12 hours.
    pub zip_download_ttl: Duration,
    /// Retries of a webhook notification the receiver did not take
    /// (see `crate::webhooks`).
    pub webhook_retries: u32,
    /// Wait before the first retry; doubled for each further one.
    pub webhook_retry_base: Duration,
    /// How long a receiver may take to answer.
    pub webhook_timeout: Duration,
    /// Hosts besides loopback that webhooks may be sent to.
    pub webhook_allow_hosts: Vec<String>,
    /// The secret the admin API requires in [`ADMIN_SECRET_HEADER`]
    /// (random per run unless set).
    pub admin_secret: AdminSecret,
    /// `Host` names answered besides loopback (`127.0.0.1`, `localhost`,
    /// `[::1]`); any other `Host` is refused, so DNS rebinding cannot reach
    /// the server through a browser.
    pub allowed_hosts: Vec<String>,
    /// Directories the admin API may seed from (with their subdirectories);
    /// none by default (the in-process handle seeds from anywhere).
    pub seed_roots: Vec<std::path::PathBuf>,
    /// Test hook: abort the process right after an upload-session commit
    /// is durable, before it is answered (to test recovery from a crash
    /// mid-commit). Off by default.
    pub crash_after_commit: bool,
}

/// The header carrying the admin secret on `/_emulator/` requests.
pub const ADMIN_SECRET_HEADER: &str = "x-box-emulator-admin-secret";

/// The admin API's secret; its `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminSecret(String);

impl AdminSecret {
    /// A secret with this value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// A random secret (32 alphanumerics).
    pub fn random() -> Self {
        Self(crate::store::random_token(32))
    }

    /// The value, to print in the banner or send as the header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `given` is the secret, compared in constant time.
    pub fn matches(&self, given: &[u8]) -> bool {
        let mine = self.0.as_bytes();
        mine.len() == given.len()
            && mine
                .iter()
                .zip(given)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

impl std::fmt::Debug for AdminSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminSecret([redacted])")
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            token_ttl: Duration::from_secs(3600),
            chunked_min_size: 20_000_000,
            part_size: 8 * 1024 * 1024,
            json_body_limit: 1024 * 1024,
            max_file_size: 5 * 1024 * 1024 * 1024,
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(60),
            ticket_ttl: TICKET_TTL,
            longpoll_timeout: Duration::from_secs(60),
            download_url_ttl: Duration::from_secs(900),
            zip_download_ttl: Duration::from_secs(30),
            webhook_retries: 5,
            webhook_retry_base: Duration::from_secs(1),
            webhook_timeout: Duration::from_secs(30),
            webhook_allow_hosts: Vec::new(),
            admin_secret: AdminSecret::random(),
            allowed_hosts: Vec::new(),
            seed_roots: Vec::new(),
            crash_after_commit: false,
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
    /// Counts one request of a route.
    pub fn hit(&self, key: String) {
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

/// How long a v1 ticket waits for approval (and then for
/// `get_auth_token`) before it is forgotten.
pub const TICKET_TTL: Duration = Duration::from_secs(10 * 60);
/// How long an OAuth authorization code can be exchanged (Box: 30 s).
pub const AUTH_CODE_TTL: Duration = Duration::from_secs(30);
/// Most v1 tickets (or OAuth codes) kept at once; beyond it the oldest are
/// dropped, so a flood of `get_ticket` cannot grow memory without bound.
pub const PENDING_CAP: usize = 10_000;

/// Short-lived entries kept in memory only (v1 tickets, OAuth codes): each
/// expires `ttl` after it was made, expired entries are purged as new ones
/// come, and at most `cap` are kept (the oldest go first).
#[derive(Debug)]
pub struct Expiring<V> {
    ttl: Duration,
    cap: usize,
    inner: Mutex<ExpiringInner<V>>,
}

#[derive(Debug)]
struct ExpiringInner<V> {
    map: HashMap<String, (V, Instant)>,
    /// Keys in the order made (so in expiry order); may name keys already
    /// taken, which are skipped.
    order: VecDeque<(Instant, String)>,
}

impl<V: Clone> Expiring<V> {
    /// An empty map whose entries live `ttl`, at most `cap` at once.
    pub fn new(ttl: Duration, cap: usize) -> Self {
        Self {
            ttl,
            cap: cap.max(1),
            inner: Mutex::new(ExpiringInner {
                map: HashMap::new(),
                order: VecDeque::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ExpiringInner<V>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds an entry (purging expired ones, and the oldest beyond the cap).
    pub fn insert(&self, key: String, value: V) {
        let now = Instant::now();
        let expires = now + self.ttl;
        let mut inner = self.lock();
        let inner = &mut *inner;
        while let Some((at, _)) = inner.order.front() {
            let full = inner.map.len() >= self.cap;
            if *at > now && !full {
                break;
            }
            let (at, old) = inner.order.pop_front().unwrap_or((now, String::new()));
            if inner.map.get(&old).is_some_and(|(_, e)| *e == at) {
                inner.map.remove(&old);
            }
        }
        // Keys taken early leave stale entries in `order`; compact when
        // they outnumber the live ones.
        if inner.order.len() > 2 * self.cap {
            let map = &inner.map;
            inner
                .order
                .retain(|(at, k)| map.get(k).is_some_and(|(_, e)| e == at));
        }
        inner.map.insert(key.clone(), (value, expires));
        inner.order.push_back((expires, key));
    }

    /// The entry, if present and not expired.
    pub fn get(&self, key: &str) -> Option<V> {
        let now = Instant::now();
        self.lock()
            .map
            .get(key)
            .filter(|(_, e)| *e > now)
            .map(|(v, _)| v.clone())
    }

    /// Changes a live entry; false if there is none.
    pub fn update(&self, key: &str, f: impl FnOnce(&mut V)) -> bool {
        let now = Instant::now();
        match self.lock().map.get_mut(key).filter(|(_, e)| *e > now) {
            Some((v, _)) => {
                f(v);
                true
            }
            None => false,
        }
    }

    /// Removes the entry and returns it if it was live and `keep` holds.
    pub fn take_if(&self, key: &str, keep: impl FnOnce(&V) -> bool) -> Option<V> {
        let now = Instant::now();
        let mut inner = self.lock();
        let live = inner.map.get(key).is_some_and(|(v, e)| *e > now && keep(v));
        if !live {
            return None;
        }
        inner.map.remove(key).map(|(v, _)| v)
    }

    /// Entries held (expired ones not yet purged included).
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether none are held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An OAuth authorization code waiting to be exchanged.
#[derive(Debug, Clone)]
pub struct AuthCode {
    /// The user who approved.
    pub user: u64,
    /// The app it was issued to.
    pub client_id: String,
    /// The `redirect_uri` given to the authorize page, if any.
    pub redirect_uri: Option<String>,
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
    /// v1 tickets: `None` until approved on the auth page, then the user;
    /// forgotten after [`TICKET_TTL`].
    pub tickets: Expiring<Option<u64>>,
    /// OAuth authorization codes, single use, forgotten after
    /// [`AUTH_CODE_TTL`]. Kept in memory only: a code outliving a restart
    /// is of no use, and a database row (with an fsync) per code is not
    /// worth it.
    pub auth_codes: Expiring<AuthCode>,
    /// Encoded v1 account trees, reused while the store is unchanged.
    pub v1_trees: TreeCache,
    /// Sorted folder listings, reused while the store is unchanged.
    pub listings: ListingCache,
    /// Webhook delivery attempts.
    pub webhook_log: crate::store::webhooks::DeliveryLog,
    /// Per-run key of the MACs in realtime channel names.
    pub channel_key: String,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("base", &self.base)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// Counters as JSON, with the short-lived things held in memory.
    pub fn counters_json(&self) -> Value {
        let mut v = self.counters.to_json();
        v["pending_v1_tickets"] = json!(self.tickets.len());
        v["pending_auth_codes"] = json!(self.auth_codes.len());
        v
    }

    /// Lifetime of access tokens issued now: the configured one, shortened
    /// by a token-expiry fault.
    pub fn access_ttl(&self) -> chrono::Duration {
        let mut secs = self.config.token_ttl.as_secs();
        if let Some(forced) = self.faults.token_ttl() {
            secs = secs.min(forced);
        }
        // At most ten years, so expiry arithmetic cannot overflow.
        chrono::Duration::seconds(secs.min(10 * 365 * 24 * 3600) as i64)
    }
}

/// What an account tree answer depends on, besides the store's state.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TreeKey {
    /// The user asking.
    pub user: u64,
    /// The folder id asked for.
    pub folder: String,
    /// `onelevel` parameter.
    pub onelevel: bool,
    /// `nofiles` parameter.
    pub nofiles: bool,
    /// `nozip` parameter.
    pub nozip: bool,
}

/// Encoded `get_account_tree` payloads, each valid for the store generation
/// it was made at ([`crate::store::State::generation`]). Encoding a big tree
/// (XML, then DEFLATE) costs the emulator several times what decoding it
/// costs a client; a client asking again for an unchanged tree gets the
/// same bytes without that cost. At most [`TreeCache::CAPACITY`] entries.
#[derive(Debug, Default)]
pub struct TreeCache {
    entries: Mutex<HashMap<TreeKey, (u64, Arc<str>)>>,
}

impl TreeCache {
    /// Entries kept at most (all are dropped when full).
    pub const CAPACITY: usize = 32;

    /// The payload for `key` if it was made at `generation`.
    pub fn get(&self, key: &TreeKey, generation: u64) -> Option<Arc<str>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(key)
            .filter(|(g, _)| *g == generation)
            .map(|(_, p)| p.clone())
    }

    /// Keeps a payload made at `generation`; returns it shared.
    pub fn put(&self, key: TreeKey, generation: u64, payload: String) -> Arc<str> {
        let payload: Arc<str> = payload.into();
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= Self::CAPACITY {
            entries.clear();
        }
        entries.insert(key, (generation, payload.clone()));
        payload
    }
}

/// What a sorted folder listing depends on, besides the store's state.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListingKey {
    /// The folder (internal id).
    pub folder: u64,
    /// The `sort` parameter.
    pub sort: String,
    /// Descending.
    pub desc: bool,
}

/// Child ids in listing order, and the store generation they were sorted at.
type SortedIds = (u64, Arc<[u64]>);

/// The sorted child ids of folders, each valid for the store generation it
/// was made at. Paging through a big folder sorts it once, not once per
/// page: a page then costs what its own entries cost. At most
/// [`ListingCache::CAPACITY`] entries.
#[derive(Debug, Default)]
pub struct ListingCache {
    entries: Mutex<HashMap<ListingKey, SortedIds>>,
}

impl ListingCache {
    /// Entries kept at most (all are dropped when full).
    pub const CAPACITY: usize = 64;

    /// The ids for `key` if they were sorted at `generation`.
    pub fn get(&self, key: &ListingKey, generation: u64) -> Option<Arc<[u64]>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(key)
            .filter(|(g, _)| *g == generation)
            .map(|(_, ids)| ids.clone())
    }

    /// Keeps ids sorted at `generation`; returns them shared.
    pub fn put(&self, key: ListingKey, generation: u64, ids: Vec<u64>) -> Arc<[u64]> {
        let ids: Arc<[u64]> = ids.into();
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= Self::CAPACITY {
            entries.clear();
        }
        entries.insert(key, (generation, ids.clone()));
        ids
    }
}
