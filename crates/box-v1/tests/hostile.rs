//! box-v1 against hostile local servers: redirects to another host, answers
//! that drip forever, and account trees of millions of tiny entries.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use box_core::Error;
use box_v1::actions::{GetAccountTree, GetFileInfo};
use box_v1::RequestForm;
use common::*;

type Log = Arc<Mutex<Vec<(Method, String, HeaderMap, Bytes)>>>;

/// Serves `app` on a fresh loopback port; returns its base URL.
async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// Another origin that records what reaches it and answers with a
/// `get_file_info` success.
async fn elsewhere() -> (String, Log) {
    let log: Log = Arc::default();
    let l = log.clone();
    let app = Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let l = l.clone();
            async move {
                l.lock()
                    .unwrap()
                    .push((method, uri.to_string(), headers, body));
                fixture("responses/get_file_info.xml")
            }
        },
    );
    (serve(app).await, log)
}

/// A server redirecting everything to `target` with `status`.
async fn redirecting(status: StatusCode, target: String) -> String {
    let app = Router::new().fallback(move || {
        let target = target.clone();
        async move {
            (
                status,
                [(axum::http::header::LOCATION, format!("{target}/landing"))],
            )
        }
    });
    serve(app).await
}

fn client(base: &str, form: RequestForm) -> box_v1::Client {
    box_v1::Client::builder(API_KEY)
        .api_base(base)
        .request_form(form)
        .auth_token(secrecy::SecretString::from(TOKEN))
        .retry_policy(box_v1::RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_redirect_to_another_host_sends_no_referer_and_no_token() {
    let (other, log) = elsewhere().await;
    let api = redirecting(StatusCode::FOUND, other).await;
    let info = client(&api, RequestForm::Rest)
        .send(&GetFileInfo { file_id: 224 })
        .await
        .unwrap();
    assert_eq!(info.file_id, 224);
    let seen = log.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let (_, uri, headers, _) = &seen[0];
    assert!(!uri.contains(TOKEN), "{uri}");
    for (name, value) in headers {
        assert!(
            !String::from_utf8_lossy(value.as_bytes()).contains(TOKEN),
            "{name} carries the token"
        );
    }
    assert!(headers.get("referer").is_none(), "{headers:?}");
}

#[tokio::test]
async fn a_307_to_another_host_does_not_replay_the_envelope() {
    for status in [
        StatusCode::TEMPORARY_REDIRECT,
        StatusCode::PERMANENT_REDIRECT,
    ] {
        let (other, log) = elsewhere().await;
        let api = redirecting(status, other).await;
        let e = client(&api, RequestForm::Xml)
            .send(&GetFileInfo { file_id: 224 })
            .await
            .unwrap_err();
        assert!(
            log.lock().unwrap().is_empty(),
            "{status}: the envelope (with the auth token) reached the other host"
        );
        assert!(!e.to_string().contains(TOKEN), "{e}");
        assert_eq!(e.status(), Some(status.as_u16()), "{e:?}");
    }
}

#[tokio::test]
async fn a_307_on_the_same_host_is_still_followed() {
    let hits: Arc<Mutex<u32>> = Arc::default();
    let h = hits.clone();
    let app = Router::new().fallback(move |uri: Uri| {
        let h = h.clone();
        async move {
            *h.lock().unwrap() += 1;
            if uri.path() == "/moved/api/1.0/xml" {
                fixture("responses/get_file_info.xml").into_response()
            } else {
                (
                    StatusCode::TEMPORARY_REDIRECT,
                    [(axum::http::header::LOCATION, "/moved/api/1.0/xml")],
                )
                    .into_response()
            }
        }
    });
    let api = serve(app).await;
    let info = client(&api, RequestForm::Xml)
        .send(&GetFileInfo { file_id: 224 })
        .await
        .unwrap();
    assert_eq!(info.file_id, 224);
    assert_eq!(*hits.lock().unwrap(), 2);
}

/// Sends the status line and headers, then one byte every 200 ms, forever.
async fn dripping() -> String {
    let app = Router::new().fallback(|| async {
        let drip = futures::stream::unfold((), |()| async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            Some((Ok::<_, std::io::Error>(Bytes::from_static(b" ")), ()))
        });
        Response::builder()
            .header("content-type", "text/xml")
            .body(Body::from_stream(drip))
            .unwrap()
    });
    serve(app).await
}

#[tokio::test]
async fn a_dripping_answer_ends_at_the_call_deadline() {
    let api = dripping().await;
    for form in [RequestForm::Xml, RequestForm::Rest] {
        let c = box_v1::Client::builder(API_KEY)
            .api_base(&api)
            .request_form(form)
            .auth_token(secrecy::SecretString::from(TOKEN))
            .api_timeout(Duration::from_millis(1500))
            .build()
            .unwrap();
        let started = Instant::now();
        let e = tokio::time::timeout(
            Duration::from_secs(20),
            c.send(&GetFileInfo { file_id: 224 }),
        )
        .await
        .expect("the call ends instead of hanging")
        .unwrap_err();
        assert!(matches!(e, Error::Transport { .. }), "{e:?}");
        assert!(e.to_string().contains("deadline"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

fn tiny_tree(files: usize) -> String {
    let mut s = String::with_capacity(files * 20 + 200);
    s.push_str("<response><status>listing_ok</status><tree><folder id=\"0\" name=\"\"><files>");
    for i in 0..files {
        s.push_str(&format!("<file id=\"{}\"/>", i + 1));
    }
    s.push_str("</files></folder></tree></response>");
    s
}

#[tokio::test]
async fn a_tree_of_many_tiny_entries_is_bounded_in_memory_and_streams_whole() {
    let s = start().await;
    s.set("get_account_tree", "text/xml", tiny_tree(50_000));
    let c = box_v1::Client::builder(API_KEY)
        .api_base(&s.base)
        .auth_token(secrecy::SecretString::from(TOKEN))
        .max_tree_entries(10_000)
        .build()
        .unwrap();
    let answer = c.send(&GetAccountTree::new(0)).await.unwrap();
    let e = answer.build().unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    assert!(e.to_string().contains("more than 10000"), "{e}");
    // The streaming path takes any size.
    let streamed = answer.entries().unwrap().filter(|e| e.is_ok()).count();
    assert_eq!(streamed, 50_000 + 2);
    // Under the limit, building works.
    let small = box_v1::tree::AccountTree::build_limited(
        &b"<folder id=\"0\" name=\"\"><files><file id=\"1\"/></files></folder>"[..],
        2,
    )
    .unwrap();
    assert_eq!(small.file_count(), 1);
}
