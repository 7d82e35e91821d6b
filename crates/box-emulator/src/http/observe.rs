//! The middleware around every request: logs it (with capability tokens
//! in paths redacted), counts it and applies injected faults; a handler
//! that panics answers 500 with a Box error body.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::{FutureExt, StreamExt};

use super::errors::ApiError;
use crate::faults::Fault;
use crate::state::Shared;

fn fault_code(status: u16) -> &'static str {
    match status {
        429 => "rate_limit_exceeded",
        500 => "internal_server_error",
        502 => "bad_gateway",
        503 => "unavailable",
        _ => "fault_injected",
    }
}

/// A request path fit for logs: capability tokens in URL paths (v1 transfer
/// URLs carry the auth token, download URLs a signed token) are redacted.
pub fn redact_path(path: &str) -> String {
    const SECRET_AT: &[(&str, usize)] = &[
        ("/api/1.0/upload/", 4),
        ("/api/1.0/overwrite/", 4),
        ("/api/1.0/new_copy/", 4),
        ("/api/1.0/download/", 4),
        ("/api/1.0/auth/", 4),
        ("/content/", 2),
    ];
    for (prefix, index) in SECRET_AT {
        if path.starts_with(prefix) {
            return path
                .split('/')
                .enumerate()
                .map(|(i, seg)| if i == *index { "[redacted]" } else { seg })
                .collect::<Vec<_>>()
                .join("/");
        }
    }
    path.to_string()
}

/// Middleware: tracing, counters, faults.
pub async fn observe(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let raw_path = req.uri().path().to_string();
    let path = redact_path(&raw_path);
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    shared.counters.hit(format!("{method} {route}"));
    let faults = shared.faults.decide(method.as_str(), &raw_path);
    let mut reset = false;
    let mut throughput: Option<u64> = None;
    let mut slept = Duration::ZERO;
    let mut early: Option<Response> = None;
    for fault in &faults {
        shared
            .counters
            .faults_injected
            .fetch_add(1, Ordering::Relaxed);
        tracing::info!(?fault, %method, %path, "injecting fault");
        match fault {
            Fault::Latency { ms } => {
                let pause = Duration::from_millis(*ms);
                tokio::time::sleep(pause).await;
                slept += pause;
            }
            Fault::Reset => reset = true,
            Fault::Throughput { bytes_per_sec } => {
                // The slowest link of several matching rules wins.
                throughput = Some(throughput.map_or(*bytes_per_sec, |t| t.min(*bytes_per_sec)));
            }
            Fault::Status {
                status,
                retry_after,
            } if early.is_none() => {
                let code = StatusCode::from_u16(*status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                let mut err = ApiError::new(code, fault_code(*status), "Injected fault");
                let retry = retry_after.or(matches!(status, 429 | 503).then_some(1));
                if let Some(s) = retry {
                    err = err.header(header::RETRY_AFTER, s.to_string());
                }
                early = Some(err.into_response());
            }
            Fault::CommitAccepted { retry_after } if early.is_none() => {
                let mut resp = StatusCode::ACCEPTED.into_response();
                if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                    resp.headers_mut().insert(header::RETRY_AFTER, v);
                }
                early = Some(resp);
            }
            _ => {}
        }
    }
    let req = match throughput {
        Some(rate) => req.map(|body| super::throttle::paced(body, rate)),
        None => req,
    };
    let mut resp = match early {
        Some(r) => r,
        // A bug in a handler answers 500 with a Box error body instead of dropping the connection.
        None => match std::panic::AssertUnwindSafe(next.run(req))
            .catch_unwind()
            .await
        {
            Ok(r) => r,
            Err(_) => {
                tracing::error!(%method, %path, "handler panicked");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_server_error",
                    "Internal Server Error",
                )
                .into_response()
            }
        },
    };
    if let Some(rate) = throughput {
        resp = resp.map(|body| super::throttle::paced(body, rate));
    }
    if reset {
        let (parts, body) = resp.into_parts();
        let mut data = body.into_data_stream();
        let stream = async_stream_reset(async move { data.next().await });
        resp = Response::from_parts(parts, Body::from_stream(stream));
    }
    let elapsed = started.elapsed();
    // The server's own time up to the response head (routing, the handler,
    // building and serializing a JSON body; not injected latency, not a
    // streamed body), as a standard `Server-Timing` metric clients and the
    // benchmark suite can read apart from the network.
    let own = elapsed.saturating_sub(slept);
    if let Ok(v) = HeaderValue::from_str(&format!("app;dur={:.3}", own.as_secs_f64() * 1000.0)) {
        resp.headers_mut().insert("server-timing", v);
    }
    tracing::info!(
        %method,
        %path,
        status = resp.status().as_u16(),
        elapsed_ms = elapsed.as_millis() as u64,
        "request"
    );
    resp
}

/// A body that sends half of the first chunk, then fails (resetting the
/// connection). The failure waits a moment so the status line, headers and
/// half chunk reach the client first: without the pause hyper aborts before
/// flushing anything and the client sees a connection closed before any
/// response, not a response cut short.
fn async_stream_reset(
    first: impl std::future::Future<Output = Option<Result<bytes::Bytes, axum::Error>>> + Send + 'static,
) -> impl futures::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send {
    futures::stream::once(first).flat_map(|chunk| {
        let half = match chunk {
            Some(Ok(b)) => b.slice(..b.len() / 2),
            _ => bytes::Bytes::new(),
        };
        futures::stream::iter([Ok(half)]).chain(futures::stream::once(async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "injected connection reset",
            ))
        }))
    })
}

#[cfg(test)]
mod tests {
    use super::redact_path;

    #[test]
    fn tokens_in_paths_are_redacted() {
        assert_eq!(
            redact_path("/api/1.0/download/SECRET/42"),
            "/api/1.0/download/[redacted]/42"
        );
        assert_eq!(
            redact_path("/api/1.0/upload/SECRET/0"),
            "/api/1.0/upload/[redacted]/0"
        );
        assert_eq!(redact_path("/content/SECRET"), "/content/[redacted]");
        assert_eq!(redact_path("/2.0/files/7"), "/2.0/files/7");
    }
}
