//! The v1 ticket flow.
//!
//! 1. [`Client::get_ticket`] asks for a ticket;
//! 2. the user opens [`Client::auth_url`] (`<web base>/api/1.0/auth/<ticket>`)
//!    and approves the application;
//! 3. a web app receives a callback (`…?ticket=…&auth_token=…`, read it with
//!    [`parse_callback`]); a desktop app calls [`Client::get_auth_token`] with
//!    the ticket instead.
//!
//! The client then sends the API key and auth token with every call, until
//! [`Client::logout`]. Applications allowed to take a user's password can
//! skip the ticket with [`Client::sign_in_with_password`] (`authorization`).

use std::fmt;

use box_core::{Error, Result};
use secrecy::SecretString;
use url::Url;

use crate::actions::{AuthSession, Authorization, GetAuthToken, GetTicket, Logout};
use crate::client::Client;

impl Client {
    /// Step 1: a new ticket.
    pub async fn get_ticket(&self) -> Result<String> {
        self.send(&GetTicket).await
    }

    /// Step 2: the page where the user approves the application.
    pub fn auth_url(&self, ticket: &str) -> Url {
        Client::url(self.web_base(), &["api", "1.0", "auth", ticket])
    }

    /// Step 3: trades an approved ticket for an auth token, which the client
    /// then uses for every call.
    pub async fn get_auth_token(&self, ticket: &str) -> Result<AuthSession> {
        let session = self
            .send(&GetAuthToken {
                ticket: ticket.to_owned(),
            })
            .await?;
        self.set_auth_token(session.auth_token.clone());
        Ok(session)
    }

    /// Signs in with a login and password (`authorization`, for applications
    /// Box allowed to collect credentials) and uses the returned auth token
    /// for every call, as [`get_auth_token`](Self::get_auth_token) does. The
    /// password is never printed or logged.
    pub async fn sign_in_with_password(
        &self,
        login: &str,
        password: SecretString,
    ) -> Result<AuthSession> {
        let session = self
            .send(&Authorization {
                login: login.to_owned(),
                password,
                method: String::new(),
            })
            .await?;
        self.set_auth_token(session.auth_token.clone());
        Ok(session)
    }

    /// Ends the session and forgets the token.
    pub async fn logout(&self) -> Result<()> {
        self.send(&Logout).await?;
        self.clear_auth_token();
        Ok(())
    }
}

/// What the callback URL carries.
#[derive(Clone)]
pub struct Callback {
    /// The ticket (deprecated, kept for compatibility).
    pub ticket: Option<String>,
    /// The auth token (never printed).
    pub auth_token: SecretString,
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callback")
            .field("ticket", &self.ticket)
            .field("auth_token", &"[redacted]")
            .finish()
    }
}

/// Reads the `ticket` and `auth_token` query parameters of the callback URL
/// v1 redirects the user to.
pub fn parse_callback(url: &str) -> Result<Callback> {
    let u =
        Url::parse(url.trim()).map_err(|e| Error::invalid_input(format!("callback URL: {e}")))?;
    let mut ticket = None;
    let mut token = None;
    for (k, v) in u.query_pairs() {
        match &*k {
            "ticket" => ticket = Some(v.trim().to_owned()),
            "auth_token" => token = Some(v.trim().to_owned()),
            _ => {}
        }
    }
    let token = token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::invalid_input("callback URL has no auth_token parameter"))?;
    Ok(Callback {
        ticket,
        auth_token: SecretString::from(token),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn callback_and_auth_url() {
        let c =
            parse_callback("http://mysite.com/callback.php?ticket=ncnp&auth_token=98j2").unwrap();
        assert_eq!(c.ticket.as_deref(), Some("ncnp"));
        assert_eq!(c.auth_token.expose_secret(), "98j2");
        assert!(!format!("{c:?}").contains("98j2"));
        assert!(parse_callback("http://x/cb?ticket=a").is_err());
        let client = Client::builder("key")
            .web_base("https://web.example")
            .build()
            .unwrap();
        assert_eq!(
            client.auth_url("tk").as_str(),
            "https://web.example/api/1.0/auth/tk"
        );
    }

    #[test]
    fn base_urls_must_be_http() {
        // A URL with no path to append to used to build, then panic in
        // `auth_url` and on every call.
        for bad in [
            "mailto:box@example.com",
            "data:text/plain,x",
            "ftp://x.example",
        ] {
            let e = Client::builder("key").web_base(bad).build().unwrap_err();
            assert!(matches!(e, Error::InvalidInput { .. }), "{bad}: {e}");
            assert!(Client::builder("key").api_base(bad).build().is_err());
            assert!(Client::builder("key").upload_base(bad).build().is_err());
        }
        assert!(Client::builder("key")
            .api_base("http://127.0.0.1:9/")
            .build()
            .is_ok());
    }
}
