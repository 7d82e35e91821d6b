//! box-v2 against hostile local servers: endless and dripping bodies, tokens
//! and extra headers aimed at other hosts, 5xx after a POST, a 303 after a
//! POST, and a JWT app config without an enterprise.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body as AxumBody;
use box_core::Error;
use bytes::Bytes;
use common::*;
use http::header::{HeaderName, HeaderValue};
use http::Response;
use reqwest::Method;
use serde_json::json as j;

/// A 200 JSON answer whose body never ends.
fn endless() -> Response<AxumBody> {
    let chunk = Bytes::from(vec![b' '; 64 * 1024]);
    let stream = futures::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
    raw(
        200,
        &[("content-type", "application/json")],
        AxumBody::from_stream(stream),
    )
}

/// A 200 JSON answer dripping a byte every 200 ms, forever.
fn dripping() -> Response<AxumBody> {
    let stream = futures::stream::unfold((), |()| async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        Some((Ok::<_, std::io::Error>(Bytes::from_static(b" ")), ()))
    });
    raw(
        200,
        &[("content-type", "application/json")],
        AxumBody::from_stream(stream),
    )
}

fn builder(url: &str) -> box_v2::ClientBuilder {
    box_v2::Client::builder()
        .base_url(url)
        .auth(box_v2::auth::DeveloperToken::new("dev-token"))
        .retry_policy(fast_retry())
}

#[tokio::test]
async fn an_endless_json_body_stops_at_the_cap() {
    let s = MockServer::start(|_| endless()).await;
    for (c, cap) in [
        (
            builder(&s.url).max_response_body(1 << 20).build().unwrap(),
            1usize << 20,
        ),
        (
            builder(&s.url).build().unwrap(),
            box_v2::transport::DEFAULT_MAX_RESPONSE_BODY,
        ),
    ] {
        let e = tokio::time::timeout(Duration::from_secs(30), c.users().me().send())
            .await
            .expect("the read stops instead of growing without end")
            .unwrap_err();
        assert!(matches!(e, Error::Decode { .. }), "{e:?}");
        assert!(
            e.to_string().contains(&format!("limit of {cap} bytes")),
            "{e}"
        );
    }
}

#[tokio::test]
async fn a_declared_oversized_body_is_refused_before_reading() {
    let s = MockServer::start(|_| {
        raw(
            200,
            &[("content-type", "application/json")],
            vec![b' '; 4096],
        )
    })
    .await;
    let c = builder(&s.url).max_response_body(1024).build().unwrap();
    let e = c.users().me().send().await.unwrap_err();
    assert!(e.to_string().contains("limit of 1024 bytes"), "{e}");
}

#[tokio::test]
async fn streaming_downloads_are_not_capped() {
    let content = vec![7u8; 3 << 20];
    let served = content.clone();
    let s = MockServer::start(move |_| {
        raw(
            200,
            &[("content-type", "application/octet-stream")],
            served.clone(),
        )
    })
    .await;
    let c = builder(&s.url).max_response_body(1 << 20).build().unwrap();
    let body = c.download("1").send().await.unwrap();
    assert_eq!(body.collect(u64::MAX).await.unwrap().len(), content.len());
}

#[tokio::test]
async fn a_dripping_answer_ends_at_the_call_deadline() {
    let s = MockServer::start(|_| dripping()).await;
    let c = builder(&s.url)
        .api_timeout(Duration::from_millis(1500))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = tokio::time::timeout(Duration::from_secs(20), c.users().me().send())
        .await
        .expect("the call ends instead of hanging")
        .unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    assert!(e.to_string().contains("deadline"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn absolute_urls_elsewhere_get_no_token() {
    let other = MockServer::start(|_| json(200, j!({}))).await;
    let api = MockServer::start(|_| json(200, j!({}))).await;
    let c = client(&api.url);
    c.request(Method::GET, &format!("{}/2.0/users/me", other.url))
        .send_empty()
        .await
        .unwrap();
    assert_eq!(other.last().header("authorization"), None);
    // The client's own origin still gets it, by path or by absolute URL.
    c.request(Method::GET, &format!("{}/2.0/users/me", api.url))
        .send_empty()
        .await
        .unwrap();
    assert_eq!(
        api.last().header("authorization").as_deref(),
        Some("Bearer dev-token")
    );
}

#[tokio::test]
async fn extra_headers_do_not_follow_redirects_to_other_hosts() {
    let other = MockServer::start(|_| raw(200, &[], "content")).await;
    let target = format!("{}/blob", other.url);
    let api = MockServer::start(move |_| raw(302, &[("location", target.as_str())], "")).await;
    let c = builder(&api.url)
        .header(
            HeaderName::from_static("x-tenant-secret"),
            HeaderValue::from_static("s3cret"),
        )
        .build()
        .unwrap();
    c.request(Method::GET, "/files/1/content")
        .follow_redirects(true)
        .send_empty()
        .await
        .unwrap();
    assert_eq!(
        api.last().header("x-tenant-secret").as_deref(),
        Some("s3cret")
    );
    let seen = other.last();
    assert_eq!(seen.header("x-tenant-secret"), None);
    assert_eq!(seen.header("authorization"), None);
}

#[tokio::test]
async fn a_post_answered_500_is_not_replayed_but_a_get_is() {
    let s = MockServer::start(|_| box_error(500, "internal_server_error")).await;
    let c = client(&s.url);
    let e = c
        .request(Method::POST, "/folders")
        .json(&j!({"name": "x", "parent": {"id": "0"}}))
        .send::<serde_json::Value>()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(500));
    assert_eq!(
        s.count(),
        1,
        "a POST that may have taken effect was replayed"
    );
    c.request(Method::GET, "/folders/0")
        .send::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(s.count() > 2, "GETs are still retried");

    // 429 (and 503) say the server did not act: a POST is retried.
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    let s = MockServer::start(move |_| {
        if n2.fetch_add(1, Ordering::SeqCst) == 0 {
            raw(429, &[("retry-after", "0")], "")
        } else {
            json(201, j!({"type": "folder", "id": "5", "name": "x"}))
        }
    })
    .await;
    client(&s.url)
        .request(Method::POST, "/folders")
        .json(&j!({"name": "x", "parent": {"id": "0"}}))
        .send::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(s.count(), 2);
}

#[tokio::test]
async fn a_303_is_followed_as_a_get_without_the_body() {
    let s = MockServer::start(|r| {
        if r.path == "/2.0/start" {
            raw(303, &[("location", "/2.0/result")], "")
        } else {
            json(200, j!({"ok": true}))
        }
    })
    .await;
    let c = client(&s.url);
    let v: serde_json::Value = c
        .request(Method::POST, "/start")
        .json(&j!({"secret": "payload"}))
        .follow_redirects(true)
        .send()
        .await
        .unwrap();
    assert_eq!(v, j!({"ok": true}));
    let second = s.last();
    assert_eq!(second.method, "GET");
    assert!(second.body.is_empty(), "{:?}", second.body);
    assert_eq!(second.header("content-type"), None);
}

#[test]
fn a_jwt_config_without_enterprise_id_is_a_clear_error() {
    let mut config = fixture("jwt_app_config.json");
    config.as_object_mut().unwrap().remove("enterpriseID");
    let jwt = box_v2::auth::JwtAuth::from_app_config(&config.to_string()).unwrap();
    let e = jwt.assertion().unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
    assert!(e.to_string().contains("enterpriseID"), "{e}");
    // Naming the subject explicitly works.
    let jwt = jwt.subject(box_v2::auth::Subject::User("42".into()));
    assert!(jwt.assertion().is_ok());
}
