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
//! - [`generated`]: generated from Box's OpenAPI description (`spec/`, `cargo run -p
//!   box-v2-codegen`): one model per schema ([`schemas`]) and one handler per tag with a typed
//!   method per operation: `client.comments().list_file_comments(id).limit(10).send()`.
//! - [`op`](Op): the request type generated calls are built on (one HTTP path).
//! - [`resources`]: earlier hand-written calls on the same handlers (`client.files().get(id)`).
//! - [`models`]: hand-written serde types still used by uploads, paging and `Storage`.
//! - [`events`] (the live stream, enterprise `admin_logs` and `admin_logs_streaming`), [`search`] (search and metadata
//!   queries as streams), [`webhooks`], [`shared_items`]: behaviour the generator cannot give.
//! - [`upload`]: simple, preflight and chunked uploads; [`download`]: streaming downloads;
//!   [`archives`]: zip downloads and representations (`x-rep-hints`, polling `pending`).
//! - [`raw`]: the escape hatch for endpoints without a typed handler.
//! - [`storage`]: [`V2Storage`] (`client.storage()`), `box_core::Storage` over a client.
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

pub mod archives;
pub mod auth;
pub mod client;
mod convert;
pub mod download;
pub mod events;
#[allow(
    clippy::large_enum_variant,
    clippy::too_many_arguments,
    clippy::doc_lazy_continuation,
    clippy::doc_overindented_list_items,
    clippy::new_without_default,
    rustdoc::broken_intra_doc_links,
    rustdoc::bare_urls,
    rustdoc::invalid_html_tags,
    rustdoc::invalid_rust_codeblocks
)]
pub mod generated;
pub mod ids;
pub mod models;
mod op;
pub mod pagination;
pub mod raw;
pub mod resources;
pub mod search;
pub mod shared_items;
pub mod storage;
pub mod transport;
pub mod upload;
pub mod webhooks;

pub use client::{Client, ClientBuilder};
pub use generated::models as schemas;
pub use op::Op;
/// The HTTP client crate box-v2 is built on, for the types that appear in its API.
pub use reqwest;
/// HTTP types that appear in box-v2's API (`Client::request`'s method, `ClientBuilder::header`,
/// `webhooks::verify`'s headers, URLs), re-exported so callers need no `reqwest` or `http` of
/// their own, at a version that might not match.
pub use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
/// A streaming HTTP response (downloads, thumbnails).
pub use reqwest::Response;
pub use reqwest::{Method, StatusCode, Url};
pub use storage::V2Storage;
pub use transport::retry::RetryPolicy;

/// Percent-encodes one URL path segment (ids come from callers).
pub(crate) fn seg(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
