//! The v1 [`Client`] and its [`ClientBuilder`]: configuration, credentials,
//! and the one place requests are sent and statuses checked ([`Client::send`]).

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use box_core::{Error, Result, Sleeper};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use secrecy::SecretString;
use url::Url;

use crate::actions::Action;
use crate::envelope::{Credentials, Params};
use crate::response::Response;
use crate::retry::{self, RetryPolicy};
use crate::tree::{DEFAULT_MAX_DECOMPRESSED, DEFAULT_MAX_TREE_ENTRIES};

/// Which of v1's two request forms to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequestForm {
    /// The XML envelope POSTed to `/api/1.0/xml` (the default: the form the
    /// reference documents).
    #[default]
    Xml,
    /// `GET /api/1.0/rest?action=…&api_key=…` with parameters in the query.
    Rest,
}

/// Default API base URL.
pub const DEFAULT_API_BASE: &str = "https://www.box.net";
/// Default upload base URL (v1 rejects uploads sent elsewhere).
pub const DEFAULT_UPLOAD_BASE: &str = "https://upload.box.net";
/// Default web base URL (for the authentication page and shared links).
pub const DEFAULT_WEB_BASE: &str = "https://www.box.net";
/// Default cap on a response body held in memory: 512 MiB.
pub const DEFAULT_MAX_RESPONSE: u64 = 512 << 20;
/// Default limit for establishing a connection: 30 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default longest silence while waiting for response bytes: 60 s.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Default deadline of one API call, retries included: 120 s. Transfers
/// (uploads, downloads) have none; their bound is the read timeout, which
/// fails a transfer that goes silent.
pub const DEFAULT_API_TIMEOUT: Duration = Duration::from_secs(120);
/// Most redirects the default HTTP client follows for one request.
pub const MAX_REDIRECTS: usize = 10;

/// The default client's redirect rule. A redirect that would resend the
/// request body (`307`, `308`) to another origin is not followed: v1 bodies
/// carry the auth token (the XML envelope) or the user's files. `301`, `302`
/// and `303` are followed as a `GET` without a body, and the default client
/// sends no `Referer`, whose URL would carry the token (REST queries and
/// download paths hold it).
pub fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
        }
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if !same_origin && matches!(attempt.status().as_u16(), 307 | 308) {
            attempt.stop()
        } else {
            attempt.follow()
        }
    })
}

/// The default `User-Agent`: `boxkit-v1/<version>`.
fn default_user_agent() -> String {
    format!("boxkit-v1/{}", env!("CARGO_PKG_VERSION"))
}

/// Builds a [`Client`]. Every setting has a documented default.
///
/// The settings match `box_v2::ClientBuilder`'s where both APIs have the
/// concept: `base_url`, `http_client`, `connect_timeout`, `read_timeout`,
/// `timeout`, `api_timeout`, `user_agent`, `proxy`, `retry_policy`,
/// `sleeper`, and the in-memory body cap (`max_response` here,
/// `max_response_body` there). v1 has no `As-User`, and takes no extra
/// headers: reqwest follows v1's redirects itself and would carry such
/// headers to other hosts.
pub struct ClientBuilder {
    api_key: String,
    api_base: String,
    upload_base: String,
    web_base: String,
    auth_token: Option<SecretString>,
    form: RequestForm,
    max_decompressed: u64,
    max_response: u64,
    http: Option<reqwest::Client>,
    connect_timeout: Duration,
    read_timeout: Duration,
    api_timeout: Duration,
    max_tree_entries: usize,
    retry: RetryPolicy,
    sleeper: Sleeper,
    timeout: Option<Duration>,
    user_agent: String,
    proxy: Option<String>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_base", &self.api_base)
            .field("upload_base", &self.upload_base)
            .field("web_base", &self.web_base)
            .field(
                "auth_token",
                &self.auth_token.as_ref().map(|_| "[redacted]"),
            )
            .field("form", &self.form)
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// A builder for an application's API key.
    pub fn new(api_key: impl Into<String>) -> Self {
        Self {
            api_key: api_key.into(),
            api_base: DEFAULT_API_BASE.into(),
            upload_base: DEFAULT_UPLOAD_BASE.into(),
            web_base: DEFAULT_WEB_BASE.into(),
            auth_token: None,
            form: RequestForm::default(),
            max_decompressed: DEFAULT_MAX_DECOMPRESSED,
            max_response: DEFAULT_MAX_RESPONSE,
            http: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            api_timeout: DEFAULT_API_TIMEOUT,
            max_tree_entries: DEFAULT_MAX_TREE_ENTRIES,
            retry: retry::default_policy(),
            sleeper: Sleeper::default(),
            timeout: None,
            user_agent: default_user_agent(),
            proxy: None,
        }
    }

    /// Sets the API, upload and web base URLs to one root (an emulator or a
    /// test server that serves all of v1), like `box_v2::ClientBuilder::base_url`.
    /// Default: Box's hosts ([`DEFAULT_API_BASE`], [`DEFAULT_UPLOAD_BASE`],
    /// [`DEFAULT_WEB_BASE`]).
    pub fn base_url(self, root: &str) -> Self {
        let root = root.trim_end_matches('/');
        self.api_base(root).upload_base(root).web_base(root)
    }

    /// The API base URL; default [`DEFAULT_API_BASE`]. Calls go to
    /// `<base>/api/1.0/xml` or `<base>/api/1.0/rest`, downloads to
    /// `<base>/api/1.0/download/…`.
    pub fn api_base(mut self, url: impl Into<String>) -> Self {
        self.api_base = url.into();
        self
    }

    /// The upload base URL; default [`DEFAULT_UPLOAD_BASE`].
    pub fn upload_base(mut self, url: impl Into<String>) -> Self {
        self.upload_base = url.into();
        self
    }

    /// The web base URL used for the auth page and shared links; default
    /// [`DEFAULT_WEB_BASE`].
    pub fn web_base(mut self, url: impl Into<String>) -> Self {
        self.web_base = url.into();
        self
    }

    /// The user's auth token; default none (set it later with
    /// [`Client::set_auth_token`] or obtain one with [`Client::get_auth_token`]).
    pub fn auth_token(mut self, token: SecretString) -> Self {
        self.auth_token = Some(token);
        self
    }

    /// The request form; default [`RequestForm::Xml`].
    pub fn request_form(mut self, form: RequestForm) -> Self {
        self.form = form;
        self
    }

    /// Limit on a decompressed tree / friends / updates document; default
    /// [`DEFAULT_MAX_DECOMPRESSED`] (1 GiB).
    pub fn max_decompressed(mut self, bytes: u64) -> Self {
        self.max_decompressed = bytes;
        self
    }

    /// Limit on a response body read into memory; default [`DEFAULT_MAX_RESPONSE`].
    pub fn max_response(mut self, bytes: u64) -> Self {
        self.max_response = bytes;
        self
    }

    /// A preconfigured reqwest client (timeouts, proxies, TLS roots); default
    /// one built from this builder's timeouts, user agent and proxy, with no
    /// `Referer` and [`redirect_policy`]. A client given here keeps its own
    /// timeouts, user agent, proxy and redirect rules: build it with `.referer(false)` and
    /// `.redirect(box_v1::client::redirect_policy())` to keep the token from
    /// following redirects to other hosts.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Time limit for establishing a connection; default
    /// [`DEFAULT_CONNECT_TIMEOUT`] (30 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Longest silence while waiting for response bytes before the attempt
    /// fails with a transport error, so a dead connection never hangs a call;
    /// default [`DEFAULT_READ_TIMEOUT`] (60 s).
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.read_timeout = d;
        self
    }

    /// Deadline of one API call (every attempt, wait and the body read
    /// included), so a server dripping its answer cannot hold a call
    /// forever; default [`DEFAULT_API_TIMEOUT`] (120 s). Uploads and
    /// downloads are not bounded by it (see [`ClientBuilder::read_timeout`]).
    pub fn api_timeout(mut self, d: Duration) -> Self {
        self.api_timeout = d;
        self
    }

    /// Most entries (folders and files) [`crate::actions::AccountTreeResponse::build`]
    /// holds in memory; a bigger tree is an [`Error::Decode`]. Default
    /// [`DEFAULT_MAX_TREE_ENTRIES`]. Streaming ([`crate::actions::AccountTreeResponse::entries`],
    /// `Storage::walk`) is not limited: its memory does not grow with the tree.
    pub fn max_tree_entries(mut self, entries: usize) -> Self {
        self.max_tree_entries = entries;
        self
    }

    /// When to replay failed requests; default [`crate::retry::default_policy`] (see
    /// [`crate::retry`] for which requests are replayed).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How the retry loop waits between attempts; default
    /// `tokio::time::sleep`. Tests inject one that records the waits and
    /// returns at once ([`Sleeper::new`]).
    pub fn sleeper(mut self, sleeper: Sleeper) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// Total time limit of one HTTP attempt, its body included (transfers
    /// too, so leave it unset for large files); default none: connecting is
    /// bounded by [`ClientBuilder::connect_timeout`], silence by
    /// [`ClientBuilder::read_timeout`], a whole API call by
    /// [`ClientBuilder::api_timeout`].
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }

    /// The `User-Agent` header; default `boxkit-v1/<version>`.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// An HTTP(S) proxy for every request; default none (reqwest honours
    /// the system proxy variables). A URL that does not parse fails
    /// [`ClientBuilder::build`] with [`Error::InvalidInput`].
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// Builds the client; fails on a base URL that does not parse or is not
    /// `http(s)://…` ([`Error::InvalidInput`]).
    pub fn build(self) -> Result<Client> {
        let parse = |what: &str, s: &str| {
            let u = Url::parse(s.trim_end_matches('/'))
                .map_err(|e| Error::invalid_input(format!("{what} {s:?}: {e}")))?;
            // Paths are appended to the base; a `mailto:`-like URL has no path
            // to append to.
            if !matches!(u.scheme(), "http" | "https") || u.cannot_be_a_base() {
                return Err(Error::invalid_input(format!(
                    "{what} {s:?}: not an http(s) URL"
                )));
            }
            Ok(u)
        };
        let mut http = reqwest::Client::builder()
            .user_agent(self.user_agent)
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .referer(false)
            .redirect(redirect_policy());
        if let Some(t) = self.timeout {
            http = http.timeout(t);
        }
        if let Some(p) = &self.proxy {
            let proxy = reqwest::Proxy::all(p)
                .map_err(|e| Error::invalid_input(format!("invalid proxy: {}", e.without_url())))?;
            http = http.proxy(proxy);
        }
        let http = match self.http {
            Some(h) => h,
            None => http.build().map_err(|e| {
                Error::invalid_input(format!("building the HTTP client: {}", e.without_url()))
            })?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                api_base: parse("api base", &self.api_base)?,
                upload_base: parse("upload base", &self.upload_base)?,
                web_base: parse("web base", &self.web_base)?,
                api_key: self.api_key,
                auth_token: RwLock::new(self.auth_token),
                form: self.form,
                max_decompressed: self.max_decompressed,
                max_response: self.max_response,
                api_timeout: self.api_timeout,
                max_tree_entries: self.max_tree_entries,
                http,
                retry: self.retry,
                sleeper: self.sleeper,
            }),
        })
    }
}

struct Inner {
    http: reqwest::Client,
    api_base: Url,
    upload_base: Url,
    web_base: Url,
    api_key: String,
    auth_token: RwLock<Option<SecretString>>,
    form: RequestForm,
    max_decompressed: u64,
    max_response: u64,
    api_timeout: Duration,
    max_tree_entries: usize,
    retry: RetryPolicy,
    sleeper: Sleeper,
}

/// A v1 API client. Cheap to clone (an `Arc` inside).
///
/// Typed calls go through [`Client::send`] with an action from
/// [`crate::actions`]; transfers are in [`crate::transfer`], the ticket flow
/// in [`crate::auth`], and the [`box_core::Storage`] implementation in
/// [`crate::storage`].
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("box_v1::Client")
            .field("api_base", &self.inner.api_base.as_str())
            .field("form", &self.inner.form)
            .field("auth_token", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// Maps a reqwest error to a transport error with no URL (v1 URLs carry the token).
pub(crate) fn transport_error(e: reqwest::Error, maybe_sent: bool) -> Error {
    let e = e.without_url();
    let maybe_sent = maybe_sent && !e.is_connect();
    Error::transport(e.to_string(), maybe_sent, Some(Box::new(e)))
}

impl Client {
    /// A builder for an application's API key.
    pub fn builder(api_key: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(api_key)
    }

    /// Sets (or replaces) the auth token used by every call.
    pub fn set_auth_token(&self, token: SecretString) {
        *self
            .inner
            .auth_token
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(token);
    }

    /// Forgets the auth token (after `logout`).
    pub fn clear_auth_token(&self) {
        *self
            .inner
            .auth_token
            .write()
            .unwrap_or_else(|p| p.into_inner()) = None;
    }

    pub(crate) fn auth_token(&self) -> Result<SecretString> {
        self.inner
            .auth_token
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| Error::unauthenticated("no v1 auth token set on the client"))
    }

    /// The request form in use.
    pub fn request_form(&self) -> RequestForm {
        self.inner.form
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    pub(crate) fn api_base(&self) -> &Url {
        &self.inner.api_base
    }

    pub(crate) fn upload_base(&self) -> &Url {
        &self.inner.upload_base
    }

    pub(crate) fn web_base(&self) -> &Url {
        &self.inner.web_base
    }

    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    pub(crate) fn sleeper(&self) -> &Sleeper {
        &self.inner.sleeper
    }

    pub(crate) fn max_response(&self) -> u64 {
        self.inner.max_response
    }

    /// `<base>/<segments…>`, each segment percent-encoded.
    pub(crate) fn url(base: &Url, segments: &[&str]) -> Url {
        let mut u = base.clone();
        {
            let mut p = u.path_segments_mut().expect("http(s) base URLs have paths");
            p.pop_if_empty();
            p.extend(segments);
        }
        u
    }

    /// Sends a typed action and returns its typed result. A status outside
    /// the action's success list becomes an error (see [`crate::status`]).
    pub async fn send<A: Action>(&self, action: &A) -> Result<A::Output> {
        let mut params = Params::new(A::NAME);
        action.params(&mut params);
        let response = self.call(&params, A::AUTHENTICATED, A::PAYLOAD).await?;
        A::from_response(response)
    }

    /// The raw-request escape hatch: sends any action's parameters with the
    /// client's credentials and form, and returns the parsed response without
    /// checking the status.
    pub async fn call(
        &self,
        params: &Params,
        authenticated: bool,
        payload: Option<&'static str>,
    ) -> Result<Response> {
        let token = if authenticated {
            Some(self.auth_token()?)
        } else {
            None
        };
        let creds = Credentials {
            api_key: &self.inner.api_key,
            auth_token: token.as_ref(),
        };
        tracing::debug!(action = params.action(), form = ?self.inner.form, "v1 call");
        let deadline = self.inner.api_timeout;
        let call = retry::run(
            &self.inner.retry,
            &self.inner.sleeper,
            retry::replay_for(params),
            params.action(),
            || self.call_once(params, &creds, payload),
        );
        match tokio::time::timeout(deadline, call).await {
            Ok(r) => r,
            Err(_) => Err(Error::transport(
                format!(
                    "v1 {} got no complete answer within the {:.1} s call deadline",
                    params.action(),
                    deadline.as_secs_f64()
                ),
                true,
                None,
            )),
        }
    }

    async fn call_once(
        &self,
        params: &Params,
        creds: &Credentials<'_>,
        payload: Option<&'static str>,
    ) -> Result<Response> {
        let request = match self.inner.form {
            RequestForm::Xml => self
                .inner
                .http
                .post(Self::url(&self.inner.api_base, &["api", "1.0", "xml"]))
                .header(reqwest::header::CONTENT_TYPE, "text/xml; charset=utf-8")
                .body(params.to_xml(creds)),
            RequestForm::Rest => self
                .inner
                .http
                .get(Self::url(&self.inner.api_base, &["api", "1.0", "rest"]))
                .query(&params.to_query(creds)),
        };
        let resp = request.send().await.map_err(|e| transport_error(e, true))?;
        if !resp.status().is_success() {
            return Err(retry::http_status_error(&resp, params.action()));
        }
        let body = read_limited(resp, self.inner.max_response).await?;
        Ok(Response::parse(body, payload)?
            .with_max_decompressed(self.inner.max_decompressed)
            .with_max_tree_entries(self.inner.max_tree_entries))
    }
}

/// Reads a response body into memory, refusing more than `limit` bytes.
pub(crate) async fn read_limited(resp: reqwest::Response, limit: u64) -> Result<Bytes> {
    let mut out = BytesMut::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| transport_error(e, true))?;
        if out.len() as u64 + chunk.len() as u64 > limit {
            return Err(Error::decode(
                "v1 response",
                format!("byte {limit}"),
                format!("response body exceeds the limit of {limit} bytes"),
            ));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out.freeze())
}
