//! # boxctl
//!
//! The boxkit command-line tool: Box from the shell — on Box's v2 API, on the
//! legacy v1 API, or on an embedded emulator (the default, so every command
//! works on a fresh machine with no account and no network) — and
//! `boxctl migrate`, which moves a v1 account to v2.
//!
//! ```text
//! boxctl demo                                   # the offline tour
//! boxctl mkdir -p /Reports && boxctl put q1.csv /Reports
//! boxctl ls -l /Reports
//! boxctl share /Reports/q1.csv --access open
//! boxctl --profile work login                   # OAuth 2 with a loopback redirect
//! boxctl migrate --from legacy --to work --dry-run
//! ```
//!
//! Every command goes through `Arc<dyn box_core::Storage>` where the trait
//! covers it (so it works on v1 and v2 alike), and through the typed v2
//! client where it does not (trash, versions, collaborations, events, raw).
//!
//! ## Exit codes
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | failure (network, server, local I/O…) |
//! | 2 | usage: bad flag or argument, wrong kind of item |
//! | 3 | not found |
//! | 4 | conflict: name taken, item changed meanwhile |
//! | 5 | authentication: not signed in, credentials refused, not allowed |
//!
//! ## Layout
//!
//! [`cli`] declares the command line; [`config`] the profiles and the token
//! file; [`backend`] opens a profile (starting the embedded emulator when
//! needed); [`commands`] runs each command; [`transfer`] uploads and
//! downloads; [`migrate`] moves v1 to v2; [`demo`] is the tour; [`localpath`]
//! keeps remote names inside the target directory; [`output`] and
//! [`progress`] print; [`error`] maps failures to exit codes.

pub mod backend;
pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod error;
pub mod localpath;
pub mod migrate;
pub mod output;
pub mod progress;
pub mod transfer;

use std::process::ExitCode;

use clap::Parser;

use crate::backend::Session;
use crate::cli::Cli;
use crate::config::Dirs;
use crate::error::{CliError, CliResult};
use crate::output::Output;

/// Parses the command line, runs the command and returns its exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                error::code::USAGE
            } else {
                0
            });
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BOXCTL_LOG")
                .unwrap_or_else(|_| "warn,box_emulator=error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("boxctl: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let out = Output {
        json: cli.global.json,
        quiet: cli.global.quiet,
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if out.json {
                let _ = out.json(&e.to_json());
            }
            eprintln!("boxctl: {e}");
            ExitCode::from(e.code)
        }
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> CliResult<()> {
    let dirs = Dirs::resolve(cli.global.config_dir.clone(), cli.global.data_dir.clone())?;
    let session = Session::new(dirs)?;
    let out = Output {
        json: cli.global.json,
        quiet: cli.global.quiet,
    };
    let result = commands::dispatch(&session, &cli.global, out, cli.command).await;
    session.shutdown().await;
    result
}

/// Maps a `box_core::Error` with context.
pub(crate) fn ctx(what: impl std::fmt::Display) -> impl FnOnce(box_core::Error) -> CliError {
    move |e| CliError::from(e).context(what)
}
