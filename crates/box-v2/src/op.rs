//! The one request type every generated method returns (wrapped in a
//! per-operation builder with typed setters): a [`RequestBuilder`] plus the
//! name of what the response decodes into. Generated code lives in
//! [`crate::generated`]; this is the hand-written part it is built on, so
//! there is one HTTP path: auth, retries and error mapping stay in
//! [`crate::transport`].

use box_core::{Result, UserId};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::raw::RequestBuilder;
use crate::Client;

/// Which base URL an operation is under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Host {
    /// The API base (`https://api.box.com/2.0`).
    Api,
    /// The upload base (`https://upload.box.com/api/2.0`).
    Upload,
}

/// A request being built by a generated builder.
#[derive(Debug)]
pub struct Op {
    rb: RequestBuilder,
}

impl Op {
    pub(crate) fn new(
        client: &Client,
        method: Method,
        host: Host,
        path: String,
        what: &'static str,
    ) -> Self {
        let rb = match host {
            Host::Api => client.request(method, &path),
            Host::Upload => client.upload_request(method, &path),
        };
        Self {
            rb: rb.describe(what),
        }
    }

    pub(crate) fn query(self, key: &str, value: String) -> Self {
        Self {
            rb: self.rb.query([(key, value)]),
        }
    }

    /// `key` = `value` when `value` is within Box's documented `range`;
    /// otherwise the request fails with [`box_core::Error::InvalidInput`]
    /// when sent, and nothing goes out.
    pub(crate) fn query_in(
        self,
        key: &str,
        value: i64,
        range: std::ops::RangeInclusive<i64>,
    ) -> Self {
        if range.contains(&value) {
            self.query(key, value.to_string())
        } else {
            Self {
                rb: self.rb.fail(box_core::Error::invalid_input(format!(
                    "{key} must be between {} and {} (Box's documented limit), not {value}",
                    range.start(),
                    range.end()
                ))),
            }
        }
    }

    pub(crate) fn header(self, name: &'static str, value: String) -> Self {
        Self {
            rb: self.rb.header(http::HeaderName::from_static(name), value),
        }
    }

    pub(crate) fn json<B: Serialize + ?Sized>(self, body: &B) -> Self {
        Self {
            rb: self.rb.json(body),
        }
    }

    /// A JSON Patch body (`application/json-patch+json`).
    pub(crate) fn json_patch<B: Serialize + ?Sized>(self, body: &B) -> Self {
        Self {
            rb: self
                .rb
                .json(body)
                .header(http::header::CONTENT_TYPE, "application/json-patch+json"),
        }
    }

    pub(crate) fn acting_as(self, user: UserId) -> Self {
        Self {
            rb: self.rb.as_user(user.as_str()),
        }
    }

    /// The raw builder, for hand-written extras on top of a generated call.
    pub fn into_raw(self) -> RequestBuilder {
        self.rb
    }

    pub(crate) async fn send<T: DeserializeOwned>(self) -> Result<T> {
        self.rb.send().await
    }

    pub(crate) async fn send_if_modified<T: DeserializeOwned>(self) -> Result<Option<T>> {
        self.rb.send_if_modified().await
    }

    pub(crate) async fn send_empty(self) -> Result<()> {
        self.rb.send_empty().await
    }

    pub(crate) async fn send_raw(self) -> Result<reqwest::Response> {
        self.rb.follow_redirects(true).send_raw().await
    }
}
