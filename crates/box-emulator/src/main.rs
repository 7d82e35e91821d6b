//! `box-emulator`: runs the local Box-compatible server.
//!
//! ```text
//! box-emulator --port 8080 --data-dir ./box-data --seed 7 --fault 503@0.1 --fault latency:50@1
//! ```

use std::path::PathBuf;
use std::time::Duration;

use box_emulator::{Emulator, FaultConfig};
use clap::Parser;

/// A local Box-compatible server (v1 and v2 APIs over one store).
#[derive(Debug, Parser)]
#[command(name = "box-emulator", version)]
struct Args {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 8080, env = "BOX_EMULATOR_PORT")]
    port: u16,
    /// Persist metadata and contents here (default: in memory).
    #[arg(long, env = "BOX_EMULATOR_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Seed of the fault-injection RNG.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Fault rule, repeatable: KIND[:ARG](@RATE|#EVERY)[~PATH_PREFIX], e.g. 503@0.1, 429:2#3, reset@0.05, latency:200@1, throughput:8192@1 (KiB/s per request and response body, a WAN link), commit202:1@1.
    #[arg(long = "fault")]
    faults: Vec<String>,
    /// JSON fault configuration file (`{"seed":..,"rules":[..],"expire_tokens_after":..}`).
    #[arg(long)]
    fault_config: Option<PathBuf>,
    /// Force access tokens to expire after this many seconds.
    #[arg(long)]
    expire_tokens_after: Option<u64>,
    /// Access-token lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    token_ttl: u64,
    /// Smallest file size for chunked upload sessions.
    #[arg(long, default_value_t = 20_000_000)]
    chunked_min_size: u64,
    /// Secret the admin API (`/_emulator/`) requires in the
    /// `x-box-emulator-admin-secret` header (default: random, printed at start).
    #[arg(long, env = "BOX_EMULATOR_ADMIN_SECRET", hide_env_values = true)]
    admin_secret: Option<String>,
    /// Also answer this Host name (repeatable); only loopback names are answered otherwise.
    #[arg(long = "allow-host")]
    allow_hosts: Vec<String>,
    /// Directory the admin API may seed users' files from (repeatable); none by default.
    #[arg(long = "seed-root")]
    seed_roots: Vec<PathBuf>,
    /// Part size of chunked upload sessions.
    #[arg(long, default_value_t = 8 * 1024 * 1024)]
    part_size: u64,
    /// Largest file an upload may carry, in bytes (Box answers larger ones
    /// `413 file_size_limit_exceeded`).
    #[arg(long, default_value_t = 5 * 1024 * 1024 * 1024)]
    max_file_size: u64,
    /// Seconds a client may take to send a request's headers, and a request
    /// body may stall, before the connection is dropped.
    #[arg(long, default_value_t = 30)]
    read_timeout: u64,
    /// Test hook: abort right after an upload-session commit is durable,
    /// before answering it (to test recovery from a crash mid-commit).
    #[arg(long, hide = true)]
    crash_after_commit: bool,
}

fn fault_config(args: &Args) -> Result<FaultConfig, String> {
    let mut cfg = match &args.fault_config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("reading {}: {e}", path.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("parsing {}: {e}", path.display()))?
        }
        None => FaultConfig {
            seed: args.seed,
            ..FaultConfig::default()
        },
    };
    for spec in &args.faults {
        cfg.rules.push(FaultConfig::parse_rule(spec)?);
    }
    if args.expire_tokens_after.is_some() {
        cfg.expire_tokens_after = args.expire_tokens_after;
    }
    cfg.validate()?;
    Ok(cfg)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "box_emulator=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let faults = match fault_config(&args) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("box-emulator: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let mut builder = Emulator::builder()
        .port(args.port)
        .faults(faults)
        .token_ttl(Duration::from_secs(args.token_ttl))
        .chunked_upload_min_size(args.chunked_min_size)
        .chunked_part_size(args.part_size)
        .max_file_size(args.max_file_size)
        .read_timeouts(
            Duration::from_secs(args.read_timeout),
            Duration::from_secs(args.read_timeout),
        )
        .crash_after_commit(args.crash_after_commit);
    if let Some(dir) = &args.data_dir {
        builder = builder.data_dir(dir);
    }
    if let Some(secret) = &args.admin_secret {
        builder = builder.admin_secret(secret);
    }
    for host in &args.allow_hosts {
        builder = builder.allow_host(host);
    }
    for dir in &args.seed_roots {
        builder = builder.seed_root(dir);
    }
    let emu = match builder.start().await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("box-emulator: cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let banner = format!(
        "box-emulator listening\n  api:      {}\n  upload:   {}\n  oauth:    {}\n  v1:       {}\n  \
         admin:    {}\n  user:     {}\n  token:    {}\n  \
         admin secret (x-box-emulator-admin-secret header): {}\n",
        emu.api_url(),
        emu.upload_url(),
        emu.oauth_url(),
        emu.v1_url(),
        emu.admin_url(),
        emu.default_user(),
        emu.default_token(),
        emu.admin_secret()
    );
    // The banner is a courtesy to whoever started us: a reader that has gone (a test or script that read
    // the lines it needed and closed the pipe) must not take the server down. `println!` panics on a
    // closed stdout, which killed the emulator mid-test; a failed write is ignored instead.
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(banner.as_bytes()).and_then(|()| out.flush());
    }
    let _ = tokio::signal::ctrl_c().await;
    emu.stop().await;
    std::process::ExitCode::SUCCESS
}
