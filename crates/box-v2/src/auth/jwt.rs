//! JWT grant (server authentication with a key pair).
//!
//! Reads Box's app-config JSON as downloaded from the developer console:
//! `boxAppSettings.{clientID, clientSecret, appAuth.{publicKeyID, privateKey,
//! passphrase}}` and `enterpriseID`. The private key is an *encrypted* PKCS#8
//! PEM, decrypted with the passphrase. Each assertion is signed RS256/384/512
//! with a `kid` header, a fresh random `jti`, and an `exp` at most 60 s ahead.

use std::fmt;

use async_trait::async_trait;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use box_core::{Error, Result};
use rand::RngCore;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::RsaPrivateKey;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{AccessToken, Authenticator, Subject, TokenEndpoint};

/// The audience Box requires in every assertion.
pub const BOX_TOKEN_AUDIENCE: &str = "https://api.box.com/oauth2/token";

/// The signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JwtAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256. The default.
    #[default]
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
}

impl JwtAlgorithm {
    fn name(self) -> &'static str {
        match self {
            JwtAlgorithm::RS256 => "RS256",
            JwtAlgorithm::RS384 => "RS384",
            JwtAlgorithm::RS512 => "RS512",
        }
    }
}

/// The JWT grant.
#[derive(Clone)]
pub struct JwtAuth {
    client_id: String,
    client_secret: SecretString,
    key_id: String,
    key: RsaPrivateKey,
    subject: Subject,
    algorithm: JwtAlgorithm,
    audience: String,
    lifetime_secs: i64,
}

impl fmt::Debug for JwtAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtAuth")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("key_id", &self.key_id)
            .field("private_key", &"[redacted]")
            .field("subject", &self.subject)
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AppConfig {
    box_app_settings: AppSettings,
    #[serde(rename = "enterpriseID")]
    enterprise_id: Option<String>,
}

#[derive(Deserialize)]
struct AppSettings {
    #[serde(rename = "clientID")]
    client_id: String,
    #[serde(rename = "clientSecret")]
    client_secret: String,
    #[serde(rename = "appAuth")]
    app_auth: AppAuth,
}

#[derive(Deserialize)]
struct AppAuth {
    #[serde(rename = "publicKeyID")]
    public_key_id: String,
    #[serde(rename = "privateKey")]
    private_key: String,
    passphrase: String,
}

impl JwtAuth {
    /// From Box's app-config JSON, acting as the enterprise's service account
    /// (`enterpriseID`). Use [`JwtAuth::subject`] to act as a user instead.
    pub fn from_app_config(json: &str) -> Result<Self> {
        let de = &mut serde_json::Deserializer::from_str(json);
        let cfg: AppConfig = serde_path_to_error::deserialize(de).map_err(|e| {
            Error::decode(
                "Box app config",
                e.path().to_string(),
                e.inner().to_string(),
            )
        })?;
        let s = cfg.box_app_settings;
        let subject = Subject::Enterprise(cfg.enterprise_id.unwrap_or_default());
        let passphrase = SecretString::from(s.app_auth.passphrase);
        Self::new(
            s.client_id,
            s.client_secret,
            s.app_auth.public_key_id,
            &s.app_auth.private_key,
            &passphrase,
            subject,
        )
    }

    /// From parts: the encrypted PKCS#8 PEM key and its passphrase.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        key_id: impl Into<String>,
        encrypted_pem: &str,
        passphrase: &SecretString,
        subject: Subject,
    ) -> Result<Self> {
        let key = RsaPrivateKey::from_pkcs8_encrypted_pem(
            encrypted_pem,
            passphrase.expose_secret().as_bytes(),
        )
        .map_err(|e| {
            Error::invalid_input(format!(
                "could not decrypt the private key (wrong passphrase or not an encrypted PKCS#8 PEM): {e}"
            ))
        })?;
        Ok(Self {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
            key_id: key_id.into(),
            key,
            subject,
            algorithm: JwtAlgorithm::default(),
            audience: BOX_TOKEN_AUDIENCE.to_owned(),
            lifetime_secs: 45,
        })
    }

    /// Whom the tokens act for. Default: the enterprise from the app config.
    pub fn subject(mut self, subject: Subject) -> Self {
        self.subject = subject;
        self
    }

    /// The signature algorithm. Default: RS256.
    pub fn algorithm(mut self, alg: JwtAlgorithm) -> Self {
        self.algorithm = alg;
        self
    }

    /// The `aud` claim. Default: `https://api.box.com/oauth2/token`.
    pub fn audience(mut self, aud: impl Into<String>) -> Self {
        self.audience = aud.into();
        self
    }

    /// Builds and signs one assertion. An empty subject id (an app config
    /// without `enterpriseID`, and no [`JwtAuth::subject`] set) is an
    /// [`Error::InvalidInput`]: Box would refuse the assertion with a vague
    /// `invalid_grant`.
    pub fn assertion(&self) -> Result<String> {
        if self.subject.id().trim().is_empty() {
            return Err(Error::invalid_input(format!(
                "the JWT subject ({}) is empty: the app config has no enterpriseID; \
                 set the enterprise or user with JwtAuth::subject",
                self.subject.kind()
            )));
        }
        let header =
            serde_json::json!({"alg": self.algorithm.name(), "typ": "JWT", "kid": self.key_id});
        let mut jti = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut jti);
        let exp = chrono::Utc::now().timestamp() + self.lifetime_secs.min(60);
        let claims = serde_json::json!({
            "iss": self.client_id,
            "sub": self.subject.id(),
            "box_sub_type": self.subject.kind(),
            "aud": self.audience,
            "jti": URL_SAFE_NO_PAD.encode(jti),
            "exp": exp,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let sig = match self.algorithm {
            JwtAlgorithm::RS256 => rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(self.key.clone())
                .try_sign(signing_input.as_bytes())
                .map(|s| s.to_vec()),
            JwtAlgorithm::RS384 => rsa::pkcs1v15::SigningKey::<sha2::Sha384>::new(self.key.clone())
                .try_sign(signing_input.as_bytes())
                .map(|s| s.to_vec()),
            JwtAlgorithm::RS512 => rsa::pkcs1v15::SigningKey::<sha2::Sha512>::new(self.key.clone())
                .try_sign(signing_input.as_bytes())
                .map(|s| s.to_vec()),
        }
        .map_err(|e| Error::invalid_input(format!("signing the JWT failed: {e}")))?;
        Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig)))
    }
}

#[async_trait]
impl Authenticator for JwtAuth {
    async fn obtain(
        &self,
        endpoint: &TokenEndpoint,
        _: Option<&AccessToken>,
    ) -> Result<AccessToken> {
        let assertion = self.assertion()?;
        endpoint
            .request_token(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
                ("client_id", self.client_id.as_str()),
                ("client_secret", self.client_secret.expose_secret()),
            ])
            .await
    }

    fn client_credentials(&self) -> Option<(&str, &SecretString)> {
        Some((&self.client_id, &self.client_secret))
    }
}
