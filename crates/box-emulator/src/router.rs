//! The whole application: the v2, v1 and admin routes, a Box-style 404
//! fallback, and the observing middleware. The top of the module graph:
//! nothing below imports it.

use std::sync::Arc;

use axum::Router;

use crate::http::errors::ApiError;
use crate::http::guard::guard;
use crate::http::observe::observe;
use crate::http::timeouts::body_timeout;
use crate::state::Shared;

/// The whole application: v2, v1 and admin routes, a Box-style 404 fallback,
/// the observing middleware (tracing, counters, faults) and, outermost, the
/// guard (loopback `Host` names, the admin secret).
pub fn router(shared: Arc<Shared>) -> Router {
    crate::v2::routes(shared.clone())
        .merge(crate::v1::routes(&shared))
        .merge(crate::admin::routes())
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            body_timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            observe,
        ))
        .layer(axum::middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

/// No route: a Box operation the emulator does not serve is a 501 naming
/// it ([`crate::v2::operations`]); anything else a Box-style 404.
async fn fallback(method: http::Method, uri: http::Uri) -> ApiError {
    crate::v2::operations::not_implemented(&method, uri.path()).unwrap_or_else(ApiError::not_found)
}

/// A route without this method: 501 if Box has the operation, else 405.
async fn method_not_allowed(method: http::Method, uri: http::Uri) -> ApiError {
    crate::v2::operations::not_implemented(&method, uri.path()).unwrap_or_else(|| {
        ApiError::new(
            http::StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Method Not Allowed",
        )
    })
}
