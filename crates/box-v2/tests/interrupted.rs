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

/// A server that reads each request and closes the connection without an
/// answer (the work may have been done); counts the requests it read.
async fn hang_up_server() -> (String, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let seen2 = seen.clone();
    let task = tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = vec![0u8; 64 * 1024];
            let mut got = Vec::new();
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                match sock.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
            if !got.is_empty() {
                seen2.fetch_add(1, Ordering::SeqCst);
            }
            drop(sock);
        }
    });
    (url, seen, task)
}

#[tokio::test]
async fn a_post_whose_answer_never_comes_is_not_replayed() {
    let (url, seen, task) = hang_up_server().await;
    let c = client(&url);
    let e = c.folders().create("0", "x").send().await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                maybe_sent: true,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        seen.load(Ordering::SeqCst),
        1,
        "the POST may have taken effect: not replayed"
    );

    // The same failure on a GET is retried (1 attempt + 5 retries).
    seen.store(0, Ordering::SeqCst);
    assert!(c.users().me().send().await.is_err());
    assert_eq!(seen.load(Ordering::SeqCst), 6);
    task.abort();
}
