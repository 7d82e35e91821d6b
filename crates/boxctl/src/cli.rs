//! The command line (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// boxctl — Box from the shell: on Box v2, on the legacy v1 API, or on an
/// embedded emulator (the default: works offline, no account needed).
///
/// Paths are Box paths (`/Reports/q1.csv`); `id:123` names an item by id
/// (`file:123` / `folder:123` to say which kind).
///
/// Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 conflict, 5 auth.
#[derive(Debug, Parser)]
#[command(name = "boxctl", version, max_term_width = 100)]
pub struct Cli {
    /// Global options.
    #[command(flatten)]
    pub global: Global,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// Profile to use (default: the configured default, else `embedded`).
    #[arg(long, global = true, env = "BOXCTL_PROFILE")]
    pub profile: Option<String>,
    /// Print JSON (one document; JSON lines for streams).
    #[arg(long, global = true)]
    pub json: bool,
    /// No progress bars or notes on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Where config.toml and tokens.json live (default: the platform config dir + /boxkit).
    #[arg(long, global = true, env = "BOXCTL_CONFIG_DIR")]
    pub config_dir: Option<PathBuf>,
    /// The embedded emulator's data directory (default: the platform data dir + /boxkit/emulator).
    #[arg(long, global = true, env = "BOXCTL_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
}

/// What to do when an upload's name is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OnConflict {
    /// Fail (exit code 4).
    #[default]
    Fail,
    /// Leave the remote file alone.
    Skip,
    /// Upload as a new version of the remote file.
    Version,
    /// Upload under a free name (`name (1).ext`).
    Rename,
}

/// Shared-link access levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Access {
    /// Anyone with the link.
    Open,
    /// People in the company.
    Company,
    /// Collaborators only.
    Collaborators,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List a folder (default `/`).
    Ls {
        /// Folder (or file) to list.
        #[arg(default_value = "/")]
        path: String,
        /// Long listing: kind, size, modified, id, name.
        #[arg(short)]
        long: bool,
        /// Recursive.
        #[arg(short = 'R')]
        recursive: bool,
    },
    /// Print a folder's subtree.
    Tree {
        /// Folder.
        #[arg(default_value = "/")]
        path: String,
    },
    /// Show an item's metadata.
    Stat {
        /// Item.
        path: String,
    },
    /// Create a folder.
    Mkdir {
        /// Folder path.
        path: String,
        /// Create missing parents; an existing folder is fine.
        #[arg(short, long)]
        parents: bool,
    },
    /// Upload files and directories (recursive, parallel, chunked when big).
    Put {
        /// Local files or directories, then the remote folder (or file name).
        #[arg(required = true, num_args = 2..)]
        paths: Vec<PathBuf>,
        /// What to do when a name is taken.
        #[arg(long, value_enum, default_value_t)]
        on_conflict: OnConflict,
        /// Transfers at a time.
        #[arg(long, short = 'j', default_value_t = 4)]
        jobs: usize,
    },
    /// Download files and folders (recursive, parallel, resumable).
    ///
    /// Files above `--parallel-above` are fetched in byte ranges, several at
    /// a time, pinned to the version they started with. An interrupted
    /// download continues from its partial file on the next `get` of the
    /// same item, unless the remote file changed meanwhile.
    Get {
        /// Remote items, then the local directory (or file name).
        #[arg(required = true, num_args = 2..)]
        paths: Vec<String>,
        /// Transfers at a time.
        #[arg(long, short = 'j', default_value_t = 4)]
        jobs: usize,
        /// Files larger than this are fetched in parallel ranges (bytes; K, M, G suffixes).
        #[arg(long, default_value = "16M", value_parser = parse_size)]
        parallel_above: u64,
        /// The size of one range (bytes; K, M, G suffixes).
        #[arg(long, default_value = "8M", value_parser = parse_size)]
        part_size: u64,
        /// Ranges of one file at a time.
        #[arg(long, default_value_t = 4)]
        range_jobs: usize,
    },
    /// Write a file's content to stdout.
    Cat {
        /// File.
        path: String,
    },
    /// Move or rename an item.
    Mv {
        /// Item.
        src: String,
        /// Destination folder, or new path.
        dst: String,
    },
    /// Copy an item.
    Cp {
        /// Item.
        src: String,
        /// Destination folder, or new path.
        dst: String,
    },
    /// Delete items (to the trash unless --permanent).
    Rm {
        /// Items.
        #[arg(required = true)]
        paths: Vec<String>,
        /// Delete folders with their contents.
        #[arg(short, long)]
        recursive: bool,
        /// Delete for good instead of moving to the trash.
        #[arg(long)]
        permanent: bool,
        /// Do not ask (required without a terminal for `-r`).
        #[arg(short, long)]
        yes: bool,
    },
    /// The trash.
    #[command(subcommand)]
    Trash(TrashCmd),
    /// File versions.
    #[command(subcommand)]
    Versions(VersionsCmd),
    /// Create or update an item's shared link and print it.
    Share {
        /// Item.
        path: String,
        /// Who may open the link.
        #[arg(long, value_enum)]
        access: Option<Access>,
        /// Environment variable holding the link's password.
        #[arg(long)]
        password_env: Option<String>,
        /// When the link stops working (RFC 3339, or a number of days like `7d`).
        #[arg(long)]
        expires: Option<String>,
    },
    /// Remove an item's shared link.
    Unshare {
        /// Item.
        path: String,
    },
    /// Collaborations on a folder or file.
    #[command(subcommand)]
    Collab(CollabCmd),
    /// Search by name (and content where indexed).
    Search {
        /// Query.
        query: String,
        /// Only files or only folders.
        #[arg(long = "type", value_parser = ["file", "folder"])]
        kind: Option<String>,
        /// Only below this folder.
        #[arg(long)]
        under: Option<String>,
        /// Only these extensions (comma-separated, e.g. `pdf,csv`).
        #[arg(long)]
        ext: Option<String>,
        /// At most this many results.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// The event stream.
    Events {
        /// Keep listening (long-poll) and print events as they arrive.
        #[arg(long, short)]
        follow: bool,
        /// Start here (`now`, `0`, or a stream position).
        #[arg(long, default_value = "0")]
        from: String,
        /// With --follow: stop after this many events (for scripts).
        #[arg(long)]
        max: Option<usize>,
    },
    /// Tags.
    #[command(subcommand)]
    Tag(TagCmd),
    /// Set an item's description.
    Describe {
        /// Item.
        path: String,
        /// The description (empty clears it).
        text: String,
    },
    /// Show the signed-in user.
    Whoami,
    /// Sign in (v2: developer token, OAuth 2, client credentials, JWT; v1: ticket flow).
    Login {
        /// For developer-token profiles: read the token from this variable instead of stdin.
        #[arg(long)]
        token_env: Option<String>,
        /// For OAuth 2 and the v1 ticket flow: do not try to open a browser.
        #[arg(long)]
        no_browser: bool,
    },
    /// Revoke and delete the profile's stored tokens.
    Logout,
    /// Any v2 endpoint (the escape hatch): prints the JSON answer.
    Raw {
        /// HTTP method.
        method: String,
        /// Path under the API base (`/folders/0`), with query string if any.
        path: String,
        /// JSON request body.
        #[arg(long)]
        data: Option<String>,
    },
    /// Profiles.
    #[command(subcommand)]
    Profile(ProfileCmd),
    /// Run the emulator as a server for other programs.
    Serve {
        /// Port on 127.0.0.1 (0 = any free port).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Fault rule, repeatable: KIND[:ARG](@RATE|#EVERY)[~PATH_PREFIX], e.g. 503@0.1.
        #[arg(long = "fault")]
        faults: Vec<String>,
        /// Seed of the fault-injection RNG.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Move a legacy v1 account (or folder) to v2.
    Migrate(MigrateArgs),
    /// The tour: seed the embedded emulator through v1, list/download/share
    /// through v2, migrate a v1 folder to v2, print the report. Offline.
    Demo {
        /// Keep the demo's emulator data here (default: a temporary directory).
        #[arg(long)]
        keep: Option<PathBuf>,
    },
}

/// `boxctl migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The v1 profile to read.
    #[arg(long)]
    pub from: String,
    /// The v2 profile to write.
    #[arg(long)]
    pub to: String,
    /// The v1 folder to migrate.
    #[arg(long, default_value = "/")]
    pub from_path: String,
    /// The v2 folder to migrate into (created if missing).
    #[arg(long, default_value = "/")]
    pub to_path: String,
    /// Print the plan and its totals; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Continue an interrupted migration from its journal (the default when the journal exists).
    #[arg(long)]
    pub resume: bool,
    /// The journal file (default: under the config dir, named after the profiles and paths).
    #[arg(long)]
    pub journal: Option<PathBuf>,
    /// Files transferred at a time.
    #[arg(long, short = 'j', default_value_t = 4)]
    pub jobs: usize,
}

/// `boxctl trash`.
#[derive(Debug, Subcommand)]
pub enum TrashCmd {
    /// List the trash.
    Ls,
    /// Restore a trashed item by id (`id:123`, `file:123`, `folder:123`).
    Restore {
        /// The item.
        id: String,
    },
    /// Delete a trashed item for good.
    Purge {
        /// The item.
        id: String,
    },
}

/// `boxctl versions`.
#[derive(Debug, Subcommand)]
pub enum VersionsCmd {
    /// List a file's previous versions.
    Ls {
        /// File.
        path: String,
    },
    /// Make a previous version current (as a new version).
    Promote {
        /// File.
        path: String,
        /// Version id.
        version: String,
    },
    /// Delete a previous version.
    Rm {
        /// File.
        path: String,
        /// Version id.
        version: String,
    },
}

/// `boxctl collab`.
#[derive(Debug, Subcommand)]
pub enum CollabCmd {
    /// Invite a user (by login e-mail or `user:ID`).
    Add {
        /// Folder or file.
        path: String,
        /// Login e-mail, or `user:ID`.
        who: String,
        /// Role.
        #[arg(long, default_value = "editor")]
        role: String,
    },
    /// List collaborations.
    Ls {
        /// Folder or file.
        path: String,
    },
    /// Remove a collaboration by id.
    Rm {
        /// Collaboration id.
        id: String,
    },
}

/// `boxctl tag`.
#[derive(Debug, Subcommand)]
pub enum TagCmd {
    /// Add tags.
    Add {
        /// Item.
        path: String,
        /// Tags.
        #[arg(required = true)]
        tags: Vec<String>,
    },
    /// Remove tags.
    Rm {
        /// Item.
        path: String,
        /// Tags.
        #[arg(required = true)]
        tags: Vec<String>,
    },
}

/// `boxctl profile`.
// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum ProfileCmd {
    /// List profiles.
    Ls,
    /// Add or replace a profile.
    Add {
        /// Name.
        name: String,
        /// `embedded`, `v2` or `v1`.
        #[arg(long, value_parser = ["embedded", "v2", "v1"])]
        kind: String,
        /// For v2: developer_token, oauth, client_credentials or jwt.
        #[arg(long, value_parser = ["developer_token", "oauth", "client_credentials", "jwt"])]
        auth: Option<String>,
        /// Root URL of a Box-compatible server (e.g. `boxctl serve`).
        #[arg(long)]
        base_url: Option<String>,
        /// For embedded: v1 or v2.
        #[arg(long, value_parser = ["v1", "v2"])]
        api: Option<String>,
        /// App client id.
        #[arg(long)]
        client_id: Option<String>,
        /// Variable holding the client secret.
        #[arg(long)]
        client_secret_env: Option<String>,
        /// v1 API key.
        #[arg(long)]
        api_key: Option<String>,
        /// OAuth loopback port.
        #[arg(long)]
        redirect_port: Option<u16>,
        /// `enterprise` or `user` (client credentials, JWT).
        #[arg(long)]
        subject_type: Option<String>,
        /// Enterprise or user id (client credentials, JWT).
        #[arg(long)]
        subject_id: Option<String>,
        /// JWT app config JSON.
        #[arg(long)]
        jwt_config: Option<PathBuf>,
        /// Variable holding the JWT key passphrase.
        #[arg(long)]
        passphrase_env: Option<String>,
        /// Make it the default profile.
        #[arg(long)]
        default: bool,
    },
    /// Remove a profile (and its tokens).
    Rm {
        /// Name.
        name: String,
    },
}

/// A byte count: a number with an optional `K`, `M` or `G` suffix (powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m: u64 = match c.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                _ => return Err(format!("{s:?}: the suffix must be K, M or G")),
            };
            (&t[..i], m)
        }
        _ => (t, 1),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (e.g. 512K, 8M)"))?;
    n.checked_mul(mult)
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{s:?} is out of range"))
}
