//! The admin API under `/_emulator/`: users (with their enterprise role
//! and whether they are external: `POST /_emulator/users`,
//! `PUT /_emulator/users/{id}`) and developer tokens, OAuth
//! apps, seeding a user's tree from a local directory (over HTTP only from
//! directories named at start), counters, fault configuration, webhook
//! signature keys and the webhook delivery log. Requests need the per-run
//! admin secret ([`crate::http::guard`]). The same operations back the methods of [`EmulatorHandle`](crate::EmulatorHandle).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::faults::FaultConfig;
use crate::http::errors::{ApiError, ApiResult};
use crate::http::{blocking, JsonBody};
use crate::state::Shared;
use crate::store::enterprise::EnterpriseRole;
use crate::store::{random_token, App, TokenKind, User};

/// Admin operations failed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct AdminError(pub String);

/// Mints a developer access token for a user.
pub fn mint_token(shared: &Shared, user: u64) -> Result<String, AdminError> {
    if !shared.store.read(|st| st.users.contains_key(&user)) {
        return Err(AdminError(format!("no user {user}")));
    }
    let ttl = shared.access_ttl();
    shared
        .store
        .write(|tx| Ok(tx.issue(TokenKind::Access, user, "", ttl, None)))
        .map_err(|e| AdminError(format!("{e:?}")))
}

/// How long a kept developer token ([`keep_token`]) stays valid.
pub const KEPT_TOKEN_TTL: chrono::Duration = chrono::Duration::days(3650);

/// Keeps `token` (a value the caller saved) as a developer access token of
/// `user`, valid for [`KEPT_TOKEN_TTL`]; a token stored already for `user`
/// and unexpired is left as it is. Refused when the value is empty, not
/// printable ASCII, or another user's token.
pub fn keep_token(shared: &Shared, user: u64, token: &str) -> Result<(), AdminError> {
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AdminError(
            "a kept token must be non-empty printable ASCII".into(),
        ));
    }
    if !shared.store.read(|st| st.users.contains_key(&user)) {
        return Err(AdminError(format!("no user {user}")));
    }
    let kept = shared
        .store
        .write(|tx| Ok(tx.keep_access_token(token, user, KEPT_TOKEN_TTL)))
        .map_err(|e| AdminError(format!("{e:?}")))?;
    if kept {
        Ok(())
    } else {
        Err(AdminError(
            "that token value is in use for another user or purpose".into(),
        ))
    }
}

/// Creates a user and a developer token.
pub fn create_user(shared: &Shared, name: &str, login: &str) -> Result<(User, String), AdminError> {
    let user = shared
        .store
        .create_user(name, login)
        .map_err(|e| AdminError(format!("{e:?}")))?;
    let token = mint_token(shared, user.id)?;
    Ok((user, token))
}

/// What to register as an OAuth app.
#[derive(Default, Clone, Deserialize)]
pub struct AppSpec {
    /// Client id (random if absent).
    #[serde(default)]
    pub client_id: Option<String>,
    /// Client secret (random if absent).
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Allowed redirect URIs.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// PEM public key for JWT assertions.
    #[serde(default)]
    pub public_key_pem: Option<String>,
    /// User id the authorize page approves as (default: the first user).
    #[serde(default)]
    pub authorize_user: Option<String>,
}

impl std::fmt::Debug for AppSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppSpec")
            .field("client_id", &self.client_id)
            .field("redirect_uris", &self.redirect_uris)
            .field("has_public_key", &self.public_key_pem.is_some())
            .field("authorize_user", &self.authorize_user)
            .finish_non_exhaustive()
    }
}

/// Registers an app (and its service account user).
pub fn register_app(shared: &Shared, spec: AppSpec) -> Result<App, AdminError> {
    let client_id = spec
        .client_id
        .unwrap_or_else(|| random_token(32).to_lowercase());
    let client_secret = spec.client_secret.unwrap_or_else(|| random_token(32));
    let authorize_user = match spec.authorize_user {
        Some(u) => u
            .parse::<u64>()
            .ok()
            .filter(|u| shared.store.read(|st| st.users.contains_key(u)))
            .ok_or_else(|| AdminError(format!("no user {u}")))?,
        None => shared
            .store
            .read(|st| st.users.keys().next().copied())
            .ok_or_else(|| AdminError("no users".into()))?,
    };
    let login = format!("AutomationUser_{client_id}@boxdevedition.com");
    let existing = shared
        .store
        .read(|st| st.users.values().find(|u| u.login == login).map(|u| u.id));
    let service_user = match existing {
        Some(id) => id,
        None => {
            shared
                .store
                .create_user(&format!("Service Account {client_id}"), &login)
                .map_err(|e| AdminError(format!("{e:?}")))?
                .id
        }
    };
    let app = App {
        client_id,
        client_secret,
        redirect_uris: spec.redirect_uris,
        public_key_pem: spec.public_key_pem,
        authorize_user,
        service_user,
    };
    let stored = app.clone();
    shared
        .store
        .write(|tx| {
            tx.put_app(stored);
            Ok(())
        })
        .map_err(|e| AdminError(format!("{e:?}")))?;
    Ok(app)
}

/// Items created per store transaction while seeding: large enough that a
/// 100,000-file directory is a hundred transactions (one SQLite commit
/// each), small enough that requests are not held up for long meanwhile.
const SEED_BATCH: usize = 1000;

/// One directory entry to create while seeding.
enum Seeded {
    Folder(String, PathBuf),
    File(String, crate::store::BlobInfo),
}

/// Stores a local file as a blob.
fn seed_blob(
    shared: &Shared,
    path: &Path,
    name: &str,
) -> Result<crate::store::BlobInfo, AdminError> {
    let mut w = shared
        .store
        .blobs()
        .writer()
        .map_err(|e| AdminError(e.to_string()))?;
    let mut f = std::fs::File::open(path).map_err(|e| AdminError(format!("{name}: {e}")))?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf).map_err(|e| AdminError(e.to_string()))?;
        if n == 0 {
            break;
        }
        w.write(&buf[..n]).map_err(|e| AdminError(e.to_string()))?;
    }
    w.finish().map_err(|e| AdminError(e.to_string()))
}

/// Copies a local directory into a user's root folder; returns the number
/// of items created. Entries are created in batches of `SEED_BATCH` (1,000), one
/// store transaction each; name checks use the store's name index, so a
/// large directory costs n log n, not n².
pub fn seed_dir(shared: &Shared, user: u64, dir: &Path) -> Result<u64, AdminError> {
    if !dir.is_dir() {
        return Err(AdminError(format!("{} is not a directory", dir.display())));
    }
    let mut count = 0;
    let mut stack: Vec<(PathBuf, String)> = vec![(dir.to_path_buf(), "0".into())];
    while let Some((path, parent)) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&path)
            .map_err(|e| AdminError(format!("reading {}: {e}", path.display())))?
            .filter_map(Result::ok)
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for batch in entries.chunks(SEED_BATCH) {
            let mut todo = Vec::with_capacity(batch.len());
            for entry in batch {
                let name = entry.file_name().to_string_lossy().into_owned();
                let ft = entry
                    .file_type()
                    .map_err(|e| AdminError(format!("{name}: {e}")))?;
                if ft.is_dir() {
                    todo.push(Seeded::Folder(name, entry.path()));
                } else if ft.is_file() {
                    let blob = seed_blob(shared, &entry.path(), &name)?;
                    todo.push(Seeded::File(name, blob));
                }
            }
            let mut failed = String::new();
            let created = shared
                .store
                .write(|tx| {
                    let mut folders = Vec::new();
                    for item in &todo {
                        match item {
                            Seeded::Folder(name, path) => {
                                let id = tx
                                    .create_folder(user, &parent, name)
                                    .inspect_err(|_| failed.clone_from(name))?;
                                folders.push((path.clone(), id.to_string()));
                            }
                            Seeded::File(name, blob) => {
                                tx.create_file(user, &parent, name, blob)
                                    .inspect_err(|_| failed.clone_from(name))?;
                            }
                        }
                    }
                    Ok(folders)
                })
                .map_err(|e| AdminError(format!("{failed}: {e:?}")))?;
            count += todo.len() as u64;
            stack.extend(created);
        }
    }
    Ok(count)
}

fn admin_error(e: AdminError) -> ApiError {
    ApiError::bad_request("bad_request", e.0)
}

#[derive(Debug, Deserialize)]
struct NewUser {
    name: String,
    login: String,
    /// Enterprise role (`admin`, `coadmin`, `user`; default `user`).
    #[serde(default)]
    role: Option<EnterpriseRole>,
    /// Outside the enterprise (an external user).
    #[serde(default)]
    external: Option<bool>,
}

/// `PUT /_emulator/users/{id}`: a user's enterprise role and whether they
/// are external.
#[derive(Debug, Deserialize)]
struct AccountChange {
    #[serde(default)]
    role: Option<EnterpriseRole>,
    #[serde(default)]
    external: Option<bool>,
}

fn account_json(user: &User) -> Value {
    json!({"id": user.id.to_string(), "name": user.name, "login": user.login,
           "role": user.account.role.as_str(), "external": user.account.external})
}

async fn put_user(
    State(shared): State<Arc<Shared>>,
    UrlPath(id): UrlPath<String>,
    JsonBody(body): JsonBody<AccountChange>,
) -> ApiResult<Json<Value>> {
    let id: u64 = id.parse().map_err(|_| ApiError::not_found())?;
    let s = shared.clone();
    let user = blocking(move || {
        s.store
            .write(|tx| tx.set_account(id, body.role, body.external))
            .map_err(ApiError::from)
    })
    .await?;
    Ok(Json(account_json(&user)))
}

async fn post_user(
    State(shared): State<Arc<Shared>>,
    JsonBody(body): JsonBody<NewUser>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let s = shared.clone();
    let (user, token) = blocking(move || {
        let (user, token) = create_user(&s, &body.name, &body.login).map_err(admin_error)?;
        if body.role.is_none() && body.external.is_none() {
            return Ok((user, token));
        }
        let user = s
            .store
            .write(|tx| tx.set_account(user.id, body.role, body.external))
            .map_err(ApiError::from)?;
        Ok((user, token))
    })
    .await?;
    let mut v = account_json(&user);
    v["access_token"] = json!(token);
    Ok((StatusCode::CREATED, Json(v)))
}

async fn post_token(
    State(shared): State<Arc<Shared>>,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Value>> {
    let user: u64 = id.parse().map_err(|_| ApiError::not_found())?;
    let s = shared.clone();
    let token = blocking(move || mint_token(&s, user).map_err(admin_error)).await?;
    Ok(Json(json!({"access_token": token, "user_id": id})))
}

async fn post_app(
    State(shared): State<Arc<Shared>>,
    JsonBody(spec): JsonBody<AppSpec>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let s = shared.clone();
    let app = blocking(move || register_app(&s, spec).map_err(admin_error)).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({"client_id": app.client_id, "client_secret": app.client_secret,
            "redirect_uris": app.redirect_uris, "authorize_user": app.authorize_user.to_string(),
            "service_user": app.service_user.to_string(),
            "has_public_key": app.public_key_pem.is_some()}),
        ),
    ))
}

#[derive(Debug, Deserialize)]
struct Seed {
    path: PathBuf,
}

async fn post_seed(
    State(shared): State<Arc<Shared>>,
    UrlPath(id): UrlPath<String>,
    JsonBody(body): JsonBody<Seed>,
) -> ApiResult<Json<Value>> {
    let user: u64 = id.parse().map_err(|_| ApiError::not_found())?;
    let allowed = std::fs::canonicalize(&body.path).is_ok_and(|dir| {
        shared
            .config
            .seed_roots
            .iter()
            .filter_map(|root| std::fs::canonicalize(root).ok())
            .any(|root| dir.starts_with(root))
    });
    if !allowed {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Seeding over HTTP is limited to directories named at start (--seed-root)",
        ));
    }
    let s = shared.clone();
    let n = blocking(move || seed_dir(&s, user, &body.path).map_err(admin_error)).await?;
    Ok(Json(json!({"items_created": n})))
}

async fn get_counters(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(shared.counters_json())
}

async fn get_faults(State(shared): State<Arc<Shared>>) -> Json<FaultConfig> {
    Json(shared.faults.config())
}

async fn put_faults(
    State(shared): State<Arc<Shared>>,
    JsonBody(cfg): JsonBody<FaultConfig>,
) -> ApiResult<Json<FaultConfig>> {
    cfg.validate()
        .map_err(|e| ApiError::bad_request("bad_request", e))?;
    shared.faults.set(cfg);
    Ok(Json(shared.faults.config()))
}

async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// `PUT /_emulator/webhook_keys` `{"primary": .., "secondary": ..}`: the
/// keys webhook notifications are signed with (`""` clears one, an absent
/// one is kept). Answers which are set, never the keys.
async fn put_webhook_keys(
    State(shared): State<Arc<Shared>>,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<Value>> {
    let key = |k: &str| -> ApiResult<Option<String>> {
        match &body[k] {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            _ => Err(ApiError::bad_request(
                "bad_request",
                format!("{k} must be a string"),
            )),
        }
    };
    let (primary, secondary) = (key("primary")?, key("secondary")?);
    let store = shared.store.clone();
    let keys = blocking(move || {
        store
            .write(|tx| {
                tx.set_signature_keys(primary, secondary);
                Ok(tx.st.signature_keys.clone())
            })
            .map_err(ApiError::from)
    })
    .await?;
    Ok(Json(json!({
        "primary_set": keys.primary.is_some(), "secondary_set": keys.secondary.is_some(),
    })))
}

/// `GET /_emulator/webhook_deliveries`: every delivery attempt kept, oldest first.
async fn get_webhook_deliveries(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let attempts = shared.webhook_log.attempts();
    Json(json!({"total_count": attempts.len(), "entries": attempts}))
}

/// Admin routes.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_emulator/health", get(health))
        .route("/_emulator/users", post(post_user))
        .route("/_emulator/users/{id}", axum::routing::put(put_user))
        .route("/_emulator/users/{id}/tokens", post(post_token))
        .route("/_emulator/users/{id}/seed", post(post_seed))
        .route("/_emulator/apps", post(post_app))
        .route("/_emulator/counters", get(get_counters))
        .route("/_emulator/faults", get(get_faults).put(put_faults))
        .route(
            "/_emulator/webhook_keys",
            axum::routing::put(put_webhook_keys),
        )
        .route("/_emulator/webhook_deliveries", get(get_webhook_deliveries))
}
