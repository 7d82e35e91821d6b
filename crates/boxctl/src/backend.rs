//! Opening a profile: the `Arc<dyn Storage>` every command goes through, and
//! the typed client for what the trait does not cover.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use box_core::Storage;
use box_emulator::{Emulator, EmulatorHandle};
use box_v2::auth::{
    AccessToken, CallbackTokenStore, ClientCredentials, DeveloperToken, JwtAuth, OAuth2, Subject,
};
use secrecy::SecretString;

use crate::config::{Api, AuthKind, Config, Dirs, Kind, Profile, StoredTokens, TokenFile};
use crate::error::{code, CliError, CliResult};

/// The loopback redirect path of the OAuth 2 login.
pub const REDIRECT_PATH: &str = "/callback";

/// The API key the embedded v1 profile uses (the emulator accepts any).
pub const EMBEDDED_V1_API_KEY: &str = "boxctl-embedded";

/// An opened profile.
#[derive(Debug, Clone)]
pub struct Backend {
    /// The profile's name.
    pub profile: String,
    /// Its configuration.
    pub config: Profile,
    /// Every command goes through this where the trait covers it.
    pub storage: Arc<dyn Storage>,
    /// The v2 client (v2 and embedded v2 profiles).
    pub v2: Option<box_v2::Client>,
    /// The v1 client (v1 and embedded v1 profiles).
    pub v1: Option<box_v1::Client>,
}

impl Backend {
    /// The v2 client, or a clear error for a v1 profile.
    pub fn v2(&self, what: &str) -> CliResult<&box_v2::Client> {
        self.v2.as_ref().ok_or_else(|| {
            CliError::failure(format!(
                "{what} needs the v2 API; profile {:?} talks v1",
                self.profile
            ))
            .hint("use a v2 profile (`--profile embedded` works offline)")
        })
    }

    /// Which API the profile talks (`v1` or `v2`).
    pub fn api(&self) -> &'static str {
        if self.v2.is_some() {
            "v2"
        } else {
            "v1"
        }
    }
}

/// The embedded emulator a command talks to.
#[derive(Debug, Clone)]
pub enum Embedded {
    /// Started in this process (it holds the data directory's lock).
    Local(Arc<EmulatorHandle>),
    /// Started by another boxctl on the same data directory, reached over
    /// loopback through what it left in [`SERVER_FILE`].
    Remote(ServerFile),
}

impl Embedded {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        match self {
            Self::Local(e) => e.base_url(),
            Self::Remote(s) => s.base_url.clone(),
        }
    }

    /// The default user's access token.
    pub fn token(&self) -> String {
        match self {
            Self::Local(e) => e.default_token().to_owned(),
            Self::Remote(s) => s.token.clone(),
        }
    }
}

/// The file in the data directory where the boxctl that runs the embedded
/// emulator leaves its address, for other boxctl processes on the same data
/// directory (mode 0600: it holds the admin secret and a token).
pub const SERVER_FILE: &str = "boxctl-server.json";

/// What [`SERVER_FILE`] holds.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct ServerFile {
    /// The process serving.
    pub pid: u32,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The emulator's admin secret.
    pub admin_secret: String,
    /// The default user's access token.
    pub token: String,
}

impl std::fmt::Debug for ServerFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerFile")
            .field("pid", &self.pid)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl ServerFile {
    fn read(data_dir: &Path) -> Option<Self> {
        serde_json::from_slice(&std::fs::read(data_dir.join(SERVER_FILE)).ok()?).ok()
    }

    /// Whether the server answers with this token.
    async fn answers(&self) -> bool {
        let url = format!("{}/2.0/users/me", self.base_url);
        let client = match reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
        {
            Ok(c) => c,
            Err(_) => return false,
        };
        client
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    }
}

/// The command's context: directories, configuration, tokens, and the
/// embedded emulators reached so far (one per data directory, shared by
/// every profile on it).
#[derive(Debug)]
pub struct Session {
    /// Where things live.
    pub dirs: Dirs,
    /// The configuration file's contents.
    pub config: Config,
    /// The token file.
    pub tokens: TokenFile,
    emulators: Mutex<HashMap<PathBuf, Embedded>>,
}

impl Session {
    /// Loads the configuration.
    pub fn new(dirs: Dirs) -> CliResult<Self> {
        let config = Config::load(&dirs.config_file())?;
        let tokens = TokenFile::new(dirs.tokens_file());
        Ok(Self {
            dirs,
            config,
            tokens,
            emulators: Mutex::new(HashMap::new()),
        })
    }

    /// The embedded emulator on `data_dir`: started on first use and
    /// announced in [`SERVER_FILE`]; or, when another boxctl runs it
    /// already (it holds the data directory's lock), that one over loopback.
    pub async fn emulator(&self, data_dir: &Path) -> CliResult<Embedded> {
        if let Some(e) = self.lock().get(data_dir) {
            return Ok(e.clone());
        }
        let token = self.embedded_token(data_dir)?;
        let embedded = match Emulator::builder()
            .data_dir(data_dir)
            .default_token(token)
            .start()
            .await
        {
            Ok(handle) => {
                let announce = ServerFile {
                    pid: std::process::id(),
                    base_url: handle.base_url(),
                    admin_secret: handle.admin_secret().to_owned(),
                    token: handle.default_token().to_owned(),
                };
                let bytes = serde_json::to_vec(&announce)
                    .map_err(|e| CliError::failure(format!("encoding {SERVER_FILE}: {e}")))?;
                crate::config::write_atomic(&data_dir.join(SERVER_FILE), &bytes, 0o600)?;
                Embedded::Local(Arc::new(handle))
            }
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
                return Err(refused_token(data_dir, &self.tokens, e))
            }
            Err(start_err) => match ServerFile::read(data_dir) {
                Some(server) if server.answers().await => Embedded::Remote(server),
                _ => {
                    return Err(CliError::failure(format!(
                        "starting the embedded emulator on {}: {start_err}",
                        data_dir.display()
                    ))
                    .hint("another program may hold it; or pass --data-dir"))
                }
            },
        };
        self.lock().insert(data_dir.to_path_buf(), embedded.clone());
        Ok(embedded)
    }

    /// The embedded user's developer token for the emulator on `data_dir`
    /// (creating the directory): kept in the 0600 token file under
    /// [`embedded_token_key`], made up the first time, and given to the
    /// emulator at every start, which keeps it in its store — so every
    /// command, every embedded start and `serve` use one token, and a program
    /// given it once keeps working after restarts.
    pub fn embedded_token(&self, data_dir: &Path) -> CliResult<String> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| CliError::failure(format!("creating {}: {e}", data_dir.display())))?;
        let key = embedded_token_key(data_dir);
        if let Some(t) = self.tokens.get(&key)? {
            return Ok(t.access_token);
        }
        let token = box_emulator::store::random_token(40);
        self.tokens.set(
            &key,
            Some(StoredTokens {
                access_token: token.clone(),
                refresh_token: None,
                expires_at: None,
            }),
        )?;
        Ok(token)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Embedded>> {
        self.emulators.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stops the embedded emulators started here (each finishes its
    /// requests first) and withdraws their announcements.
    pub async fn shutdown(&self) {
        let all: Vec<_> = self.lock().drain().collect();
        for (dir, e) in all {
            if let Embedded::Local(e) = e {
                let file = dir.join(SERVER_FILE);
                if ServerFile::read(&dir).is_some_and(|s| s.pid == std::process::id()) {
                    let _ = std::fs::remove_file(file);
                }
                if let Ok(e) = Arc::try_unwrap(e) {
                    e.stop().await;
                }
            }
        }
    }

    /// The profile's configuration.
    pub fn profile(&self, name: Option<&str>) -> CliResult<(String, Profile)> {
        self.config.profile(name)
    }

    /// Opens a profile.
    pub async fn open(&self, name: Option<&str>) -> CliResult<Backend> {
        let (name, profile) = self.profile(name)?;
        match profile.kind {
            Kind::Embedded => self.open_embedded(name, profile).await,
            Kind::V2 => self.open_v2(name, profile),
            Kind::V1 => self.open_v1(name, profile),
        }
    }

    async fn open_embedded(&self, name: String, profile: Profile) -> CliResult<Backend> {
        let data_dir = profile
            .data_dir
            .clone()
            .unwrap_or_else(|| self.dirs.data_dir.clone());
        let emu = self.emulator(&data_dir).await?;
        let base = emu.base_url();
        let token = emu.token();
        match profile.api {
            Api::V2 => {
                let client = box_v2::Client::builder()
                    .base_url(&base)
                    .user_agent(user_agent())
                    .auth(DeveloperToken::new(token))
                    .build()?;
                Ok(Backend {
                    profile: name,
                    config: profile,
                    storage: Arc::new(client.storage()),
                    v2: Some(client),
                    v1: None,
                })
            }
            Api::V1 => {
                let client = box_v1::Client::builder(EMBEDDED_V1_API_KEY)
                    .api_base(&base)
                    .upload_base(&base)
                    .web_base(&base)
                    .auth_token(SecretString::from(token))
                    .build()?;
                Ok(Backend {
                    profile: name,
                    config: profile,
                    storage: Arc::new(client.clone()),
                    v2: None,
                    v1: Some(client),
                })
            }
        }
    }

    /// A v2 client builder with the profile's URLs and credentials.
    pub fn v2_builder(&self, name: &str, profile: &Profile) -> CliResult<box_v2::ClientBuilder> {
        let b = v2_base(profile);
        let b = match profile.auth {
            AuthKind::DeveloperToken => {
                let token = match profile.token_env.as_deref().and_then(env_secret) {
                    Some(t) => t,
                    None => self
                        .tokens
                        .get(name)?
                        .map(|t| t.access_token)
                        .ok_or_else(|| not_signed_in(name))?,
                };
                b.auth(DeveloperToken::new(token))
            }
            AuthKind::Oauth => {
                let (id, secret) = client_pair(name, profile)?;
                let port = profile.redirect_port.unwrap_or(0);
                let app = OAuth2::new(id, secret)
                    .redirect_uri(format!("http://127.0.0.1:{port}{REDIRECT_PATH}"));
                b.auth(app).token_store(self.token_store(name))
            }
            AuthKind::ClientCredentials => {
                let (id, secret) = client_pair(name, profile)?;
                b.auth(ClientCredentials::new(id, secret, subject(name, profile)?))
                    .token_store(self.token_store(name))
            }
            AuthKind::Jwt => {
                let path = profile.jwt_config.as_ref().ok_or_else(|| {
                    CliError::usage(format!("profile {name:?} uses JWT but sets no jwt_config"))
                })?;
                let text = std::fs::read_to_string(path)
                    .map_err(|e| CliError::failure(format!("reading {}: {e}", path.display())))?;
                let mut json: serde_json::Value = serde_json::from_str(&text)
                    .map_err(|e| CliError::usage(format!("{} is not JSON: {e}", path.display())))?;
                if let Some(var) = &profile.passphrase_env {
                    let pass = env_secret(var).ok_or_else(|| {
                        CliError::with_code(code::AUTH, format!("{var} is not set"))
                            .hint("export the private key's passphrase in that variable")
                    })?;
                    json["boxAppSettings"]["appAuth"]["passphrase"] = pass.into();
                }
                let mut jwt = JwtAuth::from_app_config(&json.to_string())?;
                if profile.subject_id.is_some() {
                    jwt = jwt.subject(subject(name, profile)?);
                }
                b.auth(jwt).token_store(self.token_store(name))
            }
        };
        Ok(b)
    }

    fn open_v2(&self, name: String, profile: Profile) -> CliResult<Backend> {
        let client = self.v2_builder(&name, &profile)?.build()?;
        Ok(Backend {
            profile: name,
            config: profile,
            storage: Arc::new(client.storage()),
            v2: Some(client),
            v1: None,
        })
    }

    /// A v1 client with the profile's URLs and API key (no auth token).
    pub fn v1_builder(&self, name: &str, profile: &Profile) -> CliResult<box_v1::ClientBuilder> {
        let key = profile.api_key.clone().ok_or_else(|| {
            CliError::usage(format!("profile {name:?} is v1 but sets no api_key"))
        })?;
        let mut b = box_v1::Client::builder(key);
        if let Some(base) = &profile.base_url {
            b = b.api_base(base).upload_base(base).web_base(base);
        }
        Ok(b)
    }

    fn open_v1(&self, name: String, profile: Profile) -> CliResult<Backend> {
        let token = self
            .tokens
            .get(&name)?
            .map(|t| t.access_token)
            .ok_or_else(|| not_signed_in(&name))?;
        let client = self
            .v1_builder(&name, &profile)?
            .auth_token(SecretString::from(token))
            .build()?;
        Ok(Backend {
            profile: name,
            config: profile,
            storage: Arc::new(client.clone()),
            v2: None,
            v1: Some(client),
        })
    }

    /// A token store writing the profile's entry of the token file: every
    /// token the client obtains (rotated refresh tokens included) is saved
    /// before it is used.
    pub fn token_store(&self, name: &str) -> CallbackTokenStore {
        let load_file = self.tokens.clone();
        let save_file = self.tokens.clone();
        let load_name = name.to_owned();
        let save_name = name.to_owned();
        CallbackTokenStore::new(
            move || {
                load_file
                    .get(&load_name)
                    .map(|t| {
                        t.map(|t| AccessToken::new(t.access_token, t.refresh_token, t.expires_at))
                    })
                    .map_err(|e| box_core::Error::invalid_input(e.message))
            },
            move |token| {
                let stored = token.map(stored_tokens);
                save_file
                    .set(&save_name, stored)
                    .map_err(|e| box_core::Error::invalid_input(e.message))
            },
        )
    }

    /// A v2 client builder with the profile's URLs and the developer token `token`.
    pub fn v2_builder_with_token(&self, profile: &Profile, token: &str) -> box_v2::ClientBuilder {
        v2_base(profile).auth(DeveloperToken::new(token))
    }
}

fn v2_base(profile: &Profile) -> box_v2::ClientBuilder {
    let b = box_v2::Client::builder().user_agent(user_agent());
    match &profile.base_url {
        Some(base) => b.base_url(base),
        None => b,
    }
}

/// The token file's key for the embedded user's token on `data_dir`
/// (`embedded@` and the directory's absolute path; profile names cannot hold
/// `@`, so it never collides with a profile's entry).
pub fn embedded_token_key(data_dir: &Path) -> String {
    let dir = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    format!("embedded@{}", dir.display())
}

fn refused_token(data_dir: &Path, tokens: &TokenFile, e: std::io::Error) -> CliError {
    CliError::with_code(
        code::AUTH,
        format!(
            "the emulator on {} refused the embedded token: {e}",
            data_dir.display()
        ),
    )
    .hint(format!(
        "delete the {:?} entry of {} and run the command again",
        embedded_token_key(data_dir),
        tokens.path().display()
    ))
}

/// The token file's form of an access token.
pub fn stored_tokens(t: &AccessToken) -> StoredTokens {
    use secrecy::ExposeSecret;
    StoredTokens {
        access_token: t.access_token().expose_secret().to_owned(),
        refresh_token: t.refresh_token().map(|r| r.expose_secret().to_owned()),
        expires_at: t.expires_at(),
    }
}

fn user_agent() -> String {
    format!("boxctl/{}", env!("CARGO_PKG_VERSION"))
}

fn env_secret(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.is_empty())
}

fn not_signed_in(name: &str) -> CliError {
    CliError::with_code(code::AUTH, format!("profile {name:?} is not signed in"))
        .hint(format!("run `boxctl --profile {name} login`"))
}

fn client_pair(name: &str, profile: &Profile) -> CliResult<(String, String)> {
    let id = profile
        .client_id
        .clone()
        .ok_or_else(|| CliError::usage(format!("profile {name:?} sets no client_id")))?;
    let var = profile.client_secret_env.clone().ok_or_else(|| {
        CliError::usage(format!(
            "profile {name:?} sets no client_secret_env (the variable holding the client secret)"
        ))
    })?;
    let secret = env_secret(&var).ok_or_else(|| {
        CliError::with_code(code::AUTH, format!("{var} is not set"))
            .hint("export the app's client secret in that variable")
    })?;
    Ok((id, secret))
}

fn subject(name: &str, profile: &Profile) -> CliResult<Subject> {
    let id = profile
        .subject_id
        .clone()
        .ok_or_else(|| CliError::usage(format!("profile {name:?} sets no subject_id")))?;
    match profile.subject_type.as_deref().unwrap_or("enterprise") {
        "enterprise" => Ok(Subject::Enterprise(id)),
        "user" => Ok(Subject::User(id)),
        other => Err(CliError::usage(format!(
            "subject_type must be enterprise or user, not {other:?}"
        ))),
    }
}
