//! Profiles (`config.toml` under the platform config dir) and the token file
//! (`tokens.json` beside it, mode 0600, written atomically).
//!
//! ```toml
//! default_profile = "work"
//!
//! [profiles.work]              # Box v2
//! kind = "v2"
//! auth = "oauth"               # developer_token | oauth | client_credentials | jwt
//! client_id = "abc"
//! client_secret_env = "BOX_CLIENT_SECRET"
//! redirect_port = 8765
//!
//! [profiles.legacy]            # Box.net v1
//! kind = "v1"
//! api_key = "xyz"
//!
//! [profiles.local]             # the embedded emulator, through v1
//! kind = "embedded"
//! api = "v1"
//! ```
//!
//! With no configuration at all, the profile `embedded` (the emulator on the
//! platform data dir, through v2) is used. `embedded-v1` is the same emulator
//! and account through the v1 API.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{code, CliError, CliResult};

/// The whole configuration file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The profile used when neither `--profile` nor `BOXCTL_PROFILE` is given.
    #[serde(default)]
    pub default_profile: Option<String>,
    /// Profiles by name.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// Which API a profile talks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The embedded emulator, started in-process.
    #[default]
    Embedded,
    /// Box's v2 REST API.
    V2,
    /// The legacy Box.net v1 XML API.
    V1,
}

/// Which API an embedded profile goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Api {
    /// v2 (the default).
    #[default]
    V2,
    /// v1.
    V1,
}

/// How a v2 profile signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// A developer token (`boxctl login` asks for it, or `token_env` names it).
    #[default]
    DeveloperToken,
    /// OAuth 2 authorization code with a loopback redirect.
    Oauth,
    /// Client credentials grant (server authentication).
    ClientCredentials,
    /// JWT (server authentication with a key pair).
    Jwt,
}

/// One profile.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Which API.
    #[serde(default)]
    pub kind: Kind,
    /// For `embedded`: which API to go through.
    #[serde(default)]
    pub api: Api,
    /// For `embedded`: the emulator's data directory (default: the platform data dir).
    #[serde(default)]
    pub data_dir: Option<PathBuf>,
    /// Root URL of a Box-compatible server (`http://127.0.0.1:8080` for `boxctl serve`);
    /// sets every API URL below it. Default: Box's own URLs.
    #[serde(default)]
    pub base_url: Option<String>,
    /// For `v2`: how to sign in.
    #[serde(default)]
    pub auth: AuthKind,
    /// For `v2` OAuth, client credentials and JWT: the app's client id.
    #[serde(default)]
    pub client_id: Option<String>,
    /// Environment variable holding the client secret.
    #[serde(default)]
    pub client_secret_env: Option<String>,
    /// Environment variable holding a developer token (instead of `boxctl login`).
    #[serde(default)]
    pub token_env: Option<String>,
    /// For OAuth: the loopback port of the redirect URI (`http://127.0.0.1:PORT/callback`; 0 = any).
    #[serde(default)]
    pub redirect_port: Option<u16>,
    /// For client credentials / JWT: `enterprise` or `user`.
    #[serde(default)]
    pub subject_type: Option<String>,
    /// For client credentials / JWT: the enterprise or user id.
    #[serde(default)]
    pub subject_id: Option<String>,
    /// For JWT: the app config JSON downloaded from Box's developer console.
    #[serde(default)]
    pub jwt_config: Option<PathBuf>,
    /// For JWT: environment variable holding the private key's passphrase.
    #[serde(default)]
    pub passphrase_env: Option<String>,
    /// For `v1`: the API key.
    #[serde(default)]
    pub api_key: Option<String>,
}

/// Where configuration, tokens and the embedded emulator live.
#[derive(Debug, Clone)]
pub struct Dirs {
    /// Holds `config.toml` and `tokens.json`.
    pub config_dir: PathBuf,
    /// The embedded emulator's data directory.
    pub data_dir: PathBuf,
}

impl Dirs {
    /// From `--config-dir`/`BOXCTL_CONFIG_DIR` and `--data-dir`/`BOXCTL_DATA_DIR`,
    /// else the platform dirs (`~/.config/boxkit`, `~/.local/share/boxkit/emulator`).
    pub fn resolve(config_dir: Option<PathBuf>, data_dir: Option<PathBuf>) -> CliResult<Self> {
        let config_dir = match config_dir {
            Some(d) => d,
            None => dirs::config_dir()
                .ok_or_else(|| {
                    CliError::failure("cannot find the platform config directory")
                        .hint("pass --config-dir or set BOXCTL_CONFIG_DIR")
                })?
                .join("boxkit"),
        };
        let data_dir = match data_dir {
            Some(d) => d,
            None => dirs::data_dir()
                .ok_or_else(|| {
                    CliError::failure("cannot find the platform data directory")
                        .hint("pass --data-dir or set BOXCTL_DATA_DIR")
                })?
                .join("boxkit")
                .join("emulator"),
        };
        Ok(Self {
            config_dir,
            data_dir,
        })
    }

    /// `config.toml`.
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    /// `tokens.json`.
    pub fn tokens_file(&self) -> PathBuf {
        self.config_dir.join("tokens.json")
    }
}

impl Config {
    /// Reads the config file; a missing file is an empty configuration.
    pub fn load(path: &Path) -> CliResult<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => {
                return Err(CliError::failure(format!(
                    "reading {}: {e}",
                    path.display()
                )))
            }
        };
        toml::from_str(&text).map_err(|e| {
            CliError::usage(format!(
                "{} is not a valid configuration: {e}",
                path.display()
            ))
        })
    }

    /// Writes the config file atomically.
    pub fn save(&self, path: &Path) -> CliResult<()> {
        let text = toml::to_string_pretty(self)
            .map_err(|e| CliError::failure(format!("encoding the configuration: {e}")))?;
        write_atomic(path, text.as_bytes(), 0o644)
    }

    /// The profile named `name` (built-in `embedded` and `embedded-v1` when
    /// not configured), with its name.
    pub fn profile(&self, name: Option<&str>) -> CliResult<(String, Profile)> {
        let name = name
            .map(str::to_owned)
            .or_else(|| self.default_profile.clone())
            .unwrap_or_else(|| "embedded".to_owned());
        check_profile_name(&name)?;
        if let Some(p) = self.profiles.get(&name) {
            return Ok((name, p.clone()));
        }
        match name.as_str() {
            "embedded" => Ok((name, Profile::default())),
            "embedded-v1" => Ok((
                name,
                Profile {
                    api: Api::V1,
                    ..Profile::default()
                },
            )),
            _ => Err(
                CliError::with_code(code::NOT_FOUND, format!("no profile named {name:?}")).hint(
                    "list profiles with `boxctl profile ls`; add one with `boxctl profile add`",
                ),
            ),
        }
    }
}

/// Refuses a profile name that is not 1–64 ASCII letters, digits, `-`, `_`
/// or `.` (so it never collides with the token file's other entries, such
/// as the embedded user's, and is safe in a shell and a file name).
pub fn check_profile_name(name: &str) -> CliResult<()> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(
            CliError::usage(format!("{name:?} is not a valid profile name"))
                .hint("use 1-64 ASCII letters, digits, '-', '_' or '.'"),
        )
    }
}

/// A stored token set (JSON in `tokens.json`, keyed by profile).
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct StoredTokens {
    /// The access token (v2) or auth token (v1).
    pub access_token: String,
    /// The OAuth 2 refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// When the access token expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl std::fmt::Debug for StoredTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredTokens")
            .field("access_token", &"[redacted]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The token file: every profile's tokens, mode 0600, replaced atomically.
#[derive(Debug, Clone)]
pub struct TokenFile {
    path: PathBuf,
}

impl TokenFile {
    /// The token file at `path`.
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read_all(&self) -> CliResult<BTreeMap<String, StoredTokens>> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                CliError::failure(format!(
                    "{} is not a valid token file: {e}",
                    self.path.display()
                ))
                .hint("delete it and sign in again with `boxctl login`")
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(CliError::failure(format!(
                "reading {}: {e}",
                self.path.display()
            ))),
        }
    }

    /// The tokens of `profile`.
    pub fn get(&self, profile: &str) -> CliResult<Option<StoredTokens>> {
        Ok(self.read_all()?.remove(profile))
    }

    /// Replaces (or, with `None`, deletes) the tokens of `profile`.
    pub fn set(&self, profile: &str, tokens: Option<StoredTokens>) -> CliResult<()> {
        let mut all = self.read_all()?;
        match tokens {
            Some(t) => {
                all.insert(profile.to_owned(), t);
            }
            None => {
                all.remove(profile);
            }
        }
        let bytes = serde_json::to_vec_pretty(&all)
            .map_err(|e| CliError::failure(format!("encoding tokens: {e}")))?;
        write_atomic(&self.path, &bytes, 0o600)
    }
}

/// Writes `bytes` to a temporary file beside `path` (created with `mode` on
/// Unix, so a secret is never readable by others even for a moment), syncs
/// it, and renames it over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> CliResult<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::failure(format!("creating {}: {e}", dir.display())))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".boxctl-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(|e| CliError::failure(format!("creating a file in {}: {e}", dir.display())))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| CliError::failure(format!("writing {}: {e}", path.display())))?;
    tmp.persist(path)
        .map_err(|e| CliError::failure(format!("replacing {}: {}", path.display(), e.error)))?;
    Ok(())
}
