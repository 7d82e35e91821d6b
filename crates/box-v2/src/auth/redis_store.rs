//! [`RedisTokenStore`]: one token shared by many processes through Redis
//! (cargo feature `redis`).
//!
//! The token is a JSON value under one key. A refresh holds a lock key
//! (`<key>:lock`, set with `SET NX PX`, so it expires on its own if its
//! holder dies) holding a random value; the holder deletes it only if the
//! value is still its own (a Lua script, atomic on the server). Processes
//! that find the lock taken wait, then take it in turn, read the token the
//! first one saved, and do not refresh again.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use box_core::{Error, Result};
use rand::RngCore;
use redis::aio::ConnectionManager;

use super::store::{poll_lock, HeldLock, RefreshLock, DEFAULT_LOCK_WAIT};
use super::token::{AccessToken, StoredToken};
use super::TokenStore;

/// How long a refresh lock lives in Redis unless released (its holder
/// crashed): a refresh is one HTTP call, bounded by the client's deadline.
pub const DEFAULT_LOCK_TTL: Duration = Duration::from_secs(30);

const RELEASE: &str = r#"if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
else
  return 0
end"#;

/// Keeps the token in Redis, shared by every process using the same key.
///
/// ```no_run
/// # async fn f() -> box_core::Result<()> {
/// use box_v2::auth::{OAuth2, RedisTokenStore};
/// let store = RedisTokenStore::connect("redis://127.0.0.1:6379/", "boxkit:token:my-app").await?;
/// let client = box_v2::Client::builder()
///     .auth(OAuth2::new("client-id", "client-secret"))
///     .token_store(store)
///     .build()?;
/// # Ok(()) }
/// ```
///
/// `Debug` shows the key and the server's host, never the URL's password.
#[derive(Clone)]
pub struct RedisTokenStore {
    conn: ConnectionManager,
    server: String,
    key: String,
    lock_key: String,
    lock_ttl: Duration,
    lock_wait: Duration,
}

impl fmt::Debug for RedisTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTokenStore")
            .field("server", &self.server)
            .field("key", &self.key)
            .field("lock_ttl", &self.lock_ttl)
            .field("lock_wait", &self.lock_wait)
            .finish()
    }
}

fn redis_error(what: &str, e: redis::RedisError) -> Error {
    // A RedisError's text names the command and the server's reply, never the URL.
    let maybe_sent = !e.is_connection_refusal();
    Error::transport(format!("redis {what}: {e}"), maybe_sent, Some(Box::new(e)))
}

impl RedisTokenStore {
    /// Connects to the Redis server at `url` (`redis://[:password@]host:port/db`)
    /// and keeps the token under `key`. The connection reconnects by itself.
    pub async fn connect(url: &str, key: impl Into<String>) -> Result<Self> {
        let info: redis::ConnectionInfo = url
            .parse()
            .map_err(|_| Error::invalid_input("not a Redis URL (redis://host:port/db)"))?;
        let server = info.addr.to_string();
        let client = redis::Client::open(info).map_err(|e| redis_error("client", e))?;
        let conn = ConnectionManager::new(client)
            .await
            .map_err(|e| redis_error(&format!("connecting to {server}"), e))?;
        let key = key.into();
        Ok(Self {
            conn,
            server,
            lock_key: format!("{key}:lock"),
            key,
            lock_ttl: DEFAULT_LOCK_TTL,
            lock_wait: DEFAULT_LOCK_WAIT,
        })
    }

    /// How long the refresh lock lives if its holder never releases it.
    /// Default: [`DEFAULT_LOCK_TTL`]. Keep it above the token call's deadline.
    pub fn lock_ttl(mut self, ttl: Duration) -> Self {
        self.lock_ttl = ttl.max(Duration::from_millis(1));
        self
    }

    /// How long a refresh waits for another process's lock before failing
    /// with [`Error::Transport`]. Default: [`DEFAULT_LOCK_WAIT`].
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// The key holding the token.
    pub fn key(&self) -> &str {
        &self.key
    }
}

#[async_trait]
impl TokenStore for RedisTokenStore {
    async fn load(&self) -> Result<Option<AccessToken>> {
        let mut conn = self.conn.clone();
        let raw: Option<Vec<u8>> = redis::cmd("GET")
            .arg(&self.key)
            .query_async(&mut conn)
            .await
            .map_err(|e| redis_error("GET", e))?;
        match raw {
            None => Ok(None),
            Some(bytes) => {
                let stored: StoredToken = serde_json::from_slice(&bytes).map_err(|e| {
                    Error::decode("token in redis", self.key.clone(), e.to_string())
                })?;
                Ok(Some(stored.into()))
            }
        }
    }

    async fn save(&self, token: &AccessToken) -> Result<()> {
        let json = serde_json::to_vec(&token.to_stored())
            .map_err(|e| Error::decode("token", "", e.to_string()))?;
        let mut conn = self.conn.clone();
        redis::cmd("SET")
            .arg(&self.key)
            .arg(json)
            .query_async::<()>(&mut conn)
            .await
            .map_err(|e| redis_error("SET", e))
    }

    async fn clear(&self) -> Result<()> {
        let mut conn = self.conn.clone();
        redis::cmd("DEL")
            .arg(&self.key)
            .query_async::<()>(&mut conn)
            .await
            .map_err(|e| redis_error("DEL", e))
    }

    async fn lock_refresh(&self) -> Result<RefreshLock> {
        let mut raw = [0u8; 18];
        rand::thread_rng().fill_bytes(&mut raw);
        let owner = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
        let ttl_ms = u64::try_from(self.lock_ttl.as_millis()).unwrap_or(u64::MAX);
        let what = format!("the refresh lock {}", self.lock_key);
        poll_lock(&what, self.lock_wait, || {
            let mut conn = self.conn.clone();
            let (key, owner) = (&self.lock_key, &owner);
            async move {
                let set: Option<String> = redis::cmd("SET")
                    .arg(key)
                    .arg(owner)
                    .arg("NX")
                    .arg("PX")
                    .arg(ttl_ms)
                    .query_async(&mut conn)
                    .await
                    .map_err(|e| redis_error("SET NX", e))?;
                Ok(set.map(|_| ()))
            }
        })
        .await?;
        Ok(RefreshLock::held(RedisLock {
            conn: self.conn.clone(),
            key: self.lock_key.clone(),
            owner,
        }))
    }
}

/// A held Redis refresh lock: the key and the random value we set.
struct RedisLock {
    conn: ConnectionManager,
    key: String,
    owner: String,
}

impl fmt::Debug for RedisLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLock").field("key", &self.key).finish()
    }
}

#[async_trait]
impl HeldLock for RedisLock {
    async fn release(self: Box<Self>) -> Result<()> {
        let mut conn = self.conn.clone();
        let _deleted: i64 = redis::Script::new(RELEASE)
            .key(&self.key)
            .arg(&self.owner)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| redis_error("releasing the refresh lock", e))?;
        Ok(())
    }
}
