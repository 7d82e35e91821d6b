//! Who may talk to the server at all, and to its admin API.
//!
//! Binding to loopback is not enough: a web page in a browser on the same
//! machine can send requests to `127.0.0.1` (cross-site requests) or to a
//! name of its own that resolves to `127.0.0.1` (DNS rebinding). So:
//!
//! - every request must name a loopback `Host` (`127.0.0.1`, `localhost`,
//!   `[::1]`, any port) or one allowed by configuration, else `421`;
//! - `/_emulator/` requests (except `health`) must carry the per-run admin
//!   secret in [`ADMIN_SECRET_HEADER`] (`401`), must not come from a
//!   foreign `Origin` (`403`), and a body must be JSON (`415`).
//!
//! No CORS headers are ever sent, so browsers keep cross-site pages from
//! reading any answer.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::errors::ApiError;
use crate::state::{Shared, ADMIN_SECRET_HEADER};

/// Whether a `Host` (or an `Origin`'s host part), without its port, is
/// loopback or allowed.
fn host_allowed(shared: &Shared, host_port: &str) -> bool {
    let host = if let Some(rest) = host_port.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    let host = host.to_ascii_lowercase();
    matches!(host.as_str(), "127.0.0.1" | "localhost" | "::1")
        || shared
            .config
            .allowed_hosts
            .iter()
            .any(|h| h.eq_ignore_ascii_case(&host))
}

/// An `Origin` naming the server itself (`http://127.0.0.1:PORT` or an
/// allowed host); `null` and other sites are foreign.
fn origin_allowed(shared: &Shared, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    match url::Url::parse(origin) {
        Ok(u) => {
            let host = match (u.host_str(), u.port()) {
                (Some(h), Some(p)) => format!("{h}:{p}"),
                (Some(h), None) => h.to_string(),
                _ => return false,
            };
            host_allowed(shared, &host)
        }
        Err(_) => false,
    }
}

fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    ApiError::new(status, code, message).into_response()
}

/// Middleware: the `Host` allow-list for every request, and the admin
/// API's secret, `Origin` and content-type checks.
pub async fn guard(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()));
    if let Some(host) = host {
        if !host_allowed(&shared, &host) {
            return refuse(
                StatusCode::MISDIRECTED_REQUEST,
                "misdirected_request",
                "This server answers only loopback host names (see --allow-host)",
            );
        }
    }
    let path = req.uri().path();
    if path.starts_with("/_emulator/") && path != "/_emulator/health" {
        let given = req
            .headers()
            .get(ADMIN_SECRET_HEADER)
            .map(|v| v.as_bytes())
            .unwrap_or_default();
        if !shared.config.admin_secret.matches(given) {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "The admin API needs the secret printed at start in the x-box-emulator-admin-secret header",
            );
        }
        if !origin_allowed(&shared, req.headers()) {
            return refuse(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Cross-site requests to the admin API are refused",
            );
        }
        let has_body = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
            && req
                .headers()
                .get(header::CONTENT_LENGTH)
                .is_none_or(|l| l.as_bytes() != b"0");
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if has_body && !json {
            return refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Admin requests with a body must be application/json",
            );
        }
    }
    next.run(req).await
}
