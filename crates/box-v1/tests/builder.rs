//! Every `ClientBuilder` setting box-v1 shares with box-v2 (`base_url`,
//! `sleeper`, `timeout`, `user_agent`, `proxy`, `http_client`), each
//! checked against a local server.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::response::Response;
use axum::Router;
use box_core::Error;
use box_v1::actions::GetAccountInfo;
use box_v1::transfer::{Upload, UploadFile};
use common::*;

/// Serves `app` on a fresh loopback port; returns its base URL.
async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn builder() -> box_v1::ClientBuilder {
    box_v1::Client::builder(API_KEY).auth_token(secrecy::SecretString::from(TOKEN))
}

fn header(r: &Recorded, name: &str) -> Option<String> {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// `base_url` aims API calls, uploads and the auth page at one root.
#[tokio::test]
async fn base_url_sets_api_upload_and_web_bases() {
    let s = start().await;
    let c = builder().base_url(&format!("{}/", s.base)).build().unwrap();
    c.send(&GetAccountInfo).await.expect("a call to the root");
    c.upload_files(Upload::new(
        0,
        vec![UploadFile::from_bytes("a.txt", &b"hello"[..])],
    ))
    .await
    .expect("an upload to the root");
    let paths: Vec<String> = s.take_requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths[0], "/api/1.0/xml", "{paths:?}");
    assert!(paths[1].starts_with("/api/1.0/upload/"), "{paths:?}");
    let page = c.auth_url("t1");
    assert!(page.as_str().starts_with(&format!("{}/", s.base)), "{page}");
}

/// An injected sleeper sees every wait; nothing is slept, and the final
/// error says how many attempts were made.
#[tokio::test]
async fn sleeper_records_the_waits_between_attempts() {
    let api = serve(
        Router::new().fallback(|| async { (axum::http::StatusCode::SERVICE_UNAVAILABLE, "busy") }),
    )
    .await;
    let waits: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let seen = waits.clone();
    let c = builder()
        .base_url(&api)
        .retry_policy(
            box_v1::RetryPolicy::default()
                .max_retries(3)
                .initial_backoff(Duration::from_secs(10))
                .max_backoff(Duration::from_secs(40))
                .retry_timeout(Duration::from_secs(600)),
        )
        .sleeper(box_v1::Sleeper::new(move |d| {
            seen.lock().unwrap().push(d);
            Box::pin(async {})
        }))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = c.send(&GetAccountInfo).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "nothing slept");
    assert_eq!(e.status(), Some(503), "{e:?}");
    assert_eq!(waits.lock().unwrap().len(), 3, "one wait per retry");
    assert_eq!(e.retried().map(|r| r.attempts), Some(4), "{e}");
    assert!(e.to_string().contains("after 4 attempts over "), "{e}");
}

/// `timeout` bounds one attempt, headers and body included.
#[tokio::test]
async fn timeout_bounds_one_attempt() {
    let api = serve(Router::new().fallback(|| async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        "late"
    }))
    .await;
    let c = builder()
        .base_url(&api)
        .retry_policy(box_v1::RetryPolicy::none())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = c.send(&GetAccountInfo).await.unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

/// The default `User-Agent` names the crate; `user_agent` replaces it.
#[tokio::test]
async fn user_agent_is_sent() {
    let s = start().await;
    builder()
        .base_url(&s.base)
        .build()
        .unwrap()
        .send(&GetAccountInfo)
        .await
        .unwrap();
    builder()
        .base_url(&s.base)
        .user_agent("sync-tool/2.1")
        .build()
        .unwrap()
        .send(&GetAccountInfo)
        .await
        .unwrap();
    let reqs = s.take_requests();
    let default = header(&reqs[0], "user-agent").unwrap();
    assert!(default.starts_with("boxkit-v1/"), "{default}");
    assert_eq!(
        header(&reqs[1], "user-agent").as_deref(),
        Some("sync-tool/2.1")
    );
}

/// `proxy` sends every request through the proxy, which sees the real
/// target; a proxy URL that does not parse fails the build.
#[tokio::test]
async fn proxy_carries_every_request() {
    let proxy = start().await;
    let c = builder()
        .base_url("http://v1-host.invalid")
        .proxy(&proxy.base)
        .build()
        .unwrap();
    c.send(&GetAccountInfo)
        .await
        .expect("answered through the proxy");
    let reqs = proxy.take_requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(header(&reqs[0], "host").as_deref(), Some("v1-host.invalid"));

    let e = builder().proxy("not a proxy url").build().unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
}

/// A client given with `http_client` is the one used (its default headers
/// reach the server).
#[tokio::test]
async fn http_client_is_used() {
    let s = start().await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-given-client", "yes".parse().unwrap());
    let given = reqwest::Client::builder()
        .default_headers(headers)
        .referer(false)
        .redirect(box_v1::client::redirect_policy())
        .build()
        .unwrap();
    builder()
        .base_url(&s.base)
        .http_client(given)
        .build()
        .unwrap()
        .send(&GetAccountInfo)
        .await
        .unwrap();
    let reqs = s.take_requests();
    assert_eq!(header(&reqs[0], "x-given-client").as_deref(), Some("yes"));
}

/// A body that never ends is cut by `timeout` too (not only the headers).
#[tokio::test]
async fn timeout_covers_the_body() {
    let api = serve(Router::new().fallback(|| async {
        let drip = futures::stream::unfold((), |()| async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            Some((Ok::<_, std::io::Error>(Bytes::from_static(b" ")), ()))
        });
        Response::builder()
            .header("content-type", "text/xml")
            .body(Body::from_stream(drip))
            .unwrap()
    }))
    .await;
    let c = builder()
        .base_url(&api)
        .retry_policy(box_v1::RetryPolicy::none())
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = c.send(&GetAccountInfo).await.unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}
