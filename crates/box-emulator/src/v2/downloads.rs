//! Downloads: `GET /2.0/files/{id}/content` answers `302` to a short-lived
//! content URL (`/content/{token}`, no Authorization needed) that serves the
//! bytes with `Range` support.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use crate::http::errors::{ApiError, ApiResult};
use crate::http::{Caller, Params};
use crate::state::{DownloadTicket, Shared};
use crate::store::{random_token, Kind};

/// `GET /2.0/files/{id}/content[?version=]`.
pub async fn redirect(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    let ticket = shared.store.read(|st| -> ApiResult<DownloadTicket> {
        let (fid, _) = st.resolve(caller.user, &id, Kind::File)?;
        let item = st.item(fid).ok_or_else(ApiError::not_found)?;
        let version = match params.get("version") {
            Some(v) => item.versions.iter().find(|x| x.id.to_string() == v),
            None => item.current(),
        }
        .ok_or_else(ApiError::not_found)?;
        Ok(DownloadTicket {
            sha1: version.sha1.clone(),
            size: version.size,
            name: item.name.clone(),
            expires: Instant::now() + shared.config.download_url_ttl,
        })
    })?;
    let token = random_token(40);
    {
        let mut map = shared.downloads.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        map.retain(|_, t| t.expires > now);
        map.insert(token.clone(), ticket);
    }
    let location = format!("{}/content/{token}", shared.base);
    let mut resp = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

/// A `Range` header that cannot be satisfied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsatisfiable;

/// Parses a single `Range: bytes=` spec against a size.
pub fn parse_range(value: &str, size: u64) -> Result<(u64, u64), Unsatisfiable> {
    parse_range_inner(value, size).ok_or(Unsatisfiable)
}

fn parse_range_inner(value: &str, size: u64) -> Option<(u64, u64)> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: u64 = n.parse().ok()?;
            if n == 0 {
                return None;
            }
            (size.saturating_sub(n), size.checked_sub(1)?)
        }
        (a, "") => (a.parse().ok()?, size.checked_sub(1)?),
        (a, b) => {
            let a: u64 = a.parse().ok()?;
            let b: u64 = b.parse().ok()?;
            (a, b.min(size.saturating_sub(1)))
        }
    };
    if start > end || start >= size {
        return None;
    }
    Some((start, end))
}

/// `attachment` with the name twice: as `filename`, ASCII with anything
/// else (and quotes, backslashes) as `_`, and as RFC 5987 `filename*` in
/// percent-encoded UTF-8, so names beyond ASCII still make a valid header.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| match c {
            '"' | '\\' => '_',
            c if c == ' ' || c.is_ascii_graphic() => c,
            _ => '_',
        })
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// `GET /content/{token}`: the bytes.
pub async fn content(
    State(shared): State<Arc<Shared>>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let ticket = shared
        .downloads
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&token)
        .filter(|t| t.expires > Instant::now())
        .cloned()
        .ok_or_else(ApiError::not_found)?;
    let path = shared.store.blobs().path(&ticket.sha1);
    let mut file = tokio::fs::File::open(&path).await.map_err(|e| {
        tracing::error!(error = %e, sha1 = %ticket.sha1, "blob missing");
        ApiError::not_found()
    })?;
    let size = ticket.size;
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let (status, start, end) = match range {
        None => (StatusCode::OK, 0, size.saturating_sub(1)),
        Some(r) => match parse_range(r, size) {
            Ok((a, b)) => (StatusCode::PARTIAL_CONTENT, a, b),
            Err(Unsatisfiable) => {
                let mut resp = ApiError::new(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    "requested_range_not_satisfiable",
                    "Requested Range Not Satisfiable",
                )
                .into_response();
                if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                    resp.headers_mut().insert(header::CONTENT_RANGE, v);
                }
                return Ok(resp);
            }
        },
    };
    let len = if size == 0 { 0 } else { end - start + 1 };
    if start > 0 {
        file.seek(std::io::SeekFrom::Start(start))
            .await
            .map_err(|_| ApiError::not_found())?;
    }
    // 256 KiB reads: the default 4 KiB makes the emulator, not the client,
    // the bottleneck of a download benchmark.
    let body = Body::from_stream(ReaderStream::with_capacity(file.take(len), 256 * 1024));
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&ticket.name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if status == StatusCode::PARTIAL_CONTENT {
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{size}")) {
            h.insert(header::CONTENT_RANGE, v);
        }
    }
    Ok(resp)
}
