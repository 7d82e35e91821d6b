//! # box-v1
//!
//! A client for the legacy Box.net v1 XML API, and an implementation of
//! [`box_core::Storage`] on top of it.
//!
//! Where things are:
//!
//! - [`client`]: [`Client`] and [`ClientBuilder`] (base URLs, API key, auth
//!   token, request form) and [`Client::send`], the one place calls are made;
//! - [`envelope`]: the XML envelope and REST query builders;
//! - [`response`]: the `<response><status>` envelope parser;
//! - [`xml`]: the lenient element tree under it (and the small payloads);
//! - [`status`]: every status string and its [`box_core::Error`] kind;
//! - [`actions`]: one typed request and response per action;
//! - [`tree`]: the streaming account-tree decoder (base64 → ZIP → XML);
//! - [`retry`]: which failed requests are replayed, and how patiently;
//! - [`transfer`]: uploads and downloads;
//! - [`auth`]: the ticket flow and callback parsing;
//! - [`storage`]: `impl Storage for Client`;
//! - [`migrating`]: moving code and data from v1 to v2 (every v1 action, its
//!   box-v2 call and its `Storage` method; before/after examples).
//!
//! ```no_run
//! use box_core::{FolderId, Storage, StorageExt};
//! use box_v1::{actions::GetFileInfo, Client, RequestForm};
//! use secrecy::SecretString;
//!
//! # async fn run() -> box_core::Result<()> {
//! let client = Client::builder("my_api_key")
//!     .request_form(RequestForm::Rest)
//!     .build()?;
//!
//! // Ticket flow: send the user to the auth page, then trade the ticket.
//! let ticket = client.get_ticket().await?;
//! println!("approve at {}", client.auth_url(&ticket));
//! let session = client.get_auth_token(&ticket).await?;
//! println!("signed in as {}", session.user.login);
//!
//! // Typed actions...
//! let info = client.send(&GetFileInfo { file_id: 224 }).await?;
//! println!("{} is {} bytes", info.file_name, info.size);
//!
//! // ...or the shared Storage trait (walk = one get_account_tree call).
//! let everything = client.walk_all(&FolderId::root()).await?;
//! println!("{} items", everything.len());
//! # let _ = SecretString::from("unused");
//! # Ok(())
//! # }
//! ```

pub mod actions;
pub mod auth;
pub mod client;
pub mod envelope;
#[doc = include_str!("../MIGRATING.md")]
pub mod migrating {}
pub mod response;
pub mod retry;
pub mod status;
pub mod storage;
pub mod transfer;
pub mod tree;
pub mod xml;

pub use auth::{parse_callback, Callback};
pub use client::{Client, ClientBuilder, RequestForm};
pub use envelope::Params;
pub use response::Response;
pub use retry::{RetryPolicy, Sleeper};
