//! Client credentials grant: a server app acting as its service account
//! (enterprise subject) or as a user.

use std::fmt;

use async_trait::async_trait;
use box_core::Result;
use secrecy::{ExposeSecret, SecretString};

use super::{AccessToken, Authenticator, TokenEndpoint};

/// Whom a server-side token acts for (`box_subject_type` / `box_subject_id`,
/// or `box_sub_type` / `sub` in a JWT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// The enterprise's service account; the enterprise id.
    Enterprise(String),
    /// A user; the user id.
    User(String),
}

impl Subject {
    /// `enterprise` or `user`.
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::Enterprise(_) => "enterprise",
            Subject::User(_) => "user",
        }
    }

    /// The enterprise or user id.
    pub fn id(&self) -> &str {
        match self {
            Subject::Enterprise(id) | Subject::User(id) => id,
        }
    }
}

/// The client credentials grant.
#[derive(Clone)]
pub struct ClientCredentials {
    client_id: String,
    client_secret: SecretString,
    subject: Subject,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("subject", &self.subject)
            .finish()
    }
}

impl ClientCredentials {
    /// Credentials acting as `subject`.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        subject: Subject,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
            subject,
        }
    }
}

#[async_trait]
impl Authenticator for ClientCredentials {
    async fn obtain(
        &self,
        endpoint: &TokenEndpoint,
        _: Option<&AccessToken>,
    ) -> Result<AccessToken> {
        endpoint
            .request_token(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.client_id.as_str()),
                ("client_secret", self.client_secret.expose_secret()),
                ("box_subject_type", self.subject.kind()),
                ("box_subject_id", self.subject.id()),
            ])
            .await
    }

    fn client_credentials(&self) -> Option<(&str, &SecretString)> {
        Some((&self.client_id, &self.client_secret))
    }
}
