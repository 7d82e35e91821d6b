//! The one retry policy: which responses are retried, and how long to wait.
//!
//! Retried: `429 Too Many Requests`, every `5xx`, `202 Accepted` carrying a
//! `Retry-After` header (where the operation asks for it: downloads, thumbnails,
//! upload commits), and connection failures when the request body can be sent
//! again. The wait is the server's `Retry-After` when it sent one, otherwise an
//! exponential backoff with jitter. Both the number of retries and the total
//! time spent are bounded.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;

use http::HeaderMap;
use rand::Rng;

/// How failed requests are retried.
///
/// ```
/// use std::time::Duration;
/// let policy = box_v2::RetryPolicy::default()
///     .max_retries(3)
///     .initial_backoff(Duration::from_millis(100));
/// # let _ = policy;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    pub(crate) max_retries: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) retry_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            retry_timeout: Duration::from_secs(180),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Retries after the first attempt. Default: 5.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// Backoff before the first retry when the server gave no `Retry-After`;
    /// doubled for each further retry. Default: 500 ms.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// Upper bound of one backoff, and of a server's `Retry-After`. Default: 30 s.
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// Total time after which no further retry starts. Default: 180 s.
    pub fn retry_timeout(mut self, d: Duration) -> Self {
        self.retry_timeout = d;
        self
    }

    /// The wait before retry number `retry` (1-based) when the server did not
    /// say: `initial × 2^(retry-1)`, capped, with "equal jitter" (a uniformly
    /// random value between half and all of it).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(20);
        let base = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        let half = base / 2;
        let jitter_ms = half.as_millis() as u64;
        let extra = if jitter_ms == 0 {
            0
        } else {
            rand::thread_rng().gen_range(0..=jitter_ms)
        };
        half + Duration::from_millis(extra)
    }

    /// The wait before retry number `retry`: the server's `Retry-After`
    /// (capped at `max_backoff`) when present, else [`RetryPolicy::backoff`].
    pub fn delay(&self, retry: u32, headers: &HeaderMap) -> Duration {
        match retry_after(headers) {
            Some(d) => d.min(self.max_backoff),
            None => self.backoff(retry),
        }
    }
}

/// How the retry loop waits: `tokio::time::sleep` unless replaced (tests
/// inject one that records the delays and returns at once).
#[derive(Clone)]
pub struct Sleeper(pub(crate) Arc<SleepFn>);

type SleepFn = dyn Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync;

impl Sleeper {
    /// A sleeper calling `f`.
    pub fn new(f: impl Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    pub(crate) async fn sleep(&self, d: Duration) {
        (self.0)(d).await
    }
}

impl Default for Sleeper {
    fn default() -> Self {
        Self::new(|d| Box::pin(tokio::time::sleep(d)))
    }
}

impl std::fmt::Debug for Sleeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sleeper")
    }
}

/// Parses a `Retry-After` header: delay in seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs));
        }
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Whether a response status is worth retrying (the body permitting).
pub(crate) fn is_retryable_status(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_secs(1));
        for _ in 0..50 {
            let d1 = p.backoff(1);
            assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100));
            let d3 = p.backoff(3);
            assert!(d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400));
            let d30 = p.backoff(30);
            assert!(d30 <= Duration::from_secs(1) && d30 >= Duration::from_millis(500));
        }
    }

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let p = RetryPolicy::default().max_backoff(Duration::from_secs(5));
        assert_eq!(p.delay(1, &h), Duration::from_secs(5));
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
