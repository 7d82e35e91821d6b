//! Read timeouts for request bodies: a body that stalls (no bytes arriving)
//! for longer than [`crate::state::Config::body_read_timeout`] fails, so a
//! half-sent upload does not hold a worker, a blob file and a connection
//! forever. (Header read timeouts are set on the HTTP/1 connection, in
//! [`crate::server`].)

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;

use crate::state::Shared;

/// The error a stalled body ends with.
#[derive(Debug)]
struct BodyStalled(Duration);

impl std::fmt::Display for BodyStalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no request body bytes arrived for {:?}", self.0)
    }
}

impl std::error::Error for BodyStalled {}

/// Middleware: wraps a request body so that every wait for its next chunk
/// is bounded by the body read timeout. Requests without a body pass as
/// they are.
pub async fn body_timeout(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let limit = shared.config.body_read_timeout;
    let has_body = req.headers().contains_key(http::header::TRANSFER_ENCODING)
        || req
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0");
    if !has_body {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let stream = futures::stream::unfold(Some(body.into_data_stream()), move |state| async move {
        let mut stream = state?;
        match tokio::time::timeout(limit, stream.next()).await {
            Ok(Some(Ok(chunk))) => Some((Ok(chunk), Some(stream))),
            Ok(Some(Err(e))) => Some((Err(axum::BoxError::from(e)), None)),
            Ok(None) => None,
            Err(_) => {
                tracing::info!(?limit, "request body stalled; dropping the request");
                Some((Err(axum::BoxError::from(BodyStalled(limit))), None))
            }
        }
    });
    next.run(Request::from_parts(parts, Body::from_stream(stream)))
        .await
}
