//! The retry policy both clients use: how many times, how long to wait, and
//! how to read a server's `Retry-After`.
//!
//! *Which* failures a client may replay depends on its protocol (v2 retries
//! `429`, `5xx` and some `202`s; v1 replays only idempotent actions after a
//! request may have reached the server), so that decision stays in each
//! client's retry module. *How* to wait is the same everywhere and lives here.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use rand::Rng;

/// How a client's retry loop waits between attempts: `tokio::time::sleep`
/// unless replaced. Both clients take one (`sleeper(..)` on their builders),
/// so tests can record the waits and return at once.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
/// let waits = Arc::new(Mutex::new(Vec::new()));
/// let seen = waits.clone();
/// let sleeper = box_core::Sleeper::new(move |d| {
///     seen.lock().unwrap().push(d);
///     Box::pin(async {})
/// });
/// # let _ = sleeper;
/// ```
#[derive(Clone)]
pub struct Sleeper(Arc<SleepFn>);

type SleepFn = dyn Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync;

impl Sleeper {
    /// A sleeper calling `f` for every wait.
    pub fn new(f: impl Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    /// Waits `d` (or whatever the function given to [`Sleeper::new`] does).
    pub async fn sleep(&self, d: Duration) {
        (self.0)(d).await
    }
}

impl Default for Sleeper {
    /// `tokio::time::sleep`.
    fn default() -> Self {
        Self::new(|d| Box::pin(tokio::time::sleep(d)))
    }
}

impl std::fmt::Debug for Sleeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sleeper")
    }
}

/// How often and how patiently failed requests are retried.
///
/// ```
/// use std::time::Duration;
/// let policy = box_core::RetryPolicy::default()
///     .max_retries(3)
///     .initial_backoff(Duration::from_millis(100));
/// assert!(policy.backoff(1) <= Duration::from_millis(100));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Backoff before the first retry when the server gave no `Retry-After`;
    /// doubled for each further retry.
    pub initial_backoff: Duration,
    /// Upper bound of one backoff, and of a server's `Retry-After`.
    pub max_backoff: Duration,
    /// Total time after which no further retry starts.
    pub retry_timeout: Duration,
}

impl Default for RetryPolicy {
    /// 5 retries, backoff from 500 ms up to 30 s, no retry starting after 180 s.
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

    /// Backoff before the first retry; doubled for each further retry.
    /// Default: 500 ms.
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
    /// say: `initial × 2^(retry-1)`, capped at `max_backoff`, with "equal
    /// jitter" (a uniformly random value between half and all of it) so that
    /// clients failing together do not retry together.
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
    /// (capped at `max_backoff`) when it sent one, else [`RetryPolicy::backoff`].
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(d) => d.min(self.max_backoff),
            None => self.backoff(retry),
        }
    }

    /// Whether another retry may start, `retries_done` retries and `elapsed`
    /// time into the request, if it would first wait `next_delay`.
    pub fn allows(&self, retries_done: u32, elapsed: Duration, next_delay: Duration) -> bool {
        retries_done < self.max_retries && elapsed + next_delay <= self.retry_timeout
    }
}

/// Parses the value of a `Retry-After` header: seconds (whole or decimal) or
/// an HTTP date. A date in the past gives zero; anything else `None`.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>() {
        // `try_`: a huge value ("1e30") would make `from_secs_f64` panic.
        // Negative, non-finite and out-of-range values are no answer.
        return Duration::try_from_secs_f64(secs).ok();
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
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
    fn retry_after_is_honoured_but_capped() {
        let p = RetryPolicy::default().max_backoff(Duration::from_secs(5));
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(7))),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn retries_are_bounded_in_count_and_time() {
        let p = RetryPolicy::default()
            .max_retries(2)
            .retry_timeout(Duration::from_secs(10));
        assert!(p.allows(0, Duration::ZERO, Duration::from_secs(1)));
        assert!(!p.allows(2, Duration::ZERO, Duration::from_secs(1)));
        assert!(!p.allows(1, Duration::from_secs(9), Duration::from_secs(2)));
        assert!(!RetryPolicy::none().allows(0, Duration::ZERO, Duration::ZERO));
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after(" 1.5 "),
            Some(Duration::from_millis(1500))
        );
        let future = SystemTime::now() + Duration::from_secs(100);
        let d = parse_retry_after(&httpdate::fmt_http_date(future)).unwrap();
        assert!(d > Duration::from_secs(90) && d <= Duration::from_secs(100));
        let past = SystemTime::now() - Duration::from_secs(100);
        assert_eq!(
            parse_retry_after(&httpdate::fmt_http_date(past)),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
        // A server's header must never panic the client.
        assert_eq!(parse_retry_after("1e30"), None);
        assert_eq!(parse_retry_after("inf"), None);
        assert_eq!(parse_retry_after("NaN"), None);
        assert_eq!(parse_retry_after("-0.5"), None);
        assert_eq!(parse_retry_after("-3"), None);
    }
}
