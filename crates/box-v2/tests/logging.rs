//! Retries and refreshes are logged, and no log line carries a secret.

mod common;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use box_v2::auth::{AccessToken, InMemoryTokenStore, OAuth2};
use common::{box_error, fast_retry, fixture, json, MockServer};
use serde_json::json as j;

#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_show_retries_but_no_secrets() {
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let calls = Arc::new(AtomicUsize::new(0));
    let s = MockServer::start(move |r| {
        if r.path == "/oauth2/token" {
            return json(200, j!({"access_token": "SECRET-ACCESS-2", "refresh_token": "SECRET-REFRESH-2", "expires_in": 3600}));
        }
        match calls.fetch_add(1, Ordering::SeqCst) {
            0 => box_error(401, "unauthorized"),
            1 => box_error(500, "internal_server_error"),
            _ => json(200, fixture("user.json")),
        }
    })
    .await;
    let c = box_v2::Client::builder()
        .base_url(&s.url)
        .auth(OAuth2::new("cid", "SECRET-CLIENT"))
        .token_store(InMemoryTokenStore::with_token(AccessToken::new(
            "SECRET-ACCESS-1",
            Some("SECRET-REFRESH-1".into()),
            None,
        )))
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    c.users().me().send().await.unwrap();
    let debug = format!("{c:?}");
    assert!(debug.contains("[redacted]"), "{debug}");
    assert!(
        !debug.contains("SECRET"),
        "a secret leaked into the client's Debug:\n{debug}"
    );
    let logs = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("retrying"), "{logs}");
    assert!(logs.contains("refreshing the access token"), "{logs}");
    assert!(
        !logs.contains("SECRET"),
        "a secret leaked into the logs:\n{logs}"
    );
}
