//! Executes one request: the auth header, the one retry loop, redirects and
//! error mapping all live here.
//!
//! - Auth: `Authorization: Bearer …` (and `As-User`) is sent only to the
//!   origin the request was made to, and only when that origin is one of the
//!   client's own (its API, upload and token URLs) or a Box host
//!   (`https://*.box.com`, or `https://*.boxcloud.com` when a request is made
//!   there directly, as representations and resumed downloads are): an absolute URL given to `Client::request` gets
//!   no token otherwise. A redirect to another origin (Box sends downloads to
//!   `dl.boxcloud.com`) is followed without it, and without the builder's
//!   extra headers. A `303` is followed as a `GET` without the body.
//! - A `401` triggers one token refresh and one replay.
//! - `429`, `5xx` and (where asked) `202 + Retry-After` are retried per the
//!   [`retry::RetryPolicy`], a `5xx` other than `503` only for idempotent
//!   methods (a `POST` answered `500` may have taken effect; `429`, `503`
//!   and `202 + Retry-After` mean it has not, and are retried for any
//!   method); connection failures are retried only when the body
//!   can be sent again ([`Payload::is_replayable`]), and a failure after the
//!   request may have reached the server (no answer, a timeout) only for
//!   idempotent methods: a `POST` is not replayed when it may have taken effect.
//! - Responses read whole ([`Request::buffer_response`]) of idempotent
//!   requests are read inside the loop, so a connection that drops mid-body
//!   is retried like one that failed before the headers.
//! - Every other non-success status becomes a [`box_core::Error`] via [`error::map_error`].
//! - Bodies read into memory (JSON answers, error bodies) are capped
//!   ([`DEFAULT_MAX_RESPONSE_BODY`], `ClientBuilder::max_response_body`);
//!   streamed downloads are not. JSON API calls have a deadline over every
//!   attempt and the body read ([`DEFAULT_API_TIMEOUT`],
//!   `ClientBuilder::api_timeout`); transfers are bounded by the read (idle)
//!   timeout instead, so a slow but moving download is never cut.

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
use retry::{is_retryable_status, RetryContext, RetryPolicy};

/// Largest error body read into memory for error mapping.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// Most redirects followed for one request.
const MAX_REDIRECTS: u32 = 10;
/// Default cap on a response body read into memory (JSON answers): 64 MiB.
/// Box's largest JSON answers (a 1,000-entry page with many fields) are a few MB.
pub const DEFAULT_MAX_RESPONSE_BODY: usize = 64 << 20;
/// In-memory request bodies up to this size are API calls (JSON, forms);
/// bigger ones are uploads (chunked-upload parts), free of the call deadline.
pub const MAX_API_BODY: usize = 1 << 20;
/// Default deadline of one JSON API call, retries and the body read
/// included: 120 s.
pub const DEFAULT_API_TIMEOUT: Duration = Duration::from_secs(120);

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
    /// Whether the body is a transfer (an upload: a form, a stream, or more
    /// than [`MAX_API_BODY`] bytes) rather than an API call's JSON, so the
    /// call deadline does not apply.
    pub fn is_transfer(&self) -> bool {
        match self {
            Payload::Empty => false,
            Payload::Bytes(b) => b.len() > MAX_API_BODY,
            Payload::Form(_) | Payload::OnceBody(_) | Payload::OnceForm(_) => true,
        }
    }

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
    /// Whether sending it twice is harmless although the method is not
    /// idempotent (an upload of a new file: Box refuses a second file of
    /// the same name in the folder), so it may be replayed after a `5xx` or
    /// a connection lost after sending.
    pub replay_safe: bool,
    /// `As-User` for this request only (overrides the client's); like the
    /// token, it is sent only to the origin the request was made to.
    pub as_user: Option<HeaderValue>,
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
            replay_safe: false,
            as_user: None,
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
    /// Cap on bodies read into memory.
    pub(crate) max_body: usize,
    /// Deadline of a JSON API call.
    pub(crate) api_timeout: Duration,
    /// Origins the access token may be sent to besides Box's own hosts.
    pub(crate) token_origins: Vec<url::Origin>,
}

/// Whether `url` is on a Box host: `https://box.com`, `https://*.box.com`
/// or Box's download host `https://*.boxcloud.com` (representation content
/// URLs there need the token).
fn is_box_host(url: &Url) -> bool {
    url.scheme() == "https"
        && url.host_str().is_some_and(|h| {
            h == "box.com"
                || h.ends_with(".box.com")
                || h == "boxcloud.com"
                || h.ends_with(".boxcloud.com")
        })
}

impl Core {
    /// Whether the access token may go to `url`'s origin.
    fn may_carry_token(&self, url: &Url) -> bool {
        is_box_host(url) || self.token_origins.contains(&url.origin())
    }

    /// Executes a JSON API call under the call deadline: the request (with
    /// its retries) and the bounded read and decoding of the answer. `None`
    /// for `304 Not Modified`.
    pub(crate) async fn call_json<T: serde::de::DeserializeOwned>(
        &self,
        auth: Option<&TokenManager>,
        mut req: Request,
        what: &str,
    ) -> Result<Option<T>> {
        req.buffer_response = true;
        let method = req.method.clone();
        let path = req.url.path().to_owned();
        let transfer = req.payload.is_transfer();
        let call = async {
            let resp = self.execute(auth, req).await?;
            if resp.status() == reqwest::StatusCode::NOT_MODIFIED {
                return Ok(None);
            }
            decode_response(what, resp, self.max_body).await.map(Some)
        };
        if transfer {
            // An upload answered with JSON: as long as the body moves, it
            // may take its time (the read timeout catches a dead one).
            return call.await;
        }
        match tokio::time::timeout(self.api_timeout, call).await {
            Ok(r) => r,
            Err(_) => Err(Error::transport(
                format!(
                    "{method} {path}: no complete answer within the {:.1} s call deadline",
                    self.api_timeout.as_secs_f64()
                ),
                true,
                None,
            )),
        }
    }

    /// Executes `req`, returning the successful response (2xx, or 3xx when
    /// redirects are not followed, or 304). A failure after retries says how
    /// many attempts were made over how long.
    pub(crate) async fn execute(
        &self,
        auth: Option<&TokenManager>,
        req: Request,
    ) -> Result<reqwest::Response> {
        let mut retry = RetryContext::new(&self.retry, &self.sleeper);
        let result = self.attempts(auth, req, &mut retry).await;
        result.map_err(|e| retry.give_up(e))
    }

    /// The attempt loop of [`Core::execute`]: every decision to try again
    /// goes through `retry`.
    async fn attempts(
        &self,
        auth: Option<&TokenManager>,
        mut req: Request,
        retry: &mut RetryContext<'_>,
    ) -> Result<reqwest::Response> {
        let origin = req.url.origin();
        let token_allowed = self.may_carry_token(&req.url);
        let mut url = req.url.clone();
        let mut method = req.method.clone();
        let mut refreshed = false;
        let mut redirects = 0u32;
        loop {
            let same_origin = url.origin() == origin;
            let token = match auth {
                Some(m) if req.authenticated && same_origin && token_allowed => {
                    Some(m.token().await?)
                }
                _ => None,
            };
            let mut rb = self.http.request(method.clone(), url.clone());
            if same_origin {
                for (k, v) in &self.extra_headers {
                    rb = rb.header(k, v);
                }
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
                if let Some(u) = req.as_user.as_ref().or(self.as_user.as_ref()) {
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
                    if replayable
                        && (!maybe_sent || is_idempotent(&method) || req.replay_safe)
                        && retry.retry(None, &method, url.path(), &err).await
                    {
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
                    .ok_or_else(|| Error::api(status, "redirect without a Location header"))?;
                let next = url
                    .join(location)
                    .map_err(|e| Error::decode("Location header", "url", e.to_string()))?;
                redirects += 1;
                if redirects > MAX_REDIRECTS {
                    return Err(Error::api(
                        status,
                        format!("more than {MAX_REDIRECTS} redirects"),
                    ));
                }
                if status == 303 {
                    // "See other": fetch the other resource; the body was
                    // for this one.
                    method = Method::GET;
                    req.payload = Payload::Empty;
                    req.headers.remove(http::header::CONTENT_TYPE);
                    req.headers.remove(http::header::CONTENT_LENGTH);
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
            // A 500/502/504 may come after the server acted: replay only
            // what is harmless to repeat. 429, 503 and 202 + Retry-After say
            // it did not act (as box-v1's retry rules hold).
            let safe_to_replay = matches!(status, 429 | 503)
                || accepted_later
                || is_idempotent(&method)
                || req.replay_safe;
            if (is_retryable_status(status) && safe_to_replay) || accepted_later {
                if replayable {
                    if let Some(delay) = retry.next_delay(retry::retry_after(resp.headers())) {
                        drop(resp);
                        let reason = format!("status {status}");
                        retry.wait(delay, &method, url.path(), &reason).await;
                        continue;
                    }
                }
                if accepted_later {
                    return Err(Error::api(
                        status,
                        "the server is still preparing the response; gave up waiting",
                    )
                    .with_code("not_ready"));
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
                match read_body(resp, self.max_body).await {
                    Ok(bytes) => {
                        return head
                            .body(bytes)
                            .map(reqwest::Response::from)
                            .map_err(|e| Error::decode("response", "head", e.to_string()));
                    }
                    Err(err) => {
                        // A body cut off mid-way: read again, like a failure
                        // before the headers.
                        let interrupted = matches!(err, Error::Transport { .. });
                        if interrupted && retry.retry(None, &method, url.path(), &err).await {
                            continue;
                        }
                        return Err(err);
                    }
                }
            }
            let headers = resp.headers().clone();
            let body = read_limited(resp, MAX_ERROR_BODY).await;
            let err = error::map_error(status, &headers, &body);
            tracing::debug!(
                method = %method, path = url.path(), status, attempts = retry.attempts(),
                error = %err, "request failed"
            );
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

/// Reads a whole body into memory, refusing more than `limit` bytes (a
/// [`Error::Decode`] as soon as the limit is passed, whatever the
/// `Content-Length` says).
pub(crate) async fn read_body(mut resp: reqwest::Response, limit: usize) -> Result<Bytes> {
    let too_big = || {
        Error::decode(
            "response body",
            format!("byte {limit}"),
            format!(
                "the body exceeds the limit of {limit} bytes (ClientBuilder::max_response_body)"
            ),
        )
    };
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_big());
    }
    let mut out = bytes::BytesMut::new();
    while let Some(chunk) = resp.chunk().await.map_err(error::from_reqwest)? {
        if out.len() + chunk.len() > limit {
            return Err(too_big());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out.freeze())
}

/// Reads a whole success body (at most `limit` bytes) and decodes it as JSON.
pub(crate) async fn decode_response<T: serde::de::DeserializeOwned>(
    what: &str,
    resp: reqwest::Response,
    limit: usize,
) -> Result<T> {
    let bytes = read_body(resp, limit).await?;
    error::decode_json(what, &bytes)
}

#[cfg(test)]
mod host_tests {
    use super::is_box_host;

    #[test]
    fn box_hosts_are_box_com_and_boxcloud_com_over_https() {
        let host = |u: &str| is_box_host(&url::Url::parse(u).unwrap());
        assert!(host("https://api.box.com/2.0/files/1"));
        assert!(host(
            "https://dl.boxcloud.com/api/2.0/internal_files/1/content"
        ));
        assert!(!host("http://dl.boxcloud.com/x"));
        assert!(!host("https://evilboxcloud.com/x"));
        assert!(!host("https://dl.boxcloud.com.evil.io/x"));
        assert!(!host("https://evilbox.com/x"));
    }
}
