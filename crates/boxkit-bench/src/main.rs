//! `boxkit-bench`: the boxkit performance suite.
//!
//! One command (see the README's "Performance" section):
//!
//! ```text
//! cargo build --release -p box-emulator -p boxkit-bench && target/release/boxkit-bench
//! ```
//!
//! It starts the emulator binary built next to it (in-memory mode), makes its
//! own data (a random file, a folder of many items), installs Box's official
//! Python SDK (boxsdk 10.18) in a virtualenv under the target directory, and
//! runs each case's variants interleaved (A B C A B C …, `--runs` rounds).
//! Every variant runs as its own process under `/usr/bin/time`, so its peak
//! RSS is its own; boxkit and SDK workers time only the operation (not the
//! interpreter's start), external tools (openssl, curl) are timed whole.
//! The table shows min and median seconds, peak RSS, and each variant's
//! median relative to the case's first row; the target checks of issue #14
//! follow it.

mod orchestrate;
mod sink;
mod worker;

use clap::{Args, Parser, Subcommand};

/// The boxkit performance suite.
#[derive(Debug, Parser)]
#[command(name = "boxkit-bench", version)]
struct Cli {
    #[command(subcommand)]
    cmd: Option<Cmd>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Runs one measured operation (used by the suite itself; the argument
    /// is a JSON job). Prints one JSON line with the seconds it took.
    #[command(hide = true)]
    Worker {
        /// The job, as JSON.
        job: String,
    },
}

/// Sizes and switches of a suite run.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Size of the upload/download file in MiB.
    #[arg(long, default_value_t = 1024)]
    pub size_mib: u64,
    /// Items in the listed folder.
    #[arg(long, default_value_t = 100_000)]
    pub items: u64,
    /// Small GETs per run.
    #[arg(long, default_value_t = 10_000)]
    pub gets: u64,
    /// Small GETs in flight.
    #[arg(long, default_value_t = 32)]
    pub in_flight: usize,
    /// Rounds of each case (each variant runs once per round, interleaved).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Latency fault (ms per request) of the second emulator; 0 skips the latency cases.
    #[arg(long, default_value_t = 20)]
    pub latency_ms: u64,
    /// Throughput fault of the second emulator: MiB per second per download
    /// response, like a WAN link per connection (0: no limit).
    #[arg(long, default_value_t = 64)]
    pub wan_mib_per_s: u64,
    /// Parts in flight for chunked uploads and parallel downloads.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Range size of parallel downloads, in MiB.
    #[arg(long, default_value_t = 16)]
    pub range_mib: u64,
    /// Part size the emulator chooses for upload sessions, in MiB.
    #[arg(long, default_value_t = 8)]
    pub part_mib: u64,
    /// A small, fast configuration (CI): 24 MiB file, 1000 items, 500 GETs,
    /// 4 MiB ranges; overrides the sizes above.
    #[arg(long)]
    pub quick: bool,
    /// Skip the official Python SDK (no virtualenv, no PyPI).
    #[arg(long)]
    pub no_sdk: bool,
    /// Skip the official SDK in the download case only (it downloads at a
    /// few MiB/s: at 1 GiB each run takes minutes).
    #[arg(long)]
    pub no_sdk_download: bool,
    /// Only these cases (comma separated: upload, sink, simple, download, latency, list, page, gets).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// The emulator binary. Default: `box-emulator` next to this binary.
    #[arg(long)]
    pub emulator: Option<std::path::PathBuf>,
    /// Where data and logs go. Default: `<target>/bench` (the SDK virtualenv is `<target>/sdk-venv`).
    #[arg(long)]
    pub work_dir: Option<std::path::PathBuf>,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.cmd {
        Some(Cmd::Worker { job }) => worker::main(&job),
        None => orchestrate::main(cli.run),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("boxkit-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
