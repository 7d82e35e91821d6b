//! Authentication: tokens, where they are kept, how they are refreshed, and
//! the grants that obtain them.
//!
//! - [`token`]: [`AccessToken`] (secrets in `SecretString`, never printed).
//! - [`store`]: the [`TokenStore`] trait and in-memory, file and callback stores; the
//!   file store and `RedisTokenStore` (feature `redis`) are shared by many processes.
//! - [`manager`]: single-flight refresh ahead of expiry and after a `401`.
//! - Grants, each an [`Authenticator`]: [`DeveloperToken`], [`OAuth2`] (authorization code),
//!   [`ClientCredentials`], [`JwtAuth`].

pub mod ccg;
pub mod developer;
pub mod jwt;
pub mod manager;
pub mod oauth;
#[cfg(feature = "redis")]
pub mod redis_store;
pub mod store;
pub mod token;

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use box_core::Result;
use secrecy::SecretString;

pub use ccg::{ClientCredentials, Subject};
pub use developer::DeveloperToken;
pub use jwt::{JwtAlgorithm, JwtAuth};
pub use oauth::{Authorization, OAuth2};
#[cfg(feature = "redis")]
pub use redis_store::RedisTokenStore;
pub use store::{
    CallbackTokenStore, FileTokenStore, HeldLock, InMemoryTokenStore, RefreshLock, TokenStore,
};
pub use token::AccessToken;

pub(crate) use manager::TokenEndpoint;

/// A way to obtain access tokens: one implementation per grant.
#[async_trait]
pub trait Authenticator: Send + Sync + fmt::Debug {
    /// Obtains a new token from the token endpoint. `current` is the token
    /// being replaced (its refresh token is used by the OAuth 2 grant).
    async fn obtain(
        &self,
        endpoint: &TokenEndpoint,
        current: Option<&AccessToken>,
    ) -> Result<AccessToken>;

    /// A token available without asking the server (a developer token).
    fn initial(&self) -> Option<AccessToken> {
        None
    }

    /// The app's client id and secret, used to revoke tokens.
    fn client_credentials(&self) -> Option<(&str, &SecretString)> {
        None
    }
}

#[async_trait]
impl<A: Authenticator + ?Sized> Authenticator for Arc<A> {
    async fn obtain(
        &self,
        endpoint: &TokenEndpoint,
        current: Option<&AccessToken>,
    ) -> Result<AccessToken> {
        (**self).obtain(endpoint, current).await
    }
    fn initial(&self) -> Option<AccessToken> {
        (**self).initial()
    }
    fn client_credentials(&self) -> Option<(&str, &SecretString)> {
        (**self).client_credentials()
    }
}
