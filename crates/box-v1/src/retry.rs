//! Retries: the one place the v1 client replays a request.
//!
//! v1 has no retry protocol of its own, so the rules are conservative:
//!
//! - `429` (as [`Error::RateLimited`]) and `503` mean the server did not act
//!   on the request: any request whose body can be rebuilt is replayed;
//! - a connection that failed before the request was sent
//!   (`maybe_sent == false`) is replayed likewise;
//! - other `5xx`, `408` and transport errors after the request may have
//!   reached the server are replayed only for idempotent
//!   requests: the read actions, the actions whose repetition leaves the
//!   same state (`move`, `rename`, `set_description`, …, see
//!   [`is_idempotent`]; not a `public_share` that mails addresses, which
//!   would mail them twice), downloads, `overwrite`, and uploads of in-memory
//!   bodies: v1 refuses an upload whose name the folder already holds, so a
//!   replay never makes a second file, and the upload code reconciles the
//!   `e_filename_in_use` such a replay can meet (see
//!   [`Client::upload_files`](crate::Client::upload_files)).
//!
//! How long to wait and how often to try is the shared
//! [`box_core::RetryPolicy`] (exponential backoff with jitter, a server's
//! `Retry-After` honoured but capped, bounded in count and total time).

use std::future::Future;
use std::time::Duration;

use box_core::{Error, Result, ServerContext};

use crate::envelope::{Params, Value};

/// How often and how patiently the client replays failed requests: the
/// shared [`box_core::RetryPolicy`]. The v1 client's default is
/// [`default_policy`].
pub use box_core::RetryPolicy;

/// How the retry loop waits between attempts: the shared
/// [`box_core::Sleeper`] (`tokio::time::sleep` unless replaced with
/// `ClientBuilder::sleeper`).
pub use box_core::Sleeper;

/// The v1 client's default policy: 4 retries, waits from 250 ms up to 8 s
/// (v1 answers quickly or not at all), no retry starting after 60 s.
pub fn default_policy() -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(4)
        .initial_backoff(Duration::from_millis(250))
        .max_backoff(Duration::from_secs(8))
        .retry_timeout(Duration::from_secs(60))
}

/// The wait before retry number `retry` (1-based) after `err`.
fn wait(policy: &RetryPolicy, retry: u32, err: &Error) -> Duration {
    let retry_after = match err {
        Error::RateLimited { retry_after, .. } => *retry_after,
        _ => None,
    };
    policy.delay(retry, retry_after)
}

/// Whether a request may be replayed after it possibly reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replay {
    /// Repeating it leaves the same state.
    Idempotent,
    /// Only replay when the server surely did not act on it.
    NotProcessedOnly,
}

/// Actions whose repetition leaves the same state.
const IDEMPOTENT_ACTIONS: &[&str] = &[
    "get_account_tree",
    "get_account_info",
    "get_file_info",
    "get_versions",
    "search",
    "export_tags",
    "get_friends",
    "get_updates",
    "get_comments",
    "get_ticket",
    "move",
    "rename",
    "set_description",
    "public_share",
    "public_unshare",
    "add_to_tag",
];

/// Whether the action named `action` may be replayed after it possibly
/// reached the server (except a `public_share` that mails addresses, which
/// the client does not replay then).
pub fn is_idempotent(action: &str) -> bool {
    IDEMPOTENT_ACTIONS.contains(&action)
}

/// How a call with these parameters may be replayed. A `public_share` that
/// notifies e-mail addresses is not replayed after it may have reached the
/// server: the share is the same, but the addresses would be mailed twice.
pub(crate) fn replay_for(params: &Params) -> Replay {
    let notifies = params.action() == "public_share"
        && params
            .fields()
            .iter()
            .any(|(name, v)| *name == "emails" && matches!(v, Value::List(l) if !l.is_empty()));
    if is_idempotent(params.action()) && !notifies {
        Replay::Idempotent
    } else {
        Replay::NotProcessedOnly
    }
}

/// Whether a failed attempt may have been acted on by the server (the
/// request may have arrived, and the server did not say it refused it).
pub(crate) fn may_have_acted(err: &Error) -> bool {
    match err {
        Error::Transport { maybe_sent, .. } => *maybe_sent,
        Error::Api { .. } => err.status().is_some_and(|s| s >= 500 && s != 503),
        _ => false,
    }
}

fn retryable(err: &Error, replay: Replay) -> bool {
    match err {
        Error::RateLimited { .. } => true,
        Error::Api { .. } if err.status() == Some(503) => true,
        Error::Transport {
            maybe_sent: false, ..
        } => true,
        Error::Transport { .. } => replay == Replay::Idempotent,
        Error::Api { .. } => {
            replay == Replay::Idempotent && err.status().is_some_and(|s| s >= 500 || s == 408)
        }
        _ => false,
    }
}

/// The error for a non-success HTTP status (429 becomes
/// [`Error::RateLimited`] with its `Retry-After`).
pub(crate) fn http_status_error(resp: &reqwest::Response, what: &str) -> Error {
    let st = resp.status();
    if st.as_u16() == 429 {
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(box_core::parse_retry_after);
        return Error::RateLimited {
            retry_after,
            context: ServerContext::new().with_status(429),
        };
    }
    Error::api(st.as_u16(), format!("HTTP {st} from v1 {what}"))
}

/// Runs `attempt` until it succeeds, fails for good, or the policy gives up;
/// a failure after retries records them ([`Error::after_attempts`]).
pub(crate) async fn run<T, F, Fut>(
    policy: &RetryPolicy,
    sleeper: &Sleeper,
    replay: Replay,
    what: &str,
    mut attempt: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let started = tokio::time::Instant::now();
    let mut n = 0;
    loop {
        match attempt().await {
            Ok(v) => return Ok(v),
            Err(e) if retryable(&e, replay) => {
                let delay = wait(policy, n + 1, &e);
                if !policy.allows(n, started.elapsed(), delay) {
                    // The final error says how many attempts, over how long.
                    return Err(e.after_attempts(n + 1, started.elapsed()));
                }
                tracing::debug!(what, attempt = n + 1, ?delay, error = %e, "v1 retry");
                sleeper.sleep(delay).await;
                n += 1;
            }
            Err(e) => return Err(e.after_attempts(n + 1, started.elapsed())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_safe_failures_are_replayed() {
        let reset = Error::transport("reset", true, None);
        let unsent = Error::transport("refused", false, None);
        let e500 = Error::api(500, "");
        let limited = Error::RateLimited {
            retry_after: None,
            context: ServerContext::new(),
        };
        assert!(retryable(&reset, Replay::Idempotent));
        assert!(!retryable(&reset, Replay::NotProcessedOnly));
        assert!(retryable(&unsent, Replay::NotProcessedOnly));
        assert!(retryable(&e500, Replay::Idempotent));
        assert!(!retryable(&e500, Replay::NotProcessedOnly));
        assert!(retryable(&limited, Replay::NotProcessedOnly));
        assert!(!retryable(&Error::not_found("x"), Replay::Idempotent));
        assert_eq!(replay_for(&Params::new("move")), Replay::Idempotent);
        assert_eq!(
            replay_for(&Params::new("create_folder")),
            Replay::NotProcessedOnly
        );
    }

    #[test]
    fn a_public_share_that_mails_is_not_replayed_after_it_may_have_arrived() {
        let mut quiet = Params::new("public_share");
        quiet
            .text("target", "file")
            .list("emails", Vec::<String>::new());
        assert_eq!(replay_for(&quiet), Replay::Idempotent);
        let mut mailing = Params::new("public_share");
        mailing
            .text("target", "file")
            .list("emails", ["a@example.com"]);
        assert_eq!(replay_for(&mailing), Replay::NotProcessedOnly);
    }

    #[test]
    fn waits_grow_and_retry_after_is_capped() {
        let p = default_policy()
            .initial_backoff(Duration::from_millis(10))
            .max_backoff(Duration::from_millis(50));
        let e = Error::transport("x", true, None);
        let first = wait(&p, 1, &e);
        assert!(first >= Duration::from_millis(5) && first <= Duration::from_millis(10));
        let second = wait(&p, 2, &e);
        assert!(second >= Duration::from_millis(10) && second <= Duration::from_millis(20));
        assert!(wait(&p, 6, &e) <= Duration::from_millis(50));
        let limited = Error::RateLimited {
            retry_after: Some(Duration::from_secs(30)),
            context: ServerContext::new(),
        };
        assert_eq!(wait(&p, 1, &limited), Duration::from_millis(50));
        let soon = Error::RateLimited {
            retry_after: Some(Duration::from_millis(20)),
            context: ServerContext::new(),
        };
        assert_eq!(wait(&p, 1, &soon), Duration::from_millis(20));
    }
}
