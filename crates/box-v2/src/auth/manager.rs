//! Single-flight token refresh.
//!
//! Callers take the current token under a read lock. When it is missing,
//! expiring within the refresh margin, or was just rejected with a `401`, one
//! caller takes the refresh mutex, *checks again* (another caller may have
//! refreshed while it waited) and only then asks the [`Authenticator`]. So N
//! concurrent calls on an expired token make exactly one refresh.
//!
//! Across processes sharing one [`TokenStore`] (a file, Redis), the refresh
//! also holds the store's refresh lock ([`TokenStore::lock_refresh`]) and
//! reads the store again under it: the first process to get the lock
//! refreshes, the others find its new token and use it.
//!
//! The new token is saved to the [`TokenStore`] before anyone uses it
//! (refresh tokens rotate and are single use). When the server answers
//! `invalid_grant`, the store is read once more: another process sharing it
//! without its lock may have refreshed first.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use box_core::{Error, Result};
use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::HeaderValue;
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{Mutex, RwLock};
use url::Url;

use super::token::TokenResponse;
use super::{AccessToken, Authenticator, TokenStore};
use crate::transport::{Core, Payload, Request};

/// The token and revoke endpoints, for [`Authenticator`]s.
#[derive(Debug, Clone)]
pub struct TokenEndpoint {
    pub(crate) core: Arc<Core>,
    pub(crate) token_url: Url,
    pub(crate) revoke_url: Url,
}

impl TokenEndpoint {
    /// The token endpoint's URL (`https://api.box.com/oauth2/token` by default).
    pub fn token_url(&self) -> &Url {
        &self.token_url
    }

    /// POSTs a form to the token endpoint and parses the token it returns.
    /// The answer is bounded in size and the call in time like every JSON
    /// API call.
    pub async fn request_token(&self, form: &[(&str, &str)]) -> Result<AccessToken> {
        let req = Self::form_request(self.token_url.clone(), form);
        let parsed: TokenResponse = self
            .core
            .call_json(None, req, "token response")
            .await?
            .ok_or_else(|| Error::decode("token response", "response", "304 with no body"))?;
        Ok(parsed.into_token())
    }

    pub(crate) async fn post_form(
        &self,
        url: Url,
        form: &[(&str, &str)],
    ) -> Result<reqwest::Response> {
        self.core.execute(None, Self::form_request(url, form)).await
    }

    fn form_request(url: Url, form: &[(&str, &str)]) -> Request {
        let body = {
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in form {
                ser.append_pair(k, v);
            }
            ser.finish()
        };
        let mut req = Request::new(Method::POST, url);
        req.authenticated = false;
        req.headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        req.payload = Payload::Bytes(Bytes::from(body));
        req
    }
}

/// Hands out access tokens and refreshes them, once, when needed.
#[derive(Debug)]
pub struct TokenManager {
    authenticator: Arc<dyn Authenticator>,
    store: Arc<dyn TokenStore>,
    endpoint: TokenEndpoint,
    current: RwLock<Option<AccessToken>>,
    refresh_lock: Mutex<()>,
    margin: Duration,
    refreshes: AtomicU64,
}

impl TokenManager {
    pub(crate) fn new(
        authenticator: Arc<dyn Authenticator>,
        store: Arc<dyn TokenStore>,
        endpoint: TokenEndpoint,
        margin: Duration,
    ) -> Self {
        Self {
            authenticator,
            store,
            endpoint,
            current: RwLock::new(None),
            refresh_lock: Mutex::new(()),
            margin,
            refreshes: AtomicU64::new(0),
        }
    }

    /// How many tokens were obtained from the server so far.
    pub fn refresh_count(&self) -> u64 {
        self.refreshes.load(Ordering::SeqCst)
    }

    /// The token endpoint.
    pub fn endpoint(&self) -> &TokenEndpoint {
        &self.endpoint
    }

    /// The authenticator.
    pub fn authenticator(&self) -> &dyn Authenticator {
        &*self.authenticator
    }

    /// The token store.
    pub fn store(&self) -> &dyn TokenStore {
        &*self.store
    }

    /// A valid access token, refreshing first if it expires within the margin.
    pub async fn token(&self) -> Result<SecretString> {
        if let Some(t) = self.current.read().await.as_ref() {
            if !t.expires_within(self.margin) {
                return Ok(t.access_token().clone());
            }
        }
        self.refresh(None).await
    }

    /// Called after the server rejected `rejected` with a 401.
    pub async fn refresh_rejected(&self, rejected: &SecretString) -> Result<SecretString> {
        self.refresh(Some(rejected)).await
    }

    /// Replaces the current token (after an authorization code exchange),
    /// saving it first.
    pub async fn install(&self, token: AccessToken) -> Result<()> {
        let _g = self.refresh_lock.lock().await;
        self.store.save(&token).await?;
        *self.current.write().await = Some(token);
        Ok(())
    }

    /// Forgets the current token, in memory and in the store.
    pub async fn forget(&self) -> Result<()> {
        let _g = self.refresh_lock.lock().await;
        *self.current.write().await = None;
        self.store.clear().await
    }

    /// The current token without refreshing, if any.
    pub async fn current(&self) -> Option<AccessToken> {
        if let Some(t) = self.current.read().await.clone() {
            return Some(t);
        }
        self.store.load().await.ok().flatten()
    }

    async fn refresh(&self, rejected: Option<&SecretString>) -> Result<SecretString> {
        let _single_flight = self.refresh_lock.lock().await;
        // Double-check: another task of this process may have refreshed while we waited.
        if let Some(c) = self.current.read().await.as_ref() {
            if self.usable(c, rejected) {
                return Ok(c.access_token().clone());
            }
        }
        // Then the same across processes sharing the store: hold its lock
        // while re-reading, refreshing and saving.
        let shared = self.store.lock_refresh().await?;
        let result = self.refresh_locked(rejected).await;
        if let Err(e) = shared.release().await {
            tracing::warn!(error = %e, "could not release the token store's refresh lock");
        }
        result
    }

    /// Whether `token` may be used: not expiring within the margin and not
    /// the one the server just rejected.
    fn usable(&self, token: &AccessToken, rejected: Option<&SecretString>) -> bool {
        let was_rejected =
            rejected.is_some_and(|r| r.expose_secret() == token.access_token().expose_secret());
        !was_rejected && !token.expires_within(self.margin)
    }

    async fn refresh_locked(&self, rejected: Option<&SecretString>) -> Result<SecretString> {
        // The store first: another process sharing it may have refreshed.
        let cur = match self.store.load().await? {
            Some(t) => Some(t),
            None => match self.current.read().await.clone() {
                Some(t) => Some(t),
                None => self.authenticator.initial(),
            },
        };
        if let Some(c) = &cur {
            if self.usable(c, rejected) {
                *self.current.write().await = Some(c.clone());
                return Ok(c.access_token().clone());
            }
        }
        let new = match self
            .authenticator
            .obtain(&self.endpoint, cur.as_ref())
            .await
        {
            Ok(t) => t,
            Err(e) if e.code() == Some("invalid_grant") => {
                // Another process sharing the store without its lock may have
                // rotated the refresh token first: re-read the store once.
                match self.store.load().await? {
                    Some(stored) if cur.as_ref().is_none_or(|c| !c.same_access(&stored)) => {
                        tracing::info!("invalid_grant, but the token store holds a newer token");
                        if stored.expires_within(self.margin) {
                            self.authenticator
                                .obtain(&self.endpoint, Some(&stored))
                                .await?
                        } else {
                            *self.current.write().await = Some(stored.clone());
                            return Ok(stored.access_token().clone());
                        }
                    }
                    _ => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        // Save before use: a rotated refresh token must never be lost.
        self.store.save(&new).await.map_err(|e| match e {
            Error::Io { message, source } => Error::Io {
                message: format!("saving the refreshed token: {message}"),
                source,
            },
            other => other,
        })?;
        tracing::debug!(expires_at = ?new.expires_at(), "obtained a new access token");
        let access = new.access_token().clone();
        *self.current.write().await = Some(new);
        Ok(access)
    }
}
