//! # box-v2
//!
//! An async, typed, streaming client for the Box v2 REST API
//! (`https://api.box.com/2.0`).
//!
//! The crate is laid out the way a request flows:
//!
//! - [`client`]: the cheap-to-clone [`Client`] and its [`ClientBuilder`] (every default documented).
//! - [`transport`]: executes one request: auth header, the one retry loop
//!   ([`transport::retry`]), redirects, and error mapping ([`transport::error`]).
//! - [`auth`]: tokens, token stores, single-flight refresh ([`auth::manager`]) and
//!   the grants (developer token, OAuth 2 code, client credentials, JWT).
//! - [`pagination`]: the one helper turning marker- or offset-paged endpoints into a `Stream`.
//! - [`resources`]: typed handlers: `client.files().get(id).fields(["name"]).send()`.
//! - [`models`]: serde types for the API's JSON, tolerant of new fields and values.
//! - [`upload`]: simple, preflight and chunked uploads; [`download`]: streaming downloads.
//! - [`raw`]: the escape hatch for endpoints without a typed handler.
//! - [`storage`]: `impl box_core::Storage for Client`.
//!
//! ```no_run
//! # async fn demo() -> box_core::Result<()> {
//! use box_v2::{auth::DeveloperToken, Client};
//!
//! let client = Client::builder()
//!     .auth(DeveloperToken::new("dev-token"))
//!     .build()?;
//! let me = client.users().me().send().await?;
//! println!("signed in as {}", me.login.unwrap_or_default());
//! let file = client.files().get("12345").fields(["name", "size"]).send().await?;
//! println!("{:?}", file.name);
//! # Ok(()) }
//! ```

pub mod auth;
pub mod client;
pub mod download;
pub mod models;
pub mod pagination;
pub mod raw;
pub mod resources;
pub mod storage;
pub mod transport;
pub mod upload;

pub use client::{Client, ClientBuilder};
pub use transport::retry::RetryPolicy;

/// Percent-encodes one URL path segment (ids come from callers).
pub(crate) fn seg(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
