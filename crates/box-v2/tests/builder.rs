//! The `ClientBuilder` settings box-v2 shares with box-v1 that had no test
//! of their own (`timeout`, `user_agent`, `proxy`, `http_client`), each
//! checked against a local server.

mod common;

use std::time::{Duration, Instant};

use axum::body::{Body as AxumBody, Bytes};
use box_core::Error;
use common::*;

fn builder() -> box_v2::ClientBuilder {
    box_v2::Client::builder()
        .auth(box_v2::auth::DeveloperToken::new("dev-token"))
        .retry_policy(box_v2::RetryPolicy::none())
}

/// `timeout` bounds one attempt, its body included: a body that drips
/// forever fails at the limit.
#[tokio::test]
async fn timeout_bounds_one_attempt() {
    let s = MockServer::start(|_| {
        let drip = futures::stream::unfold((), |()| async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            Some((Ok::<_, std::io::Error>(Bytes::from_static(b" ")), ()))
        });
        raw(
            200,
            &[("content-type", "application/json")],
            AxumBody::from_stream(drip),
        )
    })
    .await;
    let c = builder()
        .base_url(&s.url)
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = c.users().me().send().await.unwrap_err();
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
    let s = MockServer::start(|_| json(200, fixture("user.json"))).await;
    builder()
        .base_url(&s.url)
        .build()
        .unwrap()
        .users()
        .me()
        .send()
        .await
        .unwrap();
    builder()
        .base_url(&s.url)
        .user_agent("sync-tool/2.1")
        .build()
        .unwrap()
        .users()
        .me()
        .send()
        .await
        .unwrap();
    let reqs = s.requests();
    let default = reqs[0].header("user-agent").unwrap();
    assert!(default.starts_with("boxkit-v2/"), "{default}");
    assert_eq!(
        reqs[1].header("user-agent").as_deref(),
        Some("sync-tool/2.1")
    );
}

/// `proxy` sends every request through the proxy, which sees the real
/// target (and the token, which belongs to that target); a proxy URL that
/// does not parse fails the build.
#[tokio::test]
async fn proxy_carries_every_request() {
    let proxy = MockServer::start(|_| json(200, fixture("user.json"))).await;
    let c = builder()
        .base_url("http://api-host.invalid")
        .proxy(&proxy.url)
        .build()
        .unwrap();
    c.users()
        .me()
        .send()
        .await
        .expect("answered through the proxy");
    let r = proxy.last();
    assert_eq!(r.header("host").as_deref(), Some("api-host.invalid"));
    assert_eq!(r.path, "/2.0/users/me");
    assert_eq!(
        r.header("authorization").as_deref(),
        Some("Bearer dev-token")
    );

    let e = builder().proxy("not a proxy url").build().unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
}

/// A client given with `http_client` is the one used (its default headers
/// reach the server).
#[tokio::test]
async fn http_client_is_used() {
    let s = MockServer::start(|_| json(200, fixture("user.json"))).await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-given-client", "yes".parse().unwrap());
    let given = reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    builder()
        .base_url(&s.url)
        .http_client(given)
        .build()
        .unwrap()
        .users()
        .me()
        .send()
        .await
        .unwrap();
    assert_eq!(s.last().header("x-given-client").as_deref(), Some("yes"));
}
