//! Responses whose body is cut mid-read: idempotent JSON calls are retried,
//! non-idempotent ones are not, and downloads resume with a byte range.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body as AxumBody;
use axum::http::Response;
use box_core::Error;
use bytes::Bytes;
use common::{client, fixture, json, MockServer};
use futures::StreamExt;

/// A 200 whose body sends `head` and then, once the client has had time to
/// read the headers, resets the connection.
fn cut(head: Vec<u8>) -> Response<AxumBody> {
    let chunks = futures::stream::iter([Some(Bytes::from(head)), None]).then(|c| async move {
        match c {
            Some(b) => Ok(b),
            None => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "cut",
                ))
            }
        }
    });
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(AxumBody::from_stream(chunks))
        .unwrap()
}

#[tokio::test]
async fn a_get_whose_body_is_cut_is_retried() {
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    let user = fixture("user.json");
    let s = MockServer::start(move |_| {
        if n2.fetch_add(1, Ordering::SeqCst) < 2 {
            let text = user.to_string().into_bytes();
            cut(text[..text.len() / 2].to_vec())
        } else {
            json(200, user.clone())
        }
    })
    .await;
    let me = client(&s.url).users().me().send().await.expect("retried");
    assert!(!me.id.to_string().is_empty());
    assert_eq!(s.count(), 3);
}

#[tokio::test]
async fn a_post_whose_body_is_cut_is_not_retried() {
    let s = MockServer::start(|_| cut(b"{\"type\":\"fol".to_vec())).await;
    let e = client(&s.url)
        .folders()
        .create("0", "x")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    assert_eq!(s.count(), 1, "a POST may have taken effect: not replayed");
}

#[tokio::test]
async fn a_cut_download_resumes_with_a_range() {
    let data: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let served = data.clone();
    let s = MockServer::start(move |req| {
        let range = req.header("range");
        match range.as_deref() {
            None => {
                let mut r = cut(served[..12_345].to_vec());
                r.headers_mut()
                    .insert("content-length", served.len().to_string().parse().unwrap());
                r
            }
            Some(r) => {
                let start: usize = r
                    .trim_start_matches("bytes=")
                    .trim_end_matches('-')
                    .parse()
                    .unwrap();
                Response::builder()
                    .status(206)
                    .header(
                        "content-range",
                        format!("bytes {start}-{}/{}", served.len() - 1, served.len()),
                    )
                    .body(AxumBody::from(served[start..].to_vec()))
                    .unwrap()
            }
        }
    })
    .await;
    let body = client(&s.url)
        .download("123")
        .send()
        .await
        .expect("download starts");
    let got = body.collect(1 << 20).await.expect("resumed to the end");
    assert_eq!(got.len(), data.len());
    assert!(got[..] == data[..], "content intact after the resume");
    let reqs = s.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].header("range").as_deref(), Some("bytes=12345-"));
}
