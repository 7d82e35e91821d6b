//! Executes one request: the auth header, the one retry loop, redirects and
//! error mapping all live here.
//!
//! - Auth: `Authorization: Bearer …` (and `As-User`) is sent only to the
//!   origin the request was made to. A redirect to another origin (Box sends
//!   downloads to `dl.boxcloud.com`) is followed without it.
//! - A `401` triggers one token refresh and one replay.
//! - `429`, `5xx` and (where asked) `202 + Retry-After` are retried per the
//!   [`retry::RetryPolicy`]; connection failures are retried only when the body
//!   can be sent again ([`Payload::is_replayable`]), and a failure after the
//!   request may have reached the server (no answer, a timeout) only for
//!   idempotent methods: a `POST` is not replayed when it may have taken effect.
//! - Responses read whole ([`Request::buffer_response`]) of idempotent
//!   requests are read inside the loop, so a connection that drops mid-body
//!   is retried like one that failed before the headers.
//! - Every other non-success status becomes a [`box_core::Error`] via [`error::map_error`].

pub mod error;
pub mod retry;

use std::sync::Arc;
use std::time::Duration;

use box_core::{Error, Result};
use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, LOCATION};
use reqwest::Method;
use secrecy::ExposeSecret;
use url::Url;

use crate::auth::manager::TokenManager;
use retry::{is_retryable_status, RetryPolicy};

/// Largest error body read into memory for error mapping.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// Most redirects followed for one request.
const MAX_REDIRECTS: u32 = 10;

/// A request body, and whether it can be sent more than once.
pub enum Payload {
    /// No body.
    Empty,
    /// Bytes in memory: replayable.
    Bytes(Bytes),
    /// A multipart form rebuilt for every attempt: replayable.
    Form(Arc<dyn Fn() -> reqwest::multipart::Form + Send + Sync>),
    /// A streaming body that can be sent once.
    OnceBody(Option<reqwest::Body>),
    /// A streaming multipart form that can be sent once.
    OnceForm(Option<reqwest::multipart::Form>),
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            Payload::Empty => "Empty",
            Payload::Bytes(_) => "Bytes",
            Payload::Form(_) => "Form",
            Payload::OnceBody(_) => "OnceBody",
            Payload::OnceForm(_) => "OnceForm",
        };
        write!(f, "Payload::{kind}")
    }
}

impl Payload {
    /// Whether the body can be sent again after an attempt.
    pub fn is_replayable(&self) -> bool {
        matches!(self, Payload::Empty | Payload::Bytes(_) | Payload::Form(_))
    }

    fn attach(&mut self, rb: reqwest::RequestBuilder) -> Result<reqwest::RequestBuilder> {
        let consumed = || Error::invalid_input("a streaming request body cannot be sent twice");
        Ok(match self {
            Payload::Empty => rb,
            Payload::Bytes(b) => rb.body(b.clone()),
            Payload::Form(make) => rb.multipart(make()),
            Payload::OnceBody(b) => rb.body(b.take().ok_or_else(consumed)?),
            Payload::OnceForm(f) => rb.multipart(f.take().ok_or_else(consumed)?),
        })
    }
}

/// One request to execute.
#[derive(Debug)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The full URL, query included.
    pub url: Url,
    /// Headers for this request (content type, `If-Match`, `Range`…).
    pub headers: HeaderMap,
    /// The body.
    pub payload: Payload,
    /// Whether to send the access token (false for the token endpoint).
    pub authenticated: bool,
    /// Whether to follow `3xx` redirects (downloads); otherwise they are returned.
    pub follow_redirects: bool,
    /// Whether a `202 Accepted` with `Retry-After` means "come back later".
    pub retry_accepted: bool,
    /// Whether the caller reads the whole body anyway (JSON responses): the
    /// body of a successful response is then read before returning, and a
    /// failure while reading it is retried when the request is idempotent.
    pub buffer_response: bool,
}

impl Request {
    /// An authenticated request with no body that does not follow redirects.
    pub fn new(method: Method, url: Url) -> Self {
        Self {
            method,
            url,
            headers: HeaderMap::new(),
            payload: Payload::Empty,
            authenticated: true,
            follow_redirects: false,
            retry_accepted: false,
            buffer_response: false,
        }
    }
}

/// The per-client HTTP machinery shared by the API and the token manager.
#[derive(Debug)]
pub(crate) struct Core {
    pub(crate) http: reqwest::Client,
    pub(crate) retry: RetryPolicy,
    pub(crate) as_user: Option<HeaderValue>,
    pub(crate) extra_headers: HeaderMap,
    pub(crate) sleeper: retry::Sleeper,
}

impl Core {
    fn may_retry(&self, retries: u32, started: tokio::time::Instant, delay: Duration) -> bool {
        self.retry.allows(retries, started.elapsed(), delay)
    }

    /// Executes `req`, returning the successful response (2xx, or 3xx when
    /// redirects are not followed, or 304).
    pub(crate) async fn execute(
        &self,
        auth: Option<&TokenManager>,
        mut req: Request,
    ) -> Result<reqwest::Response> {
        let started = tokio::time::Instant::now();
        let origin = req.url.origin();
        let mut url = req.url.clone();
        let mut method = req.method.clone();
        let mut retries = 0u32;
        let mut refreshed = false;
        let mut redirects = 0u32;
        loop {
            let token = match auth {
                Some(m) if req.authenticated && url.origin() == origin => Some(m.token().await?),
                _ => None,
            };
            let mut rb = self.http.request(method.clone(), url.clone());
            for (k, v) in &self.extra_headers {
                rb = rb.header(k, v);
            }
            for (k, v) in &req.headers {
                rb = rb.header(k, v);
            }
            if let Some(t) = &token {
                let mut v = HeaderValue::from_str(&format!("Bearer {}", t.expose_secret()))
                    .map_err(|_| {
                        Error::invalid_input("the access token is not a valid header value")
                    })?;
                v.set_sensitive(true);
                rb = rb.header(AUTHORIZATION, v);
                if let Some(u) = &self.as_user {
                    rb = rb.header(HeaderName::from_static("as-user"), u.clone());
                }
            }
            rb = req.payload.attach(rb)?;
            let replayable = req.payload.is_replayable();

            let resp = match rb.send().await {
                Ok(r) => r,
                Err(e) => {
                    let err = error::from_reqwest(e);
                    // A request that may have reached the server is replayed
                    // only when doing it twice is harmless.
                    let maybe_sent = matches!(
                        err,
                        Error::Transport {
                            maybe_sent: true,
                            ..
                        }
                    );
                    let delay = self.retry.backoff(retries + 1);
                    if replayable
                        && (!maybe_sent || is_idempotent(&method))
                        && self.may_retry(retries, started, delay)
                    {
                        retries += 1;
                        tracing::warn!(
                            method = %method, path = url.path(), retry = retries,
                            delay_ms = delay.as_millis() as u64, error = %err,
                            "transport error, retrying"
                        );
                        self.sleeper.sleep(delay).await;
                        continue;
                    }
                    return Err(err);
                }
            };
            let status = resp.status().as_u16();

            if req.follow_redirects && matches!(status, 301 | 302 | 303 | 307 | 308) {
                let location = resp
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| Error::Api {
                        status,
                        code: None,
                        message: "redirect without a Location header".into(),
                        request_id: None,
                    })?;
                let next = url
                    .join(location)
                    .map_err(|e| Error::decode("Location header", "url", e.to_string()))?;
                redirects += 1;
                if redirects > MAX_REDIRECTS {
                    return Err(Error::Api {
                        status,
                        code: None,
                        message: format!("more than {MAX_REDIRECTS} redirects"),
                        request_id: None,
                    });
                }
                if status == 303 {
                    method = Method::GET;
                }
                tracing::debug!(
                    from = url.path(),
                    to_host = next.host_str().unwrap_or(""),
                    "following redirect"
                );
                url = next;
                continue;
            }

            if status == 401 && !refreshed {
                if let (Some(m), Some(t)) = (auth, &token) {
                    refreshed = true;
                    tracing::info!(method = %method, path = url.path(), "401: refreshing the access token");
                    m.refresh_rejected(t).await?;
                    if replayable {
                        continue;
                    }
                }
            }

            let accepted_later = status == 202
                && req.retry_accepted
                && resp.headers().contains_key(http::header::RETRY_AFTER);
            if is_retryable_status(status) || accepted_later {
                retries += 1;
                let delay = self
                    .retry
                    .delay(retries, retry::retry_after(resp.headers()));
                if replayable && self.may_retry(retries - 1, started, delay) {
                    tracing::warn!(
                        method = %method, path = url.path(), status, retry = retries,
                        delay_ms = delay.as_millis() as u64, "retrying"
                    );
                    drop(resp);
                    self.sleeper.sleep(delay).await;
                    continue;
                }
                if accepted_later {
                    return Err(Error::Api {
                        status,
                        code: Some("not_ready".into()),
                        message: "the server is still preparing the response; gave up waiting"
                            .into(),
                        request_id: None,
                    });
                }
            }

            if resp.status().is_success() || status == 304 || (300..400).contains(&status) {
                if !(req.buffer_response && is_idempotent(&method) && replayable) {
                    return Ok(resp);
                }
                let mut head = http::Response::builder().status(resp.status());
                if let Some(h) = head.headers_mut() {
                    *h = resp.headers().clone();
                }
                match resp.bytes().await {
                    Ok(bytes) => {
                        return head
                            .body(bytes)
                            .map(reqwest::Response::from)
                            .map_err(|e| Error::decode("response", "head", e.to_string()));
                    }
                    Err(e) => {
                        let err = error::from_reqwest(e);
                        let delay = self.retry.backoff(retries + 1);
                        if self.may_retry(retries, started, delay) {
                            retries += 1;
                            tracing::warn!(
                                method = %method, path = url.path(), retry = retries,
                                delay_ms = delay.as_millis() as u64, error = %err,
                                "response body interrupted, retrying"
                            );
                            self.sleeper.sleep(delay).await;
                            continue;
                        }
                        return Err(err);
                    }
                }
            }
            let headers = resp.headers().clone();
            let body = read_limited(resp, MAX_ERROR_BODY).await;
            let err = error::map_error(status, &headers, &body);
            tracing::debug!(method = %method, path = url.path(), status, error = %err, "request failed");
            return Err(err);
        }
    }
}

/// Whether sending `method` twice has the same effect as sending it once.
fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    )
}

/// Reads at most `limit` bytes of a response body, ignoring read errors.
async fn read_limited(mut resp: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while let Ok(Some(chunk)) = resp.chunk().await {
        let room = limit.saturating_sub(out.len());
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if out.len() >= limit {
            break;
        }
    }
    out
}

/// Reads a whole success body (bounded) and decodes it as JSON.
pub(crate) async fn decode_response<T: serde::de::DeserializeOwned>(
    what: &str,
    resp: reqwest::Response,
) -> Result<T> {
    let bytes = resp.bytes().await.map_err(error::from_reqwest)?;
    error::decode_json(what, &bytes)
}
