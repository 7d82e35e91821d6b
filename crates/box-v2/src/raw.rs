//! The escape hatch: any endpoint, with the client's auth, retries and error
//! mapping. The typed resources are built on it too.
//!
//! ```no_run
//! # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
//! use reqwest::Method;
//! let v: serde_json::Value = client
//!     .request(Method::GET, "/folders/0/items")
//!     .query([("limit", "10")])
//!     .send()
//!     .await?;
//! # let _ = v; Ok(()) }
//! ```

use box_core::{Error, Result};
use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use url::Url;

use crate::transport::{Payload, Request};
use crate::Client;

/// A request being built; finish with [`RequestBuilder::send`].
#[derive(Debug)]
pub struct RequestBuilder {
    client: Client,
    req: Result<Request>,
    what: &'static str,
}

impl RequestBuilder {
    pub(crate) fn new(client: Client, method: Method, url: Result<Url>) -> Self {
        Self {
            client,
            req: url.map(|u| Request::new(method, u)),
            what: "response",
        }
    }

    /// Adds query parameters.
    pub fn query<K: AsRef<str>, V: AsRef<str>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        if let Ok(r) = &mut self.req {
            let mut q = r.url.query_pairs_mut();
            for (k, v) in pairs {
                q.append_pair(k.as_ref(), v.as_ref());
            }
        }
        self
    }

    /// Adds `fields=a,b,c` when `fields` is not empty.
    pub fn fields(self, fields: &[String]) -> Self {
        if fields.is_empty() {
            self
        } else {
            let joined = fields.join(",");
            self.query([("fields", joined)])
        }
    }

    /// Sets a header.
    pub fn header(mut self, name: HeaderName, value: impl AsRef<str>) -> Self {
        if let Ok(r) = &mut self.req {
            match HeaderValue::from_str(value.as_ref()) {
                Ok(v) => {
                    r.headers.insert(name, v);
                }
                Err(_) => {
                    self.req = Err(Error::invalid_input(format!(
                        "invalid value for header {name}"
                    )));
                }
            }
        }
        self
    }

    /// Sets an optional header.
    pub fn header_opt(self, name: HeaderName, value: Option<impl AsRef<str>>) -> Self {
        match value {
            Some(v) => self.header(name, v),
            None => self,
        }
    }

    /// Makes the request fail with `err` when sent (a parameter broke a
    /// documented limit); nothing is sent.
    pub(crate) fn fail(mut self, err: Error) -> Self {
        if self.req.is_ok() {
            self.req = Err(err);
        }
        self
    }

    /// Sends `As-User: user_id` with this request only (overrides the
    /// client's [`crate::ClientBuilder::as_user`]).
    pub fn as_user(mut self, user_id: impl AsRef<str>) -> Self {
        if let Ok(r) = &mut self.req {
            match HeaderValue::from_str(user_id.as_ref()) {
                Ok(v) => r.as_user = Some(v),
                Err(_) => self.req = Err(Error::invalid_input("invalid As-User value")),
            }
        }
        self
    }

    /// Sends `body` as JSON.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        if let Ok(r) = &mut self.req {
            match serde_json::to_vec(body) {
                Ok(b) => {
                    r.headers
                        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                    r.payload = Payload::Bytes(Bytes::from(b));
                }
                Err(e) => self.req = Err(Error::invalid_input(format!("encoding JSON body: {e}"))),
            }
        }
        self
    }

    /// Sets the body.
    pub fn payload(mut self, payload: Payload) -> Self {
        if let Ok(r) = &mut self.req {
            r.payload = payload;
        }
        self
    }

    /// Follows redirects (without `Authorization` to other origins). Default: off.
    pub fn follow_redirects(mut self, yes: bool) -> Self {
        if let Ok(r) = &mut self.req {
            r.follow_redirects = yes;
        }
        self
    }

    /// Marks a non-idempotent request (a `POST`) as harmless to send twice,
    /// so it is replayed after a `5xx` or a connection lost after sending,
    /// like a `GET`. Default: off (a `POST` is replayed only after a `429`, a
    /// `503`, a `202 + Retry-After`, or a failure before it was sent).
    pub fn replay_safe(mut self, yes: bool) -> Self {
        if let Ok(r) = &mut self.req {
            r.replay_safe = yes;
        }
        self
    }

    /// Treats `202 Accepted` with `Retry-After` as "retry later". Default: off.
    pub fn retry_accepted(mut self, yes: bool) -> Self {
        if let Ok(r) = &mut self.req {
            r.retry_accepted = yes;
        }
        self
    }

    /// Names what the response is, for decode errors (`File`, `Folder`…).
    pub fn describe(mut self, what: &'static str) -> Self {
        self.what = what;
        self
    }

    /// Sends and decodes the JSON response.
    pub async fn send<T: DeserializeOwned>(self) -> Result<T> {
        let what = self.what;
        let req = self.req?;
        self.client
            .inner
            .core
            .call_json(self.client.inner.auth.as_deref(), req, what)
            .await?
            .ok_or_else(|| Error::decode(what, "response", "304 Not Modified with no body"))
    }

    /// Sends and decodes the JSON response; `None` on `304 Not Modified`.
    pub async fn send_if_modified<T: DeserializeOwned>(self) -> Result<Option<T>> {
        let req = self.req?;
        self.client
            .inner
            .core
            .call_json(self.client.inner.auth.as_deref(), req, self.what)
            .await
    }

    /// Sends and reads the whole body into memory, at most the client's
    /// `max_response_body` bytes (thumbnails, small binary answers).
    pub async fn send_bytes(self) -> Result<Bytes> {
        let limit = self.client.inner.core.max_body;
        let resp = self.send_raw().await?;
        crate::transport::read_body(resp, limit).await
    }

    /// Sends and ignores the response body.
    pub async fn send_empty(self) -> Result<()> {
        self.send_raw().await.map(drop)
    }

    /// Sends and returns the response as is (successful statuses only).
    pub async fn send_raw(self) -> Result<reqwest::Response> {
        let req = self.req?;
        self.client.execute(req).await
    }
}
