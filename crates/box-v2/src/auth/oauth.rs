//! OAuth 2 authorization code grant: authorize URL with a random `state`,
//! code exchange, refresh (rotating refresh tokens) and revoke.

use std::fmt;

use async_trait::async_trait;
use base64::Engine;
use box_core::{Error, Result};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::{AccessToken, Authenticator, TokenEndpoint};

/// An OAuth 2 app: client id, client secret and redirect URI.
#[derive(Clone)]
pub struct OAuth2 {
    client_id: String,
    client_secret: SecretString,
    redirect_uri: Option<String>,
}

impl fmt::Debug for OAuth2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("redirect_uri", &self.redirect_uri)
            .finish()
    }
}

/// A started authorization: send the user to [`Authorization::url`], then
/// hand the `code` and `state` Box redirects back with to
/// [`crate::Client::exchange_code`].
#[derive(Debug, Clone)]
pub struct Authorization {
    url: Url,
    state: String,
}

impl Authorization {
    /// The page to send the user to.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The random `state` value embedded in the URL.
    pub fn state(&self) -> &str {
        &self.state
    }

    /// Checks the `state` returned on the redirect (constant time).
    pub fn verify_state(&self, returned: &str) -> Result<()> {
        let a = self.state.as_bytes();
        let b = returned.as_bytes();
        let same =
            a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0;
        if same {
            Ok(())
        } else {
            Err(Error::unauthenticated(
                "the OAuth state returned does not match the one sent (possible CSRF)",
            ))
        }
    }
}

impl OAuth2 {
    /// An app with the given client id and secret.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
            redirect_uri: None,
        }
    }

    /// The redirect URI registered for the app. Default: none (Box uses the
    /// app's configured one).
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Builds the authorize URL from the authorize page `base`
    /// (`https://account.box.com/api/oauth2/authorize`) with a fresh random state.
    pub fn authorize(&self, base: &Url, scopes: &[&str]) -> Authorization {
        let mut raw = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut raw);
        let state = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
        let mut url = base.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &self.client_id)
                .append_pair("state", &state);
            if let Some(r) = &self.redirect_uri {
                q.append_pair("redirect_uri", r);
            }
            if !scopes.is_empty() {
                q.append_pair("scope", &scopes.join(" "));
            }
        }
        Authorization { url, state }
    }

    /// Exchanges an authorization code for tokens.
    pub async fn exchange(&self, endpoint: &TokenEndpoint, code: &str) -> Result<AccessToken> {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
        ];
        if let Some(r) = &self.redirect_uri {
            form.push(("redirect_uri", r));
        }
        endpoint.request_token(&form).await
    }
}

#[async_trait]
impl Authenticator for OAuth2 {
    async fn obtain(
        &self,
        endpoint: &TokenEndpoint,
        current: Option<&AccessToken>,
    ) -> Result<AccessToken> {
        let refresh = current.and_then(|c| c.refresh_token()).ok_or_else(|| {
            Error::unauthenticated("no refresh token: complete the authorization code flow first")
        })?;
        endpoint
            .request_token(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh.expose_secret()),
                ("client_id", self.client_id.as_str()),
                ("client_secret", self.client_secret.expose_secret()),
            ])
            .await
    }

    fn client_credentials(&self) -> Option<(&str, &SecretString)> {
        Some((&self.client_id, &self.client_secret))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorize_url_and_state() {
        let app = OAuth2::new("cid", "csecret").redirect_uri("http://localhost/cb");
        let base = Url::parse("https://account.box.com/api/oauth2/authorize").unwrap();
        let a = app.authorize(&base, &["root_readwrite"]);
        let b = app.authorize(&base, &[]);
        assert_ne!(a.state(), b.state());
        let q: Vec<(String, String)> = a.url().query_pairs().into_owned().collect();
        assert!(q.contains(&("response_type".into(), "code".into())));
        assert!(q.contains(&("client_id".into(), "cid".into())));
        assert!(q.contains(&("state".into(), a.state().into())));
        assert!(q.contains(&("redirect_uri".into(), "http://localhost/cb".into())));
        assert!(a.verify_state(a.state()).is_ok());
        assert!(a.verify_state(b.state()).is_err());
        assert!(!format!("{app:?}").contains("csecret"));
    }
}
