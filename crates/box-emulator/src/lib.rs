//! # box-emulator
//!
//! A local server speaking Box's v2 API — the offline default of the CLI, the
//! ground for end-to-end tests and a fault injector for reliability tests,
//! in the spirit of LocalStack and Azurite.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let emu = box_emulator::Emulator::builder().start().await?;
//! println!("API at {} with token for user {}", emu.api_url(), emu.default_user());
//! # Ok(())
//! # }
//! ```
//!
//! Layout: [`store`] is the one store (SQLite-persisted metadata, SHA-1
//! addressed blobs); [`v2`] serves the Box v2 wire format and [`v1`] the
//! legacy v1 API over the same store; [`admin`] the
//! `/_emulator/` API; [`faults`] injects failures; [`server`] starts and stops.

pub mod admin;
pub mod faults;
pub mod server;
pub mod store;
pub mod v1;
pub mod v2;

use std::sync::Arc;

use axum::Router;

pub use faults::{Fault, FaultConfig, FaultRule};
pub use server::{Config, Emulator, EmulatorBuilder, EmulatorHandle};

/// The whole application: v2 and admin routes, a Box-style 404 fallback, and
/// the observing middleware (tracing, counters, faults).
pub fn router(shared: Arc<server::Shared>) -> Router {
    v2::routes(shared.clone())
        .merge(v1::routes(&shared))
        .merge(admin::routes())
        .fallback(fallback)
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            server::observe,
        ))
        .with_state(shared)
}

async fn fallback() -> v2::errors::ApiError {
    v2::errors::ApiError::not_found()
}
