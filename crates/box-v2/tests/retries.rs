//! The retry loop against a local server: 429 with Retry-After, 5xx then
//! success, bounded attempts, connection failures, non-replayable bodies.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use box_core::{Body, Error};
use common::{box_error, client, fast_retry, fixture, json, raw, MockServer};

fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

#[tokio::test]
async fn rate_limit_honours_retry_after() {
    let n = counter();
    let n2 = n.clone();
    let s = MockServer::start(move |_| {
        if n2.fetch_add(1, Ordering::SeqCst) == 0 {
            raw(
                429,
                &[("retry-after", "1")],
                r#"{"type":"error","status":429,"code":"rate_limit_exceeded"}"#,
            )
        } else {
            json(200, fixture("user.json"))
        }
    })
    .await;
    // The test policy caps backoff at 20 ms, but Retry-After is capped by
    // max_backoff too: raise it so the server's 1 s is honoured.
    let c = box_v2::Client::builder()
        .base_url(&s.url)
        .auth(box_v2::auth::DeveloperToken::new("t"))
        .retry_policy(fast_retry().max_backoff(Duration::from_secs(5)))
        .build()
        .unwrap();
    let started = Instant::now();
    c.users().me().send().await.unwrap();
    let waited = started.elapsed();
    assert_eq!(s.count(), 2);
    assert!(
        waited >= Duration::from_millis(950),
        "waited only {waited:?}"
    );
    assert!(waited < Duration::from_secs(4), "waited {waited:?}");
}

#[tokio::test]
async fn server_errors_then_success() {
    let n = counter();
    let n2 = n.clone();
    let s = MockServer::start(move |_| match n2.fetch_add(1, Ordering::SeqCst) {
        0 => box_error(500, "internal_server_error"),
        1 => raw(502, &[], "<html>bad gateway</html>"),
        _ => json(200, fixture("file.json")),
    })
    .await;
    let c = client(&s.url);
    let f = c.files().get("12345").send().await.unwrap();
    assert_eq!(f.id.as_str(), "12345");
    assert_eq!(s.count(), 3);
}

#[tokio::test]
async fn attempts_are_bounded() {
    let s = MockServer::start(|_| box_error(503, "unavailable")).await;
    let c = box_v2::Client::builder()
        .base_url(&s.url)
        .auth(box_v2::auth::DeveloperToken::new("t"))
        .retry_policy(fast_retry().max_retries(3))
        .build()
        .unwrap();
    let e = c.users().me().send().await.unwrap_err();
    assert!(
        matches!(e, Error::Api { .. }) && e.status() == Some(503),
        "{e:?}"
    );
    assert_eq!(e.request_id(), Some("req-123"));
    assert_eq!(e.code(), Some("unavailable"));
    assert_eq!(s.count(), 4, "1 attempt + 3 retries");
    // The final error explains itself: how many attempts, over how long.
    let retried = e.retried().expect("the error records its retries");
    assert_eq!(retried.attempts, 4);
    let text = e.to_string();
    assert!(
        text.contains("status 503")
            && text.contains("request id req-123")
            && text.contains("after 4 attempts over "),
        "{text}"
    );

    let s2 = MockServer::start(|_| box_error(429, "rate_limit_exceeded")).await;
    let c = box_v2::Client::builder()
        .base_url(&s2.url)
        .auth(box_v2::auth::DeveloperToken::new("t"))
        .retry_policy(box_v2::RetryPolicy::none())
        .build()
        .unwrap();
    let e = c.users().me().send().await.unwrap_err();
    assert!(matches!(e, Error::RateLimited { .. }));
    assert_eq!(s2.count(), 1);
}

#[tokio::test]
async fn total_retry_time_is_bounded() {
    let s = MockServer::start(|_| raw(503, &[("retry-after", "1")], "")).await;
    let c = box_v2::Client::builder()
        .base_url(&s.url)
        .auth(box_v2::auth::DeveloperToken::new("t"))
        .retry_policy(
            fast_retry()
                .max_retries(100)
                .max_backoff(Duration::from_secs(1))
                .retry_timeout(Duration::from_millis(1500)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    assert!(c.users().me().send().await.is_err());
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(
        s.count(),
        2,
        "a second 1 s wait would pass the 1.5 s budget"
    );
}

#[tokio::test]
async fn connection_refused_is_retried_then_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let c = client(&format!("http://{addr}"));
    let e = c.users().me().send().await.unwrap_err();
    match &e {
        Error::Transport { message, .. } => {
            assert!(!message.contains("dev-token"));
            let retries = common::fast_retry().max_retries;
            assert!(
                message.contains(&format!("after {} attempts over ", retries + 1)),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(e.is_retryable());
}

#[tokio::test]
async fn streaming_bodies_are_not_replayed() {
    let s = MockServer::start(|_| box_error(500, "internal_server_error")).await;
    let c = client(&s.url);
    let stream = futures::stream::iter(vec![Ok(bytes::Bytes::from("once"))]);
    let e = c
        .upload("0", "a.txt", Body::from_stream(stream, None))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Api { .. }) && e.status() == Some(500));
    assert_eq!(s.count(), 1);

    // The same upload from memory is replayable and retried.
    let n = counter();
    let n2 = n.clone();
    let s = MockServer::start(move |_| {
        if n2.fetch_add(1, Ordering::SeqCst) == 0 {
            box_error(500, "internal_server_error")
        } else {
            json(201, fixture("files_collection.json"))
        }
    })
    .await;
    let c = client(&s.url);
    c.upload("0", "a.txt", Body::from_bytes("again"))
        .send()
        .await
        .unwrap();
    let reqs = s.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        let body = String::from_utf8_lossy(&r.body).to_string();
        assert!(
            body.contains("\r\n\r\nagain\r\n"),
            "the replay carries the same content: {body}"
        );
    }
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let s = MockServer::start(|_| box_error(404, "not_found")).await;
    let c = client(&s.url);
    assert!(c
        .folders()
        .get("1")
        .send()
        .await
        .unwrap_err()
        .is_not_found());
    assert_eq!(s.count(), 1);
}

#[tokio::test]
async fn malformed_success_body_is_a_decode_error() {
    let s = MockServer::start(|_| {
        raw(
            200,
            &[("content-type", "application/json")],
            r#"{"id": 5, "name": "x"#,
        )
    })
    .await;
    let c = client(&s.url);
    let e = c.files().get("1").send().await.unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
}

/// With an injected sleeper the waits are recorded, not slept: Retry-After is
/// honoured exactly, and without it the backoff grows exponentially.
#[tokio::test]
async fn injected_sleeper_sees_retry_after_and_exponential_backoff() {
    use box_v2::transport::retry::Sleeper;
    let delays: Arc<std::sync::Mutex<Vec<Duration>>> = Arc::default();
    let d2 = delays.clone();
    let sleeper = Sleeper::new(move |d| {
        d2.lock().unwrap().push(d);
        Box::pin(async {})
    });
    let n = counter();
    let n2 = n.clone();
    let s = MockServer::start(move |_| match n2.fetch_add(1, Ordering::SeqCst) {
        0 => raw(429, &[("retry-after", "7")], ""),
        1..=4 => box_error(500, "internal_server_error"),
        _ => json(200, fixture("user.json")),
    })
    .await;
    let c = box_v2::Client::builder()
        .base_url(&s.url)
        .auth(box_v2::auth::DeveloperToken::new("t"))
        .retry_policy(
            box_v2::RetryPolicy::default()
                .initial_backoff(Duration::from_millis(100))
                .max_backoff(Duration::from_secs(30)),
        )
        .sleeper(sleeper)
        .build()
        .unwrap();
    let started = Instant::now();
    c.users().me().send().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "nothing actually slept"
    );
    let d = delays.lock().unwrap().clone();
    assert_eq!(d.len(), 5);
    assert_eq!(d[0], Duration::from_secs(7), "Retry-After honoured");
    // Retries 2..5 without Retry-After: equal jitter of 100 ms × 2^(n-1).
    for (i, delay) in d[1..].iter().enumerate() {
        let base = Duration::from_millis(100) * (1 << (i + 1));
        assert!(
            *delay >= base / 2 && *delay <= base,
            "retry {}: {delay:?} vs {base:?}",
            i + 2
        );
    }
}

#[tokio::test]
async fn a_silent_server_gives_a_transport_error_not_a_hang() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock); // accept, read nothing, answer nothing
        }
    });
    let c = box_v2::Client::builder()
        .base_url(&format!("http://{addr}"))
        .auth(box_v2::auth::DeveloperToken::new("t"))
        .read_timeout(Duration::from_millis(200))
        .retry_policy(fast_retry().max_retries(1))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = c.users().me().send().await.unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    server.abort();
}
