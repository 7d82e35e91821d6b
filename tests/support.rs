//! Shared helpers for boxkit's cross-crate tests: starting the emulator,
//! building v2 clients against it (developer token or OAuth), SHA-1 digests
//! and folder listings.

use std::collections::BTreeMap;
use std::time::Duration;

use box_core::{Body, Error, Result};
use box_emulator::{EmulatorBuilder, EmulatorHandle};
use box_v2::auth::{AccessToken, DeveloperToken, OAuth2};
use box_v2::models::Item;
use box_v2::{Client, ClientBuilder, RetryPolicy};
use futures::TryStreamExt;
use sha1::{Digest, Sha1};

pub mod support_v1;

/// Largest body the tests read into memory.
pub const MAX_BODY: u64 = 64 * 1024 * 1024;

/// The hex SHA-1 of `data`.
pub fn sha1_hex(data: &[u8]) -> String {
    Sha1::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Deterministic pseudo-random bytes (xorshift) for file contents.
pub fn content(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// A retry policy with short waits so fault tests run fast.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(10)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(50))
        .retry_timeout(Duration::from_secs(30))
}

/// A client builder pointed at the emulator, without credentials.
pub fn client_builder(emulator: &EmulatorHandle) -> ClientBuilder {
    Client::builder()
        .base_url(&emulator.base_url())
        .timeout(Duration::from_secs(30))
}

/// A client authenticated with a developer token.
pub fn developer_client(emulator: &EmulatorHandle, token: &str) -> Client {
    client_builder(emulator)
        .auth(DeveloperToken::new(token))
        .build()
        .expect("client builds")
}

/// Starts an emulator from a builder.
pub async fn start(builder: EmulatorBuilder) -> EmulatorHandle {
    builder.start().await.expect("emulator starts")
}

/// An OAuth app registered on the emulator, approving as the default user.
pub fn oauth_app(emulator: &EmulatorHandle) -> OAuth2 {
    let app = emulator
        .register_app(box_emulator::admin::AppSpec {
            redirect_uris: vec!["http://127.0.0.1/callback".into()],
            ..Default::default()
        })
        .expect("app registers");
    OAuth2::new(app.client_id.clone(), app.client_secret.clone())
        .redirect_uri("http://127.0.0.1/callback")
}

/// Runs the authorization code flow of `app` against the emulator's authorize
/// page and installs the tokens in `client`; returns the first token.
pub async fn oauth_login(client: &Client, app: &OAuth2) -> Result<AccessToken> {
    let authorization = client.authorize(app, &[]);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::invalid_input(e.without_url().to_string()))?;
    let resp = http
        .get(authorization.url().clone())
        .send()
        .await
        .map_err(|e| Error::invalid_input(e.without_url().to_string()))?;
    let location = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| Error::invalid_input(format!("authorize answered {}", resp.status())))?;
    let url = url_query(location);
    let code = url
        .get("code")
        .ok_or_else(|| Error::invalid_input("no code"))?;
    let state = url
        .get("state")
        .ok_or_else(|| Error::invalid_input("no state"))?;
    client.exchange_code(app, &authorization, code, state).await
}

fn url_query(location: &str) -> BTreeMap<String, String> {
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), percent_decode(v)))
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => out.push(b),
                    Err(_) => out.extend_from_slice(&bytes[i..i + 3]),
                }
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every item of a folder as (name, id, sha1 or "" for folders), in listing order.
pub async fn list(client: &Client, folder_id: &str) -> Result<Vec<(String, String, String)>> {
    let items: Vec<Item> = client
        .folders()
        .items(folder_id)
        .fields(["name", "sha1"])
        .page_size(1000)
        .stream()
        .try_collect()
        .await?;
    Ok(items
        .into_iter()
        .filter_map(|i| match i {
            Item::File(f) => Some((
                f.name.unwrap_or_default(),
                f.id.to_string(),
                f.sha1.unwrap_or_default(),
            )),
            Item::Folder(f) => Some((f.name.unwrap_or_default(), f.id.to_string(), String::new())),
            _ => None,
        })
        .collect())
}

/// Downloads a whole file into memory.
pub async fn download(client: &Client, file_id: &str) -> Result<Vec<u8>> {
    let body: Body = client.download(file_id).send().await?;
    Ok(body.collect(MAX_BODY).await?.to_vec())
}
