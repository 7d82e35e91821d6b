//! The one error type every boxkit crate returns.
//!
//! Backends keep their own private error details and convert into [`Error`], so a
//! caller matches on the same kinds whether it talks to v1, v2 or the emulator.
//! Every variant that came from a server response keeps Box's request id when
//! the server sent one ([`Error::request_id`]).
//!
//! No variant ever carries a secret: backends must strip tokens from URLs
//! (v1 puts the auth token in download paths) before building a message.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::ids::ItemId;

/// A convenient alias for results carrying [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What the server told us about a failed request, when it told us anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerContext {
    /// The HTTP status code (v1 answers every failure with 200).
    pub status: Option<u16>,
    /// The machine-readable code or status string (`item_name_in_use`, `e_folder_id`…).
    pub code: Option<String>,
    /// Box's request id, for support tickets.
    pub request_id: Option<String>,
    /// How many attempts were made and over how long, when the request was
    /// retried before this answer (boxed: errors stay small).
    pub retried: Option<Box<Retried>>,
}

/// How many attempts a request took before its final answer, and how long
/// they took from the first to the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retried {
    /// Attempts made, the first included.
    pub attempts: u32,
    /// Time from the first attempt's start to the final answer.
    pub elapsed: Duration,
}

impl fmt::Display for Retried {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "after {} attempts over {:.1} s",
            self.attempts,
            self.elapsed.as_secs_f64()
        )
    }
}

impl ServerContext {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets the machine-readable code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets the request id.
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }
}

impl fmt::Display for ServerContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(s) = self.status {
            parts.push(format!("status {s}"));
        }
        if let Some(c) = &self.code {
            parts.push(format!("code {c}"));
        }
        if let Some(r) = &self.request_id {
            parts.push(format!("request id {r}"));
        }
        if let Some(r) = &self.retried {
            parts.push(r.to_string());
        }
        if !parts.is_empty() {
            write!(f, " ({})", parts.join(", "))?;
        }
        Ok(())
    }
}

/// A shared, cloneable source error.
pub type Source = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong talking to Box, by kind.
///
/// Match on the kind; read [`Error::request_id`], [`Error::status`] and
/// [`Error::is_retryable`] for the rest. The enum is `#[non_exhaustive]`: new
/// kinds may appear, so keep a wildcard arm.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The item, user or resource does not exist, or is not visible to this user.
    #[error("not found: {message}{context}")]
    NotFound {
        /// What was not found.
        message: String,
        /// What the server said.
        context: ServerContext,
    },

    /// The name is already used in the destination folder, or a similar clash.
    #[error("conflict: {message}{context}")]
    Conflict {
        /// What clashed.
        message: String,
        /// The item already holding the name, when the server said which.
        conflicting: Option<ItemId>,
        /// What the server said.
        context: ServerContext,
    },

    /// The credentials are valid but do not allow this operation.
    #[error("permission denied: {message}{context}")]
    PermissionDenied {
        /// What was denied.
        message: String,
        /// What the server said.
        context: ServerContext,
    },

    /// No valid credentials: missing, expired, revoked or rejected.
    #[error("unauthenticated: {message}{context}")]
    Unauthenticated {
        /// Why.
        message: String,
        /// What the server said.
        context: ServerContext,
    },

    /// The server asked us to slow down.
    #[error("rate limited{}{context}", .retry_after.map(|d| format!(", retry after {}s", d.as_secs_f64())).unwrap_or_default())]
    RateLimited {
        /// How long the server asked us to wait, when it said.
        retry_after: Option<Duration>,
        /// What the server said.
        context: ServerContext,
    },

    /// An `If-Match` / `If-None-Match` precondition failed: the item changed.
    #[error("precondition failed: {message}{context}")]
    PreconditionFailed {
        /// What changed.
        message: String,
        /// What the server said.
        context: ServerContext,
    },

    /// The request was rejected as malformed (bad name, bad argument, bad flag).
    #[error("invalid input: {message}{context}")]
    InvalidInput {
        /// What is wrong with it.
        message: String,
        /// What the server said, if the server rejected it.
        context: ServerContext,
    },

    /// This backend cannot perform this operation at all.
    #[error("{operation} is not supported by the {backend} backend")]
    Unsupported {
        /// The operation asked for.
        operation: String,
        /// The backend that lacks it (`v1`, `v2`, `memory`…).
        backend: String,
    },

    /// The request did not complete: connection refused or reset, timeout, TLS.
    #[error("transport error: {message}")]
    Transport {
        /// What happened, with no URL or token in it.
        message: String,
        /// Whether the request may have reached the server (relevant for replays).
        maybe_sent: bool,
        /// The underlying error.
        #[source]
        source: Option<Source>,
    },

    /// A response (or a local file) could not be decoded.
    #[error("could not decode {what} at {location}: {message}")]
    Decode {
        /// What was being decoded (`account tree`, `File JSON`…).
        what: String,
        /// Where in it: a JSON path, an XML element, a byte offset.
        location: String,
        /// What was wrong.
        message: String,
    },

    /// Any other error response from the server. Its status, code and
    /// request id are in `context` like every other kind's (read them with
    /// [`Error::status`], [`Error::code`], [`Error::request_id`]); build one
    /// with [`Error::api`].
    #[error("API error: {message}{context}")]
    Api {
        /// The message.
        message: String,
        /// What the server said: the status is always set.
        context: ServerContext,
    },

    /// A local I/O error (reading an upload source, writing a download).
    #[error("I/O error: {message}")]
    Io {
        /// What failed.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<Source>,
    },
}

impl Error {
    /// A [`Error::NotFound`] with no server context.
    pub fn not_found(message: impl Into<String>) -> Self {
        Error::NotFound {
            message: message.into(),
            context: ServerContext::new(),
        }
    }

    /// A [`Error::Conflict`] naming the item that holds the name.
    pub fn conflict(message: impl Into<String>, conflicting: Option<ItemId>) -> Self {
        Error::Conflict {
            message: message.into(),
            conflicting,
            context: ServerContext::new(),
        }
    }

    /// A [`Error::PermissionDenied`] with no server context.
    pub fn permission_denied(message: impl Into<String>) -> Self {
        Error::PermissionDenied {
            message: message.into(),
            context: ServerContext::new(),
        }
    }

    /// A [`Error::Unauthenticated`] with no server context.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Error::Unauthenticated {
            message: message.into(),
            context: ServerContext::new(),
        }
    }

    /// A [`Error::PreconditionFailed`] with no server context.
    pub fn precondition_failed(message: impl Into<String>) -> Self {
        Error::PreconditionFailed {
            message: message.into(),
            context: ServerContext::new(),
        }
    }

    /// A [`Error::InvalidInput`] raised locally.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Error::InvalidInput {
            message: message.into(),
            context: ServerContext::new(),
        }
    }

    /// A [`Error::Unsupported`].
    pub fn unsupported(operation: impl Into<String>, backend: impl Into<String>) -> Self {
        Error::Unsupported {
            operation: operation.into(),
            backend: backend.into(),
        }
    }

    /// A [`Error::Decode`].
    pub fn decode(
        what: impl Into<String>,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Decode {
            what: what.into(),
            location: location.into(),
            message: message.into(),
        }
    }

    /// A [`Error::Transport`]. `message` must not contain a URL with a token in it.
    pub fn transport(
        message: impl Into<String>,
        maybe_sent: bool,
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        Error::Transport {
            message: message.into(),
            maybe_sent,
            source: source.map(Source::from),
        }
    }

    /// An [`Error::Api`] for an answer with HTTP `status`; add the code and
    /// request id with [`Error::with_context`] or [`Error::with_code`].
    pub fn api(status: u16, message: impl Into<String>) -> Self {
        Error::Api {
            message: message.into(),
            context: ServerContext::new().with_status(status),
        }
    }

    /// Sets the machine-readable code of a kind that carries a context.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        if let Some(c) = self.context_mut() {
            c.code = Some(code.into());
        }
        self
    }

    /// Records that the request took `attempts` attempts over `elapsed`
    /// before this error; shown as `... after 5 attempts over 31.0 s`. Kinds
    /// with a server context keep it there ([`ServerContext::retried`]);
    /// transport and local errors say it in their message. One attempt
    /// changes nothing.
    pub fn after_attempts(mut self, attempts: u32, elapsed: Duration) -> Self {
        if attempts <= 1 {
            return self;
        }
        let retried = Retried { attempts, elapsed };
        if let Some(c) = self.context_mut() {
            c.retried = Some(Box::new(retried));
            return self;
        }
        match &mut self {
            Error::Transport { message, .. }
            | Error::Decode { message, .. }
            | Error::Io { message, .. } => {
                message.push_str(&format!(" ({retried})"));
            }
            _ => {}
        }
        self
    }

    /// How many attempts the request took, when it was retried.
    pub fn retried(&self) -> Option<Retried> {
        self.context().and_then(|c| c.retried.as_deref().copied())
    }

    /// A [`Error::Io`] from a local I/O failure.
    pub fn io(message: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }

    /// Attaches server context (status, code, request id) to a kind that carries it.
    /// Kinds without a context are returned unchanged. An [`Error::Api`]
    /// keeps its status when `ctx` has none.
    pub fn with_context(mut self, mut ctx: ServerContext) -> Self {
        let is_api = matches!(self, Error::Api { .. });
        if let Some(c) = self.context_mut() {
            if is_api && ctx.status.is_none() {
                ctx.status = c.status;
            }
            *c = ctx;
        }
        self
    }

    fn context_mut(&mut self) -> Option<&mut ServerContext> {
        match self {
            Error::NotFound { context, .. }
            | Error::Conflict { context, .. }
            | Error::PermissionDenied { context, .. }
            | Error::Unauthenticated { context, .. }
            | Error::RateLimited { context, .. }
            | Error::PreconditionFailed { context, .. }
            | Error::InvalidInput { context, .. }
            | Error::Api { context, .. } => Some(context),
            _ => None,
        }
    }

    /// The server context, for kinds that carry one.
    pub fn context(&self) -> Option<&ServerContext> {
        match self {
            Error::NotFound { context, .. }
            | Error::Conflict { context, .. }
            | Error::PermissionDenied { context, .. }
            | Error::Unauthenticated { context, .. }
            | Error::RateLimited { context, .. }
            | Error::PreconditionFailed { context, .. }
            | Error::InvalidInput { context, .. }
            | Error::Api { context, .. } => Some(context),
            _ => None,
        }
    }

    /// Box's request id, whenever the server sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.context().and_then(|c| c.request_id.as_deref())
    }

    /// The HTTP status of the failed response, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.context().and_then(|c| c.status)
    }

    /// Box's machine-readable code (v2 `code`, v1 status string), when known.
    pub fn code(&self) -> Option<&str> {
        self.context().and_then(|c| c.code.as_deref())
    }

    /// Whether trying the same request again later may succeed.
    ///
    /// True for rate limiting, server errors (5xx), and transport failures.
    /// Whether a retry is *safe* is a separate question the caller answers
    /// (see [`Error::Transport::maybe_sent`]).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Transport { .. } => true,
            Error::Api { context, .. } => context.status.is_some_and(|s| s >= 500 || s == 408),
            _ => false,
        }
    }

    /// Whether this is [`Error::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }

    /// Whether this is [`Error::Conflict`].
    pub fn is_conflict(&self) -> bool {
        matches!(self, Error::Conflict { .. })
    }

    /// Whether this is [`Error::Unsupported`].
    pub fn is_unsupported(&self) -> bool {
        matches!(self, Error::Unsupported { .. })
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::io(e.to_string(), e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::FileId;

    #[test]
    fn display_includes_request_id_and_code() {
        let e = Error::not_found("file 12").with_context(
            ServerContext::new()
                .with_status(404)
                .with_code("not_found")
                .with_request_id("abc123"),
        );
        assert_eq!(
            e.to_string(),
            "not found: file 12 (status 404, code not_found, request id abc123)"
        );
        assert_eq!(e.request_id(), Some("abc123"));
        assert_eq!(e.status(), Some(404));
        assert_eq!(e.code(), Some("not_found"));
        assert!(!e.is_retryable());
    }

    #[test]
    fn retryable_kinds() {
        assert!(Error::RateLimited {
            retry_after: Some(Duration::from_secs(2)),
            context: ServerContext::new()
        }
        .is_retryable());
        assert!(Error::api(503, "").is_retryable());
        assert!(!Error::api(400, "").is_retryable());
        assert!(Error::transport("reset", true, None).is_retryable());
        assert!(!Error::unsupported("copy", "v1").is_retryable());
    }

    /// Status, code and request id of an API error live in its context like
    /// every other kind's, and the retry summary shows in its message.
    #[test]
    fn api_error_context_and_attempts() {
        let e = Error::api(503, "Service Unavailable").with_context(
            ServerContext::new()
                .with_code("unavailable")
                .with_request_id("r1"),
        );
        assert_eq!(e.status(), Some(503));
        assert_eq!(e.code(), Some("unavailable"));
        assert_eq!(e.request_id(), Some("r1"));
        let e = e.after_attempts(5, Duration::from_millis(31_200));
        assert_eq!(
            e.to_string(),
            "API error: Service Unavailable (status 503, code unavailable, request id r1, \
             after 5 attempts over 31.2 s)"
        );
        assert_eq!(e.retried().map(|r| r.attempts), Some(5));
        let t = Error::transport("timed out", true, None).after_attempts(3, Duration::from_secs(2));
        assert_eq!(
            t.to_string(),
            "transport error: timed out (after 3 attempts over 2.0 s)"
        );
        let once = Error::not_found("x").after_attempts(1, Duration::from_secs(1));
        assert_eq!(once.retried(), None);
    }

    #[test]
    fn conflict_carries_item() {
        let e = Error::conflict("name in use", Some(FileId::new("9").into()));
        match e {
            Error::Conflict { conflicting, .. } => {
                assert_eq!(conflicting, Some(ItemId::File(FileId::new("9"))))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rate_limited_display() {
        let e = Error::RateLimited {
            retry_after: Some(Duration::from_millis(1500)),
            context: ServerContext::new().with_status(429),
        };
        assert_eq!(e.to_string(), "rate limited, retry after 1.5s (status 429)");
    }
}
