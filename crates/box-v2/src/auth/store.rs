//! Where tokens are kept between refreshes (and between processes).
//!
//! OAuth 2 refresh tokens are single use: the manager saves every new pair
//! here *before* using it, so a crash cannot lose the only valid refresh token.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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
#[derive(Debug, Clone)]
pub struct FileTokenStore {
    path: PathBuf,
}

impl FileTokenStore {
    /// A store at `path` (created on first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
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
