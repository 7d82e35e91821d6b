//! Access and refresh tokens.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// An access token, its refresh token (OAuth 2 only) and its expiry.
///
/// `Debug` never prints the secrets.
#[derive(Clone)]
pub struct AccessToken {
    access_token: SecretString,
    refresh_token: Option<SecretString>,
    expires_at: Option<DateTime<Utc>>,
}

impl AccessToken {
    /// A token; `expires_at: None` means it never expires as far as we know.
    pub fn new(
        access_token: impl Into<String>,
        refresh_token: Option<String>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Self {
        Self {
            access_token: SecretString::from(access_token.into()),
            refresh_token: refresh_token.map(SecretString::from),
            expires_at,
        }
    }

    /// The access token.
    pub fn access_token(&self) -> &SecretString {
        &self.access_token
    }

    /// The refresh token, for OAuth 2 tokens.
    pub fn refresh_token(&self) -> Option<&SecretString> {
        self.refresh_token.as_ref()
    }

    /// When the access token expires, when known.
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.expires_at
    }

    /// Whether the token expires within `margin` from now.
    pub fn expires_within(&self, margin: Duration) -> bool {
        match self.expires_at {
            Some(at) => {
                let margin = chrono::Duration::from_std(margin).unwrap_or(chrono::Duration::MAX);
                Utc::now()
                    .checked_add_signed(margin)
                    .is_none_or(|soon| soon >= at)
            }
            None => false,
        }
    }

    /// Whether both tokens carry the same access token.
    pub fn same_access(&self, other: &AccessToken) -> bool {
        self.access_token.expose_secret() == other.access_token.expose_secret()
    }

    pub(crate) fn to_stored(&self) -> StoredToken {
        StoredToken {
            access_token: self.access_token.expose_secret().to_owned(),
            refresh_token: self
                .refresh_token
                .as_ref()
                .map(|r| r.expose_secret().to_owned()),
            expires_at: self.expires_at,
        }
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("access_token", &"[redacted]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The serialised form kept by [`crate::auth::FileTokenStore`]. No `Debug`.
#[derive(Serialize, Deserialize)]
pub(crate) struct StoredToken {
    pub(crate) access_token: String,
    pub(crate) refresh_token: Option<String>,
    pub(crate) expires_at: Option<DateTime<Utc>>,
}

impl From<StoredToken> for AccessToken {
    fn from(s: StoredToken) -> Self {
        AccessToken::new(s.access_token, s.refresh_token, s.expires_at)
    }
}

/// The token endpoint's answer. No `Debug`: it holds secrets in plain text
/// only until it is turned into an [`AccessToken`].
#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    pub(crate) access_token: String,
    pub(crate) expires_in: Option<u64>,
    pub(crate) refresh_token: Option<String>,
}

impl TokenResponse {
    pub(crate) fn into_token(self) -> AccessToken {
        // Checked arithmetic: a lifetime too long to represent (Box has sent
        // `expires_in` values like 1e13) means "does not expire" rather than a
        // panic in chrono.
        let expires_at = self.expires_in.and_then(|s| {
            i64::try_from(s)
                .ok()
                .and_then(chrono::Duration::try_seconds)
                .and_then(|d| Utc::now().checked_add_signed(d))
        });
        AccessToken::new(self.access_token, self.refresh_token, expires_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_expires_in_does_not_panic() {
        for secs in [10_000_000_000_000u64, u64::MAX, i64::MAX as u64 / 2] {
            let t = TokenResponse {
                access_token: "a".into(),
                expires_in: Some(secs),
                refresh_token: None,
            }
            .into_token();
            assert!(!t.expires_within(Duration::from_secs(3600)), "{secs}");
        }
        let t = TokenResponse {
            access_token: "a".into(),
            expires_in: Some(3600),
            refresh_token: None,
        }
        .into_token();
        assert!(t.expires_within(Duration::from_secs(7200)));
        assert!(!t.expires_within(Duration::from_secs(60)));
    }

    #[test]
    fn debug_is_redacted() {
        let t = AccessToken::new("sekrit-access", Some("sekrit-refresh".into()), None);
        let d = format!("{t:?}");
        assert!(!d.contains("sekrit"), "{d}");
        assert!(d.contains("[redacted]"));
    }

    #[test]
    fn expiry_margin() {
        let t = AccessToken::new("a", None, Some(Utc::now() + chrono::Duration::seconds(30)));
        assert!(t.expires_within(Duration::from_secs(60)));
        assert!(!t.expires_within(Duration::from_secs(5)));
        assert!(!AccessToken::new("a", None, None).expires_within(Duration::from_secs(1 << 40)));
    }
}
