//! Developer tokens: a fixed access token from the developer console, valid
//! for one hour and never refreshed.

use async_trait::async_trait;
use box_core::{Error, Result};

use super::{AccessToken, Authenticator, TokenEndpoint};

/// A fixed developer token. It cannot be refreshed: when Box rejects it,
/// calls fail with [`Error::Unauthenticated`].
#[derive(Debug, Clone)]
pub struct DeveloperToken {
    token: AccessToken,
}

impl DeveloperToken {
    /// Wraps a developer token.
    pub fn new(token: impl Into<String>) -> Self {
        Self {
            token: AccessToken::new(token, None, None),
        }
    }
}

#[async_trait]
impl Authenticator for DeveloperToken {
    async fn obtain(&self, _: &TokenEndpoint, _: Option<&AccessToken>) -> Result<AccessToken> {
        Err(Error::unauthenticated(
            "the developer token was rejected and developer tokens cannot be refreshed",
        ))
    }

    fn initial(&self) -> Option<AccessToken> {
        Some(self.token.clone())
    }
}
