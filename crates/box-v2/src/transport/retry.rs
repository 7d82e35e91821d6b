//! The one retry policy: which responses are retried, and how long to wait.
//!
//! Retried: `429 Too Many Requests`, every `5xx`, `202 Accepted` carrying a
//! `Retry-After` header (where the operation asks for it: downloads, thumbnails,
//! upload commits), and connection failures when the request body can be sent
//! again (after the request may have reached the server, for idempotent
//! methods only: see [`crate::transport`]). The wait is the server's `Retry-After` when it sent one, otherwise an
//! exponential backoff with jitter. Both the number of retries and the total
//! time spent are bounded.

use std::fmt;
use std::time::Duration;

use box_core::Error;
use http::HeaderMap;
use reqwest::Method;

/// How failed requests are retried: the shared [`box_core::RetryPolicy`]
/// (count, backoff with jitter, total time, `Retry-After` cap).
///
/// ```
/// use std::time::Duration;
/// let policy = box_v2::RetryPolicy::default()
///     .max_retries(3)
///     .initial_backoff(Duration::from_millis(100));
/// # let _ = policy;
/// ```
pub use box_core::RetryPolicy;

/// How the retry loop waits: the shared [`box_core::Sleeper`]
/// (`tokio::time::sleep` unless replaced; tests inject one that records the
/// delays and returns at once).
pub use box_core::Sleeper;

/// One request's retries (the shape of object_store's `client/retry.rs`):
/// counts the attempts, knows when the first started, and is the one place
/// that decides whether to try again, logs why, and waits. Its
/// [`RetryContext::give_up`] makes the final error say how many attempts
/// were made over how long.
pub(crate) struct RetryContext<'a> {
    policy: &'a RetryPolicy,
    sleeper: &'a Sleeper,
    started: tokio::time::Instant,
    retries: u32,
}

impl<'a> RetryContext<'a> {
    /// A context before the first attempt.
    pub(crate) fn new(policy: &'a RetryPolicy, sleeper: &'a Sleeper) -> Self {
        Self {
            policy,
            sleeper,
            started: tokio::time::Instant::now(),
            retries: 0,
        }
    }

    /// Attempts made so far, the current one included.
    pub(crate) fn attempts(&self) -> u32 {
        self.retries + 1
    }

    /// After a failed attempt: if the policy allows another one (count,
    /// total time), logs `reason`, waits (the server's `Retry-After` when
    /// given, else the backoff) and returns `true`; otherwise `false`.
    pub(crate) async fn retry(
        &mut self,
        retry_after: Option<Duration>,
        method: &Method,
        path: &str,
        reason: &(dyn fmt::Display + Sync),
    ) -> bool {
        match self.next_delay(retry_after) {
            Some(delay) => {
                self.wait(delay, method, path, reason).await;
                true
            }
            None => false,
        }
    }

    /// The wait before another attempt, if the policy allows one; counts it.
    /// For callers that must let go of something (a response) before
    /// [`RetryContext::wait`]ing.
    pub(crate) fn next_delay(&mut self, retry_after: Option<Duration>) -> Option<Duration> {
        let delay = self.policy.delay(self.retries + 1, retry_after);
        if !self
            .policy
            .allows(self.retries, self.started.elapsed(), delay)
        {
            return None;
        }
        self.retries += 1;
        Some(delay)
    }

    /// Logs why, then waits `delay` (from [`RetryContext::next_delay`]).
    pub(crate) async fn wait(
        &self,
        delay: Duration,
        method: &Method,
        path: &str,
        reason: &(dyn fmt::Display + Sync),
    ) {
        tracing::warn!(
            method = %method, path, retry = self.retries,
            delay_ms = delay.as_millis() as u64, reason = %reason, "retrying"
        );
        self.sleeper.sleep(delay).await;
    }

    /// The request's final error, saying how many attempts were made and
    /// over how long when there was more than one.
    pub(crate) fn give_up(&self, err: Error) -> Error {
        err.after_attempts(self.attempts(), self.started.elapsed())
    }
}

/// Reads a `Retry-After` header: delay in seconds or an HTTP date
/// (parsed by [`box_core::parse_retry_after`]).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    box_core::parse_retry_after(headers.get(http::header::RETRY_AFTER)?.to_str().ok()?)
}

/// Whether a response status is worth retrying (the body permitting).
pub(crate) fn is_retryable_status(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_header_is_read() {
        use std::time::SystemTime;
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let p = RetryPolicy::default().max_backoff(Duration::from_secs(5));
        assert_eq!(p.delay(1, retry_after(&h)), Duration::from_secs(5));
        let future = SystemTime::now() + Duration::from_secs(100);
        h.insert(
            "retry-after",
            httpdate::fmt_http_date(future).parse().unwrap(),
        );
        let d = retry_after(&h).unwrap();
        assert!(d > Duration::from_secs(90) && d <= Duration::from_secs(100));
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }
}
