//! The [`Client`] and its [`ClientBuilder`].

use std::sync::Arc;
use std::time::Duration;

use box_core::{Error, Result};
use http::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Method;
use url::Url;

use crate::auth::manager::{TokenEndpoint, TokenManager};
use crate::auth::{
    AccessToken, Authenticator, Authorization, InMemoryTokenStore, OAuth2, TokenStore,
};
use crate::raw::RequestBuilder;
use crate::transport::retry::Sleeper;
use crate::transport::{Core, Request};
use crate::RetryPolicy;

/// Default API base.
pub const DEFAULT_API_BASE: &str = "https://api.box.com/2.0";
/// Default upload base.
pub const DEFAULT_UPLOAD_BASE: &str = "https://upload.box.com/api/2.0";
/// Default token endpoint.
pub const DEFAULT_TOKEN_URL: &str = "https://api.box.com/oauth2/token";
/// Default revoke endpoint.
pub const DEFAULT_REVOKE_URL: &str = "https://api.box.com/oauth2/revoke";
/// Default authorize page.
pub const DEFAULT_AUTHORIZE_URL: &str = "https://account.box.com/api/oauth2/authorize";

/// A Box v2 client. Cheap to clone: all clones share one connection pool and
/// one token manager.
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) core: Arc<Core>,
    pub(crate) auth: Option<Arc<TokenManager>>,
    pub(crate) endpoint: TokenEndpoint,
    /// Parsed once: request URLs are built from it without parsing it again.
    pub(crate) api_base: Url,
    pub(crate) upload_base: Url,
    pub(crate) authorize_url: Url,
    pub(crate) chunked_threshold: u64,
    pub(crate) upload_concurrency: usize,
}

/// Builds a [`Client`]. Every setter documents its default.
///
/// The settings match `box_v1::ClientBuilder`'s where both APIs have the
/// concept: `base_url`, `http_client`, `connect_timeout`, `read_timeout`,
/// `timeout`, `api_timeout`, `user_agent`, `proxy`, `retry_policy`,
/// `sleeper`, and the in-memory body cap (`max_response_body` here,
/// `max_response` there).
#[derive(Debug)]
pub struct ClientBuilder {
    api_base: String,
    upload_base: String,
    token_url: String,
    revoke_url: String,
    authorize_url: String,
    timeout: Option<Duration>,
    connect_timeout: Duration,
    read_timeout: Duration,
    user_agent: String,
    proxy: Option<String>,
    as_user: Option<String>,
    headers: HeaderMap,
    retry: RetryPolicy,
    authenticator: Option<Arc<dyn Authenticator>>,
    store: Option<Arc<dyn TokenStore>>,
    refresh_margin: Duration,
    chunked_threshold: u64,
    upload_concurrency: usize,
    sleeper: Sleeper,
    max_response_body: usize,
    api_timeout: Duration,
    http: Option<reqwest::Client>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            api_base: DEFAULT_API_BASE.into(),
            upload_base: DEFAULT_UPLOAD_BASE.into(),
            token_url: DEFAULT_TOKEN_URL.into(),
            revoke_url: DEFAULT_REVOKE_URL.into(),
            authorize_url: DEFAULT_AUTHORIZE_URL.into(),
            timeout: None,
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(60),
            user_agent: format!("boxkit-v2/{}", env!("CARGO_PKG_VERSION")),
            proxy: None,
            as_user: None,
            headers: HeaderMap::new(),
            retry: RetryPolicy::default(),
            authenticator: None,
            store: None,
            refresh_margin: Duration::from_secs(60),
            chunked_threshold: 50 * 1024 * 1024,
            upload_concurrency: 4,
            sleeper: Sleeper::default(),
            max_response_body: crate::transport::DEFAULT_MAX_RESPONSE_BODY,
            api_timeout: crate::transport::DEFAULT_API_TIMEOUT,
            http: None,
        }
    }
}

impl ClientBuilder {
    /// The API base URL. Default: `https://api.box.com/2.0`.
    pub fn api_base(mut self, url: impl Into<String>) -> Self {
        self.api_base = url.into();
        self
    }

    /// The upload base URL. Default: `https://upload.box.com/api/2.0`.
    pub fn upload_base(mut self, url: impl Into<String>) -> Self {
        self.upload_base = url.into();
        self
    }

    /// The token endpoint. Default: `https://api.box.com/oauth2/token`.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = url.into();
        self
    }

    /// The revoke endpoint. Default: `https://api.box.com/oauth2/revoke`.
    pub fn revoke_url(mut self, url: impl Into<String>) -> Self {
        self.revoke_url = url.into();
        self
    }

    /// The OAuth 2 authorize page. Default: `https://account.box.com/api/oauth2/authorize`.
    pub fn authorize_url(mut self, url: impl Into<String>) -> Self {
        self.authorize_url = url.into();
        self
    }

    /// Sets the API, upload, token and revoke URLs under one root (an
    /// emulator or a test server): `{root}/2.0`, `{root}/api/2.0`,
    /// `{root}/oauth2/token`, `{root}/oauth2/revoke`. Default: Box's hosts.
    pub fn base_url(self, root: &str) -> Self {
        let root = root.trim_end_matches('/');
        self.api_base(format!("{root}/2.0"))
            .upload_base(format!("{root}/api/2.0"))
            .token_url(format!("{root}/oauth2/token"))
            .revoke_url(format!("{root}/oauth2/revoke"))
            .authorize_url(format!("{root}/api/oauth2/authorize"))
    }

    /// Total time limit of one HTTP attempt (streamed bodies included).
    /// Default: none (downloads of large files may take long); connect time
    /// is bounded separately.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }

    /// Time limit for establishing a connection. Default: 30 s.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Longest silence while waiting for response bytes before the attempt
    /// fails with a transport error (a dead connection never hangs a call).
    /// Default: 60 s.
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.read_timeout = d;
        self
    }

    /// The `User-Agent`. Default: `boxkit-v2/<version>`.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// An HTTP(S) proxy for every request. Default: none (system proxy
    /// variables are honoured by reqwest).
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// Acts as another user (`As-User` header, needs an admin token). Default: none.
    pub fn as_user(mut self, user_id: impl Into<String>) -> Self {
        self.as_user = Some(user_id.into());
        self
    }

    /// An extra header sent on every request. Default: none. Its value is
    /// marked sensitive, so `Debug` output never shows it.
    pub fn header(mut self, name: HeaderName, mut value: HeaderValue) -> Self {
        value.set_sensitive(true);
        self.headers.append(name, value);
        self
    }

    /// The retry policy. Default: [`RetryPolicy::default`] (5 retries,
    /// 500 ms initial backoff doubling to 30 s, 180 s overall).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How tokens are obtained. Default: none (requests are sent without
    /// `Authorization`).
    pub fn auth(mut self, authenticator: impl Authenticator + 'static) -> Self {
        self.authenticator = Some(Arc::new(authenticator));
        self
    }

    /// Where tokens are kept. Default: an [`InMemoryTokenStore`].
    pub fn token_store(mut self, store: impl TokenStore + 'static) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Where tokens are kept, shared with other code.
    pub fn shared_token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Refresh tokens this long before they expire. Default: 60 s.
    pub fn refresh_margin(mut self, d: Duration) -> Self {
        self.refresh_margin = d;
        self
    }

    /// Files at least this large are uploaded with an upload session.
    /// Default: 50 MiB. Box needs at least 20 MB for a session.
    pub fn chunked_upload_threshold(mut self, bytes: u64) -> Self {
        self.chunked_threshold = bytes;
        self
    }

    /// Parts of a chunked upload in flight at once. Default: 4.
    pub fn upload_concurrency(mut self, n: usize) -> Self {
        self.upload_concurrency = n.max(1);
        self
    }

    /// How the retry loop waits between attempts. Default:
    /// `tokio::time::sleep`. Tests inject one that records delays.
    pub fn sleeper(mut self, sleeper: Sleeper) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// Cap on a response body read into memory (JSON answers, errors); a
    /// bigger one is an [`Error::Decode`] as soon as the cap is passed.
    /// Streamed downloads are not capped. Default: 64 MiB
    /// ([`crate::transport::DEFAULT_MAX_RESPONSE_BODY`]).
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_response_body = bytes;
        self
    }

    /// Deadline of one JSON API call: every attempt, the waits between them
    /// and the body read, so a server dripping its answer cannot hold a call
    /// forever. Uploads and downloads are bounded by
    /// [`ClientBuilder::read_timeout`] (an idle timeout) instead. Default:
    /// 120 s ([`crate::transport::DEFAULT_API_TIMEOUT`]).
    pub fn api_timeout(mut self, d: Duration) -> Self {
        self.api_timeout = d;
        self
    }

    /// A preconfigured reqwest client (proxies, TLS roots, pools), as
    /// `box_v1::ClientBuilder::http_client` takes. It must not follow
    /// redirects itself (build it with `redirect(Policy::none())`): the
    /// client follows them, keeping the token on its own origins. The
    /// timeout, user-agent and proxy settings of this builder do not apply
    /// to it. Default: one built from those settings.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client> {
        let parse = |what: &str, s: &str| {
            Url::parse(s)
                .map_err(|e| Error::invalid_input(format!("invalid {what} URL {s:?}: {e}")))
        };
        let token_url = parse("token", &self.token_url)?;
        let revoke_url = parse("revoke", &self.revoke_url)?;
        let authorize_url = parse("authorize", &self.authorize_url)?;
        let api_base = parse("API base", self.api_base.trim_end_matches('/'))?;
        let upload_base = parse("upload base", self.upload_base.trim_end_matches('/'))?;
        let token_origins = vec![
            api_base.origin(),
            upload_base.origin(),
            token_url.origin(),
            revoke_url.origin(),
        ];

        let mut http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(self.user_agent)
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout);
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
        let as_user = self
            .as_user
            .map(|u| HeaderValue::from_str(&u))
            .transpose()
            .map_err(|_| Error::invalid_input("invalid As-User value"))?;
        let core = Arc::new(Core {
            http,
            retry: self.retry,
            as_user,
            extra_headers: self.headers,
            sleeper: self.sleeper,
            max_body: self.max_response_body,
            api_timeout: self.api_timeout,
            token_origins,
        });
        let endpoint = TokenEndpoint {
            core: core.clone(),
            token_url,
            revoke_url,
        };
        let store = self
            .store
            .unwrap_or_else(|| Arc::new(InMemoryTokenStore::new()));
        let auth = self.authenticator.map(|a| {
            Arc::new(TokenManager::new(
                a,
                store,
                endpoint.clone(),
                self.refresh_margin,
            ))
        });
        Ok(Client {
            inner: Arc::new(Inner {
                core,
                auth,
                endpoint,
                api_base,
                upload_base,
                authorize_url,
                chunked_threshold: self.chunked_threshold,
                upload_concurrency: self.upload_concurrency,
            }),
        })
    }
}

impl Client {
    /// A builder with Box's defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The token manager, when the client has credentials.
    pub fn token_manager(&self) -> Option<&TokenManager> {
        self.inner.auth.as_deref()
    }

    pub(crate) async fn execute(&self, req: Request) -> Result<reqwest::Response> {
        self.inner
            .core
            .execute(self.inner.auth.as_deref(), req)
            .await
    }

    pub(crate) fn api_url(&self, path: &str) -> Result<Url> {
        join(&self.inner.api_base, path)
    }

    pub(crate) fn upload_url(&self, path: &str) -> Result<Url> {
        join(&self.inner.upload_base, path)
    }

    /// A raw request to `path` under the API base (or an absolute URL),
    /// with auth, retries and error mapping.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, self.api_url(path))
    }

    /// A raw request to `path` under the upload base.
    pub fn upload_request(&self, method: Method, path: &str) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, self.upload_url(path))
    }

    /// Starts the OAuth 2 authorization code flow on the configured authorize page.
    pub fn authorize(&self, app: &OAuth2, scopes: &[&str]) -> Authorization {
        app.authorize(&self.inner.authorize_url, scopes)
    }

    /// Finishes the authorization code flow: checks `state`, exchanges the
    /// code, and saves the tokens to the store before the client uses them.
    pub async fn exchange_code(
        &self,
        app: &OAuth2,
        authorization: &Authorization,
        code: &str,
        state: &str,
    ) -> Result<AccessToken> {
        authorization.verify_state(state)?;
        let token = app.exchange(&self.inner.endpoint, code).await?;
        if let Some(m) = &self.inner.auth {
            m.install(token.clone()).await?;
        }
        Ok(token)
    }

    /// Revokes the current token (access and refresh) and forgets it.
    pub async fn revoke(&self) -> Result<()> {
        let m = self
            .inner
            .auth
            .as_ref()
            .ok_or_else(|| Error::unauthenticated("the client has no credentials"))?;
        let (id, secret) = m
            .authenticator()
            .client_credentials()
            .ok_or_else(|| Error::unsupported("revoke", "developer token"))?;
        if let Some(t) = m.current().await {
            use secrecy::ExposeSecret;
            let token = t
                .refresh_token()
                .unwrap_or(t.access_token())
                .expose_secret()
                .to_owned();
            let url = self.inner.endpoint.revoke_url.clone();
            self.inner
                .endpoint
                .post_form(
                    url,
                    &[
                        ("client_id", id),
                        ("client_secret", secret.expose_secret()),
                        ("token", &token),
                    ],
                )
                .await?;
        }
        m.forget().await
    }
}

fn join(base: &Url, path: &str) -> Result<Url> {
    let invalid = |e: url::ParseError| Error::invalid_input(format!("invalid request URL: {e}"));
    if path.starts_with("http://") || path.starts_with("https://") {
        return Url::parse(path).map_err(invalid);
    }
    if let Some(bad) = dot_or_empty_segment(path) {
        // URL parsing would drop `.` and fold `..` into its parent (also in
        // their `%2e` forms), so an id of `..` would aim the request at
        // another resource: `DELETE /files/1/versions/..` is `DELETE /files/1/`.
        return Err(Error::invalid_input(format!(
            "invalid request path {path:?}: segment {bad:?} (an empty, `.` or `..` id?)"
        )));
    }
    let sep = if path.starts_with('/') { "" } else { "/" };
    if path.contains('#') {
        // Rare enough to take the slow road: parse the whole URL.
        let s = format!("{}{sep}{path}", base.as_str().trim_end_matches('/'));
        return Url::parse(&s).map_err(invalid);
    }
    // The base was parsed once when the client was built; only the path
    // and query are parsed here (a full `Url::parse` per request showed up
    // in profiles of small GETs).
    let (route, query) = match path.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (path, None),
    };
    let mut url = base.clone();
    url.set_path(&format!(
        "{}{sep}{route}",
        base.path().trim_end_matches('/')
    ));
    url.set_query(query);
    Ok(url)
}

/// The first segment of a relative request path (query excluded) that is
/// empty or a dot segment, if any.
fn dot_or_empty_segment(path: &str) -> Option<&str> {
    let route = path.split(['?', '#']).next().unwrap_or_default();
    const DOTTY: [&str; 7] = ["", ".", "..", "%2e", "%2e%2e", ".%2e", "%2e."];
    route
        .trim_start_matches('/')
        .split('/')
        .find(|seg| DOTTY.iter().any(|d| seg.eq_ignore_ascii_case(d)))
}
