//! Where tokens are kept between refreshes (and between processes).
//!
//! OAuth 2 refresh tokens are single use: the manager saves every new pair
//! here *before* using it, so a crash cannot lose the only valid refresh token.
//!
//! Refresh tokens also rotate: two processes refreshing the same token at
//! once lose one of them to `invalid_grant`. A store shared between processes
//! therefore also offers a *refresh lock* ([`TokenStore::lock_refresh`]): the
//! [`TokenManager`](super::manager::TokenManager) takes it, re-reads the store
//! and refreshes only if no other process already did. [`FileTokenStore`]
//! locks a file next to the token (processes on one machine);
//! `RedisTokenStore` (cargo feature `redis`) locks a key with an expiry.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use box_core::{Error, Result};

use super::token::{AccessToken, StoredToken};

/// Keeps the current token.
#[async_trait]
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// The stored token, if any.
    async fn load(&self) -> Result<Option<AccessToken>>;
    /// Replaces the stored token.
    async fn save(&self, token: &AccessToken) -> Result<()>;
    /// Forgets the stored token (after a revoke).
    async fn clear(&self) -> Result<()>;

    /// Takes the lock that makes a refresh single-flight across every process
    /// sharing this store, waiting while another process holds it.
    ///
    /// The manager holds it around "re-read the store, refresh if still
    /// needed, save", then calls [`RefreshLock::release`]. The default takes
    /// no lock: right for a store only one process uses.
    async fn lock_refresh(&self) -> Result<RefreshLock> {
        Ok(RefreshLock::none())
    }
}

/// A lock a [`TokenStore`] implementation holds for a refresh.
#[async_trait]
pub trait HeldLock: Send + Sync + fmt::Debug {
    /// Gives the lock up.
    async fn release(self: Box<Self>) -> Result<()>;
}

/// The refresh lock of a [`TokenStore`], held until [`RefreshLock::release`]
/// (or dropped: a file lock is released when its file closes, a Redis lock
/// when its expiry passes).
#[derive(Debug)]
pub struct RefreshLock(Option<Box<dyn HeldLock>>);

impl RefreshLock {
    /// No lock (a store used by one process only).
    pub fn none() -> Self {
        Self(None)
    }

    /// A held lock.
    pub fn held(lock: impl HeldLock + 'static) -> Self {
        Self(Some(Box::new(lock)))
    }

    /// Whether a lock is actually held.
    pub fn is_held(&self) -> bool {
        self.0.is_some()
    }

    /// Gives the lock up.
    pub async fn release(mut self) -> Result<()> {
        match self.0.take() {
            Some(l) => l.release().await,
            None => Ok(()),
        }
    }
}

/// Waits for a lock by polling `try_once` with growing pauses (10 ms up to
/// 200 ms, with jitter so waiting processes do not poll in step), for at most
/// `wait`. Used by the file and Redis stores.
pub(crate) async fn poll_lock<T, F, Fut>(what: &str, wait: Duration, mut try_once: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>>>,
{
    let started = Instant::now();
    let mut pause = Duration::from_millis(10);
    loop {
        if let Some(held) = try_once().await? {
            return Ok(held);
        }
        if started.elapsed() >= wait {
            return Err(Error::transport(
                format!(
                    "gave up after {:.1} s waiting for {what} (another process holds it)",
                    started.elapsed().as_secs_f64()
                ),
                false,
                None,
            ));
        }
        let jitter = Duration::from_millis(rand::random::<u64>() % 10);
        tokio::time::sleep(pause + jitter).await;
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}

/// Keeps the token in memory only. The default store.
#[derive(Debug, Default)]
pub struct InMemoryTokenStore {
    token: Mutex<Option<AccessToken>>,
}

impl InMemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding `token`.
    pub fn with_token(token: AccessToken) -> Self {
        Self {
            token: Mutex::new(Some(token)),
        }
    }
}

#[async_trait]
impl TokenStore for InMemoryTokenStore {
    async fn load(&self) -> Result<Option<AccessToken>> {
        Ok(self.token.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }
    async fn save(&self, token: &AccessToken) -> Result<()> {
        *self.token.lock().unwrap_or_else(|p| p.into_inner()) = Some(token.clone());
        Ok(())
    }
    async fn clear(&self) -> Result<()> {
        *self.token.lock().unwrap_or_else(|p| p.into_inner()) = None;
        Ok(())
    }
}

/// Keeps the token in a JSON file, written atomically (temp file + rename)
/// and, on Unix, readable by the owner only.
///
/// Processes on one machine may share the file: a refresh holds an advisory
/// lock (`flock` on Unix, `LockFileEx` on Windows, through the `fs4` crate)
/// on `<path>.lock`, so exactly one of them refreshes an expired token and
/// the others read the new one. The lock is released when the process
/// exits, even if it crashes.
#[derive(Debug, Clone)]
pub struct FileTokenStore {
    path: PathBuf,
    lock_wait: Duration,
}

/// How long a refresh waits for another process's refresh by default.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(60);

impl FileTokenStore {
    /// A store at `path` (created on first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            lock_wait: DEFAULT_LOCK_WAIT,
        }
    }

    /// How long a refresh waits for the lock while another process holds it
    /// before failing with [`Error::Transport`]. Default: [`DEFAULT_LOCK_WAIT`].
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock file's path: the token file's with `.lock` appended.
    pub fn lock_path(&self) -> PathBuf {
        let mut p = self.path.clone().into_os_string();
        p.push(".lock");
        PathBuf::from(p)
    }
}

/// An advisory lock on a [`FileTokenStore`]'s lock file; closing the file
/// releases it too.
#[derive(Debug)]
struct FileLock {
    file: std::fs::File,
}

#[async_trait]
impl HeldLock for FileLock {
    async fn release(self: Box<Self>) -> Result<()> {
        fs4::FileExt::unlock(&self.file).map_err(|e| Error::io("releasing the token file lock", e))
    }
}

#[async_trait]
impl TokenStore for FileTokenStore {
    async fn load(&self) -> Result<Option<AccessToken>> {
        match tokio::fs::read(&self.path).await {
            Ok(bytes) => {
                let stored: StoredToken = serde_json::from_slice(&bytes).map_err(|e| {
                    Error::decode("token file", self.path.display().to_string(), e.to_string())
                })?;
                Ok(Some(stored.into()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(format!("reading {}", self.path.display()), e)),
        }
    }

    async fn save(&self, token: &AccessToken) -> Result<()> {
        let json = serde_json::to_vec(&token.to_stored())
            .map_err(|e| Error::decode("token", "", e.to_string()))?;
        let tmp = self
            .path
            .with_extension(format!("tmp{}", std::process::id()));
        let io = |what: &str, e| Error::io(format!("{what} {}", tmp.display()), e);
        {
            let mut opts = tokio::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            opts.mode(0o600);
            let mut f = opts.open(&tmp).await.map_err(|e| io("creating", e))?;
            tokio::io::AsyncWriteExt::write_all(&mut f, &json)
                .await
                .map_err(|e| io("writing", e))?;
            f.sync_all().await.map_err(|e| io("syncing", e))?;
        }
        tokio::fs::rename(&tmp, &self.path)
            .await
            .map_err(|e| Error::io(format!("replacing {}", self.path.display()), e))
    }

    async fn lock_refresh(&self) -> Result<RefreshLock> {
        let lock_path = self.lock_path();
        let mut opts = tokio::fs::OpenOptions::new();
        opts.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        opts.mode(0o600);
        let file = opts
            .open(&lock_path)
            .await
            .map_err(|e| Error::io(format!("opening {}", lock_path.display()), e))?
            .into_std()
            .await;
        let what = format!("the token lock {}", lock_path.display());
        poll_lock(&what, self.lock_wait, || {
            let (file, lock_path) = (&file, &lock_path);
            async move {
                // Called through the trait: std's own `File::try_lock` is newer than our MSRV.
                match fs4::FileExt::try_lock(file) {
                    Ok(()) => Ok(Some(())),
                    Err(fs4::TryLockError::WouldBlock) => Ok(None),
                    Err(fs4::TryLockError::Error(e)) => {
                        Err(Error::io(format!("locking {}", lock_path.display()), e))
                    }
                }
            }
        })
        .await?;
        Ok(RefreshLock::held(FileLock { file }))
    }

    async fn clear(&self) -> Result<()> {
        match tokio::fs::remove_file(&self.path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(format!("removing {}", self.path.display()), e)),
        }
    }
}

type LoadFn = dyn Fn() -> Result<Option<AccessToken>> + Send + Sync;
type SaveFn = dyn Fn(Option<&AccessToken>) -> Result<()> + Send + Sync;

/// Hands tokens to your own code (a database, a keychain…).
#[derive(Clone)]
pub struct CallbackTokenStore {
    load: Arc<LoadFn>,
    save: Arc<SaveFn>,
}

impl CallbackTokenStore {
    /// `load` returns the stored token; `save` receives the new token, or
    /// `None` when it should be forgotten.
    pub fn new(
        load: impl Fn() -> Result<Option<AccessToken>> + Send + Sync + 'static,
        save: impl Fn(Option<&AccessToken>) -> Result<()> + Send + Sync + 'static,
    ) -> Self {
        Self {
            load: Arc::new(load),
            save: Arc::new(save),
        }
    }
}

impl fmt::Debug for CallbackTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CallbackTokenStore")
    }
}

#[async_trait]
impl TokenStore for CallbackTokenStore {
    async fn load(&self) -> Result<Option<AccessToken>> {
        (self.load)()
    }
    async fn save(&self, token: &AccessToken) -> Result<()> {
        (self.save)(Some(token))
    }
    async fn clear(&self) -> Result<()> {
        (self.save)(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[tokio::test]
    async fn file_store_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileTokenStore::new(dir.path().join("token.json"));
        assert!(store.load().await.unwrap().is_none());
        store
            .save(&AccessToken::new("a1", Some("r1".into()), None))
            .await
            .unwrap();
        let t = store.load().await.unwrap().unwrap();
        assert_eq!(t.access_token().expose_secret(), "a1");
        assert_eq!(t.refresh_token().unwrap().expose_secret(), "r1");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        store.clear().await.unwrap();
        assert!(store.load().await.unwrap().is_none());
        std::fs::write(store.path(), b"{not json").unwrap();
        assert!(matches!(store.load().await, Err(Error::Decode { .. })));
    }
}
